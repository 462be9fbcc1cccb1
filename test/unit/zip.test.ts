import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { deflateSync, zipSync } from 'fflate';
import { crc32, listZip, MAX_ZIP_ENTRY_BYTES, readZipEntry, ZipEntry } from '../../src/core/readers/zip';
import { FormatError } from '../../src/core/tensor';

function assertFormatError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FormatError, `expected FormatError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message is not one line: ${err.message}`);
    assert.equal(err.message[0], err.message[0].toLowerCase(), `starts lowercase: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

/** Lists the archive and reads every entry that is not a folder. */
function readAll(zip: Uint8Array): Map<string, Uint8Array> {
  return new Map(listZip(zip).filter((e) => !e.name.endsWith('/')).map((e) => [e.name, readZipEntry(zip, e)]));
}

const text = (s: string) => new TextEncoder().encode(s);

function pseudoRandom(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------------
// A hand-rolled zip writer, so that every field can be set as real writers (numpy, torch) or hostile files do.

interface Member {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** How the local header states sizes: as they are, as zeros with a data descriptor (torch), or ZIP64 (numpy). */
  local?: 'plain' | 'descriptor' | 'zip64';
  /** Saturate sizes and offset in the central record and give them in a ZIP64 extra field. */
  centralZip64?: boolean;
  /** Central-record fields to state instead of the true ones. */
  claim?: Partial<{ crc: number; size: number; compressedSize: number; method: number; flags: number; localOffset: number }>;
}

interface ArchiveOptions {
  zip64End?: boolean;
  count?: number;
  comment?: Uint8Array;
  /** Extra central records appended verbatim (e.g. a second record pointing at the first entry's data). */
  extraCentral?: (offsets: number[]) => Member[];
}

class Out {
  readonly b: number[] = [];
  get length(): number { return this.b.length; }
  u16(v: number): this { this.b.push(v & 0xff, (v >>> 8) & 0xff); return this; }
  u32(v: number): this { this.b.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff); return this; }
  u64(v: number): this { return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32)); }
  bytes(a: ArrayLike<number>): this { for (let i = 0; i < a.length; i++) this.b.push(a[i]); return this; }
}

function buildZip(members: Member[], opts: ArchiveOptions = {}): Uint8Array {
  const out = new Out();
  const written: Array<{ m: Member; crc: number; raw: Uint8Array; offset: number }> = [];
  for (const m of members) {
    const raw = m.deflate ? deflateSync(m.data) : m.data;
    const crc = crc32(m.data);
    const name = text(m.name);
    const offset = out.length;
    const mode = m.local ?? 'plain';
    const extra = mode === 'zip64' ? new Out().u16(1).u16(16).u64(m.data.length).u64(raw.length).b : [];
    out.u32(0x04034b50).u16(mode === 'zip64' ? 45 : 20).u16(mode === 'descriptor' ? 8 : 0).u16(m.deflate ? 8 : 0)
      .u16(0).u16(0x21)
      .u32(mode === 'descriptor' ? 0 : crc)
      .u32(mode === 'zip64' ? 0xffffffff : mode === 'descriptor' ? 0 : raw.length)
      .u32(mode === 'zip64' ? 0xffffffff : mode === 'descriptor' ? 0 : m.data.length)
      .u16(name.length).u16(extra.length).bytes(name).bytes(extra).bytes(raw);
    if (mode === 'descriptor') out.u32(0x08074b50).u32(crc).u32(raw.length).u32(m.data.length);
    written.push({ m, crc, raw, offset });
  }
  const cdOffset = out.length;
  const central = (m: Member, crc: number, raw: Uint8Array, offset: number) => {
    const c = { crc, size: m.data.length, compressedSize: raw.length, method: m.deflate ? 8 : 0, flags: 0, localOffset: offset, ...m.claim };
    const name = text(m.name);
    const z = m.centralZip64;
    const extra = z ? new Out().u16(1).u16(24).u64(c.size).u64(c.compressedSize).u64(c.localOffset).b : [];
    out.u32(0x02014b50).u16(45).u16(z ? 45 : 20).u16(c.flags).u16(c.method).u16(0).u16(0x21).u32(c.crc)
      .u32(z ? 0xffffffff : c.compressedSize).u32(z ? 0xffffffff : c.size)
      .u16(name.length).u16(extra.length).u16(0).u16(0).u16(0).u32(0).u32(z ? 0xffffffff : c.localOffset)
      .bytes(name).bytes(extra);
  };
  for (const w of written) central(w.m, w.crc, w.raw, w.offset);
  const extraRecords = opts.extraCentral?.(written.map((w) => w.offset)) ?? [];
  for (const m of extraRecords) central(m, crc32(m.data), m.data, 0);
  const cdSize = out.length - cdOffset;
  const count = opts.count ?? written.length + extraRecords.length;
  if (opts.zip64End) {
    const rec = out.length;
    out.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count).u64(cdSize).u64(cdOffset);
    out.u32(0x07064b50).u32(0).u64(rec).u32(1);
  }
  const comment = opts.comment ?? new Uint8Array(0);
  out.u32(0x06054b50).u16(0).u16(0)
    .u16(opts.zip64End ? 0xffff : count).u16(opts.zip64End ? 0xffff : count)
    .u32(opts.zip64End ? 0xffffffff : cdSize).u32(opts.zip64End ? 0xffffffff : cdOffset)
    .u16(comment.length).bytes(comment);
  return Uint8Array.from(out.b);
}

function eocdOf(zip: Uint8Array): number {
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 5 && zip[i + 3] === 6) return i;
  }
  throw new Error('no eocd');
}

// ------------------------------------------------------------------------------------------------------------------

test('crc32 matches the reference for every length and alignment', () => {
  assert.equal(crc32(text('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const data = pseudoRandom(1 << 20);
  for (let offset = 0; offset < 4; offset++) {
    for (const len of [0, 1, 3, 4, 15, 16, 17, 31, 32, 33, 64, 1000, 65_537]) {
      const v = data.subarray(offset, offset + len);
      assert.equal(crc32(v), zlib.crc32(v), `offset ${offset}, length ${len}`);
    }
  }
  assert.equal(crc32(data), zlib.crc32(data));
});

test('stored and deflated entries from fflate: names, sizes, bytes; stored entries are views, not copies', () => {
  const files = { 'dir/': new Uint8Array(0), 'dir/a.bin': pseudoRandom(5000), 'b.txt': text('hello '.repeat(500)) };
  for (const level of [0, 6] as const) {
    const zip = zipSync(files, { level });
    const entries = listZip(zip);
    assert.deepEqual(entries.map((e) => e.name), ['dir/', 'dir/a.bin', 'b.txt']);
    assert.deepEqual(entries.map((e) => e.size), [0, 5000, 3000]);
    const all = readAll(zip);
    assert.deepEqual(all.get('dir/a.bin'), files['dir/a.bin']);
    assert.deepEqual(all.get('b.txt'), files['b.txt']);
    if (level === 0) assert.equal(all.get('b.txt')!.buffer, zip.buffer);
    else assert.equal(entries[2].method, 8);
  }
  assert.deepEqual(listZip(zipSync({})), []);
});

test('hand-built archives: plain, torch-style data descriptors, numpy-style ZIP64 local headers, ZIP64 directory', () => {
  const a = pseudoRandom(3000, 7);
  const b = text('x'.repeat(10_000));
  const variants: Array<[string, Member['local'], boolean, boolean]> = [
    ['plain', 'plain', false, false],
    ['zero sizes in the local header (torch)', 'descriptor', false, false],
    ['ZIP64 sizes in the local header (numpy)', 'zip64', false, false],
    ['ZIP64 central records and end of central directory', 'plain', true, true],
  ];
  for (const [what, local, centralZip64, zip64End] of variants) {
    const zip = buildZip(
      [{ name: 'archive/data/0', data: a, local, centralZip64 }, { name: 'archive/data/1', data: b, deflate: true, local, centralZip64 }],
      { zip64End, comment: text('a comment') },
    );
    const all = readAll(zip);
    assert.deepEqual(all.get('archive/data/0'), a, what);
    assert.deepEqual(all.get('archive/data/1'), b, what);
  }
});

test('a bad CRC-32 is caught, stored or deflated', () => {
  for (const deflate of [false, true]) {
    const zip = buildZip([{ name: 'w.bin', data: pseudoRandom(100), deflate }]);
    zip[40] ^= 0x10; // inside the data (local header 30 bytes + 5-byte name)
    const [e] = listZip(zip);
    assertFormatError(() => readZipEntry(zip, e), deflate ? /^w\.bin: (CRC-32 mismatch|corrupt deflate data|inflated to)/ : /^w\.bin: CRC-32 mismatch \(corrupt archive\)$/);
  }
  const zip = buildZip([{ name: 'w.bin', data: pseudoRandom(100), claim: { crc: 1234 } }]);
  assertFormatError(() => readZipEntry(zip, listZip(zip)[0]), /^w\.bin: CRC-32 mismatch \(corrupt archive\)$/);
});

test('unsafe and duplicate names are refused', () => {
  const data = text('x');
  for (const name of ['../x', 'a/../../x', '/abs', 'a\\b', 'C:/x', 'c:x', '', 'a/..']) {
    assertFormatError(() => listZip(buildZip([{ name, data }])), new RegExp(`^unsafe entry name ${name.replace(/[\\.]/g, '\\$&')}$`));
  }
  assertFormatError(() => listZip(buildZip([{ name: 'a\nb\x00', data }])), /^unsafe entry name a\\nb\\x00$/);
  assertFormatError(() => listZip(buildZip([{ name: 'a', data }, { name: 'a', data }])), /^duplicate entry a$/);
  // ".." inside a name is not a path segment, and folders are fine.
  assert.deepEqual(listZip(buildZip([{ name: 'a..b/', data: new Uint8Array(0) }, { name: 'a..b/..c', data }])).map((e) => e.name), ['a..b/', 'a..b/..c']);
});

test('truncation: no end of central directory, central directory or data cut off', () => {
  const zip = buildZip([{ name: 'a.bin', data: pseudoRandom(500) }, { name: 'b.bin', data: pseudoRandom(500, 2) }]);
  assertFormatError(() => listZip(zip.subarray(0, zip.length - 1)), /^truncated zip archive \(no end of central directory\)$/);
  assertFormatError(() => listZip(zip.subarray(0, 700)), /^truncated zip archive \(no end of central directory\)$/);
  assertFormatError(() => listZip(text('just some text, not an archive at all')), /^not a zip archive \(no end of central directory\)$/);
  assertFormatError(() => listZip(new Uint8Array(0)), /^not a zip archive/);
  // The end record survives but the central directory before it does not.
  const eocd = eocdOf(zip);
  const cut = Uint8Array.from([...zip.subarray(0, 600), ...zip.subarray(eocd)]);
  assertFormatError(() => listZip(cut), /^truncated zip archive \(central directory out of range\)$/);
  // A central record that runs past the directory's end.
  const short = zip.slice();
  new DataView(short.buffer).setUint32(eocd + 12, 100, true);
  assertFormatError(() => listZip(short), /^corrupt zip central directory$/);
  // An entry whose data would need more bytes than the file holds, or would run into the central directory.
  const big = buildZip([{ name: 'a.bin', data: pseudoRandom(500), claim: { compressedSize: 5000, size: 5000 } }]);
  assertFormatError(() => listZip(big), /^a\.bin: truncated \(4\.88 KiB declared, archive ends first\)$/);
  const into = buildZip([{ name: 'a.bin', data: pseudoRandom(500), claim: { compressedSize: 520, size: 520 } }]);
  assertFormatError(() => listZip(into), /^a\.bin: data runs into the central directory$/);
});

test('an absurd entry count is refused at once, never looped over', () => {
  const t0 = performance.now();
  assertFormatError(() => listZip(buildZip([{ name: 'a', data: text('x') }], { count: 0xfffe })), /^corrupt zip central directory \(65534 entries in \d+ bytes\)$/);
  assertFormatError(() => listZip(buildZip([{ name: 'a', data: text('x') }], { zip64End: true, count: 2 ** 40 })), /^corrupt zip central directory \(1099511627776 entries in \d+ bytes\)$/);
  assertFormatError(() => listZip(buildZip([{ name: 'a', data: text('x') }], { zip64End: true, count: 2 ** 60 })), /^corrupt zip: 64-bit size or offset out of range$/);
  assert.ok(performance.now() - t0 < 100);
});

test('ZIP64 records must be present and consistent when the end record is saturated', () => {
  const zip = buildZip([{ name: 'a', data: text('x') }], { zip64End: true });
  assert.equal(listZip(zip).length, 1);
  const noLocator = zip.slice();
  noLocator[eocdOf(zip) - 20] = 0; // the locator's signature
  assertFormatError(() => listZip(noLocator), /^corrupt zip64 end of central directory$/);
  const badRecord = zip.slice();
  new DataView(badRecord.buffer).setUint32(eocdOf(zip) - 12, 3, true); // the locator's record offset
  assertFormatError(() => listZip(badRecord), /^corrupt zip64 end of central directory$/);
  const noExtra = buildZip([{ name: 'a', data: text('x'), centralZip64: true }]);
  const at = noExtra.indexOf(0x01, new DataView(noExtra.buffer).getUint32(eocdOf(noExtra) + 16, true) + 47); // extra id 1
  noExtra[at] = 9;
  assertFormatError(() => listZip(noExtra), /^a: corrupt zip64 extra field$/);
});

test('local headers are checked: in range, with their signature, not shared by two entries', () => {
  const data = pseudoRandom(200);
  assertFormatError(() => listZip(buildZip([{ name: 'a', data, claim: { localOffset: 10 } }])), /^a: local header missing or out of range$/);
  assertFormatError(() => listZip(buildZip([{ name: 'a', data, claim: { localOffset: 2 ** 31 } }])), /^a: local header missing or out of range$/);
  // Two central records pointing at the same data: an "overlapping" zip bomb.
  const overlapping = buildZip([{ name: 'a', data }], { extraCentral: () => [{ name: 'b', data }] });
  assertFormatError(() => listZip(overlapping), /^b: overlaps entry a: refusing a possible zip bomb$/);
});

test('zip bombs: impossible declared sizes are refused before anything is inflated', () => {
  const small = deflateSync(new Uint8Array(100_000));
  assert.ok(small.length < 1000);
  for (const size of [0xf0000000, 100_000_000, small.length * 1032 + 1025]) {
    const zip = buildZip([{ name: 'bomb.bin', data: new Uint8Array(100_000), deflate: true, claim: { size } }]);
    const t0 = performance.now();
    assertFormatError(() => listZip(zip), /^bomb\.bin: declares .* uncompressed from .*: refusing a possible zip bomb$/);
    assert.ok(performance.now() - t0 < 100);
  }
  // The same stream with its true size reads, and one declared shorter than it inflates is cut off, never grown.
  const honest = buildZip([{ name: 'zeros', data: new Uint8Array(100_000), deflate: true }]);
  assert.equal(readZipEntry(honest, listZip(honest)[0]).length, 100_000);
  const shorter = buildZip([{ name: 'zeros', data: new Uint8Array(100_000), deflate: true, claim: { size: 100 } }]);
  assertFormatError(() => readZipEntry(shorter, listZip(shorter)[0]), /^zeros: CRC-32 mismatch/);
  // A plausible ratio but more than the entry limit: refused before the buffer is allocated.
  const noise = pseudoRandom(4_000_000);
  const big = buildZip([{ name: 'big.bin', data: noise, deflate: true, claim: { size: 3 * 2 ** 30 } }]);
  const [e] = listZip(big);
  assert.ok(e.size > MAX_ZIP_ENTRY_BYTES);
  assertFormatError(() => readZipEntry(big, e), /^big\.bin: declares 3\.00 GiB uncompressed, more than the 2\.00 GiB limit$/);
  // Stored entries cannot claim two sizes.
  assertFormatError(() => listZip(buildZip([{ name: 's', data: text('abc'), claim: { size: 4 } }])), /^s: stored but declares different compressed and uncompressed sizes$/);
});

test('what cannot be decoded is a one-line error naming the entry', () => {
  const data = pseudoRandom(300);
  const read = (m: Member) => {
    const zip = buildZip([m]);
    return () => readZipEntry(zip, listZip(zip)[0] as ZipEntry);
  };
  assertFormatError(read({ name: 'e', data, claim: { flags: 1 } }), /^e: encrypted entries are not supported$/);
  assertFormatError(read({ name: 'm', data, claim: { method: 12 } }), /^m: unsupported compression method 12$/);
  assertFormatError(read({ name: 'd', data, deflate: true, claim: { size: 400 } }), /^d: inflated to 300 bytes, 400 declared$/);
  const garbage = buildZip([{ name: 'g', data, deflate: true }]);
  garbage.fill(0xff, 31, 31 + 40);
  assertFormatError(() => readZipEntry(garbage, listZip(garbage)[0]), /^g: (corrupt deflate data \(.+\)|CRC-32 mismatch|inflated to)/);
});

test('cutting or flipping bytes anywhere gives entries or a FormatError, nothing else', () => {
  const zip = buildZip([
    { name: 'archive/data.pkl', data: pseudoRandom(700, 3), deflate: true, local: 'descriptor' },
    { name: 'archive/data/0', data: pseudoRandom(900, 4), local: 'zip64', centralZip64: true },
  ], { zip64End: true });
  let seed = 99;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const attempt = (bytes: Uint8Array) => {
    try {
      readAll(bytes);
    } catch (err) {
      assert.ok(err instanceof FormatError, String(err));
      assert.ok(!err.message.includes('\n'));
    }
  };
  for (let n = 0; n < zip.length; n += 7) attempt(zip.subarray(0, n));
  for (let i = 0; i < 3000; i++) {
    const bytes = zip.slice();
    const at = i % 2 ? zip.length - 1 - rand(Math.min(zip.length, 300)) : rand(zip.length);
    bytes[at] = rand(256);
    attempt(bytes);
  }
});
