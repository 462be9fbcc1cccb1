/**
 * The one ZIP reader of the project (`.npz`, `torch.save` checkpoints, Keras 3 `.keras`). Pure: takes bytes.
 *
 * `listZip` reads the central directory and checks every entry before anything is inflated: the end-of-central-
 * directory search is bounded, ZIP64 records are followed, the entry count must fit the directory, names that
 * could escape a folder are refused (zip slip), sizes are taken from the central directory (torch writes zeros in
 * local headers, numpy puts ZIP64 sizes there) and must be possible for the method (zip bombs), and every local
 * header must lie in the file, before the central directory, without overlapping another entry's data.
 * `readZipEntry` then inflates one entry into a buffer of exactly its declared size and verifies its CRC-32.
 * Every problem is a one-line `FormatError`; entry problems start with the entry's name.
 */
import { Inflate, inflateSync } from 'fflate';
import { FormatError, formatBytes, printableText } from '../tensor';

/** Largest entry inflated (or returned). */
export const MAX_ZIP_ENTRY_BYTES = 2 ** 31 - 1;
/** Deflate cannot expand data by more than about 1032:1; larger claims are zip bombs or corruption. */
const MAX_DEFLATE_RATIO = 1032;
const RATIO_SLACK = 1024;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const STORED = 0;
const DEFLATED = 8;

export interface ZipEntry {
  /** As stored (UTF-8); checked to be a safe relative path. Folders end with `/`. */
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly compressedSize: number;
  /** Uncompressed size, from the central directory. */
  readonly size: number;
  readonly localOffset: number;
  /** Where the entry's (compressed) data starts. */
  readonly dataOffset: number;
}

/** Every entry of the archive, in central-directory order, each checked as described above. */
export function listZip(bytes: Uint8Array): ZipEntry[] {
  const { count, cdOffset, cdSize } = readEndOfCentralDirectory(bytes);
  const records = readCentralDirectory(bytes, count, cdOffset, cdSize);

  const seen = new Set<string>();
  for (const r of records) {
    if (!isSafeName(r.name)) throw new FormatError(`unsafe entry name ${shown(r.name)}`);
    if (seen.has(r.name)) throw new FormatError(`duplicate entry ${shown(r.name)}`);
    seen.add(r.name);
  }

  const entries: ZipEntry[] = records.map((r) => {
    const name = shown(r.name);
    if (r.method === STORED && r.size !== r.compressedSize) {
      throw new FormatError(`${name}: stored but declares different compressed and uncompressed sizes`);
    }
    if (r.method === DEFLATED && r.size > r.compressedSize * MAX_DEFLATE_RATIO + RATIO_SLACK) {
      throw new FormatError(
        `${name}: declares ${formatBytes(r.size)} uncompressed from ${formatBytes(r.compressedSize)}: refusing a possible zip bomb`,
      );
    }
    const lh = r.localOffset;
    if (lh + LOCAL_BYTES > bytes.length || u32(bytes, lh) !== SIG_LOCAL) {
      throw new FormatError(`${name}: local header missing or out of range`);
    }
    const dataOffset = lh + LOCAL_BYTES + u16(bytes, lh + 26) + u16(bytes, lh + 28);
    if (dataOffset + r.compressedSize > bytes.length) {
      throw new FormatError(`${name}: truncated (${formatBytes(r.compressedSize)} declared, archive ends first)`);
    }
    if (dataOffset + r.compressedSize > cdOffset) throw new FormatError(`${name}: data runs into the central directory`);
    return { ...r, dataOffset };
  });

  // Entries sharing data multiply one compressed stream many times over (an "overlapping" zip bomb).
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const a = byOffset[i - 1];
    const b = byOffset[i];
    if (a.dataOffset + a.compressedSize > b.localOffset) {
      throw new FormatError(`${shown(b.name)}: overlaps entry ${shown(a.name)}: refusing a possible zip bomb`);
    }
  }
  return entries;
}

