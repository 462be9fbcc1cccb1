/**
 * Singular values (no vectors) of a dense real matrix:
 * 1. Householder bidiagonalization (LAPACK dgebd2, column-major, the reflectors applied by the WebAssembly
 *    kernels in a workspace, TypeScript loops without one),
 *    backward stable: the bidiagonal B has the singular values of A + E with ‖E‖₂ = O(n u ‖A‖₂).
 * 2. Singular values of B by dqds (LAPACK dlasq1, as dbdsqr without vectors; dqds.ts), falling back to
 *    implicit-shift QR with Demmel–Kahan zero-shift sweeps: every singular value of B to high relative accuracy.
 * So every σ_i of A comes out with an absolute error of a small multiple of u·σ_max (~1e-15·σ_max in practice).
 * Cost ≈ 4mn² − 4n³/3 flops (m ≥ n) for step 1, O(n²) for step 2: N = 1024 takes ~0.25 s with the WebAssembly
 * kernels (process CPU time on a shared EPYC core; SciPy's svdvals ~0.2 s).
 */
import { gemmNN, gemvN, gemvT } from './gemm';
import { larfg, larfLeft, larfRight } from './hessenberg';
import { dqdsSingularValues } from './dqds';
import { openWorkspace, paddedLd, Workspace, wsAlloc } from './wasm/kernels';

const EPS = 2 ** -53; // dlamch('E')
const SAFMIN = 2 ** -1022; // dlamch('S')
const RTMIN = Math.sqrt(SAFMIN);
const RTMAX = Math.sqrt(Number.MAX_VALUE / 2);

/**
 * Singular values of the row-major rows×cols matrix A (not modified), in descending order; length min(rows, cols).
 * @throws Error for NaN/Inf entries, or (never seen in practice) when the bidiagonal QR does not converge.
 */
export function singularValues(A: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`singularValues: bad shape ${rows}×${cols}`);
  }
  if (A.length < rows * cols) throw new RangeError(`singularValues: ${A.length} entries for a ${rows}×${cols} matrix`);
  const p = Math.min(rows, cols);
  if (p === 0) return new Float64Array(0);
  let amax = 0;
  for (let i = 0; i < rows * cols; i++) {
    const v = A[i];
    if (!Number.isFinite(v)) throw new Error('matrix has NaN or Inf entries');
    const a = Math.abs(v);
    if (a > amax) amax = a;
  }
  if (amax === 0) return new Float64Array(p);
  // Work on a tall column-major copy (m ≥ n), scaled by a power of two so the largest entry is in [1, 2): exact,
  // and keeps the sums of squares far from overflow and underflow. (Two factors when 2^k alone would overflow,
  // for subnormal inputs.) Row-major rows×cols is column-major cols×rows: the transpose when rows < cols.
  const k = -Math.floor(Math.log2(amax));
  const k1 = Math.trunc(k / 2), k2 = k - k1;
  const s1 = Math.pow(2, k1), s2 = Math.pow(2, k2);
  const tall = rows >= cols;
  const m = tall ? rows : cols, n = tall ? cols : rows;
  const lda = paddedLd(m);
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  const ws = openWorkspace(lda * n + paddedLd(m) * NB + paddedLd(n) * NB + NB * n + 3 * (m + n) + 1024);
  try {
    const a = wsAlloc(ws, lda * n, false);
    if (tall) {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[i + j * lda] = A[i * cols + j] * s1 * s2;
    } else {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[j + i * lda] = A[i * cols + j] * s1 * s2;
    }
    bidiagonalize(a, lda, m, n, d, e, ws);
  } finally {
    ws?.close();
  }
  bidiagonalSingularValues(d, e);
  const i1 = Math.pow(2, -k1), i2 = Math.pow(2, -k2);
  for (let i = 0; i < n; i++) d[i] = d[i] * i1 * i2;
  return d;
}

/** Largest singular value ‖A‖₂. */
export function sigmaMax(A: ArrayLike<number>, rows: number, cols: number): number {
  const s = singularValues(A, rows, cols);
  return s.length ? s[0] : 0;
}

