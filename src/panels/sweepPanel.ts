/**
 * The sweep panel: Fig. 3 of the paper for one sweep folder, live as its runs end. The data come from
 * src/sweeps/panelData.ts; the host re-reads only what changed (summary.json, a member's status.json), at most every
 * 300 ms. Viewing needs no workspace trust. A run opens in the training panel (`recurrentLens.showTrainingCurves`).
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import { saveExport } from '../host/saveExport';
import { curvesCsv, membersCsv, progressText, SweepPanelModel } from '../sweeps/panelData';
import { SWEEP_FILES, SWEEPS_FOLDER } from '../sweeps/folder';
import { SweepError } from '../sweeps/spec';
import type {
  HostToSweep, ProtocolError, SweepMethod, SweepPanelData, SweepRequest, SweepRequests, SweepToHost,
} from '../shared/protocol';
import type { SweepSummary } from '../sweeps/types';

export const SWEEP_VIEW_TYPE = 'recurrentLens.sweep';
export const OPEN_SWEEP_PANEL = 'recurrentLens.openSweepPanel';
const DEBOUNCE_MS = 300;

/** A request that failed in a way the webview shows as it is. */
class RequestError extends Error {
  constructor(readonly code: ProtocolError['code'], message: string) {
    super(message);
  }
}

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

  static show(context: vscode.ExtensionContext, dir: string): SweepPanel {
    const existing = SweepPanel.open.get(dir);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SWEEP_VIEW_TYPE, title(dir), vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
    return new SweepPanel(context, dir, panel);
  }

  static revive(context: vscode.ExtensionContext, dir: string, panel: vscode.WebviewPanel): SweepPanel {
    return new SweepPanel(context, dir, panel);
  }

  /** The open panels' folders (for tests). */
  static get dirs(): string[] {
    return [...SweepPanel.open.keys()];
  }

  private constructor(context: vscode.ExtensionContext, readonly dir: string, readonly panel: vscode.WebviewPanel) {
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
      const error: ProtocolError = e instanceof RequestError ? { code: e.code, message: e.message } : { code: 'failed', message: (e as Error)?.message ?? String(e) };
      await this.post({ type: 'response', id: msg.id, ok: false, error });
    }
  }

  private async handle(req: SweepRequest): Promise<SweepRequests[SweepMethod]['result']> {
    switch (req.method) {
      case 'openRun': {
        const member = this.data && this.model.member(req.params.name);
        if (!member) throw new RequestError('not-found', `${req.params.name} is not a run of this sweep`);
        // The Runs view names member runs `<sweep folder name>/<member name>`.
        const runId = `${path.basename(this.dir)}/${member.name}`;
        // The Runs view may not have read a sweep started a moment ago: read the folders again first.
        await vscode.commands.executeCommand('recurrentLens.refreshRuns');
        const opened = await vscode.commands.executeCommand<string | undefined>('recurrentLens.showTrainingCurves', runId);
        if (!opened) throw new RequestError('not-found', `could not open ${member.name}: the Runs view does not list ${runId}`);
        return { runId };
      }
      case 'saveFigure': {
        const { name, format, data } = req.params;
        if (format !== 'svg' && format !== 'png') throw new RequestError('bad-request', `cannot save a figure as ${String(format)}`);
        const uri = await saveExport(`${this.baseName()}-${name}`, format, data);
        return { saved: uri?.fsPath ?? null };
      }
      case 'saveCsv': {
        if (!this.data) throw new RequestError('not-found', 'nothing loaded yet');
        const what = req.params.what;
        if (what !== 'runs' && what !== 'curves') throw new RequestError('bad-request', `no CSV "${String(what)}"`);
        const uri = await saveExport(`${this.baseName()}-${what}`, 'csv', what === 'runs' ? membersCsv(this.data) : curvesCsv(this.data));
        return { saved: uri?.fsPath ?? null };
      }
    }
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

/** The sweep folders of the workspace (`.recurrent-lens/sweeps/<id>/` with a sweep.json), newest first. */
async function workspaceSweeps(): Promise<{ dir: string; summary?: SweepSummary }[]> {
  const out: { dir: string; summary?: SweepSummary; mtime: number }[] = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    if (f.uri.scheme !== 'file') continue;
    const root = path.join(f.uri.fsPath, SWEEPS_FOLDER);
    let names: string[];
    try {
      names = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = path.join(root, name);
      try {
        const st = await fs.stat(path.join(dir, SWEEP_FILES.sweep));
        let summary: SweepSummary | undefined;
        try {
          summary = JSON.parse(await fs.readFile(path.join(dir, SWEEP_FILES.summary), 'utf8')) as SweepSummary;
        } catch { /* none yet */ }
        out.push({ dir, summary, mtime: st.mtimeMs });
      } catch { /* not a sweep folder */ }
    }
  }
  return out.sort((a, b) => b.mtime - a.mtime);
}

export function registerSweepPanel(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(SWEEP_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: { dir?: string } | undefined) => {
        if (state?.dir) SweepPanel.revive(context, state.dir, panel);
        else panel.dispose();
      },
    }),
    // Argument: the sweep folder (path, Uri, or an item with `dir`); without one, a pick of the workspace's sweeps.
    vscode.commands.registerCommand(OPEN_SWEEP_PANEL, async (arg?: unknown) => {
      let dir = argDir(arg);
      if (!dir) {
        const sweeps = await workspaceSweeps();
        if (!sweeps.length) {
          void vscode.window.showInformationMessage(`No sweeps in this workspace yet (they are kept in ${SWEEPS_FOLDER}).`);
          return undefined;
        }
        const pick = await vscode.window.showQuickPick(
          sweeps.map((s) => ({
            label: s.summary?.name ?? path.basename(s.dir),
            description: s.summary ? `${progressText(s.summary)} · ${Object.values(s.summary.successes ?? {}).reduce((a, b) => a + b, 0)} succeeded` : undefined,
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
      SweepPanel.show(context, abs);
      return abs;
    }),
  );
}
