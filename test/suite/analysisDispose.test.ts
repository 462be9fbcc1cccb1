// Runs inside the extension host: closing panels while their worker jobs run must not post to a disposed webview
// ("Webview is disposed" used to surface as an unhandled rejection from the analysis panel).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';

function webviewTab(viewType: string): vscode.Tab | undefined {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) if (tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(viewType)) return tab;
  }
  return undefined;
}

describe('Closing panels while their analyses run', () => {
  const errors: string[] = [];
  const onRejection = (reason: unknown) => errors.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    process.on('unhandledRejection', onRejection);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the analysis and compare panels cancel their work and post nothing after close', async function () {
    this.timeout(90_000);
    // Big enough that the analysis (Schur, pseudospectrum, memory) is still running when the panel closes.
    await vscode.commands.executeCommand('recurrentLens.analyzeInitializer', { spec: 'gaussian:1.3', n: 500, seed: 5 });
    const tab = await waitFor('the analysis panel', () => webviewTab('recurrentLens.analysis'));
    await new Promise((r) => setTimeout(r, 5000)); // the webview loads and asks for the analysis
    await vscode.window.tabGroups.close(tab);
    await vscode.commands.executeCommand('recurrentLens.compareInitializers', { specs: ['gaussian:1.2', 'fbchain:0.3'], n: 300 });
    const compare = await waitFor('the compare panel', () => webviewTab('recurrentLens.compare'));
    await new Promise((r) => setTimeout(r, 2500));
    await vscode.window.tabGroups.close(compare);
    // Let the cancelled (or finished) worker jobs come back.
    await new Promise((r) => setTimeout(r, 8000));
    assert.deepEqual(errors.filter((e) => /disposed/i.test(e)), [], errors.join('\n'));
  });
});
