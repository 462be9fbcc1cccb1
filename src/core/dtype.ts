import { arrayTypeOf, DType, DTYPE_BYTES, FormatError, newDataLike, TensorData } from './tensor';

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

/** Types whose array (`arrayTypeOf`) is not the stored bytes themselves: always decoded value by value. */
const CONVERTED = new Set<DType>(['float16', 'bfloat16', 'int64', 'uint64']);
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether `decodeElements` returns a view of the bytes for this type and byte order (when they are aligned). */
export function readsInPlace(dtype: DType, littleEndian: boolean): boolean {
  return (littleEndian === HOST_LITTLE_ENDIAN || DTYPE_BYTES[dtype] === 1) && !CONVERTED.has(dtype);
}

/**
 * Decodes `count` elements of `dtype` starting at `bytes[0]`, in storage order, into the array type of `dtype`
 * (`arrayTypeOf`). Little-endian data of a type the host reads as is comes back as a view of `bytes` (no copy);
 * when `bytes` is not aligned for that type it is copied once. Other data (big-endian, float16, bfloat16, 64-bit
 * integers) is decoded into a new array. The caller has already checked that `bytes` is long enough (see `checkShape`).
 */
export function decodeElements(bytes: Uint8Array, dtype: DType, count: number, littleEndian = true): TensorData {
  const size = DTYPE_BYTES[dtype];
  if (bytes.byteLength < count * size) {
    throw new FormatError(`data truncated: ${count} ${dtype} values need ${count * size} bytes, found ${bytes.byteLength}`);
  }
  const Type = arrayTypeOf(dtype);
  if (readsInPlace(dtype, littleEndian)) {
    // The stored bytes are the values: a view, after one copy when they are not aligned for the type.
    let raw = bytes.subarray(0, count * size);
    if (raw.byteOffset % size !== 0) raw = new Uint8Array(raw); // a copy (a Buffer's slice() would be a view)
    return new Type(raw.buffer as ArrayBuffer, raw.byteOffset, count);
  }
  const out = new Type(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const le = littleEndian;
  switch (dtype) {
    case 'float16': for (let i = 0; i < count; i++) out[i] = halfToNumber(dv.getUint16(2 * i, le)); break;
    case 'bfloat16': for (let i = 0; i < count; i++) out[i] = bfloat16ToNumber(dv.getUint16(2 * i, le)); break;
    case 'float32': for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, le); break;
    case 'float64': for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, le); break;
    case 'int16': for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, le); break;
    case 'uint16': for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, le); break;
    case 'int32': for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, le); break;
    case 'uint32': for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, le); break;
    case 'int64': for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(8 * i, le)); break;
    case 'uint64': for (let i = 0; i < count; i++) out[i] = Number(dv.getBigUint64(8 * i, le)); break;
    default: throw new Error(`decodeElements: unhandled ${dtype}`); // 1-byte types are views above
  }
  return out;
}

/** Reorders a Fortran-order (column-major) array of the given shape into C order. */
export function fortranToC(data: TensorData, shape: readonly number[]): TensorData {
  // Dimensions of size 1 do not change the order; dropping them keeps the walk short for shapes like (1, …, 1, n).
  const dims = shape.filter((d) => d !== 1);
  if (dims.length < 2) return data;
  const out = newDataLike(data, data.length);
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
