/**
 * Square-root (factored) forms of the noise covariance of the linear memory theory (docs/memory.md):
 *
 *   C = Σ_{k≥0} W^k (W^k)ᵀ   (infinite horizon)        C_n = Σ_{k<n} W^k (W^k)ᵀ   (finite horizon n)
 *
 * C is never formed: it is carried as an upper-triangular R with C = RᵀR (so L = Rᵀ is a Cholesky factor), and
 * every update C ← S + A·C'·Aᵀ becomes the R factor of a QR factorisation of the stacked matrix [R_S ; R_C'·Aᵀ]
 * (because [R_S ; R_C'Aᵀ]ᵀ[R_S ; R_C'Aᵀ] = S + A C' Aᵀ). Householder QR is backward stable and a stacked R factor
 * is positive definite by construction, so the factor cannot "lose definiteness" the way a Cholesky of a
 * computed C does when cond(C) ≳ 1/ε (C grows like ρ^{2n} for ρ(W) > 1, or like the transient growth² for
 * strongly non-normal W).
 *
 * Two computations use it:
 * - `steinFactor`: the same doubling / binary powering as ./stein (C_{2t} = C_t + W^t C_t W^tᵀ), in factored form.
 * - `recursiveFisher`: the finite-horizon memory curve from the one-step recursion C_m = I + W C_{m−1} Wᵀ, which
 *   also carries the whitened vectors y_{m,j} = L_m⁻¹ W^j v along (see its comment). This is the path for
 *   ρ(W) ≥ 1, where W^k v itself grows like ρ^k and the rounding errors of a separately computed W^k v, of size
 *   ε‖W^k v‖ in every direction, would be amplified by C⁻¹ in its small directions (J(k) off by (ε ρ^k)²).
 */
import { larfg } from './hessenberg';
import { CancelledError, type Signal } from '../cancel';
import { allFinite, identity, matmulABt, normInf, reflectLeft, reflectRight } from './dense';
import { gemmNN, gemmTN } from './gemm';
import { paddedLd, withWorkspace, Workspace, wsAlloc } from './wasm/kernels';
import { NotStableError, SteinOptions, SteinResult, doubleUntilConverged, overflow, sumByBinaryPowering } from './stein';

/** Panel width of the blocked stacked QR (compact WY blocks of this many reflectors). */
const QR_NB = 64;

/** Scratch of `stackedQR`, reused across the calls of one factorisation (ordinary arrays; the wasm workspace is per call). */
export interface StackedQRWork {
  tau: Float64Array;
  beta: Float64Array;
}

export function stackedQRWork(n: number): StackedQRWork {
  return { tau: new Float64Array(Math.max(n, 1)), beta: new Float64Array(1) };
}

/**
 * In place: T ← R factor of the 2n×n matrix [T ; B], for T upper triangular (row-major n×n; its strictly lower
 * part is ignored and returned zero) and B full (row-major n×n; overwritten). LAPACK's dtpqrt with l = 0: reflector
 * i has entry 1 on row i of T and n entries on B's rows (row i of T is untouched by reflectors < i, and T's rows
 * below i are zero in column i). The work runs column-major on the linear-algebra stack's workspace: panels of
 * QR_NB reflectors are generated column by column, then applied to the trailing columns as one compact WY block
 * Qᵀ = I − Y Tᵀ Yᵀ with two GEMMs (Vᵀ·B and V·(TᵀW)), so nearly all of the ≈ 2n³ flops run in the SIMD GEMM.
 * LAPACK's dlarfg convention (R's diagonal may be negative). Column-wise backward stable, as any Householder QR.
 */
