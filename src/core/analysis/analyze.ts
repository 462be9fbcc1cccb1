/**
 * Every analysis of one matrix in one call, as the analysis panel, the worker and the CLI need it.
 * Each step checks `signal` so a long analysis can be cancelled, and is timed.
 */
import { realSchur, reorderSchur, eigenvalueConditions, RealSchur } from '../linalg/schur';
import { pseudospectrum, defaultGrid } from '../linalg/pseudospectrum';
import { singularValues } from '../linalg/svd';
import { NotStableError } from '../linalg/stein';
import { frobenius, matmulABt } from '../linalg/dense';
import { throwIfAborted, type Signal } from '../cancel';
import { BadInputError, checkSquareFinite } from '../badInput';
import { fisherMemory, inputVector } from './memory';
import { henrici } from './henrici';
import { transientNorms } from './transient';
import { chainMotif, type MotifActivation, type MotifOptions } from './motif';
import type { AnalysisOptions, AnalysisPart, AnalysisPayload } from './types';

export const EPS = 2 ** -52;

/** Eigenvalues whose first-order error bound κ·ε exceeds this are reported as untrustworthy. */
const TRUST_RELATIVE = 1e-8;


/** ‖Z T Zᵀ − W‖_F / ‖W‖_F and ‖ZᵀZ − I‖_F. */
export function schurAccuracy(W: Float64Array, s: RealSchur): { residual: number; orthogonality: number } {
  const n = s.n;
  if (n === 0) return { residual: 0, orthogonality: 0 };
  // ZT = Z·T = Z·(Tᵀ)ᵀ, then (ZT)·Zᵀ; ZᵀZ = Zᵀ·(Zᵀ)ᵀ.
  const Tt = new Float64Array(n * n);
  const Zt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      Tt[j * n + i] = s.T[i * n + j];
      Zt[j * n + i] = s.Z[i * n + j];
    }
  }
  const ZT = matmulABt(s.Z, Tt, n, n, n, false, undefined, false, { btUpper: 1 }); // Tᵀ's rows: T is quasi-triangular
  const R = matmulABt(ZT, s.Z, n, n, n);
  let num = 0;
  for (let i = 0; i < n * n; i++) num += (R[i] - W[i]) ** 2;
  const G = matmulABt(Zt, Zt, n, n, n, true);
  let orth = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) orth += (G[i * n + j] - (i === j ? 1 : 0)) ** 2;
  const w = frobenius(W);
  return { residual: w > 0 ? Math.sqrt(num) / w : Math.sqrt(num), orthogonality: Math.sqrt(orth) };
}

export function spectralRadius(s: Pick<RealSchur, 'wr' | 'wi'>): number {
  let r = 0;
  for (let i = 0; i < s.wr.length; i++) r = Math.max(r, Math.hypot(s.wr[i], s.wi[i]));
  return r;
}

type MemoryPart = AnalysisPayload['memory'];

/**
 * Why memory is summed over a finite horizon although the options asked for the infinite one: ρ(W) ≥ 1 makes the
 * noise covariance C = Σ_k W^k W^kᵀ diverge. `rho` is the computed spectral radius; `proof` the solver's own
 * certificate when the computed eigenvalues said ρ < 1 (possible for ill-conditioned eigenvalues).
 */
export function finiteHorizonNote(rho: number, n: number, proof?: string): string {
  const cause = proof ?? `ρ(W) = ${rho.toPrecision(3)} ≥ 1`;
  return `${cause}, so the noise covariance diverges and memory is summed over the finite horizon n = N = ${n}`;
}

/** Throws BadInputError unless v is a non-zero vector of N finite numbers (the memory curve's input direction). */
export function checkInputVector(v: ArrayLike<number>, n: number): void {
  if (v.length !== n) throw new BadInputError(`the input vector has ${v.length} entries, expected N = ${n}`);
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] * v[i];
  if (!Number.isFinite(s)) throw new BadInputError('the input vector has NaN or Inf entries');
  if (s === 0) throw new BadInputError('the input vector must be non-zero');
}

