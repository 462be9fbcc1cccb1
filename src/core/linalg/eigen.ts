/**
 * Eigenvalues of a real square matrix (LAPACK dgeev without vectors): the real Schur form without Schur vectors.
 * For strongly non-normal matrices pair them with eigenvalueConditions (schur.ts) or a pseudospectrum: the
 * computed eigenvalues can be far from the exact ones.
 */
import { realSchur } from './schur';
import type { Signal } from '../cancel';

export interface Eigenvalues {
  /** Real and imaginary parts in the Schur form's diagonal order; complex pairs adjacent, wi > 0 first. */
  wr: Float64Array;
  wi: Float64Array;
}

/** Eigenvalues of the row-major n×n matrix A. Throws like realSchur (NaN/Inf, non-convergence, abort). */
export function eigenvalues(A: Float64Array, n: number, opts?: { signal?: Signal }): Eigenvalues {
  const s = realSchur(A, n, { wantZ: false, signal: opts?.signal });
  return { wr: s.wr, wi: s.wi };
}

/** max |λ| (0 for an empty spectrum). */
export function spectralRadius(e: Eigenvalues): number {
  let r = 0;
  for (let k = 0; k < e.wr.length; k++) r = Math.max(r, Math.hypot(e.wr[k], e.wi[k]));
  return r;
}
