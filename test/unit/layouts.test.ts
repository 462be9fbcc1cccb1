import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, fbchain, identity, orthogonal, sourceInput, gaussianInput, makeInit, makeInputInit } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';
import { FRAMEWORKS, toLayout, fromLayout, toPyTorch, toKeras, toTfjs, type StoredLayout } from '../../src/core/init/layouts';

/**
 * One step of the framework's OWN update rule, read off the stored layout only (no knowledge of W):
 *   PyTorch nn.RNN:          h' = W_hh h + W_ih x   (weight_hh_l0 N×N, weight_ih_l0 N×d)
 *   Keras / TF.js SimpleRNN: h' = x K + h R         (kernel d×N, recurrent_kernel N×N, row vectors)
 * Linear activation, zero bias.
 */
function step(layout: StoredLayout, h: Float64Array, x: Float64Array): Float64Array {
  const { recurrent: R, input: I } = layout;
  if (layout.framework === 'pytorch') {
    assert.deepEqual([R.name, I.name], ['weight_hh_l0', 'weight_ih_l0']);
    const [n, d] = I.shape;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += R.data[i * n + j] * h[j];
      for (let k = 0; k < d; k++) s += I.data[i * d + k] * x[k];
      out[i] = s;
    }
    return out;
  }
  assert.deepEqual([R.name, I.name], ['recurrent_kernel', 'kernel']);
  const [d, n] = I.shape;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[k] * I.data[k * n + j];
    for (let i = 0; i < n; i++) s += h[i] * R.data[i * n + j];
    out[j] = s;
  }
  return out;
}

/** Hidden states h_0 … h_{T-1} after a unit pulse on input `channel` at t = 0, zeros after. */
function pulse(layout: StoredLayout, T: number, channel = 0): Float64Array[] {
  const n = layout.recurrent.shape[0];
  const d = layout.framework === 'pytorch' ? layout.input.shape[1] : layout.input.shape[0];
  let h: Float64Array = new Float64Array(n);
  const out: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const x = new Float64Array(d);
    if (t === 0) x[channel] = 1;
    h = step(layout, h, x);
    out.push(h);
  }
  return out;
}

const argmaxAbs = (v: Float64Array) => v.reduce((b, x, i) => (Math.abs(x) > Math.abs(v[b]) ? i : b), 0);

for (const framework of FRAMEWORKS) {
  test(`${framework}: a pulse on input 0 enters unit 0 (the chain's source) and travels 0 → 1 → 2 … (chain:1.02)`, () => {
    const n = 8, d = 3, alpha = 1.02;
    const layout = toLayout(framework, chain(n, alpha), sourceInput(n, d), n, d);
    const hs = pulse(layout, n + 1);
    for (let t = 0; t < n; t++) {
      // Exactly h_t = 0.9·α^t e_t: only unit t is active.
      for (let i = 0; i < n; i++) {
        const want = i === t ? 0.9 * alpha ** t : 0;
        assert.ok(Math.abs(hs[t][i] - want) < 1e-12, `${framework} t=${t} unit ${i}: ${hs[t][i]}, want ${want}`);
      }
    }
    assert.ok(hs[n].every((x) => x === 0), 'after N steps the nilpotent chain is empty');
  });

  test(`${framework}: the pulse travels down the feedback chain too (fbchain:0.04), never ahead of itself`, () => {
    const n = 8, d = 3, beta = 0.04;
    const layout = toLayout(framework, fbchain(n, beta), sourceInput(n, d), n, d);
    const hs = pulse(layout, n);
    for (let t = 0; t < n; t++) {
      assert.equal(argmaxAbs(hs[t]), t, `${framework}: at step ${t} the largest unit is ${argmaxAbs(hs[t])}`);
      assert.ok(Math.abs(hs[t][t] - 0.9 * 0.99 ** t) < 1e-12, 'the front carries 0.9·0.99^t');
      for (let i = t + 1; i < n; i++) assert.equal(hs[t][i], 0, 'nothing ahead of the front');
      if (t >= 2) assert.ok(hs[t][t - 2] > 0, 'β feeds activity back');
    }
  });

  test(`${framework}: input j feeds unit j (V = 0.9·I)`, () => {
    const n = 6, d = 3;
    const layout = toLayout(framework, chain(n, 1), sourceInput(n, d), n, d);
    for (let j = 0; j < d; j++) {
      const h0 = pulse(layout, 1, j)[0];
      assert.deepEqual(Array.from(h0), Array.from({ length: n }, (_, i) => (i === j ? 0.9 : 0)));
    }
  });
}

