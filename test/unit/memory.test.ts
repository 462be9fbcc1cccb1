import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fisherMemory, memoryModel, inputVector, chainMemoryClosedForm, chainSinkMemoryClosedForm,
} from '../../src/core/analysis/memory';
import { NotStableError } from '../../src/core/linalg/stein';
import { chain, fbchain, identity, orthogonal, gaussian } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';
import { applyHessenbergQt, hessenberg, matmul, transpose, matvec } from '../../src/core/linalg/dense';
import { eigenvalueConditions, realSchur } from '../../src/core/linalg/schur';
import { recursiveFisher } from '../../src/core/linalg/steinFactor';
import { sigmaMax } from '../../src/core/linalg/svd';

const N = 100;

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

/** Q W Qᵀ. */
function rotate(W: Float64Array, Q: Float64Array, n: number): Float64Array {
  return matmul(matmul(Q, W, n, n, n), transpose(Q, n, n), n, n, n);
}

/** Symmetric matrix with ‖W‖₂ = ρ(W) = r. */
function symmetric(n: number, r: number, seed: number): Float64Array {
  const G = gaussian(n, 1, new Rng(seed));
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = (G[i * n + j] + G[j * n + i]) / 2;
  const s = sigmaMax(S, n, n);
  return S.map((x) => (x * r) / s);
}

/** A random Gaussian matrix scaled so that ‖W‖₂ = r < 1 (hence ρ < 1, but non-normal). */
function contraction(n: number, r: number, seed: number): Float64Array {
  const G = gaussian(n, 1, new Rng(seed));
  const s = sigmaMax(G, n, n);
  return G.map((x) => (x * r) / s);
}

test('identity 1: λI has J(k) = (1−λ²)λ^{2k} and J_tot = 1', () => {
  for (const lambda of [0.5, 0.9, 0.99]) {
    const m = fisherMemory(identity(N, lambda), N, inputVector('random', N, { seed: 3 }));
    assert.equal(m.truncated, false);
    assert.ok(Math.abs(m.jTot - 1) < 1e-12, `λ=${lambda}: J_tot = ${m.jTot}`);
    for (let k = 0; k < m.J.length; k++) {
      const expect = (1 - lambda * lambda) * lambda ** (2 * k);
      assert.ok(Math.abs(m.J[k] - expect) <= 1e-13 * expect + 1e-300, `λ=${lambda}, k=${k}: ${m.J[k]} vs ${expect}`);
    }
    // The sum stopped only when the neglected tail is provably negligible (series tail 1e-15, C's truncation ε‖C‖).
    assert.ok(m.tailBound <= 1e-13 * m.jTot, `tail bound ${m.tailBound}`);
  }
});

test('identity 1: normal W with ρ < 1 (λQ, symmetric) has J_tot = 1', () => {
  const Q = orthogonal(N, 1, new Rng(7));
  for (const lambda of [0.3, 0.9, 0.97]) {
    const m = fisherMemory(Q.map((x) => x * lambda), N, inputVector('source', N));
    assert.ok(Math.abs(m.jTot - 1) < 1e-11, `λQ, λ=${lambda}: ${m.jTot}`);
  }
  const S = symmetric(N, 0.9, 11);
  for (const kind of ['source', 'sink', 'random'] as const) {
    const m = fisherMemory(S, N, inputVector(kind, N, { seed: 5 }));
    assert.ok(Math.abs(m.jTot - 1) < 1e-11, `symmetric, ${kind}: ${m.jTot}`);
  }
});

