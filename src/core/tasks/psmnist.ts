/**
 * Permuted sequential MNIST, as the paper's official code builds it (eminorhan/nonnormal-init,
 * generate_data.permuted_mnist_task; docs/science.md §5): each 28×28 image is flattened row-major to 784 pixels, the
 * pixels are reordered by one fixed random permutation (the same for training and test sets, one per run/seed),
 * scaled to [0, 1] by /255, and fed one pixel per step (784 steps × 1 input). Softmax over 10 classes at the last
 * step, categorical cross-entropy. Baseline: ln 10 (a uniform guess over 10 classes).
 *
 * The data set itself is not bundled here; {@link readIdxImages} and {@link readIdxLabels} read the standard
 * MNIST IDX files (train-images-idx3-ubyte etc., uncompressed).
 */
import { FormatError } from '../tensor';
import { permutation, toRng, type SeedOrRng } from './random';

export const PSMNIST_PIXELS = 784;
export const PSMNIST_SIDE = 28;
export const PSMNIST_CLASSES = 10;
export const PSMNIST_BASELINE = Math.log(10);

/**
 * The run's fixed pixel order: step t reads pixel `perm[t]` (numpy's `x[:, perm]`). Fisher–Yates with the
 * project's RNG, so one seed always gives the same permutation.
 */
export function psmnistPermutation(seed: SeedOrRng = 1, n = PSMNIST_PIXELS): Int32Array {
  return permutation(toRng(seed), n);
}

export interface SequenceSet {
  count: number;
  T: number;
  /** pixel/255 in permuted order, count × T × 1 */
  x: Float32Array;
  /** class labels 0..9, count */
  y: Int32Array;
}

/**
 * Turns images (`count × pixels` bytes, row-major) and their labels into permuted pixel sequences.
 * `pixel/255` is stored as float32; the double division then rounding equals the official code's float32
 * division (double rounding is harmless for a single division of float32 operands).
 * Pass `start`/`count` to convert a slice (e.g. one batch) without copying the whole set.
 */
export function toSequences(
  images: Uint8Array, labels: Uint8Array, perm: Int32Array, start = 0, count?: number,
): SequenceSet {
  const T = perm.length;
  if (T === 0) throw new RangeError('psMNIST: empty permutation');
  if (images.length % T !== 0) throw new RangeError(`psMNIST: ${images.length} pixel bytes are not a whole number of ${T}-pixel images`);
  const total = images.length / T;
  if (labels.length !== total) throw new RangeError(`psMNIST: ${total} images but ${labels.length} labels`);
  const n = count ?? total - start;
  if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 0 || start + n > total) {
    throw new RangeError(`psMNIST: slice [${start}, ${start + n}) is outside the ${total} images`);
  }
  const x = new Float32Array(n * T);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = (start + i) * T, dst = i * T;
    for (let t = 0; t < T; t++) x[dst + t] = images[src + perm[t]] / 255;
    const c = labels[start + i];
    if (c >= PSMNIST_CLASSES) throw new RangeError(`psMNIST: label ${c} of image ${start + i} is outside 0..9`);
    y[i] = c;
  }
  return { count: n, T, x, y };
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major (a view into the file's buffer) */
  pixels: Uint8Array;
}

const IDX_UBYTE = 0x08;
const GZIP = [0x1f, 0x8b];

/** Parses an IDX header of unsigned bytes with `dims` dimensions; returns the sizes and the data offset. */
function idxHeader(bytes: Uint8Array, dims: number, what: string): number[] {
  if (bytes.length >= 2 && bytes[0] === GZIP[0] && bytes[1] === GZIP[1]) {
    throw new FormatError(`${what}: the file is gzip-compressed; decompress it first (gunzip, or loadIdxPair in mnistFiles.ts)`);
  }
  const headerLen = 4 + 4 * dims;
  if (bytes.length < headerLen) {
    throw new FormatError(`${what}: file too short for an IDX header (${bytes.length} bytes, need ${headerLen})`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, false);
  const expected = (IDX_UBYTE << 8) | dims;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(`${what}: not an IDX file (magic number 0x${hex(magic)}, expected 0x${hex(expected)})`);
  }
  if (bytes[2] !== IDX_UBYTE) {
    throw new FormatError(`${what}: IDX data type 0x${bytes[2].toString(16).padStart(2, '0')} is not unsigned bytes (0x08)`);
  }
  if (bytes[3] !== dims) {
    throw new FormatError(`${what}: IDX file has ${bytes[3]} dimensions, expected ${dims} (magic 0x${hex(magic)}, expected 0x${hex(expected)})`);
  }
  const sizes: number[] = [];
  let product = 1;
  for (let d = 0; d < dims; d++) {
    const s = dv.getUint32(4 + 4 * d, false);
    sizes.push(s);
    product *= s;
  }
  const want = headerLen + product;
  if (bytes.length !== want) {
    throw new FormatError(`${what}: IDX header says ${sizes.join('×')} = ${product} bytes of data, but the file has ${bytes.length - headerLen}${bytes.length < want ? ' (truncated?)' : ''}`);
  }
  return sizes;
}

function hex(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** Reads an IDX image file (magic 0x00000803: unsigned bytes, 3 dimensions count × rows × cols). */
export function readIdxImages(bytes: Uint8Array): IdxImages {
  const [count, rows, cols] = idxHeader(bytes, 3, 'IDX images');
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

/** Reads an IDX label file (magic 0x00000801: unsigned bytes, 1 dimension); checks labels are in 0..9. */
export function readIdxLabels(bytes: Uint8Array): Uint8Array {
  const [count] = idxHeader(bytes, 1, 'IDX labels');
  const labels = bytes.subarray(8);
  for (let i = 0; i < count; i++) {
    if (labels[i] >= PSMNIST_CLASSES) throw new FormatError(`IDX labels: label ${labels[i]} at index ${i} is not a digit 0..9`);
  }
  return labels;
}

/**
 * Reads a pair of IDX files into psMNIST sequences with the given permutation, checking that the images are
 * 28×28 and that the counts match.
 */
export function readIdxPair(imageBytes: Uint8Array, labelBytes: Uint8Array, perm: Int32Array): SequenceSet {
  const img = readIdxImages(imageBytes);
  const labels = readIdxLabels(labelBytes);
  if (img.rows * img.cols !== perm.length) {
    throw new FormatError(`IDX images are ${img.rows}×${img.cols} = ${img.rows * img.cols} pixels, but the permutation has ${perm.length}`);
  }
  if (labels.length !== img.count) throw new FormatError(`IDX files disagree: ${img.count} images but ${labels.length} labels`);
  return toSequences(img.pixels, labels, perm);
}
