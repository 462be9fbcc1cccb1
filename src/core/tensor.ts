/**
 * Tensors as every reader returns them. Pure TypeScript: no `vscode`, no DOM.
 *
 * Values come in C (row-major) order, whatever the stored layout, in a typed array of the stored type's own
 * width (`TensorData`): a float32 tensor is a Float32Array, a uint8 one a Uint8Array, usually a view straight into
 * the file's bytes, so reading a tensor costs its own size once. float16 and bfloat16 come as float32 (exact),
 * int64 and uint64 as float64 (values beyond 2^53 lose precision; their statistics are approximate). Analyses
 * that need float64 widen only the matrix they work on (`asFloat64`, `matrixView`).
 */

export type DType =
  | 'float16' | 'bfloat16' | 'float32' | 'float64'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool';

export const DTYPE_BYTES: Record<DType, number> = {
  float16: 2, bfloat16: 2, float32: 4, float64: 8,
  int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
  bool: 1,
};

export interface Tensor {
  /** Name inside the checkpoint, e.g. `rnn.weight_hh_l0`; `''` for a lone .npy array. */
  name: string;
  shape: number[];
  /** The dtype as stored in the file. */
  dtype: DType;
  /** Values in C order, in the array type that holds the stored dtype exactly (`arrayTypeOf`). */
  data: TensorData;
}

/** The typed arrays tensors come in (see `arrayTypeOf`). */
export type TensorData =
  | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

type TensorArrayConstructor =
  | Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor
  | Int16ArrayConstructor | Uint16ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor;

const ARRAY_TYPES: Record<DType, TensorArrayConstructor> = {
  float16: Float32Array, bfloat16: Float32Array, float32: Float32Array, float64: Float64Array,
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: Float64Array, uint64: Float64Array, bool: Uint8Array,
};

/** The typed array a tensor of `dtype` comes in: the stored type itself, float16/bfloat16 as float32, 64-bit integers as float64. */
export function arrayTypeOf(dtype: DType): TensorArrayConstructor {
  return ARRAY_TYPES[dtype];
}

/** A new zero-filled array of `count` values for a tensor of `dtype`. */
export function newTensorData(dtype: DType, count: number): TensorData {
  return new (ARRAY_TYPES[dtype])(count);
}

/** A new zero-filled array of `count` values of the same type as `like`. */
export function newDataLike(like: TensorData, count: number): TensorData {
  return new (like.constructor as TensorArrayConstructor)(count);
}

/** The values as float64: `data` itself when it already is, else a widened copy (of this matrix only). */
export function asFloat64(data: TensorData): Float64Array {
  return data instanceof Float64Array ? data : new Float64Array(data);
}

export type CheckpointFormat =
  | 'npy' | 'npz' | 'safetensors' | 'keras-hdf5' | 'pytorch-zip' | 'pytorch-legacy' | 'tfjs';

export interface Checkpoint {
  file: string;
  format: CheckpointFormat;
  tensors: Tensor[];
  /** Where tensors store weights as row vectors (Keras, TF.js), matrices are transposed for display. */
  layout: 'row' | 'column';
  /** Plain values stored next to the tensors (PyTorch pickles: configs, epoch, args …); absent for other formats. */
  metadata?: CheckpointMetadata;
}

/**
 * A plain value read from a checkpoint: numbers, strings, booleans, None (null) and lists/dicts of them.
 * Non-finite floats are the strings `nan`, `inf`, `-inf` (as Python prints them), so the value survives JSON.
 */
export type MetaValue = number | string | boolean | null | MetaValue[] | { [key: string]: MetaValue };

export interface MetadataEntry {
  /** Where the value sits, named like tensors (`epoch`, `configs`, `args`, `0.rnns.0.hidden_size`). */
  name: string;
  value: MetaValue;
}

export interface CheckpointMetadata {
  /** Each maximal plain value found beside tensors, in file order. */
  entries: MetadataEntry[];
  /** Something was cut to stay within the reader's bounds (long strings, long lists, too many values, deep nesting). */
  truncated: boolean;
}

/**
 * What is wrong with an input file: `format` its content, `too-large` it exceeds a size limit, `io` it cannot be
 * read at all (missing, no permission, not a regular file).
 */
export type InputProblem = 'format' | 'too-large' | 'io';

