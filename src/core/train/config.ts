/**
 * A training run's configuration: what config.json in a run folder holds, what a run file lists, what the
 * CLI's flags fill in. Field names are snake_case like every JSON file and `--json` output of ours.
 */
import { INIT_NAMES, parseInitSpec } from '../init/initializers';
import { GATED_INIT_NAMES, parseGatedSpec } from '../init/gated';
import { getTask, TASK_NAMES, type TaskName } from '../tasks';
import { ACTIVATIONS, CELLS, type Activation, type Cell } from './model';
import { OPTIMIZERS, type OptimizerName } from './optimizer';

export interface TrainConfig {
  task: TaskName;
  /** recurrent cell; default 'rnn' */
  cell: Cell;
  /** charlm: the text file (null: the embedded Brown Corpus); null for the other tasks */
  file: string | null;
  /** charlm: only the first this many characters of the file (0: all) */
  max_chars: number;
  /** default: Adam for language models, RMSprop (the paper's) for the toy tasks */
  optimizer: OptimizerName;
  /** sequence length (psMNIST: always 784) */
  T: number;
  /** hidden units */
  N: number;
  /** recurrent initializer spec, e.g. "chain:1.02" */
  init: string;
  /** hidden activation; default: the task's (ELU for copy and psMNIST, ReLU for addition) */
  activation: Activation;
  lr: number;
  seed: number;
  /** parameter updates to run (batches) */
  updates: number;
  batch: number;
  /** validation every this many updates */
  eval_every: number;
  checkpoint_every: number;
  /** retention: keep the last this many checkpoints besides update 0, the log-spaced and the best one (0: keep all) */
  keep_checkpoints: number;
  /** training loss is logged as the mean over this many updates */
  log_every: number;
  train_size: number;
  val_size: number;
  /** stop when the validation loss falls below this */
  early_stop: number;
  clip_norm: number;
  /** psMNIST: IDX files of the digits to use instead of the embedded 10 000 */
  mnist_images: string | null;
  mnist_labels: string | null;
  name: string | null;
}

/**
 * The learning rate of a run that names none — the CLI's, a run file's and the Start Training form's alike. 3e-4 is
 * the one of the paper's grid with which the demo (copy, T = 100, chain:1.02) learns in a few thousand updates.
 */
export const DEFAULT_LR = 3e-4;

export const CONFIG_DEFAULTS = {
  task: 'copy',
  N: 100,
  init: 'chain:1.02',
  lr: DEFAULT_LR,
  seed: 1,
  updates: 2000,
  batch: 16,
  eval_every: 100,
  checkpoint_every: 500,
  keep_checkpoints: 5,
  log_every: 10,
  train_size: 60000,
  val_size: 500,
  early_stop: 0.0025,
  clip_norm: 10,
  cell: 'rnn',
  file: null,
  max_chars: 0,
  mnist_images: null,
  mnist_labels: null,
  name: null,
} as const;

/** charlm's defaults where they differ: the PyTorch char-LM's (Adam, lr 2e-3, clipping at 1, N 256, batch 32, plain init). */
export const CHARLM_DEFAULTS = { N: 256, batch: 32, lr: 2e-3, clip_norm: 1, optimizer: 'adam', init: 'plain', eval_every: 250 } as const;

export class ConfigError extends Error {}

const KEYS = new Set<string>(['task', 'T', 'N', 'init', 'activation', 'lr', 'seed', 'updates', 'batch', 'eval_every',
  'checkpoint_every', 'log_every', 'train_size', 'val_size', 'early_stop', 'clip_norm', 'mnist_images', 'mnist_labels', 'name',
  'cell', 'file', 'max_chars', 'optimizer', 'keep_checkpoints']);

/** Fills defaults and checks every field; errors say which field and why. */
/**
 * A stored run or sweep member configuration (config.json, sweep.json) as a trainer continues it. Configurations
 * written before checkpoint retention existed name no `keep_checkpoints`: they keep every checkpoint, as they did
 * when they were made, instead of having old checkpoints pruned by today's default.
 */
export function storedConfig(raw: Record<string, unknown>): Record<string, unknown> {
  return raw.keep_checkpoints === undefined ? { ...raw, keep_checkpoints: 0 } : raw;
}