/** Smallest singular value (of the min(rows, cols) ones). */
export function sigmaMin(A: ArrayLike<number>, rows: number, cols: number): number {
  const s = singularValues(A, rows, cols);
  return s.length ? s[s.length - 1] : 0;
}

/** 2-norm condition number σ_max/σ_min (Infinity when σ_min = 0). */
export function conditionNumber(A: ArrayLike<number>, rows: number, cols: number): number {
  const s = singularValues(A, rows, cols);
  if (!s.length) return 0;
  return s[s.length - 1] === 0 ? Infinity : s[0] / s[s.length - 1];
}

const NB = 32; // panel width (ilaenv's dgebrd block size)
const NX = 128; // the last NX columns unblocked (ilaenv's crossover)

/**
 * Reduces the column-major m×n (m ≥ n) matrix a (leading dimension lda) in place to upper bidiagonal form by
 * Householder reflectors from both sides (dgebrd): panels of NB columns by dlabrd, whose reflectors reach the
 * rest of the matrix by two matrix products, and the last columns by dgebd2. Writes the bidiagonal (d, e).
 * The kernels run in WebAssembly when ws holds a; the TypeScript loops otherwise.
 */
function bidiagonalize(a: Float64Array, lda: number, m: number, n: number, d: Float64Array, e: Float64Array, ws: Workspace | null): void {
  const mk = ws?.mark() ?? 0;
  const ldx = paddedLd(m), ldy = paddedLd(n);
  const u = wsAlloc(ws, n), t = wsAlloc(ws, Math.max(m, n));
  let p = 0;
  if (n - NX > NB) {
    const X = wsAlloc(ws, ldx * NB), Y = wsAlloc(ws, ldy * NB), P = wsAlloc(ws, NB * n), xr = wsAlloc(ws, NB);
    for (; p < n - NX; p += NB) {
      const mm = m - p, nn = n - p, o = p + p * lda;
      labrd(a, o, lda, mm, nn, NB, d, e, p, X, ldx, Y, ldy, u, t, xr, ws);
      // A(NB:, NB:) −= V Yᵀ + X U, V = A(NB:, 0:NB), U = A(0:NB, NB:) (their unit heads are in place).
      const rows = mm - NB, cols = nn - NB;
      for (let l = 0; l < NB; l++) for (let j = 0; j < cols; j++) P[l + j * NB] = -Y[NB + j + l * ldy];
      gemmNN(rows, cols, NB, a, o + NB, lda, P, 0, NB, a, o + NB + NB * lda, lda, true, ws);
      for (let l = 0; l < NB; l++) for (let r = 0; r < rows; r++) X[NB + r + l * ldx] = -X[NB + r + l * ldx];
      gemmNN(rows, cols, NB, X, NB, ldx, a, o + NB * lda, lda, a, o + NB + NB * lda, lda, true, ws);
    }
  }
  const out = new Float64Array(1);
  for (let k = p; k < n; k++) {
    // Left reflector annihilating a[k+1.., k] (a contiguous column), applied to columns k+1..n−1.
    const ck = k * lda;
    const tl = larfg(m - k, a[k + ck], a, Math.min(k + 1, m - 1) + ck, 1, out);
    d[k] = out[0];
    a[k + ck] = 1;
    larfLeft(m - k, n - k - 1, a, k + ck, a, k + (k + 1) * lda, lda, tl, ws);
    if (k >= n - 1) break;
    // Right reflector annihilating row k's entries k+2..n−1 (copied to the contiguous u), applied to rows k+1..m−1.
    const len = n - k - 1;
    for (let j = 0; j < len; j++) u[j] = a[k + (k + 1 + j) * lda];
    const tr = larfg(len, u[0], u, 1, 1, out);
    e[k] = out[0];
    u[0] = 1;
    larfRight(m - k - 1, len, u, 0, a, k + 1 + (k + 1) * lda, lda, tr, t, ws);
  }
  ws?.release(mk);
}

/**
 * dlabrd (m ≥ n) on the mm×nn block of a at o: reduces its first nb rows and columns, leaving the reflectors'
 * vectors in place with unit heads (A(i, i) = A(i, i+1) = 1) and returning X (mm × nb) and Y (nn × nb) such that
 * the rest of the block is updated by A −= V Yᵀ + X U. d, e receive the bidiagonal at offset p. u (nn), t
 * (max(mm, nn)) and xr (nb) are scratch.
 */
