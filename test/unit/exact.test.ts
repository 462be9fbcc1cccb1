import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactValues, PAPER_INITS, specText, summaryValues } from '../../src/core/init/exact';
import { analyzeMatrix } from '../../src/core/analysis/analyze';
import { makeInit } from '../../src/core/init/initializers';
import { fisherMemory, inputVector } from '../../src/core/analysis/memory';
import type { AnalysisOptions } from '../../src/core/analysis/types';
import { close } from './helpers';

const OPTIONS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 0 };
const analyze = (spec: string, n: number, seed = 1) => analyzeMatrix({ W: makeInit(spec, n, seed), n, options: OPTIONS, seed });

const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);

test('the paper\'s four initializers, with the code\'s default gains', () => {
  assert.deepEqual(PAPER_INITS, ['chain:1.02', 'fbchain:0.04', 'orthogonal:1.0', 'identity:1.0']);
  assert.equal(specText('chain', 1), 'chain:1.0');
  assert.equal(specText('fbchain', 0.07), 'fbchain:0.07');
});

test('chain: eigenvalues 0, Henrici α√(N−1), J(k) closed form — the analysis agrees', () => {
  const e = exactValues('chain:1.02', 100);
  assert.equal(e.spectralRadius, 0);
  assert.ok(e.eigenvalues!.re.every((x) => x === 0) && e.eigenvalues!.im.every((x) => x === 0));
  assert.equal(e.eigenvalues!.re.length, 100);
  assert.equal(e.henrici, 1.02 * Math.sqrt(99));
  assert.equal(e.sigmaMax, 1.02);
  assert.equal(e.memoryMethod, 'closed-form');
  assert.equal(e.horizon, null);
  assert.ok(close(e.jTot!, 7.6060, 1e-5), `J_tot ${e.jTot}`);
  assert.deepEqual([...e.exact].sort(), ['J', 'eigenvalues', 'henrici', 'jTot', 'sigmaMax', 'spectralRadius']);
  // J(k) = α^{2k}/Σ_{j≤k}α^{2j}.
  let s = 0;
  for (let k = 0; k < 100; k++) {
    s += 1.02 ** (2 * k);
    assert.ok(close(e.J![k], 1.02 ** (2 * k) / s, 1e-13), `J(${k})`);
  }
  // The numerical analysis is trustworthy here for Henrici (structural), memory (Stein, exact structure), σ_max.
  const r = analyze('chain:1.02', 100);
  assert.ok(close(r.numbers.henrici, e.henrici!, 1e-13));
  assert.ok(close(r.numbers.jTot, e.jTot!, 1e-13));
  assert.ok(close(r.numbers.sigmaMax, e.sigmaMax!, 1e-13));
  assert.equal(r.memory.J.length, e.J!.length);
  for (let k = 0; k < e.J!.length; k++) assert.ok(close(r.memory.J[k], e.J![k], 1e-12, 1e-300), `J(${k})`);
  // Its eigenvalues are not (κ = ∞): the analysis says so.
  assert.ok(r.warnings.some((w) => /defective/.test(w)));
});

test('chain J_tot matches docs/science.md identity 5 for several α', () => {
  for (const [a, jt] of [[0.95, 3.0327], [1.0, 5.1874], [1.02, 7.6060], [1.05, 12.087]]) {
    assert.ok(close(exactValues(`chain:${a}`, 100).jTot!, jt, 1e-4), `α = ${a}`);
  }
  // α = 0: W = 0, a signal is remembered for one step only.
  const z = exactValues('chain:0', 10);
  assert.deepEqual(Array.from(z.J!), [1]);
  assert.equal(z.henrici, 0);
});

