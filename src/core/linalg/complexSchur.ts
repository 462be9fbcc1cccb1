/**
 * Complex upper-triangular Schur form from a real (quasi-triangular) one, and the eigenvalue condition numbers
 * computed from it. W = Z T Zᵀ with T real quasi-triangular; here T = Q U Qᴴ with Q block-diagonal unitary
 * (a 2×2 unitary per complex-pair block) and U upper triangular, so W = (ZQ) U (ZQ)ᴴ.
 */
import { SAFMIN, ULP } from './hqr';

/** Complex n×n upper-triangular matrix, column-major, interleaved: U(i, j) = re a[2(i + j n)], im a[2(i + j n) + 1]. */
export interface ComplexTriangular {
  n: number;
  a: Float64Array;
}

/**
 * Converts the row-major real Schur factor T (quasi-upper-triangular, 2×2 blocks for complex pairs) to a complex
 * upper-triangular U unitarily similar to it. The diagonal of U holds the eigenvalues in T's order, the one with
 * positive imaginary part first in each pair. With x (a complex vector, interleaved, length 2n), x ← Qᴴx as well.
 */
export function complexTriangular(T: Float64Array, n: number, x?: Float64Array): ComplexTriangular {
  const a = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++) for (let j = i > 0 ? i - 1 : 0; j < n; j++) a[2 * (i + j * n)] = T[i * n + j];
  for (let k = 0; k + 1 < n; k++) {
    const c = T[(k + 1) * n + k];
    if (c === 0) continue;
    const aa = T[k * n + k], b = T[k * n + k + 1], d = T[(k + 1) * n + k + 1];
    const tr = 0.5 * (aa + d);
    const half = 0.5 * (aa - d);
    const disc = half * half + b * c;
    // A standardised block has disc < 0; a non-standard one with real eigenvalues is rotated the same way.
    let lr: number, li: number;
    if (disc < 0) { lr = tr; li = Math.sqrt(-disc); } else { lr = tr + Math.sign(half || 1) * Math.sqrt(disc); li = 0; }
    // Eigenvector x = [b, λ − a] (b ≠ 0 for a 2×2 block with complex eigenvalues); G = [x, y]/ν, y = [−conj x2, conj x1].
    let x1r = b, x1i = 0, x2r = lr - aa, x2i = li;
    if (b === 0) { x1r = lr - d; x1i = li; x2r = c; x2i = 0; }
    const nu = Math.hypot(x1r, x1i, x2r, x2i);
    x1r /= nu; x1i /= nu; x2r /= nu; x2i /= nu;
    const g11r = x1r, g11i = x1i, g21r = x2r, g21i = x2i; // first column
    const g12r = -x2r, g12i = x2i, g22r = x1r, g22i = -x1i; // second column = [−conj x2, conj x1]
    // Right: columns k, k+1, rows 0..k+1.
    const pk = 2 * k * n, pk1 = 2 * (k + 1) * n;
    for (let i = 0; i <= k + 1; i++) {
      const ur = a[pk + 2 * i], ui = a[pk + 2 * i + 1], vr = a[pk1 + 2 * i], vi = a[pk1 + 2 * i + 1];
      a[pk + 2 * i] = ur * g11r - ui * g11i + vr * g21r - vi * g21i;
      a[pk + 2 * i + 1] = ur * g11i + ui * g11r + vr * g21i + vi * g21r;
      a[pk1 + 2 * i] = ur * g12r - ui * g12i + vr * g22r - vi * g22i;
      a[pk1 + 2 * i + 1] = ur * g12i + ui * g12r + vr * g22i + vi * g22r;
    }
    // Left by Gᴴ: rows k, k+1, columns k..n−1.
    for (let j = k; j < n; j++) {
      const p = 2 * (k + j * n), q = p + 2;
      const ur = a[p], ui = a[p + 1], vr = a[q], vi = a[q + 1];
      // new row k = conj(g11) u + conj(g21) v; new row k+1 = conj(g12) u + conj(g22) v
      a[p] = g11r * ur + g11i * ui + g21r * vr + g21i * vi;
      a[p + 1] = g11r * ui - g11i * ur + g21r * vi - g21i * vr;
      a[q] = g12r * ur + g12i * ui + g22r * vr + g22i * vi;
      a[q + 1] = g12r * ui - g12i * ur + g22r * vi - g22i * vr;
    }
    if (x) {
      const ur = x[2 * k], ui = x[2 * k + 1], vr = x[2 * k + 2], vi = x[2 * k + 3];
      x[2 * k] = g11r * ur + g11i * ui + g21r * vr + g21i * vi;
      x[2 * k + 1] = g11r * ui - g11i * ur + g21r * vi - g21i * vr;
      x[2 * k + 2] = g12r * ur + g12i * ui + g22r * vr + g22i * vi;
      x[2 * k + 3] = g12r * ui - g12i * ur + g22r * vi - g22i * vr;
    }
    a[2 * (k + 1 + k * n)] = 0;
    a[2 * (k + 1 + k * n) + 1] = 0;
    if (li !== 0) {
      a[2 * (k + k * n)] = lr; a[2 * (k + k * n) + 1] = li;
      a[2 * (k + 1 + (k + 1) * n)] = lr; a[2 * (k + 1 + (k + 1) * n) + 1] = -li;
    }
    k++;
  }
  return { n, a };
}

