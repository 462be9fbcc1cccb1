import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNpy, writeNpy } from '../../src/core/readers/npy';
import { readCheckpoint } from '../../src/core/readers/index';
import { arrayTypeOf, CheckpointError, FormatError, Tensor } from '../../src/core/tensor';
import { numberToHalf } from '../../src/core/dtype';

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

/** Builds an .npy file by hand: `dict` is the header literal, `data` the raw bytes after it. */
function makeNpy(dict: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const headerText = dict.padEnd(Math.ceil((pre + dict.length + 1) / 64) * 64 - pre - 1, ' ') + '\n';
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(pre + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) new DataView(out.buffer).setUint16(8, header.length, true);
  else new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, pre);
  out.set(data, pre + header.length);
  return out;
}

function bytesOf(n: number, size: number, write: (dv: DataView, i: number) => void): Uint8Array {
  const out = new Uint8Array(n * size);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) write(dv, i);
  return out;
}

const NPY_FIXTURES = Object.keys(MANIFEST).filter((k) => k.endsWith('.npy'));

test('manifest lists the four npy fixtures', () => {
  assert.deepEqual(NPY_FIXTURES.sort(), [
    'matrix_f16.npy', 'matrix_f32.npy', 'matrix_f32_bigendian.npy', 'matrix_f64_fortran.npy',
  ]);
});

for (const file of NPY_FIXTURES) {
  test(`fixture ${file} matches the manifest`, () => {
    const expected = MANIFEST[file].tensors[''];
    const t = parseNpy(fixture(file));
    assert.equal(t.name, '');
    assert.deepEqual(t.shape, expected.shape);
    assert.equal(t.dtype, expected.dtype);
    // The stored type's own array (float16 as float32), not a float64 copy.
    assert.ok(t.data instanceof arrayTypeOf(t.dtype), t.data.constructor.name);
    assert.equal(t.data.length, expected.shape.reduce((a: number, b: number) => a * b, 1));
    assertClose(t.data[0], expected.first, `${file} first`);
    assertClose(sum(t.data), expected.sum, `${file} sum`);
  });
}

test('fortran, big-endian and little-endian fixtures hold the same matrix in C order', () => {
  const ref = parseNpy(fixture('matrix_f32.npy')).data;
  assert.deepEqual(parseNpy(fixture('matrix_f32_bigendian.npy')).data, ref);
  // matrix_f64_fortran.npy is the f32 matrix widened and stored column-major.
  assert.deepEqual(parseNpy(fixture('matrix_f64_fortran.npy')).data, Float64Array.from(ref));
});

test('the name argument is used', () => {
  assert.equal(parseNpy(fixture('matrix_f32.npy'), 'W').name, 'W');
});

test('bad/huge_shape.npy fails at once without allocating', () => {
  const t0 = performance.now();
  assertFormatError(() => parseNpy(fixture('bad/huge_shape.npy')), /^shape \[4000000000, 4000000000\] needs .* but the file holds only 0 bytes$/);
  assert.ok(performance.now() - t0 < 2000); // a guard against reading or allocating the claimed size, not a speed goal
});

test('bad/not_numpy.npy is not an npy file', () => {
  assertFormatError(() => parseNpy(fixture('bad/not_numpy.npy')), /^not an npy file/);
});

test('bad/object_dtype.npy is refused as pickled objects', () => {
  assertFormatError(
    () => parseNpy(fixture('bad/object_dtype.npy')),
    /^object arrays \(dtype \|O\) are not supported: they hold pickled Python objects$/,
  );
});

test('bad/truncated.npy reports truncated data', () => {
  assertFormatError(() => parseNpy(fixture('bad/truncated.npy')), /^truncated data: shape \[32, 32\] needs/);
});

