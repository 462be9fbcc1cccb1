import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig, ConfigError } from '../../src/core/train/config';
import { createRnnEngine } from '../../src/core/train/engines';
import { readTrainingCheckpoint } from '../../src/core/train/checkpoint';
import { PARAM_NAMES } from '../../src/core/train/model';
import { train } from '../../src/core/train/trainer';
import type { RunStatus, TrainerToHost } from '../../src/shared/protocol';
import { readCheckpoint } from '../../src/core/readers';
import { henrici } from '../../src/core/analysis/henrici';
import { realSchur } from '../../src/core/linalg/schur';
import { CLI, ROOT } from './helpers';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-train-'));
const quick = (o: Record<string, unknown> = {}) =>
  resolveConfig({ task: 'copy', T: 30, N: 24, lr: 1e-3, updates: 200, eval_every: 50, checkpoint_every: 50, val_size: 64, ...o });

async function run(dir: string, config: ReturnType<typeof quick>, extra: { resume?: boolean; stopAt?: number } = {}) {
  const events: TrainerToHost[] = [];
  let update = 0;
  const engine = createRnnEngine();
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

function metrics(dir: string) {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('a short copy run learns: validation loss falls below the memoryless baseline; files are complete', async () => {
  const dir = tmp();
  const { status, events } = await run(dir, quick({ N: 32, updates: 300 }));
  assert.equal(status.state, 'completed');
  const vals = metrics(dir).filter((m) => 'val_loss' in m);
  assert.equal(vals[0].update, 0);
  assert.ok(vals[vals.length - 1].val_loss < 0.5 * vals[0].val_loss, `validation loss ${vals[0].val_loss} → ${vals[vals.length - 1].val_loss}`);
  assert.ok(status.val_loss! < status.baseline!, `final ${status.val_loss} vs baseline ${status.baseline}`);
  assert.equal(status.succeeded, status.val_loss! < status.baseline! / 2);
  const onDisk: RunStatus = JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8'));
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(status)));
  assert.deepEqual(readdirSync(path.join(dir, 'checkpoints')), ['update-0000000', 'update-0000010', 'update-0000020', 'update-0000050', 'update-0000100', 'update-0000150', 'update-0000200', 'update-0000250', 'update-0000300']);
  // the initial W is checkpointed before the first update
  assert.deepEqual(events.map((e) => e.type).filter((t, i, a) => a.indexOf(t) === i), ['started', 'val', 'checkpoint', 'train', 'end']);
  // the checkpoint opens in our own reader as a TF.js model with the recurrent matrix detected
  const ckpt = await readCheckpoint(path.join(dir, status.checkpoint!, 'model.json'));
  assert.equal(ckpt.format, 'tfjs');
});

test('checkpoints are real TF.js models: tfjs-layers loads one and its predictions give the same loss', async () => {
  const tf = createRequire(__filename)('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  for (const task of ['copy', 'addition'] as const) {
    const dir = tmp();
    const config = quick({ task, T: 25, updates: 40, checkpoint_every: 40, eval_every: 40 });
    const { status } = await run(dir, config);
    const folder = path.join(dir, status.checkpoint!);
    const modelJson = JSON.parse(readFileSync(path.join(folder, 'model.json'), 'utf8'));
    const weightData = new Uint8Array(readFileSync(path.join(folder, 'weights.bin'))).buffer;
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }));
    // validation set, first 8 sequences, through the loaded Keras-style model
    const { makeDataset } = await import('../../src/core/train/data');
    const data = makeDataset({ task, T: 25, seed: config.seed, trainSize: config.train_size, valSize: config.val_size });
    const b = data.valBatch(0, 8);
    const out = model.predict(tf.tensor3d(b.x, [8, 25, data.spec.inputSize])).dataSync() as Float32Array;
    let lossKeras = 0;
    if (task === 'copy') {
      for (let i = 0; i < 8 * 25; i++) lossKeras -= Math.log(out[i * 9 + b.labels![i]]);
      lossKeras /= 8 * 25;
    } else {
      for (let i = 0; i < 8; i++) lossKeras += (out[i] - b.targets![i]) ** 2;
      lossKeras /= 8;
    }
    // the same sequences through our engine with the checkpoint's weights
    const ck = await readTrainingCheckpoint(folder, { nIn: data.spec.inputSize, N: 24, nOut: data.spec.outputSize, activation: config.activation, loss: data.spec.loss });
    const engine = createRnnEngine();
    const ours = engine.forward({ batch: 8, T: 25, nIn: data.spec.inputSize, N: 24, nOut: data.spec.outputSize, activation: config.activation, loss: data.spec.loss }, ck.params, b);
    engine.dispose();
    assert.ok(Math.abs(ours - lossKeras) <= 1e-4 * Math.abs(lossKeras), `${task}: our loss ${ours} vs tfjs-layers ${lossKeras}`);
  }
});

