/// <reference lib="dom" />
// The sweep panel's Table 2 and motif card on a small real sweep (copy T 21, N 16, orthogonal:1.0 and chain:1.02,
// 3 seeds, trained by the CLI first): "Compute Table 2 and motif" over every finished run shows the numbers of
// `recurrent-lens sweep-report --all --json` (the rows, n, d(W) at init and trained) and the before/after motif lines;
// the default rule shows the successful runs' counts; a cold computation is cancelled with Cancel.
import * as assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecContext } from './run';
import { openSweepPanelFromPalette } from './sweepUi';
import { webviewWith } from './workbench';
import { cli } from './trajectoryUi';
import type { SweepReport } from '../../src/sweeps/types';

export const timeout = 180_000;

const SWEEP_ID = 'e2e-report';

/** The number before " ± " of a cell ("2.09 ± 0.25", "−" signs as the webview writes them). */
const lead = (text: string) => Number(text.split(' ± ')[0].replace('−', '-'));

export default async function sweepReport(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  const dir = join(ctx.workspace, '.recurrent-lens', 'sweeps', SWEEP_ID);
  cli(...['sweep', '--inits', 'orthogonal:1.0,chain:1.02', '--task', 'copy', '--T', '21', '--N', '16', '--lrs', '1e-2', '--seeds', '3',
    '--updates', '600', '--out', dir, '--quiet', '--json']);
  // The expected numbers, computed without touching the runs' caches (they are removed again below).
  const all = JSON.parse(cli(...['sweep-report', dir, '--all', '--json'])) as SweepReport;
  const successful = JSON.parse(cli(...['sweep-report', dir, '--json'])) as SweepReport;
  const dropCaches = () => {
    for (const run of readdirSync(join(dir, 'runs'))) rmSync(join(dir, 'runs', run, 'analysis'), { recursive: true, force: true });
  };
  dropCaches();

  await openSweepPanelFromPalette(ctx, SWEEP_ID);
  const panel = await webviewWith(page, '#report-compute');
  const status = panel.locator('#report-status');
  assert.match(await status.innerText(), /Not computed yet/);

  // ---- Every finished run.
  await panel.locator('#report-all').click();
  await panel.locator('#report-compute').click();
  await status.filter({ hasText: /^Every finished run: 6 runs, 12 checkpoints analysed now/ }).waitFor({ timeout: 60_000 });
  for (const init of Object.keys(all.table2)) {
    const t = all.table2[init];
    const cells = await panel.locator(`#table2 tr[data-init="${init}"] td`).allInnerTexts();
    assert.equal(cells[0], String(t.n), `${init}: n`);
    assert.ok(Math.abs(lead(cells[1]) - t.henrici_init_mean!) <= 1e-3 * Math.max(1e-4, Math.abs(t.henrici_init_mean!)), `${init}: d(W) at init ${cells[1]} vs ${t.henrici_init_mean}`);
    assert.ok(Math.abs(lead(cells[2]) - t.henrici_mean!) <= 1e-3 * Math.abs(t.henrici_mean!), `${init}: d(W) trained ${cells[2]} vs ${t.henrici_mean}`);
  }
  assert.equal(await panel.locator('#motif-chart').evaluate((svg) => svg.closest('.chart')?.getAttribute('data-lines')), '4', 'before and after lines of both initializers');
  await panel.locator('#motif-chart').scrollIntoViewIfNeeded();
  await ctx.screenshot('all');

  // ---- The successful runs (from the cache now).
  await panel.locator('#report-all').click();
  await panel.locator('#report-compute').click();
  await status.filter({ hasText: /^Successful runs: \d+ runs, 0 checkpoints analysed now/ }).waitFor({ timeout: 30_000 });
  for (const init of Object.keys(successful.table2)) {
    const cells = await panel.locator(`#table2 tr[data-init="${init}"] td`).allInnerTexts();
    assert.equal(cells[0], String(successful.table2[init].n), `${init}: n of the successful runs`);
    if (successful.table2[init].n === 0) assert.deepEqual(cells.slice(1), ['—', '—', '—', '—'], `${init}: no successful run, no numbers`);
  }
  ctx.log(`successful: ${JSON.stringify(Object.fromEntries(Object.entries(successful.table2).map(([k, t]) => [k, t.n])))}`);

  // ---- Cancel a cold computation: the previous result stays.
  dropCaches();
  await panel.locator('#report-all').click();
  await panel.locator('#report-compute').click();
  await panel.locator('#report-cancel').click();
  await status.filter({ hasText: /^Cancelled: showing the previous result\./ }).waitFor({ timeout: 30_000 });
  assert.equal(await panel.locator('#report-cancel').isHidden(), true);
  await ctx.screenshot('cancelled');
}
