// `train --sweep DIR --index I`: a member trains in its run folder; SIGTERM checkpoints it ("stopped"); the same
// command resumes it from that checkpoint; a finished member is left alone (exit 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI } from './helpers';
import { resolveSweep } from '../../src/sweeps/spec';
import { createOrOpenSweepFolder, memberRunDir } from '../../src/sweeps/folder';
import { readSummary } from '../../src/sweeps/summary';
import { checkpointName, checkpointSchedule, scheduledCheckpoints } from '../../src/core/train/checkpoint';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readStatus(dir: string): { state: string; update: number; checkpoint: string | null; host?: string; pid: number } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

test('train --sweep: SIGTERM checkpoints the member, the same command resumes it, a finished member is not trained again', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-sweeptrain-'));
  try {
    const sweepDir = path.join(root, 'sw');
    const sweep = await createOrOpenSweepFolder(sweepDir, resolveSweep(
      { task: 'copy', T: 60, N: 64, inits: ['chain:1.02', 'orthogonal:1.0'], seeds: 1, updates: 4000, eval_every: 1000, checkpoint_every: 100000, val_size: 32, train_size: 2000 },
      { id: 'sw' },
    ));
    const member = sweep.members[1];
    const runDir = memberRunDir(sweepDir, member);
    const child = spawn(process.execPath, [CLI, 'train', '--sweep', sweepDir, '--index', '1', '--quiet', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Wait until it trains (status.json is rewritten every 0.5 s while running), then SIGTERM.
    const deadline = Date.now() + 30_000;
    let s = readStatus(runDir);
    while (!(s && s.state === 'running' && s.update > 0) && !(s && s.state !== 'running') && Date.now() < deadline) {
      await sleep(50);
      s = readStatus(runDir);
    }
    assert.ok(s && s.state === 'running', `the member runs (${stderr})`);
    assert.equal(s.host, hostname(), 'status.json records the host');
    assert.equal(s.pid, child.pid);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const stopped = readStatus(runDir)!;
    assert.equal(stopped.state, 'stopped');
    assert.ok(stopped.update > 0 && stopped.update < 4000, `stopped mid-run at ${stopped.update}`);
    assert.equal(stopped.checkpoint, `checkpoints/update-${String(stopped.update).padStart(7, '0')}`, 'checkpointed where it stopped');
    assert.ok(existsSync(path.join(runDir, stopped.checkpoint!, 'model.json')));
    assert.equal(JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')).init, 'orthogonal:1.0');

    // The same command continues from the checkpoint to the end.
    const r = spawnSync(process.execPath, [CLI, 'train', '--sweep', sweepDir, '--index', '1', '--json', '--threads', '1'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const end = JSON.parse(r.stdout);
    assert.equal(end.state, 'completed');
    assert.equal(end.updates, 4000);
    assert.equal(end.run_dir, runDir);
    const log = readFileSync(path.join(runDir, 'log.txt'), 'utf8');
    assert.match(log, new RegExp(`from update ${stopped.update} to 4000`), 'resumed from the checkpoint, not from 0');
    // The schedule's checkpoints (update 0, log-spaced, the last) and the one where it stopped.
    const schedule = scheduledCheckpoints(checkpointSchedule(4000, 100000));
    assert.deepEqual(readdirSync(path.join(runDir, 'checkpoints')).sort(), [...new Set([...schedule, stopped.update])].sort((x, y) => x - y).map(checkpointName));

    // The member ended: summary.json counts it.
    const summary = await readSummary(sweepDir);
    assert.equal(summary?.finished, 1);
    assert.equal(summary?.pending, 1);

    // Finished: nothing is trained again.
    const before = statSync(path.join(runDir, 'status.json')).mtimeMs;
    const again = spawnSync(process.execPath, [CLI, 'train', '--sweep', sweepDir, '--index', '1'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /already completed; nothing to do/);
    assert.equal(statSync(path.join(runDir, 'status.json')).mtimeMs, before);

    // Bad uses: one line, exit 2.
    for (const [args, re] of [
      [['--sweep', sweepDir, '--index', '2'], /--index 2 is out of range: the sweep in .* has 2 runs \(0 to 1\)/],
      [['--sweep', sweepDir], /--sweep needs --index I/],
      [['--sweep', sweepDir, '--index', '0', '--lr', '1e-3'], /--sweep trains the member as the sweep configures it \(got --lr\)/],
      [['--sweep', root, '--index', '0'], /not a sweep folder \(no sweep.json\)/],
    ] as [string[], RegExp][]) {
      const b = spawnSync(process.execPath, [CLI, 'train', ...args], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(b.status, 2, b.stderr);
      assert.equal(b.stderr.trim().split('\n').length, 1, b.stderr);
      assert.match(b.stderr, re);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
