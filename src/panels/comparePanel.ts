import * as vscode from 'vscode';
import { startAnalysis, type AnalysisWorkers } from '../host/analysisJob';
import { lensErrorOf, type LensError } from '../core/errors';
import { webviewHtml, webviewOptions } from '../host/webviewHtml';
import { saveExport } from '../host/saveExport';
import { csvField } from '../core/csv';
import { sourceTitle } from './analysisPanel';
import { parseInitSpec } from '../core/init/initializers';
import { SUMMARY_KEYS, exactValues, specText, summaryValues } from '../core/init/exact';
import { KERAS_GATES, blockInit, checkCell, gateIndex, parseGatedSpec, type GatedCell } from '../core/init/gated';
import type {
  AnalysisOptions, AnalysisPayload, CompareColumn, CompareToHost, ExactValues, HostToCompare, MatrixSource,
  SummaryKey, SummaryValue,
} from '../shared/protocol';

export const COMPARE_VIEW_TYPE = 'recurrentLens.compare';

/** What every column is analysed with: memory input at the source (as the closed forms), no pseudospectrum. */
export const COMPARE_OPTIONS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 0 };

/** Largest N accepted for an initializer column (as the Analyze Initializer command). */
export const MAX_N = 4096;

interface Column extends CompareColumn {
  running?: { cancel(): void };
  /** Bumped by every run: a result from an older run is dropped. */
  generation: number;
  result?: AnalysisPayload;
  exact: ExactValues | null;
  error?: LensError;
}

/** Same key as the analysis panel: one column per matrix. */
function sourceKey(s: MatrixSource): string {
  if (s.kind === 'tensor') return `tensor:${s.file}#${s.key.name}#${s.key.gate ?? ''}`;
  return `init:${s.spec}:${s.n}:${s.seed}${s.cell ? `:${s.cell}.${s.gate}` : ''}`;
}

/** One initializer source per gate block of an LSTM / GRU per-gate-block spec (i, f, c, o or z, r, h). */
export function gatedSources(spec: string, cell: GatedCell, n: number, seed: number): MatrixSource[] {
  return KERAS_GATES[checkCell(cell)].map((gate) => normalizeSource({ kind: 'init', spec, n, seed, cell, gate }));
}

/** The canonical spec of a column for ids and the table: `chain:1.02`, or `mixed:1.02/lstm.c` for a gate block. */
export function initId(s: Extract<MatrixSource, { kind: 'init' }>): string {
  return s.cell ? `${s.spec}/${s.cell}.${s.gate}` : s.spec;
}

/** An initializer source with its spec in canonical form (chain:1.02, orthogonal:1.0). */
export function normalizeSource(s: MatrixSource): MatrixSource {
  if (s.kind !== 'init') return s;
  if (!Number.isInteger(s.n) || s.n < 1 || s.n > MAX_N) throw new Error(`N must be a whole number from 1 to ${MAX_N}, got ${s.n}`);
  const seed = Number.isInteger(s.seed) ? s.seed : 1;
  if (s.cell !== undefined) {
    const cell = checkCell(s.cell);
    const p = parseGatedSpec(s.spec);
    return { kind: 'init', spec: p.spec, n: s.n, seed, cell, gate: KERAS_GATES[cell][gateIndex(cell, s.gate)] };
  }
  const p = parseInitSpec(s.spec);
  return { kind: 'init', spec: specText(p.name, p.gain), n: s.n, seed };
}

/**
 * The compare panel: one column per matrix (initializers or loaded matrices), each analysed in the worker, with the
 * initializers' closed forms (src/core/init/exact.ts) next to the float64 results. One panel at a time.
 */
export class ComparePanel {
  private static current: ComparePanel | undefined;
  private columns: Column[] = [];
  private nextId = 1;
  private ready = false;
  private disposed = false;

  static get instance(): ComparePanel | undefined {
    return ComparePanel.current;
  }