test('fbchain: exact ρ = 2√(fβ)cos(π/(N+1)) ≈ 0.398, while float64 Schur gives 0.6–0.8', () => {
  const n = 100, beta = 0.04;
  const e = exactValues('fbchain:0.04', n);
  const rho = 2 * Math.sqrt(0.99 * beta) * Math.cos(Math.PI / (n + 1));
  assert.ok(close(e.spectralRadius!, rho, 1e-14), `exact ρ ${e.spectralRadius}`);
  assert.ok(Math.abs(e.spectralRadius! - 0.398) < 5e-4);
  const eig = sorted(e.eigenvalues!.re);
  assert.ok(e.eigenvalues!.im.every((x) => x === 0), 'real spectrum');
  assert.ok(close(eig[n - 1], rho, 1e-14) && close(eig[0], -rho, 1e-14));
  // Exactly symmetric about 0, with 0 itself absent for even N.
  for (let i = 0; i < n; i++) assert.equal(eig[i], -eig[n - 1 - i]);
  // The float64 eigensolver is badly wrong (κ ~ 1e69): ρ ≈ 0.66 instead of 0.398.
  const r = analyze('fbchain:0.04', n);
  assert.ok(r.numbers.spectralRadius > 0.55 && r.numbers.spectralRadius < 0.9, `float64 ρ ${r.numbers.spectralRadius}`);
  assert.ok(r.numbers.spectralRadius - e.spectralRadius! > 0.15, 'float64 ρ is far from the exact one');
  assert.ok(!(r.numbers.maxCondition < 1e30), `κ ${r.numbers.maxCondition}`);
  assert.ok(r.warnings.some((w) => /ill-conditioned/.test(w)));
  // Henrici is exact both ways (structural in the analysis).
  assert.ok(close(e.henrici!, 0.95 * Math.sqrt(99), 1e-14));
  assert.ok(close(r.numbers.henrici, e.henrici!, 1e-12));
  assert.ok(e.exact.includes('eigenvalues') && e.exact.includes('henrici') && !e.exact.includes('jTot'));
  // Memory from the Stein solver (not a closed form): docs/science.md identity 7, and the analysis' own value.
  assert.equal(e.memoryMethod, 'stein');
  assert.ok(e.notes.some((t) => /not a closed form/.test(t)));
  assert.ok(close(e.jTot!, 5.346, 2e-4), `J_tot ${e.jTot}`);
  assert.ok(close(r.numbers.jTot, e.jTot!, 1e-12));
  // Without the solver: no memory, said so.
  const lite = exactValues('fbchain:0.04', n, { stein: false });
  assert.equal(lite.jTot, undefined);
  assert.ok(lite.notes.some((t) => /Stein/.test(t)));
});

test('fbchain: J_tot for β = 0 (the chain with 0.99, closed form) and β = 0.07', () => {
  const z = exactValues('fbchain:0', 100);
  assert.equal(z.memoryMethod, 'closed-form');
  assert.ok(close(z.jTot!, 4.391, 2e-4));
  assert.equal(z.spectralRadius, 0);
  assert.ok(close(exactValues('fbchain:0.07', 100).jTot!, 6.807, 2e-4));
});

test('fbchain eigenvalues agree with float64 where they are well conditioned (small N), real or imaginary', () => {
  for (const [spec, n] of [['fbchain:0.5', 12], ['fbchain:0.3', 8], ['fbchain:-0.4', 9]] as const) {
    const e = exactValues(spec, n);
    const r = analyze(spec, n);
    const mod = (re: ArrayLike<number>, im: ArrayLike<number>) => sorted(Array.from(re, (x, i) => Math.hypot(x, im[i])));
    const a = mod(e.eigenvalues!.re, e.eigenvalues!.im), b = mod(r.eigRe, r.eigIm);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${spec} |λ| #${i}: exact ${a[i]}, float64 ${b[i]}`);
    assert.ok(Math.abs(e.spectralRadius! - r.numbers.spectralRadius) < 1e-6);
    assert.ok(close(r.numbers.henrici, e.henrici!, 1e-9, 1e-12), `${spec} Henrici ${r.numbers.henrici} vs ${e.henrici}`);
  }
  // β < 0: purely imaginary spectrum, Henrici ||f| − |β||√(N−1).
  const neg = exactValues('fbchain:-0.4', 9);
  assert.ok(neg.eigenvalues!.re.every((x) => x === 0));
  assert.equal(neg.eigenvalues!.im[4], 0, 'the middle eigenvalue is exactly 0 for odd N');
});

test('orthogonal λ: |λ_i| = λ, Henrici 0, J_tot 1; the analysis agrees (normal, well conditioned)', () => {
  for (const lam of [0.9, 0.5]) {
    const e = exactValues(`orthogonal:${lam}`, 60);
    assert.equal(e.eigenvalueModulus, lam);
    assert.equal(e.eigenvalues, undefined, 'phases depend on the seed');
    assert.equal(e.henrici, 0);
    assert.equal(e.jTot, 1);
    assert.equal(e.horizon, null);
    const r = analyze(`orthogonal:${lam}`, 60, 3);
    for (let i = 0; i < 60; i++) assert.ok(Math.abs(Math.hypot(r.eigRe[i], r.eigIm[i]) - lam) < 1e-12);
    assert.ok(r.numbers.henrici < 1e-10);
    assert.ok(close(r.numbers.jTot, 1, 1e-12));
    assert.ok(close(r.numbers.sigmaMax, lam, 1e-12));
    assert.equal(r.memory.J.length, e.J!.length, 'both stop the infinite sum at the same place');
    for (let k = 0; k < e.J!.length; k++) assert.ok(close(r.memory.J[k], e.J![k], 1e-9, 1e-15), `J(${k})`);
  }
});

