// Runs inside the extension host (see index.ts): recurrentLens.insertInitializer and its code actions, on real
// documents: the layer gets initialized, one undo restores the file, a second run adds nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers';
import { TFJS_IMPORT } from '../../src/core/init/codegen';
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

function lineOf(doc: vscode.TextDocument, needle: string): number {
  const i = doc.getText().split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `no line with ${needle}`);
  return i;
}

function count(text: string, s: string): number {
  return text.split(s).length - 1;
}

async function codeActions(doc: vscode.TextDocument, line: number, character: number, expectSome = true): Promise<vscode.CodeAction[]> {
  const range = new vscode.Range(line, character, line, character);
  // A freshly opened document can be asked before the providers have seen it: ask again for a few seconds.
  for (let attempt = 0; ; attempt++) {
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.RefactorRewrite.value,
    );
    // Ours are CodeActions with a command (a bare Command has a string `command`).
    const ours = (actions ?? []).filter((a): a is vscode.CodeAction => typeof a.command !== 'string' && a.command?.command === COMMAND);
    if (ours.length > 0 || !expectSome || attempt >= 30) return ours;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function run(action: vscode.CodeAction): Promise<InsertResult> {
  const result = await vscode.commands.executeCommand<InsertResult>(action.command!.command, ...action.command!.arguments!);
  assert.ok(result, 'the command returned nothing');
  return result;
}

/** Accepts the quick picks / input boxes the command opens, as a user pressing Enter would, until it settles. */
async function acceptPrompts<T>(pending: Thenable<T>): Promise<T> {
  let settled = false;
  const done = Promise.resolve(pending).finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled; i++) {
    await new Promise((r) => setTimeout(r, 150));
    if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return done;
}

const MODEL = [
  'import torch',
  'from torch import nn',
  '',
  '',
  'class Model(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.rnn = nn.RNN(',
  "            2, 4, nonlinearity='relu',",
  '            batch_first=True)',
  '        self.fc = nn.Linear(4, 1)',
  '',
  '',
  'rnn = nn.RNN(2, 4, num_layers=2)',
  '',
].join('\n');

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

  it('the code action on self.rnn = nn.RNN( inserts the helper once and the call; one undo restores the file', async () => {
    const editor = await untitled('python', MODEL);
    const doc = editor.document;
    const actions = await codeActions(doc, 7, 20);
    assert.deepEqual(actions.map((a) => a.title), [
      'Initialize self.rnn with the chain (PyTorch)',
      'Initialize self.rnn with the feedback chain (PyTorch)',
      'Initialize self.rnn with another initializer (PyTorch)…',
    ]);
    assert.equal(actions[0].kind?.value, vscode.CodeActionKind.RefactorRewrite.value);
    const r = await run(actions[0]);
    assert.equal(r.mode, 'layer');
    assert.equal(r.target, 'self.rnn');
    assert.equal(r.changed, true);
    assert.deepEqual(r.definitionsAdded, ['init_chain_']);
    assert.deepEqual(r.importsAdded, []);
    const text = doc.getText();
    const lines = text.split('\n');
    const close = lines.indexOf('            batch_first=True)');
    assert.equal(lines[close + 1], '        init_chain_(self.rnn, alpha=1.02)', 'the call right after the statement, indented');
    assert.equal(r.line, close + 1);
    assert.equal(editor.selection.active.line, close + 1, 'the cursor is on the call');
    // The helper: once, at module level, after the imports, with two blank lines around it.
    assert.deepEqual(lines.slice(0, 4), ['import torch', 'from torch import nn', '', '']);
    assert.match(lines[4], /^# Recurrent Lens: chain initializer chain:1\.02 for torch\.nn\.RNN\.$/);
    const def = lines.indexOf('def init_chain_(rnn, alpha=1.02, input_scale=0.9, zero_bias=True):');
    assert.ok(def > 4);
    assert.deepEqual(lines.slice(lines.indexOf('class Model(nn.Module):') - 3, lines.indexOf('class Model(nn.Module):')), ['    return rnn', '', '']);
    assert.doesNotMatch(text, /# Usage/, 'no commented usage when a layer is initialized');
    assert.equal(count(text, 'import torch'), 1);

    // Again: nothing changes (no duplicate helper, import or call).
    const again = await run((await codeActions(doc, lineOf(doc, 'self.rnn = nn.RNN('), 20))[0]);
    assert.equal(again.changed, false);
    assert.equal(doc.getText(), text);

    // The plain rnn (2 layers): the helper is reused, one call added.
    const second = await run((await codeActions(doc, lineOf(doc, 'rnn = nn.RNN(2, 4, num_layers=2)'), 3))[0]);
    assert.deepEqual(second.definitionsReused, ['init_chain_']);
    assert.ok(doc.getText().endsWith('rnn = nn.RNN(2, 4, num_layers=2)\ninit_chain_(rnn, alpha=1.02)\n'));
    assert.equal(count(doc.getText(), 'def init_chain_('), 1);

    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), text, 'one undo removes the second edit');
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), MODEL, 'one undo removes the whole first insertion (helper and call)');
    // No actions on other lines.
    assert.deepEqual((await codeActions(doc, 0, 0, false)).map((a) => a.title), []);
  });

  it('another initializer on the same layer replaces the call and adds its helper and imports', async () => {
    const editor = await untitled('python', MODEL);
    const doc = editor.document;
    await vscode.commands.executeCommand(COMMAND, { uri: doc.uri.toString(), layerLine: 13, spec: 'chain:1.02' });
    const r = await vscode.commands.executeCommand<InsertResult>(COMMAND, { uri: doc.uri.toString(), layerLine: lineOf(doc, 'rnn = nn.RNN(2, 4, num'), spec: 'orthogonal:1', seed: 3 });
    assert.equal(r.replaced, true);
    assert.deepEqual(r.importsAdded, ['import math']);
    const text = doc.getText();
    assert.ok(text.endsWith('rnn = nn.RNN(2, 4, num_layers=2)\ninit_orthogonal_(rnn, gain=1.0, seed=3)\n'), text.slice(-200));
    assert.ok(text.startsWith('import torch\nfrom torch import nn\nimport math\n\n\n# Recurrent Lens'), text.slice(0, 200));
    assert.equal(count(text, 'def init_chain_('), 1, 'the chain helper stays (it may serve other layers)');
  });

  it('Keras: the SimpleRNN call gets the initializer arguments; the classes go in once', async () => {
    const content = 'from tensorflow import keras\n\nlayer = keras.layers.SimpleRNN(32, return_sequences=True)\nother = keras.layers.SimpleRNN(8)\n';
    const editor = await untitled('python', content);
    const doc = editor.document;
    const k = await codeActions(doc, 2, 20);
    assert.equal(k[0]?.title, 'Initialize layer with the chain (Keras)');
    const r = await run(k[0]);
    assert.deepEqual(r.importsAdded, ['import numpy as np', 'import tensorflow as tf']);
    assert.deepEqual(r.definitionsAdded, ['ChainInit', 'NonnormalSourceInit']);
    await run((await codeActions(doc, lineOf(doc, 'other = '), 12))[0]);
    const text = doc.getText();
    assert.match(text, /\nlayer = keras\.layers\.SimpleRNN\(32, return_sequences=True, recurrent_initializer=ChainInit\(alpha=1\.02\), kernel_initializer=NonnormalSourceInit\(scale=0\.9\)\)\n/);
    assert.match(text, /\nother = keras\.layers\.SimpleRNN\(8, recurrent_initializer=ChainInit\(alpha=1\.02\), kernel_initializer=NonnormalSourceInit\(scale=0\.9\)\)\n/);
    assert.equal(count(text, 'class ChainInit('), 1);
    assert.equal(count(text, 'import numpy as np'), 1);
  });

  it('TF.js in a JavaScript file: the tf import once, the helper, initChain(rnn, 1.02); after the statement', async function () {
    // Code actions on a JS file wait for the TypeScript server's too, which starts slowly on a busy machine.
    this.timeout(120_000);
    const content = "'use strict';\n\nconst rnn = tf.layers.simpleRNN({\n  units: 16,\n  recurrentInitializer: 'orthogonal',\n});\n";
    const editor = await untitled('javascript', content);
    const doc = editor.document;
    const t = await codeActions(doc, 4, 5); // the recurrentInitializer line inside the call
    assert.equal(t[1]?.title, 'Initialize rnn with the feedback chain (TensorFlow.js)');
    const r = await run(t[0]);
    assert.deepEqual(r.importsAdded, [TFJS_IMPORT]);
    const text = doc.getText();
    assert.ok(text.startsWith(`'use strict';\n\n${TFJS_IMPORT}\n\n// Recurrent Lens: chain initializer chain:1.02`), text.slice(0, 200));
    assert.ok(text.endsWith("  recurrentInitializer: 'orthogonal',\n});\ninitChain(rnn, 1.02);\n"), text.slice(-200));
    const again = await vscode.commands.executeCommand<InsertResult>(COMMAND, { uri: doc.uri.toString(), layerLine: lineOf(doc, 'const rnn'), spec: 'chain:1.02' });
    assert.equal(again.changed, false);
    assert.equal(count(doc.getText(), TFJS_IMPORT), 1);
  });

  it('from the palette with several layers: a quick pick of them (Enter takes the first)', async () => {
    const editor = await untitled('python', MODEL);
    place(editor, 0);
    const r = await acceptPrompts(vscode.commands.executeCommand<InsertResult | undefined>(COMMAND, { spec: 'fbchain:0.04' }));
    assert.ok(r, 'cancelled');
    assert.equal(r.mode, 'layer');
    assert.equal(r.layerLine, 7);
    assert.equal(r.target, 'self.rnn');
    assert.match(editor.document.getText(), /\n {12}batch_first=True\)\n {8}init_fbchain_\(self\.rnn, beta=0\.04\)\n/);
  });

  it('from the palette in a file without a layer: helper and usage at the cursor, framework detected (Keras here)', async () => {
    const editor = await untitled('python', 'import tensorflow as tf\n\n');
    place(editor, 1);
    const result = await acceptPrompts(vscode.commands.executeCommand<InsertResult | undefined>(COMMAND));
    assert.ok(result, 'cancelled');
    assert.equal(result.mode, 'cursor');
    assert.equal(result.framework, 'keras');
    assert.equal(result.spec, 'chain:1.02');
    const text = editor.document.getText();
    assert.match(text, /SimpleRNN \(N = 100 units, 10 inputs\)/);
    assert.match(text, /^import tensorflow as tf\nimport numpy as np\nfrom tensorflow import keras\n/);
    assert.match(text, /#   rnn = keras\.layers\.SimpleRNN\(100[\s\S]*recurrent_initializer=ChainInit\(alpha=1\.02\)/);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), 'import tensorflow as tf\n\n');
  });

  it('atCursor: PyTorch helper inside a block takes the block\'s indentation; the imports go to the top', async () => {
    const editor = await untitled('python', 'class M:\n    def f(self):\n        return 1\n');
    place(editor, 2, 10);
    const r = await vscode.commands.executeCommand<InsertResult>(COMMAND, { atCursor: true, framework: 'pytorch', spec: 'identity:0.5', n: 8, inputDim: 3 });
    assert.deepEqual(r.importsAdded, ['import math', 'import torch']);
    const lines = editor.document.getText().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['import math', 'import torch']);
    assert.ok(lines.includes('        def init_identity_(rnn, gain=0.5, input_std=None, seed=None, zero_bias=True):'));
    assert.equal(lines[lines.length - 2], '        return 1');
  });
  it('LSTM / GRU: code actions offer the per-gate-block initializers; mixed goes in after nn.LSTM, one undo restores', async () => {
    const src = 'import torch\nfrom torch import nn\n\nlstm = nn.LSTM(2, 8, batch_first=True)\ngru = nn.GRU(2, 8)\n';
    const editor = await untitled('python', src);
    const doc = editor.document;
    const line = lineOf(doc, 'nn.LSTM(');
    const actions = await codeActions(doc, line, 10);
    assert.deepEqual(actions.map((a) => a.title), [
      'Initialize lstm per gate block: mixed, chain + ramp (PyTorch)',
      'Initialize lstm per gate block: the chain (PyTorch)',
      'Initialize lstm per gate block: another initializer (PyTorch)…',
    ]);
    const r = await run(actions[0]);
    assert.equal(r.cell, 'lstm');
    assert.equal(r.spec, 'mixed:1.02');
    assert.equal(r.applied, 'init_lstm_mixed_(lstm, alpha=1.02)');
    assert.match(doc.getText(), /^lstm = nn\.LSTM\(2, 8, batch_first=True\)\ninit_lstm_mixed_\(lstm, alpha=1\.02\)\n/m);
    assert.match(doc.getText(), /^def init_lstm_mixed_\(rnn, alpha=1\.02, e=0\.01\):/m);
    const g = await vscode.commands.executeCommand<InsertResult>(COMMAND, { uri: doc.uri.toString(), layerLine: lineOf(doc, 'nn.GRU('), spec: 'orthogonal:1.0', seed: 3 });
    assert.equal(g.cell, 'gru');
    assert.match(doc.getText(), /^init_gru_orthogonal_\(gru, gain=1\.0, seed=3\)$/m);
    await vscode.commands.executeCommand('undo');
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), src);
  });
});
