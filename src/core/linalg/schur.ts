/**
 * Real Schur decomposition W = Z T Zᵀ (LAPACK dgees without balancing), its reordering (dtrexc/dtrsen) and the
 * eigenvalue condition numbers (dtrsna). Pure TypeScript, no dependencies.
 *
 * Pipeline: Householder reduction to Hessenberg form (hessenberg.ts), Francis double-shift QR with the
 * Ahues–Kressner deflation test, exceptional shifts and 2×2 blocks standardised by dlanv2 (hqr.ts), adjacent
 * block swaps with LAPACK's stability test (reorder.ts). Internally column-major; the API is row-major.
 * The hot loops (reflector applications of the sweeps, GEMM, the Hessenberg panels' matrix-vector and rank-k
 * updates) run as WebAssembly SIMD kernels on matrices held in a workspace's memory (wasm/kernels.ts); the
 * TypeScript loops remain the fallback (RECURRENT_LENS_NO_WASM=1, or no WebAssembly SIMD).
 */
import { hessenbergQ, hessenbergReduce } from './hessenberg';
import { lahqr, lanv2, SAFMIN, ULP } from './hqr';
import { CancelledError, type Signal } from '../cancel';
import { trexc } from './reorder';
import { ACCUMULATE_FROM, laqr0 } from './laqr';
import { complexTriangular, triangularConditions } from './complexSchur';
import { openWorkspace, paddedLd, Workspace, wsAlloc } from './wasm/kernels';
import { transposeInto } from '../recurrent';


export type SchurOrder = 'none' | 'modulus-desc' | 'modulus-asc' | 'real-desc';

/**
 * W = Z T Zᵀ. T and Z are row-major n×n; T is quasi-upper-triangular with exact zeros below the sub-diagonal,
 * 1×1 blocks for real eigenvalues and standardised 2×2 blocks [a b; c a] (b·c < 0) for complex pairs.
 * wr/wi are the eigenvalues in T's diagonal order, complex pairs adjacent with wi > 0 first.
 * Z is empty (length 0) when computed with wantZ: false.
 */
export interface RealSchur {
  n: number;
  T: Float64Array;
  Z: Float64Array;
  wr: Float64Array;
  wi: Float64Array;
  order: SchurOrder;
}

/** The QR iteration did not converge within its iteration limit (30·max(10, n) sweeps per eigenvalue block). */
export class NotConvergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotConvergedError';
  }
}

/** Row-major n×n → column-major copy (a transpose). */
function toColMajor(A: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  transposeInto(A, n, n, n, out, n);
  return out;
}

/** Column-major n×n with leading dimension ld → row-major copy. */
function toRowMajorLd(A: Float64Array, n: number, ld: number): Float64Array {
  const out = new Float64Array(n * n);
  transposeInto(A, n, n, ld, out, n);
  return out;
}

/** Column-major n×n → row-major copy. */
function toRowMajor(A: Float64Array, n: number): Float64Array {
  return toColMajor(A, n); // a transpose either way
}

/**
 * Real Schur form of the row-major n×n matrix A (not modified).
 * @throws Error('matrix has NaN or Inf entries'), NotConvergedError, CancelledError when signal.aborted is set.
 */
export function realSchur(
  A: Float64Array, n: number,
  opts?: { wantZ?: boolean; signal?: Signal; /** work in this workspace (the caller closes it) instead of opening one */ workspace?: Workspace | null },
): RealSchur {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`realSchur: bad order ${n}`);
  if (A.length < n * n) throw new RangeError(`realSchur: ${A.length} entries for a ${n}×${n} matrix`);
  const wantZ = opts?.wantZ ?? true;
  const signal: Signal | undefined = opts?.signal;
  let anrm = 0;
  for (let k = 0; k < n * n; k++) {
    const v = A[k];
    if (!Number.isFinite(v)) throw new Error('matrix has NaN or Inf entries');
    const a = Math.abs(v);
    if (a > anrm) anrm = a;
  }
  const wr = new Float64Array(n), wi = new Float64Array(n);
  if (n === 0) return { n, T: new Float64Array(0), Z: new Float64Array(0), wr, wi, order: 'none' };

  // With the WebAssembly kernels the working matrices live in the module's memory (copied in here, out at the
  // end): room for H, Z, the AED windows (≤ 2·(n/3)² with nesting) and the panels' scratch.
  if (opts?.workspace !== undefined) return schurInPlace(A, n, anrm, wantZ, wr, wi, signal, opts.workspace);
  const ws = openWorkspace(2 * paddedLd(n) * n + Math.ceil((n * n) / 3) + 1024 * n + (1 << 17));
  try {
    return schurInPlace(A, n, anrm, wantZ, wr, wi, signal, ws);
  } finally {
    ws?.close();
  }
}

