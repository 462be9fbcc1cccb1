import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSafetensors, writeSafetensors } from '../../src/core/readers/safetensors';
import { parseNpy } from '../../src/core/readers/npy';
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

/** Builds a safetensors file by hand from a header JSON text and the data bytes. */
function makeSafetensors(headerJson: string, data: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

function u16s(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint16(2 * i, v, true));
  return out;
}

test('fixture rnn.safetensors matches the manifest', () => {
  const expected = MANIFEST['rnn.safetensors'].tensors as Record<string, { shape: number[]; dtype: string; first: number; sum: number }>;
  const tensors = parseSafetensors(fixture('rnn.safetensors'));
  // Header order, with __metadata__ skipped.
  assert.deepEqual(tensors.map((t) => t.name), Object.keys(expected));
  for (const t of tensors) {
    const e = expected[t.name];
    assert.deepEqual(t.shape, e.shape, t.name);
    if (t.name === 'rnn.weight_hh_l0_bf16') {
      // The manifest says "float32" because the fixture writer widened the bf16 values before describing them;
      // the file stores BF16 and the reader reports the stored dtype.
      assert.equal(e.dtype, 'float32');
      assert.equal(t.dtype, 'bfloat16');
    } else {
      assert.equal(t.dtype, e.dtype, t.name);
    }
    assertClose(t.data[0], e.first, `${t.name} first`);
    assertClose(sum(t.data), e.sum, `${t.name} sum`);
  }
  // The f32 tensor equals matrix_f32.npy.
  assert.deepEqual(tensors[0].data, parseNpy(fixture('matrix_f32.npy')).data);
});

test('bad/header_too_big.safetensors', () => {
  assertFormatError(() => parseSafetensors(fixture('bad/header_too_big.safetensors')), /^header length \d+ is implausibly large/);
});

test('bad/truncated.safetensors', () => {
  assertFormatError(() => parseSafetensors(fixture('bad/truncated.safetensors')), /^truncated header: declares 344 bytes but only 192 follow$/);
});

test('bad/offsets_out_of_range.safetensors', () => {
  assertFormatError(
    () => parseSafetensors(fixture('bad/offsets_out_of_range.safetensors')),
    /^tensor "w": data_offsets \[0, 4000000\] lie outside the 16 bytes of data$/,
  );
});

