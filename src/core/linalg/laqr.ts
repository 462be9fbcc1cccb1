/**
 * Small-bulge multishift QR with aggressive early deflation (Braman, Byers & Mathias 2002; LAPACK dlaqr0,
 * dlaqr3, dlaqr5, dlaqr1). Column-major storage: element (i, j) of H is h[i + j*ldh], 0-based.
 *
 * dlaqr5 is followed with 1-based local index names (K, KRCOL, INCOL, …) to keep its intricate bookkeeping
 * recognisable; arrays are addressed through base offsets so that H(I, J) = h[hb + I + J*ldh].
 */
import { gemmNN, gemmTN } from './gemm';
import { gehd2, larfg, larfLeft, larfRight } from './hessenberg';
import { lahqr, lanv2, SAFMIN, ULP } from './hqr';
import { CancelledError, type Signal } from '../cancel';
import { trexc } from './reorder';
import { Workspace, wsAlloc } from './wasm/kernels';

const NTINY = 15;
const NMIN = 75; // dlahqr / dlaqr0 crossover (ilaenv ispec 12)
const NIBBLE = 14; // skip a sweep if AED deflated more than 14% of the window
const KEXNW = 5;
/**
 * Order of the active block from which dlaqr5 accumulates its reflections into a small orthogonal U and applies
 * it with matrix-matrix products (LAPACK: from 14 shifts on). In JavaScript the extra flops of that scheme
 * (about 3× the direct updates) cost more than the better memory use saves — measured slower at n = 256, 512
 * and 1024 — so it is off; the code path is kept (and tested) for engines where GEMM is much faster. With the
 * WebAssembly kernels it is still slower (from 150: 112 vs 39 ms at n = 256, 2110 vs 1230 at 1024).
 */
export const ACCUMULATE_FROM = 1 << 30;
const KEXSH = 6;
const WILK1 = 0.75, WILK2 = -0.4375;

/** ilaenv/iparmq's recommended number of simultaneous shifts for an active block of order nh. */
function shiftCount(nh: number): number {
  let ns: number;
  if (nh < 30) ns = 2;
  else if (nh < 60) ns = 4;
  else if (nh < 150) ns = 10;
  else if (nh < 590) ns = Math.max(10, Math.trunc(nh / Math.round(Math.log2(nh))));
  else if (nh < 3000) ns = 64;
  else if (nh < 6000) ns = 128;
  else ns = 256;
  return Math.max(2, ns - (ns % 2));
}

const lv = new Float64Array(10);
const outb = new Float64Array(1);

/**
 * dlaqr0: Schur form (wantt) / eigenvalues of the Hessenberg block H(ilo:ihi, ilo:ihi) (0-based, inclusive),
 * accumulating into rows iloz..ihiz of Z (wantz). nested selects dlaqr4 behaviour (AED windows are solved by
 * dlahqr, no further recursion). Returns 0, or (index+1) of the last unconverged row like LAPACK's info.
 */
