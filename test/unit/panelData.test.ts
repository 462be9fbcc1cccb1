// The sweep panel's data from sweep folders written by hand in the layout the sweep CLI writes (sweep.json,
// summary.json, runs/<member>/status.json + metrics.jsonl): counts per group, the success-rate grid, the best cell's
// mean ± s.e.m. curve, live updates of one member, bad folders, and the load time of a paper-sized (2 000-run) sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { meanCurve, membersCsv, curvesCsv, progressText, SweepPanelModel } from '../../src/sweeps/panelData';
import { sem } from '../../src/sweeps/summary';
import { SweepError } from '../../src/sweeps/spec';
import type { MemberState, SweepSummary } from '../../src/sweeps/types';
import { COPY100_BASELINE, makeSweep, paperSizedSweep, status, writeRun } from './sweepFixtures';

const BASELINE = COPY100_BASELINE;

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-panel-'));
}

test('counts per group, the success-rate grid and the best cell with its mean ± s.e.m. curve', async () => {
  const dir = tmp();
  const sweep = makeSweep([
    { group: 'chain', specs: ['chain:1.0', 'chain:1.02'] },
    { group: 'orthogonal:1.0', specs: ['orthogonal:1.0'] },
  ], [1e-3, 1e-4], [1, 2, 3]);
  fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(sweep));
  const at = (init: string, lr: number, seed: number) => sweep.members.find((m) => m.init === init && m.lr === lr && m.seed === seed)!;
  // chain:1.02 lr 1e-4: three successes (best cell); chain:1.0 lr 1e-3: one success of two finished, one running.
  writeRun(dir, at('chain:1.02', 1e-4, 1), status('completed', 0.02, true), [[50, 0.2], [100, 0.1], [150, 0.05], [200, 0.02]]);
  writeRun(dir, at('chain:1.02', 1e-4, 2), status('completed', 0.04, true), [[50, 0.2], [100, 0.12], [150, 0.06], [200, 0.04]]);
  // Stopped early below the threshold at update 150: its last value carries on.
  writeRun(dir, at('chain:1.02', 1e-4, 3), status('completed', 0.03, true, 150), [[50, 0.2], [100, 0.08], [150, 0.03]]);
  writeRun(dir, at('chain:1.0', 1e-3, 1), status('completed', 0.05, true), [[200, 0.05]]);
  writeRun(dir, at('chain:1.0', 1e-3, 2), status('completed', 0.3, false), [[200, 0.3]]);
  writeRun(dir, at('chain:1.0', 1e-3, 3), { ...status('running', 0.25, false, 100), pid: process.pid });
  writeRun(dir, at('orthogonal:1.0', 1e-3, 1), status('completed', 0.2, false), [[200, 0.2]]);
  writeRun(dir, at('orthogonal:1.0', 1e-3, 2), status('diverged', null, false, 80));
  // A status that says running but whose process is gone.
  writeRun(dir, at('orthogonal:1.0', 1e-4, 1), { ...status('running', 0.25, false, 100), pid: 2 ** 22 + 12345 });

  const model = new SweepPanelModel(dir);
  await model.load();
  const d = await model.data();
  assert.equal(d.runs, 18);
  assert.equal(d.finished, 7);
  assert.equal(d.running, 0, 'a status.json of a live process that is not a trainer is not counted as running');
  assert.equal(d.unfinished, 2, 'both "running" statuses without a trainer process are interrupted');
  assert.equal(d.pending, 9);
  assert.equal(d.successes, 4);

  const [chain, orth] = d.groups;
  assert.equal(chain.group, 'chain');
  assert.deepEqual([chain.runs, chain.finished, chain.successes], [12, 5, 4]);
  assert.deepEqual([orth.runs, orth.finished, orth.successes], [6, 2, 0]);
  assert.deepEqual(chain.gains, [1.0, 1.02]);
  assert.deepEqual(chain.lrs, [1e-3, 1e-4], 'learning rates from large to small');
  assert.deepEqual(chain.cells.map((c) => [c.gain, c.lr, c.successes, c.finished, c.rate]), [
    [1.0, 1e-3, 1, 2, 0.5], [1.0, 1e-4, 0, 0, null], [1.02, 1e-3, 0, 0, null], [1.02, 1e-4, 3, 3, 1],
  ]);
  assert.equal(chain.best, 3);
  const best = chain.cells[3];
  assert.ok(Math.abs(best.mean_final_val_loss! - 0.03) < 1e-12);
  assert.ok(Math.abs(best.sem! - 0.01 / Math.sqrt(3)) < 1e-12, `sem ${best.sem}`);
  assert.deepEqual(best.members.map((i) => d.members[i].seed), [1, 2, 3]);
  const curve = chain.curve!;
  assert.deepEqual(curve.update, [50, 100, 150, 200]);
  assert.deepEqual(curve.n, [3, 3, 3, 3]);
  assert.ok(Math.abs(curve.mean[3] - (0.02 + 0.04 + 0.03) / 3) < 1e-12, 'the early-stopped run keeps its last value');
  assert.ok(Math.abs(curve.sem[1] - sem([0.1, 0.12, 0.08])) < 1e-12);
  // The diverged orthogonal run has no final loss: the finished cell's mean is the other seed's.
  assert.equal(orth.cells[orth.best!].mean_final_val_loss, 0.2);
  assert.equal(orth.cells[orth.best!].finished, 2);
  assert.equal(orth.cells[orth.best!].rate, 0);
  assert.equal(progressText(d), '7 of 18 finished · 9 pending · 2 unfinished (continue the sweep to resume them)');

  // CSV: a row per member; the curves of the best cells.
  const rows = membersCsv(d).trim().split('\n');
  assert.equal(rows.length, 19);
  assert.equal(rows[0], 'index,name,group,init,gain,lr,seed,state,update,updates,final_val_loss,succeeded');
  assert.ok(rows.some((r) => r.endsWith(',diverged,80,200,,false')), 'a diverged run has an empty final loss');
  const c = curvesCsv(d).trim().split('\n');
  assert.equal(c[0], 'group,gain,lr,update,mean_val_loss,sem,n');
  assert.equal(c.filter((r) => r.startsWith('chain,1.02,0.0001,')).length, 4);

  // Live: a member ends; only its status.json is read again, and the best cell's curve follows.
  const late = at('chain:1.02', 1e-4, 1);
  writeRun(dir, at('chain:1.0', 1e-3, 3), status('completed', 0.01, true), [[100, 0.1], [200, 0.01]]);
  assert.equal(await model.statusChanged(at('chain:1.0', 1e-3, 3).name), true);
  assert.equal(await model.statusChanged('not-a-member'), false);
  const d2 = await model.data();
  assert.equal(d2.groups[0].successes, 5);
  assert.equal(d2.groups[0].cells[0].rate, 2 / 3);
  assert.equal(d2.groups[0].best, 3, 'mean 0.12 of chain:1.0 is worse than 0.03');
  // A member's metrics grow: the curve reads only the new lines.
  fs.appendFileSync(path.join(dir, 'runs', late.name, 'metrics.jsonl'), JSON.stringify({ update: 250, val_loss: 0.01, elapsed_ms: 1 }) + '\n');
  const d3 = await model.data();
  assert.deepEqual(d3.groups[0].curve!.update, [50, 100, 150, 200, 250]);
  assert.ok(Math.abs(d3.groups[0].curve!.mean[4] - (0.01 + 0.04 + 0.03) / 3) < 1e-12);
});

