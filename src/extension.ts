import * as vscode from 'vscode';
import { InspectorProvider } from './editor/inspectorProvider';
import { extensionWorker } from './host/workers';
import { registerAnalysisCommands } from './panels/analysisCommands';
import { registerCompareCommands } from './panels/compareCommands';
import { registerInsertInitializer } from './host/insertInitializer';
import { registerTraining } from './training';
import { registerSweepPanel } from './panels/sweepPanel';
import type { RunManager } from './runs/runManager';

let training: RunManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  // Two worker threads: reading stays responsive while a long analysis runs.
  // The reader's parse of a checkpoint also serves the analyses of its matrices (src/host/analysisJob.ts).
  const reader = extensionWorker(context.extensionPath);
  const analyst = extensionWorker(context.extensionPath);
  context.subscriptions.push({ dispose: () => reader.dispose() }, { dispose: () => analyst.dispose() });
  const workers = { reader, analyst };
  const inspector = InspectorProvider.register(context, workers);
  registerAnalysisCommands(context, workers, inspector);
  registerCompareCommands(context, workers, inspector);
  registerInsertInitializer(context);
  training = registerTraining(context);
  registerSweepPanel(context, training);
}

/** Trainers checkpoint and stop with the window: their runs can be resumed. */
export function deactivate(): Promise<void> | undefined {
  return training?.shutdown();
}
