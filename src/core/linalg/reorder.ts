/**
 * Reordering of a real Schur form by swapping adjacent diagonal blocks (LAPACK dlaexc, dtrexc).
 * Column-major storage: element (i, j) of the n×n matrix is t[i + j*n].
 */
import { larfg } from './hessenberg';
import { lanv2, rotCols, rotRows, SAFMIN, ULP } from './hqr';

/** dlartg: c, s, r with [c s; −s c] [f; g] = [r; 0]. Writes c, s, r to out[0..2]. */
export function lartg(f: number, g: number, out: Float64Array): void {
  if (g === 0) { out[0] = 1; out[1] = 0; out[2] = f; return; }
  if (f === 0) { out[0] = 0; out[1] = Math.sign(g); out[2] = Math.abs(g); return; }
  const fa = Math.abs(f), ga = Math.abs(g);
  const m = Math.max(fa, ga);
  const fs = f / m, gs = g / m;
  const d = m * Math.sqrt(fs * fs + gs * gs);
  const c = fa / d;
  const r = f < 0 ? -d : d;
  out[0] = c; out[1] = g / r; out[2] = r;
}

const sK = new Float64Array(16), sRhs = new Float64Array(4), sY = new Float64Array(4), sPerm = new Int32Array(4);

/**
 * dlasy2 with ltranl = ltranr = false: solves TL·X + isgn·X·TR = scale·B for the n1×n2 matrix X (n1, n2 ∈ {1, 2})
 * by Gaussian elimination with complete pivoting on the Kronecker system, perturbing tiny pivots as LAPACK does.
 * TL, TR, B are given as small column-major arrays; X is written column-major to x. Returns scale (≤ 1).
 */
function lasy2(isgn: number, n1: number, n2: number, tl: Float64Array, tr: Float64Array, b: Float64Array, x: Float64Array): number {
  const m = n1 * n2;
  // K = I⊗TL + isgn·(TRᵀ⊗I) acting on vec(X) (column-major).
  const K = sK, rhs = sRhs, perm = sPerm, y = sY;
  K.fill(0);
  let tmax = 0;
  for (let q = 0; q < n1 * n1; q++) tmax = Math.max(tmax, Math.abs(tl[q]));
  for (let q = 0; q < n2 * n2; q++) tmax = Math.max(tmax, Math.abs(tr[q]));
  const eps = ULP / 2;
  const smlnum = SAFMIN / eps;
  const smin = Math.max(eps * tmax, smlnum);
  for (let c = 0; c < n2; c++) {
    for (let r = 0; r < n1; r++) {
      const row = r + c * n1;
      rhs[row] = b[r + c * n1];
      for (let c2 = 0; c2 < n2; c2++) {
        for (let r2 = 0; r2 < n1; r2++) {
          const col = r2 + c2 * n1;
          let val = 0;
          if (c2 === c) val += tl[r + r2 * n1];
          if (r2 === r) val += isgn * tr[c2 + c * n2];
          K[row * 4 + col] = val;
        }
      }
    }
  }
  perm[0] = 0; perm[1] = 1; perm[2] = 2; perm[3] = 3;
  for (let k = 0; k < m; k++) {
    // Complete pivoting.
    let pr = k, pc = k, pv = -1;
    for (let r = k; r < m; r++) for (let c = k; c < m; c++) {
      const a = Math.abs(K[r * 4 + c]);
      if (a > pv) { pv = a; pr = r; pc = c; }
    }
    if (pr !== k) {
      for (let c = 0; c < m; c++) { const t = K[k * 4 + c]; K[k * 4 + c] = K[pr * 4 + c]; K[pr * 4 + c] = t; }
      const t = rhs[k]; rhs[k] = rhs[pr]; rhs[pr] = t;
    }
    if (pc !== k) {
      for (let r = 0; r < m; r++) { const t = K[r * 4 + k]; K[r * 4 + k] = K[r * 4 + pc]; K[r * 4 + pc] = t; }
      const t = perm[k]; perm[k] = perm[pc]; perm[pc] = t;
    }
    if (Math.abs(K[k * 4 + k]) < smin) K[k * 4 + k] = smin;
    for (let r = k + 1; r < m; r++) {
      const f = K[r * 4 + k] / K[k * 4 + k];
      if (f === 0) continue;
      for (let c = k; c < m; c++) K[r * 4 + c] -= f * K[k * 4 + c];
      rhs[r] -= f * rhs[k];
    }
  }
  // Scale to avoid overflow in the back substitution.
  let scale = 1;
  const bignum = 1 / smlnum;
  let rmax = 0;
  for (let k = 0; k < m; k++) rmax = Math.max(rmax, Math.abs(rhs[k]));
  if (smlnum * rmax > Math.abs(K[(m - 1) * 4 + (m - 1)]) * 1) {
    // Rare: only for nearly singular systems with huge right-hand sides.
    scale = 1 / Math.max(1, rmax / bignum);
  }
  for (let k = m - 1; k >= 0; k--) {
    let s = rhs[k] * scale;
    for (let c = k + 1; c < m; c++) s -= K[k * 4 + c] * y[c];
    y[k] = s / K[k * 4 + k];
  }
  for (let k = 0; k < m; k++) x[perm[k]] = y[k];
  return scale;
}

