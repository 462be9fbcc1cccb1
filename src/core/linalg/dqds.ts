/**
 * Singular values of a bidiagonal matrix by the dqds algorithm (Fernando–Parlett; LAPACK dlasq1–dlasq6, the
 * IEEE variant): what LAPACK's dbdsqr, and so SciPy's svdvals, uses when no singular vectors are wanted.
 * Each singular value comes out to high relative accuracy, like the implicit-shift QR of svd.ts, at a fraction
 * of its cost (no square roots in the inner loop, about 4 flops and a division per entry per sweep).
 *
 * The qd array z is 1-based as in the Fortran: z[4k−3], z[4k−2] are q_k in the ping and pong halves,
 * z[4k−1], z[4k] the e_k.
 */

const EPS = 2 ** -53; // dlamch('Precision')
const SAFMIN = 2 ** -1022; // dlamch('Safe minimum')
const CBIAS = 1.5;
const TOL = EPS * 100;
const TOL2 = TOL * TOL;

/** dlasq3's state, shared with dlasq4/5/6 (Fortran in-out arguments). */
interface QdState {
  n0: number; pp: number; dmin: number; sigma: number; desig: number; qmax: number; nfail: number; iter: number;
  ndiv: number; ttype: number; dmin1: number; dmin2: number; dn: number; dn1: number; dn2: number; g: number; tau: number;
}

/**
 * dlasq1: singular values of the n×n upper bidiagonal matrix with diagonal d and super-diagonal e (length n−1).
 * On success d holds them in descending order and the result is true; false (d, e then undefined) when dqds did
 * not converge — the caller falls back to the QR iteration, as dbdsqr does.
 */
export function dqdsSingularValues(d: Float64Array, e: Float64Array): boolean {
  const n = d.length;
  if (n === 0) return true;
  if (n === 1) {
    d[0] = Math.abs(d[0]);
    return true;
  }
  let sigmx = 0;
  for (let i = 0; i < n - 1; i++) {
    d[i] = Math.abs(d[i]);
    sigmx = Math.max(sigmx, Math.abs(e[i]));
  }
  d[n - 1] = Math.abs(d[n - 1]);
  if (sigmx === 0) {
    sortDescending(d, n);
    return true;
  }
  for (let i = 0; i < n; i++) sigmx = Math.max(sigmx, d[i]);
  if (!Number.isFinite(sigmx)) return false;
  // Scale to SCALE = sqrt(eps/safmin) (squaring makes scaling by a power of two pointless), then square.
  const scale = Math.sqrt(EPS / SAFMIN);
  const z = new Float64Array(4 * n + 8);
  for (let i = 0; i < n; i++) { const v = (d[i] / sigmx) * scale; z[2 * i + 1] = v * v; }
  for (let i = 0; i < n - 1; i++) { const v = (e[i] / sigmx) * scale; z[2 * i + 2] = v * v; }
  z[2 * n] = 0;
  if (lasq2(n, z) !== 0) return false;
  for (let i = 0; i < n; i++) d[i] = (Math.sqrt(z[i + 1]) / scale) * sigmx;
  return true;
}

/** In-place descending sort of a[0..n). */
function sortDescending(a: Float64Array, n: number): void {
  a.subarray(0, n).sort().reverse();
}

/**
 * dlasq2: eigenvalues of the symmetric positive definite tridiagonal given by the qd array z[1..2n]
 * (q_1, e_1, q_2, …), in descending order in z[1..n]. Returns 0, or LAPACK's INFO > 0 on failure.
 */
