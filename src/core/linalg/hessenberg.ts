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
 * Reduces the column-major n×n matrix a to upper Hessenberg form in place (dgehrd). On return the Hessenberg
 * matrix is in a's upper triangle and first sub-diagonal; the reflectors' vectors are below the sub-diagonal
 * and their scalars τ in tau[0..n−2].
 */
export function hessenbergReduce(a: Float64Array, n: number, tau: Float64Array): void {
  const w = new Float64Array(n);
  const out = new Float64Array(1);
  for (let i = 0; i + 2 < n; i++) {
    // Reflector annihilating a[i+2.., i]; vector v = [1; a[i+2..n-1, i]] on rows i+1..n-1.
    const ci = i * n;
    const t = larfg(n - i - 1, a[i + 1 + ci], a, i + 2 + ci, 1, out);
    tau[i] = t;
    const beta = out[0];
    if (t !== 0) {
      a[i + 1 + ci] = 1;
      // Right: A(0:n-1, i+1:n-1) -= τ (A v) vᵀ.
      w.fill(0);
      for (let k = i + 1; k < n; k++) {
        const vk = a[k + ci];
        if (vk === 0) continue;
        const ck = k * n;
        for (let r = 0; r < n; r++) w[r] += a[r + ck] * vk;
      }
      for (let k = i + 1; k < n; k++) {
        const f = t * a[k + ci];
        if (f === 0) continue;
        const ck = k * n;
        for (let r = 0; r < n; r++) a[r + ck] -= w[r] * f;
      }
      // Left: A(i+1:n-1, i+1:n-1) -= τ v (vᵀ A).
      for (let j = i + 1; j < n; j++) {
        const cj = j * n;
        let s = 0;
        for (let r = i + 1; r < n; r++) s += a[r + ci] * a[r + cj];
        s *= t;
        if (s === 0) continue;
        for (let r = i + 1; r < n; r++) a[r + cj] -= s * a[r + ci];
      }
    }
    a[i + 1 + ci] = beta;
  }
  if (n >= 2) tau[n - 2] = 0;
}

/**
 * Forms the orthogonal Q = H(0) H(1) … H(n−3) of hessenbergReduce (dorghr) in the column-major array q.
 * Reads the reflectors from a (below the sub-diagonal) and tau.
 */
export function hessenbergQ(a: Float64Array, n: number, tau: Float64Array, q: Float64Array): void {
  q.fill(0);
  for (let i = 0; i < n; i++) q[i + i * n] = 1;
  for (let i = n - 3; i >= 0; i--) {
    const t = tau[i];
    if (t === 0) continue;
    const ci = i * n;
    // Apply H(i) = I − τ v vᵀ (v on rows i+1.., v[i+1] = 1) to Q(i+1:, i+1:) from the left.
    for (let j = i + 1; j < n; j++) {
      const cj = j * n;
      let s = q[i + 1 + cj];
      for (let r = i + 2; r < n; r++) s += a[r + ci] * q[r + cj];
      s *= t;
      if (s === 0) continue;
      q[i + 1 + cj] -= s;
      for (let r = i + 2; r < n; r++) q[r + cj] -= s * a[r + ci];
    }
  }
}
