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

test('values near the float64 limit: the sum overflows, the mean and std do not', () => {
  const s = tensorStats([1e308, 1e308, 1e308]);
  assert.equal(s.mean, 1e308);
  assert.equal(s.std, 0);
  assert.equal(s.min, 1e308);
});

test('mean and std agree with Welford’s one-pass update on a large offset tensor with NaN and Inf', () => {
  let x = 12345;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const data = Float64Array.from({ length: 100_003 }, (_, i) => (i % 997 === 0 ? NaN : i % 991 === 0 ? -Infinity : 1e6 + rand() * 3));
  let n = 0, mean = 0, m2 = 0;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  const s = tensorStats(data);
  assert.equal(s.nan + s.inf, data.length - n);
  assert.ok(Math.abs(s.mean! - mean) < 1e-9 * 1e6, `${s.mean} vs ${mean}`);
  assert.ok(Math.abs(s.std! - Math.sqrt(m2 / n)) < 1e-9, `${s.std} vs ${Math.sqrt(m2 / n)}`);
});

test('an outlier first value (the one-pass shift far from the mean) still gives the exact spread', () => {
  const data = new Float64Array(100_001).fill(1);
  data[0] = 1e12;
  for (let i = 1; i < data.length; i += 2) data[i] = 3;
  let mean = 0;
  for (const v of data) mean += v / data.length;
  let m2 = 0;
  for (const v of data) m2 += (v - mean) ** 2;
  const s = tensorStats(data);
  assert.ok(Math.abs(s.mean! - mean) <= 1e-9 * mean);
  assert.ok(Math.abs(s.std! - Math.sqrt(m2 / data.length)) <= 1e-9 * Math.sqrt(m2 / data.length));
  // and a constant tensor: std exactly 0
  assert.equal(tensorStats(new Float64Array(1000).fill(0.1)).std, 0);
});