function schurInPlace(
  A: Float64Array, n: number, anrm: number, wantZ: boolean, wr: Float64Array, wi: Float64Array, signal: Signal | undefined,
  ws: Workspace | null,
): RealSchur {
  // Column-major with a padded leading dimension (columns an odd number of cache lines apart; see paddedLd).
  const ld = paddedLd(n);
  const h = wsAlloc(ws, ld * n);
  transposeInto(A, n, n, n, h, ld);
  // Scale by a power of two (exactly undone afterwards) if the entries are outside [smlnum, bignum] (as dgees).
  const smlnum = Math.sqrt(SAFMIN) / ULP, bignum = 1 / smlnum;
  let scale = 1;
  if (anrm > 0 && anrm < smlnum) scale = Math.pow(2, Math.ceil(Math.log2(smlnum / anrm)));
  else if (anrm > bignum) scale = Math.pow(2, -Math.ceil(Math.log2(anrm / bignum)));
  if (scale !== 1) for (let k = 0; k < ld * n; k++) h[k] *= scale;

  if (signal?.aborted) throw new CancelledError();
  const tau = wsAlloc(ws, Math.max(n - 1, 1));
  hessenbergReduce(h, n, ld, tau, ws);
  let z: Float64Array | null = null;
  if (wantZ) {
    z = wsAlloc(ws, ld * n);
    hessenbergQ(h, n, ld, tau, z, ws);
  }
  // Clear the reflectors below the sub-diagonal.
  for (let j = 0; j < n; j++) for (let i = j + 2; i < n; i++) h[i + j * ld] = 0;
  if (signal?.aborted) throw new CancelledError();
  const info = hseqr(wantZ, n, ld, h, wr, wi, z, signal, ws);
  if (info !== 0) {
    throw new NotConvergedError(`real Schur form: the QR iteration did not converge (${info} of ${n} eigenvalues left)`);
  }
  for (let j = 0; j < n; j++) for (let i = j + 2; i < n; i++) h[i + j * ld] = 0;
  if (scale !== 1) {
    const inv = 1 / scale;
    for (let k = 0; k < ld * n; k++) h[k] *= inv;
    for (let k = 0; k < n; k++) { wr[k] *= inv; wi[k] *= inv; }
  }
  return { n, T: toRowMajorLd(h, n, ld), Z: z ? toRowMajorLd(z, n, ld) : new Float64Array(0), wr, wi, order: 'none' };
}

const lv = new Float64Array(10);

/** dhseqr: double-shift QR (dlahqr) for small matrices, multishift QR with aggressive early deflation above. */
function hseqr(
  wantZ: boolean, n: number, ld: number, h: Float64Array, wr: Float64Array, wi: Float64Array, z: Float64Array | null, signal: Signal | undefined,
  ws: Workspace | null,
): number {
  if (n > (ws && ws.index(h) >= 0 ? HSEQR_NMIN_WASM : HSEQR_NMIN)) return laqr0(true, wantZ, n, 0, n - 1, h, ld, wr, wi, 0, n - 1, z, ld, signal, false, ACCUMULATE_FROM, ws);
  const info = lahqr(true, wantZ, n, 0, n - 1, h, ld, wr, wi, 0, n - 1, z, ld, signal, ws);
  // A rare dlahqr failure: the multishift code sometimes succeeds where it fails (as dhseqr does).
  if (info > 0 && n > 15) return laqr0(true, wantZ, n, 0, info - 1, h, ld, wr, wi, 0, n - 1, z, ld, signal, false, ACCUMULATE_FROM, ws);
  return info;
}
/**
 * Crossover to the multishift code. LAPACK uses 75; in JavaScript the double-shift code's simple loops stay
 * faster up to about 160 (measured: 6.6 vs 7.7 ms at n = 100, 21.9 vs 23.0 at 150, 50 vs 44 at 200).
 */
const HSEQR_NMIN = 160;
/** The same with the WebAssembly kernels (H in its memory): 17.8 vs 21.4 ms at n = 200, 37 vs 36 at 256. */
const HSEQR_NMIN_WASM = 224;

/** Eigenvalues of T's diagonal blocks (row-major T), in diagonal order, complex pairs with wi > 0 first. */
function blockEigenvalues(T: Float64Array, n: number, wr: Float64Array, wi: Float64Array, from = 0): void {
  for (let k = from; k < n; k++) {
    if (k + 1 < n && T[(k + 1) * n + k] !== 0) {
      lv[0] = T[k * n + k]; lv[1] = T[k * n + k + 1]; lv[2] = T[(k + 1) * n + k]; lv[3] = T[(k + 1) * n + k + 1];
      lanv2(lv);
      wr[k] = lv[4]; wr[k + 1] = lv[6];
      wi[k] = Math.abs(lv[5]); wi[k + 1] = -Math.abs(lv[5]);
      k++;
    } else {
      wr[k] = T[k * n + k];
      wi[k] = 0;
    }
  }
}

