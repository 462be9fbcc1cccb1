import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Rng } from '../../src/core/init/rng';
import { JsRnnEngine } from '../../src/core/train/jsEngine';
import { WasmGatedEngine } from '../../src/core/train/wasmGated';
import { createRnnEngine } from '../../src/core/train/engines';
import { Adam } from '../../src/core/train/optimizer';
import { PARAM_NAMES, stateCount, zeroParams, type Cell, type RnnBatch, type RnnDims, type RnnParams } from '../../src/core/train/model';
import { assertClose, checkAgainstFiniteDifferences, run } from './rnnProblems';

const dyadic = (v: number) => Math.round(v * 65536) / 65536;

/** A random gated problem: one-hot inputs by index (or dense x), every-step cross-entropy, a carried-in state. */
function gatedProblem(cell: Cell, o: { batch: number; T: number; V: number; N: number; dense?: boolean; state?: boolean }, seed = 1) {
  const rng = new Rng(seed);
  const dims: RnnDims = { cell, batch: o.batch, T: o.T, nIn: o.V, N: o.N, nOut: o.V, activation: 'tanh', loss: 'softmax-xent-every-step' };
  const p = zeroParams(dims);
  const scale = { K: 0.8, R: 1.5 / Math.sqrt(o.N), b: 0.3, D: 0.8, c: 0.5 };
  for (const name of PARAM_NAMES) for (let i = 0; i < p[name].length; i++) p[name][i] = dyadic((rng.uniform() * 2 - 1) * scale[name]);
  const batch: RnnBatch = { labels: Int32Array.from({ length: o.batch * o.T }, () => Math.floor(rng.uniform() * o.V)) };
  if (o.dense) batch.x = Float32Array.from({ length: o.batch * o.T * o.V }, () => dyadic(rng.uniform() * 2 - 1));
  else batch.tokens = Int32Array.from({ length: o.batch * o.T }, () => Math.floor(rng.uniform() * o.V));
  if (o.state !== false) batch.state0 = Float32Array.from({ length: stateCount(cell) * o.batch * o.N }, () => dyadic(rng.uniform() * 1.6 - 0.8));
  return { dims, params: p, batch };
}

for (const cell of ['lstm', 'gru'] as const) {
  test(`js engine, ${cell}: gradients equal finite differences (tokens, carried-in state)`, () => {
    const { dims, params, batch } = gatedProblem(cell, { batch: 3, T: 6, V: 5, N: 4 });
    checkAgainstFiniteDifferences(new JsRnnEngine(), dims, params, batch, 2 ** -14, 1e-6);
  });
  test(`js engine, ${cell}: gradients equal finite differences (dense inputs, zero state)`, () => {
    const { dims, params, batch } = gatedProblem(cell, { batch: 2, T: 5, V: 3, N: 5, dense: true, state: false }, 2);
    checkAgainstFiniteDifferences(new JsRnnEngine(), dims, params, batch, 2 ** -14, 1e-6);
  });

  test(`js engine, ${cell}: the final state continues the sequence (two halves = the whole)`, () => {
    const { dims, params, batch } = gatedProblem(cell, { batch: 2, T: 8, V: 4, N: 3 }, 3);
    const engine = new JsRnnEngine();
    const whole = engine.forward(dims, params, batch);
    const wholeState = engine.finalState();
    const half = (from: number, state0: Float32Array | undefined) => {
      const pick = (a: Int32Array) => Int32Array.from({ length: 2 * 4 }, (_, i) => a[Math.floor(i / 4) * 8 + from + (i % 4)]);
      const loss = engine.forward({ ...dims, T: 4 }, params, { tokens: pick(batch.tokens!), labels: pick(batch.labels!), state0 });
      return { loss, state: engine.finalState() };
    };
    const a = half(0, batch.state0), b = half(4, a.state);
    assert.ok(Math.abs((a.loss + b.loss) / 2 - whole) < 1e-6, `${a.loss}, ${b.loss} vs ${whole}`);
    for (let i = 0; i < wholeState.length; i++) assert.ok(Math.abs(b.state[i] - wholeState[i]) < 1e-6);
    assert.equal(wholeState.length, stateCount(cell) * 2 * 3);
  });

  test(`js engine, ${cell}: gradients equal TF.js's own autodiff of the same model (relative 1e-4)`, () => {
    const tf = createRequire(__filename)('@tensorflow/tfjs');
    tf.setBackend('cpu');
    const { dims, params, batch } = gatedProblem(cell, { batch: 3, T: 7, V: 6, N: 5 }, 4);
    const ours = run(new JsRnnEngine(), dims, params, batch);
    const theirs = tf.tidy(() => {
      const vars = PARAM_NAMES.map((n) => tf.tensor(params[n], n === 'K' ? [dims.nIn, params.K.length / dims.nIn] : n === 'R' ? [dims.N, params.R.length / dims.N] : n === 'D' ? [dims.N, dims.nOut] : [params[n].length]));
      const f = (K: any, R: any, b: any, D: any, c: any) => tfModelLoss(tf, cell, dims, { K, R, b, D, c }, batch);
      const { value, grads } = tf.valueAndGrads(f)(vars);
      const g = {} as RnnParams;
      PARAM_NAMES.forEach((n, i) => (g[n] = grads[i].dataSync() as Float32Array));
      return { loss: value.dataSync()[0] as number, grads: g };
    });
    assertClose(ours, theirs, 1e-4, `${cell} vs tfjs autodiff`);
  });
}

