/**
 * NumPy `.npy` reader and writer (format versions 1.0, 2.0 and 3.0). Pure: takes and returns bytes.
 *
 * The header is a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (32, 32), }`.
 * It is read with a tiny literal parser (strings, integers, True/False/None, tuples, lists, dicts), never eval.
 */
import { decodeElements, fortranToC, readsInPlace } from '../dtype';
import { checkShape, DecodeBudget, DEFAULT_DECODE_BYTES, DType, DTYPE_BYTES, elementCount, FormatError, MAX_DIMS, Tensor } from '../tensor';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy's own default limit for `np.load` (`max_header_size`): real headers are a few hundred bytes. */
export const MAX_NPY_HEADER_BYTES = 10_000;

/** numpy type codes (without the byte-order character) that we decode. */
const TYPE_CODES: Record<string, DType> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64',
  b1: 'bool',
};

export interface NpyHeader {
  dtype: DType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first data byte. */
  dataOffset: number;
}

/**
 * Reads one `.npy` array. Values come back in C order, in the stored type's array: a view of `bytes` when the data
 * is aligned for its type. With `alignInPlace` (the caller owns `bytes` and will not read them again), unaligned data
 * is moved back over the end of its own header (at most 7 bytes) instead of being copied: an `.npz` member stored
 * without compression rarely starts at a multiple of 4 or 8 in the archive.
 */
