import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import type { HostToTraining, RunView, TrainingAction, TrainingToHost } from '../shared/protocol';
import type { RunManager } from '../training/runManager';

export const TRAINING_VIEW_TYPE = 'recurrentLens.training';

const ACTION_COMMANDS: Record<TrainingAction, string> = {
  stop: 'recurrentLens.stopRun',
  resume: 'recurrentLens.resumeRun',
  openCheckpoint: 'recurrentLens.openLatestCheckpoint',
  showLog: 'recurrentLens.showRunLog',
  openFolder: 'recurrentLens.openRunFolder',
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
    context: vscode.ExtensionContext,
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
      manager.onDidChangeRun((run) => run.id === id && void this.update(run)),
      // Deleted: nothing left to show.
      manager.onDidChangeRuns(() => !manager.get(id) && panel.dispose()),
    );
    panel.onDidDispose(() => {
      TrainingPanel.open.delete(id);
      for (const s of this.subscriptions) s.dispose();
    });
  }

  private post(msg: HostToTraining): Thenable<boolean> {
    return this.panel.webview.postMessage(msg);
  }

  private onMessage(msg: TrainingToHost): void {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        void this.sendAll();
        break;
      case 'action':
        void vscode.commands.executeCommand(ACTION_COMMANDS[msg.action], this.id);
        break;
    }
  }

  private async sendAll(): Promise<void> {
    const run = this.manager.get(this.id);
    if (!run) return;
    const metrics = await this.manager.metrics(this.id);
    const train = metrics.train.slice(), val = metrics.val.slice();
    this.sent = { train: train.update.length, val: val.update.length, rewinds: metrics.rewinds };
    await this.post({ type: 'run', run: this.manager.get(this.id) ?? run, train, val });
  }

  private async update(run: RunView): Promise<void> {
    this.panel.title = title(run, this.id);
    if (!this.ready) return;
    const metrics = await this.manager.metrics(this.id);
    if (metrics.rewinds !== this.sent.rewinds || metrics.train.length < this.sent.train || metrics.val.length < this.sent.val) {
      await this.sendAll();
      return;
    }
    if (metrics.train.length > this.sent.train || metrics.val.length > this.sent.val) {
      const train = metrics.train.slice(this.sent.train), val = metrics.val.slice(this.sent.val);
      this.sent.train = metrics.train.length;
      this.sent.val = metrics.val.length;
      await this.post({ type: 'points', train, val });
    }
    await this.post({ type: 'status', run });
  }
}

function title(run: RunView | undefined, id: string): string {
  return `Training: ${run?.label ?? id}`;
}
