import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { singularValues, sigmaMax, sigmaMin, conditionNumber, bidiagonalSingularValues, bidiagonalQR } from '../../src/core/linalg/svd';
import { dqdsSingularValues } from '../../src/core/linalg/dqds';
import { orthogonal, gaussian } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';
import { matmul, transpose } from '../../src/core/linalg/dense';
import { setWasmEnabled } from '../../src/core/linalg/wasm/kernels';

const FIX = path.join(__dirname, '../../../test/fixtures/analysis');

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, scale: number): number {
  assert.equal(a.length, b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / scale);
  return e;
}

test('diagonal matrix: |d| sorted descending', () => {
  const d = [3, -7, 0.5, 0, 2e-8, -1];
  const n = d.length;
  const A = new Float64Array(n * n);
  d.forEach((v, i) => (A[i * n + i] = v));
  const s = singularValues(A, n, n);
  assert.deepEqual(Array.from(s), [7, 3, 1, 0.5, 2e-8, 0]);
});

test('orthogonal matrices have all singular values 1 (N = 1, 7, 64, 200)', () => {
  for (const n of [1, 7, 64, 200]) {
    const Q = orthogonal(n, 1, new Rng(n));
    const s = singularValues(Q, n, n);
    for (const x of s) assert.ok(Math.abs(x - 1) < 1e-13 * Math.max(1, Math.sqrt(n) / 4), `N=${n}: ${x}`);
  }
});

test('2×2 closed form: [[a, b], [0, c]] and a general 2×2', () => {
  const cases: number[][] = [[3, 4, 5], [1, 1e-9, 1], [1e-3, 1, 1e3], [2, -3, 0]];
  for (const [a, b, c] of cases) {
    // σ_max = (√((a+c)² + b²) + √((a−c)² + b²))/2 and σ_min = |ac|/σ_max, both free of cancellation.
    const smax = (Math.hypot(a + c, b) + Math.hypot(a - c, b)) / 2;
    const smin = smax === 0 ? 0 : Math.abs(a * c) / smax;
    const s = singularValues(Float64Array.of(a, b, 0, c), 2, 2);
    assert.ok(Math.abs(s[0] - smax) <= 1e-15 * smax, `${a},${b},${c}: σmax ${s[0]} vs ${smax}`);
    assert.ok(Math.abs(s[1] - smin) <= 1e-14 * smax, `${a},${b},${c}: σmin ${s[1]} vs ${smin}`);
  }
  // [[1, 2], [3, 4]]: σ = sqrt(15 ± sqrt(221))
  const s = singularValues(Float64Array.of(1, 2, 3, 4), 2, 2);
  assert.ok(Math.abs(s[0] - Math.sqrt(15 + Math.sqrt(221))) < 1e-14 * 5.5);
  assert.ok(Math.abs(s[1] - Math.sqrt(15 - Math.sqrt(221))) < 1e-14 * 5.5);
});

test('rank-deficient matrices: the zero singular values are tiny relative to σ_max', () => {
  // Outer product u vᵀ: one non-zero singular value ‖u‖‖v‖.
  const u = [1, -2, 3, 0.5, 4], v = [2, 1, -1];
  const A = new Float64Array(15);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) A[i * 3 + j] = u[i] * v[j];
  const s = singularValues(A, 5, 3);
  const nu = Math.hypot(...u) * Math.hypot(...v);
  assert.ok(Math.abs(s[0] - nu) < 1e-14 * nu);
  assert.ok(s[1] < 1e-14 * nu && s[2] < 1e-14 * nu, `${s[1]}, ${s[2]}`);
  // A chain is nilpotent but its singular values are α (N−1 times) and 0.
  const n = 50;
  const W = new Float64Array(n * n);
  for (let i = 1; i < n; i++) W[i * n + i - 1] = 1.02;
  const sw = singularValues(W, n, n);
  for (let i = 0; i < n - 1; i++) assert.ok(Math.abs(sw[i] - 1.02) < 1e-15);
  assert.equal(sw[n - 1], 0);
});

test('matches LAPACK (numpy) on a random 50×30 matrix and a rank-10 40×25 matrix to 1e-13·σ_max', () => {
  const ref = JSON.parse(readFileSync(path.join(FIX, 'svd_reference.json'), 'utf8'));
  for (const key of ['random_50x30', 'rank10_40x25']) {
    const { rows, cols, data, singular_values: sv } = ref[key];
    const A = Float64Array.from(data as number[]);
    const s = singularValues(A, rows, cols);
    assert.ok(maxRelErr(s, sv, sv[0]) < 1e-13, `${key}: ${maxRelErr(s, sv, sv[0])}`);
    // Wide input (the transpose) gives the same values.
    const st = singularValues(transpose(A, rows, cols), cols, rows);
    assert.ok(maxRelErr(st, sv, sv[0]) < 1e-13);
  }
});

test('invariant under orthogonal factors: σ(Q A Rᵀ) = σ(A) = prescribed values', () => {
  const n = 60;
  const sigma = Array.from({ length: n }, (_, i) => Math.pow(10, -i / 6)); // 1 … 1e-10
  const Q = orthogonal(n, 1, new Rng(11)), R = orthogonal(n, 1, new Rng(12));
  const QS = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) QS[i * n + j] = Q[i * n + j] * sigma[j];
  const A = matmul(QS, transpose(R, n, n), n, n, n);
  const s = singularValues(A, n, n);
  assert.ok(maxRelErr(s, sigma, 1) < 1e-13, `${maxRelErr(s, sigma, 1)}`);
});

