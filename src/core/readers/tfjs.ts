/**
 * TensorFlow.js models: `model.json` (layers-model and graph-model formats) or a bare weights manifest, with
 * the binary weight shards it names.
 *
 * `weightsManifest` is a list of groups `{paths, weights}`; each group's shards, concatenated in order, hold its
 * weights back to back in manifest order (little-endian, no padding). Weights may be quantized:
 * `quantization: {dtype: 'uint8' | 'uint16', scale, min}` stores `round((v - min) / scale)`, decoded as
 * `q * scale + min` (rounded again to int32 for int32 weights); `quantization: {dtype: 'float16'}` stores float32
 * weights as halves. The converter may add `original_dtype`; the entry's `dtype` is the decoded type, as in
 * tfjs-core's `decodeWeights`. String and complex64 weights are skipped (not matrices of reals).
 */
import { decodeElements } from '../dtype';
import { checkShape, DecodeBudget, DEFAULT_DECODE_BYTES, DType, elementCount, FormatError, formatBytes, newTensorData, Tensor, TensorData } from '../tensor';

type Quantization = { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: Quantization;
}

/** Bytes per element of the plain (unquantized) dtypes. */
const PLAIN_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, complex64: 8 };
const QUANT_BYTES: Record<Quantization['dtype'], number> = { uint8: 1, uint16: 2, float16: 2 };

export async function readTfjs(
  modelJson: Uint8Array,
  readSibling: (relPath: string) => Promise<Uint8Array>,
  budget = new DecodeBudget(DEFAULT_DECODE_BYTES),
): Promise<Tensor[]> {
  const manifest = parseManifest(modelJson);
  const tensors: Tensor[] = [];
  for (let g = 0; g < manifest.length; g++) {
    const { paths, weights } = manifest[g];
    const shards: Uint8Array[] = [];
    for (const p of paths) shards.push(await readSibling(p));
    const data = concat(shards);
    let offset = 0;
    for (const w of weights) {
      const r = decodeWeight(w, data, offset, paths, budget);
      offset = r.end;
      if (r.tensor) tensors.push(r.tensor);
    }
  }
  return tensors;
}

function parseManifest(modelJson: Uint8Array): { paths: string[]; weights: WeightSpec[] }[] {
  let text = new TextDecoder('utf-8').decode(modelJson);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new FormatError(`model.json is not valid JSON (${why})`);
  }
  // A model.json holds `weightsManifest`; the converter's older weights_manifest.json is the list itself.
  const manifest = Array.isArray(json) ? json : isObject(json) ? json.weightsManifest : undefined;
  if (manifest === undefined) {
    throw new FormatError('no weightsManifest: not a TensorFlow.js model.json');
  }
  if (!Array.isArray(manifest)) throw new FormatError('weightsManifest is not a list');
  return manifest.map((group, g) => {
    const where = `weightsManifest[${g}]`;
    if (!isObject(group)) throw new FormatError(`${where} is not an object`);
    const { paths, weights } = group;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p.length > 0)) {
      throw new FormatError(`${where}.paths must be a list of file names`);
    }
    if (!Array.isArray(weights)) throw new FormatError(`${where}.weights must be a list`);
    if (weights.length > 0 && paths.length === 0) throw new FormatError(`${where} has weights but no weight files`);
    return { paths: paths as string[], weights: weights.map((w, i) => checkSpec(w, `${where}.weights[${i}]`)) };
  });
}

