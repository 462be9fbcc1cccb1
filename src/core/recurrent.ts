/**
 * Finds recurrent matrices in a checkpoint and presents every matrix in the paper's column convention
 * (`W[i][j]` = weight from unit j to unit i; docs/science.md §1).
 */
import { asFloat64, Checkpoint, newDataLike, Tensor, TensorData } from './tensor';

export type Layout = Checkpoint['layout'];

/** A 2-D view of a tensor in column convention, with the transform that produced it. */
export interface MatrixView<D extends TensorData = Float64Array> {
  rows: number;
  cols: number;
  /** Row-major values of the column-convention matrix. */
  data: D;
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
 * LSTM/GRU matrix. Values widened to float64 (see `matrixValues` for the stored type).
 */
export function matrixView(tensor: Tensor, layout: Layout, gate?: string): MatrixView {
  const v = matrixValues(tensor, layout, gate);
  return { ...v, data: asFloat64(v.data) };
}

/**
 * `matrixView` in the tensor's own array type: the tensor's values themselves when stored as shown, else a
 * transposed copy or a copy of the gate block. For showing a large matrix without a float64 copy of it.
 */
export function matrixValues(tensor: Tensor, layout: Layout, gate?: string): MatrixView<TensorData> {
  const shape = tensor.shape;
  let rows: number, cols: number, data: TensorData;
  const notes: string[] = [];
  if (shape.length === 2 && layout === 'row') {
    [rows, cols] = [shape[1], shape[0]];
    data = transpose(tensor.data, shape[0], shape[1]);
    notes.push('transposed: stored in Keras/TF.js row convention (h = h R), shown as W = Rᵀ');
  } else if (shape.length === 2) {
    [rows, cols] = shape;
    data = tensor.data;
    notes.push('as stored (column convention, h = W h)');
  } else if (shape.length <= 1) {
    rows = 1;
    cols = shape.length === 0 ? 1 : shape[0];
    data = tensor.data;
    notes.push(shape.length === 0 ? 'scalar' : 'vector shown as one row');
  } else {
    cols = shape[shape.length - 1];
    rows = cols === 0 ? 0 : tensor.data.length / cols;
    data = tensor.data;
    notes.push(`${shape.length}-D tensor flattened to ${rows}×${cols}`);
  }
  if (gate !== undefined) {
    const info = recurrentInfo(tensor, layout);
    const index = info?.gates?.indexOf(gate) ?? -1;
    if (!info || index < 0) throw new Error(`${tensor.name || 'tensor'} has no gate "${gate}"`);
    const n = info.n;
    data = data.slice(index * n * cols, (index + 1) * n * cols);
    rows = n;
    notes.push(`gate ${gate} (rows ${index * n}–${(index + 1) * n - 1} of the stacked ${info.gates!.join(',')} blocks)`);
  }
  return { rows, cols, data, transform: notes.join('; ') };
}

/** The transpose of a row-major rows × cols matrix, in the same array type. */
export function transpose<T extends TensorData>(data: T, rows: number, cols: number): T {
  const out = newDataLike(data, data.length) as T;
  transposeInto(data, rows, cols, cols, out, rows);
  return out;
}

/**
 * dst[j·ldd + i] = src[i·lds + j] for i < rows, j < cols: the transpose of a rows×cols row-major block with leading
 * dimension lds (equally: a row-major ↔ column-major copy). Tiled so both reads and writes stay in cache.
 */
export function transposeInto<T extends TensorData>(src: T, rows: number, cols: number, lds: number, dst: T, ldd: number): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        const r = i * lds;
        for (let j = j0; j < j1; j++) dst[j * ldd + i] = src[r + j];
      }
    }
  }
}
