/**
 * ε-pseudospectra σ_min(zI − W) on a grid, computed from the Schur form as in Trefethen & Embree, *Spectra and
 * Pseudospectra* (2005), ch. 42, and EigTool: W = Z T Zᵀ is unitarily similar to a complex upper-triangular U,
 * σ_min(zI − W) = σ_min(zI − U), and the smallest singular value is found by Lanczos iteration on
 * ((zI − U)ᴴ(zI − U))⁻¹, each step two triangular solves (O(n²)). The grid is traversed in a snake order so
 * every point starts from its neighbour's singular vector. W is real, so σ_min(z̄I − W) = σ_min(zI − W): a grid row
 * whose imaginary part mirrors one already computed (as defaultGrid's rows do) is copied, halving the work.
 */
import { complexTriangular } from './complexSchur';
import { CancelledError, type Signal } from '../cancel';
import type { RealSchur } from './schur';

/** Weight of the random part of each point's start vector (relative to the neighbour's singular vector). */
const WARM_MIX = 0.1;

export interface PseudospectrumGrid {
  re: Float64Array;
  im: Float64Array;
}

export interface PseudospectrumOptions {
  signal?: Signal;
  /**
   * Relative Lanczos residual at which a point stops (default 1e-7). The Ritz value's error is about the residual
   * squared over the gap to the next singular value, so σ_min typically comes out to ~12 digits, and never worse than
   * ~7.
   */
  tol?: number;
  /** Lanczos steps per point before taking the current estimate (default 40). */
  maxIter?: number;
}

/**
 * σ_min(zI − W) for z = re[j] + i·im[i], returned row-major over im × re: out[i * re.length + j].
 * σ_min is 0 where z is exactly an eigenvalue of T.
 */