/** Sort key (smaller first) of an eigenvalue for an ordering. */
function sortKey(order: SchurOrder, re: number, im: number): number {
  switch (order) {
    case 'modulus-desc': return -Math.hypot(re, im);
    case 'modulus-asc': return Math.hypot(re, im);
    case 'real-desc': return -re;
    default: return 0;
  }
}

/**
 * Reorders the Schur form so the eigenvalues appear in the given order along T's diagonal (complex pairs stay
 * together), by adjacent block swaps as LAPACK's dtrexc/dtrsen do: W = Z' T' Z'ᵀ still holds to rounding.
 * Returns a new RealSchur; s is not modified. Keys equal to within a few ulps keep their current relative order.
 * A swap that LAPACK's stability test rejects (blocks with almost equal eigenvalues that are very ill-conditioned)
 * is skipped, so in that rare case the order is not exact.
 */
export function reorderSchur(s: RealSchur, order: SchurOrder): RealSchur {
  const n = s.n;
  const wantZ = s.Z.length === n * n && n > 0;
  if (order === 'none' || n <= 1) {
    return { n, T: s.T.slice(), Z: s.Z.slice(), wr: s.wr.slice(), wi: s.wi.slice(), order };
  }
  const t = toColMajor(s.T, n);
  const q = wantZ ? toColMajor(s.Z, n) : null;
  // Current eigenvalues per position, read from t's blocks (column-major: T(i,j) = t[i + j n]).
  const wr = new Float64Array(n), wi = new Float64Array(n);
  const refresh = (from: number) => {
    for (let k = from; k < n; k++) {
      if (k + 1 < n && t[k + 1 + k * n] !== 0) {
        lv[0] = t[k + k * n]; lv[1] = t[k + (k + 1) * n]; lv[2] = t[k + 1 + k * n]; lv[3] = t[k + 1 + (k + 1) * n];
        lanv2(lv);
        wr[k] = lv[4]; wr[k + 1] = lv[6]; wi[k] = Math.abs(lv[5]); wi[k + 1] = -Math.abs(lv[5]);
        k++;
      } else {
        wr[k] = t[k + k * n]; wi[k] = 0;
      }
    }
  };
  refresh(0);
  let p = 0;
  while (p < n) {
    // Find the best block among positions p..n-1.
    let best = p;
    let bestKey = sortKey(order, wr[p], wi[p]);
    for (let k = p; k < n; k++) {
      const two = k + 1 < n && t[k + 1 + k * n] !== 0;
      const key = sortKey(order, wr[k], wi[k]);
      if (key < bestKey - 4 * ULP * Math.abs(bestKey)) { bestKey = key; best = k; }
      if (two) k++;
    }
    if (best !== p) {
      trexc(t, n, q, best, p);
      refresh(p);
    }
    p += p + 1 < n && t[p + 1 + p * n] !== 0 ? 2 : 1;
  }
  for (let j = 0; j < n; j++) for (let i = j + 2; i < n; i++) t[i + j * n] = 0;
  const T = toRowMajor(t, n);
  const owr = new Float64Array(n), owi = new Float64Array(n);
  blockEigenvalues(T, n, owr, owi);
  return { n, T, Z: q ? toRowMajor(q, n) : new Float64Array(0), wr: owr, wi: owi, order };
}

/**
 * Eigenvalue condition numbers κ_i = 1/s_i (s as in LAPACK dtrsna: |yᴴx|/(‖x‖‖y‖) for the unit right and left
 * eigenvectors), in the order of s.wr/s.wi. κ ≥ 1; κ = 1 for normal matrices; Infinity when s underflows to 0
 * (defective at working precision). An eigenvalue with κ·ulp·‖W‖ comparable to its distance to the others is
 * not meaningful as computed.
 */
export function eigenvalueConditions(s: RealSchur): Float64Array {
  const n = s.n;
  if (n === 0) return new Float64Array(0);
  const U = complexTriangular(s.T, n);
  // A conjugate pair has equal κ: compute the first (wi > 0) and copy to its partner.
  const isSecond = (k: number) => k > 0 && s.T[k * n + k - 1] !== 0;
  const kappa = triangularConditions(U, isSecond);
  for (let k = 1; k < n; k++) if (isSecond(k)) kappa[k] = kappa[k - 1];
  return kappa;
}