test('stored shapes, names and orientation: PyTorch sub-diagonal, Keras/TF.js super-diagonal', () => {
  const n = 5, d = 2, alpha = 1.02;
  const W = chain(n, alpha);
  const V = sourceInput(n, d);
  const pt = toPyTorch(W, V, n, d);
  assert.equal(pt.convention, 'column');
  assert.deepEqual(pt.recurrent.shape, [n, n]);
  assert.deepEqual(pt.input.shape, [n, d]);
  for (const row of [toKeras(W, V, n, d), toTfjs(W, V, n, d)]) {
    assert.equal(row.convention, 'row');
    assert.deepEqual(row.recurrent.shape, [n, n]);
    assert.deepEqual(row.input.shape, [d, n]);
  }
  const R = toKeras(W, V, n, d).recurrent.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      assert.equal(pt.recurrent.data[i * n + j], i === j + 1 ? alpha : 0, `weight_hh_l0[${i}][${j}]`);
      assert.equal(R[i * n + j], j === i + 1 ? alpha : 0, `recurrent_kernel[${i}][${j}]`);
    }
  }
  const K = toKeras(W, V, n, d).input.data;
  for (let k = 0; k < d; k++) for (let j = 0; j < n; j++) assert.equal(K[k * n + j], k === j ? 0.9 : 0, `kernel[${k}][${j}]`);
  // Exports copy: mutating the stored tensor leaves W alone.
  pt.recurrent.data[1 * n] = 7;
  assert.equal(W[1 * n], alpha);
});

test('the other orientation (the chain on weight_hh_l0\'s super-diagonal) puts the input at the SINK: the pulse dies', () => {
  // What the paper's torch helpers give when used as they are with nn.RNN: W' = Wᵀ as weight_hh_l0.
  const n = 6, d = 2;
  const layout = toPyTorch(toKeras(chain(n, 1.02), sourceInput(n, d), n, d).recurrent.data, sourceInput(n, d), n, d);
  const hs = pulse(layout, 3);
  assert.equal(hs[0][0], 0.9, 'the input enters unit 0…');
  assert.ok(hs[1].every((x) => x === 0), '…which feeds nobody: unit 0 is the chain\'s sink');
});

test('fromLayout inverts toLayout for every framework (non-square V, non-symmetric W)', () => {
  const n = 7, d = 3;
  const W = makeInit('gaussian', n, 5);
  const V = gaussianInput(n, d, new Rng(5, 1));
  for (const f of FRAMEWORKS) {
    const back = fromLayout(toLayout(f, W, V, n, d));
    assert.deepEqual([back.n, back.d], [n, d]);
    assert.deepEqual(back.W, W, f);
    assert.deepEqual(back.V, V, f);
  }
  assert.throws(() => toKeras(W, V, n, 4), /V has 21 entries/);
  assert.throws(() => toTfjs(W.subarray(1), V, n, d), /W has 48 entries/);
  assert.throws(() => toPyTorch(W, V, 0, d), /hidden size/);
});

test('each initializer matches its definition entry by entry', () => {
  const n = 9;
  const c = chain(n, 1.03);
  const f = fbchain(n, 0.06);
  const id = identity(n, 0.97);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      assert.equal(c[i * n + j], i === j + 1 ? 1.03 : 0, `chain W[${i}][${j}]`);
      assert.equal(f[i * n + j], i === j + 1 ? 0.99 : j === i + 1 ? 0.06 : 0, `fbchain W[${i}][${j}]`);
      assert.equal(id[i * n + j], i === j ? 0.97 : 0, `identity W[${i}][${j}]`);
    }
  }
  // Orthogonal: QᵀQ = λ²I (and QQᵀ = λ²I), in every stored layout too (transposing keeps it orthogonal).
  const lambda = 1.02;
  const Q = orthogonal(n, lambda, new Rng(3));
  for (const f2 of FRAMEWORKS) {
    const R = toLayout(f2, Q, sourceInput(n, 1), n, 1).recurrent.data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let qtq = 0, qqt = 0;
        for (let k = 0; k < n; k++) {
          qtq += R[k * n + i] * R[k * n + j];
          qqt += R[i * n + k] * R[j * n + k];
        }
        const want = i === j ? lambda * lambda : 0;
        assert.ok(Math.abs(qtq - want) < 1e-13 && Math.abs(qqt - want) < 1e-13, `${f2} (QᵀQ)[${i}][${j}] = ${qtq}`);
      }
    }
  }
  // The paired inputs: 0.9·I(N×d) for the chains; Gaussian for the others.
  const V = makeInputInit('chain', 4, 6);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) assert.equal(V[i * 6 + j], i === j ? 0.9 : 0);
  assert.ok(makeInputInit('orthogonal', 4, 6, 1).some((x) => x !== 0 && Math.abs(x) !== 0.9));
});
