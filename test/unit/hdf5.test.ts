import type * as Assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readKerasHdf5 } from '../../src/core/readers/hdf5';
import { FormatError, Tensor } from '../../src/core/tensor';

// Bundled to out/test/unit/hdf5.test.js: the fixtures are three levels up.
const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const fixture = (...p: string[]) => path.join(FIXTURES, ...p);

interface Expected { shape: number[]; dtype: string; first: number | null; sum: number }

// node:test and node:assert are loaded only when running the tests, not in the child process below: both create
// or prepare process.stdout on import, and the child must start without that, as the CLI does, to check that
// reading HDF5 leaves a lazily created, file-backed stdout working.
let assert: typeof Assert;

async function read(file: string): Promise<Tensor[]> {
  const buf = fs.readFileSync(file);
  return readKerasHdf5(file, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

function close(actual: number, expected: number, what: string): void {
  const tol = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

function sum(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

function checkAgainst(tensors: Tensor[], expected: Record<string, Expected>): void {
  assert.deepEqual(tensors.map((t) => t.name), Object.keys(expected), 'names, in order');
  for (const t of tensors) {
    const e = expected[t.name];
    assert.deepEqual(t.shape, e.shape, `${t.name} shape`);
    assert.equal(t.dtype, e.dtype, `${t.name} dtype`);
    assert.equal(t.data.length, e.shape.reduce((a, b) => a * b, 1), `${t.name} length`);
    if (e.first !== null) close(t.data[0], e.first, `${t.name} first`);
    close(sum(t.data), e.sum, `${t.name} sum`);
  }
}

async function rejectsFormat(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof FormatError, `expected FormatError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    assert.equal(err.message[0], err.message[0].toLowerCase(), 'starts lowercase');
    return true;
  });
}

/**
 * Child mode: reads a truncated file, hundreds of corrupted copies of the Keras fixture and then the fixture
 * itself, and writes what happened to a JSON file. The parent checks that nothing was printed at all.
 */
async function child(resultFile: string): Promise<void> {
  const goodPath = fixture('keras_copy_chain.h5');
  const good = fs.readFileSync(goodPath);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-h5-fuzz-'));
  const outcome = { formatErrors: 0, read: 0, other: [] as string[], final: [] as string[] };
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const attempt = async (file: string) => {
    try {
      await read(file);
      outcome.read++;
    } catch (err) {
      if (err instanceof FormatError) outcome.formatErrors++;
      else outcome.other.push(`${path.basename(file)}: ${String(err)}`);
    }
  };
  try {
    await attempt(fixture('bad', 'truncated.h5'));
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(good);
      let data: Buffer = bytes;
      if (i % 10 === 9) {
        data = bytes.subarray(0, 8 + rand(bytes.length - 8)); // truncated
      } else {
        // Metadata lives in the first few KB; overwrite 1–4 bytes there (sometimes anywhere).
        const span = i % 3 === 0 ? bytes.length : 4096;
        for (let k = 0, n = 1 + rand(4); k < n; k++) bytes[8 + rand(span - 8)] = rand(256);
      }
      const f = path.join(dir, `corrupt${i}.h5`);
      fs.writeFileSync(f, data);
      await attempt(f);
    }
    outcome.final = (await read(goodPath)).map((t) => `${t.name} ${t.data[1]}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.writeFileSync(resultFile, JSON.stringify(outcome));
  }
  // Whatever the reader did to capture HDF5's output must leave the process's own output working.
  console.log('child stdout');
  console.error('child stderr');
}

if (process.env.RL_HDF5_FUZZ_RESULT) {
  void child(process.env.RL_HDF5_FUZZ_RESULT);
} else {
  /* eslint-disable @typescript-eslint/no-require-imports */
  assert = require('node:assert/strict') as typeof Assert;
  const { test } = require('node:test') as typeof import('node:test');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const manifest = JSON.parse(fs.readFileSync(fixture('MANIFEST.json'), 'utf8'));
  const generated = JSON.parse(fs.readFileSync(fixture('generated', 'hdf5_expected.json'), 'utf8'));

  test('keras_copy_chain.h5 (Keras 2.2.4): every manifest tensor, in layer_names/weight_names order', async () => {
    checkAgainst(await read(fixture('keras_copy_chain.h5')), manifest['keras_copy_chain.h5'].tensors);
  });

  test('keras_copy_chain.h5: recurrent_kernel is an exact chain in row convention, kernel feeds unit j from input j', async () => {
    const tensors = await read(fixture('keras_copy_chain.h5'));
    const r = tensors.find((t) => t.name === 'model_weights/simple_rnn_1/simple_rnn_1/recurrent_kernel:0')!;
    const n = 32;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        assert.equal(r.data[i * n + j], j === i + 1 ? Math.fround(1.02) : 0, `R[${i}][${j}]`);
      }
    }
    const k = tensors.find((t) => t.name === 'model_weights/simple_rnn_1/simple_rnn_1/kernel:0')!;
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 32; j++) assert.equal(k.data[i * 32 + j], i === j ? Math.fround(0.9) : 0, `K[${i}][${j}]`);
    }
  });

  test('bad/truncated.h5 is a FormatError, and the next file still reads', async () => {
    await rejectsFormat(read(fixture('bad', 'truncated.h5')), /^not a valid HDF5 file \(truncated: 1000 of 21696 bytes present\)$/);
    await rejectsFormat(read(fixture('bad', 'truncated.h5')), /truncated/);
    checkAgainst(await read(fixture('keras_copy_chain.h5')), manifest['keras_copy_chain.h5'].tensors);
  });

  test('tf.keras save_weights layout: groups at the root, order from layer_names/weight_names, not from the file', async () => {
    checkAgainst(await read(fixture('generated', 'tf_keras_weights.h5')), generated['tf_keras_weights.h5']);
  });

  test('Keras 3 .keras zip: model.weights.h5 is extracted and read, vars in numeric order', async () => {
    const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('recurrent-lens-')).length;
    checkAgainst(await read(fixture('generated', 'keras3_copy_chain.keras')), generated['keras3_copy_chain.keras']);
    const after = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('recurrent-lens-')).length;
    assert.equal(after, before, 'temporary folder removed');
  });

  test('dtypes: float16/32/64, ints, bool, scalar, empty, gzip; strings, compounds, links, vlen attributes skipped', async () => {
    const tensors = await read(fixture('generated', 'hdf5_dtypes.h5'));
    checkAgainst(tensors, generated['hdf5_dtypes.h5']);
    const byName = new Map(tensors.map((t) => [t.name, t]));
    assert.deepEqual(Array.from(byName.get('a_f16')!.data), [1.5, -2.25, 65504, 0.00006103515625, 0, -0.5]);
    assert.deepEqual(Array.from(byName.get('c_f32')!.data), [1.25, -3.5, 7, Math.fround(0.1)]);
    assert.deepEqual(Array.from(byName.get('d_i8')!.data), [-128, -1, 0, 127]);
    assert.deepEqual(Array.from(byName.get('f_i64_scalar')!.data), [-(2 ** 40) - 3]);
    assert.deepEqual(byName.get('f_i64_scalar')!.shape, []);
    assert.deepEqual(Array.from(byName.get('g_bool')!.data), [1, 0, 1]);
    const gz = byName.get('j_gzip')!;
    for (const i of [0, 1, 777, 3199]) assert.equal(gz.data[i], Math.fround(i / 7));
    for (const skipped of ['k_note', 'l_pairs', 'm_soft', 'n_external']) assert.ok(!byName.has(skipped), skipped);
  });

  test('a dataset whose shape claims more than the file holds is refused before allocating', async () => {
    await rejectsFormat(read(fixture('generated', 'bad_huge_shape.h5')), /^dataset "w": shape \[1099511627776, 13\] needs .* but the file holds only/);
    assert.equal((await read(fixture('keras_copy_chain.h5'))).length, 5);
  });

  test('big-endian datasets are refused (HDF5 converts corrupt ones out of bounds)', async () => {
    await rejectsFormat(read(fixture('generated', 'bad_big_endian.h5')), /^dataset "w" is stored big-endian, which is not supported$/);
  });

  test('files that are not HDF5 never reach h5wasm', async () => {
    await rejectsFormat(read(fixture('matrix_f32.npy')), /^not an HDF5 file \(no HDF5 signature\)$/);
    await rejectsFormat(read(fixture('weights.npz')), /^zip archive has no model\.weights\.h5/);
    await rejectsFormat(readKerasHdf5('x.keras', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0])), /^not a valid zip archive/);
    await rejectsFormat(readKerasHdf5('x.h5', new Uint8Array(0)), /^not an HDF5 file/);
    const keras3 = fs.readFileSync(fixture('generated', 'keras3_copy_chain.keras'));
    await rejectsFormat(readKerasHdf5('x.keras', new Uint8Array(keras3.subarray(0, keras3.length - 30))), /^not a valid zip archive/);
  });

  test('Keras 3 .keras zip: model.weights.h5 is CRC-checked, and zip errors say so', async () => {
    const keras3 = new Uint8Array(fs.readFileSync(fixture('generated', 'keras3_copy_chain.keras')));
    const corrupt = keras3.slice();
    corrupt[1300] ^= 0x20; // inside model.weights.h5's deflated data (its local header is at 209)
    await rejectsFormat(readKerasHdf5('x.keras', corrupt), /^model\.weights\.h5: (CRC-32 mismatch|corrupt deflate data|inflated to)/);
    const slip = keras3.slice();
    const name = Buffer.from(slip).lastIndexOf('metadata.json'); // in the central directory
    slip.set(new TextEncoder().encode('../etadata.js'), name);
    await rejectsFormat(readKerasHdf5('x.keras', slip), /^not a valid zip archive \(unsafe entry name \.\.\/etadata\.js\)$/);
  });

  /** Paths the process opens (through fs.openSync, which h5wasm's file system uses) while `fn` runs. */
  async function openedDuring(fn: () => Promise<unknown>): Promise<string[]> {
    const opened: string[] = [];
    // The module object itself (what h5wasm's runtime calls through), not this file's namespace import.
    const nodeFs = require('node:fs') as { openSync: typeof fs.openSync }; // eslint-disable-line @typescript-eslint/no-require-imports
    const original = nodeFs.openSync;
    nodeFs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
      opened.push(path.resolve(String(p)));
      return (original as (...a: unknown[]) => number)(p, ...rest);
    }) as typeof fs.openSync;
    try {
      await fn().catch(() => undefined);
    } finally {
      nodeFs.openSync = original;
    }
    return opened;
  }

  const externalMessage = (target: string) => new RegExp(
    `^dataset "model_weights/rnn/recurrent_kernel:0" keeps its data in another file \\("${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}", HDF5 external storage\\), which is never opened: only the checkpoint itself is read$`,
  );

  test('HDF5 external storage is refused, naming the dataset, and the other file is never opened', async () => {
    for (const file of [fixture('generated', 'bad_external_absolute.h5'), fixture('adversarial', 'efl_passwd.h5')]) {
      await rejectsFormat(read(file), externalMessage('/etc/passwd'));
      const opened = await openedDuring(() => read(file));
      assert.deepEqual([...new Set(opened)], [path.resolve(file)], 'only the checkpoint is opened');
    }
    // The refusal leaves the reader working, with its file system's open restored.
    checkAgainst(await read(fixture('keras_copy_chain.h5')), manifest['keras_copy_chain.h5'].tensors);
    checkAgainst(await read(fixture('generated', 'tf_keras_weights.h5')), generated['tf_keras_weights.h5']);
  });

  test('virtual datasets are refused, naming the dataset and the file they pull from; the source reads on its own', async () => {
    const file = fixture('generated', 'bad_virtual.h5');
    await rejectsFormat(read(file), /^dataset "pulled" is a virtual dataset that takes its data from another file \("virtual_source\.h5"\); only the opened file is read$/);
    const opened = await openedDuring(() => read(file));
    assert.deepEqual([...new Set(opened)], [path.resolve(file)], 'only the checkpoint is opened');
    const source = await read(fixture('generated', 'virtual_source.h5'));
    assert.deepEqual(source.map((t) => [t.name, sum(t.data)]), [['data', 2016]]);
  });

  test('CLI: a relative external file that is a FIFO or a secret is neither opened nor exported (no hang)', () => {
    const cli = path.join(__dirname, '../../../dist/cli.js');
    for (const kind of ['fifo', 'secret'] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-h5-efl-'));
      try {
        fs.copyFileSync(fixture('generated', 'bad_external_relative.h5'), path.join(dir, 'model.h5'));
        const target = path.join(dir, 'external_data.bin');
        if (kind === 'fifo') {
          const made = spawnSync('mkfifo', [target]);
          assert.equal(made.status, 0, 'mkfifo');
        } else {
          fs.writeFileSync(target, Buffer.alloc(1024, 0x41));
        }
        for (const args of [['inspect', 'model.h5'], ['export', 'model.h5', '--out', 'leak.npy']]) {
          const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
          assert.equal(r.signal, null, `${kind} ${args[0]}: finished without being killed`);
          assert.equal(r.status, 2, `${kind} ${args[0]}: ${r.stderr}`);
          assert.equal(r.stdout, '');
          assert.match(r.stderr.trimEnd(), new RegExp(`^recurrent-lens: model\\.h5: dataset "model_weights/rnn/recurrent_kernel:0" keeps its data in another file \\(".*external_data\\.bin", HDF5 external storage\\)`));
          assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
        }
        assert.ok(!fs.existsSync(path.join(dir, 'leak.npy')), 'nothing exported');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  for (const via of ['pipes', 'files'] as const) {
    test(`corrupted files: only FormatErrors, nothing printed, the module keeps working (stdio to ${via})`, () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-h5-result-'));
      const resultFile = path.join(tmp, 'result.json');
      let stdout: string;
      let stderr: string;
      let status: number | null;
      const env = { ...process.env, RL_HDF5_FUZZ_RESULT: resultFile };
      if (via === 'pipes') {
        const r = spawnSync(process.execPath, [__filename], { env, encoding: 'utf8', timeout: 120_000 });
        ({ stdout, stderr, status } = r);
      } else {
        // File-backed stdio takes another path in Node (SyncWriteStream over fs.writeSync).
        const out = fs.openSync(path.join(tmp, 'out.txt'), 'w');
        const err = fs.openSync(path.join(tmp, 'err.txt'), 'w');
        const r = spawnSync(process.execPath, [__filename], { env, stdio: ['ignore', out, err], timeout: 120_000 });
        fs.closeSync(out);
        fs.closeSync(err);
        status = r.status;
        stdout = fs.readFileSync(path.join(tmp, 'out.txt'), 'utf8');
        stderr = fs.readFileSync(path.join(tmp, 'err.txt'), 'utf8');
      }
      const outcome = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
      fs.rmSync(tmp, { recursive: true, force: true });
      assert.equal(status, 0, stderr);
      assert.equal(stdout, 'child stdout\n', 'stdout: only what the child printed itself');
      assert.equal(stderr, 'child stderr\n', 'stderr: only what the child printed itself');
      assert.deepEqual(outcome.other, [], 'errors other than FormatError');
      assert.equal(outcome.formatErrors + outcome.read, 301);
      assert.ok(outcome.formatErrors >= 30, `truncated copies fail (${outcome.formatErrors} FormatErrors)`);
      assert.deepEqual(outcome.final, [
        'model_weights/simple_rnn_1/simple_rnn_1/kernel:0 0',
        `model_weights/simple_rnn_1/simple_rnn_1/recurrent_kernel:0 ${Math.fround(1.02)}`,
        'model_weights/simple_rnn_1/simple_rnn_1/bias:0 0',
        'model_weights/dense_1/dense_1/kernel:0 -0.09222958981990814',
        'model_weights/dense_1/dense_1/bias:0 0',
      ]);
    });
  }
}