export function laqr0(
  wantt: boolean, wantz: boolean, n: number, ilo: number, ihi: number, h: Float64Array, ldh: number,
  wr: Float64Array, wi: Float64Array, iloz: number, ihiz: number, z: Float64Array | null, ldz: number,
  signal?: Signal, nested = false, accumulateFrom = ACCUMULATE_FROM, ws: Workspace | null = null,
): number {
  if (n === 0) return 0;
  if (n <= NTINY) return lahqr(wantt, wantz, n, ilo, ihi, h, ldh, wr, wi, iloz, ihiz, z, ldz, signal, ws);
  const nhAll = ihi - ilo + 1;
  let nwr = shiftCount(nhAll);
  if (nhAll > 500) nwr = Math.trunc((3 * nwr) / 2);
  nwr = Math.max(2, nwr);
  nwr = Math.min(nhAll, Math.trunc((n - 1) / 3), nwr);
  let nsr = shiftCount(nhAll);
  nsr = Math.min(nsr, Math.trunc((n + 6) / 9), ihi - ilo);
  nsr = Math.max(2, nsr - (nsr % 2));
  const kacc22 = nhAll >= accumulateFrom ? 1 : 0;
  const nwmax = Math.trunc((n - 1) / 3);
  let nw = nwmax;
  let nsmax = Math.trunc((n + 6) / 9);
  nsmax -= nsmax % 2;
  let ndfl = 1;
  let ndec = -1;
  const itmax = Math.max(30, 2 * KEXSH) * Math.max(10, nhAll);
  let kbot = ihi;
  const H = (i: number, j: number) => h[i + j * ldh];
  for (let it = 1; it <= itmax; it++) {
    if (kbot < ilo) return 0;
    if (signal && signal.aborted) throw new CancelledError();
    // Locate the active block.
    let k: number;
    for (k = kbot; k > ilo; k--) if (H(k, k - 1) === 0) break;
    const ktop = k;
    // Deflation window size.
    const nh = kbot - ktop + 1;
    const nwupbd = Math.min(nh, nwmax);
    if (ndfl < KEXNW) nw = Math.min(nwupbd, nwr);
    else nw = Math.min(nwupbd, 2 * nw);
    if (nw < nwmax) {
      if (nw >= nh - 1) {
        nw = nh;
      } else {
        const kwtop = kbot - nw + 1;
        if (Math.abs(H(kwtop, kwtop - 1)) > Math.abs(H(kwtop - 1, kwtop - 2))) nw++;
      }
    }
    if (ndfl < KEXNW) {
      ndec = -1;
    } else if (ndec >= 0 || nw >= nwupbd) {
      ndec++;
      if (nw - ndec < 2) ndec = 0;
      nw -= ndec;
    }
    // Aggressive early deflation.
    const aed = laqr3(wantt, wantz, n, ktop, kbot, nw, h, ldh, iloz, ihiz, z, ldz, wr, wi, nested, signal, ws);
    const ls = aed.ns, ld = aed.nd;
    kbot -= ld;
    let ks = kbot - ls + 1;
    if (ld === 0 || (100 * ld <= nw * NIBBLE && kbot - ktop + 1 > Math.min(NMIN, nwmax))) {
      let ns = Math.min(nsmax, nsr, Math.max(2, kbot - ktop));
      ns -= ns % 2;
      if (ndfl % KEXSH === 0) {
        // Exceptional shifts.
        ks = kbot - ns + 1;
        for (let i = kbot; i >= Math.max(ks + 1, ktop + 2); i -= 2) {
          const ss = Math.abs(H(i, i - 1)) + Math.abs(H(i - 1, i - 2));
          lv[0] = WILK1 * ss + H(i, i); lv[1] = ss; lv[2] = WILK2 * ss; lv[3] = lv[0];
          lanv2(lv);
          wr[i - 1] = lv[4]; wi[i - 1] = lv[5]; wr[i] = lv[6]; wi[i] = lv[7];
        }
        if (ks === ktop) {
          wr[ks + 1] = H(ks + 1, ks + 1);
          wi[ks + 1] = 0;
          wr[ks] = wr[ks + 1];
          wi[ks] = wi[ks + 1];
        }
      } else {
        if (kbot - ks + 1 <= ns / 2) {
          // Too few shifts from AED: use the eigenvalues of a trailing principal submatrix.
          ks = kbot - ns + 1;
          const tmp = new Float64Array(ns * ns);
          for (let j = 0; j < ns; j++) for (let i = 0; i < ns; i++) tmp[i + j * ns] = H(ks + i, ks + j);
          const swr = wr.subarray(ks), swi = wi.subarray(ks);
          const inf = ns > NMIN
            ? laqr0(false, false, ns, 0, ns - 1, tmp, ns, swr, swi, 0, 0, null, 1, signal, true, ACCUMULATE_FROM, ws)
            : lahqr(false, false, ns, 0, ns - 1, tmp, ns, swr, swi, 0, 0, null, 1, signal, ws);
          ks += inf;
          if (ks >= kbot) {
            lv[0] = H(kbot - 1, kbot - 1); lv[1] = H(kbot - 1, kbot); lv[2] = H(kbot, kbot - 1); lv[3] = H(kbot, kbot);
            lanv2(lv);
            wr[kbot - 1] = lv[4]; wi[kbot - 1] = lv[5]; wr[kbot] = lv[6]; wi[kbot] = lv[7];
            ks = kbot - 1;
          }
        }
        if (kbot - ks + 1 > ns) {
          // Sort the shifts by decreasing |re| + |im| (bubble sort keeps conjugate pairs together).
          let sorted = false;
          for (let kk = kbot; kk >= ks + 1; kk--) {
            if (sorted) break;
            sorted = true;
            for (let i = ks; i < kk; i++) {
              if (Math.abs(wr[i]) + Math.abs(wi[i]) < Math.abs(wr[i + 1]) + Math.abs(wi[i + 1])) {
                sorted = false;
                let sw = wr[i]; wr[i] = wr[i + 1]; wr[i + 1] = sw;
                sw = wi[i]; wi[i] = wi[i + 1]; wi[i + 1] = sw;
              }
            }
          }
        }
        // Shuffle shifts into pairs of real shifts and pairs of complex conjugate shifts.
        for (let i = kbot; i >= ks + 2; i -= 2) {
          if (wi[i] !== -wi[i - 1]) {
            let sw = wr[i]; wr[i] = wr[i - 1]; wr[i - 1] = wr[i - 2]; wr[i - 2] = sw;
            sw = wi[i]; wi[i] = wi[i - 1]; wi[i - 1] = wi[i - 2]; wi[i - 2] = sw;
          }
        }
      }
      // Two real shifts: use only the one closer to H(kbot, kbot).
      if (kbot - ks + 1 === 2 && wi[kbot] === 0) {
        if (Math.abs(wr[kbot] - H(kbot, kbot)) < Math.abs(wr[kbot - 1] - H(kbot, kbot))) wr[kbot - 1] = wr[kbot];
        else wr[kbot] = wr[kbot - 1];
      }
      ns = Math.min(ns, kbot - ks + 1);
      ns -= ns % 2;
      ks = kbot - ns + 1;
      laqr5(wantt, wantz, kacc22, n, ktop, kbot, ns, wr, wi, ks, h, ldh, iloz, ihiz, z, ldz, ws);
    }
    ndfl = ld > 0 ? 1 : ndfl + 1;
  }
  return kbot + 1;
}

