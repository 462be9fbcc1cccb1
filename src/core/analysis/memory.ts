/**
 * Fisher memory of a linear network with noise (Ganguli, Huh & Sompolinsky 2008; docs/science.md §3):
 *
 *   h_t = W h_{t-1} + v s_t + z_t,  z_t ~ N(0, I),  ‖v‖ = 1
 *   C = Σ_{k≥0} W^k (W^k)ᵀ          J(k) = (W^k v)ᵀ C⁻¹ (W^k v)          J_tot = Σ_k J(k)
 *   finite horizon n:  C_n = Σ_{k<n} W^k (W^k)ᵀ,  J_n(k) for k < n.
 *
 * Numerics (docs/memory.md). C is never formed: a triangular factor C = RᵀR comes from ../linalg/steinFactor
 * (factored doubling; a QR factor cannot lose definiteness the way a Cholesky of a float64 C with cond(C) ≫ 1/ε
 * does). J(k) = ‖L⁻¹ W^k v‖² (L = Rᵀ), by forward substitution; since C ⪰ I, ‖C⁻¹‖ ≤ 1 and J(k) ≤ ‖W^k v‖².
 * Over a finite horizon with a large transient (‖W^k v‖ > 1e3, e.g. ρ(W) ≥ 1) the rounding errors of W^k v would
 * dominate, so J comes from the square-root recursion `recursiveFisher`, which never forms W^k v.
 *
 * Basis. J is invariant under W → QᵀWQ, v → Qᵀv for orthogonal Q (identity 4), so a W that is not already upper
 * Hessenberg is first reduced to Hessenberg form H = QᵀWQ (Householder, backward stable): the powers H^t then
 * have lower bandwidth t and the doubling skips their zeros — about 2.2× fewer flops at N = 256. A W that is
 * already upper Hessenberg or triangular (chain, feedback chain, their transposes) is used as it is, and a lower
 * Hessenberg or triangular one with its units in reverse order (an exact permutation): their sparsity is kept.
 *
 * Infinite horizon: Hammarling's square-root solver in Schur form (../linalg/steinSchur) first. When its error
 * model (`schurModel`, conditioned on ‖C‖) is small, that is the result. Otherwise (strongly non-normal W), up to
 * N = 512, a second, independent computation, the factored doubling above, gives the result, and the two results'
 * difference is the error estimate `jTotError`; when they disagree by more than 1e-6 relative (N ≤ 128) the sum
 * is recomputed by the square-root recursion (docs/memory.md "Error estimate").
 *
 * Where the infinite sum stops (a proven bound, not a heuristic): with M = Σ_k (W^k)ᵀ C⁻¹ W^k, which is positive
 * semidefinite with trace exactly N (identity 3),
 *   Σ_{k≥K} J(k) = (W^K v)ᵀ M (W^K v) ≤ ‖M‖₂ ‖W^K v‖² ≤ N ‖W^K v‖².
 * The sum stops at the first K where N‖W^K v‖² ≤ 1e-15 · Σ_{k<K} J(k), or where W^K v is exactly 0 (nilpotent
 * exhaustion, e.g. a chain: then the tail is exactly 0). `tailBound` reports the bound (plus the effect of the
 * Stein truncation, which is a relative error of at most stein.tailBound on every J(k)).
 */
import { CancelledError, type Signal } from '../cancel';
import { Hessenberg, applyHessenbergQt, frobenius, hessenberg, lowerBandwidth, norm2, solveLowerRows, transpose } from '../linalg/dense';
import { SteinFactor, recursiveFisher, steinFactor } from '../linalg/steinFactor';
import { NotStableError } from '../linalg/stein';
import { schurFisher } from '../linalg/steinSchur';
import { RealSchur, eigenvalueConditions, realSchur, reorderSchur } from '../linalg/schur';
import { Rng } from '../init/rng';
import { BadInputError } from '../badInput';
import { openWorkspace, paddedLd, withWorkspace, wsAlloc } from '../linalg/wasm/kernels';
import { rowMajorOperator } from '../linalg/gemm';

