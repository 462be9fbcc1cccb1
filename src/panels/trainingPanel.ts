import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import type { HostToTraining, RunCurves, RunView, SampleRequest, TrainingAction, TrainingToHost } from '../shared/protocol';
import type { RunManager } from '../runs/runManager';
import { differingFields, runLabels } from '../runs/runNames';
import { curvesCsv } from '../runs/curvesCsv';
import { saveExport } from '../host/saveExport';
import type { WorkerClient } from '../host/workerClient';
import { extensionWorker } from '../host/workers';
import { lensErrorOf } from '../core/errors';
import { runCheckpoints } from '../training/runsView';
import * as path from 'node:path';

export const TRAINING_VIEW_TYPE = 'recurrentLens.training';
export const TRAINING_COMPARE_VIEW_TYPE = 'recurrentLens.trainingCompare';

const ACTION_COMMANDS: Record<TrainingAction, string> = {
  stop: 'recurrentLens.stopRun',
  resume: 'recurrentLens.resumeRun',
  openCheckpoint: 'recurrentLens.openLatestCheckpoint',
  showLog: 'recurrentLens.showRunLog',
  openFolder: 'recurrentLens.openRunFolder',
  trajectory: 'recurrentLens.showWeightTrajectory',
};

/**
 * Loss curves of one run, live: the whole history once (on `ready`, or when a resumed run rewinds), then only the
 * points added since, as typed arrays, at most every 200 ms (the run manager's pace).
 */
export class TrainingPanel {
  private static readonly open = new Map<string, TrainingPanel>();
  /** The webview said `ready`; a hidden webview is torn down (no retainContextWhenHidden) and says it again. */
  private ready = false;
  private sent = { train: 0, val: 0, rewinds: -1 };
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The checkpoint the webview's list was last sent for (language models). */
  private sentCheckpoint: string | null | undefined;
  /** The sample being generated, if any. */
  private sampling: { cancel(): void } | undefined;
  /** Sampling's own worker thread (started on first use, shared by the panels): it never waits behind an analysis. */
  private static sampler: WorkerClient | undefined;

  static show(context: vscode.ExtensionContext, manager: RunManager, id: string): TrainingPanel {
    const existing = TrainingPanel.open.get(id);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const run = manager.get(id);
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, title(run, id), vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
    return new TrainingPanel(context, manager, id, panel);
  }

  /** A panel VS Code restored after a reload. */
  static revive(context: vscode.ExtensionContext, manager: RunManager, id: string, panel: vscode.WebviewPanel): TrainingPanel {
    return new TrainingPanel(context, manager, id, panel);
  }

