/**
 * Small dense helpers shared by the analyses: products, norms, Cholesky and triangular solves.
 * Matrices are row-major Float64Arrays; `transpose` and `transposeInto` live in ../recurrent and are re-exported here.
 *
 * The products use 4×4 register blocking on rows of A against rows of Bᵀ (both contiguous), which runs at
 * about 6 GFlop/s in V8 — roughly 3–4× a naive i-k-j loop. Every product is the ordinary sum of products in
 * increasing k, so the usual error bound |fl(AB) − AB| ≤ k·u·|A||B| (u = 2⁻⁵³) holds.
 */
import { transpose, transposeInto } from '../recurrent';
import { gemmTN } from './gemm';
import { hessenbergReduce } from './hessenberg';
import { openWorkspace, paddedLd, withWorkspace, wsAlloc, type Workspace } from './wasm/kernels';

export { transpose, transposeInto };


export function identity(n: number, scale = 1): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = scale;
  return I;
}

/**
 * Known zero structure of the operands of matmulABt, so whole runs of zero products are skipped:
 * A[i][p] = 0 for p < i − aLower; Bt[j][p] = 0 for p < j − btLower and for p > j + btUpper.
 * (A Hessenberg matrix has lower bandwidth 1, its t-th power t; a triangular one 0.) Omitted = dense.
 */
export interface Band {
  aLower?: number;
  btLower?: number;
  btUpper?: number;
}

/**
 * C = A·Btᵀ, with A m×k and Bt n×k (so C is m×n and C[i][j] = Σ_p A[i][p]·Bt[j][p]). When `symmetric` is set
 * (m = n and the result is known to be symmetric, e.g. P·Aᵀ with P = A·S, S symmetric), only the blocks on and
 * above the diagonal are computed and the rest mirrored, so the result is exactly symmetric.
 * With `accumulate`, C = out + A·Btᵀ (out must then be given; with `symmetric` it must be symmetric itself).
 * `band` declares structural zeros of A and Bt (see Band); the skipped products are exact zeros, so the result
 * is bit-for-bit that of the dense product.
 */
export function matmulABt(
  A: Float64Array,
  Bt: Float64Array,
  m: number,
  k: number,
  n: number,
  symmetric = false,
  out?: Float64Array,
  accumulate = false,
  band?: Band,
): Float64Array {
  const C = out ?? new Float64Array(m * n);
  if (m * n * k >= WASM_MIN_WORK && matmulWasm(A, Bt, m, k, n, symmetric, C, accumulate, band)) return C;
  // The kernel takes plain numbers only (monomorphic: no deoptimization when callers pass different shapes).
  gemmKernel(A, Bt, m, k, n, symmetric, C, accumulate, band?.aLower ?? k, band?.btLower ?? k, band?.btUpper ?? k);
  return C;
}

/** Products of at least this many multiply-adds run on the WebAssembly GEMM (copying in and out costs O(mn + k(m + n))). */
const WASM_MIN_WORK = 48 ** 3;
/** Block of C (rows and columns) in matmulWasm: large enough to run the GEMM near its peak, small enough for bands. */
const WASM_BLOCK = 128;

/**
 * matmulABt on the column-major WebAssembly GEMM (./gemm): row-major A (m×k) is column-major Aᵀ (k × m), Bt
 * likewise, and row-major C is column-major Cᵀ = Bt·Aᵀ, so the three are copied row by row into a workspace with
 * padded leading dimensions and no transposes. The product runs in blocks of WASM_BLOCK × WASM_BLOCK entries of C,
 * each over only the range of p where the band allows non-zero A[i][p]·Bt[j][p] (a block with none is zero): for
 * triangular factors (the Schur-basis products of the memory curve) about a third of the dense flops. With
 * `symmetric` only the blocks of C on and above the diagonal are computed. Returns false (nothing done) when no
 * workspace is available.
 */