export interface FisherMemory {
  /** J(k) for k = 0 … J.length−1 (J_n(k) for a finite horizon). */
  J: Float64Array;
  /** Σ_k J(k) over the returned entries. */
  jTot: number;
  /** The finite horizon n, or null for the infinite horizon. */
  horizon: number | null;
  /** The sum was cut by kMax before its tail was provably negligible (see tailBound). */
  truncated: boolean;
  /**
   * Proven bound on the truncation error |J_tot − jTot|: the series tail not summed plus the effect of the Stein
   * solver's truncation of C (0 when both sums are exact, e.g. a nilpotent W). Rounding errors are not included.
   */
  tailBound: number;
  /**
   * How J was computed: 'factor' = ‖L⁻¹ W^k v‖² with C = L Lᵀ from the factored doubling; 'recursion' = the
   * finite-horizon square-root recursion (used when ‖W^k v‖ grows past 1e3, e.g. for ρ(W) ≥ 1, up to N = 128);
   * 'schur' = Hammarling's method in Schur form; 'graded' = the factored doubling in W's Schur basis ordered by
   * decreasing |λ| (a large transient above N = 128, see `memoryModel`).
   */
  method: 'factor' | 'recursion' | 'schur' | 'graded';
  /**
   * Estimated |J_tot − exact J_tot| (rounding and truncation; docs/memory.md "Error estimate"):
   * 'two-methods' = |difference| of two independent computations (factored doubling and Hammarling's method in
   * Schur form) plus tailBound; 'rounding-model' = tailBound + a first-order rounding model of the method used;
   * 'recursion-check' = the infinite sum recomputed by the square-root recursion (when the two float64 methods
   * disagreed by more than 1e-6 relative, N ≤ 128): its distance to the float64 results, an upper estimate.
   */
  jTotError: number;
  errorEstimate: 'two-methods' | 'rounding-model' | 'recursion-check';
}

export interface MemoryOptions {
  /** Finite horizon n: C_n and J_n(k), k < n. Omitted: infinite horizon (needs ρ(W) < 1 or W nilpotent). */
  horizon?: number;
  /** At most this many J(k) (default: the horizon, or 100 000 for the infinite horizon). */
  kMax?: number;
  signal?: Signal;
  /** W's real Schur form with Z (e.g. the one an analysis computed already); computed when needed otherwise. */
  schur?: RealSchur;
  /** The largest eigenvalue condition number, when known (see MemoryModelOptions). */
  conditionMax?: number;
  /** W's Schur form ordered by decreasing |λ|, when known (the graded method's basis; else reordered from `schur`). */
  descendingSchur?: RealSchur;
}

/** Relative size of the provably neglected tail at which the infinite sum stops. */
const TAIL_TOL = 1e-15;
const DEFAULT_KMAX = 100_000;
const CHUNK = 64;

/** Transient growth max_k ‖W^k v‖ (‖v‖ = 1) up to which J(k) = ‖L⁻¹ W^k v‖² is used over a finite horizon. */
const GROWTH_LIMIT = 1e3;

const EPS = 2 ** -53;

/**
 * Infinite horizon: Hammarling's method in Schur form comes first. Its error model (`schurModel`) decides: below
 * SINGLE_METHOD_REL relative it is the result. Otherwise, up to this N, the sum is computed a second way (factored
 * doubling, the result) and the error estimate is the two results' difference; above it (the doubling is about
 * 6× slower at N = 1024) Hammarling's result stands with its model as the estimate, unless its computed spectrum
 * reaches the unit circle (then the doubling, which does not depend on eigenvalues).
 */
const CHECK_MAX_N = 512;

/**
 * Largest error model, relative to J_tot, at which Hammarling's result is taken alone. The model overestimated the
 * measured error by 10²–10²⁰ on every matrix tried (docs/memory.md), so 1e-8 leaves J_tot good to far better than
 * the 1e-6 aimed at.
 */
const SINGLE_METHOD_REL = 1e-8;

/**
 * Factor between the two-methods estimate and the methods' disagreement. Measured against mpmath references at
 * N = 100 (test/unit/memory-reference.test.ts): the error of the reported sum reached 2.5× the disagreement
 * (a chain with diagonal, α = 1.05), so 4.
 */
