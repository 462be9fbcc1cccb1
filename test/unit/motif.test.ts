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

test('profile = mean W[i][j] over the pairs of responding units per order difference; distinct peaks: the diagonal means', () => {
  const n = 30;
  const W = orthogonal(n, 1, new Rng(2));
  const m = chainMotif(W, n, 'tanh');
  // An independent computation: order = rank of the peak step among the distinct peak steps.
  const steps = [...new Set(Array.from(m.peakTime).filter((t) => t >= 0))].sort((x, y) => x - y);
  assert.equal(m.peakSteps, steps.length);
  for (let k = 0; k < m.offsets.length; k++) {
    let s = 0, c = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (m.peakTime[i] < 0 || m.peakTime[j] < 0) continue;
        if (steps.indexOf(m.peakTime[i]) - steps.indexOf(m.peakTime[j]) !== m.offsets[k]) continue;
        s += W[i * n + j];
        c++;
      }
    }
    assert.equal(m.pairs[k], c, `pairs at ${m.offsets[k]}`);
    if (c) assert.ok(Math.abs(m.profile[k] - s / c) < 1e-15, `offset ${m.offsets[k]}`);
    else assert.ok(Number.isNaN(m.profile[k]), `no pair at ${m.offsets[k]}: NaN`);
  }
  // With every peak step distinct (a chain from its source, hidden by nothing) it is the plain procedure: permute W by
  // peak time and average each diagonal i − j.
  const C = chain(n, 1.02);
  for (let i = 0; i < n * n; i++) C[i] += 0.01 * Math.sin(i); // background, so every diagonal has something to average
  const cm = chainMotif(C, n, 'linear');
  assert.equal(cm.peakSteps, n);
  for (let k = 0; k < cm.offsets.length; k++) {
    const off = cm.offsets[k];
    let s = 0, c = 0;
    for (let a = 0; a < n; a++) {
      const b = a - off;
      if (b < 0 || b >= n) continue;
      s += C[cm.order[a] * n + cm.order[b]];
      c++;
    }
    assert.equal(cm.pairs[k], c);
    assert.ok(Math.abs(cm.profile[k] - s / c) < 1e-15, `diagonal ${off}`);
  }
  assert.throws(() => chainMotif(W, n, 'sigmoid' as never), /unknown activation/);
});

test('ties: a layered feed-forward motif whose layers peak together is found at +1, whatever order ties are listed in', () => {
  // 6 layers of 8 units; every unit of layer L feeds every unit of layer L + 1 with weight 1/8, on a symmetric random
  // background. A pulse into layer 0 makes layer L peak at step L: 8 units share each peak step.
  const layers = 6, width = 8, n = layers * width;
  const rng = new Rng(5);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const unit = (layer: number, k: number) => perm[layer * width + k];
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) W[i * n + j] = W[j * n + i] = 0.002 * (rng.uniform() - 0.5);
  for (let L = 1; L < layers; L++) for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) W[unit(L, a) * n + unit(L - 1, b)] += 0.125;
  const pulse = new Float64Array(n);
  for (let k = 0; k < width; k++) pulse[unit(0, k)] = 1;
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  let forward = 0;
  for (let L = 1; L < layers; L++) for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) forward += W[unit(L, a) * n + unit(L - 1, b)];
  forward /= (layers - 1) * width * width;
  const profiles = [undefined, 0, 1, 2].map((tieSeed) => chainMotif(W, n, 'relu', { pulse, steps: 20, tieSeed }));
  for (const m of profiles) {
    assert.equal(m.peakSteps, layers);
    assert.equal(m.active, n);
    for (let L = 0; L < layers; L++) for (let k = 0; k < width; k++) assert.equal(m.peakTime[unit(L, k)], L);
    assert.ok(Math.abs(at(m, 1) - forward) < 1e-15, `+1 is the mean layer-to-next weight ${forward}, got ${at(m, 1)}`);
    assert.equal(m.pairs[m.offsets.indexOf(1)], (layers - 1) * width * width);
    assert.ok(Math.abs(at(m, -1)) < 0.002 && Math.abs(at(m, 2)) < 0.002, 'nothing else');
    assert.ok(Number.isNaN(at(m, layers)), 'no pair of units 6 orders apart');
    assert.deepEqual(Array.from(m.profile), Array.from(profiles[0].profile), 'the profile does not depend on how ties are listed');
  }
  // What listing the tied units one by one and averaging the diagonals of the permuted W gives instead: most pairs one
  // place apart then sit in the same layer, so the spike at +1 shrinks to a fraction of the layer-to-layer weight.
  const m = profiles[1];
  const diag = (off: number) => mean(Array.from({ length: n - Math.abs(off) }, (_, a) => (off >= 0 ? a + off : a)).map((a) => W[m.order[a] * n + m.order[a - off]]));
  assert.ok(diag(1) < 0.25 * forward, `a diagonal mean at +1 ${diag(1)} vs ${forward}`);
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

