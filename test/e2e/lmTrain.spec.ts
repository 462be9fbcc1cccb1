/// <reference lib="dom" />
// Language models in real VS Code: a bad text file is refused with one line and no run; then open a small text file,
// run "Train Language Model on This File" (the form: small N, T and updates), watch the bits-per-character curve fall
// in the training panel, and sample text from the trained checkpoint there.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecContext } from './run';
import { webviewWith } from './workbench';
import { choose, quickTitle, runStatus, setField } from './trainingUi';

export const timeout = 90_000;

const COMMAND = 'Recurrent Lens: Train Language Model on This File';

/** Sentences of a tiny grammar: structure a small model learns in a few hundred updates. */
function grammarText(chars: number): string {
  let x = 7;
  const pick = (a: string[]) => a[(x = (x * 1103515245 + 12345) % 2 ** 31) % a.length];
  let text = '';
  while (text.length < chars) text += `${pick(['the', 'a'])} ${pick(['cat', 'dog', 'bird'])} ${pick(['sat on', 'ran to', 'saw'])} ${pick(['the', 'a'])} ${pick(['mat', 'tree', 'house'])}.\n`;
  return text.slice(0, chars);
}

export default async function lmTrain(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  const runs = join(ctx.workspace, '.recurrent-lens', 'runs');
  const runCount = () => (existsSync(runs) ? readdirSync(runs).length : 0);

  // An empty file: one line naming it and the problem, and no run folder.
  writeFileSync(join(ctx.workspace, 'lm-empty.txt'), '');
  await ctx.quickOpen('lm-empty.txt');
  const before = runCount();
  await ctx.runCommand(COMMAND);
  await quickTitle(page, 'Start Training Run').waitFor();
  await choose(page, 'Start training');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'lm-empty.txt: the file is empty' });
  await toast.waitFor({ timeout: 20_000 });
  assert.equal(runCount(), before, 'no run folder for a text that cannot train');
  await toast.locator('.codicon-notifications-clear').click().catch(() => undefined);

  // A small text: train a small LSTM on it from the editor.
  writeFileSync(join(ctx.workspace, 'lm-grammar.txt'), grammarText(6000));
  await ctx.quickOpen('lm-grammar.txt');
  await ctx.runCommand(COMMAND);
  await quickTitle(page, 'Start Training Run').waitFor();
  const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
  assert.ok(rows.some((r) => /Start training/.test(r) && /lstm on lm-grammar\.txt/.test(r)), JSON.stringify(rows));
  assert.ok(rows.some((r) => /Cell/.test(r) && /lstm/.test(r)) && rows.some((r) => /Initializer/.test(r) && /plain/.test(r)), JSON.stringify(rows));
  await setField(page, 'Hidden units N', '32');
  await setField(page, 'Sequence length T', '20');
  await setField(page, 'Updates', '300');
  await setField(page, 'Name', 'e2e lm');
  await choose(page, 'Start training');

  // The training panel: bits per character, falling.
  const panel = await webviewWith(page, '#loss-chart');
  await panel.locator('#chart-title:text("Bits per character")').waitFor({ timeout: 20_000 });
  await panel.locator('#state[data-state="succeeded"], #state[data-state="completed"]').waitFor({ timeout: 45_000 });
  const final = runStatus(ctx.workspace, 'e2e lm');
  assert.ok(final, 'the run folder');
  assert.equal(final.status.loss_unit, 'bpc');
  assert.equal(final.status.state, 'completed');
  const chart = panel.locator('.chart[data-val-points]');
  assert.equal(await chart.getAttribute('data-unit'), 'bpc');
  assert.ok(Number(await chart.getAttribute('data-val-points')) >= 3, 'validation points');
  const valBpc = Number(final.status.val_loss), baseline = Number(final.status.baseline);
  assert.ok(valBpc < baseline, `the bpc fell below the text's unigram entropy: ${valBpc} vs ${baseline}`);
  assert.equal(await panel.locator('#numbers [data-key="success"]').getAttribute('data-value'), String(baseline));
  ctx.log('validation bpc', valBpc, 'unigram', baseline);
  await ctx.screenshot('trained');

  // Sample from the latest checkpoint: streamed into the panel.
  const card = panel.locator('#sample-card');
  await card.waitFor({ state: 'visible' });
  await panel.locator('#sample-length').fill('300');
  await panel.locator('#sample-temperature').fill('0.5');
  await panel.locator('#sample-prompt').fill('the ');
  await panel.locator('#sample-prompt').press('Enter');
  await panel.locator('#sample-status[data-state="done"]').waitFor({ timeout: 20_000 });
  const text = (await panel.locator('#sample-text').textContent()) ?? '';
  assert.ok(text.startsWith('the ') && text.length === 304, `${text.length} characters: ${JSON.stringify(text)}`);
  // what it learned: mostly the grammar's words
  const words = text.split(/[\s.]+/).filter(Boolean);
  const known = new Set(['the', 'a', 'cat', 'dog', 'bird', 'sat', 'on', 'ran', 'to', 'saw', 'mat', 'tree', 'house']);
  const ok = words.filter((w) => known.has(w)).length;
  assert.ok(ok >= 0.6 * words.length, `${ok} of ${words.length} words are the grammar's: ${JSON.stringify(text)}`);
  ctx.log('sample', JSON.stringify(text.slice(0, 120)));
  await page.mouse.move(0, 0);
  await ctx.screenshot('sampled');
}
