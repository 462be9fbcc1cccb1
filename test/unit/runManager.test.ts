// The run store and supervisor in plain Node (no VS Code): runs and sweep members started, stopped, resumed and
// read back from their folders by a RunManager driving real trainer processes (dist/cli.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI } from './helpers';
import { RunManager } from '../../src/runs/runManager';
import { resolveSweep } from '../../src/sweeps/spec';
import { createOrOpenSweepFolder, memberRunDir, SWEEPS_FOLDER } from '../../src/sweeps/folder';
import { LocalExecutor } from '../../src/sweeps/localExecutor';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function manager(ws: string, concurrency = 2): RunManager {
  return new RunManager({ cli: CLI, folders: () => [ws], maxConcurrentRuns: () => concurrency, isTrusted: () => true, pollMs: 200 });
}

test('RunManager: a run starts, stops with a checkpoint, resumes to the end; a new manager reads it back', async () => {
  const ws = mkdtempSync(path.join(tmpdir(), 'rl-rm-'));
  const m = manager(ws);
  try {
    await m.ready;
    const [id] = await m.start([{ task: 'copy', T: 60, N: 64, updates: 3000, eval_every: 1000, checkpoint_every: 100000, val_size: 32, train_size: 2000 }]);
    const deadline = Date.now() + 30_000;
    while ((m.get(id)!.state !== 'running' || m.get(id)!.update < 1) && Date.now() < deadline) await sleep(50);
    assert.equal(m.get(id)!.state, 'running');
    m.stop(id);
    const stopped = await m.whenSettled(id);
    assert.equal(stopped.state, 'stopped');
    assert.ok(stopped.update > 0 && stopped.update < 3000);
    assert.equal(stopped.checkpoint, `checkpoints/update-${String(stopped.update).padStart(7, '0')}`);
    m.resume(id);
    const done = await m.whenSettled(id);
    assert.equal(done.state, 'completed');
    assert.equal(done.update, 3000);
    const again = manager(ws);
    try {
      await again.ready;
      const view = again.get(id)!;
      assert.equal(view.state, 'completed');
      assert.equal(view.sweep, undefined);
      const val = (await again.metrics(id)).val.slice();
      const updates = Array.from(val.update);
      assert.equal(updates[0], 0);
      assert.equal(updates[updates.length - 1], 3000);
      assert.ok(updates.every((u, i) => i === 0 || u > updates[i - 1]), 'the resumed curve continues without repeats');
    } finally {
      again.dispose();
    }
  } finally {
    m.dispose();
    rmSync(ws, { recursive: true, force: true });
  }
});

