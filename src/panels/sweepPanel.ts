/**
 * The sweep panel: Fig. 3 of the paper for one sweep folder, live as its runs end. The data come from
 * src/sweeps/panelData.ts; the host re-reads only what changed (summary.json, a member's status.json), at most every
 * 300 ms. Viewing needs no workspace trust. A run opens in the training panel (`recurrentLens.showTrainingCurves`).
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import type { RunManager } from '../runs/runManager';
import { TrainingPanel } from './trainingPanel';
import { saveExport } from '../host/saveExport';
import { curvesCsv, membersCsv, progressText, SweepPanelModel } from '../sweeps/panelData';
import { SWEEP_FILES, SWEEPS_FOLDER } from '../sweeps/folder';
import { SweepError } from '../sweeps/spec';
import { KindedError, lensErrorOf } from '../core/errors';
import type {
  HostToSweep, SweepMethod, SweepPanelData, SweepRequest, SweepRequests, SweepToHost,
} from '../shared/protocol';
import type { SweepReport } from '../sweeps/types';
import { nodeChildEnv } from '../training/sweepSettings';

export const SWEEP_VIEW_TYPE = 'recurrentLens.sweep';
export const OPEN_SWEEP_PANEL = 'recurrentLens.openSweepPanel';
const DEBOUNCE_MS = 300;

/** A request that failed in a way the webview shows as it is. */
const requestError = (kind: 'not-found' | 'bad-request' | 'internal', message: string) => new KindedError({ kind, message });

export class SweepPanel {
  private static readonly open = new Map<string, SweepPanel>();
  private readonly model: SweepPanelModel;
  private ready = false;
  private disposed = false;
  private loaded: Promise<void> | undefined;
  private data: SweepPanelData | undefined;
  private readonly changed = new Set<string>();
  private summaryDirty = false;
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private again = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The running `sweep-report` child (Table 2 and the motif), if any. */
  private report: ChildProcess | undefined;

  static show(context: vscode.ExtensionContext, manager: RunManager, dir: string): SweepPanel {
    const existing = SweepPanel.open.get(dir);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SWEEP_VIEW_TYPE, title(dir), vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
    return new SweepPanel(context, manager, dir, panel);
  }

  static revive(context: vscode.ExtensionContext, manager: RunManager, dir: string, panel: vscode.WebviewPanel): SweepPanel {
    return new SweepPanel(context, manager, dir, panel);
  }