/** C(0:m−1, 0:ihi) ← C · Q, Q = H(ilo)…H(ihi−1) from gehd2's reflectors in a (dormhr 'R', 'N'). */
function ormhrRight(
  m: number, ilo: number, ihi: number, a: Float64Array, lda: number, tau: Float64Array, c: Float64Array, ldc: number, work: Float64Array,
  ws: Workspace | null,
): void {
  const ia = ws ? ws.index(a) : -1, ic = ws ? ws.index(c) : -1, iw = ws ? ws.index(work) : -1;
  for (let i = ilo; i < ihi; i++) {
    const t = tau[i];
    if (t === 0) continue;
    const ci = i * lda;
    if (ws !== null && ia >= 0 && ic >= 0 && iw >= 0) {
      const kw = ws.k;
      const save = a[i + 1 + ci];
      a[i + 1 + ci] = 1;
      kw.larfRight(m, ihi - i, ia + i + 1 + ci, ic + (i + 1) * ldc, ldc, t, iw);
      a[i + 1 + ci] = save;
      continue;
    }
    // v = [1; a(i+2:ihi, i)] on columns i+1..ihi of C.
    for (let r = 0; r < m; r++) work[r] = c[r + (i + 1) * ldc];
    for (let kk = i + 2; kk <= ihi; kk++) {
      const vk = a[kk + ci];
      if (vk === 0) continue;
      const ck = kk * ldc;
      for (let r = 0; r < m; r++) work[r] += c[r + ck] * vk;
    }
    for (let r = 0; r < m; r++) c[r + (i + 1) * ldc] -= t * work[r];
    for (let kk = i + 2; kk <= ihi; kk++) {
      const f = t * a[kk + ci];
      if (f === 0) continue;
      const ck = kk * ldc;
      for (let r = 0; r < m; r++) c[r + ck] -= work[r] * f;
    }
  }
}


/** X(r0:r0+m−1, c0:c0+k−1) ← X(…) · U(u0:u0+k−1, u0:u0+k−1) (column-major X with ldx, U with ldu), in row chunks. */
function rightMultiply(
  m: number, k: number, x: Float64Array, r0: number, c0: number, ldx: number, u: Float64Array, uOff: number, ldu: number, ws: Workspace | null,
): void {
  if (m <= 0 || k <= 0) return;
  const NV = 256;
  const mk = ws?.mark() ?? 0;
  const w = wsAlloc(ws, NV * k, false);
  for (let rr = 0; rr < m; rr += NV) {
    const len = Math.min(NV, m - rr);
    gemmNN(len, k, k, x, r0 + rr + c0 * ldx, ldx, u, uOff, ldu, w, 0, len, false, ws);
    for (let j = 0; j < k; j++) {
      const dst = r0 + rr + (c0 + j) * ldx, src = j * len;
      for (let i = 0; i < len; i++) x[dst + i] = w[src + i];
    }
  }
  ws?.release(mk);
}

/** X(r0:r0+k−1, c0:c0+m−1) ← U(…)ᵀ · X(…), in column chunks. */
function leftMultiplyT(
  k: number, m: number, x: Float64Array, r0: number, c0: number, ldx: number, u: Float64Array, uOff: number, ldu: number, ws: Workspace | null,
): void {
  if (m <= 0 || k <= 0) return;
  const NH = 256;
  const mk = ws?.mark() ?? 0;
  const w = wsAlloc(ws, NH * k, false);
  for (let cc = 0; cc < m; cc += NH) {
    const len = Math.min(NH, m - cc);
    gemmTN(k, len, k, u, uOff, ldu, x, r0 + (c0 + cc) * ldx, ldx, w, 0, k, false, ws);
    for (let j = 0; j < len; j++) {
      const dst = r0 + (c0 + cc + j) * ldx, src = j * k;
      for (let i = 0; i < k; i++) x[dst + i] = w[src + i];
    }
  }
  ws?.release(mk);
}

/**
 * dlaqr3: aggressive early deflation on the trailing nw×nw window of the active block ktop..kbot. Returns the
 * number of undeflated eigenvalues usable as shifts (ns, stored in sr/si[kbot−nd−ns+1 .. kbot−nd]) and the number
 * deflated (nd).
 */
function laqr3(
  wantt: boolean, wantz: boolean, n: number, ktop: number, kbot: number, nw: number, h: Float64Array, ldh: number,
  iloz: number, ihiz: number, z: Float64Array | null, ldz: number, sr: Float64Array, si: Float64Array,
  nested: boolean, signal: Signal | undefined, ws: Workspace | null,
): { ns: number; nd: number } {
  if (ktop > kbot || nw < 1) return { ns: 0, nd: 0 };
  const smlnum = SAFMIN * (n / ULP);
  const jw = Math.min(nw, kbot - ktop + 1);
  const kwtop = kbot - jw + 1;
  let s = kwtop === ktop ? 0 : h[kwtop + (kwtop - 1) * ldh];
  if (kbot === kwtop) {
    // 1×1 window.
    sr[kwtop] = h[kwtop + kwtop * ldh];
    si[kwtop] = 0;
    if (Math.abs(s) <= Math.max(smlnum, ULP * Math.abs(h[kwtop + kwtop * ldh]))) {
      if (kwtop > ktop) h[kwtop + (kwtop - 1) * ldh] = 0;
      return { ns: 0, nd: 1 };
    }
    return { ns: 1, nd: 0 };
  }
  // T = the window (upper triangle and sub-diagonal), V = I (in the WebAssembly memory when active).
  const mk = ws?.mark() ?? 0;
  try {
    return laqr3Window(wantt, wantz, n, ktop, kbot, h, ldh, iloz, ihiz, z, ldz, sr, si, nested, signal, jw, kwtop, s, smlnum, wsAlloc(ws, jw * jw), wsAlloc(ws, jw * jw), ws);
  } finally {
    ws?.release(mk);
  }
}

