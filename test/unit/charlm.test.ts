import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/core/init/rng';
import { charlmStreams, parseCorpus, streamBatch, CorpusError } from '../../src/core/tasks/charlm';
import { loadCorpus } from '../../src/core/tasks/charlmFile';
import { resolveConfig } from '../../src/core/train/config';
import { createRnnEngine } from '../../src/core/train/engines';
import { readTrainingCheckpoint } from '../../src/core/train/checkpoint';
import { PARAM_NAMES, stateCount } from '../../src/core/train/model';
import { train } from '../../src/core/train/trainer';
import type { TrainerToHost } from '../../src/shared/protocol';
import { CLI, ROOT } from './helpers';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-charlm-'));

/** A text with structure a small model learns quickly: sentences from a tiny grammar. */
function grammarText(chars: number, seed = 1): string {
  const rng = new Rng(seed, 3);
  const pick = (a: string[]) => a[Math.floor(rng.uniform() * a.length)];
  let text = '';
  while (text.length < chars) {
    text += `${pick(['the', 'a'])} ${pick(['cat', 'dog', 'bird'])} ${pick(['sat on', 'ran to', 'saw'])} ${pick(['the', 'a'])} ${pick(['mat', 'tree', 'house'])}.\n`;
  }
  return text.slice(0, chars);
}

function textFile(content: string | Uint8Array, name = 'text.txt'): string {
  const file = path.join(tmp(), name);
  writeFileSync(file, content);
  return file;
}

test('charlm corpus: Python\'s reading (universal newlines, code points), sorted vocabulary, 90/10 split, batchify streams', () => {
  const c = parseCorpus('t.txt', new TextEncoder().encode('ba\r\nc\ré😀a'));
  assert.deepEqual(c.vocab, ['\n', 'a', 'b', 'c', 'é', '😀']);
  assert.deepEqual([...c.ids], [2, 1, 0, 3, 0, 4, 5, 1]);
  assert.equal(c.split, 7); // floor(8 · 0.9)
  const cut = parseCorpus('t.txt', new TextEncoder().encode('abcdefghij'), 4);
  assert.deepEqual(cut.vocab, ['a', 'b', 'c', 'd']);
  // 2 streams over 0..20: stream s = ids[10 s, 10 s + 10); a batch at position 3 of 4 steps: inputs 3..6, targets 4..7
  const ids = Int32Array.from({ length: 23 }, (_, i) => i);
  const st = { B: 2, steps: 10, ids, from: 0 };
  const b = streamBatch(st, 3, 4);
  assert.deepEqual([...b.tokens!], [3, 4, 5, 6, 13, 14, 15, 16]);
  assert.deepEqual([...b.labels!], [4, 5, 6, 7, 14, 15, 16, 17]);
  const u = parseCorpus('u.txt', new TextEncoder().encode('aabb'));
  assert.equal(u.unigramBpc, 1);
});

