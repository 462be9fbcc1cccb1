/**
 * One training run in a run folder (config.json, status.json, metrics.jsonl, checkpoints/, log.txt), as the
 * paper's code trains: the fused RNN op under TensorFlow.js, Keras RMSprop with global-norm clipping, a fixed
 * training set visited in a new shuffled order each epoch, a fixed validation set, early stopping, and
 * "succeeded" = final validation loss below half the task's baseline.
 *
 * Faults: a non-finite loss or gradient marks the run diverged and leaves the last (finite) checkpoint as it
 * was; stop() checkpoints and ends the run "stopped", from where resume continues exactly.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeInit, makeInputInit } from '../init/initializers';
import { GATE_STREAM, initGatedRecurrent, parseGatedSpec, plain } from '../init/gated';
import { Rng } from '../init/rng';
import { charlmStreams, getTask, permutation, streamBatch, type Streams } from '../tasks';
import { corpusFile, loadCorpus } from '../tasks/charlmFile';
import { loadEmbeddedMnist, loadIdxPair } from '../tasks/mnistFiles';
import { checkpointName, checkpointSchedule, checkpointsToPrune, checkpointUpdate, isScheduledCheckpoint, listCheckpoints, readJson, readTrainingCheckpoint, removeCheckpoints, writeAtomic, writeCheckpoint, writeJsonAtomic, writing, type CheckpointModel, type TrainerProgress } from './checkpoint';
import type { TrainConfig } from './config';
import { makeDataset, type Dataset } from './data';
import { PARAM_NAMES, stateCount, zeroParams, type RnnBatch, type RnnEngine, type RnnParams } from './model';
import { Adam, Rmsprop, type Optimizer } from './optimizer';
import { loadTf, type Tf } from './tfjs';
import { registerRnnOp } from './tfjsOp';
import { TfjsRnnModel } from './tfjsModel';
import type { RunStatus, TrainerState, TrainerToHost } from '../../shared/protocol';
import { CancelledError } from '../cancel';

export interface TrainOptions {
  /** continue from the run folder's last checkpoint */
  resume?: boolean;
  engine: RnnEngine;
  /** the extension's root (holding dist/mnist) for psMNIST's embedded digits */
  assetRoot: string;
  onEvent?: (e: TrainerToHost) => void;
  /** polled between updates; true ends the run "stopped" after a checkpoint */
  shouldStop?: () => boolean;
  /** for tests and the CLI's --no-tfjs-node */
  tf?: Tf;
  backend?: string;
}

export const RUN_FILES = {
  config: 'config.json',
  status: 'status.json',
  metrics: 'metrics.jsonl',
  checkpoints: 'checkpoints',
  log: 'log.txt',
} as const;

/** The model's tensors at initialization: the paper's recurrent and input initializers, Glorot-uniform readout. */
export function initialParams(c: TrainConfig, nIn: number, nOut: number): RnnParams {
  if (c.task === 'charlm') return languageModelParams(c, nIn, nOut);
  const p = zeroParams({ nIn, N: c.N, nOut });
  // makeInit/makeInputInit are in the column convention (W from unit j to unit i at W[i][j]); Keras's R = Wᵀ, K = Vᵀ.
  const W = makeInit(c.init, c.N, c.seed);
  for (let i = 0; i < c.N; i++) for (let j = 0; j < c.N; j++) p.R[j * c.N + i] = W[i * c.N + j];
  const V = makeInputInit(c.init, c.N, nIn, c.seed);
  for (let i = 0; i < c.N; i++) for (let j = 0; j < nIn; j++) p.K[j * c.N + i] = V[i * nIn + j];
  const rng = new Rng(c.seed, 5);
  const limit = Math.sqrt(6 / (c.N + nOut));
  for (let i = 0; i < p.D.length; i++) p.D[i] = (rng.uniform() * 2 - 1) * limit;
  return p;
}