test('stop then resume continues exactly: same parameters as an uninterrupted run', async () => {
  const straight = tmp(), interrupted = tmp();
  const config = quick({ updates: 120, checkpoint_every: 1000 });
  const a = await run(straight, config);
  const b1 = await run(interrupted, config, { stopAt: 60 });
  assert.equal(b1.status.state, 'stopped');
  assert.equal(b1.status.checkpoint, 'checkpoints/update-0000060');
  const b2 = await run(interrupted, config, { resume: true });
  assert.equal(b2.status.state, 'completed');
  assert.equal(b2.status.update, 120);
  const model = { nIn: 10, N: 24, nOut: 9, activation: 'elu' as const, loss: 'softmax-xent-every-step' as const };
  const pa = await readTrainingCheckpoint(path.join(straight, a.status.checkpoint!), model);
  const pb = await readTrainingCheckpoint(path.join(interrupted, b2.status.checkpoint!), model);
  for (const n of PARAM_NAMES) assert.deepEqual(pb.params[n], pa.params[n], n);
  // the metrics of the resumed run carry on without duplicates
  const updates = metrics(interrupted).filter((m) => 'train_loss' in m).map((m) => m.update);
  assert.deepEqual(updates, metrics(straight).filter((m) => 'train_loss' in m).map((m) => m.update));
  assert.equal(b2.status.val_loss, a.status.val_loss);
});

test('a diverging run is marked diverged and keeps its last finite checkpoint', async () => {
  const dir = tmp();
  const { status } = await run(dir, quick({ lr: 9, clip_norm: 1e6, init: 'identity:3', updates: 90, checkpoint_every: 1, eval_every: 1000 }));
  assert.equal(status.state, 'diverged');
  assert.equal(status.diverged, true);
  assert.match(status.error!, /loss became (NaN|Infinity)|norm became/);
  assert.ok(status.checkpoint, 'a checkpoint was kept');
  const model = { nIn: 10, N: 24, nOut: 9, activation: 'elu' as const, loss: 'softmax-xent-every-step' as const };
  const ck = await readTrainingCheckpoint(path.join(dir, status.checkpoint!), model);
  for (const n of PARAM_NAMES) assert.ok(ck.params[n].every(Number.isFinite), `${n} finite`);
  // the checkpoint of the last update before the fault: a non-finite training loss stops before the update counts, a
  // non-finite validation loss (every checkpoint is validated) after it
  assert.equal(ck.state.update, /validation/.test(status.error!) ? status.update - 1 : status.update, status.error!);
  assert.equal(readdirSync(path.join(dir, 'checkpoints')).pop(), path.basename(status.checkpoint!));
});

test('psMNIST trains on the embedded digits; addition trains with MSE', async () => {
  const p = await run(tmp(), resolveConfig({ task: 'psmnist', N: 16, updates: 10, eval_every: 10, val_size: 32, lr: 1e-3 }));
  assert.equal(p.status.state, 'completed');
  assert.ok(Math.abs(p.status.baseline! - Math.log(10)) < 1e-12);
  assert.ok(p.status.val_loss! > 0 && p.status.val_loss! < 5);
  const a = await run(tmp(), quick({ task: 'addition', T: 40, updates: 100 }));
  assert.equal(a.status.state, 'completed');
  assert.ok(Math.abs(a.status.baseline! - 1 / 6) < 1e-12);
});

