/**
 * A run's trajectory: the analyses of every checkpoint of a run folder (src/core/analysis/trajectory.ts), sorted by
 * update, with the validation loss logged at that update. Each checkpoint's analysis is cached in
 * `<run>/analysis/trajectory/update-NNNNNNN.json` under a key of the analysis version, the motif options and the
 * checkpoint's weights file (size and modification time), so only new or rewritten checkpoints are analysed.
 * Every error names the file: CheckpointError (the CLI prints it as one line, exit 2).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  analyzeTrajectoryPoint, DEFAULT_TRAJECTORY_MOTIF, TRAJECTORY_VERSION, type TrajectoryAnalysis, type TrajectoryMotifOptions,
} from '../core/analysis/trajectory';
import type { Trajectory, TrajectoryEntry, TrajectoryMatrices } from '../core/analysis/trajectoryTypes';
export type { Trajectory, TrajectoryEntry, TrajectoryMatrices };
import { makeInit } from '../core/init/initializers';
import { realSchur, reorderSchur } from '../core/linalg/schur';
import { findTensor, matrixOf, squareMatrixOf } from '../core/inspect';
import { problemOf, readCheckpoint, type ReadOptions } from '../core/readers';
import { CancelledError, type Signal } from '../core/cancel';
import { asFloat64, CheckpointError } from '../core/tensor';
import { CHECKPOINT_PREFIX, checkpointName, listCheckpoints, writeJsonAtomic } from '../core/train/checkpoint';
import { ConfigError, resolveConfig, type TrainConfig } from '../core/train/config';
import { RUN_FILES } from '../core/train/trainer';
import { getTask } from '../core/tasks';
import { gateBlock, gatedNetworkOf, type GatedNetwork } from '../core/analysis/gatedMotif';
import { blockCount, blockOfKerasKernel, CANDIDATE_BLOCK, initGatedRecurrent, KERAS_GATES } from '../core/init/gated';
import { BadInputError } from '../core/badInput';
import type { Cell } from '../core/train/model';

/** Where the cache lives, relative to the run folder. */
export const TRAJECTORY_CACHE = path.join('analysis', 'trajectory');

interface CacheFile {
  key: CacheKey;
  analysis: TrajectoryAnalysis;
}

interface CacheKey {
  version: number;
  motif: TrajectoryMotifOptions;
  initial: 'checkpoint' | 'config';
  weights: { size: number; mtime_ms: number };
}

const sameKey = (a: CacheKey, b: CacheKey) => JSON.stringify(a) === JSON.stringify(b);

interface Network {
  W: Float64Array;
  n: number;
  input: Float64Array;
  d: number;
  bias: Float64Array;
  /** LSTM / GRU: the cell's weights; W is then its candidate block. */
  gated?: GatedNetwork;
}

/**
 * A run checkpoint's recurrent matrix (as `recurrent-lens analyze model.json` reads it), input matrix and bias; of an
 * LSTM / GRU run the cell (gatedNetworkOf) and its candidate block as W.
 */
async function readNetwork(modelJson: string, cell: Cell = 'rnn', read: ReadOptions = {}): Promise<Network> {
  const ckpt = await readCheckpoint(modelJson, read);
  try {
    if (cell !== 'rnn') {
      const gated = gatedNetworkOf(ckpt);
      if (gated.cell !== cell) throw new Error(`holds an ${gated.cell.toUpperCase()}, the run's config says ${cell}`);
      return { W: gateBlock(gated, CANDIDATE_BLOCK[cell]), n: gated.N, input: new Float64Array(0), d: gated.nIn, bias: new Float64Array(0), gated };
    }
    const { W, n } = squareMatrixOf(ckpt);
    const V = matrixOf(ckpt, 'simple_rnn/kernel');
    if (V.rows !== n) throw new Error(`simple_rnn/kernel feeds ${V.rows} units, the recurrent matrix has ${n}`);
    const bias = asFloat64(findTensor(ckpt, 'simple_rnn/bias').data);
    if (bias.length !== n) throw new Error(`simple_rnn/bias has ${bias.length} entries, expected ${n}`);
    return { W, n, input: V.data, d: V.cols, bias };
  } catch (err) {
    throw new CheckpointError(modelJson, problemOf(err));
  }
}

