import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transientNorms } from '../../src/core/analysis/transient';
import { inputVector } from '../../src/core/analysis/memory';
import { chain, identity, orthogonal, fbchain } from '../../src/core/init/initializers';
import { Rng } from '../../src/core/init/rng';

test('chain α = 1.02, input at the source: ‖W^k v‖ = α^k up to k = N−1, then exactly 0', () => {
  const n = 100, alpha = 1.02;
  const t = transientNorms(chain(n, alpha), n, inputVector('source', n), 150);
  assert.equal(t.length, 151);
  let p = 1;
  for (let k = 0; k < n; k++) {
    assert.ok(Math.abs(t[k] - p) <= 1e-15 * p, `k=${k}: ${t[k]} vs ${p}`);
    assert.ok(Math.abs(t[k] - alpha ** k) <= 1e-13 * alpha ** k);
    p *= alpha;
  }
  for (let k = n; k <= 150; k++) assert.equal(t[k], 0);
  // At the sink the signal leaves at once.
  const s = transientNorms(chain(n, alpha), n, inputVector('sink', n), 3);
  assert.deepEqual(Array.from(s), [1, 0, 0, 0]);
});

test('λQ decays as λ^k; λ = 1 preserves the norm', () => {
  const n = 64;
  for (const lambda of [0.9, 1]) {
    const W = orthogonal(n, lambda, new Rng(3));
    const v = inputVector('random', n, { seed: 1 });
    const t = transientNorms(W, n, v, 200);
    for (let k = 0; k <= 200; k++) assert.ok(Math.abs(t[k] - lambda ** k) <= 1e-12 * lambda ** k, `λ=${lambda}, k=${k}: ${t[k]}`);
  }
});

test('non-unit v is used as given; overflow gives Infinity, never NaN; kMax = 0', () => {
  const t = transientNorms(identity(3, 0.5), 3, [0, 3, 4], 2);
  assert.deepEqual(Array.from(t), [5, 2.5, 1.25]);
  const big = transientNorms(identity(2, 1e200), 2, [1, 0], 4);
  assert.deepEqual(Array.from(big), [1, 1e200, Infinity, Infinity, Infinity]);
  assert.deepEqual(Array.from(transientNorms(fbchain(4, 0.1), 4, [1, 0, 0, 0], 0)), [1]);
  assert.throws(() => transientNorms(identity(2, 1), 2, [1], 3), RangeError);
});