function laqr3Window(
  wantt: boolean, wantz: boolean, n: number, ktop: number, kbot: number, h: Float64Array, ldh: number,
  iloz: number, ihiz: number, z: Float64Array | null, ldz: number, sr: Float64Array, si: Float64Array,
  nested: boolean, signal: Signal | undefined, jw: number, kwtop: number, s: number, smlnum: number,
  t: Float64Array, v: Float64Array, ws: Workspace | null,
): { ns: number; nd: number } {
  for (let j = 0; j < jw; j++) {
    const src = kwtop + (kwtop + j) * ldh;
    for (let i = 0; i <= Math.min(j + 1, jw - 1); i++) t[i + j * jw] = h[src + i];
    v[j + j * jw] = 1;
  }
  const swr = sr.subarray(kwtop), swi = si.subarray(kwtop);
  const infqr = jw > NMIN && !nested
    ? laqr0(true, true, jw, 0, jw - 1, t, jw, swr, swi, 0, jw - 1, v, jw, signal, true, ACCUMULATE_FROM, ws)
    : lahqr(true, true, jw, 0, jw - 1, t, jw, swr, swi, 0, jw - 1, v, jw, signal, ws);
  // trexc needs a clean margin near the diagonal.
  for (let j = 0; j + 3 < jw; j++) { t[j + 2 + j * jw] = 0; t[j + 3 + j * jw] = 0; }
  if (jw > 2) t[jw - 1 + (jw - 3) * jw] = 0;
  const T = (i: number, j: number) => t[i + j * jw];
  // Deflation detection: ns counts the undeflated eigenvalues (positions 0..ns−1).
  let ns = jw;
  let ilst = infqr;
  while (ilst <= ns - 1) {
    const bulge = ns > 1 && T(ns - 1, ns - 2) !== 0;
    if (!bulge) {
      let foo = Math.abs(T(ns - 1, ns - 1));
      if (foo === 0) foo = Math.abs(s);
      if (Math.abs(s * v[(ns - 1) * jw]) <= Math.max(smlnum, ULP * foo)) {
        ns--;
      } else {
        trexc(t, jw, v, ns - 1, ilst);
        ilst++;
      }
    } else {
      let foo = Math.abs(T(ns - 1, ns - 1)) + Math.sqrt(Math.abs(T(ns - 1, ns - 2))) * Math.sqrt(Math.abs(T(ns - 2, ns - 1)));
      if (foo === 0) foo = Math.abs(s);
      if (Math.max(Math.abs(s * v[(ns - 1) * jw]), Math.abs(s * v[(ns - 2) * jw])) <= Math.max(smlnum, ULP * foo)) {
        ns -= 2;
      } else {
        trexc(t, jw, v, ns - 1, ilst);
        ilst += 2;
      }
    }
  }
  if (ns === 0) s = 0;
  if (ns < jw) {
    // Sort the undeflated diagonal blocks by decreasing |λ| (helps graded matrices); bubble sort copes with
    // rejected swaps.
    let sorted = false;
    let i = ns;
    while (!sorted) {
      sorted = true;
      const kend = i - 1;
      i = infqr;
      let k = i === ns - 1 || T(i + 1, i) === 0 ? i + 1 : i + 2;
      while (k <= kend) {
        const evi = k === i + 1 ? Math.abs(T(i, i)) : Math.abs(T(i, i)) + Math.sqrt(Math.abs(T(i + 1, i))) * Math.sqrt(Math.abs(T(i, i + 1)));
        const evk = k === kend || T(k + 1, k) === 0
          ? Math.abs(T(k, k))
          : Math.abs(T(k, k)) + Math.sqrt(Math.abs(T(k + 1, k))) * Math.sqrt(Math.abs(T(k, k + 1)));
        if (evi >= evk) {
          i = k;
        } else {
          sorted = false;
          const r = trexc(t, jw, v, i, k);
          i = r.ok ? r.row : k;
        }
        k = i === kend || T(i + 1, i) === 0 ? i + 1 : i + 2;
      }
    }
  }
  // Restore the shift / eigenvalue array from T.
  {
    let i = jw - 1;
    while (i >= infqr) {
      if (i === infqr || T(i, i - 1) === 0) {
        sr[kwtop + i] = T(i, i);
        si[kwtop + i] = 0;
        i--;
      } else {
        lv[0] = T(i - 1, i - 1); lv[1] = T(i - 1, i); lv[2] = T(i, i - 1); lv[3] = T(i, i);
        lanv2(lv);
        sr[kwtop + i - 1] = lv[4]; si[kwtop + i - 1] = lv[5]; sr[kwtop + i] = lv[6]; si[kwtop + i] = lv[7];
        i -= 2;
      }
    }
  }
  if (ns < jw || s === 0) {
    const mk = ws?.mark() ?? 0;
    const work = wsAlloc(ws, Math.max(jw, 1));
    const tau = new Float64Array(Math.max(jw, 1));
    if (ns > 1 && s !== 0) {
      // Reflect the spike back into the lower triangle.
      for (let j = 0; j < ns; j++) work[j] = v[j * jw];
      const tt = larfg(ns, work[0], work, 1, 1, outb);
      work[0] = 1;
      for (let j = 0; j < ns - 2; j++) for (let r = j + 2; r < ns; r++) t[r + j * jw] = 0;
      // Left: T(0:ns−1, 0:jw−1); right: T(0:ns−1, 0:ns−1) and V(0:jw−1, 0:ns−1) (the SIMD kernels when in ws).
      larfLeft(ns, jw, work, 0, t, 0, jw, tt, ws);
      const col = wsAlloc(ws, jw);
      larfRight(ns, ns, work, 0, t, 0, jw, tt, col, ws);
      larfRight(jw, ns, work, 0, v, 0, jw, tt, col, ws);
      gehd2(jw, 0, ns - 1, t, jw, tau, wsAlloc(ws, jw), ws);
    }
    // Copy the reduced window into place.
    if (kwtop > 0) h[kwtop + (kwtop - 1) * ldh] = s * v[0];
    for (let j = 0; j < jw; j++) {
      const dst = kwtop + (kwtop + j) * ldh;
      for (let i = 0; i <= Math.min(j + 1, jw - 1); i++) h[dst + i] = t[i + j * jw];
    }
    if (ns > 1 && s !== 0) ormhrRight(jw, 0, ns - 1, t, jw, tau, v, jw, wsAlloc(ws, jw), ws);
    // Update the vertical slab of H above the window, the horizontal slab to its right, and Z.
    const ltop = wantt ? 0 : ktop;
    rightMultiply(kwtop - ltop, jw, h, ltop, kwtop, ldh, v, 0, jw, ws);
    if (wantt) leftMultiplyT(jw, n - 1 - kbot, h, kwtop, kbot + 1, ldh, v, 0, jw, ws);
    if (wantz && z) rightMultiply(ihiz - iloz + 1, jw, z, iloz, kwtop, ldz, v, 0, jw, ws);
    ws?.release(mk);
  }
  return { ns: ns - infqr, nd: jw - ns };
}

