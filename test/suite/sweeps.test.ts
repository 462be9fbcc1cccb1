// Runs inside the extension host (see index.ts): sweeps from the editor against the real trainer (dist/cli.js) — the
// contributions, Start Sweep through its command (the cost measured in a child process), the Runs view's sweep groups
// (counts, members, rediscovery by a fresh window), Stop and Continue; and, when a SLURM cluster is there (SLURM_CONF),
// submission, polling, cancel and continue through the SLURM executor. Sweeps are tiny: copy, T = 30, N = 24.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';
import { RunManager } from '../../src/runs/runManager';
import { SweepTracker } from '../../src/training/sweepTracker';
import { RunsTreeProvider, type RunsNode } from '../../src/training/runsView';
import { createOrOpenSweepFolder, SWEEPS_FOLDER } from '../../src/sweeps/folder';
import { resolveSweep } from '../../src/sweeps/spec';
import type { SweepFile } from '../../src/sweeps/types';
import type { StartedSweep } from '../../src/training/sweepCommands';
import { folderBytes } from '../../src/runs/diskUse';
import { formatBytes } from '../../src/core/tensor';

const TINY: SweepFile = {
  name: 'suite tiny sweep', task: 'copy', T: 30, N: 24, inits: ['chain:1.02', 'orthogonal:1.0'], lrs: [3e-4], seeds: 2,
  updates: 200, val_size: 32, eval_every: 50, checkpoint_every: 100, log_every: 10,
};

let cli: string;
let extensionPath: string;
const disposables: vscode.Disposable[] = [];
const managers: RunManager[] = [];

function tempFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rl-sweeps-'));
}

/** A window's worth of sweep machinery over `folder`: run manager, sweep tracker, Runs view tree. */
function windowOn(folder: string, maxConcurrentRuns = 2) {
  const manager = new RunManager({ cli, folders: () => [folder], maxConcurrentRuns: () => maxConcurrentRuns, isTrusted: () => true, pollMs: 300 });
  const tracker = new SweepTracker(manager, extensionPath);
  const tree = new RunsTreeProvider(manager, tracker);
  managers.push(manager);
  disposables.push(tracker, tree);
  return { manager, tracker, tree };
}

async function makeSweep(folder: string, file: SweepFile, id: string): Promise<string> {
  const dir = path.join(folder, SWEEPS_FOLDER, id);
  await createOrOpenSweepFolder(dir, resolveSweep(file, { id }));
  return dir;
}

