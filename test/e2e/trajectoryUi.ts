/// <reference lib="dom" />
// What the Weight Trajectory specs share: small runs trained with the CLI, the CLI's trajectory JSON (of a copy, so
// neither cache feeds the other), and the panel's table checked against it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';

const REPO = join(__dirname, '..', '..', '..');
export const CLI = join(REPO, 'dist', 'cli.js');

export function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `recurrent-lens ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A copy-task run (T = 25, N = 16, 300 updates, checkpoints every 20) into `dir`. */
export function trainSmall(dir: string, init: string): void {
  cli('train', '--run-dir', dir, '--task', 'copy', '--T', '25', '--N', '16', '--init', init, '--lr', '1e-3', '--updates', '300',
    '--eval-every', '20', '--checkpoint-every', '300', '--val-size', '32', '--train-size', '200', '--seed', '1', '--quiet');
}

export type TrajectoryJson = { checkpoints: Record<string, number | null | undefined>[] };

/** `recurrent-lens trajectory --json` of a copy of the run folder. */
export function trajectoryJson(dir: string): TrajectoryJson {
  const copy = join(mkdtempSync(join(tmpdir(), 'rl-e2e-traj-')), 'run');
  cpSync(dir, copy, { recursive: true });
  return JSON.parse(cli('trajectory', copy, '--json')) as TrajectoryJson;
}

const TABLE_KEYS = ['update', 'val_loss', 'henrici', 'henrici_normalized', 'spectral_radius', 'sigma_max', 'j_tot', 'delta_from_init'];

/** Waits for column `slot`'s table to have a row per checkpoint of `json`, then checks every cell against it. */
export async function assertTableIs(page: Page, view: FrameLocator, slot: number, json: TrajectoryJson, what: string): Promise<void> {
  const K = json.checkpoints.length;
  const rows = view.locator(`#column-${slot} .traj-table tbody tr`);
  for (const deadline = Date.now() + 60_000; (await rows.count()) < K && Date.now() < deadline;) await page.waitForTimeout(200);
  assert.equal(await rows.count(), K, `${what}: a row per checkpoint`);
  const table = await rows.evaluateAll((trs) => trs.map((tr) => Object.fromEntries(
    Array.from(tr.querySelectorAll('td')).map((td) => [td.dataset.key!, td.dataset.value!]))));
  json.checkpoints.forEach((e, k) => {
    for (const key of TABLE_KEYS) {
      const want = e[key];
      assert.equal(table[k][key], want === null || want === undefined ? '' : String(want), `${what}: ${key} at update ${e.update}`);
    }
  });
}
