import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMatrix } from '../../src/core/analysis/analyze';
import { CancelledError } from '../../src/core/cancel';
import { analysisToCsv, analysisToJson } from '../../src/core/analysis/export';
import { makeInit } from '../../src/core/init/initializers';
import type { AnalysisOptions } from '../../src/core/analysis/types';

const OPTIONS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 0 };

test('every part of the analysis of the chain agrees with its closed forms', () => {
  const n = 30, a = 1.02;
  const r = analyzeMatrix({ W: makeInit(`chain:${a}`, n), n, options: { ...OPTIONS, gridPoints: 20 } });
  assert.ok(Math.abs(r.numbers.henrici - a * Math.sqrt(n - 1)) < 1e-12);
  assert.equal(r.numbers.spectralRadius, 0);
  // J(k) = α^{2k} / Σ_{j≤k} α^{2j}, zero from k = N on.
  let s = 0;
  for (let k = 0; k < n; k++) {
    s += a ** (2 * k);
    assert.ok(Math.abs(r.memory.J[k] - a ** (2 * k) / s) < 1e-13, `J(${k})`);
  }
  for (let k = n; k < r.memory.J.length; k++) assert.equal(r.memory.J[k], 0);
  // ‖W^k e₁‖ = α^k up to N − 1, then 0.
  for (let k = 0; k < n; k++) assert.ok(Math.abs(r.transient[k] - a ** k) < 1e-12 * a ** k);
  assert.equal(r.transient[n], 0);
  // The chain-motif profile spikes at i − j = +1.
  const spike = r.motif.offsets.indexOf(1);
  assert.ok(r.motif.profile[spike] > 0.5);
  assert.equal(r.singularValues.length, n);
  assert.ok(r.warnings.some((w) => /defective/.test(w)));
  assert.ok(r.pseudospectrum && r.pseudospectrum.sigmaMin.length === 400);
  assert.equal(r.schurT.length, n * n);
  assert.ok(typeof r.timingsMs.total === 'number');
});

test('ordering by modulus puts |λ| in descending order on T\'s diagonal, and ascending when asked', () => {
  const n = 40;
  const W = makeInit('gaussian:1.0', n, 5);
  for (const [order, sign] of [['modulus-desc', -1], ['modulus-asc', 1]] as const) {
    const r = analyzeMatrix({ W, n, options: { ...OPTIONS, order } });
    const mod = Array.from(r.eigRe, (re, i) => Math.hypot(re, r.eigIm[i]));
    for (let i = 1; i < n; i++) assert.ok(sign * (mod[i] - mod[i - 1]) >= -1e-12, `${order} at ${i}`);
    assert.ok(r.numbers.schurResidual < 1e-12 && r.numbers.schurOrthogonality < 1e-12);
  }
});

test('a cancelled analysis stops with CancelledError', () => {
  const n = 200;
  let calls = 0;
  const signal = { get aborted() { return ++calls > 3; } };
  assert.throws(() => analyzeMatrix({ W: makeInit('gaussian:0.9', n, 1), n, options: OPTIONS, signal }),
    (e: unknown) => e instanceof CancelledError);
});

test('NaN weights are refused with a clear message', () => {
  const W = makeInit('chain:1', 4);
  W[5] = NaN;
  assert.throws(() => analyzeMatrix({ W, n: 4, options: OPTIONS }), /1 NaN or Inf entry/);
});

test('CSV is tidy (quantity,index,value) and JSON holds every array as a list', () => {
  const n = 8;
  const r = analyzeMatrix({ W: makeInit('fbchain:0.04', n), n, options: OPTIONS, title: 'fbchain, "quoted"' });
  const csv = analysisToCsv(r).trim().split('\n');
  assert.equal(csv[0], '# "fbchain, ""quoted"""');
  assert.equal(csv[1], 'quantity,index,value');
  assert.ok(csv.includes(`j_tot,,${r.numbers.jTot}`));
  assert.equal(csv.filter((l) => l.startsWith('J,')).length, r.memory.J.length);
  assert.equal(csv.filter((l) => l.startsWith('eigenvalue_condition,')).length, n);
  const json = JSON.parse(analysisToJson(r));
  assert.equal(json.memory.J.length, r.memory.J.length);
  assert.equal(json.numbers.jTot, r.numbers.jTot);
  assert.equal(json.schurT, undefined, 'display-only float32 copies are left out');
});

test('a strongly non-normal stable W (fbchain 0.25, ρ = 0.994, cond C ≫ 1/ε) gets its infinite-horizon memory', () => {
  const n = 100;
  const r = analyzeMatrix({ W: makeInit('fbchain:0.25', n), n, options: OPTIONS });
  assert.equal(r.memory.horizon, null);
  assert.ok(r.numbers.jTot > 1 && r.numbers.jTot < n, `${r.numbers.jTot}`);
  for (const j of r.memory.J) assert.ok(j >= 0 && j <= 1 + 1e-12, `${j}`);
  assert.ok(!r.warnings.some((w) => /^Memory/.test(w)), JSON.stringify(r.warnings));
  assert.ok(Math.abs(r.numbers.henrici - 0.74 * Math.sqrt(99)) < 1e-9);
});

test('ρ(W) ≥ 1 without a horizon: memory over the finite horizon N, and the warning names the cause', () => {
  const n = 100;
  const r = analyzeMatrix({ W: makeInit('fbchain:0.3', n), n, options: OPTIONS }); // ρ = 2√(0.297)·cos(π/101) ≈ 1.09
  assert.equal(r.memory.horizon, n);
  assert.equal(r.memory.J.length, n);
  const note = `ρ(W) = ${r.numbers.spectralRadius.toPrecision(3)} ≥ 1, so the noise covariance diverges and memory is summed over the finite horizon n = N = ${n}`;
  assert.equal(r.memory.note, note);
  assert.ok(r.warnings.includes(`Memory: ${note}.`), JSON.stringify(r.warnings));
  assert.ok(Number.isFinite(r.numbers.jTot) && r.numbers.jTot > 1);
});