function lasq2(n: number, z: Float64Array): number {
  if (n === 2) {
    if (z[3] > z[1]) { const t = z[3]; z[3] = z[1]; z[1] = t; }
    if (z[2] > z[3] * TOL2) {
      let t = 0.5 * ((z[1] - z[3]) + z[2]);
      let s = z[3] * (z[2] / t);
      if (s <= t) s = z[3] * (z[2] / (t * (1 + Math.sqrt(1 + s / t))));
      else s = z[3] * (z[2] / (t + Math.sqrt(t) * Math.sqrt(t + s)));
      t = z[1] + (s + z[2]);
      z[3] = z[3] * (z[1] / t);
      z[1] = t;
    }
    z[2] = z[3];
    return 0;
  }
  z[2 * n] = 0;
  let e = 0, dsum = 0;
  for (let k = 1; k <= 2 * (n - 1); k += 2) {
    if (z[k] < 0 || z[k + 1] < 0 || Number.isNaN(z[k]) || Number.isNaN(z[k + 1])) return -1;
    dsum += z[k];
    e += z[k + 1];
  }
  if (z[2 * n - 1] < 0 || Number.isNaN(z[2 * n - 1])) return -1;
  dsum += z[2 * n - 1];
  if (e === 0) {
    for (let k = 2; k <= n; k++) z[k] = z[2 * k - 1];
    sortDescending(z.subarray(1), n);
    return 0;
  }
  if (dsum + e === 0) return 0;
  // Rearrange for locality: z = (q1, qq1, e1, ee1, q2, qq2, e2, ee2, …).
  for (let k = 2 * n; k >= 2; k -= 2) {
    z[2 * k] = 0;
    z[2 * k - 1] = z[k];
    z[2 * k - 2] = 0;
    z[2 * k - 3] = z[k - 1];
  }
  let i0 = 1;
  const S: QdState = {
    n0: n, pp: 0, dmin: 0, sigma: 0, desig: 0, qmax: 0, nfail: 0, iter: 2, ndiv: 2 * (n - 1), ttype: 0,
    dmin1: 0, dmin2: 0, dn: 0, dn1: 0, dn2: 0, g: 0, tau: 0,
  };
  // Reverse the qd array if warranted.
  if (CBIAS * z[4 * i0 - 3] < z[4 * S.n0 - 3]) {
    const ipn4 = 4 * (i0 + S.n0);
    for (let i4 = 4 * i0; i4 <= 2 * (i0 + S.n0 - 1); i4 += 4) {
      let t = z[i4 - 3]; z[i4 - 3] = z[ipn4 - i4 - 3]; z[ipn4 - i4 - 3] = t;
      t = z[i4 - 1]; z[i4 - 1] = z[ipn4 - i4 - 5]; z[ipn4 - i4 - 5] = t;
    }
  }
  // Initial split checking via dqd and Li's test.
  let pp = 0;
  let qmax = 0;
  for (let k = 1; k <= 2; k++) {
    const n0 = S.n0;
    let d = z[4 * n0 + pp - 3];
    for (let i4 = 4 * (n0 - 1) + pp; i4 >= 4 * i0 + pp; i4 -= 4) {
      if (z[i4 - 1] <= TOL2 * d) {
        z[i4 - 1] = -0;
        d = z[i4 - 3];
      } else {
        d = z[i4 - 3] * (d / (d + z[i4 - 1]));
      }
    }
    // dqd maps z to zz plus Li's test.
    d = z[4 * i0 + pp - 3];
    for (let i4 = 4 * i0 + pp; i4 <= 4 * (n0 - 1) + pp; i4 += 4) {
      z[i4 - 2 * pp - 2] = d + z[i4 - 1];
      if (z[i4 - 1] <= TOL2 * d) {
        z[i4 - 1] = -0;
        z[i4 - 2 * pp - 2] = d;
        z[i4 - 2 * pp] = 0;
        d = z[i4 + 1];
      } else if (SAFMIN * z[i4 + 1] < z[i4 - 2 * pp - 2] && SAFMIN * z[i4 - 2 * pp - 2] < z[i4 + 1]) {
        const t = z[i4 + 1] / z[i4 - 2 * pp - 2];
        z[i4 - 2 * pp] = z[i4 - 1] * t;
        d *= t;
      } else {
        z[i4 - 2 * pp] = z[i4 + 1] * (z[i4 - 1] / z[i4 - 2 * pp - 2]);
        d = z[i4 + 1] * (d / z[i4 - 2 * pp - 2]);
      }
    }
    z[4 * n0 - pp - 2] = d;
    qmax = z[4 * i0 - pp - 2];
    for (let i4 = 4 * i0 - pp + 2; i4 <= 4 * n0 - pp - 2; i4 += 4) qmax = Math.max(qmax, z[i4]);
    pp = 1 - pp;
  }
  S.qmax = qmax;

  let done = false;
  for (let iwhila = 1; iwhila <= n + 1; iwhila++) {
    if (S.n0 < 1) { done = true; break; }
    // z[4·n0 − 1] holds −sigma when the block i0..n0 split from the rest.
    S.desig = 0;
    S.sigma = S.n0 === n ? 0 : -z[4 * S.n0 - 1];
    if (S.sigma < 0) return 1;
    // Last unreduced block's top i0, its qmax and emin, a Gershgorin-type bound.
    let emax = 0;
    let qmin = z[4 * S.n0 - 3];
    S.qmax = qmin;
    let i4 = 4 * S.n0;
    for (; i4 >= 8; i4 -= 4) {
      if (z[i4 - 5] <= 0) break;
      if (qmin >= 4 * emax) {
        qmin = Math.min(qmin, z[i4 - 3]);
        emax = Math.max(emax, z[i4 - 5]);
      }
      S.qmax = Math.max(S.qmax, z[i4 - 7] + z[i4 - 5]);
    }
    if (i4 < 8) i4 = 4;
    i0 = i4 / 4;
    S.pp = 0;
    if (S.n0 - i0 > 1) {
      let dee = z[4 * i0 - 3], deemin = dee, kmin = i0;
      for (let j4 = 4 * i0 + 1; j4 <= 4 * S.n0 - 3; j4 += 4) {
        dee = z[j4] * (dee / (dee + z[j4 - 2]));
        if (dee <= deemin) { deemin = dee; kmin = (j4 + 3) / 4; }
      }
      if ((kmin - i0) * 2 < S.n0 - kmin && deemin <= 0.5 * z[4 * S.n0 - 3]) {
        const ipn4 = 4 * (i0 + S.n0);
        S.pp = 2;
        for (let j4 = 4 * i0; j4 <= 2 * (i0 + S.n0 - 1); j4 += 4) {
          let t = z[j4 - 3]; z[j4 - 3] = z[ipn4 - j4 - 3]; z[ipn4 - j4 - 3] = t;
          t = z[j4 - 2]; z[j4 - 2] = z[ipn4 - j4 - 2]; z[ipn4 - j4 - 2] = t;
          t = z[j4 - 1]; z[j4 - 1] = z[ipn4 - j4 - 5]; z[ipn4 - j4 - 5] = t;
          t = z[j4]; z[j4] = z[ipn4 - j4 - 4]; z[ipn4 - j4 - 4] = t;
        }
      }
    }
    // −(initial shift) into dmin.
    S.dmin = -Math.max(0, qmin - 2 * Math.sqrt(qmin) * Math.sqrt(emax));
    const nbig = 100 * (S.n0 - i0 + 1);
    let finished = false;
    for (let iwhilb = 1; iwhilb <= nbig; iwhilb++) {
      if (i0 > S.n0) { finished = true; break; }
      lasq3(i0, z, S);
      S.pp = 1 - S.pp;
      // When emin is very small check for splits.
      if (S.pp === 0 && S.n0 - i0 >= 3) {
        const n0 = S.n0;
        if (z[4 * n0] <= TOL2 * S.qmax || z[4 * n0 - 1] <= TOL2 * S.sigma) {
          let splt = i0 - 1;
          let qm = z[4 * i0 - 3], emin = z[4 * i0 - 1], oldemn = z[4 * i0];
          for (let j4 = 4 * i0; j4 <= 4 * (n0 - 3); j4 += 4) {
            if (z[j4] <= TOL2 * z[j4 - 3] || z[j4 - 1] <= TOL2 * S.sigma) {
              z[j4 - 1] = -S.sigma;
              splt = j4 / 4;
              qm = 0;
              emin = z[j4 + 3];
              oldemn = z[j4 + 4];
            } else {
              qm = Math.max(qm, z[j4 + 1]);
              emin = Math.min(emin, z[j4 - 1]);
              oldemn = Math.min(oldemn, z[j4]);
            }
          }
          S.qmax = qm;
          z[4 * n0 - 1] = emin;
          z[4 * n0] = oldemn;
          i0 = splt + 1;
        }
      }
    }
    if (!finished) return 2; // too many iterations (the caller falls back to the QR iteration)
  }
  if (!done) return 3;
  for (let k = 2; k <= n; k++) z[k] = z[4 * k - 3];
  sortDescending(z.subarray(1), n);
  return 0;
}

