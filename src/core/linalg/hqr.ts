/**
 * Francis double-shift QR on an upper Hessenberg matrix (LAPACK dlahqr) and the standardisation of 2×2 blocks
 * (dlanv2). Column-major storage: element (i, j) of the n×n matrix is h[i + j*ldh].
 */
import { larfg, lapy2 } from './hessenberg';
import type { Workspace } from './wasm/kernels';
import { CancelledError, type Signal } from '../cancel';

export const ULP = 2.220446049250313e-16; // dlamch('P') = eps·base
export const SAFMIN = 2.2250738585072014e-308; // dlamch('S')
const SAFMN2 = Math.pow(2, -485); // 2^int(log2(safmin/ulp)/2)
const SAFMX2 = 1 / SAFMN2;


/** Fortran SIGN(a, b): |a| with the sign of b (b = ±0 counts as positive). */
function sign(a: number, b: number): number {
  const x = Math.abs(a);
  return b < 0 ? -x : x;
}

/**
 * dlanv2: Schur factorisation of a real 2×2 nonsymmetric matrix in standardised form:
 * [a b; c d] = [cs −sn; sn cs] [aa bb; cc dd] [cs sn; −sn cs], where either cc = 0 (real eigenvalues) or
 * aa = dd and bb·cc < 0 (complex pair). Reads a, b, c, d from v[0..3]; writes back aa, bb, cc, dd to v[0..3],
 * rt1r, rt1i, rt2r, rt2i to v[4..7] and cs, sn to v[8], v[9].
 */
export function lanv2(v: Float64Array): void {
  let a = v[0], b = v[1], c = v[2], d = v[3];
  let cs: number, sn: number;
  const MULTPL = 4;
  if (c === 0) {
    cs = 1; sn = 0;
  } else if (b === 0) {
    // Swap rows and columns.
    cs = 0; sn = 1;
    const temp = d; d = a; a = temp;
    b = -c; c = 0;
  } else if (a - d === 0 && sign(1, b) !== sign(1, c)) {
    cs = 1; sn = 0;
  } else {
    let temp = a - d;
    let p = 0.5 * temp;
    const bcmax = Math.max(Math.abs(b), Math.abs(c));
    const bcmis = Math.min(Math.abs(b), Math.abs(c)) * sign(1, b) * sign(1, c);
    let scale = Math.max(Math.abs(p), bcmax);
    let z = (p / scale) * p + (bcmax / scale) * bcmis;
    if (z >= MULTPL * ULP) {
      // Real eigenvalues: compute a and d.
      z = p + sign(Math.sqrt(scale) * Math.sqrt(z), p);
      a = d + z;
      d = d - (bcmax / z) * bcmis;
      const tau = lapy2(c, z);
      cs = z / tau;
      sn = c / tau;
      b = b - c;
      c = 0;
    } else {
      // Complex eigenvalues, or real (almost) equal eigenvalues: make the diagonal elements equal.
      let count = 0;
      let sigma = b + c;
      for (;;) {
        count++;
        scale = Math.max(Math.abs(temp), Math.abs(sigma));
        if (scale >= SAFMX2) {
          sigma *= SAFMN2; temp *= SAFMN2;
          if (count <= 20) continue;
        }
        if (scale <= SAFMN2) {
          sigma *= SAFMX2; temp *= SAFMX2;
          if (count <= 20) continue;
        }
        break;
      }
      p = 0.5 * temp;
      let tau = lapy2(sigma, temp);
      cs = Math.sqrt(0.5 * (1 + Math.abs(sigma) / tau));
      sn = -(p / (tau * cs)) * sign(1, sigma);
      // [aa bb; cc dd] = [a b; c d] [cs −sn; sn cs]
      const aa = a * cs + b * sn;
      const bb = -a * sn + b * cs;
      const cc = c * cs + d * sn;
      const dd = -c * sn + d * cs;
      // [a b; c d] = [cs sn; −sn cs] [aa bb; cc dd]
      a = aa * cs + cc * sn;
      b = bb * cs + dd * sn;
      c = -aa * sn + cc * cs;
      d = -bb * sn + dd * cs;
      temp = 0.5 * (a + d);
      a = temp;
      d = temp;
      if (c !== 0) {
        if (b !== 0) {
          if (sign(1, b) === sign(1, c)) {
            // Real eigenvalues: reduce to upper triangular form.
            const sab = Math.sqrt(Math.abs(b));
            const sac = Math.sqrt(Math.abs(c));
            p = sign(sab * sac, c);
            tau = 1 / Math.sqrt(Math.abs(b + c));
            a = temp + p;
            d = temp - p;
            b = b - c;
            c = 0;
            const cs1 = sab * tau;
            const sn1 = sac * tau;
            temp = cs * cs1 - sn * sn1;
            sn = cs * sn1 + sn * cs1;
            cs = temp;
          }
        } else {
          b = -c;
          c = 0;
          temp = cs;
          cs = -sn;
          sn = temp;
        }
      }
    }
  }
  v[0] = a; v[1] = b; v[2] = c; v[3] = d;
  v[4] = a; v[6] = d;
  if (c === 0) {
    v[5] = 0; v[7] = 0;
  } else {
    v[5] = Math.sqrt(Math.abs(b)) * Math.sqrt(Math.abs(c));
    v[7] = -v[5];
  }
  v[8] = cs; v[9] = sn;
}