/** dlarfx from the left: rows r0..r0+2 of column-major c (leading dim ld), columns j0..j1−1, H = I − τ u uᵀ. */
function larfxLeft(u: Float64Array, tau: number, c: Float64Array, ld: number, r0: number, j0: number, j1: number): void {
  if (tau === 0) return;
  const u0 = u[0], u1 = u[1], u2 = u[2];
  for (let j = j0; j < j1; j++) {
    const p = r0 + j * ld;
    const s = tau * (u0 * c[p] + u1 * c[p + 1] + u2 * c[p + 2]);
    c[p] -= s * u0;
    c[p + 1] -= s * u1;
    c[p + 2] -= s * u2;
  }
}

/** dlarfx from the right: columns c0..c0+2 of column-major c, rows i0..i1−1. */
function larfxRight(u: Float64Array, tau: number, c: Float64Array, ld: number, c0: number, i0: number, i1: number): void {
  if (tau === 0) return;
  const u0 = u[0], u1 = u[1], u2 = u[2];
  const p0 = c0 * ld, p1 = p0 + ld, p2 = p1 + ld;
  for (let i = i0; i < i1; i++) {
    const s = tau * (u0 * c[p0 + i] + u1 * c[p1 + i] + u2 * c[p2 + i]);
    c[p0 + i] -= s * u0;
    c[p1 + i] -= s * u1;
    c[p2 + i] -= s * u2;
  }
}

const rot = new Float64Array(3);
const sD = new Float64Array(16), sTl = new Float64Array(4), sTr = new Float64Array(4), sB = new Float64Array(4);
const sX = new Float64Array(4), sU = new Float64Array(3), sU1 = new Float64Array(3), sU2 = new Float64Array(3);
const lv = new Float64Array(10);
const one = new Float64Array(1);

function standardizeAt(t: Float64Array, n: number, q: Float64Array | null, j: number): void {
  const j1 = j + 1;
  lv[0] = t[j + j * n]; lv[1] = t[j + j1 * n]; lv[2] = t[j1 + j * n]; lv[3] = t[j1 + j1 * n];
  lanv2(lv);
  t[j + j * n] = lv[0]; t[j + j1 * n] = lv[1]; t[j1 + j * n] = lv[2]; t[j1 + j1 * n] = lv[3];
  const cs = lv[8], sn = lv[9];
  if (j + 2 < n) rotRows(t, n, j, j1, j + 2, n, cs, sn);
  rotCols(t, n, j, j1, 0, j, cs, sn);
  if (q) rotCols(q, n, j, j1, 0, n, cs, sn);
}

/**
 * dlaexc: swaps adjacent diagonal blocks T11 (n1×n1, at row j1) and T22 (n2×n2) of the column-major real Schur
 * form t by an orthogonal similarity, accumulated into q. Returns false (and leaves t, q unchanged) when the swap
 * is rejected because the blocks' eigenvalues are too close for it to be done stably.
 */
