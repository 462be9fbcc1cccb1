import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveStein, noiseCovariance, NotStableError } from '../../src/core/linalg/stein';
import { CancelledError } from '../../src/core/cancel';
import { matmul, transpose, identity as eye, frobenius, hessenberg, applyHessenbergQ, lowerBandwidth, logAbsDet, cholesky, solveLowerRows } from '../../src/core/linalg/dense';
import { chain, fbchain, identity, orthogonal, gaussian } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';
import { sigmaMax } from '../../src/core/linalg/svd';

function scaledTo(W: Float64Array, n: number, norm2: number): Float64Array {
  const s = sigmaMax(W, n, n);
  return W.map((x) => (x * norm2) / s);
}

/** ‖C − W C Wᵀ − I‖_F / ‖C‖_F. */
function residual(W: Float64Array, C: Float64Array, n: number): number {
  const WCWt = matmul(matmul(W, C, n, n, n), transpose(W, n, n), n, n, n);
  let r = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) r += (C[i * n + j] - WCWt[i * n + j] - (i === j ? 1 : 0)) ** 2;
  return Math.sqrt(r) / frobenius(C);
}

/** Σ_{k<h} W^k W^kᵀ by plain summation. */
function directSum(W: Float64Array, n: number, h: number): Float64Array {
  const C = new Float64Array(n * n);
  let P = eye(n);
  for (let k = 0; k < h; k++) {
    const PPt = matmul(P, transpose(P, n, n), n, n, n);
    for (let i = 0; i < n * n; i++) C[i] += PPt[i];
    P = matmul(W, P, n, n, n);
  }
  return C;
}

test('infinite horizon: C = W C Wᵀ + I to rounding for random stable W, exactly symmetric, ⪰ I', () => {
  for (const [n, r, seed] of [[5, 0.5, 1], [37, 0.9, 2], [64, 0.99, 3]] as const) {
    const W = scaledTo(gaussian(n, 1, new Rng(seed)), n, r);
    const s = solveStein(W, n);
    assert.equal(s.horizon, null);
    assert.equal(s.nilpotent, false);
    assert.ok(residual(W, s.C, n) < 1e-14 * n, `n=${n}: residual ${residual(W, s.C, n)}`);
    for (let i = 0; i < n; i++) {
      assert.ok(s.C[i * n + i] >= 1);
      for (let j = 0; j < n; j++) assert.equal(s.C[i * n + j], s.C[j * n + i]);
    }
    assert.ok(s.tailBound <= 2 ** -52 * 1e3 * frobenius(s.C));
    assert.ok(s.rhoUpper < 1);
  }
});

test('λI: C = I/(1−λ²); λQ: C = I/(1−λ²)', () => {
  const n = 30;
  for (const lambda of [0.1, 0.9, 0.999]) {
    const C = noiseCovariance(identity(n, lambda), n);
    const c = 1 / (1 - lambda * lambda);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      assert.ok(Math.abs(C[i * n + j] - (i === j ? c : 0)) <= 1e-12 * c, `λ=${lambda}`);
    }
  }
  const Q = orthogonal(n, 0.95, new Rng(5));
  const C = noiseCovariance(Q, n);
  const c = 1 / (1 - 0.95 ** 2);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(C[i * n + j] - (i === j ? c : 0)) < 1e-12 * c);
});

test('chain: C is exactly diagonal, C_ii = Σ_{j≤i} α^{2j} (0-based), even at α = 1.2 (C ≈ 1.6e16)', () => {
  const n = 100;
  for (const alpha of [0.5, 1.02, 1.2]) {
    const s = solveStein(chain(n, alpha), n);
    if (alpha >= 1) {
      assert.equal(s.nilpotent, true);
      assert.equal(s.tailBound, 0);
      assert.equal(s.terms, 128, 'W^128 = 0 exactly');
    } else {
      assert.ok(s.tailBound < 1e-16, 'α = 0.5: the tail is below rounding before W^t is exactly zero');
    }
    for (let i = 0; i < n; i++) {
      let expect = 0;
      for (let j = 0; j <= i; j++) expect += alpha ** (2 * j);
      for (let j = 0; j < n; j++) if (j !== i) assert.equal(s.C[i * n + j], 0);
      assert.ok(Math.abs(s.C[i * n + i] - expect) <= 1e-14 * expect, `α=${alpha}, i=${i}`);
    }
  }
  // Feedback chain with β = 0 is nilpotent too; with β > 0 it converges (ρ ≈ 0.4).
  assert.equal(solveStein(fbchain(50, 0), 50).nilpotent, true);
  const fb = solveStein(fbchain(50, 0.07), 50);
  assert.equal(fb.nilpotent, false);
  assert.ok(residual(fbchain(50, 0.07), fb.C, 50) < 1e-14);
});