  /** The open panels' folders (for tests). */
  static get dirs(): string[] {
    return [...SweepPanel.open.keys()];
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly manager: RunManager,
    readonly dir: string,
    readonly panel: vscode.WebviewPanel,
  ) {
    SweepPanel.open.set(dir, this);
    this.model = new SweepPanelModel(dir);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.options = webviewOptions(context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'sweep', title(dir));
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), `{${SWEEP_FILES.summary},${SWEEP_FILES.runs}/*/status.json}`));
    const onFile = (uri: vscode.Uri) => {
      if (path.basename(uri.fsPath) === SWEEP_FILES.summary) this.summaryDirty = true;
      else this.changed.add(path.basename(path.dirname(uri.fsPath)));
      this.schedule();
    };
    this.subscriptions.push(
      watcher, watcher.onDidCreate(onFile), watcher.onDidChange(onFile), watcher.onDidDelete(onFile),
      panel.webview.onDidReceiveMessage((msg: SweepToHost) => void this.onMessage(msg)),
    );
    panel.onDidDispose(() => {
      this.disposed = true;
      clearTimeout(this.timer);
      SweepPanel.open.delete(dir);
      this.report?.kill('SIGTERM');
      for (const s of this.subscriptions) s.dispose();
    });
  }

  private post(msg: HostToSweep): Thenable<boolean> | false {
    return !this.disposed && this.panel.webview.postMessage(msg);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, DEBOUNCE_MS);
  }

  /** Brings the webview up to date: one send at a time, the last one with the files as they are now. */
  private async send(): Promise<void> {
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    try {
      do {
        this.again = false;
        await this.sendNow();
      } while (this.again && !this.disposed);
    } finally {
      this.sending = false;
    }
  }

  private async sendNow(): Promise<void> {
    try {
      this.loaded ??= this.model.load();
      await this.loaded;
      if (this.summaryDirty) {
        this.summaryDirty = false;
        await this.model.summaryChanged();
      }
      const names = [...this.changed];
      this.changed.clear();
      for (const name of names) await this.model.statusChanged(name);
      this.data = await this.model.data();
    } catch (e) {
      this.loaded = undefined; // a sweep.json written later (or fixed) is read on the next change
      if (this.ready) await this.post({ type: 'error', message: e instanceof SweepError ? e.message : `${this.dir}: ${(e as Error).message}` });
      return;
    }
    if (this.disposed) return;
    this.panel.title = title(this.dir, this.data);
    if (this.ready) await this.post({ type: 'data', data: this.data });
  }

  private async onMessage(msg: SweepToHost): Promise<void> {
    if (msg.type === 'ready') {
      this.ready = true;
      await this.send();
      return;
    }
    if (msg.type !== 'request') return;
    try {
      const result = await this.handle(msg);
      await this.post({ type: 'response', id: msg.id, ok: true, result });
    } catch (e) {
      await this.post({ type: 'response', id: msg.id, ok: false, error: lensErrorOf(e) });
    }
  }

  private async handle(req: SweepRequest): Promise<SweepRequests[SweepMethod]['result']> {
    switch (req.method) {
      case 'openRun': {
        const member = this.data && this.model.member(req.params.name);
        if (!member) throw requestError('not-found', `${req.params.name} is not a run of this sweep`);
        // The Runs view names member runs `<sweep folder name>/<member name>`; a sweep started a moment ago may not be
        // read yet.
        const runId = `${path.basename(this.dir)}/${member.name}`;
        await this.manager.ready;
        if (!this.manager.get(runId)) await this.manager.refresh();
        if (!this.manager.get(runId)) {
          throw requestError('not-found', `${member.name} has no run folder yet${this.manager.sweeps().some((s) => s.dir === this.dir) ? '' : ' in a sweep of this workspace'}: it opens once it has started`);
        }
        TrainingPanel.show(this.context, this.manager, runId);
        return { runId };
      }
      case 'saveFigure': {
        const { name, format, data } = req.params;
        if (format !== 'svg' && format !== 'png') throw requestError('bad-request', `cannot save a figure as ${String(format)}`);
        const uri = await saveExport(`${this.baseName()}-${name}`, format, data);
        return { saved: uri?.fsPath ?? null };
      }
      case 'saveCsv': {
        if (!this.data) throw requestError('not-found', 'nothing loaded yet');
        const what = req.params.what;
        if (what !== 'runs' && what !== 'curves') throw requestError('bad-request', `no CSV "${String(what)}"`);
        const uri = await saveExport(`${this.baseName()}-${what}`, 'csv', what === 'runs' ? membersCsv(this.data) : curvesCsv(this.data));
        return { saved: uri?.fsPath ?? null };
      }
      case 'computeReport': return { report: await this.computeReport(!!req.params.all) };
      case 'cancelReport': {
        const child = this.report;
        child?.kill('SIGTERM');
        return { cancelled: !!child };
      }
    }
  }

  /**
   * `cli.js sweep-report DIR --json --progress [--all]` in a child process: the analyses stay off the extension host,
   * each run's are cached in its folder (a second click is quick). Null when cancelled (killed).
   */
  private computeReport(all: boolean): Promise<SweepReport | null> {
    if (this.report) throw requestError('bad-request', 'Table 2 is being computed already');
    const cli = path.join(this.context.extensionPath, 'dist', 'cli.js');
    const child = spawn(process.execPath, [cli, 'sweep-report', this.dir, '--json', '--progress', ...(all ? ['--all'] : [])],
      { env: nodeChildEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.report = child;
    let out = '', err = '', partial = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^progress (\d+) (\d+)$/.exec(line);
        if (m) void this.post({ type: 'reportProgress', done: Number(m[1]), total: Number(m[2]) });
        else if (line.trim()) err += line + '\n';
      }
    });
    return new Promise((resolve, reject) => {
      child.on('error', (e) => {
        this.report = undefined;
        reject(requestError('internal', `could not start the analysis: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        this.report = undefined;
        if (signal) return resolve(null);
        if (code === 0) {
          try {
            return resolve(JSON.parse(out) as SweepReport);
          } catch {
            // reported below
          }
        }
        // The CLI's one line, without its `recurrent-lens: ` prefix.
        reject(requestError('internal', (err + partial).trim().split('\n').pop()?.replace(/^recurrent-lens: /, '') || `sweep-report ended with exit code ${code}`));
      });
    });
  }

  private baseName(): string {
    return this.data?.name ?? path.basename(this.dir);
  }
}

function title(dir: string, data?: SweepPanelData): string {
  return `Sweep: ${data?.name ?? path.basename(dir)}`;
}

/** A folder from the command's argument: a path, a Uri, or an object with the folder (a Runs view item). */
function argDir(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (arg && typeof arg === 'object') {
    const o = arg as { dir?: unknown; sweepDir?: unknown; fsPath?: unknown };
    for (const v of [o.sweepDir, o.dir, o.fsPath]) if (typeof v === 'string') return v;
  }
  return undefined;
}

export function registerSweepPanel(context: vscode.ExtensionContext, manager: RunManager): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(SWEEP_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: { dir?: string } | undefined) => {
        if (state?.dir) SweepPanel.revive(context, manager, state.dir, panel);
        else panel.dispose();
      },
    }),
    // Argument: the sweep folder (path, Uri, or an item with `dir`); without one, a pick of the workspace's sweeps.
    vscode.commands.registerCommand(OPEN_SWEEP_PANEL, async (arg?: unknown) => {
      let dir = argDir(arg);
      if (!dir) {
        await manager.ready;
        await manager.refresh();
        const sweeps = manager.sweeps().filter((s) => !s.error).reverse(); // newest first: ids begin with the start time
        if (!sweeps.length) {
          void vscode.window.showInformationMessage(`No sweeps in this workspace yet (they are kept in ${SWEEPS_FOLDER}).`);
          return undefined;
        }
        const pick = await vscode.window.showQuickPick(
          sweeps.map((s) => ({
            label: s.label,
            description: `${progressText(s)} · ${Object.values(s.successes).reduce((a, b) => a + b, 0)} succeeded`,
            detail: s.dir,
            dir: s.dir,
          })),
          { title: 'Recurrent Lens: Open Sweep Panel', placeHolder: 'Choose a sweep', matchOnDetail: true },
        );
        if (!pick) return undefined;
        dir = pick.dir;
      }
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
      const abs = path.resolve(folder ?? process.cwd(), dir);
      try {
        await fs.stat(path.join(abs, SWEEP_FILES.sweep));
      } catch {
        void vscode.window.showErrorMessage(`${abs}: not a sweep folder (no ${SWEEP_FILES.sweep})`);
        return undefined;
      }
      SweepPanel.show(context, manager, abs);
      return abs;
    }),
  );
}