/**
 * The entry's uncompressed bytes (a view into `bytes` for stored entries), checked against its declared size and
 * CRC-32. `entry` must come from `listZip(bytes)`.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const name = shown(entry.name);
  if (entry.flags & 1) throw new FormatError(`${name}: encrypted entries are not supported`);
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw new FormatError(`${name}: unsupported compression method ${entry.method}`);
  }
  if (entry.size > MAX_ZIP_ENTRY_BYTES) {
    throw new FormatError(`${name}: declares ${formatBytes(entry.size)} uncompressed, more than the ${formatBytes(MAX_ZIP_ENTRY_BYTES)} limit`);
  }
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === STORED) {
    data = raw;
  } else {
    try {
      // With a fixed output buffer fflate never grows it: an entry that inflates to more than declared is cut off
      // (and then fails the CRC check) instead of exhausting memory.
      data = inflateSync(raw, { out: new Uint8Array(entry.size) });
    } catch (err) {
      throw new FormatError(`${name}: corrupt deflate data (${err instanceof Error ? err.message : String(err)})`);
    }
    if (data.length !== entry.size) throw new FormatError(`${name}: inflated to ${data.length} bytes, ${entry.size} declared`);
  }
  if (crc32(data) !== entry.crc) throw new FormatError(`${name}: CRC-32 mismatch (corrupt archive)`);
  return data;
}

/**
 * The first `n` bytes of an entry (all of it if shorter), inflating no more than needed: fed 1 KiB of compressed
 * data at a time, so even a member of zeros produces at most about a megabyte before we stop. For reading a
 * header (an `.npy` member's shape and dtype) before deciding whether the whole entry may be inflated.
 */
export function readZipEntryPrefix(bytes: Uint8Array, entry: ZipEntry, n: number): Uint8Array {
  const name = shown(entry.name);
  if (entry.flags & 1) throw new FormatError(`${name}: encrypted entries are not supported`);
  n = Math.min(n, entry.size);
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === STORED) return raw.subarray(0, Math.min(n, raw.length));
  if (entry.method !== DEFLATED) throw new FormatError(`${name}: unsupported compression method ${entry.method}`);
  const parts: Uint8Array[] = [];
  let got = 0;
  const inflater = new Inflate((chunk) => { parts.push(chunk); got += chunk.length; });
  const STEP = 1024;
  try {
    for (let at = 0; at < raw.length && got < n; at += STEP) inflater.push(raw.subarray(at, at + STEP), at + STEP >= raw.length);
  } catch (err) {
    throw new FormatError(`${name}: corrupt deflate data (${err instanceof Error ? err.message : String(err)})`);
  }
  const out = new Uint8Array(Math.min(n, got));
  let at = 0;
  for (const p of parts) {
    if (at >= out.length) break;
    const take = p.subarray(0, out.length - at);
    out.set(take, at);
    at += take.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

type CentralRecord = Omit<ZipEntry, 'dataOffset'>;

function readEndOfCentralDirectory(bytes: Uint8Array): { count: number; cdOffset: number; cdSize: number } {
  const len = bytes.length;
  // The record is 22 bytes plus a comment of at most 65535 bytes at the very end of the file.
  let eocd = -1;
  for (let i = len - EOCD_BYTES; i >= 0 && i >= len - EOCD_BYTES - 0xffff; i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && u32(bytes, i) === SIG_EOCD && i + EOCD_BYTES + u16(bytes, i + 20) <= len) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new FormatError(
      u32(bytes, 0) === SIG_LOCAL
        ? 'truncated zip archive (no end of central directory)'
        : 'not a zip archive (no end of central directory)',
    );
  }
  let count = u16(bytes, eocd + 10);
  let cdSize = u32(bytes, eocd + 12);
  let cdOffset = u32(bytes, eocd + 16);
  let cdEnd = eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64 (numpy writes it for large archives): a locator just before the record points to the ZIP64 record.
    const loc = eocd - 20;
    if (loc < 0 || u32(bytes, loc) !== SIG_EOCD64_LOCATOR) throw new FormatError('corrupt zip64 end of central directory');
    const rec = u64(bytes, loc + 8);
    if (rec + 56 > loc || u32(bytes, rec) !== SIG_EOCD64) throw new FormatError('corrupt zip64 end of central directory');
    count = u64(bytes, rec + 32);
    cdSize = u64(bytes, rec + 40);
    cdOffset = u64(bytes, rec + 48);
    cdEnd = rec;
  }
  if (cdOffset + cdSize > cdEnd) throw new FormatError('truncated zip archive (central directory out of range)');
  // Each central record is at least 46 bytes: a count that cannot fit is corrupt (and is never looped over).
  if (count * CENTRAL_BYTES > cdSize) throw new FormatError(`corrupt zip central directory (${count} entries in ${cdSize} bytes)`);
  return { count, cdOffset, cdSize };
}

