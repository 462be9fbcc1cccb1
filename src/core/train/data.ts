/**
 * Fixed training and validation sets, as the official code makes them once per run (60 000 training
 * sequences, a held-out set for validation). Copy and addition sequences are not stored: sequence i is
 * generated from its own seeded stream whenever it is needed, so a 60 000 × 750 set costs no memory and is
 * the same every time. psMNIST draws from a set of digits (the embedded 10 000, or the user's IDX files).
 */
import { Rng } from '../init/rng';
import {
  additionTask, copyTask, getTask, PSMNIST_PIXELS, psmnistPermutation, toSequences, type TaskName, type TaskSpec,
} from '../tasks';
import type { MnistSet } from '../tasks/mnistFiles';
import type { RnnBatch } from './model';

export interface DatasetOptions {
  task: TaskName;
  T: number;
  seed: number;
  trainSize: number;
  valSize: number;
  /** psMNIST digits; the validation set is the last valSize of them, training uses the rest */
  mnist?: MnistSet;
}

export interface Dataset {
  spec: TaskSpec;
  T: number;
  trainSize: number;
  valSize: number;
  /** training sequences by index (0 ≤ i < trainSize) */
  trainBatch(indices: ArrayLike<number>): RnnBatch;
  /** validation sequences [start, start + count) */
  valBatch(start: number, count: number): RnnBatch;
}

// Streams of Rng per purpose, so no two sets share numbers (tasks use stream 7 by default).
const TRAIN_STREAM_BASE = 1 << 20;
const VAL_STREAM_BASE = 1 << 21;

export function makeDataset(o: DatasetOptions): Dataset {
  const spec = getTask(o.task);
  const T = spec.variableT ? o.T : spec.defaultT;
  if (!Number.isSafeInteger(o.trainSize) || o.trainSize < 1) throw new RangeError(`train_size must be a positive integer, got ${o.trainSize}`);
  if (!Number.isSafeInteger(o.valSize) || o.valSize < 1) throw new RangeError(`val_size must be a positive integer, got ${o.valSize}`);
  if (spec.name === 'psmnist') return mnistDataset(o, spec);

  const one = (stream: number) => {
    const rng = new Rng(o.seed, stream);
    return spec.name === 'copy' ? copyTask(1, T, rng) : additionTask(1, T, rng);
  };
  const gather = (streams: number[]): RnnBatch => {
    const parts = streams.map(one);
    const x = new Float32Array(streams.length * T * spec.inputSize);
    parts.forEach((p, i) => x.set(p.x, i * p.x.length));
    if (spec.name === 'copy') {
      const labels = new Int32Array(streams.length * T);
      parts.forEach((p, i) => labels.set(p.y as Int32Array, i * T));
      return { x, labels };
    }
    const targets = new Float32Array(streams.length);
    parts.forEach((p, i) => (targets[i] = (p.y as Float32Array)[0]));
    return { x, targets };
  };
  return {
    spec, T, trainSize: o.trainSize, valSize: o.valSize,
    trainBatch: (indices) => gather(Array.from(indices, (i) => TRAIN_STREAM_BASE + checkIndex(i, o.trainSize))),
    valBatch: (start, count) => gather(Array.from({ length: count }, (_, k) => VAL_STREAM_BASE + checkIndex(start + k, o.valSize))),
  };
}

function mnistDataset(o: DatasetOptions, spec: TaskSpec): Dataset {
  if (!o.mnist) throw new Error('psMNIST needs digits (the embedded set or IDX files)');
  const { images, labels } = o.mnist;
  if (images.rows * images.cols !== PSMNIST_PIXELS) {
    throw new RangeError(`psMNIST needs 28×28 images, got ${images.rows}×${images.cols}`);
  }
  const total = images.count;
  if (total < 2) throw new RangeError(`psMNIST needs at least 2 images, got ${total}`);
  const valSize = Math.min(o.valSize, Math.floor(total / 2));
  const trainSize = Math.min(o.trainSize, total - valSize);
  const perm = psmnistPermutation(o.seed);
  const pick = (indices: number[]): RnnBatch => {
    const x = new Float32Array(indices.length * PSMNIST_PIXELS);
    const y = new Int32Array(indices.length);
    indices.forEach((i, k) => {
      const s = toSequences(images.pixels, labels, perm, i, 1);
      x.set(s.x, k * PSMNIST_PIXELS);
      y[k] = s.y[0];
    });
    return { x, labels: y };
  };
  return {
    spec, T: PSMNIST_PIXELS, trainSize, valSize,
    trainBatch: (indices) => pick(Array.from(indices, (i) => checkIndex(i, trainSize))),
    valBatch: (start, count) => pick(Array.from({ length: count }, (_, k) => total - valSize + checkIndex(start + k, valSize))),
  };
}

function checkIndex(i: number, size: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`sequence ${i} is outside the set of ${size}`);
  return i;
}
