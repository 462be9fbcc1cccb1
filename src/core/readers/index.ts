import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Checkpoint, CheckpointError, CheckpointFormat, FormatError, formatBytes } from '../tensor';
import { parseNpy } from './npy';
import { parseNpz } from './npz';
import { parseSafetensors } from './safetensors';
import { parsePytorch } from './pytorch';
import { readKerasHdf5 } from './hdf5';
import { readTfjs } from './tfjs';

/** Largest checkpoint we read into memory; larger files get a clear error instead of an out-of-memory crash. */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 31 - 1;

export interface ReadOptions {
  maxFileBytes?: number;
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

/** One line, whatever was thrown. */
export function problemOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim() || 'unreadable file';
}

/**
 * Reads every tensor of a checkpoint. Any failure becomes a `CheckpointError` naming the file and the problem.
 */
export async function readCheckpoint(file: string, options: ReadOptions = {}): Promise<Checkpoint> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new FormatError('not a file');
    if (stat.size > maxBytes) {
      throw new FormatError(`file is ${formatBytes(stat.size)}, larger than the ${formatBytes(maxBytes)} limit`);
    }
    const buf = await fs.readFile(file);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (bytes.length === 0) throw new FormatError('file is empty');
    const format = detectFormat(file, bytes);
    switch (format) {
      case 'npy':
        return { file, format, layout: 'column', tensors: [parseNpy(bytes)] };
      case 'npz':
        return { file, format, layout: 'column', tensors: parseNpz(bytes) };
      case 'safetensors':
        return { file, format, layout: 'column', tensors: parseSafetensors(bytes) };
      case 'pytorch-zip':
      case 'pytorch-legacy': {
        const r = parsePytorch(bytes);
        return { file, format: r.format, layout: 'column', tensors: r.tensors, metadata: r.metadata };
      }
      case 'keras-hdf5':
        return { file, format, layout: 'row', tensors: await readKerasHdf5(file, bytes) };
      case 'tfjs':
        return {
          file, format, layout: 'row',
          tensors: await readTfjs(bytes, (rel) => readSibling(file, rel, maxBytes)),
        };
    }
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(file, problemOf(err));
  }
}

/** Reads a file named relative to `file`'s folder, refusing paths that leave it. */
async function readSibling(file: string, rel: string, maxBytes: number): Promise<Uint8Array> {
  const dir = path.dirname(path.resolve(file));
  const target = path.resolve(dir, rel);
  if (path.relative(dir, target).startsWith('..') || path.isAbsolute(rel)) {
    throw new FormatError(`weight file "${rel}" lies outside the model's folder`);
  }
  let buf: Buffer;
  try {
    const stat = await fs.stat(target);
    if (stat.size > maxBytes) throw new FormatError(`weight file "${rel}" is larger than the ${formatBytes(maxBytes)} limit`);
    buf = await fs.readFile(target);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(`weight file "${rel}" cannot be read (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
