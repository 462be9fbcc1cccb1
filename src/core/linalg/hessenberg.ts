/**
 * Householder reduction of a general real matrix to upper Hessenberg form, H = Qᵀ A Q (LAPACK dgehd2 / dorghr).
 *
 * Internal storage of this folder's kernels is column-major (Fortran, like LAPACK): element (i, j) of an n×n
 * matrix is a[i + j*n]. The public API in schur.ts converts to and from row-major.
 */

const SAFMIN = 2.2250738585072014e-308; // dlamch('S')
const EPS = 1.1102230246251565e-16; // dlamch('E') = 2^-53

/** Euclidean norm of x[off], x[off+inc], … (n terms), without destructive overflow or underflow. */
export function nrm2(n: number, x: Float64Array, off: number, inc = 1): number {
  let s = 0;
  for (let k = 0, p = off; k < n; k++, p += inc) s += x[p] * x[p];
  if (s > 1e-290 && s < 1e290) return Math.sqrt(s);
  if (s === 0) {
    // Either all zero or all entries underflowed when squared: rescale.
    let m = 0;
    for (let k = 0, p = off; k < n; k++, p += inc) m = Math.max(m, Math.abs(x[p]));
    if (m === 0) return 0;
    s = 0;
    for (let k = 0, p = off; k < n; k++, p += inc) { const t = x[p] / m; s += t * t; }
    return m * Math.sqrt(s);
  }
  let m = 0;
  for (let k = 0, p = off; k < n; k++, p += inc) m = Math.max(m, Math.abs(x[p]));
  if (m === 0) return 0;
  let t2 = 0;
  for (let k = 0, p = off; k < n; k++, p += inc) { const t = x[p] / m; t2 += t * t; }
  return m * Math.sqrt(t2);
}

/** sqrt(x² + y²) without unnecessary overflow (dlapy2). */
export function lapy2(x: number, y: number): number {
  const xa = Math.abs(x), ya = Math.abs(y);
  const w = Math.max(xa, ya), z = Math.min(xa, ya);
  if (z === 0 || w > 1.7976931348623157e308) return w;
  const r = z / w;
  return w * Math.sqrt(1 + r * r);
}

/**
 * dlarfg: generates an elementary reflector H = I − τ [1; v][1; v]ᵀ with H [α; x] = [β; 0].
 * x is x[off], x[off+inc], … (n−1 terms) and is overwritten by v. Returns τ; β is written to out[0].
 */
export function larfg(n: number, alpha: number, x: Float64Array, off: number, inc: number, out: Float64Array): number {
  if (n <= 1) { out[0] = alpha; return 0; }
  let xnorm = nrm2(n - 1, x, off, inc);
  if (xnorm === 0) { out[0] = alpha; return 0; }
  let beta = -Math.sign(alpha || 1) * lapy2(alpha, xnorm);
  const safmin = SAFMIN / EPS;
  let knt = 0;
  if (Math.abs(beta) < safmin) {
    const rsafmn = 1 / safmin;
    do {
      knt++;
      for (let k = 0, p = off; k < n - 1; k++, p += inc) x[p] *= rsafmn;
      beta *= rsafmn;
      alpha *= rsafmn;
    } while (Math.abs(beta) < safmin && knt < 20);
    xnorm = nrm2(n - 1, x, off, inc);
    beta = -Math.sign(alpha || 1) * lapy2(alpha, xnorm);
  }
  const tau = (beta - alpha) / beta;
  const scal = 1 / (alpha - beta);
  for (let k = 0, p = off; k < n - 1; k++, p += inc) x[p] *= scal;
  for (let j = 0; j < knt; j++) beta *= safmin;
  out[0] = beta;
  return tau;
}


/**
 * dlarf 'L': A(:, j) −= τ v (vᵀ A(:, j)) for the ncols columns of the m-row block at a[ao] (leading dimension
 * lda), v = v[vo … vo+m−1]. The WebAssembly kernel runs when a and v are views of ws.
 */
