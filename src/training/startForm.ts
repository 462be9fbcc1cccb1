/**
 * "Start Training Run": one quick pick listing every setting with its value. Enter on "Start training" starts at
 * once (the defaults make a quick demo); choosing a setting edits it in a sub-picker or input box and comes back.
 */
import * as vscode from 'vscode';
import type { RunConfig } from '../shared/protocol';
import { DEFAULT_GAIN, INIT_NAMES, parseInitSpec, type InitName } from '../core/init/initializers';
import { GATED_DEFAULT_GAIN, GATED_INIT_NAMES, parseGatedSpec } from '../core/init/gated';
import { TASKS, TASK_NAMES, type TaskName } from '../core/tasks';
import { LR_GRID, baselineOf, checkField, formatLr } from '../runs/runConfig';
import { CHARLM_DEFAULTS, DEFAULT_LR } from '../core/train/config';
import type { Cell } from '../core/train/model';

/** What the form edits; every field is filled (written as is to config.json). */
export interface FormValues {
  task: TaskName;
  T: number;
  N: number;
  init: string;
  lr: number;
  seed: number;
  updates: number;
  name?: string;
  /** charlm: the text file (absolute path) and the cell */
  file?: string;
  cell?: Cell;
}

/** A demo that succeeds: copy at T = 100 learns in about 6000 updates (seconds with the WebAssembly engine). */
export const FORM_DEFAULTS: FormValues = { task: 'copy', T: 100, N: 100, init: 'chain:1.02', lr: DEFAULT_LR, seed: 1, updates: 6000 };

/**
 * A language model on a text file ("Train Language Model on This File"): the PyTorch char-LM's settings (LSTM, plain
 * init, Adam at 2e-3, batch 32 — config.ts CHARLM_DEFAULTS) with a smaller N and a short run, so a first look takes
 * about a minute or two.
 */
export function languageModelDefaults(file: string): FormValues {
  return { task: 'charlm', file, cell: 'lstm', T: TASKS.charlm.defaultT, N: 128, init: CHARLM_DEFAULTS.init, lr: CHARLM_DEFAULTS.lr, seed: 1, updates: 1000 };
}

/** The demo length for copy and addition (the paper's: 500 and 750 take far longer to learn). */
const DEMO_T: Record<TaskName, number> = { copy: 100, addition: 100, psmnist: TASKS.psmnist.defaultT, charlm: TASKS.charlm.defaultT };

const TASK_HELP: Record<TaskName, string> = {
  copy: 'recall 10 digits after a delay of T steps',
  addition: 'add the two marked numbers of a sequence of length T',
  psmnist: 'classify MNIST digits read one pixel at a time in a fixed random order (784 steps)',
  charlm: 'predict the next character of a text file (Train Language Model on This File, or a run file)',
};

export function toConfig(v: FormValues): RunConfig {
  const c: RunConfig = { task: v.task, N: v.N, init: v.init, lr: v.lr, seed: v.seed, updates: v.updates };
  if (v.task !== 'psmnist') c.T = v.T;
  if (v.task === 'charlm') {
    c.file = v.file ?? null;
    c.cell = v.cell ?? 'lstm';
  }
  if (v.name) c.name = v.name;
  return c;
}

type Field = keyof FormValues | 'start';

const CELL_HELP: Record<Cell, string> = { lstm: 'LSTM (gates i, f, c, o)', gru: 'GRU (gates z, r, h)', rnn: 'vanilla RNN, tanh (the paper\'s cell)' };

/** Whether the spec is read per gate block (init/gated.ts) rather than as one matrix (init/initializers.ts). */
const gatedSpec = (v: FormValues) => v.task === 'charlm' && (v.cell !== 'rnn' || /^\s*plain\s*(:|$)/i.test(v.init));
interface FieldItem extends vscode.QuickPickItem { field: Field }

function summary(v: FormValues): string {
  if (v.task === 'charlm') return `${v.cell ?? 'lstm'} on ${v.file ? v.file.split(/[\\/]/).pop() : 'the Brown Corpus'} · T ${v.T} · N ${v.N} · ${v.init} · lr ${formatLr(v.lr)} · seed ${v.seed} · ${v.updates} updates`;
  return `${v.task}${v.task === 'psmnist' ? '' : ` · T ${v.T}`} · N ${v.N} · ${v.init} · lr ${formatLr(v.lr)} · seed ${v.seed} · ${v.updates} updates`;
}