function labrd(
  a: Float64Array, o: number, lda: number, mm: number, nn: number, nb: number, d: Float64Array, e: Float64Array, p: number,
  X: Float64Array, ldx: number, Y: Float64Array, ldy: number, u: Float64Array, t: Float64Array, xr: Float64Array, ws: Workspace | null,
): void {
  const out = new Float64Array(1);
  for (let i = 0; i < nb; i++) {
    const ci = o + i * lda; // A(0, i)
    // A(i:, i) −= A(i:, 0:i) Y(i, 0:i)ᵀ + X(i:, 0:i) A(0:i, i).
    gemvN(mm - i, i, a, o + i, lda, Y, i, ldy, a, ci + i, -1, ws);
    gemvN(mm - i, i, X, i, ldx, a, ci, 1, a, ci + i, -1, ws);
    const tq = larfg(mm - i, a[ci + i], a, ci + Math.min(i + 1, mm - 1), 1, out);
    d[p + i] = out[0];
    if (i >= nn - 1) continue;
    a[ci + i] = 1;
    // Y(i+1:, i) = τq (A(i:, i+1:)ᵀ v − Y(i+1:, 0:i) (A(i:, 0:i)ᵀ v) − A(0:i, i+1:)ᵀ (X(i:, 0:i)ᵀ v)).
    const yi = i * ldy;
    gemvT(mm - i, nn - i - 1, a, ci + lda + i, lda, a, ci + i, Y, yi + i + 1, 1, 1, ws);
    gemvT(mm - i, i, a, o + i, lda, a, ci + i, Y, yi, 1, 1, ws);
    gemvN(nn - i - 1, i, Y, i + 1, ldy, Y, yi, 1, Y, yi + i + 1, -1, ws);
    gemvT(mm - i, i, X, i, ldx, a, ci + i, Y, yi, 1, 1, ws);
    gemvT(i, nn - i - 1, a, ci + lda, lda, Y, yi, t, 0, 1, 1, ws);
    for (let r = 0; r < nn - i - 1; r++) Y[yi + i + 1 + r] = tq * (Y[yi + i + 1 + r] - (i > 0 ? t[r] : 0));
    // Row i: u = A(i, i+1:) − Y(i+1:, 0:i+1) A(i, 0:i+1)ᵀ − A(0:i, i+1:)ᵀ X(i, 0:i)ᵀ.
    const len = nn - i - 1;
    for (let j = 0; j < len; j++) u[j] = a[ci + lda * (j + 1) + i];
    gemvN(len, i + 1, Y, i + 1, ldy, a, o + i, lda, u, 0, -1, ws);
    if (i > 0) {
      for (let l = 0; l < i; l++) xr[l] = X[i + l * ldx];
      gemvT(i, len, a, ci + lda, lda, xr, 0, t, 0, 1, 1, ws);
      for (let j = 0; j < len; j++) u[j] -= t[j];
    }
    const tp = larfg(len, u[0], u, Math.min(1, len - 1), 1, out);
    e[p + i] = out[0];
    u[0] = 1;
    for (let j = 0; j < len; j++) a[ci + lda * (j + 1) + i] = u[j];
    // X(i+1:, i) = τp (A(i+1:, i+1:) u − A(i+1:, 0:i+1) (Y(i+1:, 0:i+1)ᵀ u) − X(i+1:, 0:i) (A(0:i, i+1:) u)).
    const xi = i * ldx;
    X.fill(0, xi, xi + mm);
    gemvN(mm - i - 1, len, a, ci + lda + i + 1, lda, u, 0, 1, X, xi + i + 1, 1, ws);
    gemvT(len, i + 1, Y, i + 1, ldy, u, 0, X, xi, 1, 1, ws);
    gemvN(mm - i - 1, i + 1, a, o + i + 1, lda, X, xi, 1, X, xi + i + 1, -1, ws);
    X.fill(0, xi, xi + i);
    gemvN(i, len, a, ci + lda, lda, u, 0, 1, X, xi, 1, ws);
    gemvN(mm - i - 1, i, X, i + 1, ldx, X, xi, 1, X, xi + i + 1, -1, ws);
    for (let r = i + 1; r < mm; r++) X[xi + r] *= tp;
  }
}