  /** The open panels' run ids (for tests). */
  static get runIds(): string[] {
    return [...TrainingPanel.open.keys()];
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly manager: RunManager,
    readonly id: string,
    readonly panel: vscode.WebviewPanel,
  ) {
    TrainingPanel.open.set(id, this);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.options = webviewOptions(context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'training', title(manager.get(id), id));
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((msg: TrainingToHost) => this.onMessage(msg)),
      manager.onDidChangeRun((run) => run.id === id && void this.update()),
      // Deleted: nothing left to show.
      manager.onDidChangeRuns(() => !manager.get(id) && panel.dispose()),
    );
    panel.onDidDispose(() => {
      this.disposed = true;
      this.sampling?.cancel();
      TrainingPanel.open.delete(id);
      for (const s of this.subscriptions) s.dispose();
    });
  }

  /** Set when the panel closes: an update still awaiting the run's metrics must not touch it ('Webview is disposed'). */
  private disposed = false;

  private async post(msg: HostToTraining): Promise<boolean> {
    return !this.disposed && this.panel.webview.postMessage(msg);
  }

  private onMessage(msg: TrainingToHost): void {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        this.sent.rewinds = -1; // a new page: everything again
        this.sentCheckpoint = undefined;
        void this.update();
        break;
      case 'action':
        void vscode.commands.executeCommand(ACTION_COMMANDS[msg.action], this.id);
        break;
      case 'sample':
        void this.sample(msg.options, msg.folder);
        break;
      case 'cancelSample':
        this.sampling?.cancel();
        break;
      case 'saveFigure':
        void saveExport(`${this.manager.get(this.id)?.label ?? this.id}-loss`, msg.format, msg.data);
        break;
      case 'saveData':
        void this.saveData();
        break;
    }
  }

  /**
   * Text from the run's checkpoint (`folder`, else the latest), generated in the sampler's worker thread and streamed
   * to the webview as it comes; a new sample stops the one before.
   */
  private async sample(options: SampleRequest, folder?: string): Promise<void> {
    const run = this.manager.get(this.id);
    if (!run) return;
    this.sampling?.cancel();
    const target = folder ? path.join(run.dir, folder) : run.dir;
    const job = TrainingPanel.languageModelWorker(this.context).cancellable({ op: 'sample', target, options }, (text) => void this.post({ type: 'sample', event: 'chunk', text }));
    this.sampling = job;
    const started = Date.now();
    const update = folder ? Number(/update-(\d+)/.exec(folder)?.[1]) : null;
    await this.post({ type: 'sample', event: 'start', update: Number.isFinite(update) ? update : null });
    try {
      const done = await job.result;
      await this.post({ type: 'sample', event: 'end', length: done.length, stopped: done.stopped, ms: Date.now() - started });
    } catch (e) {
      await this.post({ type: 'sample', event: 'error', error: lensErrorOf(e) });
    } finally {
      if (this.sampling === job) this.sampling = undefined;
    }
  }

  /** The worker thread of language-model work (sampling, checking a text), started on first use. */
  static languageModelWorker(context: vscode.ExtensionContext): WorkerClient {
    if (!TrainingPanel.sampler) {
      TrainingPanel.sampler = extensionWorker(context.extensionPath);
      context.subscriptions.push({ dispose: () => TrainingPanel.disposeSampler() });
    }
    return TrainingPanel.sampler;
  }

  /** Stops sampling threads (the extension's deactivation). */
  static disposeSampler(): void {
    TrainingPanel.sampler?.dispose();
    TrainingPanel.sampler = undefined;
  }

  private async saveData(): Promise<void> {
    const run = this.manager.get(this.id);
    if (!run) return;
    const m = await this.manager.metrics(this.id);
    await saveExport(`${run.label}-loss`, 'csv', curvesCsv([{ id: run.id, label: run.label, train: m.train.slice(), val: m.val.slice() }]));
  }

  /**
   * Brings the webview up to date. One at a time, always with the run as it is now: an update that started with an
   * older state and waited for a postMessage must not land after a newer one (a stopped run shown as running).
   */
  private readonly update = oneAtATime(() => this.push());

  private async push(): Promise<void> {
    const now = this.manager.get(this.id);
    if (!now || this.disposed) return;
    this.panel.title = title(now, this.id);
    if (!this.ready) return;
    const metrics = await this.manager.metrics(this.id);
    if (this.disposed) return;
    if (metrics.rewinds !== this.sent.rewinds || metrics.train.length < this.sent.train || metrics.val.length < this.sent.val) {
      const train = metrics.train.slice(), val = metrics.val.slice();
      this.sent = { train: train.update.length, val: val.update.length, rewinds: metrics.rewinds };
      await this.post({ type: 'run', run: this.manager.get(this.id) ?? now, train, val });
      return;
    }
    if (metrics.train.length > this.sent.train || metrics.val.length > this.sent.val) {
      const train = metrics.train.slice(this.sent.train), val = metrics.val.slice(this.sent.val);
      this.sent.train = metrics.train.length;
      this.sent.val = metrics.val.length;
      await this.post({ type: 'points', train, val });
    }
    await this.post({ type: 'status', run: this.manager.get(this.id) ?? now });
    const latest = this.manager.get(this.id) ?? now;
    if (latest.config.task === 'charlm' && latest.checkpoint !== this.sentCheckpoint) {
      this.sentCheckpoint = latest.checkpoint;
      await this.post({ type: 'checkpoints', checkpoints: await runCheckpoints(latest.dir) });
    }
  }
}

