// Trajectories and sweep reports of LSTM / GRU runs trained by our engine: the numbers of the candidate block, the
// per-gate chain-motif profiles (docs/science.md, "Per-gate profiles").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gatedMotif, gateMotifsJson } from '../../src/core/analysis/gatedMotif';
import { readCheckpoint } from '../../src/core/readers';
import { readTrainingCheckpoint } from '../../src/core/train/checkpoint';
import { resolveConfig, type TrainConfig } from '../../src/core/train/config';
import { runTrajectory, TRAJECTORY_CACHE } from '../../src/runs/trajectory';
import { sweepReport } from '../../src/sweeps/report';
import type { ResolvedSweep } from '../../src/sweeps/types';
import { CLI } from './helpers';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-gtraj-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
/** Trains with the CLI, as a user would (the engine the CLI picks for a language model). */
function trainLm(dir: string, cell: 'lstm' | 'gru' | 'rnn', init: string, seed = 1): void {
  const c = lm(cell, init, seed);
  const r = cli('train', '--run-dir', dir, '--task', 'charlm', '--cell', cell, '--init', init, '--N', String(c.N), '--T', String(c.T), '--batch', String(c.batch),
    '--updates', String(c.updates), '--eval-every', String(c.eval_every), '--checkpoint-every', String(c.checkpoint_every), '--max-chars', String(c.max_chars),
    '--seed', String(seed), '--threads', '1', '--quiet');
  assert.equal(r.status, 0, r.stderr);
}
const lm = (cell: 'lstm' | 'gru' | 'rnn', init: string, seed = 1): TrainConfig => resolveConfig({
  task: 'charlm', cell, init, N: 12, T: 12, batch: 4, updates: 30, eval_every: 10, checkpoint_every: 15, max_chars: 20000, seed,
});

test('an LSTM run: numbers of the candidate block c, per-gate profiles equal gatedMotif on the trainer\'s own checkpoint reader', async () => {
  const dir = tmp();
  trainLm(dir, 'lstm', 'mixed:1.02');
  const t = await runTrajectory(dir);
  assert.equal(t.cell, 'lstm');
  assert.equal(t.block, 'c');
  assert.equal(t.n, 12);
  const first = t.checkpoints[0], last = t.checkpoints[t.checkpoints.length - 1];
  assert.equal(first.update, 0);
  assert.equal(last.update, 30);
  assert.equal(first.delta_from_init, 0);
  assert.ok(last.delta_from_init > 0);
  // update 0: the c block is the chain 1.02 (a nilpotent matrix: ρ = 0, d = ‖W‖_F)
  assert.equal(first.spectral_radius, 0);
  assert.ok(Math.abs(first.henrici - Math.fround(1.02) * Math.sqrt(11)) < 1e-9);
  for (const e of t.checkpoints) {
    const g = e.gate_motifs!;
    assert.deepEqual(g.gates, ['i', 'f', 'c', 'o']);
    assert.equal(g.candidate, 'c');
    // motif is the candidate block's profile
    assert.deepEqual(e.motif.profile, g.blocks.c.profile);
    assert.deepEqual(e.motif.pairs, g.blocks.c.pairs);
    // the same from the trainer's checkpoint reader (weights.bin as the trainer reads it back)
    const nIn = (await readCheckpoint(path.join(dir, e.checkpoint, 'model.json'))).tensors.find((x) => x.name === 'lstm/kernel')!.shape[0];
    const ck = await readTrainingCheckpoint(path.join(dir, e.checkpoint), { cell: 'lstm', nIn, N: 12, nOut: nIn, activation: 'tanh', loss: 'softmax-xent-every-step' }, { optimizerSlots: 2 });
    const want = gateMotifsJson(gatedMotif({ cell: 'lstm', N: 12, nIn, K: ck.params.K, R: ck.params.R, b: ck.params.b }, { channel: 0, steps: 100, tieSeed: 0 }));
    assert.deepEqual(g, want, `update ${e.update}`);
  }
  // W₀ from the initializer again when update 0 has no checkpoint: the same distances
  rmSync(path.join(dir, 'checkpoints', 'update-0000000'), { recursive: true });
  rmSync(path.join(dir, TRAJECTORY_CACHE), { recursive: true });
  const again = await runTrajectory(dir);
  assert.equal(again.initial, 'config');
  assert.deepEqual(again.checkpoints.map((e) => e.delta_from_init), t.checkpoints.slice(1).map((e) => e.delta_from_init));

  // The CLI: a table with the per-gate +1 values; gate-motif on a checkpoint gives the entry's gate_motifs; clear errors.
  const text = cli('trajectory', dir);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /LSTM: the numbers are those of the candidate block c; motif\(\+1\) per gate block at update 30: i .*, f .*, c .*, o /);
  const gm = cli('gate-motif', path.join(dir, last.checkpoint, 'model.json'), '--json');
  assert.equal(gm.status, 0, gm.stderr);
  const gmj = JSON.parse(gm.stdout);
  for (const k of ['cell', 'gates', 'candidate', 'offsets', 'blocks', 'active', 'peak_steps'] as const) assert.deepEqual(gmj[k], last.gate_motifs![k], k);
  const bad = cli('trajectory', dir, '--measure', 'preactivation');
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /config\.json: an LSTM run's motif orders its units by the hidden state h: --measure preactivation is for vanilla RNNs/);
  const badChannel = cli('trajectory', dir, '--channel', '999');
  assert.equal(badChannel.status, 2);
  assert.match(badChannel.stderr, /model\.json: input channel must be 0 … \d+, got 999/);
  rmSync(dir, { recursive: true });
});

