// Runs inside the extension host (see index.ts): the compare commands are registered and open the compare panel.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';


function compareTab(): vscode.Tab | undefined {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('recurrentLens.compare')) return tab;
    }
  }
  return undefined;
}

describe('Compare initializers', () => {
  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers recurrentLens.compareInitializers and recurrentLens.addToComparison', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['recurrentLens.compareInitializers', 'recurrentLens.addToComparison']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const titles = new Map((pkg.contributes.commands as { command: string; title: string }[]).map((c) => [c.command, c.title]));
    assert.equal(titles.get('recurrentLens.compareInitializers'), 'Compare Initializers');
    assert.equal(titles.get('recurrentLens.addToComparison'), 'Add Matrix to Comparison');
  });

  it('opens the compare panel with the given initializers, then adds a matrix to it', async () => {
    const titles = await vscode.commands.executeCommand<string[]>('recurrentLens.compareInitializers', { specs: ['chain:1.02', 'identity:0.9'], n: 20 });
    assert.deepEqual(titles, ['chain:1.02 (N = 20)', 'identity:0.9 (N = 20)']);
    const tab = await waitFor('the compare panel tab', compareTab);
    assert.equal(tab.label, 'Compare Initializers');
    // Added columns are appended; a matrix already there is not added twice.
    const more = await vscode.commands.executeCommand<string[]>('recurrentLens.addToComparison', { kind: 'init', spec: 'orthogonal:1', n: 20, seed: 2 });
    assert.deepEqual(more, ['chain:1.02 (N = 20)', 'identity:0.9 (N = 20)', 'orthogonal:1.0 (N = 20, seed 2)']);
    const again = await vscode.commands.executeCommand<string[]>('recurrentLens.addToComparison', { kind: 'init', spec: 'chain:1.020', n: 20, seed: 1 });
    assert.equal(again.length, 3);
    // From the active analysis panel (no argument): its matrix.
    await vscode.commands.executeCommand('recurrentLens.analyzeInitializer', { spec: 'gaussian:0.5', n: 12, seed: 3 });
    await waitFor('the analysis panel to be the active tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputWebview && input.viewType.endsWith('recurrentLens.analysis') ? true : undefined;
    });
    const fromAnalysis = await vscode.commands.executeCommand<string[]>('recurrentLens.addToComparison');
    assert.equal(fromAnalysis.at(-1), 'gaussian:0.5 (N = 12, seed 3)');
    // Compare Initializers replaces the initializer columns.
    const replaced = await vscode.commands.executeCommand<string[]>('recurrentLens.compareInitializers', { specs: ['fbchain:0.04'], n: 10 });
    assert.deepEqual(replaced, ['fbchain:0.04 (N = 10)']);
  });
  it('LSTM / GRU: one column per gate block; bad cells and specs refused', async () => {
    const titles = await vscode.commands.executeCommand<string[]>('recurrentLens.compareInitializers', { specs: ['mixed:1.02'], n: 12, cell: 'lstm' });
    assert.deepEqual(titles, ['i', 'f', 'c', 'o'].map((g) => `LSTM mixed:1.02 gate ${g} (N = 12)`));
    const gru = await vscode.commands.executeCommand<string[]>('recurrentLens.compareInitializers', { specs: ['plain'], n: 12, seed: 4, cell: 'gru' });
    assert.deepEqual(gru, ['z', 'r', 'h'].map((g) => `GRU plain:1.0 gate ${g} (N = 12, seed 4)`));
    // A gate named as PyTorch names it (g = the LSTM's c) is the same column.
    const more = await vscode.commands.executeCommand<string[]>('recurrentLens.addToComparison', { kind: 'init', spec: 'chain', n: 12, seed: 1, cell: 'lstm', gate: 'g' });
    assert.equal(more.at(-1), 'LSTM chain:1.02 gate c (N = 12)');
    assert.equal(await vscode.commands.executeCommand('recurrentLens.compareInitializers', { specs: ['identity'], n: 12, cell: 'lstm' }), undefined);
    assert.equal(await vscode.commands.executeCommand('recurrentLens.compareInitializers', { specs: ['chain'], n: 12, cell: 'rnn2' }), undefined);
  });
});
