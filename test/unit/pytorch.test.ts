import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePytorch } from '../../src/core/readers/pytorch';
import { FormatError, Tensor } from '../../src/core/tensor';
import { zipSync } from 'fflate';
import { f32, Pickle, torchZip } from './pickle';

// Tests are bundled to out/test/unit/*.js, three levels below the repo root.
const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8'));
const GENERATED = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'generated/torch_expected.json'), 'utf8'));

interface Expected { shape: number[]; dtype: string; first: number | null; sum: number; values?: number[] }

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

function byName(tensors: Tensor[]): Map<string, Tensor> {
  return new Map(tensors.map((t) => [t.name, t]));
}

function checkTensor(t: Tensor | undefined, e: Expected, what: string): void {
  assert.ok(t, `${what} not found`);
  assert.deepEqual(t.shape, e.shape, `${what} shape`);
  assert.equal(t.dtype, e.dtype, `${what} dtype`);
  assert.equal(t.data.length, e.shape.reduce((a, b) => a * b, 1), `${what} length`);
  if (e.first !== null) assertClose(t.data[0], e.first, `${what} first`);
  assertClose(sum(t.data), e.sum, `${what} sum`);
  if (e.values) assert.deepEqual([...t.data], e.values, `${what} values`);
}

/** Safety-net messages mean an exception escaped the reader's own checks: corruptions must never produce them. */
const SAFETY_NET = /^unreadable pytorch checkpoint/;

function assertFormatError(fn: () => unknown, pattern?: RegExp): string {
  let message = '';
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FormatError, `expected FormatError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message is not one line: ${err.message}`);
    assert.doesNotMatch(err.message, SAFETY_NET);
    if (pattern) assert.match(err.message, pattern);
    message = err.message;
    return true;
  });
  return message;
}

/** `{name: tensor}` over one float32 storage `0`. */
function oneTensorZip(values: number[], size: number[], stride: number[], offset = 0, numel = values.length): Uint8Array {
  const pkl = new Pickle().proto().dict().str('w').tensor('0', numel, offset, size, stride).setitem().stop().bytes();
  return torchZip(pkl, { 0: f32(values) });
}

// ------------------------------------------------------------------------------------------------------------------
// Fixtures from MANIFEST.json

const TORCH_FIXTURES = ['torch_rnn_state_dict.pt', 'torch_rnn_legacy.pt', 'torch_awd_lstm_model.pt'];

for (const file of TORCH_FIXTURES) {
  test(`${file}: every manifest tensor has the right shape, dtype, first value and sum`, () => {
    const entry = MANIFEST[file];
    assert.ok(entry, `${file} is in the manifest`);
    const result = parsePytorch(fixture(file));
    assert.equal(result.format, file.includes('legacy') ? 'pytorch-legacy' : 'pytorch-zip');
    const tensors = byName(result.tensors);
    // The awd-lstm fixture is a pickled `[model, criterion, optimizer]` list. The product spec names tensors inside
    // pickled objects like state_dict keys prefixed by their position (`0.rnns.0.weight_hh_l0`); the manifest lists
    // them as the model's own state_dict keys, so its names are mapped to `0.` + name here.
    const prefix = file === 'torch_awd_lstm_model.pt' ? '0.' : '';
    for (const [name, e] of Object.entries(entry.tensors as Record<string, Expected>)) {
      checkTensor(tensors.get(prefix + name), e, `${file} ${prefix + name}`);
    }
    assert.equal(result.tensors.length, Object.keys(entry.tensors).length, `${file}: no extra tensors`);
  });
}

test('torch_awd_lstm_model.pt: pickled modules are walked like state_dict(), shared parameters reported once', () => {
  const names = parsePytorch(fixture('torch_awd_lstm_model.pt')).tensors.map((t) => t.name);
  // The optimizer's param_groups hold the same Parameter objects: they must not show up again.
  assert.deepEqual(names, Object.keys(MANIFEST['torch_awd_lstm_model.pt'].tensors).map((n) => '0.' + n));
});

