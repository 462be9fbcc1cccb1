/**
 * "Recurrent Lens: Insert Initializer Code…" (recurrentLens.insertInitializer) and the code actions that offer it
 * on recurrent-layer lines (`nn.RNN(`, `nn.LSTM(`, `nn.GRU(`, `SimpleRNN`, `LSTM(`, `GRU(`, `simpleRNN`,
 * `layers.lstm(`, `layers.gru(`, `recurrent_initializer`, `recurrentInitializer`). LSTM and GRU layers get the
 * per-gate-block initializers (../core/init/gatedCodegen.ts).
 *
 * It initializes a layer of the file: the helper of ../core/init/codegen.ts goes in once (with the imports it
 * needs that the file lacks), and the layer on the chosen line gets it: `init_chain_(self.rnn, alpha=1.02)` after
 * the statement (PyTorch), `recurrent_initializer=ChainInit(alpha=1.02), kernel_initializer=…` in the call (Keras),
 * `initChain(rnn, 1.02);` (TF.js). Where exactly: ../core/init/insertPlan.ts. All edits are one undo step.
 *
 * Which layer: `layerLine` (the code actions pass theirs); else the layer on the cursor line; else the only layer
 * of the file; else a quick pick of the file's layers. A file without one gets the helper and a commented usage
 * at the cursor (`atCursor: true` asks for that), after asking the framework (preselected from the file) and the
 * sizes for the usage example.
 * Every prompt is skipped when its value is passed as an argument:
 *   executeCommand('recurrentLens.insertInitializer', { layerLine: 8, spec: 'chain:1.02' })
 *   executeCommand('recurrentLens.insertInitializer', { atCursor: true, framework: 'pytorch', spec: 'chain:1.02', n: 4, inputDim: 2 })
 *   executeCommand('recurrentLens.insertInitializer', { atCursor: true, framework: 'keras', cell: 'lstm', spec: 'mixed:1.02', n: 4, inputDim: 2 })
 * The command resolves to what it did (InsertResult), or undefined when cancelled or refused.
 */
import * as vscode from 'vscode';
import {
  DEFAULT_INPUT_DIM, DEFAULT_N, DEFAULT_SPEC, FRAMEWORKS, FRAMEWORK_LABEL, detectFramework, frameworkOfLine,
  generateInitializer, type Cell, type Framework,
} from '../core/init/codegen';
import { CONSTRUCTOR_NAME, findLayers, layerAt, planInsert, type InsertPlan, type LayerSite } from '../core/init/insertPlan';
import { parseInitSpec } from '../core/init/initializers';
import { parseGatedSpec } from '../core/init/gated';

export const INSERT_INITIALIZER_COMMAND = 'recurrentLens.insertInitializer';

const MAX_DIM = 100_000;
const JS_LANGUAGES = ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'];
const LANGUAGES = ['python', ...JS_LANGUAGES];

export interface InsertArgs {
  /** The framework of code inserted at the cursor (a layer has its own). Omitted: asked for. */
  framework?: Framework;
  /**
   * The cell of code inserted at the cursor: rnn, lstm or gru (a layer has its own). Omitted: 'rnn' when `spec` is
   * given, else asked for.
   */
  cell?: Cell;
  /** e.g. "chain:1.02". Omitted: asked for. */
  spec?: string;
  /** Sizes for the usage example of code inserted at the cursor. Omitted: asked for. */
  n?: number;
  inputDim?: number;
  /** Seed of the random initializers (orthogonal, gaussian, identity's input); omitted = unseeded. */
  seed?: number;
  /** The document to edit (a URI string or Uri); default: the active editor's. */
  uri?: string | vscode.Uri;
  /** Initialize the recurrent layer constructed on (or spanning) this line (0-based). */
  layerLine?: number;
  /** Insert the helper and a commented usage at the cursor, without looking for layers. */
  atCursor?: boolean;
}

export interface InsertResult {
  uri: string;
  framework: Framework;
  cell: Cell;
  spec: string;
  /** `layer`: a layer was initialized; `cursor`: the helper went in at the cursor. */
  mode: 'layer' | 'cursor';
  /** The layer's variable (`self.rnn`), when it has one. */
  target?: string;
  /** Line (0-based, before the edit) of the layer's constructor. */
  layerLine?: number;
  /** The call, wrapped expression or Keras arguments written at the layer. */
  applied?: string;
  /** An earlier call / initializer argument of ours was replaced rather than added to. */
  replaced: boolean;
  /** False when the file already had exactly this (nothing edited, no undo step). */
  changed: boolean;
  definitionsAdded: string[];
  definitionsReused: string[];
  importsAdded: string[];
  /** Line (0-based, in the edited document) where the cursor was put: the call, or the inserted code. */
  line: number;
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
  const name = doc.isUntitled ? doc.uri.path.split('/').pop() : vscode.workspace.asRelativePath(doc.uri);

