import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import { fileSafe, saveExport } from '../host/saveExport';
import type { WorkerClient } from '../host/workerClient';
import { lensErrorOf } from '../core/errors';
import type { RunManager } from '../runs/runManager';
import { trajectoryCsv } from '../runs/trajectoryCsv';
import type { HostToTrajectory, RunView, TrajectoryColumn, TrajectoryToHost } from '../shared/protocol';
import { oneAtATime } from './trainingPanel';

export const TRAJECTORY_VIEW_TYPE = 'recurrentLens.trajectory';

/** At most this many runs side by side. */
export const MAX_TRAJECTORY_COLUMNS = 2;

/** The settings line of a run (as the training panel's). */
function configLine(run: RunView): string {
  const c = run.config;
  return [
    c.task + (c.task === 'psmnist' || c.T === undefined ? '' : `, T = ${c.T}`),
    c.N !== undefined ? `N = ${c.N}` : '', c.init ?? '', c.seed !== undefined ? `seed ${c.seed}` : '',
  ].filter(Boolean).join(' · ');
}

/**
 * Weight Trajectory: what training did to W, checkpoint by checkpoint, for one run or two side by side. The numbers
 * and matrices are computed in a worker thread (src/runs/trajectory.ts, cached per checkpoint in the run folder);
 * a run that is still training is analysed again, incrementally, when it writes a checkpoint.
 */