/**
 * `f` run one call at a time: a call while one runs makes it run once more after (however many calls came), so the
 * last run sees the latest state and messages go out in order.
 */
export function oneAtATime(f: () => Promise<void>): () => Promise<void> {
  let running = false, again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await f();
      } while (again);
    } finally {
      running = false;
    }
  };
}

function title(run: RunView | undefined, id: string): string {
  return `Training: ${run?.label ?? id}`;
}

/**
 * Several runs' curves in one chart (Compare Training Curves), named by the settings that differ between them.
 * Everything is sent again when a run changes, at most every 500 ms (metrics are small: a point per 10 updates).
 */
export class TrainingComparePanel {
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  static show(context: vscode.ExtensionContext, manager: RunManager, ids: string[]): TrainingComparePanel {
    const panel = vscode.window.createWebviewPanel(TRAINING_COMPARE_VIEW_TYPE, compareTitle(ids), vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
    return new TrainingComparePanel(context, manager, ids, panel);
  }

  static revive(context: vscode.ExtensionContext, manager: RunManager, ids: string[], panel: vscode.WebviewPanel): TrainingComparePanel {
    return new TrainingComparePanel(context, manager, ids, panel);
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly manager: RunManager,
    private ids: string[],
    readonly panel: vscode.WebviewPanel,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.options = webviewOptions(context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'training', compareTitle(ids));
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((msg: TrainingToHost) => this.onMessage(msg)),
      manager.onDidChangeRun((run) => this.ids.includes(run.id) && this.schedule()),
      // A deleted run leaves the comparison.
      manager.onDidChangeRuns(() => {
        const left = this.ids.filter((id) => manager.get(id));
        if (left.length === this.ids.length) return;
        this.ids = left;
        if (!left.length) panel.dispose();
        else this.schedule();
      }),
    );
    panel.onDidDispose(() => {
      this.disposed = true;
      clearTimeout(this.timer);
      for (const s of this.subscriptions) s.dispose();
    });
  }

  /** Set when the panel closes: a send still reading metrics must not touch it. */
  private disposed = false;

  private schedule(): void {
    if (!this.ready || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, 500);
  }

  private onMessage(msg: TrainingToHost): void {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        void this.send();
        break;
      case 'saveFigure':
        void saveExport('training-curves', msg.format, msg.data);
        break;
      case 'saveData':
        void this.curves().then((runs) => saveExport('training-curves', 'csv', curvesCsv(runs.map((r) => ({ id: r.run.id, label: r.label, train: r.train, val: r.val })))));
        break;
      case 'action':
        break;
    }
  }

  private async curves(): Promise<RunCurves[]> {
    const runs = this.ids.map((id) => this.manager.get(id)).filter((r): r is RunView => !!r);
    const labels = runLabels(runs);
    return Promise.all(runs.map(async (run) => {
      const m = await this.manager.metrics(run.id);
      return { run, label: labels.get(run.id) ?? run.label, train: m.train.slice(), val: m.val.slice() };
    }));
  }

  /** One send at a time, the last with the runs as they are now (as TrainingPanel.update). */
  private readonly send = oneAtATime(() => this.sendNow());

  private async sendNow(): Promise<void> {
    const runs = await this.curves();
    if (this.disposed) return;
    this.panel.title = compareTitle(this.ids);
    await this.panel.webview.postMessage({ type: 'compare', runs, differing: differingFields(runs.map((r) => r.run.config)) } satisfies HostToTraining);
  }

  /** For the serializer: what to show again after a reload. */
  get runIds(): string[] {
    return this.ids;
  }
}

function compareTitle(ids: string[]): string {
  return `Training curves: ${ids.length} runs`;
}