test('truncated header', () => {
  const good = fixture('matrix_f32.npy');
  assertFormatError(() => parseNpy(good.subarray(0, 60)), /^truncated header/);
  assertFormatError(() => parseNpy(good.subarray(0, 9)), /^truncated header/);
  assertFormatError(() => parseNpy(good.subarray(0, 3)), /^not an npy file/);
  assertFormatError(() => parseNpy(new Uint8Array(0)), /^not an npy file/);
});

test('malformed headers and unsupported dtypes', () => {
  const d = new Uint8Array(16);
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", d)), /^unsupported dtype <c8$/);
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", d)), /^unsupported dtype <U3$/);
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }", d)), /^unsupported dtype/);
  assertFormatError(
    () => parseNpy(makeNpy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", d)),
    /^structured arrays/,
  );
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<f4', 'shape': (2,), }", d)), /^malformed npy header/);
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", d)), /^malformed npy header/);
  assertFormatError(() => parseNpy(makeNpy("__import__('os').system('true')", d)), /^malformed npy header/);
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", d)), /^invalid shape/);
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }", d)), /^malformed npy header/);
  assertFormatError(() => parseNpy(makeNpy("{'descr': '<f4', 'fortran_order': 'yes', 'shape': (2,), }", d)), /fortran_order/);
  const v9 = makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", d);
  v9[6] = 9;
  assertFormatError(() => parseNpy(v9), /^unsupported npy format version 9\.0$/);
  const deep = '['.repeat(4000) + ']'.repeat(4000);
  assertFormatError(() => parseNpy(makeNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': ${deep}}`, d, 2)), /nested too deeply/);
  // NumPy's own np.load refuses headers over 10 000 bytes (max_header_size); so do we, before parsing them.
  const huge = `(${'1, '.repeat(5000)})`;
  assertFormatError(() => parseNpy(makeNpy(`{'descr': '<f4', 'fortran_order': True, 'shape': ${huge}}`, d, 2)), /^npy header of 150\d\d bytes is too large \(at most 10000\)$/);
  const manyDims = `(${'1, '.repeat(65)})`;
  assertFormatError(() => parseNpy(makeNpy(`{'descr': '<f4', 'fortran_order': True, 'shape': ${manyDims}}`, d, 2)), /^shape has 65 dimensions \(at most 64 are supported\)$/);
});

test('header variants: double quotes, no trailing comma, key order, Python 2 longs, versions 2.0 and 3.0', () => {
  const data = bytesOf(6, 4, (dv, i) => dv.setFloat32(4 * i, i + 1, true));
  const variants = [
    makeNpy('{"shape": (2, 3), "fortran_order": False, "descr": "<f4"}', data),
    makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", data),
    makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data, 2),
    makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], 'ünïcode': None}", data, 3),
  ];
  for (const bytes of variants) {
    const t = parseNpy(bytes);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(Array.from(t.data), [1, 2, 3, 4, 5, 6]);
  }
});

