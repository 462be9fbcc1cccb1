/**
 * Sweeps on a real SLURM cluster: the one-node cluster on localhost of test/slurm/start-localhost-slurm.sh
 * (`.ci/run` starts it with 2 CPUs and sets SLURM_CONF and RECURRENT_LENS_REQUIRE_SLURM=1). Without SLURM_CONF these
 * tests are skipped with a message — unless RECURRENT_LENS_REQUIRE_SLURM=1, then they fail. By hand:
 *
 *   eval "$(SLURM_LOCALHOST_CPUS=2 test/slurm/start-localhost-slurm.sh)" && npm run build &&
 *     node --test out/test/unit/slurmCluster.test.js; test/slurm/stop-localhost-slurm.sh
 *
 * Every task is `node dist/cli.js train --sweep DIR --index I` as a compute node would run it. ~2.5 minutes, most of it
 * the time-limit test (SLURM checks time limits every ~30 s and limits are whole minutes). The cluster must run nothing
 * else meanwhile: the tests count the tasks running at once and wait for CPUs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI } from './helpers';
import { resolveSweep, SweepError } from '../../src/sweeps/spec';
import { createOrOpenSweepFolder, memberRunDir } from '../../src/sweeps/folder';
import { summarizeSweep } from '../../src/sweeps/summary';
import { SlurmExecutor, type SlurmExecutorOptions } from '../../src/sweeps/slurmExecutor';
import type { ExecutorTaskState, ResolvedSweep, SweepFile } from '../../src/sweeps/types';

const REQUIRED = process.env.RECURRENT_LENS_REQUIRE_SLURM === '1';
const skip = (() => {
  if (!process.env.SLURM_CONF) return 'SLURM_CONF is not set: start test/slurm/start-localhost-slurm.sh (see this file\'s header)';
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) return `sinfo does not answer (${r.error?.message ?? r.stderr.trim()})`;
  return false;
})();
if (skip && !REQUIRED) process.stderr.write(`slurmCluster.test: skipped: ${skip}\n`);

/** A test that needs the cluster: skipped (with the reason) without one, failed without one in CI. */
function clusterTest(name: string, fn: () => Promise<void>, timeout = 120_000): void {
  test(name, { skip: skip && !REQUIRED ? skip : false, timeout }, async () => {
    if (skip) assert.fail(`RECURRENT_LENS_REQUIRE_SLURM=1 but no usable SLURM cluster: ${skip}`);
    await fn();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROOT = mkdtempSync(path.join(tmpdir(), 'rl-slurm-'));
const children = new Set<import('node:child_process').ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); // a timed-out test's reference run
  rmSync(ROOT, { recursive: true, force: true });
});

/** Tiny copy-task runs: ~1–2 s each, most of it Node starting. */
const TINY: SweepFile = { task: 'copy', T: 30, N: 16, updates: 300, eval_every: 100, checkpoint_every: 100000, val_size: 32, train_size: 2000 };
const OPTS: SlurmExecutorOptions = { cliPath: CLI, nodePath: process.execPath };

const made: { dir: string; sweep: ResolvedSweep }[] = [];
async function makeSweep(id: string, file: SweepFile): Promise<{ dir: string; sweep: ResolvedSweep }> {
  const dir = path.join(ROOT, id);
  made.push({ dir, sweep: await createOrOpenSweepFolder(dir, resolveSweep(file, { id })) });
  return made[made.length - 1];
}
// A failed or timed-out test leaves no job behind on the cluster.
after(async () => {
  if (!skip) for (const { dir, sweep } of made) await new SlurmExecutor(OPTS).cancel(dir, sweep).catch(() => undefined);
});

