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

/**
 * The recurrent cell. 'rnn' is the paper's vanilla cell above; 'lstm' and 'gru' are Keras's (TF.js's) cells with
 * sigmoid gates and tanh (docs/training.md): K nIn×G·N, R N×G·N, b G·N with G gate blocks side by side in
 * Keras's order — LSTM i, f, c, o (c = f⊙c₋ + i⊙tanh(a_c), h = o⊙tanh(c)); GRU z, r, h with the reset gate
 * applied before the recurrent product (TF.js's only GRU, Keras's reset_after = false):
 * h̃ = tanh(x K_h + b_h + (r⊙h₋) R_h), h = z⊙h₋ + (1 − z)⊙h̃.
 */
export type Cell = 'rnn' | 'lstm' | 'gru';
export const CELLS: readonly Cell[] = ['rnn', 'lstm', 'gru'];

/** Gate blocks of a cell's K, R and b (1 for the vanilla cell). */
export function gateCount(cell: Cell | undefined): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** State vectors per sequence carried between batches: h (and c for the LSTM). */
export function stateCount(cell: Cell | undefined): number {
  return cell === 'lstm' ? 2 : 1;
}

export interface RnnDims {
  /** default 'rnn' */
  cell?: Cell;
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
  /** inputs, batch × T × nIn (or tokens instead) */
  x?: Float32Array;
  /**
   * one-hot inputs given as their indices, batch × T in 0..nIn−1: the input term is row `token` of K (a gather),
   * never a one-hot product
   */
  tokens?: Int32Array;
  /**
   * the state the sequences start from, stateCount(cell) × batch × N (h, then c for the LSTM); default zeros. It
   * is a constant of the batch (truncated backpropagation: no gradient flows into it).
   */
  state0?: Float32Array;
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
  /** The last forward()'s final state, laid out as RnnBatch.state0 (engines that carry state have it). */
  finalState?(): Float32Array;
  dispose(): void;
}

export function paramShapes(d: Pick<RnnDims, 'nIn' | 'N' | 'nOut' | 'cell'>): Record<ParamName, number[]> {
  const G = gateCount(d.cell) * d.N;
  return { K: [d.nIn, G], R: [d.N, G], b: [G], D: [d.N, d.nOut], c: [d.nOut] };
}

export function zeroParams(d: Pick<RnnDims, 'nIn' | 'N' | 'nOut' | 'cell'>): RnnParams {
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
export function flopsPerUpdate(d: Pick<RnnDims, 'batch' | 'T' | 'nIn' | 'N' | 'nOut' | 'loss' | 'cell'>): number {
  // gated cells: PyTorch's char-LM reference count, 3 passes × 2 flops × (gates × N × (nIn + N) + N × nOut)
  if (d.cell === 'lstm' || d.cell === 'gru') return 3 * d.T * d.batch * (2 * gateCount(d.cell) * d.N * (d.nIn + d.N) + 2 * d.N * d.nOut);
  const every = d.loss === 'softmax-xent-every-step';
  return d.T * d.batch * (6 * (d.N * d.N + (every ? d.N * d.nOut : 0)) + 4 * d.nIn * d.N);
}

export function checkBatch(d: RnnDims, p: RnnParams, batch: RnnBatch): void {
  const s = paramShapes(d);
  for (const name of PARAM_NAMES) {
    const want = s[name].reduce((a, b) => a * b, 1);
    if (p[name].length !== want) throw new RangeError(`${name}: expected ${want} values (${s[name].join('×')}), got ${p[name].length}`);
  }
  if (batch.tokens) {
    if (batch.tokens.length !== d.batch * d.T) throw new RangeError(`tokens: expected ${d.batch}×${d.T} values, got ${batch.tokens.length}`);
    for (let i = 0; i < batch.tokens.length; i++) {
      const v = batch.tokens[i];
      if (!(v >= 0 && v < d.nIn)) throw new RangeError(`tokens: ${v} is not an input in 0..${d.nIn - 1}`);
    }
  } else if (!batch.x || batch.x.length !== d.batch * d.T * d.nIn) throw new RangeError(`x: expected ${d.batch}×${d.T}×${d.nIn} values, got ${batch.x?.length ?? 'none'}`);
  if (batch.state0 && batch.state0.length !== stateCount(d.cell) * d.batch * d.N) {
    throw new RangeError(`state0: expected ${stateCount(d.cell)}×${d.batch}×${d.N} values, got ${batch.state0.length}`);
  }
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

/**
 * The inputs as batch × T × nIn floats, for engines without a row gather (the vanilla cell's WebAssembly kernel):
 * batch.x, or the tokens expanded to one-hot rows.
 */
export function denseInputs(d: Pick<RnnDims, 'batch' | 'T' | 'nIn'>, batch: RnnBatch): Float32Array {
  if (batch.x) return batch.x;
  const x = new Float32Array(d.batch * d.T * d.nIn);
  const tokens = batch.tokens!;
  for (let i = 0; i < tokens.length; i++) x[i * d.nIn + tokens[i]] = 1;
  return x;
}
