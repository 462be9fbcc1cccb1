/// <reference lib="dom" />
// Sweeps from the palette, as a user meets them: Start Sweep… on a small sweep file shows the run count and the
// measured CPU estimate in a modal dialog, then the Runs view shows the sweep as a group whose counts fill in, its
// members under it; a long sweep is followed across a window reload, stopped and continued from the group's actions;
// a bad sweep file gives one line naming it; and the quick:copy preset runs to its success counts.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecContext } from './run';
import { waitForWorkbench } from './workbench';
import { icon, showRunsView } from './trainingUi';
import { contextMenu, dialog, inlineAction, rowMatching, startSweep, sweepDir, sweepRow } from './sweepUi';

// quick:copy is 16 runs × 2000 updates of copy T = 100: 2–6 minutes on two cores when run to the end.
export const timeout = process.env.RECURRENT_LENS_E2E_QUICK_COPY === 'full' ? 720_000 : 420_000;

const SMALL = { task: 'copy', T: 30, N: 24, inits: ['chain:1.02', 'orthogonal:1.0'], lrs: [3e-4], updates: 300, val_size: 64, eval_every: 50, checkpoint_every: 100, log_every: 10 };

export default async function sweep(ctx: SpecContext): Promise<void> {
  const { page } = ctx;

  // ---- A small sweep file: the cost dialog, then the group fills in to 4 of 4.
  writeFileSync(join(ctx.workspace, 'e2e-small.sweep.json'), JSON.stringify({ ...SMALL, name: 'e2e small sweep', seeds: 2 }, null, 1));
  const { message, detail } = await startSweep(ctx, 'e2e-small.sweep.json', 'Start Here');
  assert.match(message, /Start sweep "e2e small sweep": 4 runs\?/);
  assert.match(detail, /4 runs × 300 updates: about \d+ CPU-minutes? \([\d.]+ ms of CPU per update, measured on this machine with one thread/);
  await showRunsView(ctx);
  const small = sweepRow(page, 'e2e small sweep');
  await small.waitFor({ timeout: 20_000 });
  const done = await rowMatching(small, /4\/4 finished · succeeded: chain:1\.02 \d\/2, orthogonal:1\.0 \d\/2 · local/, 120_000);
  ctx.log('small sweep:', done);
  await small.locator(icon('pass-filled')).waitFor();
  // Its members, under it, open like runs.
  await small.locator('.monaco-tl-twistie').click();
  const members = page.locator('.pane-body .monaco-list-row[aria-level="2"]');
  await members.first().waitFor({ timeout: 10_000 });
  assert.equal(await members.count(), 4);
  const names = (await members.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
  assert.ok(names.some((t) => /seed 2/.test(t)), JSON.stringify(names));
  await ctx.screenshot('small-sweep');
  await small.locator('.monaco-tl-twistie').click();

  // ---- Start Sweep from File in the Explorer's context menu: the same cost dialog; Cancel starts nothing.
  const sweepsBefore = readdirSync(join(ctx.workspace, '.recurrent-lens', 'sweeps')).length;
  await ctx.runCommand('View: Show Explorer');
  const fileRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'e2e-small.sweep.json' });
  await fileRow.waitFor({ timeout: 15_000 });
  await contextMenu(page, fileRow, 'Start Sweep from File', dialog(page));
  assert.match(await dialog(page).locator('.dialog-message-text').innerText(), /Start sweep "e2e small sweep": 4 runs\?/);
  await dialog(page).locator('.dialog-buttons .monaco-button', { hasText: /^Cancel$/ }).click();
  await dialog(page).waitFor({ state: 'hidden' });
  await page.waitForTimeout(1000);
  assert.equal(readdirSync(join(ctx.workspace, '.recurrent-lens', 'sweeps')).length, sweepsBefore, 'cancelled: no sweep folder');
  await showRunsView(ctx);

  // ---- A bad sweep file: one line naming the file and the field, no sweep folder.
  writeFileSync(join(ctx.workspace, 'e2e-bad.sweep.json'), JSON.stringify({ ...SMALL, name: 'e2e bad sweep', lrs: [] }));
  await ctx.runCommand('Recurrent Lens: Start Sweep…');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Start Sweep' }).waitFor();
  await page.locator('.quick-input-widget .quick-input-box input').fill('e2e-bad.sweep.json');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'e2e-bad.sweep.json' }).waitFor();
  await page.keyboard.press('Enter');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'e2e-bad.sweep.json' });
  await toast.waitFor({ timeout: 20_000 });
  const line = (await toast.locator('.notification-list-item-message').innerText()).trim();
  ctx.log('bad file:', line);
  assert.match(line, /e2e-bad\.sweep\.json.*"lrs" is empty/);
  assert.doesNotMatch(line, /\n/);
  assert.equal(sweepDir(ctx.workspace, 'e2e bad sweep'), undefined);
  await toast.locator('.codicon-notifications-clear').click().catch(() => {});

  // ---- A long sweep, followed across a window reload; stopped and continued from the group's actions.
  writeFileSync(join(ctx.workspace, 'e2e-long.sweep.json'), JSON.stringify({ ...SMALL, name: 'e2e long sweep', seeds: 1, updates: 400_000 }));
  await startSweep(ctx, 'e2e-long.sweep.json', 'Start Here');
  await showRunsView(ctx);
  const long = sweepRow(page, 'e2e long sweep');
  await rowMatching(long, /0\/2 finished · 2 running/, 60_000);
  await page.reload();
  await waitForWorkbench(page);
  await showRunsView(ctx);
  // The window went away: its trainers checkpointed and stopped (or, still shutting down, are followed on disk).
  const after = await rowMatching(long, /0\/2 finished · 2 (stopped|running)/, 60_000);
  ctx.log('after reload:', after);
  if (/2 running/.test(after)) {
    await inlineAction(long, 'Stop Sweep');
    await rowMatching(long, /2 stopped/, 60_000);
  }
  const dir = sweepDir(ctx.workspace, 'e2e long sweep')!;
  const status = (i: number) => {
    const sweepJson = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    return JSON.parse(readFileSync(join(dir, 'runs', sweepJson.members[i].name, 'status.json'), 'utf8'));
  };
  const stoppedAt = status(0).update;
  assert.ok(status(0).checkpoint, 'a stopped member checkpointed');
  const clicked = Date.now();
  ctx.log('continue clicked at', new Date(clicked).toISOString());
  await inlineAction(long, 'Continue Sweep');
  // KNOWN SLOW: continued trainers have taken ~2.5 min to start on CI since the retention/disk-use changes (under study)
  await rowMatching(long, /2 running/, 240_000);
  ctx.log('running again at', new Date().toISOString());
  if (Date.now() - clicked > 60_000) {
    // Evidence for the slow start under study: when each member's trainer logged what.
    for (const i of [0, 1]) {
      const sweepJson = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
      const log = readFileSync(join(dir, 'runs', sweepJson.members[i].name, 'log.txt'), 'utf8').trim().split('\n');
      ctx.log(`slow continue: member ${i} log tail:\n${log.slice(-8).join('\n')}`);
    }
  }
  await ctx.screenshot('long-running');
  await inlineAction(long, 'Stop Sweep');
  await rowMatching(long, /0\/2 finished · 2 stopped/, 60_000);
  assert.ok(status(0).update >= stoppedAt, `continued from update ${stoppedAt}: now ${status(0).update}`);

  // ---- The quick:copy preset from the palette, through the cost dialog, to its success counts. To the end (16/16)
  // with RECURRENT_LENS_E2E_QUICK_COPY=full (2–6 minutes on two cores); by default until the counts show successes,
  // then stopped from the group (the whole e2e run has 15 minutes).
  const full = process.env.RECURRENT_LENS_E2E_QUICK_COPY === 'full';
  const quick = await startSweep(ctx, 'quick:copy', 'Start Here');
  assert.match(quick.message, /16 runs/);
  assert.match(quick.detail, /16 runs × 2,000 updates/);
  await showRunsView(ctx);
  const preset = sweepRow(page, 'quick: copy, T = 100');
  const t0 = Date.now();
  if (full) {
    const final = await rowMatching(preset, /16\/16 finished · succeeded: chain:1\.02 \d\/8, orthogonal:1\.0 \d\/8 · local/, 540_000);
    ctx.log(`quick:copy: ${final} (${Math.round((Date.now() - t0) / 1000)} s)`);
  } else {
    const some = await rowMatching(preset, /\d+\/16 finished · .*succeeded: chain:1\.02 [1-8]\/8, orthogonal:1\.0 \d\/8 · local/, 300_000);
    ctx.log(`quick:copy: ${some} (${Math.round((Date.now() - t0) / 1000)} s); stopping it`);
    await inlineAction(preset, 'Stop Sweep');
    await rowMatching(preset, /\d+\/16 finished · (\d+ pending · )?\d+ stopped · succeeded/, 60_000);
  }
  assert.ok(existsSync(join(sweepDir(ctx.workspace, 'quick: copy, T = 100')!, 'summary.json')));
  await page.mouse.move(0, 0);
  await ctx.screenshot('quick-copy');
}