const rot = new Float64Array(3); // c, s, r

/** dlartg (LAPACK 3.10): [c s; −s c]ᵀ-style rotation with c·f + s·g = r, −s·f + c·g = 0, r with f's sign. */
function lartg(f: number, g: number): void {
  if (g === 0) {
    rot[0] = 1; rot[1] = 0; rot[2] = f;
  } else if (f === 0) {
    rot[0] = 0; rot[1] = g < 0 ? -1 : 1; rot[2] = Math.abs(g);
  } else {
    const f1 = Math.abs(f), g1 = Math.abs(g);
    if (f1 > RTMIN && f1 < RTMAX && g1 > RTMIN && g1 < RTMAX) {
      const dd = Math.sqrt(f * f + g * g);
      const r = f < 0 ? -dd : dd;
      rot[0] = f1 / dd; rot[1] = g / r; rot[2] = r;
    } else {
      const u = Math.min(1 / SAFMIN, Math.max(SAFMIN, f1, g1));
      const fs = f / u, gs = g / u;
      const dd = Math.sqrt(fs * fs + gs * gs);
      const r = fs < 0 ? -dd : dd;
      rot[0] = Math.abs(fs) / dd; rot[1] = gs / r; rot[2] = r * u;
    }
  }
}

/** dlas2: singular values (smin, smax) of [f g; 0 h]. */
function las2(f: number, g: number, h: number): [number, number] {
  const fa = Math.abs(f), ga = Math.abs(g), ha = Math.abs(h);
  const fhmn = Math.min(fa, ha), fhmx = Math.max(fa, ha);
  if (fhmn === 0) {
    if (fhmx === 0) return [0, ga];
    const mx = Math.max(fhmx, ga), mn = Math.min(fhmx, ga);
    return [0, mx * Math.sqrt(1 + (mn / mx) ** 2)];
  }
  if (ga < fhmx) {
    const as = 1 + fhmn / fhmx, at = (fhmx - fhmn) / fhmx, au = (ga / fhmx) ** 2;
    const c = 2 / (Math.sqrt(as * as + au) + Math.sqrt(at * at + au));
    return [fhmn * c, fhmx / c];
  }
  const au = fhmx / ga;
  if (au === 0) return [(fhmn * fhmx) / ga, ga];
  const as = 1 + fhmn / fhmx, at = (fhmx - fhmn) / fhmx;
  const c = 1 / (Math.sqrt(1 + (as * au) ** 2) + Math.sqrt(1 + (at * au) ** 2));
  return [2 * (fhmn * c) * au, ga / (c + c)];
}

/**
 * Singular values of the upper bidiagonal matrix with diagonal d and super-diagonal e, to high relative
 * accuracy, as LAPACK dbdsqr computes them without vectors: dqds (dlasq1, dqds.ts), falling back to
 * implicit-shift QR (bidiagonalQR: Demmel–Kahan zero-shift QR when a shift would spoil relative accuracy, else
 * shifted QR; the sweep direction follows the larger end). On return d holds the singular values in descending
 * order.
 */
export function bidiagonalSingularValues(dIn: Float64Array, eIn: Float64Array): void {
  const n = dIn.length;
  if (n >= 3) {
    // dqds first, as dbdsqr does without vectors; the QR iteration below only if it fails (never seen).
    const d = dIn.slice(), e = eIn.slice(0, n - 1);
    if (dqdsSingularValues(d, e)) {
      dIn.set(d);
      return;
    }
  }
  bidiagonalQR(dIn, eIn);
}

/**
 * The implicit-shift QR iteration of bidiagonalSingularValues (dbdsqr's rotations, no vectors): its fallback
 * when dqds fails, and the tests' second opinion. Same contract.
 */
