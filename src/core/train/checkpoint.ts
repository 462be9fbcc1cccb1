/**
 * Training checkpoints in TF.js layers format (model.json + weights.bin), the format tfjs's loadLayersModel,
 * our inspector and Netron read. Beside them: optimizer.bin and trainer.json, what an exact resume needs.
 * A checkpoint folder is written under a temporary name and renamed into place, so a crash mid-write never
 * leaves a half checkpoint under a real name.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PARAM_NAMES, paramShapes, type Activation, type Cell, type RnnParams } from './model';
import type { LossKind } from '../tasks';

declare const __VERSION__: string | undefined;

export interface CheckpointModel {
  /** default 'rnn' */
  cell?: Cell;
  nIn: number;
  N: number;
  nOut: number;
  activation: Activation;
  loss: LossKind;
}

/** Where training stood; restored on resume. */
export interface TrainerProgress {
  update: number;
  epoch: number;
  /** position within the epoch's shuffled order */
  position: number;
  best_val_loss: number | null;
  last_val_loss: number | null;
  train_ms: number;
  /** the training losses summed since the last logged mean, and how many (absent in checkpoints of older versions) */
  train_loss_sum?: number;
  train_loss_count?: number;
}

export interface Checkpoint {
  params: RnnParams;
  /** the optimizer's state, a whole number of parameter-sized slots (RMSprop 1, Adam 2) */
  slots: Float32Array[];
  /** the state carried into the next batch (language models), stateCount × batch × N; saved as carry.bin */
  carry?: Float32Array;
  state: TrainerProgress;
  metadata: Record<string, unknown>;
}

/** The recurrent layer's Keras class and name per cell. */
const LAYER = { rnn: ['SimpleRNN', 'simple_rnn'], lstm: ['LSTM', 'lstm'], gru: ['GRU', 'gru'] } as const;

function weightNames(cell: Cell = 'rnn'): Record<(typeof PARAM_NAMES)[number], string> {
  const layer = LAYER[cell][1];
  return { K: `${layer}/kernel`, R: `${layer}/recurrent_kernel`, b: `${layer}/bias`, D: 'readout/kernel', c: 'readout/bias' };
}

export const CHECKPOINT_PREFIX = 'update-';

export function checkpointName(update: number): string {
  return `${CHECKPOINT_PREFIX}${String(update).padStart(7, '0')}`;
}

/**
 * Most checkpoints a run's schedule writes (update 0, the log-spaced ones, the regular ones and the last update);
 * a stop adds one more where it stops. When `checkpoint_every` would exceed it, the regular interval is widened to
 * the smallest multiple of `checkpoint_every` that fits (docs/training.md).
 */
export const CHECKPOINT_BUDGET = 100;

/** 10, 20, 50, 100, 200, 500, 1000, … below `updates`: checkpoints that see what the first updates do to W. */
export function logSpacedUpdates(updates: number): number[] {
  const out: number[] = [];
  for (let decade = 10; decade < updates; decade *= 10) {
    for (const m of [1, 2, 5]) if (m * decade < updates) out.push(m * decade);
  }
  return out;
}

/** Which updates a run checkpoints: a pure function of its configuration, so a resumed run keeps the same ones. */
export interface CheckpointSchedule {
  updates: number;
  /** the regular interval: `checkpoint_every`, or a multiple of it when the budget needs one */
  every: number;
  logSpaced: ReadonlySet<number>;
}

function scheduleSize(updates: number, every: number, logSpaced: number[]): number {
  let n = 1 + Math.floor(updates / every) + (updates % every === 0 ? 0 : 1); // 0, k·every, the last update
  for (const u of logSpaced) if (u % every !== 0) n++;
  return n;
}