export function parseNpy(
  bytes: Uint8Array, name = '', budget = new DecodeBudget(DEFAULT_DECODE_BYTES), alignInPlace = false,
): Tensor {
  const h = parseNpyHeader(bytes);
  const size = DTYPE_BYTES[h.dtype];
  const available = bytes.length - h.dataOffset;
  let shape: number[];
  try {
    // Validates the declared shape against the bytes present before anything is allocated.
    shape = checkShape(h.shape, size, available);
  } catch (err) {
    const dimsOk = h.shape.length <= MAX_DIMS && h.shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
    // A plausible shape with too few bytes behind it is a truncated file; absurd shapes keep checkShape's wording.
    if (err instanceof FormatError && dimsOk && Number.isSafeInteger(elementCount(h.shape) * size)) {
      throw new FormatError(`truncated data: ${err.message}`);
    }
    throw err;
  }
  const count = elementCount(shape);
  budget.reserve(count, name ? `array ${name}` : 'the array');
  let start = h.dataOffset;
  const misaligned = (bytes.byteOffset + start) % size;
  if (alignInPlace && misaligned !== 0 && readsInPlace(h.dtype, h.littleEndian)) {
    // The header (at least 10 bytes, already parsed) gives way to the data.
    bytes.copyWithin(start - misaligned, start, start + count * size);
    start -= misaligned;
  }
  // A view of `bytes` when the values can be read as they are (see decodeElements).
  let data = decodeElements(bytes.subarray(start, start + count * size), h.dtype, count, h.littleEndian);
  if (h.fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  return { name, shape, dtype: h.dtype, data };
}

/** Reads and validates the magic, version and header dict of an `.npy` file. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < MAGIC.length || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new FormatError('not an npy file (missing \\x93NUMPY magic)');
  }
  if (bytes.length < 10) throw new FormatError('truncated header');
  const major = bytes[6];
  const minor = bytes[7];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FormatError('truncated header');
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
    headerStart = 12;
  } else {
    throw new FormatError(`unsupported npy format version ${major}.${minor}`);
  }
  // numpy headers are a few hundred bytes; a huge one can only be an attack on the parser. Checked first, so the
  // verdict is the same whether the whole file or only its first MAX_NPY_HEADER_BYTES + 12 bytes are at hand.
  if (headerLen > MAX_NPY_HEADER_BYTES) throw new FormatError(`npy header of ${headerLen} bytes is too large (at most ${MAX_NPY_HEADER_BYTES})`);
  const dataOffset = headerStart + headerLen;
  if (dataOffset > bytes.length) {
    throw new FormatError(`truncated header: declares ${headerLen} bytes but only ${bytes.length - headerStart} follow`);
  }
  // Version 1 and 2 headers are latin-1, version 3 is UTF-8.
  const headerBytes = bytes.subarray(headerStart, dataOffset);
  let text = '';
  if (major === 3) text = new TextDecoder('utf-8').decode(headerBytes);
  else for (let i = 0; i < headerBytes.length; i += 4096) text += String.fromCharCode(...headerBytes.subarray(i, i + 4096));

  let dict: unknown;
  try {
    dict = new PyLiteralParser(text).parseTop();
  } catch (err) {
    throw new FormatError(`malformed npy header: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!(dict instanceof Map)) throw new FormatError('malformed npy header: not a dict');
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (descr === undefined || fortran === undefined || shape === undefined) {
    throw new FormatError("malformed npy header: needs 'descr', 'fortran_order' and 'shape'");
  }
  if (typeof fortran !== 'boolean') throw new FormatError('malformed npy header: fortran_order is not True or False');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) {
    throw new FormatError('malformed npy header: shape is not a tuple of integers');
  }
  const { dtype, littleEndian } = parseDescr(descr);
  return { dtype, littleEndian, fortranOrder: fortran, shape: shape as number[], dataOffset };
}

function parseDescr(descr: unknown): { dtype: DType; littleEndian: boolean } {
  if (typeof descr !== 'string') {
    throw new FormatError('structured arrays (record dtypes) are not supported');
  }
  const m = /^([<>|=]?)([a-zA-Z]\d*)(.*)$/.exec(descr);
  const code = m ? m[2] : '';
  if (code === 'O') {
    throw new FormatError(`object arrays (dtype ${descr}) are not supported: they hold pickled Python objects`);
  }
  const dtype = m && m[3] === '' ? TYPE_CODES[code] : undefined;
  if (!dtype) throw new FormatError(`unsupported dtype ${descr}`);
  // '=' (native) is written as '<' by numpy on every little-endian machine; treat it as little-endian.
  return { dtype, littleEndian: m![1] !== '>' };
}

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/** Parses the subset of Python literal syntax numpy writes in `.npy` headers. */
class PyLiteralParser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseTop(): PyValue {
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) throw new Error(`unexpected ${JSON.stringify(this.s[this.pos])} at ${this.pos}`);
    return v;
  }

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.pos];
    if (c === undefined) throw new Error('unexpected end');
    if (++this.depth > 32) throw new Error('nested too deeply');
    try {
      if (c === '{') return this.dict();
      if (c === '(') return this.seq(')');
      if (c === '[') return this.seq(']');
      if (c === "'" || c === '"') return this.str();
      if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.int();
      for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
        if (this.s.startsWith(word, this.pos)) { this.pos += word.length; return v; }
      }
      throw new Error(`unexpected ${JSON.stringify(c)} at ${this.pos}`);
    } finally {
      this.depth--;
    }
  }

  private expect(ch: string): void {
    this.ws();
    if (this.s[this.pos] !== ch) throw new Error(`expected ${JSON.stringify(ch)} at ${this.pos}`);
    this.pos++;
  }

  private dict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    this.pos++; // {
    for (;;) {
      this.ws();
      if (this.s[this.pos] === '}') { this.pos++; return out; }
      const key = this.value();
      if (typeof key !== 'string') throw new Error('dict key is not a string');
      this.expect(':');
      out.set(key, this.value());
      this.ws();
      if (this.s[this.pos] === ',') { this.pos++; continue; }
      this.expect('}');
      return out;
    }
  }

  private seq(close: string): PyValue[] {
    const out: PyValue[] = [];
    this.pos++; // ( or [
    for (;;) {
      this.ws();
      if (this.s[this.pos] === close) { this.pos++; return out; }
      out.push(this.value());
      this.ws();
      if (this.s[this.pos] === ',') { this.pos++; continue; }
      this.expect(close);
      return out;
    }
  }

  private str(): string {
    const q = this.s[this.pos++];
    let out = '';
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined) throw new Error('unterminated string');
      if (c === q) return out;
      if (c === '\\') {
        const e = this.s[this.pos++];
        if (e === undefined) throw new Error('unterminated string');
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
      } else {
        out += c;
      }
    }
  }

  private int(): number {
    // Python 2 wrote shapes as `(3L, 4L)`.
    const m = /^[-+]?\d+L?/.exec(this.s.slice(this.pos, this.pos + 40));
    if (!m) throw new Error(`bad number at ${this.pos}`);
    this.pos += m[0].length;
    // Values beyond 2^53 come back inexact; checkShape rejects them as not safe integers.
    return Number(m[0].replace(/L$/, ''));
  }
}

/**
 * Writes a little-endian, C-order `.npy` (format 1.0) whose data starts at a multiple of 64 bytes.
 */
export function writeNpy(
  shape: number[],
  data: Float64Array | Float32Array,
  dtype: 'float32' | 'float64' = 'float32',
): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(', ')}]`);
  }
  const count = elementCount(shape);
  if (count !== data.length) {
    throw new Error(`shape [${shape.join(', ')}] holds ${count} values but ${data.length} were given`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const descr = dtype === 'float32' ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new Error('npy header too long for format 1.0');

  const size = dtype === 'float32' ? 4 : 8;
  const out = new Uint8Array(total + count * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, total, count * size);
  if (dtype === 'float32') {
    if (HOST_LITTLE_ENDIAN) new Float32Array(out.buffer, total, count).set(data);
    else for (let i = 0; i < count; i++) dv.setFloat32(4 * i, data[i], true);
  } else {
    if (HOST_LITTLE_ENDIAN) new Float64Array(out.buffer, total, count).set(data);
    else for (let i = 0; i < count; i++) dv.setFloat64(8 * i, data[i], true);
  }
  return out;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