export function larfLeft(m: number, ncols: number, v: Float64Array, vo: number, a: Float64Array, ao: number, lda: number, tau: number, ws: Workspace | null): void {
  if (tau === 0 || m <= 0 || ncols <= 0) return;
  const ia = ws ? ws.index(a) : -1, iv = ws ? ws.index(v) : -1;
  if (ws && ia >= 0 && iv >= 0) {
    ws.k.larfLeft(m, ncols, iv + vo, ia + ao, lda, tau);
    return;
  }
  for (let j = 0; j < ncols; j++) {
    const cj = ao + j * lda;
    let s = 0;
    for (let r = 0; r < m; r++) s += v[vo + r] * a[cj + r];
    s *= tau;
    if (s === 0) continue;
    for (let r = 0; r < m; r++) a[cj + r] -= s * v[vo + r];
  }
}

/**
 * dlarf 'R': A −= τ (A v) vᵀ for the m×k block at a[ao] (leading dimension lda), v = v[vo … vo+k−1], w a scratch
 * of m entries. The WebAssembly kernel runs when a, v and w are views of ws.
 */
export function larfRight(
  m: number, k: number, v: Float64Array, vo: number, a: Float64Array, ao: number, lda: number, tau: number, w: Float64Array, ws: Workspace | null,
): void {
  if (tau === 0 || m <= 0 || k <= 0) return;
  const ia = ws ? ws.index(a) : -1, iv = ws ? ws.index(v) : -1, iw = ws ? ws.index(w) : -1;
  if (ws && ia >= 0 && iv >= 0 && iw >= 0) {
    ws.k.larfRight(m, k, iv + vo, ia + ao, lda, tau, iw);
    return;
  }
  w.fill(0, 0, m);
  for (let l = 0; l < k; l++) {
    const f = v[vo + l];
    if (f === 0) continue;
    const cl = ao + l * lda;
    for (let r = 0; r < m; r++) w[r] += a[cl + r] * f;
  }
  for (let l = 0; l < k; l++) {
    const f = tau * v[vo + l];
    if (f === 0) continue;
    const cl = ao + l * lda;
    for (let r = 0; r < m; r++) a[cl + r] -= w[r] * f;
  }
}

import { gemmNN, gemmTN, gemvT } from './gemm';
import { Workspace, wsAlloc } from './wasm/kernels';

const NB = 32; // panel width (ilaenv's dgehrd block size)
const NX = 128; // no blocking for the last NX columns (ilaenv crossover)

/**
 * Reduces the column-major n×n matrix a to upper Hessenberg form in place (dgehrd: dlahr2 panels of NB columns
 * with matrix-matrix updates, unblocked dgehd2 for the last columns). On return the Hessenberg matrix is in a's
 * upper triangle and first sub-diagonal; the reflectors' vectors are below the sub-diagonal (reflector i:
 * v = [1; a[i+2..n−1, i]] on rows i+1..n−1) and their scalars τ in tau[0..n−2].
 */
