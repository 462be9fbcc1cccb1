import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/core/init/rng';
import { resolveConfig } from '../../src/core/train/config';
import { loadLanguageModel, LanguageModelState, sampleText, softmax } from '../../src/core/train/sample';
import { CLI, ROOT } from './helpers';
import { trainRun } from './trainRun';

const PYTHON = '/usr/bin/python3';
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-sample-'));

function grammarText(chars: number): string {
  const rng = new Rng(4, 3);
  const pick = (a: string[]) => a[Math.floor(rng.uniform() * a.length)];
  let text = '';
  while (text.length < chars) text += `${pick(['the', 'a'])} ${pick(['cat', 'dog', 'bird'])} ${pick(['sat on', 'ran to', 'saw'])} ${pick(['the', 'a'])} ${pick(['mat', 'tree'])}.\n`;
  return text.slice(0, chars);
}

/** A charlm run trained in-process on `text`; returns its folder. */
async function trainedRun(text: string, cell: 'lstm' | 'gru' | 'rnn', updates: number, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = tmp();
  const file = path.join(dir, 'text.txt');
  writeFileSync(file, text);
  const config = resolveConfig({ task: 'charlm', file, cell, N: 16, T: 12, batch: 4, updates, lr: 1e-2, eval_every: 50, checkpoint_every: 100, early_stop: 0, ...extra });
  await trainRun(dir, config);
  return dir;
}

function sampleCli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'sample', ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('sampler: next-character distribution equals PyTorch\'s direct computation from the checkpoint (LSTM, GRU, RNN)', async () => {
  const text = grammarText(6000);
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    const dir = await trainedRun(text, cell, 100);
    const model = await loadLanguageModel(dir);
    assert.equal(model.cell, cell);
    assert.equal(model.update, 100);
    assert.deepEqual(model.vocab, [...new Set(text)].sort());
    const queries = [['the cat s', 0.7], ['', 1], ['a dog ran to the tr', 1.5]] as const;
    const py = spawnSync(PYTHON, [path.join(ROOT, 'test', 'reference', 'charlm_next_char.py'), model.file, JSON.stringify(queries)], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(py.status, 0, py.stderr);
    const refs = JSON.parse(py.stdout) as number[][];
    queries.forEach(([prompt, temperature], q) => {
      const lm = new LanguageModelState(model);
      lm.feed(lm.encode(prompt));
      const ours = lm.nextDistribution(temperature);
      lm.dispose();
      const ref = refs[q];
      assert.equal(ref.length, ours.length);
      const worst = Math.max(...ref.map((p, k) => Math.abs(p - ours[k])));
      // the state between feeds is float32 (as training carries it): ~1e-8 relative in h
      assert.ok(worst < 1e-6, `${cell} "${prompt}" T=${temperature}: max |p − p_torch| = ${worst}`);
    });
  }
});

test('sampler: same seed → same text, other seeds → other texts; temperature 0 is greedy and ignores the seed', async () => {
  const dir = await trainedRun(grammarText(6000), 'lstm', 40);
  const model = await loadLanguageModel(dir);
  const a = sampleText(model, { seed: 7, length: 200, prompt: 'the ' });
  const b = sampleText(model, { seed: 7, length: 200, prompt: 'the ' });
  assert.equal(a.text, b.text);
  assert.equal(a.text.length, 200);
  const others = new Set([1, 2, 3, 4].map((seed) => sampleText(model, { seed, length: 200, prompt: 'the ' }).text));
  assert.ok(others.size >= 3, `4 seeds gave ${others.size} distinct texts`);
  const g1 = sampleText(model, { seed: 1, length: 50, temperature: 0 }), g2 = sampleText(model, { seed: 2, length: 50, temperature: 0 });
  assert.equal(g1.text, g2.text);
  // greedy: every character is the argmax of the distribution after the text before it
  const lm = new LanguageModelState(model);
  for (const ch of g1.text.slice(0, 10)) {
    const p = lm.nextDistribution(1);
    assert.equal(model.vocab[p.indexOf(Math.max(...p))], ch);
    lm.feed(lm.encode(ch));
  }
  lm.dispose();
  assert.deepEqual([...softmax(Float64Array.of(1, 3, 3), 0)], [0, 1, 0]);
  // streamed in chunks that make up the text; a stop keeps what was generated
  const chunks: string[] = [];
  let n = 0;
  const stopped = sampleText(model, { seed: 7, length: 200, prompt: 'the ', chunk: 16, onChunk: (t) => chunks.push(t), signal: { get aborted() { return ++n > 100; } } });
  assert.equal(stopped.stopped, true);
  assert.equal(stopped.length, 100);
  assert.equal(chunks.join(''), stopped.text);
  assert.equal(stopped.text, a.text.slice(0, 100));
});

