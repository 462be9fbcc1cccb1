/**
 * safetensors reader and writer. Pure: takes and returns bytes.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON
 * `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`, then the data;
 * offsets are relative to the first byte after the header.
 */
import { decodeElements } from '../dtype';
import { checkShape, DecodeBudget, DEFAULT_DECODE_BYTES, DType, DTYPE_BYTES, elementCount, FormatError, formatBytes, Tensor } from '../tensor';

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100 * 1024 ** 2;

const DTYPES: Record<string, DType> = {
  F16: 'float16', BF16: 'bfloat16', F32: 'float32', F64: 'float64',
  I8: 'int8', U8: 'uint8', I16: 'int16', U16: 'uint16', I32: 'int32', U32: 'uint32', I64: 'int64', U64: 'uint64',
  BOOL: 'bool',
};

/**
 * Names refused as tensor names: harmless here (the header is never merged into an ordinary object), but a hostile
 * file that uses them is aiming at code that would build `obj[name]` from them.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Reads every tensor of a safetensors file, in header order. */
export function parseSafetensors(bytes: Uint8Array, budget = new DecodeBudget(DEFAULT_DECODE_BYTES)): Tensor[] {
  if (bytes.length === 0) throw new FormatError('file is empty');
  if (bytes.length < 8) throw new FormatError('truncated header: file is shorter than the 8-byte header length');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = dv.getBigUint64(0, true);
  const headerLen = Number(declared);
  if (headerLen > MAX_HEADER_BYTES) {
    throw new FormatError(`header length ${declared} is implausibly large (limit ${formatBytes(MAX_HEADER_BYTES)}, file is ${formatBytes(bytes.length)})`);
  }
  if (8 + headerLen > bytes.length) {
    throw new FormatError(`truncated header: declares ${headerLen} bytes but only ${bytes.length - 8} follow`);
  }
  if (headerLen < 2) throw new FormatError('malformed header: too short to be JSON');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
    // JSON.parse defines keys as own data properties: a "__proto__" key never reaches a prototype.
    header = JSON.parse(text);
  } catch (err) {
    throw new FormatError(`malformed header: ${firstLine(err)}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FormatError('malformed header: not a JSON object');
  }
  const entries = header as Record<string, unknown>;

  // First pass: validate every entry against the buffer, before anything is allocated.
  const specs: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const name of topLevelKeys(text)) {
    if (name === '__metadata__') continue;
    const shown = JSON.stringify(name);
    if (RESERVED_NAMES.has(name)) throw new FormatError(`unsafe tensor name ${shown}`);
    const info = Object.prototype.hasOwnProperty.call(entries, name) ? entries[name] : undefined;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) {
      throw new FormatError(`tensor ${shown}: entry is not an object`);
    }
    const { dtype: code, shape: rawShape, data_offsets: offsets } = info as Record<string, unknown>;
    const dtype = typeof code === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, code) ? DTYPES[code] : undefined;
    if (!dtype) throw new FormatError(`tensor ${shown}: unsupported dtype ${typeof code === 'string' ? code : JSON.stringify(code)}`);
    if (!Array.isArray(rawShape)) throw new FormatError(`tensor ${shown}: shape is not a list`);
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]
    ) {
      throw new FormatError(`tensor ${shown}: invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) {
      throw new FormatError(`tensor ${shown}: data_offsets [${begin}, ${end}] lie outside the ${dataLen} bytes of data`);
    }
    const size = DTYPE_BYTES[dtype];
    const span = end - begin;
    const spanError = (need: number) =>
      new FormatError(`tensor ${shown}: data_offsets span ${span} bytes but shape [${rawShape.join(', ')}] of ${dtype} needs ${need}`);
    let shape: number[];
    try {
      // Validates the dimensions and that they fit the span, before anything is allocated.
      shape = checkShape(rawShape, size, span);
    } catch (err) {
      const dimsOk = rawShape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
      const need = dimsOk ? elementCount(rawShape as number[]) * size : NaN;
      if (Number.isSafeInteger(need)) throw spanError(need);
      throw new FormatError(`tensor ${shown}: ${firstLine(err)}`);
    }
    const need = elementCount(shape) * size;
    if (need !== span) throw spanError(need);
    budget.reserve(elementCount(shape), `tensor ${shown}`);
    specs.push({ name, dtype, shape, begin, end });
  }

  // The format forbids tensors sharing bytes.
  const byOffset = specs.filter((s) => s.end > s.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].begin < byOffset[i - 1].end) {
      const a = JSON.stringify(byOffset[i - 1].name);
      const b = JSON.stringify(byOffset[i].name);
      throw new FormatError(`tensors ${a} and ${b} overlap in the data section`);
    }
  }

  // Second pass: decode.
  const tensors: Tensor[] = [];
  for (const { name, dtype, shape, begin, end } of specs) {
    const size = DTYPE_BYTES[dtype];
    // A view of the file's bytes when aligned (the header is padded to a multiple of 8), else one copy.
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    tensors.push({ name, shape, dtype, data: decodeElements(raw, dtype, (end - begin) / size, true) });
  }
  return tensors;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}

/**
 * The keys of a (valid) top-level JSON object in the order they appear. `Object.keys` would move integer-like
 * names such as "0" first; duplicate keys (which JSON.parse silently collapses) are refused.
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) throw new FormatError(`malformed header: duplicate key ${JSON.stringify(key)}`);
        seen.add(key);
        keys.push(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

export interface SafetensorsInput {
  name: string;
  shape: number[];
  data: Float64Array | Float32Array;
  dtype: 'float32' | 'float64';
}

/** Writes tensors (in the given order) as a safetensors file; the header is space-padded to a multiple of 8. */
export function writeSafetensors(tensors: SafetensorsInput[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = Object.create(null);
  if (metadata) header['__metadata__'] = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.prototype.hasOwnProperty.call(header, t.name)) {
      throw new Error(`duplicate or reserved tensor name ${JSON.stringify(t.name)}`);
    }
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new Error(`invalid shape [${t.shape.join(', ')}]`);
    }
    const count = elementCount(t.shape);
    if (count !== t.data.length) {
      throw new Error(`tensor ${JSON.stringify(t.name)}: shape [${t.shape.join(', ')}] holds ${count} values but ${t.data.length} were given`);
    }
    const bytes = count * (t.dtype === 'float32' ? 4 : 8);
    header[t.name] = { dtype: t.dtype === 'float32' ? 'F32' : 'F64', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let p = 8 + padded;
  for (const t of tensors) {
    const n = t.data.length;
    if (t.dtype === 'float32') {
      for (let i = 0; i < n; i++) dv.setFloat32(p + 4 * i, t.data[i], true);
      p += 4 * n;
    } else {
      for (let i = 0; i < n; i++) dv.setFloat64(p + 8 * i, t.data[i], true);
      p += 8 * n;
    }
  }
  return out;
}
