/**
 * The time of one training update (forward, backward, optimizer) as the trainer runs it: a few warm-up updates, then
 * the median of timed ones. `bench train` prints it; a sweep's cost estimate multiplies it out.
 */
import * as os from 'node:os';
import type { TrainConfig } from './config';
import { makeDataset } from './data';
import { createRnnEngine } from './engines';
import { flopsPerUpdate, PARAM_NAMES } from './model';
import { Rmsprop } from './optimizer';
import { loadTf } from './tfjs';
import { registerRnnOp } from './tfjsOp';
import { TfjsRnnModel } from './tfjsModel';
import { initialParams } from './trainer';

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
  const engine = createRnnEngine({ threads: opts.threads });
  try {
    registerRnnOp(tf, engine);
    const trainSize = Math.min(config.train_size, 1000);
    const data = makeDataset({
      task: config.task, T: config.T, seed: 1, trainSize, valSize: 1,
      mnist: config.task === 'psmnist' ? (await import('../tasks/mnistFiles')).loadEmbeddedMnist(opts.assetRoot) : undefined,
    });
    const spec = data.spec;
    const model = { nIn: spec.inputSize, N: config.N, nOut: spec.outputSize, activation: config.activation, loss: spec.loss, T: data.T };
    const params = initialParams(config, model.nIn, model.nOut);
    const net = new TfjsRnnModel(tf, model, params, new Rmsprop(PARAM_NAMES.map((n) => params[n].length), { lr: config.lr, clipNorm: config.clip_norm }));
    const times: number[] = [];
    let cpuMs = 0;
    try {
      for (let i = 0; i < warmup + updates; i++) {
        const idx = Int32Array.from({ length: config.batch }, (_, k) => (i * config.batch + k) % data.trainSize);
        const batch = data.trainBatch(idx);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        net.step(batch, config.batch);
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
      flops: flopsPerUpdate({ batch: config.batch, T: data.T, nIn: model.nIn, N: config.N, nOut: model.nOut, loss: spec.loss }),
      backend, engine: engine.name, T: data.T, updates, cpus: os.availableParallelism?.() ?? os.cpus().length,
    };
  } finally {
    engine.dispose();
  }
}