const TWO_METHODS_SAFETY = 4;

/** Relative accuracy of J_tot aimed at: a larger error estimate triggers the fallback below. */
const TARGET_REL = 1e-6;
/**
 * The fallback (finite-horizon square-root recursion over the terms the infinite sum needs) costs
 * O(K N³ + K² N²): it runs for N ≤ 128 and at most 2000 terms (about 10 s at N = 100, K = 900).
 */
const FALLBACK_MAX_N = 128;

/**
 * Largest N for which a finite horizon with a large transient uses the square-root recursion (O(horizon·N³):
 * about 0.5 s at N = 128, 18 s at N = 256). Above it: the graded Schur basis (O(N³ log horizon)).
 */
const RECURSION_MAX_N = 128;
const FALLBACK_MAX_TERMS = 2000;

/** First-order rounding model: Σ_k J(k) computed through k ≤ K steps of N-term sums, each relative error ≲ N·ε. */
function roundingModel(jTot: number, n: number, steps: number, growth = 1): number {
  return 4 * n * Math.max(1, steps) * EPS * growth * jTot;
}

/**
 * First-order error model of Hammarling's method in Schur form: the Schur form is that of W + E with
 * ‖E‖ ≲ N·ε·‖W‖_F, which moves J_tot by at most about 2‖E‖‖W‖‖C‖ relative (C ⪰ I, so C⁻¹ does not amplify);
 * plus the rounding of the K-step sum. `normC` estimates ‖C‖₂.
 */
function schurModel(jTot: number, n: number, steps: number, normW2: number, normC: number): number {
  return 4 * n * EPS * (Math.max(1, steps) + normW2 * normC) * jTot;
}

/** The factor of C, and J for any number of input vectors (C's factor is computed once). */
export interface MemoryModel {
  n: number;
  horizon: number | null;
  /**
   * C = RᵀR in the working basis (W's own when it is upper Hessenberg or triangular, else that of its Hessenberg
   * form, see `hessenberg`). Computed on first use; a finite-horizon curve needs it only when the transient
   * ‖W^k v‖ stays below 1e3 (see `fisher`).
   */
  factor(): SteinFactor;
  /** The Hessenberg reduction used (H = QᵀWQ), or null when W was used as is or with its units reversed. */
  hessenberg: Hessenberg | null;
  /** The working basis is W's with the unit order reversed (W was lower Hessenberg or lower triangular). */
  reversed: boolean;
  fisher(v: ArrayLike<number>, opts?: { kMax?: number; signal?: Signal }): FisherMemory;
}

/**
 * `graded`: W is a real Schur form T whose eigenvalues are ordered by decreasing modulus (the working basis of the
 * 'graded' method): J comes from the factor of C whatever the transient. In that basis the rows of T^k and of C's
 * factor are graded like |λ_i|^k, and T^k v's rounding errors in coordinate i are relative to the coordinates
 * ≥ i, which carry the same or smaller growth: the errors are graded as C is, and C⁻¹ does not amplify them
 * (measured: J to ~1e-14 relative against the recursion with ‖W^k v‖ up to 1e10, where the Hessenberg basis
 * loses 7 digits). Strongly non-normal W with ill-conditioned eigenvalues break the grading; `conditionMax` (the
 * largest eigenvalue condition number, when the caller has it) then enters the error estimate.
 */
export interface MemoryModelOptions {
  horizon?: number;
  signal?: Signal;
  schur?: RealSchur;
  graded?: boolean;
  conditionMax?: number;
  descendingSchur?: RealSchur;
}

