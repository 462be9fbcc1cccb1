// Runs inside the extension host (see index.ts): recurrentLens.insertInitializer and its code actions.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers';
import { generateInitializer, TFJS_IMPORT } from '../../src/core/init/codegen';
import type { InsertResult } from '../../src/host/insertInitializer';

const COMMAND = 'recurrentLens.insertInitializer';

const EXT: Record<string, string> = { python: 'py', javascript: 'js', typescript: 'ts' };
let serial = 0;

/**
 * A new untitled document with a name of its own: `openTextDocument({ language })` reuses the names of closed
 * untitled documents (Untitled-1, …), and a request racing the previous document's disposal could see it.
 */
async function untitled(language: string, content: string): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.from({ scheme: 'untitled', path: `/insert-test-${Date.now()}-${++serial}.${EXT[language]}` });
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  assert.equal(editor.document.languageId, language);
  assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), content)));
  return editor;
}

function place(editor: vscode.TextEditor, line: number, character = 0): void {
  const p = new vscode.Position(line, character);
  editor.selection = new vscode.Selection(p, p);
}

async function codeActions(doc: vscode.TextDocument, line: number, character: number, expectSome = true): Promise<vscode.CodeAction[]> {
  const range = new vscode.Range(line, character, line, character);
  // A freshly opened document can be asked before the providers have seen it: ask again for a few seconds.
  for (let attempt = 0; ; attempt++) {
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.RefactorRewrite.value,
    );
    // Ours are CodeActions with a command (a bare Command has a string `command`).
    const ours = (actions ?? []).filter((a): a is vscode.CodeAction => typeof a.command !== 'string' && a.title.startsWith('Insert '));
    if (ours.length > 0 || !expectSome || attempt >= 30) return ours;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Insert Initializer Code', () => {
  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  afterEach(async () => {
    // Untitled documents are dirty: revert them so closing asks nothing.
    while (vscode.window.activeTextEditor) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('is registered', async () => {
    assert.ok((await vscode.commands.getCommands(true)).includes(COMMAND));
  });

  it('inserts the PyTorch chain at the cursor of a Python file, in one undo step', async () => {
    const before = 'import torch\n\n\nrnn = torch.nn.RNN(2, 4)\n';
    const editor = await untitled('python', before);
    place(editor, 1);
    const result = await vscode.commands.executeCommand<InsertResult>(COMMAND, { framework: 'pytorch', spec: 'chain:1.02', n: 4, inputDim: 2 });
    assert.ok(result, 'the command returned nothing');
    const expected = generateInitializer({ framework: 'pytorch', spec: 'chain:1.02', n: 4, inputDim: 2 }).body.replace(/\n$/, '');
    const text = editor.document.getText();
    assert.equal(text, `import torch\n${expected}\n\nrnn = torch.nn.RNN(2, 4)\n`);
    assert.equal(result.line, 1);
    assert.equal(result.spec, 'chain:1.02');
    assert.match(text, /def init_chain_\(rnn, alpha=1\.02, input_scale=0\.9, zero_bias=True\):/);
    assert.match(text, /torch\.diag\(torch\.full\(\(n - 1,\), float\(alpha\)\), diagonal=-1\)/);
    assert.match(text, /rnn = torch\.nn\.RNN\(input_size=2, hidden_size=4/);
    assert.match(text, /SOURCE/);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), before, 'one undo removes the whole insertion');
  });

  it('on a line with code, inserts above it with its indentation', async () => {
    const editor = await untitled('python', 'class M:\n    def f(self):\n        return 1\n');
    place(editor, 2, 10);
    await vscode.commands.executeCommand(COMMAND, { framework: 'keras', spec: 'fbchain:0.05', n: 8, inputDim: 3 });
    const lines = editor.document.getText().split('\n');
    assert.equal(lines[2], '        # Recurrent Lens: chain-with-feedback initializer fbchain:0.05 for keras.layers.SimpleRNN (N = 8 units, 3 inputs).');
    assert.ok(lines.includes('        class FbChainInit(keras.initializers.Initializer):'));
    assert.equal(lines[lines.length - 2], '        return 1');
  });

  it('TF.js in a JavaScript file: adds the tf import at the top once', async () => {
    const editor = await untitled('javascript', "'use strict';\nconst x = 1;\n\n");
    place(editor, 2);
    const r = await vscode.commands.executeCommand<InsertResult>(COMMAND, { framework: 'tfjs', spec: 'chain:1.02', n: 4, inputDim: 2 });
    const text = editor.document.getText();
    assert.equal(r.importAdded, TFJS_IMPORT);
    assert.ok(text.startsWith(`'use strict';\n${TFJS_IMPORT}\nconst x = 1;\n// Recurrent Lens: chain initializer chain:1.02`), text.slice(0, 200));
    assert.match(text, /function chainWeights\(units = 4, inputDim = 2, alpha = 1\.02, inputScale = 0\.9\)/);
    place(editor, editor.document.lineCount - 1);
    const again = await vscode.commands.executeCommand<InsertResult>(COMMAND, { framework: 'tfjs', spec: 'orthogonal:1', n: 4, inputDim: 2 });
    assert.equal(again.importAdded, undefined, 'the file already imports TF.js');
    assert.equal(editor.document.getText().split(TFJS_IMPORT).length, 2, 'one import');
  });

  it('without arguments, asks: framework detected from the file (Keras here), chain:1.02, N 100, d 10', async () => {
    const editor = await untitled('python', 'import tensorflow as tf\n\n');
    place(editor, 1);
    let settled = false;
    const run = Promise.resolve(vscode.commands.executeCommand<InsertResult | undefined>(COMMAND)).finally(() => (settled = true));
    // Accept the four prompts with their preselected/prefilled values, as a user pressing Enter would.
    for (let i = 0; i < 100 && !settled; i++) {
      await new Promise((r) => setTimeout(r, 150));
      if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const result = await run;
    assert.ok(result, 'cancelled');
    assert.equal(result.framework, 'keras');
    assert.equal(result.spec, 'chain:1.02');
    assert.match(editor.document.getText(), /SimpleRNN \(N = 100 units, 10 inputs\)/);
  });

  it('offers the code actions on a line with nn.RNN( and inserts above the statement', async () => {
    const content = 'import torch\nfrom torch import nn\n\nrnn = nn.RNN(2, 4, batch_first=True)\n';
    const editor = await untitled('python', content);
    const actions = await codeActions(editor.document, 3, 8);
    const titles = actions.map((a) => a.title);
    assert.deepEqual(titles, [
      'Insert chain initializer (PyTorch)',
      'Insert feedback-chain initializer (PyTorch)',
      'Insert initializer code (PyTorch)…',
    ]);
    const chain = actions[0];
    assert.equal(chain.kind?.value, vscode.CodeActionKind.RefactorRewrite.value);
    assert.equal(chain.command?.command, COMMAND);
    const args = chain.command!.arguments![0];
    assert.deepEqual({ ...args, uri: undefined }, { framework: 'pytorch', spec: 'chain:1.02', n: 4, inputDim: 2, uri: undefined, line: 3 });
    await vscode.commands.executeCommand(chain.command!.command, ...chain.command!.arguments!);
    const text = editor.document.getText();
    const body = generateInitializer({ framework: 'pytorch', spec: 'chain:1.02', n: 4, inputDim: 2 }).body;
    assert.equal(text, `import torch\nfrom torch import nn\n\n${body}\nrnn = nn.RNN(2, 4, batch_first=True)\n`);
    // No actions on other lines.
    assert.deepEqual((await codeActions(editor.document, 0, 0, false)).map((a) => a.title), []);
  });

  it('offers Keras actions on SimpleRNN lines and TF.js actions on simpleRNN lines', async () => {
    const py = await untitled('python', 'from tensorflow import keras\nlayer = keras.layers.SimpleRNN(32, input_shape=(None, 5))\n');
    const k = await codeActions(py.document, 1, 3);
    assert.equal(k[0]?.title, 'Insert chain initializer (Keras)');
    assert.equal(k[0].command!.arguments![0].n, 32);
    assert.equal(k[0].command!.arguments![0].inputDim, 5);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    const ts = await untitled('typescript', "const rnn = tf.layers.simpleRNN({ units: 16, recurrentInitializer: 'orthogonal' });\n");
    const t = await codeActions(ts.document, 0, 20);
    assert.equal(t[1]?.title, 'Insert feedback-chain initializer (TensorFlow.js)');
  });
});