export function stackedQR(T: Float64Array, B: Float64Array, n: number, work: StackedQRWork): void {
  if (n <= 0) return;
  const ld = paddedLd(n);
  const nb = Math.min(QR_NB, n);
  // a, b, W, VᵀV, and gemmTN's packed copy of the panel.
  withWorkspace(2 * ld * n + nb * n + nb * nb + paddedLd(nb) * n + 64, (ws) => {
    const a = wsAlloc(ws, ld * n, false), b = wsAlloc(ws, ld * n, false);
    for (let i = 0; i < n; i++) {
      const r = i * n;
      for (let j = i; j < n; j++) a[i + j * ld] = T[r + j];
      for (let j = 0; j < n; j++) b[i + j * ld] = B[r + j];
    }
    tpqrt(n, a, ld, b, ld, nb, work, ws);
    for (let i = 0; i < n; i++) {
      const r = i * n;
      T.fill(0, r, r + i);
      for (let j = i; j < n; j++) T[r + j] = a[i + j * ld];
    }
  });
}

/**
 * Column-major core of `stackedQR`: A (n×n upper triangular, lda) ← R, B (n×n, ldb) ← the reflectors' B parts
 * (column i holds v_i of H_i = I − τ_i [e_i ; v_i][e_i ; v_i]ᵀ).
 */
function tpqrt(n: number, a: Float64Array, lda: number, b: Float64Array, ldb: number, nbMax: number, work: StackedQRWork, ws: Workspace | null): void {
  const { tau, beta } = work;
  const g = wsAlloc(ws, nbMax * nbMax, false); // VᵀV of a panel, then its T factor
  const t = new Float64Array(nbMax * nbMax);
  const w = wsAlloc(ws, nbMax * n, false); // Yᵀ·(trailing columns), nb × m, ld nb
  for (let j0 = 0; j0 < n; j0 += nbMax) {
    const nb = Math.min(nbMax, n - j0);
    // Panel: generate reflector i and apply it to the panel's later columns (rank-1 updates over n + 1 rows).
    for (let c = 0; c < nb; c++) {
      const i = j0 + c, vi = i * ldb;
      const ti = larfg(n + 1, a[i + i * lda], b, vi, 1, beta);
      tau[i] = ti;
      a[i + i * lda] = beta[0];
      if (ti === 0) continue;
      for (let j = i + 1; j < j0 + nb; j++) {
        const bj = j * ldb;
        let s = a[i + j * lda];
        for (let r = 0; r < n; r++) s += b[vi + r] * b[bj + r];
        s *= ti;
        a[i + j * lda] -= s;
        for (let r = 0; r < n; r++) b[bj + r] -= s * b[vi + r];
      }
    }
    const j1 = j0 + nb, m = n - j1;
    if (m <= 0) continue;
    // T factor (dlarft, forward, columnwise): H_0⋯H_{nb−1} = I − Y T Yᵀ with Yᵀy_c = Vᵀv_c off the diagonal
    // (the e_i parts of different reflectors are orthogonal).
    gemmTN(nb, nb, n, b, j0 * ldb, ldb, b, j0 * ldb, ldb, g, 0, nb, false, ws);
    t.fill(0);
    for (let c = 0; c < nb; c++) {
      const tc = tau[j0 + c];
      t[c + c * nb] = tc;
      for (let r = 0; r < c; r++) {
        let s = 0;
        for (let q = r; q < c; q++) s += t[r + q * nb] * g[q + c * nb];
        t[r + c * nb] = -tc * s;
      }
    }
    // W = Yᵀ C = A(panel rows, trailing) + Vᵀ B(:, trailing)
    for (let j = 0; j < m; j++) for (let r = 0; r < nb; r++) w[r + j * nb] = a[j0 + r + (j1 + j) * lda];
    gemmTN(nb, m, n, b, j0 * ldb, ldb, b, j1 * ldb, ldb, w, 0, nb, true, ws);
    // W ← Tᵀ W (bottom row first: row r needs rows ≤ r), then C −= Y W.
    for (let j = 0; j < m; j++) {
      const o = j * nb;
      for (let r = nb - 1; r >= 0; r--) {
        let s = 0;
        for (let q = 0; q <= r; q++) s += t[q + r * nb] * w[o + q];
        w[o + r] = -s;
      }
      for (let r = 0; r < nb; r++) a[j0 + r + (j1 + j) * lda] += w[o + r];
    }
    gemmNN(n, m, nb, b, j0 * ldb, ldb, w, 0, nb, b, j1 * ldb, ldb, true, ws);
  }
}