test('orthogonal/identity λ ≥ 1: finite horizon N, Σ J_N = 1, J_N(k) = 1/N at λ = 1', () => {
  const e = exactValues('orthogonal:1.0', 100);
  assert.equal(e.horizon, 100);
  assert.equal(e.jTot, 1);
  assert.ok(e.J!.every((x) => close(x, 0.01, 1e-14)));
  const r = analyze('orthogonal:1.0', 100);
  assert.equal(r.memory.horizon, 100);
  assert.ok(close(r.numbers.jTot, 1, 1e-12));
  for (let k = 0; k < 100; k++) assert.ok(close(r.memory.J[k], 0.01, 1e-10), `J_N(${k}) = ${r.memory.J[k]}`);
  // λ > 1: λ^{2k}/Σ_{j<N}λ^{2j}, no overflow even for a huge gain.
  const big = exactValues('identity:1.05', 100);
  let s = 0;
  for (let j = 0; j < 100; j++) s += 1.05 ** (2 * j);
  for (const k of [0, 50, 99]) assert.ok(close(big.J![k], 1.05 ** (2 * k) / s, 1e-12));
  assert.ok(close(big.J!.reduce((a, b) => a + b, 0), 1, 1e-13));
  const huge = exactValues('identity:1000', 100);
  assert.ok(huge.J!.every(Number.isFinite) && close(huge.J![99], 1 - 1e-6, 1e-6));
  const rb = analyze('identity:1.05', 100);
  for (let k = 0; k < 100; k++) assert.ok(close(rb.memory.J[k], big.J![k], 1e-10, 1e-300), `J_N(${k})`);
});

test('identity λ: eigenvalues λ, J(k) = (1−λ²)λ^{2k}; the analysis agrees', () => {
  const lam = 0.9, n = 50;
  const e = exactValues(`identity:${lam}`, n);
  assert.ok(e.eigenvalues!.re.every((x) => x === lam));
  assert.equal(e.spectralRadius, lam);
  assert.equal(e.henrici, 0);
  assert.equal(e.jTot, 1);
  for (let k = 0; k < 20; k++) assert.ok(close(e.J![k], (1 - lam * lam) * lam ** (2 * k), 1e-13));
  const r = analyze(`identity:${lam}`, n);
  assert.equal(r.numbers.spectralRadius, lam);
  assert.ok(close(r.numbers.jTot, 1, 1e-12));
  for (let k = 0; k < e.J!.length; k++) assert.ok(close(r.memory.J[k], e.J![k], 1e-10, 1e-15), `J(${k})`);
  // λ = 0: W = 0.
  assert.deepEqual(Array.from(exactValues('identity:0', 5).J!), [1]);
});

test('gaussian: no closed forms, said so; bad input rejected', () => {
  const e = exactValues('gaussian:1.0', 20);
  assert.deepEqual(e.exact, []);
  assert.equal(e.spectralRadius, undefined);
  assert.ok(e.notes.length > 0);
  assert.throws(() => exactValues('chain:1.02', 0), /positive integer/);
  assert.throws(() => exactValues('nope', 10), /unknown initializer/);
});

test('the Stein memory of exactValues is the same solver the analysis uses', () => {
  const n = 40;
  const e = exactValues('fbchain:0.07', n);
  const m = fisherMemory(makeInit('fbchain:0.07', n), n, inputVector('source', n));
  assert.equal(e.jTot, m.jTot);
});

test('summaryValues prefers closed forms and flags untrustworthy float64 values', () => {
  const n = 100;
  const fb = analyze('fbchain:0.04', n);
  const s = summaryValues(fb.numbers, exactValues('fbchain:0.04', n));
  assert.equal(s.spectralRadius.method, 'exact');
  assert.ok(Math.abs(s.spectralRadius.value! - 0.398) < 5e-4);
  assert.equal(s.spectralRadius.float64, fb.numbers.spectralRadius);
  assert.equal(s.jTot.method, 'stein');
  assert.equal(s.sigmaMax.method, 'float64');
  // Without closed forms: the same analysis' ρ is flagged, a JSON-mangled κ (null) counts as infinite.
  const none = summaryValues({ ...fb.numbers, maxCondition: null as unknown as number }, null);
  assert.equal(none.spectralRadius.method, 'untrustworthy');
  assert.equal(none.henrici.method, 'untrustworthy');
  assert.equal(none.jTot.method, 'stein');
  const g = analyze('gaussian:1.0', 30);
  assert.equal(summaryValues(g.numbers, exactValues('gaussian:1.0', 30)).spectralRadius.method, 'float64');
  const c = summaryValues(undefined, exactValues('chain:1.02', n));
  assert.equal(c.jTot.method, 'exact');
  assert.equal(c.henrici.value, 1.02 * Math.sqrt(99));
  assert.equal(c.jTot.float64, null);
});
