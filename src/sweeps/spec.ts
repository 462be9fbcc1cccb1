/**
 * Sweep files and presets → the resolved sweep (every member's full trainer config). Each member's config is checked
 * by the run files' own checker (checkConfig → the trainer's resolveConfig), so a sweep refuses exactly what the
 * trainer would. Plain Node. docs/sweeps.md describes the file format for users.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { TrainConfig } from '../core/train/config';
import { parseInitSpec } from '../core/init/initializers';
import { parseGatedSpec } from '../core/init/gated';
import { CorpusError } from '../core/tasks/charlm';
import { checkTrainingText, corpusFile } from '../core/tasks/charlmFile';
import type { RunConfig } from '../shared/protocol';
import { baselineOf, checkConfig, formatLr, LR_GRID } from '../runs/runConfig';
import type { ResolvedSweep, SweepFile, SweepInitEntry, SweepMember } from './types';

/** A bad sweep file, preset or folder: one line naming the file (or preset) and the field. The CLI exits 2. */
export class SweepError extends Error {}

/** A sweep larger than this is refused (the paper's copy grid is 2 112 runs). */
export const MAX_SWEEP_MEMBERS = 100_000;

/** Gains `from, from + step, …, to` without floating-point drift (0.99, 1, 1.01 — never 1.0000000000000002). */
function gainRange(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let k = 0; from + k * step <= to + step / 2; k++) out.push(Number((from + k * step).toFixed(10)));
  return out;
}

/** The paper's gain grids per initializer family (science reference §2; docs/sweeps.md). */
const PAPER_INITS: SweepInitEntry[] = [
  { name: 'chain', gains: gainRange(0.99, 1.05, 0.01) },
  { name: 'fbchain', gains: gainRange(0.01, 0.07, 0.01) },
  { name: 'orthogonal', gains: [0.01, 0.96, 0.99, ...gainRange(1.0, 1.05, 0.01)] },
  { name: 'identity', gains: [0.01, 0.96, 0.99, ...gainRange(1.0, 1.05, 0.01)] },
];

/** The paper's shared setup: N 100, batch 16, up to 100 epochs of 60 000 sequences, its 11 learning rates, seeds 1–6. */
const PAPER_COMMON = { N: 100, batch: 16, train_size: 60000, epochs: 100, early_stop: 0.0025, clip_norm: 10, lrs: [...LR_GRID], seeds: 6, inits: PAPER_INITS };

export const PRESETS: Record<string, SweepFile> = {
  'paper:copy': { name: 'paper: copy, T = 500', task: 'copy', T: 500, ...PAPER_COMMON },
  'paper:addition': { name: 'paper: addition, T = 750', task: 'addition', T: 750, ...PAPER_COMMON },
  'paper:psmnist': { name: 'paper: psMNIST', task: 'psmnist', ...PAPER_COMMON, N: 25 },
  'quick:copy': {
    name: 'quick: copy, T = 100', task: 'copy', T: 100, N: 100, updates: 2000, inits: ['chain:1.02', 'orthogonal:1.0'],
    lrs: [2e-4], seeds: 8,
  },
};

/** Fields of a sweep file that are the sweep's own; every other field is a trainer field applied to every member. */
const SWEEP_FIELDS = new Set(['preset', 'name', 'inits', 'lrs', 'seeds', 'updates', 'epochs', '$schema']);
/** Trainer fields a sweep sets per member: the file names their lists instead. */
const PER_MEMBER: Record<string, string> = { init: 'inits', lr: 'lrs', seed: 'seeds' };

/** Reads a `*.sweep.json` file; errors name the file. */
export async function readSweepFile(file: string): Promise<SweepFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new SweepError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new SweepError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SweepError(`${file}: a sweep file is a JSON object such as {"task": "copy", "inits": ["chain:1.02"], "lrs": [3e-4], "seeds": 4}`);
  }
  return data as SweepFile;
}