/** A problem with the input, reported as one line: `<file>: <problem>`. Never a crash. */
export class CheckpointError extends Error {
  constructor(readonly file: string, readonly problem: string, readonly kind: InputProblem = 'format') {
    super(`${file}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

/** Thrown by readers with only the problem; `readCheckpoint` adds the file name. */
export class FormatError extends Error {
  constructor(problem: string, readonly kind: InputProblem = 'format') {
    super(problem);
    this.name = 'FormatError';
  }
}

/** The kind of input problem an error thrown while reading a file stands for. */
export function inputProblemOf(err: unknown): InputProblem {
  if (err instanceof FormatError || err instanceof CheckpointError) return err.kind;
  return typeof (err as { code?: unknown } | null)?.code === 'string' ? 'io' : 'format';
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Most dimensions a tensor may have: NumPy 2's own limit (NumPy 1 and HDF5 allow 32). A header declaring
 * hundreds of thousands of dimensions is an attack on whatever loops over them.
 */
export const MAX_DIMS = 64;

/**
 * How many values a reader may decode for one checkpoint, counted as float64 (8 bytes each): the width any of them
 * takes once an analysis widens its matrix, though tensors are held in their stored type. Readers reserve a
 * tensor's values after its shape is checked and before anything is allocated, so a file whose values would
 * expand beyond the limit (a 2 GiB uint8 array in a 2 MB compressed member is 16 GiB as float64) fails with one
 * line instead of exhausting memory.
 */
export class DecodeBudget {
  private used = 0;
  constructor(readonly limitBytes: number) {}

  /** Throws unless `count` more values fit; reserves nothing. */
  check(count: number, what: string): void {
    const need = this.used + count * 8;
    if (!(need <= this.limitBytes)) {
      throw new FormatError(
        `${what} would take ${formatBytes(count * 8)} in memory as float64 values` +
        `${this.used ? ` (${formatBytes(need)} with the tensors before it)` : ''}, more than the ${formatBytes(this.limitBytes)} limit`,
        'too-large',
      );
    }
  }

  /** Reserves `count` values, or throws as `check` does. */
  reserve(count: number, what: string): void {
    this.check(count, what);
    this.used += count * 8;
  }
}

/** Default memory for decoded values: twice the default file-size limit (float32 files widen 2×). */
export const DEFAULT_DECODE_BYTES = 2 * (2 ** 31 - 1);

/** A shape as it may appear in a message: long shapes are shortened. */
export function shapeText(shape: readonly unknown[]): string {
  const shown = shape.length > 8 ? [...shape.slice(0, 6).map(String), `… ${shape.length} dimensions`] : shape.map(String);
  return `[${shown.join(', ')}]`;
}

/**
 * Checks a declared shape before anything is allocated: at most MAX_DIMS dimensions, each a non-negative safe
 * integer, and the total byte size no larger than the bytes that can hold it (`available`).
 */
export function checkShape(shape: readonly unknown[], bytesPerElement: number, available: number): number[] {
  if (shape.length > MAX_DIMS) {
    throw new FormatError(`shape has ${shape.length} dimensions (at most ${MAX_DIMS} are supported)`);
  }
  const dims: number[] = [];
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new FormatError(`invalid shape ${shapeText(shape)}`);
    }
    dims.push(d);
    count *= d;
  }
  if (!Number.isSafeInteger(count) || count * bytesPerElement > available) {
    throw new FormatError(
      `shape ${shapeText(dims)} needs ${formatBytes(count * bytesPerElement)} but the file holds only ${formatBytes(available)}`,
    );
  }
  return dims;
}

/**
 * Text from a file (a tensor name, a key) as it may appear on a terminal line or in a one-line message: C0/C1
 * control characters and the Unicode line, paragraph and bidirectional-override marks are escaped (`\n`, `\x1b`,
 * `\u202e`) so a crafted name can neither break the line nor send escape sequences; longer than `max` is cut.
 */
export function printableText(s: string, max = 300): string {
  const t = s.length > max ? s.slice(0, max) : s;
  const escaped = t.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return s.length > max ? escaped + '…' : escaped;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} bytes`;
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toPrecision(3)} ${units[u]}`;
}

/** One line, whatever was thrown. */
export function problemOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim() || 'unreadable file';
}