test('run configuration: defaults from the task, clear errors for bad fields', () => {
  const c = resolveConfig({ task: 'addition' });
  assert.equal(c.activation, 'relu');
  assert.equal(c.T, 750);
  assert.equal(resolveConfig({ task: 'psmnist' }).T, 784);
  assert.throws(() => resolveConfig({ task: 'psmnist', T: 100 }), /fixed length of 784/);
  assert.throws(() => resolveConfig({ task: 'copy', T: 10 }), /T must be a whole number from 21/);
  assert.throws(() => resolveConfig({ lr: -1 }), ConfigError);
  assert.throws(() => resolveConfig({ init: 'chian:1' }), /init:/);
  assert.throws(() => resolveConfig({ learning_rate: 1 }), /unknown field "learning_rate"/);
  assert.throws(() => resolveConfig({ mnist_images: 'a' }), /go together/);
});

test('CLI: train --json ends with the documented summary; bench train --json; bad run files are one-line errors', () => {
  const dir = tmp();
  const out = execFileSync(process.execPath, [CLI, 'train', '--task', 'copy', '--T', '30', '--N', '16', '--init', 'chain:1.02', '--lr', '1e-3',
    '--updates', '50', '--seed', '1', '--val-size', '32', '--out', dir, '--json'], { encoding: 'utf8' });
  const last = JSON.parse(out.trim().split('\n').pop()!);
  for (const k of ['final_val_loss', 'baseline', 'succeeded', 'diverged', 'updates', 'ms_per_update']) assert.ok(k in last, k);
  assert.equal(last.updates, 50);
  assert.equal(last.diverged, false);
  assert.ok(existsSync(path.join(dir, 'checkpoints', 'update-0000050', 'model.json')));
  const bench = JSON.parse(execFileSync(process.execPath, [CLI, 'bench', 'train', '--task', 'copy', '--T', '40', '--N', '32', '--updates', '3', '--json'], { encoding: 'utf8' }).trim());
  for (const k of ['ms_per_update', 'cpu_ms_per_update', 'gflops', 'backend']) assert.ok(k in bench, k);
  assert.equal(bench.backend, 'cpu');
  assert.ok(bench.ms_per_update > 0 && bench.cpu_ms_per_update > 0 && bench.gflops > 0);
  const bad = path.join(tmp(), 'run.json');
  writeFileSync(bad, JSON.stringify({ task: 'copy', lr: 'fast' }));
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', bad], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: lr must be a positive learning rate`));
  writeFileSync(bad, '{ not json');
  const r2 = spawnSync(process.execPath, [CLI, 'train', '--config', bad], { encoding: 'utf8' });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /not valid JSON/);
});

test('the paper in miniature (copy, T = 100): a chain-initialised RNN succeeds, an orthogonal one stays at the baseline and turns non-normal', async () => {
  const config = (init: string) => resolveConfig({ task: 'copy', T: 100, init, lr: 3e-4, updates: 6000, eval_every: 1000, checkpoint_every: 6000, seed: 1 });
  const chain = await run(tmp(), config('chain:1.02'));
  const orthDir = tmp();
  const orth = { ...(await run(orthDir, config('orthogonal:1.0'))), dir: orthDir };
  assert.equal(chain.status.succeeded, true, `chain: final validation loss ${chain.status.val_loss} (success below ${chain.status.baseline! / 2})`);
  assert.equal(orth.status.succeeded, false, `orthogonal: final validation loss ${orth.status.val_loss}`);
  assert.ok(orth.status.val_loss! > 0.8 * orth.status.baseline!, `orthogonal ${orth.status.val_loss} vs baseline ${orth.status.baseline}`);
  // …and training made the orthogonal (normal) W non-normal, the paper's second observation.
  const ck = await readTrainingCheckpoint(path.join(orth.dir, orth.status.checkpoint!), { nIn: 10, N: 100, nOut: 9, activation: 'elu', loss: 'softmax-xent-every-step' });
  const W = new Float64Array(100 * 100);
  for (let i = 0; i < 100; i++) for (let j = 0; j < 100; j++) W[i * 100 + j] = ck.params.R[j * 100 + i]; // W = Rᵀ
  const departure = henrici(W, 100, realSchur(W, 100)).normalized;
  assert.ok(departure > 0.1, `normalised Henrici departure of the trained orthogonal W: ${departure}`);
});