export function bidiagonalQR(dIn: Float64Array, eIn: Float64Array): void {
  const n = dIn.length;
  if (n === 0) return;
  if (n === 1) {
    dIn[0] = Math.abs(dIn[0]);
    return;
  }
  // 1-based copies, as in the Fortran: D(1..n), E(1..n-1).
  const D = new Float64Array(n + 1), E = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) D[i + 1] = dIn[i];
  for (let i = 0; i < n - 1; i++) E[i + 1] = eIn[i];
  const tolmul = Math.max(10, Math.min(100, Math.pow(EPS, -0.125)));
  const tol = tolmul * EPS;
  const MAXITR = 6;
  const HNDRTH = 0.01;
  // Threshold for negligible entries (relative accuracy: a lower bound on σ_min, as in dbdsqr).
  let smax = 0;
  for (let i = 1; i <= n; i++) smax = Math.max(smax, Math.abs(D[i]));
  for (let i = 1; i < n; i++) smax = Math.max(smax, Math.abs(E[i]));
  let sminoa = Math.abs(D[1]);
  if (sminoa !== 0) {
    let mu = sminoa;
    for (let i = 2; i <= n; i++) {
      mu = Math.abs(D[i]) * (mu / (mu + Math.abs(E[i - 1])));
      sminoa = Math.min(sminoa, mu);
      if (sminoa === 0) break;
    }
  }
  sminoa = sminoa / Math.sqrt(n);
  const thresh = Math.max(tol * sminoa, MAXITR * (n * (n * SAFMIN)));
  const maxit = MAXITR * n * n;
  let iter = 0;
  let oldll = -1, oldm = -1;
  let m = n;
  let idir = 0;
  let sminl = 0;
  outer: for (;;) {
    if (m <= 1) break;
    if (iter > maxit) throw new Error('singular values: the bidiagonal QR iteration did not converge');
    // Find the diagonal block D(ll..m) to work on.
    let smaxb = Math.abs(D[m]);
    let ll = 0;
    let split = false;
    for (let lll = 1; lll <= m - 1; lll++) {
      ll = m - lll;
      const abss = Math.abs(D[ll]);
      const abse = Math.abs(E[ll]);
      if (abse <= thresh) {
        split = true;
        break;
      }
      smaxb = Math.max(smaxb, abss, abse);
    }
    if (split) {
      E[ll] = 0;
      if (ll === m - 1) {
        m -= 1; // bottom singular value converged
        continue;
      }
    } else {
      ll = 0;
    }
    ll += 1;
    // E(ll..m-1) are non-zero, E(ll-1) is zero.
    if (ll === m - 1) {
      const [sigmn, sigmx] = las2(D[m - 1], E[m - 1], D[m]);
      D[m - 1] = sigmx;
      E[m - 1] = 0;
      D[m] = sigmn;
      m -= 2;
      continue;
    }
    // New submatrix: chase from the larger end towards the smaller.
    if (ll > oldm || m < oldll) idir = Math.abs(D[ll]) >= Math.abs(D[m]) ? 1 : 2;
    // Convergence tests.
    if (idir === 1) {
      if (Math.abs(E[m - 1]) <= tol * Math.abs(D[m])) {
        E[m - 1] = 0;
        continue;
      }
      let mu = Math.abs(D[ll]);
      sminl = mu;
      for (let lll = ll; lll <= m - 1; lll++) {
        if (Math.abs(E[lll]) <= tol * mu) {
          E[lll] = 0;
          continue outer;
        }
        mu = Math.abs(D[lll + 1]) * (mu / (mu + Math.abs(E[lll])));
        sminl = Math.min(sminl, mu);
      }
    } else {
      if (Math.abs(E[ll]) <= tol * Math.abs(D[ll])) {
        E[ll] = 0;
        continue;
      }
      let mu = Math.abs(D[m]);
      sminl = mu;
      for (let lll = m - 1; lll >= ll; lll--) {
        if (Math.abs(E[lll]) <= tol * mu) {
          E[lll] = 0;
          continue outer;
        }
        mu = Math.abs(D[lll]) * (mu / (mu + Math.abs(E[lll])));
        sminl = Math.min(sminl, mu);
      }
    }
    oldll = ll;
    oldm = m;
    // Shift: zero if shifting would ruin relative accuracy.
    let shift = 0;
    if (!(n * tol * (sminl / smaxb) <= Math.max(EPS, HNDRTH * tol))) {
      let sll: number;
      if (idir === 1) {
        sll = Math.abs(D[ll]);
        shift = las2(D[m - 1], E[m - 1], D[m])[0];
      } else {
        sll = Math.abs(D[m]);
        shift = las2(D[ll], E[ll], D[ll + 1])[0];
      }
      if (sll > 0 && (shift / sll) ** 2 < EPS) shift = 0;
    }
    iter += m - ll;
    if (shift === 0) {
      // Demmel–Kahan zero-shift QR sweep.
      if (idir === 1) {
        let cs = 1, oldcs = 1, oldsn = 0;
        for (let i = ll; i <= m - 1; i++) {
          lartg(D[i] * cs, E[i]);
          cs = rot[0];
          const sn = rot[1], r = rot[2];
          if (i > ll) E[i - 1] = oldsn * r;
          lartg(oldcs * r, D[i + 1] * sn);
          oldcs = rot[0]; oldsn = rot[1]; D[i] = rot[2];
        }
        const h = D[m] * cs;
        D[m] = h * oldcs;
        E[m - 1] = h * oldsn;
        if (Math.abs(E[m - 1]) <= thresh) E[m - 1] = 0;
      } else {
        let cs = 1, oldcs = 1, oldsn = 0;
        for (let i = m; i >= ll + 1; i--) {
          lartg(D[i] * cs, E[i - 1]);
          cs = rot[0];
          const sn = rot[1], r = rot[2];
          if (i < m) E[i] = oldsn * r;
          lartg(oldcs * r, D[i - 1] * sn);
          oldcs = rot[0]; oldsn = rot[1]; D[i] = rot[2];
        }
        const h = D[ll] * cs;
        D[ll] = h * oldcs;
        E[ll] = h * oldsn;
        if (Math.abs(E[ll]) <= thresh) E[ll] = 0;
      }
    } else if (idir === 1) {
      // Shifted QR sweep, top to bottom.
      let f = (Math.abs(D[ll]) - shift) * ((D[ll] < 0 ? -1 : 1) + shift / D[ll]);
      let g = E[ll];
      for (let i = ll; i <= m - 1; i++) {
        lartg(f, g);
        const cosr = rot[0], sinr = rot[1];
        if (i > ll) E[i - 1] = rot[2];
        f = cosr * D[i] + sinr * E[i];
        E[i] = cosr * E[i] - sinr * D[i];
        g = sinr * D[i + 1];
        D[i + 1] = cosr * D[i + 1];
        lartg(f, g);
        const cosl = rot[0], sinl = rot[1];
        D[i] = rot[2];
        f = cosl * E[i] + sinl * D[i + 1];
        D[i + 1] = cosl * D[i + 1] - sinl * E[i];
        if (i < m - 1) {
          g = sinl * E[i + 1];
          E[i + 1] = cosl * E[i + 1];
        }
      }
      E[m - 1] = f;
      if (Math.abs(E[m - 1]) <= thresh) E[m - 1] = 0;
    } else {
      // Shifted QR sweep, bottom to top.
      let f = (Math.abs(D[m]) - shift) * ((D[m] < 0 ? -1 : 1) + shift / D[m]);
      let g = E[m - 1];
      for (let i = m; i >= ll + 1; i--) {
        lartg(f, g);
        const cosr = rot[0], sinr = rot[1];
        if (i < m) E[i] = rot[2];
        f = cosr * D[i] + sinr * E[i - 1];
        E[i - 1] = cosr * E[i - 1] - sinr * D[i];
        g = sinr * D[i - 1];
        D[i - 1] = cosr * D[i - 1];
        lartg(f, g);
        const cosl = rot[0], sinl = rot[1];
        D[i] = rot[2];
        f = cosl * E[i - 1] + sinl * D[i - 1];
        D[i - 1] = cosl * D[i - 1] - sinl * E[i - 1];
        if (i > ll + 1) {
          g = sinl * E[i - 2];
          E[i - 2] = cosl * E[i - 2];
        }
      }
      E[ll] = f;
      if (Math.abs(E[ll]) <= thresh) E[ll] = 0;
    }
  }
  const out = Array.from({ length: n }, (_, i) => Math.abs(D[i + 1]));
  out.sort((x, y) => y - x);
  for (let i = 0; i < n; i++) dIn[i] = out[i];
}