test('identity 2: finite horizon n, normal W: Σ_{k<n} J_n(k) = 1; orthogonal and identity: J_n(k) = 1/n', () => {
  const Q = orthogonal(N, 1, new Rng(8));
  for (const n of [1, 7, 50, 100, 333]) {
    const m = fisherMemory(Q, N, inputVector('random', N, { seed: 1 }), { horizon: n });
    assert.equal(m.horizon, n);
    assert.equal(m.J.length, n);
    assert.equal(m.truncated, false);
    for (let k = 0; k < n; k++) assert.ok(Math.abs(m.J[k] - 1 / n) < 1e-13, `Q, n=${n}, k=${k}: ${m.J[k]}`);
    assert.ok(Math.abs(m.jTot - 1) < 1e-12);
  }
  const I = identity(N, 1);
  const mi = fisherMemory(I, N, inputVector('source', N), { horizon: 40 });
  for (let k = 0; k < 40; k++) assert.ok(Math.abs(mi.J[k] - 1 / 40) < 1e-15);
  // Other normal matrices, stable or not: the finite sum is still 1. (In floating point the accuracy is limited by
  // cond(C_n): a symmetric W with ρ = 1.3 over n = 60 has cond ≈ 1.3^120 ≈ 5e13 and loses ~5e-5; ρ = 1.05 is fine.)
  for (const W of [Q.map((x) => x * 0.8), Q.map((x) => x * 1.05), identity(N, 1.1), symmetric(N, 1.05, 2)]) {
    const m = fisherMemory(W, N, inputVector('random', N, { seed: 9 }), { horizon: 60 });
    assert.ok(Math.abs(m.jTot - 1) < 1e-11, `${m.jTot}`);
  }
});

test('identity 3: 0 ≤ J(k) ≤ 1, J_tot ≤ N, and tr M = Σ_i J_tot(e_i) = N for stable W', () => {
  const n = 40;
  const Q = orthogonal(n, 1, new Rng(4));
  const cases: [string, Float64Array][] = [
    ['gaussian ‖W‖=0.95', contraction(n, 0.95, 21)],
    ['chain 1.05', chain(n, 1.05)],
    ['rotated chain 1.02', rotate(chain(n, 1.02), Q, n)],
    ['fbchain 0.07', fbchain(n, 0.07)],
    ['0.9 Q', Q.map((x) => x * 0.9)],
  ];
  for (const [name, W] of cases) {
    const model = memoryModel(W, n);
    let trace = 0;
    for (let i = 0; i < n; i++) {
      const e = new Float64Array(n);
      e[i] = 1;
      const m = model.fisher(e);
      for (const j of m.J) assert.ok(j >= 0 && j <= 1 + 1e-12, `${name}: J = ${j}`);
      assert.ok(m.jTot <= n);
      trace += m.jTot;
    }
    assert.ok(Math.abs(trace - n) < 1e-9 * n, `${name}: tr M = ${trace}`);
  }
  // The same holds for any W over a finite horizon: tr(C_n⁻¹ C_n) = N.
  const Wu = gaussian(n, 1.3, new Rng(5));
  const model = memoryModel(Wu, n, { horizon: 25 });
  let trace = 0;
  for (let i = 0; i < n; i++) trace += model.fisher(inputVector({ column: i }, n, { V: identity(n, 1) })).jTot;
  assert.ok(Math.abs(trace - n) < 1e-9 * n, `finite horizon: ${trace}`);
});

test('identity 4: basis invariance J(k; W, v) = J(k; QWQᵀ, Qv)', () => {
  const n = 60;
  const Q = orthogonal(n, 1, new Rng(31));
  const cases: [string, Float64Array][] = [
    ['gaussian', contraction(n, 0.9, 3)],
    ['chain 1.02', chain(n, 1.02)],
    ['fbchain 0.04', fbchain(n, 0.04)],
  ];
  for (const [name, W] of cases) {
    const v = inputVector('random', n, { seed: 2 });
    const a = fisherMemory(W, n, v);
    const b = fisherMemory(rotate(W, Q, n), n, matvec(Q, v, n, n));
    assert.ok(rel(b.jTot, a.jTot) < 1e-10, `${name}: ${a.jTot} vs ${b.jTot}`);
    for (let k = 0; k < Math.min(a.J.length, b.J.length); k++) {
      assert.ok(Math.abs(a.J[k] - b.J[k]) < 1e-10 * Math.max(a.J[k], 1e-6), `${name} k=${k}: ${a.J[k]} vs ${b.J[k]}`);
    }
    // Finite horizon too.
    const af = fisherMemory(W, n, v, { horizon: 30 });
    const bf = fisherMemory(rotate(W, Q, n), n, matvec(Q, v, n, n), { horizon: 30 });
    assert.ok(rel(bf.jTot, af.jTot) < 1e-10);
  }
});