export function pseudospectrum(s: RealSchur, grid: PseudospectrumGrid, opts?: PseudospectrumOptions): Float64Array {
  const n = s.n;
  const nre = grid.re.length, nim = grid.im.length;
  const out = new Float64Array(nre * nim);
  if (n === 0) { out.fill(Infinity); return out; }
  const { a } = complexTriangular(s.T, n);
  // Row-major copy for the back substitution's dot products.
  const ar = new Float64Array(2 * n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) {
    ar[2 * (i * n + j)] = a[2 * (i + j * n)];
    ar[2 * (i * n + j) + 1] = a[2 * (i + j * n) + 1];
  }
  const tol = opts?.tol ?? 1e-7;
  const maxIter = Math.max(2, Math.min(opts?.maxIter ?? 40, 2 * n + 2));
  const signal = opts?.signal;
  const m = maxIter;
  // Lanczos basis (interleaved complex, m+1 vectors of length n), tridiagonal and its eigenproblem.
  const Q = new Float64Array(2 * n * (m + 1));
  const w = new Float64Array(2 * n);
  const y = new Float64Array(2 * n);
  const v = new Float64Array(2 * n); // warm start: the previous point's singular vector
  const alpha = new Float64Array(m), beta = new Float64Array(m + 1);
  const ritz = new Float64Array(m), work = new Float64Array(5 * m);
  // Deterministic pseudo-random start for the first point.
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff - 0.5; };
  for (let k = 0; k < 2 * n; k++) v[k] = rnd();
  const diag = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) { diag[2 * k] = a[2 * (k + k * n)]; diag[2 * k + 1] = a[2 * (k + k * n) + 1]; }

  const mirror = mirrorRows(grid.im);
  for (let ii = 0; ii < nim; ii++) {
    if (signal?.aborted) throw new CancelledError();
    if (mirror[ii] >= 0) continue;
    const zi = grid.im[ii];
    for (let jj0 = 0; jj0 < nre; jj0++) {
      const jj = ii % 2 === 0 ? jj0 : nre - 1 - jj0;
      const zr = grid.re[jj];
      // Exactly singular: z is on U's diagonal.
      let singular = false;
      for (let k = 0; k < n; k++) if (diag[2 * k] === zr && diag[2 * k + 1] === zi) { singular = true; break; }
      if (singular) { out[ii * nre + jj] = 0; continue; }

      // q1 = v/‖v‖ + mix·r/‖r‖ with a fresh random r: the neighbour's singular vector alone can be (nearly)
      // orthogonal to this point's (for a normal W, across the boundary between two eigenvalues' regions), and
      // Lanczos would then stop at a wrong, smaller Ritz value.
      let nv = 0;
      for (let k = 0; k < 2 * n; k++) nv += v[k] * v[k];
      nv = Math.sqrt(nv);
      let nr = 0;
      for (let k = 0; k < 2 * n; k++) { const t = rnd(); w[k] = t; nr += t * t; }
      nr = Math.sqrt(nr);
      const cv = nv > 0 && Number.isFinite(nv) ? 1 / nv : 0, cr = (cv === 0 ? 1 : WARM_MIX) / nr;
      let nq = 0;
      for (let k = 0; k < 2 * n; k++) { const t = v[k] * cv + w[k] * cr; Q[k] = t; nq += t * t; }
      nq = 1 / Math.sqrt(nq);
      for (let k = 0; k < 2 * n; k++) Q[k] *= nq;
      let theta = 0;
      let steps = 0;
      for (let kk = 0; kk < m; kk++) {
        const qo = 2 * n * kk;
        // y = (zI − U)⁻ᴴ q: forward substitution, y_i = (q_i + Σ_{j<i} conj(U_ji) y_j) / conj(z − U_ii),
        // dot products down U's column i (contiguous in the column-major a), two accumulators each.
        for (let i = 0; i < n; i++) {
          const col = 2 * i * n;
          let sr0 = Q[qo + 2 * i], si0 = Q[qo + 2 * i + 1], sr1 = 0, si1 = 0;
          let j = 0;
          for (; j + 1 < i; j += 2) {
            const p = col + 2 * j, q = 2 * j;
            const ur0 = a[p], ui0 = a[p + 1], ur1 = a[p + 2], ui1 = a[p + 3];
            const yr0 = y[q], yi0 = y[q + 1], yr1 = y[q + 2], yi1 = y[q + 3];
            sr0 += ur0 * yr0 + ui0 * yi0;
            si0 += ur0 * yi0 - ui0 * yr0;
            sr1 += ur1 * yr1 + ui1 * yi1;
            si1 += ur1 * yi1 - ui1 * yr1;
          }
          if (j < i) {
            const ur = a[col + 2 * j], ui = a[col + 2 * j + 1], yr = y[2 * j], yi = y[2 * j + 1];
            sr0 += ur * yr + ui * yi;
            si0 += ur * yi - ui * yr;
          }
          const sr = sr0 + sr1, si = si0 + si1;
          const dr = zr - diag[2 * i], di = -(zi - diag[2 * i + 1]); // conj(z − U_ii)
          const den = dr * dr + di * di;
          y[2 * i] = (sr * dr + si * di) / den;
          y[2 * i + 1] = (si * dr - sr * di) / den;
        }
        // w = (zI − U)⁻¹ y: back substitution, x_i = (y_i + Σ_{j>i} U_ij x_j)/(z − U_ii), along U's rows
        // (contiguous in the row-major copy ar).
        for (let i = n - 1; i >= 0; i--) {
          const row = 2 * i * n;
          let sr0 = y[2 * i], si0 = y[2 * i + 1], sr1 = 0, si1 = 0;
          let j = i + 1;
          for (; j + 1 < n; j += 2) {
            const p = row + 2 * j, q = 2 * j;
            const ur0 = ar[p], ui0 = ar[p + 1], ur1 = ar[p + 2], ui1 = ar[p + 3];
            const xr0 = w[q], xi0 = w[q + 1], xr1 = w[q + 2], xi1 = w[q + 3];
            sr0 += ur0 * xr0 - ui0 * xi0;
            si0 += ur0 * xi0 + ui0 * xr0;
            sr1 += ur1 * xr1 - ui1 * xi1;
            si1 += ur1 * xi1 + ui1 * xr1;
          }
          if (j < n) {
            const ur = ar[row + 2 * j], ui = ar[row + 2 * j + 1], xr = w[2 * j], xi = w[2 * j + 1];
            sr0 += ur * xr - ui * xi;
            si0 += ur * xi + ui * xr;
          }
          const sr = sr0 + sr1, si = si0 + si1;
          const dr = zr - diag[2 * i], di = zi - diag[2 * i + 1];
          const den = dr * dr + di * di;
          w[2 * i] = (sr * dr + si * di) / den;
          w[2 * i + 1] = (si * dr - sr * di) / den;
        }
        // α = Re(qᴴ w); w −= α q + β q_prev; full reorthogonalisation against the basis.
        let al = 0;
        for (let k = 0; k < 2 * n; k++) al += Q[qo + k] * w[k];
        alpha[kk] = al;
        for (let r = 0; r <= kk; r++) {
          const ro = 2 * n * r;
          let cr = 0, ci = 0;
          for (let k = 0; k < n; k++) {
            const qr = Q[ro + 2 * k], qi = Q[ro + 2 * k + 1], wr = w[2 * k], wi = w[2 * k + 1];
            cr += qr * wr + qi * wi;
            ci += qr * wi - qi * wr;
          }
          for (let k = 0; k < n; k++) {
            const qr = Q[ro + 2 * k], qi = Q[ro + 2 * k + 1];
            w[2 * k] -= cr * qr - ci * qi;
            w[2 * k + 1] -= cr * qi + ci * qr;
          }
        }
        let bt = 0;
        for (let k = 0; k < 2 * n; k++) bt += w[k] * w[k];
        bt = Math.sqrt(bt);
        beta[kk] = bt;
        steps = kk + 1;
        // Largest eigenpair of the (kk+1)×(kk+1) tridiagonal.
        theta = tridiagMax(alpha, beta, steps, theta, ritz, work);
        const resid = bt * Math.abs(ritz[steps - 1]);
        if (!Number.isFinite(theta) || !(theta > 0)) break;
        if (resid <= tol * theta || bt <= 1e-300 || steps === m) break;
        const no = 2 * n * (kk + 1);
        const inv = 1 / bt;
        for (let k = 0; k < 2 * n; k++) Q[no + k] = w[k] * inv;
      }
      out[ii * nre + jj] = Number.isFinite(theta) && theta > 0 ? 1 / Math.sqrt(theta) : 0;
      // Ritz vector as the next start.
      v.fill(0);
      for (let r = 0; r < steps; r++) {
        const c = ritz[r];
        if (c === 0) continue;
        const ro = 2 * n * r;
        for (let k = 0; k < 2 * n; k++) v[k] += c * Q[ro + k];
      }
    }
  }
  for (let ii = 0; ii < nim; ii++) {
    if (mirror[ii] >= 0) out.copyWithin(ii * nre, mirror[ii] * nre, (mirror[ii] + 1) * nre);
  }
  return out;
}