// ------------------------------------------------------------------------------------------------------------------
// Generated fixtures (test/fixtures/generated/make_torch_fixtures.py)

for (const [file, spec] of Object.entries(GENERATED.files as Record<string, { format: string; tensors: Record<string, Expected> }>)) {
  test(`generated/${file}: names, shapes, dtypes and values match torch`, () => {
    const result = parsePytorch(fixture(`generated/${file}`));
    assert.equal(result.format, spec.format);
    assert.deepEqual(result.tensors.map((t) => t.name), Object.keys(spec.tensors));
    const tensors = byName(result.tensors);
    for (const [name, e] of Object.entries(spec.tensors)) checkTensor(tensors.get(name), e, `${file} ${name}`);
  });
}

test('views sharing one storage decode it once (transposed, sliced, strided, expanded, permuted, 0-d)', () => {
  const stats = { storagesDecoded: 0 };
  const result = parsePytorch(fixture('generated/torch_views.pt'), { stats });
  assert.equal(result.tensors.length, 9);
  // base + transposed + slice + column + strided share one storage; expanded, permuted and tail/element one each.
  assert.equal(stats.storagesDecoded, 4);
  const t = byName(result.tensors);
  const base = t.get('base')!;
  const tr = t.get('transposed')!;
  for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) assert.equal(tr.data[j * 4 + i], base.data[i * 6 + j]);
  // Tensors never share their data arrays, even when they share a storage.
  assert.notEqual(base.data.buffer, t.get('slice')!.data.buffer);
});

test('zip folder may be named after the file stem or `archive/`, and is found either way', () => {
  const a = parsePytorch(oneTensorZip([1, 2, 3, 4], [2, 2], [2, 1]));
  const pkl = new Pickle().proto().dict().str('w').tensor('0', 4, 0, [2, 2], [2, 1]).setitem().stop().bytes();
  const b = parsePytorch(torchZip(pkl, { 0: f32([1, 2, 3, 4]) }, 'my.model-v2'));
  assert.deepEqual([...a.tensors[0].data], [1, 2, 3, 4]);
  assert.deepEqual([...b.tensors[0].data], [1, 2, 3, 4]);
});

test('a large transposed view is gathered into C order', () => {
  const rows = 300;
  const cols = 257;
  const values = Array.from({ length: rows * cols }, (_, i) => (i % 1000) - 500);
  // Storage holds a (cols, rows) matrix; the tensor is its transpose: size (rows, cols), stride (1, rows).
  const t = parsePytorch(oneTensorZip(values, [rows, cols], [1, rows])).tensors[0];
  assert.deepEqual(t.shape, [rows, cols]);
  for (let i = 0; i < rows; i += 7) for (let j = 0; j < cols; j += 5) assert.equal(t.data[i * cols + j], values[j * rows + i]);
});

test('deflated members, a big-endian byteorder record and a lone top-level tensor are read', () => {
  const lone = new Pickle().proto().tensor('0', 4, 0, [2, 2], [2, 1]).stop().bytes();
  const deflated = parsePytorch(torchZip(lone, { 0: f32([1, 2, 3, 4]) }, 'archive', {}, 6));
  assert.deepEqual(deflated.tensors.map((t) => [t.name, [...t.data]]), [['', [1, 2, 3, 4]]]);

  const be = new Uint8Array(8);
  new DataView(be.buffer).setFloat32(0, 1.5, false);
  new DataView(be.buffer).setFloat32(4, -2, false);
  const pkl = new Pickle().proto().tensor('0', 2, 0, [2], [1]).stop().bytes();
  const big = parsePytorch(torchZip(pkl, { 0: be }, 'archive', { byteorder: new TextEncoder().encode('big') }));
  assert.deepEqual([...big.tensors[0].data], [1.5, -2]);
});