test('identity 5: chain with the input at the source — closed form J(k) and the J_tot of docs/science.md', () => {
  const table: [number, number, number][] = [[0.95, 3.0327, 1e-4], [1.0, 5.1874, 1e-4], [1.02, 7.606, 1e-4], [1.05, 12.087, 1e-3]];
  for (const [alpha, jTot, digits] of table) {
    const m = fisherMemory(chain(N, alpha), N, inputVector('source', N));
    const closed = chainMemoryClosedForm(N, alpha);
    assert.ok(Math.abs(m.jTot - jTot) < digits, `α=${alpha}: ${m.jTot} vs ${jTot}`);
    assert.ok(rel(m.jTot, closed.jTot) < 1e-13, `α=${alpha}: ${m.jTot} vs closed ${closed.jTot}`);
    assert.equal(m.J.length, N, 'J(k) = 0 from k = N on: the sum stops exactly there');
    assert.equal(m.tailBound, 0);
    for (let k = 0; k < N; k++) {
      let s = 0;
      for (let j = 0; j <= k; j++) s += alpha ** (2 * j);
      const expect = alpha ** (2 * k) / s;
      assert.ok(rel(m.J[k], expect) < 1e-13, `α=${alpha} k=${k}`);
      assert.ok(rel(closed.J[k], expect) < 1e-13);
    }
  }
  // α = 1 is the harmonic number H_100.
  let H = 0;
  for (let k = 1; k <= N; k++) H += 1 / k;
  assert.ok(rel(fisherMemory(chain(N, 1), N, inputVector('source', N)).jTot, H) < 1e-14);
  // The chain's C = RᵀR is exactly diagonal with C_ii = Σ_{j≤i} α^{2j} (0-based): its factor R is diagonal.
  const model = memoryModel(chain(N, 1.02), N);
  const R = model.factor().R;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) if (i !== j) assert.equal(R[i * N + j], 0);
    let s = 0;
    for (let j = 0; j <= i; j++) s += 1.02 ** (2 * j);
    assert.ok(rel(R[i * N + i] ** 2, s) < 1e-14);
  }
});

test('identity 6: chain with the input at the sink has J_tot = 1/Σ_{j<N} α^{2j}', () => {
  for (const alpha of [0.95, 1.02, 1.05]) {
    const m = fisherMemory(chain(N, alpha), N, inputVector('sink', N));
    const expect = chainSinkMemoryClosedForm(N, alpha);
    assert.ok(rel(m.jTot, expect) < 1e-14, `α=${alpha}: ${m.jTot} vs ${expect}`);
    assert.equal(m.J.length, 1);
  }
  const m = fisherMemory(chain(N, 1.02), N, inputVector('sink', N));
  assert.ok(Math.abs(m.jTot - 0.0008) < 0.00005, `${m.jTot}`);
});

test('identity 7: feedback chain (forward 0.99) J_tot = 4.391, 5.346, 6.807 for β = 0, 0.04, 0.07', () => {
  const table: [number, number][] = [[0, 4.391], [0.04, 5.346], [0.07, 6.807]];
  for (const [beta, jTot] of table) {
    const m = fisherMemory(fbchain(N, beta), N, inputVector('source', N));
    assert.ok(Math.abs(m.jTot - jTot) < 5e-4, `β=${beta}: ${m.jTot}`);
    assert.equal(m.truncated, false);
  }
});

test('identity 8: strongly non-normal chains stay accurate where C reaches α^{2N} ≈ 1e16 … 1e23', () => {
  for (const alpha of [1.05, 1.1, 1.2, 1.3]) {
    const m = fisherMemory(chain(N, alpha), N, inputVector('source', N));
    const closed = chainMemoryClosedForm(N, alpha);
    assert.ok(rel(m.jTot, closed.jTot) < 1e-13, `α=${alpha}: ${m.jTot} vs ${closed.jTot}`);
    for (let k = 0; k < N; k++) assert.ok(rel(m.J[k], closed.J[k]) < 1e-13, `α=${alpha}, k=${k}`);
  }
  // The α = 1.2 case has C_NN ≈ 1.6e16: a naive inverse of C would lose everything here.
  const model = memoryModel(chain(N, 1.2), N);
  assert.ok(model.factor().R[N * N - 1] ** 2 > 1e16);
  // Strong but not exactly nilpotent: chain plus a tiny ring closure (ρ ≈ 0.8) against a long finite horizon.
  const W = chain(N, 1.2);
  W[N - 1] = 1e-12; // W[0][N-1]
  const inf = fisherMemory(W, N, inputVector('source', N));
  const fin = fisherMemory(W, N, inputVector('source', N), { horizon: 300 });
  assert.ok(rel(inf.jTot, fin.jTot) < 1e-9, `${inf.jTot} vs ${fin.jTot}`);
});

