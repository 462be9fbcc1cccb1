/**
 * Square-root Stein solver in Schur form (Hammarling 1982), and the Fisher memory from it (docs/memory.md):
 *
 *   W = Z T Zᵀ (real Schur, ./schur), T = Q U Qᴴ (complex triangular, ./complexSchur), so with G = ZQ unitary
 *   C = Σ_k W^k W^kᵀ = G C_U Gᴴ,   C_U = U C_U Uᴴ + I,   and   J(k) = ‖X⁻¹ U^k w‖²,  w = Gᴴv,  C_U = X Xᴴ.
 *
 * X (upper triangular) is computed directly, never C_U: partition U = [U₁₁ t; 0 τ], B (upper triangular, with
 * C_U = U C_U Uᴴ + B Bᴴ; B = I at the start), X = [X₁₁ x; 0 μ]. The last row and column give
 *   μ = |β| / √(1 − |τ|²)                     (β = B's last diagonal entry; needs |τ| < 1)
 *   (I − τ̄ U₁₁) x = τ̄ μ t + (β̄/μ) b          (b = B's last column above the diagonal; a triangular solve)
 * and the leading block satisfies the same equation with B₁₁B₁₁ᴴ + y yᴴ in place of BBᴴ, where
 *   y = τ b − (β/μ) z,   z = U₁₁ x + μ t
 * (bbᴴ + zzᴴ − xxᴴ is this rank-one term because x = τ̄ z + (β̄/μ) b with |τ|² + |β/μ|² = 1). [B₁₁ y] is brought
 * back to triangular form by Givens rotations from the right. Every step is O(m²): about 2N³/3 complex multiply–adds
 * in all, against ~25N³ flops for the Schur form itself.
 *
 * Unlike the doubling of ./stein, this never sums powers of W, so it is an independent computation of the same
 * J(k): memory.ts compares the two to estimate the rounding error of J_tot. Its own limitation: the Schur form is
 * that of a nearby matrix W + E (‖E‖ ≈ ε‖W‖); for strongly non-normal W its eigenvalues can be far off, and when a
 * computed |λ| ≥ 1 although ρ(W) < 1 the square-root Stein equation has no solution (NotStableError).
 *
 * Storage: complex matrices column-major interleaved, as ./complexSchur's ComplexTriangular (entry (i, j) at
 * 2(i + jn)); columns are contiguous, and every kernel below runs down columns.
 */
import { CancelledError, type Signal } from '../cancel';
import { ComplexTriangular, complexTriangular } from './complexSchur';
import { NotStableError } from './stein';

/**
 * The upper-triangular X with X Xᴴ = C_U, C_U = U C_U Uᴴ + I, for U upper triangular with every |U_ii| < 1.
 * @throws NotStableError when some |U_ii| ≥ 1 (the computed spectrum is not inside the unit circle).
 */
