import * as vscode from 'vscode';
import { InspectorProvider } from './editor/inspectorProvider';
import { WorkerClient } from './host/workerClient';
import { registerAnalysisCommands } from './panels/analysisCommands';
import { registerCompareCommands } from './panels/compareCommands';
import { registerInsertInitializer } from './host/insertInitializer';
import { registerTraining } from './training';
import { registerSweepPanel } from './panels/sweepPanel';
import type { RunManager } from './runs/runManager';

let training: RunManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  // Two worker threads: reading stays responsive while a long analysis runs.
  const reader = new WorkerClient(context.extensionPath);
  const analyst = new WorkerClient(context.extensionPath);
  context.subscriptions.push({ dispose: () => reader.dispose() }, { dispose: () => analyst.dispose() });
  const inspector = InspectorProvider.register(context, reader, analyst);
  registerAnalysisCommands(context, analyst, inspector);
  registerCompareCommands(context, analyst, inspector);
  registerInsertInitializer(context);
  training = registerTraining(context);
  registerSweepPanel(context, training);
}

/** Trainers checkpoint and stop with the window: their runs can be resumed. */
export function deactivate(): Promise<void> | undefined {
  return training?.shutdown();
}
