/**
 * Small dense matrix-multiply kernels for the blocked Hessenberg reduction and the multishift QR
 * (column-major, explicit offsets and leading dimensions, like BLAS dgemm). Register-blocked 4×2 inner
 * kernels over contiguous columns: the only form a JavaScript JIT runs near its scalar peak. When all three
 * matrices are views of the workspace ws (wasm/kernels.ts) the f64x2 SIMD kernels of asm/kernels.ts run instead;
 * the TypeScript loops are the tests' oracle.
 */
import { paddedLd, Workspace, wsAlloc } from './wasm/kernels';

/**
 * C(i, j) (+)= Σ_l A(l, i) · B(l, j) for i < m, j < n, l < k — C = AᵀB, where A(l, i) = A[aOff + l + i·lda],
 * B(l, j) = B[bOff + l + j·ldb], C(i, j) = C[cOff + i + j·ldc]. With accumulate = false C is overwritten.
 */
export function gemmTN(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
  accumulate: boolean,
  ws: Workspace | null = null,
): void {
  if (m <= 0 || n <= 0) return;
  if (ws !== null) {
    const ia = ws.index(A), ib = ws.index(B), ic = ws.index(C);
    if (ia >= 0 && ib >= 0 && ic >= 0) {
      const mk = ws.mark();
      const pack = ws.alloc(Math.max(paddedLd(m) * k, 1), false);
      const ip = ws.index(pack);
      if (ip >= 0) {
        ws.k.gemmTN(m, n, k, ia + aOff, lda, ib + bOff, ldb, ic + cOff, ldc, accumulate ? 1 : 0, ip);
        ws.release(mk);
        return;
      }
      ws.release(mk);
    }
  }
  if (k <= 0) {
    if (!accumulate) for (let j = 0; j < n; j++) C.fill(0, cOff + j * ldc, cOff + j * ldc + m);
    return;
  }
  // Block over i so that the A panel (k × MB) stays in cache while all of B streams past it.
  const MB = Math.max(4, Math.min(m, (((1 << 15) / Math.max(k, 1)) | 0) & ~3) || 4);
  for (let i0 = 0; i0 < m; i0 += MB) {
    const i1 = Math.min(m, i0 + MB);
    let j = 0;
    for (; j + 1 < n; j += 2) {
      const b0 = bOff + j * ldb, b1 = b0 + ldb;
      let i = i0;
      for (; i + 3 < i1; i += 4) {
        const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        let c00 = 0, c10 = 0, c20 = 0, c30 = 0, c01 = 0, c11 = 0, c21 = 0, c31 = 0;
        for (let l = 0; l < k; l++) {
          const x0 = B[b0 + l], x1 = B[b1 + l];
          const y0 = A[a0 + l], y1 = A[a1 + l], y2 = A[a2 + l], y3 = A[a3 + l];
          c00 += y0 * x0; c10 += y1 * x0; c20 += y2 * x0; c30 += y3 * x0;
          c01 += y0 * x1; c11 += y1 * x1; c21 += y2 * x1; c31 += y3 * x1;
        }
        const p0 = cOff + i + j * ldc, p1 = p0 + ldc;
        if (accumulate) {
          C[p0] += c00; C[p0 + 1] += c10; C[p0 + 2] += c20; C[p0 + 3] += c30;
          C[p1] += c01; C[p1 + 1] += c11; C[p1 + 2] += c21; C[p1 + 3] += c31;
        } else {
          C[p0] = c00; C[p0 + 1] = c10; C[p0 + 2] = c20; C[p0 + 3] = c30;
          C[p1] = c01; C[p1 + 1] = c11; C[p1 + 2] = c21; C[p1 + 3] = c31;
        }
      }
      for (; i < i1; i++) {
        const a0 = aOff + i * lda;
        let c0 = 0, c1 = 0;
        for (let l = 0; l < k; l++) { const y = A[a0 + l]; c0 += y * B[b0 + l]; c1 += y * B[b1 + l]; }
        const p0 = cOff + i + j * ldc;
        if (accumulate) { C[p0] += c0; C[p0 + ldc] += c1; } else { C[p0] = c0; C[p0 + ldc] = c1; }
      }
    }
    if (j < n) {
      const b0 = bOff + j * ldb;
      for (let i = i0; i < i1; i++) {
        const a0 = aOff + i * lda;
        let c0 = 0;
        for (let l = 0; l < k; l++) c0 += A[a0 + l] * B[b0 + l];
        const p0 = cOff + i + j * ldc;
        if (accumulate) C[p0] += c0; else C[p0] = c0;
      }
    }
  }
}

