import * as vscode from 'vscode';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { checkpointDisplayName } from '../core/train/checkpoint';
import { readTimeoutSeconds, WorkerTimeoutError } from '../host/workerClient';
import type { AnalysisWorkers } from '../host/analysisJob';
import { KindedError, lensErrorOf, type LensError } from '../core/errors';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import { AnalysisPanel } from '../panels/analysisPanel';
import type {
  CheckpointSummary, HeatmapSettings, HostToInspector, InspectorToHost, InspectorViewState, MatrixKey, MatrixPayload,
  MatrixSource,
} from '../shared/protocol';

export const INSPECTOR_VIEW_TYPE = 'recurrentLens.inspector';
export const INSPECTOR_OPTIONAL_VIEW_TYPE = 'recurrentLens.inspector.optional';

/** Largest side of the first picture of a big matrix (1024² float32 = 4 MiB crosses to the webview at once). */
const OVERVIEW_SIDE = 1024;

const SUPPORTED = /\.(npy|npz|safetensors|pt|pth|h5|hdf5|keras|json)$/i;

class InspectorDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

/** Read-only custom editor: tensor list and heatmap of any checkpoint. The reading happens in the worker. */
export class InspectorProvider implements vscode.CustomReadonlyEditorProvider<InspectorDocument> {
  static register(context: vscode.ExtensionContext, workers: AnalysisWorkers): InspectorProvider {
    const provider = new InspectorProvider(context, workers);
    const options = { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true };
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(INSPECTOR_VIEW_TYPE, provider, options),
      vscode.window.registerCustomEditorProvider(INSPECTOR_OPTIONAL_VIEW_TYPE, provider, options),
      vscode.commands.registerCommand('recurrentLens.openInInspector', (uri?: vscode.Uri) => provider.openInInspector(uri)),
    );
    return provider;
  }

  /** The matrix on show in the most recently active inspector, for palette commands. */
  private active: MatrixSource | undefined;

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly workers: AnalysisWorkers,
  ) {}

  get activeMatrix(): MatrixSource | undefined {
    return this.active;
  }

  async openInInspector(uri?: vscode.Uri): Promise<void> {
    // From the palette: the active tab's file (binary files like .h5 open in a placeholder, not a text editor).
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    uri ??= input && typeof input === 'object' && 'uri' in input && input.uri instanceof vscode.Uri ? input.uri : undefined;
    if (!uri || !SUPPORTED.test(uri.path)) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Inspect',
        filters: { Checkpoints: ['npy', 'npz', 'safetensors', 'pt', 'pth', 'h5', 'hdf5', 'keras', 'json'] },
      });
      uri = picked?.[0];
    }
    if (!uri) return;
    const viewType = /\.(npy|npz|safetensors|pt|pth)$/i.test(uri.path) ? INSPECTOR_VIEW_TYPE : INSPECTOR_OPTIONAL_VIEW_TYPE;
    await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
  }

  openCustomDocument(uri: vscode.Uri): InspectorDocument {
    return new InspectorDocument(uri);
  }

  resolveCustomEditor(document: InspectorDocument, panel: vscode.WebviewPanel): void {
    const { extensionUri } = this.context;
    const label = document.uri.scheme === 'file' ? checkpointDisplayName(document.uri.fsPath) : path.basename(document.uri.path);
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'inspector', `Matrix Inspector: ${label}`);

    const post = (msg: HostToInspector) => panel.webview.postMessage(msg);
    const file = document.uri.fsPath;
    const stateKey = `inspector.viewState:${document.uri.toString()}`;
    let ready = false;
    let generation = 0;
    let selected: MatrixKey | undefined;

    /** The summary and the first picture: read while the webview boots, so both are ready when it says `ready`. */
    const prepare = (): Promise<Prepared> => {
      const work = (async (): Promise<Prepared> => {
        const config = vscode.workspace.getConfiguration('recurrentLens');
        const size = await fs.promises.stat(file).then((st) => st.size, () => 0);
        const timeoutSeconds = readTimeoutSeconds(size, config.get<number>('readTimeoutSeconds', 10));
        // The file-size limit (recurrentLens.maxFileSizeMB) is the worker's: a larger file fails with kind `too-large`.
        const summary = await this.workers.reader.request({ op: 'open', file }, undefined, { timeoutSeconds })
          .catch((err: unknown) => {
            if (err instanceof WorkerTimeoutError) {
              throw new KindedError({
                kind: 'timeout', file,
                message: `${label}: reading ${err.message} (a file of this size should take far less; recurrentLens.readTimeoutSeconds sets the limit)`,
              });
            }
            throw err;
          });
        const restore = this.context.workspaceState.get<InspectorViewState>(stateKey);
        const key = firstKey(summary, restore);
        const first = key && await this.workers.reader.request({ op: 'matrix', file, key, maxSide: OVERVIEW_SIDE }).catch(() => undefined);
        return { summary, restore, first };
      })();
      work.catch(() => undefined); // awaited (and reported) by `load`; not an unhandled rejection meanwhile
      return work;
    };
    let early: Promise<Prepared> | undefined = document.uri.scheme === 'file' ? prepare() : undefined;

    const load = async () => {
      const mine = ++generation;
      if (document.uri.scheme !== 'file') {
        await post({ type: 'error', error: { kind: 'io', message: `${label}: only files on disk can be inspected (scheme "${document.uri.scheme}")` } });
        return;
      }
      const prepared = early ?? prepare();
      early = undefined;
      await post({ type: 'loading', label });
      try {
        const { summary, restore, first } = await prepared;
        if (mine !== generation) return;
        if (first) {
          selected = first.key;
          this.active = { kind: 'tensor', file, key: first.key };
        }
        await post({ type: 'checkpoint', summary: { ...summary, label }, settings: heatmapSettings(), restore, matrix: first });
        if (first && first.level > 0) await sendFull(first.key);
      } catch (err) {
        if (mine === generation) await post({ type: 'error', error: lensErrorOf(err) });
      }
    };

    /** Every value of a big matrix, after its overview. */
    const sendFull = async (key: MatrixKey) => {
      const matrix = await this.workers.reader.request({ op: 'matrix', file, key });
      await post({ type: 'matrix', matrix });
    };
    const select = async (key: MatrixKey) => {
      selected = key;
      this.active = { kind: 'tensor', file, key };
      try {
        // Big matrices paint from an overview first; every value follows.
        const overview = await this.workers.reader.request({ op: 'matrix', file, key, maxSide: OVERVIEW_SIDE });
        await post({ type: 'matrix', matrix: overview });
        if (overview.level > 0) await sendFull(key);
      } catch (err) {
        await post({ type: 'error', error: namingFile(lensErrorOf(err), label) });
      }
    };

    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.joinPath(document.uri, '..'), path.basename(document.uri.fsPath)),
    );
    const reloadSoon = debounce(() => { if (ready) void load(); }, 300);
    const disposables: vscode.Disposable[] = [
      watcher,
      watcher.onDidChange(reloadSoon),
      watcher.onDidCreate(reloadSoon),
      panel.webview.onDidReceiveMessage((msg: InspectorToHost) => {
        switch (msg.type) {
          case 'ready': ready = true; void load(); break;
          case 'reload': void load(); break;
          case 'select': void select(msg.key); break;
          case 'viewState': void this.context.workspaceState.update(stateKey, msg.state); break;
          case 'analyze': AnalysisPanel.show(this.context, this.workers, { kind: 'tensor', file, key: msg.key }); break;
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('recurrentLens.heatmap') && ready) void load();
      }),
    ];
    panel.onDidChangeViewState(() => {
      if (panel.active && selected) this.active = { kind: 'tensor', file, key: selected };
    });
    panel.onDidDispose(() => {
      for (const d of disposables) d.dispose();
      void this.workers.reader.request({ op: 'close', file }).catch(() => undefined);
    });
  }
}

interface Prepared {
  summary: CheckpointSummary;
  restore: InspectorViewState | undefined;
  /** The overview of the matrix the webview will select first (the restored one, else the first row). */
  first: MatrixPayload | undefined;
}

function firstKey(summary: CheckpointSummary, restore: InspectorViewState | undefined): MatrixKey | undefined {
  const wanted = restore?.selected;
  if (wanted && summary.tensors.some((t) => t.name === wanted.name)) return wanted;
  const t = summary.tensors[0];
  return t && { name: t.name };
}

/** An error as one line that names the file (`label`) unless it names one already. */
function namingFile(error: LensError, label: string): LensError {
  return error.file !== undefined ? error : { ...error, message: `${label}: ${error.message}` };
}

function heatmapSettings(): HeatmapSettings {
  const cfg = vscode.workspace.getConfiguration('recurrentLens.heatmap');
  return { colormap: cfg.get('colormap', 'diverging'), symmetric: cfg.get('symmetricDomain', true) };
}

function debounce(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