test('charlm corpus: empty, binary, non-UTF-8, too short for T are refused naming the file', async () => {
  assert.throws(() => parseCorpus('e.txt', new Uint8Array(0)), (e: Error) => e instanceof CorpusError && /^e\.txt: the file is empty/.test(e.message));
  assert.throws(() => parseCorpus('b.bin', Uint8Array.of(0x50, 0x4b, 0, 3)), /b\.bin: not a text file \(it holds NUL bytes/);
  assert.throws(() => parseCorpus('l.txt', Uint8Array.of(0x61, 0xe9, 0x62)), /l\.txt: not a UTF-8 text file/);
  const c = parseCorpus('s.txt', new TextEncoder().encode('x'.repeat(1000)));
  assert.throws(() => charlmStreams(c, 32, 100), /s\.txt: the text is too short for T = 100 with batch 32/);
  assert.doesNotThrow(() => charlmStreams(c, 4, 100));
  await assert.rejects(loadCorpus(path.join(os.tmpdir(), 'no-such-text-file.txt')), /no-such-text-file\.txt: cannot read \(ENOENT\)/);
});

async function runLm(dir: string, config: ReturnType<typeof resolveConfig>, extra: { resume?: boolean; stopAt?: number } = {}) {
  const events: TrainerToHost[] = [];
  let update = 0;
  const engine = createRnnEngine({ cell: config.cell, stateful: true });
  try {
    const status = await train(dir, config, {
      engine, assetRoot: ROOT, resume: extra.resume,
      onEvent: (e) => { events.push(e); if (e.type === 'train') update = e.update; },
      shouldStop: () => extra.stopAt !== undefined && update >= extra.stopAt,
    });
    return { status, events };
  } finally {
    engine.dispose();
  }
}

const lmConfig = (file: string, o: Record<string, unknown> = {}) => resolveConfig({
  task: 'charlm', file, cell: 'lstm', N: 24, T: 16, batch: 8, lr: 1e-2, updates: 60, eval_every: 20, checkpoint_every: 20, log_every: 5, ...o,
});

for (const cell of ['lstm', 'gru', 'rnn'] as const) {
  test(`charlm, ${cell}: a short run learns below the unigram entropy; losses in bits per character`, async () => {
    const file = textFile(grammarText(12000));
    const dir = tmp();
    const { status } = await runLm(dir, lmConfig(file, { cell, updates: 80 }));
    assert.equal(status.state, 'completed');
    assert.equal(status.loss_unit, 'bpc');
    const unigram = parseCorpus(file, readFileSync(file)).unigramBpc;
    assert.equal(status.baseline, unigram);
    const vals = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => 'val_loss' in m);
    // at initialization: about log2(vocabulary) bits
    assert.ok(Math.abs(vals[0].val_loss - Math.log2(parseCorpus(file, readFileSync(file)).vocab.length)) < 0.3, `initial ${vals[0].val_loss}`);
    assert.ok(status.val_loss! < unigram - 0.3, `${cell}: final ${status.val_loss} bpc vs unigram ${unigram}`);
    assert.equal(status.succeeded, true);
  });
}

test('charlm LSTM and GRU checkpoints are TF.js models: tf.loadLayersModel loads the layer, its predictions give our loss', async () => {
  const tf = createRequire(__filename)('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const file = textFile(grammarText(6000, 2));
  for (const cell of ['lstm', 'gru'] as const) {
    const dir = tmp();
    const config = lmConfig(file, { cell, updates: 20, N: 12 });
    const { status } = await runLm(dir, config);
    const folder = path.join(dir, status.checkpoint!);
    const modelJson = JSON.parse(readFileSync(path.join(folder, 'model.json'), 'utf8'));
    assert.equal(modelJson.modelTopology.config.layers[0].class_name, cell === 'lstm' ? 'LSTM' : 'GRU');
    const weightData = new Uint8Array(readFileSync(path.join(folder, 'weights.bin'))).buffer;
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }));
    const corpus = parseCorpus(file, readFileSync(file));
    const V = corpus.vocab.length, B = 8, T = 16;
    const { valid } = charlmStreams(corpus, B, T);
    const batch = streamBatch(valid, 0, T);
    const x = tf.oneHot(tf.tensor2d(batch.tokens!, [B, T], 'int32'), V);
    const out = model.predict(x).dataSync() as Float32Array;
    let keras = 0;
    for (let i = 0; i < B * T; i++) keras -= Math.log(out[i * V + batch.labels![i]]);
    keras /= B * T;
    const ck = await readTrainingCheckpoint(folder, { cell, nIn: V, N: 12, nOut: V, activation: 'tanh', loss: 'softmax-xent-every-step' }, { optimizerSlots: 2, carry: stateCount(cell) * B * 12 });
    const engine = createRnnEngine({ cell, stateful: true });
    const ours = engine.forward({ cell, batch: B, T, nIn: V, N: 12, nOut: V, activation: 'tanh', loss: 'softmax-xent-every-step' }, ck.params, batch);
    engine.dispose();
    assert.ok(Math.abs(ours - keras) <= 1e-4 * keras, `${cell}: ours ${ours} vs tfjs-layers ${keras}`);
    // the inspector finds the gated recurrent kernel
    const { readCheckpoint } = await import('../../src/core/readers');
    const { findRecurrent } = await import('../../src/core/recurrent');
    const info = findRecurrent(await readCheckpoint(path.join(folder, 'model.json')));
    assert.equal(info[0].cell, cell);
  }
});