/** J(k) for the options' horizon; the infinite horizon becomes the finite horizon N when ρ(W) ≥ 1 makes C diverge. */
export function memoryCurve(
  W: Float64Array, n: number, v: Float64Array, horizon: number | null, rho: number, signal?: Signal, schur?: RealSchur,
  conditionMax?: number, descendingSchur?: RealSchur,
): MemoryPart {
  // The input checks a user can trip, as bad-input errors (memory.ts's own checks are the solvers' guards).
  checkSquareFinite(W, n, 'memory curves');
  checkInputVector(v, n);
  if (horizon !== null && (!Number.isInteger(horizon) || horizon < 1)) throw new BadInputError(`the horizon must be a positive integer, got ${horizon}`);
  const finite = (h: number, note: string | null): MemoryPart => {
    const m = fisherMemory(W, n, v, { horizon: h, signal, schur, conditionMax, descendingSchur });
    return { J: m.J, jTot: m.jTot, jTotError: m.jTotError, horizon: h, note };
  };
  if (horizon !== null) return finite(horizon, null);
  // Try the infinite sum even when the computed ρ is ≥ 1: eigenvalues of non-normal W can be far off (a feedback
  // chain with exact ρ = 0.994 computes as ρ > 1), while the doubling's own certificates of divergence are rigorous.
  // Not when the computed ρ exceeds 1 by more than its eigenvalue's rounding error can (κ·N·ε·‖W‖_F bounds it):
  // then ρ ≥ 1 is certain, and proving it by doubling costs more than the finite horizon itself (≈ 6 s at N = 1024).
  if (rho >= 1 && schur) {
    let kappa = conditionMax;
    if (kappa === undefined) {
      kappa = 0;
      for (const k of eigenvalueConditions(schur)) kappa = Math.max(kappa, Number.isNaN(k) ? Infinity : k);
    }
    if (rho - 1 > kappa * n * EPS * frobenius(W)) return finite(n, finiteHorizonNote(rho, n));
  }
  try {
    const m = fisherMemory(W, n, v, { signal, schur });
    return { J: m.J, jTot: m.jTot, jTotError: m.jTotError, horizon: null, note: m.truncated ? `the infinite sum was cut after ${m.J.length} terms (tail ≤ ${m.tailBound.toExponential(1)})` : null };
  } catch (err) {
    if (!(err instanceof NotStableError)) throw err;
    if (rho >= 1) return finite(n, finiteHorizonNote(rho, n));
    // The computed eigenvalues said ρ < 1, but the doubling proved otherwise (or C overflowed): say which.
    const proof = /\(([^)]*)\)/.exec(err.message)?.[1];
    return finite(n, finiteHorizonNote(rho, n, proof ? `W is not stable (${proof})` : 'the infinite sum Σ W^k W^kᵀ does not converge in float64'));
  }
}

export interface AnalyzeInput {
  W: Float64Array;
  n: number;
  options: AnalysisOptions;
  title?: string;
  /** Seed of the random input direction. */
  seed?: number;
  signal?: Signal;
  /** How the chain motif drives the network (a trained network's input, bias and activation); default: the
   * options' activation and a pulse into unit 0. */
  motif?: MotifOptions & { activation?: MotifActivation };
  /** Called as each step ends, with its name and milliseconds (the `timingsMs` entries, as they come). */
  onStep?: (name: string, ms: number) => void;
  /**
   * Called with each part of the result as soon as it is computed, in the order of ANALYSIS_PART_ORDER (without
   * `gates`); the returned payload is their merge. The parts share their arrays with the payload and nothing here reads
   * an array after its part went out, so the callback may transfer them to another thread (the payload's are then
   * detached).
   */
  onPart?: (part: AnalysisPart) => void;
}