function checkSpec(w: unknown, where: string): WeightSpec {
  if (!isObject(w)) throw new FormatError(`${where} is not an object`);
  const name = w.name;
  if (typeof name !== 'string') throw new FormatError(`${where} has no name`);
  const label = `weight "${name}"`;
  if (!Array.isArray(w.shape)) throw new FormatError(`${label} has no shape`);
  for (const d of w.shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new FormatError(`${label} has an invalid shape [${w.shape.join(', ')}]`);
    }
  }
  let quantization: Quantization | undefined;
  if (w.quantization !== undefined && w.quantization !== null) {
    const q = w.quantization;
    if (!isObject(q) || typeof q.dtype !== 'string' || !Object.hasOwn(QUANT_BYTES, q.dtype)) {
      const qd = isObject(q) ? String(q.dtype) : String(q);
      throw new FormatError(`${label} has an unsupported quantization "${qd}" (expected uint8, uint16 or float16)`);
    }
    quantization = { dtype: q.dtype as Quantization['dtype'] };
    if (q.dtype !== 'float16') {
      if (typeof q.scale !== 'number' || typeof q.min !== 'number' || !Number.isFinite(q.scale) || !Number.isFinite(q.min)) {
        throw new FormatError(`${label} is quantized to ${q.dtype} without a numeric scale and min`);
      }
      quantization.scale = q.scale;
      quantization.min = q.min;
    }
  }
  // The converter writes `dtype` (the decoded type); `original_dtype` in the quantization block says the same.
  const dtype = typeof w.dtype === 'string' ? w.dtype
    : isObject(w.quantization) && typeof w.quantization.original_dtype === 'string' ? w.quantization.original_dtype
      : undefined;
  if (dtype === undefined) throw new FormatError(`${label} has no dtype`);
  if (!Object.hasOwn(PLAIN_BYTES, dtype) && dtype !== 'string') throw new FormatError(`${label} has unsupported dtype "${dtype}"`);
  if (quantization) {
    const ok = quantization.dtype === 'float16' ? dtype === 'float32' : dtype === 'float32' || dtype === 'int32';
    if (!ok) throw new FormatError(`${label}: ${quantization.dtype} quantization of ${dtype} weights is not defined`);
  }
  return { name, shape: w.shape as number[], dtype, quantization };
}

function decodeWeight(
  w: WeightSpec, data: Uint8Array, offset: number, paths: string[], budget: DecodeBudget,
): { tensor?: Tensor; end: number } {
  const available = data.length - offset;
  const short = (need: number) => new FormatError(
    `weight files ${paths.map((p) => `"${p}"`).join(', ')} are too short: weight "${w.name}" needs ${formatBytes(need)} ` +
    `at offset ${offset}, only ${formatBytes(Math.max(0, available))} left`,
  );
  const count = elementCount(w.shape);
  if (w.dtype === 'string') {
    // Skipped, but walked to find where the next weight starts: each string is a uint32 length, then its bytes.
    if (!Number.isSafeInteger(count) || count * 4 > available) throw short(count * 4);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let pos = offset;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > data.length) throw short(pos + 4 - offset);
      const len = dv.getUint32(pos, true);
      pos += 4 + len;
      if (pos > data.length) throw short(pos - offset);
    }
    return { end: pos };
  }
  const elementBytes = w.quantization ? QUANT_BYTES[w.quantization.dtype] : PLAIN_BYTES[w.dtype];
  let shape: number[];
  try {
    shape = checkShape(w.shape, elementBytes, Math.max(0, available));
  } catch {
    throw short(count * elementBytes);
  }
  const nbytes = count * elementBytes;
  const end = offset + nbytes;
  if (w.dtype === 'complex64') return { end };
  budget.reserve(count, `weight "${w.name}"`);
  const bytes = data.subarray(offset, end);
  let values: TensorData;
  const q = w.quantization;
  if (!q) {
    values = decodeElements(bytes, w.dtype as DType, count);
  } else if (q.dtype === 'float16') {
    values = decodeElements(bytes, 'float16', count);
  } else {
    const raw = decodeElements(bytes, q.dtype, count);
    const scale = q.scale as number;
    const min = q.min as number;
    // As tfjs-core: float32 results are stored in a Float32Array, int32 results are rounded.
    values = newTensorData(w.dtype as DType, count);
    if (w.dtype === 'int32') for (let i = 0; i < count; i++) values[i] = Math.round(raw[i] * scale + min);
    else for (let i = 0; i < count; i++) values[i] = raw[i] * scale + min;
  }
  return { tensor: { name: w.name, shape, dtype: w.dtype as DType, data: values }, end };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