/**
 * A language model's tensors at initialization: the recurrent kernel from the run's spec (init/gated.ts), every
 * other weight and bias PyTorch's default U(−1/√N, 1/√N) (the recurrent bias the sum of two such, as PyTorch's
 * b_ih + b_hh), as the PyTorch char-LM reference starts.
 */
function languageModelParams(c: TrainConfig, nIn: number, nOut: number): RnnParams {
  const p = zeroParams({ cell: c.cell, nIn, N: c.N, nOut });
  if (c.cell === 'rnn') {
    const W = /^\s*plain\s*(:|$)/i.test(c.init) ? plain(c.N, parseGatedSpec(c.init).gain, new Rng(c.seed, GATE_STREAM)) : makeInit(c.init, c.N, c.seed);
    for (let i = 0; i < c.N; i++) for (let j = 0; j < c.N; j++) p.R[j * c.N + i] = W[i * c.N + j];
  } else p.R.set(initGatedRecurrent(c.init, c.cell, c.N, c.seed));
  const k = 1 / Math.sqrt(c.N);
  const rng = new Rng(c.seed, 6);
  const u = () => (rng.uniform() * 2 - 1) * k;
  for (const name of ['K', 'D', 'c'] as const) for (let i = 0; i < p[name].length; i++) p[name][i] = u();
  // PyTorch's recurrent layers add two biases (b_ih + b_hh), each U(−k, k): the one bias here is their sum
  for (let i = 0; i < p.b.length; i++) p.b[i] = u() + u();
  return p;
}

export function makeOptimizer(c: TrainConfig, sizes: number[]): Optimizer {
  return c.optimizer === 'adam' ? new Adam(sizes, { lr: c.lr, clipNorm: c.clip_norm }) : new Rmsprop(sizes, { lr: c.lr, clipNorm: c.clip_norm });
}

/** A language model's data: B training streams walked T characters per update, the validation streams. */
interface LanguageModelFeed {
  train: Streams;
  valid: Streams;
  vocab: number;
  /** the characters of the inputs and outputs, in index order (stored in every checkpoint: sampling needs them) */
  chars: string[];
  unigramBpc: number;
}

