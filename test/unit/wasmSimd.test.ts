// The training kernels' two WebAssembly builds: relaxed SIMD (fused multiply-adds) where the engine accepts it, the
// plain build otherwise or when asked; both agree with each other and with the JS reference engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import plainGated from 'recurrent-lens-wasm:gated';
import plainRnn from 'recurrent-lens-wasm:rnn';
import { JsRnnEngine } from '../../src/core/train/jsEngine';
import { rnnWasmKernel, WasmRnnEngine } from '../../src/core/train/wasmEngine';
import { gatedWasmKernel, oddLineStride, WasmGatedEngine } from '../../src/core/train/wasmGated';
import { PARAM_NAMES, zeroParams, type RnnBatch, type RnnDims } from '../../src/core/train/model';
import { Rng } from '../../src/core/init/rng';
import { CLI } from './helpers';
import { assertClose, problem, run } from './rnnProblems';

test('Node 20 gets the relaxed-SIMD builds (its flag is turned on at run time)', () => {
  assert.equal(rnnWasmKernel()?.features, 'relaxed-simd');
  assert.equal(gatedWasmKernel()?.features, 'relaxed-simd');
});

test('the relaxed and plain builds of the vanilla kernel agree (and with the JS engine)', () => {
  const { dims, params, batch } = problem('softmax-xent-every-step', 'elu', { batch: 5, T: 40, nIn: 7, N: 37, nOut: 9 }, 3);
  const relaxed = run(new WasmRnnEngine(), dims, params, batch);
  const plain = run(new WasmRnnEngine(new WebAssembly.Module(plainRnn)), dims, params, batch);
  assertClose(relaxed, plain, 2e-5, 'relaxed vs plain');
  assertClose(relaxed, run(new JsRnnEngine(), dims, params, batch), 2e-5, 'relaxed vs js');
});

test('the relaxed and plain builds of the LSTM kernel agree at N = 256 (rows padded off the 4 KiB stride)', () => {
  // 4·256 floats = 4 KiB per gate row: padded to 65 cache lines; Rᵀ's 1 KiB rows to 17
  assert.equal(oddLineStride(1024), 1040);
  assert.equal(oddLineStride(256), 272);
  assert.equal(oddLineStride(288), 304);
  assert.equal(oddLineStride(272), 272);
  assert.equal(oddLineStride(8), 8);
  const rng = new Rng(5);
  const dims: RnnDims = { cell: 'lstm', batch: 4, T: 6, nIn: 11, N: 256, nOut: 11, activation: 'tanh', loss: 'softmax-xent-every-step' };
  const params = zeroParams(dims);
  const scale = { K: 0.8, R: 1.5 / 16, b: 0.3, D: 0.8, c: 0.5 };
  for (const name of PARAM_NAMES) for (let i = 0; i < params[name].length; i++) params[name][i] = (rng.uniform() * 2 - 1) * scale[name];
  const batch: RnnBatch = {
    tokens: Int32Array.from({ length: 24 }, () => Math.floor(rng.uniform() * 11)),
    labels: Int32Array.from({ length: 24 }, () => Math.floor(rng.uniform() * 11)),
    state0: Float32Array.from({ length: 2 * 4 * 256 }, () => rng.uniform() - 0.5),
  };
  const relaxed = run(new WasmGatedEngine(), dims, params, batch);
  const plain = run(new WasmGatedEngine(new WebAssembly.Module(plainGated)), dims, params, batch);
  assertClose(relaxed, plain, 2e-5, 'relaxed vs plain');
  assertClose(relaxed, run(new JsRnnEngine(), dims, params, batch), 2e-5, 'relaxed vs js');
});

test('RECURRENT_LENS_NO_RELAXED_SIMD=1 keeps the plain build; bench train --json says which ran', () => {
  const bench = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, [CLI, 'bench', 'train', '--task', 'copy', '--T', '30', '--N', '8', '--updates', '2', '--warmup', '1', '--threads', '1', '--json'],
      { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { engine: string; simd: string | null };
  };
  assert.equal(bench({ RECURRENT_LENS_NO_RELAXED_SIMD: '' }).simd, 'relaxed-simd');
  assert.equal(bench({ RECURRENT_LENS_NO_RELAXED_SIMD: '1' }).simd, 'simd');
  const js = bench({ RECURRENT_LENS_NO_WASM: '1' });
  assert.equal(js.engine, 'js');
  assert.equal(js.simd, null);
});