/**
 * R ← R factor of [S ; R·Aᵀ] (C_R ← C_S + A C_R Aᵀ), with S upper triangular (C_S = SᵀS). S is overwritten by the
 * result; b is A's lower bandwidth (structural zeros skipped in the product).
 */
export function congruenceUpdate(S: Float64Array, R: Float64Array, A: Float64Array, n: number, b: number, work: StackedQRWork, B: Float64Array): void {
  matmulABt(R, A, n, n, n, false, B, false, { aLower: 0, btLower: b }); // B = R·Aᵀ (R upper triangular)
  stackedQR(S, B, n, work);
}

/** Largest power of two ≤ max|x| (1 for a zero array): exact rescaling keeps every mantissa. */
function pow2Scale(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m > 0 && Number.isFinite(m) ? 2 ** Math.floor(Math.log2(m)) : 1;
}

/** Smallest scale of the identity block before it would lose precision to subnormal numbers. */
const MIN_IDENTITY_SCALE = 2 ** -960;

/**
 * Householder QR with column pivoting of the 2n×n matrix M (row-major), in place: M·Π = Q·[R ; 0], R in M's first
 * n rows (upper triangle), Π in perm (column i of R is column perm[i] of M), reflector i (length 2n − i, first
 * entry 1) in row i of V (2n per row), τ_i in tau. Dense (the rows below i all take part), so that rows may come
 * in any order: callers sort them by decreasing size. Householder QR with column pivoting on row-sorted input is
 * row-wise backward stable (Powell & Reid 1969; Cox & Higham 1998): each row, however small, is perturbed only
 * relative to its own size. ≈ 8n³/3 flops.
 */
function pivotedQR(M: Float64Array, n: number, V: Float64Array, tau: Float64Array, perm: Int32Array, work: Float64Array, beta: Float64Array): void {
  const rows = 2 * n;
  const w = work.subarray(0, n), norms = work.subarray(n, 2 * n), first = work.subarray(2 * n, 3 * n);
  for (let j = 0; j < n; j++) {
    perm[j] = j;
    let s = 0;
    for (let r = 0; r < rows; r++) s += M[r * n + j] ** 2;
    norms[j] = first[j] = s;
  }
  for (let i = 0; i < n; i++) {
    // Pivot: the remaining column of largest norm (squared norms downdated, recomputed when cancellation looms).
    let p = i;
    for (let j = i + 1; j < n; j++) if (norms[j] > norms[p]) p = j;
    if (p !== i) {
      for (let r = 0; r < rows; r++) {
        const t = M[r * n + i]; M[r * n + i] = M[r * n + p]; M[r * n + p] = t;
      }
      let t = norms[i]; norms[i] = norms[p]; norms[p] = t;
      t = first[i]; first[i] = first[p]; first[p] = t;
      const q = perm[i]; perm[i] = perm[p]; perm[p] = q;
    }
    const vr = i * rows;
    const len = rows - i;
    for (let r = 1; r < len; r++) V[vr + r] = M[(i + r) * n + i];
    const t = larfg(len, M[i * n + i], V, vr + 1, 1, beta);
    V[vr] = 1;
    tau[i] = t;
    M[i * n + i] = beta[0];
    for (let r = i + 1; r < rows; r++) M[r * n + i] = 0;
    if (t !== 0 && i + 1 < n) reflectLeft(M, n, i, i + 1, len, n - i - 1, V, vr, t, w);
    for (let j = i + 1; j < n; j++) {
      norms[j] -= M[i * n + j] ** 2;
      if (!(norms[j] > 1e-6 * first[j])) {
        let s = 0;
        for (let r = i + 1; r < rows; r++) s += M[r * n + j] ** 2;
        norms[j] = first[j] = s;
      }
    }
  }
}

