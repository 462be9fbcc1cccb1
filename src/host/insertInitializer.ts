/**
 * "Recurrent Lens: Insert Initializer Code…" (recurrentLens.insertInitializer) and the code actions that offer it
 * on recurrent-layer lines (`nn.RNN(`, `SimpleRNN`, `simpleRNN`, `recurrent_initializer`, `recurrentInitializer`).
 *
 * The command asks for the framework (preselected from the file: Python → PyTorch unless the file imports
 * TensorFlow/Keras, JS/TS → TF.js), the initializer (`chain:1.02`), N (100) and the input dimension (10), then
 * inserts the code of ../core/init/codegen.ts in one edit (one undo step):
 *  - at the cursor: on a blank line, in place with that line's indentation; on a line with code, on new lines
 *    above it, with its indentation;
 *  - with `line` (code actions): above that line, at top level;
 *  - for TF.js in a JS/TS file, the `tf` import is added at the top when the file has none.
 * Every prompt is skipped when its value is passed as an argument:
 *   executeCommand('recurrentLens.insertInitializer', { framework: 'pytorch', spec: 'chain:1.02', n: 4, inputDim: 2 })
 * The command resolves to what it inserted (InsertResult), or undefined when cancelled.
 */
import * as vscode from 'vscode';
import {
  DEFAULT_INPUT_DIM, DEFAULT_N, DEFAULT_SPEC, FRAMEWORKS, FRAMEWORK_LABEL, detectFramework, frameworkOfLine,
  generateInitializer, importInsertLine, indentCode, layerSizes, tfjsImportFor, topLevelInsertLine, type Framework,
} from '../core/init/codegen';
import { parseInitSpec } from '../core/init/initializers';

export const INSERT_INITIALIZER_COMMAND = 'recurrentLens.insertInitializer';

const MAX_DIM = 100_000;
const JS_LANGUAGES = ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'];
const LANGUAGES = ['python', ...JS_LANGUAGES];

export interface InsertArgs {
  framework?: Framework;
  /** e.g. "chain:1.02". Omitted: asked for. */
  spec?: string;
  n?: number;
  inputDim?: number;
  /** Seed of the random initializers (orthogonal, gaussian, identity's input); omitted = unseeded. */
  seed?: number;
  /** The document to edit (a URI string or Uri); default: the active editor's. */
  uri?: string | vscode.Uri;
  /** Insert above this line (0-based), at top level; default: at the cursor. */
  line?: number;
}

export interface InsertResult {
  uri: string;
  framework: Framework;
  spec: string;
  /** Line (0-based, in the edited document) where the generated code starts. */
  line: number;
  /** The inserted code (as indented), without the import. */
  text: string;
  /** The import line added at the top, if any. */
  importAdded?: string;
}

export function registerInsertInitializer(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(INSERT_INITIALIZER_COMMAND, (args?: InsertArgs) => insertInitializer(args ?? {})),
    vscode.languages.registerCodeActionsProvider(
      LANGUAGES.map((language) => ({ language })),
      new InitializerCodeActions(),
      { providedCodeActionKinds: InitializerCodeActions.providedCodeActionKinds },
    ),
  );
}

