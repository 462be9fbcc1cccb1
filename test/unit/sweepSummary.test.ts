import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveSweep, SweepError } from '../../src/sweeps/spec';
import { createOrOpenSweepFolder, memberRunDir, readMemberStates, readResolvedSweep } from '../../src/sweeps/folder';
import { mergeTaskState, readSummary, sem, summarizeSweep, summaryLine, writeSummary } from '../../src/sweeps/summary';
import type { ExecutorTaskState, ResolvedSweep, SweepMember } from '../../src/sweeps/types';
import { ROOT } from './helpers';

const T = 100;
const BASELINE = (10 * Math.log(8)) / T;

function sweepOf(): ResolvedSweep {
  // 2 groups: chain with gains 1.0 and 1.02, orthogonal:1.0; lrs 1e-4 and 3e-4; seeds 1–3 → 18 members.
  return resolveSweep({ task: 'copy', T, inits: [{ name: 'chain', gains: [1.0, 1.02] }, 'orthogonal:1.0'], lrs: [1e-4, 3e-4], seeds: 3, updates: 100 }, { id: 's' });
}

function writeStatus(dir: string, m: SweepMember, fields: Record<string, unknown>): void {
  const runDir = memberRunDir(dir, m);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'status.json'), JSON.stringify({
    id: m.name, state: 'completed', update: 100, updates: 100, train_loss: 0.1, val_loss: null, best_val_loss: null,
    baseline: BASELINE, succeeded: false, diverged: false, checkpoint: null, ms_per_update: 2, pid: null, host: hostname(),
    started_at: null, ended_at: null, error: null, ...fields,
  }));
}

const done = (loss: number) => ({ state: 'completed', val_loss: loss, succeeded: loss < BASELINE / 2 });