export function laexc(t: Float64Array, n: number, q: Float64Array | null, j1: number, n1: number, n2: number): boolean {
  if (n === 0 || n1 === 0 || n2 === 0) return true;
  if (j1 + n1 >= n) return true;
  const j2 = j1 + 1, j3 = j1 + 2;
  if (n1 === 1 && n2 === 1) {
    const t11 = t[j1 + j1 * n], t22 = t[j2 + j2 * n];
    lartg(t[j1 + j2 * n], t22 - t11, rot);
    const cs = rot[0], sn = rot[1];
    if (j3 < n) rotRows(t, n, j1, j2, j3, n, cs, sn);
    rotCols(t, n, j1, j2, 0, j1, cs, sn);
    t[j1 + j1 * n] = t22;
    t[j2 + j2 * n] = t11;
    if (q) rotCols(q, n, j1, j2, 0, n, cs, sn);
    return true;
  }
  // At least one 2×2 block: copy the diagonal block of order n1+n2 to d (column-major 4×4).
  const nd = n1 + n2;
  const LDD = 4;
  const d = sD;
  let dnorm = 0;
  for (let c = 0; c < nd; c++) for (let r = 0; r < nd; r++) {
    d[r + c * LDD] = t[j1 + r + (j1 + c) * n];
    dnorm = Math.max(dnorm, Math.abs(d[r + c * LDD]));
  }
  const eps = ULP;
  const smlnum = SAFMIN / eps;
  const thresh = Math.max(10 * eps * dnorm, smlnum);
  // Solve T11·X − X·T22 = scale·T12.
  const tl = sTl, tr = sTr, b = sB, x = sX;
  for (let c = 0; c < n1; c++) for (let r = 0; r < n1; r++) tl[r + c * n1] = d[r + c * LDD];
  for (let c = 0; c < n2; c++) for (let r = 0; r < n2; r++) tr[r + c * n2] = d[n1 + r + (n1 + c) * LDD];
  for (let c = 0; c < n2; c++) for (let r = 0; r < n1; r++) b[r + c * n1] = d[r + (n1 + c) * LDD];
  const scale = lasy2(-1, n1, n2, tl, tr, b, x);
  // x is n1×n2 column-major: X(r, c) = x[r + c*n1].
  const u = sU;
  const k = n1 + n1 + n2 - 3;
  if (k === 1) {
    // n1 = 1, n2 = 2: reflector H with (scale, X11, X12) H = (0, 0, *).
    u[0] = scale; u[1] = x[0]; u[2] = x[n1];
    const tau = larfg(3, u[2], u, 0, 1, one);
    u[2] = 1;
    const t11 = t[j1 + j1 * n];
    larfxLeft(u, tau, d, LDD, 0, 0, 3);
    larfxRight(u, tau, d, LDD, 0, 0, 3);
    if (Math.max(Math.abs(d[2]), Math.abs(d[2 + LDD]), Math.abs(d[2 + 2 * LDD] - t11)) > thresh) return false;
    larfxLeft(u, tau, t, n, j1, j1, n);
    larfxRight(u, tau, t, n, j1, 0, j2 + 1);
    t[j3 + j1 * n] = 0;
    t[j3 + j2 * n] = 0;
    t[j3 + j3 * n] = t11;
    if (q) larfxRight(u, tau, q, n, j1, 0, n);
  } else if (k === 2) {
    // n1 = 2, n2 = 1: reflector H with H (−X11, −X21, scale)ᵀ = (*, 0, 0)ᵀ.
    u[0] = -x[0]; u[1] = -x[1]; u[2] = scale;
    const tau = larfg(3, u[0], u, 1, 1, one);
    u[0] = 1;
    const t33 = t[j3 + j3 * n];
    larfxLeft(u, tau, d, LDD, 0, 0, 3);
    larfxRight(u, tau, d, LDD, 0, 0, 3);
    if (Math.max(Math.abs(d[1]), Math.abs(d[2]), Math.abs(d[0] - t33)) > thresh) return false;
    larfxRight(u, tau, t, n, j1, 0, j3 + 1);
    larfxLeft(u, tau, t, n, j1, j2, n);
    t[j1 + j1 * n] = t33;
    t[j2 + j1 * n] = 0;
    t[j3 + j1 * n] = 0;
    if (q) larfxRight(u, tau, q, n, j1, 0, n);
  } else {
    // n1 = n2 = 2: two reflectors H(2) H(1) reducing (−X; scale·I) to upper trapezoidal form.
    const u1 = sU1, u2 = sU2;
    u1[0] = -x[0]; u1[1] = -x[1]; u1[2] = scale;
    const tau1 = larfg(3, u1[0], u1, 1, 1, one);
    u1[0] = 1;
    const temp = -tau1 * (x[n1] + u1[1] * x[1 + n1]);
    u2[0] = -temp * u1[1] - x[1 + n1];
    u2[1] = -temp * u1[2];
    u2[2] = scale;
    const tau2 = larfg(3, u2[0], u2, 1, 1, one);
    u2[0] = 1;
    larfxLeft(u1, tau1, d, LDD, 0, 0, 4);
    larfxRight(u1, tau1, d, LDD, 0, 0, 4);
    larfxLeft(u2, tau2, d, LDD, 1, 0, 4);
    larfxRight(u2, tau2, d, LDD, 1, 0, 4);
    if (Math.max(Math.abs(d[2]), Math.abs(d[2 + LDD]), Math.abs(d[3]), Math.abs(d[3 + LDD])) > thresh) return false;
    const j4 = j1 + 3;
    larfxLeft(u1, tau1, t, n, j1, j1, n);
    larfxRight(u1, tau1, t, n, j1, 0, j4 + 1);
    larfxLeft(u2, tau2, t, n, j2, j1, n);
    larfxRight(u2, tau2, t, n, j2, 0, j4 + 1);
    t[j3 + j1 * n] = 0;
    t[j3 + j2 * n] = 0;
    t[j4 + j1 * n] = 0;
    t[j4 + j2 * n] = 0;
    if (q) {
      larfxRight(u1, tau1, q, n, j1, 0, n);
      larfxRight(u2, tau2, q, n, j2, 0, n);
    }
  }
  if (n2 === 2) standardizeAt(t, n, q, j1);
  if (n1 === 2) standardizeAt(t, n, q, j1 + n2);
  return true;
}

