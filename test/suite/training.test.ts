// Runs inside the extension host (see index.ts): the run manager against the real trainer (dist/cli.js train),
// and the extension's training commands. Runs are tiny (copy, T = 30, N = 24: about 1 ms an update), and runs
// that must be seen mid-way are long and stopped.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';
import { RunManager, TrainingError, type RunManagerOptions } from '../../src/runs/runManager';
import { parseRunFile } from '../../src/runs/runConfig';
import type { RunConfig, RunStatus, RunView } from '../../src/shared/protocol';

const QUICK: RunConfig = { task: 'copy', T: 30, N: 24, val_size: 32, eval_every: 20, checkpoint_every: 40, log_every: 10, updates: 80 };

let cli: string;
const managers: RunManager[] = [];

function manager(folder: string, opts: Partial<RunManagerOptions> = {}): RunManager {
  const m = new RunManager({ cli, folders: () => [folder], maxConcurrentRuns: () => 2, isTrusted: () => true, pollMs: 300, ...opts });
  managers.push(m);
  return m;
}

function tempFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rl-training-'));
}

function readStatus(run: { dir: string }): RunStatus {
  return JSON.parse(fs.readFileSync(path.join(run.dir, 'status.json'), 'utf8'));
}

/** Resolves with the first run view that satisfies `ok`. */
function until(m: RunManager, id: string, ok: (r: RunView) => boolean, timeoutMs = 30_000): Promise<RunView> {
  return new Promise((resolve, reject) => {
    const now = m.get(id);
    if (now && ok(now)) return resolve(now);
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`run ${id} did not get there in ${timeoutMs / 1000} s (now ${JSON.stringify(m.get(id)?.state)})`)); }, timeoutMs);
    const sub = m.onDidChangeRun((r) => {
      if (r.id === id && ok(r)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(r);
      }
    });
  });
}