/** dlasq3: checks for deflation, computes a shift and takes one dqds step on the block i0..S.n0. */
function lasq3(i0: number, z: Float64Array, S: QdState): void {
  const n0in = S.n0;
  for (;;) {
    const n0 = S.n0;
    if (n0 < i0) return;
    const nn = 4 * n0 + S.pp;
    if (n0 === i0) {
      z[4 * n0 - 3] = z[4 * n0 + S.pp - 3] + S.sigma;
      S.n0 = n0 - 1;
      continue;
    }
    if (n0 !== i0 + 1) {
      // E(n0−1) negligible: one eigenvalue.
      if (!(z[nn - 5] > TOL2 * (S.sigma + z[nn - 3]) && z[nn - 2 * S.pp - 4] > TOL2 * z[nn - 7])) {
        z[4 * n0 - 3] = z[4 * n0 + S.pp - 3] + S.sigma;
        S.n0 = n0 - 1;
        continue;
      }
      // E(n0−2) not negligible either: go on to the dqds step.
      if (z[nn - 9] > TOL2 * S.sigma && z[nn - 2 * S.pp - 8] > TOL2 * z[nn - 11]) break;
    }
    // Two eigenvalues from the trailing 2×2.
    if (z[nn - 3] > z[nn - 7]) { const s = z[nn - 3]; z[nn - 3] = z[nn - 7]; z[nn - 7] = s; }
    if (z[nn - 5] > z[nn - 3] * TOL2) {
      let t = 0.5 * ((z[nn - 7] - z[nn - 3]) + z[nn - 5]);
      let s = z[nn - 3] * (z[nn - 5] / t);
      if (s <= t) s = z[nn - 3] * (z[nn - 5] / (t * (1 + Math.sqrt(1 + s / t))));
      else s = z[nn - 3] * (z[nn - 5] / (t + Math.sqrt(t) * Math.sqrt(t + s)));
      t = z[nn - 7] + (s + z[nn - 5]);
      z[nn - 3] = z[nn - 3] * (z[nn - 7] / t);
      z[nn - 7] = t;
    }
    z[4 * n0 - 7] = z[nn - 7] + S.sigma;
    z[4 * n0 - 3] = z[nn - 3] + S.sigma;
    S.n0 = n0 - 2;
  }
  if (S.pp === 2) S.pp = 0;
  const n0 = S.n0, pp = S.pp;
  // Reverse the qd array if warranted.
  if (S.dmin <= 0 || n0 < n0in) {
    if (CBIAS * z[4 * i0 + pp - 3] < z[4 * n0 + pp - 3]) {
      const ipn4 = 4 * (i0 + n0);
      for (let j4 = 4 * i0; j4 <= 2 * (i0 + n0 - 1); j4 += 4) {
        let t = z[j4 - 3]; z[j4 - 3] = z[ipn4 - j4 - 3]; z[ipn4 - j4 - 3] = t;
        t = z[j4 - 2]; z[j4 - 2] = z[ipn4 - j4 - 2]; z[ipn4 - j4 - 2] = t;
        t = z[j4 - 1]; z[j4 - 1] = z[ipn4 - j4 - 5]; z[ipn4 - j4 - 5] = t;
        t = z[j4]; z[j4] = z[ipn4 - j4 - 4]; z[ipn4 - j4 - 4] = t;
      }
      if (n0 - i0 <= 4) {
        z[4 * n0 + pp - 1] = z[4 * i0 + pp - 1];
        z[4 * n0 - pp] = z[4 * i0 - pp];
      }
      S.dmin2 = Math.min(S.dmin2, z[4 * n0 + pp - 1]);
      z[4 * n0 + pp - 1] = Math.min(z[4 * n0 + pp - 1], z[4 * i0 + pp - 1], z[4 * i0 + pp + 3]);
      z[4 * n0 - pp] = Math.min(z[4 * n0 - pp], z[4 * i0 - pp], z[4 * i0 - pp + 4]);
      S.qmax = Math.max(S.qmax, z[4 * i0 + pp - 3], z[4 * i0 + pp + 1]);
      S.dmin = -0;
    }
  }
  lasq4(i0, n0, z, pp, n0in, S);
  // dqds until dmin > 0.
  let safe = false;
  for (;;) {
    lasq5(i0, n0, z, pp, S);
    S.ndiv += n0 - i0 + 2;
    S.iter++;
    if (S.dmin >= 0 && S.dmin1 > 0) break; // success
    if (S.dmin < 0 && S.dmin1 > 0 && z[4 * (n0 - 1) - pp] < TOL * (S.sigma + S.dn1) && Math.abs(S.dn) < TOL * S.sigma) {
      // Convergence hidden by a negative dn.
      z[4 * (n0 - 1) - pp + 2] = 0;
      S.dmin = 0;
      break;
    }
    if (S.dmin < 0) {
      // tau too big: a new tau and try again.
      S.nfail++;
      if (S.ttype < -22) S.tau = 0; // failed twice: play it safe
      else if (S.dmin1 > 0) { S.tau = (S.tau + S.dmin) * (1 - 2 * EPS); S.ttype -= 11; } // late failure
      else { S.tau *= 0.25; S.ttype -= 12; } // early failure
      continue;
    }
    if (Number.isNaN(S.dmin)) {
      if (S.tau === 0) { safe = true; break; }
      S.tau = 0;
      continue;
    }
    safe = true; // possible underflow
    break;
  }
  if (safe) {
    lasq6(i0, n0, z, pp, S);
    S.ndiv += n0 - i0 + 2;
    S.iter++;
    S.tau = 0;
  }
  let t: number;
  if (S.tau < S.sigma) {
    S.desig += S.tau;
    t = S.sigma + S.desig;
    S.desig -= t - S.sigma;
  } else {
    t = S.sigma + S.tau;
    S.desig = S.sigma - (t - S.tau) + S.desig;
  }
  S.sigma = t;
}

