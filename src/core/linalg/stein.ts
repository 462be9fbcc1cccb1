/**
 * The discrete Lyapunov (Stein) equation of the linear memory theory (docs/science.md §3):
 *
 *   C = W C Wᵀ + I,   i.e.  C = Σ_{k≥0} W^k (W^k)ᵀ            (needs ρ(W) < 1, or W nilpotent)
 *   C_n = Σ_{k<n} W^k (W^k)ᵀ                                   (finite horizon n, any W)
 *
 * Method: the doubling (squared Smith) iteration C_{2t} = C_t + W^t C_t (W^t)ᵀ, W^{2t} = (W^t)².
 *
 * Why doubling and not Bartels–Stewart/Kitagawa on the Schur form:
 * - Accuracy. Every step adds positive semidefinite terms computed by plain matrix products, so the computed C
 *   has a forward error of order m·n·u·Σ_k |W^k||W^k|ᵀ (m = number of doublings, u = 2⁻⁵³). For a non-negative W
 *   (chain, feedback chain) that is a *componentwise relative* error of order m·n·u even when C's entries grow
 *   like α^{2N}; the sparsity is preserved exactly (a chain's C comes out exactly diagonal, and a nilpotent W
 *   reaches W^t = 0 exactly). Bartels–Stewart needs the Schur form, whose eigenvalues for such matrices are
 *   wrong by orders of magnitude (a perturbed chain has |λ| ≈ u^{1/N} ≈ 0.7 instead of 0), and its error grows
 *   with 1/sep of the Stein operator, which is tiny for strongly non-normal W.
 * - Speed. ~2.5 matrix products per doubling (A², A·C, and the symmetric half of (A·C)·Aᵀ), log₂(number of
 *   terms) doublings — 8 for ρ = 0.9. The products skip structural zeros: when W is upper Hessenberg (lower
 *   bandwidth 1), W^t has bandwidth t and the early doublings cost a fraction of a dense product, about 2.2×
 *   fewer flops overall at N = 256 (analysis/memory.ts reduces W to Hessenberg form first for that reason).
 *   A Schur form with vectors alone costs ~25N³ flops of BLAS-2-speed work.
 *
 * Stopping rule (rigorous): after summing t terms, C_∞ − C_t = A C_∞ Aᵀ with A = W^t, and
 * C_∞ = Σ_j A^j C_t (A^j)ᵀ, so with q = ‖A‖₂ ≤ ‖A‖_F < 1:  ‖C_∞ − C_t‖₂ ≤ q²‖C_t‖₂ / (1 − q²).
 * We stop when that bound is below `tol` (absolute; default ε‖C‖∞, below the rounding error of C itself).
 * Because C ⪰ I, a perturbation δC of C changes any uᵀC⁻¹u by a relative amount of at most ‖δC‖₂, so
 * `tailBound` is directly the relative error it causes in the Fisher memory.
 *
 * Divergence (ρ(W) ≥ 1) is detected by: entries overflowing; the certificates ρ ≥ |tr W^t|/N and
 * ρ ≥ |det W|^{1/N} (the latter catches orthogonal and identity matrices after a few doublings); or the series not converging
 * within `maxTerms` terms. All raise NotStableError, whose message tells the caller to use a finite horizon.
 */
import { CancelledError, type Signal } from '../cancel';
import { identity, isAllZero, logAbsDet, lowerBandwidth, matmulABt, normInf, frobenius, allFinite, transposeInto } from './dense';

const EPS = 2 ** -52;

/** W is not stable enough for the infinite-horizon sum: use a finite horizon. */
export class NotStableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotStableError';
  }
}

export interface SteinOptions {
  /** Finite horizon n ≥ 1: C_n = Σ_{k<n} W^k W^kᵀ. Omitted: the infinite sum (the Stein solution). */
  horizon?: number;
  /**
   * Absolute bound on ‖C_∞ − C‖₂ at which the infinite sum stops. Default: ε‖C‖∞ (ε = 2⁻⁵²), i.e. the truncation
   * is below the rounding error the computed C carries anyway.
   */
  tol?: number;
  /**
   * Give up (NotStableError) after this many terms of the infinite sum (default 2¹⁶ = 65536: enough for
   * ρ(W) ≲ 1 − 3e-4; closer to 1 the memory curve itself would need ~10⁵ terms and is better read over a
   * finite horizon).
   */
  maxTerms?: number;
  signal?: Signal;
}

export interface SteinResult {
  n: number;
  /** Row-major n×n, exactly symmetric, ⪰ I. */
  C: Float64Array;
  /** Finite horizon used, or null for the infinite sum. */
  horizon: number | null;
  /** Number of terms W^k W^kᵀ summed (for a nilpotent W: the index at which W^k became exactly 0). */
  terms: number;
  /** Bound on ‖C_true − C‖₂ from truncating the series (0 for a finite horizon or a nilpotent W). */
  tailBound: number;
  /** W^t was exactly zero for some t: the sum is finite and exact. */
  nilpotent: boolean;
  /** Rigorous upper bound on ρ(W) from Gelfand's formula, min_t ‖W^t‖_F^{1/t} over the powers computed. */
  rhoUpper: number;
}