/** dlaqr1: a multiple of the first column of (H − s1 I)(H − s2 I) for the n×n (n = 2, 3) block at H(i0, i0). */
function laqr1(n: number, h: Float64Array, ldh: number, i0: number, sr1: number, si1: number, sr2: number, si2: number, v: Float64Array, vo: number): void {
  const b = i0 + i0 * ldh;
  const h11 = h[b], h21 = h[b + 1], h12 = h[b + ldh], h22 = h[b + 1 + ldh];
  if (n === 2) {
    const s = Math.abs(h11 - sr2) + Math.abs(si2) + Math.abs(h21);
    if (s === 0) { v[vo] = 0; v[vo + 1] = 0; return; }
    const h21s = h21 / s;
    v[vo] = h21s * h12 + (h11 - sr1) * ((h11 - sr2) / s) - si1 * (si2 / s);
    v[vo + 1] = h21s * (h11 + h22 - sr1 - sr2);
  } else {
    const h31 = h[b + 2], h13 = h[b + 2 * ldh], h23 = h[b + 1 + 2 * ldh], h32 = h[b + 2 + ldh], h33 = h[b + 2 + 2 * ldh];
    const s = Math.abs(h11 - sr2) + Math.abs(si2) + Math.abs(h21) + Math.abs(h31);
    if (s === 0) { v[vo] = 0; v[vo + 1] = 0; v[vo + 2] = 0; return; }
    const h21s = h21 / s, h31s = h31 / s;
    v[vo] = (h11 - sr1) * ((h11 - sr2) / s) - si1 * (si2 / s) + h12 * h21s + h13 * h31s;
    v[vo + 1] = h21s * (h11 + h22 - sr1 - sr2) + h23 * h31s;
    v[vo + 2] = h31s * (h11 + h33 - sr1 - sr2) + h21s * h32;
  }
}

const vt = new Float64Array(3);
/**
 * dlaqr5: one small-bulge multishift QR sweep with nshfts shifts sr/si[soff..soff+nshfts−1] on the active
 * block ktop..kbot (0-based). With kacc22 ≥ 1 the reflections are accumulated in a small orthogonal U per
 * chunk and applied to the far-from-diagonal parts of H and to Z by matrix-matrix products.
 */
