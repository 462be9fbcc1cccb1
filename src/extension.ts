import * as vscode from 'vscode';
import { InspectorProvider } from './editor/inspectorProvider';

export function activate(context: vscode.ExtensionContext): void {
  InspectorProvider.register(context);
}

export function deactivate(): void {}
