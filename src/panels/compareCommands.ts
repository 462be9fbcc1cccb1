import * as vscode from 'vscode';
import type { AnalysisWorkers } from '../host/analysisJob';
import { AnalysisPanel } from './analysisPanel';
import { ComparePanel, MAX_N, gatedSources, normalizeSource } from './comparePanel';
import type { InspectorProvider } from '../editor/inspectorProvider';
import { DEFAULT_GAIN, INIT_NAMES, InitName, parseInitSpec } from '../core/init/initializers';
import { specText } from '../core/init/exact';
import { checkCell, parseGatedSpec, type GatedCell } from '../core/init/gated';
import type { MatrixSource } from '../shared/protocol';

const PAPER: readonly InitName[] = ['chain', 'fbchain', 'orthogonal', 'identity'];

const DESCRIPTIONS: Record<InitName, string> = {
  chain: 'W[i][i−1] = α: nilpotent delay line (the paper)',
  fbchain: 'W[i][i−1] = 0.99, W[i−1][i] = β: chain with feedback (the paper)',
  orthogonal: 'λ·Q, Q Haar-random orthogonal',
  identity: 'λ·I',
  gaussian: 'entries N(0, λ²/N): random baseline (not in the paper)',
};

/** Arguments for scripts and tests: skip the prompts. */
export interface CompareArgs {
  specs?: string[];
  n?: number;
  seed?: number;
  /** 'lstm' / 'gru': the specs are per-gate-block initializers (plain, orthogonal, chain, fbchain, mixed), one column per gate block. */
  cell?: 'rnn' | GatedCell;
}

/** Parses "chain:1.02, fbchain:0.04" into canonical specs (LSTM/GRU: "mixed:1.02, plain"); throws with a readable message. */
export function parseSpecList(text: string, gated = false): string[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error(`give at least one initializer, e.g. ${gated ? 'mixed:1.02' : 'chain:1.02'}`);
  return parts.map((p) => {
    if (gated) return parseGatedSpec(p).spec;
    const s = parseInitSpec(p);
    return specText(s.name, s.gain);
  });
}

/**
 * The source of the active analysis panel, if it is the active tab. AnalysisPanel keeps its panels in a private
 * static map; it is read here without changing analysisPanel.ts (see the report: a public accessor would be better).
 */
/** "Compare Initializers" (quick picks; Enter, Enter, Enter gives the paper's four at N = 100) and "Add Matrix to Comparison". */
export function registerCompareCommands(context: vscode.ExtensionContext, workers: AnalysisWorkers, inspector?: InspectorProvider): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('recurrentLens.compareInitializers', async (args?: CompareArgs) => {
      let cell: 'rnn' | GatedCell;
      try {
        cell = args?.cell === undefined || args.cell === 'rnn' ? 'rnn' : checkCell(args.cell);
      } catch (err) {
        void vscode.window.showErrorMessage(`Compare Initializers: ${(err as Error).message}`);
        return undefined;
      }
      let specs = args?.specs;
      if (!specs && cell !== 'rnn') {
        const text = await vscode.window.showInputBox({
          title: `Compare Initializers — ${cell.toUpperCase()} gate blocks (1/2)`,
          prompt: 'Per-gate-block initializers as name:gain, comma-separated: mixed:1.02, chain:1.02, fbchain:0.04, orthogonal:1.0, plain',
          value: 'mixed:1.02, plain',
          ignoreFocusOut: true,
          validateInput: (v) => { try { parseSpecList(v, true); return undefined; } catch (e) { return (e as Error).message; } },
        });
        if (!text) return undefined;
        specs = parseSpecList(text, true);
      } else if (!specs) {
        const items = INIT_NAMES.map((name) => ({
          label: name, name, description: `gain ${DEFAULT_GAIN[name]}`, detail: DESCRIPTIONS[name], picked: PAPER.includes(name),
        }));
        const picked = await vscode.window.showQuickPick(items, {
          title: 'Compare Initializers (1/3)',
          placeHolder: 'Initializers to compare — Enter keeps the paper’s four',
          canPickMany: true,
          ignoreFocusOut: true,
        });
        if (!picked || picked.length === 0) return undefined;
        const text = await vscode.window.showInputBox({
          title: 'Compare Initializers (2/3)',
          prompt: 'Gains as name:gain, comma-separated; repeat a name to compare gains (chain:1.0, chain:1.05)',
          value: picked.map((p) => specText(p.name, DEFAULT_GAIN[p.name])).join(', '),
          ignoreFocusOut: true,
          validateInput: (v) => { try { parseSpecList(v); return undefined; } catch (e) { return (e as Error).message; } },
        });
        if (!text) return undefined;
        specs = parseSpecList(text);
      } else {
        try {
          specs = specs.flatMap((s) => parseSpecList(s, cell !== 'rnn'));
        } catch (err) {
          void vscode.window.showErrorMessage(`Compare Initializers: ${(err as Error).message}`);
          return undefined;
        }
      }
      let n = args?.n;
      if (n === undefined) {
        const nText = await vscode.window.showInputBox({
          title: cell === 'rnn' ? 'Compare Initializers (3/3)' : `Compare Initializers — ${cell.toUpperCase()} gate blocks (2/2)`,
          prompt: 'Number of hidden units N (every column)',
          value: '100',
          ignoreFocusOut: true,
          validateInput: (v) => (/^\d+$/.test(v.trim()) && +v >= 1 && +v <= MAX_N ? undefined : `a whole number from 1 to ${MAX_N}`),
        });
        if (!nText) return undefined;
        n = Number(nText);
      }
      const seed = args?.seed ?? 1;
      let sources: MatrixSource[];
      try {
        sources = cell === 'rnn'
          ? specs.map((spec) => normalizeSource({ kind: 'init', spec, n: n!, seed }))
          : specs.flatMap((spec) => gatedSources(spec, cell as GatedCell, n!, seed));
      } catch (err) {
        void vscode.window.showErrorMessage(`Compare Initializers: ${(err as Error).message}`);
        return undefined;
      }
      return ComparePanel.show(context, workers, sources, 'replace-inits').titles;
    }),

    vscode.commands.registerCommand('recurrentLens.addToComparison', async (arg?: MatrixSource) => {
      const source = isMatrixSource(arg) ? arg : AnalysisPanel.activeSource ?? inspector?.activeMatrix;
      if (!source) {
        void vscode.window.showInformationMessage(
          'Select a square matrix in the Matrix Inspector (or open its analysis) first, then add it to the comparison.');
        return undefined;
      }
      try {
        return ComparePanel.show(context, workers, [source], 'append').titles;
      } catch (err) {
        void vscode.window.showErrorMessage(`Add Matrix to Comparison: ${(err as Error).message}`);
        return undefined;
      }
    }),
  );
}

function isMatrixSource(x: unknown): x is MatrixSource {
  if (!x || typeof x !== 'object') return false;
  const s = x as Partial<MatrixSource> & Record<string, unknown>;
  return (s.kind === 'init' && typeof s.spec === 'string' && typeof s.n === 'number')
    || (s.kind === 'tensor' && typeof s.file === 'string' && !!s.key && typeof (s.key as { name?: unknown }).name === 'string');
}