  /**
   * Opens the panel (or reveals it) with these sources. 'replace-inits': the initializer columns become `sources`
   * (loaded matrices stay, so a trained matrix can be compared with several sets of initializers); 'append': adds
   * the sources that are not there yet.
   */
  static show(context: vscode.ExtensionContext, workers: AnalysisWorkers, sources: MatrixSource[], mode: 'replace-inits' | 'append'): ComparePanel {
    let p = ComparePanel.current;
    if (p) p.panel.reveal(undefined, false);
    else {
      const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare Initializers', vscode.ViewColumn.Active, {
        ...webviewOptions(context.extensionUri),
        retainContextWhenHidden: true,
      });
      p = new ComparePanel(context, workers, panel);
      ComparePanel.current = p;
    }
    if (mode === 'replace-inits') p.replaceInits(sources);
    else for (const s of sources) p.add(s);
    return p;
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly workers: AnalysisWorkers,
    readonly panel: vscode.WebviewPanel,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'compare', 'Compare Initializers');
    panel.webview.onDidReceiveMessage((msg: CompareToHost) => this.onMessage(msg));
    panel.onDidDispose(() => {
      this.disposed = true;
      for (const c of this.columns) c.running?.cancel();
      this.columns = [];
      if (ComparePanel.current === this) ComparePanel.current = undefined;
    });
  }

  /** Titles of the columns, in order (what the commands return, for tests and scripts). */
  get titles(): string[] {
    return this.columns.map((c) => c.title);
  }

  /** Posting to a disposed webview throws: a cancelled or late worker result must not post after close. */
  private post(msg: HostToCompare): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(msg);
  }

  private postColumns(): void {
    this.post({ type: 'columns', columns: this.columns.map(({ id, source, title, init }) => ({ id, source, title, ...(init ? { init } : {}) })) });
  }

  private describe(source: MatrixSource): Pick<Column, 'source' | 'title' | 'init' | 'exact'> {
    const s = normalizeSource(source);
    if (s.kind !== 'init') return { source: s, title: sourceTitle(s), init: undefined, exact: null };
    if (s.cell) {
      // A gate block: the closed forms of its own single-matrix initializer (none for the ramp and plain blocks).
      const b = blockInit(parseGatedSpec(s.spec), s.cell, gateIndex(s.cell, s.gate));
      const exact = b.kind === 'chain' || b.kind === 'fbchain' || b.kind === 'orthogonal'
        ? exactValues(specText(b.kind, b.gain), s.n, { stein: false }) : null;
      return { source: s, title: sourceTitle(s), init: initId(s), exact };
    }
    // Closed forms are O(N); the feedback chain's memory comes from the analysis (the same Stein solve).
    return { source: s, title: sourceTitle(s), init: s.spec, exact: exactValues(s.spec, s.n, { stein: false }) };
  }

  add(source: MatrixSource): Column {
    const key = sourceKey(normalizeSource(source));
    const existing = this.columns.find((c) => sourceKey(c.source) === key);
    if (existing) return existing;
    const column: Column = { id: `c${this.nextId++}`, generation: 0, ...this.describe(source) };
    this.columns.push(column);
    this.postColumns();
    this.run(column);
    return column;
  }

  private replaceInits(sources: MatrixSource[]): void {
    const keep = this.columns.filter((c) => c.source.kind !== 'init');
    for (const c of this.columns) if (c.source.kind === 'init') c.running?.cancel();
    this.columns = keep;
    for (const s of sources) this.add(s);
    this.postColumns();
  }

  private remove(id: string): void {
    const c = this.columns.find((x) => x.id === id);
    if (!c) return;
    c.running?.cancel();
    this.columns = this.columns.filter((x) => x !== c);
    this.postColumns();
  }

  private edit(id: string, spec: string, n: number, seed: number): void {
    const c = this.columns.find((x) => x.id === id);
    if (!c || c.source.kind !== 'init') return;
    let d: ReturnType<ComparePanel['describe']>;
    try {
      d = this.describe({ ...c.source, spec, n, seed });
    } catch (err) {
      this.post({ type: 'error', id, error: lensErrorOf(err), exact: c.exact, summary: summaryValues(c.result?.numbers, c.exact) });
      return;
    }
    Object.assign(c, d, { result: undefined, error: undefined });
    this.postColumns();
    this.run(c);
  }

  /** Analyses one column in the worker; a newer run of the same column cancels this one. */
  private run(c: Column): void {
    c.running?.cancel();
    const generation = ++c.generation;
    const job = startAnalysis(this.workers, c.source, COMPARE_OPTIONS);
    c.running = job;
    this.post({ type: 'running', id: c.id });
    job.result.then((result) => {
      if (c.generation !== generation) return;
      result.title = c.title;
      c.result = result;
      c.error = undefined;
      // The feedback chain's memory: the analysis' Stein solve is exactValues' own (same solver, v = e₁).
      if (c.exact && c.exact.jTot === undefined && /^fbchain:/.test(c.exact.spec) && result.memory.horizon === null) {
        c.exact = { ...c.exact, J: result.memory.J, jTot: result.memory.jTot, horizon: null, memoryMethod: 'stein' };
      }
      this.postResult(c);
    }, (err: unknown) => {
      if (c.generation !== generation) return;
      c.result = undefined;
      const error = lensErrorOf(err);
      c.error = error.kind === 'cancelled' ? { ...error, message: 'Analysis cancelled.' } : error;
      this.postResult(c);
    }).finally(() => {
      if (c.running === job) c.running = undefined;
    });
  }

  private postResult(c: Column): void {
    const summary = summaryValues(c.result?.numbers, c.exact);
    if (c.result) this.post({ type: 'result', id: c.id, result: c.result, exact: c.exact, summary });
    else if (c.error !== undefined) this.post({ type: 'error', id: c.id, error: c.error, exact: c.exact, summary });
  }

  private onMessage(msg: CompareToHost): void {
    switch (msg.type) {
      case 'ready':
        // First load, or the webview was reloaded: everything known so far.
        this.ready = true;
        this.postColumns();
        for (const c of this.columns) {
          if (c.running) this.post({ type: 'running', id: c.id });
          else this.postResult(c);
        }
        break;
      case 'edit': this.edit(msg.id, msg.spec, msg.n, msg.seed); break;
      case 'add':
        try {
          if (msg.cell) for (const s of gatedSources(msg.spec, msg.cell, msg.n, msg.seed)) this.add(s);
          else this.add({ kind: 'init', spec: msg.spec, n: msg.n, seed: msg.seed });
        } catch (err) {
          void vscode.window.showErrorMessage(`Compare: ${(err as Error).message}`);
        }
        break;
      case 'remove': this.remove(msg.id); break;
      case 'saveFigure': void this.saveFigure(msg.name, msg.format, msg.data); break;
      case 'saveTable': void this.saveTable(); break;
    }
  }

  private async saveFigure(name: string, format: 'svg' | 'png', data: string): Promise<void> {
    await saveExport(`compare-${name}`, format, data);
  }

  private async saveTable(): Promise<void> {
    if (this.columns.length === 0) {
      void vscode.window.showWarningMessage('Nothing to export: the comparison has no columns.');
      return;
    }
    await saveExport('comparison', 'csv', comparisonCsv(this.columns));
  }
}

