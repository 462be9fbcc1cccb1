import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/init/rng';
import {
  chain, fbchain, identity, gaussian, orthogonal, sourceInput, gaussianInput, ramp,
  parseInitSpec, makeInit, makeInputInit, INPUT_INIT,
} from '../../src/core/init/initializers';
import { matmul, transpose } from '../../src/core/linalg/dense';
import { singularValues } from '../../src/core/linalg/svd';

test('xoshiro128** matches the reference sequence from state (1, 2, 3, 4)', () => {
  const r = Rng.fromState(1, 2, 3, 4);
  assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()], [11520, 0, 5927040, 70819200, 2031721883]);
});

test('seeded streams are reproducible: regression anchors for seed 1', () => {
  const r = new Rng(1);
  assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()], [4095353534, 1866040314, 3637266212, 2538178495]);
  assert.equal(new Rng(1).uniform(), 0.9535237955635142);
  assert.equal(new Rng(1).normal(), 0.4063455122030459);
  assert.equal(new Rng(1, 1).nextU32(), 2827295533, 'stream 1 differs from stream 0');
  assert.equal(new Rng(2 ** 40).nextU32(), 1109070886, 'high seed bits count');
  const g = makeInit('gaussian:1', 100, 1);
  assert.deepEqual([g[0], g[1], g[101], g[9999]], [0.04063455122030459, 0.012051411564016066, 0.06278371459796388, 0.03155903261207059]);
  const q = makeInit('orthogonal', 100, 1);
  // Orthogonal involves a QR in floating point: anchors to 1e-15 rather than bit-exact.
  const qa = [0.043705184645348005, 0.009770610097646655, 0.07943510128848165, -0.1442112601517508];
  [q[0], q[1], q[101], q[9999]].forEach((x, i) => assert.ok(Math.abs(x - qa[i]) < 1e-15, `Q anchor ${i}: ${x}`));
  const v = makeInputInit('orthogonal', 100, 3, 1);
  assert.deepEqual([v[0], v[1], v[299]], [0.18898070923922503, -0.03277133810464172, -0.019018074711235896]);
  // Same seed ⇒ same matrix; different seed ⇒ different.
  assert.deepEqual(makeInit('orthogonal:1.02', 50, 7), makeInit('orthogonal:1.02', 50, 7));
  assert.notDeepEqual(makeInit('gaussian', 50, 7), makeInit('gaussian', 50, 8));
  assert.throws(() => new Rng(1.5), RangeError);
});

test('uniform and normal have the right moments', () => {
  const r = new Rng(123);
  const m = 200000;
  let su = 0, sn = 0, sn2 = 0, sn4 = 0, umin = 1, umax = 0;
  for (let i = 0; i < m; i++) {
    const u = r.uniform();
    su += u;
    umin = Math.min(umin, u);
    umax = Math.max(umax, u);
    const z = r.normal();
    sn += z; sn2 += z * z; sn4 += z ** 4;
  }
  assert.ok(umin >= 0 && umax < 1);
  assert.ok(Math.abs(su / m - 0.5) < 0.005);
  assert.ok(Math.abs(sn / m) < 0.01);
  assert.ok(Math.abs(sn2 / m - 1) < 0.01);
  assert.ok(Math.abs(sn4 / m - 3) < 0.06, 'kurtosis of a Gaussian');
});

test('chain, fbchain, identity: exact structure in the column convention', () => {
  const n = 6;
  const c = chain(n, 1.02);
  const f = fbchain(n, 0.04);
  const f2 = fbchain(n, 0.07, 0.95);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      assert.equal(c[i * n + j], i === j + 1 ? 1.02 : 0, 'W[i][i−1] = α: unit i−1 feeds unit i');
      assert.equal(f[i * n + j], i === j + 1 ? 0.99 : j === i + 1 ? 0.04 : 0);
      assert.equal(f2[i * n + j], i === j + 1 ? 0.95 : j === i + 1 ? 0.07 : 0);
    }
  }
  assert.deepEqual(Array.from(identity(2, 0.5)), [0.5, 0, 0, 0.5]);
  assert.throws(() => chain(0, 1), RangeError);
});

test('orthogonal: QᵀQ = λ²I, and Q is the Q of the QR of the same Gaussian with R_ii > 0 (Haar)', () => {
  for (const n of [1, 2, 5, 64]) {
    const Q = orthogonal(n, 1, new Rng(42));
    const QtQ = matmul(transpose(Q, n, n), Q, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(QtQ[i * n + j] - (i === j ? 1 : 0)) < 1e-14);
    // R = QᵀG must be upper triangular with a positive diagonal, G being the same Gaussian draw.
    const G = new Rng(42).normals(n * n);
    const R = matmul(transpose(Q, n, n), G, n, n, n);
    for (let i = 0; i < n; i++) {
      assert.ok(R[i * n + i] > 0, `R_${i}${i} = ${R[i * n + i]}`);
      for (let j = 0; j < i; j++) assert.ok(Math.abs(R[i * n + j]) < 1e-13, `R[${i}][${j}] = ${R[i * n + j]}`);
    }
  }
  const s = singularValues(orthogonal(30, 1.05, new Rng(1)), 30, 30);
  for (const x of s) assert.ok(Math.abs(x - 1.05) < 1e-14);
  // Haar: the average of Q_00² over many draws is 1/N.
  let acc = 0;
  for (let seed = 0; seed < 400; seed++) acc += orthogonal(8, 1, new Rng(seed))[0] ** 2;
  assert.ok(Math.abs(acc / 400 - 1 / 8) < 0.02);
});

