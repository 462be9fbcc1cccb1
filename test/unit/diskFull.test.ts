/**
 * Runs on a full or read-only disk (src/core/train/trainer.ts, src/cli/train.ts) and the checkpoint retention policy
 * (`keep_checkpoints`), on a real small file system: a 2 MiB tmpfs mounted for the test (root only; CI runs as root).
 * Refused writes of one kind at a precise point (metrics, status) are injected into node:fs in this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkpointName, checkpointSchedule, checkpointsToPrune, logSpacedUpdates, scheduledCheckpoints } from '../../src/core/train/checkpoint';
import { resolveConfig } from '../../src/core/train/config';
import { RunManager } from '../../src/runs/runManager';
import { runTrajectory, TRAJECTORY_CACHE } from '../../src/runs/trajectory';
import { CLI } from './helpers';
import { trainRun } from './trainRun';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-disk-'));
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const NOT_ROOT = 'needs root to mount a small tmpfs (CI runs as root)';

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** Mounts a tmpfs of `size` on a new folder; the returned function unmounts and removes it. */
function mountTmpfs(size: string): { dir: string; remount: (opts: string) => void; done: () => void } {
  const dir = tmp();
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `mount: ${r.stderr}`);
  return {
    dir,
    remount: (opts) => assert.equal(spawnSync('mount', ['-o', `remount,${opts}`, dir], { encoding: 'utf8' }).status, 0, `remount ${opts}`),
    done: () => {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir` with a hash of its content: what "untouched" is checked against. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha1').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Temporary files anywhere under `dir`. */
function leftovers(dir: string): string[] {
  return Object.keys(snapshot(dir)).concat(readdirSync(path.join(dir, 'checkpoints'))).filter((n) => /\.tmp(\/|$)/.test(n) || n.startsWith('.'));
}

function metricLines(dir: string): Record<string, unknown>[] {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const { elapsed_ms: _, ...rest } = JSON.parse(l);
    return rest;
  });
}

const status = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8'));
const checkpoints = (dir: string) => readdirSync(path.join(dir, 'checkpoints')).sort();
/** The copy task of the report that filled a 2 MiB tmpfs at update ~190 (N 100: about 85 kB per checkpoint). */
const FLAGS = ['--task', 'copy', '--T', '30', '--updates', '400', '--checkpoint-every', '10', '--keep-checkpoints', '0', '--val-size', '32', '--train-size', '512', '--threads', '1'];

test('disk full during a checkpoint: failed with one line, no temporary files, the last complete checkpoint named; a resume on the full disk touches nothing; after space is freed it ends equal to an uninterrupted run', { skip: !root && NOT_ROOT }, () => {
  const fs2 = mountTmpfs('2m');
  const reference = path.join(tmp(), 'reference');
  try {
    const dir = path.join(fs2.dir, 'run');
    const r = cli(['train', ...FLAGS, '--out', dir, '--quiet']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /run: disk full while writing checkpoint update-\d{7} \(ENOSPC\)$/m);
    const s = status(dir);
    assert.equal(s.state, 'failed');
    assert.match(s.error, /^disk full while writing checkpoint update-\d{7} \(ENOSPC\)$/);
    const names = checkpoints(dir);
    assert.ok(names.length > 5 && names.length < 41, `${names.length} checkpoints`);
    assert.equal(s.checkpoint, `checkpoints/${names[names.length - 1]}`, 'status.json names the last complete checkpoint');
    assert.ok(!s.error.includes(names[names.length - 1]), 'the failed checkpoint is a later one');
    for (const n of names) assert.deepEqual(readdirSync(path.join(dir, 'checkpoints', n)).sort(), ['model.json', 'optimizer.bin', 'trainer.json', 'weights.bin']);
    assert.deepEqual(leftovers(dir), []);
    assert.ok(!existsSync(path.join(dir, 'train.lock')));
    assert.match(readFileSync(path.join(dir, 'log.txt'), 'utf8').trim().split('\n').pop()!, /failed: disk full while writing checkpoint update-\d{7} \(ENOSPC\) after \d+ updates/);

    // The disk entirely full: the resume's first write (status.json) fails and the run's files are as they were.
    const before = snapshot(dir);
    try { writeFileSync(path.join(fs2.dir, 'filler'), Buffer.alloc(4 << 20)); } catch { /* filled up to the last byte */ }
    const again = cli(['train', '--resume', '--run-dir', dir, '--quiet', '--threads', '1']);
    assert.equal(again.status, 2, again.stderr);
    assert.match(again.stderr, /disk full while writing (train\.lock|status\.json) \(ENOSPC\)/);
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
    assert.deepEqual(snapshot(dir), before, 'a resume that cannot write changes nothing');
    assert.ok(!existsSync(path.join(dir, 'train.lock')));

    // Space back (a larger file system): the resume continues from the last complete checkpoint to the end.
    rmSync(path.join(fs2.dir, 'filler'));
    fs2.remount('size=8m');
    const resumed = cli(['train', '--resume', '--run-dir', dir, '--quiet', '--threads', '1']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(cli(['train', ...FLAGS, '--out', reference, '--quiet']).status, 0);
    assert.deepEqual(metricLines(dir), metricLines(reference), 'metrics.jsonl (elapsed_ms aside)');
    assert.deepEqual(checkpoints(dir), checkpoints(reference));
    const last = checkpoints(reference).pop()!;
    assert.ok(readFileSync(path.join(dir, 'checkpoints', last, 'weights.bin')).equals(readFileSync(path.join(reference, 'checkpoints', last, 'weights.bin'))), 'final weights');
    assert.equal(status(dir).state, 'completed');
    assert.deepEqual(leftovers(dir), []);
  } finally {
    fs2.done();
    rmSync(path.dirname(reference), { recursive: true, force: true });
  }
});

test('a read-only run folder: the resume fails in one line naming the file and changes nothing', { skip: !root && NOT_ROOT }, () => {
  const fs2 = mountTmpfs('4m');
  try {
    const dir = path.join(fs2.dir, 'run');
    const r = cli(['train', '--task', 'copy', '--T', '21', '--N', '16', '--updates', '40', '--val-size', '16', '--train-size', '64', '--out', dir, '--quiet', '--stop-never'].filter((a) => a !== '--stop-never'));
    assert.equal(r.status, 0, r.stderr);
    const before = snapshot(dir);
    fs2.remount('ro');
    const again = cli(['train', '--resume', '--run-dir', dir, '--updates', '80', '--quiet']);
    assert.equal(again.status, 2, again.stderr);
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
    assert.match(again.stderr, /read-only file system while writing (train\.lock|config\.json|status\.json) \(EROFS\)/);
    fs2.remount('rw');
    assert.deepEqual(snapshot(dir), before);
  } finally {
    fs2.done();
  }
});

test('retention: update 0, the log-spaced, the best and the last K stay; the rest go; a pinned checkpoint always stays', () => {
  const logSpaced = new Set(logSpacedUpdates(1000)); // 10 20 50 100 200 500
  const all = [0, 10, 20, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
  assert.deepEqual(checkpointsToPrune(all, { keep: 2, logSpaced, best: 300 }), [400, 600, 700, 800]);
  assert.deepEqual(checkpointsToPrune(all, { keep: 2, logSpaced, best: null, pinned: [700] }), [300, 400, 600, 800]);
  assert.deepEqual(checkpointsToPrune(all, { keep: 0, logSpaced, best: null }), []);
  assert.deepEqual(checkpointsToPrune([0, 10, 30], { keep: 1, logSpaced: new Set([10]), best: null }), []);
  // Whatever the policy, the newest checkpoint (status.json's and a resume's) is never among those pruned.
  for (let keep = 1; keep < 4; keep++) for (let n = 1; n < all.length; n++) {
    const some = all.slice(0, n);
    assert.ok(!checkpointsToPrune(some, { keep, logSpaced, best: some[0] }).includes(some[n - 1]));
  }
  assert.equal(resolveConfig({}).keep_checkpoints, 5);
});

test('retention in a run: a stopped, resumed run keeps update 0, the log-spaced, the best and the last K, and status.json names one kept', async () => {
  const dir = tmp();
  try {
    const config = resolveConfig({ task: 'copy', T: 21, N: 16, updates: 300, checkpoint_every: 10, eval_every: 10, val_size: 16, train_size: 128, keep_checkpoints: 2, lr: 1e-3 });
    const stopped = await trainRun(dir, config, { stopAt: 137 });
    assert.equal(stopped.state, 'stopped');
    assert.ok(checkpoints(dir).includes(path.basename(stopped.checkpoint!)));
    // A trajectory while the run is stopped caches checkpoints that the resumed run prunes.
    const early = await runTrajectory(dir);
    assert.deepEqual(early.checkpoints.map((e) => e.update), checkpoints(dir).map((n) => Number(n.slice(7))));
    const end = await trainRun(dir, config, { resume: true });
    assert.equal(end.state, 'completed');
    const kept = checkpoints(dir).map((n) => Number(n.slice(7)));
    // The trajectory of the pruned run: one entry per kept checkpoint, cached analyses of pruned ones gone.
    const trajectory = await runTrajectory(dir);
    assert.deepEqual(trajectory.checkpoints.map((e) => e.update), kept);
    assert.ok(early.checkpoints.some((e) => !kept.includes(e.update)), 'the resumed run pruned a checkpoint the first trajectory had');
    assert.deepEqual(readdirSync(path.join(dir, TRAJECTORY_CACHE)).sort(), checkpoints(dir).map((n) => `${n}.json`));
    assert.equal(trajectory.checkpoints[0].henrici, early.checkpoints[0].henrici);
    const vals = new Map(metricLines(dir).filter((l) => 'val_loss' in l).map((l) => [l.update as number, l.val_loss as number]));
    const scheduled = scheduledCheckpoints(checkpointSchedule(300, 10));
    let best = 0;
    for (const u of scheduled) if (vals.get(u)! < vals.get(best)!) best = u;
    const expected = [...new Set([0, ...logSpacedUpdates(300), best, 290, 300])].sort((a, b) => a - b);
    assert.deepEqual(kept, expected);
    assert.equal(status(dir).checkpoint, `checkpoints/${checkpointName(300)}`);
    assert.deepEqual(readdirSync(path.join(dir, 'checkpoints')).filter((n) => n.startsWith('.')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention: a run whose config.json names no keep_checkpoints (made before retention) keeps every checkpoint when resumed', () => {
  const dir = tmp();
  try {
    const run = path.join(dir, 'run');
    const flags = ['--task', 'copy', '--T', '21', '--N', '16', '--checkpoint-every', '10', '--eval-every', '10', '--val-size', '16', '--train-size', '128', '--threads', '1', '--quiet'];
    let r = cli(['train', ...flags, '--updates', '60', '--out', run]);
    assert.equal(r.status, 0, r.stderr);
    const configFile = path.join(run, 'config.json');
    const { keep_checkpoints: _, ...legacy } = JSON.parse(readFileSync(configFile, 'utf8'));
    writeFileSync(configFile, JSON.stringify(legacy));
    r = cli(['train', '--run-dir', run, '--resume', '--updates', '120', '--threads', '1', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(status(run).update, 120);
    assert.deepEqual(checkpoints(run), Array.from({ length: 13 }, (_, i) => checkpointName(10 * i)));
    assert.equal(JSON.parse(readFileSync(configFile, 'utf8')).keep_checkpoints, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A preload for the trainer process that makes one file's writes fail with ENOSPC after `RL_FAIL_AFTER` successful
 * ones — as a full disk fails them: the file (a `.tmp` beside it) is created empty, then the write is refused.
 */
const INJECT = `
const fs = require('node:fs');
const re = new RegExp(process.env.RL_FAIL_FILE);
let left = Number(process.env.RL_FAIL_AFTER);
const full = (file) => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write', path: String(file) });
const hit = (file) => re.test(String(file)) && left-- <= 0;
const writeFile = fs.promises.writeFile, open = fs.promises.open;
fs.promises.writeFile = async (file, ...rest) => {
  if (hit(file)) { await writeFile(file, ''); throw full(file); }
  return writeFile(file, ...rest);
};
fs.promises.open = async (file, flags, ...rest) => {
  if (flags === 'a' && hit(file)) throw full(file);
  return open(file, flags, ...rest);
};
`;

function cliFailing(args: string[], file: RegExp, after: number) {
  const preload = path.join(mkdtempSync(path.join(os.tmpdir(), 'rl-inject-')), 'inject.js');
  writeFileSync(preload, INJECT);
  try {
    return spawnSync(process.execPath, ['--require', preload, CLI, ...args], {
      encoding: 'utf8', timeout: 120_000, env: { ...process.env, RL_FAIL_FILE: file.source, RL_FAIL_AFTER: String(after) },
    });
  } finally {
    rmSync(path.dirname(preload), { recursive: true, force: true });
  }
}

const SMALL = ['--task', 'copy', '--T', '21', '--N', '16', '--updates', '200', '--checkpoint-every', '10', '--eval-every', '10', '--val-size', '16', '--train-size', '128', '--threads', '1', '--keep-checkpoints', '3'];

/** The run in `dir` resumed to its end equals `reference` (metrics, checkpoints kept, final weights). */
function resumesToReference(dir: string, reference: string): void {
  const r = cli(['train', '--resume', '--run-dir', dir, '--quiet', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(metricLines(dir), metricLines(reference), 'metrics.jsonl (elapsed_ms aside)');
  assert.deepEqual(checkpoints(dir), checkpoints(reference));
  const last = checkpoints(reference).pop()!;
  assert.ok(readFileSync(path.join(dir, 'checkpoints', last, 'weights.bin')).equals(readFileSync(path.join(reference, 'checkpoints', last, 'weights.bin'))), 'final weights');
  assert.equal(status(dir).state, 'completed');
}

test('disk full while appending metrics: failed in one line, the last complete checkpoint named; the resume ends equal to an uninterrupted run', () => {
  const root2 = tmp();
  try {
    const dir = path.join(root2, 'run'), reference = path.join(root2, 'reference');
    assert.equal(cli(['train', ...SMALL, '--out', reference, '--quiet']).status, 0);
    const r = cliFailing(['train', ...SMALL, '--out', dir, '--quiet'], /metrics\.jsonl$/, 6);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /disk full while writing metrics\.jsonl \(ENOSPC\)$/m);
    const s = status(dir);
    assert.equal(s.state, 'failed');
    assert.equal(s.error, 'disk full while writing metrics.jsonl (ENOSPC)');
    assert.ok(s.update < 200);
    assert.equal(s.checkpoint, `checkpoints/${checkpoints(dir).pop()}`);
    assert.deepEqual(leftovers(dir), []);
    resumesToReference(dir, reference);
  } finally {
    rmSync(root2, { recursive: true, force: true });
  }
});

test('disk full for status.json itself: no temporary file stays, the run store shows the run interrupted at its last complete checkpoint, and it resumes', async () => {
  const ws = tmp();
  const manager = new RunManager({ cli: CLI, folders: () => [ws], maxConcurrentRuns: () => 1, isTrusted: () => true, pollMs: 100 });
  try {
    const dir = path.join(ws, '.recurrent-lens', 'runs', 'full'), reference = path.join(ws, 'reference');
    mkdirSync(path.dirname(dir), { recursive: true });
    assert.equal(cli(['train', ...SMALL, '--out', reference, '--quiet']).status, 0);
    const r = cliFailing(['train', ...SMALL, '--out', dir, '--quiet'], /status\.json\.\d+\.tmp$/, 6);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /: disk full while writing status\.json \(ENOSPC\)$/m);
    assert.equal(status(dir).state, 'running', 'status.json could not say more');
    assert.deepEqual(leftovers(dir), []);
    assert.ok(!existsSync(path.join(dir, 'train.lock')));
    await manager.ready;
    await manager.refresh();
    const view = manager.get('full')!;
    assert.equal(view.state, 'interrupted');
    assert.equal(view.checkpoint, `checkpoints/${checkpoints(dir).pop()}`);
    assert.ok(checkpoints(dir).length >= 5);
    await until(() => typeof manager.get('full')!.diskBytes === 'number');
    assert.ok(manager.get('full')!.diskBytes! > 10_000);
    resumesToReference(dir, reference);
  } finally {
    manager.dispose();
    rmSync(ws, { recursive: true, force: true });
  }
});

async function until(ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
