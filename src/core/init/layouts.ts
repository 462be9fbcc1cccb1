/**
 * Exporters from the paper's column convention (docs/science.md §1) to each framework's stored layout.
 *
 * Inside the project a vanilla RNN is `h_t = f(W h_{t-1} + V x_t + b)`: W is N×N, V is N×d, both row-major, and
 * `W[i][j]` is the weight from unit j to unit i. The frameworks store:
 *
 * | framework | update rule                         | recurrent             | input               | convention |
 * |-----------|-------------------------------------|-----------------------|---------------------|------------|
 * | PyTorch   | h' = f(W_hh h + W_ih x + b)         | weight_hh_l0 = W (N×N) | weight_ih_l0 = V (N×d) | column  |
 * | Keras     | h' = f(x K + h R + b) (row vectors) | recurrent_kernel = Wᵀ  | kernel = Vᵀ (d×N)      | row     |
 * | TF.js     | same as Keras                       | recurrent_kernel = Wᵀ  | kernel = Vᵀ (d×N)      | row     |
 *
 * So the chain W[i][i-1] = α (unit i−1 feeds unit i) is on weight_hh_l0's sub-diagonal but on recurrent_kernel's
 * super-diagonal (R[i-1][i] = α), which is where the paper's official Keras initializers put it.
 */
import { transpose } from '../recurrent';

export const FRAMEWORKS = ['pytorch', 'keras', 'tfjs'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** Display names, e.g. for a quick pick. */
export const FRAMEWORK_LABEL: Record<Framework, string> = {
  pytorch: 'PyTorch',
  keras: 'Keras',
  tfjs: 'TensorFlow.js',
};

/** One stored weight: its name in the framework, its stored shape and its values (row-major, stored order). */
export interface StoredWeight {
  name: string;
  shape: [number, number];
  data: Float64Array;
}

/** A vanilla RNN's two weight matrices as a framework stores them. */
export interface StoredLayout {
  framework: Framework;
  /** `column`: h' = W_hh h + W_ih x (PyTorch); `row`: h' = x K + h R (Keras, TF.js). */
  convention: 'column' | 'row';
  recurrent: StoredWeight;
  input: StoredWeight;
}

export function conventionOf(framework: Framework): 'column' | 'row' {
  return framework === 'pytorch' ? 'column' : 'row';
}

/** PyTorch nn.RNN: weight_hh_l0 = W (N×N), weight_ih_l0 = V (N×d), both as they are. */
export function toPyTorch(W: Float64Array, V: Float64Array, n: number, d: number): StoredLayout {
  check(W, V, n, d);
  return {
    framework: 'pytorch',
    convention: 'column',
    recurrent: { name: 'weight_hh_l0', shape: [n, n], data: Float64Array.from(W) },
    input: { name: 'weight_ih_l0', shape: [n, d], data: Float64Array.from(V) },
  };
}

/** Keras SimpleRNN: recurrent_kernel = Wᵀ (N×N), kernel = Vᵀ (d×N). */
export function toKeras(W: Float64Array, V: Float64Array, n: number, d: number): StoredLayout {
  return rowLayout('keras', W, V, n, d);
}

/** TF.js simpleRNN: the Keras layout (its weights are also named recurrent_kernel and kernel). */
export function toTfjs(W: Float64Array, V: Float64Array, n: number, d: number): StoredLayout {
  return rowLayout('tfjs', W, V, n, d);
}

export function toLayout(framework: Framework, W: Float64Array, V: Float64Array, n: number, d: number): StoredLayout {
  switch (framework) {
    case 'pytorch': return toPyTorch(W, V, n, d);
    case 'keras': return toKeras(W, V, n, d);
    case 'tfjs': return toTfjs(W, V, n, d);
  }
}

/** The inverse: the column-convention W (N×N) and V (N×d) of a stored layout. */
export function fromLayout(layout: StoredLayout): { W: Float64Array; V: Float64Array; n: number; d: number } {
  if (layout.convention === 'column') {
    const [n, d] = layout.input.shape;
    return { W: Float64Array.from(layout.recurrent.data), V: Float64Array.from(layout.input.data), n, d };
  }
  const [d, n] = layout.input.shape;
  return { W: transpose(layout.recurrent.data, n, n), V: transpose(layout.input.data, d, n), n, d };
}

function rowLayout(framework: 'keras' | 'tfjs', W: Float64Array, V: Float64Array, n: number, d: number): StoredLayout {
  check(W, V, n, d);
  return {
    framework,
    convention: 'row',
    recurrent: { name: 'recurrent_kernel', shape: [n, n], data: transpose(W, n, n) },
    input: { name: 'kernel', shape: [d, n], data: transpose(V, n, d) },
  };
}

function check(W: Float64Array, V: Float64Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`hidden size must be a positive integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`input size must be a positive integer, got ${d}`);
  if (W.length !== n * n) throw new RangeError(`W has ${W.length} entries, expected N×N = ${n * n}`);
  if (V.length !== n * d) throw new RangeError(`V has ${V.length} entries, expected N×d = ${n * d}`);
}