async function insertInitializer(args: InsertArgs): Promise<InsertResult | undefined> {
  const editor = await targetEditor(args.uri);
  if (!editor) {
    void vscode.window.showErrorMessage('Recurrent Lens: open a file to insert initializer code into.');
    return undefined;
  }
  const doc = editor.document;
  const framework = args.framework ?? (await pickFramework(detectFramework(doc.languageId, doc.getText())));
  if (!framework) return undefined;
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    void vscode.window.showErrorMessage(`Recurrent Lens: unknown framework "${framework}" (expected ${FRAMEWORKS.join(', ')}).`);
    return undefined;
  }
  const label = FRAMEWORK_LABEL[framework];
  const spec = args.spec ?? (await vscode.window.showInputBox({
    title: `Insert Initializer Code (${label}) — 1/3`,
    prompt: 'Initializer as name:gain — chain:1.02, fbchain:0.04, orthogonal:1.0, identity:1.0, gaussian:1.0',
    value: DEFAULT_SPEC,
    validateInput: (v) => {
      try {
        parseInitSpec(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  }));
  if (spec === undefined) return undefined;
  const n = args.n ?? (await askDim(`Insert Initializer Code (${label}) — 2/3`, 'Number of hidden units N', DEFAULT_N));
  if (n === undefined) return undefined;
  const inputDim = args.inputDim ?? (await askDim(`Insert Initializer Code (${label}) — 3/3`, 'Input dimension (inputs per time step)', DEFAULT_INPUT_DIM));
  if (inputDim === undefined) return undefined;

  let generated;
  try {
    generated = generateInitializer({ framework, spec, n, inputDim, seed: args.seed });
  } catch (e) {
    void vscode.window.showErrorMessage(`Recurrent Lens: ${(e as Error).message}`);
    return undefined;
  }

  // Where the code goes, and with which indentation.
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const isJs = JS_LANGUAGES.includes(doc.languageId);
  const importLine = framework === 'tfjs' && isJs ? tfjsImportFor(doc.getText()) : undefined;
  // Outside JS/TS (a Python file, a notebook cell, plain text) the TF.js code keeps its import line.
  const body = framework === 'tfjs' && !isJs ? generated.code : generated.body;
  let range: vscode.Range;
  let text: string;
  let startLine: number;
  if (args.line !== undefined) {
    startLine = clamp(Math.floor(args.line), 0, doc.lineCount - 1);
    range = new vscode.Range(startLine, 0, startLine, 0);
    text = body + '\n';
  } else {
    const cursor = editor.selection.active;
    const line = doc.lineAt(cursor.line);
    startLine = cursor.line;
    if (line.isEmptyOrWhitespace) {
      // In place of the blank line, with its indentation (the line break after it stays).
      const indent = line.text;
      range = line.range;
      text = indentCode(body.replace(/\n$/, ''), indent);
    } else {
      const indent = line.text.slice(0, line.firstNonWhitespaceCharacterIndex);
      range = new vscode.Range(cursor.line, 0, cursor.line, 0);
      text = indentCode(body, indent) + '\n';
    }
  }
  const lines: string[] = [];
  for (let i = 0; i < doc.lineCount; i++) lines.push(doc.lineAt(i).text);
  const importAt = importLine ? importInsertLine(lines) : -1;
  const ok = await editor.edit((edit) => {
    if (importLine && importAt < range.start.line) {
      edit.insert(new vscode.Position(importAt, 0), importLine + eol);
      edit.replace(range, eolize(text, eol));
    } else if (importLine) {
      // The import goes where the code goes (or below it): put it first, in the same replacement.
      edit.replace(range, eolize(`${importLine}\n\n${text}`, eol));
    } else {
      edit.replace(range, eolize(text, eol));
    }
  });
  if (!ok) {
    void vscode.window.showErrorMessage('Recurrent Lens: the editor refused the edit (is the file read-only?).');
    return undefined;
  }
  const shift = importLine ? (importAt < range.start.line ? 1 : 2) : 0;
  const codeLine = startLine + shift;
  const pos = new vscode.Position(codeLine, 0);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return {
    uri: doc.uri.toString(),
    framework,
    spec: generated.spec.spec,
    line: codeLine,
    text,
    importAdded: importLine,
  };
}

async function targetEditor(uri: string | vscode.Uri | undefined): Promise<vscode.TextEditor | undefined> {
  if (uri === undefined) return vscode.window.activeTextEditor;
  const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  const active = vscode.window.activeTextEditor;
  if (active?.document.uri.toString() === target.toString()) return active;
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.toString());
  if (visible) return visible;
  const doc = await vscode.workspace.openTextDocument(target);
  return vscode.window.showTextDocument(doc);
}

async function pickFramework(detected: Framework): Promise<Framework | undefined> {
  const details: Record<Framework, string> = {
    pytorch: 'torch.nn.RNN — weight_hh_l0 = W (column convention)',
    keras: 'tf.keras SimpleRNN — recurrent_kernel = Wᵀ (row convention)',
    tfjs: 'tf.layers.simpleRNN — recurrentKernel = Wᵀ (row convention)',
  };
  // The detected framework first, so that Enter takes it.
  const order = [detected, ...FRAMEWORKS.filter((f) => f !== detected)];
  const items = order.map((f) => ({
    label: FRAMEWORK_LABEL[f],
    description: f === detected ? 'detected from this file' : undefined,
    detail: details[f],
    framework: f,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Insert Initializer Code — framework',
    placeHolder: 'Framework of the code to insert',
  });
  return picked?.framework;
}

async function askDim(title: string, prompt: string, value: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt,
    value: String(value),
    validateInput: (v) => (/^\d+$/.test(v.trim()) && +v >= 1 && +v <= MAX_DIM ? undefined : `a whole number from 1 to ${MAX_DIM}`),
  });
  return text === undefined ? undefined : Number(text.trim());
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

function eolize(text: string, eol: string): string {
  return eol === '\n' ? text : text.replace(/\r?\n/g, eol);
}

/** Offers the chain, the feedback chain and "other…" on recurrent-layer lines. */
export class InitializerCodeActions implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.RefactorRewrite];

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const lineNo = range.start.line;
    const lineText = document.lineAt(lineNo).text;
    const framework = frameworkOfLine(document.languageId, lineText);
    if (!framework) return [];
    const sizes = layerSizes(framework, lineText);
    const lines: string[] = [];
    for (let i = 0; i <= lineNo; i++) lines.push(document.lineAt(i).text);
    const base: InsertArgs = {
      framework,
      n: sizes.n ?? DEFAULT_N,
      inputDim: sizes.inputDim ?? DEFAULT_INPUT_DIM,
      uri: document.uri.toString(),
      line: topLevelInsertLine(lines, lineNo, document.languageId),
    };
    const label = FRAMEWORK_LABEL[framework];
    const action = (title: string, args: InsertArgs): vscode.CodeAction => {
      const a = new vscode.CodeAction(title, vscode.CodeActionKind.RefactorRewrite);
      a.command = { command: INSERT_INITIALIZER_COMMAND, title, arguments: [args] };
      return a;
    };
    return [
      action(`Insert chain initializer (${label})`, { ...base, spec: 'chain:1.02' }),
      action(`Insert feedback-chain initializer (${label})`, { ...base, spec: 'fbchain:0.04' }),
      action(`Insert initializer code (${label})…`, base),
    ];
  }
}