function laqr5(
  wantt: boolean, wantz: boolean, kacc22: number, n: number, ktop0: number, kbot0: number, nshfts: number,
  sr: Float64Array, si: Float64Array, soff: number, h: Float64Array, ldh: number,
  iloz0: number, ihiz0: number, z: Float64Array | null, ldz: number, ws: Workspace | null,
): void {
  const KTOP = ktop0 + 1, KBOT = kbot0 + 1, ILOZ = iloz0 + 1, IHIZ = ihiz0 + 1;
  if (nshfts < 2 || KTOP >= KBOT) return;
  // 1-based accessors: SR(I) = sr[so + I], H(I, J) = h[hb + I + J*ldh].
  const so = soff - 1;
  const hb = -1 - ldh;
  const zb = -1 - ldz;
  // Shuffle shifts into pairs of real shifts and pairs of complex conjugate shifts.
  for (let I = 1; I <= nshfts - 2; I += 2) {
    if (si[so + I] !== -si[so + I + 1]) {
      let sw = sr[so + I]; sr[so + I] = sr[so + I + 1]; sr[so + I + 1] = sr[so + I + 2]; sr[so + I + 2] = sw;
      sw = si[so + I]; si[so + I] = si[so + I + 1]; si[so + I + 1] = si[so + I + 2]; si[so + I + 2] = sw;
    }
  }
  const NS = nshfts - (nshfts % 2);
  const smlnum = SAFMIN * (n / ULP);
  const accum = kacc22 >= 1;
  if (KTOP + 2 <= KBOT) h[hb + KTOP + 2 + KTOP * ldh] = 0;
  const NBMPS = NS / 2;
  const KDU = 6 * NBMPS - 3;
  // V(r, M) = vv[(r−1) + (M−1)*3]; U(I, J) = u[ub + I + J*KDU].
  const mk = ws?.mark() ?? 0;
  const vv = wsAlloc(ws, 3 * (NBMPS + 1));
  const kw = ws?.k ?? null;
  const ih = ws ? ws.index(h) : -1;
  const iz = ws && z ? ws.index(z) : -1;
  const ivv = ws ? ws.index(vv) : -1;
  const wasmLeft = kw !== null && ih >= 0 && ivv >= 0;
  const u = accum ? wsAlloc(ws, KDU * KDU) : new Float64Array(0);
  const iu = accum && ws ? ws.index(u) : -1;
  const ub = -1 - KDU;

  for (let INCOL = 3 * (1 - NBMPS) + KTOP - 1; INCOL <= KBOT - 2; INCOL += 3 * NBMPS - 2) {
    const NDCOL = INCOL + KDU;
    if (accum) {
      u.fill(0);
      for (let i = 0; i < KDU; i++) u[i + i * KDU] = 1;
    }
    const krEnd = Math.min(INCOL + 3 * NBMPS - 3, KBOT - 2);
    for (let KRCOL = INCOL; KRCOL <= krEnd; KRCOL++) {
      const MTOP = Math.max(1, Math.trunc((KTOP - 1 - KRCOL + 2) / 3) + 1);
      const MBOT = Math.min(NBMPS, Math.trunc((KBOT - KRCOL) / 3));
      const M22 = MBOT + 1;
      const BMP22 = MBOT < NBMPS && KRCOL + 3 * (M22 - 1) === KBOT - 2;
      // Generate reflections to chase the chain right one column.
      for (let M = MTOP; M <= MBOT; M++) {
        const K = KRCOL + 3 * (M - 1);
        const vo = (M - 1) * 3;
        if (K === KTOP - 1) {
          laqr1(3, h, ldh, KTOP - 1, sr[so + 2 * M - 1], si[so + 2 * M - 1], sr[so + 2 * M], si[so + 2 * M], vv, vo);
          vv[vo] = larfg(3, vv[vo], vv, vo + 1, 1, outb);
        } else {
          const beta0 = h[hb + K + 1 + K * ldh];
          vv[vo + 1] = h[hb + K + 2 + K * ldh];
          vv[vo + 2] = h[hb + K + 3 + K * ldh];
          vv[vo] = larfg(3, beta0, vv, vo + 1, 1, outb);
          const beta = outb[0];
          if (h[hb + K + 3 + K * ldh] !== 0 || h[hb + K + 3 + (K + 1) * ldh] !== 0 || h[hb + K + 3 + (K + 2) * ldh] === 0) {
            // Typical case: not collapsed (yet).
            h[hb + K + 1 + K * ldh] = beta;
            h[hb + K + 2 + K * ldh] = 0;
            h[hb + K + 3 + K * ldh] = 0;
          } else {
            // Collapsed bulge: try to reintroduce it, ignoring H(K+1,K) and H(K+2,K).
            laqr1(3, h, ldh, K, sr[so + 2 * M - 1], si[so + 2 * M - 1], sr[so + 2 * M], si[so + 2 * M], vt, 0);
            vt[0] = larfg(3, vt[0], vt, 1, 1, outb);
            const refsum = vt[0] * (h[hb + K + 1 + K * ldh] + vt[1] * h[hb + K + 2 + K * ldh]);
            if (Math.abs(h[hb + K + 2 + K * ldh] - refsum * vt[1]) + Math.abs(refsum * vt[2]) >
              ULP * (Math.abs(h[hb + K + K * ldh]) + Math.abs(h[hb + K + 1 + (K + 1) * ldh]) + Math.abs(h[hb + K + 2 + (K + 2) * ldh]))) {
              h[hb + K + 1 + K * ldh] = beta;
              h[hb + K + 2 + K * ldh] = 0;
              h[hb + K + 3 + K * ldh] = 0;
            } else {
              h[hb + K + 1 + K * ldh] -= refsum;
              h[hb + K + 2 + K * ldh] = 0;
              h[hb + K + 3 + K * ldh] = 0;
              vv[vo] = vt[0]; vv[vo + 1] = vt[1]; vv[vo + 2] = vt[2];
            }
          }
        }
      }
      // A 2×2 reflection at the bottom, if needed.
      if (BMP22) {
        const K = KRCOL + 3 * (M22 - 1);
        const vo = (M22 - 1) * 3;
        if (K === KTOP - 1) {
          laqr1(2, h, ldh, K, sr[so + 2 * M22 - 1], si[so + 2 * M22 - 1], sr[so + 2 * M22], si[so + 2 * M22], vv, vo);
          vv[vo] = larfg(2, vv[vo], vv, vo + 1, 1, outb);
        } else {
          const beta0 = h[hb + K + 1 + K * ldh];
          vv[vo + 1] = h[hb + K + 2 + K * ldh];
          vv[vo] = larfg(2, beta0, vv, vo + 1, 1, outb);
          h[hb + K + 1 + K * ldh] = outb[0];
          h[hb + K + 2 + K * ldh] = 0;
        }
      }
      // Multiply H by the reflections from the left.
      const JBOT = accum ? Math.min(NDCOL, KBOT) : wantt ? n : KBOT;
      if (wasmLeft && kw !== null) kw.laqr5Left(ih + hb, ldh, KRCOL, MTOP, MBOT, Math.max(KTOP, KRCOL), JBOT, ivv);
      else for (let J = Math.max(KTOP, KRCOL); J <= JBOT; J++) {
        const MEND = Math.min(MBOT, Math.trunc((J - KRCOL + 2) / 3));
        const cj = hb + J * ldh;
        for (let M = MTOP; M <= MEND; M++) {
          const K = KRCOL + 3 * (M - 1);
          const vo = (M - 1) * 3;
          const v1 = vv[vo], v2 = vv[vo + 1], v3 = vv[vo + 2];
          const p = cj + K + 1;
          const refsum = v1 * (h[p] + v2 * h[p + 1] + v3 * h[p + 2]);
          h[p] -= refsum;
          h[p + 1] -= refsum * v2;
          h[p + 2] -= refsum * v3;
        }
      }
      if (BMP22) {
        const K = KRCOL + 3 * (M22 - 1);
        const vo = (M22 - 1) * 3;
        const v1 = vv[vo], v2 = vv[vo + 1];
        for (let J = Math.max(K + 1, KTOP); J <= JBOT; J++) {
          const p = hb + K + 1 + J * ldh;
          const refsum = v1 * (h[p] + v2 * h[p + 1]);
          h[p] -= refsum;
          h[p + 1] -= refsum * v2;
        }
      }
      // Multiply H by the reflections from the right (the last row of each bulge is filled in after the
      // vigilant deflation check).
      const JTOP = accum ? Math.max(KTOP, INCOL) : wantt ? 1 : KTOP;
      for (let M = MTOP; M <= MBOT; M++) {
        const vo = (M - 1) * 3;
        const v1 = vv[vo];
        if (v1 === 0) continue;
        const v2 = vv[vo + 1], v3 = vv[vo + 2];
        const K = KRCOL + 3 * (M - 1);
        const c1 = hb + (K + 1) * ldh, c2 = c1 + ldh, c3 = c2 + ldh;
        const jend = Math.min(KBOT, K + 3);
        if (ih >= 0 && kw !== null) {
          if (jend >= JTOP) kw.refCols3(ih + c1 + JTOP, ih + c2 + JTOP, ih + c3 + JTOP, jend - JTOP + 1, v2, v3, v1, 1, v2, v3);
        } else for (let J = JTOP; J <= jend; J++) {
          const refsum = v1 * (h[c1 + J] + v2 * h[c2 + J] + v3 * h[c3 + J]);
          h[c1 + J] -= refsum;
          h[c2 + J] -= refsum * v2;
          h[c3 + J] -= refsum * v3;
        }
        if (accum) {
          const KMS = K - INCOL;
          const d1 = ub + (KMS + 1) * KDU, d2 = d1 + KDU, d3 = d2 + KDU;
          const J0 = Math.max(1, KTOP - INCOL);
          if (iu >= 0 && kw !== null) kw.refCols3(iu + d1 + J0, iu + d2 + J0, iu + d3 + J0, KDU - J0 + 1, v2, v3, v1, 1, v2, v3);
          else for (let J = J0; J <= KDU; J++) {
            const refsum = v1 * (u[d1 + J] + v2 * u[d2 + J] + v3 * u[d3 + J]);
            u[d1 + J] -= refsum;
            u[d2 + J] -= refsum * v2;
            u[d3 + J] -= refsum * v3;
          }
        } else if (wantz && z && iz >= 0 && kw !== null) {
          const d1 = iz + zb + (K + 1) * ldz, d2 = d1 + ldz, d3 = d2 + ldz;
          if (IHIZ >= ILOZ) kw.refCols3(d1 + ILOZ, d2 + ILOZ, d3 + ILOZ, IHIZ - ILOZ + 1, v2, v3, v1, 1, v2, v3);
        } else if (wantz && z) {
          const d1 = zb + (K + 1) * ldz, d2 = d1 + ldz, d3 = d2 + ldz;
          for (let J = ILOZ; J <= IHIZ; J++) {
            const refsum = v1 * (z[d1 + J] + v2 * z[d2 + J] + v3 * z[d3 + J]);
            z[d1 + J] -= refsum;
            z[d2 + J] -= refsum * v2;
            z[d3 + J] -= refsum * v3;
          }
        }
      }
      if (BMP22) {
        const K = KRCOL + 3 * (M22 - 1);
        const vo = (M22 - 1) * 3;
        const v1 = vv[vo], v2 = vv[vo + 1];
        if (v1 !== 0) {
          const c1 = hb + (K + 1) * ldh, c2 = c1 + ldh;
          const jend = Math.min(KBOT, K + 3);
          for (let J = JTOP; J <= jend; J++) {
            const refsum = v1 * (h[c1 + J] + v2 * h[c2 + J]);
            h[c1 + J] -= refsum;
            h[c2 + J] -= refsum * v2;
          }
          if (accum) {
            const KMS = K - INCOL;
            const d1 = ub + (KMS + 1) * KDU, d2 = d1 + KDU;
            for (let J = Math.max(1, KTOP - INCOL); J <= KDU; J++) {
              const refsum = v1 * (u[d1 + J] + v2 * u[d2 + J]);
              u[d1 + J] -= refsum;
              u[d2 + J] -= refsum * v2;
            }
          } else if (wantz && z) {
            const d1 = zb + (K + 1) * ldz, d2 = d1 + ldz;
            for (let J = ILOZ; J <= IHIZ; J++) {
              const refsum = v1 * (z[d1 + J] + v2 * z[d2 + J]);
              z[d1 + J] -= refsum;
              z[d2 + J] -= refsum * v2;
            }
          }
        }
      }
      // Vigilant deflation check.
      let MSTART = MTOP;
      if (KRCOL + 3 * (MSTART - 1) < KTOP) MSTART++;
      let MEND = MBOT;
      if (BMP22) MEND++;
      if (KRCOL === KBOT - 2) MEND++;
      for (let M = MSTART; M <= MEND; M++) {
        const K = Math.min(KBOT - 1, KRCOL + 3 * (M - 1));
        const hk1k = h[hb + K + 1 + K * ldh];
        if (hk1k === 0) continue;
        const hkk = h[hb + K + K * ldh], hk1k1 = h[hb + K + 1 + (K + 1) * ldh];
        let tst1 = Math.abs(hkk) + Math.abs(hk1k1);
        if (tst1 === 0) {
          if (K >= KTOP + 1) tst1 += Math.abs(h[hb + K + (K - 1) * ldh]);
          if (K >= KTOP + 2) tst1 += Math.abs(h[hb + K + (K - 2) * ldh]);
          if (K >= KTOP + 3) tst1 += Math.abs(h[hb + K + (K - 3) * ldh]);
          if (K <= KBOT - 2) tst1 += Math.abs(h[hb + K + 2 + (K + 1) * ldh]);
          if (K <= KBOT - 3) tst1 += Math.abs(h[hb + K + 3 + (K + 1) * ldh]);
          if (K <= KBOT - 4) tst1 += Math.abs(h[hb + K + 4 + (K + 1) * ldh]);
        }
        if (Math.abs(hk1k) <= Math.max(smlnum, ULP * tst1)) {
          const hkk1 = h[hb + K + (K + 1) * ldh];
          const h12 = Math.max(Math.abs(hk1k), Math.abs(hkk1));
          const h21 = Math.min(Math.abs(hk1k), Math.abs(hkk1));
          const h11 = Math.max(Math.abs(hk1k1), Math.abs(hkk - hk1k1));
          const h22 = Math.min(Math.abs(hk1k1), Math.abs(hkk - hk1k1));
          const scl = h11 + h12;
          const tst2 = h22 * (h11 / scl);
          if (tst2 === 0 || h21 * (h12 / scl) <= Math.max(smlnum, ULP * tst2)) h[hb + K + 1 + K * ldh] = 0;
        }
      }
      // Fill in the last row of each bulge.
      const MEND2 = Math.min(NBMPS, Math.trunc((KBOT - KRCOL - 1) / 3));
      for (let M = MTOP; M <= MEND2; M++) {
        const K = KRCOL + 3 * (M - 1);
        const vo = (M - 1) * 3;
        const refsum = vv[vo] * vv[vo + 2] * h[hb + K + 4 + (K + 3) * ldh];
        h[hb + K + 4 + (K + 1) * ldh] = -refsum;
        h[hb + K + 4 + (K + 2) * ldh] = -refsum * vv[vo + 1];
        h[hb + K + 4 + (K + 3) * ldh] -= refsum * vv[vo + 2];
      }
    }
    // Use U to update the far-from-diagonal entries of H, and Z.
    if (accum) {
      const JTOP = wantt ? 1 : KTOP;
      const JBOT = wantt ? n : KBOT;
      const K1 = Math.max(1, KTOP - INCOL);
      const NU = KDU - Math.max(0, NDCOL - KBOT) - K1 + 1;
      const uOff = ub + K1 + K1 * KDU;
      // Horizontal: H(INCOL+K1 : INCOL+K1+NU−1, min(NDCOL,KBOT)+1 : JBOT) ← Uᵀ · H(…)
      const jcol = Math.min(NDCOL, KBOT) + 1;
      leftMultiplyT(NU, JBOT - jcol + 1, h, INCOL + K1 - 1, jcol - 1, ldh, u, uOff, KDU, ws);
      // Vertical: H(JTOP : max(KTOP,INCOL)−1, INCOL+K1 : …) ← H(…) · U
      const rend = Math.max(KTOP, INCOL) - 1;
      rightMultiply(rend - JTOP + 1, NU, h, JTOP - 1, INCOL + K1 - 1, ldh, u, uOff, KDU, ws);
      if (wantz && z) rightMultiply(IHIZ - ILOZ + 1, NU, z, ILOZ - 1, INCOL + K1 - 1, ldz, u, uOff, KDU, ws);
    }
  }
  ws?.release(mk);
}
