import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLUSTER_ADVICE_HOURS, estimateCost, formatHours, STARTUP_SECONDS, VALIDATION_BATCH_COST } from '../../src/sweeps/cost';
import * as path from 'node:path';
import { checkSweepText, resolveSweep } from '../../src/sweeps/spec';
import { ROOT } from './helpers';

test('cost: updates plus validation passes times the measured update, plus start-up, in CPU-hours', () => {
  // 2 inits × 3 seeds = 6 runs of 1000 updates; validation every 100 updates (11 passes) of 64 sequences = 4 batches.
  const sweep = resolveSweep({ task: 'copy', T: 50, inits: ['chain:1.02', 'orthogonal:1.0'], seeds: 3, updates: 1000, eval_every: 100, val_size: 64, batch: 16 }, { id: 'c' });
  const perRun = 1000 + 11 * 4 * VALIDATION_BATCH_COST;
  const c = estimateCost(sweep, 2, 1, { cores: 2 });
  assert.equal(c.runs, 6);
  assert.equal(c.updates, 6000);
  assert.ok(Math.abs(c.cpu_hours - (6 * perRun * 2) / 3.6e6 - (6 * STARTUP_SECONDS) / 3600) < 1e-12);
  assert.ok(Math.abs(c.local_hours - c.cpu_hours / 2) < 1e-12, 'two at a time on two cores');
  assert.match(c.advice, /^about \d+ s on this machine \(2 at a time\)$/);
  // Two threads per run: twice the CPU time, the same wall time one run at a time.
  const t = estimateCost(sweep, 2, 2, { cores: 2 });
  assert.ok(Math.abs(t.cpu_hours - ((6 * perRun * 2 * 2) / 3.6e6 + (6 * STARTUP_SECONDS) / 3600)) < 1e-12);
  // Measured CPU time wins over wall time × threads for the CPU-hours; the wall time still gives the local hours.
  const busy = estimateCost(sweep, 6, 1, { cores: 2, cpuMsPerUpdate: 2 });
  assert.ok(Math.abs(busy.cpu_hours - c.cpu_hours) < 1e-12);
  assert.ok(busy.local_hours > c.local_hours * 2, 'the local time follows the wall time');
  // Only the members still to run.
  const part = estimateCost(sweep, 2, 1, { indices: [0, 5], cores: 2 });
  assert.equal(part.runs, 2);
  assert.equal(part.updates, 2000);
  assert.equal(estimateCost(sweep, 2, 1, { indices: [] }).advice, 'nothing left to run');
});

test('cost: a big sweep is advised onto a cluster', () => {
  const paper = resolveSweep({ preset: 'paper:copy' }, { id: 'p' });
  const c = estimateCost(paper, 10, 1, { cores: 2 });
  assert.equal(c.runs, 2112);
  assert.equal(c.updates, 2112 * 375000);
  assert.ok(c.local_hours > CLUSTER_ADVICE_HOURS);
  assert.match(c.advice, /days on this machine \(2 at a time\): run it on a cluster \(--executor slurm\)$/);
  assert.equal(formatHours(0.5), '30 min');
  assert.equal(formatHours(3.25), '3.3 h');
  assert.equal(formatHours(72), '3 days');
  assert.equal(formatHours(10 / 3600), '10 s');
});

test('cost of a language-model sweep: a validation pass is the whole validation text, as checkSweepText counts it', async () => {
  const file = path.join(ROOT, 'test', 'fixtures', 'text', 'brown-sample.txt');
  // 5 818 characters: the last 582 validate, 4 streams of 145, T 10: ceil(144 / 10) = 15 batches a pass.
  const sweep = resolveSweep({ task: 'charlm', cell: 'lstm', file, N: 8, T: 10, batch: 4, inits: ['plain'], updates: 100, eval_every: 50 }, { id: 'lm' });
  const text = await checkSweepText(sweep, ROOT);
  assert.deepEqual(text, { valBatches: 15 });
  const c = estimateCost(sweep, 2, 1, { cores: 1, valBatches: text!.valBatches });
  assert.ok(Math.abs(c.cpu_hours - ((100 + 3 * 15 * VALIDATION_BATCH_COST) * 2) / 3.6e6 - STARTUP_SECONDS / 3600) < 1e-12);
  assert.equal(await checkSweepText(resolveSweep({ task: 'copy', inits: ['chain:1.02'] }, { id: 'c' }), ROOT), undefined);
});
