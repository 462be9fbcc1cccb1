import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmulABt, solveLowerRows } from '../../src/core/linalg/dense';
import { stackedQR, stackedQRWork } from '../../src/core/linalg/steinFactor';
import { openWorkspace, paddedLd, setWasmEnabled } from '../../src/core/linalg/wasm/kernels';
import { Rng } from '../../src/core/init/rng';

/** m×k matrix with A[i][p] = 0 for p < i − lower or p > i + upper. */
function banded(m: number, k: number, lower: number, upper: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const A = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let p = Math.max(0, i - lower); p < Math.min(k, i + upper + 1); p++) A[i * k + p] = r.normal();
  return A;
}

function naive(A: Float64Array, Bt: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += A[i * k + p] * Bt[j * k + p];
    C[i * n + j] = s;
  }
  return C;
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('matmulABt with declared bands equals the dense product on both paths (blocks that the band empties are zero)', () => {
  const m = 300, k = 290, n = 310; // above the wasm threshold, several 128-blocks, ragged edges
  const cases = [
    { aLower: 0, btLower: 1, btUpper: k }, // triangular × quasi-triangular (the graded memory products)
    { aLower: 1, btLower: k, btUpper: 1 }, // Hessenberg square
    { aLower: 5, btLower: 3, btUpper: 7 },
  ];
  for (const wasm of [true, false]) {
    setWasmEnabled(wasm);
    try {
      for (const band of cases) {
        const A = banded(m, k, band.aLower, k, 1);
        const Bt = banded(n, k, band.btLower, band.btUpper, 2);
        const ref = naive(A, Bt, m, k, n);
        const out = new Float64Array(m * n).fill(Number.NaN); // every entry must be written
        matmulABt(A, Bt, m, k, n, false, out, false, band);
        assert.ok(maxDiff(out, ref) < 1e-12, `wasm=${wasm} ${JSON.stringify(band)}: ${maxDiff(out, ref)}`);
        const acc = new Float64Array(m * n).fill(1);
        matmulABt(A, Bt, m, k, n, false, acc, true, band);
        assert.ok(maxDiff(acc, ref.map((x) => x + 1)) < 1e-12, `wasm=${wasm} accumulate ${JSON.stringify(band)}`);
      }
      // Symmetric: A·Aᵀ of a banded A, only the upper blocks computed, the rest mirrored.
      const A = banded(m, k, 2, k, 3);
      const S = matmulABt(A, A, m, k, m, true, undefined, false, { aLower: 2, btLower: 2 });
      const ref = naive(A, A, m, k, m);
      assert.ok(maxDiff(S, ref) < 1e-12, `wasm=${wasm} symmetric`);
      for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) assert.equal(S[i * m + j], S[j * m + i]);
    } finally {
      setWasmEnabled(true);
    }
  }
});

test('stackedQR: R factor of [T ; B] with RᵀR = TᵀT + BᵀB, on both paths (blocked panels and the unblocked tail)', () => {
  for (const n of [5, 70, 150]) {
    const r = new Rng(n);
    const T0 = new Float64Array(n * n), B0 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (j >= i) T0[i * n + j] = r.normal();
      B0[i * n + j] = r.normal() * 10;
    }
    const gram = (X: Float64Array) => naive(transposeOf(X, n), transposeOf(X, n), n, n, n); // XᵀX
    const want = gram(T0).map((x, i) => x + gram(B0)[i]);
    let scale = 0;
    for (const x of want) scale = Math.max(scale, Math.abs(x));
    for (const wasm of [true, false]) {
      setWasmEnabled(wasm);
      try {
        const T = T0.slice(), B = B0.slice();
        stackedQR(T, B, n, stackedQRWork(n));
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(T[i * n + j], 0);
        const got = gram(T);
        assert.ok(maxDiff(got, want) < 1e-13 * scale * n, `n=${n} wasm=${wasm}: ${maxDiff(got, want)} (scale ${scale})`);
      } finally {
        setWasmEnabled(true);
      }
    }
  }
});

function transposeOf(X: Float64Array, n: number): Float64Array {
  const Y = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Y[j * n + i] = X[i * n + j];
  return Y;
}

test('solveLowerRows: the blocked solve in a workspace equals the row-by-row solve', () => {
  const n = 200, count = 37;
  const r = new Rng(9);
  const ws = openWorkspace(n * n + count * n + paddedLd(64) * n + 256);
  assert.ok(ws, 'a workspace');
  try {
    const L = ws.alloc(n * n), X = ws.alloc(count * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) L[i * n + j] = r.normal() * 0.1;
      L[i * n + i] = 1 + Math.abs(r.normal());
    }
    for (let i = 0; i < count * n; i++) X[i] = r.normal();
    const plain = X.slice();
    solveLowerRows(L.slice(), n, plain, count);
    const B = X.slice();
    solveLowerRows(L, n, X, count, ws);
    assert.ok(maxDiff(X, plain) < 1e-12, `${maxDiff(X, plain)}`);
    // and it solves: L·x = b
    for (let q = 0; q < count; q++) for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += L[i * n + j] * X[q * n + j];
      assert.ok(Math.abs(s - B[q * n + i]) < 1e-12, `rhs ${q} row ${i}`);
    }
  } finally {
    ws.close();
  }
});
