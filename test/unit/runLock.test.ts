/**
 * One writer per run folder (src/runs/runLock.ts) and metrics that never fall behind checkpoints
 * (src/core/train/trainer.ts), with real trainer processes (dist/cli.js): two trainers on one folder, stale locks,
 * the lock released on every way out, SIGKILLs at seeded random instants followed by --resume, failed starts, --out
 * on an existing run, bad configuration files and numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunManager } from '../../src/runs/runManager';
import { acquireRunLock, readRunLock, RUN_LOCK_FILE, runFolderLiveness, RunLockError } from '../../src/runs/runLock';
import { bundle as trainBundle } from '../../src/cli/train';

/** How `train` (dist/cli-train.js) reports what escapes it. */
const reportError = (err: unknown) => trainBundle.reportError(err);
import { createOrOpenSweepFolder, memberRunDir, readMemberStates } from '../../src/sweeps/folder';
import { resolveSweep } from '../../src/sweeps/spec';
import { CLI } from './helpers';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-lock-'));
/** A small copy task: a few hundred updates train in about a second. */
const SMALL = ['--task', 'copy', '--T', '21', '--N', '16', '--val-size', '16', '--train-size', '256', '--eval-every', '50', '--threads', '1', '--quiet'];

function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, ...opts });
}

function start(args: string[]): ChildProcess & { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  return Object.assign(child, { done });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function oneLine(r: { status: number | null; stderr: string }, status: number, re: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, re);
}

/** metrics.jsonl without its wall-clock field. */
function metricLines(dir: string): Record<string, unknown>[] {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const { elapsed_ms: _, ...rest } = JSON.parse(l);
    return rest;
  });
}