test('a GRU run: gates z, r, h; the numbers of h', async () => {
  const dir = tmp();
  trainLm(dir, 'gru', 'mixed:1.02');
  const t = await runTrajectory(dir);
  assert.equal(t.cell, 'gru');
  assert.equal(t.block, 'h');
  for (const e of t.checkpoints) {
    assert.deepEqual(e.gate_motifs!.gates, ['z', 'r', 'h']);
    assert.deepEqual(e.motif.profile, e.gate_motifs!.blocks.h.profile);
  }
  rmSync(dir, { recursive: true });
});

test('sweep-report over LSTM runs: per-block profiles, each the mean over the runs', async () => {
  const dir = tmp();
  const members = [1, 2].map((seed, index) => {
    const config = lm('lstm', 'mixed:1.02', seed);
    return { index, name: `${index}-mixed-s${seed}`, group: 'mixed', init: 'mixed:1.02', gain: 1.02, lr: config.lr, seed, config };
  });
  const sweep: ResolvedSweep = {
    format: 'recurrent-lens-sweep', version: 1, id: 'lstm-sweep', name: 'lstm', created_at: '2026-12-05T00:00:00Z',
    source: { task: 'charlm' } as ResolvedSweep['source'], groups: ['mixed'], baseline: Math.log(60), members,
  };
  writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(sweep));
  for (const m of members) {
    mkdirSync(path.join(dir, 'runs'), { recursive: true });
    trainLm(path.join(dir, 'runs', m.name), 'lstm', 'mixed:1.02', m.seed);
  }
  const r = await sweepReport(dir, { rule: 'all' });
  const row = r.motif['mixed:1.02'];
  assert.equal(row.n, 2);
  assert.deepEqual(Object.keys(row.gates!), ['i', 'f', 'c', 'o']);
  const ends = await Promise.all(members.map(async (m) => (await runTrajectory(path.join(dir, 'runs', m.name), { endsOnly: true })).checkpoints));
  for (const g of ['i', 'f', 'c', 'o']) {
    for (let k = 0; k < row.offsets.length; k++) {
      const vals = ends.map((c) => c[c.length - 1].gate_motifs!.blocks[g].profile[k]).filter((x): x is number => x !== null);
      const want = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
      const got = row.gates![g].after_mean[k];
      if (want === null) assert.equal(got, null);
      else assert.ok(Math.abs(got! - want) < 1e-12, `${g} offset ${row.offsets[k]}`);
    }
  }
  assert.deepEqual(row.after_mean, row.gates!.c.after_mean);
  const text = cli('sweep-report', dir, '--all');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /i aft/);
  rmSync(dir, { recursive: true });
});

test('a vanilla language-model run (input size from the data): trajectory reads the channel from the checkpoint', async () => {
  const dir = tmp();
  trainLm(dir, 'rnn', 'plain');
  const t = await runTrajectory(dir);
  assert.equal(t.cell, undefined);
  assert.ok(t.checkpoints.every((e) => e.gate_motifs === undefined && e.motif.active > 0));
  const bad = cli('trajectory', dir, '--channel', '999');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /model\.json: input channel must be 0 … \d+, got 999/);
  rmSync(dir, { recursive: true });
});