test('ties in peak time: order lists them by index by default, by a seeded jitter with tieSeed; they share an order in the profile', () => {
  const n = 40;
  const W = new Float64Array(n * n); // every unit peaks at t = 0 under the all-ones pulse
  for (let i = 0; i < n; i++) W[i * n + i] = 0.5;
  const plain = chainMotif(W, n, 'linear', { pulse: 'all' });
  assert.deepEqual(Array.from(plain.order), Array.from({ length: n }, (_, i) => i));
  const a = chainMotif(W, n, 'linear', { pulse: 'all', tieSeed: 3 });
  const b = chainMotif(W, n, 'linear', { pulse: 'all', tieSeed: 3 });
  const c = chainMotif(W, n, 'linear', { pulse: 'all', tieSeed: 4 });
  assert.deepEqual(a.order, b.order);
  assert.notDeepEqual(Array.from(a.order), Array.from(plain.order));
  assert.notDeepEqual(a.order, c.order);
  assert.deepEqual([...a.order].sort((x, y) => x - y), Array.from(plain.order), 'a permutation');
  // One peak step: every pair has order difference 0 (mean of W = 0.5/N), no other offset has a pair.
  for (const m of [plain, a, c]) {
    assert.equal(m.peakSteps, 1);
    assert.equal(m.pairs[m.offsets.indexOf(0)], n * n);
    assert.ok(Math.abs(at(m, 0) - 0.5 / n) < 1e-15);
    assert.equal(m.profile.filter((v) => !Number.isNaN(v)).length, 1);
  }
  // jitter only breaks ties: distinct peak times keep their order (the chain)
  const ch = chainMotif(chain(n, 1.02), n, 'elu', { tieSeed: 9 });
  assert.deepEqual(Array.from(ch.order), Array.from({ length: n }, (_, i) => i));
});

test('units that never respond enter no pair', () => {
  // unit 0 drives unit 1 with −1 (silent after ReLU) and unit 2 with +1; unit 3 is unreachable
  const n = 4;
  const W = new Float64Array(n * n);
  W[1 * n + 0] = -1;
  W[2 * n + 0] = 1;
  W[3 * n + 3] = 7;
  const m = chainMotif(W, n, 'relu');
  assert.deepEqual(Array.from(m.peakTime), [0, -1, 1, -1]);
  assert.equal(m.active, 2);
  assert.equal(at(m, 1), 1, 'only the pair 0 → 2');
  assert.equal(m.pairs[m.offsets.indexOf(1)], 1);
  assert.equal(at(m, 0), 0, 'the self-weights of units 0 and 2 (unit 3\'s 7 is not counted)');
  assert.equal(m.pairs[m.offsets.indexOf(0)], 2);
  assert.equal(at(m, -1), 0);
  assert.ok(Number.isNaN(at(m, 2)));
});