/** A pid that surely runs no process now (one that just exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function lockText(o: Partial<{ pid: number; host: string; started_at: string; slurm_job: string | null }>): string {
  return JSON.stringify({
    format: 'recurrent-lens-run-lock', pid: 1, host: os.hostname(), started_at: new Date().toISOString(), command: 'recurrent-lens train',
    slurm_job: null, token: 'test', ...o,
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('two trainers on one folder: the second fails naming the holder and touches nothing; the first completes', async () => {
  const root = tmp();
  try {
    const dir = path.join(root, 'run');
    const a = start(['train', ...SMALL, '--updates', '4000', '--checkpoint-every', '1000', '--out', dir]);
    await until('the first trainer to write status.json', () => existsSync(path.join(dir, 'status.json')));
    const config = readFileSync(path.join(dir, 'config.json'), 'utf8');
    const holder = new RegExp(`${escape(dir)}: run folder is in use by recurrent-lens train \\(pid ${a.pid} on host ${escape(os.hostname())}, since \\d{4}-`);
    // a new run in the folder, a resume, an overwrite: each refused with the holder named, exit 2
    oneLine(cli(['train', ...SMALL, '--T', '30', '--updates', '100', '--out', dir]), 2, holder);
    oneLine(cli(['train', '--run-dir', dir, '--resume', '--quiet']), 2, holder);
    oneLine(cli(['train', ...SMALL, '--updates', '100', '--out', dir, '--overwrite']), 2, holder);
    assert.equal(readFileSync(path.join(dir, 'config.json'), 'utf8'), config, 'config.json untouched');
    const end = await a.done;
    assert.equal(end.code, 0, end.stderr);
    assert.ok(!existsSync(path.join(dir, RUN_LOCK_FILE)), 'the lock is released at the end');
    const lines = metricLines(dir);
    const train = lines.filter((l) => 'train_loss' in l).map((l) => l.update);
    assert.deepEqual(train, Array.from({ length: 400 }, (_, i) => (i + 1) * 10), 'one trainer\'s training losses, in order, once each');
    const vals = lines.filter((l) => 'val_loss' in l).map((l) => l.update as number);
    assert.deepEqual(vals, [...vals].sort((x, y) => x - y));
    assert.equal(new Set(vals).size, vals.length);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).state, 'completed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('stale locks are taken over (dead pid, a reused pid, another host whose status says it ended); a live one elsewhere is respected', async () => {
  const root = tmp();
  try {
    // a dead pid on this host
    const dir = path.join(root, 'run');
    mkdirSync(dir);
    writeFileSync(path.join(dir, RUN_LOCK_FILE), lockText({ pid: deadPid() }));
    const r = cli(['train', ...SMALL, '--updates', '30', '--checkpoint-every', '10', '--out', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(path.join(dir, RUN_LOCK_FILE)));
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).state, 'completed');

    // a pid alive but not a trainer (this test process: reused pid)
    writeFileSync(path.join(dir, RUN_LOCK_FILE), lockText({ pid: process.pid }));
    assert.equal(runFolderLiveness(dir, undefined), 'gone');
    const resumed = cli(['train', '--run-dir', dir, '--resume', '--updates', '40', '--quiet']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).update, 40);

    // another host: its process cannot be checked; respected while status.json does not say that trainer ended
    const started = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(path.join(dir, RUN_LOCK_FILE), lockText({ pid: 4242, host: 'node17.cluster', started_at: started, slurm_job: '991_3' }));
    const before = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    oneLine(cli(['train', '--run-dir', dir, '--resume', '--updates', '50', '--quiet']), 2,
      /run folder is in use by recurrent-lens train \(pid 4242 on host node17\.cluster, SLURM job 991_3, since /);
    assert.equal(readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), before);
    assert.equal(runFolderLiveness(dir, undefined), 'elsewhere');
    const status = JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8'));
    writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ ...status, state: 'stopped', pid: 4242, host: 'node17.cluster', ended_at: new Date().toISOString() }));
    assert.equal(runFolderLiveness(dir, undefined), 'gone');
    const again = cli(['train', '--run-dir', dir, '--resume', '--updates', '50', '--quiet']);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(!existsSync(path.join(dir, RUN_LOCK_FILE)));

    // in-process: a live trainer's lock is refused with its holder; release removes only our own lock
    const fake = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'train'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, RUN_LOCK_FILE), lockText({ pid: fake.pid! }));
      assert.throws(() => acquireRunLock(dir), (e: unknown) => e instanceof RunLockError && e.holder?.pid === fake.pid);
    } finally {
      fake.kill('SIGKILL');
    }
    await new Promise((r) => fake.once('exit', r));
    const lock = acquireRunLock(dir);
    assert.equal(readRunLock(dir)?.token, lock.info.token);
    lock.release();
    assert.ok(!existsSync(path.join(dir, RUN_LOCK_FILE)));
    const mine = acquireRunLock(dir);
    writeFileSync(path.join(dir, RUN_LOCK_FILE), lockText({ pid: deadPid() })); // taken over by someone else meanwhile
    mine.release();
    assert.ok(existsSync(path.join(dir, RUN_LOCK_FILE)), 'not ours any more: left alone');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the lock is released after a failure and after SIGTERM (stopped with a checkpoint)', async () => {
  const root = tmp();
  try {
    const dir = path.join(root, 'run');
    const a = start(['train', ...SMALL, '--updates', '20000', '--checkpoint-every', '5000', '--out', dir]);
    await until('a checkpoint', () => existsSync(path.join(dir, 'checkpoints', 'update-0000010')));
    a.kill('SIGTERM');
    const end = await a.done;
    assert.equal(end.code, 0, end.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).state, 'stopped');
    assert.ok(!existsSync(path.join(dir, RUN_LOCK_FILE)), 'released after SIGTERM');

    // a resume that fails (a damaged checkpoint) releases it too
    const last = readdirSync(path.join(dir, 'checkpoints')).sort().pop()!;
    writeFileSync(path.join(dir, 'checkpoints', last, 'weights.bin'), 'damaged');
    const r = cli(['train', '--run-dir', dir, '--resume', '--quiet']);
    oneLine(r, 2, /expected \d+ bytes for this model/);
    assert.ok(!existsSync(path.join(dir, RUN_LOCK_FILE)), 'released after a failure');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('RunManager: a run whose folder another live process holds shows as running and is not resumed', async () => {
  const ws = tmp();
  const fake = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'train'], { stdio: 'ignore' });
  const manager = new RunManager({ cli: CLI, folders: () => [ws], maxConcurrentRuns: () => 1, isTrusted: () => true, pollMs: 100 });
  try {
    const dir = path.join(ws, '.recurrent-lens', 'runs', 'held');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ task: 'copy', T: 21, N: 16, updates: 50 }));
    writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ id: 'held', state: 'stopped', update: 10, updates: 50, pid: 1, host: os.hostname() }));
    writeFileSync(path.join(dir, RUN_LOCK_FILE), lockText({ pid: fake.pid! }));
    await manager.refresh();
    assert.equal(manager.get('held')?.state, 'running');
    assert.equal(manager.get('held')?.external, true);
    // the stopped run cannot be resumed while another process holds it
    const status = readFileSync(path.join(dir, 'status.json'), 'utf8');
    fake.kill('SIGKILL');
    await new Promise((r) => fake.once('exit', r));
    await until('the manager to see the holder gone', () => { void manager.refresh(); return manager.get('held')?.state === 'stopped'; });
    // a live holder again: resume() refuses with the holder named and changes nothing
    const fake2 = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'train'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, RUN_LOCK_FILE), lockText({ pid: fake2.pid! }));
      assert.throws(() => manager.resume('held'), new RegExp(`being trained by another process: recurrent-lens train \\(pid ${fake2.pid} on host`));
      assert.equal(manager.get('held')?.state, 'running');
      assert.equal(readFileSync(path.join(dir, 'status.json'), 'utf8'), status);
    } finally {
      fake2.kill('SIGKILL');
    }
  } finally {
    manager.dispose();
    fake.kill('SIGKILL');
    rmSync(ws, { recursive: true, force: true });
  }
});

/** mulberry32: the kill instants are seeded, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts (or resumes) the run in `dir` and SIGKILLs it after `delayMs`; resolves with whether it finished first. */
async function killAfter(dir: string, flags: string[], delayMs: number): Promise<boolean> {
  // Killed before config.json existed, there is no run yet: it is started again; otherwise resumed.
  const args = existsSync(path.join(dir, 'config.json')) ? ['train', '--run-dir', dir, '--resume', '--quiet', '--threads', '1'] : ['train', ...flags, '--out', dir];
  const child = start(args);
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const end = await child.done;
  clearTimeout(timer);
  if (end.signal === null) assert.equal(end.code, 0, end.stderr);
  return end.signal === null;
}