/** dlasq4: the shift S.tau (and its type S.ttype) for the next dqds step. */
function lasq4(i0: number, n0: number, z: Float64Array, pp: number, n0in: number, S: QdState): void {
  const CNST1 = 0.563, CNST2 = 1.01, CNST3 = 1.05, THIRD = 0.333;
  const dmin = S.dmin;
  if (dmin <= 0) {
    S.tau = -dmin;
    S.ttype = -1;
    return;
  }
  const nn = 4 * n0 + pp;
  let s = 0;
  if (n0in === n0) {
    // No eigenvalues deflated.
    if (dmin === S.dn || dmin === S.dn1) {
      let b1 = Math.sqrt(z[nn - 3]) * Math.sqrt(z[nn - 5]);
      let b2 = Math.sqrt(z[nn - 7]) * Math.sqrt(z[nn - 9]);
      let a2 = z[nn - 7] + z[nn - 5];
      if (dmin === S.dn && S.dmin1 === S.dn1) {
        // Cases 2 and 3.
        const gap2 = S.dmin2 - a2 - S.dmin2 * 0.25;
        const gap1 = gap2 > 0 && gap2 > b2 ? a2 - S.dn - (b2 / gap2) * b2 : a2 - S.dn - (b1 + b2);
        if (gap1 > 0 && gap1 > b1) {
          s = Math.max(S.dn - (b1 / gap1) * b1, 0.5 * dmin);
          S.ttype = -2;
        } else {
          s = 0;
          if (S.dn > b1) s = S.dn - b1;
          if (a2 > b1 + b2) s = Math.min(s, a2 - (b1 + b2));
          s = Math.max(s, THIRD * dmin);
          S.ttype = -3;
        }
      } else {
        // Case 4.
        S.ttype = -4;
        s = 0.25 * dmin;
        let gam: number, np: number;
        if (dmin === S.dn) {
          gam = S.dn;
          a2 = 0;
          if (z[nn - 5] > z[nn - 7]) return;
          b2 = z[nn - 5] / z[nn - 7];
          np = nn - 9;
        } else {
          np = nn - 2 * pp;
          gam = S.dn1;
          if (z[np - 4] > z[np - 2]) return;
          a2 = z[np - 4] / z[np - 2];
          if (z[nn - 9] > z[nn - 11]) return;
          b2 = z[nn - 9] / z[nn - 11];
          np = nn - 13;
        }
        // Approximate contribution to the norm squared from i < nn − 1.
        a2 += b2;
        for (let i4 = np; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          if (b2 === 0) break;
          b1 = b2;
          if (z[i4] > z[i4 - 2]) return;
          b2 *= z[i4] / z[i4 - 2];
          a2 += b2;
          if (100 * Math.max(b2, b1) < a2 || CNST1 < a2) break;
        }
        a2 *= CNST3;
        // Rayleigh quotient residual bound.
        if (a2 < CNST1) s = (gam * (1 - Math.sqrt(a2))) / (1 + a2);
      }
    } else if (dmin === S.dn2) {
      // Case 5.
      S.ttype = -5;
      s = 0.25 * dmin;
      const np = nn - 2 * pp;
      let b1 = z[np - 2], b2 = z[np - 6];
      const gam = S.dn2;
      if (z[np - 8] > b2 || z[np - 4] > b1) return;
      let a2 = (z[np - 8] / b2) * (1 + z[np - 4] / b1);
      if (n0 - i0 > 2) {
        b2 = z[nn - 13] / z[nn - 15];
        a2 += b2;
        for (let i4 = nn - 17; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          if (b2 === 0) break;
          b1 = b2;
          if (z[i4] > z[i4 - 2]) return;
          b2 *= z[i4] / z[i4 - 2];
          a2 += b2;
          if (100 * Math.max(b2, b1) < a2 || CNST1 < a2) break;
        }
        a2 *= CNST3;
      }
      if (a2 < CNST1) s = (gam * (1 - Math.sqrt(a2))) / (1 + a2);
    } else {
      // Case 6: no information to guide us.
      if (S.ttype === -6) S.g += THIRD * (1 - S.g);
      else if (S.ttype === -18) S.g = 0.25 * THIRD;
      else S.g = 0.25;
      s = S.g * dmin;
      S.ttype = -6;
    }
  } else if (n0in === n0 + 1) {
    // One eigenvalue just deflated: dmin1, dn1 stand for dmin, dn.
    if (S.dmin1 === S.dn1 && S.dmin2 === S.dn2) {
      // Cases 7 and 8.
      S.ttype = -7;
      s = THIRD * S.dmin1;
      if (z[nn - 5] > z[nn - 7]) return;
      let b1 = z[nn - 5] / z[nn - 7];
      let b2 = b1;
      if (b2 !== 0) {
        for (let i4 = 4 * n0 - 9 + pp; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          const a2 = b1;
          if (z[i4] > z[i4 - 2]) return;
          b1 *= z[i4] / z[i4 - 2];
          b2 += b1;
          if (100 * Math.max(b1, a2) < b2) break;
        }
      }
      b2 = Math.sqrt(CNST3 * b2);
      const a2 = S.dmin1 / (1 + b2 * b2);
      const gap2 = 0.5 * S.dmin2 - a2;
      if (gap2 > 0 && gap2 > b2 * a2) {
        s = Math.max(s, a2 * (1 - CNST2 * a2 * (b2 / gap2) * b2));
      } else {
        s = Math.max(s, a2 * (1 - CNST2 * b2));
        S.ttype = -8;
      }
    } else {
      // Case 9.
      s = 0.25 * S.dmin1;
      if (S.dmin1 === S.dn1) s = 0.5 * S.dmin1;
      S.ttype = -9;
    }
  } else if (n0in === n0 + 2) {
    // Two eigenvalues deflated: dmin2, dn2 stand for dmin, dn. Cases 10 and 11.
    if (S.dmin2 === S.dn2 && 2 * z[nn - 5] < z[nn - 7]) {
      S.ttype = -10;
      s = THIRD * S.dmin2;
      if (z[nn - 5] > z[nn - 7]) return;
      let b1 = z[nn - 5] / z[nn - 7];
      let b2 = b1;
      if (b2 !== 0) {
        for (let i4 = 4 * n0 - 9 + pp; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          if (z[i4] > z[i4 - 2]) return;
          b1 *= z[i4] / z[i4 - 2];
          b2 += b1;
          if (100 * b1 < b2) break;
        }
      }
      b2 = Math.sqrt(CNST3 * b2);
      const a2 = S.dmin2 / (1 + b2 * b2);
      const gap2 = z[nn - 7] + z[nn - 9] - Math.sqrt(z[nn - 11]) * Math.sqrt(z[nn - 9]) - a2;
      if (gap2 > 0 && gap2 > b2 * a2) s = Math.max(s, a2 * (1 - CNST2 * a2 * (b2 / gap2) * b2));
      else s = Math.max(s, a2 * (1 - CNST2 * b2));
    } else {
      s = 0.25 * S.dmin2;
      S.ttype = -11;
    }
  } else if (n0in > n0 + 2) {
    // Case 12: more than two eigenvalues deflated, no information.
    s = 0;
    S.ttype = -12;
  }
  S.tau = s;
}

