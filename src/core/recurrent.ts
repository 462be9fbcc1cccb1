/**
 * Finds recurrent matrices in a checkpoint and presents every matrix in the paper's column convention
 * (`W[i][j]` = weight from unit j to unit i; docs/science.md §1).
 */
import { asFloat64, Checkpoint, Tensor, TensorData } from './tensor';

export type Layout = Checkpoint['layout'];

/** A 2-D view of a tensor in column convention, with the transform that produced it. */
export interface MatrixView {
  rows: number;
  cols: number;
  /** Row-major values of the column-convention matrix. */
  data: Float64Array;
  /** What was done to the stored tensor, for the UI. */
  transform: string;
}

export interface RecurrentInfo {
  name: string;
  /** Hidden size. */
  n: number;
  /** How the file stores it: `column` (h = W h, PyTorch/NumPy) or `row` (h = h R, Keras/TF.js; W = Rᵀ). */
  convention: 'column' | 'row';
  /** Gate blocks in stored order for LSTM/GRU weights, else null. */
  gates: string[] | null;
  /** Cell kind inferred from the shape. */
  cell: 'rnn' | 'lstm' | 'gru';
}

// The last alternative is Keras 3's `.keras` layout: an RNN layer's cell stores kernel, recurrent kernel and bias
// as `…/cell/vars/0`, `…/cell/vars/1`, `…/cell/vars/2` (SimpleRNN, LSTM and GRU alike).
const RECURRENT_NAME = /(weight_hh|recurrent_kernel|recurrent_weight|(^|[._/])(w_hh|whh|w_rec|wrec|w_rr|rec_kernel|recurrent)($|[._/:])|(^|\/)cell\/vars\/1$)/i;

/** Tensors stored as row vectors (Keras, TF.js) are transposed; only 2-D weights are affected. */
export function isTransposed(tensor: Tensor, layout: Layout): boolean {
  return layout === 'row' && tensor.shape.length === 2;
}

/** Gate order of the column-convention matrix, by framework and number of stacked blocks. */
function gateNames(layout: Layout, blocks: number): string[] | null {
  if (blocks === 4) return layout === 'row' ? ['i', 'f', 'c', 'o'] : ['i', 'f', 'g', 'o'];
  if (blocks === 3) return layout === 'row' ? ['z', 'r', 'h'] : ['r', 'z', 'n'];
  return null;
}

export function recurrentInfo(tensor: Tensor, layout: Layout): RecurrentInfo | null {
  if (tensor.shape.length !== 2 || !RECURRENT_NAME.test(tensor.name)) return null;
  // Column convention: (k·H) × H with k stacked gate blocks.
  const [rows, cols] = isTransposed(tensor, layout) ? [tensor.shape[1], tensor.shape[0]] : tensor.shape;
  if (cols === 0 || rows % cols !== 0) return null;
  const blocks = rows / cols;
  if (blocks === 1) return { name: tensor.name, n: cols, convention: layout, gates: null, cell: 'rnn' };
  const gates = gateNames(layout, blocks);
  if (!gates) return null;
  return { name: tensor.name, n: cols, convention: layout, gates, cell: blocks === 4 ? 'lstm' : 'gru' };
}

export function findRecurrent(ckpt: Checkpoint): RecurrentInfo[] {
  const out: RecurrentInfo[] = [];
  for (const t of ckpt.tensors) {
    const info = recurrentInfo(t, ckpt.layout);
    if (info) out.push(info);
  }
  return out;
}

/**
 * The tensor as a column-convention matrix. 1-D tensors become one row; tensors with more than two
 * dimensions are flattened to (product of leading dims) × last dim. `gate` selects one block of a stacked
 * LSTM/GRU matrix.
 */
export function matrixView(tensor: Tensor, layout: Layout, gate?: string): MatrixView {
  const shape = tensor.shape;
  let rows: number, cols: number;
  // The tensor's own values until the end: only the matrix (or gate block) shown is widened to float64.
  let data: TensorData = tensor.data;
  let transposed = false;
  const notes: string[] = [];
  if (shape.length === 2 && layout === 'row') {
    [rows, cols] = [shape[1], shape[0]];
    transposed = true;
    notes.push('transposed: stored in Keras/TF.js row convention (h = h R), shown as W = Rᵀ');
  } else if (shape.length === 2) {
    [rows, cols] = shape;
    notes.push('as stored (column convention, h = W h)');
  } else if (shape.length <= 1) {
    rows = 1;
    cols = shape.length === 0 ? 1 : shape[0];
    notes.push(shape.length === 0 ? 'scalar' : 'vector shown as one row');
  } else {
    cols = shape[shape.length - 1];
    rows = cols === 0 ? 0 : tensor.data.length / cols;
    notes.push(`${shape.length}-D tensor flattened to ${rows}×${cols}`);
  }
  let out: Float64Array | undefined;
  if (transposed) out = transpose(data, shape[0], shape[1]);
  if (gate !== undefined) {
    const info = recurrentInfo(tensor, layout);
    const index = info?.gates?.indexOf(gate) ?? -1;
    if (!info || index < 0) throw new Error(`${tensor.name || 'tensor'} has no gate "${gate}"`);
    const n = info.n;
    if (out) out = out.slice(index * n * cols, (index + 1) * n * cols);
    else data = data.subarray(index * n * cols, (index + 1) * n * cols);
    rows = n;
    notes.push(`gate ${gate} (rows ${index * n}–${(index + 1) * n - 1} of the stacked ${info.gates!.join(',')} blocks)`);
    // A float64 block is copied, as before: callers may own what they get.
    if (!out && data instanceof Float64Array) out = data.slice();
  }
  return { rows, cols, data: out ?? asFloat64(data), transform: notes.join('; ') };
}

export function transpose(data: TensorData | Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(data.length);
  // Blocked so both reads and writes stay in cache for large matrices.
  const B = 64;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * rows + i] = data[i * cols + j];
      }
    }
  }
  return out;
}
