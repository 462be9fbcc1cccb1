/**
 * Sweeps from the editor: a thin adapter over the plain-Node sweep core (src/sweeps/). Start Sweep… (a preset or a
 * `*.sweep.json` of the workspace) shows the run count and the CPU-hour estimate — from one short measured update in a
 * child process — in a modal confirm, then trains locally through the run manager or submits one SLURM array job.
 * Stop, Continue and Cancel on SLURM act on a sweep group of the Runs view (or ask which sweep).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunManager } from '../runs/runManager';
import { TrainingError } from '../runs/runManager';
import { checkSweepText, PRESETS, readSweepFile, resolveSweep, SweepError } from '../sweeps/spec';
import { createOrOpenSweepFolder, SWEEPS_FOLDER } from '../sweeps/folder';
import { CLUSTER_ADVICE_HOURS, estimateCost, formatHours } from '../sweeps/cost';
import type { ResolvedSweep, SweepFile } from '../sweeps/types';
import { countRuns } from '../runs/runNames';
import { showProgress } from './progress';
import { executorSetting, measureUpdate, withRetentionSetting, type ExecutorKind } from './sweepSettings';
import type { SweepTracker, TrackedSweep } from './sweepTracker';
import type { RunsNode } from './runsView';

/** A sweep as commands receive it: a Runs view group, its folder, or nothing (then we ask). */
type SweepArg = RunsNode | string | vscode.Uri | undefined;

/** Options for starting without questions (tests, keybindings, other extensions): the source and the answers. */
export interface StartSweepArgs {
  /** A preset name (`quick:copy`) or the path of a `*.sweep.json`. */
  source: string;
  executor?: ExecutorKind;
  /** Skip the cost confirmation (it is still measured and returned). */
  confirmed?: boolean;
  /** Workspace folder to keep the sweep in (default: the first). */
  folder?: string;
}

export interface StartedSweep {
  dir: string;
  runs: number;
  executor: ExecutorKind;
  ms_per_update: number;
  cpu_hours: number;
  job_id: string | null;
}

const PRESET_WORDS: Record<string, string> = {
  'quick:copy': 'a quick look (minutes on a laptop)',
  'paper:copy': 'the paper’s copy grid (a cluster’s work)',
  'paper:addition': 'the paper’s addition grid (a cluster’s work)',
  'paper:psmnist': 'the paper’s psMNIST grid (a cluster’s work)',
};

/** A sweep folder name: start time and the sweep's name (or preset, or file), `20261205-063000-quick-copy`. */
export function sweepFolderId(label: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = label.toLowerCase().replace(/\.sweep\.json$/, '').replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return slug ? `${stamp}-${slug}` : stamp;
}