async function readRunConfig(runDir: string): Promise<TrainConfig> {
  const file = path.join(runDir, RUN_FILES.config);
  let text: string;
  try {
    const stat = await fs.stat(runDir);
    if (!stat.isDirectory()) throw new CheckpointError(runDir, 'not a folder (expected a run folder)');
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const folder = await fs.stat(runDir).then(() => true, () => false);
      throw new CheckpointError(runDir, folder ? `no ${RUN_FILES.config}: not a run folder` : 'no such folder');
    }
    throw new CheckpointError(file, `cannot read (${code ?? problemOf(err)})`);
  }
  try {
    return resolveConfig(JSON.parse(text));
  } catch (err) {
    throw new CheckpointError(file, err instanceof ConfigError ? err.message : `not valid JSON (${problemOf(err)})`);
  }
}

/** Validation losses by update from metrics.jsonl (the last line of an update wins; torn lines are skipped). */
async function validationLosses(runDir: string): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, RUN_FILES.metrics), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as { update?: unknown; val_loss?: unknown };
      if (typeof m.update === 'number' && 'val_loss' in m) out.set(m.update, typeof m.val_loss === 'number' ? m.val_loss : null);
    } catch {
      // a line being written: skip it
    }
  }
  return out;
}

/** The run's initial W (of a gated run: the candidate block), column convention, as the checkpoints store it (float32). */
async function initialW(runDir: string, config: TrainConfig, initial: 'checkpoint' | 'config', read: ReadOptions = {}): Promise<Float64Array> {
  if (initial === 'checkpoint') return (await readNetwork(path.join(runDir, RUN_FILES.checkpoints, checkpointName(0), 'model.json'), config.cell, read)).W;
  // Runs written before update 0 was checkpointed: the initializer again (initialParams stores it as float32).
  if (config.cell !== 'rnn') {
    return blockOfKerasKernel(initGatedRecurrent(config.init, config.cell, config.N, config.seed), blockCount(config.cell), config.N, CANDIDATE_BLOCK[config.cell]);
  }
  return makeInit(config.init, config.N, config.seed).map(Math.fround);
}

export interface TrajectoryOptions {
  motif?: Partial<TrajectoryMotifOptions>;
  /** Called after each checkpoint is analysed (not for cached ones). */
  onComputed?: (update: number) => void;
  /** Checked before each checkpoint: set, the call throws CancelledError (what was analysed stays cached). */
  signal?: Signal;
  /** How checkpoints are read: their size limit (the readers' default otherwise). */
  read?: ReadOptions;
  /** Only the first checkpoint (update 0 when written) and the last: what a sweep's report compares. */
  endsOnly?: boolean;
}