test('_rebuild_tensor_v3 over an UntypedStorage and _rebuild_from_type_v2 tensor subclasses', () => {
  // float16 bits of 1, 2, -0.5, 65504
  const halves = new Uint8Array(new Uint16Array([0x3c00, 0x4000, 0xb800, 0x7bff]).buffer);
  const p = new Pickle().proto().dict();
  p.str('h').global('torch._utils', '_rebuild_tensor_v3').mark()
    .mark().str('storage').global('torch', 'UntypedStorage').str('0').str('cpu').int(8).tuple().raw(0x51)
    .int(1).ints([3]).ints([1]).raw(0x89).global('collections', 'OrderedDict').raw(0x29).reduce()
    .global('torch', 'float16').tuple().reduce().setitem();
  p.str('sub').global('torch._utils', '_rebuild_from_type_v2').mark()
    .global('torch._utils', '_rebuild_tensor_v2').global('__main__', 'MyTensor').mark()
    .mark().str('storage').global('torch', 'FloatStorage').str('1').str('cpu').int(2).tuple().raw(0x51)
    .int(0).ints([2]).ints([1]).raw(0x89).none().tuple()
    .dict().tuple().reduce().setitem();
  const result = parsePytorch(torchZip(p.stop().bytes(), { 0: halves, 1: f32([7, 8]) }));
  const t = byName(result.tensors);
  assert.equal(t.get('h')!.dtype, 'float16');
  assert.deepEqual([...t.get('h')!.data], [2, -0.5, 65504]);
  assert.deepEqual([...t.get('sub')!.data], [7, 8]);
});

/** A legacy (pre-1.6) file: magic, protocol version, sys info, the object, the storage keys, then the storages. */
function legacyFile(object: Uint8Array, keys: string[], storages: Array<[number, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [
    Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]),
    new Pickle().proto().raw(0x4d, 0xe9, 0x03).stop().bytes(),
    new Pickle().proto().dict().str('little_endian').raw(0x88).setitem().stop().bytes(),
    object,
  ];
  const k = new Pickle().proto().mark();
  for (const key of keys) k.str(key);
  parts.push(k.raw(0x6c).stop().bytes());
  for (const [count, data] of storages) {
    const n = new Uint8Array(8);
    new DataView(n.buffer).setBigInt64(0, BigInt(count), true);
    parts.push(n, data);
  }
  return Buffer.concat(parts);
}

test('legacy storage views (view_metadata) and legacy count checks', () => {
  const legacyTensor = (p: Pickle, view: boolean, size: number): Pickle => {
    p.global('torch._utils', '_rebuild_tensor_v2').mark()
      .mark().str('storage').global('torch', 'FloatStorage').str('root').str('cpu').int(6);
    if (view) p.mark().str('view').int(2).int(3).tuple();
    else p.none();
    return p.tuple().raw(0x51).int(0).ints([size]).ints([1]).raw(0x89)
      .global('collections', 'OrderedDict').raw(0x29).reduce().tuple().reduce();
  };
  const p = new Pickle().proto().dict().str('v');
  legacyTensor(p, true, 3).setitem().str('r');
  legacyTensor(p, false, 6).setitem();
  const object = p.stop().bytes();
  const values = f32([0, 1, 2, 3, 4, 5]);
  const result = parsePytorch(legacyFile(object, ['root'], [[6, values]]));
  assert.equal(result.format, 'pytorch-legacy');
  assert.deepEqual(result.tensors.map((t) => [t.name, [...t.data]]), [['v', [2, 3, 4]], ['r', [0, 1, 2, 3, 4, 5]]]);
  assertFormatError(() => parsePytorch(legacyFile(object, ['root'], [[5, values]])),
    /^storage root holds 5 values but the pickle declares 6$/);
  assertFormatError(() => parsePytorch(legacyFile(object, ['root'], [[6, values.subarray(0, 20)]])),
    /^truncated legacy checkpoint/);
  assertFormatError(() => parsePytorch(legacyFile(object, [], [])), /^storage root has no data in the file$/);
});

