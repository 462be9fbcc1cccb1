/**
 * NumPy `.npz` reader: a ZIP archive of `.npy` members (stored or deflated). Pure: takes bytes.
 *
 * The central directory is read here rather than by `unzipSync` so that every declared size is checked before
 * anything is inflated (zip bombs), and each member is inflated into a buffer of exactly its declared size.
 * Nothing is ever written to disk; unsafe member names (zip slip) are still refused as a sign of a hostile file.
 */
import { inflateSync } from 'fflate';
import { FormatError, formatBytes, Tensor } from '../tensor';
import { parseNpy } from './npy';

/** Largest member, and largest total, we inflate. */
const MAX_ENTRY_BYTES = 2 * 1024 ** 3;
/** Deflate cannot beat ~1032:1; anything claiming more than this ratio (plus slack for tiny members) is refused. */
const MAX_RATIO = 1000;
const RATIO_SLACK = 1024 ** 2;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;

interface Entry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Names that would behave oddly as object keys downstream. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Reads every `.npy` member of an `.npz` archive, in archive order. Member `W_rec.npy` becomes tensor `W_rec`. */
export function parseNpz(bytes: Uint8Array): Tensor[] {
  if (bytes.length === 0) throw new FormatError('file is empty');
  const entries = readCentralDirectory(bytes);
  for (const e of entries) {
    if (!isSafeName(e.name)) throw new FormatError(`unsafe entry name ${e.name.replace(/[\x00-\x1f\x7f]/g, '?')}`);
  }
  const members = entries.filter((e) => !e.name.endsWith('/') && e.name.toLowerCase().endsWith('.npy'));
  if (members.length === 0) {
    throw new FormatError(entries.length === 0 ? 'archive holds no entries' : 'archive holds no .npy arrays');
  }
  // Check every declared size up front, before a single byte is inflated.
  let total = 0;
  for (const e of members) {
    checkDeclaredSize(e);
    total += e.size;
  }
  if (total > MAX_ENTRY_BYTES) {
    throw new FormatError(`archive declares ${formatBytes(total)} of arrays, more than the ${formatBytes(MAX_ENTRY_BYTES)} limit`);
  }

  const seen = new Set<string>();
  const tensors: Tensor[] = [];
  for (const e of members) {
    const name = e.name.slice(0, -4);
    if (RESERVED_NAMES.has(name)) throw new FormatError(`unsafe entry name ${e.name}`);
    if (seen.has(name)) throw new FormatError(`duplicate entry ${e.name}`);
    seen.add(name);
    const data = extract(bytes, e);
    try {
      tensors.push(parseNpy(data, name));
    } catch (err) {
      if (err instanceof FormatError) throw new FormatError(`${e.name}: ${err.message}`);
      throw err;
    }
  }
  return tensors;
}

function isSafeName(name: string): boolean {
  if (name === '' || name.includes('\\') || /[\x00-\x1f\x7f]/.test(name)) return false;
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return false;
  return !name.split('/').includes('..');
}

function checkDeclaredSize(e: Entry): void {
  if (e.size > MAX_ENTRY_BYTES || e.size > e.compressedSize * MAX_RATIO + RATIO_SLACK) {
    throw new FormatError(
      `${e.name}: declares ${formatBytes(e.size)} uncompressed from ${formatBytes(e.compressedSize)}: refusing a possible zip bomb`,
    );
  }
  if (e.method === 0 && e.size !== e.compressedSize) {
    throw new FormatError(`${e.name}: stored but declares different compressed and uncompressed sizes`);
  }
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24;
}

function u64(b: Uint8Array, o: number): number {
  // Exact up to 2^53, which is far beyond anything we accept.
  return u32(b, o) + u32(b, o + 4) * 2 ** 32;
}

function findEocd(bytes: Uint8Array): number {
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes at the very end of the file.
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && u32(bytes, i) === SIG_EOCD) return i;
  }
  return -1;
}