export function checkpointSchedule(updates: number, checkpointEvery: number, budget = CHECKPOINT_BUDGET): CheckpointSchedule {
  if (!Number.isInteger(updates) || updates < 1) throw new RangeError(`updates must be a positive integer, got ${updates}`);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) throw new RangeError(`checkpoint_every must be a positive integer, got ${checkpointEvery}`);
  const logSpaced = logSpacedUpdates(updates);
  if (budget < logSpaced.length + 2) throw new RangeError(`a budget of ${budget} checkpoints cannot hold update 0, the ${logSpaced.length} log-spaced ones and the last`);
  let m = Math.max(1, Math.floor(updates / (checkpointEvery * budget)));
  while (scheduleSize(updates, m * checkpointEvery, logSpaced) > budget) m++;
  return { updates, every: m * checkpointEvery, logSpaced: new Set(logSpaced) };
}

export function isScheduledCheckpoint(s: CheckpointSchedule, update: number): boolean {
  return update === 0 || update === s.updates || update % s.every === 0 || s.logSpaced.has(update);
}

/** Every update the schedule checkpoints, in order (a run that ends early or stops has a prefix of these). */
export function scheduledCheckpoints(s: CheckpointSchedule): number[] {
  const all = new Set<number>([0, s.updates, ...s.logSpaced]);
  for (let u = s.every; u <= s.updates; u += s.every) all.add(u);
  return [...all].sort((a, b) => a - b);
}

/** Keras topology of the trained model, as tfjs-layers serializes it. */
export function modelTopology(m: CheckpointModel): Record<string, unknown> {
  const every = m.loss === 'softmax-xent-every-step';
  const zeros = { class_name: 'Zeros', config: {} };
  const [className, layerName] = LAYER[m.cell ?? 'rnn'];
  const gated = m.cell === 'lstm' || m.cell === 'gru';
  const rnn = {
    class_name: className,
    config: {
      name: layerName, trainable: true, batch_input_shape: [null, null, m.nIn], dtype: 'float32', units: m.N,
      activation: gated ? 'tanh' : m.activation, use_bias: true, kernel_initializer: zeros, recurrent_initializer: zeros, bias_initializer: zeros,
      ...(gated ? { recurrent_activation: 'sigmoid', implementation: 2 } : {}),
      ...(m.cell === 'lstm' ? { unit_forget_bias: false } : {}),
      ...(m.cell === 'gru' ? { reset_after: false } : {}),
      kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0, recurrent_dropout: 0,
      return_sequences: every, return_state: false, go_backwards: false, stateful: false, unroll: false,
    },
  };
  const denseConfig = {
    units: m.nOut, activation: 'linear', use_bias: true,
    kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } },
    bias_initializer: zeros, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
    kernel_constraint: null, bias_constraint: null, trainable: true,
  };
  const readout = every
    ? { class_name: 'TimeDistributed', config: { name: 'readout', trainable: true, layer: { class_name: 'Dense', config: { ...denseConfig, name: 'readout_dense' } } } }
    : { class_name: 'Dense', config: { ...denseConfig, name: 'readout' } };
  const layers: unknown[] = [rnn, readout];
  if (m.loss !== 'mse-last-step') layers.push({ class_name: 'Activation', config: { activation: 'softmax', name: 'softmax', trainable: true } });
  return {
    class_name: 'Sequential',
    config: { name: 'recurrent_lens_rnn', layers },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/**
 * Writes a file atomically: a temporary file beside it (`<file>.<pid>.tmp`), renamed over it. When the write fails
 * (a full disk, a read-only folder) the temporary file is removed and `file` is as it was.
 */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Error codes of a write the file system refused for lack of room or permission, and how a person says them. */
const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'disk full', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'permission denied',
  EROFS: 'read-only file system',
};

/**
 * A run folder write that the file system refused (ENOSPC, EDQUOT, EACCES, EPERM, EROFS): its one-line message says
 * what and where, `disk full while writing checkpoint update-0000190 (ENOSPC)`.
 */
export class RunWriteError extends Error {
  constructor(readonly code: string, readonly what: string, readonly file?: string) {
    super(`${WRITE_ERRORS[code] ?? code} while writing ${what} (${code})`);
  }
}

