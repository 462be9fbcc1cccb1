import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainMotif } from '../../src/core/analysis/motif';
import { chain, fbchain, orthogonal, sourceInput } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';

function near(a: number, b: number, msg?: string): void {
  assert.ok(Math.abs(a - b) <= 1e-14 * Math.max(1, Math.abs(b)), `${msg ?? ''} ${a} vs ${b}`);
}

function at(m: { offsets: Int32Array; profile: Float64Array }, offset: number): number {
  return m.profile[Array.from(m.offsets).indexOf(offset)];
}

test('a pure chain gives a spike at i − j = +1 for every activation and α', () => {
  const n = 100;
  for (const activation of ['linear', 'tanh', 'relu', 'elu'] as const) {
    for (const alpha of [0.9, 1, 1.02]) {
      const m = chainMotif(chain(n, alpha), n, activation);
      assert.equal(m.offsets.length, 2 * n - 1);
      assert.equal(m.offsets[0], -(n - 1));
      assert.equal(m.offsets[2 * n - 2], n - 1);
      assert.deepEqual(Array.from(m.order), Array.from({ length: n }, (_, i) => i), `${activation} α=${alpha}`);
      assert.equal(m.active, n);
      for (let k = 0; k < m.offsets.length; k++) {
        near(m.profile[k], m.offsets[k] === 1 ? alpha : 0, `${activation} α=${alpha} offset ${m.offsets[k]}`);
      }
    }
  }
});

test('a chain hidden by a permutation is recovered when the pulse enters at its source', () => {
  const n = 40;
  const rng = new Rng(9);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  // Unit perm[k] is the k-th unit of the chain: W[perm[i]][perm[i−1]] = 1.02.
  const W = new Float64Array(n * n);
  for (let i = 1; i < n; i++) W[perm[i] * n + perm[i - 1]] = 1.02;
  const pulse = new Float64Array(n);
  pulse[perm[0]] = 1;
  const m = chainMotif(W, n, 'tanh', { pulse });
  assert.deepEqual(Array.from(m.order), perm);
  near(at(m, 1), 1.02);
  assert.equal(at(m, 0), 0);
  assert.equal(at(m, -1), 0);
  // An input-agnostic pulse on every unit also works while activity grows (α > 1) …
  const all = chainMotif(W, n, 'linear', { pulse: 'all' });
  assert.deepEqual(Array.from(all.order), perm);
  // … and the default pulse at unit 0 only orders the units downstream of unit 0; the rest go last.
  const d = chainMotif(W, n, 'linear');
  const depth = perm.indexOf(0);
  assert.equal(d.active, n - depth);
  assert.deepEqual(Array.from(d.order).slice(0, n - depth), perm.slice(depth));
});

test('feedback chain: forward weight at +1, feedback β at −1; pulse through an input matrix', () => {
  const n = 50;
  const m = chainMotif(fbchain(n, 0.04), n, 'linear', { steps: 100 });
  assert.ok(Math.abs(at(m, 1) - 0.99) < 1e-15);
  assert.ok(Math.abs(at(m, -1) - 0.04) < 1e-15);
  assert.equal(at(m, 2), 0);
  // The paper's input 0.9·I(N×1) feeds unit 0: the same as the default pulse up to scale.
  const viaInput = chainMotif(chain(n, 1.02), n, 'elu', { pulse: { input: sourceInput(n, 1), d: 1 } });
  near(at(viaInput, 1), 1.02);
});

test('a normal (orthogonal) W has no particular chain motif; profile entries are diagonal means', () => {
  const n = 30;
  const W = orthogonal(n, 1, new Rng(2));
  const m = chainMotif(W, n, 'tanh');
  // Check the averaging against a direct computation on the permuted matrix.
  for (let k = 0; k < m.offsets.length; k++) {
    const off = m.offsets[k];
    let s = 0, c = 0;
    for (let a = 0; a < n; a++) {
      const b = a - off;
      if (b < 0 || b >= n) continue;
      s += W[m.order[a] * n + m.order[b]];
      c++;
    }
    assert.ok(Math.abs(m.profile[k] - s / c) < 1e-15);
  }
  assert.throws(() => chainMotif(W, n, 'sigmoid' as never), /unknown activation/);
});

