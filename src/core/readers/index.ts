import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Checkpoint, CheckpointError, CheckpointFormat, DecodeBudget, FormatError, formatBytes, inputProblemOf, printableText, problemOf } from '../tensor';
import { parseNpy } from './npy';
import { parseNpz } from './npz';
import { parseSafetensors } from './safetensors';
import { parsePytorch } from './pytorch';
import { hdf5SignatureOffsets, readHdf5File, readKerasHdf5 } from './hdf5';
import { readTfjs } from './tfjs';

/** Largest checkpoint we read into memory; larger files get a clear error instead of an out-of-memory crash. */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 31 - 1;

export interface ReadOptions {
  maxFileBytes?: number;
  /** What sets `maxFileBytes` (e.g. `the setting recurrentLens.maxFileSizeMB`), named when a file exceeds it. */
  limitName?: string;
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ZIP_MAGIC = [0x50, 0x4b];
const TORCH_LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** The format a file is read as: its extension decides, its first bytes only break ties. */
export function detectFormat(file: string, bytes: Uint8Array): CheckpointFormat {
  const base = path.basename(file).toLowerCase();
  const ext = path.extname(base);
  if (ext === '.json') return 'tfjs';
  if (ext === '.npy') return 'npy';
  if (ext === '.npz') return 'npz';
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.h5' || ext === '.hdf5' || ext === '.keras') return 'keras-hdf5';
  if (ext === '.pt' || ext === '.pth' || ext === '.bin' || ext === '.ckpt') {
    return startsWith(bytes, ZIP_MAGIC) || !startsWith(bytes, TORCH_LEGACY_MAGIC) ? 'pytorch-zip' : 'pytorch-legacy';
  }
  if (startsWith(bytes, HDF5_MAGIC)) return 'keras-hdf5';
  if (startsWith(bytes, NPY_MAGIC)) return 'npy';
  if (startsWith(bytes, TORCH_LEGACY_MAGIC)) return 'pytorch-legacy';
  if (startsWith(bytes, ZIP_MAGIC)) return 'pytorch-zip';
  throw new FormatError(`unrecognised checkpoint format (expected .npy, .npz, .safetensors, .h5, .pt or model.json)`);
}

/** One line, whatever was thrown (kept here for the readers' callers). */
export { problemOf };

/**
 * Reads every tensor of a checkpoint. Any failure becomes a `CheckpointError` naming the file and the problem.
 */
export async function readCheckpoint(file: string, options: ReadOptions = {}): Promise<Checkpoint> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const limit = `the ${formatBytes(maxBytes)} limit${options.limitName ? ` of ${options.limitName}` : ''}`;
  try {
    const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
      throw new FormatError(`cannot read (${err.code ?? problemOf(err)})`, 'io');
    });
    if (!stat.isFile()) throw new FormatError('not a file', 'io');
    if (stat.size > maxBytes) throw new FormatError(`file is ${formatBytes(stat.size)}, larger than ${limit}`, 'too-large');
    // Decoded values (float64) may take twice the file-size setting: a float32 file at the limit still reads.
    const budget = new DecodeBudget(2 * maxBytes);
    const ext = path.extname(file).toLowerCase();
    if (ext === '.h5' || ext === '.hdf5') {
      // h5wasm reads the file itself: only the bytes that tell its format are read here (a .keras zip is read whole).
      const { size, probes } = await readProbes(file, maxBytes, { label: 'file' }, hdf5SignatureOffsets, 8);
      if (probes.length > 0 && !startsWith(probes[0], ZIP_MAGIC)) return { file, format: 'keras-hdf5', layout: 'row', tensors: await readHdf5File(file, size, probes, budget) };
    }
    const bytes = await readRegularFile(file, maxBytes, { label: 'file' });
    if (bytes.length === 0) throw new FormatError('file is empty');
    const format = detectFormat(file, bytes);
    switch (format) {
      case 'npy':
        return { file, format, layout: 'column', tensors: [parseNpy(bytes, '', budget)] };
      case 'npz':
        return { file, format, layout: 'column', tensors: parseNpz(bytes, budget, maxBytes, true) };
      case 'safetensors':
        return { file, format, layout: 'column', tensors: parseSafetensors(bytes, budget) };
      case 'pytorch-zip':
      case 'pytorch-legacy': {
        const r = parsePytorch(bytes, { budget });
        return { file, format: r.format, layout: 'column', tensors: r.tensors, metadata: r.metadata };
      }
      case 'keras-hdf5':
        return { file, format, layout: 'row', tensors: await readKerasHdf5(file, bytes, budget) };
      case 'tfjs':
        return {
          file, format, layout: 'row',
          tensors: await readTfjs(bytes, siblingReader(file, maxBytes), budget),
        };
    }
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(file, problemOf(err), inputProblemOf(err));
  }
}