test('bad/proto_pollution.safetensors is refused and pollutes nothing', () => {
  assertFormatError(() => parseSafetensors(fixture('bad/proto_pollution.safetensors')), /^unsafe tensor name "__proto__"$/);
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.dtype, undefined);
  assert.equal(probe.shape, undefined);
  assert.equal(probe.data_offsets, undefined);
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
  assert.equal(probe.constructor, Object);
  assert.equal(Object.keys(Object.prototype).length, 0);
  // "constructor" alone is refused too.
  const data = new Uint8Array(4);
  assertFormatError(
    () => parseSafetensors(makeSafetensors('{"constructor":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', data)),
    /^unsafe tensor name "constructor"$/,
  );
  // A __proto__ key nested inside an entry does nothing either.
  const t = parseSafetensors(makeSafetensors('{"w":{"__proto__":{"x":1},"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', data));
  assert.equal(t[0].name, 'w');
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('truncated and malformed headers', () => {
  const good = fixture('rnn.safetensors');
  assertFormatError(() => parseSafetensors(new Uint8Array(0)), /^file is empty$/);
  assertFormatError(() => parseSafetensors(good.subarray(0, 5)), /^truncated header/);
  assertFormatError(() => parseSafetensors(good.subarray(0, 100)), /^truncated header/);
  assertFormatError(() => parseSafetensors(makeSafetensors('{"w": [1, 2', new Uint8Array(0))), /^malformed header: /);
  assertFormatError(() => parseSafetensors(makeSafetensors('[1, 2]', new Uint8Array(0))), /^malformed header: not a JSON object$/);
  assertFormatError(() => parseSafetensors(makeSafetensors('null', new Uint8Array(0))), /^malformed header: not a JSON object$/);
  const badUtf8 = makeSafetensors('{"w":{}}', new Uint8Array(0));
  badUtf8[10] = 0xff;
  assertFormatError(() => parseSafetensors(badUtf8), /^malformed header: /);
});

test('entry validation', () => {
  const d = new Uint8Array(16);
  const cases: [string, RegExp][] = [
    ['{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}', /^tensor "w": data_offsets span 8 bytes but shape \[2, 2\] of float32 needs 16$/],
    ['{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,17]}}', /lie outside the 16 bytes of data$/],
    ['{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}', /^tensor "w": invalid data_offsets \[8,4\]$/],
    ['{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', /invalid data_offsets/],
    ['{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', /invalid data_offsets/],
    ['{"w":{"dtype":"F32","shape":[1]}}', /invalid data_offsets/],
    ['{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}', /^tensor "w": unsupported dtype C64$/],
    ['{"w":{"dtype":"toString","shape":[1],"data_offsets":[0,8]}}', /^tensor "w": unsupported dtype toString$/],
    ['{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}', /^tensor "w": shape is not a list$/],
    ['{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', /^tensor "w": invalid shape/],
    ['{"w":{"dtype":"F32","shape":[1e12,1e12],"data_offsets":[0,16]}}', /^tensor "w": shape \[1000000000000, 1000000000000\] needs/],
    ['{"w":[1,2]}', /^tensor "w": entry is not an object$/],
    ['{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', /duplicate key "w"/],
    ['{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', /^tensors "a" and "b" overlap/],
    ['{"line\\nbreak":{"dtype":"X","shape":[1],"data_offsets":[0,4]}}', /^tensor "line\\nbreak": unsupported dtype X$/],
  ];
  for (const [json, pattern] of cases) assertFormatError(() => parseSafetensors(makeSafetensors(json, d)), pattern);
});

test('header key order is kept, including integer-like names', () => {
  const d = new Float32Array([1, 2, 3, 4]);
  const bytes = makeSafetensors(
    '{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"10":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
      '"__metadata__":{"k":"v"},"2":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[],"data_offsets":[12,16]}}',
    new Uint8Array(d.buffer),
  );
  const ts = parseSafetensors(bytes);
  assert.deepEqual(ts.map((t) => t.name), ['z', '10', '2', 'a']);
  assert.deepEqual(ts.map((t) => t.data[0]), [1, 2, 3, 4]);
  assert.deepEqual(ts[3].shape, []);
});

test('every dtype decodes, with f16 and bf16 bit patterns', () => {
  const f16 = u16s([0x3c00, 0xc000, 0x7c00, 0xfc00, 0x3800]);
  const bf16 = u16s([0x3f80, 0xc000, 0x7f80, 0x4049, 0xbf00]);
  const ints = new Uint8Array(8 * 2);
  const dv = new DataView(ints.buffer);
  dv.setBigInt64(0, -5n, true);
  dv.setBigInt64(8, 1n << 40n, true);
  const parts: [string, string, number[], Uint8Array][] = [
    ['h', 'F16', [5], f16],
    ['bh', 'BF16', [5], bf16],
    ['i8', 'I8', [3], new Uint8Array([0xff, 0x7f, 0x80])],
    ['u8', 'U8', [3], new Uint8Array([0xff, 0x7f, 0x80])],
    ['i16', 'I16', [2], u16s([0xffff, 0x0102])],
    ['u16', 'U16', [2], u16s([0xffff, 0x0102])],
    ['i32', 'I32', [1], new Uint8Array([0xfe, 0xff, 0xff, 0xff])],
    ['u32', 'U32', [1], new Uint8Array([0xfe, 0xff, 0xff, 0xff])],
    ['i64', 'I64', [2], ints],
    ['u64', 'U64', [1], ints.subarray(8)],
    ['b', 'BOOL', [2], new Uint8Array([1, 0])],
  ];
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [name, dtype, shape, bytes] of parts) {
    header[name] = { dtype, shape, data_offsets: [off, off + bytes.length] };
    off += bytes.length;
  }
  const data = new Uint8Array(off);
  off = 0;
  for (const [, , , bytes] of parts) { data.set(bytes, off); off += bytes.length; }
  const ts = parseSafetensors(makeSafetensors(JSON.stringify(header), data));
  const byName = Object.fromEntries(ts.map((t) => [t.name, t]));
  assert.equal(byName.h.dtype, 'float16');
  assert.deepEqual(Array.from(byName.h.data), [1, -2, Infinity, -Infinity, 0.5]);
  assert.equal(byName.bh.dtype, 'bfloat16');
  assert.deepEqual(Array.from(byName.bh.data), [1, -2, Infinity, 3.140625, -0.5]);
  assert.deepEqual(Array.from(byName.i8.data), [-1, 127, -128]);
  assert.deepEqual(Array.from(byName.u8.data), [255, 127, 128]);
  assert.deepEqual(Array.from(byName.i16.data), [-1, 0x0102]);
  assert.deepEqual(Array.from(byName.u16.data), [0xffff, 0x0102]);
  assert.deepEqual(Array.from(byName.i32.data), [-2]);
  assert.deepEqual(Array.from(byName.u32.data), [0xfffffffe]);
  assert.deepEqual(Array.from(byName.i64.data), [-5, 2 ** 40]);
  assert.deepEqual(Array.from(byName.u64.data), [2 ** 40]);
  assert.equal(byName.b.dtype, 'bool');
  assert.deepEqual(Array.from(byName.b.data), [1, 0]);
  assert.deepEqual(ts.map((t) => t.name), parts.map((p) => p[0]));
});

