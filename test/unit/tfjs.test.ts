import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { readTfjs } from '../../src/core/readers/tfjs';
import { readCheckpoint } from '../../src/core/readers';
import { numberToHalf } from '../../src/core/dtype';
import { CheckpointError, FormatError, Tensor } from '../../src/core/tensor';

// Bundled to out/test/unit/tfjs.test.js: the fixtures are three levels up.
const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const MODEL_DIR = path.join(FIXTURES, 'tfjs_copy_chain');
const SHARD = 'group1-shard1of1.bin';

interface Expected { shape: number[]; dtype: string; first: number; sum: number }
const EXPECTED: { tensors: Record<string, Expected> } = JSON.parse(
  fs.readFileSync(path.join(MODEL_DIR, 'EXPECTED.json'), 'utf8'),
);

const siblingReader = (dir: string) => async (rel: string) => new Uint8Array(fs.readFileSync(path.join(dir, rel)));

function close(actual: number, expected: number, what: string): void {
  const tol = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

function checkAgainstExpected(tensors: Tensor[]): void {
  assert.deepEqual(tensors.map((t) => t.name), Object.keys(EXPECTED.tensors));
  for (const t of tensors) {
    const e = EXPECTED.tensors[t.name];
    assert.deepEqual(t.shape, e.shape, `${t.name} shape`);
    assert.equal(t.dtype, e.dtype, `${t.name} dtype`);
    assert.equal(t.data.length, e.shape.reduce((a, b) => a * b, 1));
    close(t.data[0], e.first, `${t.name} first`);
    let s = 0;
    for (const v of t.data) s += v;
    close(s, e.sum, `${t.name} sum`);
  }
}

/** A scratch model folder holding model.json (as given) and the named files. */
function scratchModel(modelJson: unknown, files: Record<string, Uint8Array> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-tfjs-'));
  fs.writeFileSync(path.join(dir, 'model.json'), typeof modelJson === 'string' ? modelJson : JSON.stringify(modelJson));
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
  return dir;
}

async function checkpointProblem(file: string): Promise<string> {
  try {
    await readCheckpoint(file);
  } catch (err) {
    assert.ok(err instanceof CheckpointError, `expected CheckpointError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.ok(!err.problem.includes('\n'), 'one line');
    return err.problem;
  }
  assert.fail('expected an error');
}

const fixtureJson = () => JSON.parse(fs.readFileSync(path.join(MODEL_DIR, 'model.json'), 'utf8'));
const fixtureShard = () => new Uint8Array(fs.readFileSync(path.join(MODEL_DIR, SHARD)));

test('the tfjs fixture (written by real TensorFlow.js) reads as EXPECTED.json says', async () => {
  const json = fs.readFileSync(path.join(MODEL_DIR, 'model.json'));
  checkAgainstExpected(await readTfjs(new Uint8Array(json), siblingReader(MODEL_DIR)));
});

test('through readCheckpoint: format tfjs, row layout, recurrent kernel an exact chain R[i][i+1] = 1.02', async () => {
  const cp = await readCheckpoint(path.join(MODEL_DIR, 'model.json'));
  assert.equal(cp.format, 'tfjs');
  assert.equal(cp.layout, 'row');
  checkAgainstExpected(cp.tensors);
  const r = cp.tensors.find((t) => t.name === 'simple_rnn_1/recurrent_kernel')!;
  for (let i = 0; i < 32; i++) {
    for (let j = 0; j < 32; j++) assert.equal(r.data[i * 32 + j], j === i + 1 ? Math.fround(1.02) : 0, `R[${i}][${j}]`);
  }
  const k = cp.tensors.find((t) => t.name === 'simple_rnn_1/kernel')!;
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 32; j++) assert.equal(k.data[i * 32 + j], i === j ? Math.fround(0.9) : 0, `K[${i}][${j}]`);
  }
});

test('shards are concatenated in order, across groups; "./" paths and a bare weights manifest work', async () => {
  const json = fixtureJson();
  const shard = fixtureShard();
  const weights = json.weightsManifest[0].weights;
  // Split the single group in two groups, the first one over three shards cut mid-weight.
  const firstBytes = (10 * 32 + 32 * 32) * 4;
  json.weightsManifest = [
    { paths: ['./a.bin', 'b.bin', 'c.bin'], weights: weights.slice(0, 2) },
    { paths: ['d.bin'], weights: weights.slice(2) },
  ];
  const dir = scratchModel(json, {
    'a.bin': shard.subarray(0, 1001),
    'b.bin': shard.subarray(1001, 3000),
    'c.bin': shard.subarray(3000, firstBytes),
    'd.bin': shard.subarray(firstBytes),
  });
  try {
    checkAgainstExpected((await readCheckpoint(path.join(dir, 'model.json'))).tensors);
    // The converter's older weights_manifest.json is the manifest list itself.
    const bare = new TextEncoder().encode(JSON.stringify(json.weightsManifest));
    checkAgainstExpected(await readTfjs(bare, siblingReader(dir)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every dtype and quantization decodes exactly as tfjs-core decodeWeights does', async () => {
  // Weights back to back, in manifest order, as the converter writes them (strings: uint32 length + bytes).
  const specs: tf.io.WeightsManifestEntry[] = [
    { name: 'f32', shape: [2, 3], dtype: 'float32' },
    { name: 'str', shape: [2], dtype: 'string' },
    { name: 'i32', shape: [3], dtype: 'int32' },
    { name: 'flags', shape: [4], dtype: 'bool' },
    { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -1 } },
    { name: 'q16', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: -3 } },
    { name: 'qi', shape: [3], dtype: 'int32', quantization: { dtype: 'uint8', scale: 2.5, min: -7 } },
    { name: 'half', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
    { name: 'scalar', shape: [], dtype: 'float32' },
  ];
  const bytes: number[] = [];
  const push = (n: number, write: (dv: DataView) => void) => {
    const b = new Uint8Array(n);
    write(new DataView(b.buffer));
    bytes.push(...b);
  };
  push(24, (dv) => [1.5, -2, 3.25, 0.1, 1e-3, -7].forEach((v, i) => dv.setFloat32(4 * i, v, true)));
  for (const s of ['hello', 'weights']) {
    push(4, (dv) => dv.setUint32(0, s.length, true));
    bytes.push(...new TextEncoder().encode(s));
  }
  push(12, (dv) => [7, -3, 2 ** 31 - 1].forEach((v, i) => dv.setInt32(4 * i, v, true)));
  bytes.push(1, 0, 0, 1);
  bytes.push(0, 17, 255);
  push(8, (dv) => [0, 1, 4000, 65535].forEach((v, i) => dv.setUint16(2 * i, v, true)));
  bytes.push(3, 0, 200);
  push(6, (dv) => [0.5, -1 / 3, 1000.7].forEach((v, i) => dv.setUint16(2 * i, numberToHalf(v), true)));
  push(4, (dv) => dv.setFloat32(0, 42.5, true));
  const buffer = new Uint8Array(bytes);
  // The converter also writes original_dtype for float16 quantization; it must be accepted.
  const manifest = [{ paths: ['w.bin'], weights: specs.map((s) => s.name === 'half' ? { ...s, quantization: { dtype: 'float16', original_dtype: 'float32' } } : s) }];
  const ours = await readTfjs(new TextEncoder().encode(JSON.stringify({ weightsManifest: manifest })), async (rel) => {
    assert.equal(rel, 'w.bin');
    return buffer;
  });
  const theirs = tf.io.decodeWeights(buffer.slice().buffer, specs);
  assert.deepEqual(ours.map((t) => t.name), specs.filter((s) => s.dtype !== 'string').map((s) => s.name));
  for (const t of ours) {
    const ref = theirs[t.name];
    assert.deepEqual(t.shape, ref.shape, `${t.name} shape`);
    assert.equal(t.dtype, ref.dtype, `${t.name} dtype`);
    assert.deepEqual(Array.from(t.data), Array.from(ref.dataSync() as ArrayLike<number>), `${t.name} values`);
  }
  assert.deepEqual(Array.from(ours.find((t) => t.name === 'q8')!.data), [-1, Math.fround(0.7), Math.fround(24.5)]);
  tf.dispose(Object.values(theirs));
});

test('a missing shard names the file and the reason', async () => {
  const dir = scratchModel(fixtureJson());
  try {
    assert.equal(
      await checkpointProblem(path.join(dir, 'model.json')),
      `weight file "${SHARD}" cannot be read (ENOENT)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a shard shorter than the declared weights is a FormatError, never a partial read', async () => {
  const dir = scratchModel(fixtureJson(), { [SHARD]: fixtureShard().subarray(0, 5000) });
  try {
    const problem = await checkpointProblem(path.join(dir, 'model.json'));
    assert.match(problem, /^weight files "group1-shard1of1\.bin" are too short: weight "simple_rnn_1\/recurrent_kernel" needs 4\.00 KiB at offset 1280, only 3\.63 KiB left$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // A declared shape far beyond the data fails before anything is allocated.
  const json = fixtureJson();
  json.weightsManifest[0].weights[0].shape = [2 ** 30, 2 ** 22];
  await assert.rejects(readTfjs(new TextEncoder().encode(JSON.stringify(json)), siblingReader(MODEL_DIR)), (err: unknown) => {
    assert.ok(err instanceof FormatError);
    assert.match(err.message, /too short: weight "simple_rnn_1\/kernel" needs 16\.0 PiB/);
    return true;
  });
});

test('bad JSON and manifests that are not TF.js are FormatErrors naming the problem', async () => {
  const cases: [unknown, RegExp][] = [
    ['{"weightsManifest": [', /^model\.json is not valid JSON \(/],
    ['', /^model\.json is not valid JSON \(/],
    [{ modelTopology: {} }, /^no weightsManifest: not a TensorFlow\.js model\.json$/],
    [{ weightsManifest: {} }, /^weightsManifest is not a list$/],
    [{ weightsManifest: [{ paths: 'x.bin', weights: [] }] }, /^weightsManifest\[0\]\.paths must be a list of file names$/],
    [{ weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float64' }] }] }, /^weight "w" has unsupported dtype "float64"$/],
    [{ weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [2], dtype: 'toString' }] }] }, /^weight "w" has unsupported dtype "toString"$/],
    [{ weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [-2], dtype: 'float32' }] }] }, /^weight "w" has an invalid shape \[-2\]$/],
    [{ weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8' } }] }] }, /^weight "w" is quantized to uint8 without a numeric scale and min$/],
    [{ weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float32', quantization: { dtype: 'int4' } }] }] }, /^weight "w" has an unsupported quantization "int4"/],
  ];
  for (const [json, pattern] of cases) {
    const bytes = new TextEncoder().encode(typeof json === 'string' ? json : JSON.stringify(json));
    await assert.rejects(readTfjs(bytes, async () => new Uint8Array(64)), (err: unknown) => {
      assert.ok(err instanceof FormatError, `${JSON.stringify(json)}: got ${String(err)}`);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }
  const dir = scratchModel('{ not json');
  try {
    assert.match(await checkpointProblem(path.join(dir, 'model.json')), /^model\.json is not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('weight paths that leave the model folder are refused', async () => {
  for (const evil of ['../../etc/passwd', '/etc/passwd', '../tfjs_copy_chain/group1-shard1of1.bin', 'sub/../../x.bin']) {
    const json = fixtureJson();
    json.weightsManifest[0].paths = [evil];
    const dir = scratchModel(json);
    try {
      assert.equal(
        await checkpointProblem(path.join(dir, 'model.json')),
        `weight file "${evil}" lies outside the model's folder`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('shards must be regular files inside the folder: symlinks out, devices and FIFOs are refused without reading', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-tfjs-outside-'));
  fs.writeFileSync(path.join(outside, 'secret'), fixtureShard()); // a valid shard, so only the rule can refuse it
  const cases: [string, (target: string) => void, RegExp][] = [
    ['link to /etc/passwd', (t) => fs.symlinkSync('/etc/passwd', t), /is a link to a file outside the model's folder$/],
    ['link to ../secret', (t) => fs.symlinkSync(path.join(outside, 'secret'), t), /is a link to a file outside the model's folder$/],
    ['relative link out', (t) => fs.symlinkSync(path.relative(path.dirname(t), path.join(outside, 'secret')), t), /is a link to a file outside the model's folder$/],
    ['link to /dev/zero', (t) => fs.symlinkSync('/dev/zero', t), /is a link to a file outside the model's folder$/],
    ['FIFO', (t) => assert.equal(spawnSync('mkfifo', [t]).status, 0), /^weight file "group1-shard1of1\.bin" is not a regular file$/],
    ['directory', (t) => fs.mkdirSync(t), /^weight file "group1-shard1of1\.bin" is not a regular file$/],
  ];
  try {
    for (const [what, make, pattern] of cases) {
      const dir = scratchModel(fixtureJson());
      try {
        make(path.join(dir, SHARD));
        const started = Date.now();
        const problem = await checkpointProblem(path.join(dir, 'model.json'));
        assert.match(problem, pattern, what);
        assert.ok(Date.now() - started < 10_000, `${what}: refused without waiting`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    // A FIFO or a device inside the folder, reached through a link that stays inside, is still not a regular file.
    const dir = scratchModel(fixtureJson());
    try {
      assert.equal(spawnSync('mkfifo', [path.join(dir, 'pipe')]).status, 0);
      fs.symlinkSync('pipe', path.join(dir, SHARD));
      assert.equal(await checkpointProblem(path.join(dir, 'model.json')), `weight file "${SHARD}" is not a regular file`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('a symlink that stays inside the folder is read; a shard listed twice is refused, whatever the spelling', async () => {
  const dir = scratchModel(fixtureJson(), { 'real.bin': fixtureShard() });
  try {
    fs.symlinkSync('real.bin', path.join(dir, SHARD));
    checkAgainstExpected((await readCheckpoint(path.join(dir, 'model.json'))).tensors);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // One 4-byte shard listed 600 times (the amplification the rule stops), and the same file under two names.
  for (const paths of [Array.from({ length: 600 }, () => 'w.bin'), ['w.bin', './w.bin'], ['w.bin', 'alias.bin']]) {
    const json = { weightsManifest: [{ paths, weights: [{ name: 'w', shape: [paths.length], dtype: 'float32' }] }] };
    const d = scratchModel(json, { 'w.bin': new Uint8Array(4) });
    try {
      fs.symlinkSync('w.bin', path.join(d, 'alias.bin'));
      assert.equal(await checkpointProblem(path.join(d, 'model.json')), `weight file "${paths[1]}" is listed more than once`);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  }
});

test('the weight files together must fit the size limit', async () => {
  const json = { weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: [{ name: 'w', shape: [512], dtype: 'float32' }] }] };
  const dir = scratchModel(json, { 'a.bin': new Uint8Array(1024), 'b.bin': new Uint8Array(1024) });
  try {
    await assert.rejects(readCheckpoint(path.join(dir, 'model.json'), { maxFileBytes: 1500 }), (err: unknown) => {
      assert.ok(err instanceof CheckpointError);
      assert.equal(err.problem, 'the weight files together are larger than the 1.46 KiB limit');
      return true;
    });
    assert.equal((await readCheckpoint(path.join(dir, 'model.json'), { maxFileBytes: 4096 })).tensors[0].data.length, 512);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
