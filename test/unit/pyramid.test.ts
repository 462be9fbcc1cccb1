import { test } from 'node:test';
import assert from 'node:assert/strict';
import { halve, overview } from '../../src/core/pyramid';

test('halve keeps the signed value of largest magnitude of each 2×2 block, odd edges included', () => {
  const g = halve({ rows: 3, cols: 3, data: Float32Array.from([1, -4, 2, 3, 0, 0, -1, 5, 7]) });
  assert.deepEqual([g.rows, g.cols], [2, 2]);
  assert.deepEqual(Array.from(g.data), [-4, 2, 5, 7]);
});

test('NaN wins its block so bad weights stay visible', () => {
  const g = halve({ rows: 2, cols: 4, data: Float32Array.from([1, NaN, 9, 1, 2, 3, -9, 0]) });
  assert.ok(Number.isNaN(g.data[0]));
  assert.equal(g.data[1], 9);
});

test('overview halves until the larger side fits and never loses an isolated value', () => {
  const n = 1000;
  const data = new Float32Array(n * n);
  data[999 * n + 3] = -2;
  const { level, grid } = overview({ rows: n, cols: n, data }, 128);
  assert.equal(level, 3);
  assert.deepEqual([grid.rows, grid.cols], [125, 125]);
  assert.equal(grid.data[Math.floor(999 / 8) * 125 + 0], -2);
  assert.equal(grid.data.reduce((a, v) => a + Math.abs(v), 0), 2);
});
