/**
 * The fused RNN as a TensorFlow.js custom op with its gradient, the way cuDNN's fused RNN sits under
 * TensorFlow: kernel `RecurrentLensRnnLoss` runs the whole forward pass (recurrence, Dense readout, loss) in
 * one call to an RnnEngine and returns [loss, reserve]; its registered gradient runs `RecurrentLensRnnLossGrad`,
 * the backward pass through time. `reserve` is an int32 handle of the engine's saved forward state (cuDNN's
 * "reserve space"); when another forward ran in between, the gradient kernel recomputes it from the inputs.
 */
import type { NamedAttrMap, Scalar, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { LossKind } from '../tasks';
import { stateCount, zeroParams, type Activation, type Cell, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from './model';
import type { Tf } from './tfjs';

export const RNN_LOSS = 'RecurrentLensRnnLoss';
export const RNN_LOSS_GRAD = 'RecurrentLensRnnLossGrad';

export interface RnnOpAttrs {
  activation: Activation;
  loss: LossKind;
  /** default 'rnn' */
  cell?: Cell;
}

export interface RnnVariables {
  K: Tensor;
  R: Tensor;
  b: Tensor;
  D: Tensor;
  c: Tensor;
}

/** What kernels need of a backend; the CPU backend and tfjs-node's both have these. */
interface KernelBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo?(shape: number[], dtype: string, values: Float32Array | Int32Array): TensorInfo;
  write(values: Float32Array | Int32Array, shape: number[], dtype: string): object;
}

interface OpState {
  engine: RnnEngine;
  /** handle of the forward whose state the engine holds */
  live: number;
  next: number;
}

const states = new WeakMap<Tf, Map<string, OpState>>();

/**
 * Registers the op's kernels for the namespace's current backend (once) and makes `engine` the one they
 * run; calling again with another engine swaps it (tests compare engines this way).
 */
export function registerRnnOp(tf: Tf, engine: RnnEngine): void {
  const backendName = tf.getBackend();
  let perBackend = states.get(tf);
  if (!perBackend) states.set(tf, (perBackend = new Map()));
  const existing = perBackend.get(backendName);
  if (existing) {
    existing.engine = engine;
    existing.live = 0;
    return;
  }
  const state: OpState = { engine, live: 0, next: 1 };
  perBackend.set(backendName, state);

  tf.registerKernel({
    kernelName: RNN_LOSS,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as KernelBackendLike;
      const { dims, params, batch } = readInputs(be, inputs as Record<string, TensorInfo>, attrs as unknown as RnnOpAttrs);
      const loss = state.engine.forward(dims, params, batch);
      state.live = state.next++;
      const final = state.engine.finalState?.() ?? new Float32Array(0);
      return [
        output(be, [], 'float32', Float32Array.of(loss)), output(be, [], 'int32', Int32Array.of(state.live)),
        output(be, final.length ? [stateCount(dims.cell), dims.batch, dims.N] : [0], 'float32', final),
      ];
    },
  });

  tf.registerKernel({
    kernelName: RNN_LOSS_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as KernelBackendLike;
      const named = inputs as Record<string, TensorInfo>;
      const { dims, params, batch } = readInputs(be, named, attrs as unknown as RnnOpAttrs);
      const handle = (be.readSync(named.reserve.dataId) as Int32Array)[0];
      if (handle !== state.live) {
        state.engine.forward(dims, params, batch);
        state.live = handle;
      }
      const grads = zeroParams(dims);
      state.engine.backward(grads);
      const dy = (be.readSync(named.dy.dataId) as Float32Array)[0];
      const out: TensorInfo[] = [];
      for (const [name, shape] of [['K', named.K.shape], ['R', named.R.shape], ['b', named.b.shape], ['D', named.D.shape], ['c', named.c.shape]] as const) {
        const g = grads[name];
        if (dy !== 1) for (let i = 0; i < g.length; i++) g[i] *= dy;
        out.push(output(be, shape.slice(), 'float32', g));
      }
      return out;
    },
  });

  if (!registeredGradients.has(tf)) {
    registeredGradients.add(tf);
    tf.registerGradient({
      kernelName: RNN_LOSS,
      inputsToSave: ['x', 'y', 'K', 'R', 'b', 'D', 'c', 's0'],
      outputsToSave: [false, true, false],
      gradFunc: (dys, saved, attrs) => {
        const [x, y, K, R, b, D, c, s0, reserve] = saved;
        const dy = Array.isArray(dys) ? dys[0] : dys;
        // One backward pass yields all five gradients. It runs here, not in the per-input closures: tfjs calls
        // each closure inside its own tidy, which would dispose the siblings it did not return.
        const grads = tf.engine().runKernel(RNN_LOSS_GRAD, { dy, reserve, x, y, K, R, b, D, c, s0 }, attrs as NamedAttrMap) as Tensor[];
        const notDifferentiable = (name: string) => () => {
          throw new Error(`${RNN_LOSS}: the loss is not differentiated with respect to ${name}`);
        };
        return {
          K: () => grads[0], R: () => grads[1], b: () => grads[2], D: () => grads[3], c: () => grads[4],
          x: notDifferentiable('the inputs x'), y: notDifferentiable('the targets y'),
          s0: notDifferentiable('the initial state (truncated backpropagation)'),
        };
      },
    });
  }
}

