/**
 * Integer helpers over the project's seeded generator (src/core/init/rng.ts) for the task generators.
 * Everything here consumes only `Rng.nextU32`, so a task's data depend on nothing but the seed.
 */
import { Rng } from '../init/rng';

/** A generator from a seed, or the generator itself (so successive calls can share one stream). */
export type SeedOrRng = number | Rng;

/** Stream of `Rng` reserved for task data, so a task seeded like an initializer never shares its numbers. */
export const TASK_STREAM = 7;

export function toRng(seed: SeedOrRng): Rng {
  return typeof seed === 'number' ? new Rng(seed, TASK_STREAM) : seed;
}

/**
 * Uniform integer in [low, high) — numpy's `randint(low, high)` convention — without modulo bias
 * (rejection sampling on 32-bit draws). `high − low` must be in [1, 2³²].
 */
export function randInt(rng: Rng, low: number, high: number): number {
  const n = high - low;
  if (!Number.isInteger(low) || !Number.isInteger(n) || n < 1 || n > 4294967296) {
    throw new RangeError(`randInt: need integers low < high with high − low ≤ 2^32, got [${low}, ${high})`);
  }
  // Accept u < limit, the largest multiple of n not above 2³²; then u mod n is exactly uniform.
  const limit = 4294967296 - (4294967296 % n);
  for (;;) {
    const u = rng.nextU32();
    if (u < limit) return low + (u % n);
  }
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates / Durstenfeld, from the top down). */
export function permutation(rng: Rng, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be a non-negative integer, got ${n}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randInt(rng, 0, i + 1);
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

export function checkPositiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}