test('0-d, 1-d and empty arrays', () => {
  const scalar = parseNpy(makeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", bytesOf(1, 8, (dv) => dv.setFloat64(0, Math.PI, true))));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [Math.PI]);
  const vec = parseNpy(makeNpy("{'descr': '<i4', 'fortran_order': True, 'shape': (3,), }", bytesOf(3, 4, (dv, i) => dv.setInt32(4 * i, -i, true))));
  assert.deepEqual(vec.shape, [3]);
  assert.deepEqual(Array.from(vec.data), [0, -1, -2]);
  const empty = parseNpy(makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", new Uint8Array(0)));
  assert.deepEqual(empty.shape, [0, 5]);
  assert.equal(empty.data.length, 0);
});

test('big-endian data of every width decodes like little-endian', () => {
  const vals = [1.5, -2, 0.25, 1024, -0.125, 3];
  const cases: [string, string, number, (dv: DataView, o: number, v: number, le: boolean) => void][] = [
    ['f8', 'float64', 8, (dv, o, v, le) => dv.setFloat64(o, v, le)],
    ['f4', 'float32', 4, (dv, o, v, le) => dv.setFloat32(o, v, le)],
    ['f2', 'float16', 2, (dv, o, v, le) => dv.setUint16(o, numberToHalf(v), le)],
    ['i2', 'int16', 2, (dv, o, v, le) => dv.setInt16(o, Math.trunc(v), le)],
    ['u2', 'uint16', 2, (dv, o, v, le) => dv.setUint16(o, Math.abs(Math.trunc(v)), le)],
    ['i4', 'int32', 4, (dv, o, v, le) => dv.setInt32(o, Math.trunc(v), le)],
    ['u4', 'uint32', 4, (dv, o, v, le) => dv.setUint32(o, Math.abs(Math.trunc(v)), le)],
    ['i8', 'int64', 8, (dv, o, v, le) => dv.setBigInt64(o, BigInt(Math.trunc(v)), le)],
    ['u8', 'uint64', 8, (dv, o, v, le) => dv.setBigUint64(o, BigInt(Math.abs(Math.trunc(v))), le)],
  ];
  for (const [code, dtype, size, write] of cases) {
    const read = (order: string) => {
      const data = bytesOf(vals.length, size, (dv, i) => write(dv, i * size, vals[i], order === '<'));
      return parseNpy(makeNpy(`{'descr': '${order}${code}', 'fortran_order': False, 'shape': (2, 3), }`, data));
    };
    const le = read('<');
    const be = read('>');
    assert.equal(be.dtype, dtype, code);
    assert.deepEqual(be.shape, [2, 3]);
    assert.deepEqual(be.data, le.data, code);
  }
  // Specific expectations for a couple of them.
  const be16 = bytesOf(3, 2, (dv, i) => dv.setInt16(2 * i, [-1, 256, 7][i], false));
  assert.deepEqual(Array.from(parseNpy(makeNpy("{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", be16)).data), [-1, 256, 7]);
});

test('single-byte types and bool', () => {
  const raw = new Uint8Array([0, 1, 127, 128, 255, 2]);
  const i1 = parseNpy(makeNpy("{'descr': '|i1', 'fortran_order': False, 'shape': (6,), }", raw));
  assert.equal(i1.dtype, 'int8');
  assert.deepEqual(Array.from(i1.data), [0, 1, 127, -128, -1, 2]);
  const u1 = parseNpy(makeNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (6,), }", raw));
  assert.equal(u1.dtype, 'uint8');
  assert.deepEqual(Array.from(u1.data), [0, 1, 127, 128, 255, 2]);
  const b1 = parseNpy(makeNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array([1, 0, 0, 1])));
  assert.equal(b1.dtype, 'bool');
  assert.deepEqual(Array.from(b1.data), [1, 0, 0, 1]);
});

test('float16 bit patterns', () => {
  const bits = [0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x3555, 0x0001, 0x7bff];
  const t = parseNpy(makeNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (9,), }", bytesOf(bits.length, 2, (dv, i) => dv.setUint16(2 * i, bits[i], true))));
  assert.equal(t.dtype, 'float16');
  assert.equal(t.data[0], 1);
  assert.equal(t.data[1], -2);
  assert.equal(t.data[2], Infinity);
  assert.equal(t.data[3], -Infinity);
  assert.ok(Object.is(t.data[4], 0));
  assert.ok(Object.is(t.data[5], -0));
  assert.equal(t.data[6], 0.333251953125);
  assert.equal(t.data[7], 2 ** -24);
  assert.equal(t.data[8], 65504);
  const nan = parseNpy(makeNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", new Uint8Array([0x00, 0x7e])));
  assert.ok(Number.isNaN(nan.data[0]));
});

test('Fortran-order data built by hand comes back in C order (2-d and 3-d)', () => {
  // C-order value at (i, j) is 10 i + j; Fortran order stores column by column.
  const [r, c] = [2, 3];
  const f2 = bytesOf(r * c, 8, (dv, k) => {
    const i = k % r;
    const j = Math.floor(k / r);
    dv.setFloat64(8 * k, 10 * i + j, true);
  });
  const t2 = parseNpy(makeNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f2));
  assert.deepEqual(Array.from(t2.data), [0, 1, 2, 10, 11, 12]);

  // 3-d, big-endian and Fortran together: value at (i, j, k) is 100 i + 10 j + k.
  const shape = [2, 3, 4];
  const f3 = bytesOf(24, 4, (dv, n) => {
    const i = n % 2;
    const j = Math.floor(n / 2) % 3;
    const k = Math.floor(n / 6);
    dv.setFloat32(4 * n, 100 * i + 10 * j + k, false);
  });
  const t3 = parseNpy(makeNpy("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3, 4), }", f3));
  assert.deepEqual(t3.shape, shape);
  const expected: number[] = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
  assert.deepEqual(Array.from(t3.data), expected);
});

test('writeNpy round trips float32 and float64, 3-d, with data at a multiple of 64', () => {
  const shape = [3, 4, 5];
  const values = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i) * 1e3 + i / 7);
  for (const dtype of ['float32', 'float64'] as const) {
    const bytes = writeNpy(shape, values, dtype);
    const headerLen = bytes[8] | (bytes[9] << 8);
    assert.equal((10 + headerLen) % 64, 0);
    assert.equal(bytes[10 + headerLen - 1], 0x0a);
    assert.equal(bytes.length, 10 + headerLen + 60 * (dtype === 'float32' ? 4 : 8));
    const t = parseNpy(bytes);
    assert.deepEqual(t.shape, shape);
    assert.equal(t.dtype, dtype);
    const expected = dtype === 'float32' ? Float32Array.from(values) : values;
    assert.deepEqual(t.data, expected);
  }
  // Float32Array input, 1-d and 0-d shapes.
  const f32 = Float32Array.from([1.5, -2.25, 3]);
  assert.deepEqual(Array.from(parseNpy(writeNpy([3], f32)).data), [1.5, -2.25, 3]);
  const t0 = parseNpy(writeNpy([], Float64Array.from([42]), 'float64'));
  assert.deepEqual(t0.shape, []);
  assert.deepEqual(Array.from(t0.data), [42]);
  assert.throws(() => writeNpy([2, 2], new Float32Array(3)));
});