export async function train(runDir: string, config: TrainConfig, opts: TrainOptions): Promise<RunStatus> {
  const { tf, backend } = opts.tf ? { tf: opts.tf, backend: opts.backend ?? opts.tf.getBackend() } : loadTf();
  registerRnnOp(tf, opts.engine);
  const ckptDir = path.join(runDir, RUN_FILES.checkpoints);
  await fs.mkdir(ckptDir, { recursive: true });
  const id = path.basename(path.resolve(runDir));
  let lm: LanguageModelFeed | null = null;
  if (config.task === 'charlm') {
    const corpus = await loadCorpus(corpusFile(config.file, opts.assetRoot), config.max_chars);
    lm = { ...charlmStreams(corpus, config.batch, config.T), vocab: corpus.vocab.length, chars: corpus.vocab, unigramBpc: corpus.unigramBpc };
    if (!opts.engine.finalState) throw new Error(`the ${opts.engine.name} engine cannot carry the state between batches a language model needs`);
  }
  const dataset: Dataset = lm ? languageModelDataset(config) : makeDataset({
    task: config.task, T: config.T, seed: config.seed, trainSize: config.train_size, valSize: config.val_size,
    mnist: config.task === 'psmnist'
      ? config.mnist_images ? loadIdxPair(config.mnist_images, config.mnist_labels!) : loadEmbeddedMnist(opts.assetRoot)
      : undefined,
  });
  const spec = dataset.spec;
  const model: CheckpointModel = {
    cell: config.cell, nIn: lm ? lm.vocab : spec.inputSize, N: config.N, nOut: lm ? lm.vocab : spec.outputSize, activation: config.activation, loss: spec.loss,
  };
  const baseline = lm ? lm.unigramBpc : spec.baseline(dataset.T);
  // language models: the state carried into the next batch (zero at the start and after a wrap of the streams)
  const carry = new Float32Array(lm ? stateCount(config.cell) * config.batch * config.N : 0);

  let params = initialParams(config, model.nIn, model.nOut);
  const optimizer = makeOptimizer(config, PARAM_NAMES.map((n) => params[n].length));
  let state: TrainerProgress = { update: 0, epoch: 0, position: 0, best_val_loss: null, last_val_loss: null, train_ms: 0 };
  let lastCheckpoint: string | null = null;
  const metricsFile = path.join(runDir, RUN_FILES.metrics);
  // A resume of a run killed before its first checkpoint (update 0) starts it afresh: nothing was learned yet.
  const names = opts.resume ? await listCheckpoints(ckptDir) : [];
  await removeLeftovers(runDir);
  if (names.length) {
    lastCheckpoint = names[names.length - 1];
    const ck = await readTrainingCheckpoint(path.join(ckptDir, lastCheckpoint), model, {
      optimizerSlots: optimizer.slots.length / PARAM_NAMES.length, carry: lm ? carry.length : undefined,
    });
    params = ck.params;
    ck.slots.forEach((a, i) => optimizer.slots[i].set(a));
    if (ck.carry) carry.set(ck.carry);
    state = ck.state;
    optimizer.steps = state.update;
  }

  const status: RunStatus = {
    id, state: 'running', update: state.update, updates: config.updates, train_loss: null, val_loss: state.last_val_loss,
    best_val_loss: state.best_val_loss, baseline, succeeded: false, diverged: false,
    checkpoint: lastCheckpoint ? `${RUN_FILES.checkpoints}/${lastCheckpoint}` : null,
    ms_per_update: state.update > 0 ? state.train_ms / state.update : null, pid: process.pid, host: os.hostname(),
    started_at: new Date().toISOString(), ended_at: null, error: null, engine: opts.engine.name, backend,
    ...(lm ? { loss_unit: 'bpc' as const } : {}),
  };
  const emit = (e: TrainerToHost) => opts.onEvent?.(e);
  const metrics: string[] = [];
  /** Appends the pending metric lines; `durable`: and fsyncs them (before a checkpoint, see checkpoint()). */
  const flushMetrics = async (durable = false) => {
    if (!metrics.length && !durable) return;
    const fh = await fs.open(metricsFile, 'a');
    try {
      if (metrics.length) await fh.write(metrics.splice(0).join(''));
      if (durable) await fh.datasync();
    } finally {
      await fh.close();
    }
  };
  /** status.json (after the pending metrics; `lenient`: even when those cannot be written, as a failed run ends). */
  const writeStatus = async (lenient = false) => {
    const metricsWritten = writing(RUN_FILES.metrics, () => flushMetrics());
    if (lenient) await metricsWritten.catch(() => undefined);
    else await metricsWritten;
    await writing(RUN_FILES.status, () => writeJsonAtomic(path.join(runDir, RUN_FILES.status), status));
  };
  // The first write: a resume that cannot make it (a full disk) ends here, having changed none of the run's files.
  await writeStatus();
  emit({ type: 'started', id, pid: process.pid, update: state.update, updates: config.updates, baseline });

  const net = new TfjsRnnModel(tf, { ...model, T: dataset.T }, params, optimizer);
  const validate = (): number => {
    if (lm) return validateLanguageModel(net, lm, config.T, carry.length);
    const chunk = Math.max(1, Math.min(dataset.valSize, Math.floor(4_000_000 / (dataset.T * config.N)) || 1));
    let total = 0;
    for (let s = 0; s < dataset.valSize; s += chunk) {
      const n = Math.min(chunk, dataset.valSize - s);
      total += n * net.loss(dataset.valBatch(s, n), n);
    }
    return total / dataset.valSize;
  };
  const checkpoint = async () => {
    const name = checkpointName(state.update);
    // Metrics never fall behind checkpoints: every line up to this update is in metrics.jsonl (fsynced) before the
    // checkpoint exists, so a resume from it — after a kill at any instant — finds them all (and drops any later ones).
    await writing(RUN_FILES.metrics, () => flushMetrics(true));
    state.train_loss_sum = trainLossSum;
    state.train_loss_count = trainLossCount;
    await writing(`checkpoint ${name}`, () => writeCheckpoint(ckptDir, name, model, {
      params, slots: optimizer.slots, state, carry: lm ? carry : undefined,
      metadata: {
        task: config.task, T: dataset.T, init: config.init, lr: config.lr, seed: config.seed, val_loss: state.last_val_loss, baseline,
        ...(lm ? { cell: config.cell, optimizer: config.optimizer, loss_unit: 'bits per character', vocab: lm.chars } : {}),
      },
    }));
    lastCheckpoint = name;
    checkpointVals.set(state.update, state.last_val_loss);
    status.checkpoint = `${RUN_FILES.checkpoints}/${name}`;
    emit({ type: 'checkpoint', update: state.update, path: status.checkpoint });
    if (config.keep_checkpoints > 0) {
      // status.json names the new checkpoint before any older one goes: it never points at a pruned one.
      syncStatus();
      await writeStatus();
      await prune();
    }
  };
  /** The validation loss at each checkpoint (the retention policy keeps the best); read from disk for earlier ones. */
  const checkpointVals = new Map<number, number | null>();
  const prune = async () => {
    if (config.keep_checkpoints <= 0) return;
    const updates = (await listCheckpoints(ckptDir)).map(checkpointUpdate).filter((u) => Number.isInteger(u));
    for (const u of updates) {
      if (checkpointVals.has(u)) continue;
      const meta = await readJson<{ userDefinedMetadata?: { recurrentLens?: { val_loss?: unknown } } }>(path.join(ckptDir, checkpointName(u), 'model.json'));
      const v = meta?.userDefinedMetadata?.recurrentLens?.val_loss;
      checkpointVals.set(u, typeof v === 'number' ? v : null);
    }
    let best: number | null = null;
    for (const u of updates) {
      const v = checkpointVals.get(u);
      if (typeof v === 'number' && Number.isFinite(v) && (best === null || v < checkpointVals.get(best)!)) best = u;
    }
    const pinned = lastCheckpoint ? [checkpointUpdate(lastCheckpoint)] : [];
    const drop = checkpointsToPrune(updates, { keep: config.keep_checkpoints, logSpaced: schedule.logSpaced, best, pinned });
    await writing('checkpoints (pruning)', () => removeCheckpoints(ckptDir, drop));
    for (const u of drop) checkpointVals.delete(u);
  };

  // Update 0, log-spaced updates and every checkpoint_every (docs/training.md): a function of the configuration
  // alone, so a resumed run writes the same checkpoints as an uninterrupted one.
  const schedule = checkpointSchedule(config.updates, config.checkpoint_every);
  let order = epochOrder(config.seed, state.epoch, dataset);
  // The running mean of the training loss since the last logged one: part of a checkpoint, so that a resume from a
  // checkpoint between two logged updates logs the same means as an uninterrupted run.
  let trainLossSum = state.train_loss_sum ?? 0, trainLossCount = state.train_loss_count ?? 0;
  let lastYield = performance.now(), lastStatus = lastYield;
  const t0 = performance.now() - state.train_ms;
  const syncStatus = () => {
    status.update = state.update;
    status.val_loss = state.last_val_loss;
    status.best_val_loss = state.best_val_loss;
    status.ms_per_update = state.update > 0 ? state.train_ms / state.update : null;
  };
  let disposed = false;
  const finish = async (s: TrainerState, error: string | null = null) => {
    status.state = s;
    syncStatus();
    status.succeeded = s === 'completed' && state.last_val_loss !== null && spec.succeeded(state.last_val_loss, dataset.T, baseline);
    status.diverged = s === 'diverged';
    status.ended_at = new Date().toISOString();
    status.error = error;
    try {
      await writeStatus(s === 'failed');
    } finally {
      if (!disposed) net.dispose();
      disposed = true;
    }
    emit({ type: 'end', status });
    return status;
  };
  const recordVal = (loss: number) => {
    state.last_val_loss = loss;
    if (Number.isFinite(loss) && (state.best_val_loss === null || loss < state.best_val_loss)) state.best_val_loss = loss;
    const elapsed_ms = Math.round(performance.now() - t0);
    metrics.push(JSON.stringify({ update: state.update, val_loss: loss, elapsed_ms }) + '\n');
    emit({ type: 'val', update: state.update, val_loss: loss, elapsed_ms });
  };

  try {
    // metrics.jsonl: started empty, or on resume cut back to the checkpoint (after status.json, the first write).
    if (lastCheckpoint) await writing(RUN_FILES.metrics, () => truncateMetrics(metricsFile, state.update));
    else await writing(RUN_FILES.metrics, () => writeAtomic(metricsFile, ''));
    // A resume prunes what a trainer stopped between a checkpoint and its pruning left.
    if (lastCheckpoint) await prune();
    if (state.update === 0 && state.last_val_loss === null) recordVal(validate());
    if (state.update === 0 && lastCheckpoint === null) await checkpoint(); // the initial W
    while (state.update < config.updates) {
      if (opts.shouldStop?.()) throw new CancelledError();
      let batch: RnnBatch, count: number, loss: number, norm: number;
      if (lm) {
        // the streams' next T characters from where the last batch ended, from the state it ended in
        if (state.position + config.T + 1 > lm.train.steps) {
          state.epoch++;
          state.position = 0;
          carry.fill(0);
        }
        batch = { ...streamBatch(lm.train, state.position, config.T), state0: carry.slice() };
        count = config.batch;
      } else {
        if (state.position + config.batch > dataset.trainSize) {
          state.epoch++;
          state.position = 0;
          order = epochOrder(config.seed, state.epoch, dataset);
        }
        const indices = order.subarray(state.position, state.position + Math.min(config.batch, dataset.trainSize));
        batch = dataset.trainBatch(indices);
        count = indices.length;
      }
      const ts = performance.now();
      ({ loss, norm } = net.step(batch, count, lm ? carry : undefined));
      state.train_ms += performance.now() - ts;
      if (lm) loss /= Math.LN2; // bits per character
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        status.train_loss = loss;
        const what = !Number.isFinite(loss) ? `the training loss became ${loss}` : `the gradient norm became ${norm}`;
        return await finish('diverged', `${what} at update ${state.update + 1}; the last finite checkpoint is ${lastCheckpoint ?? 'none (no checkpoint was written yet)'}`);
      }
      state.update++;
      state.position += lm ? config.T : count;
      trainLossSum += loss;
      trainLossCount++;
      if (state.update % config.log_every === 0 || state.update === config.updates) {
        const mean = trainLossSum / trainLossCount;
        trainLossSum = trainLossCount = 0;
        status.train_loss = mean;
        const elapsed_ms = Math.round(performance.now() - t0);
        metrics.push(JSON.stringify({ update: state.update, train_loss: mean, elapsed_ms }) + '\n');
        emit({ type: 'train', update: state.update, train_loss: mean, elapsed_ms });
      }
      let early = false;
      const atCheckpoint = isScheduledCheckpoint(schedule, state.update);
      const evaluation = state.update % config.eval_every === 0 || state.update === config.updates;
      // Every checkpoint has its validation loss too. Validation draws no random numbers and early stopping looks only
      // at the regular evaluations, so the run's course is the same as without the extra checkpoints.
      if (evaluation || atCheckpoint) {
        const val = validate();
        recordVal(val);
        if (!Number.isFinite(val)) return await finish('diverged', `the validation loss became ${val} at update ${state.update}`);
        early = evaluation && val < config.early_stop;
      }
      if (early || atCheckpoint) {
        await checkpoint();
      }
      if (early) break;
      const now = performance.now();
      if (now - lastStatus > 500) {
        // for those who follow the run through its files (the IPC parent gets every event)
        syncStatus();
        await writeStatus();
        lastStatus = now;
      }
      if (now - lastYield > 50) {
        // Lets stop messages and signals in between updates.
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
    if (state.last_val_loss === null) recordVal(validate());
    return await finish('completed');
  } catch (thrown) {
    let err = thrown;
    // stopped on request: checkpoint, state `stopped`
    if (err instanceof CancelledError) {
      try {
        if (lastCheckpoint !== checkpointName(state.update)) await checkpoint();
        return await finish('stopped');
      } catch (e) {
        err = e; // the stop's checkpoint or status could not be written: the run failed
      }
    }
    // One line (`disk full while writing checkpoint update-0000190 (ENOSPC)`); status.checkpoint names the last
    // complete checkpoint. When even status.json cannot be written, the run store sees the trainer gone (interrupted).
    await finish('failed', (err as Error).message ?? String(err)).catch(() => undefined);
    throw err;
  }
}

/** Stands in for the toy tasks' Dataset in a language model's run (its batches come from the streams). */
function languageModelDataset(c: TrainConfig): Dataset {
  const none = () => { throw new Error('a language model reads its batches from the text streams'); };
  return { spec: getTask(c.task), T: c.T, trainSize: 0, valSize: 0, trainBatch: none, valBatch: none };
}

/**
 * Validation loss of a language model in bits per character: the whole validation part, T characters of every
 * stream at a time (the last chunk shorter) from a zero state carried through, weighted by the chunks' lengths.
 */
function validateLanguageModel(net: TfjsRnnModel, lm: LanguageModelFeed, T: number, stateLength: number): number {
  const carry = new Float32Array(stateLength);
  let total = 0, count = 0;
  for (let s = 0; s < lm.valid.steps - 1; s += T) {
    const n = Math.min(T, lm.valid.steps - 1 - s);
    const batch = { ...streamBatch(lm.valid, s, n), state0: carry.slice() };
    total += net.loss(batch, lm.valid.B, n, carry) * n;
    count += n;
  }
  return total / count / Math.LN2;
}

/** The training set's order in an epoch: a fixed shuffle per (seed, epoch). */
function epochOrder(seed: number, epoch: number, d: Dataset): Int32Array {
  return permutation(new Rng(seed, 100 + epoch), d.trainSize);
}

/**
 * On resume, drops metric lines logged after the checkpoint (they will be produced again) and any torn line. The
 * shorter file is written beside metrics.jsonl and renamed over it: a kill at any instant leaves the old file or
 * the new one, never an empty or half one.
 */
async function truncateMetrics(file: string, update: number): Promise<void> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return;
  }
  const kept = text.split('\n').filter((line) => {
    if (!line.trim()) return false;
    try {
      return (JSON.parse(line) as { update: number }).update <= update;
    } catch {
      return false;
    }
  });
  await writeAtomic(file, kept.map((l) => l + '\n').join(''));
}

/**
 * Temporary files of writes a killed trainer left half done: `<run file>.<pid>.tmp`, `.overwritten.<pid>.tmp/` (train
 * --overwrite) and checkpoints' `.update-NNNNNNN.<pid>.tmp/`. Nothing else in the folder is touched.
 */
async function removeLeftovers(runDir: string): Promise<void> {
  const ours = [
    { dir: runDir, re: /^(?:config\.json|status\.json|metrics\.jsonl|\.overwritten)\.(\d+)\.tmp$/ },
    { dir: path.join(runDir, RUN_FILES.checkpoints), re: /^\.update-\d+\.(\d+)\.tmp$/ },
  ];
  for (const { dir, re } of ours) {
    let names: string[] = [];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = re.exec(n);
      if (m && Number(m[1]) !== process.pid) await fs.rm(path.join(dir, n), { recursive: true, force: true });
    }
  }
}