export function registerSweepCommands(context: vscode.ExtensionContext, manager: RunManager, tracker: SweepTracker, limit: () => number): vscode.Disposable[] {
  const cli = path.join(context.extensionPath, 'dist', 'cli.js');

  const command = <A extends unknown[]>(id: string, f: (...args: A) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: A) => {
      try {
        return await f(...args);
      } catch (e) {
        if (e instanceof vscode.CancellationError) return undefined;
        void showSweepError(e);
        return undefined;
      }
    });

  /** The sweep a command acts on; `filter` narrows the quick pick when none was given. */
  const resolveSweepArg = async (arg: SweepArg, what: string, filter: (s: TrackedSweep) => boolean = () => true): Promise<TrackedSweep | undefined> => {
    await tracker.ready;
    const dir = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : arg?.kind === 'sweep' ? arg.dir : undefined;
    if (dir) {
      const s = tracker.get(dir) ?? (await tracker.add(dir));
      if (!s) throw new TrainingError(`No sweep in ${dir}.`);
      return s;
    }
    const candidates = tracker.list().filter(filter);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`No sweep to ${what}.`);
      return undefined;
    }
    if (candidates.length === 1) return candidates[0];
    const pick = await vscode.window.showQuickPick(
      candidates.map((s) => ({ label: s.label, description: tracker.progressLine(s), detail: s.dir, s })),
      { title: `Recurrent Lens: ${what[0].toUpperCase()}${what.slice(1)}`, placeHolder: 'Choose a sweep' },
    );
    return pick?.s;
  };

  /** Trains `indices` of the sweep here or submits them to SLURM; returns the SLURM job id. */
  const launch = async (dir: string, sweep: ResolvedSweep, indices: number[], executor: ExecutorKind, title: string): Promise<string | null> => {
    if (executor === 'local') {
      const ids = await manager.startSweep(dir, indices);
      await tracker.startedLocally(dir);
      if (ids.length) showProgress(manager, ids, title, limit);
      return null;
    }
    const job = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Submitting ${countRuns(indices.length)} of ${sweep.name ?? sweep.id} to SLURM…` },
      () => tracker.submitToSlurm(dir, sweep, indices),
    );
    const pick = await vscode.window.showInformationMessage(
      `Submitted ${countRuns(indices.length)} of ${sweep.name ?? sweep.id} to SLURM as array job ${job}; the Runs view follows it.`,
      'Show Runs', 'Open Sweep Panel',
    );
    if (pick === 'Show Runs') await vscode.commands.executeCommand('recurrentLens.runs.focus');
    if (pick === 'Open Sweep Panel') await vscode.commands.executeCommand('recurrentLens.openSweepPanel', dir);
    return job;
  };

  const start = async (args: StartSweepArgs): Promise<StartedSweep | undefined> => {
    manager.assertCanStart();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    let folder = args.folder;
    if (!folder && folders.length > 1) {
      const f = await vscode.window.showWorkspaceFolderPick({ placeHolder: `Workspace folder to keep the sweep in (${SWEEPS_FOLDER})` });
      if (!f) return undefined;
      folder = f.uri.fsPath;
    }
    folder ??= folders[0].uri.fsPath;

    const isPreset = args.source in PRESETS;
    const file: SweepFile = withRetentionSetting(isPreset ? { preset: args.source } : await readSweepFile(args.source));
    const label = isPreset ? args.source : path.basename(args.source);
    const now = new Date();
    const id = sweepFolderId(typeof file.name === 'string' && file.name ? file.name : isPreset ? args.source : label, now);
    const sweep = resolveSweep(file, { id, now, ...(isPreset ? {} : { source: args.source }) });
    const text = await checkSweepText(sweep, context.extensionPath, isPreset ? undefined : args.source);
    const name = sweep.name ?? label;
    const executor = args.executor ?? executorSetting();

    // The estimate: one short measured update of the first member in a child process.
    const timing = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Estimating the cost of ${name}: timing a few updates…`, cancellable: true },
      (_p, token) => measureUpdate(cli, sweep.members[0].config, token),
    );
    const ms = timing.cpuMs ?? timing.ms;
    const cost = estimateCost(sweep, timing.ms, 1, { concurrency: limit(), cpuMsPerUpdate: timing.cpuMs, valBatches: text?.valBatches });
    let chosen: ExecutorKind = executor;
    if (!args.confirmed) {
      const large = cost.local_hours > CLUSTER_ADVICE_HOURS;
      const detail = [
        `${countRuns(cost.runs)} × ${fmtCount(cost.updates / cost.runs)} updates: about ${cpuTime(cost.cpu_hours)} ` +
          `(${ms.toFixed(1)} ms of CPU per update, measured on this machine with one thread; runs that stop early cost less).`,
        `On this machine, ${countRuns(Math.min(limit(), cost.runs))} at a time (recurrentLens.training.maxConcurrentRuns): about ${formatHours(cost.local_hours)}.` +
          (large ? ' That is long for one machine: submit it to a SLURM cluster instead (open the folder on its login node with Remote-SSH).' : ''),
        executor === 'slurm' ? 'On SLURM: one array job, a task per run (settings recurrentLens.slurm.*).' : '',
      ].filter(Boolean).join('\n\n');
      const primary = executor === 'local' && !large ? 'Start Here' : 'Submit to SLURM';
      const other = primary === 'Start Here' ? 'Submit to SLURM' : 'Start Here';
      const answer = await vscode.window.showInformationMessage(`Start sweep "${name}": ${countRuns(cost.runs)}?`, { modal: true, detail }, primary, other);
      if (!answer) return undefined;
      chosen = answer === 'Submit to SLURM' ? 'slurm' : 'local';
    }

    const dir = path.join(folder, SWEEPS_FOLDER, id);
    await createOrOpenSweepFolder(dir, sweep);
    await tracker.add(dir);
    const job = await launch(dir, sweep, sweep.members.map((m) => m.index), chosen, `Sweep ${name}`);
    return { dir, runs: cost.runs, executor: chosen, ms_per_update: ms, cpu_hours: cost.cpu_hours, job_id: job };
  };

  /** A preset or a `*.sweep.json` of the workspace, from a quick pick. */
  const pickSource = async (): Promise<string | undefined> => {
    const files = await vscode.workspace.findFiles('**/*.sweep.json', '**/{node_modules,.git,.recurrent-lens}/**', 200);
    type Item = vscode.QuickPickItem & { source?: string };
    const items: Item[] = [
      { label: 'Presets', kind: vscode.QuickPickItemKind.Separator },
      ...Object.keys(PRESETS).map((p) => ({ label: p, description: PRESETS[p].name ?? '', detail: PRESET_WORDS[p], source: p })),
    ];
    if (files.length) {
      items.push({ label: 'Sweep files', kind: vscode.QuickPickItemKind.Separator });
      for (const f of files.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
        items.push({ label: path.basename(f.fsPath), description: vscode.workspace.asRelativePath(f), source: f.fsPath });
      }
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(folder-opened) Choose a sweep file…', source: '' });
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Recurrent Lens: Start Sweep', placeHolder: 'A preset, or a *.sweep.json file (inits × gains × learning rates × seeds)',
      matchOnDescription: true,
    });
    if (!pick || pick.source === undefined) return undefined;
    if (pick.source) return pick.source;
    const picked = await vscode.window.showOpenDialog({
      title: 'Start Sweep from File', openLabel: 'Start', canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, filters: { 'Sweep file (JSON)': ['json'] },
    });
    return picked?.[0]?.fsPath;
  };

  /** The document's path, saved first when it has unsaved edits. */
  const savedFile = async (uri: vscode.Uri): Promise<string> => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) await doc.save();
    if (uri.scheme !== 'file') throw new TrainingError(`${path.basename(uri.path)}: sweeps start from files on disk.`);
    return uri.fsPath;
  };

  return [
    command('recurrentLens.startSweep', async (arg?: StartSweepArgs | string) => {
      if (arg && typeof arg === 'object') return start(arg);
      manager.assertCanStart();
      const source = typeof arg === 'string' ? arg : await pickSource();
      return source ? start({ source }) : undefined;
    }),

    command('recurrentLens.startSweepFromFile', async (uri?: vscode.Uri) => {
      manager.assertCanStart();
      const active = vscode.window.activeTextEditor?.document.uri;
      const target = uri instanceof vscode.Uri ? uri : active && /\.sweep\.json$/.test(active.path) ? active : undefined;
      const source = target ? await savedFile(target) : await pickSource();
      return source ? start({ source }) : undefined;
    }),

    command('recurrentLens.stopSweep', async (arg?: SweepArg) => {
      const s = await resolveSweepArg(arg, 'stop', (x) => x.active > 0);
      if (!s) return;
      if (s.executor === 'slurm') return vscode.commands.executeCommand('recurrentLens.cancelSweepSlurm', s.dir);
      for (const r of manager.list()) if (r.sweep === s.sweep.id && r.dir.startsWith(s.dir + path.sep) && (r.state === 'running' || r.state === 'queued')) manager.stop(r.id);
      tracker.changed(s.dir);
    }),

    command('recurrentLens.continueSweep', async (arg?: SweepArg) => {
      manager.assertCanStart();
      const s = await resolveSweepArg(arg, 'continue', (x) => x.continuable > 0);
      if (!s) return;
      const indices = await tracker.continuable(s.dir);
      if (!indices.length) {
        void vscode.window.showInformationMessage(`${s.label}: nothing to continue (every run is finished, running or queued).`);
        return [];
      }
      await launch(s.dir, s.sweep, indices, s.executor ?? executorSetting(), `Sweep ${s.label}`);
      return indices;
    }),

    command('recurrentLens.cancelSweepSlurm', async (arg?: SweepArg, confirmed?: boolean) => {
      const s = await resolveSweepArg(arg, 'cancel on SLURM', (x) => x.executor === 'slurm' && x.active > 0);
      if (!s) return;
      if (s.executor !== 'slurm') throw new TrainingError(`${s.label} does not run on SLURM (Stop Sweep stops it).`);
      if (confirmed !== true) {
        const ok = await vscode.window.showWarningMessage(
          `Cancel ${s.label} on SLURM?`,
          { modal: true, detail: `scancel of array job ${s.jobId ?? '?'}: running tasks checkpoint first, and Continue Sweep resumes them later.` },
          'Cancel Tasks',
        );
        if (ok !== 'Cancel Tasks') return;
      }
      await tracker.cancelOnSlurm(s.dir);
    }),
  ];
}

/** `12 CPU-minutes`, `1 CPU-hour`, `0.23 CPU-hours`, `2,300 CPU-hours`. */
function cpuTime(h: number): string {
  if (h < 0.1) {
    const min = Math.max(1, Math.round(h * 60));
    return `${min} CPU-minute${min === 1 ? '' : 's'}`;
  }
  const v = h >= 100 ? fmtCount(h) : String(Number(h.toPrecision(2)));
  return `${v} CPU-hour${v === '1' ? '' : 's'}`;
}

function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Errors as one line: a bad sweep file names the file and the field. */
async function showSweepError(e: unknown): Promise<void> {
  const message = ((e as Error)?.message ?? String(e)).split('\n')[0];
  if (e instanceof TrainingError && /trust the workspace/.test(message)) {
    const pick = await vscode.window.showErrorMessage(message, 'Manage Workspace Trust');
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  void vscode.window.showErrorMessage(e instanceof SweepError || e instanceof TrainingError ? message : `Recurrent Lens: ${message}`);
}