function readCentralDirectory(bytes: Uint8Array, count: number, cdOffset: number, cdSize: number): CentralRecord[] {
  const records: CentralRecord[] = [];
  const utf8 = new TextDecoder('utf-8');
  const end = cdOffset + cdSize;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_BYTES > end || u32(bytes, p) !== SIG_CENTRAL) throw new FormatError('corrupt zip central directory');
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc = u32(bytes, p + 16);
    let compressedSize = u32(bytes, p + 20);
    let size = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    let localOffset = u32(bytes, p + 42);
    const next = p + CENTRAL_BYTES + nameLen + extraLen + commentLen;
    if (next > end) throw new FormatError('corrupt zip central directory');
    const name = utf8.decode(bytes.subarray(p + CENTRAL_BYTES, p + CENTRAL_BYTES + nameLen));
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // ZIP64 extended information (id 1): only the saturated values follow, in this order.
      const field = findExtraField(bytes, p + CENTRAL_BYTES + nameLen, extraLen, 0x0001);
      if (!field) throw new FormatError(`${shown(name)}: corrupt zip64 extra field`);
      let q = field.start;
      const take = (): number => {
        if (q + 8 > field.end) throw new FormatError(`${shown(name)}: corrupt zip64 extra field`);
        q += 8;
        return u64(bytes, q - 8);
      };
      if (size === 0xffffffff) size = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (localOffset === 0xffffffff) localOffset = take();
    }
    records.push({ name, method, flags, crc, compressedSize, size, localOffset });
    p = next;
  }
  return records;
}

function findExtraField(bytes: Uint8Array, start: number, length: number, id: number): { start: number; end: number } | undefined {
  const end = start + length;
  for (let q = start; q + 4 <= end; ) {
    const size = u16(bytes, q + 2);
    if (q + 4 + size > end) return undefined;
    if (u16(bytes, q) === id) return { start: q + 4, end: q + 4 + size };
    q += 4 + size;
  }
  return undefined;
}

/** Relative, `/`-separated, without `..` segments, drive letters, backslashes or control characters. */
function isSafeName(name: string): boolean {
  if (name === '' || name.includes('\\') || /[\x00-\x1f\x7f]/.test(name)) return false;
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return false;
  return !name.split('/').includes('..');
}

/** A name from the file as it may appear in a one-line message. */
function shown(name: string): string {
  return printableText(name, 200);
}

/** Little-endian reads; 0 outside the buffer (every caller checks its range first). */
function u16(b: Uint8Array, o: number): number {
  return o >= 0 && o + 2 <= b.length ? b[o] | (b[o + 1] << 8) : 0;
}

function u32(b: Uint8Array, o: number): number {
  return o >= 0 && o + 4 <= b.length ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24 : 0;
}

function u64(b: Uint8Array, o: number): number {
  const hi = u32(b, o + 4);
  // Exact up to 2^53, far beyond any archive we read.
  if (hi >= 2 ** 21) throw new FormatError('corrupt zip: 64-bit size or offset out of range');
  return hi * 2 ** 32 + u32(b, o);
}

// ---------------------------------------------------------------------------------------------------------------
// CRC-32 (IEEE), slicing by 16: 16 tables of 256 entries, four little-endian words per step.

let crcTables: Int32Array | undefined;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function makeCrcTables(): Int32Array {
  const t = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 16; k++) t[k * 256 + n] = t[t[(k - 1) * 256 + n] & 0xff] ^ (t[(k - 1) * 256 + n] >>> 8);
  }
  return t;
}

export function crc32(data: Uint8Array): number {
  const t = (crcTables ??= makeCrcTables());
  const n = data.length;
  let c = -1;
  let i = 0;
  while (i < n && (data.byteOffset + i) % 4 !== 0) c = t[(c ^ data[i++]) & 0xff] ^ (c >>> 8);
  const blocks = LITTLE_ENDIAN ? (n - i) >>> 4 : 0;
  if (blocks > 0) {
    const w = new Int32Array(data.buffer, data.byteOffset + i, blocks * 4);
    for (let j = 0; j < w.length; j += 4) {
      const a = c ^ w[j];
      const b = w[j + 1];
      const d = w[j + 2];
      const e = w[j + 3];
      c = t[3840 + (a & 0xff)] ^ t[3584 + ((a >>> 8) & 0xff)] ^ t[3328 + ((a >>> 16) & 0xff)] ^ t[3072 + (a >>> 24)]
        ^ t[2816 + (b & 0xff)] ^ t[2560 + ((b >>> 8) & 0xff)] ^ t[2304 + ((b >>> 16) & 0xff)] ^ t[2048 + (b >>> 24)]
        ^ t[1792 + (d & 0xff)] ^ t[1536 + ((d >>> 8) & 0xff)] ^ t[1280 + ((d >>> 16) & 0xff)] ^ t[1024 + (d >>> 24)]
        ^ t[768 + (e & 0xff)] ^ t[512 + ((e >>> 8) & 0xff)] ^ t[256 + ((e >>> 16) & 0xff)] ^ t[e >>> 24];
    }
    i += blocks * 16;
  }
  for (; i < n; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