function matmulWasm(
  A: Float64Array, Bt: Float64Array, m: number, k: number, n: number, symmetric: boolean, C: Float64Array, accumulate: boolean,
  band: Band | undefined,
): boolean {
  const lk = paddedLd(k), lc = paddedLd(n);
  const ws = openWorkspace(lk * (m + n) + lc * m + paddedLd(n) * k + 64);
  if (!ws) return false;
  try {
    const a = ws.alloc(lk * m, false), b = ws.alloc(lk * n, false), c = ws.alloc(lc * m, false);
    for (let i = 0; i < m; i++) a.set(A.subarray(i * k, i * k + k), i * lk);
    for (let j = 0; j < n; j++) b.set(Bt.subarray(j * k, j * k + k), j * lk);
    if (accumulate) for (let i = 0; i < m; i++) c.set(C.subarray(i * n, i * n + n), i * lc);
    const aLower = band?.aLower ?? k, btLower = band?.btLower ?? k, btUpper = band?.btUpper ?? k;
    const BS = WASM_BLOCK;
    for (let i0 = 0; i0 < m; i0 += BS) {
      const i1 = Math.min(m, i0 + BS);
      // C[i][j] = Σ_p A[i][p]·Bt[j][p] is Cᵀ(j, i) = Σ_p b(p, j)·a(p, i) in the column-major copies.
      for (let j0 = symmetric ? i0 : 0; j0 < n; j0 += BS) {
        const j1 = Math.min(n, j0 + BS);
        const pLo = Math.max(0, i0 - aLower, j0 - btLower), pHi = Math.min(k, j1 + btUpper);
        if (pHi > pLo) {
          gemmTN(j1 - j0, i1 - i0, pHi - pLo, b, j0 * lk + pLo, lk, a, i0 * lk + pLo, lk, c, j0 + i0 * lc, lc, accumulate, ws);
        } else if (!accumulate) {
          for (let i = i0; i < i1; i++) c.fill(0, j0 + i * lc, j1 + i * lc);
        }
      }
    }
    for (let i = 0; i < m; i++) C.set(c.subarray(i * lc, i * lc + n), i * n);
  } finally {
    ws.close();
  }
  if (symmetric) mirrorUpper(C, m, n);
  return true;
}

// The product is split into small functions, each with a single code path, so V8 optimizes each once, early
// (a large function with branches not yet taken when it is first optimized gets deoptimized and recompiled).
function gemmKernel(
  A: Float64Array,
  Bt: Float64Array,
  m: number,
  k: number,
  n: number,
  symmetric: boolean,
  C: Float64Array,
  accumulate: boolean,
  aLower: number,
  btLower: number,
  btUpper: number,
): void {
  if (!accumulate) C.fill(0, 0, m * n);
  gemmBlocks(A, Bt, m, k, n, symmetric ? 1 : 0, C, aLower, btLower, btUpper);
  gemmEdges(A, Bt, m, k, n, symmetric ? 1 : 0, C, aLower, btLower, btUpper);
  // Blocks on the diagonal were computed in full; mirror the strictly upper part for exact symmetry.
  if (symmetric) mirrorUpper(C, m, n);
}

/** C += A·Btᵀ on the 4×4 blocks (rows 0..m4−1, columns 0..n4−1; only j ≥ i blocks when sym = 1). */
function gemmBlocks(
  A: Float64Array,
  Bt: Float64Array,
  m: number,
  k: number,
  n: number,
  sym: number,
  C: Float64Array,
  aLower: number,
  btLower: number,
  btUpper: number,
): void {
  const m4 = m - (m % 4), n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    for (let j = sym * i; j < n4; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      const pLo = Math.max(0, i - aLower, j - btLower), pHi = Math.min(k, j + 4 + btUpper);
      for (let p = pLo; p < pHi; p++) {
        const x0 = Bt[b0 + p], x1 = Bt[b1 + p], x2 = Bt[b2 + p], x3 = Bt[b3 + p];
        let y = A[a0 + p];
        s00 += y * x0; s01 += y * x1; s02 += y * x2; s03 += y * x3;
        y = A[a1 + p];
        s10 += y * x0; s11 += y * x1; s12 += y * x2; s13 += y * x3;
        y = A[a2 + p];
        s20 += y * x0; s21 += y * x1; s22 += y * x2; s23 += y * x3;
        y = A[a3 + p];
        s30 += y * x0; s31 += y * x1; s32 += y * x2; s33 += y * x3;
      }
      C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
      C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
      C[c2 + j] += s20; C[c2 + j + 1] += s21; C[c2 + j + 2] += s22; C[c2 + j + 3] += s23;
      C[c3 + j] += s30; C[c3 + j + 1] += s31; C[c3 + j + 2] += s32; C[c3 + j + 3] += s33;
    }
  }
}

