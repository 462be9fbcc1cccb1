/// <reference lib="dom" />
// The sweep panel on an LSTM language-model sweep (charlm, cell lstm, mixed:1.02 and plain, 2 seeds, a small text,
// trained by the CLI first): the header says the language-model success rule; "Compute Table 2 and motif" over every
// finished run shows a motif chart per gate block (i, f, c, o) with before and after lines of both initializers, the
// whole-matrix chart names the candidate block c, and a gate block's chart saves as SVG.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecContext } from './run';
import { openSweepPanelFromPalette } from './sweepUi';
import { webviewWith } from './workbench';
import { cli } from './trajectoryUi';
import { acceptSave } from './trainingUi';
import type { SweepReport } from '../../src/sweeps/types';

export const timeout = 180_000;

const SWEEP_ID = 'e2e-lstm-sweep';

export default async function sweepGated(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  // The workspace is a copy of test/fixtures: its small text.
  const text = join(ctx.workspace, 'text', 'brown-sample.txt');
  const dir = join(ctx.workspace, '.recurrent-lens', 'sweeps', SWEEP_ID);
  cli(...['sweep', '--task', 'charlm', '--cell', 'lstm', '--file', text, '--inits', 'mixed:1.02,plain', '--seeds', '2',
    '--N', '8', '--T', '10', '--batch', '4', '--updates', '20', '--eval-every', '10', '--checkpoint-every', '10', '--name', SWEEP_ID,
    '--out', dir, '--quiet', '--json']);
  const all = JSON.parse(cli(...['sweep-report', dir, '--all', '--json'])) as SweepReport;
  assert.deepEqual(Object.keys(all.motif['mixed:1.02'].gates ?? {}), ['i', 'f', 'c', 'o']);
  for (const run of readdirSync(join(dir, 'runs'))) rmSync(join(dir, 'runs', run, 'analysis'), { recursive: true, force: true });

  await openSweepPanelFromPalette(ctx, SWEEP_ID);
  const panel = await webviewWith(page, '#report-compute');
  assert.match(await panel.locator('#config').innerText(), /charlm, T = 10 · N = 8 · success: final validation bpc < the text’s unigram entropy/);
  assert.equal(await panel.locator('#gate-motifs').isHidden(), true, 'no gate charts before a report');

  await panel.locator('#report-all').click();
  await panel.locator('#report-compute').click();
  await panel.locator('#report-status').filter({ hasText: /^Every finished run: 4 runs, 8 checkpoints analysed now/ }).waitFor({ timeout: 90_000 });
  await panel.locator('#gate-motifs:not([hidden])').waitFor();
  assert.deepEqual(await panel.locator('#gate-motifs .gate-motif').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.gate)), ['i', 'f', 'c', 'o']);
  for (const g of ['i', 'f', 'c', 'o']) {
    const block = panel.locator(`#gate-motifs .gate-motif[data-gate="${g}"]`);
    assert.match(await block.locator('h3').innerText(), new RegExp(`^Gate block ${g} \\(`));
    // both initializers, before and after: 4 lines, as the report has profiles for each
    const want = Object.values(all.motif).reduce((n, m) => n + (m.gates![g].before_mean.length ? 1 : 0) + (m.gates![g].after_mean.length ? 1 : 0), 0);
    assert.equal(await panel.locator(`#motif-gate-${g}`).evaluate((svg) => svg.closest('.chart')?.getAttribute('data-lines')), String(want), `gate ${g}: lines`);
    assert.equal(want, 4);
    assert.ok(await panel.locator(`#motif-gate-${g}-svg`).isVisible(), `gate ${g}: SVG export`);
  }
  assert.match(await panel.locator('#motif-title').innerText(), /candidate block c/);
  await panel.locator('#gate-motifs').scrollIntoViewIfNeeded();
  await ctx.screenshot('gates');

  // ---- Export one gate block's chart.
  await panel.locator('#motif-gate-f-svg').click();
  const svgFile = join(ctx.workspace, 'lstm-gate-f.svg');
  await acceptSave(ctx, svgFile);
  const svg = readFileSync(svgFile, 'utf8');
  assert.match(svg, /^<\?xml|^<svg/);
  assert.match(svg, /gate block forget gate f/);
}