/**
 * For each grid row, an earlier computed row whose imaginary part is its negation (up to a few ulps of the grid's
 * scale: σ_min moves by at most |Δz|), or −1 when the row is computed itself. Only rows before it qualify, so the
 * computed rows keep their order and their warm starts.
 */
function mirrorRows(im: Float64Array): Int32Array {
  const out = new Int32Array(im.length).fill(-1);
  let scale = 0;
  for (const y of im) scale = Math.max(scale, Math.abs(y));
  const tol = 8 * 2 ** -52 * scale;
  for (let i = 0; i < im.length; i++) {
    if (im[i] === 0) continue;
    for (let j = 0; j < i; j++) {
      if (out[j] < 0 && Math.abs(im[i] + im[j]) <= tol) { out[i] = j; break; }
    }
  }
  return out;
}

/**
 * Largest eigenvalue of the k×k symmetric tridiagonal (alpha, beta[0..k−2]) by bisection on Sturm counts, and
 * its unit eigenvector (two steps of inverse iteration with a pivoted tridiagonal solve) in vec[0..k−1].
 * lower is a known lower bound (the previous Ritz value: the largest Ritz value only grows).
 */
function tridiagMax(alpha: Float64Array, beta: Float64Array, k: number, lower: number, vec: Float64Array, work: Float64Array): number {
  let hi = -Infinity, lo = Infinity;
  for (let i = 0; i < k; i++) {
    const r = (i > 0 ? Math.abs(beta[i - 1]) : 0) + (i + 1 < k ? Math.abs(beta[i]) : 0);
    hi = Math.max(hi, alpha[i] + r);
    lo = Math.min(lo, alpha[i] - r);
  }
  if (lower > lo && lower < hi) lo = lower;
  const pivmin = 1e-300;
  // count(x) = number of eigenvalues < x.
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi || hi - lo <= 2e-16 * Math.max(Math.abs(lo), Math.abs(hi))) break;
    let cnt = 0;
    let d = alpha[0] - mid;
    if (Math.abs(d) < pivmin) d = -pivmin;
    if (d < 0) cnt++;
    for (let i = 1; i < k; i++) {
      d = alpha[i] - mid - (beta[i - 1] * beta[i - 1]) / d;
      if (Math.abs(d) < pivmin) d = -pivmin;
      if (d < 0) cnt++;
    }
    if (cnt === k) hi = mid; else lo = mid;
  }
  const theta = 0.5 * (lo + hi);
  // Inverse iteration on (T − σI), σ slightly above θ, with Gaussian elimination and partial pivoting.
  const sigma = theta + 1e-14 * Math.max(Math.abs(theta), 1e-300);
  for (let i = 0; i < k; i++) vec[i] = 1;
  // work layout: dl, d, du, du2 (each k), pivots as 0/1 flags (k)
  const D = work, DU = work.subarray(k, 2 * k), DU2 = work.subarray(2 * k, 3 * k), DL = work.subarray(3 * k, 4 * k), PV = work.subarray(4 * k, 5 * k);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < k; i++) {
      D[i] = alpha[i] - sigma;
      DU[i] = i + 1 < k ? beta[i] : 0;
      DL[i] = i + 1 < k ? beta[i] : 0;
      DU2[i] = 0;
    }
    // Factorise (dgttrf-like) and forward-eliminate the right-hand side vec.
    for (let i = 0; i + 1 < k; i++) {
      if (Math.abs(D[i]) >= Math.abs(DL[i])) {
        PV[i] = 0;
        if (D[i] === 0) D[i] = pivmin;
        const f = DL[i] / D[i];
        DL[i] = f;
        D[i + 1] -= f * DU[i];
        vec[i + 1] -= f * vec[i];
      } else {
        PV[i] = 1;
        const f = D[i] / DL[i];
        D[i] = DL[i];
        DL[i] = f;
        const t = DU[i];
        DU[i] = D[i + 1];
        D[i + 1] = t - f * D[i + 1];
        if (i + 2 < k) { DU2[i] = DU[i + 1]; DU[i + 1] = -f * DU[i + 1]; }
        const tv = vec[i]; vec[i] = vec[i + 1]; vec[i + 1] = tv - f * vec[i + 1];
      }
    }
    if (D[k - 1] === 0) D[k - 1] = pivmin;
    // Back substitution.
    for (let i = k - 1; i >= 0; i--) {
      let sm = vec[i];
      if (i + 1 < k) sm -= DU[i] * vec[i + 1];
      if (i + 2 < k) sm -= DU2[i] * vec[i + 2];
      vec[i] = sm / D[i];
    }
    let nrm = 0;
    for (let i = 0; i < k; i++) nrm = Math.max(nrm, Math.abs(vec[i]));
    for (let i = 0; i < k; i++) vec[i] /= nrm;
  }
  let nrm = 0;
  for (let i = 0; i < k; i++) nrm += vec[i] * vec[i];
  nrm = Math.sqrt(nrm);
  for (let i = 0; i < k; i++) vec[i] /= nrm;
  return theta;
}