export function resolveConfig(input: Record<string, unknown>): TrainConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError('a run configuration must be a JSON object');
  for (const k of Object.keys(input)) {
    if (!KEYS.has(k)) throw new ConfigError(`unknown field "${k}" (known: ${[...KEYS].join(', ')})`);
  }
  const task = String(input.task ?? CONFIG_DEFAULTS.task);
  if (!(TASK_NAMES as string[]).includes(task)) throw new ConfigError(`task must be one of ${TASK_NAMES.join(', ')}, got "${task}"`);
  const spec = getTask(task);
  const int = (k: string, fallback: number, min: number, max: number) => {
    const v = input[k] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${k} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const num = (k: string, fallback: number, ok: (v: number) => boolean, what: string) => {
    const v = input[k] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new ConfigError(`${k} must be ${what}, got ${JSON.stringify(v)}`);
    return v;
  };
  const str = (k: string, fallback: string | null) => {
    const v = input[k] ?? fallback;
    if (v !== null && typeof v !== 'string') throw new ConfigError(`${k} must be a string, got ${JSON.stringify(v)}`);
    return v as string | null;
  };
  const T = spec.variableT ? int('T', spec.defaultT, task === 'copy' ? 21 : task === 'charlm' ? 1 : 2, 100_000) : spec.defaultT;
  if (!spec.variableT && input.T !== undefined && input.T !== spec.defaultT) throw new ConfigError(`${task} has a fixed length of ${spec.defaultT} steps, got T = ${JSON.stringify(input.T)}`);
  const lm = task === 'charlm';
  const cell = String(input.cell ?? CONFIG_DEFAULTS.cell) as Cell;
  if (!CELLS.includes(cell)) throw new ConfigError(`cell must be one of ${CELLS.join(', ')}, got "${cell}"`);
  const gated = cell !== 'rnn';
  const init = String(input.init ?? (lm ? CHARLM_DEFAULTS.init : CONFIG_DEFAULTS.init));
  // Language models: a gated cell takes the per-gate-block specs (init/gated.ts); the vanilla cell the paper's, or plain.
  const plainSpec = /^\s*plain\s*(:|$)/i.test(init);
  if (lm && !gated && /^\s*mixed\s*(:|$)/i.test(init)) throw new ConfigError('init: mixed is for gated cells (cell lstm or gru)');
  try {
    if (gated || (lm && plainSpec)) parseGatedSpec(init);
    else parseInitSpec(init);
  } catch (e) {
    const known = gated ? '' : lm ? ` (known: plain, ${INIT_NAMES.join(', ')})` : ` (known: ${INIT_NAMES.join(', ')})`;
    throw new ConfigError(`init: ${(e as Error).message.replace(lm && !gated ? / \(expected [^)]*\)/ : /$^/, '')}${known}`);
  }
  if (!lm && plainSpec) throw new ConfigError('init: plain is for the charlm task');
  const activation = String(input.activation ?? spec.activation) as Activation;
  if (!ACTIVATIONS.includes(activation)) throw new ConfigError(`activation must be one of ${ACTIVATIONS.join(', ')}, got "${activation}"`);
  if (gated && input.activation !== undefined && activation !== 'tanh') throw new ConfigError(`activation: the ${cell.toUpperCase()} cell's is tanh (sigmoid gates), got "${activation}"`);
  const optimizer = String(input.optimizer ?? (lm ? CHARLM_DEFAULTS.optimizer : 'rmsprop')) as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new ConfigError(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got "${optimizer}"`);
  const file = str('file', CONFIG_DEFAULTS.file);
  if (lm && file !== null && file.trim() === '') throw new ConfigError('file: an empty path (leave it out for the embedded Brown Corpus)');
  if (!lm && file !== null) throw new ConfigError(`file is the charlm task's text; ${task} takes none`);
  if (gated && task !== 'charlm') throw new ConfigError(`cell ${cell}: gated cells train on the charlm task (the paper's tasks use the vanilla RNN)`);
  const c: TrainConfig = {
    task: task as TaskName,
    cell,
    file,
    max_chars: int('max_chars', CONFIG_DEFAULTS.max_chars, 0, 1e9),
    optimizer,
    T,
    N: int('N', lm ? CHARLM_DEFAULTS.N : CONFIG_DEFAULTS.N, 1, 4096),
    init,
    activation: gated ? 'tanh' : activation,
    lr: num('lr', lm ? CHARLM_DEFAULTS.lr : CONFIG_DEFAULTS.lr, (v) => v > 0 && v < 10, 'a positive learning rate below 10'),
    seed: int('seed', CONFIG_DEFAULTS.seed, 0, 2 ** 32 - 1),
    updates: int('updates', CONFIG_DEFAULTS.updates, 1, 1e9),
    batch: int('batch', lm ? CHARLM_DEFAULTS.batch : CONFIG_DEFAULTS.batch, 1, 4096),
    eval_every: int('eval_every', lm ? CHARLM_DEFAULTS.eval_every : CONFIG_DEFAULTS.eval_every, 1, 1e9),
    checkpoint_every: int('checkpoint_every', CONFIG_DEFAULTS.checkpoint_every, 1, 1e9),
    keep_checkpoints: int('keep_checkpoints', CONFIG_DEFAULTS.keep_checkpoints, 0, 1e6),
    log_every: int('log_every', CONFIG_DEFAULTS.log_every, 1, 1e6),
    train_size: int('train_size', CONFIG_DEFAULTS.train_size, 1, 1e8),
    val_size: int('val_size', CONFIG_DEFAULTS.val_size, 1, 1e6),
    early_stop: num('early_stop', CONFIG_DEFAULTS.early_stop, (v) => v >= 0, 'a non-negative number'),
    clip_norm: num('clip_norm', lm ? CHARLM_DEFAULTS.clip_norm : CONFIG_DEFAULTS.clip_norm, (v) => v > 0, 'a positive number'),
    mnist_images: str('mnist_images', CONFIG_DEFAULTS.mnist_images),
    mnist_labels: str('mnist_labels', CONFIG_DEFAULTS.mnist_labels),
    name: str('name', CONFIG_DEFAULTS.name),
  };
  if ((c.mnist_images === null) !== (c.mnist_labels === null)) throw new ConfigError('mnist_images and mnist_labels go together');
  return c;
}

/** A readable, file-system-safe run id: time, task, initializer, seed. */
export function runId(c: TrainConfig, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const init = c.init.replace(/[^A-Za-z0-9.]+/g, '-');
  const cell = c.cell && c.cell !== 'rnn' ? `${c.cell}-` : '';
  return `${stamp}-${c.task}${c.task === 'psmnist' ? '' : c.T}-${cell}${init}-lr${c.lr}-s${c.seed}`;
}
