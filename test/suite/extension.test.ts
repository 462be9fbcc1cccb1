// Runs inside the extension host (see index.ts). The workspace is a copy of test/fixtures (with bad/).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';

const VIEW_TYPE = 'recurrentLens.inspector';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test window has no workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

describe('Recurrent Lens extension', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is installed and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not present`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers recurrentLens.openInInspector', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('recurrentLens.openInInspector'), 'command recurrentLens.openInInspector is not registered');
  });

  it(`opens weights.npz in the ${VIEW_TYPE} custom editor`, async () => {
    const uri = workspaceFile('weights.npz');
    await vscode.workspace.fs.stat(uri); // fails clearly if the fixture is missing
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const input = await waitFor('an active custom editor tab', () => {
      const i = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return i instanceof vscode.TabInputCustom ? i : undefined;
    });
    assert.equal(input.viewType, VIEW_TYPE);
    assert.equal(input.uri.toString(), uri.toString());
  });

  for (const [file, viewType] of [
    ['keras_copy_chain.h5', 'recurrentLens.inspector.optional'],
    ['tfjs_copy_chain/model.json', 'recurrentLens.inspector.optional'],
    ['torch_rnn_legacy.pt', VIEW_TYPE],
    ['rnn.safetensors', VIEW_TYPE],
  ] as const) {
    it(`opens ${file} with ${viewType}`, async () => {
      const uri = workspaceFile(file);
      await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
      const input = await waitFor(`a custom editor tab for ${file}`, () => {
        const i = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return i instanceof vscode.TabInputCustom && i.uri.toString() === uri.toString() ? i : undefined;
      });
      assert.equal(input.viewType, viewType);
    });
  }

  it('contributes the inspector for checkpoints by default and for .h5/model.json through Open With', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const editors = pkg.contributes.customEditors as { viewType: string; priority: string; selector: { filenamePattern: string }[] }[];
    const byType = new Map(editors.map((e) => [e.viewType, e]));
    assert.equal(byType.get(VIEW_TYPE)?.priority, 'default');
    assert.deepEqual(byType.get(VIEW_TYPE)?.selector.map((s) => s.filenamePattern), ['*.npy', '*.npz', '*.safetensors', '*.pt', '*.pth']);
    assert.equal(byType.get('recurrentLens.inspector.optional')?.priority, 'option');
    assert.deepEqual(byType.get('recurrentLens.inspector.optional')?.selector.map((s) => s.filenamePattern),
      ['*.h5', '*.hdf5', '*.keras', 'model.json']);
  });

  it('has settings with defaults', () => {
    const cfg = vscode.workspace.getConfiguration('recurrentLens');
    assert.equal(cfg.get('heatmap.colormap'), 'diverging');
    assert.equal(cfg.get('heatmap.symmetricDomain'), true);
    assert.equal(cfg.get('maxFileSizeMB'), 2048);
  });
});