/** The cell written with tf ops (Keras's equations; tf.layers' LSTMCell/GRUCell with sigmoid gates), for autodiff. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function tfModelLoss(tf: any, cell: 'lstm' | 'gru', dims: RnnDims, v: Record<string, any>, batch: RnnBatch) {
  const { batch: B, T, N, nOut } = dims;
  let h = batch.state0 ? tf.tensor2d(batch.state0.subarray(0, B * N), [B, N]) : tf.zeros([B, N]);
  let c = cell === 'lstm' ? (batch.state0 ? tf.tensor2d(batch.state0.subarray(B * N), [B, N]) : tf.zeros([B, N])) : null;
  const losses = [];
  for (let t = 0; t < T; t++) {
    const tok = Int32Array.from({ length: B }, (_, s) => batch.tokens![s * T + t]);
    const xK = tf.add(tf.gather(v.K, tf.tensor1d(tok, 'int32')), v.b);
    if (cell === 'lstm') {
      const a = tf.add(xK, tf.matMul(h, v.R));
      const [ai, af, ac, ao] = tf.split(a, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(af), c), tf.mul(tf.sigmoid(ai), tf.tanh(ac)));
      h = tf.mul(tf.sigmoid(ao), tf.tanh(c));
    } else {
      const [xz, xr, xh] = tf.split(xK, 3, 1);
      const [Rzr, Rh] = tf.split(v.R, [2 * N, N], 1);
      const [rz, rr] = tf.split(tf.matMul(h, Rzr), 2, 1);
      const z = tf.sigmoid(tf.add(xz, rz)), r = tf.sigmoid(tf.add(xr, rr));
      const hh = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h), Rh)));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    }
    const logits = tf.add(tf.matMul(h, v.D), v.c);
    const lab = Int32Array.from({ length: B }, (_, s) => batch.labels![s * T + t]);
    losses.push(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(lab, 'int32'), nOut), tf.neg(tf.logSoftmax(logits)))));
  }
  return tf.div(tf.addN(losses), B * T);
}

test('Adam: PyTorch\'s update with global-norm clipping', () => {
  const p = [Float32Array.of(1, -2), Float32Array.of(0.5)];
  const adam = new Adam([2, 1], { lr: 0.1, clipNorm: 1 });
  // gradient norm 5 → clipped by 1/(5 + 1e-6); first step of Adam moves each parameter by lr·sign(g) (to ~1e-7)
  const norm = adam.step(p, [Float32Array.of(3, 0), Float32Array.of(-4)]);
  assert.equal(norm, 5);
  assert.ok(Math.abs(p[0][0] - 0.9) < 1e-6 && p[0][1] === -2 && Math.abs(p[1][0] - 0.6) < 1e-6, `${p[0]} ${p[1]}`);
  // second step, by hand: m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g², p −= lr/(1−0.9²) · m / (√v/√(1−0.999²) + 1e-8)
  const g1 = 3 / (5 + 1e-6), g2 = 0.5;
  const m = 0.9 * 0.1 * g1 + 0.1 * g2, v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2;
  const want = Math.fround(0.9) - (0.1 / (1 - 0.81)) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
  adam.step(p, [Float32Array.of(g2, 0), Float32Array.of(0)]);
  assert.ok(Math.abs(p[0][0] - want) < 1e-6, `${p[0][0]} vs ${want}`);
  assert.equal(adam.steps, 2);
  assert.equal(adam.slots.length, 4);
});

for (const [cell, what, sizes] of [
  ['lstm', 'odd sizes', { batch: 3, T: 9, V: 7, N: 5 }], ['lstm', 'larger', { batch: 8, T: 60, V: 40, N: 66 }],
  ['gru', 'odd sizes', { batch: 3, T: 9, V: 7, N: 5 }], ['gru', 'larger', { batch: 8, T: 60, V: 40, N: 66 }],
] as const) {
  test(`wasm-simd ${cell} kernel equals the JS engine (${what}: loss, gradients, final state)`, () => {
    const { dims, params, batch } = gatedProblem(cell, sizes, 7);
    const wasm = new WasmGatedEngine(), js = new JsRnnEngine();
    const a = run(wasm, dims, params, batch), b = run(js, dims, params, batch);
    assertClose(a, b, 2e-5, `wasm vs js (${what})`);
    const fa = wasm.finalState(), fb = js.finalState();
    for (let i = 0; i < fb.length; i++) assert.ok(Math.abs(fa[i] - fb[i]) < 1e-5, `final state ${i}: ${fa[i]} vs ${fb[i]}`);
    // no carried state: zeros, as the JS engine
    const c = run(wasm, dims, params, { ...batch, state0: undefined }), d = run(js, dims, params, { ...batch, state0: undefined });
    assertClose(c, d, 2e-5, `wasm vs js, zero state (${what})`);
    // what the kernel does not cover goes to the JS engine: dense inputs
    const g = gatedProblem(cell, { batch: 2, T: 4, V: 3, N: 4, dense: true }, 8);
    assertClose(run(wasm, g.dims, g.params, g.batch), run(js, g.dims, g.params, g.batch), 0, `dense ${cell} through the wasm engine`);
  });
}

for (const cell of ['lstm', 'gru'] as const) {
  test(`wasm-simd ${cell} kernel: gradients equal finite differences (float32 tolerance)`, () => {
    const { dims, params, batch } = gatedProblem(cell, { batch: 2, T: 5, V: 4, N: 6 }, 9);
    checkAgainstFiniteDifferences(new WasmGatedEngine(), dims, params, batch, 2 ** -8, 2e-3);
  });
}

test('wasm-simd×2 LSTM and GRU (batch split over two threads) equal the JS engine, final state joined in order', () => {
  // one engine for both cells, in turn: the worker follows the cell of each job
  const engine = createRnnEngine({ cell: 'lstm', threads: 2 });
  try {
    assert.equal(engine.name, 'wasm-simd×2');
    const js = new JsRnnEngine();
    for (const cell of ['lstm', 'gru', 'lstm'] as const) {
      for (const batchSize of [7, 2]) {
        const { dims, params, batch } = gatedProblem(cell, { batch: batchSize, T: 13, V: 9, N: 10 }, 11);
        for (let rep = 0; rep < 2; rep++) {
          assertClose(run(engine, dims, params, batch), run(js, dims, params, batch), 2e-5, `${cell} ×2 vs js, batch ${batchSize}`);
          const a = engine.finalState!(), b = js.finalState();
          assert.equal(a.length, b.length, `${cell}: final state length`);
          for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${cell}: final state ${i}`);
        }
      }
    }
  } finally {
    engine.dispose();
  }
});