export function memoryModel(W: Float64Array, n: number, opts: MemoryModelOptions = {}): MemoryModel {
  if (!Number.isInteger(n) || n < 1 || W.length < n * n) throw new BadInputError(`memory: need an N×N matrix, got ${W.length} values for N = ${n}`);
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(W[i])) throw new BadInputError('matrix has NaN or Inf entries: memory needs finite weights');
  if (opts.horizon !== undefined && (!Number.isInteger(opts.horizon) || opts.horizon < 1)) {
    throw new BadInputError(`horizon must be a positive integer, got ${opts.horizon}`);
  }
  // Working basis (J is invariant under orthogonal similarity): W itself when upper Hessenberg/triangular; W with
  // its units in reverse order (an exact permutation) when that makes it so (lower Hessenberg/triangular W);
  // else W's Hessenberg form.
  // Computed on first use: the graded Schur route of a large N never needs it.
  let basis: { A: Float64Array; band: number; hess: Hessenberg | null; reversed: boolean } | null = null;
  const working = () => {
    if (basis) return basis;
    let hess: Hessenberg | null = null;
    let reversed = false;
    let A: Float64Array = W.subarray(0, n * n);
    if (lowerBandwidth(W, n) > 1) {
      const R = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) R[(n - 1 - i) * n + (n - 1 - j)] = W[i * n + j];
      if (lowerBandwidth(R, n) <= 1) {
        reversed = true;
        A = R;
      } else {
        hess = hessenberg(W, n);
        A = hess.H;
      }
    }
    return (basis = { A, band: Math.max(0, lowerBandwidth(A, n)), hess, reversed });
  };
  const horizon = opts.horizon ?? null;
  let cached: { factor: SteinFactor; L: Float64Array } | null = null;
  const factored = () => {
    if (!cached) {
      const factor = steinFactor(working().A, n, { horizon: opts.horizon, signal: opts.signal });
      cached = { factor, L: transpose(factor.R, n, n) };
    }
    return cached;
  };
  let schur: RealSchur | null = opts.schur ?? null;
  /** W is upper Hessenberg, or lower Hessenberg (upper once its units are reversed). */
  const structured = () => {
    if (lowerBandwidth(W, n) <= 1) return true;
    for (let i = 0; i < n; i++) for (let j = i + 2; j < n; j++) if (W[i * n + j] !== 0) return false;
    return true;
  };
  const schurForm = () => (schur ??= realSchur(W, n, { signal: opts.signal }));
  const vOrig = new Float64Array(n);
  /** Hammarling's method in Schur form (NotStableError when a computed |λ| ≥ 1). */
  const viaSchur = (kMax: number, signal?: Signal) => {
    const s = schurForm();
    return schurFisher(s.T, s.Z, n, vOrig, { kMax, tailTol: TAIL_TOL, signal });
  };
  /** y = A·x skipping A's structural zeros below the band. */
  const step = (x: Float64Array, y: Float64Array) => {
    const { A, band } = working();
    for (let i = 0; i < n; i++) {
      const r = i * n;
      let s0 = 0, s1 = 0;
      let j = Math.max(0, i - band);
      for (; j + 1 < n; j += 2) {
        s0 += A[r + j] * x[j];
        s1 += A[r + j + 1] * x[j + 1];
      }
      if (j < n) s0 += A[r + j] * x[j];
      y[i] = s0 + s1;
    }
  };
  /**
   * Finite horizon with a large transient: J_n(k) from the square-root recursion, which never forms W^k v (its
   * rounding errors, ε‖W^k v‖ in every direction, would be amplified by C_n⁻¹; see ../linalg/steinFactor).
   * `zeroFrom`: W^k v is exactly 0 from this k on (then so is J_n(k)).
   */
  const recursive = (u: Float64Array, limit: number, zeroFrom: number, signal?: Signal): FisherMemory => {
    const all = recursiveFisher(working().A, n, u, horizon!, signal);
    const J = all.slice(0, limit);
    J.fill(0, Math.min(zeroFrom, limit));
    let sum = 0;
    for (const x of J) sum += x;
    let tail = 0;
    for (let k = limit; k < zeroFrom && k < horizon!; k++) tail += all[k];
    return {
      J, jTot: sum, horizon, truncated: limit < horizon! && tail > 0, tailBound: tail, method: 'recursion',
      jTotError: tail + roundingModel(sum, n, horizon!), errorEstimate: 'rounding-model',
    };
  };
  /**
   * Finite horizon with a large transient above RECURSION_MAX_N: the same factor method in W's Schur basis ordered
   * by decreasing |λ| (see MemoryModelOptions.graded). J is invariant under the orthogonal change of basis.
   */
  /** Whether ‖W^k v‖ exceeds GROWTH_LIMIT for some k < horizon (dense products in W's own basis; v unit). */
  const transientExceeds = (v: Float64Array, horizon: number, signal?: Signal): boolean =>
    withWorkspace(n * n + 2 * n + 32, (ws) => {
      const op = rowMajorOperator(W, n, ws);
      let x = op.vector(), y = op.vector();
      x.set(v);
      for (let k = 1; k < horizon; k++) {
        if ((k & 255) === 0 && signal?.aborted) throw new CancelledError();
        op.apply(x, y);
        const t = x; x = y; y = t;
        const s = norm2(x);
        if (s === 0) return false;
        if (s > GROWTH_LIMIT) return true;
      }
      return false;
    });
  /**
   * A triangular W (or one that is triangular with its units reversed, e.g. a chain) is its own Schur form: its
   * exact eigenvalues and Z = I (or the reversal), where the QR algorithm would perturb a defective W by ε‖W‖.
   */
  const triangularSchur = (): RealSchur | null => {
    const Z = new Float64Array(n * n);
    let T: Float64Array;
    if (lowerBandwidth(W, n) <= 0) {
      T = W.slice(0, n * n);
      for (let i = 0; i < n; i++) Z[i * n + i] = 1;
    } else {
      T = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[(n - 1 - i) * n + (n - 1 - j)] = W[i * n + j];
      if (lowerBandwidth(T, n) > 0) return null;
      for (let i = 0; i < n; i++) Z[i * n + (n - 1 - i)] = 1;
    }
    const wr = new Float64Array(n);
    for (let i = 0; i < n; i++) wr[i] = T[i * n + i];
    return { n, T, Z, wr, wi: new Float64Array(n), order: 'none' };
  };
  const gradedSchur = (v: Float64Array, limit: number, signal?: Signal): FisherMemory => {
    const tri = triangularSchur();
    const ordered = tri ? reorderSchur(tri, 'modulus-desc') : opts.descendingSchur ?? reorderSchur(schurForm(), 'modulus-desc');
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      for (let j = 0, r = i * n; j < n; j++) w[j] += ordered.Z[r + j] * vi;
    }
    let conditionMax = opts.conditionMax;
    if (conditionMax === undefined) {
      conditionMax = 0;
      for (const k of eigenvalueConditions(ordered)) conditionMax = Math.max(conditionMax, Number.isNaN(k) ? Infinity : k);
    }
    const inner = memoryModel(ordered.T, n, { horizon: horizon!, signal, graded: true, conditionMax });
    return { ...inner.fisher(w, { kMax: limit, signal }), method: 'graded' };
  };
  const fisher = (vIn: ArrayLike<number>, o: { kMax?: number; signal?: Signal } = {}): FisherMemory => {
    if (vIn.length !== n) throw new BadInputError(`input vector has ${vIn.length} entries, expected ${n}`);
    const nv = norm2(vIn);
    if (!(nv > 0) || !Number.isFinite(nv)) throw new BadInputError('input vector must be non-zero and finite');
    const signal = o.signal ?? opts.signal;
    const kMaxOpt = o.kMax ?? opts.horizon ?? DEFAULT_KMAX;
    if (!Number.isInteger(kMaxOpt) || kMaxOpt < 1) throw new BadInputError(`kMax must be a positive integer, got ${kMaxOpt}`);
    const limit = horizon === null ? kMaxOpt : Math.min(horizon, kMaxOpt);

    for (let i = 0; i < n; i++) vOrig[i] = vIn[i] / nv;
    /** Hammarling's result when it went to the end of the sum: the check of the factor method below. */
    let schurCheck: ReturnType<typeof viaSchur> | null = null;
    // Hammarling first, except for a W that is its own working basis (upper or reversed-lower Hessenberg: chains,
    // feedback chains), where the factored doubling keeps the exact zeros of its powers.
    if (horizon === null && (n > CHECK_MAX_N || !structured())) {
      try {
        const h = viaSchur(limit, signal);
        const truncated = !h.done && h.tail > TAIL_TOL * h.jTot;
        const model = schurModel(h.jTot, n, h.J.length, frobenius(W.subarray(0, n * n)) ** 2, h.normC);
        if (n > CHECK_MAX_N || (h.done && model <= SINGLE_METHOD_REL * h.jTot)) {
          return {
            J: h.J, jTot: h.jTot, horizon, truncated, tailBound: h.tail, method: 'schur',
            jTotError: h.tail + model, errorEstimate: 'rounding-model',
          };
        }
        if (h.done) schurCheck = h;
      } catch (err) {
        if (!(err instanceof NotStableError)) throw err;
      }
    }
    let growth = 1;
    if (horizon !== null && !opts.graded && n > RECURSION_MAX_N && transientExceeds(vOrig, horizon, signal)) {
      // Decided in W's own basis (‖W^k v‖ is basis-invariant), so that the Hessenberg form is not computed for nothing.
      return gradedSchur(vOrig, limit, signal);
    }
    const { hess, reversed } = working();
    let u: Float64Array = Float64Array.from(vIn, (x) => x / nv);
    if (hess) applyHessenbergQt(hess, u);
    if (reversed) u.reverse();
    const u0 = u.slice();
    let next: Float64Array = new Float64Array(n);
    if (horizon !== null && !opts.graded) {
      // Which finite-horizon method: scan the transient ‖W^k v‖, k < n (N² per step, a fraction of either method).
      let zeroFrom = horizon;
      let x = u.slice(), y = new Float64Array(n);
      for (let k = 1; k < horizon; k++) {
        if ((k & 255) === 0 && signal?.aborted) throw new CancelledError();
        step(x, y);
        const t = x; x = y; y = t;
        const s = norm2(x);
        if (s === 0) { zeroFrom = k; break; }
        growth = Math.max(growth, s);
        if (growth > GROWTH_LIMIT) break;
      }
      if (growth > GROWTH_LIMIT) return recursive(u, limit, zeroFrom, signal);
    }
    const { factor, L } = factored();
    const J: number[] = [];
    let sum = 0;
    let done = false; // the infinite sum reached its stopping point
    let tail = 0;
    const unorm2 = new Float64Array(CHUNK);
    // Above N = 128 the triangular solves run blocked on the SIMD GEMM (L and the vectors in a workspace); below, the
    // row-by-row solve, whose results the mpmath-checked error estimates of small N were validated with.
    const ws = n > FALLBACK_MAX_N ? openWorkspace(2 * n * n + CHUNK * n + paddedLd(64) * n + 2 * n + 256) : null;
    try {
      const Lw = ws ? ws.alloc(n * n, false) : L;
      if (ws) Lw.set(L);
      const U = wsAlloc(ws, CHUNK * n);
      // With the workspace, W^k v by the SIMD gemv (dense rows: zeros add exact zeros, only the sum order changes).
      const op = ws ? rowMajorOperator(working().A, n, ws) : null;
      if (op) {
        const a = op.vector(), b = op.vector();
        a.set(u);
        u = a;
        next = b;
      }
      while (!done && J.length < limit) {
        if (signal?.aborted) throw new CancelledError();
        // Generate up to CHUNK vectors u_k = W^k v (sequential products: exact structure for sparse W).
        const start = J.length;
        const count = Math.min(CHUNK, limit - start);
        let rows = 0;
        for (; rows < count; rows++) {
          U.set(u, rows * n);
          let s = 0;
          for (let i = 0; i < n; i++) s += u[i] * u[i];
          unorm2[rows] = s;
          if (opts.graded && s > growth * growth) growth = Math.sqrt(s);
          if (op) op.apply(u, next);
          else step(u, next);
          const t = u; u = next; next = t;
        }
        solveLowerRows(Lw, n, U, rows, ws);
        for (let r = 0; r < rows; r++) {
          if (horizon === null) {
            // Stop before k if the tail from k on is provably negligible (or exactly zero).
            const bound = n * unorm2[r];
            if (unorm2[r] === 0 || bound <= TAIL_TOL * sum) {
              done = true;
              tail = bound;
              break;
            }
          } else if (unorm2[r] === 0) {
            // W^k v = 0 (nilpotent): every later J_n(k) is exactly 0.
            while (J.length < limit) J.push(0);
            done = true;
            break;
          }
          let y = 0;
          const off = r * n;
          for (let i = 0; i < n; i++) y += U[off + i] * U[off + i];
          J.push(y);
          sum += y;
        }
      }
      if (op) u = u.slice(); // W^K v outlives the workspace (the tail bound below)
    } finally {
      ws?.close();
    }
    let truncated = false;
    if (!done && (horizon === null || J.length < horizon)) {
      // Cut by kMax at K = J.length: the rest is at most N‖W^K v‖² (u is W^K v now; the same bound holds for a
      // finite horizon, since Σ_{j<n−K} (W^j)ᵀ C_n⁻¹ W^j ⪯ M_n, whose trace is N).
      let s = 0;
      for (let i = 0; i < n; i++) s += u[i] * u[i];
      tail = n * s;
      truncated = horizon === null ? tail > TAIL_TOL * sum : true;
    }
    // The graded basis's rounding model: its errors follow the eigenvalues' conditioning, not the transient (which
    // bounds it: with well-conditioned eigenvalues the errors stay graded; without, they are those of the plain basis).
    if (opts.graded && opts.conditionMax !== undefined) growth = Math.max(1, Math.min(growth, opts.conditionMax));
    const tailBound = tail + sum * factor.tailBound;
    let jTotError = tailBound + roundingModel(sum, n, J.length, growth);
    let errorEstimate: FisherMemory['errorEstimate'] = 'rounding-model';
    let checkJ: number | null = null;
    if (horizon === null && !factor.nilpotent && !truncated) {
      // The check: the same sum by Hammarling's method in Schur form, with its own stopping rule (the computed
      // Schur form is that of a nearby W + E, whose powers can decay more slowly while its J(k) agree).
      try {
        const h = schurCheck ?? viaSchur(DEFAULT_KMAX, signal);
        if (h.done) {
          checkJ = h.jTot;
          // Not the Stein truncation bound (sum·factor.tailBound ≤ ε‖C‖·J_tot, rigorous but far too pessimistic
          // when ‖C‖ is large): Hammarling's method does not truncate C, so the comparison measures it.
          // Two computations can agree more closely than either is right (their errors are not independent of
          // W's conditioning): the estimate is TWO_METHODS_SAFETY × their difference.
          jTotError = TWO_METHODS_SAFETY * (Math.abs(h.jTot - sum) + tail + h.tail + roundingModel(sum, n, J.length));
          errorEstimate = 'two-methods';
        }
      } catch (err) {
        if (!(err instanceof NotStableError)) throw err;
      }
    }
    if (horizon === null && !factor.nilpotent && !truncated && n <= FALLBACK_MAX_N && J.length <= FALLBACK_MAX_TERMS &&
      !(errorEstimate === 'two-methods' && jTotError <= TARGET_REL * sum)) {
      // Fallback: the square-root recursion (never forms W^k v; row-wise stable QR) over the horizon K the infinite
      // sum needed: J_K(k) = J(k) up to C_∞ − C_K = W^K C_∞ W^Kᵀ, negligible where ‖W^K v‖ is.
      const K = J.length + 1;
      const all = recursiveFisher(working().A, n, u0, K, signal);
      let rec = 0;
      for (let k = 0; k < J.length; k++) rec += all[k];
      // Its estimate: the disagreement with the closer of the two float64 results (conservative: the recursion
      // is usually far more accurate than either), plus the tail and the rounding model.
      const spread = Math.min(Math.abs(rec - sum), checkJ === null ? Infinity : Math.abs(rec - checkJ));
      return {
        J: all.slice(0, J.length), jTot: rec, horizon, truncated, tailBound, method: 'recursion',
        jTotError: spread + tail + roundingModel(rec, n, K), errorEstimate: 'recursion-check',
      };
    }
    return { J: Float64Array.from(J), jTot: sum, horizon, truncated, tailBound, method: 'factor', jTotError, errorEstimate };
  };
  return {
    n, horizon, factor: () => factored().factor, fisher,
    get hessenberg() { return working().hess; },
    get reversed() { return working().reversed; },
  };
}

