/**
 * Transient amplification ("signal propagation", docs/science.md §3): ‖W^k v‖ for k = 0 … kMax.
 * For a chain with α = 1.02 and v = e_1 this grows as α^k up to k = N−1 and is exactly 0 from k = N on;
 * for λQ (Q orthogonal) it decays as λ^k·‖v‖.
 *
 * Computed by repeated products u ← W u (so a sparse W keeps its exact structure, and the zeros of a nilpotent
 * W are exact zeros), on the GEMM stack's gemvT (rowMajorOperator, src/core/linalg/gemm.ts: the wasm SIMD kernel
 * with W in a workspace) — 2N products at N = 1024 take ~0.35 s instead of ~2.6 s. v is used as given: pass a unit
 * vector (inputVector returns one) to read the curve as the amplification of a unit input. Once W^k v is exactly 0 the rest is 0; once its norm overflows the rest is
 * Infinity (never NaN).
 */
import { norm2 } from '../linalg/dense';
import { rowMajorOperator } from '../linalg/gemm';
import { withWorkspace } from '../linalg/wasm/kernels';
import { CancelledError, type Signal } from '../cancel';

export function transientNorms(W: Float64Array, n: number, v: ArrayLike<number>, kMax: number, opts: { signal?: Signal } = {}): Float64Array {
  if (!Number.isInteger(n) || n < 1 || W.length < n * n) throw new RangeError(`transientNorms: need an N×N matrix (N = ${n})`);
  if (v.length !== n) throw new RangeError(`transientNorms: vector has ${v.length} entries, expected ${n}`);
  if (!Number.isInteger(kMax) || kMax < 0) throw new RangeError(`transientNorms: kMax must be a non-negative integer, got ${kMax}`);
  const out = new Float64Array(kMax + 1);
  if (kMax === 0) {
    out[0] = norm2(v);
    return out;
  }
  return withWorkspace(n * n + 2 * n + 32, (ws) => {
    const op = rowMajorOperator(W, n, ws);
    let u = op.vector();
    let next = op.vector();
    for (let i = 0; i < n; i++) u[i] = v[i];
    for (let k = 0; k <= kMax; k++) {
      const nu = norm2(u);
      out[k] = nu;
      if (nu === 0) break; // the rest stays 0
      if (!Number.isFinite(nu)) {
        out.fill(Infinity, k);
        break;
      }
      if (k === kMax) break;
      if ((k & 255) === 255 && opts.signal?.aborted) throw new CancelledError();
      op.apply(u, next);
      const t = u;
      u = next;
      next = t;
    }
    return out;
  });
}