// ------------------------------------------------------------------------------------------------------------------
// Hostile and broken files

test('bad/malicious_pickle.pt is refused, naming the global, and nothing is executed', () => {
  // The pickle calls posix.system('touch /tmp/recurrent-lens-pwned').
  const marker = '/tmp/recurrent-lens-pwned';
  const before = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : null;
  assertFormatError(() => parsePytorch(fixture('bad/malicious_pickle.pt')),
    /^refused pickle global posix\.system \(only tensor data is read\)$/);
  if (before === null) assert.equal(fs.existsSync(marker), false, 'the command ran');
  else assert.equal(fs.statSync(marker).mtimeMs, before, 'the command ran');
});

test('bad/truncated.pt is a FormatError', () => {
  assertFormatError(() => parsePytorch(fixture('bad/truncated.pt')), /^truncated zip archive/);
});

test('zip members are CRC-checked: a flipped storage byte is an error, not a wrong number', () => {
  const zip = oneTensorZip([1, 2, 3, 4], [2, 2], [2, 1]);
  const at = Buffer.from(zip).indexOf(Buffer.from(f32([1, 2, 3, 4])));
  assert.ok(at > 0);
  zip[at + 5] ^= 1;
  assertFormatError(() => parsePytorch(zip), /^archive\/data\/0: CRC-32 mismatch \(corrupt archive\)$/);
});

test('dangerous globals are refused however they are reached', () => {
  const cases: Array<[Uint8Array, RegExp]> = [
    // STACK_GLOBAL builtins.eval
    [new Pickle().raw(0x80, 4).str('builtins').str('eval').raw(0x93).str('1+1').raw(0x85).reduce().stop().bytes(),
      /^refused pickle global builtins\.eval /],
    // an unknown class called with REDUCE (Python would run its code)
    [new Pickle().proto().global('__main__', 'Evil').str('x').raw(0x85).reduce().stop().bytes(),
      /^refused pickle global __main__\.Evil /],
    // subprocess via INST (protocol 0)
    [new Pickle().mark().str('ls').text('isubprocess\nPopen\n').stop().bytes(), /^refused pickle global subprocess\.Popen /],
    // os.system smuggled through an allowed rebuild function
    [new Pickle().proto().global('torch._utils', '_rebuild_from_type_v2').mark().global('nt', 'system')
      .none().raw(0x29).none().tuple().reduce().stop().bytes(), /^refused pickle global nt\.system /],
    // an inert class smuggled through _rebuild_from_type_v2
    [new Pickle().proto().global('torch._utils', '_rebuild_from_type_v2').mark().global('mymod', 'Thing')
      .none().raw(0x29).none().tuple().reduce().stop().bytes(), /^refused pickle global mymod\.Thing /],
  ];
  for (const [pkl, pattern] of cases) assertFormatError(() => parsePytorch(torchZip(pkl)), pattern);
});

test('unknown classes built with NEWOBJ/BUILD are inert and their state is searched for tensors', () => {
  const pkl = new Pickle().proto()
    .global('__main__', 'Checkpoint').raw(0x29).raw(0x81) // Checkpoint.__new__(Checkpoint)
    .dict().str('weights').tensor('0', 4, 0, [4], [1]).setitem().str('epoch').int(3).setitem()
    .raw(0x62) // BUILD
    .stop().bytes();
  const result = parsePytorch(torchZip(pkl, { 0: f32([1, 2, 3, 4]) }));
  assert.deepEqual(result.tensors.map((t) => t.name), ['weights']);
  assert.deepEqual([...result.tensors[0].data], [1, 2, 3, 4]);
});

test('dict keys cannot pollute prototypes', () => {
  const pkl = new Pickle().proto().dict().str('__proto__').dict().str('polluted').int(1).setitem().setitem()
    .str('constructor').tensor('0', 1, 0, [], []).setitem().stop().bytes();
  const result = parsePytorch(torchZip(pkl, { 0: f32([5]) }));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(result.tensors.map((t) => t.name), ['constructor']);
});