/**
 * Finite-horizon Fisher memory J_n(k) = ‖L_n⁻¹ W^k v‖², k < n (C_n = L_n L_nᵀ), by the square-root recursion
 *
 *   [L_{m−1}ᵀ Wᵀ ; I] = Q_m [L_mᵀ ; 0]     (C_m = I + W C_{m−1} Wᵀ, C_1 = I, L_1 = I).
 *
 * With Q_m's first n columns [G̃_m ; A_m] this gives L_m⁻¹ = A_mᵀ and L_m⁻¹ W L_{m−1} = G̃_mᵀ, so the whitened vectors
 *   y_{m,0} = L_m⁻¹ v = first n entries of Q_mᵀ [0 ; v],
 *   y_{m,j} = L_m⁻¹ W^j v = (L_m⁻¹ W L_{m−1}) y_{m−1,j−1} = first n entries of Q_mᵀ [y_{m−1,j−1} ; 0],
 * and J_n(k) = ‖y_{n,k}‖². Every step is an orthogonal transformation of vectors of norm ≤ 1: nothing grows, and
 * W^k v (which grows like ρ^k) is never formed. L_m, which grows like ρ^m, is carried as L_m/σ_m with σ_m a power
 * of two (Q_m does not change when the stacked matrix is scaled by 1/σ_{m−1}); the recursion stops with a clear
 * error only when 1/σ_m would leave float64's normal range (ρ^n ≳ 1e289).
 *
 * Row order matters for accuracy: the identity block is tiny (1/σ) next to L̃ᵀWᵀ, and a QR that is only
 * column-wise stable perturbs it by ε relative to the big rows, i.e. the last step's noise by a relative εσ —
 * J(k) for small k, which lives on that noise, then loses digits (about 1e-5 at ρ = 1.3, n = 100). Sorting the
 * rows by decreasing norm (identity block last) and pivoting the columns keeps each row's perturbation relative
 * to its own size (without the pivoting a feedback chain with ρ ≈ 2 still lost J(0) completely from n ≈ 60).
 * The pivoted factor is R̃Πᵀ — any square root of C_m serves, as long as the next step uses the same one.
 * Cost per step: ≈ N³ (the product L̃ᵀWᵀ, triangular) + 8N³/3 (the QR) + 6N²·m (the m vectors).
 */
