import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { parseNpz } from '../../src/core/readers/npz';
import { parseNpy, writeNpy } from '../../src/core/readers/npy';
import { readCheckpoint } from '../../src/core/readers/index';
import { CheckpointError, FormatError } from '../../src/core/tensor';

// Tests are bundled to out/test/unit/*.js, three levels below the repo root.
const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8'));

function fixture(name: string): Uint8Array {
  const buf = fs.readFileSync(path.join(FIXTURES, name));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function sum(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

function assertClose(actual: number, expected: number, what: string): void {
  const tol = 1e-9 * Math.max(Math.abs(expected), 1e-12);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} != ${expected}`);
}

function assertFormatError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FormatError, `expected FormatError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message is not one line: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

/** Offset of the first central-directory record of a (small, comment-free) zip. */
function centralDirectory(zip: Uint8Array): number {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  assert.equal(dv.getUint32(eocd, true), 0x06054b50);
  return dv.getUint32(eocd + 16, true);
}

const NPZ_FIXTURES = Object.keys(MANIFEST).filter((k) => k.endsWith('.npz'));

test('manifest lists the two npz fixtures', () => {
  assert.deepEqual(NPZ_FIXTURES.sort(), ['weights.npz', 'weights_compressed.npz']);
});

for (const file of NPZ_FIXTURES) {
  test(`fixture ${file} matches the manifest`, () => {
    const expected = MANIFEST[file].tensors as Record<string, { shape: number[]; dtype: string; first: number; sum: number }>;
    const tensors = parseNpz(fixture(file));
    assert.deepEqual(tensors.map((t) => t.name), Object.keys(expected));
    for (const t of tensors) {
      const e = expected[t.name];
      assert.deepEqual(t.shape, e.shape, t.name);
      assert.equal(t.dtype, e.dtype, t.name);
      assertClose(t.data[0], e.first, `${file} ${t.name} first`);
      assertClose(sum(t.data), e.sum, `${file} ${t.name} sum`);
    }
  });
}

test('stored and deflated archives hold the same W_rec as matrix_f32.npy', () => {
  const ref = parseNpy(fixture('matrix_f32.npy')).data;
  assert.deepEqual(parseNpz(fixture('weights.npz'))[0].data, ref);
  assert.deepEqual(parseNpz(fixture('weights_compressed.npz'))[0].data, ref);
});

test('bad/empty.npz', () => {
  assertFormatError(() => parseNpz(fixture('bad/empty.npz')), /^file is empty$/);
});

test('bad/zip_slip.npz is refused by name', () => {
  assertFormatError(() => parseNpz(fixture('bad/zip_slip.npz')), /^unsafe entry name \.\.\/\.\.\/escape\.npy$/);
});

test('other unsafe names are refused', () => {
  const npy = writeNpy([1], Float32Array.from([1]));
  for (const name of ['/abs.npy', 'a\\b.npy', 'dir/../../x.npy', 'C:/x.npy', '__proto__.npy']) {
    assertFormatError(() => parseNpz(zipSync({ [name]: npy })), /^unsafe entry name /);
  }
  // ".." inside a name is not a path segment and is fine.
  assert.equal(parseNpz(zipSync({ 'a..b.npy': npy }))[0].name, 'a..b');
});

test('not a zip, truncated zip, no entries, no arrays', () => {
  assertFormatError(() => parseNpz(new TextEncoder().encode('hello, this is text\n')), /^not a zip archive/);
  const good = fixture('weights.npz');
  assertFormatError(() => parseNpz(good.subarray(0, 1000)), /^truncated zip archive/);
  assertFormatError(() => parseNpz(zipSync({})), /^archive holds no entries$/);
  assertFormatError(() => parseNpz(zipSync({ 'readme.txt': new Uint8Array([65]) })), /^archive holds no \.npy arrays$/);
});

test('archives built with fflate: stored and deflated, order kept, non-npy members skipped', () => {
  const a = Float64Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
  const b = Float32Array.from([7, 8, 9]);
  for (const level of [0, 6] as const) {
    const zip = zipSync(
      { 'zeta.npy': writeNpy([2, 3, 4], a, 'float64'), 'notes.txt': new Uint8Array([1, 2]), 'alpha.npy': writeNpy([3], b) },
      { level },
    );
    const ts = parseNpz(zip);
    assert.deepEqual(ts.map((t) => t.name), ['zeta', 'alpha']);
    assert.deepEqual(ts[0].shape, [2, 3, 4]);
    assert.equal(ts[0].dtype, 'float64');
    assert.deepEqual(ts[0].data, a);
    assert.deepEqual(Array.from(ts[1].data), [7, 8, 9]);
  }
});

test('stored members are views of the archive: unaligned data is moved over its header only when the bytes are ours', () => {
  const a = Float64Array.from({ length: 12 }, (_, i) => i / 3 - 1);
  const b = Float32Array.from([1.5, -2, 3.25, 4]);
  // Names of different lengths put the members' data at different alignments in the archive.
  for (const names of [['w.npy', 'bb.npy'], ['w1.npy', 'b.npy'], ['w12.npy', 'b123.npy']]) {
    const zip = zipSync({ [names[0]]: writeNpy([3, 4], a, 'float64'), [names[1]]: writeNpy([4], b, 'float32') }, { level: 0 });
    const before = zip.slice();
    const copied = parseNpz(zip);
    assert.deepEqual(zip, before, 'the archive is left as it was');
    const owned = parseNpz(zip, undefined, undefined, true);
    for (const ts of [copied, owned]) {
      assert.ok(ts[0].data instanceof Float64Array && ts[1].data instanceof Float32Array);
      assert.deepEqual(ts[0].data, a);
      assert.deepEqual(ts[1].data, b);
    }
    // Owned: every member is a view of the archive's own buffer, none is copied.
    for (const t of owned) assert.equal(t.data.buffer, zip.buffer, `${names} ${t.name}`);
  }
});

test('member errors are prefixed with the member name', () => {
  const truncated = fixture('bad/truncated.npy');
  for (const level of [0, 9] as const) {
    assertFormatError(() => parseNpz(zipSync({ 'W_rec.npy': truncated }, { level })), /^W_rec\.npy: truncated data: shape \[32, 32\]/);
    assertFormatError(() => parseNpz(zipSync({ 'obj.npy': fixture('bad/object_dtype.npy') }, { level })), /^obj\.npy: object arrays \(dtype \|O\)/);
  }
});

test('a declared size absurd for its compressed size is refused before inflating (zip bomb)', () => {
  const zip = fixture('weights_compressed.npz').slice();
  const dv = new DataView(zip.buffer);
  const cd = centralDirectory(zip);
  const compressed = dv.getUint32(cd + 20, true);
  // Claim 3.9 GiB, then 100 MB: both far beyond 1000x the compressed size (~4 KB) + 1 MiB.
  for (const size of [0xf0000000, 100_000_000]) {
    dv.setUint32(cd + 24, size, true);
    const t0 = performance.now();
    assertFormatError(() => parseNpz(zip), /^W_rec\.npy: declares .* uncompressed from .*: refusing a possible zip bomb$/);
    assert.ok(performance.now() - t0 < 2000); // a guard against reading or allocating the claimed size, not a speed goal
  }
  assert.ok(compressed < 5000);
});

test('a member that inflates to more than declared is cut off and caught, never grown', () => {
  const zip = fixture('weights_compressed.npz').slice();
  const dv = new DataView(zip.buffer);
  const cd = centralDirectory(zip);
  dv.setUint32(cd + 24, 100, true);
  assertFormatError(() => parseNpz(zip), /^W_rec\.npy: CRC-32 mismatch/);
});

test('corruption is detected: CRC, truncated member, bad deflate stream', () => {
  const stored = fixture('weights.npz').slice();
  stored[200] ^= 0xff; // inside W_rec's data
  assertFormatError(() => parseNpz(stored), /^W_rec\.npy: CRC-32 mismatch/);

  const deflated = fixture('weights_compressed.npz').slice();
  const dv = new DataView(deflated.buffer);
  const start = 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
  deflated.fill(0xff, start, start + 64);
  assertFormatError(() => parseNpz(deflated), /^W_rec\.npy: (corrupt deflate data|CRC-32 mismatch|inflated to)/);
});

test('readCheckpoint reads an .npz', async () => {
  const ck = await readCheckpoint(path.join(FIXTURES, 'weights.npz'));
  assert.equal(ck.format, 'npz');
  assert.deepEqual(ck.tensors.map((t) => t.name), ['W_rec', 'W_in', 'b']);
});

for (const bad of ['empty.npz', 'zip_slip.npz']) {
  test(`readCheckpoint reports bad/${bad} as a one-line CheckpointError naming the file`, async () => {
    const file = path.join(FIXTURES, 'bad', bad);
    await assert.rejects(readCheckpoint(file), (err: unknown) => {
      assert.ok(err instanceof CheckpointError, String(err));
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });
}