export function analyzeMatrix({ W, n, options, title = '', seed = 0, signal, motif: motifOptions, onStep, onPart }: AnalyzeInput): AnalysisPayload {
  checkSquareFinite(W, n);
  const f32 = (a: Float64Array) => Float32Array.from(a);
  const matrix = f32(W);
  onPart?.({ part: 'matrix', title, options, matrix, numbers: { n, frobenius: frobenius(W.subarray(0, n * n)) } });

  const timings: Record<string, number> = {};
  const started = performance.now();
  const step = <T>(name: string, f: () => T): T => {
    throwIfAborted(signal);
    const t = performance.now();
    const r = f();
    timings[name] = performance.now() - t;
    onStep?.(name, timings[name]);
    return r;
  };

  const schur = step('schur', () => realSchur(W, n, { signal }));
  const ordered = step('reorder', () => reorderSchur(schur, options.order));
  const rho = spectralRadius(schur);
  // Copies of what later steps still read (`ordered`'s eigenvalues): a caller may move a part's arrays away.
  const schurT = f32(ordered.T), eigRe = ordered.wr.slice(), eigIm = ordered.wi.slice();
  onPart?.({ part: 'schur', schurT, eigRe, eigIm, numbers: { spectralRadius: rho } });
  const accuracy = step('schur_check', () => schurAccuracy(W, ordered));
  const kappa = step('conditions', () => eigenvalueConditions(ordered));
  const sv = step('singular_values', () => singularValues(W, n, n));
  const h = step('henrici', () => henrici(W, n, schur));

  let maxCondition = 0;
  // A zero s (defective eigenvalue) can come out as NaN: it means an infinite condition number.
  for (const k of kappa) maxCondition = Math.max(maxCondition, Number.isNaN(k) ? Infinity : k);
  const warnings: string[] = [];
  if (maxCondition * EPS > TRUST_RELATIVE) {
    const spread = maxCondition * EPS * (sv[0] ?? 0);
    warnings.push(Number.isFinite(maxCondition)
      ? `Eigenvalues are ill-conditioned (largest condition number κ = ${maxCondition.toExponential(2)}): rounding alone can move ` +
        `them by about κ·ε·‖W‖ ≈ ${spread.toExponential(1)}, so the computed spectrum and ρ(W) are not exact — read the pseudospectrum instead.`
      : 'Eigenvalues are ill-conditioned beyond measure (condition number κ = ∞ in float64: W is defective or nearly so, as ' +
        'chains are): rounding alone can move them far, so the computed spectrum and ρ(W) are not exact — read the pseudospectrum instead.');
  }
  const numbers = {
    n, spectralRadius: rho, sigmaMax: sv[0] ?? 0, sigmaMin: sv[sv.length - 1] ?? 0, frobenius: h.frobenius,
    henrici: h.absolute, henriciNormalized: h.normalized, jTot: NaN,
    schurResidual: accuracy.residual, schurOrthogonality: accuracy.orthogonality, maxCondition,
  };
  onPart?.({
    part: 'numbers', eigCondition: kappa, singularValues: sv, warnings: [...warnings],
    numbers: {
      sigmaMax: numbers.sigmaMax, sigmaMin: numbers.sigmaMin, henrici: numbers.henrici, henriciNormalized: numbers.henriciNormalized,
      schurResidual: numbers.schurResidual, schurOrthogonality: numbers.schurOrthogonality, maxCondition,
    },
  });
  const v = inputVector(options.input, n, { seed });
  const memory = step('memory', () => {
    try {
      // The ordered form when it is by decreasing |λ|: the graded finite-horizon method works in it (no second reordering).
      return memoryCurve(W, n, v, options.horizon, rho, signal, schur, maxCondition, ordered.order === 'modulus-desc' ? ordered : undefined);
    } catch (err) {
      // Left: a horizon so long that C_n leaves float64's range (ρ^n ≳ 1e289), or C overflowing for ρ < 1.
      if (!(err instanceof NotStableError)) throw err;
      return { J: new Float64Array(0), jTot: NaN, jTotError: NaN, horizon: options.horizon, note: `J is not available: ${err.message}` };
    }
  });
  numbers.jTot = memory.jTot;
  const steps = Math.max(2 * n, memory.J.length);
  if (memory.note) warnings.push(`Memory: ${memory.note}.`);
  onPart?.({ part: 'memory', memory, warnings: [...warnings], numbers: { jTot: memory.jTot } });
  const transient = step('transient', () => transientNorms(W, n, v, steps));
  const m = step('motif', () => chainMotif(W, n, motifOptions?.activation ?? options.activation, motifOptions));
  const motif = { offsets: m.offsets, profile: m.profile, pairs: m.pairs, active: m.active, peakSteps: m.peakSteps };
  onPart?.({ part: 'dynamics', transient, motif, numbers: {} });
  const pseudo = options.gridPoints > 0
    ? step('pseudospectrum', () => {
      const grid = defaultGrid(schur, options.gridPoints);
      return { re: grid.re, im: grid.im, sigmaMin: pseudospectrum(schur, grid, { signal }) };
    })
    : null;

  timings.total = performance.now() - started;
  onPart?.({ part: 'pseudospectrum', pseudospectrum: pseudo, timingsMs: timings, numbers: {} });
  return {
    title,
    numbers,
    options,
    schurT,
    matrix,
    eigRe,
    eigIm,
    eigCondition: kappa,
    singularValues: sv,
    memory,
    transient,
    motif,
    pseudospectrum: pseudo,
    warnings,
    timingsMs: timings,
  };
}
