import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initGatedRecurrent, gatedBlocks, gatedBlock, gatedTorchWeight, blockOfKerasKernel, parseGatedSpec, plain,
  KERAS_GATES, TORCH_GATES, GATE_STREAM,
} from '../../src/core/init/gated';
import { chain, fbchain, orthogonal, ramp } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';

/** Block b of a Keras kernel [N, k·N] as stored (row convention), N×N. */
function storedBlock(R: Float32Array, k: number, n: number, b: number): number[][] {
  return Array.from({ length: n }, (_, j) => Array.from(R.subarray(j * k * n + b * n, j * k * n + (b + 1) * n)));
}

test('initGatedRecurrent: Keras layout [N, k·N], block b = W_bᵀ, LSTM i,f,c,o and GRU z,r,h', () => {
  const n = 5;
  for (const cell of ['lstm', 'gru'] as const) {
    const k = cell === 'lstm' ? 4 : 3;
    const R = initGatedRecurrent('chain:1.5', cell, n, 0);
    assert.ok(R instanceof Float32Array);
    assert.equal(R.length, n * k * n);
    for (let b = 0; b < k; b++) {
      const Rb = storedBlock(R, k, n, b);
      // The chain W[i][i-1] = α is R_b[i-1][i] = α: on the stored block's SUPER-diagonal.
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) assert.equal(Rb[r][c], c === r + 1 ? 1.5 : 0, `${cell} block ${b} R[${r}][${c}]`);
      assert.deepEqual(blockOfKerasKernel(R, k, n, b), chain(n, 1.5));
    }
  }
  assert.deepEqual(KERAS_GATES, { lstm: ['i', 'f', 'c', 'o'], gru: ['z', 'r', 'h'] });
});

test('mixed:α: chain α on the candidate block (LSTM c, GRU h), ramp e = 0.01 on the gates; the ramp is transposed in R', () => {
  const n = 6;
  const lstm = initGatedRecurrent('mixed:1.02', 'lstm', n, 9);
  const R = ramp(n, 0.01);
  for (const b of [0, 1, 3]) {
    assert.deepEqual(blockOfKerasKernel(lstm, 4, n, b), Float64Array.from(Float32Array.from(R)));
    // Stored: R_b[j][i] = W[i][j] = 0.01·(j − i)/(N − 1), so the stored row 0 runs 0, −0.002, … −0.01.
    assert.ok(Math.abs(storedBlock(lstm, 4, n, b)[0][n - 1] - -0.01) < 1e-9);
    assert.ok(Math.abs(storedBlock(lstm, 4, n, b)[n - 1][0] - 0.01) < 1e-9);
  }
  assert.deepEqual(blockOfKerasKernel(lstm, 4, n, 2), Float64Array.from(Float32Array.from(chain(n, 1.02))));
  const gru = gatedBlocks('mixed:0.9', 'gru', n, 0);
  assert.deepEqual(gru[2], chain(n, 0.9), 'GRU h block: the chain');
  assert.deepEqual(gru[0], R);
  assert.deepEqual(gru[1], R);
});

test('fbchain, orthogonal and plain per block; random blocks independent, reproducible, the same in both layouts', () => {
  const n = 8;
  assert.deepEqual(gatedBlock('fbchain:0.07', 'lstm', n, 0, 3), fbchain(n, 0.07));
  const o = gatedBlocks('orthogonal:0.9', 'lstm', n, 4);
  o.forEach((W, b) => assert.deepEqual(W, orthogonal(n, 0.9, new Rng(4, GATE_STREAM + b))));
  assert.notDeepEqual(o[0], o[1], 'independent blocks');
  assert.deepEqual(gatedBlocks('orthogonal:0.9', 'lstm', n, 4), o, 'reproducible');
  const p = gatedBlocks('plain', 'gru', 400, 2);
  const a = 1 / Math.sqrt(400);
  for (const W of p) {
    let max = 0;
    let sum2 = 0;
    for (const x of W) {
      max = Math.max(max, Math.abs(x));
      sum2 += x * x;
    }
    assert.ok(max <= a && max > 0.99 * a, `|w| ≤ 1/√N, max ${max}`);
    assert.ok(Math.abs(sum2 / W.length / (a * a / 3) - 1) < 0.02, 'variance of U(±a) is a²/3');
  }
  assert.deepEqual(p[1], plain(400, 1, new Rng(2, GATE_STREAM + 1)));
  // PyTorch: blocks stacked by rows; the GRU's r and z swap places (PyTorch r, z, n; Keras z, r, h).
  assert.deepEqual(TORCH_GATES, { lstm: ['i', 'f', 'g', 'o'], gru: ['r', 'z', 'n'] });
  const m = 4;
  const g = gatedBlocks('orthogonal', 'gru', m, 1);
  const t = gatedTorchWeight('orthogonal', 'gru', m, 1);
  assert.deepEqual(t.subarray(0, m * m), g[1]);
  assert.deepEqual(t.subarray(m * m, 2 * m * m), g[0]);
  assert.deepEqual(t.subarray(2 * m * m), g[2]);
  const tl = gatedTorchWeight('mixed', 'lstm', m, 1);
  assert.deepEqual(tl.subarray(2 * m * m, 3 * m * m), chain(m, 1.02), 'PyTorch g block: the chain');
});

test('parseGatedSpec: names, default gains, clear errors', () => {
  assert.deepEqual(parseGatedSpec('mixed:1.02'), { name: 'mixed', gain: 1.02, spec: 'mixed:1.02' });
  assert.deepEqual(parseGatedSpec(' Plain '), { name: 'plain', gain: 1, spec: 'plain:1.0' });
  assert.equal(parseGatedSpec('mixed').gain, 1.02);
  assert.equal(parseGatedSpec('fbchain').gain, 0.04);
  assert.throws(() => parseGatedSpec('identity'), { message: 'unknown gated initializer "identity" (expected plain, orthogonal, chain, fbchain, mixed)' });
  assert.throws(() => parseGatedSpec('mixed:x'), /bad gain "x"/);
  assert.throws(() => parseGatedSpec('mixed:1:2'), /expected name or name:gain/);
  assert.throws(() => initGatedRecurrent('chain', 'rnn' as 'lstm', 3, 0), /unknown cell "rnn"/);
  assert.throws(() => initGatedRecurrent('chain', 'lstm', 0, 0), /hidden size/);
});