const BIG = 1e150;

/**
 * Reciprocal condition numbers' inverses κ_k = ‖x_k‖‖y_k‖/|y_kᴴx_k| of the eigenvalues on U's diagonal (LAPACK
 * ztrsna's 1/s), from the right and left eigenvectors of the triangular U. With conjugate pairs (pairOf[k] ≥ 0),
 * the partner's value is copied instead of recomputed.
 */
export function triangularConditions(U: ComplexTriangular, skip?: (k: number) => boolean): Float64Array {
  const { n, a } = U;
  const kappa = new Float64Array(n);
  const x = new Float64Array(2 * n);
  const smlnum = SAFMIN * (n / ULP);
  for (let k = 0; k < n; k++) {
    if (skip && skip(k)) continue;
    const lr = a[2 * (k + k * n)], li = a[2 * (k + k * n) + 1];
    const smin = Math.max(ULP * (Math.abs(lr) + Math.abs(li)), smlnum);
    // Right eigenvector: x_k = 1; x_i = (Σ_{j>i} U_ij x_j)/(λ − U_ii), i < k. x holds the running sums r_i.
    let logScaleX = 0;
    for (let i = 0; i < k; i++) { x[2 * i] = a[2 * (i + k * n)]; x[2 * i + 1] = a[2 * (i + k * n) + 1]; }
    x[2 * k] = 1; x[2 * k + 1] = 0;
    for (let j = k - 1; j >= 0; j--) {
      let dr = lr - a[2 * (j + j * n)], di = li - a[2 * (j + j * n) + 1];
      if (Math.abs(dr) + Math.abs(di) < smin) { dr = smin; di = 0; }
      const rr = x[2 * j], ri = x[2 * j + 1];
      const den = dr * dr + di * di;
      let xr = (rr * dr + ri * di) / den, xi = (ri * dr - rr * di) / den;
      if (Math.abs(xr) + Math.abs(xi) > BIG) {
        const f = 1 / BIG;
        for (let i = 0; i <= k; i++) { x[2 * i] *= f; x[2 * i + 1] *= f; }
        xr *= f; xi *= f;
        logScaleX += Math.log(BIG);
      }
      x[2 * j] = xr; x[2 * j + 1] = xi;
      if (xr === 0 && xi === 0) continue;
      const pj = 2 * j * n;
      for (let i = 0; i < j; i++) {
        const ur = a[pj + 2 * i], ui = a[pj + 2 * i + 1];
        x[2 * i] += ur * xr - ui * xi;
        x[2 * i + 1] += ur * xi + ui * xr;
      }
    }
    let nx = 0;
    { let m = 0; for (let i = 0; i <= k; i++) m = Math.max(m, Math.abs(x[2 * i]), Math.abs(x[2 * i + 1]));
      let s = 0; for (let i = 0; i <= k; i++) { const p = x[2 * i] / m, q = x[2 * i + 1] / m; s += p * p + q * q; }
      nx = Math.log(m) + 0.5 * Math.log(s) + logScaleX; }
    // Left eigenvector (as w = conj y, wᵀU = λwᵀ): w_k = 1; w_j = (Σ_{k≤i<j} w_i U_ij)/(λ − U_jj), j > k.
    let logScaleW = 0;
    x[2 * k] = 1; x[2 * k + 1] = 0;
    for (let j = k + 1; j < n; j++) {
      const pj = 2 * j * n;
      let sr = 0, si = 0;
      for (let i = k; i < j; i++) {
        const ur = a[pj + 2 * i], ui = a[pj + 2 * i + 1], wr = x[2 * i], wi = x[2 * i + 1];
        sr += ur * wr - ui * wi;
        si += ur * wi + ui * wr;
      }
      let dr = lr - a[2 * (j + j * n)], di = li - a[2 * (j + j * n) + 1];
      if (Math.abs(dr) + Math.abs(di) < smin) { dr = smin; di = 0; }
      const den = dr * dr + di * di;
      let wr = (sr * dr + si * di) / den, wi = (si * dr - sr * di) / den;
      if (Math.abs(wr) + Math.abs(wi) > BIG) {
        const f = 1 / BIG;
        for (let i = k; i < j; i++) { x[2 * i] *= f; x[2 * i + 1] *= f; }
        wr *= f; wi *= f;
        logScaleW += Math.log(BIG);
      }
      x[2 * j] = wr; x[2 * j + 1] = wi;
    }
    let nw = 0;
    { let m = 0; for (let i = k; i < n; i++) m = Math.max(m, Math.abs(x[2 * i]), Math.abs(x[2 * i + 1]));
      let s = 0; for (let i = k; i < n; i++) { const p = x[2 * i] / m, q = x[2 * i + 1] / m; s += p * p + q * q; }
      nw = Math.log(m) + 0.5 * Math.log(s) + logScaleW; }
    // yᴴx = w_k x_k = 1 (their supports overlap only at k), so κ = ‖x‖‖y‖ — exactly 1 for a normal U.
    const lk = nx + nw;
    kappa[k] = lk > 709.78 ? Infinity : Math.max(1, Math.exp(lk));
  }
  return kappa;
}