test('bidiagonal QR keeps tiny singular values to high relative accuracy (graded bidiagonal)', () => {
  // B = diag(1, 1e-5, 1e-10, 1e-15, 1e-20) with tiny couplings: σ_i ≈ d_i to relative accuracy.
  const d = Float64Array.of(1, 1e-5, 1e-10, 1e-15, 1e-20);
  const e = Float64Array.of(1e-8, 1e-13, 1e-18, 1e-23);
  bidiagonalSingularValues(d, e);
  const expect = [1, 1e-5, 1e-10, 1e-15, 1e-20];
  // Exact σ differ from d_i by O(e²/d) relative, far below 1e-10 here.
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(d[i] - expect[i]) <= 1e-10 * expect[i], `σ${i} = ${d[i]}`);
});

test('dqds and the bidiagonal QR iteration agree to high relative accuracy (random, graded, split, tiny and huge)', () => {
  const rng = new Rng(5);
  const cases: [Float64Array, Float64Array][] = [];
  for (const n of [3, 4, 5, 17, 100, 301]) {
    const d = new Float64Array(n), e = new Float64Array(n - 1);
    for (let i = 0; i < n; i++) d[i] = rng.normal();
    for (let i = 0; i < n - 1; i++) e[i] = rng.normal();
    cases.push([d, e]);
    // Graded over 30 orders of magnitude, either direction (dqds flips the array for the larger end).
    const g = d.map((x, i) => x * Math.pow(10, (-30 * i) / n)), ge = e.map((x, i) => x * Math.pow(10, (-30 * i) / n));
    cases.push([g, ge], [g.slice().reverse(), ge.slice().reverse()]);
    // Exact splits (zero couplings), a zero diagonal entry, and extreme scales.
    const s = d.slice(), se = e.slice();
    for (let i = 0; i < n - 1; i += 3) se[i] = 0;
    s[n >> 1] = 0;
    cases.push([s, se], [d.map((x) => x * 1e-290), e.map((x) => x * 1e-290)], [d.map((x) => x * 1e290), e.map((x) => x * 1e290)]);
  }
  for (const [d, e] of cases) {
    const a = d.slice(), b = d.slice();
    assert.ok(dqdsSingularValues(a, e.slice()), `dqds failed at n=${d.length}`);
    bidiagonalQR(b, e.slice());
    for (let i = 0; i < d.length; i++) {
      if (i > 0) assert.ok(a[i - 1] >= a[i], 'descending');
      // Both are accurate to a modest multiple of n·ε relative to each σ (zero σ exactly zero in both or tiny).
      const tol = 64 * d.length * 2 ** -52 * b[i] + 1e-300 * Math.abs(b[0]);
      assert.ok(Math.abs(a[i] - b[i]) <= tol, `n=${d.length} σ${i}: dqds ${a[i]} vs QR ${b[i]}`);
    }
  }
});

test('helpers, shapes and errors', () => {
  const A = Float64Array.of(3, 0, 0, 4);
  assert.equal(sigmaMax(A, 2, 2), 4);
  assert.equal(sigmaMin(A, 2, 2), 3);
  assert.equal(conditionNumber(A, 2, 2), 4 / 3);
  assert.equal(conditionNumber(new Float64Array(4), 2, 2), Infinity);
  assert.equal(singularValues(new Float64Array(0), 0, 5).length, 0);
  assert.deepEqual(Array.from(singularValues(Float64Array.of(3, 4), 1, 2)), [5]);
  assert.deepEqual(Array.from(singularValues(Float64Array.of(3, 4), 2, 1)), [5]);
  assert.deepEqual(Array.from(singularValues(new Float64Array(6), 2, 3)), [0, 0]);
  // Extreme scales do not overflow or underflow.
  assert.equal(singularValues(Float64Array.of(1e300, 0, 0, 1e300), 2, 2)[0], 1e300);
  assert.equal(singularValues(Float64Array.of(3e-310, 0, 0, 4e-310), 2, 2)[0], 4e-310);
  assert.throws(() => singularValues(Float64Array.of(1, NaN), 1, 2), /NaN or Inf/);
  // Frobenius norm identity on a random matrix: Σσ² = ‖A‖_F².
  const G = gaussian(40, 1, new Rng(3));
  const s = singularValues(G, 40, 40);
  let f = 0, ss = 0;
  for (const x of G) f += x * x;
  for (const x of s) ss += x * x;
  assert.ok(Math.abs(f - ss) < 1e-13 * f);
});

test('blocked bidiagonalization (N > 160), WebAssembly and TypeScript paths: prescribed singular values, tall and wide', () => {
  for (const [rows, cols] of [[230, 230], [260, 190], [190, 260]] as const) {
    const p = Math.min(rows, cols);
    const sigma = Array.from({ length: p }, (_, i) => Math.pow(10, -i / 30)); // 1 … ~1e-8
    const Q = orthogonal(rows, 1, new Rng(rows)), R = orthogonal(cols, 1, new Rng(cols + 1));
    // A = Q(:, 0:p) diag(σ) R(:, 0:p)ᵀ
    const A = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let k = 0; k < p; k++) {
      const f = Q[i * rows + k] * sigma[k];
      for (let j = 0; j < cols; j++) A[i * cols + j] += f * R[j * cols + k];
    }
    for (const wasm of [true, false]) {
      setWasmEnabled(wasm);
      try {
        const s = singularValues(A, rows, cols);
        assert.ok(maxRelErr(s, sigma, 1) < 1e-13, `${rows}×${cols} wasm=${wasm}: ${maxRelErr(s, sigma, 1)}`);
      } finally {
        setWasmEnabled(true);
      }
    }
  }
});