/** Whether `e` is a refused write (the codes of WRITE_ERRORS). */
export function isWriteRefused(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in WRITE_ERRORS;
}

/** Runs `write`, turning a refused write into a RunWriteError naming `what` (other errors pass unchanged). */
export async function writing<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (e instanceof RunWriteError || !isWriteRefused(e)) throw e;
    throw new RunWriteError(e.code, what, (e as NodeJS.ErrnoException).path);
  }
}

/** Parsed JSON; undefined when the file is missing, null when it is not valid JSON. */
export async function readJson<T>(file: string): Promise<T | undefined | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Writes JSON atomically (temporary file + rename). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeAtomic(file, JSON.stringify(value, null, 1) + '\n');
}

function concat(arrays: Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return new Uint8Array(out.buffer);
}

/** Writes `dir/<name>/` atomically and returns its path. */
export async function writeCheckpoint(dir: string, name: string, m: CheckpointModel, ckpt: Checkpoint): Promise<string> {
  const final = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  try {
    await writeCheckpointFolder(tmp, m, ckpt);
    await fs.rm(final, { recursive: true, force: true });
    await fs.rename(tmp, final);
  } catch (e) {
    // A full disk or a read-only folder: the half-written folder goes, the checkpoints before it stay.
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  return final;
}

async function writeCheckpointFolder(tmp: string, m: CheckpointModel, ckpt: Checkpoint): Promise<void> {
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  const shapes = paramShapes(m);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    convertedBy: `Recurrent Lens ${typeof __VERSION__ === 'string' ? __VERSION__ : 'dev'}`,
    modelTopology: modelTopology(m),
    weightsManifest: [{
      paths: ['weights.bin'],
      weights: PARAM_NAMES.map((p) => ({ name: weightNames(m.cell)[p], shape: shapes[p], dtype: 'float32' })),
    }],
    userDefinedMetadata: { recurrentLens: { ...ckpt.metadata, update: ckpt.state.update, loss: m.loss } },
  };
  await fs.writeFile(path.join(tmp, 'weights.bin'), concat(PARAM_NAMES.map((p) => ckpt.params[p])));
  await fs.writeFile(path.join(tmp, 'optimizer.bin'), concat(ckpt.slots));
  if (ckpt.carry) await fs.writeFile(path.join(tmp, 'carry.bin'), concat([ckpt.carry]));
  await fs.writeFile(path.join(tmp, 'trainer.json'), JSON.stringify(ckpt.state, null, 1) + '\n');
  await fs.writeFile(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
}

/** Reads a checkpoint folder written by writeCheckpoint, checking it against the model's shapes. */
export async function readTrainingCheckpoint(dir: string, m: CheckpointModel, opts: { optimizerSlots?: number; carry?: number } = {}): Promise<Checkpoint> {
  const shapes = paramShapes(m);
  const sizes = PARAM_NAMES.map((p) => shapes[p].reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const floats = async (file: string, copies = 1) => {
    const buf = await fs.readFile(path.join(dir, file));
    if (buf.byteLength !== copies * total * 4) throw new Error(`${path.join(dir, file)}: expected ${copies * total * 4} bytes for this model, found ${buf.byteLength}`);
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  };
  const split = (all: Float32Array) => {
    let o = 0;
    const out: Float32Array[] = [];
    while (o < all.length) for (const n of sizes) { out.push(all.slice(o, o + n)); o += n; }
    return out;
  };
  const w = split(await floats('weights.bin'));
  const slots = split(await floats('optimizer.bin', opts.optimizerSlots ?? 1));
  let carry: Float32Array | undefined;
  if (opts.carry !== undefined) {
    const buf = await fs.readFile(path.join(dir, 'carry.bin'));
    if (buf.byteLength !== opts.carry * 4) throw new Error(`${path.join(dir, 'carry.bin')}: expected ${opts.carry * 4} bytes for this model, found ${buf.byteLength}`);
    carry = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  const state = JSON.parse(await fs.readFile(path.join(dir, 'trainer.json'), 'utf8')) as TrainerProgress;
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  const params = Object.fromEntries(PARAM_NAMES.map((p, i) => [p, w[i]])) as unknown as RnnParams;
  return { params, slots, carry, state, metadata: modelJson.userDefinedMetadata?.recurrentLens ?? {} };
}

/** Checkpoint folders in `dir`, oldest first. */
export async function listCheckpoints(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(CHECKPOINT_PREFIX)).sort();
}

/** A run id (`config.ts` runId) without the start time it begins with: `copy100-chain-1.02-lr0.0003-s1`. */
export function idWithoutStamp(id: string): string {
  return id.replace(/^\d{8}-\d{6}-/, '') || id;
}

/** `…/runs/<id>/checkpoints/update-NNNNNNN/model.json`, the path of a run's checkpoint (either separator). */
const RUN_CHECKPOINT = /(?:^|[\\/])runs[\\/]([^\\/]+)[\\/]checkpoints[\\/]update-(\d+)[\\/][^\\/]+$/;

/**
 * What to call a checkpoint's model.json (editor title, comparison column, figure legend): its run and update,
 * `copy100-chain-1.02-lr0.0003-s1 · update 6000` — the run's `name` from its config.json when it has one, else the
 * run id without its start time. Any other file keeps its file name.
 */
export function checkpointDisplayName(file: string): string {
  const m = RUN_CHECKPOINT.exec(file);
  if (!m) return path.basename(file);
  const [, id, update] = m;
  let run = idWithoutStamp(id);
  try {
    const config = JSON.parse(readFileSync(path.join(path.dirname(path.dirname(path.dirname(file))), 'config.json'), 'utf8'));
    if (typeof config?.name === 'string' && config.name.trim()) run = config.name.trim();
  } catch {
    // no config.json (a copied checkpoint folder): the id says enough
  }
  return `${run} · update ${Number(update)}`;
}

/**
 * The retention policy (`keep_checkpoints`, docs/run-files.md): of a run's checkpoints, keep update 0, the log-spaced
 * ones (the trajectory's early steps), the one with the best validation loss, the last `keep` and any `pinned` (what
 * status.json or a resume points at); the rest may go. `keep` 0 keeps every checkpoint.
 */
export interface Retention {
  keep: number;
  logSpaced: ReadonlySet<number>;
  /** the update of the checkpoint with the lowest validation loss, or null */
  best: number | null;
  pinned?: readonly number[];
}

/** The updates of `updates` (the checkpoints a run folder holds) that the policy lets go, oldest first. */
export function checkpointsToPrune(updates: readonly number[], r: Retention): number[] {
  if (r.keep <= 0) return [];
  const sorted = [...new Set(updates)].sort((a, b) => a - b);
  const kept = new Set<number>([0, ...r.logSpaced, ...(r.best === null ? [] : [r.best]), ...(r.pinned ?? []), ...sorted.slice(-r.keep)]);
  return sorted.filter((u) => !kept.has(u));
}

/** The update a checkpoint folder name stands for (`update-0000190` → 190), or NaN. */
export function checkpointUpdate(name: string): number {
  return name.startsWith(CHECKPOINT_PREFIX) ? Number(name.slice(CHECKPOINT_PREFIX.length)) : NaN;
}

/**
 * Removes checkpoint folders of `dir`, each atomically: renamed first to the hidden temporary name a half-written
 * checkpoint has (`.update-NNNNNNN.<pid>.tmp`, which readers skip and a later trainer clears away), then deleted.
 */
export async function removeCheckpoints(dir: string, updates: readonly number[]): Promise<void> {
  for (const u of updates) {
    const name = checkpointName(u);
    const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
    try {
      await fs.rename(path.join(dir, name), tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
