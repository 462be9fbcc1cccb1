// The checkpoint schedule: update 0, log-spaced updates, every checkpoint_every, the last update, within
// CHECKPOINT_BUDGET; a stopped and resumed run writes the same checkpoints, to the bit, as an uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CHECKPOINT_BUDGET, checkpointName, checkpointSchedule, isScheduledCheckpoint, logSpacedUpdates, scheduledCheckpoints,
} from '../../src/core/train/checkpoint';
import { resolveConfig } from '../../src/core/train/config';
import { trainRun } from './trainRun';

test('log-spaced updates: 1-2-5 per decade, strictly below the run length', () => {
  assert.deepEqual(logSpacedUpdates(1), []);
  assert.deepEqual(logSpacedUpdates(10), []);
  assert.deepEqual(logSpacedUpdates(11), [10]);
  assert.deepEqual(logSpacedUpdates(2000), [10, 20, 50, 100, 200, 500, 1000]);
  assert.deepEqual(logSpacedUpdates(5001), [10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);
});

test('schedule: update 0 and the last always, log-spaced ones, checkpoint_every as asked when it fits', () => {
  const s = checkpointSchedule(2000, 500);
  assert.equal(s.every, 500);
  assert.deepEqual(scheduledCheckpoints(s), [0, 10, 20, 50, 100, 200, 500, 1000, 1500, 2000]);
  const odd = checkpointSchedule(130, 60);
  assert.deepEqual(scheduledCheckpoints(odd), [0, 10, 20, 50, 60, 100, 120, 130]);
  for (let u = 0; u <= 130; u++) assert.equal(isScheduledCheckpoint(odd, u), scheduledCheckpoints(odd).includes(u), `update ${u}`);
  assert.deepEqual(scheduledCheckpoints(checkpointSchedule(5, 100)), [0, 5]);
});

test('schedule: the budget widens the regular interval to a multiple of checkpoint_every, never drops 0 or the log-spaced ones', () => {
  for (const [updates, every] of [[10_000, 1], [100_000, 7], [1_000_000, 100], [20_000, 10], [500, 1], [1e9, 1]]) {
    const s = checkpointSchedule(updates, every);
    const all = scheduledCheckpoints(s);
    assert.ok(all.length <= CHECKPOINT_BUDGET, `${updates}/${every}: ${all.length} checkpoints`);
    assert.equal(s.every % every, 0);
    assert.equal(all[0], 0);
    assert.equal(all[all.length - 1], updates);
    for (const u of logSpacedUpdates(updates)) assert.ok(all.includes(u), `${updates}/${every}: log-spaced ${u}`);
    // the smallest multiple that fits: one step less would not
    if (s.every > every) assert.ok(scheduledCheckpoints({ ...s, every: s.every - every }).length > CHECKPOINT_BUDGET, `${updates}/${every}: ${s.every}`);
  }
  assert.equal(checkpointSchedule(2000, 25).every, 25);
  assert.equal(checkpointSchedule(2000, 20).every, 40, '100 + update 0 + 10 and 50 would be 103');
  assert.throws(() => checkpointSchedule(0, 10), /updates/);
  assert.throws(() => checkpointSchedule(10, 0), /checkpoint_every/);
});

test('a run writes the schedule\'s checkpoints with their validation losses; stopped and resumed, every checkpoint is bit-identical', async () => {
  const config = resolveConfig({ task: 'copy', T: 25, N: 16, lr: 1e-3, updates: 130, eval_every: 40, checkpoint_every: 60, log_every: 10, val_size: 32, train_size: 400, keep_checkpoints: 0 });
  // keep_checkpoints 0: every checkpoint stays (retention, tested in diskFull.test.ts, would prune the stop checkpoint at 30)
  const straight = mkdtempSync(path.join(os.tmpdir(), 'rl-sched-'));
  const resumed = mkdtempSync(path.join(os.tmpdir(), 'rl-sched-'));
  assert.equal((await trainRun(straight, config)).state, 'completed');
  const expected = scheduledCheckpoints(checkpointSchedule(130, 60));
  assert.deepEqual(readdirSync(path.join(straight, 'checkpoints')), expected.map(checkpointName));
  // every checkpoint has a validation loss logged at its update
  const metrics = (d: string) => readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const valUpdates = metrics(straight).filter((m) => 'val_loss' in m).map((m) => m.update);
  for (const u of expected) assert.ok(valUpdates.includes(u), `validation at checkpoint ${u}`);
  assert.deepEqual(valUpdates, [...new Set([...expected, 40, 80, 120])].sort((a, b) => a - b));

  // stop between two log-spaced checkpoints (at 30), then once more right after one (at 50), resume to the end
  assert.equal((await trainRun(resumed, config, { stopAt: 30 })).state, 'stopped');
  assert.equal((await trainRun(resumed, config, { stopAt: 50, resume: true })).state, 'stopped');
  assert.equal((await trainRun(resumed, config, { resume: true })).state, 'completed');
  const names = readdirSync(path.join(resumed, 'checkpoints'));
  assert.deepEqual(names, [...new Set([...expected, 30])].sort((a, b) => a - b).map(checkpointName));
  for (const u of expected) {
    for (const file of ['weights.bin', 'optimizer.bin']) {
      const a = readFileSync(path.join(straight, 'checkpoints', checkpointName(u), file));
      const b = readFileSync(path.join(resumed, 'checkpoints', checkpointName(u), file));
      assert.ok(a.equals(b), `update ${u}: ${file} bit-identical`);
    }
  }
  const strip = (d: string) => metrics(d).map(({ elapsed_ms: _, ...m }) => m);
  assert.deepEqual(strip(resumed), strip(straight), 'the same metrics, in order, without duplicates');
});