/** dlasq5 (IEEE arithmetic): one dqds transform with shift S.tau, from the pp half of z to the other. */
function lasq5(i0: number, n0: number, z: Float64Array, pp: number, S: QdState): void {
  if (n0 - i0 - 1 <= 0) return;
  const tau = S.tau;
  let j4 = 4 * i0 + pp - 3;
  let emin = z[j4 + 4];
  let d = z[j4] - tau;
  let dmin = d;
  S.dmin1 = -z[j4];
  const last = 4 * (n0 - 3);
  if (pp === 0) {
    for (j4 = 4 * i0; j4 <= last; j4 += 4) {
      const s = d + z[j4 - 1];
      z[j4 - 2] = s;
      const t = z[j4 + 1] / s;
      d = d * t - tau;
      if (d < dmin) dmin = d;
      const ee = z[j4 - 1] * t;
      z[j4] = ee;
      if (ee < emin) emin = ee;
      if (d !== d) dmin = d; // NaN propagates as in Fortran MIN's IEEE path
    }
  } else {
    for (j4 = 4 * i0; j4 <= last; j4 += 4) {
      const s = d + z[j4];
      z[j4 - 3] = s;
      const t = z[j4 + 2] / s;
      d = d * t - tau;
      if (d < dmin) dmin = d;
      const ee = z[j4] * t;
      z[j4 - 1] = ee;
      if (ee < emin) emin = ee;
      if (d !== d) dmin = d;
    }
  }
  // The last two steps unrolled.
  const dnm2 = d;
  S.dmin2 = dmin;
  j4 = 4 * (n0 - 2) - pp;
  let j4p2 = j4 + 2 * pp - 1;
  z[j4 - 2] = dnm2 + z[j4p2];
  z[j4] = z[j4p2 + 2] * (z[j4p2] / z[j4 - 2]);
  const dnm1 = z[j4p2 + 2] * (dnm2 / z[j4 - 2]) - tau;
  dmin = Math.min(dmin, dnm1);
  S.dmin1 = dmin;
  j4 += 4;
  j4p2 = j4 + 2 * pp - 1;
  z[j4 - 2] = dnm1 + z[j4p2];
  z[j4] = z[j4p2 + 2] * (z[j4p2] / z[j4 - 2]);
  const dn = z[j4p2 + 2] * (dnm1 / z[j4 - 2]) - tau;
  dmin = Math.min(dmin, dn);
  z[j4 + 2] = dn;
  z[4 * n0 - pp] = emin;
  S.dmin = dmin; S.dn = dn; S.dn1 = dnm1; S.dn2 = dnm2;
}

