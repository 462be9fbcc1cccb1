/// <reference lib="dom" />
// The Weight Trajectory panel on an LSTM language-model run (charlm, cell lstm, mixed:1.02, trained by the CLI on a
// small text): opened from the palette, its table equals `recurrent-lens trajectory --json` of the run (the candidate
// block's numbers), and the scrubber moves between checkpoints (keyboard), the current row following it.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SpecContext } from './run';
import { REPO_ROOT } from './codeServer';
import { webviewWith } from './workbench';
import { pickRunWith } from './trainingUi';
import { assertTableIs, cli, trajectoryJson } from './trajectoryUi';

export const timeout = 180_000;

export default async function trajectoryGated(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  const dir = join(ctx.workspace, '.recurrent-lens', 'runs', 'traj-lstm');
  cli('train', '--run-dir', dir, '--task', 'charlm', '--cell', 'lstm', '--init', 'mixed:1.02', '--file', join(REPO_ROOT, 'test', 'fixtures', 'text', 'brown-sample.txt'),
    '--N', '8', '--T', '10', '--batch', '4', '--updates', '40', '--eval-every', '10', '--checkpoint-every', '10', '--keep-checkpoints', '0', '--seed', '1', '--quiet');
  const json = trajectoryJson(dir);
  const K = json.checkpoints.length;
  assert.equal(K, 5, 'updates 0, 10, 20, 30, 40');

  await pickRunWith(ctx, 'Recurrent Lens: Show Weight Trajectory', 'Show the weight trajectory of', 'traj-lstm');
  const view = await webviewWith(page, '#column-0[data-run="traj-lstm"]');
  await assertTableIs(page, view, 0, json, 'traj-lstm');
  // A language model's loss curve is in bits per character.
  await view.locator('svg text.axis-label', { hasText: /^validation bpc$/ }).first().waitFor({ timeout: 10_000 });

  // The scrubber opens on the last checkpoint; Home goes to update 0, ArrowRight to the next.
  const label = view.locator('#scrub-label');
  assert.equal(await label.getAttribute('data-update'), String(json.checkpoints[K - 1].update));
  await view.locator('#scrubber').focus();
  await page.keyboard.press('Home');
  await view.locator('#scrub-label[data-update="0"]').waitFor();
  await page.keyboard.press('ArrowRight');
  const second = String(json.checkpoints[1].update);
  await view.locator(`#scrub-label[data-update="${second}"]`).waitFor();
  assert.equal(await view.locator('#column-0 tr.current').getAttribute('data-update'), second);
  await view.locator(`#column-0[data-update="${second}"]`).waitFor();
  await ctx.screenshot('scrubbed');
}