/**
 * A grid covering the spectrum of s with a margin: the eigenvalues' bounding box widened by a quarter of its size
 * or of the spectral scale (max(ρ, ‖T‖_F/√n)), whichever is larger; symmetric about the real axis (the
 * pseudospectra of a real matrix are). `points` values along each axis.
 */
export function defaultGrid(s: RealSchur, points = 100): PseudospectrumGrid {
  const n = s.n;
  const p = Math.max(2, Math.floor(points));
  let xmin = Infinity, xmax = -Infinity, ymax = 0, rho = 0;
  for (let k = 0; k < n; k++) {
    xmin = Math.min(xmin, s.wr[k]); xmax = Math.max(xmax, s.wr[k]);
    ymax = Math.max(ymax, Math.abs(s.wi[k]));
    rho = Math.max(rho, Math.hypot(s.wr[k], s.wi[k]));
  }
  if (n === 0) { xmin = -1; xmax = 1; }
  let fro = 0;
  for (let k = 0; k < s.T.length; k++) fro += s.T[k] * s.T[k];
  const scale = Math.max(rho, n > 0 ? Math.sqrt(fro / n) : 0, xmax - xmin, 2 * ymax) || 1;
  const margin = 0.25 * scale;
  const x0 = xmin - margin, x1 = xmax + margin;
  const y1 = ymax + margin;
  const re = new Float64Array(p), im = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    re[k] = x0 + ((x1 - x0) * k) / (p - 1);
    im[k] = -y1 + (2 * y1 * k) / (p - 1);
  }
  return { re, im };
}
