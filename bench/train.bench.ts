/**
 * Kernel-only microbenchmark of the training engines: milliseconds per forward + backward (median) and GFLOP/s
 * by flopsPerUpdate (the count bench/reference/torch_rnn_train.py uses). One JSON line per engine.
 *
 *   node esbuild.mjs && node out/bench/train.bench.js [--task copy|addition|psmnist] [--T 500] [--N 100]
 *     [--batch 16] [--threads 1 2] [--reps 30] [--js] [--torch]
 *
 * --js adds the JS reference engine; --torch runs the PyTorch reference (Debian's /usr/bin/python3 + python3-torch)
 * on the same sizes for a side-by-side figure (its time includes the optimizer step).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { JsRnnEngine } from '../src/core/train/jsEngine';
import { flopsPerUpdate, zeroParams, type RnnBatch, type RnnDims, type RnnEngine } from '../src/core/train/model';
import { createRnnEngine } from '../src/core/train/engines';
import { getTask } from '../src/core/tasks';
import { arg } from './args';

const num = (name: string, dflt: number) => Number(arg(name)?.[0] ?? dflt);

const task = arg('task')?.[0] ?? 'copy';
const spec = getTask(task);
const dims: RnnDims = {
  nIn: spec.inputSize, nOut: spec.outputSize, loss: spec.loss, activation: spec.activation,
  T: num('T', spec.defaultT), N: num('N', 100), batch: num('batch', 16),
};
const reps = num('reps', 30);

// Inputs and weights like the copy task's at initialisation (one-hot inputs, R near the identity shift).
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const params = zeroParams(dims);
for (const [name, s] of [['K', 0.5], ['R', 1 / Math.sqrt(dims.N)], ['b', 0.05], ['D', 0.3], ['c', 0.05]] as const) {
  for (let i = 0; i < params[name].length; i++) params[name][i] = (rand() * 2 - 1) * s;
}
const batch: RnnBatch = { x: new Float32Array(dims.batch * dims.T * dims.nIn) };
for (let s = 0; s < dims.batch; s++) for (let t = 0; t < dims.T; t++) {
  if (dims.nIn === 1 || task !== 'copy') for (let i = 0; i < dims.nIn; i++) batch.x[(s * dims.T + t) * dims.nIn + i] = rand();
  else batch.x[(s * dims.T + t) * dims.nIn + Math.floor(rand() * dims.nIn)] = 1;
}
if (dims.loss === 'mse-last-step') batch.targets = Float32Array.from({ length: dims.batch * dims.nOut }, rand);
else batch.labels = Int32Array.from({ length: dims.loss === 'softmax-xent-every-step' ? dims.batch * dims.T : dims.batch }, () => Math.floor(rand() * dims.nOut));

function measure(engine: RnnEngine, n: number) {
  const grads = zeroParams(dims);
  const step = () => { engine.forward(dims, params, batch); engine.backward(grads); };
  const t0 = performance.now();
  for (let w = 0; w < 5 || (w < 50 && performance.now() - t0 < 500); w++) step(); // JIT, worker start-up
  const ts: number[] = [];
  for (let r = 0; r < n; r++) {
    const t = performance.now();
    step();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)], min: ts[0], max: ts[ts.length - 1] };
}

const flops = flopsPerUpdate(dims);
const report = (engine: string, m: { median: number; min: number; max: number }, extra: object = {}) =>
  console.log(JSON.stringify({
    engine, task, T: dims.T, N: dims.N, batch: dims.batch, ms_per_update: +m.median.toFixed(3), min_ms: +m.min.toFixed(3),
    max_ms: +m.max.toFixed(3), gflops: +(flops / m.median / 1e6).toFixed(2), ...extra,
  }));

for (const threads of (arg('threads') ?? ['1', '2']).map(Number)) {
  const engine = createRnnEngine({ threads });
  try {
    report(engine.name, measure(engine, reps));
  } finally {
    engine.dispose();
  }
}
if (arg('js')) report('js', measure(new JsRnnEngine(), 3));
if (arg('torch')) {
  const script = path.resolve(__dirname, '..', '..', 'bench', 'reference', 'torch_rnn_train.py');
  if (task === 'psmnist' || !existsSync(script)) console.log(JSON.stringify({ engine: 'pytorch', skipped: 'no reference for this task' }));
  else {
    const r = spawnSync('/usr/bin/python3', [script, '--task', task, '--T', String(dims.T), '--N', String(dims.N), '--batch', String(dims.batch)], { encoding: 'utf8' });
    console.log(r.status === 0 ? r.stdout.trim() : JSON.stringify({ engine: 'pytorch', error: r.stderr.trim().split('\n').pop() }));
  }
}