/**
 * Fisher memory curve J(k) and total memory of W for the input direction v (normalised to ‖v‖ = 1).
 * @throws NotStableError (from the Stein solver) for the infinite horizon when ρ(W) ≥ 1: use opts.horizon.
 */
export function fisherMemory(W: Float64Array, n: number, v: ArrayLike<number>, opts: MemoryOptions = {}): FisherMemory {
  return memoryModel(W, n, {
    horizon: opts.horizon, signal: opts.signal, schur: opts.schur, conditionMax: opts.conditionMax, descendingSchur: opts.descendingSchur,
  })
    .fisher(v, { kMax: opts.kMax });
}

export type InputKind = 'source' | 'sink' | 'random' | { column: number };

/**
 * Unit input direction v:
 * - 'source': e_1, the chain's first unit (index 0), where the paper's nonnormal input 0.9·I feeds the chain;
 * - 'sink': e_N, the chain's last unit (index N−1);
 * - 'random': a seeded Gaussian vector, normalised (opts.seed, default 0);
 * - { column: c }: column c of the input matrix opts.V (N×d row-major, d = opts.d or V.length/N), normalised.
 */
export function inputVector(kind: InputKind, n: number, opts: { seed?: number; V?: ArrayLike<number>; d?: number } = {}): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`hidden size must be a positive integer, got ${n}`);
  const v = new Float64Array(n);
  if (kind === 'source') v[0] = 1;
  else if (kind === 'sink') v[n - 1] = 1;
  else if (kind === 'random') {
    const rng = new Rng(opts.seed ?? 0, 2);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    const s = norm2(v);
    for (let i = 0; i < n; i++) v[i] /= s;
  } else if (typeof kind === 'object' && kind !== null && 'column' in kind) {
    const V = opts.V;
    if (!V) throw new BadInputError('input vector {column}: pass the input matrix V (N×d)');
    const d = opts.d ?? V.length / n;
    if (!Number.isInteger(d) || d < 1 || V.length !== n * d) throw new BadInputError(`input matrix has ${V.length} entries, not N×d with N = ${n}`);
    const c = kind.column;
    if (!Number.isInteger(c) || c < 0 || c >= d) throw new BadInputError(`input column ${c} out of range 0..${d - 1}`);
    for (let i = 0; i < n; i++) v[i] = V[i * d + c];
    const s = norm2(v);
    if (!(s > 0) || !Number.isFinite(s)) throw new BadInputError(`input column ${c} is zero or not finite`);
    for (let i = 0; i < n; i++) v[i] /= s;
  } else {
    throw new BadInputError(`unknown input kind ${JSON.stringify(kind)} (expected source, sink, random or {column})`);
  }
  return v;
}

/**
 * Closed form for the chain W[i][i-1] = α with the input at the source (docs/science.md §3 identity 5):
 * J(k) = α^{2k} / Σ_{j≤k} α^{2j} for k < N, 0 after. Evaluated as 1/s_k with s_k = Σ_{i≤k} α^{−2i}
 * (s_k = 1 + α^{−2} s_{k−1}), which never overflows for α ≥ 1.
 */
export function chainMemoryClosedForm(n: number, alpha: number): { J: Float64Array; jTot: number } {
  const J = new Float64Array(n);
  const r = 1 / (alpha * alpha);
  let s = 0;
  let tot = 0;
  for (let k = 0; k < n; k++) {
    s = k === 0 ? 1 : 1 + r * s;
    J[k] = 1 / s;
    tot += J[k];
  }
  return { J, jTot: tot };
}

/** Chain with the input at the sink (identity 6): J(0) = 1/Σ_{j<N} α^{2j} is the only non-zero term. */
export function chainSinkMemoryClosedForm(n: number, alpha: number): number {
  let s = 0;
  let p = 1;
  for (let j = 0; j < n; j++) {
    s += p;
    p *= alpha * alpha;
  }
  return 1 / s;
}