test('gaussian: entries N(0, gain²/N); inputs paired as in the paper', () => {
  const n = 200;
  const W = gaussian(n, 1.5, new Rng(3));
  let s = 0, s2 = 0;
  for (const x of W) { s += x; s2 += x * x; }
  assert.ok(Math.abs(s / W.length) < 0.01 * 1.5 / Math.sqrt(n) * 10);
  assert.ok(Math.abs(s2 / W.length / (1.5 ** 2 / n) - 1) < 0.03);
  // Source input 0.9·I(N×d).
  const V = sourceInput(4, 2);
  assert.deepEqual(Array.from(V), [0.9, 0, 0, 0.9, 0, 0, 0, 0]);
  assert.deepEqual(makeInputInit('chain:1.05', 4, 2, 3), V);
  assert.deepEqual(makeInputInit('fbchain', 4, 2, 3), V);
  // Gaussian input, std 0.9/√N.
  const Vg = makeInputInit('identity', 400, 50, 3);
  let v2 = 0;
  for (const x of Vg) v2 += x * x;
  assert.ok(Math.abs(v2 / Vg.length / (0.81 / 400) - 1) < 0.03);
  assert.deepEqual(Vg, gaussianInput(400, 50, new Rng(3, 1)));
  assert.deepEqual(INPUT_INIT, { chain: 'source', fbchain: 'source', orthogonal: 'gaussian', identity: 'gaussian', gaussian: 'gaussian' });
});

test('ramp: W[i][j] = e·(j − i)/(n − 1), skew-symmetric, from −e to e (the mixed LSTM initializer\'s gate blocks)', () => {
  const n = 5;
  const B = ramp(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    assert.ok(Math.abs(B[i * n + j] - (0.01 * (j - i)) / (n - 1)) < 1e-18);
    assert.equal(B[i * n + j] + B[j * n + i], 0, 'skew-symmetric');
  }
  assert.equal(B[n - 1], 0.01, 'W[0][n−1] = e');
  assert.equal(ramp(4, 0.5)[3], 0.5);
  assert.deepEqual(Array.from(ramp(1)), [0]);
});

test('parseInitSpec / makeInit: names, default gains, clear errors', () => {
  assert.deepEqual(parseInitSpec('chain:1.02'), { name: 'chain', gain: 1.02, spec: 'chain:1.02' });
  assert.deepEqual(parseInitSpec(' FBChain : 0.07 '), { name: 'fbchain', gain: 0.07, spec: 'fbchain:0.07' });
  assert.deepEqual(parseInitSpec('chain'), { name: 'chain', gain: 1.02, spec: 'chain:1.02' });
  assert.equal(parseInitSpec('fbchain').gain, 0.04);
  assert.equal(parseInitSpec('orthogonal').gain, 1);
  assert.equal(parseInitSpec('identity:0.96').gain, 0.96);
  assert.equal(parseInitSpec('gaussian:2e-1').gain, 0.2);
  assert.throws(() => parseInitSpec('foo'), { message: 'unknown initializer "foo" (expected chain, fbchain, orthogonal, identity, gaussian)' });
  assert.throws(() => parseInitSpec('foo:1'), /unknown initializer "foo"/);
  assert.throws(() => parseInitSpec(''), /unknown initializer ""/);
  assert.throws(() => parseInitSpec('chain:abc'), /bad gain "abc" in initializer "chain:abc" \(expected a finite number\)/);
  assert.throws(() => parseInitSpec('chain:'), /bad gain/);
  assert.throws(() => parseInitSpec('chain:Infinity'), /bad gain/);
  assert.throws(() => parseInitSpec('chain:1:2'), /expected name or name:gain/);
  assert.deepEqual(makeInit('chain:1.05', 10), chain(10, 1.05));
  assert.deepEqual(makeInit('fbchain:0.07', 10), fbchain(10, 0.07));
  assert.deepEqual(makeInit('identity:0.5', 10), identity(10, 0.5));
  assert.deepEqual(makeInit(parseInitSpec('orthogonal:0.9'), 10, 4), orthogonal(10, 0.9, new Rng(4)));
  assert.deepEqual(makeInit('gaussian', 10, 4), gaussian(10, 1, new Rng(4)));
});