test('writeSafetensors round trips f32 and f64 with a 3-d shape, metadata and padded header', () => {
  const a = Float64Array.from({ length: 24 }, (_, i) => Math.cos(i) * 100 + 1 / 3);
  const b = Float32Array.from([1.5, -2.5, 3.25]);
  const c = Float64Array.from({ length: 6 }, (_, i) => i / 9);
  const bytes = writeSafetensors(
    [
      { name: 'layer.w', shape: [2, 3, 4], data: a, dtype: 'float32' },
      { name: 'odd', shape: [3], data: b, dtype: 'float32' },
      { name: 'layer.v', shape: [2, 3], data: c, dtype: 'float64' },
      { name: 'scalar', shape: [], data: Float64Array.from([7]), dtype: 'float64' },
    ],
    { format: 'pt', note: 'x' },
  );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(headerText, /^\{.*\} *$/);
  assert.deepEqual(JSON.parse(headerText).__metadata__, { format: 'pt', note: 'x' });

  const ts = parseSafetensors(bytes);
  assert.deepEqual(ts.map((t) => t.name), ['layer.w', 'odd', 'layer.v', 'scalar']);
  assert.deepEqual(ts[0].shape, [2, 3, 4]);
  assert.equal(ts[0].dtype, 'float32');
  assert.deepEqual(ts[0].data, Float32Array.from(a));
  assert.deepEqual(Array.from(ts[1].data), [1.5, -2.5, 3.25]);
  // layer.v starts at an offset that is not a multiple of 8 (108 bytes of f32 before it): still exact.
  assert.equal(ts[2].dtype, 'float64');
  assert.deepEqual(ts[2].data, c);
  assert.deepEqual(ts[3].shape, []);
  assert.deepEqual(Array.from(ts[3].data), [7]);

  assert.throws(() => writeSafetensors([{ name: 'x', shape: [2], data: new Float32Array(3), dtype: 'float32' }]));
  assert.throws(() => writeSafetensors([
    { name: 'x', shape: [1], data: new Float32Array(1), dtype: 'float32' },
    { name: 'x', shape: [1], data: new Float32Array(1), dtype: 'float32' },
  ]));
  // Without metadata and without tensors.
  assert.deepEqual(parseSafetensors(writeSafetensors([])), []);
});

test('unaligned input (as from a pooled Node buffer) decodes the same', () => {
  const good = fixture('rnn.safetensors');
  const ref = parseSafetensors(good);
  for (const shift of [1, 2, 3, 5]) {
    const copy = new Uint8Array(good.length + shift);
    copy.set(good, shift);
    const ts = parseSafetensors(copy.subarray(shift));
    assert.deepEqual(ts, ref);
  }
});

test('readCheckpoint reads a .safetensors', async () => {
  const ck = await readCheckpoint(path.join(FIXTURES, 'rnn.safetensors'));
  assert.equal(ck.format, 'safetensors');
  assert.equal(ck.tensors.length, 4);
});

for (const bad of ['header_too_big.safetensors', 'offsets_out_of_range.safetensors', 'proto_pollution.safetensors', 'truncated.safetensors']) {
  test(`readCheckpoint reports bad/${bad} as a one-line CheckpointError naming the file`, async () => {
    const file = path.join(FIXTURES, 'bad', bad);
    await assert.rejects(readCheckpoint(file), (err: unknown) => {
      assert.ok(err instanceof CheckpointError, String(err));
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
    assert.equal(({} as Record<string, unknown>).dtype, undefined);
  });
}
