// What the Weight Trajectory panel is fed: the matrices behind a real run's trajectory (W per checkpoint, W₀, the
// Schur form T), cancellation, and the table's CSV export against the trajectory's JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/core/train/config';
import { readCheckpoint } from '../../src/core/readers';
import { squareMatrixOf } from '../../src/core/inspect';
import { runTrajectory, trajectoryMatrices } from '../../src/runs/trajectory';
import { CancelledError } from '../../src/core/cancel';
import { trajectoryCsv, TRAJECTORY_CSV_COLUMNS } from '../../src/runs/trajectoryCsv';
import { trainRun } from './trainRun';

const config = resolveConfig({ task: 'copy', T: 25, N: 12, init: 'chain:1.02', lr: 1e-3, updates: 60, eval_every: 20, checkpoint_every: 60, val_size: 32, train_size: 200 });

test('trajectory matrices: every checkpoint W as stored, W₀ = the update-0 W, T similar to W (same trace and Frobenius norm, eigenvalues on its diagonal)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-tpanel-'));
  assert.equal((await trainRun(dir, config)).state, 'completed');
  const t = await runTrajectory(dir);
  const n = t.n, nn = n * n, K = t.checkpoints.length;
  assert.ok(K >= 3, `${K} checkpoints`);
  const cache = new Map<string, Float32Array>();
  const m = await trajectoryMatrices(t, { schurCache: cache });
  assert.equal(m.n, 12);
  assert.equal(m.W.length, K * nn);
  assert.equal(m.T.length, K * nn);
  assert.equal(cache.size, K);
  for (const [k, e] of t.checkpoints.entries()) {
    const { W } = squareMatrixOf(await readCheckpoint(path.join(dir, e.checkpoint, 'model.json')));
    assert.deepEqual(Array.from(m.W.subarray(k * nn, (k + 1) * nn)), Array.from(W, Math.fround), `W at update ${e.update}`);
    const T = m.T.subarray(k * nn, (k + 1) * nn);
    let trW = 0, trT = 0, fT = 0, below = 0;
    for (let i = 0; i < n; i++) {
      trW += W[i * n + i];
      trT += T[i * n + i];
      for (let j = 0; j < n; j++) {
        fT += T[i * n + j] ** 2;
        if (i > j + 1) below = Math.max(below, Math.abs(T[i * n + j]));
      }
    }
    assert.ok(Math.abs(trW - trT) < 1e-4, `trace at update ${e.update}: ${trW} vs ${trT}`);
    assert.ok(Math.abs(Math.sqrt(fT) - e.frobenius) < 1e-4 * e.frobenius, `‖T‖_F = ‖W‖_F at update ${e.update}`);
    assert.equal(below, 0, 'quasi-triangular');
    // |λ| descending: the first diagonal entry (or 2×2 block) has the spectral radius
    const a = T[0], b = T[1], c = T[n], d = T[n + 1];
    const lead = c === 0 ? Math.abs(a) : Math.sqrt(Math.abs(a * d - b * c));
    assert.ok(Math.abs(lead - e.spectral_radius) < 1e-4, `leading eigenvalue ${lead} vs ρ ${e.spectral_radius}`);
  }
  assert.deepEqual(Array.from(m.W0), Array.from(m.W.subarray(0, nn)), 'W₀ is the update-0 checkpoint');
  // the cache is used: a second call computes no Schur form (same arrays)
  const again = await trajectoryMatrices(t, { schurCache: cache });
  assert.deepEqual(Array.from(again.T), Array.from(m.T));

  // cancelled before the first checkpoint: nothing more is read
  await assert.rejects(runTrajectory(dir, { signal: { aborted: true } }), CancelledError);
  await assert.rejects(trajectoryMatrices(t, { signal: { aborted: true } }), CancelledError);

  // CSV: one row per checkpoint, every number as the JSON has it
  const csv = trajectoryCsv([{ id: 'r1', label: 'chain, "copy"', checkpoints: t.checkpoints }]);
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], ['run_id', 'run', ...TRAJECTORY_CSV_COLUMNS].join(','));
  assert.equal(lines.length, K + 1);
  for (const [k, e] of t.checkpoints.entries()) {
    const head = 'r1,"chain, ""copy""",';
    assert.ok(lines[k + 1].startsWith(head), `a label with a comma and quotes is quoted (RFC 4180): ${lines[k + 1]}`);
    const values = lines[k + 1].slice(head.length).split(',');
    TRAJECTORY_CSV_COLUMNS.forEach((key, i) => {
      const v = e[key];
      if (v === null || v === undefined) assert.equal(values[i], '', key);
      else if (typeof v === 'number') assert.equal(Number(values[i]), v, `${key} at update ${e.update}`);
      else assert.equal(values[i], v, key);
    });
  }
});
