import { DType, DTYPE_BYTES, FormatError } from './tensor';

/** IEEE half precision to double. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** bfloat16 is the upper half of a float32. */
export function bfloat16ToNumber(b: number): number {
  u32Scratch[0] = b << 16;
  return f32Scratch[0];
}

/** Double to IEEE half with round-to-nearest-even (for writers and tests). */
export function numberToHalf(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/**
 * Decodes `count` elements of `dtype` starting at `bytes[0]` into float64, in storage order.
 * The caller has already checked that `bytes` is long enough (see `checkShape`).
 */
export function decodeElements(bytes: Uint8Array, dtype: DType, count: number, littleEndian = true): Float64Array {
  const size = DTYPE_BYTES[dtype];
  if (bytes.byteLength < count * size) {
    throw new FormatError(`data truncated: ${count} ${dtype} values need ${count * size} bytes, found ${bytes.byteLength}`);
  }
  const out = new Float64Array(count);
  // Fast path: aligned little-endian float32/float64 views (the common case for real checkpoints).
  if (littleEndian && (dtype === 'float32' || dtype === 'float64') && bytes.byteOffset % size === 0) {
    const view = dtype === 'float32'
      ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
      : new Float64Array(bytes.buffer, bytes.byteOffset, count);
    out.set(view);
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const le = littleEndian;
  switch (dtype) {
    case 'float16': for (let i = 0; i < count; i++) out[i] = halfToNumber(dv.getUint16(2 * i, le)); break;
    case 'bfloat16': for (let i = 0; i < count; i++) out[i] = bfloat16ToNumber(dv.getUint16(2 * i, le)); break;
    case 'float32': for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, le); break;
    case 'float64': for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, le); break;
    case 'int8': for (let i = 0; i < count; i++) out[i] = dv.getInt8(i); break;
    case 'uint8': case 'bool': for (let i = 0; i < count; i++) out[i] = dv.getUint8(i); break;
    case 'int16': for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, le); break;
    case 'uint16': for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, le); break;
    case 'int32': for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, le); break;
    case 'uint32': for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, le); break;
    case 'int64': for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(8 * i, le)); break;
    case 'uint64': for (let i = 0; i < count; i++) out[i] = Number(dv.getBigUint64(8 * i, le)); break;
  }
  return out;
}

/** Reorders a Fortran-order (column-major) array of the given shape into C order. */
export function fortranToC(data: Float64Array, shape: readonly number[]): Float64Array {
  // Dimensions of size 1 do not change the order; dropping them keeps the walk short for shapes like (1, …, 1, n).
  const dims = shape.filter((d) => d !== 1);
  if (dims.length < 2) return data;
  const out = new Float64Array(data.length);
  const nd = dims.length;
  const cStrides = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) { cStrides[d] = s; s *= dims[d]; }
  const idx = new Array<number>(nd).fill(0);
  // Walk the Fortran order (first index fastest) and scatter into C positions, updating the C offset as the
  // index advances (amortised O(1) per element).
  let c = 0;
  for (let f = 0; f < data.length; f++) {
    out[c] = data[f];
    for (let d = 0; d < nd; d++) {
      if (++idx[d] < dims[d]) { c += cStrides[d]; break; }
      c -= (dims[d] - 1) * cStrides[d];
      idx[d] = 0;
    }
  }
  return out;
}
