import { test } from 'node:test';
import assert from 'node:assert/strict';
import { henrici, schurDeparture2, stronglyConnected } from '../../src/core/analysis/henrici';
import { realSchur } from '../../src/core/linalg/schur';
import { chain, fbchain, identity, orthogonal, gaussian, ramp } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';
import { matmul, transpose, frobenius } from '../../src/core/linalg/dense';

function rotate(W: Float64Array, Q: Float64Array, n: number): Float64Array {
  return matmul(matmul(Q, W, n, n, n), transpose(Q, n, n), n, n, n);
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

test('chain: d = α√(N−1) exactly (10.149 for α = 1.02, N = 100), from the structure alone', () => {
  const h = henrici(chain(100, 1.02), 100);
  assert.ok(Math.abs(h.absolute - 10.149) < 5e-4, `${h.absolute}`);
  for (const [n, alpha] of [[100, 1.02], [100, 1.05], [37, 0.9], [2, 3]]) {
    const r = henrici(chain(n, alpha), n);
    assert.ok(rel(r.absolute, alpha * Math.sqrt(n - 1)) < 1e-14, `N=${n} α=${alpha}: ${r.absolute}`);
    assert.ok(Math.abs(r.normalized - 1) < 1e-14, 'a nilpotent matrix is all departure');
    assert.equal(r.method, 'structure');
  }
});

test('feedback chain: d = |0.99 − β|√(N−1) despite eigenvalues no eigensolver can compute', () => {
  for (const beta of [0, 0.01, 0.04, 0.07, 0.99, 1.5]) {
    const r = henrici(fbchain(100, beta), 100);
    assert.ok(Math.abs(r.absolute - Math.abs(0.99 - beta) * Math.sqrt(99)) <= 1e-13 * Math.sqrt(99), `β=${beta}: ${r.absolute}`);
    assert.equal(r.method, 'structure');
  }
});

test('normal matrices: d ≈ 0 relative to ‖W‖_F (orthogonal, λQ, λI, symmetric, skew-symmetric ramp)', () => {
  const n = 100;
  const G = gaussian(n, 1, new Rng(2));
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = G[i * n + j] + G[j * n + i];
  const K = ramp(n); // the mixed LSTM initializer's gate ramp: skew-symmetric
  const cases: [string, Float64Array][] = [
    ['Q', orthogonal(n, 1, new Rng(1))],
    ['0.9 Q', orthogonal(n, 0.9, new Rng(3))],
    ['1.05 I', identity(n, 1.05)],
    ['symmetric', S],
    ['skew ramp', Float64Array.from(K)],
  ];
  for (const [name, W] of cases) {
    const r = henrici(W, n);
    assert.ok(r.absolute <= 1e-6 * r.frobenius, `${name}: ${r.absolute}`);
    assert.ok(r.absolute <= 1e-12 * r.frobenius, `${name}: ${r.absolute} (far below the 1e-6 tolerance)`);
  }
  assert.equal(henrici(S, n).absolute, 0, 'symmetric: exactly 0 by structure');
  assert.deepEqual(henrici(new Float64Array(9), 3), { absolute: 0, normalized: 0, frobenius: 0, method: 'structure' });
});

test('basis invariance: d(QWQᵀ) = d(W) and ‖QWQᵀ‖_F = ‖W‖_F for random W', () => {
  const n = 50;
  const Q = orthogonal(n, 1, new Rng(17));
  for (const seed of [1, 2, 3]) {
    const W = gaussian(n, 0.9, new Rng(seed));
    const a = henrici(W, n), b = henrici(rotate(W, Q, n), n);
    assert.ok(rel(b.absolute, a.absolute) < 1e-10, `${a.absolute} vs ${b.absolute}`);
    assert.ok(rel(b.frobenius, a.frobenius) < 1e-13);
    // Consistent with the definition sqrt(‖W‖_F² − Σ|λ|²) (well-conditioned here).
    const s = realSchur(W, n, { wantZ: false });
    let lam2 = 0;
    for (let i = 0; i < n; i++) lam2 += s.wr[i] ** 2 + s.wi[i] ** 2;
    assert.ok(rel(a.absolute, Math.sqrt(a.frobenius ** 2 - lam2)) < 1e-10);
    // A given Schur form is used as is.
    const c = henrici(W, n, s);
    assert.equal(c.method, 'schur');
    assert.ok(rel(c.absolute, a.absolute) < 1e-14);
  }
  // A chain rotated into a dense matrix keeps d up to its eigenvalue conditioning (κ grows like α^N): small N only.
  const Qs = orthogonal(8, 1, new Rng(5));
  const rc = henrici(rotate(chain(8, 1.02), Qs, 8), 8);
  assert.ok(rel(rc.absolute, 1.02 * Math.sqrt(7)) < 1e-4, `${rc.absolute}`);
});

test('2×2 blocks: complex pair contributes (a−d)² + (b+c)², real pair (b−c)²; triangular: strict upper part', () => {
  // [[1, 2], [−3, 1]]: λ = 1 ± i√6, ‖W‖² = 15, Σ|λ|² = 14, d = 1 = |b + c|.
  assert.ok(Math.abs(henrici(Float64Array.of(1, 2, -3, 1), 2).absolute - 1) < 1e-15);
  assert.ok(Math.abs(schurDeparture2(Float64Array.of(1, 2, -3, 1), 2) - 1) < 1e-15);
  // Non-standardized complex block [[1, 2], [−3, 2]]: det = 8, d² = 1 + 4 + 9 + 4 − 16 = 2 = (a−d)² + (b+c)².
  assert.ok(Math.abs(schurDeparture2(Float64Array.of(1, 2, -3, 2), 2) - 2) < 1e-15);
  // A 2×2 block with real eigenvalues [[1, 2], [3, 1]]: λ = 1 ± √6, d² = 15 − 2(1 + 6) = 1 = (b−c)².
  assert.ok(Math.abs(schurDeparture2(Float64Array.of(1, 2, 3, 1), 2) - 1) < 1e-15);
  // Random upper triangular: d² = Σ_{i<j} T_ij².
  const n = 30;
  const T = gaussian(n, 1, new Rng(4));
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (i > j) T[i * n + j] = 0;
    else if (i < j) s += T[i * n + j] ** 2;
  }
  const r = henrici(T, n);
  assert.ok(rel(r.absolute, Math.sqrt(s)) < 1e-15);
  assert.equal(r.method, 'structure');
});

