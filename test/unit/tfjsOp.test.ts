import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { Tf } from '../../src/core/train/tfjs';
import { registerRnnOp, rnnLoss, type RnnOpAttrs } from '../../src/core/train/tfjsOp';
import { JsRnnEngine } from '../../src/core/train/jsEngine';
import { WasmRnnEngine } from '../../src/core/train/wasmEngine';
import { WasmThreadedRnnEngine } from '../../src/core/train/rnnThreads';
import { PARAM_NAMES, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from '../../src/core/train/model';
import type { LossKind } from '../../src/core/tasks';
import { problem } from './rnnProblems';

// The full @tensorflow/tfjs from node_modules, not bundled: it registers tfjs's own gradients (the trainer needs
// none of them), and the op is registered into the same namespace, so both sides share one tfjs.
const tf = createRequire(__filename)('@tensorflow/tfjs') as Tf;
tf.setBackend('cpu');

/** The same model written with tfjs's own ops, differentiated by tfjs's autodiff. */
function autodiffLoss(tf: Tf, dims: RnnDims, x: Tensor, yv: Tensor, v: Record<string, Tensor>): Tensor {
  const { batch: B, T, N } = dims;
  const act = (a: Tensor) => (dims.activation === 'elu' ? tf.elu(a) : dims.activation === 'relu' ? tf.relu(a) : tf.tanh(a));
  const xs = tf.unstack(x, 1);
  let h: Tensor = tf.zeros([B, N]);
  const hs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    h = act(tf.add(tf.add(tf.matMul(xs[t], v.K), v.b), tf.matMul(h, v.R)));
    hs.push(h);
  }
  if (dims.loss === 'softmax-xent-every-step') {
    const logits = tf.add(tf.matMul(tf.reshape(tf.stack(hs, 1), [B * T, N]), v.D), v.c);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(yv, [B * T]) as never, dims.nOut), logits);
  }
  const out = tf.add(tf.matMul(h, v.D), v.c);
  if (dims.loss === 'softmax-xent-last-step') return tf.losses.softmaxCrossEntropy(tf.oneHot(yv as never, dims.nOut), out);
  return tf.losses.meanSquaredError(tf.reshape(yv, [B, dims.nOut]), out);
}

function tensors(tf: Tf, dims: RnnDims, params: RnnParams, batch: RnnBatch) {
  const x = tf.tensor3d(batch.x!, [dims.batch, dims.T, dims.nIn]);
  const y = dims.loss === 'mse-last-step'
    ? tf.tensor2d(batch.targets!, [dims.batch, dims.nOut])
    : tf.tensor(batch.labels!, dims.loss === 'softmax-xent-every-step' ? [dims.batch, dims.T] : [dims.batch], 'int32');
  const v = {
    K: tf.tensor2d(params.K, [dims.nIn, dims.N]), R: tf.tensor2d(params.R, [dims.N, dims.N]), b: tf.tensor1d(params.b),
    D: tf.tensor2d(params.D, [dims.N, dims.nOut]), c: tf.tensor1d(params.c),
  };
  return { x, y, v };
}

const sizes = (loss: LossKind, T = 7, batch = 3, N = 6) =>
  loss === 'mse-last-step' ? { batch, T, nIn: 2, N, nOut: 1 } : { batch, T, nIn: 3, N, nOut: 4 };

function relErr(a: Float32Array | number[], b: Float32Array | number[]): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / Math.max(den, 1e-30);
}

const ENGINES: Array<[string, () => RnnEngine]> = [
  ['js', () => new JsRnnEngine()],
  ['wasm-simd', () => new WasmRnnEngine()],
  ['wasm-simd×2', () => new WasmThreadedRnnEngine()],
];

for (const [engineName, makeEngine] of ENGINES) for (const loss of ['softmax-xent-every-step', 'softmax-xent-last-step', 'mse-last-step'] as LossKind[]) {
  for (const activation of ['elu', 'relu', 'tanh'] as const) {
    test(`tfjs op on ${engineName}: loss and gradients equal tfjs autodiff of the same model (${loss}, ${activation})`, () => {
      const engine = makeEngine();
      registerRnnOp(tf, engine);
      const { dims, params, batch } = problem(loss, activation, sizes(loss, 9, 5, 7), 5);
      const { x, y, v } = tensors(tf, dims, params, batch);
      const attrs: RnnOpAttrs = { activation, loss };
      const vars = PARAM_NAMES.map((n) => v[n]);
      const ours = tf.valueAndGrads((...p: Tensor[]) => rnnLoss(tf, x, y, { K: p[0], R: p[1], b: p[2], D: p[3], c: p[4] }, attrs))(vars);
      const theirs = tf.valueAndGrads((...p: Tensor[]) => autodiffLoss(tf, dims, x, y, { K: p[0], R: p[1], b: p[2], D: p[3], c: p[4] }) as Scalar)(vars);
      const l1 = ours.value.dataSync()[0], l2 = theirs.value.dataSync()[0];
      assert.ok(Math.abs(l1 - l2) <= 1e-5 * Math.abs(l2), `loss ${l1} vs tfjs ${l2}`);
      PARAM_NAMES.forEach((name, i) => {
        const e = relErr(ours.grads[i].dataSync() as Float32Array, theirs.grads[i].dataSync() as Float32Array);
        assert.ok(e <= 1e-4, `d loss / d ${name}: relative error ${e}`);
      });
      tf.dispose([x, y, ...vars, ours.value, theirs.value, ...ours.grads, ...theirs.grads]);
      engine.dispose();
    });
  }
}

test('tfjs op: the gradient recomputes the forward pass when another forward ran in between', () => {
  registerRnnOp(tf, new JsRnnEngine());
  const a = problem('softmax-xent-every-step', 'elu', sizes('softmax-xent-every-step'), 1);
  const b = problem('softmax-xent-every-step', 'elu', sizes('softmax-xent-every-step'), 2);
  const ta = tensors(tf, a.dims, a.params, a.batch), tb = tensors(tf, b.dims, b.params, b.batch);
  const attrs: RnnOpAttrs = { activation: 'elu', loss: 'softmax-xent-every-step' };
  const varsA = PARAM_NAMES.map((n) => ta.v[n]);
  const direct = tf.grads((...p: Tensor[]) => rnnLoss(tf, ta.x, ta.y, { K: p[0], R: p[1], b: p[2], D: p[3], c: p[4] }, attrs))(varsA);
  const interleaved = tf.grads((...p: Tensor[]) => {
    const l = rnnLoss(tf, ta.x, ta.y, { K: p[0], R: p[1], b: p[2], D: p[3], c: p[4] }, attrs);
    rnnLoss(tf, tb.x, tb.y, tb.v as never, attrs); // clobbers the engine's saved state
    return l;
  })(varsA);
  PARAM_NAMES.forEach((name, i) => assert.deepEqual(interleaved[i].dataSync(), direct[i].dataSync(), name));
});
