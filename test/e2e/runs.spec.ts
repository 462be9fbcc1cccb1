/// <reference lib="dom" />
// The Runs view and the training panel as a new user meets them: the form's Enter after an edit starts the run, the
// panel follows Stop and Resume both ways (from its own buttons and from the Runs view), runs are named by what
// tells them apart, a click on a checkpoint opens it in the inspector (its tab named by run and update), and several
// selected runs compare in one chart with a legend of their differences, exported as SVG, PNG and CSV.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { SpecContext } from './run';
import { webviewWith } from './workbench';
import { acceptSave, box, icon, quickTitle, runStatus, setField, showRunsView } from './trainingUi';

export const timeout = 240_000;

/** The panel's state badge and progress line once they say `state`. */
async function panelState(panel: FrameLocator, state: string): Promise<string> {
  await panel.locator(`#state[data-state="${state}"]`).waitFor({ timeout: 30_000 });
  return (await panel.locator('#progress-text').innerText()).trim();
}

export default async function runs(ctx: SpecContext): Promise<void> {
  const { page } = ctx;

  // ---- The form: after changing a setting, the active row is "Start training" again, so Enter starts the run.
  await ctx.runCommand('Recurrent Lens: Start Training Run…');
  await quickTitle(page, 'Start Training Run').waitFor();
  await setField(page, 'Name', 'panel stop');
  await setField(page, 'Sequence length T', '30');
  await setField(page, 'Hidden units N', '24');
  await setField(page, 'Updates', '400000');
  const active = page.locator('.quick-input-list .monaco-list-row.focused');
  assert.match(await active.innerText(), /Start training/, 'after an edit the active row is Start training');
  await box(page).fill('');
  await page.keyboard.press('Enter');

  // ---- The panel follows the run: Stop from the panel stops it, and the Runs view shows it stopped.
  const panel = await webviewWith(page, '#title:text("panel stop")');
  await panelState(panel, 'running');
  await panel.locator('#progress-text', { hasText: /left/ }).waitFor({ timeout: 30_000 });
  await showRunsView(ctx);
  const row = page.locator('.pane-body .monaco-list-row', { hasText: 'panel stop' });
  await row.locator(icon('sync')).waitFor({ timeout: 20_000 });
  await panel.locator('#stop').click();
  let progress = await panelState(panel, 'stopped');
  assert.doesNotMatch(progress, /left/, `no time left once stopped: ${progress}`);
  assert.equal(await panel.locator('#stop').isVisible(), false, 'Stop hidden when stopped');
  assert.equal(await panel.locator('#resume').isVisible(), true, 'Resume shown when stopped');
  await row.locator(icon('debug-stop')).waitFor({ timeout: 30_000 });
  assert.equal(runStatus(ctx.workspace, 'panel stop')?.status.state, 'stopped');
  await ctx.screenshot('panel-stopped');

  // Resume from the Runs view: the panel says running again; Stop from the Runs view: the panel says stopped.
  await row.hover();
  await row.locator('.action-label[aria-label="Resume Training Run"]').click();
  await panelState(panel, 'running');
  assert.equal(await panel.locator('#stop').isVisible(), true, 'Stop shown while running');
  await row.hover();
  await row.locator('.action-label[aria-label="Stop Training Run"]').click();
  progress = await panelState(panel, 'stopped');
  assert.doesNotMatch(progress, /left/, `no time left once stopped: ${progress}`);
  // Resume from the panel, stop from the panel again: both ways, more than once.
  await panel.locator('#resume').click();
  await panelState(panel, 'running');
  await row.locator(icon('sync')).waitFor({ timeout: 20_000 });
  await panel.locator('#stop').click();
  await panelState(panel, 'stopped');
  await row.locator(icon('debug-stop')).waitFor({ timeout: 30_000 });
  const stopped = runStatus(ctx.workspace, 'panel stop')!;
  assert.equal(stopped.status.state, 'stopped');

  // ---- A click on a checkpoint item opens that checkpoint in the inspector; its tab is named by run and update.
  await row.locator('.monaco-tl-twistie').click();
  const checkpoints = page.locator('.pane-body .monaco-list-row[aria-level="2"]');
  await checkpoints.first().waitFor({ timeout: 15_000 });
  const oldest = checkpoints.last();
  const update = Number(/update (\d+)/.exec(await oldest.innerText())![1]);
  await oldest.click();
  const tab = page.locator('.tabs-container .tab.active');
  await tab.filter({ hasText: /update-\d+/ }).waitFor({ timeout: 30_000 });
  const tabLabel = (await tab.innerText()).trim();
  ctx.log('checkpoint tab', JSON.stringify(tabLabel));
  assert.match(tabLabel, new RegExp(`^${stopped.id} · update-0*${update}$`), `the tab names run and update: ${tabLabel}`);
  // The inspector's own title: the run's name and the update.
  await webviewWith(page, `h1:text("panel stop · update ${update}")`, 60_000);
  await ctx.screenshot('checkpoint');
  await ctx.runCommand('View: Close All Editors');

  // ---- Three short runs from a run file, named in the Runs view by what differs between them.
  const common = { task: 'copy', T: 30, N: 24, updates: 300, eval_every: 50, checkpoint_every: 100, val_size: 64, log_every: 10 };
  writeFileSync(join(ctx.workspace, 'three.run.json'), JSON.stringify([
    { ...common, init: 'chain:1.02', seed: 1 },
    { ...common, init: 'chain:1.02', seed: 2 },
    { ...common, init: 'orthogonal:1.0', seed: 1, name: 'orthogonal, the paper’s baseline, named at length for the legend' },
  ], null, 1));
  await ctx.quickOpen('three.run.json');
  await ctx.runCommand('Recurrent Lens: Start Training Run from File');
  await showRunsView(ctx);
  const seed1 = page.locator('.pane-body .monaco-list-row[aria-level="1"]', { hasText: 'seed 1' });
  const seed2 = page.locator('.pane-body .monaco-list-row[aria-level="1"]', { hasText: 'seed 2' });
  const named = page.locator('.pane-body .monaco-list-row[aria-level="1"]', { hasText: 'named at length' });
  for (const r of [seed1, seed2, named]) await r.locator(icon('pass')).or(r.locator(icon('pass-filled'))).waitFor({ timeout: 60_000 });
  const label = async (r: typeof seed1) => (await r.locator('.label-name').innerText()).trim();
  assert.equal(await label(seed1), 'seed 1', 'unnamed runs differ only in the seed (the named one keeps its name)');
  assert.equal(await label(seed2), 'seed 2');
  assert.doesNotMatch(await seed1.innerText(), /^\d{8}-/, 'no timestamp as the name');

  // ---- Select two runs (Ctrl+click) and compare them from the context menu: one chart, a legend of what differs.
  await seed2.click();
  await named.click({ modifiers: ['Control'] });
  await named.click({ button: 'right' });
  // The click can land while the menu is still settling and be dropped (the menu stays open): click until it closes.
  const compareItem = page.locator('.context-view .action-label', { hasText: 'Compare Training Curves' });
  for (let attempt = 1; ; attempt++) {
    await compareItem.hover();
    await compareItem.click();
    try {
      await compareItem.waitFor({ state: 'hidden', timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
  const overlay = await webviewWith(page, '.chart[data-runs="2"]');
  const legend = (await overlay.locator('#loss-chart .legend').textContent()) ?? '';
  ctx.log('legend', legend);
  for (const want of ['initializer', 'seed', 'chain:1.02 · seed 2', 'orthogonal, the paper’s baseline', 'baseline', 'success']) assert.ok(legend.includes(want), `legend has "${want}": ${legend}`);
  assert.equal(await overlay.locator('#runs-table tbody tr').count(), 2);
  assert.ok(await overlay.locator('#loss-chart path.series-line').count() >= 4, 'validation and training curves of both runs');
  // The legend lies inside the figure (nothing cut off), on screen and so in the exported SVG.
  const fits = await overlay.locator('#loss-chart').evaluate((svg) => {
    const g = (svg as SVGSVGElement).querySelector('.legend') as SVGGElement;
    const b = g.getBBox();
    return { right: b.x + b.width, bottom: b.y + b.height, width: Number(svg.getAttribute('width')), height: Number(svg.getAttribute('height')) };
  });
  assert.ok(fits.right <= fits.width && fits.bottom <= fits.height, `legend inside the chart: ${JSON.stringify(fits)}`);
  await ctx.screenshot('compare');

  // Exports: SVG and PNG of the chart, CSV of every point.
  const svgFile = join(ctx.workspace, 'compare.svg');
  await overlay.locator('#export-svg').click();
  await acceptSave(ctx, svgFile);
  const svg = readFileSync(svgFile, 'utf8');
  assert.ok(svg.includes('<svg') && svg.includes('chain:1.02 · seed 2') && svg.includes('named at length'), 'the SVG has the legend');
  assert.equal(Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]), fits.width, 'the SVG is as wide as the chart (the legend inside)');
  const pngFile = join(ctx.workspace, 'compare.png');
  await overlay.locator('#export-png').click();
  await acceptSave(ctx, pngFile);
  assert.deepEqual([...readFileSync(pngFile).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
  const csvFile = join(ctx.workspace, 'compare.csv');
  await overlay.locator('#export-csv').click();
  await acceptSave(ctx, csvFile);
  const csv = readFileSync(csvFile, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'run_id,run,series,update,loss');
  const vals = csv.filter((l) => l.includes(',val,'));
  // 300 updates, validation at 0, 50, …, 300 and at the log-spaced checkpoints 10 and 20: 9 points per run.
  assert.equal(vals.length, 18, csv.slice(0, 5).join('\n'));
  assert.equal(csv.filter((l) => l.includes(',train,')).length, 60, '30 training points per run');

  // The single-run panel exports too: its CSV has the run's points.
  await seed1.click();
  // Alone, an unnamed run is titled by its settings (its id below them).
  const single = await webviewWith(page, '#title:text("copy T30 chain:1.02 lr 3e-4 seed 1")');
  await single.locator('.chart[data-val-points="9"]').waitFor({ timeout: 15_000 });
  const oneCsv = join(ctx.workspace, 'one.csv');
  await single.locator('#export-csv').click();
  await acceptSave(ctx, oneCsv);
  assert.equal(readFileSync(oneCsv, 'utf8').trim().split('\n').length, 1 + 9 + 30);
  const oneSvg = join(ctx.workspace, 'one.svg');
  await single.locator('#export-svg').click();
  await acceptSave(ctx, oneSvg);
  assert.ok(readFileSync(oneSvg, 'utf8').includes('validation'), 'the single chart with its legend');
}