export function hessenbergReduce(a: Float64Array, n: number, lda: number, tau: Float64Array, ws: Workspace | null = null): void {
  let i = 0;
  const mk = ws?.mark() ?? 0;
  if (n - 1 - NX > NB) {
    const nb = NB;
    // Scratch in the workspace's memory when there is one, so the kernels can run on it.
    const Y = wsAlloc(ws, lda * nb);
    const T = wsAlloc(ws, nb * nb);
    const Vd = wsAlloc(ws, n * nb);
    const Pt = wsAlloc(ws, Math.max(n, 1) * nb);
    const Vt = wsAlloc(ws, Math.max(n, 1) * nb);
    const W = wsAlloc(ws, nb * n);
    const w = wsAlloc(ws, nb);
    for (; i < n - 1 - NX; i += nb) {
      const ib = Math.min(nb, n - 1 - i);
      const p = i;
      const ldv = n - p - 1; // Vd holds rows p+1..n−1 of V (explicit unit diagonal and zeros)
      lahr2(n, lda, p, ib, a, tau, T, nb, Y, w, Vd, ldv, ws);
      // Right update of columns p+ib..n−1: A −= Y · V(p+ib.., :)ᵀ. Pack −Yᵀ and V(p+ib..)ᵀ for the TN kernel.
      const m = n - p - ib;
      if (m > 0) {
        for (let l = 0; l < ib; l++) {
          const yl = l * lda;
          for (let r = 0; r < n; r++) Pt[l + r * ib] = -Y[yl + r];
          const vl = l * ldv + (ib - 1);
          for (let r = 0; r < m; r++) Vt[l + r * ib] = Vd[vl + r];
        }
        gemmTN(n, m, ib, Pt, 0, ib, Vt, 0, ib, a, (p + ib) * lda, lda, true, ws);
      }
      // Rows 0..p of the panel columns p+1..p+ib−1: A −= Y(0..p, :) · V1ᵀ (V1 unit lower triangular).
      for (let jj = 0; jj < ib - 1; jj++) {
        const col = (p + 1 + jj) * lda;
        for (let l = 0; l <= jj; l++) {
          const f = l === jj ? 1 : Vd[jj + l * ldv];
          if (f === 0) continue;
          const yl = l * lda;
          for (let r = 0; r <= p; r++) a[col + r] -= Y[yl + r] * f;
        }
      }
      // Left update of A(p+1..n−1, p+ib..n−1) by (I − V T Vᵀ)ᵀ = I − V Tᵀ Vᵀ.
      if (m > 0) applyBlockLeft(a, lda, p + 1, p + ib, m, Vd, ldv, ib, T, nb, true, W, Vt, ws);
    }
  }
  unblockedHessenberg(a, n, lda, i, tau, ws);
  if (n >= 2) tau[n - 2] = 0;
  ws?.release(mk);
}

/**
 * C(r0..r0+ldv−1, c0..c0+m−1) ← (I − V T' Vᵀ) C with T' = Tᵀ (trans) or T, V = Vd (ldv × k, column-major):
 * W = Vᵀ C, W' = −T' W, C += V W' — three matrix products (the WebAssembly GEMM when all live in ws).
 * W (k × m) and Vt (k × m) are scratch.
 */
function applyBlockLeft(
  c: Float64Array, ldc: number, r0: number, c0: number, m: number, Vd: Float64Array, ldv: number, k: number,
  T: Float64Array, ldt: number, trans: boolean, W: Float64Array, Vt: Float64Array, ws: Workspace | null,
): void {
  const cOff = r0 + c0 * ldc;
  // W = Vᵀ C
  gemmTN(k, m, ldv, Vd, 0, ldv, c, cOff, ldc, W, 0, k, false, ws);
  // Vt = −T' W, T' upper (T) or lower (Tᵀ) triangular: a clean k × k copy with zeros off the triangle.
  const mk = ws?.mark() ?? 0;
  const Tc = wsAlloc(ws, k * k);
  for (let j = 0; j < k; j++) {
    for (let q = 0; q <= j; q++) {
      const t = -T[q + j * ldt]; // T(q, j), q ≤ j
      if (trans) Tc[j + q * k] = t;
      else Tc[q + j * k] = t;
    }
  }
  gemmNN(k, m, k, Tc, 0, k, W, 0, k, Vt, 0, k, false, ws);
  ws?.release(mk);
  // C += V Vt
  gemmNN(ldv, m, k, Vd, 0, ldv, Vt, 0, k, c, cOff, ldc, true, ws);
}

/**
 * dlahr2: reduces columns p..p+nb−1 of the column-major n×n a so that entries below the first sub-diagonal are
 * zero, returning the reflectors (stored below the sub-diagonal, τ in tau[p..]), the triangular factor T
 * (I − V T Vᵀ = H(p)…H(p+nb−1)), Y = A V T (n × nb, leading dimension n) and V densely in Vd (rows p+1..n−1).
 * Columns right of the panel are not modified.
 */
