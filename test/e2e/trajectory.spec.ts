/// <reference lib="dom" />
// The Weight Trajectory panel on real runs: two small copy-task runs trained with the CLI into the workspace (chain and
// orthogonal, same settings otherwise), one opened from the palette. Its table equals `recurrent-lens trajectory
// --json` of a copy of the run; the scrubber (keyboard) changes the heatmap's pixels and moves the marker on the
// curves; the table exports as CSV; "Add run to compare" puts the orthogonal run beside it on the same colour scale.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { SpecContext } from './run';
import { webviewWith } from './workbench';
import { acceptSave, choose, pickRunWith, quickTitle, showRunsView } from './trainingUi';
import { CLI, assertTableIs, trainSmall, trajectoryJson } from './trajectoryUi';

export const timeout = 180_000;

/** A hash of the canvas's pixels (the heatmap as drawn). */
async function pixels(view: FrameLocator, selector: string): Promise<string> {
  return view.locator(selector).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619);
    return `${c.width}x${c.height}:${h >>> 0}`;
  });
}

/** The d attribute of the curve's marker (its last dashed path: the vertical line at the scrubbed update). */
async function marker(view: FrameLocator, chart: string): Promise<string> {
  return view.locator(`#${chart} path.series-line[stroke-dasharray="3 3"]`).last().getAttribute('d') as Promise<string>;
}

export default async function trajectory(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  const runs = join(ctx.workspace, '.recurrent-lens', 'runs');
  const chainDir = join(runs, 'traj-chain'), orthDir = join(runs, 'traj-orth');
  trainSmall(chainDir, 'chain:1.02');
  trainSmall(orthDir, 'orthogonal:1.0');
  // The CLI's numbers, from a copy (its cache must not feed the panel, nor the panel's the CLI).
  const json = trajectoryJson(chainDir);
  const K = json.checkpoints.length;
  assert.ok(K >= 5, `${K} checkpoints`);
  ctx.log('checkpoints', json.checkpoints.map((e) => e.update).join(' '));

  // ---- Open from the palette: a quick pick of the runs (the Runs view picks up the CLI's runs).
  await pickRunWith(ctx, 'Recurrent Lens: Show Weight Trajectory', 'Show the weight trajectory of', 'traj-chain');
  const view = await webviewWith(page, '#scrubber');
  await assertTableIs(page, view, 0, json, 'traj-chain');
  assert.ok(existsSync(join(chainDir, 'analysis', 'trajectory')), 'the panel cached its analyses in the run folder');

  // the finite-horizon flag: marked in the table where the JSON has it
  const flagged = json.checkpoints.filter((e) => e.j_tot_finite_horizon !== undefined).length;
  assert.equal(await view.locator('#column-0 td[data-key="j_tot"][title]').count(), flagged);

  // ---- The scrubber opens on the last checkpoint; Home goes to update 0: other pixels, the marker moves.
  const label = view.locator('#scrub-label');
  assert.equal(await label.getAttribute('data-update'), String(json.checkpoints[K - 1].update));
  await page.waitForTimeout(300);
  const lastPixels = await pixels(view, '#heatmap-W-0');
  const lastDelta = await pixels(view, '#heatmap-D-0');
  const lastMarker = await marker(view, 'chart-delta');
  await view.locator('#scrubber').focus();
  await page.keyboard.press('Home');
  await view.locator('#scrub-label[data-update="0"]').waitFor();
  await page.waitForTimeout(300);
  assert.notEqual(await pixels(view, '#heatmap-W-0'), lastPixels, 'W at update 0 draws differently from the trained W');
  assert.notEqual(await pixels(view, '#heatmap-D-0'), lastDelta, 'W − W₀ changes (zero at update 0)');
  assert.notEqual(await marker(view, 'chart-delta'), lastMarker, 'the curve marker moved');
  assert.equal(await view.locator('#chart-delta').locator('..').locator('..').getAttribute('data-marker'), '0');
  assert.equal(await view.locator('#column-0 tr.current').getAttribute('data-update'), '0');
  // one arrow step: the next checkpoint
  await page.keyboard.press('ArrowRight');
  await view.locator(`#scrub-label[data-update="${json.checkpoints[1].update}"]`).waitFor();
  assert.equal(await view.locator('#column-0 tr.current').getAttribute('data-update'), String(json.checkpoints[1].update));
  await ctx.screenshot('scrubbed');

  // ---- Export the table as CSV: the save dialog proposes a name in the workspace.
  await view.locator('#export-csv').click();
  const csvFile = join(ctx.workspace, 'trajectory.csv');
  await acceptSave(ctx, csvFile);
  const csv = readFileSync(csvFile, 'utf8').trim().split('\n');
  assert.equal(csv.length, K + 1);
  const header = csv[0].split(',');
  assert.deepEqual(header.slice(0, 4), ['run_id', 'run', 'update', 'checkpoint']);
  csv.slice(1).forEach((line, k) => {
    const cells = line.split(',');
    assert.equal(cells[0], 'traj-chain');
    for (const key of ['update', 'henrici', 'spectral_radius', 'j_tot', 'delta_from_init']) {
      assert.equal(Number(cells[header.indexOf(key)]), json.checkpoints[k][key], `CSV ${key} row ${k}`);
    }
  });

  // ---- A second run beside it, on the same colour scale.
  await view.locator('#add-run').click();
  await quickTitle(page, 'Add Run to Compare').waitFor({ timeout: 15_000 });
  await choose(page, 'traj-orth');
  await view.locator('#columns[data-columns="2"] #column-1[data-run="traj-orth"]').waitFor({ timeout: 60_000 });
  assert.equal(await view.locator('#card-W-1 .colorbar').getAttribute('aria-label'), await view.locator('#card-W-0 .colorbar').getAttribute('aria-label'),
    'one colour scale for both runs');
  await page.waitForTimeout(300);
  await ctx.screenshot('compared');

  // ---- A run that is still training (started with the CLI): its trajectory grows as checkpoints appear.
  const liveDir = join(runs, 'traj-live');
  const live = spawn(process.execPath, [CLI, 'train', '--run-dir', liveDir, '--task', 'copy', '--T', '25', '--N', '16', '--init', 'chain:1.02',
    '--lr', '1e-3', '--updates', '1000000', '--eval-every', '1000', '--checkpoint-every', '20000', '--val-size', '32', '--train-size', '200', '--quiet'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 200 && !existsSync(join(liveDir, 'checkpoints', 'update-0000010')); i++) await page.waitForTimeout(100);
    // a run folder made by another process: the Runs view's Refresh reads it now
    await showRunsView(ctx);
    await page.locator('.action-label[aria-label="Refresh Training Runs"]:visible').first().click();
    await page.waitForTimeout(1000);
    await pickRunWith(ctx, 'Recurrent Lens: Show Weight Trajectory', 'Show the weight trajectory of', 'traj-live');
    const liveView = await webviewWith(page, '#column-0[data-run="traj-live"]');
    const liveRows = liveView.locator('#column-0 .traj-table tbody tr');
    await liveRows.first().waitFor({ timeout: 60_000 });
    const first = await liveRows.count();
    let later = first;
    for (const deadline = Date.now() + 90_000; later <= first && Date.now() < deadline; await page.waitForTimeout(500)) later = await liveRows.count();
    ctx.log('live run: rows', first, '→', later);
    assert.ok(later > first, `new checkpoints appear while the run trains (${first} → ${later} rows)`);
  } finally {
    live.kill();
  }
}