export function recursiveFisher(W: Float64Array, n: number, v: Float64Array, horizon: number, signal?: Signal): Float64Array {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  const rows = 2 * n;
  const V = new Float64Array(n * rows), tau = new Float64Array(n), qrWork = new Float64Array(3 * n), beta = new Float64Array(1);
  const perm = new Int32Array(n);
  const WP = W.slice(0, n * n); // W·Π_{m−1}: L_{m−1}ᵀ = R̃·Π_{m−1}ᵀ after a pivoted QR
  let R: Float64Array = identity(n); // L̃_mᵀ = L_mᵀ/σ_m (upper triangular)
  const B = new Float64Array(n * n);
  const M = new Float64Array(rows * n);
  const order = new Int32Array(n);
  const rowNorm = new Float64Array(n);
  let inv = 1; // 1/σ_m
  // Row j of Y: y_{m,j}; X holds the stacked vectors [y_{m−1,j−1} ; 0] and [0 ; v] of a step (2n per row).
  const Y = new Float64Array(horizon * n);
  const X = new Float64Array(horizon * rows);
  Y.set(v); // y_{1,0} = v
  for (let m = 2; m <= horizon; m++) {
    if (signal?.aborted) throw new CancelledError();
    matmulABt(R, WP, n, n, n, false, B, false, { aLower: 0 }); // B = L̃ᵀWᵀ = R̃ (WΠ)ᵀ
    for (let r = 0; r < n; r++) {
      order[r] = r;
      let s = 0;
      for (let j = 0; j < n; j++) s = Math.max(s, Math.abs(B[r * n + j]));
      rowNorm[r] = s;
    }
    order.sort((a, b) => rowNorm[b] - rowNorm[a]);
    // M = [B's rows by decreasing size ; (1/σ) I]
    M.fill(0);
    for (let r = 0; r < n; r++) M.set(B.subarray(order[r] * n, order[r] * n + n), r * n);
    for (let i = 0; i < n; i++) M[(n + i) * n + i] = inv;
    pivotedQR(M, n, V, tau, perm, qrWork, beta);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) WP[i * n + j] = W[i * n + perm[j]];
    X.fill(0, 0, m * rows);
    for (let i = 0; i < n; i++) X[n + i] = v[i];
    for (let j = 1; j < m; j++) {
      const src = (j - 1) * n, dst = j * rows;
      for (let r = 0; r < n; r++) X[dst + r] = Y[src + order[r]];
    }
    for (let i = 0; i < n; i++) if (tau[i] !== 0) reflectRight(X, rows, 0, m, i, rows - i, V, i * rows, tau[i]);
    for (let j = 0; j < m; j++) Y.set(X.subarray(j * rows, j * rows + n), j * n);
    // Next factor: R_m/σ_{m−1} from M, rescaled by a power of two.
    for (let i = 0; i < n; i++) {
      B.fill(0, i * n, i * n + i);
      for (let j = i; j < n; j++) B[i * n + j] = M[i * n + j];
    }
    const s = pow2Scale(B);
    if (s !== 1) for (let i = 0; i < n * n; i++) B[i] /= s;
    inv /= s;
    if (inv < MIN_IDENTITY_SCALE && m < horizon) {
      throw new NotStableError(
        `the finite horizon n = ${horizon} is beyond float64's range for this W: the noise covariance C_n grows past ` +
          `1e578 (ρ(W)^n) by step ${m}; use a horizon below ${m}`,
      );
    }
    R = B.slice();
  }
  const J = new Float64Array(horizon);
  for (let k = 0; k < horizon; k++) {
    let s = 0;
    for (let i = 0, o = k * n; i < n; i++) s += Y[o + i] * Y[o + i];
    J[k] = s;
  }
  return J;
}

/** C = RᵀR (R upper triangular, row-major) with the bookkeeping of ./stein's SteinResult. */
export interface SteinFactor extends Omit<SteinResult, 'C'> {
  R: Float64Array;
}

/** Largest absolute column sum. */
function norm1(A: Float64Array, n: number): number {
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] += Math.abs(A[i * n + j]);
  let m = 0;
  for (let j = 0; j < n; j++) m = Math.max(m, c[j]);
  return m;
}


/**
 * The factor R of C = RᵀR for C = W C Wᵀ + I (infinite horizon; same doubling, stopping rule and instability
 * certificates as ./stein's solveStein) or of C_n (finite horizon, binary powering C_{r+s} = C_s + W^s C_r W^sᵀ).
 * Each update is a stacked QR (`congruenceUpdate`), so R exists and is non-singular whatever cond(C) is.
 * @throws NotStableError as solveStein does.
 */
export function steinFactor(W: Float64Array, n: number, opts: SteinOptions = {}): SteinFactor {
  const work = stackedQRWork(n);
  const B = new Float64Array(n * n);
  if (opts.horizon === undefined) {
    const R = identity(n);
    const r = doubleUntilConverged(W, n, opts, {
      add(A, _t, b) {
        congruenceUpdate(R, R, A, n, b, work, B);
        if (!allFinite(R)) throw overflow('the noise covariance C');
      },
      norm: () => normInf(R, n, n) * norm1(R, n), // ‖C‖₂ = ‖R‖₂² ≤ ‖R‖∞‖R‖₁
    });
    return { n, R, horizon: null, ...r };
  }
  const horizon = opts.horizon;
  const r = sumByBinaryPowering(W, n, horizon, opts.signal, {
    one: () => identity(n),
    combine(S, R, P, b) {
      const D = S.slice();
      congruenceUpdate(D, R, P, n, b, work, B);
      return D;
    },
  });
  return { n, R: r.sum, horizon, terms: horizon, tailBound: 0, nilpotent: r.nilpotent, rhoUpper: r.rhoUpper };
}