function lahr2(
  n: number, lda: number, p: number, nb: number, a: Float64Array, tau: Float64Array, T: Float64Array, ldt: number,
  Y: Float64Array, w: Float64Array, Vd: Float64Array, ldv: number, ws: Workspace | null,
): void {
  const out = new Float64Array(1);
  const k = ws?.k;
  const ia = ws ? ws.index(a) : -1, iy = ws ? ws.index(Y) : -1, iv = ws ? ws.index(Vd) : -1, it = ws ? ws.index(T) : -1, iw = ws ? ws.index(w) : -1;
  const wasm = k !== undefined && ia >= 0 && iy >= 0 && iv >= 0 && it >= 0 && iw >= 0;
  const m1 = n - p - 1;
  // V(r, l) for r ≥ p+1: 0 above p+l+1, 1 at p+l+1, a[r + (p+l)n] below (Vd is filled as reflectors appear).
  for (let j = 0; j < nb; j++) {
    const c = p + j;
    const cc = c * lda;
    if (j > 0 && wasm && k) {
      // The same three steps as below with the SIMD matrix-vector kernels.
      k.gemvN(m1, j, iy + p + 1, lda, iv + (c - p - 1), ldv, ia + cc + p + 1, -1);
      k.gemvT(m1, j, iv, ldv, ia + cc + p + 1, iw, 1, 1);
      for (let l = j - 1; l >= 0; l--) {
        let s = 0;
        const tl = l * ldt;
        for (let q = 0; q <= l; q++) s += T[tl + q] * w[q];
        w[l] = s;
      }
      k.gemvN(m1, j, iv, ldv, iw, 1, ia + cc + p + 1, -1);
    } else if (j > 0) {
      // Right: column c, rows p+1..n−1, −= Y(·, 0..j−1) · V(c, 0..j−1)ᵀ.
      for (let l = 0; l < j; l++) {
        const f = Vd[(c - p - 1) + l * ldv];
        if (f === 0) continue;
        const yl = l * lda;
        for (let r = p + 1; r < n; r++) a[cc + r] -= Y[yl + r] * f;
      }
      // Left: b ← (I − V Tᵀ Vᵀ) b over rows p+1..n−1.
      for (let l = 0; l < j; l++) {
        let s = 0;
        const vl = l * ldv - (p + 1);
        for (let r = p + 1 + l; r < n; r++) s += Vd[vl + r] * a[cc + r];
        w[l] = s;
      }
      for (let l = j - 1; l >= 0; l--) {
        let s = 0;
        const tl = l * ldt;
        for (let q = 0; q <= l; q++) s += T[tl + q] * w[q];
        w[l] = s;
      }
      for (let l = 0; l < j; l++) {
        const f = w[l];
        if (f === 0) continue;
        const vl = l * ldv - (p + 1);
        for (let r = p + 1 + l; r < n; r++) a[cc + r] -= Vd[vl + r] * f;
      }
    }
    // Reflector annihilating a[c+2.., c].
    const t = larfg(n - c - 1, a[c + 1 + cc], a, Math.min(c + 2, n - 1) + cc, 1, out);
    tau[c] = t;
    a[c + 1 + cc] = out[0];
    // Dense copy of v_j.
    const vj = j * ldv - (p + 1);
    for (let r = p + 1; r <= c; r++) Vd[vj + r] = 0;
    Vd[vj + c + 1] = 1;
    for (let r = c + 2; r < n; r++) Vd[vj + r] = a[cc + r];
    // Y(p+1.., j) = A(p+1.., c+1..n−1) v_j, four columns at a time.
    const yj = j * lda;
    const tj = j * ldt;
    for (let r = p + 1; r < n; r++) Y[yj + r] = 0;
    if (wasm && k) {
      k.gemvN(m1, n - c - 1, ia + (c + 1) * lda + p + 1, lda, iv + vj + c + 1, 1, iy + yj + p + 1, 1);
      k.gemvT(n - c - 1, j, iv + c - p, ldv, iv + vj + c + 1, it + tj, 1, 1);
      k.gemvN(m1, j, iy + p + 1, lda, it + tj, 1, iy + yj + p + 1, -1);
    } else {
      let q = c + 1;
      for (; q + 3 < n; q += 4) {
        const f0 = Vd[vj + q], f1 = Vd[vj + q + 1], f2 = Vd[vj + q + 2], f3 = Vd[vj + q + 3];
        const a0 = q * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (let r = p + 1; r < n; r++) Y[yj + r] += a[a0 + r] * f0 + a[a1 + r] * f1 + a[a2 + r] * f2 + a[a3 + r] * f3;
      }
      for (; q < n; q++) {
        const f = Vd[vj + q];
        if (f === 0) continue;
        const a0 = q * lda;
        for (let r = p + 1; r < n; r++) Y[yj + r] += a[a0 + r] * f;
      }
      // tv = V_{j−1}ᵀ v_j (into T(0..j−1, j)), then Y(·, j) −= Y(·, 0..j−1) tv.
      for (let l = 0; l < j; l++) {
        let s = 0;
        const vl = l * ldv - (p + 1);
        for (let r = c + 1; r < n; r++) s += Vd[vl + r] * Vd[vj + r];
        T[tj + l] = s;
      }
      for (let l = 0; l < j; l++) {
        const f = T[tj + l];
        if (f === 0) continue;
        const yl = l * lda;
        for (let r = p + 1; r < n; r++) Y[yj + r] -= Y[yl + r] * f;
      }
    }
    // Y(·, j) *= τ.
    for (let r = p + 1; r < n; r++) Y[yj + r] *= t;
    // T(0..j−1, j) = −τ T_{j−1} tv; T(j, j) = τ.
    for (let l = 0; l < j; l++) {
      let s = 0;
      for (let q = l; q < j; q++) s += T[l + q * ldt] * T[tj + q];
      w[l] = -t * s;
    }
    for (let l = 0; l < j; l++) T[tj + l] = w[l];
    T[tj + j] = t;
    for (let l = j + 1; l < nb; l++) T[tj + l] = 0;
  }
  // Y(0..p, :) = A(0..p, p+1..n−1) · V · T.
  gemmNN(p + 1, nb, ldv, a, (p + 1) * lda, lda, Vd, 0, ldv, Y, 0, lda, false, ws);
  for (let r = 0; r <= p; r++) {
    for (let j = nb - 1; j >= 0; j--) {
      let s = 0;
      const tj = j * ldt;
      for (let q = 0; q <= j; q++) s += Y[r + q * lda] * T[tj + q];
      Y[r + j * lda] = s;
    }
  }
}