function sameRun(dir: string, reference: string, what: string): void {
  assert.deepEqual(metricLines(dir), metricLines(reference), `${what}: metrics.jsonl (elapsed_ms aside)`);
  const names = readdirSync(path.join(reference, 'checkpoints')).sort();
  assert.deepEqual(readdirSync(path.join(dir, 'checkpoints')).filter((n) => !n.startsWith('.')).sort(), names, `${what}: checkpoints`);
  const last = names[names.length - 1];
  assert.ok(readFileSync(path.join(dir, 'checkpoints', last, 'weights.bin')).equals(readFileSync(path.join(reference, 'checkpoints', last, 'weights.bin'))), `${what}: final weights`);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).state, 'completed');
  assert.ok(!existsSync(path.join(dir, RUN_LOCK_FILE)));
}

test('SIGKILL at seeded random instants, then --resume to the end: the same metrics and weights as an uninterrupted run', async (t) => {
  const root = tmp();
  const random = rng(20261205);
  let kills = 0;
  try {
    // checkpoint_every 10 with log_every 10; 7 with log_every 5: checkpoints between logged updates
    const configs = [
      ['--updates', '300', '--checkpoint-every', '10', '--seed', '1'],
      ['--updates', '200', '--checkpoint-every', '7', '--log-every', '5', '--seed', '2', '--lr', '3e-3'],
      ['--updates', '250', '--checkpoint-every', '25', '--seed', '3', '--init', 'orthogonal'],
    ];
    for (const [c, extra] of configs.entries()) {
      const flags = [...SMALL, ...extra];
      const reference = path.join(root, `reference-${c}`);
      const t0 = Date.now();
      assert.equal(cli(['train', ...flags, '--out', reference]).status, 0);
      const span = Math.max(400, (Date.now() - t0) * 1.2);
      for (let trial = 0; trial < 3; trial++) {
        const dir = path.join(root, `killed-${c}-${trial}`);
        for (let k = 0; k < 4; k++) {
          if (await killAfter(dir, flags, Math.floor(random() * span))) break;
          kills++;
        }
        if (!existsSync(path.join(dir, 'config.json'))) assert.equal(cli(['train', ...flags, '--out', dir]).status, 0);
        else assert.equal(cli(['train', '--run-dir', dir, '--resume', '--quiet', '--threads', '1']).status, 0);
        sameRun(dir, reference, `config ${c}, trial ${trial}`);
      }
    }
    t.diagnostic(`${kills} SIGKILLs over 9 interrupted runs`);
    assert.ok(kills >= 9, `${kills} kills`); // the kill instants are seeded but land by wall clock: under load fewer kill a run before it ends
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a kill during resume\'s truncation of metrics.jsonl leaves the old file or the new one, never an empty or torn one', async () => {
  const root = tmp();
  const random = rng(7);
  try {
    const flags = [...SMALL, '--updates', '200', '--checkpoint-every', '10'];
    const reference = path.join(root, 'reference');
    assert.equal(cli(['train', ...flags, '--out', reference]).status, 0);
    const dir = path.join(root, 'run');
    assert.equal(cli(['train', ...flags, '--updates', '100', '--out', dir]).status, 0);
    // Lines after the last checkpoint (update 100), as a killed trainer may leave them: lots, so that the rewrite takes a while.
    const extra = `{"update":150,"train_loss":1,"elapsed_ms":0}\n`.repeat(400_000);
    appendFileSync(path.join(dir, 'metrics.jsonl'), extra);
    const kept = metricLines(reference).filter((l) => (l.update as number) <= 100);
    for (let k = 0; k < 6; k++) {
      const child = start(['train', '--run-dir', dir, '--resume', '--updates', '200', '--quiet', '--threads', '1']);
      const timer = setTimeout(() => child.kill('SIGKILL'), 150 + Math.floor(random() * 900));
      const end = await child.done;
      clearTimeout(timer);
      const text = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
      assert.ok(text.endsWith('\n'), 'never a torn or empty file');
      const lines = metricLines(dir);
      // the checkpoint's metrics are all there, whatever follows them
      assert.deepEqual(lines.slice(0, kept.length), kept, `kill ${k} (${end.signal ?? end.code})`);
      if (end.signal === null) break;
    }
    assert.equal(cli(['train', '--run-dir', dir, '--resume', '--updates', '200', '--quiet', '--threads', '1']).status, 0);
    // the resumed run to 200 logs what the uninterrupted one did (its config asked for 200 from the start)
    assert.deepEqual(metricLines(dir), metricLines(reference));
    assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')), 'no temporary files left');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('failed starts leave nothing; --out refuses a started run unless --resume or --overwrite; a user\'s folder keeps its files', () => {
  const root = tmp();
  try {
    // bad --threads: checked before anything is made; missing MNIST files: the folder made for the run goes again
    oneLine(cli(['train', ...SMALL, '--threads', '0', '--out', path.join(root, 'a', 'run')]), 2, /--threads must be a whole number from 1 to 64, got "0"/);
    assert.ok(!existsSync(path.join(root, 'a')));
    const missing = path.join(root, 'nope-images.idx');
    oneLine(cli(['train', '--task', 'psmnist', '--mnist-images', missing, '--mnist-labels', path.join(root, 'nope-labels.idx'), '--out', path.join(root, 'b', 'run'), '--quiet']), 2,
      new RegExp(`${escape(missing)}: cannot read \\(ENOENT\\)`));
    assert.ok(!existsSync(path.join(root, 'b')), 'the folders made for the run are removed');
    // a folder of the user's with other content: the run's files go, the folder and its content stay
    const mine = path.join(root, 'mine');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'notes.txt'), 'mine');
    oneLine(cli(['train', '--task', 'psmnist', '--mnist-images', missing, '--mnist-labels', missing, '--out', mine, '--quiet']), 2, /cannot read \(ENOENT\)/);
    assert.deepEqual(readdirSync(mine), ['notes.txt']);

    // a finished run: train --out again is refused (metrics untouched); --overwrite replaces it; --resume continues
    const run = path.join(root, 'run');
    assert.equal(cli(['train', ...SMALL, '--updates', '30', '--checkpoint-every', '10', '--out', run]).status, 0);
    writeFileSync(path.join(run, 'notes.txt'), 'mine too');
    const metrics = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8');
    oneLine(cli(['train', ...SMALL, '--updates', '30', '--out', run]), 2,
      new RegExp(`${escape(run)}: holds a completed run already: --resume continues it, --overwrite replaces it, or choose another --out`));
    assert.equal(readFileSync(path.join(run, 'metrics.jsonl'), 'utf8'), metrics);
    oneLine(cli(['train', ...SMALL, '--updates', '30', '--out', run, '--overwrite', '--resume']), 2, /not both/);
    const over = cli(['train', ...SMALL, '--updates', '20', '--checkpoint-every', '20', '--seed', '5', '--out', run, '--overwrite']);
    assert.equal(over.status, 0, over.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8')).seed, 5);
    assert.deepEqual(readdirSync(path.join(run, 'checkpoints')).sort(), ['update-0000000', 'update-0000010', 'update-0000020']);
    assert.equal(Math.max(...metricLines(run).map((l) => l.update as number)), 20);
    assert.equal(readFileSync(path.join(run, 'notes.txt'), 'utf8'), 'mine too');
    assert.ok(!readdirSync(run).some((n) => n.startsWith('.')), 'nothing of the old run left');

    // --resume of a run killed before its first checkpoint starts it from update 0
    const early = path.join(root, 'early');
    mkdirSync(early);
    writeFileSync(path.join(early, 'config.json'), JSON.stringify({ task: 'copy', T: 21, N: 16, updates: 20, val_size: 16, train_size: 256 }));
    writeFileSync(path.join(early, 'status.json'), JSON.stringify({ state: 'running', pid: deadPid(), host: os.hostname() }));
    writeFileSync(path.join(early, RUN_LOCK_FILE), lockText({ pid: deadPid() }));
    const r = cli(['train', '--run-dir', early, '--resume', '--quiet', '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(early, 'status.json'), 'utf8')).update, 20);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('configuration files must be JSON objects; numbers on the command line are decimal', () => {
  const root = tmp();
  try {
    for (const [text, what] of [['[]', 'a list'], ['null', 'null'], ['3', 'a number'], ['"copy"', 'a string'], ['[{"task": "copy"}]', 'a list']]) {
      const file = path.join(root, 'run.json');
      writeFileSync(file, text);
      oneLine(cli(['train', '--config', file, '--out', path.join(root, 'run')]), 2,
        new RegExp(`^recurrent-lens: ${escape(file)}: a run configuration must be a JSON object such as \\{"task": "copy", "T": 100\\}, got ${what}`));
    }
    for (const [flag, value] of [['--T', '0x20'], ['--T', '0o40'], ['--T', '0b100000'], ['--updates', '1e3'], ['--N', '16.0'], ['--N', ''], ['--seed', ' '],
      ['--lr', '0x1'], ['--lr', 'Infinity'], ['--lr', '1_000'], ['--lr', ''], ['--early-stop', '1e'], ['--threads', '0x2']]) {
      const r = cli(['train', flag, value, '--out', path.join(root, 'run')]);
      oneLine(r, 2, new RegExp(`${escape(flag)} must be .*, got "${escape(value)}"`));
    }
    assert.ok(!existsSync(path.join(root, 'run')), 'nothing made');
    // what is accepted: decimal digits with a sign, reals with an exponent
    const r = cli(['train', ...SMALL, '--updates', '+20', '--lr', '2.5E-3', '--early-stop', '.0001', '--checkpoint-every', '20', '--out', path.join(root, 'ok')]);
    assert.equal(r.status, 0, r.stderr);
    const config = JSON.parse(readFileSync(path.join(root, 'ok', 'config.json'), 'utf8'));
    assert.deepEqual([config.updates, config.lr, config.early_stop], [20, 2.5e-3, 1e-4]);
    // sweep lists too
    oneLine(cli(['sweep', '--inits', 'chain:1.02', '--lrs', '0x1', '--out', path.join(root, 'sweep')]), 2, /--lrs must be a decimal number/);
    oneLine(cli(['sweep', '--inits', 'chain:1.02', '--seeds', '1,0x2', '--out', path.join(root, 'sweep')]), 2, /--seeds must be a whole number in decimal digits, got "0x2"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an internal error is one line "recurrent-lens: internal error: …", exit 1; its stack only with RECURRENT_LENS_DEBUG=1', () => {
  const written: string[] = [];
  const write = process.stderr.write;
  const debug = process.env.RECURRENT_LENS_DEBUG;
  process.stderr.write = ((chunk: string) => { written.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    delete process.env.RECURRENT_LENS_DEBUG;
    let bug: unknown;
    try {
      (null as unknown as { task: string }).task.trim();
    } catch (e) {
      bug = e;
    }
    assert.equal(reportError(bug), 1);
    assert.deepEqual(written.splice(0), ['recurrent-lens: internal error: Cannot read properties of null (reading \'task\')\n']);
    assert.equal(reportError(new RunLockError('/x', null)), 2);
    assert.deepEqual(written.splice(0), ['recurrent-lens: run folder is in use by a trainer that is just starting\n']);
    assert.equal(reportError(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/x/y', syscall: 'open' })), 2);
    assert.deepEqual(written.splice(0), ['recurrent-lens: /x/y: cannot open (EACCES)\n']);
    process.env.RECURRENT_LENS_DEBUG = '1';
    assert.equal(reportError(bug), 1);
    assert.match(written.join(''), /internal error: Cannot read properties of null[^]*\n {4}at /);
  } finally {
    process.stderr.write = write;
    if (debug === undefined) delete process.env.RECURRENT_LENS_DEBUG;
    else process.env.RECURRENT_LENS_DEBUG = debug;
  }
});

test('sweeps: a member whose folder another trainer holds counts as running, is not trained twice, and SLURM submits leave it out', async () => {
  const root = tmp();
  const fake = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'train'], { stdio: 'ignore' });
  try {
    const sweepDir = path.join(root, 'sw');
    const sweep = await createOrOpenSweepFolder(sweepDir, resolveSweep(
      { task: 'copy', T: 21, N: 16, inits: ['chain:1.02'], seeds: 1, updates: 20, val_size: 16, train_size: 256 }, { id: 'sw' }));
    const runDir = memberRunDir(sweepDir, sweep.members[0]);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, RUN_LOCK_FILE), lockText({ pid: fake.pid! }));
    // no status.json yet (a trainer just started): the lock says it runs
    assert.equal((await readMemberStates(sweepDir, sweep))[0].state, 'running');
    oneLine(cli(['train', '--sweep', sweepDir, '--index', '0', '--quiet']), 2, new RegExp(`run folder is in use by recurrent-lens train \\(pid ${fake.pid} on host`));
    assert.deepEqual(readdirSync(runDir), [RUN_LOCK_FILE], 'nothing written');
    // the SLURM executor submits nothing for it (and so needs no SLURM command here)
    const { SlurmExecutor } = await import('../../src/sweeps/slurmExecutor');
    assert.deepEqual(await new SlurmExecutor({}).submit(sweepDir, sweep, [0]), { job_id: null });
    assert.ok(!existsSync(path.join(sweepDir, 'slurm')));
    fake.kill('SIGKILL');
    await new Promise((r) => fake.once('exit', r));
    // the holder gone: the member trains
    assert.equal((await readMemberStates(sweepDir, sweep))[0].state, 'pending');
    const r = cli(['train', '--sweep', sweepDir, '--index', '0', '--quiet', '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await readMemberStates(sweepDir, sweep))[0].state, 'completed');
  } finally {
    fake.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

test('SLURM submit: a lock left on another node by a task of this sweep that SLURM no longer runs is removed; other locks elsewhere are respected', async () => {
  const root = tmp();
  try {
    // SLURM's commands as a login node answers them: task 77_0 timed out; sbatch records its arguments
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    const script = (name: string, body: string) => writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    script('squeue', 'echo "77_0|TIMEOUT|None|rl-sw"; echo "77_1|TIMEOUT|None|rl-sw"');
    script('sacct', 'exit 1');
    script('scontrol', 'exit 1');
    script('sbatch', `echo "$@" >> ${path.join(root, 'sbatch.args')}; echo 78`);
    const sweepDir = path.join(root, 'sw');
    const sweep = await createOrOpenSweepFolder(sweepDir, resolveSweep(
      { task: 'copy', T: 21, N: 16, inits: ['chain:1.02'], seeds: [1, 2], updates: 20, val_size: 16, train_size: 256 }, { id: 'sw' }));
    mkdirSync(path.join(sweepDir, 'slurm'), { recursive: true });
    writeFileSync(path.join(sweepDir, 'slurm', 'submissions.json'), JSON.stringify({
      format: 'recurrent-lens-slurm-submissions', version: 1,
      submissions: [{ job_id: '77', job_name: 'rl-sw', indices: [0, 1], offset: 0, array: '0-1', batch: '77', submitted_at: new Date().toISOString() }],
    }));
    const [ours, other] = sweep.members.map((m) => memberRunDir(sweepDir, m));
    for (const dir of [ours, other]) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(ours, RUN_LOCK_FILE), lockText({ pid: 5, host: 'node3.cluster', slurm_job: '77_0' }));
    // member 1 is held on another machine by a trainer that is no task of ours (started by hand there): respected
    writeFileSync(path.join(other, RUN_LOCK_FILE), lockText({ pid: 6, host: 'workstation', slurm_job: null }));
    const { SlurmExecutor } = await import('../../src/sweeps/slurmExecutor');
    const ex = new SlurmExecutor({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    assert.deepEqual(await ex.submit(sweepDir, sweep, [0, 1]), { job_id: '78' });
    assert.ok(!existsSync(path.join(ours, RUN_LOCK_FILE)), 'the dead task\'s lock is removed');
    assert.ok(existsSync(path.join(other, RUN_LOCK_FILE)), 'the other lock stays');
    assert.match(readFileSync(path.join(root, 'sbatch.args'), 'utf8'), /--array=0 /, 'only member 0 is submitted');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('RunManager: a queued run whose folder another process took meanwhile is followed, not started', async () => {
  const ws = tmp();
  const fake = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'train'], { stdio: 'ignore' });
  const manager = new RunManager({ cli: CLI, folders: () => [ws], maxConcurrentRuns: () => 1, isTrusted: () => true, pollMs: 100 });
  try {
    await manager.ready;
    const config = { task: 'copy' as const, T: 21, N: 16, updates: 200, val_size: 16, train_size: 256, checkpoint_every: 100 };
    const [a, b] = await manager.start([{ ...config, seed: 1 }, { ...config, seed: 2 }]);
    assert.equal(manager.get(b)?.state, 'queued');
    const dirB = manager.get(b)!.dir;
    writeFileSync(path.join(dirB, RUN_LOCK_FILE), lockText({ pid: fake.pid! }));
    assert.equal((await manager.whenSettled(a)).state, 'completed');
    await until('run b to be followed', () => manager.get(b)?.state === 'running' && manager.get(b)?.external === true, 10_000);
    assert.deepEqual(readdirSync(dirB).sort(), ['config.json', RUN_LOCK_FILE], 'no trainer of ours wrote there');
    fake.kill('SIGKILL');
    await until('run b to be seen idle', () => manager.get(b)?.state === 'pending', 10_000);
  } finally {
    manager.dispose();
    fake.kill('SIGKILL');
    rmSync(ws, { recursive: true, force: true });
  }
});