test('finite horizon: C_n equals the direct sum for every n (binary doubling), any ρ', () => {
  const n = 12;
  const W = gaussian(n, 1.1, new Rng(9)); // ρ ≈ 1.1: not stable, fine for finite horizons
  for (const h of [1, 2, 3, 7, 8, 13, 64, 100]) {
    const s = solveStein(W, n, { horizon: h });
    const D = directSum(W, n, h);
    let err = 0;
    for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(s.C[i] - D[i]));
    assert.ok(err <= 1e-12 * frobenius(D), `h=${h}: ${err}`);
    assert.equal(s.horizon, h);
    assert.equal(s.tailBound, 0);
  }
  // Orthogonal: C_n = n I.
  const Q = orthogonal(40, 1, new Rng(1));
  const C = solveStein(Q, 40, { horizon: 77 }).C;
  for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) assert.ok(Math.abs(C[i * 40 + j] - (i === j ? 77 : 0)) < 1e-12 * 77);
  // Nilpotent past its index: C_n = C_∞.
  const a = solveStein(chain(10, 1.5), 10, { horizon: 1000 });
  const b = solveStein(chain(10, 1.5), 10);
  assert.deepEqual(a.C, b.C);
  assert.throws(() => solveStein(W, n, { horizon: 0 }), RangeError);
  assert.throws(() => solveStein(W, n, { horizon: 2.5 }), RangeError);
});

test('basis invariance: C(QWQᵀ) = Q C(W) Qᵀ', () => {
  const n = 30;
  const W = scaledTo(gaussian(n, 1, new Rng(4)), n, 0.95);
  const Q = orthogonal(n, 1, new Rng(6));
  const Wr = matmul(matmul(Q, W, n, n, n), transpose(Q, n, n), n, n, n);
  const C = noiseCovariance(W, n);
  const Cr = noiseCovariance(Wr, n);
  const QCQt = matmul(matmul(Q, C, n, n, n), transpose(Q, n, n), n, n, n);
  let err = 0;
  for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(Cr[i] - QCQt[i]));
  assert.ok(err < 1e-12 * frobenius(C), `${err}`);
});

test('ρ(W) ≥ 1 raises NotStableError quickly with advice to use a finite horizon', () => {
  const n = 64;
  const cases: [string, Float64Array][] = [
    ['orthogonal', orthogonal(n, 1, new Rng(3))],
    ['identity', identity(n, 1)],
    ['1.2 I', identity(n, 1.2)],
    ['gaussian gain 1.5', gaussian(n, 1.5, new Rng(2))],
    ['chain plus unit ring', (() => { const W = chain(n, 1); W[n - 1] = 1; return W; })()],
  ];
  for (const [name, W] of cases) {
    const t = performance.now();
    assert.throws(() => solveStein(W, n), (e: unknown) => {
      assert.ok(e instanceof NotStableError, `${name}: ${e}`);
      assert.match((e as Error).message, /finite horizon/);
      return true;
    });
    assert.ok(performance.now() - t < 30_000, name); // a hang guard (the search must stop), not a speed goal
  }
  // maxTerms caps the search for ρ just below 1.
  assert.throws(() => solveStein(identity(4, 1 - 1e-9), 4, { maxTerms: 1024 }), NotStableError);
});

test('abort signal stops the doubling', () => {
  assert.throws(() => solveStein(identity(8, 0.5), 8, { signal: { aborted: true } }), CancelledError);
});

test('dense helpers used by the solver: Hessenberg reduction, bandwidth, log|det|', () => {
  const n = 23;
  const A = gaussian(n, 1, new Rng(8));
  const h = hessenberg(A, n);
  assert.ok(lowerBandwidth(h.H, n) <= 1);
  assert.equal(lowerBandwidth(chain(n, 1), n), 1);
  assert.equal(lowerBandwidth(transpose(chain(n, 1), n, n), n), -1);
  assert.equal(lowerBandwidth(identity(n, 1), n), 0);
  assert.equal(lowerBandwidth(new Float64Array(n * n), n), -1);
  // Q H Qᵀ = A.
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n);
    e[j] = 1;
    applyHessenbergQ(h, e);
    for (let i = 0; i < n; i++) Q[i * n + j] = e[i];
  }
  const R = matmul(matmul(Q, h.H, n, n, n), transpose(Q, n, n), n, n, n);
  let err = 0;
  for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(R[i] - A[i]));
  assert.ok(err < 1e-14 * frobenius(A));
  assert.ok(Math.abs(logAbsDet(identity(5, 2), 5) - 5 * Math.log(2)) < 1e-14);
  assert.equal(logAbsDet(chain(5, 1), 5), -Infinity);
  assert.ok(Math.abs(logAbsDet(orthogonal(30, 1, new Rng(1)), 30)) < 1e-12);
});