/** Scratch of gehd2's larfg (used only within one synchronous call). */
const gehd2Beta = new Float64Array(1);

/**
 * dgehd2 on the column-major n×n array a (leading dimension lda), reducing rows/columns ilo..ihi (0-based);
 * reflector i (ilo ≤ i < ihi−1… ihi) is stored below the sub-diagonal of column i with τ in tau[i].
 */
export function gehd2(n: number, ilo: number, ihi: number, a: Float64Array, lda: number, tau: Float64Array, work: Float64Array, ws: Workspace | null): void {
  const ia = ws ? ws.index(a) : -1, iw = ws ? ws.index(work) : -1;
  for (let i = ilo; i < ihi; i++) {
    const ci = i * lda;
    const t = larfg(ihi - i, a[i + 1 + ci], a, Math.min(i + 2, n - 1) + ci, 1, gehd2Beta);
    tau[i] = t;
    const beta = gehd2Beta[0];
    a[i + 1 + ci] = 1;
    if (t !== 0 && ws !== null && ia >= 0 && iw >= 0) {
      const kw = ws.k;
      kw.larfRight(ihi + 1, ihi - i, ia + i + 1 + ci, ia + (i + 1) * lda, lda, t, iw);
      kw.larfLeft(ihi - i, n - i - 1, ia + i + 1 + ci, ia + (i + 1) * lda + i + 1, lda, t);
    } else if (t !== 0) {
      // Right: A(0:ihi, i+1:ihi) −= τ (A v) vᵀ
      work.fill(0, 0, ihi + 1);
      for (let kk = i + 1; kk <= ihi; kk++) {
        const vk = a[kk + ci];
        if (vk === 0) continue;
        const ck = kk * lda;
        for (let r = 0; r <= ihi; r++) work[r] += a[r + ck] * vk;
      }
      for (let kk = i + 1; kk <= ihi; kk++) {
        const f = t * a[kk + ci];
        if (f === 0) continue;
        const ck = kk * lda;
        for (let r = 0; r <= ihi; r++) a[r + ck] -= work[r] * f;
      }
      // Left: A(i+1:ihi, i+1:n−1) −= τ v (vᵀ A)
      for (let j = i + 1; j < n; j++) {
        const cj = j * lda;
        let s = 0;
        for (let r = i + 1; r <= ihi; r++) s += a[r + ci] * a[r + cj];
        s *= t;
        if (s === 0) continue;
        for (let r = i + 1; r <= ihi; r++) a[r + cj] -= s * a[r + ci];
      }
    }
    a[i + 1 + ci] = beta;
  }
}

