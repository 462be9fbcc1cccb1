import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorStats } from '../../src/core/stats';

test('statistics count NaN, Inf and zeros and describe the finite values', () => {
  const s = tensorStats([1, 2, 3, 0, NaN, Infinity, -Infinity, -2]);
  assert.deepEqual([s.nan, s.inf, s.zeros, s.min, s.max], [1, 2, 1, -2, 3]);
  assert.ok(Math.abs(s.mean! - 0.8) < 1e-15);
  const mean = 0.8;
  const variance = [1, 2, 3, 0, -2].reduce((a, v) => a + (v - mean) ** 2, 0) / 5;
  assert.ok(Math.abs(s.std! - Math.sqrt(variance)) < 1e-15);
  assert.ok(Math.abs(s.frobenius! - Math.sqrt(18)) < 1e-15);
});

test('a tensor without finite values has null statistics', () => {
  const s = tensorStats([NaN, NaN]);
  assert.deepEqual([s.min, s.max, s.mean, s.std, s.frobenius, s.nan], [null, null, null, null, null, 2]);
});

test('the mean stays accurate with a large offset', () => {
  const data = Float64Array.from({ length: 1001 }, (_, i) => 1e9 + (i - 500));
  const s = tensorStats(data);
  assert.equal(s.mean, 1e9);
  assert.ok(Math.abs(s.std! - Math.sqrt((1001 * 1001 - 1) / 12)) < 1e-6);
});
