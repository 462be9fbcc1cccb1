/** Training in the background: the run manager, the Runs view, the commands, progress and the status bar. */
import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunConfig, RunView } from '../shared/protocol';
import { RunManager, TrainingError, RESUMABLE } from '../runs/runManager';
import { RUNS_VIEW_ID, RunsTreeProvider, progressLine, stateIcon, stateLine, type RunsNode } from './runsView';
import { FORM_DEFAULTS, languageModelDefaults, startForm, toConfig, type FormValues } from './startForm';
import { checkConfig, describeConfig, parseRunFile } from '../runs/runConfig';
import { countRuns } from '../runs/runNames';
import { showProgress } from './progress';
import { RUN_FILES } from '../core/train/trainer';
import { TrajectoryPanel, TRAJECTORY_VIEW_TYPE, type PickRun } from '../panels/trajectoryPanel';
import { extensionWorker } from '../host/workers';
import { TrainingComparePanel, TrainingPanel, TRAINING_COMPARE_VIEW_TYPE, TRAINING_VIEW_TYPE } from '../panels/trainingPanel';
import { SweepTracker } from './sweepTracker';
import { registerSweepCommands } from './sweepCommands';
import { withRetentionSetting } from './sweepSettings';

const LAST_FORM_KEY = 'recurrentLens.training.lastForm';
/** The language-model form's last settings (cell, initializer, …; the file is always the one asked for). */
const LAST_LM_FORM_KEY = 'recurrentLens.training.lastLanguageModelForm';
const SWEEP_CONFIRM = 4;

/** A run as commands receive it: its id, a Runs view node, a panel's run, or nothing (then we ask). */
type RunArg = string | RunsNode | RunView | undefined;

export function maxConcurrentRuns(): number {
  const v = vscode.workspace.getConfiguration('recurrentLens.training').get<number | null>('maxConcurrentRuns');
  return typeof v === 'number' && v >= 1 ? Math.floor(v) : os.availableParallelism();
}

/**
 * psMNIST runs that name no digits get the full data set from the settings, when set (relative paths are taken from
 * the run's workspace folder); otherwise the trainer uses the 10 000 embedded digits.
 */
export function withMnistSetting(config: RunConfig, folder: string | undefined): RunConfig {
  if (config.task !== 'psmnist' || config.mnist_images || config.mnist_labels) return config;
  const settings = vscode.workspace.getConfiguration('recurrentLens.training');
  const images = settings.get<string>('mnistImages')?.trim(), labels = settings.get<string>('mnistLabels')?.trim();
  if (!images && !labels) return config;
  if (!images || !labels) throw new TrainingError('set both recurrentLens.training.mnistImages and recurrentLens.training.mnistLabels (IDX files), or neither');
  const resolve = (p: string) => (path.isAbsolute(p) || !folder ? p : path.join(folder, p));
  return { ...config, mnist_images: resolve(images), mnist_labels: resolve(labels) };
}

