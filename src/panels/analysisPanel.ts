import * as vscode from 'vscode';
import { checkpointDisplayName } from '../core/train/checkpoint';
import { startAnalysis, type AnalysisWorkers } from '../host/analysisJob';
import { lensErrorOf, titled } from '../core/errors';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import { fileSafe, saveExport } from '../host/saveExport';
import { analysisToCsv, analysisToJson } from '../core/analysis/export';
import type {
  AnalysisOptions, AnalysisPayload, AnalysisToHost, HostToAnalysis, MatrixSource,
} from '../shared/protocol';

export const ANALYSIS_VIEW_TYPE = 'recurrentLens.analysis';

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = {
  order: 'modulus-desc',
  input: 'source',
  horizon: null,
  activation: 'linear',
  gridPoints: 100,
};

function sourceKey(source: MatrixSource): string {
  return source.kind === 'tensor'
    ? `tensor:${source.file}#${source.key.name}#${source.key.gate ?? ''}`
    : `init:${source.spec}:${source.n}:${source.seed}`;
}

export function sourceTitle(source: MatrixSource): string {
  if (source.kind === 'init') {
    const what = source.cell ? `${source.cell.toUpperCase()} ${source.spec} gate ${source.gate}` : source.spec;
    return `${what} (N = ${source.n}${/^(orthogonal|gaussian|plain)/.test(source.spec) ? `, seed ${source.seed}` : ''})`;
  }
  const name = source.key.name || '(array)';
  return `${name}${source.key.gate ? ` gate ${source.key.gate}` : ''} — ${checkpointDisplayName(source.file)}`;
}

/**
 * One panel per matrix: Schur form, spectrum, memory and the numbers, computed in the worker thread; each part goes to
 * the webview as soon as it is computed, then the whole result (the one saved and exported).
 */
export class AnalysisPanel {
  private static readonly open = new Map<string, AnalysisPanel>();
  private running: { cancel(): void } | undefined;
  private last: AnalysisPayload | undefined;
  private options: AnalysisOptions = { ...DEFAULT_ANALYSIS_OPTIONS };
  /** Closed: nothing may be posted any more (a worker result or a cancellation can still arrive). */
  private disposed = false;

  /** The matrix of the analysis panel the user is looking at, if any. */
  static get activeSource(): MatrixSource | undefined {
    for (const p of AnalysisPanel.open.values()) if (p.panel.active) return p.source;
    return undefined;
  }

  static show(context: vscode.ExtensionContext, workers: AnalysisWorkers, source: MatrixSource): AnalysisPanel {
    const key = sourceKey(source);
    const existing = AnalysisPanel.open.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    // Analyses share one column beside the editor rather than opening a new column each.
    const column = [...AnalysisPanel.open.values()].pop()?.panel.viewColumn ?? vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(ANALYSIS_VIEW_TYPE, `Analysis: ${sourceTitle(source)}`, column, {
      ...webviewOptions(context.extensionUri),
      retainContextWhenHidden: true,
    });
    const created = new AnalysisPanel(context, workers, source, panel);
    AnalysisPanel.open.set(key, created);
    panel.onDidDispose(() => {
      created.disposed = true;
      AnalysisPanel.open.delete(key);
      created.running?.cancel();
      created.running = undefined;
    });
    return created;
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly workers: AnalysisWorkers,
    readonly source: MatrixSource,
    readonly panel: vscode.WebviewPanel,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'analysis', `Analysis: ${sourceTitle(source)}`);
    panel.webview.onDidReceiveMessage((msg: AnalysisToHost) => this.onMessage(msg));
  }

  /** Posts to the webview unless the panel is closed (posting to a disposed webview throws). */
  private async post(msg: HostToAnalysis): Promise<void> {
    if (this.disposed) return;
    await this.panel.webview.postMessage(msg);
  }

  private onMessage(msg: AnalysisToHost): void {
    switch (msg.type) {
      case 'ready': void this.run(this.options); break;
      case 'run': void this.run(msg.options); break;
      case 'cancel': this.running?.cancel(); break;
      case 'saveFigure': void this.saveFigure(msg.name, msg.format, msg.data); break;
      case 'saveData': void this.saveData(msg.format); break;
    }
  }

  private async run(options: AnalysisOptions): Promise<void> {
    if (this.disposed) return;
    // Forgotten at once: the cancelled run's rejection, which may come while `running` is posted, is not this run's.
    this.running?.cancel();
    this.running = undefined;
    this.options = options;
    const title = sourceTitle(this.source);
    await this.post({ type: 'running', title, options });
    // Each part to the webview as it comes (not those of a run a newer one replaced).
    const job = startAnalysis(this.workers, this.source, options, (part) => {
      if (this.running === job) void this.post({ type: 'part', part: part.part === 'matrix' ? { ...part, title } : part });
    });
    this.running = job;
    try {
      const result = await job.result;
      if (this.running !== job) return;
      this.last = { ...result, title };
      await this.post({ type: 'result', result: this.last });
    } catch (err) {
      if (this.running !== job) return;
      const error = lensErrorOf(err);
      await this.post({ type: 'error', error: error.kind === 'cancelled' ? { ...error, message: 'Analysis cancelled.' } : { ...error, message: titled(title, error) } });
    } finally {
      if (this.running === job) this.running = undefined;
    }
  }

  /** Saved as `<matrix>-<what>.<ext>`, in the first workspace folder by default. */
  private async saveFigure(name: string, format: 'svg' | 'png', data: string): Promise<void> {
    await saveExport(`${fileSafe(sourceTitle(this.source))}-${name}`, format, data);
  }

  private async saveData(format: 'csv' | 'json'): Promise<void> {
    if (!this.last) {
      void vscode.window.showWarningMessage('No analysis to export yet.');
      return;
    }
    await saveExport(`${fileSafe(sourceTitle(this.source))}-analysis`, format, format === 'csv' ? analysisToCsv(this.last) : analysisToJson(this.last));
  }
}