/** C += A·Btᵀ on the edges the 4×4 blocks miss: rows m4..m−1 (all columns), columns n4..n−1 (rows < m4). */
function gemmEdges(
  A: Float64Array,
  Bt: Float64Array,
  m: number,
  k: number,
  n: number,
  sym: number,
  C: Float64Array,
  aLower: number,
  btLower: number,
  btUpper: number,
): void {
  const m4 = m - (m % 4), n4 = n - (n % 4);
  for (let i = 0; i < m; i++) {
    const j0 = i >= m4 ? sym * i : n4;
    for (let j = j0; j < n; j++) {
      const a = i * k, b = j * k;
      const pLo = Math.max(0, i - aLower, j - btLower), pHi = Math.min(k, j + 1 + btUpper);
      let s = 0;
      for (let p = pLo; p < pHi; p++) s += A[a + p] * Bt[b + p];
      C[i * n + j] += s;
    }
  }
}

function mirrorUpper(C: Float64Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) for (let j = i + 1; j < n; j++) C[j * n + i] = C[i * n + j];
}

/** C = A·B with A m×k and B k×n. */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  return matmulABt(A, transpose(B, k, n), m, k, n);
}

/** y = A·x for A m×n. */
export function matvec(A: Float64Array, x: Float64Array, m: number, n: number, out?: Float64Array): Float64Array {
  const y = out ?? new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    let s0 = 0, s1 = 0;
    let j = 0;
    for (; j + 1 < n; j += 2) {
      s0 += A[r + j] * x[j];
      s1 += A[r + j + 1] * x[j + 1];
    }
    if (j < n) s0 += A[r + j] * x[j];
    y[i] = s0 + s1;
  }
  return y;
}

/** Euclidean norm, scaled so that it neither overflows nor underflows. */
export function norm2(x: ArrayLike<number>, n = x.length, off = 0): number {
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(x[off + i]);
    if (a > scale) scale = a;
  }
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  // Plain sum of squares when it is safe (the common case), else scaled.
  if (scale < 1e150 && scale > 1e-150) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[off + i] * x[off + i];
    return Math.sqrt(s);
  }
  const inv = 1 / scale;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = x[off + i] * inv;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** Frobenius norm of a matrix stored in any layout. */
export function frobenius(A: ArrayLike<number>): number {
  return norm2(A);
}

/** Largest absolute row sum (‖A‖∞; equals ‖A‖₁ and bounds ‖A‖₂ for symmetric A). */
export function normInf(A: Float64Array, m: number, n: number): number {
  let best = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(A[i * n + j]);
    if (s > best || Number.isNaN(s)) best = s;
  }
  return best;
}

export function isAllZero(A: Float64Array): boolean {
  for (let i = 0; i < A.length; i++) if (A[i] !== 0) return false;
  return true;
}

export function allFinite(A: ArrayLike<number>): boolean {
  for (let i = 0; i < A.length; i++) if (!Number.isFinite(A[i])) return false;
  return true;
}