export function hammarlingFactor(U: ComplexTriangular, signal?: Signal): Float64Array {
  const { n, a } = U;
  for (let i = 0; i < n; i++) {
    const p = 2 * (i + i * n);
    if (!(Math.hypot(a[p], a[p + 1]) < 1)) {
      throw new NotStableError(`the computed Schur form has |λ| = ${Math.hypot(a[p], a[p + 1]).toPrecision(6)} ≥ 1`);
    }
  }
  const X = new Float64Array(2 * n * n);
  const B = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++) B[2 * (i + i * n)] = 1;
  const y = new Float64Array(2 * n);
  for (let m = n - 1; m >= 0; m--) {
    if ((m & 31) === 0 && signal?.aborted) throw new CancelledError();
    const cm = 2 * m * n; // column m
    const taur = a[cm + 2 * m], taui = a[cm + 2 * m + 1];
    const br = B[cm + 2 * m], bi = B[cm + 2 * m + 1];
    const mu = Math.hypot(br, bi) / Math.sqrt((1 - Math.hypot(taur, taui)) * (1 + Math.hypot(taur, taui)));
    X[cm + 2 * m] = mu;
    if (m === 0) break;
    // rhs = τ̄ μ t + (β̄/μ) b, into X's column m (then solved in place)
    const sr = taur * mu, si = -taui * mu; // τ̄ μ
    const qr = br / mu, qi = -bi / mu; // β̄/μ
    for (let i = 0; i < m; i++) {
      const tr = a[cm + 2 * i], ti = a[cm + 2 * i + 1];
      const bbr = B[cm + 2 * i], bbi = B[cm + 2 * i + 1];
      X[cm + 2 * i] = sr * tr - si * ti + qr * bbr - qi * bbi;
      X[cm + 2 * i + 1] = sr * ti + si * tr + qr * bbi + qi * bbr;
    }
    // (I − τ̄ U₁₁) x = rhs, back substitution by columns; z = U₁₁x accumulated alongside (column j of U₁₁
    // contributes x_j·U[0..j, j] to both: the solve's update is τ̄ times z's).
    const ctr = taur, cti = -taui; // τ̄
    for (let i = 0; i < m; i++) { y[2 * i] = 0; y[2 * i + 1] = 0; } // y holds z = U₁₁x for now
    for (let j = m - 1; j >= 0; j--) {
      const cj = 2 * j * n;
      // x_j = (rhs_j + τ̄ z_j) / (1 − τ̄ U_jj), where z_j so far = Σ_{l>j} U_jl x_l
      const ujr = a[cj + 2 * j], uji = a[cj + 2 * j + 1];
      const nr = X[cm + 2 * j] + ctr * y[2 * j] - cti * y[2 * j + 1];
      const ni = X[cm + 2 * j + 1] + ctr * y[2 * j + 1] + cti * y[2 * j];
      const dr = 1 - (ctr * ujr - cti * uji), di = -(ctr * uji + cti * ujr);
      const dd = dr * dr + di * di;
      const xr = (nr * dr + ni * di) / dd, xi = (ni * dr - nr * di) / dd;
      X[cm + 2 * j] = xr;
      X[cm + 2 * j + 1] = xi;
      for (let i = 0; i <= j; i++) {
        const ur = a[cj + 2 * i], ui = a[cj + 2 * i + 1];
        y[2 * i] += ur * xr - ui * xi;
        y[2 * i + 1] += ur * xi + ui * xr;
      }
    }
    // y = τ b − (β/μ)(z + μ t)
    const pr = br / mu, pi = bi / mu;
    for (let i = 0; i < m; i++) {
      const zr = y[2 * i] + mu * a[cm + 2 * i], zi = y[2 * i + 1] + mu * a[cm + 2 * i + 1];
      const bbr = B[cm + 2 * i], bbi = B[cm + 2 * i + 1];
      y[2 * i] = taur * bbr - taui * bbi - (pr * zr - pi * zi);
      y[2 * i + 1] = taur * bbi + taui * bbr - (pr * zi + pi * zr);
    }
    // [B₁₁ y] → [B₁₁' 0]: rotate column j with y to zero y_j, j = m−1 … 0 (column j has entries in rows 0..j).
    for (let j = m - 1; j >= 0; j--) {
      const cj = 2 * j * n;
      const ar = B[cj + 2 * j], ai = B[cj + 2 * j + 1], cr = y[2 * j], ci = y[2 * j + 1];
      const r = Math.hypot(ar, ai, cr, ci);
      if (r === 0 || (cr === 0 && ci === 0)) continue;
      // new col = (ā B_j + c̄ y)/r, new y = (−c B_j + a y)/r : unitary, zeroes y_j, B_jj ← r
      const a1r = ar / r, a1i = ai / r, c1r = cr / r, c1i = ci / r;
      for (let i = 0; i <= j; i++) {
        const pr2 = B[cj + 2 * i], pi2 = B[cj + 2 * i + 1], qr2 = y[2 * i], qi2 = y[2 * i + 1];
        B[cj + 2 * i] = a1r * pr2 + a1i * pi2 + c1r * qr2 + c1i * qi2;
        B[cj + 2 * i + 1] = a1r * pi2 - a1i * pr2 + c1r * qi2 - c1i * qr2;
        y[2 * i] = -(c1r * pr2 - c1i * pi2) + (a1r * qr2 - a1i * qi2);
        y[2 * i + 1] = -(c1r * pi2 + c1i * pr2) + (a1r * qi2 + a1i * qr2);
      }
      B[cj + 2 * j] = r;
      B[cj + 2 * j + 1] = 0;
      y[2 * j] = 0;
      y[2 * j + 1] = 0;
    }
  }
  return X;
}

/** w ← U·w for U upper triangular (column-major interleaved), w complex interleaved; s is scratch of length 2n. */
export function triangularMatvec(U: ComplexTriangular, w: Float64Array, s: Float64Array): void {
  const { n, a } = U;
  s.fill(0, 0, 2 * n);
  for (let j = 0; j < n; j++) {
    const xr = w[2 * j], xi = w[2 * j + 1];
    if (xr === 0 && xi === 0) continue;
    const cj = 2 * j * n;
    for (let i = 0; i <= j; i++) {
      const ur = a[cj + 2 * i], ui = a[cj + 2 * i + 1];
      s[2 * i] += ur * xr - ui * xi;
      s[2 * i + 1] += ur * xi + ui * xr;
    }
  }
  w.set(s.subarray(0, 2 * n));
}

