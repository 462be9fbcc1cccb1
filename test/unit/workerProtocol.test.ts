/**
 * The typed protocol between the host and the worker threads (src/shared/protocol.ts WorkerOps), through real worker
 * threads: every operation answers with its result type; errors arrive structured with their kind (cancelled,
 * too-large under the recurrentLens.maxFileSizeMB limit the client passes, format, io); the reader's parse of a
 * checkpoint is reused (by the reader's cache, keyed by path, size and modification time, and by the analyst, which
 * gets the matrix from the reader instead of reading the file). Sampling and checkText: lmInput.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient } from '../../src/host/workerClient';
import { startAnalysis } from '../../src/host/analysisJob';
import { KindedError, lensErrorOf, titled } from '../../src/core/errors';
import { CancelledError } from '../../src/core/cancel';
import { CheckpointError, FormatError } from '../../src/core/tensor';
import { NotStableError } from '../../src/core/linalg/stein';
import { NotConvergedError } from '../../src/core/linalg/schur';
import { BadInputError } from '../../src/core/badInput';
import { analyzeMatrix, memoryCurve } from '../../src/core/analysis/analyze';
import { resolveConfig } from '../../src/core/train/config';
import type { AnalysisOptions, AnalysisPayload, ErrorKind, TrajectoryPayload } from '../../src/shared/protocol';
import { fixture, ROOT } from './helpers';
import { writeNpy as writeNpy32 } from '../../src/core/readers/npy';
import { trainRun } from './trainRun';

const OPTIONS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 0 };

/** A float64 .npy of an n × n matrix (row-major values). */
function writeNpy(file: string, n: number, values: (i: number) => number): void {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${n}, ${n}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(8 * n * n);
  for (let i = 0; i < n * n; i++) data.writeDoubleLE(values(i), 8 * i);
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), data]));
}

/** What f throws (fails when it returns). */
function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

/** Rejects with a KindedError of this kind whose message is one line. */
async function rejectsWith(p: Promise<unknown>, kind: ErrorKind, check: (e: KindedError) => boolean = () => true): Promise<KindedError> {
  let caught: unknown;
  await assert.rejects(p, (e: unknown) => {
    caught = e;
    return e instanceof KindedError && e.kind === kind && !e.message.includes('\n') && check(e);
  }, `expected a ${kind} error`);
  return caught as KindedError;
}

function workers(limit: () => number = () => 2 ** 30) {
  const reader = new WorkerClient(ROOT, { maxFileBytes: limit });
  const analyst = new WorkerClient(ROOT, { maxFileBytes: limit });
  return { reader, analyst, dispose: () => { reader.dispose(); analyst.dispose(); } };
}

