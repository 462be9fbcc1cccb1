/**
 * The paper's model, as its official Keras code builds it: a vanilla RNN h_t = act(x_t K + h_{t-1} R + b)
 * (row vectors, h_0 = 0) and a Dense readout y = h D + c, at every step (copy) or at the last step only
 * (addition, psMNIST), with softmax cross-entropy or squared error.
 *
 * Shapes are Keras's (what a TF.js checkpoint stores): K nIn×N, R N×N, b N, D N×nOut, c nOut, row-major.
 * In the column convention used everywhere else (h_t = f(W h_{t-1} + V x_t)), W = Rᵀ and V = Kᵀ.
 *
 * The loss is a mean: over batch × T steps (every-step cross-entropy), over the batch (last-step
 * cross-entropy), over batch × nOut (last-step squared error), as Keras and PyTorch average them.
 */
import type { LossKind } from '../tasks';

export type Activation = 'elu' | 'relu' | 'tanh';
export const ACTIVATIONS: readonly Activation[] = ['elu', 'relu', 'tanh'];

export interface RnnDims {
  batch: number;
  T: number;
  nIn: number;
  N: number;
  nOut: number;
  activation: Activation;
  loss: LossKind;
}

/** The five trainable tensors, Keras layout (row-major). */
export interface RnnParams {
  K: Float32Array;
  R: Float32Array;
  b: Float32Array;
  D: Float32Array;
  c: Float32Array;
}
export const PARAM_NAMES = ['K', 'R', 'b', 'D', 'c'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

export interface RnnBatch {
  /** inputs, batch × T × nIn */
  x: Float32Array;
  /** cross-entropy: class labels, batch × T (every step) or batch (last step) */
  labels?: Int32Array;
  /** squared error: targets, batch × nOut */
  targets?: Float32Array;
}

/**
 * One fused forward + backward-through-time implementation. forward() keeps what backward() needs (like
 * cuDNN's reserve space); backward() writes the gradients of that forward's mean loss.
 */
export interface RnnEngine {
  /** e.g. "wasm-simd", "wasm-simd×2", "js" */
  readonly name: string;
  forward(dims: RnnDims, params: RnnParams, batch: RnnBatch): number;
  backward(grads: RnnParams): void;
  dispose(): void;
}

export function paramShapes(d: Pick<RnnDims, 'nIn' | 'N' | 'nOut'>): Record<ParamName, number[]> {
  return { K: [d.nIn, d.N], R: [d.N, d.N], b: [d.N], D: [d.N, d.nOut], c: [d.nOut] };
}

export function zeroParams(d: Pick<RnnDims, 'nIn' | 'N' | 'nOut'>): RnnParams {
  const s = paramShapes(d);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    K: new Float32Array(size(s.K)),
    R: new Float32Array(size(s.R)),
    b: new Float32Array(size(s.b)),
    D: new Float32Array(size(s.D)),
    c: new Float32Array(size(s.c)),
  };
}

/** Number of readout positions per sequence and how many values the mean divides by. */
export function lossDenominator(d: RnnDims): number {
  if (d.loss === 'softmax-xent-every-step') return d.batch * d.T;
  if (d.loss === 'softmax-xent-last-step') return d.batch;
  return d.batch * d.nOut;
}

/** Floating-point operations of one update (forward + backward), the count PyTorch's reference benchmark uses. */
export function flopsPerUpdate(d: Pick<RnnDims, 'batch' | 'T' | 'nIn' | 'N' | 'nOut' | 'loss'>): number {
  const every = d.loss === 'softmax-xent-every-step';
  return d.T * d.batch * (6 * (d.N * d.N + (every ? d.N * d.nOut : 0)) + 4 * d.nIn * d.N);
}

export function checkBatch(d: RnnDims, p: RnnParams, batch: RnnBatch): void {
  const s = paramShapes(d);
  for (const name of PARAM_NAMES) {
    const want = s[name].reduce((a, b) => a * b, 1);
    if (p[name].length !== want) throw new RangeError(`${name}: expected ${want} values (${s[name].join('×')}), got ${p[name].length}`);
  }
  if (batch.x.length !== d.batch * d.T * d.nIn) throw new RangeError(`x: expected ${d.batch}×${d.T}×${d.nIn} values, got ${batch.x.length}`);
  if (d.loss === 'mse-last-step') {
    if (!batch.targets || batch.targets.length !== d.batch * d.nOut) throw new RangeError(`targets: expected ${d.batch * d.nOut} values`);
  } else {
    const want = d.loss === 'softmax-xent-every-step' ? d.batch * d.T : d.batch;
    if (!batch.labels || batch.labels.length !== want) throw new RangeError(`labels: expected ${want} values`);
    for (let i = 0; i < want; i++) {
      const y = batch.labels[i];
      if (!(y >= 0 && y < d.nOut)) throw new RangeError(`labels: ${y} is not a class in 0..${d.nOut - 1}`);
    }
  }
}