function items(v: FormValues): FieldItem[] {
  const lm = v.task === 'charlm';
  const base = lm ? NaN : baselineOf(toConfig(v));
  const out: FieldItem[] = [
    { field: 'start', label: '$(play) Start training', description: summary(v), alwaysShow: true },
    { field: 'task', label: '', kind: vscode.QuickPickItemKind.Separator },
    { field: 'task', label: 'Task', description: v.task, detail: lm ? `${TASK_HELP[v.task]}; losses in bits per character, success below the text's unigram entropy` : `${TASK_HELP[v.task]}; baseline loss ${base.toPrecision(3)}, success below ${(base / 2).toPrecision(3)}` },
  ];
  if (lm) {
    out.push(
      { field: 'file', label: 'Text file', description: v.file ?? '(the embedded Brown Corpus)' },
      { field: 'cell', label: 'Cell', description: v.cell ?? 'lstm', detail: CELL_HELP[v.cell ?? 'lstm'] },
    );
  }
  if (v.task !== 'psmnist') out.push({ field: 'T', label: 'Sequence length T', description: String(v.T) });
  out.push(
    { field: 'N', label: 'Hidden units N', description: String(v.N) },
    { field: 'init', label: 'Initializer', description: v.init },
    { field: 'lr', label: 'Learning rate', description: formatLr(v.lr) },
    { field: 'seed', label: 'Seed', description: String(v.seed) },
    { field: 'updates', label: 'Updates', description: String(v.updates) },
    { field: 'name', label: 'Name', description: v.name ?? '(optional: the run folder is named after the settings)' },
  );
  return out;
}

/** Runs the form; resolves with the values to start, or undefined when dismissed. */
export async function startForm(initial: FormValues): Promise<FormValues | undefined> {
  const v: FormValues = { ...initial };
  let active: Field = 'start';
  for (;;) {
    const picked = await pickField(v, active);
    if (!picked) return undefined;
    if (picked === 'start') return v;
    const before = JSON.stringify(v);
    await editField(v, picked);
    // The prompt says Enter starts the run: after an edit it does; a cancelled edit comes back to its setting.
    active = JSON.stringify(v) === before ? picked : 'start';
  }
}

function pickField(v: FormValues, active: Field): Promise<Field | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<FieldItem>();
    qp.title = 'Start Training Run';
    qp.placeholder = 'Enter starts the run; choose a setting to change it';
    qp.matchOnDescription = true;
    qp.items = items(v);
    const current = qp.items.find((i) => i.field === active && i.kind !== vscode.QuickPickItemKind.Separator);
    if (current) qp.activeItems = [current];
    let result: Field | undefined;
    qp.onDidAccept(() => {
      result = qp.selectedItems[0]?.field ?? qp.activeItems[0]?.field;
      qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(result);
    });
    qp.show();
  });
}

async function input(title: string, prompt: string, value: string, check: (s: string) => string | undefined): Promise<string | undefined> {
  return vscode.window.showInputBox({ title, prompt, value, validateInput: (s) => check(s.trim()), ignoreFocusOut: false });
}

function intCheck(key: 'T' | 'N' | 'seed' | 'updates', task: TaskName) {
  return (s: string) => (/^\d+$/.test(s) ? checkField(task, key, Number(s)) : `${key} must be a whole number`);
}

