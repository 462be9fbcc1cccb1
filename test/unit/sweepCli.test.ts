// `recurrent-lens sweep` end to end on tiny grids: the --json line, the folder, continuing without training twice,
// SIGTERM (members checkpoint) then continuing from the checkpoints, bad input (one line, exit 2), sweep-status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000 });
const TINY = ['--task', 'copy', '--T', '30', '--N', '32', '--inits', 'chain:1.02,orthogonal:1.0', '--lrs', '1e-3', '--seeds', '2',
  '--updates', '300', '--eval-every', '100', '--val-size', '64', '--keep-checkpoints', '3', '--concurrency', '2'];

function statuses(dir: string): Record<string, { state: string; update: number; checkpoint: string | null; mtime: number }> {
  const out: Record<string, { state: string; update: number; checkpoint: string | null; mtime: number }> = {};
  let names: string[] = [];
  try {
    names = readdirSync(path.join(dir, 'runs'));
  } catch {
    // the folder is not made yet
  }
  for (const name of names) {
    const file = path.join(dir, 'runs', name, 'status.json');
    try {
      out[name] = { ...JSON.parse(readFileSync(file, 'utf8')), mtime: statSync(file).mtimeMs };
    } catch {
      // not started yet
    }
  }
  return out;
}

test('sweep --json on a tiny grid: one line, the contract keys; running it again trains nothing', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-sweepcli-'));
  try {
    const out = path.join(root, 'tiny');
    const r = cli('sweep', ...TINY, '--out', out, '--json');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'one line');
    const s = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(s).slice(0, 8), ['sweep_dir', 'runs', 'finished', 'successes', 'runs_per_init', 'best', 'executor', 'job_id']);
    assert.equal(s.sweep_dir, out);
    assert.equal(s.runs, 4);
    assert.equal(s.finished, 4);
    // Trainer flags reach every member, numbers as numbers.
    const members = JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8')).members;
    assert.deepEqual(members.map((m: { config: { keep_checkpoints: unknown; T: unknown } }) => [m.config.keep_checkpoints, m.config.T]), Array(4).fill([3, 30]));
    assert.equal(s.executor, 'local');
    assert.equal(s.job_id, null);
    assert.deepEqual(s.runs_per_init, { 'chain:1.02': 2, 'orthogonal:1.0': 2 });
    assert.deepEqual(Object.keys(s.successes), ['chain:1.02', 'orthogonal:1.0']);
    for (const g of ['chain:1.02', 'orthogonal:1.0']) {
      assert.deepEqual(Object.keys(s.best[g]), ['gain', 'lr', 'mean_final_val_loss', 'sem', 'runs', 'successes']);
      assert.equal(s.best[g].lr, 1e-3);
      assert.equal(s.best[g].runs, 2);
      assert.ok(s.best[g].mean_final_val_loss > 0 && s.best[g].sem >= 0);
    }
    assert.match(r.stderr, /4 runs \(2 initializers × 1 lr × 2 seeds\); 0 finished, 4 to run/);
    assert.match(r.stderr, /estimated cost: [\d.e-]+ CPU-hours \(4 runs × 300 updates at [\d.]+ ms of CPU per update measured/);
    const before = statuses(out);
    assert.deepEqual(Object.keys(before).sort(), ['0000-chain-1.02-lr1e-3-s1', '0001-chain-1.02-lr1e-3-s2', '0002-orthogonal-1.0-lr1e-3-s1', '0003-orthogonal-1.0-lr1e-3-s2']);
    for (const st of Object.values(before)) assert.equal(st.state, 'completed');
    const summaryFile = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.equal(summaryFile.members.length, 4);

    // Again: everything finished, nothing trained twice.
    const again = cli('sweep', ...TINY, '--out', out, '--json');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /4 finished, 0 to run/);
    const s2 = JSON.parse(again.stdout);
    assert.deepEqual(s2.best, s.best);
    for (const [name, st] of Object.entries(statuses(out))) assert.equal(st.mtime, before[name].mtime, `${name} not trained again`);

    const status = cli('sweep-status', out, '--json');
    assert.equal(status.status, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).successes, s.successes);
    const human = cli('sweep-status', out);
    assert.match(human.stdout, /4 runs, 4 finished/);
    assert.match(human.stdout, /chain:1\.02 +\d of 2 succeeded +best gain 1\.02, lr 1e-3: validation loss/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sweep: Ctrl-C (SIGINT to the process group) stops the members with a checkpoint; the same command continues them from there', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-sweepcli-'));
  try {
    const out = path.join(root, 'long');
    const args = ['sweep', '--task', 'copy', '--T', '60', '--N', '64', '--inits', 'chain:1.02', '--lrs', '1e-3', '--seeds', '2', '--updates', '2000',
      '--eval-every', '1000', '--checkpoint-every', '100000', '--val-size', '32', '--train-size', '2000', '--concurrency', '2', '--out', out];
    // Its own process group, as in a terminal: Ctrl-C reaches the sweep and its trainers alike.
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const st = statuses(path.join(out));
      const running = Object.values(st).filter((x) => x.state === 'running' && x.update > 0);
      if (running.length === 2 || Date.now() > deadline) break;
      await sleep(100);
    }
    process.kill(-child.pid!, 'SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /stopping: running members checkpoint/);
    const stopped = statuses(out);
    assert.equal(Object.keys(stopped).length, 2, stderr);
    for (const st of Object.values(stopped)) {
      assert.equal(st.state, 'stopped');
      assert.ok(st.update > 0 && st.update < 2000);
      assert.equal(st.checkpoint, `checkpoints/update-${String(st.update).padStart(7, '0')}`);
    }
    const r = cli(...args, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /0 finished, 2 to run/);
    assert.equal(JSON.parse(r.stdout).finished, 2);
    for (const [name, st] of Object.entries(statuses(out))) {
      assert.equal(st.state, 'completed');
      assert.equal(st.update, 2000);
      const log = readFileSync(path.join(out, 'runs', name, 'log.txt'), 'utf8');
      assert.match(log, new RegExp(`from update ${stopped[name].update} to 2000`), `${name} resumed from its checkpoint`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sweep: bad input is one line on stderr and exit 2', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-sweepcli-'));
  try {
    const other = path.join(root, 'other');
    // A sweep folder made by a cheap sweep: one member of 30 updates.
    const made = cli('sweep', '--task', 'copy', '--T', '30', '--N', '8', '--inits', 'chain', '--updates', '30', '--val-size', '8', '--out', other, '--json');
    assert.equal(made.status, 0, made.stderr);
    const notSweep = path.join(root, 'notsweep');
    mkdirSync(notSweep);
    writeFileSync(path.join(notSweep, 'x.txt'), 'x');
    const badFile = path.join(root, 'bad.sweep.json');
    writeFileSync(badFile, JSON.stringify({ task: 'copy', inits: ['chain:1.02'], lrr: 1e-3 }));
    const cases: [string[], RegExp][] = [
      [['sweep', '--preset', 'paper:cpy', '--out', path.join(root, 'a')], /unknown preset "paper:cpy" \(known: paper:copy, paper:addition, paper:psmnist, quick:copy\)/],
      [['sweep', '--inits', '', '--out', path.join(root, 'a')], /--inits is empty/],
      [['sweep', '--inits', 'chain', '--lrs', ',', '--out', path.join(root, 'a')], /--lrs is empty/],
      [['sweep', '--config', badFile, '--out', path.join(root, 'a')], new RegExp(`${badFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: unknown field "lrr"`)],
      [['sweep', '--inits', 'chain', '--T', '40', '--out', other], /holds another sweep \(1 run\)/],
      [['sweep', '--inits', 'chain', '--out', notSweep], /not empty and not a sweep folder/],
      [['sweep', '--inits', 'chain'], /sweep needs --out DIR/],
      [['sweep', '--out', path.join(root, 'a')], /sweep needs --preset NAME, --config SWEEP.json or --inits/],
      [['sweep', '--inits', 'chain', '--lr', '1e-3', '--out', path.join(root, 'a')], /a sweep takes --lrs \(a list\), not --lr/],
      [['sweep', '--preset', 'quick:copy', '--executor', 'pbs', '--out', path.join(root, 'a')], /--executor must be local or slurm, got "pbs"/],
      [['sweep-status', notSweep], /not a sweep folder \(no sweep.json\)/],
    ];
    for (const [args, re] of cases) {
      const r = cli(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^recurrent-lens: /);
      assert.match(lines[0], re);
    }
    assert.deepEqual(readdirSync(root).sort(), ['bad.sweep.json', 'notsweep', 'other'], 'bad input makes no folder');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
