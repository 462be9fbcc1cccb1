/**
 * The addition task, as the paper's official code generates it (eminorhan/nonnormal-init,
 * generate_data.addition_task; docs/science.md §5). Per sequence of length T (750 in the paper):
 *
 *   channel 0, the mask:   exactly two 1s, one at a uniform position in [0, ⌊T/2⌋) and one in [⌊T/2⌋, T)
 *                          (numpy randint(0, T//2) and randint(T//2, T)); 0 elsewhere
 *   channel 1, the signal: independent U[0, 1) values at every step
 *   target:                the sum of the two marked signal values, read out linearly at the last step (MSE)
 *
 * The channel order is [mask, signal], as in the official code's `np.concatenate((mask, signal), axis=2)`.
 * Layout (batch-major): `x[(b·T + t)·2 + c]`, `y[b]`.
 *
 * The target is the float32 sum of the two float32 inputs the network actually sees (the official code sums
 * float64s and Keras then casts to float32; the two differ by at most a few float32 ulps).
 *
 * Baseline: always predict 1, MSE = 1/6. With U₁, U₂ independent U[0, 1], the target S = U₁ + U₂ has mean 1, so
 * the constant prediction 1 is the best memoryless one and its MSE is E[(S − 1)²] = Var S = Var U₁ + Var U₂
 * = 1/12 + 1/12 = 1/6 (Var U = E[U²] − E[U]² = 1/3 − 1/4 = 1/12).
 */
import { checkPositiveInt, randInt, toRng, type SeedOrRng } from './random';

export const ADDITION_CHANNELS = 2;
export const ADDITION_MASK = 0;
export const ADDITION_SIGNAL = 1;
export const ADDITION_DEFAULT_T = 750;
export const ADDITION_BASELINE = 1 / 6;

export interface AdditionBatch {
  batch: number;
  T: number;
  /** inputs [mask, signal], batch × T × 2 */
  x: Float32Array;
  /** targets, batch (× 1) */
  y: Float32Array;
}

/** `batch` addition-task sequences of length T from a seed (or from a generator, to draw successive batches). */
export function additionTask(batch: number, T = ADDITION_DEFAULT_T, seed: SeedOrRng = 1): AdditionBatch {
  checkPositiveInt('batch', batch);
  checkPositiveInt('T', T);
  if (T < 2) throw new RangeError(`addition task: T must be at least 2 (one mark in each half), got ${T}`);
  const rng = toRng(seed);
  const half = Math.floor(T / 2);
  const x = new Float32Array(batch * T * ADDITION_CHANNELS);
  const y = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const row = b * T;
    for (let t = 0; t < T; t++) x[(row + t) * ADDITION_CHANNELS + ADDITION_SIGNAL] = rng.uniform();
    const i1 = randInt(rng, 0, half);
    const i2 = randInt(rng, half, T);
    x[(row + i1) * ADDITION_CHANNELS + ADDITION_MASK] = 1;
    x[(row + i2) * ADDITION_CHANNELS + ADDITION_MASK] = 1;
    y[b] = x[(row + i1) * ADDITION_CHANNELS + ADDITION_SIGNAL] + x[(row + i2) * ADDITION_CHANNELS + ADDITION_SIGNAL];
  }
  return { batch, T, x, y };
}

export function additionBaseline(): number {
  return ADDITION_BASELINE;
}