/** What trexc did: the block's final row, and whether every swap was accepted. */
export interface TrexcResult {
  /** The final row of the block: ilst as adjusted, or where the block stopped when a swap was rejected. */
  row: number;
  /** False when a swap was rejected (the block stops at `row`). */
  ok: boolean;
}

/**
 * dtrexc: moves the diagonal block starting at row ifst to row ilst by adjacent swaps (0-based). Returns the
 * final row of the block and whether it got there (a rejected swap stops it).
 */
export function trexc(t: Float64Array, n: number, q: Float64Array | null, ifst: number, ilst: number): TrexcResult {
  if (n <= 1) return { row: ilst, ok: true };
  if (ifst > 0 && t[ifst + (ifst - 1) * n] !== 0) ifst--;
  let nbf = 1;
  if (ifst < n - 1 && t[ifst + 1 + (ifst) * n] !== 0) nbf = 2;
  if (ilst > 0 && t[ilst + (ilst - 1) * n] !== 0) ilst--;
  let nbl = 1;
  if (ilst < n - 1 && t[ilst + 1 + (ilst) * n] !== 0) nbl = 2;
  if (ifst === ilst) return { row: ilst, ok: true };
  let here: number;
  if (ifst < ilst) {
    if (nbf === 2 && nbl === 1) ilst--;
    if (nbf === 1 && nbl === 2) ilst++;
    here = ifst;
    do {
      if (nbf === 1 || nbf === 2) {
        let nbnext = 1;
        if (here + nbf + 1 <= n - 1 && t[here + nbf + 1 + (here + nbf) * n] !== 0) nbnext = 2;
        if (!laexc(t, n, q, here, nbf, nbnext)) return { row: here, ok: false };
        here += nbnext;
        if (nbf === 2 && t[here + 1 + (here) * n] === 0) nbf = 3;
      } else {
        // Two 1×1 blocks (a 2×2 block that split), each swapped individually.
        let nbnext = 1;
        if (here + 3 <= n - 1 && t[here + 3 + (here + 2) * n] !== 0) nbnext = 2;
        if (!laexc(t, n, q, here + 1, 1, nbnext)) return { row: here, ok: false };
        if (nbnext === 1) {
          laexc(t, n, q, here, 1, nbnext);
          here++;
        } else {
          if (t[here + 2 + (here + 1) * n] === 0) nbnext = 1;
          if (nbnext === 2) {
            if (!laexc(t, n, q, here, 1, nbnext)) return { row: here, ok: false };
            here += 2;
          } else {
            laexc(t, n, q, here, 1, 1);
            laexc(t, n, q, here + 1, 1, 1);
            here += 2;
          }
        }
      }
    } while (here < ilst);
  } else {
    here = ifst;
    do {
      if (nbf === 1 || nbf === 2) {
        let nbnext = 1;
        if (here >= 2 && t[here - 1 + (here - 2) * n] !== 0) nbnext = 2;
        if (!laexc(t, n, q, here - nbnext, nbnext, nbf)) return { row: here, ok: false };
        here -= nbnext;
        if (nbf === 2 && t[here + 1 + (here) * n] === 0) nbf = 3;
      } else {
        let nbnext = 1;
        if (here >= 2 && t[here - 1 + (here - 2) * n] !== 0) nbnext = 2;
        if (!laexc(t, n, q, here - nbnext, nbnext, 1)) return { row: here, ok: false };
        if (nbnext === 1) {
          laexc(t, n, q, here, nbnext, 1);
          here--;
        } else {
          if (t[here + (here - 1) * n] === 0) nbnext = 1;
          if (nbnext === 2) {
            if (!laexc(t, n, q, here - 1, 2, 1)) return { row: here, ok: false };
            here -= 2;
          } else {
            laexc(t, n, q, here, 1, 1);
            laexc(t, n, q, here - 1, 1, 1);
            here -= 2;
          }
        }
      }
    } while (here > ilst);
  }
  return { row: here, ok: true };
}