/**
 * C (+)= A·B with A(i, l) = A[aOff + i + l·lda] (m × k), B (k × n), C (m × n), all column-major. A is packed
 * transposed in row blocks so the inner products run over contiguous memory (gemmTN).
 */
export function gemmNN(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
  accumulate: boolean,
  ws: Workspace | null = null,
): void {
  if (m <= 0 || n <= 0) return;
  if (ws !== null) {
    const ia = ws.index(A), ib = ws.index(B), ic = ws.index(C);
    if (ia >= 0 && ib >= 0 && ic >= 0) {
      ws.k.gemmNN(m, n, k, ia + aOff, lda, ib + bOff, ldb, ic + cOff, ldc, accumulate ? 1 : 0);
      return;
    }
  }
  const RB = Math.max(4, Math.min(m, (((1 << 15) / Math.max(k, 1)) | 0) & ~3) || 4);
  const P = new Float64Array(RB * k);
  for (let i0 = 0; i0 < m; i0 += RB) {
    const mb = Math.min(RB, m - i0);
    // P(l, i) = A(i0 + i, l), ld k
    for (let l = 0; l < k; l++) {
      const src = aOff + i0 + l * lda;
      for (let i = 0; i < mb; i++) P[l + i * k] = A[src + i];
    }
    gemmTN(mb, n, k, P, 0, k, B, bOff, ldb, C, cOff + i0, ldc, accumulate);
  }
}

/**
 * y[yo + i] += alpha · Σ_l A(i, l) · x[xo + l·incx] for i < m, l < k (A(i, l) = A[aOff + i + l·lda]); the SIMD
 * kernel when A, x and y are views of ws.
 */
export function gemvN(
  m: number, k: number, A: Float64Array, aOff: number, lda: number, x: Float64Array, xo: number, incx: number,
  y: Float64Array, yo: number, alpha: number, ws: Workspace | null = null,
): void {
  if (m <= 0 || k <= 0) return;
  if (ws !== null) {
    const ia = ws.index(A), ix = ws.index(x), iy = ws.index(y);
    if (ia >= 0 && ix >= 0 && iy >= 0) {
      ws.k.gemvN(m, k, ia + aOff, lda, ix + xo, incx, iy + yo, alpha);
      return;
    }
  }
  for (let l = 0; l < k; l++) {
    const f = alpha * x[xo + l * incx];
    if (f === 0) continue;
    const al = aOff + l * lda;
    for (let i = 0; i < m; i++) y[yo + i] += A[al + i] * f;
  }
}

/** y[yo + l·incy] = alpha · Σ_i A(i, l) · x[xo + i] for l < k, i < m (overwrites); the SIMD kernel when resident in ws. */
export function gemvT(
  m: number, k: number, A: Float64Array, aOff: number, lda: number, x: Float64Array, xo: number,
  y: Float64Array, yo: number, incy: number, alpha: number, ws: Workspace | null = null,
): void {
  if (k <= 0) return;
  if (ws !== null) {
    const ia = ws.index(A), ix = ws.index(x), iy = ws.index(y);
    if (ia >= 0 && ix >= 0 && iy >= 0) {
      ws.k.gemvT(m, k, ia + aOff, lda, ix + xo, iy + yo, incy, alpha);
      return;
    }
  }
  for (let l = 0; l < k; l++) {
    const al = aOff + l * lda;
    let s = 0;
    for (let i = 0; i < m; i++) s += A[al + i] * x[xo + i];
    y[yo + l * incy] = alpha * s;
  }
}

/**
 * A row-major N×N matrix W for repeated products y = W x (a power sequence, a network's steps): W copied once into
 * the workspace so gemvT's SIMD kernel runs (row-major W read as column-major is Wᵀ, and W x = (Wᵀ)ᵀ x is dot
 * products down W's contiguous rows), or W itself without one. `vector()` gives x and y vectors in the workspace.
 */
export function rowMajorOperator(W: Float64Array, n: number, ws: Workspace | null): { vector(): Float64Array; apply(x: Float64Array, y: Float64Array): void } {
  let A = W;
  if (ws) {
    A = ws.alloc(n * n, false);
    A.set(W.subarray(0, n * n));
  }
  return {
    vector: () => wsAlloc(ws, n),
    apply: (x, y) => gemvT(n, n, A, 0, n, x, 0, y, 0, 1, 1, ws),
  };
}