export class TrajectoryPanel {
  private static readonly open = new Map<string, TrajectoryPanel>();
  private readonly columns = new Map<string, TrajectoryColumn>();
  /** Runs to (re)compute, and the checkpoint each had when last computed. */
  private readonly dirty = new Set<string>();
  private readonly seen = new Map<string, string | null>();
  private running: { cancel(): void } | undefined;
  private ready = false;
  private disposed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  static show(context: vscode.ExtensionContext, manager: RunManager, worker: WorkerClient, pickRun: PickRun, id: string): TrajectoryPanel {
    const existing = TrajectoryPanel.open.get(id);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRAJECTORY_VIEW_TYPE, 'Weight Trajectory', vscode.ViewColumn.Active, {
      ...webviewOptions(context.extensionUri),
      retainContextWhenHidden: true,
    });
    return new TrajectoryPanel(context, manager, worker, pickRun, [id], panel);
  }

  static revive(context: vscode.ExtensionContext, manager: RunManager, worker: WorkerClient, pickRun: PickRun, ids: string[], panel: vscode.WebviewPanel): TrajectoryPanel {
    return new TrajectoryPanel(context, manager, worker, pickRun, ids, panel);
  }

  /** The open panels' run ids (for tests). */
  static get panels(): string[][] {
    return [...TrajectoryPanel.open.values()].map((p) => [...p.ids]);
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly manager: RunManager,
    private readonly worker: WorkerClient,
    private readonly pickRun: PickRun,
    private ids: string[],
    readonly panel: vscode.WebviewPanel,
  ) {
    TrajectoryPanel.open.set(ids[0], this);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.options = webviewOptions(context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'trajectory', this.title());
    panel.title = this.title();
    for (const id of ids) this.dirty.add(id);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((msg: TrajectoryToHost) => void this.onMessage(msg)),
      // A new checkpoint of a run on show: analyse it (the others come from the cache).
      manager.onDidChangeRun((run) => {
        if (!this.ids.includes(run.id)) return;
        if (this.seen.has(run.id) && this.seen.get(run.id) !== run.checkpoint) {
          this.dirty.add(run.id);
          this.schedule();
        }
      }),
      manager.onDidChangeRuns(() => {
        const left = this.ids.filter((id) => manager.get(id));
        if (left.length === this.ids.length) return;
        if (!left.length) return panel.dispose();
        for (const id of this.ids) if (!left.includes(id)) this.columns.delete(id);
        this.ids = left;
        void this.send();
      }),
    );
    panel.onDidDispose(() => {
      this.disposed = true;
      clearTimeout(this.timer);
      this.running?.cancel();
      for (const [k, p] of TrajectoryPanel.open) if (p === this) TrajectoryPanel.open.delete(k);
      for (const s of this.subscriptions) s.dispose();
    });
  }

  /** For the serializer. */
  get runIds(): string[] {
    return [...this.ids];
  }

  private title(): string {
    const labels = this.ids.map((id) => this.manager.get(id)?.label ?? id);
    return `Trajectory: ${labels.join(' vs ')}`;
  }

  private async post(msg: HostToTrajectory): Promise<void> {
    if (!this.disposed) await this.panel.webview.postMessage(msg);
  }

  private async onMessage(msg: TrajectoryToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        await this.send();
        void this.compute();
        break;
      case 'addRun': {
        if (this.ids.length >= MAX_TRAJECTORY_COLUMNS) {
          void vscode.window.showInformationMessage(`The Weight Trajectory shows at most ${MAX_TRAJECTORY_COLUMNS} runs side by side: remove one first.`);
          return;
        }
        const id = await this.pickRun(this.ids);
        if (!id || this.ids.includes(id) || this.disposed) return;
        this.ids.push(id);
        this.dirty.add(id);
        this.panel.title = this.title();
        await this.send(); // a reload while it is analysed brings it back
        void this.compute();
        break;
      }
      case 'removeRun':
        if (this.ids.length < 2 || !this.ids.includes(msg.id)) return;
        this.ids = this.ids.filter((id) => id !== msg.id);
        // Show Weight Trajectory of the run left finds this panel.
        if (TrajectoryPanel.open.get(msg.id) === this) {
          TrajectoryPanel.open.delete(msg.id);
          if (!TrajectoryPanel.open.has(this.ids[0])) TrajectoryPanel.open.set(this.ids[0], this);
        }
        this.columns.delete(msg.id);
        this.dirty.delete(msg.id);
        this.panel.title = this.title();
        await this.send();
        break;
      case 'cancel':
        this.running?.cancel();
        break;
      case 'saveFigure':
        await saveExport(`${fileSafe(this.title())}-${msg.name}`, msg.format, msg.data);
        break;
      case 'saveData': {
        const cols = this.ids.map((id) => this.columns.get(id)).filter((c): c is TrajectoryColumn => !!c);
        if (!cols.length) {
          void vscode.window.showWarningMessage('No trajectory to export yet.');
          return;
        }
        await saveExport(`${fileSafe(this.title())}`, 'csv', trajectoryCsv(cols.map((c) => ({ id: c.id, label: c.label, checkpoints: c.trajectory.checkpoints }))));
        break;
      }
    }
  }

  /** A run wrote checkpoints in a burst (or several runs did): compute once, a second later. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.compute();
    }, 1000);
  }

  /** One computation at a time; the first of a run shows cancellable progress, later (incremental) ones only in the panel. */
  private readonly compute = oneAtATime(async () => {
    while (this.ready && !this.disposed && this.dirty.size) {
      const id = [...this.dirty][0];
      this.dirty.delete(id);
      const run = this.manager.get(id);
      if (!run || !this.ids.includes(id)) continue;
      this.seen.set(id, run.checkpoint);
      const first = !this.columns.has(id);
      let report: ((text: string) => void) | undefined;
      const job = this.worker.cancellable({ op: 'trajectory', dir: run.dir }, (text) => {
        report?.(text);
        void this.post({ type: 'progress', text: `${run.label}: ${text}` });
      });
      this.running = job;
      await this.post({ type: 'progress', text: `${run.label}: reading checkpoints…` });
      const work = async () => {
        try {
          const payload = await job.result;
          const m = await this.manager.metrics(id);
          const now = this.manager.get(id) ?? run;
          this.columns.set(id, { id, label: now.label, config: configLine(now), state: now.state, ...payload, val: m.val.slice(), ...(now.config.task === 'charlm' ? { lossUnit: 'bpc' as const } : {}) });
          await this.send();
        } catch (err) {
          const error = lensErrorOf(err);
          await this.post({ type: 'error', error: error.kind === 'cancelled' ? { ...error, message: `${run.label}: cancelled (what was analysed is cached; reopen to go on).` } : error });
        }
      };
      if (first) {
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Weight trajectory of ${run.label}`, cancellable: true },
          async (progress, token) => {
            token.onCancellationRequested(() => job.cancel());
            report = (text) => progress.report({ message: text });
            await work();
          },
        );
      } else {
        await work();
      }
      this.running = undefined;
      await this.post({ type: 'progress', text: null });
    }
  });

  private async send(): Promise<void> {
    if (!this.ready) return;
    const columns = this.ids.map((id) => this.columns.get(id)).filter((c): c is TrajectoryColumn => !!c);
    // Copies: postMessage may transfer or detach the typed arrays, and the host keeps them for the CSV.
    await this.post({ type: 'columns', columns: columns.map((c) => ({ ...c })), runIds: [...this.ids] });
  }
}

/** Asks for a run to add (not one of `exclude`); its id, or undefined when dismissed. */
export type PickRun = (exclude: string[]) => Promise<string | undefined>;