test('hand-made run folders: counts per state, successes per group, best cell with its s.e.m.', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-sweepsum-'));
  try {
    const sweep = await createOrOpenSweepFolder(dir, sweepOf());
    const m = (gain: number, lr: number, seed: number) => sweep.members.find((x) => x.group === 'chain' && x.gain === gain && x.lr === lr && x.seed === seed)!;
    // chain 1.02 / 1e-4: 0.01, 0.02, 0.03 (3 successes) → mean 0.02, sem = 0.01/√3
    writeStatus(dir, m(1.02, 1e-4, 1), done(0.01));
    writeStatus(dir, m(1.02, 1e-4, 2), done(0.02));
    writeStatus(dir, m(1.02, 1e-4, 3), done(0.03));
    // chain 1.0 / 3e-4: 0.005 but one diverged: ranked after the cell without divergence
    writeStatus(dir, m(1.0, 3e-4, 1), done(0.005));
    writeStatus(dir, m(1.0, 3e-4, 2), { state: 'diverged', diverged: true, val_loss: NaN, error: 'the training loss became NaN' });
    // chain 1.0 / 1e-4: a stopped run, a running one (this process, a live trainer? no: its pid is gone), one elsewhere
    writeStatus(dir, m(1.0, 1e-4, 1), { state: 'stopped', update: 40, val_loss: 0.5 });
    writeStatus(dir, m(1.0, 1e-4, 2), { state: 'running', update: 10, pid: 2 ** 22 + 12345 });
    writeStatus(dir, m(1.0, 1e-4, 3), { state: 'running', update: 10, pid: 1, host: 'node-7' });
    // orthogonal: two finished at the baseline, one failed
    const orth = sweep.members.filter((x) => x.group === 'orthogonal:1.0');
    writeStatus(dir, orth[0], done(0.2));
    writeStatus(dir, orth[1], done(0.21));
    writeStatus(dir, orth[2], { state: 'failed', error: 'boom' });

    const s = await summarizeSweep(dir, sweep);
    assert.equal(s.runs, 18);
    assert.equal(s.finished, 7);
    assert.equal(s.running, 1, 'a trainer on another host counts as running');
    assert.equal(s.unfinished, 3, 'stopped, failed and the interrupted local run');
    assert.equal(s.pending, 7);
    assert.equal(s.members!.find((x) => x.index === m(1.0, 1e-4, 2).index)!.state, 'interrupted');
    assert.deepEqual(s.successes, { chain: 4, 'orthogonal:1.0': 0 });
    assert.deepEqual(s.runs_per_init, { chain: 12, 'orthogonal:1.0': 6 });
    const b = s.best.chain!;
    assert.equal(b.gain, 1.02);
    assert.equal(b.lr, 1e-4);
    assert.ok(Math.abs(b.mean_final_val_loss - 0.02) < 1e-12);
    assert.ok(Math.abs(b.sem - 0.01 / Math.sqrt(3)) < 1e-12);
    assert.equal(b.runs, 3);
    assert.equal(b.successes, 3);
    const o = s.best['orthogonal:1.0']!;
    assert.ok(Math.abs(o.mean_final_val_loss - 0.205) < 1e-12);
    assert.ok(Math.abs(o.sem - 0.005) < 1e-12);
    assert.equal(o.runs, 2);
    assert.equal(s.baseline, BASELINE);

    const line = JSON.parse(summaryLine({ ...s, executor: 'local', job_id: null }));
    assert.deepEqual(Object.keys(line).slice(0, 8), ['sweep_dir', 'runs', 'finished', 'successes', 'runs_per_init', 'best', 'executor', 'job_id']);
    assert.equal(line.members, undefined);
    assert.equal(line.sweep_dir, path.resolve(dir));
    assert.deepEqual(Object.keys(line.best.chain), ['gain', 'lr', 'mean_final_val_loss', 'sem', 'runs', 'successes']);
    // docs/cli.md documents every field of the line (a contract).
    const doc = readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    for (const key of [...Object.keys(line), ...Object.keys(line.best.chain)]) assert.ok(doc.includes(`\`${key}\``) || doc.includes(`best.*.${key}`), `docs/cli.md documents ${key}`);
    await writeSummary(dir, s);
    assert.deepEqual(await readSummary(dir), JSON.parse(JSON.stringify(s)));

    // Executor states merge with the folders: queued and running win over unfinished folders, never over finished ones.
    const tasks = new Map<number, ExecutorTaskState>([[orth[2].index, 'timeout'], [orth[0].index, 'cancelled'], [m(1.02, 3e-4, 1).index, 'queued']]);
    const t = await summarizeSweep(dir, sweep, { tasks, executor: 'slurm', job_id: '42' });
    assert.equal(t.members![orth[2].index].state, 'timeout');
    assert.equal(t.members![orth[0].index].state, 'completed');
    assert.equal(t.members![m(1.02, 3e-4, 1).index].state, 'queued');
    assert.equal(t.job_id, '42');
    assert.equal(t.executor, 'slurm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mergeTaskState: the one rule', () => {
  assert.equal(mergeTaskState('completed', 'failed'), 'completed');
  assert.equal(mergeTaskState('diverged', 'running'), 'diverged');
  assert.equal(mergeTaskState('pending', undefined), 'pending');
  assert.equal(mergeTaskState('pending', 'queued'), 'queued');
  assert.equal(mergeTaskState('running', 'queued'), 'running');
  assert.equal(mergeTaskState('interrupted', 'running'), 'running');
  assert.equal(mergeTaskState('stopped', 'completed'), 'stopped');
  assert.equal(mergeTaskState('running', 'completed'), 'failed');
  assert.equal(mergeTaskState('running', 'timeout'), 'timeout');
  assert.equal(mergeTaskState('interrupted', 'cancelled'), 'cancelled');
});

test('sem is the sample standard deviation over √n; 0 for one value', () => {
  assert.equal(sem([3]), 0);
  assert.ok(Math.abs(sem([1, 2, 3, 4]) - Math.sqrt(5 / 3) / 2) < 1e-12);
});

test('sweep folders: the same sweep continues, another is refused, a non-sweep folder is refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-sweepdir-'));
  try {
    const sweep = sweepOf();
    const a = path.join(dir, 'a');
    await createOrOpenSweepFolder(a, sweep);
    const again = await createOrOpenSweepFolder(a, resolveSweep(sweep.source, { id: 'other-id', now: new Date(0) }));
    assert.equal(again.created_at, sweep.created_at, 'continuing keeps the sweep as first written');
    assert.deepEqual(await readResolvedSweep(a), JSON.parse(readFileSync(path.join(a, 'sweep.json'), 'utf8')));
    const other = resolveSweep({ ...sweep.source, seeds: 4 }, { id: 's' });
    await assert.rejects(createOrOpenSweepFolder(a, other), (e: Error) => e instanceof SweepError && e.message === `${a}: holds another sweep (18 runs): choose another folder`);
    writeFileSync(path.join(dir, 'x.txt'), 'hello');
    await assert.rejects(createOrOpenSweepFolder(dir, sweep), /not empty and not a sweep folder/);
    await assert.rejects(readResolvedSweep(dir), (e: Error) => e.message === `${dir}: not a sweep folder (no sweep.json)`);
    assert.equal((await readMemberStates(a, sweep)).every((m) => m.state === 'pending'), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