test('sampler: a model trained a few hundred updates on "abcabc…" continues the pattern (every cell)', async () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    const dir = await trainedRun('abc'.repeat(2000), cell, 300);
    const model = await loadLanguageModel(dir);
    // Characters off the pattern, after the first three: training carries the state from batch to batch, so the
    // model rarely saw a zero state and may need a character or two to lock in.
    const wrong = (prompt: string, text: string) => {
      const full = prompt + text;
      return [...full].slice(1).filter((ch, i) => i >= 2 && ch !== { a: 'b', b: 'c', c: 'a' }[full[i]]).length;
    };
    for (const prompt of ['a', 'ab', 'c', '']) {
      // temperature 0.5: the pattern exactly; temperature 1: at most 2 % of the characters off it
      const sharp = sampleText(model, { prompt, length: 120, seed: 5, temperature: 0.5 }).text;
      assert.equal(wrong(prompt, sharp), 0, `${cell} after "${prompt}" at T 0.5: ${JSON.stringify(sharp)}`);
      const plain = sampleText(model, { prompt, length: 500, seed: 5, temperature: 1 }).text;
      assert.ok(wrong(prompt, plain) <= 10, `${cell} after "${prompt}" at T 1: ${JSON.stringify(plain)}`);
    }
    // an untrained model does not (the test can tell)
    const untrained = await loadLanguageModel(path.join(dir, 'checkpoints', 'update-0000000'));
    const noise = sampleText(untrained, { prompt: 'a', length: 120, seed: 5, temperature: 0.5 }).text;
    assert.ok(wrong('a', noise) > 10, `${cell} untrained: ${JSON.stringify(noise)}`);
  }
});

test('sample CLI: streams text; --json; bad input is one line, exit 2', async () => {
  const dir = await trainedRun('abc'.repeat(2000), 'lstm', 300);
  const r = sampleCli(dir, '--prompt', 'ab', '--length', '30', '--temperature', '0');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'cabcabcabcabcabcabcabcabcabcab\n');
  const j = sampleCli(path.join(dir, 'checkpoints', 'update-0000300'), '--length', '12', '--seed', '3', '--json');
  assert.equal(j.status, 0, j.stderr);
  const line = JSON.parse(j.stdout);
  assert.equal(line.length, 12);
  assert.equal(line.update, 300);
  assert.equal(line.cell, 'lstm');
  assert.equal(line.vocab_size, 3);
  assert.equal(line.text, sampleText(await loadLanguageModel(dir), { length: 12, seed: 3 }).text);
  const bad = (args: string[], re: RegExp) => {
    const b = sampleCli(...args);
    assert.equal(b.status, 2, `${args.join(' ')}: ${b.stderr}`);
    assert.equal(b.stdout, '', `${args.join(' ')} wrote ${b.stdout}`);
    assert.match(b.stderr, re);
    assert.equal(b.stderr.trim().split('\n').length, 1, b.stderr);
  };
  bad([dir, '--prompt', 'abx'], /model\.json: --prompt: the character "x" is not in the model's vocabulary of 3 characters/);
  bad([dir, '--temperature', '-1'], /--temperature must be a number from 0 \(greedy\) to 100/);
  bad([dir, '--length', '0'], /--length must be a whole number from 1/);
  bad([tmp()], /not a run folder or a checkpoint/);
  bad([path.join(tmp(), 'missing')], /missing: cannot read \(ENOENT\)/);
  // a checkpoint of another task
  const copy = tmp();
  await trainRun(copy, resolveConfig({ task: 'copy', T: 21, N: 8, updates: 1, val_size: 2, train_size: 16 }));
  bad([copy], /not a language model: a checkpoint of the copy task/);
});