/** drot on rows r1, r2 of column-major a, columns j0..j1−1: x ← c x + s y, y ← c y − s x. */
export function rotRows(a: Float64Array, ld: number, r1: number, r2: number, j0: number, j1: number, c: number, s: number): void {
  for (let j = j0; j < j1; j++) {
    const p = r1 + j * ld, q = r2 + j * ld;
    const x = a[p], y = a[q];
    a[p] = c * x + s * y;
    a[q] = c * y - s * x;
  }
}

/** drot on columns c1, c2 of column-major a, rows i0..i1−1. */
export function rotCols(a: Float64Array, ld: number, c1: number, c2: number, i0: number, i1: number, c: number, s: number): void {
  const p0 = c1 * ld, q0 = c2 * ld;
  for (let i = i0; i < i1; i++) {
    const x = a[p0 + i], y = a[q0 + i];
    a[p0 + i] = c * x + s * y;
    a[q0 + i] = c * y - s * x;
  }
}

const lv = new Float64Array(10);
const vv = new Float64Array(3);
const outb = new Float64Array(1);

/**
 * Standardises the 2×2 diagonal block at rows/columns (k, k+1) with dlanv2 and applies the rotation to the rest
 * of H (columns ≥ k+2 in rows k, k+1 when wantt; rows i1..k−1 of columns k, k+1) and to Z's columns k, k+1.
 * Stores the eigenvalues in wr/wi[k], [k+1].
 */
export function standardize2x2(
  h: Float64Array, ldh: number, k: number, i1: number, i2: number, wantt: boolean,
  z: Float64Array | null, ldz: number, iloz: number, ihiz: number, wr: Float64Array, wi: Float64Array,
): void {
  const k1 = k + 1;
  lv[0] = h[k + k * ldh]; lv[1] = h[k + k1 * ldh]; lv[2] = h[k1 + k * ldh]; lv[3] = h[k1 + k1 * ldh];
  lanv2(lv);
  h[k + k * ldh] = lv[0]; h[k + k1 * ldh] = lv[1]; h[k1 + k * ldh] = lv[2]; h[k1 + k1 * ldh] = lv[3];
  wr[k] = lv[4]; wi[k] = lv[5]; wr[k1] = lv[6]; wi[k1] = lv[7];
  const cs = lv[8], sn = lv[9];
  if (wantt) {
    if (i2 > k1) rotRows(h, ldh, k, k1, k1 + 1, i2 + 1, cs, sn);
    rotCols(h, ldh, k, k1, i1, k, cs, sn);
  }
  if (z) rotCols(z, ldz, k, k1, iloz, ihiz + 1, cs, sn);
}

