/**
 * Where and how "Insert Initializer Code" edits a source file, as pure text (no `vscode`): given the file, the
 * recurrent layer to initialize (or a cursor line) and the generated code of ./codegen.ts, the list of edits.
 *
 * Applied to a layer (`rnn = nn.RNN(…)`, `self.rnn = nn.RNN(…)`, `x = layers.SimpleRNN(…)(x)`,
 * `const rnn = tf.layers.simpleRNN({…})`, and the LSTM / GRU layers nn.LSTM, nn.GRU, Keras LSTM, GRU,
 * tf.layers.lstm, gru with the per-gate-block code of ./gatedCodegen.ts):
 *  - the imports the helper needs that the file does not have go after the file's last top-level import (or, in a
 *    file without imports, after its shebang, leading comments and docstring);
 *  - the helper definitions the file does not define yet (top-level `def init_chain_`, `class ChainInit`,
 *    `function initChain`) go right there, at module level, with two blank lines around them in Python (PEP 8)
 *    and one in JS/TS;
 *  - PyTorch / TF.js: the call `init_chain_(self.rnn, alpha=1.02)` goes on the line after the assignment statement
 *    (however many lines it spans), with its indentation; a layer built inside a larger expression is wrapped,
 *    `init_chain_(nn.RNN(…), alpha=1.02)` (the helpers return the layer). A call of ours already there (the same
 *    or another initializer) is replaced, so running twice never stacks calls;
 *  - Keras: the SimpleRNN call gets `recurrent_initializer=` and `kernel_initializer=` arguments (LSTM / GRU:
 *    `recurrent_initializer=` only), replacing any it
 *    has): Keras creates the weights when the layer is built, with these initializers, so this works whether the
 *    layer is built at that line or later by a model.
 * Without a layer (the palette command in a file with no recurrent layer), the missing definitions and a commented
 * usage go at the cursor with the cursor line's indentation, and the missing imports with the file's imports.
 */
import { HELPER_NAMES, applyCall, importInsertLine, indentCode, tfjsImportFor, type Cell, type Framework, type GeneratedCode } from './codegen';

const CELLS: readonly Cell[] = ['rnn', 'lstm', 'gru'];

export interface Position {
  line: number;
  character: number;
}

/** Replace [start, end) by text ('\n' line breaks; the editor converts them to the file's). */
export interface TextEdit {
  start: Position;
  end: Position;
  text: string;
}

/** A recurrent layer constructed in the file. */
export interface LayerSite {
  framework: Framework;
  /** rnn (nn.RNN, SimpleRNN, simpleRNN), lstm or gru. */
  cell: Cell;
  /** 0-based line of the constructor (`nn.RNN(`). */
  line: number;
  /** The layer's variable (`rnn`, `self.rnn`) when the statement is an assignment of the layer alone. */
  target?: string;
  /** The line, trimmed, for a quick pick. */
  label: string;
  /** Offsets in the text: the constructor's first character, its `(` and its matching `)`. */
  start: number;
  open: number;
  close: number;
  /** First and last line of the statement holding the constructor. */
  statementStart: number;
  statementEnd: number;
}

export interface InsertPlan {
  edits: TextEdit[];
  /** The layer the code is applied to (undefined: code at the cursor). */
  site?: LayerSite;
  /** The call / wrapped expression / Keras arguments written at the layer. */
  applied?: string;
  /** Whether an earlier call (or Keras initializer argument) at that layer was replaced. */
  replaced: boolean;
  definitionsAdded: string[];
  definitionsReused: string[];
  importsAdded: string[];
  /** Line (0-based, in the edited text) to put the cursor on: the call, else the first inserted line. */
  focusLine: number;
}

export type PlanWhere = { layerLine: number } | { cursorLine: number };

export interface PlanRequest {
  /** The whole file ('\n' or '\r\n' line breaks). */
  text: string;
  languageId: string;
  generated: GeneratedCode;
  where: PlanWhere;
}

const JS_LANGUAGE = /^(javascript|typescript)(react)?$/;

// ---------------------------------------------------------------------------------------------------------------
// Scanning