test('structure is kept: a strictly lower-triangular (nilpotent, feed-forward) W is used with its units reversed', () => {
  const n = 30;
  const G = gaussian(n, 1.5, new Rng(12));
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) G[i * n + j] = 0;
  const model = memoryModel(G, n);
  assert.equal(model.reversed, true);
  assert.equal(model.hessenberg, null);
  let trace = 0;
  for (let i = 0; i < n; i++) {
    const e = new Float64Array(n);
    e[i] = 1;
    const m = model.fisher(e);
    assert.ok(m.tailBound <= 1e-14 * m.jTot);
    trace += m.jTot;
  }
  assert.ok(Math.abs(trace - n) < 1e-10 * n, `${trace}`);
  // Same numbers through the dense path (a rotation forces the Hessenberg reduction).
  const Q = orthogonal(n, 1, new Rng(13));
  const v = inputVector('random', n, { seed: 1 });
  const a = model.fisher(v);
  const b = fisherMemory(rotate(G, Q, n), n, matvec(Q, v, n, n), { horizon: n });
  assert.ok(rel(b.jTot, a.jTot) < 1e-8, `${a.jTot} vs ${b.jTot}`);
});

test('ρ(W) ≥ 1 without a horizon throws NotStableError telling to use a finite horizon', () => {
  const Q = orthogonal(30, 1, new Rng(2));
  for (const W of [Q, identity(30, 1), identity(30, 1.2), Q.map((x) => x * 1.01), gaussian(30, 1.5, new Rng(1))]) {
    assert.throws(() => fisherMemory(W, 30, inputVector('source', 30)), (e: unknown) => {
      assert.ok(e instanceof NotStableError, String(e));
      assert.match((e as Error).message, /finite horizon/);
      return true;
    });
  }
});

test('kMax truncation is reported with a bound on the rest', () => {
  const W = identity(20, 0.9);
  const full = fisherMemory(W, 20, inputVector('source', 20));
  const cut = fisherMemory(W, 20, inputVector('source', 20), { kMax: 10 });
  assert.equal(cut.J.length, 10);
  assert.equal(cut.truncated, true);
  assert.ok(full.jTot - cut.jTot <= cut.tailBound, `${full.jTot - cut.jTot} vs bound ${cut.tailBound}`);
  assert.ok(Math.abs(full.jTot - cut.jTot - 0.9 ** 20) < 1e-12);
  const finiteCut = fisherMemory(W, 20, inputVector('source', 20), { horizon: 50, kMax: 5 });
  assert.equal(finiteCut.J.length, 5);
  assert.equal(finiteCut.truncated, true);
  // A nilpotent W over a long horizon: J_n(k) = 0 from k = N on, computed without solves.
  const c = fisherMemory(chain(20, 1.02), 20, inputVector('source', 20), { horizon: 1000 });
  assert.equal(c.J.length, 1000);
  assert.equal(c.J[19] > 0 && c.J[20] === 0 && c.J[999] === 0, true);
  assert.ok(rel(c.jTot, chainMemoryClosedForm(20, 1.02).jTot) < 1e-14);
});

test('inputVector: source, sink, seeded random, columns of V; errors', () => {
  assert.deepEqual(Array.from(inputVector('source', 3)), [1, 0, 0]);
  assert.deepEqual(Array.from(inputVector('sink', 3)), [0, 0, 1]);
  const r1 = inputVector('random', 50, { seed: 4 }), r2 = inputVector('random', 50, { seed: 4 }), r3 = inputVector('random', 50, { seed: 5 });
  assert.deepEqual(r1, r2);
  assert.notDeepEqual(r1, r3);
  let s = 0;
  for (const x of r1) s += x * x;
  assert.ok(Math.abs(s - 1) < 1e-15);
  const V = Float64Array.of(0, 3, 0, 4, 0, 0); // 3×2
  assert.deepEqual(Array.from(inputVector({ column: 1 }, 3, { V })), [0.6, 0.8, 0]);
  assert.throws(() => inputVector({ column: 0 }, 3, { V }), /zero/);
  assert.throws(() => inputVector({ column: 2 }, 3, { V }), /out of range/);
  assert.throws(() => inputVector({ column: 0 }, 3), /pass the input matrix/);
  assert.throws(() => fisherMemory(identity(3, 0.5), 3, [0, 0, 0]), /non-zero/);
  // v is normalised by fisherMemory.
  const a = fisherMemory(identity(3, 0.5), 3, [0, 5, 0]);
  assert.ok(Math.abs(a.jTot - 1) < 1e-14);
});