/**
 * Cholesky factor of the symmetric positive definite n×n matrix A (only its lower triangle is read):
 * A = L·Lᵀ with L lower triangular, returned row-major with zeros above the diagonal.
 * Row-oriented (Cholesky–Crout): every inner product runs over two contiguous rows of L.
 * @throws Error when A is not (numerically) positive definite.
 */
export function cholesky(A: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j];
      let t0 = 0, t1 = 0;
      let p = 0;
      for (; p + 1 < j; p += 2) {
        t0 += L[ri + p] * L[rj + p];
        t1 += L[ri + p + 1] * L[rj + p + 1];
      }
      if (p < j) t0 += L[ri + p] * L[rj + p];
      s -= t0 + t1;
      if (j === i) {
        if (!(s > 0)) throw new Error(`Cholesky: matrix is not positive definite (pivot ${i} is ${s})`);
        L[ri + i] = Math.sqrt(s);
      } else {
        L[ri + j] = s / L[rj + j];
      }
    }
  }
  return L;
}

/** Unknowns per block of the blocked triangular solve. */
const TRSM_NB = 64;

/**
 * Solves L·x = b in place for lower-triangular L (row-major n×n) for `count` right-hand sides stored as the
 * rows of X (count×n, X[r·n + i] = b_r[i]). Four right-hand sides share each pass over a row of L.
 * When L and X are views of the workspace ws, it runs blocked: the unknowns in blocks of TRSM_NB, the update of a
 * block by all earlier ones one GEMM (row-major L is column-major Lᵀ and X column-major n × count, so it is
 * C += AᵀB). The GEMM only adds, so solved blocks are kept negated (−y) until the end.
 */
export function solveLowerRows(L: Float64Array, n: number, X: Float64Array, count: number, ws: Workspace | null = null): void {
  if (ws !== null && n > TRSM_NB && ws.index(L) >= 0 && ws.index(X) >= 0) {
    for (let i0 = 0; i0 < n; i0 += TRSM_NB) {
      const i1 = Math.min(n, i0 + TRSM_NB);
      if (i0 > 0) gemmTN(i1 - i0, count, i0, L, i0 * n, n, X, 0, n, X, i0, n, true, ws); // x_b − L_{b,<b}·y_{<b}
      for (let r = 0; r < count; r++) {
        const o = r * n;
        for (let i = i0; i < i1; i++) {
          const li = i * n;
          let s = X[o + i];
          for (let j = i0; j < i; j++) s += L[li + j] * X[o + j]; // X holds −y_j
          X[o + i] = -s / L[li + i];
        }
      }
    }
    for (let i = 0; i < count * n; i++) X[i] = -X[i];
    return;
  }
  let r = 0;
  for (; r + 3 < count; r += 4) {
    const x0 = r * n, x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
    for (let i = 0; i < n; i++) {
      const li = i * n;
      let s0 = X[x0 + i], s1 = X[x1 + i], s2 = X[x2 + i], s3 = X[x3 + i];
      for (let j = 0; j < i; j++) {
        const l = L[li + j];
        s0 -= l * X[x0 + j]; s1 -= l * X[x1 + j]; s2 -= l * X[x2 + j]; s3 -= l * X[x3 + j];
      }
      const d = L[li + i];
      X[x0 + i] = s0 / d; X[x1 + i] = s1 / d; X[x2 + i] = s2 / d; X[x3 + i] = s3 / d;
    }
  }
  for (; r < count; r++) {
    const x0 = r * n;
    for (let i = 0; i < n; i++) {
      const li = i * n;
      let s = X[x0 + i];
      for (let j = 0; j < i; j++) s -= L[li + j] * X[x0 + j];
      X[x0 + i] = s / L[li + i];
    }
  }
}

/**
 * log|det A| by LU with partial pivoting (A is not modified). -Infinity for a singular matrix.
 * Used as a certificate: ρ(A) ≥ |det A|^{1/n}.
 */