/** The tree's sweep group for `dir`, with its item. */
async function group(tree: RunsTreeProvider, dir: string): Promise<{ node: RunsNode; item: vscode.TreeItem }> {
  const roots = await tree.getChildren();
  const node = roots.find((n) => n.kind === 'sweep' && n.dir === dir);
  assert.ok(node, `a sweep group for ${dir} among ${JSON.stringify(roots)}`);
  return { node, item: tree.getTreeItem(node) };
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Without the sweep's disk use (" · 752 KiB"), which the view appends once measured in the background.
const description = (item: vscode.TreeItem) => String(item.description ?? '').replace(/ · [\d.]+ (B|KiB|MiB|GiB|TiB)$/, '');

describe('Sweeps from the editor', function () {
  this.timeout(120_000);

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    extensionPath = ext.extensionPath;
    cli = path.join(extensionPath, 'dist', 'cli.js');
  });
  after(async () => {
    for (const d of disposables) d.dispose();
    for (const m of managers) await m.shutdown(2000);
  });

  it('contributes the sweep commands, menus and settings (SLURM settings restricted without trust)', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['startSweep', 'startSweepFromFile', 'stopSweep', 'continueSweep', 'cancelSweepSlurm']) {
      assert.ok(commands.includes(`recurrentLens.${c}`), `recurrentLens.${c} registered`);
      assert.ok(pkg.contributes.commands.some((x: { command: string }) => x.command === `recurrentLens.${c}`), `recurrentLens.${c} declared`);
    }
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    assert.ok(pkg.activationEvents.includes('workspaceContains:.recurrent-lens/sweeps/*/sweep.json'));
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of ['recurrentLens.sweeps.executor', 'recurrentLens.slurm.partition', 'recurrentLens.slurm.nodePath', 'recurrentLens.slurm.cliPath', 'recurrentLens.slurm.extraArgs']) {
      assert.ok(restricted.includes(key), `${key} is restricted`);
      assert.ok(pkg.contributes.configuration.properties[key], `${key} is a setting`);
    }
    assert.equal(vscode.workspace.getConfiguration('recurrentLens.sweeps').get('executor'), 'local');
    const items = pkg.contributes.menus['view/item/context'] as { command: string; when: string }[];
    for (const c of ['openSweepPanel', 'stopSweep', 'continueSweep', 'cancelSweepSlurm']) {
      assert.ok(items.some((m) => m.command === `recurrentLens.${c}` && /viewItem =~ \/\^sweep/.test(m.when)), `${c} on sweep groups`);
    }
    const explorer = pkg.contributes.menus['explorer/context'] as { command: string; when: string }[];
    assert.ok(explorer.some((m) => m.command === 'recurrentLens.startSweepFromFile' && m.when.includes('isWorkspaceTrusted')));
  });

  it('Start Sweep measures the cost in a child process, starts the members here, and their runs complete', async () => {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(ws, 'suite-tiny.sweep.json');
    fs.writeFileSync(file, JSON.stringify(TINY));
    const started = await vscode.commands.executeCommand<StartedSweep | undefined>('recurrentLens.startSweep', { source: file, executor: 'local', confirmed: true });
    assert.ok(started, 'the sweep started');
    assert.equal(started.runs, 4);
    assert.equal(started.executor, 'local');
    assert.ok(started.ms_per_update > 0 && started.ms_per_update < 1000, `measured ${started.ms_per_update} ms per update`);
    // 4 runs × 200 updates at the measured speed, plus validation and each trainer's start (seconds): of that order.
    const floor = (4 * 200 * started.ms_per_update) / 3.6e6;
    assert.ok(started.cpu_hours >= floor && started.cpu_hours < floor * 10 + (4 * 10) / 3600, `${started.cpu_hours} CPU-hours for ${floor} of bare updates`);
    assert.equal(path.dirname(started.dir), path.join(ws, SWEEPS_FOLDER));
    const sweep = JSON.parse(fs.readFileSync(path.join(started.dir, 'sweep.json'), 'utf8'));
    assert.equal(sweep.members.length, 4);
    await until('every member to finish', () => sweep.members.every((m: { name: string }) => {
      try {
        const s = JSON.parse(fs.readFileSync(path.join(started.dir, 'runs', m.name, 'status.json'), 'utf8'));
        return s.state === 'completed' || s.state === 'diverged';
      } catch {
        return false;
      }
    }), 90_000);
  });

  it('a bad sweep file starts nothing', async () => {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(ws, 'suite-bad.sweep.json');
    fs.writeFileSync(file, JSON.stringify({ ...TINY, lrs: [] }));
    const before = fs.readdirSync(path.join(ws, SWEEPS_FOLDER)).length;
    const started = await vscode.commands.executeCommand('recurrentLens.startSweep', { source: file, executor: 'local', confirmed: true });
    assert.equal(started, undefined);
    assert.equal(fs.readdirSync(path.join(ws, SWEEPS_FOLDER)).length, before, 'no sweep folder made');
  });

  it('shows a sweep as a Runs view group with its counts and members; a fresh window finds it again', async () => {
    const folder = tempFolder();
    const dir = await makeSweep(folder, TINY, 'group-test');
    const first = windowOn(folder);
    await first.tracker.ready;
    let g = await group(first.tree, dir);
    assert.equal(g.item.label, 'suite tiny sweep');
    assert.match(description(g.item), /^0\/4 finished · 4 pending/);
    assert.match(String(g.item.contextValue), /^sweep local\b.*\bcontinuable\b/);

    const ids = await first.manager.startSweep(dir);
    assert.equal(ids.length, 4);
    await until('the group to count 4 finished', async () => /^4\/4 finished/.test(description((await group(first.tree, dir)).item)), 90_000);
    // The row ends with what the members' run folders take on disk, as `du` counts it.
    const sizes = await Promise.all(fs.readdirSync(path.join(dir, 'runs')).map((n) => folderBytes(path.join(dir, 'runs', n))));
    const disk = ` · ${formatBytes(sizes.reduce((a, b) => a + b, 0))}`;
    await until(`the group to show its disk use${disk}`, async () => String((await group(first.tree, dir)).item.description).endsWith(disk), 30_000);
    g = await group(first.tree, dir);
    assert.doesNotMatch(String(g.item.contextValue), /stoppable|continuable/, 'nothing to stop or continue');
    // Members under the group open like runs (their click shows the curves).
    const members = await first.tree.getChildren(g.node);
    assert.equal(members.length, 4);
    const item = first.tree.getTreeItem(members[0]);
    assert.equal(item.command?.command, 'recurrentLens.showTrainingCurves');
    assert.match(String(item.contextValue), /^run\b/);
    // Top level lists no member as a run of its own.
    const roots = await first.tree.getChildren();
    assert.equal(roots.filter((n) => n.kind === 'run').length, 0);

    // A reload: a new manager and tracker read the folder again.
    const second = windowOn(folder);
    await second.manager.ready;
    await second.tracker.ready;
    const again = await group(second.tree, dir);
    assert.equal(description(again.item), description(g.item));
  });

  it('stops a sweep (members checkpoint), and Continue Sweep resumes only the unfinished ones', async () => {
    const folder = tempFolder();
    const dir = await makeSweep(folder, { ...TINY, name: 'suite long sweep', updates: 200_000, seeds: 1 }, 'long-test');
    const { manager, tracker, tree } = windowOn(folder);
    await tracker.ready;
    await manager.startSweep(dir);
    await until('2 running', async () => /2 running/.test(description((await group(tree, dir)).item)), 30_000);
    assert.match(String((await group(tree, dir)).item.contextValue), /\bstoppable\b/);
    for (const r of manager.list()) if (r.sweep && (r.state === 'running' || r.state === 'queued')) manager.stop(r.id);
    await until('2 stopped', async () => /0\/2 finished · 2 stopped/.test(description((await group(tree, dir)).item)), 60_000);
    const indices = await tracker.continuable(dir);
    assert.deepEqual(indices, [0, 1]);
    await manager.startSweep(dir, indices);
    await until('running again', async () => /2 running/.test(description((await group(tree, dir)).item)), 30_000);
    for (const r of manager.list()) if (r.sweep && r.state === 'running') manager.stop(r.id);
    await until('stopped again', async () => /2 stopped/.test(description((await group(tree, dir)).item)), 60_000);
  });

  describe('on SLURM (when SLURM_CONF names a cluster)', function () {
    const slurmDirs: string[] = [];
    after(() => {
      // Leave nothing of ours on the cluster, whatever failed.
      for (const dir of slurmDirs) {
        try {
          const subs = JSON.parse(fs.readFileSync(path.join(dir, 'slurm', 'submissions.json'), 'utf8')).submissions as { job_id: string }[];
          execFileSync('scancel', subs.map((x) => x.job_id), { stdio: 'pipe' });
        } catch {
          // never submitted
        }
      }
    });
    before(function () {
      if (!process.env.SLURM_CONF) {
        if (process.env.RECURRENT_LENS_REQUIRE_SLURM === '1') throw new Error('RECURRENT_LENS_REQUIRE_SLURM=1 but SLURM_CONF is not set');
        this.skip();
      }
      try {
        execFileSync('scontrol', ['ping'], { stdio: 'pipe' });
      } catch (e) {
        throw new Error(`SLURM_CONF is set but scontrol ping fails: ${(e as Error).message.split('\n')[0]}`);
      }
    });

    it('submits a sweep as an array job, follows it by polling to the end, and a fresh window finds it', async () => {
      const folder = tempFolder();
      const dir = await makeSweep(folder, { ...TINY, name: 'suite slurm sweep' }, 'slurm-test');
      slurmDirs.push(dir);
      const { tracker, tree } = windowOn(folder);
      await tracker.ready;
      const sweep = tracker.get(dir)!.sweep;
      const job = await tracker.submitToSlurm(dir, sweep, sweep.members.map((m) => m.index));
      assert.match(job, /^\d+$/);
      let g = await group(tree, dir);
      assert.match(description(g.item), new RegExp(`SLURM job ${job}$`));
      await until('the SLURM sweep to finish', async () => /^4\/4 finished/.test(description((await group(tree, dir)).item)), 110_000);
      g = await group(tree, dir);
      assert.match(String(g.item.contextValue), /^sweep slurm\b/);
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
      assert.equal(summary.executor, 'slurm');
      assert.equal(summary.job_id, job);
      assert.equal(summary.finished, 4);
      const fresh = windowOn(folder);
      await fresh.tracker.ready;
      const again = await group(fresh.tree, dir);
      assert.match(description(again.item), new RegExp(`^4/4 finished.*SLURM job ${job}$`));
    });

    it('cancels a SLURM sweep (tasks checkpoint) and continues it with a new array job', async () => {
      const folder = tempFolder();
      const dir = await makeSweep(folder, { ...TINY, name: 'suite slurm cancel', updates: 200_000, seeds: 1 }, 'slurm-cancel');
      slurmDirs.push(dir);
      const { tracker, tree } = windowOn(folder);
      await tracker.ready;
      const sweep = tracker.get(dir)!.sweep;
      const job = await tracker.submitToSlurm(dir, sweep, [0, 1]);
      const status = (i: number) => {
        try {
          return JSON.parse(fs.readFileSync(path.join(dir, 'runs', sweep.members[i].name, 'status.json'), 'utf8'));
        } catch {
          return undefined;
        }
      };
      await until('a task running', async () => /\d running/.test(description((await group(tree, dir)).item)), 60_000);
      assert.match(String((await group(tree, dir)).item.contextValue), /\bcancellable\b/);
      // Cancel once a trainer is well under way: SLURM's SIGTERM makes it checkpoint.
      await until('a trainer past update 50', () => (status(0)?.update ?? 0) >= 50 || (status(1)?.update ?? 0) >= 50, 60_000);
      await tracker.cancelOnSlurm(dir);
      await until('nothing active', async () => !/running|pending/.test(description((await group(tree, dir)).item)), 60_000);
      const s = tracker.get(dir)!;
      assert.ok(s.continuable === 2, `2 to continue: ${description((await group(tree, dir)).item)}`);
      assert.match(String((await group(tree, dir)).item.contextValue), /\bcontinuable\b/);
      const trained = [0, 1].find((i) => (status(i)?.update ?? 0) >= 50)!;
      const stopped = status(trained);
      assert.equal(stopped.state, 'stopped', 'the cancelled trainer checkpointed and stopped');
      assert.match(stopped.checkpoint ?? '', new RegExp(`update-0*${stopped.update}$`));
      const again = await tracker.submitToSlurm(dir, sweep, await tracker.continuable(dir));
      assert.notEqual(again, job);
      await until('running again', async () => /\d running/.test(description((await group(tree, dir)).item)), 60_000);
      await until('the stopped member resumed past its checkpoint', () => status(trained)?.state === 'running' && status(trained).update > stopped.update, 60_000);
      await tracker.cancelOnSlurm(dir);
      await waitFor('cancelled', () => (tracker.get(dir)!.active === 0 ? true : undefined), 60_000);
    });
  });
});