const registeredGradients = new WeakSet<Tf>();

/**
 * The model's mean loss on a batch (a scalar), differentiable with respect to K, R, b, D and c.
 * Call it inside tf.tidy (or variableGrads). x: batch × T × nIn float32, or int32 tokens batch × T (one-hot inputs
 * by index); y: int32 labels (batch × T, or batch) or float32 targets (batch × nOut); s0: the initial state
 * stateCount × batch × N, or omitted (zeros).
 */
export function rnnLoss(tf: Tf, x: Tensor, y: Tensor, v: RnnVariables, attrs: RnnOpAttrs, s0?: Tensor): Scalar {
  return rnnLossAndState(tf, x, y, v, attrs, s0).loss;
}

/** rnnLoss and the final state (stateCount × batch × N; empty where the engine does not carry state). */
export function rnnLossAndState(tf: Tf, x: Tensor, y: Tensor, v: RnnVariables, attrs: RnnOpAttrs, s0?: Tensor): { loss: Scalar; state: Tensor } {
  // The reserve output must outlive this call (backprop builds a zero gradient for it), so the enclosing
  // tf.tidy / variableGrads scope disposes it.
  const [loss, , state] = tf.engine().runKernel(RNN_LOSS, { x, y, K: v.K, R: v.R, b: v.b, D: v.D, c: v.c, s0: s0 ?? tf.zeros([0]) }, attrs as unknown as NamedAttrMap) as Tensor[];
  return { loss: loss as Scalar, state };
}

function readInputs(be: KernelBackendLike, inputs: Record<string, TensorInfo>, attrs: RnnOpAttrs) {
  const { x, y, K, R, D, s0 } = inputs;
  const tokens = x.dtype === 'int32';
  if (tokens ? x.shape.length !== 2 : x.shape.length !== 3) throw new RangeError(`${RNN_LOSS}: x must be batch × T × nIn (or int32 tokens batch × T), got shape [${x.shape.join(', ')}]`);
  const [B, T] = x.shape;
  const nIn = tokens ? K.shape[0] : x.shape[2];
  const dims: RnnDims = { cell: attrs.cell ?? 'rnn', batch: B, T, nIn, N: R.shape[0], nOut: D.shape[1], activation: attrs.activation, loss: attrs.loss };
  if (K.shape[0] !== nIn) throw new RangeError(`${RNN_LOSS}: K is [${K.shape.join(', ')}] but x has ${nIn} features`);
  const f32 = (t: TensorInfo) => {
    const v = be.readSync(t.dataId);
    return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
  };
  const params: RnnParams = { K: f32(K), R: f32(R), b: f32(inputs.b), D: f32(D), c: f32(inputs.c) };
  const batch: RnnBatch = tokens ? { tokens: be.readSync(x.dataId) as Int32Array } : { x: f32(x) };
  if (s0 && s0.shape.reduce((a, b) => a * b, 1) > 0) batch.state0 = f32(s0);
  const yv = be.readSync(y.dataId) as ArrayLike<number>;
  if (attrs.loss === 'mse-last-step') batch.targets = yv instanceof Float32Array ? yv : Float32Array.from(yv);
  else batch.labels = yv instanceof Int32Array ? yv : Int32Array.from(yv);
  return { dims, params, batch };
}

function output(be: KernelBackendLike, shape: number[], dtype: 'float32' | 'int32', values: Float32Array | Int32Array): TensorInfo {
  if (be.makeTensorInfo) return be.makeTensorInfo(shape, dtype, values);
  return { dataId: be.write(values, shape, dtype), shape, dtype } as TensorInfo;
}