/**
 * Reads the weight files a TensorFlow.js model.json names: regular files inside the model's folder (a symlink may
 * point elsewhere in the folder, never out of it), each at most once, together within `maxBytes`. Devices, FIFOs
 * and sockets are refused before they are read, so none of them can hang the reader or feed it without end.
 */
function siblingReader(file: string, maxBytes: number): (rel: string) => Promise<Uint8Array> {
  const seen = new Set<string>();
  let total = 0;
  let realDir: string | undefined;
  return async (rel) => {
    const dir = path.dirname(path.resolve(file));
    const target = path.resolve(dir, rel);
    const inside = (base: string, p: string) => {
      const r = path.relative(base, p);
      return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
    };
    if (path.isAbsolute(rel) || !inside(dir, target)) {
      throw new FormatError(`weight file "${printableText(rel, 200)}" lies outside the model's folder`);
    }
    let real: string;
    try {
      realDir ??= await fs.realpath(dir);
      real = await fs.realpath(target);
    } catch (err) {
      throw new FormatError(`weight file "${printableText(rel, 200)}" cannot be read (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`, 'io');
    }
    if (!inside(realDir, real)) {
      throw new FormatError(`weight file "${printableText(rel, 200)}" is a link to a file outside the model's folder`);
    }
    if (seen.has(real)) throw new FormatError(`weight file "${printableText(rel, 200)}" is listed more than once`);
    seen.add(real);
    const bytes = await readRegularFile(real, maxBytes - total, {
      label: `weight file "${printableText(rel, 200)}"`,
      tooLarge: `the weight files together are larger than the ${formatBytes(maxBytes)} limit`,
      noFollow: true,
    });
    total += bytes.length;
    return bytes;
  };
}

interface RegularFileOptions {
  /** How messages name the file. */
  label: string;
  /** The message when the file exceeds `maxBytes` (default: "<label> is larger than the … limit"). */
  tooLarge?: string;
  /** Refuse a final symlink (for paths already resolved, so a link swapped in meanwhile is not followed). */
  noFollow?: boolean;
}

/** The bytes of a regular file, at most `maxBytes` of them, read up to the size it had when opened (`withRegularFile`). */
export async function readRegularFile(file: string, maxBytes: number, options: RegularFileOptions): Promise<Uint8Array> {
  return withRegularFile(file, maxBytes, options, async (handle, size) => {
    // Not zero-filled first: every byte is read from the file below, or the read fails.
    const buf = Buffer.allocUnsafeSlow(size);
    const out = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const at = await readInto(handle, out, 0);
    if (at < out.length) throw new FormatError(`${options.label} shrank while it was read (${at} of ${size} bytes)`);
    return out;
  });
}

/**
 * Up to `length` bytes at each of `offsets` of a regular file (shorter where the file ends), and the file's size,
 * without reading the rest. Opened and checked as `readRegularFile` does.
 */
async function readProbes(
  file: string, maxBytes: number, options: RegularFileOptions, offsets: (size: number) => number[], length: number,
): Promise<{ size: number; probes: Uint8Array[] }> {
  return withRegularFile(file, maxBytes, options, async (handle, size) => {
    const probes: Uint8Array[] = [];
    for (const offset of offsets(size)) {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      probes.push(out.subarray(0, await readInto(handle, out, offset)));
    }
    return { size, probes };
  });
}

/** Fills `out` from `position` on; returns how many bytes the file had there. */
async function readInto(handle: fs.FileHandle, out: Uint8Array, position: number): Promise<number> {
  let at = 0;
  while (at < out.length) {
    const { bytesRead } = await handle.read(out, at, out.length - at, position + at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return at;
}

/**
 * Opens a regular file of at most `maxBytes` for `use`. Opened without blocking (on a FIFO, open would wait for a
 * writer), checked to be a regular file on the open descriptor; `use` gets the size it had then, so a file that grows
 * meanwhile cannot make a read run on.
 */
async function withRegularFile<T>(
  file: string, maxBytes: number, options: RegularFileOptions, use: (handle: fs.FileHandle, size: number) => Promise<T>,
): Promise<T> {
  const { label } = options;
  let handle: fs.FileHandle;
  try {
    const noFollow = options.noFollow ? fsConstants.O_NOFOLLOW ?? 0 : 0;
    handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | noFollow);
  } catch (err) {
    throw new FormatError(`${label} cannot be read (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`, 'io');
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FormatError(`${label} is not a regular file`, 'io');
    if (stat.size > maxBytes) throw new FormatError(options.tooLarge ?? `${label} is larger than the ${formatBytes(maxBytes)} limit`, 'too-large');
    return await use(handle, stat.size);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(`${label} cannot be read (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`, 'io');
  } finally {
    await handle.close();
  }
}