test('unaligned input (as from a pooled Node buffer) decodes the same', () => {
  const good = fixture('matrix_f32.npy');
  const shifted = new Uint8Array(good.length + 1);
  shifted.set(good, 1);
  const t = parseNpy(shifted.subarray(1));
  assert.deepEqual(t.data, parseNpy(good).data);
  const be = fixture('matrix_f32_bigendian.npy');
  const shiftedBe = new Uint8Array(be.length + 3);
  shiftedBe.set(be, 3);
  assert.deepEqual(parseNpy(shiftedBe.subarray(3)).data, t.data);
});

test('readCheckpoint reads an .npy', async () => {
  const file = path.join(FIXTURES, 'matrix_f32.npy');
  const ck = await readCheckpoint(file);
  assert.equal(ck.format, 'npy');
  assert.equal(ck.tensors.length, 1);
  const t: Tensor = ck.tensors[0];
  assert.deepEqual(t.shape, [32, 32]);
});

for (const bad of ['huge_shape.npy', 'not_numpy.npy', 'object_dtype.npy', 'truncated.npy']) {
  test(`readCheckpoint reports bad/${bad} as a one-line CheckpointError naming the file`, async () => {
    const file = path.join(FIXTURES, 'bad', bad);
    await assert.rejects(readCheckpoint(file), (err: unknown) => {
      assert.ok(err instanceof CheckpointError, String(err));
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      assert.equal(err.file, file);
      assert.ok(err.problem.length > 0);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });
}