/**
 * dlahqr: eigenvalues (and with wantt the Schur form) of the upper Hessenberg block H(ilo:ihi, ilo:ihi), all
 * indices 0-based and inclusive. With wantz the transformations are applied to rows iloz..ihiz of Z.
 * Returns 0 on success or (index+1) of the last unconverged eigenvalue, like LAPACK's info.
 */
export function lahqr(
  wantt: boolean, wantz: boolean, n: number, ilo: number, ihi: number, h: Float64Array, ldh: number,
  wr: Float64Array, wi: Float64Array, iloz: number, ihiz: number, z: Float64Array | null, ldz: number,
  signal?: Signal, ws: Workspace | null = null,
): number {
  if (n === 0) return 0;
  if (ilo === ihi) {
    wr[ilo] = h[ilo + ilo * ldh];
    wi[ilo] = 0;
    return 0;
  }
  // Clear out the trash.
  for (let j = ilo; j <= ihi - 3; j++) {
    h[j + 2 + j * ldh] = 0;
    h[j + 3 + j * ldh] = 0;
  }
  if (ilo <= ihi - 2) h[ihi + (ihi - 2) * ldh] = 0;
  const nh = ihi - ilo + 1;
  const smlnum = SAFMIN * (nh / ULP);
  let i1 = 0, i2 = 0;
  if (wantt) { i1 = 0; i2 = n - 1; }
  const itmax = 30 * Math.max(10, nh);
  let kdefl = 0;
  const KEXSH = 10;
  const DAT1 = 0.75, DAT2 = -0.4375;
  const v = vv;
  // WebAssembly kernels for the reflector applications when H (and Z) live in its memory.
  const kw = ws?.k ?? null;
  const ih = ws ? ws.index(h) : -1;
  const iz = ws && z ? ws.index(z) : -1;

  let i = ihi;
  while (i >= ilo) {
    let l = ilo;
    let converged = false;
    for (let its = 0; its <= itmax; its++) {
      if (signal && signal.aborted) throw new CancelledError();
      // Look for a single small subdiagonal element.
      let k: number;
      for (k = i; k > l; k--) {
        const hkk1 = Math.abs(h[k + (k - 1) * ldh]);
        if (hkk1 <= smlnum) break;
        const hkk = h[k + k * ldh], hk1k1 = h[k - 1 + (k - 1) * ldh];
        let tst = Math.abs(hk1k1) + Math.abs(hkk);
        if (tst === 0) {
          if (k - 2 >= ilo) tst += Math.abs(h[k - 1 + (k - 2) * ldh]);
          if (k + 1 <= ihi) tst += Math.abs(h[k + 1 + k * ldh]);
        }
        // Conservative small subdiagonal deflation criterion of Ahues & Kressner (2004).
        if (hkk1 <= ULP * tst) {
          const hk1k = Math.abs(h[k - 1 + k * ldh]);
          const ab = Math.max(hkk1, hk1k);
          const ba = Math.min(hkk1, hk1k);
          const aa = Math.max(Math.abs(hkk), Math.abs(hk1k1 - hkk));
          const bb = Math.min(Math.abs(hkk), Math.abs(hk1k1 - hkk));
          const s = aa + ab;
          if (ba * (ab / s) <= Math.max(smlnum, ULP * (bb * (aa / s)))) break;
        }
      }
      l = k;
      if (l > ilo) h[l + (l - 1) * ldh] = 0;
      if (l >= i - 1) { converged = true; break; }
      kdefl++;
      if (!wantt) { i1 = l; i2 = i; }

      let h11: number, h12: number, h21: number, h22: number;
      if (kdefl % (2 * KEXSH) === 0) {
        // Exceptional shift.
        const s = Math.abs(h[i + (i - 1) * ldh]) + Math.abs(h[i - 1 + (i - 2) * ldh]);
        h11 = DAT1 * s + h[i + i * ldh];
        h12 = DAT2 * s;
        h21 = s;
        h22 = h11;
      } else if (kdefl % KEXSH === 0) {
        // Exceptional shift.
        const s = Math.abs(h[l + 1 + l * ldh]) + Math.abs(h[l + 2 + (l + 1) * ldh]);
        h11 = DAT1 * s + h[l + l * ldh];
        h12 = DAT2 * s;
        h21 = s;
        h22 = h11;
      } else {
        // Francis' double shift (2nd degree generalized Rayleigh quotient).
        h11 = h[i - 1 + (i - 1) * ldh];
        h21 = h[i + (i - 1) * ldh];
        h12 = h[i - 1 + i * ldh];
        h22 = h[i + i * ldh];
      }
      let rt1r: number, rt1i: number, rt2r: number, rt2i: number;
      {
        const s = Math.abs(h11) + Math.abs(h12) + Math.abs(h21) + Math.abs(h22);
        if (s === 0) {
          rt1r = 0; rt1i = 0; rt2r = 0; rt2i = 0;
        } else {
          h11 /= s; h21 /= s; h12 /= s; h22 /= s;
          const tr = (h11 + h22) / 2;
          const det = (h11 - tr) * (h22 - tr) - h12 * h21;
          const rtdisc = Math.sqrt(Math.abs(det));
          if (det >= 0) {
            // Complex conjugate shifts.
            rt1r = tr * s; rt2r = rt1r;
            rt1i = rtdisc * s; rt2i = -rt1i;
          } else {
            // Real shifts (use only one of them).
            rt1r = tr + rtdisc;
            rt2r = tr - rtdisc;
            if (Math.abs(rt1r - h22) <= Math.abs(rt2r - h22)) {
              rt1r *= s; rt2r = rt1r;
            } else {
              rt2r *= s; rt1r = rt2r;
            }
            rt1i = 0; rt2i = 0;
          }
        }
      }
      // Look for two consecutive small subdiagonal elements.
      let m: number;
      for (m = i - 2; m >= l; m--) {
        const hmm = h[m + m * ldh];
        let h21s = h[m + 1 + m * ldh];
        let s = Math.abs(hmm - rt2r) + Math.abs(rt2i) + Math.abs(h21s);
        h21s = h21s / s;
        v[0] = h21s * h[m + (m + 1) * ldh] + (hmm - rt1r) * ((hmm - rt2r) / s) - rt1i * (rt2i / s);
        v[1] = h21s * (hmm + h[m + 1 + (m + 1) * ldh] - rt1r - rt2r);
        v[2] = h21s * h[m + 2 + (m + 1) * ldh];
        s = Math.abs(v[0]) + Math.abs(v[1]) + Math.abs(v[2]);
        v[0] /= s; v[1] /= s; v[2] /= s;
        if (m === l) break;
        const h00 = Math.abs(h[m + (m - 1) * ldh]) * (Math.abs(v[1]) + Math.abs(v[2]));
        const h01 = ULP * Math.abs(v[0]) * (Math.abs(h[m - 1 + (m - 1) * ldh]) + Math.abs(hmm) + Math.abs(h[m + 1 + (m + 1) * ldh]));
        if (h00 <= h01) break;
      }
      // Double-shift QR step.
      for (let k = m; k <= i - 1; k++) {
        const nr = Math.min(3, i - k + 1);
        if (k > m) {
          v[0] = h[k + (k - 1) * ldh];
          v[1] = h[k + 1 + (k - 1) * ldh];
          if (nr === 3) v[2] = h[k + 2 + (k - 1) * ldh];
        }
        const t1 = larfg(nr, v[0], v, 1, 1, outb);
        v[0] = outb[0];
        if (k > m) {
          h[k + (k - 1) * ldh] = v[0];
          h[k + 1 + (k - 1) * ldh] = 0;
          if (k < i - 1) h[k + 2 + (k - 1) * ldh] = 0;
        } else if (m > l) {
          // Use the following instead of H(k,k−1) = −H(k,k−1) to avoid a bug when v(2) and v(3) underflow.
          h[k + (k - 1) * ldh] *= 1 - t1;
        }
        const v2 = v[1];
        const t2 = t1 * v2;
        if (nr === 3 && ih >= 0 && kw !== null) {
          const v3 = v[2];
          const t3 = t1 * v3;
          kw.refRows3(ih + k + k * ldh, ldh, i2 - k + 1, v2, v3, 1, t1, t2, t3);
          const c0 = ih + k * ldh;
          const jmax = Math.min(k + 3, i);
          kw.refCols3(c0 + i1, c0 + ldh + i1, c0 + 2 * ldh + i1, jmax - i1 + 1, v2, v3, 1, t1, t2, t3);
          if (wantz && z) {
            if (iz >= 0) {
              const d0 = iz + k * ldz;
              kw.refCols3(d0 + iloz, d0 + ldz + iloz, d0 + 2 * ldz + iloz, ihiz - iloz + 1, v2, v3, 1, t1, t2, t3);
            } else {
              const d0 = k * ldz, d1 = d0 + ldz, d2 = d1 + ldz;
              for (let j = iloz; j <= ihiz; j++) {
                const sum = z[d0 + j] + v2 * z[d1 + j] + v3 * z[d2 + j];
                z[d0 + j] -= sum * t1;
                z[d1 + j] -= sum * t2;
                z[d2 + j] -= sum * t3;
              }
            }
          }
        } else if (nr === 3) {
          const v3 = v[2];
          const t3 = t1 * v3;
          // Apply G from the left to rows k..k+2, columns k..i2.
          for (let j = k; j <= i2; j++) {
            const p = k + j * ldh;
            const sum = h[p] + v2 * h[p + 1] + v3 * h[p + 2];
            h[p] -= sum * t1;
            h[p + 1] -= sum * t2;
            h[p + 2] -= sum * t3;
          }
          // Apply G from the right to columns k..k+2, rows i1..min(k+3, i).
          const c0 = k * ldh, c1 = c0 + ldh, c2 = c1 + ldh;
          const jmax = Math.min(k + 3, i);
          for (let j = i1; j <= jmax; j++) {
            const sum = h[c0 + j] + v2 * h[c1 + j] + v3 * h[c2 + j];
            h[c0 + j] -= sum * t1;
            h[c1 + j] -= sum * t2;
            h[c2 + j] -= sum * t3;
          }
          if (wantz && z) {
            const d0 = k * ldz, d1 = d0 + ldz, d2 = d1 + ldz;
            for (let j = iloz; j <= ihiz; j++) {
              const sum = z[d0 + j] + v2 * z[d1 + j] + v3 * z[d2 + j];
              z[d0 + j] -= sum * t1;
              z[d1 + j] -= sum * t2;
              z[d2 + j] -= sum * t3;
            }
          }
        } else if (nr === 2) {
          for (let j = k; j <= i2; j++) {
            const p = k + j * ldh;
            const sum = h[p] + v2 * h[p + 1];
            h[p] -= sum * t1;
            h[p + 1] -= sum * t2;
          }
          const c0 = k * ldh, c1 = c0 + ldh;
          for (let j = i1; j <= i; j++) {
            const sum = h[c0 + j] + v2 * h[c1 + j];
            h[c0 + j] -= sum * t1;
            h[c1 + j] -= sum * t2;
          }
          if (wantz && z) {
            const d0 = k * ldz, d1 = d0 + ldz;
            for (let j = iloz; j <= ihiz; j++) {
              const sum = z[d0 + j] + v2 * z[d1 + j];
              z[d0 + j] -= sum * t1;
              z[d1 + j] -= sum * t2;
            }
          }
        }
      }
    }
    if (!converged) return i + 1;
    if (l === i) {
      // One eigenvalue has converged.
      wr[i] = h[i + i * ldh];
      wi[i] = 0;
    } else if (l === i - 1) {
      // A pair has converged: standardise the 2×2 block.
      standardize2x2(h, ldh, i - 1, i1, i2, wantt, wantz ? z : null, ldz, iloz, ihiz, wr, wi);
    }
    kdefl = 0;
    i = l - 1;
  }
  return 0;
}