test('every reader and analyst operation answers with its result type; the analyst reuses the reader\'s parse', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-proto-'));
  const file = path.join(dir, 'w.npy');
  const n = 12;
  writeNpy(file, n, (i) => (i % (n + 1) === 0 ? 0.5 : 0.01 * ((i * 7) % 5)));
  const w = workers();
  try {
    const summary = await w.reader.request({ op: 'open', file });
    assert.equal(summary.label, 'w.npy');
    assert.deepEqual(summary.tensors[0].shape, [n, n]);
    const m = await w.reader.request({ op: 'matrix', file, key: { name: '' } });
    assert.ok(m.data instanceof Float32Array);
    assert.equal(m.rows, n);
    assert.equal(m.data[0], 0.5);
    const sq = await w.reader.request({ op: 'square', file, key: { name: '' } });
    assert.ok(sq.W instanceof Float64Array);
    assert.equal(sq.W.buffer.byteLength, n * n * 8, 'the matrix crosses alone, not the file bytes it may be a view of');
    assert.equal(sq.n, n);
    assert.equal(sq.gated, undefined);

    // The analysis of the inspected matrix: the reader parsed the file once, the analyst never.
    const viaReader: AnalysisPayload = await startAnalysis(w, { kind: 'tensor', file, key: { name: '' } }, OPTIONS).result;
    assert.deepEqual(await w.reader.request({ op: 'cacheInfo' }), { parses: 1, files: [file] });
    assert.deepEqual(await w.analyst.request({ op: 'cacheInfo' }), { parses: 0, files: [] });
    assert.ok(viaReader.schurT instanceof Float32Array);
    assert.ok(Number.isFinite(viaReader.numbers.spectralRadius));
    // The same analysis with the analyst reading the file itself: the same numbers.
    const own = await w.analyst.request({ op: 'analyze', source: { kind: 'tensor', file, key: { name: '' } }, options: OPTIONS });
    assert.equal((await w.analyst.request({ op: 'cacheInfo' })).parses, 1);
    assert.deepEqual(own.numbers, viaReader.numbers);

    // An initializer needs no file.
    const init = await w.analyst.cancellable({ op: 'analyze', source: { kind: 'init', spec: 'chain:1.02', n: 8, seed: 1 }, options: OPTIONS }).result;
    assert.equal(init.numbers.n, 8);

    assert.equal(await w.reader.request({ op: 'close', file }), null);
    assert.deepEqual((await w.reader.request({ op: 'cacheInfo' })).files, []);
  } finally {
    w.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a gate block: the reader sends the whole LSTM cell with the matrix, and the per-gate profiles match the analyst\'s own read', async () => {
  const file = fixture('torch_awd_lstm_model.pt');
  const w = workers();
  try {
    const summary = await w.reader.request({ op: 'open', file });
    const t = summary.tensors.find((x) => x.name.endsWith('rnns.0.weight_hh_l0'))!;
    const gate = t.recurrent!.gates![0];
    const source = { kind: 'tensor' as const, file, key: { name: t.name, gate } };
    const sq = await w.reader.request({ op: 'square', file, key: source.key });
    assert.ok(sq.gated && 'net' in sq.gated, 'the cell crosses with the matrix');
    const viaReader = await startAnalysis(w, source, OPTIONS).result;
    assert.equal((await w.analyst.request({ op: 'cacheInfo' })).parses, 0);
    const own = await w.analyst.request({ op: 'analyze', source, options: OPTIONS });
    assert.ok(viaReader.gateMotifs, 'per-gate profiles');
    assert.deepEqual(viaReader.gateMotifs, own.gateMotifs);
    assert.deepEqual(viaReader.numbers, own.numbers);
  } finally {
    w.dispose();
  }
});

test('the reader\'s cache: a file with the same size and modification time is not read again; a changed one is', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-proto-'));
  const file = path.join(dir, 'w.npy');
  writeNpy(file, 4, () => 1);
  // whole seconds: a time set again later is the very same (file systems keep finer times than Date)
  const mtime = new Date(Math.floor(statSync(file).mtimeMs / 1000) * 1000 - 60_000);
  utimesSync(file, mtime, mtime);
  const w = workers();
  try {
    await w.reader.request({ op: 'open', file });
    assert.equal((await w.reader.request({ op: 'matrix', file, key: { name: '' } })).data[0], 1);
    // Other content, same size, same modification time: the cached parse stands.
    writeNpy(file, 4, () => 2);
    utimesSync(file, mtime, mtime);
    assert.equal((await w.reader.request({ op: 'matrix', file, key: { name: '' } })).data[0], 1);
    assert.equal((await w.reader.request({ op: 'square', file, key: { name: '' } })).W[0], 1);
    assert.equal((await w.reader.request({ op: 'cacheInfo' })).parses, 1);
    // A new modification time: read again.
    utimesSync(file, mtime, new Date(mtime.getTime() + 5000));
    assert.equal((await w.reader.request({ op: 'matrix', file, key: { name: '' } })).data[0], 2);
    assert.equal((await w.reader.request({ op: 'cacheInfo' })).parses, 2);
    // Another size: read again.
    writeNpy(file, 5, () => 3);
    assert.equal((await w.reader.request({ op: 'open', file })).tensors[0].shape[0], 5);
    assert.equal((await w.reader.request({ op: 'cacheInfo' })).parses, 3);
  } finally {
    w.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a float32 matrix is shown from its stored values, and shown again: the transferred grid is never the cached tensor', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-proto-'));
  const file = path.join(dir, 'w32.npy');
  writeFileSync(file, writeNpy32([3, 3], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9.5])));
  const w = workers();
  try {
    for (let k = 0; k < 2; k++) {
      const m = await w.reader.request({ op: 'matrix', file, key: { name: '' } });
      assert.deepEqual(Array.from(m.data), [1, 2, 3, 4, 5, 6, 7, 8, 9.5], `request ${k + 1}`);
    }
    assert.equal((await w.reader.request({ op: 'square', file, key: { name: '' } })).W[8], 9.5);
    assert.equal((await w.reader.request({ op: 'cacheInfo' })).parses, 1);
  } finally {
    w.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors arrive structured: too-large under the setting (also for a file already cached), format, io, cancelled', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-proto-'));
  const file = path.join(dir, 'w.npy');
  writeNpy(file, 20, (i) => i); // 3.25 KiB
  let limit = 2 ** 30;
  const w = workers(() => limit);
  try {
    await w.reader.request({ op: 'open', file });
    limit = 1024; // the setting lowered: every read is held to it, cached or not
    // One request at a time: requests made together could reject before their turn to be awaited (an unhandled
    // rejection that fails the test depending on timing).
    for (const request of [
      () => w.reader.request({ op: 'open', file }),
      () => w.reader.request({ op: 'matrix', file, key: { name: '' } }),
      () => startAnalysis(w, { kind: 'tensor', file, key: { name: '' } }, OPTIONS).result,
      () => w.analyst.request({ op: 'analyze', source: { kind: 'tensor', file, key: { name: '' } }, options: OPTIONS }),
    ]) {
      await rejectsWith(request(), 'too-large', (e) => e.file === file
        && e.message === `${file}: file is 3.25 KiB, larger than the 1.00 KiB limit of the setting recurrentLens.maxFileSizeMB`);
    }
    limit = 2 ** 30;

    const bad = path.join(dir, 'truncated.npy');
    copyFileSync(fixture('bad/truncated.npy'), bad);
    await rejectsWith(w.reader.request({ op: 'open', file: bad }), 'format', (e) => e.file === bad && e.message.startsWith(`${bad}: `));
    const missing = path.join(dir, 'missing.npy');
    await rejectsWith(w.reader.request({ op: 'open', file: missing }), 'io', (e) => e.file === missing && e.message === `${missing}: cannot read (ENOENT)`);
    // A matrix that is not square: bad input, one line naming the file first and then the problem.
    const npz = fixture('weights.npz');
    const wide = await rejectsWith(w.analyst.request({ op: 'analyze', source: { kind: 'tensor', file: npz, key: { name: 'W_in' } }, options: OPTIONS }), 'bad-input',
      (e) => e.file === npz);
    assert.match(wide.message, /^.*weights\.npz: W_in is \d+×\d+: analyses need a square matrix$/);
    const viaReader = await rejectsWith(startAnalysis(w, { kind: 'tensor', file: npz, key: { name: 'W_in' } }, OPTIONS).result, 'bad-input', (e) => e.file === npz);
    assert.equal(viaReader.message, wide.message);
    // NaN and Inf weights: bad input naming the file, read by the reader or the analyst, and for an initializer none.
    const nan = path.join(dir, 'nan.npy');
    writeNpy(nan, 4, (i) => (i === 5 ? NaN : i === 6 ? -Infinity : 0.1 * i));
    const want = `${nan}: matrix has 2 NaN or Inf entries: analyses need finite weights`;
    const named = (e: KindedError) => e.file === nan && e.message === want;
    await rejectsWith(startAnalysis(w, { kind: 'tensor', file: nan, key: { name: '' } }, OPTIONS).result, 'bad-input', named);
    await rejectsWith(w.analyst.request({ op: 'analyze', source: { kind: 'tensor', file: nan, key: { name: '' } }, options: OPTIONS }), 'bad-input', named);

    // Cancelled while it computes (N = 600 with a pseudospectrum takes seconds; the flag is polled between steps).
    const job = w.analyst.cancellable({ op: 'analyze', source: { kind: 'init', spec: 'gaussian:0.9', n: 600, seed: 1 }, options: { ...OPTIONS, gridPoints: 60 } });
    setTimeout(() => job.cancel(), 200);
    await rejectsWith(job.result, 'cancelled');
    // Cancelled while the reader still prepares the matrix.
    const early = startAnalysis(w, { kind: 'tensor', file, key: { name: '' } }, OPTIONS);
    early.cancel();
    await rejectsWith(early.result, 'cancelled');
    // The workers go on.
    assert.equal((await w.analyst.request({ op: 'analyze', source: { kind: 'init', spec: 'chain:1.0', n: 4, seed: 1 }, options: OPTIONS })).numbers.n, 4);
  } finally {
    w.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trajectory: typed result with progress; a run folder that is not one is a structured error', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-proto-run-'));
  const config = resolveConfig({ task: 'copy', T: 25, N: 6, init: 'chain:1.02', lr: 1e-3, updates: 20, eval_every: 10, checkpoint_every: 10, val_size: 16, train_size: 64 });
  assert.equal((await trainRun(dir, config)).state, 'completed');
  const w = workers();
  try {
    const progress: string[] = [];
    const r: TrajectoryPayload = await w.analyst.cancellable({ op: 'trajectory', dir }, (t) => progress.push(t)).result;
    assert.ok(r.trajectory.checkpoints.length >= 2);
    assert.equal(r.matrices.n, 6);
    assert.ok(r.matrices.W instanceof Float32Array && r.matrices.W.length === r.trajectory.checkpoints.length * 36);
    assert.ok(progress.includes('Schur forms'), progress.join(', '));
    await rejectsWith(w.analyst.request({ op: 'trajectory', dir: path.join(dir, 'checkpoints') }), 'format', (e) => /not a run folder/.test(e.message));
    // too small a limit for its checkpoints
    const tiny = new WorkerClient(ROOT, { maxFileBytes: () => 64 });
    try {
      await rejectsWith(tiny.request({ op: 'trajectory', dir }), 'too-large', (e) => /larger than the 64 bytes limit of the setting recurrentLens\.maxFileSizeMB$/.test(e.message));
    } finally {
      tiny.dispose();
    }
  } finally {
    w.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lensErrorOf: each error class maps to its kind, one line, the file apart', () => {
  assert.deepEqual(lensErrorOf(new CancelledError()), { kind: 'cancelled', message: 'cancelled' });
  assert.deepEqual(lensErrorOf(new CheckpointError('/a.npy', 'truncated data')), { kind: 'format', message: '/a.npy: truncated data', file: '/a.npy' });
  assert.deepEqual(lensErrorOf(new CheckpointError('/a.npy', 'too big', 'too-large')), { kind: 'too-large', message: '/a.npy: too big', file: '/a.npy' });
  assert.deepEqual(lensErrorOf(new FormatError('cannot read (EACCES)', 'io')), { kind: 'io', message: 'cannot read (EACCES)' });
  assert.equal(lensErrorOf(new NotStableError('ρ(W) ≥ 1: use a finite horizon')).kind, 'unstable');
  assert.equal(lensErrorOf(new NotConvergedError('no convergence')).kind, 'not-converged');
  const enoent = Object.assign(new Error('ENOENT: no such file or directory, open \'/x\''), { code: 'ENOENT', syscall: 'open', path: '/x' });
  assert.deepEqual(lensErrorOf(enoent), { kind: 'io', message: enoent.message, file: '/x' });
  assert.deepEqual(lensErrorOf(new Error('first line\nsecond')), { kind: 'internal', message: 'first line' });
  assert.deepEqual(lensErrorOf(new BadInputError('the input vector must be non-zero')), { kind: 'bad-input', message: 'the input vector must be non-zero' });
  assert.deepEqual(lensErrorOf(new BadInputError('matrix has 1 NaN or Inf entry', '/w.npy')),
    { kind: 'bad-input', message: '/w.npy: matrix has 1 NaN or Inf entry', file: '/w.npy' });
  assert.deepEqual(lensErrorOf(new BadInputError('x').inFile('/a').inFile('/b')), { kind: 'bad-input', message: '/a: x', file: '/a' });
  // A panel heads the line with its title, naming the file once.
  assert.equal(titled('W_hh — run/w.npz', { kind: 'bad-input', message: '/r/w.npz: matrix has 1 NaN or Inf entry', file: '/r/w.npz' }),
    'W_hh — run/w.npz: matrix has 1 NaN or Inf entry');
  assert.equal(titled('chain:1.02 (N = 4)', { kind: 'bad-input', message: 'the input vector must be non-zero' }), 'chain:1.02 (N = 4): the input vector must be non-zero');
  // The analyses' own input checks throw it (not a plain Error reported as internal).
  assert.equal(lensErrorOf(catching(() => analyzeMatrix({ W: new Float64Array([1, NaN, 0, 1]), n: 2, options: OPTIONS }))).kind, 'bad-input');
  assert.equal(lensErrorOf(catching(() => analyzeMatrix({ W: new Float64Array(6), n: 2, options: OPTIONS }))).kind, 'bad-input');
  assert.equal(lensErrorOf(catching(() => memoryCurve(new Float64Array([0.5, 0, 0, 0.5]), 2, new Float64Array(2), null, 0.5))).kind, 'bad-input');
  assert.equal(lensErrorOf(catching(() => memoryCurve(new Float64Array([0.5, 0, 0, 0.5]), 2, new Float64Array([1, 0]), 0, 0.5))).kind, 'bad-input');
  const crossed = lensErrorOf(new KindedError({ kind: 'too-large', message: '/b: big', file: '/b' }));
  assert.deepEqual(crossed, { kind: 'too-large', message: '/b: big', file: '/b' });
});
