/**
 * The copy task, as the paper's official code generates it (eminorhan/nonnormal-init, generate_data.copy_task;
 * docs/science.md §5). Per sequence of length T (500 in the paper; 100 for quick runs):
 *
 *   input symbols  s[0..9]  = 10 digits drawn uniformly from 1..8 (numpy randint(1, 9))
 *                  s[T−11]  = 9, the cue ("now recall")
 *                  all else = 0, the blank
 *   target classes y[0..T−11] = 0 (blank), T − 10 steps
 *                  y[T−10..T−1] = s[0..9], the digits in order
 *
 * Inputs are one-hot over 10 symbols (0..9); targets range over 9 classes (0..8; the cue is never a target).
 * Loss: softmax + cross-entropy at every step, averaged over all T steps and the batch.
 *
 * Layout (batch-major): `x[(b·T + t)·10 + s]`; targets are class labels `y[b·T + t]` in an Int32Array rather
 * than Keras's one-hot matrix — they carry the same information (the official code's `y` is exactly
 * `oneHot(y, 9)`), and a cross-entropy over labels is `−log p[y]`. Use {@link oneHot} when a one-hot matrix
 * is needed.
 *
 * Needs T ≥ 21 so the cue comes after the 10 digits (T − 11 ≥ 10).
 */
import { checkPositiveInt, randInt, toRng, type SeedOrRng } from './random';

export const COPY_SYMBOLS = 10; // input alphabet: 0 blank, 1..8 digits, 9 cue
export const COPY_CLASSES = 9; // target alphabet: 0 blank, 1..8 digits
export const COPY_DIGITS = 10; // digits to remember
export const COPY_CUE = 9;
export const COPY_DEFAULT_T = 500; // the paper's
export const COPY_QUICK_T = 100;

export interface CopyBatch {
  batch: number;
  T: number;
  /** one-hot inputs, batch × T × 10 */
  x: Float32Array;
  /** target class labels in 0..8, batch × T */
  y: Int32Array;
}

/** `batch` copy-task sequences of length T from a seed (or from a generator, to draw successive batches). */
export function copyTask(batch: number, T = COPY_DEFAULT_T, seed: SeedOrRng = 1): CopyBatch {
  checkPositiveInt('batch', batch);
  checkPositiveInt('T', T);
  if (T < 2 * COPY_DIGITS + 1) throw new RangeError(`copy task: T must be at least 21 (the cue at T − 11 follows the 10 digits), got ${T}`);
  const rng = toRng(seed);
  const x = new Float32Array(batch * T * COPY_SYMBOLS);
  const y = new Int32Array(batch * T); // zeros: the blank class
  for (let b = 0; b < batch; b++) {
    const row = b * T;
    for (let t = 0; t < T; t++) x[(row + t) * COPY_SYMBOLS] = 1; // blank everywhere, overwritten below
    for (let k = 0; k < COPY_DIGITS; k++) {
      const d = randInt(rng, 1, 9);
      x[(row + k) * COPY_SYMBOLS] = 0;
      x[(row + k) * COPY_SYMBOLS + d] = 1;
      y[row + T - COPY_DIGITS + k] = d;
    }
    const cue = row + T - COPY_DIGITS - 1;
    x[cue * COPY_SYMBOLS] = 0;
    x[cue * COPY_SYMBOLS + COPY_CUE] = 1;
  }
  return { batch, T, x, y };
}

/**
 * Cross-entropy of the best predictor without memory of the digits: `10·ln 8 / T` (0.0416 at T = 500, 0.208
 * at T = 100; a run "succeeds" below half of it).
 *
 * Such a predictor may know where it is in the sequence (the cue tells it when recall starts) but not which
 * digits it saw, so at each step its best output is the marginal class distribution for that step: the blank
 * with probability 1 for the first T − 10 steps (cross-entropy −ln 1 = 0), then uniform over the 8 digits for
 * the last 10 steps (each digit is uniform on 1..8 and independent of everything the predictor can see, so
 * cross-entropy −ln(1/8) = ln 8 per step). Averaged over all T steps: (T − 10)·0 + 10·ln 8, divided by T.
 */
export function copyBaseline(T: number): number {
  return (COPY_DIGITS * Math.log(8)) / T;
}

/** One-hot encoding of class labels: `labels.length × classes`, as Keras's categorical targets. */
export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c < 0 || c >= classes) throw new RangeError(`oneHot: label ${c} at ${i} is outside 0..${classes - 1}`);
    out[i * classes + c] = 1;
  }
  return out;
}
