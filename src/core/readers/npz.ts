/**
 * NumPy `.npz` reader: a ZIP archive of `.npy` members (stored or deflated). Pure: takes bytes.
 *
 * The archive is read by `./zip`, which checks every name, size and offset before anything is inflated (zip
 * slip, zip bombs) and inflates each member into a buffer of exactly its declared size. Nothing is ever written
 * to disk. On top of that, the arrays together may not declare more than `MAX_TOTAL_BYTES`.
 */
import { checkShape, DecodeBudget, DEFAULT_DECODE_BYTES, DTYPE_BYTES, elementCount, FormatError, formatBytes, Tensor } from '../tensor';
import { MAX_NPY_HEADER_BYTES, parseNpy, parseNpyHeader } from './npy';
import { listZip, readZipEntry, readZipEntryPrefix } from './zip';

/** Largest total of arrays we inflate by default (readCheckpoint passes the memory setting). */
const MAX_TOTAL_BYTES = 2 * 1024 ** 3;

/** Names that would behave oddly as object keys downstream. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Reads every `.npy` member of an `.npz` archive, in archive order. Member `W_rec.npy` becomes tensor `W_rec`.
 * Tensors are views of the archive's bytes (stored members) or of each member's inflated buffer (deflated ones).
 * With `ownsBytes` (the caller will not read `bytes` again) a stored member's unaligned data is moved back over its
 * own header rather than copied (see `parseNpy`).
 */
export function parseNpz(
  bytes: Uint8Array, budget = new DecodeBudget(DEFAULT_DECODE_BYTES), maxInflatedBytes = MAX_TOTAL_BYTES, ownsBytes = false,
): Tensor[] {
  if (bytes.length === 0) throw new FormatError('file is empty');
  const entries = listZip(bytes);
  const members = entries.filter((e) => !e.name.endsWith('/') && e.name.toLowerCase().endsWith('.npy'));
  if (members.length === 0) {
    throw new FormatError(entries.length === 0 ? 'archive holds no entries' : 'archive holds no .npy arrays');
  }
  // Check the declared total up front, before a single byte is inflated.
  const total = members.reduce((sum, e) => sum + e.size, 0);
  if (total > maxInflatedBytes) {
    throw new FormatError(`archive declares ${formatBytes(total)} of arrays, more than the ${formatBytes(maxInflatedBytes)} limit`);
  }

  const seen = new Set<string>();
  const tensors: Tensor[] = [];
  for (const e of members) {
    const name = e.name.slice(0, -4);
    if (RESERVED_NAMES.has(name)) throw new FormatError(`unsafe entry name ${e.name}`);
    if (seen.has(name)) throw new FormatError(`duplicate entry ${e.name}`);
    seen.add(name);
    const named = (err: unknown): unknown => (err instanceof FormatError ? new FormatError(`${e.name}: ${err.message}`) : err);
    // The member's header first (a few KiB inflated): its values must fit the memory budget before the member is
    // inflated at all. (Whether the data fit the declared size is checked on the inflated member, as for a file.)
    // A member shorter than that prefix is small, and is judged whole below.
    const prefixBytes = MAX_NPY_HEADER_BYTES + 12;
    const head = readZipEntryPrefix(bytes, e, prefixBytes);
    if (head.length === prefixBytes) {
      try {
        const h = parseNpyHeader(head);
        budget.check(elementCount(checkShape(h.shape, DTYPE_BYTES[h.dtype], Infinity)), `array ${name}`);
      } catch (err) {
        throw named(err);
      }
    }
    const data = readZipEntry(bytes, e);
    try {
      // An inflated member is ours; a stored one is part of `bytes` (checked against its CRC-32 already).
      tensors.push(parseNpy(data, name, budget, ownsBytes || data.buffer !== bytes.buffer));
    } catch (err) {
      throw named(err);
    }
  }
  return tensors;
}
