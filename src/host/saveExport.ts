/** Saving what a webview exports (a figure as SVG text or a PNG data URL, a table as CSV or JSON) where the user picks. */
import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';

export type ExportFormat = 'svg' | 'png' | 'csv' | 'json';

const FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  svg: { 'SVG image': ['svg'] }, png: { 'PNG image': ['png'] }, csv: { CSV: ['csv'] }, json: { JSON: ['json'] },
};

/** A name as a file name: runs of other characters become `_`, none at either end (`chain:1.02 (N = 100)` → `chain_1.02_N_100`). */
export function fileSafe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '');
}

/** `<name>.<format>` in the first workspace folder (or the home folder), the name made file-safe. */
export function exportUri(name: string, format: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  return vscode.Uri.joinPath(folder, `${fileSafe(name) || 'export'}.${format}`);
}

/** Asks where, writes, says so; resolves with the file, or undefined when cancelled. */
export async function saveExport(name: string, format: ExportFormat, data: string): Promise<vscode.Uri | undefined> {
  const uri = await vscode.window.showSaveDialog({ defaultUri: exportUri(name, format), filters: FILTERS[format] });
  if (!uri) return undefined;
  const bytes = format === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
  await vscode.workspace.fs.writeFile(uri, bytes);
  void vscode.window.showInformationMessage(`Saved ${path.basename(uri.fsPath)}`);
  return uri;
}