test('sizes, offsets and strides are checked before anything is allocated', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assertFormatError(() => parsePytorch(oneTensorZip(v, [32, 32], [32, 1])),
    /^tensor w: storage 0 holds 10 values but the tensor needs 1024$/);
  assertFormatError(() => parsePytorch(oneTensorZip(v, [3], [1], 8)), /holds 10 values but the tensor needs 11/);
  assertFormatError(() => parsePytorch(oneTensorZip(v, [5], [3])), /holds 10 values but the tensor needs 13/);
  assertFormatError(() => parsePytorch(oneTensorZip(v, [100000, 100000], [0, 0])), /^tensor w: shape \[100000, 100000\] needs/);
  assertFormatError(() => parsePytorch(oneTensorZip(v, [2], [-1])), /invalid tensor stride -1/);
  assertFormatError(() => parsePytorch(oneTensorZip(v, [2], [1], -3)), /invalid storage offset -3/);
  assertFormatError(() => parsePytorch(oneTensorZip(v, [2, 2], [1])), /malformed tensor/);
  const missing = new Pickle().proto().dict().str('w').tensor('7', 4, 0, [4], [1]).setitem().stop().bytes();
  assertFormatError(() => parsePytorch(torchZip(missing, { 0: f32(v) })), /^storage 7 not found in the zip \(archive\/data\/7\)$/);
  const complex = new Pickle().proto().tensor('0', 1, 0, [1], [1], 'ComplexFloatStorage').stop().bytes();
  assertFormatError(() => parsePytorch(torchZip(complex, { 0: f32(v) })), /unsupported storage type torch\.ComplexFloatStorage/);
  // A stride-0 expansion is fine while it fits the file.
  assert.deepEqual([...parsePytorch(oneTensorZip(v, [2, 3], [0, 1], 1)).tensors[0].data], [2, 3, 4, 2, 3, 4]);
});

test('one storage named many times cannot multiply memory', () => {
  const values = Array.from({ length: 4096 }, (_, i) => i);
  const p = new Pickle().proto().dict();
  for (let i = 0; i < 2000; i++) p.str(`t${i}`).tensor('0', 4096, 0, [4096], [1]).setitem();
  assertFormatError(() => parsePytorch(torchZip(p.stop().bytes(), { 0: f32(values) })), /too many views of shared storage/);
});

test('deep nesting, a huge memo and huge integers neither hang nor crash', () => {
  const deep = new Pickle().proto();
  for (let i = 0; i < 100000; i++) deep.raw(0x5d);
  for (let i = 0; i < 99999; i++) deep.raw(0x61);
  assertFormatError(() => parsePytorch(torchZip(deep.stop().bytes())), /nests deeper than/);

  const memo = new Pickle().proto().raw(0x5d);
  for (let i = 0; i < 200000; i++) memo.raw(0x4e, 0x72, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, 0).raw(0x61);
  const t0 = Date.now();
  assert.deepEqual(parsePytorch(torchZip(memo.stop().bytes())).tensors, []);

  const big = new Pickle().proto().raw(0x8b, 0, 0, 0x10, 0).append(new Uint8Array(0x100000).fill(0x7f)).stop().bytes();
  assert.deepEqual(parsePytorch(torchZip(big)).tensors, []);
  assert.ok(Date.now() - t0 < 30_000, 'took too long'); // a hang guard, not a speed goal
});

