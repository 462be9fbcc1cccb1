import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { gatedMotif, gatedNetworkOf, gateBlock, type GatedNetwork } from '../../src/core/analysis/gatedMotif';
import { chainMotif } from '../../src/core/analysis/motif';
import { initGatedRecurrent } from '../../src/core/init/gated';
import { ramp } from '../../src/core/init/initializers';
import { readCheckpoint } from '../../src/core/readers';
import { fixture } from './helpers';

function at(m: { offsets: Int32Array; profile: Float64Array }, offset: number): number {
  return m.profile[Array.from(m.offsets).indexOf(offset)];
}

/** mixed:1.02 with the input feeding only the candidate gate of unit 0: the pulse walks the chain unit by unit. */
function mixedNet(cell: 'lstm' | 'gru', N: number): GatedNetwork {
  const G = cell === 'lstm' ? 4 : 3, nIn = 2;
  const K = new Float32Array(nIn * G * N);
  K[2 * N] = 1; // channel 0 → candidate block (index 2 in both cells), unit 0
  return { cell, N, nIn, K, R: initGatedRecurrent('mixed:1.02', cell, N, 0), b: new Float32Array(G * N) };
}

test('mixed:1.02: the candidate block spikes at +1, the ramp blocks fall linearly in the offset, one ordering for all', () => {
  const N = 20;
  for (const cell of ['lstm', 'gru'] as const) {
    const m = gatedMotif(mixedNet(cell, N));
    assert.deepEqual(m.gates, cell === 'lstm' ? ['i', 'f', 'c', 'o'] : ['z', 'r', 'h']);
    assert.equal(m.candidate, 2);
    // Every unit responds, at strictly increasing steps down the chain.
    for (let i = 1; i < N; i++) assert.ok(m.peakTime[i] > m.peakTime[i - 1], `${cell}: unit ${i} peaks after unit ${i - 1}`);
    for (const [g, block] of m.blocks.entries()) {
      assert.deepEqual(Array.from(block.order), Array.from({ length: N }, (_, i) => i), `${cell} ${m.gates[g]}`);
      assert.equal(block.active, N);
      assert.equal(block.peakSteps, N);
      for (let k = 0; k < block.offsets.length; k++) {
        const off = block.offsets[k];
        // ramp W[i][j] = 0.01·(j − i)/(N − 1) = −0.01·offset/(N − 1), stored as float32
        const want = g === 2 ? (off === 1 ? Math.fround(1.02) : 0) : Math.fround(-0.01 * off / (N - 1));
        assert.ok(Math.abs(block.profile[k] - want) < 1e-9, `${cell} ${m.gates[g]} offset ${off}: ${block.profile[k]} vs ${want}`);
      }
      if (g !== 2) for (let k = 1; k < block.offsets.length; k++) assert.ok(block.profile[k] < block.profile[k - 1], 'monotonic');
    }
    // The ramp blocks are the ramp initializer's matrix.
    assert.deepEqual(Array.from(gateBlock(mixedNet(cell, N), 0)), Array.from(Float32Array.from(ramp(N, 0.01))));
  }
});

test('per-block profiles are motif.ts\'s profile under the gated ordering (one implementation)', () => {
  // A vanilla chain's profile through chainMotif equals the candidate block's under the same ordering.
  const N = 12;
  const m = gatedMotif(mixedNet('lstm', N));
  const vanilla = chainMotif(gateBlock(mixedNet('lstm', N), 2), N, 'tanh');
  assert.deepEqual(Array.from(m.blocks[2].profile), Array.from(vanilla.profile));
  assert.deepEqual(Array.from(m.blocks[2].pairs), Array.from(vanilla.pairs));
});

test('a PyTorch LSTM checkpoint: peak steps and the four block profiles equal torch\'s own forward (make_gate_motif_fixture.py)', async () => {
  const want = JSON.parse(fs.readFileSync(fixture('generated/torch_lstm_motif.json'), 'utf8'));
  const ckpt = await readCheckpoint(fixture('generated/torch_lstm_motif.pt'));
  const net = gatedNetworkOf(ckpt);
  assert.equal(net.cell, 'lstm');
  assert.equal(net.N, want.N);
  assert.equal(net.nIn, want.d);
  const m = gatedMotif(net, { steps: want.steps, channel: 0 });
  assert.deepEqual(Array.from(m.peakTime), want.peak_time);
  // PyTorch names the blocks i, f, g, o: the same gates as the Keras i, f, c, o.
  for (const [g, name] of ['i', 'f', 'g', 'o'].entries()) {
    const w = want.blocks[name];
    assert.deepEqual(Array.from(m.blocks[g].pairs), w.pairs, name);
    for (let k = 0; k < w.profile.length; k++) {
      if (w.profile[k] === null) assert.ok(Number.isNaN(m.blocks[g].profile[k]), `${name} ${k}`);
      else assert.ok(Math.abs(m.blocks[g].profile[k] - w.profile[k]) < 1e-12, `${name} offset ${k - (want.N - 1)}: ${m.blocks[g].profile[k]} vs ${w.profile[k]}`);
    }
  }
  // The profile is not trivially zero: the pulse reached several steps.
  assert.ok(m.blocks[0].peakSteps >= 3);
  assert.ok(Number.isFinite(at(m.blocks[2], 1)));
});

test('Keras checkpoints: the cell found from its recurrent kernel\'s name (Keras 2 `:0`, Keras 3 `vars/1`), layout as stored', () => {
  const net = mixedNet('lstm', 5);
  const t = (name: string, shape: number[], data: ArrayLike<number>) => ({ name, shape, dtype: 'float32' as const, data: Float64Array.from(data) });
  const want = gatedMotif(net);
  for (const [r, k, b] of [
    ['model_weights/lstm/lstm/lstm_cell/recurrent_kernel:0', 'model_weights/lstm/lstm/lstm_cell/kernel:0', 'model_weights/lstm/lstm/lstm_cell/bias:0'],
    ['layers/lstm/cell/vars/1', 'layers/lstm/cell/vars/0', 'layers/lstm/cell/vars/2'],
  ]) {
    const ckpt = { file: 'x.h5', format: 'keras-hdf5' as const, layout: 'row' as const, tensors: [t(k, [2, 20], net.K), t(r, [5, 20], net.R), t(b, [20], net.b)] };
    const got = gatedNetworkOf(ckpt);
    assert.equal(got.name, r);
    assert.deepEqual(gatedMotif(got).blocks.map((x) => Array.from(x.profile)), want.blocks.map((x) => Array.from(x.profile)), r);
  }
  // A Keras GRU with reset_after = true (bias 2 × 3N): refused, saying why.
  const gru = mixedNet('gru', 4);
  const ckpt = { file: 'g.h5', format: 'keras-hdf5' as const, layout: 'row' as const, tensors: [t('gru/kernel', [2, 12], gru.K), t('gru/recurrent_kernel', [4, 12], gru.R), t('gru/bias', [2, 12], new Float64Array(24))] };
  assert.throws(() => gatedNetworkOf(ckpt), /gru\/bias has 24 values, expected 12 \(a GRU with reset_after = true/);
});

test('bad input: one clear message', () => {
  const net = mixedNet('lstm', 4);
  assert.throws(() => gatedMotif({ ...net, b: new Float32Array(3) }), /bias has 3 values, expected 16/);
  assert.throws(() => gatedMotif(net, { channel: 2 }), /input channel must be 0 … 1, got 2/);
  assert.throws(() => gatedMotif({ ...net, R: new Float32Array(5) }), /recurrent kernel has 5 values/);
});