test('large N: Hammarling in Schur form gives the infinite horizon (normal λQ: J_tot = 1), with an error estimate', () => {
  const n = 520; // above the size where both methods run
  const Q = orthogonal(n, 0.9, new Rng(21));
  const m = fisherMemory(Q, n, inputVector('random', n, { seed: 3 }));
  assert.equal(m.method, 'schur');
  assert.equal(m.errorEstimate, 'rounding-model');
  assert.ok(Math.abs(m.jTot - 1) < 1e-12, `J_tot ${m.jTot}`);
  assert.ok(m.jTotError >= Math.abs(m.jTot - 1) && m.jTotError < 1e-8, `estimate ${m.jTotError}`);
  for (let k = 0; k < 20; k++) assert.ok(Math.abs(m.J[k] - (1 - 0.81) * 0.81 ** k) < 1e-13, `J(${k}) ${m.J[k]}`);
});

test('every J_tot carries an error estimate: both methods agree for a stable non-normal W; finite horizons use the rounding model', () => {
  const n = 50;
  const W = chain(n, 1.02);
  for (let i = 0; i < n; i++) W[i * n + i] = 0.3; // a chain with a diagonal: stable, strongly non-normal
  const m = fisherMemory(W, n, inputVector('source', n));
  assert.equal(m.errorEstimate, 'two-methods');
  assert.ok(m.jTotError > 0 && m.jTotError < 1e-9 * m.jTot, `estimate ${m.jTotError}`);
  const f = fisherMemory(orthogonal(n, 1, new Rng(5)), n, inputVector('source', n), { horizon: 30 });
  assert.equal(f.errorEstimate, 'rounding-model');
  assert.ok(f.jTotError >= Math.abs(f.jTot - 1) && f.jTotError < 1e-9, `finite-horizon estimate ${f.jTotError}`);
});

/** Random Gaussian W rescaled to the spectral radius r (ρ from the Schur form). */
function withRadius(n: number, r: number, seed: number): Float64Array {
  const G = gaussian(n, 1, new Rng(seed));
  const s = realSchur(G, n, { wantZ: false });
  let rho = 0;
  for (let i = 0; i < n; i++) rho = Math.max(rho, Math.hypot(s.wr[i], s.wi[i]));
  return G.map((x) => (x * r) / rho);
}

test('finite horizon above N = 128 with ρ(W) > 1: the graded Schur basis agrees with the square-root recursion', () => {
  const n = 160;
  for (const [r, seed] of [[1.1, 3], [1.3, 4]] as const) {
    const W = withRadius(n, r, seed);
    const v = inputVector('random', n, { seed: 2 });
    const m = fisherMemory(W, n, v, { horizon: n });
    assert.equal(m.method, 'graded', `ρ = ${r}`);
    // Reference: the recursion (mpmath-checked in memory-reference.test) on W's Hessenberg form.
    const h = hessenberg(W, n);
    const ref = recursiveFisher(h.H, n, applyHessenbergQt(h, v.slice()), n);
    let refTot = 0;
    for (let k = 0; k < n; k++) {
      refTot += ref[k];
      assert.ok(Math.abs(m.J[k] - ref[k]) < 1e-12, `ρ = ${r}, J(${k}) = ${m.J[k]} vs ${ref[k]}`);
    }
    assert.ok(rel(m.jTot, refTot) < 1e-12, `ρ = ${r}: ${m.jTot} vs ${refTot}`);
    assert.ok(Math.abs(m.jTot - refTot) <= m.jTotError && m.jTotError < 1e-3 * refTot, `ρ = ${r}: estimate ${m.jTotError}`);
    // The same W through the plain factor path (Hessenberg basis, transient ≈ ρ^N) loses digits the graded one keeps.
    let growth = 0;
    let x: Float64Array = v.slice();
    for (let k = 1; k < n; k++) { x = matvec(W, x, n, n); growth = Math.max(growth, Math.hypot(...x)); }
    assert.ok(growth > 1e3, `ρ = ${r}: transient ${growth}`);
  }
});