test('charlm: stop then resume continues exactly (parameters, Adam moments, carried state)', async () => {
  const file = textFile(grammarText(8000, 3));
  const config = lmConfig(file, { updates: 50, checkpoint_every: 1000, T: 12, batch: 6 });
  const straight = tmp(), interrupted = tmp();
  const a = await runLm(straight, config);
  const b1 = await runLm(interrupted, config, { stopAt: 25 });
  assert.equal(b1.status.state, 'stopped');
  const b2 = await runLm(interrupted, config, { resume: true });
  assert.equal(b2.status.update, 50);
  const V = parseCorpus(file, readFileSync(file)).vocab.length;
  const m = { cell: 'lstm' as const, nIn: V, N: 24, nOut: V, activation: 'tanh' as const, loss: 'softmax-xent-every-step' as const };
  const opts = { optimizerSlots: 2, carry: 2 * 6 * 24 };
  const pa = await readTrainingCheckpoint(path.join(straight, a.status.checkpoint!), m, opts);
  const pb = await readTrainingCheckpoint(path.join(interrupted, b2.status.checkpoint!), m, opts);
  for (const n of PARAM_NAMES) assert.deepEqual(pb.params[n], pa.params[n], n);
  assert.deepEqual(pb.slots, pa.slots);
  assert.deepEqual(pb.carry, pa.carry);
  assert.ok(pa.carry!.some((v) => v !== 0));
  assert.equal(b2.status.val_loss, a.status.val_loss);
});

test('CLI: train --task charlm --json reports final_val_bpc; bad texts are one line, exit 2, and no run folder', () => {
  const file = textFile(grammarText(4000, 4));
  const out = tmp();
  const runDir = path.join(out, 'run');
  const line = execFileSync(process.execPath, [CLI, 'train', '--task', 'charlm', '--file', file, '--cell', 'gru', '--init', 'orthogonal', '--N', '8', '--T', '10',
    '--batch', '4', '--optimizer', 'adam', '--lr', '0.01', '--clip-norm', '1', '--updates', '6', '--max-chars', '3000', '--seed', '2', '--out', runDir, '--json'], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const end = JSON.parse(line);
  assert.equal(end.state, 'completed');
  assert.equal(typeof end.final_val_bpc, 'number');
  assert.equal(end.final_val_bpc, end.final_val_loss);
  const config = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8'));
  assert.equal(config.cell, 'gru');
  assert.equal(config.max_chars, 3000);

  const cases: [string, string | Uint8Array, string[], RegExp][] = [
    ['empty.txt', '', [], /the file is empty/],
    ['data.bin', Uint8Array.of(1, 2, 0, 4, 5), [], /not a text file/],
    ['short.txt', 'hello world', ['--T', '100'], /too short for T = 100/],
  ];
  for (const [name, content, extra, problem] of cases) {
    const bad = textFile(content, name);
    const dir = path.join(tmp(), 'run');
    const r = spawnSync(process.execPath, [CLI, 'train', '--task', 'charlm', '--file', bad, '--cell', 'lstm', '--out', dir, ...extra, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith(`recurrent-lens: ${bad}: `) && problem.test(lines[0]), lines[0]);
    assert.equal(existsSync(dir), false, 'nothing half-made');
  }
  const r = spawnSync(process.execPath, [CLI, 'train', '--task', 'copy', '--cell', 'lstm', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /gated cells train on the charlm task/);
  assert.deepEqual(readdirSync(out), ['run']);
});
