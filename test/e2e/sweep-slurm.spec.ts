/// <reference lib="dom" />
// A sweep on SLURM from the palette (runs when SLURM_CONF names a cluster, e.g. the localhost one .ci/run starts;
// RECURRENT_LENS_REQUIRE_SLURM=1 makes its absence a failure): Start Sweep… → the cost dialog's Submit to SLURM →
// the Runs view group follows the array job; the window reloads mid-way and the group is followed to the end; a long
// sweep is cancelled on SLURM from the group's context menu and continued with a new array job.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import type { SpecContext } from './run';
import { waitForWorkbench } from './workbench';
import { showRunsView } from './trainingUi';
import { contextMenu, dialog, inlineAction, rowMatching, startSweep, sweepDir, sweepRow } from './sweepUi';

export const timeout = 300_000;

const SMALL = { task: 'copy', T: 30, N: 24, inits: ['chain:1.02', 'orthogonal:1.0'], lrs: [3e-4], val_size: 64, eval_every: 100, checkpoint_every: 500, log_every: 10 };

export default async function sweepSlurm(ctx: SpecContext): Promise<void> {
  if (!process.env.SLURM_CONF) {
    if (process.env.RECURRENT_LENS_REQUIRE_SLURM === '1') throw new Error('RECURRENT_LENS_REQUIRE_SLURM=1 but SLURM_CONF is not set (start a cluster first)');
    ctx.log('skipped: SLURM_CONF is not set');
    return;
  }
  execFileSync('scontrol', ['ping'], { stdio: 'pipe' });
  const { page } = ctx;

  // ---- Submit from the palette through the cost dialog.
  const file = join(ctx.workspace, 'e2e-slurm.sweep.json');
  // Long enough that the reload below surely comes before the end (6 000 updates once ended during the reload on an
  // idle machine: the row then read "4/4 finished" at re-attach, and an end nobody watched is not announced).
  writeFileSync(file, JSON.stringify({ ...SMALL, name: 'e2e slurm sweep', seeds: 2, updates: 15000 }, null, 1));
  const { message } = await startSweep(ctx, 'e2e-slurm.sweep.json', 'Submit to SLURM');
  assert.match(message, /4 runs/);
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /Submitted 4 runs of e2e slurm sweep to SLURM as array job \d+/ });
  await toast.waitFor({ timeout: 60_000 });
  const job = /array job (\d+)/.exec(await toast.innerText())![1];
  ctx.log('array job', job);
  await showRunsView(ctx);
  const row = sweepRow(page, 'e2e slurm sweep');
  const early = await rowMatching(row, new RegExp(`(running|pending).* · SLURM job ${job}$`), 60_000);
  ctx.log('before reload:', early);
  await ctx.screenshot('slurm-submitted');

  // ---- Reload mid-way: the group is found again and followed to the end.
  await page.reload();
  await waitForWorkbench(page);
  await showRunsView(ctx);
  const after = await rowMatching(row, new RegExp(`/4 finished.* · SLURM job ${job}$`), 60_000);
  ctx.log('after reload:', after);
  // The row reads "<name><k>/4 finished …": the reload must have come before the end, else this proves nothing.
  assert.doesNotMatch(after, /e2e slurm sweep\s*4\/4 finished/, 'the reload came before the end (else this proves nothing)');
  const done = await rowMatching(row, new RegExp(`4/4 finished · succeeded: chain:1\\.02 \\d/2, orthogonal:1\\.0 \\d/2 · SLURM job ${job}$`), 360_000);
  ctx.log('done:', done);
  const summary = JSON.parse(readFileSync(join(sweepDir(ctx.workspace, 'e2e slurm sweep')!, 'summary.json'), 'utf8'));
  assert.equal(summary.executor, 'slurm');
  assert.equal(summary.finished, 4);
  // The end is announced.
  await page.locator('.notifications-toasts .notification-toast', { hasText: /Sweep e2e slurm sweep on SLURM: 4 of 4 finished/ }).waitFor({ timeout: 30_000 });
  await page.mouse.move(0, 0);
  await ctx.screenshot('slurm-finished');

  // ---- A long sweep: cancel on SLURM from the context menu, then continue it as a new array job.
  writeFileSync(join(ctx.workspace, 'e2e-slurm-long.sweep.json'), JSON.stringify({ ...SMALL, name: 'e2e slurm long', seeds: 1, updates: 400_000 }));
  await startSweep(ctx, 'e2e-slurm-long.sweep.json', 'Submit to SLURM');
  try {
    await showRunsView(ctx);
    const long = sweepRow(page, 'e2e slurm long');
    await rowMatching(long, /2 running · SLURM job \d+$/, 90_000);
    await cancelFromMenu(ctx, long);
    await rowMatching(long, /0\/2 finished · 2 (stopped|cancelled) · SLURM job \d+$/, 60_000);
    const firstJob = /SLURM job (\d+)$/.exec((await long.innerText()).replace(/\s+/g, ' ').replace(/ · [\d.]+ (B|KiB|MiB|GiB|TiB)$/, ''))![1];
    await inlineAction(long, 'Continue Sweep');
    const resumed = await rowMatching(long, /2 (running|pending) · SLURM job (\d+)$/, 240_000);
    assert.notEqual(/SLURM job (\d+)$/.exec(resumed)![1], firstJob, 'continued as a new array job');
    await ctx.screenshot('slurm-continued');
    await cancelFromMenu(ctx, long);
    await rowMatching(long, /0\/2 finished · 2 (stopped|cancelled)/, 60_000);
  } finally {
    // Leave nothing of ours running on the cluster, whatever happened above.
    const dir = sweepDir(ctx.workspace, 'e2e slurm long');
    const subs = dir ? JSON.parse(readFileSync(join(dir, 'slurm', 'submissions.json'), 'utf8')).submissions as { job_id: string }[] : [];
    if (subs.length) execFileSync('scancel', subs.map((x) => x.job_id), { stdio: 'pipe' });
  }
}

/** Cancel Sweep on SLURM from the row's context menu, confirmed in the modal dialog. */
async function cancelFromMenu(ctx: SpecContext, row: Locator): Promise<void> {
  const button = dialog(ctx.page).locator('.dialog-buttons .monaco-button', { hasText: 'Cancel Tasks' });
  await contextMenu(ctx.page, row, 'Cancel Sweep on SLURM', button);
  await button.click();
  await dialog(ctx.page).waitFor({ state: 'hidden' });
}
