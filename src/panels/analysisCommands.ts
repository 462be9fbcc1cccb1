import * as vscode from 'vscode';
import type { AnalysisWorkers } from '../host/analysisJob';
import { AnalysisPanel } from './analysisPanel';
import type { InspectorProvider } from '../editor/inspectorProvider';
import { parseInitSpec } from '../core/init/initializers';

/** Palette commands that open the analysis panel: for the inspector's matrix, or for an initializer. */
export function registerAnalysisCommands(context: vscode.ExtensionContext, workers: AnalysisWorkers, inspector: InspectorProvider): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('recurrentLens.analyzeMatrix', async () => {
      const source = inspector.activeMatrix;
      if (!source) {
        void vscode.window.showInformationMessage('Open a checkpoint in the Matrix Inspector and select a square matrix first.');
        return;
      }
      AnalysisPanel.show(context, workers, source);
    }),
    vscode.commands.registerCommand('recurrentLens.analyzeInitializer', async (args?: { spec?: string; n?: number; seed?: number }) => {
      const spec = args?.spec ?? (await vscode.window.showInputBox({
        title: 'Analyze Initializer (1/2)',
        prompt: 'Initializer as name:gain — chain:1.02, fbchain:0.04, orthogonal:1.0, identity:1.0, gaussian:1.0',
        value: 'chain:1.02',
        validateInput: (v) => { try { parseInitSpec(v); return undefined; } catch (e) { return (e as Error).message; } },
      }));
      if (!spec) return;
      const nText = args?.n !== undefined ? String(args.n) : await vscode.window.showInputBox({
        title: 'Analyze Initializer (2/2)',
        prompt: 'Number of hidden units N',
        value: '100',
        validateInput: (v) => (/^\d+$/.test(v.trim()) && +v >= 1 && +v <= 4096 ? undefined : 'a whole number from 1 to 4096'),
      });
      if (!nText) return;
      AnalysisPanel.show(context, workers, { kind: 'init', spec: spec.trim(), n: Number(nText), seed: args?.seed ?? 1 });
    }),
  );
}