test('block-triangular W: irreducible blocks by Schur, the coupling counted exactly ("mixed")', () => {
  // W = [[A, X], [0, B]] with dense A, B: d² = d(A)² + d(B)² + ‖X‖_F².
  const m = 12, n = 2 * m;
  const A = gaussian(m, 1, new Rng(1)), B = gaussian(m, 1, new Rng(2)), X = gaussian(m, 1, new Rng(3));
  const W = new Float64Array(n * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    W[i * n + j] = A[i * m + j];
    W[(i + m) * n + j + m] = B[i * m + j];
    W[i * n + j + m] = X[i * m + j];
  }
  const r = henrici(W, n);
  assert.equal(r.method, 'mixed');
  const dA = henrici(A, m).absolute, dB = henrici(B, m).absolute, fx = frobenius(X);
  assert.ok(rel(r.absolute, Math.sqrt(dA ** 2 + dB ** 2 + fx ** 2)) < 1e-13);
  // Same number from the Schur form of the whole matrix.
  const whole = Math.sqrt(schurDeparture2(realSchur(W, n, { wantZ: false }).T, n));
  assert.ok(rel(r.absolute, whole) < 1e-10, `${r.absolute} vs ${whole}`);
  // SCCs of a chain are singletons; of a ring one block.
  assert.equal(stronglyConnected(chain(5, 1), 5).length, 5);
  const ring = chain(5, 1);
  ring[4] = 1;
  assert.deepEqual(stronglyConnected(ring, 5), [[0, 1, 2, 3, 4]]);
});