/** dgehd2 from column i0 on (the columns before are already reduced). */
function unblockedHessenberg(a: Float64Array, n: number, lda: number, i0: number, tau: Float64Array, ws: Workspace | null): void {
  gehd2(n, i0, n - 1, a, lda, tau, wsAlloc(ws, n), ws);
}

/**
 * Forms the orthogonal Q = H(0) H(1) … H(n−3) of hessenbergReduce (dorghr) in the column-major array q:
 * panels of reflectors applied in reverse order as block reflectors I − V T Vᵀ (dlarft + dlarfb).
 * Reads the reflectors from a (below the sub-diagonal) and tau.
 */
export function hessenbergQ(a: Float64Array, n: number, lda: number, tau: Float64Array, q: Float64Array, ws: Workspace | null = null): void {
  q.fill(0);
  for (let i = 0; i < n; i++) q[i + i * lda] = 1;
  const nrefl = n - 2; // reflectors 0..n−3
  if (nrefl <= 0) return;
  const nb = NB;
  const mk = ws?.mark() ?? 0;
  const Vd = wsAlloc(ws, n * nb);
  const T = wsAlloc(ws, nb * nb);
  const W = wsAlloc(ws, nb * n);
  const Vt = wsAlloc(ws, nb * n);
  // Panels [p, p+ib) from the last one down.
  const last = Math.floor((nrefl - 1) / nb) * nb;
  for (let p = last; p >= 0; p -= nb) {
    const ib = Math.min(nb, nrefl - p);
    const ldv = n - p - 1;
    // Dense V (rows p+1..n−1) and T (dlarft, forward columnwise).
    for (let j = 0; j < ib; j++) {
      const c = p + j;
      const vj = j * ldv - (p + 1);
      for (let r = p + 1; r <= c; r++) Vd[vj + r] = 0;
      Vd[vj + c + 1] = 1;
      for (let r = c + 2; r < n; r++) Vd[vj + r] = a[r + c * lda];
      const t = tau[c];
      const tj = j * nb;
      // W(0..j−1) = V(c+1.., 0..j−1)ᵀ v_j (rows from c+1, where v_j starts with its unit entry).
      gemvT(n - c - 1, j, Vd, j, ldv, Vd, vj + c + 1, W, 0, 1, 1, ws);
      for (let l = 0; l < j; l++) {
        let s = 0;
        for (let qq = l; qq < j; qq++) s += T[l + qq * nb] * W[qq];
        T[tj + l] = -t * s;
      }
      T[tj + j] = t;
    }
    // Q(p+1.., p+1..) ← (I − V T Vᵀ) Q(p+1.., p+1..)
    applyBlockLeft(q, lda, p + 1, p + 1, n - p - 1, Vd, ldv, ib, T, nb, false, W, Vt, ws);
  }
  ws?.release(mk);
}
