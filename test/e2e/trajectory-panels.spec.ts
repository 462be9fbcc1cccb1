/// <reference lib="dom" />
// The Weight Trajectory panel opened from a run's training panel, and brought back by a window reload. Two small
// copy-task runs trained with the CLI (orthogonal and chain). The orthogonal run's training panel (from the Runs
// view) has a "Weight Trajectory" button: pressed with the keyboard, it opens the trajectory of THAT run (its table
// equals `recurrent-lens trajectory --json` of the run, not of the other). The chain run is added beside it, the
// scrubber moved to the third checkpoint; after a window reload the panel is back with both runs, in order, their
// tables again equal to the CLI's, and the scrubber on the same checkpoint.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { SpecContext } from './run';
import { waitForWorkbench, webviewWith } from './workbench';
import { choose, quickTitle, showRunsView } from './trainingUi';
import { assertTableIs, trainSmall, trajectoryJson } from './trajectoryUi';

export const timeout = 180_000;

export default async function trajectoryPanels(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  const runs = join(ctx.workspace, '.recurrent-lens', 'runs');
  const orthDir = join(runs, 'tp-orth'), chainDir = join(runs, 'tp-chain');
  trainSmall(orthDir, 'orthogonal:1.0');
  trainSmall(chainDir, 'chain:1.02');
  const orth = trajectoryJson(orthDir), chain = trajectoryJson(chainDir);
  const K = orth.checkpoints.length;
  assert.ok(K >= 5, `${K} checkpoints`);
  assert.equal(chain.checkpoints.length, K, 'the same checkpoint schedule');
  // The runs must tell apart: otherwise "the trajectory of THAT run" proves nothing.
  assert.notDeepEqual(orth.checkpoints.map((e) => e.henrici), chain.checkpoints.map((e) => e.henrici));

  // ---- The orthogonal run's training panel, from the Runs view (Refresh: run folders made by another process).
  await showRunsView(ctx);
  await page.locator('.action-label[aria-label="Refresh Training Runs"]:visible').first().click();
  // The view labels runs by what tells them apart (here the initializer); the training panel names the folder.
  // Earlier specs leave sweeps in the view whose success counts name 'orthogonal:1.0' too: the row is a run's.
  const row = page.locator('.pane-body').getByRole('treeitem', { name: /^(?!Sweep ).*orthogonal:1\.0/ });
  await row.waitFor({ timeout: 30_000 });
  // A click can land before the extension has registered the item's command ("command not found"): click again.
  let training: FrameLocator | undefined;
  for (let attempt = 1; !training; attempt++) {
    await row.click();
    training = await webviewWith(page, '#config:has-text("tp-orth")', 15_000).catch((e) => {
      if (attempt >= 3) throw e;
      return undefined;
    });
  }
  const button = training.locator('#show-trajectory');
  await button.waitFor({ state: 'visible', timeout: 30_000 });
  // By keyboard: focus the button, press Enter.
  await button.focus();
  await page.keyboard.press('Enter');
  const view = await webviewWith(page, '#column-0[data-run="tp-orth"]');
  await assertTableIs(page, view, 0, orth, 'tp-orth from the training panel');
  assert.equal(await view.locator('#columns').getAttribute('data-columns'), '1');
  assert.match((await view.locator('#title').textContent())!, /^Weight trajectory: [^]*orthogonal:1\.0/);
  assert.doesNotMatch((await view.locator('#title').textContent())!, /chain/);
  await page.locator('.tabs-container .tab', { hasText: /^Trajectory: [^]*orthogonal:1\.0/ }).waitFor();

  // ---- The chain run beside it; the scrubber to the third checkpoint (keyboard).
  await view.locator('#add-run').click();
  await quickTitle(page, 'Add Run to Compare').waitFor({ timeout: 15_000 });
  await choose(page, 'tp-chain');
  await view.locator('#columns[data-columns="2"] #column-1[data-run="tp-chain"]').waitFor({ timeout: 60_000 });
  await assertTableIs(page, view, 1, chain, 'tp-chain added');
  const target = String(orth.checkpoints[2].update);
  await view.locator('#scrubber').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await view.locator(`#scrub-label[data-update="${target}"]`).waitFor();
  assert.notEqual(target, String(orth.checkpoints[K - 1].update), 'not where the panel opens by default');
  await page.waitForTimeout(500);
  await ctx.screenshot('before-reload');

  // ---- Reload the window: the panel comes back (its serializer) with both runs and the scrubbed checkpoint. With
  // "Developer: Reload Window", as a user would: it saves the workbench's state (the panel and its webview state) before
  // the page goes; a bare page.reload() (the browser's own reload) may leave the latest of it unsaved.
  const reloaded = page.waitForEvent('load', { timeout: 60_000 });
  await ctx.runCommand('Developer: Reload Window');
  await reloaded;
  await waitForWorkbench(page);
  const again = await webviewWith(page, '#columns[data-columns="2"] #column-1[data-run]', 90_000);
  assert.equal(await again.locator('#column-0').getAttribute('data-run'), 'tp-orth');
  assert.equal(await again.locator('#column-1').getAttribute('data-run'), 'tp-chain');
  await assertTableIs(page, again, 0, orth, 'tp-orth after the reload');
  await assertTableIs(page, again, 1, chain, 'tp-chain after the reload');
  assert.equal(await again.locator('#scrub-label').getAttribute('data-update'), target, 'the scrubber on the same checkpoint');
  assert.equal(await again.locator('#scrubber').evaluate((s: HTMLInputElement) => s.value), '2');
  for (const slot of [0, 1]) {
    assert.equal(await again.locator(`#column-${slot} tr.current`).getAttribute('data-update'), target, `column ${slot}'s current row`);
    assert.equal(await again.locator(`#column-${slot}`).getAttribute('data-update'), target, `column ${slot}'s heatmaps`);
  }
  await page.locator('.tabs-container .tab', { hasText: /^Trajectory: [^]*orthogonal:1\.0[^]* vs [^]*chain:1\.02/ }).waitFor();
  await page.waitForTimeout(300);
  await ctx.screenshot('reloaded');
}