export function logAbsDet(A: Float64Array, n: number): number {
  const a = A.slice(0, n * n);
  let logdet = 0;
  for (let k = 0; k < n; k++) {
    let p = k, best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) { best = v; p = i; }
    }
    if (best === 0) return -Infinity;
    if (p !== k) {
      for (let j = k; j < n; j++) {
        const t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t;
      }
    }
    const piv = a[k * n + k];
    logdet += Math.log(Math.abs(piv));
    const rk = k * n;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const f = a[ri + k] / piv;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[ri + j] -= f * a[rk + j];
    }
  }
  return logdet;
}

/**
 * Largest i − j with A[i][j] ≠ 0, but at least −1: 1 for upper Hessenberg, 0 for upper triangular with a non-zero
 * diagonal entry, −1 for strictly upper triangular (or zero) matrices.
 */
export function lowerBandwidth(A: Float64Array, n: number): number {
  let b = -1;
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j < i - b; j++) {
      if (A[r + j] !== 0) {
        b = i - j;
        break;
      }
    }
  }
  return b;
}

/** H = Qᵀ A Q upper Hessenberg, Q = P_0 P_1 ⋯ P_{n−3} (Householder reflectors P_i = I − τ_i v_i v_iᵀ). */
export interface Hessenberg {
  n: number;
  /** Row-major, exact zeros below the sub-diagonal. */
  H: Float64Array;
  /** Row i holds v_i (v_i[i+1] = 1, zeros before), i = 0 … n−3. */
  V: Float64Array;
  tau: Float64Array;
}

/**
 * H = QᵀAQ for row-major A: the linear-algebra stack's blocked reduction (./hessenberg's hessenbergReduce, LAPACK
 * dgehrd) on a column-major copy, unpacked into this row-major form. Backward stable: H = Qᵀ(A + E)Q with
 * ‖E‖ = O(n u ‖A‖).
 */
export function hessenberg(A: Float64Array, n: number): Hessenberg {
  const ld = paddedLd(n);
  const tau = new Float64Array(Math.max(n, 1));
  const H = new Float64Array(n * n), V = new Float64Array(n * n);
  // The workspace holds the matrix and the panels' scratch (sized as the Schur form's).
  withWorkspace(ld * n + 1024 * n + (1 << 17), (ws) => {
    const a = wsAlloc(ws, ld * n, false);
    transposeInto(A, n, n, n, a, ld);
    hessenbergReduce(a, n, ld, tau, ws);
    for (let i = 0; i < n; i++) for (let j = Math.max(0, i - 1); j < n; j++) H[i * n + j] = a[i + j * ld];
    for (let i = 0; i + 2 < n; i++) {
      V[i * n + i + 1] = 1;
      for (let r = i + 2; r < n; r++) V[i * n + r] = a[r + i * ld];
    }
  });
  tau.fill(0, Math.max(0, n - 2));
  return { n, H, V, tau };
}

/** x ← Qᵀ x for the Q of a Hessenberg reduction (applies P_0 first). */
export function applyHessenbergQt(h: Hessenberg, x: Float64Array): Float64Array {
  const { n, V, tau } = h;
  for (let i = 0; i + 2 < n; i++) {
    const t = tau[i];
    if (t === 0) continue;
    const vr = i * n;
    let s = 0;
    for (let r = i + 1; r < n; r++) s += V[vr + r] * x[r];
    s *= t;
    for (let r = i + 1; r < n; r++) x[r] -= s * V[vr + r];
  }
  return x;
}

/** x ← Q x (applies P_{n−3} first). */
export function applyHessenbergQ(h: Hessenberg, x: Float64Array): Float64Array {
  const { n, V, tau } = h;
  for (let i = n - 3; i >= 0; i--) {
    const t = tau[i];
    if (t === 0) continue;
    const vr = i * n;
    let s = 0;
    for (let r = i + 1; r < n; r++) s += V[vr + r] * x[r];
    s *= t;
    for (let r = i + 1; r < n; r++) x[r] -= s * V[vr + r];
  }
  return x;
}