describe('Training runs: the run manager with the real trainer', function () {
  this.timeout(60_000);

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), `${cli} is missing: build first`);
  });
  after(async () => {
    for (const m of managers) await m.shutdown(2000);
  });

  it('starts a run, follows it through IPC and ends with status, metrics and checkpoints', async () => {
    const folder = tempFolder();
    const m = manager(folder);
    await m.ready;
    const seen: RunView[] = [];
    m.onDidChangeRun((r) => seen.push(r));
    const [id] = await m.start([{ ...QUICK, updates: 2000 }]);
    const run = m.get(id)!;
    assert.equal(path.dirname(run.dir), path.join(folder, '.recurrent-lens', 'runs'));
    const done = await m.whenSettled(id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.equal(done.update, 2000);
    assert.equal(done.updates, 2000);
    assert.ok(done.baseline! > 0 && Math.abs(done.baseline! - (10 * Math.log(8)) / 30) < 1e-12, `baseline ${done.baseline}`);
    assert.ok(seen.some((r) => r.state === 'running' && r.update > 0 && r.trainLoss !== null), 'progress arrived while running');
    // The last checkpoint opens in the inspector: a TF.js model.json.
    assert.match(done.checkpoint!, /^checkpoints\/update-0*2000$/);
    assert.ok(fs.existsSync(path.join(done.dir, done.checkpoint!, 'model.json')));
    const status = readStatus(done);
    assert.equal(status.state, 'completed');
    // The curves: what came by IPC is what metrics.jsonl holds.
    const metrics = await m.metrics(id);
    const lines = fs.readFileSync(path.join(done.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const train = lines.filter((l) => 'train_loss' in l), val = lines.filter((l) => 'val_loss' in l);
    assert.deepEqual(Array.from(metrics.train.slice().update), train.map((l) => l.update));
    assert.deepEqual(Array.from(metrics.val.slice().update), val.map((l) => l.update));
    assert.equal(metrics.val.length, 103, 'every 20 updates from 0, and the checkpoints at updates 10 and 50');
    assert.equal(metrics.train.length, 200);
    // The trainer wrote back its resolved config; the view shows it.
    assert.equal(m.get(id)!.config.activation, 'elu');
  });

  it('queues runs beyond the concurrency limit and starts them as slots free', async () => {
    const m = manager(tempFolder(), { maxConcurrentRuns: () => 1 });
    await m.ready;
    const order: string[] = [];
    m.onDidChangeRun((r) => order.push(`${r.id.slice(-2)}:${r.state}`));
    const ids = await m.start([{ ...QUICK, updates: 40, seed: 1 }, { ...QUICK, updates: 40, seed: 2 }]);
    assert.deepEqual(ids.map((id) => m.get(id)!.state), ['running', 'queued']);
    const [a, b] = await Promise.all(ids.map((id) => m.whenSettled(id)));
    assert.equal(a.state, 'completed');
    assert.equal(b.state, 'completed');
    const firstDone = order.indexOf(`${ids[0].slice(-2)}:completed`);
    const secondRuns = order.indexOf(`${ids[1].slice(-2)}:running`);
    assert.ok(firstDone >= 0 && secondRuns > firstDone, `the second run started after the first ended: ${order.join(' ')}`);
  });

  it('stops a run (checkpointed, "stopped"), then resumes it to the end with continuous curves', async () => {
    const m = manager(tempFolder());
    await m.ready;
    const [id] = await m.start([{ ...QUICK, updates: 5000 }]);
    await until(m, id, (r) => r.update >= 30);
    m.stop(id);
    const stopped = await m.whenSettled(id);
    assert.equal(stopped.state, 'stopped');
    assert.ok(stopped.update < 5000, `stopped at ${stopped.update}`);
    assert.match(stopped.checkpoint ?? '', new RegExp(`update-0*${stopped.update}$`), 'a stop checkpoints where it stands');
    assert.equal(readStatus(stopped).state, 'stopped');
    const metrics = await m.metrics(id);

    m.resume(id);
    assert.equal(m.get(id)!.state === 'queued' || m.get(id)!.state === 'running', true);
    const done = await m.whenSettled(id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.equal(done.update, 5000);
    const updates = Array.from(metrics.train.slice().update);
    assert.equal(updates.at(-1), 5000);
    assert.ok(updates.every((u, i) => i === 0 || u > updates[i - 1]), `training updates increase: ${updates.join(',')}`);
  });

  it('marks a trainer that dies without a word as failed, with its output, in status.json', async () => {
    const m = manager(tempFolder());
    await m.ready;
    const [id] = await m.start([{ ...QUICK, updates: 100_000 }]);
    const running = await until(m, id, (r) => r.update >= 10);
    process.kill(readStatus(running).pid!, 'SIGKILL');
    const failed = await m.whenSettled(id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error ?? '', /killed by SIGKILL/);
    const status = readStatus(failed);
    assert.equal(status.state, 'failed');
    assert.match(status.error ?? '', /killed by SIGKILL/);
    assert.match(fs.readFileSync(path.join(failed.dir, 'log.txt'), 'utf8'), /killed by SIGKILL/);
  });

  it('fails a run the trainer refuses (missing MNIST files) with the trainer\'s one-line reason', async () => {
    const m = manager(tempFolder());
    await m.ready;
    const [id] = await m.start([{ task: 'psmnist', N: 8, updates: 5, mnist_images: '/nope/images.idx', mnist_labels: '/nope/labels.idx' }]);
    const failed = await m.whenSettled(id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error!.split('\n')[0], /\/nope\/images\.idx: cannot read \(ENOENT\)/);
    assert.equal(readStatus(failed).state, 'failed');
  });

  it('reads the run folders again after a reload: finished runs, a dead trainer as interrupted, a run never started', async () => {
    const folder = tempFolder();
    const first = manager(folder);
    await first.ready;
    const [id] = await first.start([{ ...QUICK, updates: 40 }]);
    await first.whenSettled(id);
    // A window that went away mid-run: status.json says running, its process is gone.
    const root = path.join(folder, '.recurrent-lens', 'runs');
    const ghost = path.join(root, 'ghost');
    fs.cpSync(path.join(root, id), ghost, { recursive: true });
    const status = { ...JSON.parse(fs.readFileSync(path.join(ghost, 'status.json'), 'utf8')), state: 'running', pid: 2 ** 22 + 12345, ended_at: null };
    fs.writeFileSync(path.join(ghost, 'status.json'), JSON.stringify(status));
    // Queued when the window closed: a config and nothing else.
    fs.mkdirSync(path.join(root, 'never'));
    fs.writeFileSync(path.join(root, 'never', 'config.json'), JSON.stringify(QUICK));

    const second = manager(folder);
    await second.ready;
    const states = Object.fromEntries(second.list().map((r) => [r.id, r.state]));
    assert.deepEqual(states, { [id]: 'completed', ghost: 'interrupted', never: 'pending' });
    assert.equal(second.get(id)!.update, 40);
    assert.equal((await second.metrics(id)).val.length, 4, 'updates 0, 20, 40 and the checkpoint at 10');
    // Resuming the interrupted run continues from its checkpoint (update 40 of 40: it completes at once).
    second.resume('ghost');
    assert.equal((await second.whenSettled('ghost')).state, 'completed');
    second.resume('never');
    const never = await second.whenSettled('never');
    assert.equal(never.state, 'completed', never.error ?? '');
    assert.equal(never.update, 80);
  });

  it('follows a run started elsewhere (the CLI) through its files, and stops it', async () => {
    const folder = tempFolder();
    const m = manager(folder);
    await m.ready;
    const dir = path.join(folder, '.recurrent-lens', 'runs', 'from-cli');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...QUICK, updates: 1_000_000 }));
    const child = spawn(process.execPath, [cli, 'train', '--run-dir', dir, '--quiet'], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const exited = new Promise((r) => child.on('exit', r));
    try {
      await waitFor('the CLI run to start', () => {
        try {
          return readStatus({ dir }).state === 'running' ? true : undefined;
        } catch {
          return undefined;
        }
      });
      // What the extension's file watcher does when status.json appears.
      m.fileChanged(path.join(dir, 'status.json'));
      const found = await waitFor('the run in the list', () => m.get('from-cli'));
      assert.equal(found.state, 'running');
      assert.equal(found.external, true);
      const metrics = await m.metrics('from-cli');
      const later = await until(m, 'from-cli', (r) => r.update >= found.update + 100);
      await waitFor('curves read from metrics.jsonl', () => (metrics.train.length > 0 ? true : undefined));
      assert.ok(later.trainLoss !== null);
      m.stop('from-cli'); // SIGTERM: the trainer checkpoints and stops
      const stopped = await m.whenSettled('from-cli');
      assert.equal(stopped.state, 'stopped');
      assert.ok(stopped.checkpoint);
      assert.equal(stopped.external, false);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('refuses to start or resume without trust or without a folder; listing still works', async () => {
    const folder = tempFolder();
    fs.mkdirSync(path.join(folder, '.recurrent-lens', 'runs', 'old'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.recurrent-lens', 'runs', 'old', 'config.json'), JSON.stringify(QUICK));
    const untrusted = manager(folder, { isTrusted: () => false });
    await untrusted.ready;
    assert.deepEqual(untrusted.list().map((r) => r.id), ['old']);
    await assert.rejects(untrusted.start([QUICK]), (e: Error) => e instanceof TrainingError && /trust the workspace/.test(e.message));
    assert.throws(() => untrusted.resume('old'), /trust the workspace/);
    assert.equal(fs.readdirSync(path.join(folder, '.recurrent-lens', 'runs')).length, 1, 'no run folder was made');
    const noFolder = manager(folder, { folders: () => [] });
    await assert.rejects(noFolder.start([QUICK]), /Open a folder/);
  });

  it('stops its trainers with a checkpoint when the window closes (shutdown), leaving them resumable', async () => {
    const folder = tempFolder();
    const m = manager(folder);
    await m.ready;
    const [id] = await m.start([{ ...QUICK, updates: 1_000_000 }]);
    const run = await until(m, id, (r) => r.update >= 10);
    await m.shutdown(10_000);
    const status = readStatus(run);
    assert.equal(status.state, 'stopped');
    assert.ok(status.checkpoint);
    const next = manager(folder);
    await next.ready;
    assert.equal(next.get(id)!.state, 'stopped');
  });

  it('deletes a run and its folder', async () => {
    const m = manager(tempFolder());
    await m.ready;
    const [id] = await m.start([{ ...QUICK, updates: 100_000 }]);
    const run = await until(m, id, (r) => r.update >= 10);
    await m.delete(id);
    assert.equal(m.get(id), undefined);
    assert.equal(fs.existsSync(run.dir), false);
  });
});

describe('Training: run files', () => {
  it('reads one run, a list, and grids (lists as values), with the trainer\'s defaults filled in', () => {
    const one = parseRunFile('{"task": "addition", "T": 50}');
    assert.equal(one.length, 1);
    assert.equal(one[0].activation, 'relu');
    assert.equal(one[0].updates, 2000);
    const grid = parseRunFile('{"task": "copy", "lr": [3e-4, 1e-4], "seed": [1, 2, 3]}');
    assert.deepEqual(grid.map((c) => `${c.lr}/${c.seed}`), ['0.0003/1', '0.0003/2', '0.0003/3', '0.0001/1', '0.0001/2', '0.0001/3']);
    assert.equal(parseRunFile('[{"task": "copy"}, {"task": "psmnist", "N": 25}]').length, 2);
    const mnist = parseRunFile('{"task": "psmnist", "mnist_images": "d/i.idx", "mnist_labels": "d/l.idx"}', '/data');
    assert.equal(mnist[0].mnist_images, '/data/d/i.idx');
  });

  it('says in one line what is wrong with a bad file', () => {
    const bad: [string, RegExp][] = [
      ['{"task": "copy",', /^not valid JSON/],
      ['{"task": "copyy"}', /task must be one of copy, addition, psmnist/],
      ['{"task": "copy", "lrr": 1e-4}', /unknown field "lrr"/],
      ['[{"task": "copy"}, {"task": "copy", "T": 5}]', /^run 2: T must be a whole number from 21/],
      ['{"task": "copy", "seed": []}', /"seed" is an empty list/],
      ['{"task": "copy", "init": "chian:1"}', /unknown initializer "chian"/],
      ['[]', /empty/],
    ];
    for (const [text, error] of bad) {
      assert.throws(() => parseRunFile(text), (e: Error) => error.test(e.message) && !e.message.includes('\n'), text);
    }
  });
});

describe('Training: commands, view and panel in the extension', function () {
  this.timeout(60_000);
  const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  /** Resolves when the run's status.json says completed. */
  const completed = (id: string) => waitFor(`run ${id} to complete`, () => {
    try {
      return JSON.parse(fs.readFileSync(path.join(folder(), '.recurrent-lens', 'runs', id, 'status.json'), 'utf8')).state === 'completed' ? true : undefined;
    } catch {
      return undefined;
    }
  }, 30_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('contributes the commands, the Runs view and the concurrency setting', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['startTraining', 'startTrainingFromFile', 'stopRun', 'resumeRun', 'deleteRun', 'openRunFolder', 'openLatestCheckpoint', 'showRunLog', 'showTrainingCurves']) {
      assert.ok(commands.includes(`recurrentLens.${c}`), `recurrentLens.${c} is not registered`);
    }
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.equal(pkg.contributes.views.recurrentLens[0].id, 'recurrentLens.runs');
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(commands.includes('recurrentLens.runs.focus'));
    const limit = vscode.workspace.getConfiguration('recurrentLens.training').inspect('maxConcurrentRuns');
    assert.equal(limit?.defaultValue, null, 'default: one run per core');
  });

  it('trains psMNIST on the IDX files named by the settings (the full data set), relative to the workspace', async () => {
    // a small IDX pair: the first 60 embedded digits, written as the user's own files
    const { loadEmbeddedMnist } = await import('../../src/core/tasks/mnistFiles');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const digits = loadEmbeddedMnist(ext.extensionPath);
    const count = 60;
    const images = Buffer.alloc(16 + count * 784), labels = Buffer.alloc(8 + count);
    images.writeUInt32BE(0x803, 0); images.writeUInt32BE(count, 4); images.writeUInt32BE(28, 8); images.writeUInt32BE(28, 12);
    Buffer.from(digits.images.pixels.buffer, digits.images.pixels.byteOffset, count * 784).copy(images, 16);
    labels.writeUInt32BE(0x801, 0); labels.writeUInt32BE(count, 4);
    Buffer.from(digits.labels.buffer, digits.labels.byteOffset, count).copy(labels, 8);
    fs.mkdirSync(path.join(folder(), 'mnist'), { recursive: true });
    fs.writeFileSync(path.join(folder(), 'mnist', 'my-images.idx'), images);
    fs.writeFileSync(path.join(folder(), 'mnist', 'my-labels.idx'), labels);
    const settings = vscode.workspace.getConfiguration('recurrentLens.training');
    await settings.update('mnistImages', 'mnist/my-images.idx', vscode.ConfigurationTarget.Workspace);
    await settings.update('mnistLabels', 'mnist/my-labels.idx', vscode.ConfigurationTarget.Workspace);
    try {
      const [id] = await vscode.commands.executeCommand<string[]>('recurrentLens.startTraining', { task: 'psmnist', N: 8, updates: 4, val_size: 10, eval_every: 4 });
      const dir = path.join(folder(), '.recurrent-lens', 'runs', id);
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      assert.equal(config.mnist_images, path.join(folder(), 'mnist', 'my-images.idx'));
      assert.equal(config.mnist_labels, path.join(folder(), 'mnist', 'my-labels.idx'));
      const status = await waitFor(`run ${id} to end`, () => {
        try {
          const s = JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8'));
          return s.state !== 'running' ? s : undefined;
        } catch {
          return undefined;
        }
      }, 30_000);
      assert.equal(status.state, 'completed', status.error ?? '');
    } finally {
      await settings.update('mnistImages', undefined, vscode.ConfigurationTarget.Workspace);
      await settings.update('mnistLabels', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('starts runs from a run file (a grid of two), then shows one\'s curves and opens its checkpoint', async () => {
    const file = vscode.Uri.file(path.join(folder(), 'sweep.run.json'));
    fs.writeFileSync(file.fsPath, JSON.stringify({ ...QUICK, updates: 40, seed: [1, 2] }));
    const ids = await vscode.commands.executeCommand<string[]>('recurrentLens.startTrainingFromFile', file);
    assert.equal(ids.length, 2);
    for (const id of ids) await completed(id);
    assert.equal(await vscode.commands.executeCommand('recurrentLens.showTrainingCurves', ids[0]), ids[0]);
    await waitFor('the training panel tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputWebview && input.viewType.endsWith('recurrentLens.training') ? true : undefined;
    });
    await vscode.commands.executeCommand('recurrentLens.openLatestCheckpoint', ids[0]);
    const tab = await waitFor('the checkpoint in the inspector', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.uri.path.endsWith('/model.json') ? input : undefined;
    });
    assert.equal(tab.viewType, 'recurrentLens.inspector.optional');
    assert.match(tab.uri.path, new RegExp(`${ids[0]}/checkpoints/update-0*40/model.json$`));
  });

  it('a click on a checkpoint opens that checkpoint; Open Latest Checkpoint on it opens the latest; several runs compare in one panel', async () => {
    const ids = await vscode.commands.executeCommand<string[]>('recurrentLens.startTraining', [{ ...QUICK, seed: 1 }, { ...QUICK, seed: 2, lr: 1e-3 }]);
    for (const id of ids) await completed(id);
    const activeCustom = (re: RegExp) => waitFor(`an inspector on ${re}`, () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && re.test(input.uri.path) ? input : undefined;
    });
    // The Runs view's checkpoint item (its click runs recurrentLens.openCheckpoint with the item).
    const first = { kind: 'checkpoint', runId: ids[0], folder: 'checkpoints/update-0000040', update: 40 };
    await vscode.commands.executeCommand('recurrentLens.openCheckpoint', first);
    const opened = await activeCustom(new RegExp(`${ids[0]}/checkpoints/update-0000040/model.json$`));
    assert.equal(opened.viewType, 'recurrentLens.inspector.optional');
    // From the same item, "Open Latest Checkpoint": the run's last one (update 80), not the clicked one.
    await vscode.commands.executeCommand('recurrentLens.openLatestCheckpoint', first);
    await activeCustom(new RegExp(`${ids[0]}/checkpoints/update-0000080/model.json$`));

    // A comparison column (and so its figures' legends) is named by run and update, not "model.json".
    const model = path.join(folder(), '.recurrent-lens', 'runs', ids[1], 'checkpoints', 'update-0000080', 'model.json');
    const titles = await vscode.commands.executeCommand<string[]>('recurrentLens.addToComparison', { kind: 'tensor', file: model, key: { name: 'simple_rnn/recurrent_kernel' } });
    assert.ok(titles.includes(`simple_rnn/recurrent_kernel — ${ids[1].replace(/^\d{8}-\d{6}-/, '')} · update 80`), JSON.stringify(titles));

    await vscode.commands.executeCommand('recurrentLens.compareTrainingCurves', ids);
    const tab = await waitFor('the comparison panel', () => {
      const t = vscode.window.tabGroups.activeTabGroup.activeTab;
      return t?.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('recurrentLens.trainingCompare') ? t : undefined;
    });
    assert.equal(tab.label, 'Training curves: 2 runs');
  });

  it('uses one learning-rate default in the form and the trainer, and names checkpoint tabs by run and update', async () => {
    const { FORM_DEFAULTS } = await import('../../src/training/startForm');
    const { CONFIG_DEFAULTS } = await import('../../src/core/train/config');
    assert.equal(FORM_DEFAULTS.lr, CONFIG_DEFAULTS.lr);
    assert.equal(FORM_DEFAULTS.lr, 3e-4);
    const patterns = vscode.workspace.getConfiguration('workbench.editor.customLabels').get<Record<string, string>>('patterns');
    assert.equal(patterns?.['**/.recurrent-lens/runs/*/checkpoints/*/model.json'], '${dirname(2)} · ${dirname}');
  });
});