/** w ← X⁻¹w for X upper triangular with real positive diagonal (column-major interleaved), by columns. */
export function triangularSolve(X: Float64Array, n: number, w: Float64Array): void {
  for (let j = n - 1; j >= 0; j--) {
    const cj = 2 * j * n;
    const d = X[cj + 2 * j];
    const xr = w[2 * j] / d, xi = w[2 * j + 1] / d;
    w[2 * j] = xr;
    w[2 * j + 1] = xi;
    for (let i = 0; i < j; i++) {
      const ur = X[cj + 2 * i], ui = X[cj + 2 * i + 1];
      w[2 * i] -= ur * xr - ui * xi;
      w[2 * i + 1] -= ur * xi + ui * xr;
    }
  }
}

/**
 * ‖X Xᴴ‖₂ (= ‖C‖₂) estimated by power iteration from a fixed start: a lower bound, typically within a few per cent
 * after `iterations` steps (the error model of memory.ts needs its size, not its digits). O(n²) per step.
 */
export function gramNormEstimate(X: Float64Array, n: number, iterations = 12): number {
  const x = new Float64Array(2 * n), y = new Float64Array(2 * n);
  // A start with a component along every unit vector (a fixed, non-symmetric pattern).
  for (let i = 0; i < n; i++) { x[2 * i] = 1 + ((i * 7) % 5) / 10; x[2 * i + 1] = ((i * 3) % 4) / 10; }
  let lambda = 0;
  for (let it = 0; it < iterations; it++) {
    let nx = 0;
    for (let i = 0; i < 2 * n; i++) nx += x[i] * x[i];
    nx = Math.sqrt(nx);
    if (!(nx > 0) || !Number.isFinite(nx)) return lambda;
    for (let i = 0; i < 2 * n; i++) x[i] /= nx;
    // y = Xᴴx (column j of X against x), then x ← X y; λ = xᴴ X Xᴴ x = ‖y‖².
    lambda = 0;
    for (let j = 0; j < n; j++) {
      const cj = 2 * j * n;
      let sr = 0, si = 0;
      for (let i = 0; i <= j; i++) {
        const ar = X[cj + 2 * i], ai = X[cj + 2 * i + 1], xr = x[2 * i], xi = x[2 * i + 1];
        sr += ar * xr + ai * xi;
        si += ar * xi - ai * xr;
      }
      y[2 * j] = sr;
      y[2 * j + 1] = si;
      lambda += sr * sr + si * si;
    }
    x.fill(0);
    for (let j = 0; j < n; j++) {
      const cj = 2 * j * n, yr = y[2 * j], yi = y[2 * j + 1];
      for (let i = 0; i <= j; i++) {
        const ar = X[cj + 2 * i], ai = X[cj + 2 * i + 1];
        x[2 * i] += ar * yr - ai * yi;
        x[2 * i + 1] += ar * yi + ai * yr;
      }
    }
  }
  return lambda;
}

/**
 * The Fisher memory J(k) = ‖X⁻¹ U^k w‖² from the real Schur form W = Z T Zᵀ (T, Z row-major), for the unit input
 * v; the infinite sum stops as memory.ts's does: before the first K with N‖W^K v‖² ≤ tailTol·Σ_{k<K} J(k).
 * `normC` estimates ‖C‖₂ (gramNormEstimate), which memory.ts's error model of this method needs.
 * @throws NotStableError when a computed eigenvalue has |λ| ≥ 1.
 */
export function schurFisher(
  T: Float64Array, Z: Float64Array, n: number, v: ArrayLike<number>,
  opts: { kMax: number; tailTol: number; signal?: Signal },
): { J: Float64Array; jTot: number; tail: number; done: boolean; normC: number } {
  const w = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += Z[r * n + i] * v[r];
    w[2 * i] = s;
  }
  const U = complexTriangular(T, n, w);
  const X = hammarlingFactor(U, opts.signal);
  const y = new Float64Array(2 * n), scratch = new Float64Array(2 * n);
  const J: number[] = [];
  let sum = 0, tail = 0, done = false;
  while (J.length < opts.kMax) {
    if ((J.length & 63) === 0 && opts.signal?.aborted) throw new CancelledError();
    let w2 = 0;
    for (let i = 0; i < 2 * n; i++) w2 += w[i] * w[i];
    if (w2 === 0 || n * w2 <= opts.tailTol * sum) { done = true; tail = n * w2; break; }
    y.set(w);
    triangularSolve(X, n, y);
    let j = 0;
    for (let i = 0; i < 2 * n; i++) j += y[i] * y[i];
    J.push(j);
    sum += j;
    triangularMatvec(U, w, scratch);
  }
  if (!done) {
    let w2 = 0;
    for (let i = 0; i < 2 * n; i++) w2 += w[i] * w[i];
    tail = n * w2;
  }
  return { J: Float64Array.from(J), jTot: sum, tail, done, normC: gramNormEstimate(X, n) };
}
