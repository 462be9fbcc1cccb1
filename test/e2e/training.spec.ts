/// <reference lib="dom" />
// Training in real VS Code: start the demo run from the palette (the form's defaults: copy, T = 100, chain:1.02,
// lr 3e-4; named here), see the progress notification, the live loss curves filling in, the run's final state in
// the Runs view and its checkpoint on disk; then stop and resume a second run from the Runs view's inline actions.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { SpecContext } from './run';
import { waitForWorkbench, webviewWith } from './workbench';
import { choose, icon, runStatus, setField, showRunsView } from './trainingUi';

export const timeout = 180_000;

export default async function training(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  await ctx.runCommand('Recurrent Lens: Start Training Run…');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Start Training Run' }).waitFor();
  // The form lists every setting with the demo's values.
  const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
  assert.ok(rows.some((r) => /Start training/.test(r) && /copy · T 100 · N 100 · chain:1.02 · lr 3e-4 · seed 1 · 6000 updates/.test(r)), JSON.stringify(rows));
  await setField(page, 'Name', 'e2e demo');
  await choose(page, 'Start training');

  // The cancellable progress notification, with the run's progress.
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Training e2e demo' });
  await toast.waitFor({ state: 'visible', timeout: 20_000 });
  await toast.filter({ hasText: /\d+\/6000/ }).waitFor({ timeout: 20_000 });

  // The live curves open with the run: points arrive while it trains.
  const panel = await webviewWith(page, '#loss-chart');
  const chart = panel.locator('.chart[data-train-points]');
  await panel.locator('#state[data-state="running"]').waitFor({ timeout: 30_000 });
  let early = 0;
  for (const deadline = Date.now() + 30_000; early === 0 && Date.now() < deadline; await page.waitForTimeout(100)) {
    early = Number(await chart.getAttribute('data-train-points'));
  }
  assert.ok(early > 0, 'training points drawn while running');
  await ctx.screenshot('running');
  ctx.log('points while running', early);

  // It ends (succeeds, or completes), with more points, a checkpoint and the success line on the chart.
  await panel.locator('#state[data-state="succeeded"], #state[data-state="completed"]').waitFor({ timeout: 120_000 });
  const final = runStatus(ctx.workspace, 'e2e demo');
  assert.ok(final, 'the run folder');
  assert.equal(final.status.state, 'completed');
  assert.ok(Number(await chart.getAttribute('data-train-points')) > early, 'more points after the run');
  assert.ok(Number(await chart.getAttribute('data-val-points')) >= 2, 'validation points');
  assert.equal(await panel.locator('#numbers [data-key="success"]').getAttribute('data-value'), String(Number(final.status.baseline) / 2));
  const checkpoint = String(final.status.checkpoint);
  assert.ok(existsSync(join(ctx.workspace, '.recurrent-lens', 'runs', final.id, checkpoint, 'model.json')), 'the last checkpoint');
  ctx.log('final', final.status.state, 'val', final.status.val_loss, 'succeeded', final.status.succeeded, 'at', final.status.update);

  // The Runs view lists it with its final state.
  await showRunsView(ctx);
  const row = page.locator('.pane-body .monaco-list-row', { hasText: 'e2e demo' });
  await row.waitFor({ timeout: 15_000 });
  await row.locator(icon(final.status.succeeded ? 'pass-filled' : 'pass')).waitFor();
  assert.match(await row.innerText(), final.status.succeeded ? /succeeded/ : /completed/);
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  await ctx.screenshot('finished');

  // A second run, stopped and resumed from the Runs view's inline actions.
  await ctx.runCommand('Recurrent Lens: Start Training Run…');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Start Training Run' }).waitFor();
  await setField(page, 'Name', 'e2e stop');
  await setField(page, 'Updates', '200000');
  await choose(page, 'Start training');
  const second = page.locator('.pane-body .monaco-list-row', { hasText: 'e2e stop' });
  // Running within a minute (the trainer's start-up is slow on a loaded machine); if not, say what the row shows.
  await second.locator(icon('sync')).waitFor({ timeout: 60_000 }).catch(async (e: Error) => {
    const shown = await second.getAttribute('aria-label', { timeout: 1_000 }).catch(() => 'no row');
    throw new Error(`"e2e stop" is not running after 60 s; its row: ${shown}; the run's status: ${JSON.stringify(runStatus(ctx.workspace, 'e2e stop')?.status)}\n${e.message}`);
  });
  await second.hover();
  await second.locator('.action-label[aria-label="Stop Training Run"]').click();
  await second.locator(icon('debug-stop')).waitFor({ timeout: 30_000 });
  const stopped = runStatus(ctx.workspace, 'e2e stop')!;
  assert.equal(stopped.status.state, 'stopped');
  assert.ok(stopped.status.checkpoint, 'a stop checkpoints');
  await second.hover();
  await second.locator('.action-label[aria-label="Resume Training Run"]').click();
  await second.locator(icon('sync')).waitFor({ timeout: 20_000 });
  await second.hover();
  await second.locator('.action-label[aria-label="Stop Training Run"]').click();
  await second.locator(icon('debug-stop')).waitFor({ timeout: 30_000 });
  const resumed = runStatus(ctx.workspace, 'e2e stop')!;
  assert.ok(Number(resumed.status.update) >= Number(stopped.status.update), 'resumed from where it stopped');

  // A window reload keeps every run and its results: the view lists them, a click shows the curves from disk.
  await page.reload();
  await waitForWorkbench(page);
  await showRunsView(ctx);
  const demo = page.locator('.pane-body .monaco-list-row', { hasText: 'e2e demo' });
  await demo.locator(icon(final.status.succeeded ? 'pass-filled' : 'pass')).waitFor({ timeout: 30_000 });
  await page.locator('.pane-body .monaco-list-row', { hasText: 'e2e stop' }).locator(icon('debug-stop')).waitFor();
  // A click can land before the reloaded extension has registered the item's command ("command not found"): again.
  let reopened: FrameLocator | undefined;
  for (let attempt = 1; !reopened; attempt++) {
    await demo.click();
    reopened = await webviewWith(page, '#title:text("e2e demo")', 20_000).catch((e) => {
      if (attempt >= 3) throw e;
      return undefined;
    });
  }
  await reopened.locator('#state[data-state="succeeded"], #state[data-state="completed"]').waitFor();
  const points = reopened.locator('.chart[data-train-points]');
  assert.equal(await points.getAttribute('data-train-points'), String(Number(final.status.update) / 10), 'every logged training loss, read from metrics.jsonl');
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  await ctx.screenshot('reloaded');
}
