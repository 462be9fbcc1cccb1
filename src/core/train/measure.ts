/**
 * The time of one training update (forward, backward, optimizer) as the trainer runs it: a few warm-up updates, then
 * the median of timed ones. `bench train` prints it; a sweep's cost estimate multiplies it out.
 */
import * as os from 'node:os';
import type { TrainConfig } from './config';
import { makeDataset } from './data';
import { createRnnEngine } from './engines';
import { flopsPerUpdate, PARAM_NAMES, stateCount, type RnnBatch } from './model';
import { charlmStreams, streamBatch } from '../tasks/charlm';
import { corpusFile, loadCorpus } from '../tasks/charlmFile';
import { getTask } from '../tasks';
import { loadTf } from './tfjs';
import { registerRnnOp } from './tfjsOp';
import { TfjsRnnModel } from './tfjsModel';
import { initialParams, makeOptimizer } from './trainer';

export interface UpdateTiming {
  /** Median over the timed updates (wall time: on a busy machine it includes waiting for a core). */
  ms_per_update: number;
  /** CPU time of this process per timed update (mean; every engine thread counted): what the update costs, load or not. */
  cpu_ms_per_update: number;
  min_ms: number;
  max_ms: number;
  /** Floating-point operations of one update (model.ts flopsPerUpdate). */
  flops: number;
  backend: string;
  engine: string;
  T: number;
  updates: number;
  cpus: number;
}

export interface MeasureOptions {
  /** Timed updates (default 20) after `warmup` untimed ones (default 3). */
  updates?: number;
  warmup?: number;
  /** Engine threads (the trainer's --threads). */
  threads?: number;
  /** The extension's root (holding dist/mnist) for psMNIST's embedded digits. */
  assetRoot: string;
}

/** Times `updates` training updates of `config`'s model on its task (its own data, its batch size). */
export async function measureUpdateMs(config: TrainConfig, opts: MeasureOptions): Promise<UpdateTiming> {
  const updates = opts.updates ?? 20, warmup = opts.warmup ?? 3;
  const { tf, backend } = loadTf();
  const lm = config.task === 'charlm';
  const corpus = lm ? await loadCorpus(corpusFile(config.file, opts.assetRoot), config.max_chars) : null;
  const text = corpus ? charlmStreams(corpus, config.batch, config.T).train : null;
  const engine = createRnnEngine({ threads: opts.threads, cell: config.cell, stateful: lm });
  try {
    registerRnnOp(tf, engine);
    const trainSize = Math.min(config.train_size, 1000);
    const data = lm ? null : makeDataset({
      task: config.task, T: config.T, seed: 1, trainSize, valSize: 1,
      mnist: config.task === 'psmnist' ? (await import('../tasks/mnistFiles')).loadEmbeddedMnist(opts.assetRoot) : undefined,
    });
    const spec = getTask(config.task);
    const T = data ? data.T : config.T;
    const vocab = corpus?.vocab.length ?? 0;
    const model = { cell: config.cell, nIn: lm ? vocab : spec.inputSize, N: config.N, nOut: lm ? vocab : spec.outputSize, activation: config.activation, loss: spec.loss, T };
    const params = initialParams(config, model.nIn, model.nOut);
    const net = new TfjsRnnModel(tf, model, params, makeOptimizer(config, PARAM_NAMES.map((n) => params[n].length)));
    const carry = new Float32Array(lm ? stateCount(config.cell) * config.batch * config.N : 0);
    const times: number[] = [];
    let cpuMs = 0;
    try {
      for (let i = 0; i < warmup + updates; i++) {
        let batch: RnnBatch;
        if (text) {
          const pos = ((i * config.T) % (text.steps - config.T));
          batch = { ...streamBatch(text, pos, config.T), state0: carry.slice() };
        } else {
          const idx = Int32Array.from({ length: config.batch }, (_, k) => (i * config.batch + k) % data!.trainSize);
          batch = data!.trainBatch(idx);
        }
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        net.step(batch, config.batch, text ? carry : undefined);
        if (i >= warmup) {
          times.push(performance.now() - t0);
          const c = process.cpuUsage(c0);
          cpuMs += (c.user + c.system) / 1000;
        }
      }
    } finally {
      net.dispose();
    }
    times.sort((a, b) => a - b);
    return {
      ms_per_update: times[Math.floor(times.length / 2)], cpu_ms_per_update: cpuMs / updates, min_ms: times[0], max_ms: times[times.length - 1],
      flops: flopsPerUpdate({ cell: config.cell, batch: config.batch, T, nIn: model.nIn, N: config.N, nOut: model.nOut, loss: spec.loss }),
      backend, engine: engine.name, T, updates, cpus: os.availableParallelism?.() ?? os.cpus().length,
    };
  } finally {
    engine.dispose();
  }
}