function checkArgs(W: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Stein: bad order ${n}`);
  if (W.length < n * n) throw new RangeError(`Stein: ${W.length} entries for a ${n}×${n} matrix`);
  if (!allFinite(W.subarray(0, n * n))) throw new Error('matrix has NaN or Inf entries');
}

/**
 * C += A·S·Aᵀ for symmetric S and C (the result stays exactly symmetric); P is an n×n work buffer.
 * b is A's lower bandwidth (A[i][j] = 0 for i > j + b): the products skip the structural zeros.
 */
function addCongruence(C: Float64Array, A: Float64Array, S: Float64Array, n: number, P: Float64Array, b: number): void {
  matmulABt(A, S, n, n, n, false, P, false, { aLower: b }); // P = A·S (= A·Sᵀ)
  matmulABt(P, A, n, n, n, true, C, true, { btLower: b }); // C += P·Aᵀ
}

/** A² for A of lower bandwidth b (the square has bandwidth min(2b, n−1)). */
export function square(A: Float64Array, n: number, work: Float64Array, b: number): Float64Array {
  const At = work;
  transposeInto(A, n, n, n, At, n);
  return matmulABt(A, At, n, n, n, false, undefined, false, { aLower: b, btUpper: b });
}

export function overflow(what: string): NotStableError {
  return new NotStableError(
    `${what} overflows float64: the transient amplification of W is too large (or ρ(W) > 1); ` +
      'a shorter finite horizon may still be computable',
  );
}

/**
 * Solves C = W C Wᵀ + I (infinite horizon) or sums C_n (finite horizon), see the module comment.
 * @throws NotStableError for the infinite horizon when ρ(W) ≥ 1 (or too close to 1 to converge in maxTerms terms),
 *         and when entries overflow. CancelledError when signal.aborted is set between matrix products.
 */
export function solveStein(W: Float64Array, n: number, opts: SteinOptions = {}): SteinResult {
  checkArgs(W, n);
  return opts.horizon === undefined ? infinite(W, n, opts) : finite(W, n, opts.horizon, opts.signal);
}

function infinite(W: Float64Array, n: number, opts: SteinOptions): SteinResult {
  const C = identity(n);
  const work = new Float64Array(n * n);
  const r = doubleUntilConverged(W, n, opts, {
    add(A, t, b) {
      // C_{2t} = C_t + A C_t Aᵀ (for t = 1, C = I and the increment is W·Wᵀ, half a product).
      if (t === 1) matmulABt(A, A, n, n, n, true, C, true, { aLower: b, btLower: b });
      else addCongruence(C, A, C, n, work, b); // A·C is formed before C is updated
      if (!allFinite(C)) throw overflow('the noise covariance C');
    },
    norm: () => normInf(C, n, n), // ‖C‖₂ ≤ ‖C‖∞ for symmetric C
  });
  return { n, C, horizon: null, ...r };
}

/** The running sum of the doubling iteration: C, or a factor of it (./steinFactor). */
export interface DoublingSum {
  /** C ← C + A·C·Aᵀ, where C holds the first t terms and A = W^t has lower bandwidth b. */
  add(A: Float64Array, t: number, b: number): void;
  /** An upper bound on ‖C‖₂. */
  norm(): number;
}

/**
 * The doubling iteration for the infinite horizon, its stopping rule and its certificates of instability
 * (module comment), for any representation of the running sum.
 */
export function doubleUntilConverged(
  W: Float64Array, n: number, opts: SteinOptions, sum: DoublingSum,
): Pick<SteinResult, 'terms' | 'tailBound' | 'nilpotent' | 'rhoUpper'> {
  checkArgs(W, n);
  const tolOpt = opts.tol;
  const maxTerms = opts.maxTerms ?? 2 ** 16;
  const signal = opts.signal;
  let A: Float64Array = W.slice(0, n * n);
  let t = 1; // the sum holds Σ_{k<t}, A = W^t
  let aF = frobenius(A);
  let rhoUpper = aF;
  let detChecked = false;
  const work = new Float64Array(n * n);
  // Lower bandwidth of A = W^t: a Hessenberg W (b = 1) has W^t of bandwidth t, so early products are cheap.
  const b1 = Math.max(0, lowerBandwidth(W, n));
  let b = Math.min(b1, n - 1);
  const unstable = (why: string) =>
    new NotStableError(
      `W is not stable (${why}): the infinite-horizon noise covariance C = Σ W^k W^kᵀ diverges; ` +
        'use a finite horizon (e.g. the sequence length)',
    );
  for (;;) {
    if (signal?.aborted) throw new CancelledError();
    if (aF === 0 || isAllZero(A)) return { terms: t, tailBound: 0, nilpotent: true, rhoUpper: 0 };
    if (aF < 1) {
      const q2 = aF * aF;
      const cNorm = sum.norm();
      const bound = (q2 * cNorm) / (1 - q2);
      if (bound <= (tolOpt ?? EPS * cNorm)) return { terms: t, tailBound: bound, nilpotent: false, rhoUpper };
    }
    if (t >= maxTerms) {
      throw unstable(`the series has not converged after ${t} terms: ρ(W) ≥ 1, or so close to 1 that it needs more`);
    }
    // Certificates of instability (each proves ρ(W) ≥ 1 − 1e-10, where the series could not converge anyway):
    // ρ^t ≥ |tr W^t|/N always; ρ ≥ |det W|^{1/N} (sharp for orthogonal/identity-like W, whose ‖W^t‖_F stays
    // near √N; the LU costs N³/3, so it runs once and only then).
    if (aF >= 1) {
      let tr = 0;
      for (let i = 0; i < n; i++) tr += A[i * n + i];
      if (Math.abs(tr) >= n * (1 - 1e-12)) {
        throw unstable(`ρ(W)^${t} ≥ |tr W^${t}|/N = ${(Math.abs(tr) / n).toPrecision(6)}`);
      }
      if (!detChecked && t >= Math.min(n, 32) && aF >= 0.5 * Math.sqrt(n)) {
        detChecked = true;
        const g = Math.exp(logAbsDet(W, n) / n);
        if (g >= 1 - 1e-10) throw unstable(`ρ(W) ≥ |det W|^{1/N} = ${g.toPrecision(12)}`);
      }
    }
    sum.add(A, t, b);
    t *= 2;
    // Cheap test with ‖W^{2t}‖₂ ≤ ‖A‖_F², to skip the last squaring.
    if (aF < 1) {
      const q2 = aF ** 4;
      const cNorm = sum.norm();
      const bound = (q2 * cNorm) / (1 - q2);
      if (bound <= (tolOpt ?? EPS * cNorm)) return { terms: t, tailBound: bound, nilpotent: false, rhoUpper };
    }
    if (signal?.aborted) throw new CancelledError();
    A = square(A, n, work, b);
    b = Math.max(0, lowerBandwidth(A, n)); // exact: a quasi-triangular W keeps bandwidth 1, a Hessenberg one doubles it
    if (!allFinite(A)) throw overflow(`W^${t}`);
    aF = frobenius(A);
    rhoUpper = Math.min(rhoUpper, Math.pow(aF, 1 / t));
  }
}

function finite(W: Float64Array, n: number, horizon: number, signal?: Signal): SteinResult {
  const work = new Float64Array(n * n);
  const r = sumByBinaryPowering(W, n, horizon, signal, {
    one: () => identity(n),
    combine(S, R, P, b) {
      const D = S.slice();
      addCongruence(D, P, R, n, work, b);
      return D;
    },
  });
  return { n, C: r.sum, horizon, terms: horizon, tailBound: 0, nilpotent: r.nilpotent, rhoUpper: r.rhoUpper };
}

/**
 * C_horizon by binary powering, for any representation T of a partial sum (C itself, or a factor of it):
 * S ↔ C_{2^m}, P = W^{2^m}, R ↔ C_r for the low bits r of the horizon processed so far, using
 * C_{r+s} = C_s + W^s C_r (W^s)ᵀ = `combine(S, R, P, b)` (a new value; b is P's lower bandwidth).
 */
export function sumByBinaryPowering<T extends Float64Array>(
  W: Float64Array, n: number, horizon: number, signal: Signal | undefined,
  sum: { one(): T; combine(S: T, R: T, P: Float64Array, b: number): T },
): { sum: T; nilpotent: boolean; rhoUpper: number } {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  let P: Float64Array = W.slice(0, n * n);
  let S = sum.one();
  let R: T | null = null;
  let rest = horizon;
  let step = 1;
  let rhoUpper = frobenius(P);
  let nilpotent = false;
  const work = new Float64Array(n * n);
  let b = Math.min(Math.max(0, lowerBandwidth(W, n)), n - 1); // lower bandwidth of P
  for (;;) {
    if (signal?.aborted) throw new CancelledError();
    if (rest % 2 === 1) {
      R = R === null ? (S.slice() as T) : sum.combine(S, R, P, b);
      if (!allFinite(R)) throw overflow(`the noise covariance C_${horizon}`);
    }
    rest = Math.floor(rest / 2);
    if (rest === 0) break;
    if (isAllZero(P)) {
      // W^{step} = 0: every longer partial sum equals S = C_step = C_∞.
      nilpotent = true;
      R = S;
      break;
    }
    S = sum.combine(S, S, P, b);
    if (!allFinite(S)) throw overflow(`the noise covariance C_${2 * step}`);
    P = square(P, n, work, b);
    b = Math.max(0, lowerBandwidth(P, n)); // exact: a quasi-triangular W keeps bandwidth 1, a Hessenberg one doubles it
    step *= 2;
    rhoUpper = Math.min(rhoUpper, Math.pow(frobenius(P), 1 / step));
  }
  return { sum: R!, nilpotent, rhoUpper };
}

/** Convenience: the solution C of C = W C Wᵀ + I (or C_n with a horizon). */
export function noiseCovariance(W: Float64Array, n: number, opts: SteinOptions = {}): Float64Array {
  return solveStein(W, n, opts).C;
}