test('the executor knows what the run folders do not: queued members from summary.json', async () => {
  const dir = tmp();
  const sweep = makeSweep([{ group: 'chain:1.02', specs: ['chain:1.02'] }], [1e-3], [1, 2]);
  fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(sweep));
  const summary: Partial<SweepSummary> = {
    executor: 'slurm', job_id: '42',
    members: sweep.members.map((m) => ({
      index: m.index, name: m.name, group: m.group, init: m.init, gain: m.gain, lr: m.lr, seed: m.seed,
      state: 'queued' as MemberState, update: 0, updates: 200, final_val_loss: null, succeeded: false, error: null,
    })),
  };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary));
  writeRun(dir, sweep.members[1], status('completed', 0.01, true), [[200, 0.01]]);
  const model = new SweepPanelModel(dir);
  await model.load();
  const d = await model.data();
  assert.deepEqual(d.members.map((m) => m.state), ['queued', 'completed']);
  assert.equal(d.executor, 'slurm');
  assert.equal(d.job_id, '42');
  assert.equal(d.pending, 1);
  assert.equal(progressText(d), '1 of 2 finished · 1 pending');
});

test('a folder that is not a sweep: one line naming the file', async () => {
  const dir = tmp();
  const file = path.join(dir, 'sweep.json');
  await assert.rejects(new SweepPanelModel(dir).load(), (e: Error) => e instanceof SweepError && e.message === `${dir}: not a sweep folder (no sweep.json)`);
  fs.writeFileSync(file, '{"format": "recurrent-lens-sweep", ');
  await assert.rejects(new SweepPanelModel(dir).load(), (e: Error) => e instanceof SweepError && e.message.startsWith(`${file}: not valid JSON`));
  fs.writeFileSync(file, JSON.stringify({ format: 'other' }));
  await assert.rejects(new SweepPanelModel(dir).load(), (e: Error) => e.message.startsWith(`${file}: not a Recurrent Lens sweep`));
  fs.writeFileSync(file, JSON.stringify({ format: 'recurrent-lens-sweep', version: 1, groups: [], baseline: 1, members: [{ name: 'a' }] }));
  await assert.rejects(new SweepPanelModel(dir).load(), (e: Error) => e instanceof SweepError && e.message === `${file}: members[0] needs name, group, gain, lr and seed`);
});

test('mean curve: runs of different lengths and a non-finite point', () => {
  const c = meanCurve([
    { update: [10, 20, 30], loss: [1, 2, 3] },
    { update: [10, 20], loss: [3, NaN] },
  ]);
  assert.deepEqual(c.update, [10, 20, 30]);
  assert.deepEqual(c.mean, [2, 2, 3]);
  assert.deepEqual(c.n, [2, 1, 1]);
  assert.equal(c.sem[0], 1);
});

test('a paper-sized sweep (2 112 runs, 462 per chain group; its load time: npm run bench -- --only sweep-panel)', async () => {
  const dir = tmp();
  const sweep = paperSizedSweep(dir);
  assert.equal(sweep.members.length, 2112);
  const model = new SweepPanelModel(dir);
  await model.load();
  const d = await model.data();
  assert.equal(await model.statusChanged(sweep.members[5].name), true);
  assert.equal(d.finished, 2112);
  assert.equal(d.groups[0].cells.length, 77);
  assert.equal(d.groups[2].cells.length, 99);
  assert.equal(d.groups[0].successes, sweep.members.filter((m) => m.group === 'chain').filter((m) => 0.01 + ((m.index * 7919) % 1000) / 2000 < BASELINE / 2).length);
  fs.rmSync(dir, { recursive: true, force: true });
});