const CSV_NAMES: Record<SummaryKey, string> = { jTot: 'j_tot', henrici: 'henrici', spectralRadius: 'spectral_radius', sigmaMax: 'sigma_max' };

function csvNumber(v: number | null): string {
  return v === null ? '' : Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
}

/**
 * The summary table, one row per column: for each quantity the value shown (exact when there is a closed form),
 * where it comes from (exact | stein | float64 | untrustworthy) and the float64 analysis' own value.
 */
export function comparisonCsv(columns: (CompareColumn & { result?: AnalysisPayload; exact: ExactValues | null; error?: LensError })[]): string {
  const head = ['matrix', 'init', 'n', 'seed', 'memory_horizon'];
  for (const k of SUMMARY_KEYS) head.push(CSV_NAMES[k], `${CSV_NAMES[k]}_source`, `${CSV_NAMES[k]}_float64`);
  head.push('error');
  const rows = [head.join(',')];
  for (const c of columns) {
    const s: Record<SummaryKey, SummaryValue> = summaryValues(c.result?.numbers, c.exact);
    const n = c.source.kind === 'init' ? c.source.n : c.result?.numbers.n;
    const horizon = c.exact?.horizon ?? c.result?.memory.horizon ?? null;
    const row = [csvField(c.title), c.init ?? '', n === undefined ? '' : String(n), c.source.kind === 'init' ? String(c.source.seed) : '',
      horizon === null ? (c.result || c.exact?.jTot !== undefined ? 'infinite' : '') : String(horizon)];
    for (const k of SUMMARY_KEYS) row.push(csvNumber(s[k].value), s[k].method ?? '', csvNumber(s[k].float64));
    row.push(csvField(c.error?.message ?? ''));
    rows.push(row.join(','));
  }
  return rows.join('\n') + '\n';
}