  // Which layer (or the cursor).
  let site: LayerSite | undefined;
  let noLayer = false;
  if (args.layerLine !== undefined) {
    site = layerAt(doc.getText(), doc.languageId, Math.floor(args.layerLine));
    if (!site) {
      void vscode.window.showErrorMessage(`Recurrent Lens: ${name}: no recurrent layer (nn.RNN / nn.LSTM / nn.GRU, SimpleRNN / LSTM / GRU, tf.layers.simpleRNN / lstm / gru) on line ${Math.floor(args.layerLine) + 1}.`);
      return undefined;
    }
  } else if (!args.atCursor) {
    site = layerAt(doc.getText(), doc.languageId, editor.selection.active.line);
    if (!site) {
      const layers = findLayers(doc.getText(), doc.languageId);
      if (layers.length === 1) site = layers[0];
      else if (layers.length > 1) {
        const picked = await pickLayer(layers);
        if (picked === undefined) return undefined;
        site = picked === 'cursor' ? undefined : picked;
      } else noLayer = true;
    }
  }

  let framework: Framework;
  let cell: Cell;
  if (site) {
    framework = site.framework;
    cell = site.cell;
  } else {
    const chosen = args.framework ?? (await pickFramework(detectFramework(doc.languageId, doc.getText())));
    if (!chosen) return undefined;
    framework = chosen;
    // A spec passed without a cell is for a vanilla RNN (the command's arguments before LSTM/GRU existed).
    const chosenCell = args.cell ?? (args.spec !== undefined ? 'rnn' : await pickCell(framework));
    if (!chosenCell) return undefined;
    cell = chosenCell;
  }
  if (!['rnn', 'lstm', 'gru'].includes(cell)) {
    void vscode.window.showErrorMessage(`Recurrent Lens: unknown cell "${String(cell)}" (expected rnn, lstm or gru).`);
    return undefined;
  }
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    void vscode.window.showErrorMessage(`Recurrent Lens: unknown framework "${framework}" (expected ${FRAMEWORKS.join(', ')}).`);
    return undefined;
  }
  const label = FRAMEWORK_LABEL[framework];
  const what = site ? `${site.target ?? 'the layer'} on line ${site.line + 1}` : 'at the cursor';
  const steps = site ? 1 : 3;
  const gated = cell !== 'rnn';
  const spec = args.spec ?? (await vscode.window.showInputBox({
    title: `Insert Initializer Code (${label}, ${what}) — 1/${steps}`,
    prompt: gated
      ? `Initializer per gate block as name:gain — mixed:1.02 (chain for the ${cell === 'lstm' ? 'cell' : 'candidate'} block, ramp for the gates), chain:1.02, fbchain:0.04, orthogonal:1.0, plain`
      : 'Initializer as name:gain — chain:1.02, fbchain:0.04, orthogonal:1.0, identity:1.0, gaussian:1.0',
    value: gated ? 'mixed:1.02' : DEFAULT_SPEC,
    validateInput: (v) => {
      try {
        if (gated) parseGatedSpec(v);
        else parseInitSpec(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  }));
  if (spec === undefined) return undefined;
  let n: number | undefined;
  let inputDim: number | undefined;
  if (!site) {
    // Only the usage example of code at the cursor needs sizes: the helpers read them from the layer.
    n = args.n ?? (await askDim(`Insert Initializer Code (${label}) — 2/3`, 'Number of hidden units N (for the usage example)', DEFAULT_N));
    if (n === undefined) return undefined;
    inputDim = args.inputDim ?? (await askDim(`Insert Initializer Code (${label}) — 3/3`, 'Input dimension (for the usage example)', DEFAULT_INPUT_DIM));
    if (inputDim === undefined) return undefined;
  }

  let plan: InsertPlan;
  let specText: string;
  try {
    const generated = generateInitializer({ framework, cell, spec, n, inputDim, seed: args.seed, typescript: /^typescript/.test(doc.languageId) });
    specText = generated.spec.spec;
    plan = planInsert({
      text: doc.getText(),
      languageId: doc.languageId,
      generated,
      where: site ? { layerLine: site.line } : { cursorLine: editor.selection.active.line },
    });
  } catch (e) {
    void vscode.window.showErrorMessage(`Recurrent Lens: ${name}: ${(e as Error).message}`);
    return undefined;
  }

  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  // Edits that rewrite text as it is (the same initializer again) are left out: no change, no undo step.
  const edits = plan.edits
    .map((e) => ({ range: new vscode.Range(e.start.line, e.start.character, e.end.line, e.end.character), text: eolize(e.text, eol) }))
    .filter((e) => doc.getText(e.range) !== e.text);
  const ok = edits.length === 0 || (await editor.edit((edit) => {
    for (const e of edits) edit.replace(e.range, e.text);
  }));
  if (!ok) {
    void vscode.window.showErrorMessage(`Recurrent Lens: ${name}: the editor refused the edit (is the file read-only?).`);
    return undefined;
  }
  const pos = new vscode.Position(Math.min(plan.focusLine, doc.lineCount - 1), 0);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  if (noLayer) {
    const generatedEntry = framework === 'keras' ? `pass the initializer to your ${CONSTRUCTOR_NAME.keras[cell].slice(0, -1)}` : 'call the helper on your layer';
    void vscode.window.showInformationMessage(
      `Recurrent Lens: no ${CONSTRUCTOR_NAME[framework][cell].slice(0, -1)} layer found in ${name}: the ${label} helper went in at the cursor; ${generatedEntry} (see the usage comment).`,
    );
  }
  return {
    uri: doc.uri.toString(),
    framework,
    cell,
    spec: specText,
    mode: site ? 'layer' : 'cursor',
    target: site?.target,
    layerLine: site?.line,
    applied: plan.applied,
    replaced: plan.replaced,
    changed: edits.length > 0,
    definitionsAdded: plan.definitionsAdded,
    definitionsReused: plan.definitionsReused,
    importsAdded: plan.importsAdded,
    line: pos.line,
  };
}

/** A quick pick of the file's layers, plus "at the cursor"; undefined when dismissed. */
async function pickLayer(layers: LayerSite[]): Promise<LayerSite | 'cursor' | undefined> {
  const items: (vscode.QuickPickItem & { site?: LayerSite })[] = layers.map((s) => ({
    label: `Line ${s.line + 1}: ${s.label.length > 80 ? `${s.label.slice(0, 79)}…` : s.label}`,
    description: `${FRAMEWORK_LABEL[s.framework]}${s.target ? ` — ${s.target}` : ''}`,
    site: s,
  }));
  items.push({ label: 'Only insert the helper at the cursor', description: 'no layer initialized' });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Insert Initializer Code — which layer?',
    placeHolder: 'The recurrent layer to initialize',
  });
  if (!picked) return undefined;
  return picked.site ?? 'cursor';
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

async function pickCell(framework: Framework): Promise<Cell | undefined> {
  const items: (vscode.QuickPickItem & { cell: Cell })[] = (['rnn', 'lstm', 'gru'] as const).map((cell) => ({
    label: CONSTRUCTOR_NAME[framework][cell].slice(0, -1),
    description: cell === 'rnn' ? 'vanilla RNN' : `${cell.toUpperCase()}: an initializer per gate block`,
    cell,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Insert Initializer Code — layer',
    placeHolder: 'The kind of recurrent layer the code is for',
  });
  return picked?.cell;
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

function eolize(text: string, eol: string): string {
  return eol === '\n' ? text : text.replace(/\r?\n/g, eol);
}

/** Offers the chain, the feedback chain and "other…" for the layer on a recurrent-layer line. */
export class InitializerCodeActions implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.RefactorRewrite];

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const lineNo = range.start.line;
    const framework = frameworkOfLine(document.languageId, document.lineAt(lineNo).text);
    if (!framework) return [];
    const site = layerAt(document.getText(), document.languageId, lineNo);
    if (!site || site.framework !== framework) return [];
    const base: InsertArgs = { uri: document.uri.toString(), layerLine: site.line };
    const label = FRAMEWORK_LABEL[framework];
    const layer = site.target ?? `this ${CONSTRUCTOR_NAME[framework][site.cell].slice(0, -1)}`;
    const action = (title: string, args: InsertArgs): vscode.CodeAction => {
      const a = new vscode.CodeAction(title, vscode.CodeActionKind.RefactorRewrite);
      a.command = { command: INSERT_INITIALIZER_COMMAND, title, arguments: [args] };
      return a;
    };
    if (site.cell !== 'rnn') {
      return [
        action(`Initialize ${layer} per gate block: mixed, chain + ramp (${label})`, { ...base, spec: 'mixed:1.02' }),
        action(`Initialize ${layer} per gate block: the chain (${label})`, { ...base, spec: 'chain:1.02' }),
        action(`Initialize ${layer} per gate block: another initializer (${label})…`, base),
      ];
    }
    return [
      action(`Initialize ${layer} with the chain (${label})`, { ...base, spec: 'chain:1.02' }),
      action(`Initialize ${layer} with the feedback chain (${label})`, { ...base, spec: 'fbchain:0.04' }),
      action(`Initialize ${layer} with another initializer (${label})…`, base),
    ];
  }
}