/** dlasq6: one dqd transform (no shift) guarding against underflow, after dqds failed. */
function lasq6(i0: number, n0: number, z: Float64Array, pp: number, S: QdState): void {
  if (n0 - i0 - 1 <= 0) return;
  let j4 = 4 * i0 + pp - 3;
  let emin = z[j4 + 4];
  let d = z[j4];
  let dmin = d;
  // One step: q = d + e at qi, the new e at ei, next q at qn, e at ep (pp picks the halves).
  const step = (qi: number, ep: number, ei: number, qn: number): void => {
    z[qi] = d + z[ep];
    if (z[qi] === 0) {
      z[ei] = 0;
      d = z[qn];
      dmin = d;
      emin = 0;
    } else if (SAFMIN * z[qn] < z[qi] && SAFMIN * z[qi] < z[qn]) {
      const t = z[qn] / z[qi];
      z[ei] = z[ep] * t;
      d *= t;
    } else {
      z[ei] = z[qn] * (z[ep] / z[qi]);
      d = z[qn] * (d / z[qi]);
    }
    dmin = Math.min(dmin, d);
    emin = Math.min(emin, z[ei]);
  };
  for (j4 = 4 * i0; j4 <= 4 * (n0 - 3); j4 += 4) {
    if (pp === 0) step(j4 - 2, j4 - 1, j4, j4 + 1);
    else step(j4 - 3, j4, j4 - 1, j4 + 2);
  }
  const dnm2 = d;
  S.dmin2 = dmin;
  j4 = 4 * (n0 - 2) - pp;
  let j4p2 = j4 + 2 * pp - 1;
  // The last two steps: as step() but the new e goes to z[j4] and does not enter emin.
  const tail = (): number => {
    z[j4 - 2] = d + z[j4p2];
    if (z[j4 - 2] === 0) {
      z[j4] = 0;
      d = z[j4p2 + 2];
      dmin = d;
      emin = 0;
    } else if (SAFMIN * z[j4p2 + 2] < z[j4 - 2] && SAFMIN * z[j4 - 2] < z[j4p2 + 2]) {
      const t = z[j4p2 + 2] / z[j4 - 2];
      z[j4] = z[j4p2] * t;
      d *= t;
    } else {
      z[j4] = z[j4p2 + 2] * (z[j4p2] / z[j4 - 2]);
      d = z[j4p2 + 2] * (d / z[j4 - 2]);
    }
    dmin = Math.min(dmin, d);
    return d;
  };
  const dnm1 = tail();
  S.dmin1 = dmin;
  j4 += 4;
  j4p2 = j4 + 2 * pp - 1;
  const dn = tail();
  z[j4 + 2] = dn;
  z[4 * n0 - pp] = emin;
  S.dmin = dmin; S.dn = dn; S.dn1 = dnm1; S.dn2 = dnm2;
}