/** Edits one field in place; Escape leaves it as it was. */
async function editField(v: FormValues, field: Exclude<Field, 'start'>): Promise<void> {
  switch (field) {
    case 'task': {
      const pick = await vscode.window.showQuickPick(
        // charlm needs a text file: Train Language Model on This File starts it (the form then offers it)
        TASK_NAMES.filter((t) => t !== 'charlm' || v.task === 'charlm').map((t) => ({ label: t, description: TASKS[t].title, detail: TASK_HELP[t], picked: t === v.task })),
        { title: 'Task', placeHolder: `Current: ${v.task}` },
      );
      if (pick && pick.label !== v.task) {
        // the language model's initializer, width and Adam rate are not the paper's tasks' settings
        if (v.task === 'charlm') Object.assign(v, { init: FORM_DEFAULTS.init, N: FORM_DEFAULTS.N, lr: FORM_DEFAULTS.lr, file: undefined, cell: undefined });
        v.task = pick.label as TaskName;
        v.T = DEMO_T[v.task];
        // psMNIST is a 784-step task: the paper used N = 25 for it.
        if (v.task === 'psmnist' && v.N === FORM_DEFAULTS.N) v.N = 25;
      }
      return;
    }
    case 'T': {
      const s = await input('Sequence length T', `Steps per sequence (the paper: ${TASKS[v.task].defaultT}; short ones train fast)`, String(v.T), intCheck('T', v.task));
      if (s) v.T = Number(s.trim());
      return;
    }
    case 'N': {
      const s = await input('Hidden units N', 'Recurrent units (the paper: 100; 25 for psMNIST)', String(v.N), intCheck('N', v.task));
      if (s) v.N = Number(s.trim());
      return;
    }
    case 'file': {
      const picked = await vscode.window.showOpenDialog({ title: 'Text file to model', canSelectMany: false, openLabel: 'Choose', defaultUri: v.file ? vscode.Uri.file(v.file) : undefined });
      if (picked?.[0]) v.file = picked[0].fsPath;
      return;
    }
    case 'cell': {
      const pick = await vscode.window.showQuickPick(
        (['lstm', 'gru', 'rnn'] as const).map((c) => ({ label: c, description: CELL_HELP[c], picked: c === v.cell })),
        { title: 'Cell', placeHolder: `Current: ${v.cell ?? 'lstm'}` },
      );
      if (pick && pick.label !== v.cell) {
        v.cell = pick.label as Cell;
        // mixed is for gated cells only; plain works for all three
        if (v.cell === 'rnn' && /^\s*mixed/i.test(v.init)) v.init = 'plain';
      }
      return;
    }
    case 'init': {
      if (gatedSpec(v) || v.task === 'charlm') {
        // language models: the per-gate-block specs (a vanilla cell takes plain or the paper's)
        const names: readonly string[] = v.cell === 'rnn' ? ['plain', ...INIT_NAMES] : GATED_INIT_NAMES;
        const gainOf = (n: string) => (n in GATED_DEFAULT_GAIN ? GATED_DEFAULT_GAIN[n as keyof typeof GATED_DEFAULT_GAIN] : DEFAULT_GAIN[n as InitName]);
        const currentName = v.init.split(':')[0].trim();
        const pick = await vscode.window.showQuickPick(names.map((n) => ({ label: n, description: `gain ${gainOf(n)}`, picked: n === currentName })), { title: 'Initializer (1/2)', placeHolder: `Current: ${v.init}` });
        if (!pick) return;
        const gain = await input('Initializer (2/2): gain', `Gain of ${pick.label} (default ${gainOf(pick.label)})`, String(gainOf(pick.label)), (t) => {
          const g = Number(t);
          return t !== '' && Number.isFinite(g) ? undefined : 'the gain must be a finite number';
        });
        if (gain === undefined) return;
        const spec = `${pick.label}:${gain.trim()}`;
        v.init = v.cell === 'rnn' && pick.label !== 'plain' ? parseInitSpec(spec).spec : parseGatedSpec(spec).spec;
        return;
      }
      const current = parseInitSpec(v.init);
      const pick = await vscode.window.showQuickPick(
        INIT_NAMES.map((n) => ({ label: n, description: `gain ${n === current.name ? current.gain : DEFAULT_GAIN[n]}`, picked: n === current.name })),
        { title: 'Initializer (1/2)', placeHolder: `Current: ${v.init}` },
      );
      if (!pick) return;
      const name = pick.label as InitName;
      const gain = await input('Initializer (2/2): gain', `Gain of ${name} (default ${DEFAULT_GAIN[name]})`, String(name === current.name ? current.gain : DEFAULT_GAIN[name]), (s) => {
        const g = Number(s);
        return s !== '' && Number.isFinite(g) ? undefined : 'the gain must be a finite number';
      });
      if (gain !== undefined) v.init = parseInitSpec(`${name}:${gain.trim()}`).spec;
      return;
    }
    case 'lr': {
      const custom = { label: '$(edit) Other…', description: 'type a learning rate', lr: undefined as number | undefined };
      const grid: readonly number[] = v.task === 'charlm' ? [1e-2, 5e-3, 2e-3, 1e-3, 5e-4] : LR_GRID;
      const pick = await vscode.window.showQuickPick(
        [...grid.map((lr): typeof custom => ({ label: formatLr(lr), description: lr === v.lr ? 'current' : '', lr })), custom],
        { title: 'Learning rate', placeHolder: v.task === 'charlm' ? 'Adam (the char-LM\'s 2e-3)' : 'The paper\'s grid (RMSprop)' },
      );
      if (!pick) return;
      if (pick.lr !== undefined) {
        v.lr = pick.lr;
        return;
      }
      const s = await input('Learning rate', 'A positive number below 1, e.g. 2e-4', formatLr(v.lr), (t) =>
        checkField(v.task, 'lr', t === '' ? NaN : Number(t)));
      if (s) v.lr = Number(s.trim());
      return;
    }
    case 'seed': {
      const s = await input('Seed', 'Seeds the initializer, the data and the training order', String(v.seed), intCheck('seed', v.task));
      if (s) v.seed = Number(s.trim());
      return;
    }
    case 'updates': {
      const s = await input('Updates', `Training updates (batches of ${v.task === 'charlm' ? CHARLM_DEFAULTS.batch : 16})`, String(v.updates), intCheck('updates', v.task));
      if (s) v.updates = Number(s.trim());
      return;
    }
    case 'name': {
      const s = await vscode.window.showInputBox({ title: 'Name', prompt: 'A name for the run (empty: none)', value: v.name ?? '' });
      if (s !== undefined) v.name = s.trim() || undefined;
      return;
    }
  }
}