test('a trained network\'s pulse: one input channel through V; with a bias the response is measured against the unpulsed run', () => {
  const n = 30, d = 3;
  // channel 2 feeds unit 5 only; the chain starts at unit 5 and runs 5 → 6 → … → 29
  const V = new Float64Array(n * d);
  V[5 * d + 2] = 0.9;
  V[0 * d + 0] = 0.9;
  const W = new Float64Array(n * n);
  for (let i = 6; i < n; i++) W[i * n + i - 1] = 1.02;
  const m = chainMotif(W, n, 'linear', { pulse: { input: V, d, channel: 2 } });
  assert.equal(m.active, n - 5);
  assert.deepEqual(Array.from(m.order).slice(0, n - 5), Array.from({ length: n - 5 }, (_, i) => i + 5));
  assert.throws(() => chainMotif(W, n, 'linear', { pulse: { input: V, d, channel: 3 } }), /input channel must be 0 … 2/);
  // A bias makes every unit active without a pulse; the pulse's own response still walks the chain in order.
  const bias = Float64Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i + 1));
  const chainW = chain(n, 1.02);
  const src = new Float64Array(n * d);
  src[0 * d + 1] = 0.9;
  for (const measure of ['activity', 'preactivation'] as const) {
    const withBias = chainMotif(chainW, n, 'linear', { pulse: { input: src, d, channel: 1 }, bias, measure });
    assert.deepEqual(Array.from(withBias.order), Array.from({ length: n }, (_, i) => i), measure);
    assert.equal(withBias.active, n);
    near(at(withBias, 1), 1.02);
  }
});

test('pre-activation vs activity: ReLU hides negative pre-activations, which the pre-activation measure still times', () => {
  const n = 3;
  // unit 0 drives unit 1 with weight −1 (ReLU makes it 0: never active) and unit 2 with weight +1
  const W = Float64Array.from([0, 0, 0, -1, 0, 0, 1, 0, 0]);
  const act = chainMotif(W, n, 'relu');
  assert.equal(act.peakTime[1], -1, 'unit 1 is never active after ReLU');
  const pre = chainMotif(W, n, 'relu', { measure: 'preactivation' });
  assert.equal(pre.peakTime[1], 1, 'its pre-activation peaks (|−1|) at step 1');
  assert.equal(pre.active, 3);
  assert.throws(() => chainMotif(W, n, 'relu', { measure: 'peak' as never }), /unknown motif measure/);
});

test('ties in peak time: index order by default, a seeded jitter with tieSeed (the same seed, the same order)', () => {
  const n = 40;
  const W = new Float64Array(n * n); // every unit peaks at t = 0 under the all-ones pulse
  const plain = chainMotif(W, n, 'linear', { pulse: 'all' });
  assert.deepEqual(Array.from(plain.order), Array.from({ length: n }, (_, i) => i));
  const a = chainMotif(W, n, 'linear', { pulse: 'all', tieSeed: 3 });
  const b = chainMotif(W, n, 'linear', { pulse: 'all', tieSeed: 3 });
  const c = chainMotif(W, n, 'linear', { pulse: 'all', tieSeed: 4 });
  assert.deepEqual(a.order, b.order);
  assert.notDeepEqual(Array.from(a.order), Array.from(plain.order));
  assert.notDeepEqual(a.order, c.order);
  assert.deepEqual([...a.order].sort((x, y) => x - y), Array.from(plain.order), 'a permutation');
  // jitter only breaks ties: distinct peak times keep their order (the chain)
  const ch = chainMotif(chain(n, 1.02), n, 'elu', { tieSeed: 9 });
  assert.deepEqual(Array.from(ch.order), Array.from({ length: n }, (_, i) => i));
});