export function registerTraining(context: vscode.ExtensionContext): RunManager {
  const folders = () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const manager = new RunManager({
    cli: path.join(context.extensionPath, 'dist', 'cli.js'),
    folders,
    maxConcurrentRuns,
    isTrusted: () => vscode.workspace.isTrusted,
  });
  const sweeps = new SweepTracker(manager, context.extensionPath);
  const tree = new RunsTreeProvider(manager, sweeps);
  const view = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  sweeps.setVisible(view.visible);
  const status = vscode.window.createStatusBarItem('recurrentLens.training', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Recurrent Lens Training';
  status.command = 'recurrentLens.runs.focus';
  const updateStatus = () => {
    const runs = manager.list();
    const running = runs.filter((r) => r.state === 'running').length;
    const queued = runs.filter((r) => r.state === 'queued').length;
    view.badge = running + queued ? { value: running + queued, tooltip: `${running} training, ${queued} queued` } : undefined;
    if (!running && !queued) return status.hide();
    status.text = `$(sync~spin) ${running} training${queued ? ` · ${queued} queued` : ''}`;
    status.tooltip = 'Recurrent Lens training runs: show the Runs view';
    status.show();
  };

  // Runs started elsewhere (the CLI) appear; deleted folders go.
  const runsFolderWatcher = vscode.workspace.createFileSystemWatcher('**/.recurrent-lens/runs/*/{config,status}.json');
  const fileChanged = (uri: vscode.Uri) => manager.fileChanged(uri.fsPath);

  const resolve = async (arg: RunArg, what: string, filter: (r: RunView) => boolean = () => true): Promise<RunView | undefined> => {
    await manager.ready;
    const id = typeof arg === 'string' ? arg : arg && 'kind' in arg ? nodeRunId(arg) : arg?.id;
    if (id) {
      const run = manager.get(id);
      if (!run) throw new TrainingError(`No training run "${id}" in this workspace.`);
      return run;
    }
    const candidates = manager.list().filter(filter);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`No training run to ${what}.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: `$(${stateIcon(r).id}) ${tree.label(r)}`, description: `${stateLine(r)} · ${progressLine(r)}`, detail: r.id, id: r.id })),
      { title: `Recurrent Lens: ${what[0].toUpperCase()}${what.slice(1)}`, placeHolder: 'Choose a training run', matchOnDescription: true, matchOnDetail: true },
    );
    return pick && manager.get(pick.id);
  };

  /** Ids of a tree multi-selection (second argument of a menu command), else of the one run. */
  const many = async (arg: RunArg, selected: RunsNode[] | undefined, what: string, filter: (r: RunView) => boolean): Promise<RunView[]> => {
    const nodes = selected?.filter((n): n is RunsNode & { kind: 'run' } => n.kind === 'run');
    if (nodes && nodes.length > 1) return nodes.map((n) => manager.get(n.id)).filter((r): r is RunView => !!r && filter(r));
    const one = await resolve(arg, what, filter);
    return one ? [one] : [];
  };

  const startRuns = async (configs: RunConfig[], title: string): Promise<string[]> => {
    let folder: string | undefined;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length > 1) {
      const f = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder to keep the runs in (.recurrent-lens/runs)' });
      if (!f) return [];
      folder = f.uri.fsPath;
    }
    const base = folder ?? folders[0]?.uri.fsPath;
    const ids = await manager.start(configs.map((c) => withRetentionSetting(withMnistSetting(c, base))), folder);
    showProgress(manager, ids, title, maxConcurrentRuns);
    return ids;
  };

  const command = <A extends unknown[]>(id: string, f: (...args: A) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: A) => {
      try {
        return await f(...args);
      } catch (e) {
        void showError(e);
        return undefined;
      }
    });

  // The trajectory's own worker thread (started on first use): a long trajectory does not hold up an analysis.
  const trajectoryWorker = extensionWorker(context.extensionPath);
  /** A run to add to a trajectory panel: members of the same sweep first. */
  const pickRun: PickRun = async (exclude) => {
    const sweep = manager.get(exclude[0])?.sweep;
    const candidates = manager.list().filter((r) => !exclude.includes(r.id) && r.checkpoint)
      .sort((a, b) => Number(b.sweep === sweep && !!sweep) - Number(a.sweep === sweep && !!sweep));
    if (!candidates.length) {
      void vscode.window.showInformationMessage('No other training run with checkpoints to compare with.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: `$(${stateIcon(r).id}) ${tree.label(r)}`, description: `${stateLine(r)} · ${progressLine(r)}`, detail: r.id, id: r.id })),
      { title: 'Recurrent Lens: Add Run to Compare', placeHolder: 'Choose a training run to show beside it', matchOnDescription: true, matchOnDetail: true },
    );
    return pick?.id;
  };

  context.subscriptions.push(
    manager, sweeps, tree, view, status, runsFolderWatcher,
    view.onDidChangeVisibility((e) => sweeps.setVisible(e.visible)),
    ...registerSweepCommands(context, manager, sweeps, maxConcurrentRuns),
    { dispose: () => trajectoryWorker.dispose() },
    vscode.window.registerWebviewPanelSerializer(TRAJECTORY_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: { runIds?: string[] } | undefined) => {
        await manager.ready;
        const ids = (state?.runIds ?? []).filter((id) => manager.get(id));
        if (ids.length) TrajectoryPanel.revive(context, manager, trajectoryWorker, pickRun, ids, panel);
        else panel.dispose();
      },
    }),

    // Viewing only: works in untrusted workspaces. `compareWith`: a second run id to show beside it (tests, keybindings).
    command('recurrentLens.showWeightTrajectory', async (arg?: RunArg, compareWith?: unknown) => {
      const run = await resolve(arg, 'show the weight trajectory of', (r) => !!r.checkpoint);
      if (!run) return undefined;
      if (!run.checkpoint) throw new TrainingError(`${run.label} has no checkpoint yet: the trajectory starts with the first one (update 0).`);
      if (typeof compareWith === 'string') {
        if (!manager.get(compareWith)) throw new TrainingError(`No training run "${compareWith}" in this workspace.`);
        TrajectoryPanel.revive(context, manager, trajectoryWorker, pickRun, [run.id, compareWith],
          vscode.window.createWebviewPanel(TRAJECTORY_VIEW_TYPE, 'Weight Trajectory', vscode.ViewColumn.Active, { retainContextWhenHidden: true }));
        return [run.id, compareWith];
      }
      TrajectoryPanel.show(context, manager, trajectoryWorker, pickRun, run.id);
      return [run.id];
    }),
    manager.onDidChangeRuns(updateStatus),
    manager.onDidChangeRun(updateStatus),
    runsFolderWatcher.onDidCreate(fileChanged),
    runsFolderWatcher.onDidChange(fileChanged),
    runsFolderWatcher.onDidDelete(() => void manager.refresh()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void manager.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('recurrentLens.training.maxConcurrentRuns') && manager.limitChanged()),
    vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: { runId?: string } | undefined) => {
        await manager.ready;
        if (state?.runId && manager.get(state.runId)) TrainingPanel.revive(context, manager, state.runId, panel);
        else panel.dispose();
      },
    }),
    vscode.window.registerWebviewPanelSerializer(TRAINING_COMPARE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: { runIds?: string[] } | undefined) => {
        await manager.ready;
        const ids = (state?.runIds ?? []).filter((id) => manager.get(id));
        if (ids.length) TrainingComparePanel.revive(context, manager, ids, panel);
        else panel.dispose();
      },
    }),

    // `args`: a config or a list of them, to start without the form (tests, keybindings, other extensions).
    command('recurrentLens.startTraining', async (args?: RunConfig | RunConfig[]) => {
      if (args) {
        const configs = (Array.isArray(args) ? args : [args]).map((c) => checkConfig(c));
        return startRuns(configs, configs.length > 1 ? `Training ${configs.length} runs` : `Training ${describeConfig(configs[0])}`);
      }
      manager.assertCanStart();
      const last = context.workspaceState.get<FormValues>(LAST_FORM_KEY);
      const values = await startForm({ ...FORM_DEFAULTS, ...last, name: undefined });
      if (!values) return [];
      await context.workspaceState.update(LAST_FORM_KEY, values);
      const config = toConfig(values);
      const ids = await startRuns([config], `Training ${values.name ?? describeConfig(config)}`);
      // One run started by hand: show its curves as they come.
      if (ids.length === 1) TrainingPanel.show(context, manager, ids[0]);
      return ids;
    }),

    // A language model on a text file: the Explorer's or the editor's file, or the active editor's. `overrides`: settings
    // to start with at once, without the form (tests, keybindings).
    command('recurrentLens.trainLanguageModel', async (uri?: vscode.Uri, overrides?: Partial<FormValues>) => {
      manager.assertCanStart();
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target) throw new TrainingError('Train Language Model on This File: open a text file first (or right-click one in the Explorer).');
      if (target.scheme !== 'file') throw new TrainingError(`${target.toString()}: not a file on disk (save it first)`);
      const file = target.fsPath;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
      if (doc?.isDirty) await doc.save();
      const last = context.workspaceState.get<Partial<FormValues>>(LAST_LM_FORM_KEY);
      const initial: FormValues = { ...languageModelDefaults(file), ...last, ...overrides, task: 'charlm', file, name: undefined };
      const values = overrides ? initial : await startForm(initial);
      if (!values) return [];
      if (!overrides) await context.workspaceState.update(LAST_LM_FORM_KEY, { ...values, file: undefined });
      const config = checkConfig(toConfig({ ...values, ...(overrides?.name ? { name: overrides.name } : {}) }));
      // Every check the trainer makes before it writes anything, here and off this thread: bad text is one line, no run.
      const textFile = config.file ?? path.join(context.extensionPath, 'dist', 'brown', 'brown.txt');
      try {
        // held to recurrentLens.maxFileSizeMB by the worker
        await TrainingPanel.languageModelWorker(context).request({
          op: 'checkText', file: textFile, settings: { max_chars: config.max_chars ?? 0, batch: config.batch!, T: config.T! },
        });
      } catch (e) {
        throw new TrainingError((e as Error).message);
      }
      const ids = await startRuns([config], `Training ${config.cell} on ${path.basename(textFile)}`);
      if (ids.length === 1) TrainingPanel.show(context, manager, ids[0]);
      return ids;
    }),

    command('recurrentLens.startTrainingFromFile', async (uri?: vscode.Uri) => {
      manager.assertCanStart();
      let doc: vscode.TextDocument | undefined;
      const active = vscode.window.activeTextEditor?.document;
      if (uri instanceof vscode.Uri) doc = await vscode.workspace.openTextDocument(uri);
      else if (active && (active.languageId === 'json' || active.languageId === 'jsonc' || active.fileName.endsWith('.json'))) doc = active;
      else {
        const picked = await vscode.window.showOpenDialog({
          title: 'Start Training Run from File', openLabel: 'Start', canSelectMany: false,
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, filters: { 'Run file (JSON)': ['json'] },
        });
        if (!picked?.[0]) return [];
        doc = await vscode.workspace.openTextDocument(picked[0]);
      }
      const name = path.basename(doc.uri.path);
      let configs: RunConfig[];
      try {
        configs = parseRunFile(doc.getText(), doc.uri.scheme === 'file' ? path.dirname(doc.uri.fsPath) : undefined);
      } catch (e) {
        throw new TrainingError(`${name}: ${(e as Error).message}`);
      }
      if (configs.length >= SWEEP_CONFIRM) {
        const ok = await vscode.window.showInformationMessage(
          `Start ${configs.length} training runs from ${name}?`,
          { modal: true, detail: `${countRuns(maxConcurrentRuns())} at a time (setting recurrentLens.training.maxConcurrentRuns); the others wait in the queue.` },
          'Start',
        );
        if (ok !== 'Start') return [];
      }
      const ids = await startRuns(configs, configs.length > 1 ? `Training ${configs.length} runs from ${name}` : `Training ${configs[0].name ?? describeConfig(configs[0])}`);
      if (ids.length === 1) TrainingPanel.show(context, manager, ids[0]);
      return ids;
    }),

    command('recurrentLens.stopRun', async (arg?: RunArg, selected?: RunsNode[]) => {
      const runs = await many(arg, selected, 'stop', (r) => r.state === 'running' || r.state === 'queued');
      for (const r of runs) manager.stop(r.id);
    }),

    command('recurrentLens.resumeRun', async (arg?: RunArg, selected?: RunsNode[]) => {
      manager.assertCanStart();
      const runs = await many(arg, selected, 'resume', (r) => RESUMABLE.includes(r.state));
      for (const r of runs) manager.resume(r.id);
      if (runs.length) showProgress(manager, runs.map((r) => r.id), runs.length > 1 ? `Training ${runs.length} runs` : `Training ${runs[0].label}`, maxConcurrentRuns);
    }),

    command('recurrentLens.deleteRun', async (arg?: RunArg, selected?: RunsNode[]) => {
      const runs = await many(arg, selected, 'delete', () => true);
      if (!runs.length) return;
      const what = runs.length === 1 ? `the training run "${runs[0].label}"` : `${runs.length} training runs`;
      const active = runs.filter((r) => r.state === 'running' || r.state === 'queued').length;
      const ok = await vscode.window.showWarningMessage(
        `Delete ${what}?`,
        { modal: true, detail: `Deletes ${runs.length === 1 ? 'its folder' : 'their folders'} (checkpoints, metrics, log).${active ? ' Running runs are stopped first.' : ''}` },
        'Delete',
      );
      if (ok !== 'Delete') return;
      for (const r of runs) await manager.delete(r.id);
    }),

    command('recurrentLens.openRunFolder', async (arg?: RunArg) => {
      const run = await resolve(arg, 'open the folder of');
      if (run) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(run.dir));
    }),

    command('recurrentLens.openLatestCheckpoint', async (arg?: RunArg) => {
      // From a run, or any of its checkpoints: the run's latest finite checkpoint (a click on a checkpoint opens that one).
      const run = await resolve(arg, 'open the checkpoint of', (r) => !!r.checkpoint);
      if (!run) return;
      if (!run.checkpoint) throw new TrainingError(`${run.label} has no checkpoint yet (one is saved every ${run.config.checkpoint_every ?? 500} updates, and when it stops).`);
      await openInInspector(path.join(run.dir, run.checkpoint, 'model.json'));
    }),

    // A checkpoint item of the Runs view (its click), or a run id and checkpoint folder from elsewhere.
    command('recurrentLens.openCheckpoint', async (arg?: RunsNode | { runId: string; folder: string }) => {
      if (!arg || !('folder' in arg)) throw new TrainingError('Open Checkpoint needs a checkpoint: click one under a run in the Runs view.');
      await manager.ready;
      const run = manager.get(arg.runId);
      if (!run) throw new TrainingError(`No training run "${arg.runId}" in this workspace.`);
      await openInInspector(path.join(run.dir, arg.folder, 'model.json'));
    }),

    command('recurrentLens.showRunLog', async (arg?: RunArg) => {
      const run = await resolve(arg, 'show the log of');
      if (!run) return;
      const log = vscode.Uri.file(path.join(run.dir, RUN_FILES.log));
      try {
        await vscode.workspace.fs.stat(log);
      } catch {
        throw new TrainingError(`${run.label} has no log yet.`);
      }
      await vscode.window.showTextDocument(log, { preview: true });
    }),

    command('recurrentLens.showTrainingCurves', async (arg?: RunArg) => {
      const run = await resolve(arg, 'show the curves of');
      if (run) TrainingPanel.show(context, manager, run.id);
      return run?.id;
    }),

    // A multi-selection in the Runs view, run ids (tests, keybindings), or a multi-pick of the runs.
    command('recurrentLens.compareTrainingCurves', async (arg?: RunArg | string[], selected?: RunsNode[]) => {
      await manager.ready;
      let ids = Array.isArray(arg) ? arg : (selected ?? []).filter((n): n is RunsNode & { kind: 'run' } => n.kind === 'run').map((n) => n.id);
      for (const id of ids) if (!manager.get(id)) throw new TrainingError(`No training run "${id}" in this workspace.`);
      if (ids.length < 2) {
        const all = manager.list();
        if (all.length < 2) {
          void vscode.window.showInformationMessage(`Compare Training Curves needs two runs or more; this workspace has ${countRuns(all.length)}.`);
          return [];
        }
        const first = typeof arg === 'string' ? arg : arg && !Array.isArray(arg) && 'kind' in arg ? nodeRunId(arg) : undefined;
        const picks = await vscode.window.showQuickPick(
          all.map((r) => ({ label: `$(${stateIcon(r).id}) ${tree.label(r)}`, description: `${stateLine(r)} · ${progressLine(r)}`, detail: r.id, id: r.id, picked: r.id === first })),
          { title: 'Recurrent Lens: Compare Training Curves', placeHolder: 'Choose two runs or more', canPickMany: true, matchOnDescription: true, matchOnDetail: true },
        );
        if (!picks) return [];
        ids = picks.map((p) => p.id);
        if (ids.length < 2) {
          void vscode.window.showInformationMessage('Choose two runs or more to compare their curves (Show Training Curves shows one).');
          return [];
        }
      }
      TrainingComparePanel.show(context, manager, ids);
      return ids;
    }),

    command('recurrentLens.refreshRuns', () => manager.refresh()),
  );
  updateStatus();
  return manager;
}

/** The run a Runs view node stands for (a sweep group stands for none). */
function nodeRunId(node: RunsNode): string | undefined {
  return node.kind === 'run' ? node.id : node.kind === 'checkpoint' ? node.runId : undefined;
}

async function openInInspector(modelJson: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(modelJson), 'recurrentLens.inspector.optional');
}

async function showError(e: unknown): Promise<void> {
  const message = (e as Error)?.message ?? String(e);
  if (!(e instanceof TrainingError)) {
    void vscode.window.showErrorMessage(`Recurrent Lens: ${message}`);
    return;
  }
  if (/trust the workspace/.test(message)) {
    const pick = await vscode.window.showErrorMessage(message, 'Manage Workspace Trust');
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  if (/Open a folder/.test(message)) {
    const pick = await vscode.window.showErrorMessage(message, 'Open Folder…');
    if (pick) await vscode.commands.executeCommand('vscode.openFolder');
    return;
  }
  void vscode.window.showErrorMessage(message);
}