test('RunManager sweeps: listed from the workspace, members started as <sweep>/<member>, never trained twice, counted', async () => {
  const ws = mkdtempSync(path.join(tmpdir(), 'rl-rm-'));
  const dir = path.join(ws, SWEEPS_FOLDER, 'tiny');
  const m = manager(ws);
  try {
    const sweep = await createOrOpenSweepFolder(dir, resolveSweep(
      { name: 'tiny', task: 'copy', T: 30, N: 8, inits: ['chain:1.02', 'orthogonal:1.0'], seeds: 2, updates: 40, eval_every: 20, val_size: 16 }, { id: 'tiny' }));
    await m.ready;
    await m.refresh(); // the sweep folder came after the manager's first reading
    let [view] = m.sweeps();
    assert.deepEqual(
      { id: view.id, label: view.label, runs: view.runs, pending: view.pending, finished: view.finished, runIds: view.runIds, groups: view.groups },
      { id: 'tiny', label: 'tiny', runs: 4, pending: 4, finished: 0, runIds: [], groups: ['chain:1.02', 'orthogonal:1.0'] },
    );
    const ids = await m.startSweep(dir, [0, 2]);
    assert.deepEqual(ids, [`tiny/${sweep.members[0].name}`, `tiny/${sweep.members[2].name}`]);
    for (const id of ids) {
      const v = await m.whenSettled(id);
      assert.equal(v.state, 'completed', v.error ?? '');
      assert.equal(v.sweep, 'tiny');
      assert.equal(v.dir, memberRunDir(dir, sweep.members[ids.indexOf(id) * 2]));
    }
    [view] = m.sweeps();
    assert.equal(view.finished, 2);
    assert.equal(view.pending, 2);
    assert.deepEqual(view.runs_per_init, { 'chain:1.02': 2, 'orthogonal:1.0': 2 });
    // The rest: only the two unfinished members are queued.
    const rest = await m.startSweep(dir);
    assert.deepEqual(rest, [`tiny/${sweep.members[1].name}`, `tiny/${sweep.members[3].name}`]);
    for (const id of rest) assert.equal((await m.whenSettled(id)).state, 'completed');
    assert.deepEqual(await m.startSweep(dir), [], 'nothing is trained twice');
    [view] = m.sweeps();
    assert.equal(view.finished, 4);
    assert.deepEqual(view.runIds, sweep.members.map((x) => `tiny/${x.name}`));
    const log = readFileSync(path.join(memberRunDir(dir, sweep.members[0]), 'log.txt'), 'utf8');
    assert.equal(log.match(/from update 0 to 40/g)?.length, 1, 'member 0 trained once');

    // A reloaded window reads the members from disk; a member recorded as running on another host is running.
    const member = memberRunDir(dir, sweep.members[3]);
    const status = JSON.parse(readFileSync(path.join(member, 'status.json'), 'utf8'));
    writeFileSync(path.join(member, 'status.json'), JSON.stringify({ ...status, state: 'running', pid: 1, host: 'node-7' }));
    const again = manager(ws);
    try {
      await again.ready;
      const members = again.list().filter((r) => r.sweep === 'tiny');
      assert.equal(members.length, 4);
      assert.equal(again.get(`tiny/${sweep.members[3].name}`)!.state, 'running');
      assert.equal(again.get(`tiny/${sweep.members[0].name}`)!.state, 'completed');
      const [v] = again.sweeps();
      assert.equal(v.finished, 3);
      assert.equal(v.running, 1);
    } finally {
      again.dispose();
    }
  } finally {
    m.dispose();
    rmSync(ws, { recursive: true, force: true });
  }
});

test('LocalExecutor: concurrency limit, poll states, cancel checkpoints the running members', async () => {
  const ws = mkdtempSync(path.join(tmpdir(), 'rl-rm-'));
  const dir = path.join(ws, 'sw');
  const ex = new LocalExecutor({ cli: CLI, concurrency: 1 });
  try {
    const sweep = await createOrOpenSweepFolder(dir, resolveSweep(
      { task: 'copy', T: 60, N: 64, inits: ['chain:1.02'], seeds: 3, updates: 3000, eval_every: 1000, checkpoint_every: 100000, val_size: 32, train_size: 2000 }, { id: 'sw' }));
    mkdirSync(path.join(dir, 'runs'), { recursive: true });
    assert.deepEqual(await ex.submit(dir, sweep, [0, 1, 2]), { job_id: null });
    const deadline = Date.now() + 30_000;
    let tasks = await ex.poll(dir, sweep);
    while (!(tasks.get(0) === 'running' && ex.members(dir)[0].update > 0) && Date.now() < deadline) {
      await sleep(50);
      tasks = await ex.poll(dir, sweep);
    }
    assert.deepEqual([...tasks.entries()].sort(), [[0, 'running'], [1, 'queued'], [2, 'queued']], 'one at a time');
    await ex.cancel(dir);
    tasks = await ex.poll(dir, sweep);
    assert.equal(tasks.get(0), 'cancelled');
    assert.equal(tasks.get(1), undefined, 'a queued member never started');
    const st = JSON.parse(readFileSync(path.join(memberRunDir(dir, sweep.members[0]), 'status.json'), 'utf8'));
    assert.equal(st.state, 'stopped');
    assert.ok(st.checkpoint);
  } finally {
    ex.dispose();
    rmSync(ws, { recursive: true, force: true });
  }
});