/** The preset, overridden by the file's own fields (`updates` in the file replaces the preset's `epochs` and back). */
export function expandPreset(file: SweepFile): SweepFile {
  if (file.preset === undefined) return { ...file };
  if (typeof file.preset !== 'string' || !(file.preset in PRESETS)) {
    throw new SweepError(`unknown preset ${JSON.stringify(file.preset)} (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  const base: SweepFile = { ...PRESETS[file.preset] };
  if (file.updates !== undefined) delete base.epochs;
  if (file.epochs !== undefined) delete base.updates;
  return { ...base, ...file };
}

/**
 * The task's memoryless baseline loss (success: final validation loss below half of it). Null for charlm: there the
 * baseline is the text's unigram entropy, which each run's status.json records, and a run succeeds below it.
 */
export function taskBaseline(config: TrainConfig | RunConfig): number | null {
  return config.task === 'charlm' ? null : baselineOf(config as RunConfig);
}

function listOf<T>(value: unknown, field: string, check: (v: unknown) => v is T, what: string): T[] {
  if (!Array.isArray(value)) throw new SweepError(`"${field}" must be a list of ${what}, got ${JSON.stringify(value)}`);
  if (value.length === 0) throw new SweepError(`"${field}" is empty: the grid has no runs`);
  for (const v of value) if (!check(v)) throw new SweepError(`"${field}" must be a list of ${what}, got ${JSON.stringify(v)} in it`);
  return value as T[];
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Which initializer specs a sweep's members take: the paper's single-matrix ones (copy, addition, psMNIST, a vanilla
 * language model), the per-gate-block ones (an LSTM or GRU language model), or either (a vanilla language model also
 * takes `plain`) — the trainer's own rule (core/train/config.ts).
 */
type SpecKind = 'vanilla' | 'gated' | 'lm';

function specKind(src: SweepFile): SpecKind {
  if (src.cell !== undefined && src.cell !== 'rnn') return 'gated';
  return src.task === 'charlm' ? 'lm' : 'vanilla';
}

/** One init entry → its group name and its (spec, gain) pairs. */
function expandInit(entry: unknown, i: number, kind: SpecKind): { group: string; inits: { spec: string; gain: number }[] } {
  const where = `"inits"[${i}]`;
  const parse = (spec: string) => {
    try {
      // A vanilla language model takes `plain` too; `mixed` parses here so that the trainer's check says it is for gated cells.
      if (kind === 'gated' || (kind === 'lm' && /^\s*(plain|mixed)\s*(:|$)/i.test(spec))) return parseGatedSpec(spec);
      return parseInitSpec(spec);
    } catch (e) {
      throw new SweepError(`${where}: ${(e as Error).message}`);
    }
  };
  if (typeof entry === 'string') return { group: entry, inits: [{ spec: entry, gain: parse(entry).gain }] };
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const o = entry as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'name' && k !== 'gains');
    if (extra.length) throw new SweepError(`${where}: unknown field "${extra[0]}" (an init entry is {"name": "chain", "gains": [1.0, 1.02]})`);
    if (typeof o.name !== 'string' || o.name.includes(':')) throw new SweepError(`${where}: "name" must be an initializer name such as "chain", got ${JSON.stringify(o.name)}`);
    const name = parse(o.name).name;
    const gains = listOf(o.gains, `inits[${i}].gains`, isNumber, 'numbers');
    return { group: o.name, inits: gains.map((g) => ({ spec: `${name}:${g}`, gain: g })) };
  }
  throw new SweepError(`${where} must be a spec such as "chain:1.02" or {"name": "chain", "gains": [1.0, 1.02]}, got ${JSON.stringify(entry)}`);
}

/** `0007-chain-1.02-lr2e-4-s3`: index (zero-padded to the sweep's size), initializer, learning rate, seed. */
export function memberName(index: number, total: number, init: string, lr: number, seed: number): string {
  const width = Math.max(4, String(total - 1).length);
  return `${String(index).padStart(width, '0')}-${init.replace(/[^A-Za-z0-9.]+/g, '-')}-lr${formatLr(lr)}-s${seed}`;
}

/**
 * The sweep a file (or preset) describes: inits (groups, in file order) × gains × lrs × seeds, every member's trainer
 * config filled and checked. `source` (the file's path) prefixes errors and anchors relative `mnist_*` paths.
 */
export function resolveSweep(file: SweepFile, opts: { id: string; now?: Date; source?: string }): ResolvedSweep {
  try {
    return resolveUnlabelled(file, opts);
  } catch (e) {
    if (e instanceof SweepError && opts.source) throw new SweepError(`${opts.source}: ${e.message}`);
    throw e;
  }
}

function resolveUnlabelled(file: SweepFile, opts: { id: string; now?: Date; source?: string }): ResolvedSweep {
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new SweepError('a sweep is a JSON object');
  const src = expandPreset(file);
  for (const [single, plural] of Object.entries(PER_MEMBER)) {
    if (single in src) throw new SweepError(`"${single}" is set per run in a sweep: give "${plural}" (a list) instead`);
  }
  if (src.name !== undefined && src.name !== null && typeof src.name !== 'string') throw new SweepError(`"name" must be a string, got ${JSON.stringify(src.name)}`);
  if (src.inits === undefined) throw new SweepError('"inits" is missing: list the initializers, e.g. ["chain:1.02", "orthogonal:1.0"]');
  const inits = listOf(src.inits, 'inits', (v): v is unknown => true, 'initializers').map((e, i) => expandInit(e, i, specKind(src)));
  const lrs = src.lrs === undefined ? [undefined] : listOf(src.lrs, 'lrs', isNumber, 'numbers');
  let seeds: number[];
  if (src.seeds === undefined) seeds = [1];
  else if (typeof src.seeds === 'number') {
    if (!Number.isInteger(src.seeds) || src.seeds < 1) throw new SweepError(`"seeds" must be a count K ≥ 1 (seeds 1…K) or a list of seeds, got ${JSON.stringify(src.seeds)}`);
    seeds = Array.from({ length: src.seeds }, (_, k) => k + 1);
  } else seeds = listOf(src.seeds, 'seeds', (v): v is number => Number.isInteger(v), 'whole numbers');
  if (new Set(seeds).size !== seeds.length) throw new SweepError('"seeds" lists a seed twice');
  const groups = inits.map((g) => g.group);
  if (new Set(groups).size !== groups.length) throw new SweepError(`"inits" lists ${JSON.stringify(groups.find((g, i) => groups.indexOf(g) !== i))} twice`);

  // The trainer fields shared by every member.
  const shared: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) if (!SWEEP_FIELDS.has(k)) shared[k] = v;
  if (src.updates !== undefined && src.epochs !== undefined) throw new SweepError('give "updates" or "epochs", not both');
  const base = checkConfigOf({ ...shared, ...(src.updates !== undefined ? { updates: src.updates } : {}) }, opts.source);
  if (src.epochs !== undefined) {
    if (typeof src.epochs !== 'number' || !Number.isInteger(src.epochs) || src.epochs < 1) throw new SweepError(`"epochs" must be a whole number ≥ 1, got ${JSON.stringify(src.epochs)}`);
    // The trainer starts a new epoch when the next full batch does not fit: floor(train_size / batch) updates each.
    const perEpoch = Math.floor(base.train_size / base.batch);
    if (perEpoch < 1) throw new SweepError(`"epochs" needs train_size ≥ batch (got train_size ${base.train_size}, batch ${base.batch})`);
    shared.updates = src.epochs * perEpoch;
  } else if (src.updates !== undefined) shared.updates = src.updates;

  const total = inits.reduce((n, g) => n + g.inits.length, 0) * lrs.length * seeds.length;
  if (total === 0) throw new SweepError('the grid is empty');
  if (total > MAX_SWEEP_MEMBERS) throw new SweepError(`the grid has ${total} runs, more than ${MAX_SWEEP_MEMBERS}`);
  const members: SweepMember[] = [];
  for (const g of inits) {
    for (const init of g.inits) {
      for (const lr of lrs) {
        for (const seed of seeds) {
          const config = checkConfigOf({ ...shared, init: init.spec, ...(lr !== undefined ? { lr } : {}), seed, name: null }, opts.source);
          const index = members.length;
          members.push({ index, name: memberName(index, total, init.spec, config.lr, seed), group: g.group, init: init.spec, gain: init.gain, lr: config.lr, seed, config });
        }
      }
    }
  }
  return {
    format: 'recurrent-lens-sweep',
    version: 1,
    id: opts.id,
    name: (src.name as string | undefined) ?? null,
    created_at: (opts.now ?? new Date()).toISOString(),
    source: src,
    groups,
    baseline: taskBaseline(members[0].config),
    members,
  };
}

function checkConfigOf(raw: Record<string, unknown>, source?: string): TrainConfig {
  try {
    return checkConfig(raw, source ? path.dirname(path.resolve(source)) : undefined) as unknown as TrainConfig;
  } catch (e) {
    const message = (e as Error).message;
    // The trainer lists its own fields; a sweep file also has its own.
    throw new SweepError(message.startsWith('unknown field') ? `${message.replace(/ \(known: .*\)$/, '')} (known: ${[...SWEEP_FIELDS].filter((k) => k !== '$schema').join(', ')}, and the trainer fields ${TRAINER_FIELDS.join(', ')})` : message);
  }
}

/** Trainer fields a sweep file may set for every member (docs/sweeps.md). */
export const TRAINER_FIELDS = ['task', 'T', 'N', 'activation', 'batch', 'eval_every', 'checkpoint_every', 'log_every', 'train_size', 'val_size',
  'early_stop', 'clip_norm', 'mnist_images', 'mnist_labels', 'keep_checkpoints', 'cell', 'file', 'max_chars', 'optimizer'] as const;

/**
 * A language-model sweep's text, checked as the trainer checks it before a run (readable, UTF-8, long enough for the
 * batch and T) before anything is made: one line naming the sweep file (or preset) and the field. `assetRoot`: where
 * the embedded Brown Corpus is (the extension's root). Returns the batches of one validation pass (for the cost
 * estimate), undefined for the other tasks.
 */
export async function checkSweepText(sweep: ResolvedSweep, assetRoot: string, source?: string): Promise<{ valBatches: number } | undefined> {
  const c = sweep.members[0]?.config;
  if (c?.task !== 'charlm') return undefined;
  try {
    return { valBatches: (await checkTrainingText(corpusFile(c.file, assetRoot), c)).validBatches };
  } catch (e) {
    if (!(e instanceof CorpusError)) throw e;
    throw new SweepError(`${source ? `${source}: ` : ''}file: ${e.message}`);
  }
}

/** Whether two resolved sweeps run the same members (the same names and configs): a folder holding `a` continues `b`. */
export function sameSweep(a: ResolvedSweep, b: ResolvedSweep): boolean {
  if (a.members.length !== b.members.length) return false;
  return a.members.every((m, i) => m.name === b.members[i].name && m.group === b.members[i].group && JSON.stringify(m.config) === JSON.stringify(b.members[i].config));
}