test('graded Schur basis: a triangular or reversed-triangular W is its own Schur form (a chain with gain > 1)', () => {
  const n = 160;
  for (const alpha of [1.05, 1.2]) {
    const m = fisherMemory(chain(n, alpha), n, inputVector('source', n), { horizon: n });
    assert.equal(m.method, 'graded');
    const closed = chainMemoryClosedForm(n, alpha);
    assert.ok(rel(m.jTot, closed.jTot) < 1e-12, `α=${alpha}: ${m.jTot} vs ${closed.jTot}`);
    for (let k = 0; k < n; k++) assert.ok(Math.abs(m.J[k] - closed.J[k]) < 1e-12, `α=${alpha}, k=${k}: ${m.J[k]} vs ${closed.J[k]}`);
  }
});

test('graded Schur basis: with ill-conditioned eigenvalues the error estimate still covers the error', () => {
  // A chain with a diagonal, rotated: defective eigenvalue 1.05 (κ = ∞ in float64), transient ≈ 1e20.
  const n = 140;
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    C[i * n + i] = 1.05;
    if (i > 0) C[i * n + i - 1] = 0.6;
  }
  const Q = orthogonal(n, 1, new Rng(5));
  const W = rotate(C, Q, n);
  const v = inputVector('random', n, { seed: 3 });
  const s = realSchur(W, n);
  let kappa = 0;
  for (const k of eigenvalueConditions(s)) kappa = Math.max(kappa, Number.isNaN(k) ? Infinity : k);
  const m = fisherMemory(W, n, v, { horizon: n, schur: s, conditionMax: kappa });
  assert.equal(m.method, 'graded');
  // Reference: the recursion on the unrotated chain (exact input, J is invariant under Q).
  const ref = recursiveFisher(C, n, matvec(transpose(Q, n, n), v, n, n), n);
  let refTot = 0;
  for (const x of ref) refTot += x;
  assert.ok(Math.abs(m.jTot - refTot) <= m.jTotError, `|${m.jTot} − ${refTot}| > estimate ${m.jTotError}`);
});

test('infinite horizon: Hammarling alone for benign W (its estimate covers the error), both methods for strongly non-normal W', () => {
  const n = 100;
  const v = inputVector('random', n, { seed: 5 });
  /** J_tot by the square-root recursion over the K terms the infinite sum needed (exact to ~1e-13). */
  const reference = (W: Float64Array, K: number) => {
    const h = hessenberg(W, n);
    const all = recursiveFisher(h.H, n, applyHessenbergQt(h, v.slice()), K + 1);
    let s = 0;
    for (let k = 0; k < K; k++) s += all[k];
    return s;
  };
  for (const [r, seed] of [[0.5, 1], [0.9, 2], [0.9, 3]] as const) {
    const W = withRadius(n, r, seed);
    const m = fisherMemory(W, n, v);
    assert.equal(m.method, 'schur', `ρ = ${r}`);
    assert.equal(m.errorEstimate, 'rounding-model');
    const err = Math.abs(m.jTot - reference(W, m.J.length));
    assert.ok(err <= m.jTotError && m.jTotError <= 1e-8 * m.jTot, `ρ = ${r}: error ${err.toExponential(2)}, estimate ${m.jTotError.toExponential(2)}`);
  }
  // A feedback chain with β = 0.1 (‖C‖ ≈ 2e9), rotated so that it is not Hessenberg: the model is far above the
  // gate, so the doubling runs too and the estimate comes from the two results.
  const Q = orthogonal(n, 1, new Rng(9));
  const hard = fisherMemory(rotate(fbchain(n, 0.1), Q, n), n, Float64Array.from({ length: n }, (_, i) => Q[i * n]));
  assert.notEqual(hard.method, 'schur');
  assert.ok(['two-methods', 'recursion-check'].includes(hard.errorEstimate), hard.errorEstimate);
  // J is invariant under the rotation: v = Q e₁ for the rotated chain is e₁ for the chain itself.
  const plain = fisherMemory(fbchain(n, 0.1), n, inputVector('source', n));
  assert.ok(Math.abs(hard.jTot - plain.jTot) <= hard.jTotError + plain.jTotError, `${hard.jTot} vs ${plain.jTot}`);
});