// Hammarling's square-root solver in Schur form (../../src/core/linalg/steinSchur).
import { realSchur } from '../../src/core/linalg/schur';
import { complexTriangular } from '../../src/core/linalg/complexSchur';
import { hammarlingFactor, schurFisher } from '../../src/core/linalg/steinSchur';

test('Hammarling: X Xᴴ solves C_U = U C_U Uᴴ + I for a complex triangular U (real and complex eigenvalues)', () => {
  const n = 40;
  const W = scaledTo(gaussian(n, 1, new Rng(11)), n, 1.4); // non-normal, complex pairs, ρ < 1
  const s = realSchur(W, n);
  assert.ok(s.wi.some((x) => x !== 0), 'complex pairs (2×2 blocks) are exercised');
  let rho = 0;
  for (let i = 0; i < n; i++) rho = Math.max(rho, Math.hypot(s.wr[i], s.wi[i]));
  assert.ok(rho < 1, `ρ ${rho}`);
  const U = complexTriangular(s.T, n);
  const X = hammarlingFactor(U);
  // C = X Xᴴ (complex, column-major interleaved): C(i, j) = Σ_k X(i, k) conj(X(j, k))
  const at = (A: Float64Array, i: number, j: number): [number, number] => [A[2 * (i + j * n)], A[2 * (i + j * n) + 1]];
  const mul = (A: Float64Array, B: Float64Array, conjB: boolean, transB: boolean) => {
    const out = new Float64Array(2 * n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let re = 0, im = 0;
      for (let k = 0; k < n; k++) {
        const [ar, ai] = at(A, i, k);
        let [br, bi] = transB ? at(B, j, k) : at(B, k, j);
        if (conjB) bi = -bi;
        re += ar * br - ai * bi; im += ar * bi + ai * br;
      }
      out[2 * (i + j * n)] = re; out[2 * (i + j * n) + 1] = im;
    }
    return out;
  };
  const C = mul(X, X, true, true);
  const UCUh = mul(mul(U.a, C, false, false), U.a, true, true);
  let r = 0, c = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const p = 2 * (i + j * n);
    r += (C[p] - UCUh[p] - (i === j ? 1 : 0)) ** 2 + (C[p + 1] - UCUh[p + 1]) ** 2;
    c += C[p] ** 2 + C[p + 1] ** 2;
    if (i > j) assert.equal(Math.hypot(...at(X, i, j)), 0, 'X is upper triangular');
  }
  assert.ok(Math.sqrt(r / c) < 1e-13, `residual ${Math.sqrt(r / c)}`);
  for (let i = 0; i < n; i++) assert.ok(at(X, i, i)[0] >= 1 && at(X, i, i)[1] === 0, 'real diagonal ≥ 1 (C ⪰ I)');
});

test('Hammarling: the memory from the Schur form matches the factored doubling; |λ| ≥ 1 is refused', () => {
  const n = 60;
  const W = scaledTo(gaussian(n, 1, new Rng(12)), n, 1.3);
  const s = realSchur(W, n);
  const v = new Float64Array(n); v[0] = 1;
  const h = schurFisher(s.T, s.Z, n, v, { kMax: 100_000, tailTol: 1e-15 });
  assert.ok(h.done);
  // Cross-check: C from the doubling (well conditioned here), its Cholesky factor, and J(k) = ‖L⁻¹W^k v‖².
  const L = cholesky(solveStein(W, n).C, n);
  let ref = 0;
  let u: Float64Array = v.slice();
  for (let k = 0; k < h.J.length; k++) {
    const y = u.slice();
    solveLowerRows(L, n, y, 1);
    let j = 0;
    for (const x of y) j += x * x;
    assert.ok(Math.abs(j - h.J[k]) <= 1e-12 * Math.max(j, 1e-3), `J(${k}) ${h.J[k]} vs ${j}`);
    ref += j;
    u = matmul(W, u, n, n, 1);
  }
  assert.ok(Math.abs(h.jTot - ref) < 1e-11 * ref, `${h.jTot} vs ${ref}`);
  assert.throws(() => hammarlingFactor(complexTriangular(realSchur(identity(5, 1), 5).T, 5)), NotStableError);
});