function readCentralDirectory(bytes: Uint8Array): Entry[] {
  const eocd = findEocd(bytes);
  if (eocd < 0) {
    throw new FormatError(
      bytes.length >= 4 && u32(bytes, 0) === SIG_LOCAL
        ? 'truncated zip archive (no end-of-central-directory record)'
        : 'not a zip archive (no end-of-central-directory record)',
    );
  }
  let count = u16(bytes, eocd + 10);
  let cdSize = u32(bytes, eocd + 12);
  let cdOffset = u32(bytes, eocd + 16);
  // ZIP64: numpy writes these for large archives.
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc >= 0 && u32(bytes, loc) === SIG_EOCD64_LOCATOR) {
      const rec = u64(bytes, loc + 8);
      if (rec + 56 > bytes.length || u32(bytes, rec) !== SIG_EOCD64) {
        throw new FormatError('corrupt zip64 end-of-central-directory record');
      }
      count = u64(bytes, rec + 32);
      cdSize = u64(bytes, rec + 40);
      cdOffset = u64(bytes, rec + 48);
    }
  }
  if (cdOffset + cdSize > bytes.length) throw new FormatError('truncated zip archive (central directory out of range)');
  // Each central record is at least 46 bytes: the count cannot exceed what fits.
  if (count * 46 > cdSize) throw new FormatError('corrupt zip central directory');

  const entries: Entry[] = [];
  const names = new TextDecoder('utf-8');
  let p = cdOffset;
  const end = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || u32(bytes, p) !== SIG_CENTRAL) throw new FormatError('corrupt zip central directory');
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc = u32(bytes, p + 16) >>> 0;
    let compressedSize = u32(bytes, p + 20);
    let size = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    let localOffset = u32(bytes, p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > end) throw new FormatError('corrupt zip central directory');
    const name = names.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: present fields follow in this order, only for values that overflowed.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = u16(bytes, x);
      const len = u16(bytes, x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        const qEnd = Math.min(q + len, xEnd);
        if (size === 0xffffffff && q + 8 <= qEnd) { size = u64(bytes, q); q += 8; }
        if (compressedSize === 0xffffffff && q + 8 <= qEnd) { compressedSize = u64(bytes, q); q += 8; }
        if (localOffset === 0xffffffff && q + 8 <= qEnd) { localOffset = u64(bytes, q); q += 8; }
      }
      x += 4 + len;
    }
    entries.push({ name, method, flags, crc, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Returns the member's uncompressed bytes, checked against its declared size and CRC-32. */
function extract(bytes: Uint8Array, e: Entry): Uint8Array {
  if (e.flags & 1) throw new FormatError(`${e.name}: encrypted entries are not supported`);
  const lh = e.localOffset;
  if (lh + 30 > bytes.length || u32(bytes, lh) !== SIG_LOCAL) {
    throw new FormatError(`${e.name}: local header missing or out of range`);
  }
  const start = lh + 30 + u16(bytes, lh + 26) + u16(bytes, lh + 28);
  if (start + e.compressedSize > bytes.length) {
    throw new FormatError(`${e.name}: truncated (${formatBytes(e.compressedSize)} declared, archive ends first)`);
  }
  const raw = bytes.subarray(start, start + e.compressedSize);
  let data: Uint8Array;
  if (e.method === 0) {
    data = raw;
  } else if (e.method === 8) {
    const out = new Uint8Array(e.size);
    try {
      // With a fixed output buffer fflate never grows it: a member that inflates to more than declared is cut off
      // (and then fails the CRC check) instead of exhausting memory.
      data = inflateSync(raw, { out });
    } catch (err) {
      throw new FormatError(`${e.name}: corrupt deflate data (${err instanceof Error ? err.message : String(err)})`);
    }
    if (data.length !== e.size) {
      throw new FormatError(`${e.name}: inflated to ${data.length} bytes, ${e.size} declared`);
    }
  } else {
    throw new FormatError(`${e.name}: unsupported compression method ${e.method}`);
  }
  if (crc32(data) !== e.crc) throw new FormatError(`${e.name}: CRC-32 mismatch (corrupt archive)`);
  return data;
}

let crcTable: Int32Array | undefined;

function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const t = crcTable;
  let c = -1;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