export async function runTrajectory(runDir: string, opts: TrajectoryOptions = {}): Promise<Trajectory> {
  const config = await readRunConfig(runDir);
  const motif: TrajectoryMotifOptions = { ...DEFAULT_TRAJECTORY_MOTIF, ...opts.motif };
  const d = getTask(config.task).inputSize;
  // (tasks whose input size depends on the data, the language models: the checkpoint's input matrix is checked instead)
  if (motif.channel !== 'all' && (!Number.isInteger(motif.channel) || motif.channel < 0 || (d > 0 && motif.channel >= d))) {
    throw new CheckpointError(path.join(runDir, RUN_FILES.config), `input channel ${motif.channel} does not exist: ${config.task} has ${d} input channel${d === 1 ? '' : 's'} (0 … ${d - 1})`);
  }
  const listed = await listCheckpoints(path.join(runDir, RUN_FILES.checkpoints));
  const names = opts.endsOnly && listed.length > 2 ? [listed[0], listed[listed.length - 1]] : listed;
  if (names.length === 0) throw new CheckpointError(runDir, `no checkpoints in ${RUN_FILES.checkpoints}/ yet`);
  const vals = await validationLosses(runDir);
  if (config.cell !== 'rnn' && motif.measure !== 'activity') {
    throw new CheckpointError(path.join(runDir, RUN_FILES.config), `an ${config.cell.toUpperCase()} run's motif orders its units by the hidden state h: --measure ${motif.measure} is for vanilla RNNs`);
  }
  const cacheDir = path.join(runDir, TRAJECTORY_CACHE);
  const initial = names.includes(checkpointName(0)) ? 'checkpoint' : 'config';
  let W0: Float64Array | undefined;
  let computed = 0;
  const checkpoints: TrajectoryEntry[] = [];
  for (const name of names) {
    if (opts.signal?.aborted) throw new CancelledError();
    const update = Number(name.slice(CHECKPOINT_PREFIX.length));
    const folder = path.join(runDir, RUN_FILES.checkpoints, name);
    const modelJson = path.join(folder, 'model.json');
    let stat;
    try {
      stat = await fs.stat(path.join(folder, 'weights.bin'));
    } catch (err) {
      throw new CheckpointError(path.join(folder, 'weights.bin'), `cannot read (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`);
    }
    const key: CacheKey = { version: TRAJECTORY_VERSION, motif, initial, weights: { size: stat.size, mtime_ms: stat.mtimeMs } };
    const cacheFile = path.join(cacheDir, `${name}.json`);
    let analysis: TrajectoryAnalysis | undefined;
    try {
      const cached = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as CacheFile;
      if (cached && sameKey(cached.key, key) && cached.analysis) analysis = cached.analysis;
    } catch {
      // no cache, or a stale or torn one: analyse again
    }
    if (!analysis) {
      W0 ??= await initialW(runDir, config, initial, opts.read);
      const net = await readNetwork(modelJson, config.cell, opts.read);
      try {
        analysis = analyzeTrajectoryPoint({ ...net, W0, activation: config.activation, motif });
      } catch (err) {
        throw err instanceof BadInputError ? err.inFile(modelJson) : new CheckpointError(modelJson, problemOf(err));
      }
      await fs.mkdir(cacheDir, { recursive: true });
      await writeJsonAtomic(cacheFile, { key, analysis } satisfies CacheFile);
      computed++;
      opts.onComputed?.(update);
    }
    checkpoints.push({ update, checkpoint: `${RUN_FILES.checkpoints}/${name}`, val_loss: vals.get(update) ?? null, ...analysis });
  }
  checkpoints.sort((a, b) => a.update - b.update);
  // Analyses of checkpoints the retention policy pruned are dropped with them.
  if (!opts.endsOnly) {
    const kept = new Set(names.map((n) => `${n}.json`));
    const cached = await fs.readdir(cacheDir).catch(() => [] as string[]);
    await Promise.all(cached.filter((f) => f.startsWith(CHECKPOINT_PREFIX) && f.endsWith('.json') && !kept.has(f)).map((f) => fs.rm(path.join(cacheDir, f), { force: true }).catch(() => undefined)));
  }
  return {
    run: runDir,
    n: checkpoints[0].n,
    initial,
    ...(config.cell !== 'rnn' ? { cell: config.cell, block: KERAS_GATES[config.cell][CANDIDATE_BLOCK[config.cell]] } : {}),
    motif: { channel: motif.channel, measure: motif.measure, steps: motif.steps, tie_seed: motif.tieSeed },
    checkpoints,
    computed,
  };
}

/**
 * The matrices behind a trajectory's numbers, for pictures (the Weight Trajectory panel). `schurOf` caches by
 * checkpoint when the caller keeps one (the worker does); T is computed afresh otherwise.
 */
export async function trajectoryMatrices(
  t: Trajectory, opts: { signal?: Signal; schurCache?: Map<string, Float32Array>; read?: ReadOptions } = {},
): Promise<TrajectoryMatrices> {
  const n = t.n, nn = n * n;
  const config = await readRunConfig(t.run);
  const W0 = Float32Array.from(await initialW(t.run, config, t.initial, opts.read));
  const W = new Float32Array(t.checkpoints.length * nn), T = new Float32Array(t.checkpoints.length * nn);
  for (const [k, e] of t.checkpoints.entries()) {
    if (opts.signal?.aborted) throw new CancelledError();
    const modelJson = path.join(t.run, e.checkpoint, 'model.json');
    const net = await readNetwork(modelJson, config.cell, opts.read);
    if (net.n !== n) throw new CheckpointError(modelJson, `the recurrent matrix is ${net.n}×${net.n}, the run's first checkpoint ${n}×${n}`);
    W.set(net.W, k * nn);
    let stat;
    try {
      stat = await fs.stat(path.join(t.run, e.checkpoint, 'weights.bin'));
    } catch (err) {
      throw new CheckpointError(path.join(t.run, e.checkpoint, 'weights.bin'), `cannot read (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`);
    }
    const key = `${path.resolve(t.run, e.checkpoint)}:${stat.size}:${stat.mtimeMs}`;
    let schurT = opts.schurCache?.get(key);
    if (!schurT) {
      try {
        schurT = Float32Array.from(reorderSchur(realSchur(net.W, n, { wantZ: true, signal: opts.signal }), 'modulus-desc').T);
      } catch (err) {
        if (opts.signal?.aborted) throw new CancelledError();
        throw new CheckpointError(modelJson, problemOf(err));
      }
      opts.schurCache?.set(key, schurT);
    }
    T.set(schurT, k * nn);
  }
  return { n, W0, W, T };
}
