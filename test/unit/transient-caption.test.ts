import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transientNorms } from '../../src/core/analysis/transient';
import { describeTransient, needsLogAxis } from '../../src/core/analysis/transientCaption';
import { chain, identity, orthogonal } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';
import { inputVector } from '../../src/core/analysis/memory';

const N = 40;
const curve = (W: Float64Array, kMax = 2 * N) => transientNorms(W, N, inputVector('source', N), kMax);

test('the transient caption says what the curve does: growth without decay for ρ ≥ 1', () => {
  const t = curve(identity(N, 1.3));
  const s = describeTransient(t);
  assert.match(s, /grows without decay over these 80 steps/);
  assert.doesNotMatch(s, /before decay/);
  assert.equal(needsLogAxis(t), true); // 1.3^80 ≈ 1.3e9
});

test('… growth then exact zero for a chain (nilpotent), growth before decay for a non-normal stable W', () => {
  assert.match(describeTransient(curve(chain(N, 1.1))), /grows to .* at k = 39, then drops to exactly 0 at k = 40/);
  const W = chain(N, 1.1);
  W[N - 1] = 0.5; // W[0][N−1]: a ring closure, ρ = (0.5·1.1^39)^(1/40) ≈ 1.06 — still grows overall
  const ringSmall = chain(N, 1.1);
  ringSmall[N - 1] = 1e-3; // ρ ≈ 0.9: grows along the chain, then decays
  const s = describeTransient(curve(ringSmall, 4 * N));
  assert.match(s, /grows to .* then decays to .*: growth before decay/);
});

test('… plain decay for a normal contraction; constant for an orthogonal W; overflow is named', () => {
  assert.match(describeTransient(curve(orthogonal(N, 0.9, new Rng(1)))), /^‖Wᵏv‖ decays from 1 to .* without transient growth\.$/);
  assert.match(describeTransient(curve(orthogonal(N, 1, new Rng(1)))), /stays at 1/);
  assert.match(describeTransient(Float64Array.of(1, 1e200, Infinity, Infinity)), /overflows float64 at k = 2/);
  assert.equal(needsLogAxis(Float64Array.of(1, 2, 0.5)), false);
  assert.equal(needsLogAxis(Float64Array.of(1, 0, 0)), false);
});