test('malformed pickles are one-line FormatErrors', () => {
  const cases: Array<[number[], RegExp]> = [
    [[0x80, 2], /truncated pickle/],
    [[0x80, 2, 0x52, 0x2e], /malformed pickle \(stack underflow/],
    [[0x80, 2, 0x68, 9, 0x2e], /memo entry 9 missing/],
    [[0x80, 2, 0xff], /unknown opcode 0xff/],
    [[0x80, 9, 0x4e, 0x2e], /unsupported pickle protocol 9/],
    [[0x80, 2, 0x4e, 0x74, 0x2e], /missing MARK/],
    [[0x80, 2, 0x4e, 0x51, 0x2e], /unsupported persistent id None/],
    [[0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e], /truncated pickle/],
  ];
  for (const [ops, pattern] of cases) assertFormatError(() => parsePytorch(torchZip(Uint8Array.from(ops))), pattern);
  assertFormatError(() => parsePytorch(zipSync({ 'archive/other.txt': new Uint8Array(3) })), /^data\.pkl not found in the zip$/);
  assertFormatError(() => parsePytorch(new Uint8Array(0)), /^file is empty$/);
  assertFormatError(() => parsePytorch(new TextEncoder().encode('hello world')), /^not a pytorch checkpoint/);
});

// Deterministic pseudo-random numbers for the corruption tests.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const CORRUPTIBLE = [...TORCH_FIXTURES, 'generated/torch_lstm_legacy.pt', 'generated/torch_views.pt'];

test('cutting a checkpoint anywhere gives a FormatError', { timeout: 60000 }, () => {
  for (const file of CORRUPTIBLE) {
    const bytes = fixture(file);
    const cuts = new Set([1, 3, 4, 14, 15, 16, 21, 22, 100, bytes.length - 1, bytes.length - 22, bytes.length - 23]);
    for (let i = 1; i < 60; i++) cuts.add(Math.floor((bytes.length * i) / 60));
    for (const n of cuts) {
      if (n <= 0 || n >= bytes.length) continue;
      assertFormatError(() => parsePytorch(bytes.slice(0, n)));
    }
  }
});

test('flipped bytes never give anything but tensors or a FormatError', { timeout: 120000 }, () => {
  const random = rng(42);
  for (const file of CORRUPTIBLE) {
    const original = fixture(file);
    // Aim most flips at the pickles (the first bytes of a legacy file, data.pkl near the start of a zip) and the
    // zip directory at the end, where they matter; the rest anywhere.
    const hot = Math.min(original.length, file.includes('legacy') ? 1200 : 5000);
    for (let iter = 0; iter < 400; iter++) {
      const bytes = original.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let k = 0; k < flips; k++) {
        const r = random();
        const at = r < 0.6 ? Math.floor(random() * hot)
          : r < 0.8 ? original.length - 1 - Math.floor(random() * Math.min(original.length, 600))
            : Math.floor(random() * original.length);
        bytes[at] = random() < 0.5 ? bytes[at] ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
      }
      try {
        const result = parsePytorch(bytes);
        for (const t of result.tensors) {
          assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
          assert.ok(t.data.length * 8 <= 8 * 4 * original.length + 8 * 1024 ** 2);
        }
      } catch (err) {
        assert.ok(err instanceof FormatError, `${file} iteration ${iter}: ${String(err)}`);
        assert.ok(!err.message.includes('\n'));
        assert.doesNotMatch(err.message, SAFETY_NET, `${file} iteration ${iter}`);
      }
    }
  }
});

test('cyclic pickles (a dict or list that holds itself, through the memo) read without overflowing the stack', () => {
  // {'w': tensor, 'self': <this dict>, 'args': [1, <this list>]}: BINPUT 0 / BINGET 0 make the dict refer to itself.
  const p = new Pickle().proto().dict().raw(0x71, 0)
    .str('w').tensor('0', 4, 0, [2, 2], [2, 1]).setitem()
    .str('self').raw(0x68, 0).setitem()
    .str('args').raw(0x5d, 0x71, 1).int(1).raw(0x61).raw(0x68, 1).raw(0x61).setitem()
    .stop().bytes();
  const r = parsePytorch(torchZip(p, { 0: f32([1, 2, 3, 4]) }));
  assert.deepEqual(r.tensors.map((t) => [t.name, Array.from(t.data)]), [['w', [1, 2, 3, 4]]]);
  assert.ok(JSON.stringify(r.metadata).length < 10_000, 'metadata stays small');
});