function status(runDir: string): { state: string; update: number; checkpoint: string | null; val_loss: number | null } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(runDir, 'status.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number, every = 300): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

const states = (tasks: Map<number, ExecutorTaskState>) => [...tasks].sort((a, b) => a[0] - b[0]).map(([, s]) => s);

clusterTest('an 8-run sweep as one array job, two tasks at a time, every run completed', async () => {
  const { dir, sweep } = await makeSweep('eight', { ...TINY, inits: ['chain:1.02', 'orthogonal:1.0'], seeds: 4 });
  const ex = new SlurmExecutor({ ...OPTS, maxParallel: 2, time: '5' });
  const { job_id } = await ex.submit(dir, sweep, sweep.members.map((m) => m.index));
  assert.match(job_id!, /^\d+$/);
  const script = readFileSync(path.join(dir, 'slurm', 'sweep.sbatch'), 'utf8');
  assert.match(script, /^#SBATCH --array=0-7%2$/m);
  assert.match(script, /^#SBATCH --time=5$/m);
  assert.match(script, /train --sweep .* --index "\$\(\(SLURM_ARRAY_TASK_ID \+ offset\)\)"/);
  const subs = JSON.parse(readFileSync(path.join(dir, 'slurm', 'submissions.json'), 'utf8')).submissions;
  assert.deepEqual(subs.map((s: { job_id: string; indices: number[] }) => [s.job_id, s.indices]), [[job_id, [0, 1, 2, 3, 4, 5, 6, 7]]]);

  let most = 0;
  const final = await ex.waitUntilDone(dir, sweep, {
    intervalMs: 200,
    onPoll: (t) => { most = Math.max(most, [...t.values()].filter((s) => s === 'running').length); },
  });
  assert.deepEqual(states(final), Array(8).fill('completed'));
  assert.ok(most <= 2, `at most two tasks ran at once (saw ${most})`);
  assert.equal(most, 2, 'two tasks ran at once');
  const summary = await summarizeSweep(dir, sweep, { tasks: final, executor: 'slurm', job_id });
  assert.equal(summary.finished, 8);
  assert.deepEqual(summary.members!.map((m) => m.state), Array(8).fill('completed'));
  assert.deepEqual(readdirSync(path.join(dir, 'slurm', 'out')).sort(), [0, 1, 2, 3, 4, 5, 6, 7].map((t) => `${job_id}_${t}.out`));
  for (const m of sweep.members) assert.equal(status(memberRunDir(dir, m))!.update, 300);
});

clusterTest('a failing task is FAILED and failed in the summary; resubmitting only it completes the sweep', async () => {
  const { dir, sweep } = await makeSweep('failing', { ...TINY, inits: ['chain:1.02'], seeds: 3 });
  // Member 1 cannot write its run folder: a plain file where its checkpoints folder goes.
  const broken = memberRunDir(dir, sweep.members[1]);
  mkdirSync(broken, { recursive: true });
  writeFileSync(path.join(broken, 'checkpoints'), 'not a folder');
  const ex = new SlurmExecutor(OPTS);
  const first = await ex.submit(dir, sweep, [0, 1, 2]);
  const tasks = await ex.waitUntilDone(dir, sweep, { intervalMs: 300 });
  assert.deepEqual(states(tasks), ['completed', 'failed', 'completed']);
  const summary = await summarizeSweep(dir, sweep, { tasks, executor: 'slurm', job_id: first.job_id });
  assert.deepEqual(summary.members!.map((m) => m.state), ['completed', 'failed', 'completed']);
  assert.equal(summary.unfinished, 1);
  const out = readFileSync(path.join(dir, 'slurm', 'out', `${first.job_id}_1.out`), 'utf8');
  assert.match(out, /^recurrent-lens: .*checkpoints/m, 'the task output names the problem');

  rmSync(path.join(broken, 'checkpoints'));
  const unfinished = summary.members!.filter((m) => !['completed', 'diverged', 'running', 'queued'].includes(m.state)).map((m) => m.index);
  assert.deepEqual(unfinished, [1]);
  const second = await ex.submit(dir, sweep, unfinished);
  assert.notEqual(second.job_id, first.job_id);
  const again = await ex.waitUntilDone(dir, sweep, { intervalMs: 300 });
  assert.deepEqual(states(again), ['completed', 'completed', 'completed']);
  const subs = JSON.parse(readFileSync(path.join(dir, 'slurm', 'submissions.json'), 'utf8')).submissions;
  assert.deepEqual(subs.map((s: { indices: number[] }) => s.indices), [[0, 1, 2], [1]]);
  assert.equal((await summarizeSweep(dir, sweep, { tasks: again })).finished, 3);
});

clusterTest('scancel of a running sweep: running runs checkpoint (stopped), queued ones cancelled; continuing resumes them', async () => {
  const { dir, sweep } = await makeSweep('cancel', { ...TINY, updates: 6000, eval_every: 1000, inits: ['chain:1.02'], seeds: 4 });
  const ex = new SlurmExecutor({ ...OPTS, maxParallel: 2 });
  await ex.submit(dir, sweep, [0, 1, 2, 3]);
  // both running tasks have trained a little
  await until('two runs training', async () => {
    const s = [0, 1].map((i) => status(memberRunDir(dir, sweep.members[i])));
    return s.every((x) => x && x.state === 'running' && x.update > 200);
  }, 60_000, 200);
  await ex.cancel(dir, sweep);
  const tasks = await ex.poll(dir, sweep);
  assert.deepEqual(states(tasks), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  const stoppedAt: number[] = [];
  for (const i of [0, 1]) {
    const s = status(memberRunDir(dir, sweep.members[i]))!;
    assert.equal(s.state, 'stopped', `run ${i} checkpointed on SIGTERM`);
    assert.ok(s.update > 0 && s.update < 6000);
    assert.equal(s.checkpoint, `checkpoints/update-${String(s.update).padStart(7, '0')}`);
    stoppedAt.push(s.update);
  }
  for (const i of [2, 3]) assert.equal(status(memberRunDir(dir, sweep.members[i])), undefined, `run ${i} never started`);
  const summary = await summarizeSweep(dir, sweep, { tasks });
  assert.deepEqual(summary.members!.map((m) => m.state), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  assert.equal(summary.unfinished, 4);

  await ex.submit(dir, sweep, [0, 1, 2, 3]);
  const done = await ex.waitUntilDone(dir, sweep, { intervalMs: 300 });
  assert.deepEqual(states(done), ['completed', 'completed', 'completed', 'completed']);
  for (const i of [0, 1]) {
    const log = readFileSync(path.join(memberRunDir(dir, sweep.members[i]), 'log.txt'), 'utf8');
    assert.match(log, new RegExp(`from update ${stoppedAt[i]} to 6000`), `run ${i} resumed from its checkpoint`);
  }
}, 180_000);

clusterTest('a run past its --time limit is TIMEOUT, checkpointed; resubmitted, it ends exactly as an uninterrupted run', async () => {
  // ~105 s of training on this machine (no early stop) — longer than the 1-minute limit, which SLURM enforces 60–90 s
  // after the start. Timed by the fastest of 200 updates (a whole update in the trainer takes ~1.25× that): other load
  // only makes the run longer.
  const base: SweepFile = {
    task: 'copy', T: 100, N: 64, eval_every: 2000, checkpoint_every: 1_000_000, val_size: 64, train_size: 4000, early_stop: 0,
  };
  const bench = spawnSync(process.execPath, [CLI, 'bench', 'train', '--task', 'copy', '--T', '100', '--N', '64', '--threads', '1', '--updates', '200', '--json'], { encoding: 'utf8' });
  assert.equal(bench.status, 0, bench.stderr);
  const ms = JSON.parse(bench.stdout).min_ms as number;
  const updates = Math.ceil(85_000 / ms / 1000) * 1000;
  const { dir, sweep } = await makeSweep('timeout', { ...base, updates, inits: ['chain:1.02'], seeds: [7] });
  const member = sweep.members[0];

  // The uninterrupted reference, on the other CPU meanwhile.
  const refDir = path.join(ROOT, 'timeout-reference');
  mkdirSync(refDir);
  writeFileSync(path.join(refDir, 'config.json'), JSON.stringify(member.config));
  const ref = spawn(process.execPath, [CLI, 'train', '--run-dir', refDir, '--threads', '1', '--quiet'], { stdio: 'ignore' });
  children.add(ref);
  const refDone = new Promise<number | null>((r) => ref.on('exit', (c) => r(c)));
  try {
    await timeLimitedRun(dir, sweep, refDir, refDone, updates);
  } finally {
    if (ref.exitCode === null) ref.kill('SIGKILL');
  }
  // Under heavy load from elsewhere this takes longer; alone on two cores about 2 minutes.
}, 480_000);

async function timeLimitedRun(dir: string, sweep: ResolvedSweep, refDir: string, refDone: Promise<number | null>, updates: number): Promise<void> {
  const member = sweep.members[0];

  const ex = new SlurmExecutor({ ...OPTS, time: '1' });
  const { job_id } = await ex.submit(dir, sweep, [0]);
  const tasks = await ex.waitUntilDone(dir, sweep, { intervalMs: 1000 });
  assert.deepEqual(states(tasks), ['timeout']);
  const runDir = memberRunDir(dir, member);
  const cut = status(runDir)!;
  assert.equal(cut.state, 'stopped', 'the trainer checkpointed on SIGTERM');
  assert.ok(cut.update > 0 && cut.update < updates, `cut at ${cut.update} of ${updates}`);
  assert.match(readFileSync(path.join(dir, 'slurm', 'out', `${job_id}_0.out`), 'utf8'), /DUE TO TIME LIMIT/);
  assert.equal((await summarizeSweep(dir, sweep, { tasks })).members![0].state, 'timeout');

  const resumed = new SlurmExecutor(OPTS); // no time limit now (the partition's: unlimited here)
  await resumed.submit(dir, sweep, [0]);
  assert.deepEqual(states(await resumed.waitUntilDone(dir, sweep, { intervalMs: 1000 })), ['completed']);
  assert.equal(await refDone, 0);
  const end = status(runDir)!, refEnd = status(refDir)!;
  assert.equal(end.state, 'completed');
  assert.equal(end.update, updates);
  assert.equal(end.val_loss, refEnd.val_loss, 'the same final validation loss, to the bit');
  const last = `checkpoints/update-${String(updates).padStart(7, '0')}`;
  for (const file of ['weights.bin', 'optimizer.bin']) {
    assert.ok(readFileSync(path.join(runDir, last, file)).equals(readFileSync(path.join(refDir, last, file))), `${file} byte-identical`);
  }
  // validation losses at every evaluation, identical (elapsed times differ)
  const vals = (d: string) => readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((m) => 'val_loss' in m).map((m) => [m.update, m.val_loss]);
  assert.deepEqual(vals(runDir), vals(refDir));
  assert.match(readFileSync(path.join(runDir, 'log.txt'), 'utf8'), new RegExp(`from update ${cut.update} to ${updates}`));
}

/** The CLI as a user runs it: exit status, stdout, stderr. */
function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

clusterTest('the CLI: sweep --executor slurm returns with the job id; sweep-status follows it; --wait; bad flags exit 2', async () => {
  const out = path.join(ROOT, 'cli');
  const grid = ['sweep', '--inits', 'chain:1.02,orthogonal:1.0', '--seeds', '2', '--task', 'copy', '--T', '30', '--N', '16', '--updates', '300',
    '--eval-every', '100', '--val-size', '32', '--train-size', '2000', '--out', out, '--executor', 'slurm'];
  const r = cli([...grid, '--concurrency', '2', '--time', '10', '--sbatch-args', '--comment="rl test"', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout);
  assert.match(line.job_id, /^\d+$/);
  assert.equal(line.executor, 'slurm');
  assert.equal(line.runs, 4);
  assert.ok(line.finished < 4, 'returned before the runs ended');
  assert.match(r.stderr, new RegExp(`submitted 4 runs as SLURM job ${line.job_id}`));
  const script = readFileSync(path.join(out, 'slurm', 'sweep.sbatch'), 'utf8');
  for (const d of ['--array=0-3%2', '--time=10', '"--comment=rl test"']) assert.ok(script.includes(`#SBATCH ${d}\n`), d);

  const done = await until('sweep-status: 4 finished', async () => {
    const s = cli(['sweep-status', out, '--json']);
    assert.equal(s.status, 0, s.stderr);
    const st = JSON.parse(s.stdout);
    return st.finished === 4 && st;
  }, 90_000, 1000);
  assert.equal(done.job_id, line.job_id);
  assert.deepEqual(done.runs_per_init, { 'chain:1.02': 2, 'orthogonal:1.0': 2 });
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.members.map((m: { state: string }) => m.state), ['completed', 'completed', 'completed', 'completed']);

  // Continuing a finished sweep submits nothing; --wait returns at once with the same job id.
  const again = cli([...grid, '--wait', '--json']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).finished, 4);
  assert.equal(JSON.parse(again.stdout).job_id, line.job_id);
  assert.match(again.stderr, /nothing to submit/);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'slurm', 'submissions.json'), 'utf8')).submissions.length, 1);

  // Mistakes: one line on stderr, exit 2, nothing on stdout.
  const emptyBin = path.join(ROOT, 'cli-empty-bin');
  mkdirSync(emptyBin);
  for (const [args, re, env] of [
    [[...grid, '--time', '1h'], /^recurrent-lens: --time "1h" is not a SLURM time/],
    [[...grid.slice(0, -2), '--partition', 'short'], /^recurrent-lens: --partition is for --executor slurm/],
    [[...grid.slice(0, -4), '--out', path.join(ROOT, 'cli-bad-partition'), '--executor', 'slurm', '--partition', 'nosuch'],
      /^recurrent-lens: sbatch failed: invalid partition specified: nosuch$/],
    [[...grid.slice(0, -4), '--out', path.join(ROOT, 'cli-no-sbatch'), '--executor', 'slurm'], /^recurrent-lens: sbatch not found: /,
      { ...process.env, PATH: emptyBin }],
  ] as [string[], RegExp, NodeJS.ProcessEnv?][]) {
    const bad = cli([...args, '--quiet', '--json'], env);
    assert.equal(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr.trim(), re);
  }
});

clusterTest('SLURM commands missing: the executor says so in one line', async () => {
  const { dir, sweep } = await makeSweep('nosbatch', { ...TINY, inits: ['chain:1.02'], seeds: 1 });
  const emptyBin = path.join(ROOT, 'empty-bin');
  mkdirSync(emptyBin);
  const ex = new SlurmExecutor({ ...OPTS, env: { ...process.env, PATH: emptyBin } });
  await assert.rejects(ex.submit(dir, sweep, [0]), (e: Error) => e instanceof SweepError && /^sbatch not found: /.test(e.message) && !e.message.includes('\n'));
  assert.equal(existsSync(path.join(dir, 'slurm', 'submissions.json')), false);
});