/** The text with strings and comments blanked (newlines kept), so that brackets and names can be matched. */
export function codeMask(text: string, python: boolean): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  while (i < text.length) {
    const c = text[i];
    if (python && c === '#') {
      const e = text.indexOf('\n', i);
      const end = e < 0 ? text.length : e;
      blank(i, end);
      i = end;
    } else if (!python && c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      const end = e < 0 ? text.length : e;
      blank(i, end);
      i = end;
    } else if (!python && c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? text.length : e + 2;
      blank(i, end);
      i = end;
    } else if (c === '"' || c === "'" || (!python && c === '`')) {
      const triple = python && text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let k = i + quote.length;
      while (k < text.length) {
        if (text[k] === '\\') k += 2;
        else if (text.startsWith(quote, k)) break;
        else if (!triple && c !== '`' && text[k] === '\n') break; // unterminated: stop at the line end
        else k++;
      }
      k = Math.min(k, text.length);
      blank(i + quote.length, k); // the quotes stay: they mark where a string starts and ends
      const end = text.startsWith(quote, k) ? k + quote.length : k;
      i = end;
    } else {
      i++;
    }
  }
  return out.join('');
}

/** Offset of the bracket closing the one at `open`, in masked text; -1 when unclosed. */
function matching(mask: string, open: number): number {
  let depth = 0;
  for (let k = open; k < mask.length; k++) {
    const c = mask[k];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

class Text {
  readonly lines: string[];
  readonly maskLines: string[];
  readonly lineStart: number[] = [];
  /** Bracket depth at the start of each line. */
  readonly depth: number[] = [];
  /**
   * The depth that continues a statement onto the next line: every bracket in Python; in JS/TS only ( and [
   * (braces also open blocks, whose lines are statements of their own).
   */
  readonly contDepth: number[] = [];
  readonly mask: string;
  readonly python: boolean;

  constructor(readonly text: string, languageId: string) {
    this.python = !JS_LANGUAGE.test(languageId);
    this.mask = codeMask(text, this.python);
    this.lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    this.maskLines = this.mask.split('\n').map((l) => l.replace(/\r$/, ''));
    let off = 0;
    let depth = 0;
    let cont = 0;
    for (const l of this.mask.split('\n')) {
      this.lineStart.push(off);
      this.depth.push(depth);
      this.contDepth.push(cont);
      for (const c of l) {
        if (c === '(' || c === '[' || c === '{') depth++;
        else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
        if (c === '(' || c === '[' || (this.python && c === '{')) cont++;
        else if ((c === ')' || c === ']' || (this.python && c === '}')) && cont > 0) cont--;
      }
      off += l.length + 1;
    }
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStart[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  pos(offset: number): Position {
    const line = this.lineOf(offset);
    return { line, character: offset - this.lineStart[line] };
  }

  blank(line: number): boolean {
    return line >= 0 && line < this.lines.length && this.lines[line].trim() === '';
  }

  /** The statement continues on the next line (open brackets, or a Python backslash). */
  continues(line: number): boolean {
    if (line + 1 >= this.lines.length) return false;
    if (this.contDepth[line + 1] > 0) return true;
    return this.python && /\\\s*$/.test(this.maskLines[line]);
  }

  /** First line of the statement holding `line`. */
  statementStart(line: number): number {
    let i = line;
    while (i > 0 && (this.contDepth[i] > 0 || (this.python && /\\\s*$/.test(this.maskLines[i - 1])))) i--;
    return i;
  }

  statementEnd(line: number): number {
    let i = line;
    while (this.continues(i)) i++;
    return i;
  }

  indentOf(line: number): string {
    return /^[ \t]*/.exec(this.lines[line])![0];
  }

  /** A line that starts a top-level statement (code at column 0, outside brackets and strings). */
  topLevel(line: number): boolean {
    return this.depth[line] === 0 && /^[^\s)\]}]/.test(this.maskLines[line]) && !(this.python && line > 0 && /\\\s*$/.test(this.maskLines[line - 1]));
  }
}

/** The layer constructors each framework's files are searched for, by cell. */
const CONSTRUCTOR: Record<Framework, Record<Cell, RegExp>> = {
  pytorch: {
    rnn: /(?<![\w.])(?:torch\s*\.\s*)?nn\s*\.\s*RNN\s*\(/g,
    lstm: /(?<![\w.])(?:torch\s*\.\s*)?nn\s*\.\s*LSTM\s*\(/g,
    gru: /(?<![\w.])(?:torch\s*\.\s*)?nn\s*\.\s*GRU\s*\(/g,
  },
  keras: {
    rnn: /(?<![\w.])(?:[A-Za-z_]\w*\s*\.\s*)*SimpleRNN\s*\(/g,
    // LSTM( and GRU( with any prefix but PyTorch's nn.
    lstm: /(?<![\w.])(?!(?:torch\s*\.\s*)?nn\s*\.)(?:[A-Za-z_]\w*\s*\.\s*)*LSTM\s*\(/g,
    gru: /(?<![\w.])(?!(?:torch\s*\.\s*)?nn\s*\.)(?:[A-Za-z_]\w*\s*\.\s*)*GRU\s*\(/g,
  },
  tfjs: {
    rnn: /(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\.\s*)*simpleRNN\s*\(/g,
    lstm: /(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\.\s*)*layers\s*\.\s*lstm\s*\(/g,
    gru: /(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\.\s*)*layers\s*\.\s*gru\s*\(/g,
  },
};

/** What the constructor of a layer looks like, for messages: `nn.LSTM(`, `SimpleRNN(`, `tf.layers.gru(`. */
export const CONSTRUCTOR_NAME: Record<Framework, Record<Cell, string>> = {
  pytorch: { rnn: 'nn.RNN(', lstm: 'nn.LSTM(', gru: 'nn.GRU(' },
  keras: { rnn: 'SimpleRNN(', lstm: 'LSTM(', gru: 'GRU(' },
  tfjs: { rnn: 'simpleRNN(', lstm: 'tf.layers.lstm(', gru: 'tf.layers.gru(' },
};

/**
 * The recurrent layers constructed in the file: nn.RNN / nn.LSTM / nn.GRU and Keras SimpleRNN / LSTM / GRU in
 * Python, tf.layers simpleRNN / lstm / gru in JS/TS.
 */
export function findLayers(text: string, languageId: string): LayerSite[] {
  return sites(new Text(text, languageId), languageId);
}

function sites(t: Text, languageId: string): LayerSite[] {
  const frameworks: Framework[] = JS_LANGUAGE.test(languageId) ? ['tfjs'] : languageId === 'python' ? ['pytorch', 'keras'] : [];
  const out: LayerSite[] = [];
  for (const framework of frameworks) for (const cell of CELLS) {
    const re = new RegExp(CONSTRUCTOR[framework][cell].source, 'g');
    for (let m = re.exec(t.mask); m; m = re.exec(t.mask)) {
      const open = m.index + m[0].length - 1;
      const close = matching(t.mask, open);
      if (close < 0) continue;
      const line = t.lineOf(m.index);
      const statementStart = t.statementStart(line);
      const statementEnd = t.statementEnd(t.lineOf(close));
      const site: LayerSite = {
        framework, cell, line, label: t.lines[line].trim(), start: m.index, open, close, statementStart, statementEnd,
      };
      site.target = assignedTarget(t, site);
      out.push(site);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** `x = CTOR(…)` alone (Python `x: T = …`, JS `const x = …;`): x; else undefined. */
function assignedTarget(t: Text, s: LayerSite): string | undefined {
  const stmtStart = t.lineStart[s.statementStart];
  const before = t.mask.slice(stmtStart, s.start).replace(/\s+/g, ' ').trim();
  const endLine = s.statementEnd;
  const after = t.mask.slice(s.close + 1, t.lineStart[endLine] + t.maskLines[endLine].length).trim();
  const name = t.python ? String.raw`[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*` : String.raw`[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*`;
  const re = t.python
    ? new RegExp(String.raw`^(${name})\s*(?::[^=]+)?=$`)
    : new RegExp(String.raw`^(?:(?:export\s+)?(?:const|let|var)\s+)?(${name})\s*(?::[^=]+)?=$`);
  const m = re.exec(before.replace(/\s*=$/, '='));
  if (!m) return undefined;
  if (after !== '' && !(t.python ? false : after === ';')) return undefined;
  return m[1];
}

/** The layer for a code action on `line`: the constructor on it, else the innermost one whose call spans it. */
export function layerAt(text: string, languageId: string, line: number): LayerSite | undefined {
  return siteAt(new Text(text, languageId), languageId, line);
}

function siteAt(t: Text, languageId: string, line: number): LayerSite | undefined {
  const all = sites(t, languageId);
  const on = all.find((s) => s.line === line);
  if (on) return on;
  const spanning = all.filter((s) => s.line <= line && t.lineOf(s.close) >= line);
  return spanning.sort((a, b) => b.start - a.start)[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Definitions and imports already in the file

/** Whether the file defines `name` at top level (def/class in Python, function/class/const in JS/TS). */
function defines(t: Text, name: string): boolean {
  const re = t.python
    ? new RegExp(String.raw`^(?:def|class)\s+${escape(name)}\b`)
    : new RegExp(String.raw`^(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*|class\s+|(?:const|let|var)\s+)${escape(name)}\b`);
  return t.maskLines.some((l, i) => t.depth[i] === 0 && re.test(l));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Top-level import statements: [first line, last line]. */
function importStatements(t: Text): [number, number][] {
  const out: [number, number][] = [];
  const re = t.python ? /^(?:import|from)\s/ : /^(?:import[\s{*'"]|(?:const|let|var)\s[^=]*=\s*require\s*\()/;
  for (let i = 0; i < t.lines.length; i++) {
    if (t.topLevel(i) && re.test(t.maskLines[i])) {
      const end = t.statementEnd(i);
      out.push([i, end]);
      i = end;
    }
  }
  return out;
}

/** The names a Python import line binds: `import a.b as c` → c, `import a.b` → a, `from m import x as y, z` → y, z. */
function pythonBound(statement: string): string[] {
  const s = statement.replace(/[()\\\n]/g, ' ').replace(/\s+/g, ' ').trim();
  let m = /^import (.+)$/.exec(s);
  if (m) return m[1].split(',').map((p) => p.trim()).map((p) => (/ as (\w+)$/.exec(p)?.[1] ?? p.split('.')[0]).trim());
  m = /^from \S+ import (.+)$/.exec(s);
  if (m) return m[1].split(',').map((p) => p.trim()).filter(Boolean).map((p) => /(?:^| as )(\w+)$/.exec(p)?.[1] ?? p);
  return [];
}

function missingImports(t: Text, g: GeneratedCode, imports: [number, number][]): string[] {
  if (!t.python) {
    if (g.framework !== 'tfjs') return [];
    const line = tfjsImportFor(t.text);
    return line ? [line] : [];
  }
  const bound = new Set<string>();
  for (const [a, b] of imports) for (const name of pythonBound(t.maskLines.slice(a, b + 1).join('\n'))) bound.add(name);
  // Each of ours binds one name (`import numpy as np` → np, `from tensorflow import keras` → keras).
  return g.imports.filter((line) => !bound.has(pythonBound(line)[0]));
}

/** After a shebang, encoding line, leading comments and blank lines, and a module docstring (Python). */
function headerEnd(t: Text): number {
  if (!t.python) return importInsertLine(t.lines);
  let i = 0;
  const skip = () => {
    while (i < t.lines.length && (t.blank(i) || /^\s*#/.test(t.lines[i]))) i++;
  };
  skip();
  const doc = i < t.lines.length ? /^[rRuU]?("""|''')/.exec(t.lines[i]) : null;
  if (doc) {
    // A docstring: to the line of its closing quotes (the mask keeps the quotes and blanks what is between).
    const close = t.mask.indexOf(doc[1], t.lineStart[i] + doc[0].length);
    i = close < 0 ? t.lines.length : t.lineOf(close) + 1;
    skip();
  }
  // Back over the blank lines just skipped: the code goes right after the header.
  while (i > 0 && t.blank(i - 1)) i--;
  return i;
}

// ---------------------------------------------------------------------------------------------------------------
// The plan

export function planInsert(req: PlanRequest): InsertPlan {
  const t = new Text(req.text, req.languageId);
  const g = req.generated;
  // TF.js code in a Python file (or PyTorch/Keras code in a JS file) is pasted whole at the cursor, imports included.
  const foreign = (g.framework === 'tfjs') !== !t.python;
  const imports = importStatements(t);
  const newImports = foreign ? [] : missingImports(t, g, imports);
  const missing = foreign ? g.definitions : g.definitions.filter((d) => !defines(t, d.name));
  const plan: InsertPlan = {
    edits: [],
    replaced: false,
    definitionsAdded: missing.map((d) => d.name),
    definitionsReused: g.definitions.filter((d) => !missing.includes(d)).map((d) => d.name),
    importsAdded: newImports,
    focusLine: 0,
  };
  const gap = t.python ? 2 : 1;
  const defsText = missing.length ? [g.header, missing.map((d) => d.text).join('\n'.repeat(gap + 1))].join('\n') : '';

  let site: LayerSite | undefined;
  if ('layerLine' in req.where) {
    site = siteAt(t, req.languageId, req.where.layerLine);
    if (!site) throw new Error(`no ${CONSTRUCTOR_NAME[g.framework][g.cell]} call on line ${req.where.layerLine + 1}`);
    if (site.framework !== g.framework) throw new Error(`the layer on line ${site.line + 1} is ${site.framework}, not ${g.framework}`);
    if (site.cell !== g.cell) throw new Error(`the layer on line ${site.line + 1} is ${CONSTRUCTOR_NAME[site.framework][site.cell]}…), not ${CONSTRUCTOR_NAME[g.framework][g.cell]}…)`);
  }

  // Where the imports (and, for a layer, the definitions) go: after the last top-level import above the layer's
  // top-level statement (or the cursor), else after the file's header.
  const anchor = site ? topLevelLineOf(t, site.line) : Math.min(Math.max((req.where as { cursorLine: number }).cursorLine, 0), t.lines.length - 1);
  const importsAbove = imports.filter(([a]) => a < anchor);
  const lastImport = importsAbove.length ? importsAbove[importsAbove.length - 1][1] + 1 : undefined;
  const blockLine = Math.min(lastImport ?? headerEnd(t), anchor);
  const insertBlock = (block: string) => {
    if (block) plan.edits.push({ start: { line: blockLine, character: 0 }, end: { line: blockLine, character: 0 }, text: block });
    return block.split('\n').length - 1;
  };

  if (site) {
    plan.site = site;
    const shift = insertBlock(topBlock(t, blockLine, newImports, defsText, lastImport !== undefined, gap));
    if (g.framework === 'keras') {
      applyKerasArgs(t, site, g, plan);
      plan.focusLine = site.line + shift;
    } else if (site.target) {
      applyCallAfter(t, site, g, plan);
      plan.focusLine = site.statementEnd + 1 + shift;
    } else {
      applyWrap(t, site, g, plan);
      plan.focusLine = site.line + shift;
    }
    return plan;
  }

  // At the cursor: the definitions and the usage with the cursor line's indentation, the imports with the file's
  // (or with the code when the cursor is above where they would go, or the code is foreign to the file).
  const cursor = anchor;
  const code = [defsText || g.header, g.usage].join(defsText ? '\n'.repeat(gap + 1) : '\n');
  const inline = foreign ? g.imports : blockLine >= cursor ? newImports : [];
  const shift = inline.length ? 0 : insertBlock(topBlock(t, blockLine, newImports, '', lastImport !== undefined, gap));
  // A blank line without indentation takes that of the next line with code (the block the cursor is in).
  let next = cursor;
  while (t.lines[cursor] === '' && next < t.lines.length - 1 && t.blank(next)) next++;
  const indented = indentCode(inline.length ? `${inline.join('\n')}\n\n${code}` : code, t.indentOf(next));
  if (t.blank(cursor)) {
    plan.edits.push({ start: { line: cursor, character: 0 }, end: { line: cursor, character: t.lines[cursor].length }, text: indented });
  } else {
    plan.edits.push({ start: { line: cursor, character: 0 }, end: { line: cursor, character: 0 }, text: indented + '\n' });
  }
  plan.focusLine = cursor + shift;
  return plan;
}

/** The line of the top-level statement holding `line` (above its decorators). */
function topLevelLineOf(t: Text, line: number): number {
  let i = Math.min(Math.max(line, 0), t.lines.length - 1);
  while (i > 0 && !t.topLevel(i)) i--;
  if (t.python) while (i > 0 && /^@/.test(t.maskLines[i - 1])) i--;
  return i;
}

/** The text inserted at `line`: new imports, then the definitions, with PEP 8 blank lines around what is new. */
function topBlock(t: Text, line: number, imports: string[], defs: string, hadImports: boolean, gap: number): string {
  if (!imports.length && !defs) return '';
  const blankAbove = countBlank(t, line - 1, -1);
  const blankBelow = countBlank(t, line, +1);
  const atStart = line === 0 || t.lines.slice(0, line).every((l) => l.trim() === '');
  const atEnd = line >= t.lines.length || t.lines.slice(line).every((l) => l.trim() === '');
  let out = '';
  if (imports.length) {
    // Right after the file's imports: no gap; after a header (docstring, comments): one blank line.
    if (!hadImports && !atStart && blankAbove === 0) out += '\n';
    out += imports.join('\n') + '\n';
    if (defs) out += '\n'.repeat(gap) + defs + '\n';
  } else {
    if (!atStart) out += '\n'.repeat(Math.max(0, gap - blankAbove));
    out += defs + '\n';
  }
  if (!atEnd) out += '\n'.repeat(Math.max(0, (defs ? gap : 1) - blankBelow));
  return out;
}

function countBlank(t: Text, from: number, step: 1 | -1): number {
  let n = 0;
  for (let i = from; i >= 0 && i < t.lines.length && t.blank(i); i += step) n++;
  return n;
}

/** PyTorch / TF.js with a variable: the call on the line after the statement, replacing calls of ours there. */
function applyCallAfter(t: Text, site: LayerSite, g: GeneratedCode, plan: InsertPlan): void {
  const target = site.target!;
  const names = HELPER_NAMES[g.framework as 'pytorch' | 'tfjs'];
  const indent = t.indentOf(site.statementStart);
  const call = `${applyCall(g, target)}${t.python ? '' : ';'}`;
  plan.applied = call;
  const ours = new RegExp(String.raw`^\s*(?:${names.map(escape).join('|')})\s*\(\s*${escape(target).replace(/\\\./g, '\\s*\\.\\s*')}\s*[,)]`);
  let end = site.statementEnd + 1;
  while (end < t.lines.length && ours.test(t.maskLines[end])) end = t.statementEnd(end) + 1;
  const first = site.statementEnd + 1;
  if (end > first) {
    plan.replaced = true;
    plan.edits.push({ start: { line: first, character: 0 }, end: { line: end, character: 0 }, text: `${indent}${call}\n` });
    if (end >= t.lines.length) plan.edits[plan.edits.length - 1] = {
      start: { line: first, character: 0 }, end: { line: end - 1, character: t.lines[end - 1].length }, text: `${indent}${call}`,
    };
  } else if (first < t.lines.length) {
    plan.edits.push({ start: { line: first, character: 0 }, end: { line: first, character: 0 }, text: `${indent}${call}\n` });
  } else {
    const last = t.lines.length - 1;
    plan.edits.push({ start: { line: last, character: t.lines[last].length }, end: { line: last, character: t.lines[last].length }, text: `\n${indent}${call}` });
  }
}

/** PyTorch / TF.js inside an expression: wrap the constructor, or re-wrap when one of ours already wraps it. */
function applyWrap(t: Text, site: LayerSite, g: GeneratedCode, plan: InsertPlan): void {
  const names = HELPER_NAMES[g.framework as 'pytorch' | 'tfjs'];
  const before = t.mask.slice(0, site.start);
  const wrapper = new RegExp(String.raw`(?<![\w$.])(?:${names.map(escape).join('|')})\s*\(\s*$`).exec(before);
  const wrapped = applyCall(g, t.text.slice(site.start, site.close + 1));
  plan.applied = wrapped;
  const wrapperClose = wrapper ? matching(t.mask, before.lastIndexOf('(')) : -1;
  if (wrapper && wrapperClose > site.close) {
    plan.replaced = true;
    plan.edits.push({ start: t.pos(wrapper.index), end: t.pos(wrapperClose + 1), text: wrapped });
  } else {
    plan.edits.push({ start: t.pos(site.start), end: t.pos(site.close + 1), text: wrapped });
  }
}

/** Keras: set (or replace) recurrent_initializer= and kernel_initializer= in the SimpleRNN call. */
function applyKerasArgs(t: Text, site: LayerSite, g: GeneratedCode, plan: InsertPlan): void {
  const want = g.kerasArgs!;
  const keys = (['recurrent_initializer', 'kernel_initializer'] as const).filter((key) => want[key] !== undefined);
  plan.applied = keys.map((key) => `${key}=${want[key]}`).join(', ');
  // The top-level arguments: [start, end) offsets, split at depth-0 commas.
  const args: { start: number; end: number }[] = [];
  let depth = 0;
  let from = site.open + 1;
  for (let k = site.open + 1; k < site.close; k++) {
    const c = t.mask[k];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      args.push({ start: from, end: k });
      from = k + 1;
    }
  }
  args.push({ start: from, end: site.close });
  const present = args.filter((a) => t.mask.slice(a.start, a.end).trim() !== '');
  const toAdd: string[] = [];
  for (const key of keys) {
    const arg = present.find((a) => new RegExp(String.raw`^\s*${key}\s*=`).test(t.mask.slice(a.start, a.end)));
    if (arg) {
      const eq = t.mask.indexOf('=', arg.start) + 1;
      const valueStart = eq + (/^\s*/.exec(t.text.slice(eq, arg.end))![0].length);
      const valueEnd = arg.start + t.mask.slice(arg.start, arg.end).trimEnd().length;
      plan.replaced = true;
      plan.edits.push({ start: t.pos(valueStart), end: t.pos(valueEnd), text: want[key]! });
    } else {
      toAdd.push(`${key}=${want[key]}`);
    }
  }
  if (!toAdd.length) return;
  const closeLine = t.lineOf(site.close);
  const closeAlone = t.maskLines[closeLine].slice(0, site.close - t.lineStart[closeLine]).trim() === '';
  const last = present[present.length - 1];
  if (closeAlone && last && t.lineOf(site.open) !== closeLine) {
    // One argument per line: new lines before the `)` line, indented like the last argument; a comma after it.
    const lastEnd = last.start + t.mask.slice(last.start, last.end).trimEnd().length;
    const trailingComma = t.mask.slice(lastEnd, site.close).includes(',');
    if (!trailingComma) plan.edits.push({ start: t.pos(lastEnd), end: t.pos(lastEnd), text: ',' });
    const lastLine = t.lineOf(last.start + (/^\s*/.exec(t.mask.slice(last.start, last.end))![0].length));
    const indent = t.indentOf(lastLine);
    plan.edits.push({ start: { line: closeLine, character: 0 }, end: { line: closeLine, character: 0 }, text: toAdd.map((a) => `${indent}${a},\n`).join('') });
    return;
  }
  // Inline: before the `)`, after the last argument (and its trailing comma, if any).
  const lastEnd = last ? last.start + t.mask.slice(last.start, last.end).trimEnd().length : site.open + 1;
  const trailingComma = last ? t.mask.slice(lastEnd, site.close).includes(',') : false;
  const at = trailingComma ? t.mask.indexOf(',', lastEnd) + 1 : lastEnd;
  const lead = !last ? '' : trailingComma ? ' ' : ', ';
  plan.edits.push({ start: t.pos(at), end: t.pos(at), text: lead + toAdd.join(', ') });
}

/** The text with the edits applied (for tests and previews); edits must not overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const starts = [0];
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) starts.push(k + 1);
  const off = (p: Position) => starts[p.line] + p.character;
  // From the end, so that earlier offsets stay valid; at one offset, the later edit first (it lands after).
  const order = edits.map((e, i) => ({ e, i })).sort((a, b) => off(b.e.start) - off(a.e.start) || b.i - a.i);
  let out = text;
  for (const { e } of order) out = out.slice(0, off(e.start)) + e.text + out.slice(off(e.end));
  return out;
}
