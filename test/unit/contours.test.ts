import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisValue, contourLines, isClosed, Polyline, pseudospectrumLevels } from '../../src/core/analysis/contours';

function grid(nx: number, ny: number, f: (x: number, y: number) => number): Float64Array {
  const v = new Float64Array(nx * ny);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) v[y * nx + x] = f(x, y);
  return v;
}

/** Shoelace area of a closed ring. */
function area(line: Polyline): number {
  let a = 0;
  for (let i = 0; i + 1 < line.length; i++) a += line[i][0] * line[i + 1][1] - line[i + 1][0] * line[i][1];
  return Math.abs(a) / 2;
}

const sortSegments = (lines: Polyline[]) =>
  lines.map((l) => l.map(([x, y]) => [+x.toFixed(12), +y.toFixed(12)]).sort((a, b) => a[0] - b[0] || a[1] - b[1]))
    .sort((a, b) => a[0][0] - b[0][0] || a[0][1] - b[0][1]);

test('a radial function gives one closed circle of the right radius', () => {
  const c = 50, r = 30;
  const v = grid(101, 101, (x, y) => Math.hypot(x - c, y - c));
  const lines = contourLines(v, 101, 101, r);
  assert.equal(lines.length, 1);
  const ring = lines[0];
  assert.ok(isClosed(ring));
  assert.ok(ring.length > 100, `${ring.length} points`);
  for (const [x, y] of ring) assert.ok(Math.abs(Math.hypot(x - c, y - c) - r) < 0.02, `(${x}, ${y}) off the circle`);
  assert.ok(Math.abs(area(ring) - Math.PI * r * r) / (Math.PI * r * r) < 1e-3, `area ${area(ring)}`);
  // Consecutive points are neighbours on the grid (no jumps across the ring).
  for (let i = 0; i + 1 < ring.length; i++) assert.ok(Math.hypot(ring[i + 1][0] - ring[i][0], ring[i + 1][1] - ring[i][1]) <= Math.SQRT2 + 1e-12);
});

test('log10 σ_min of a normal matrix: circles around each eigenvalue, nested levels', () => {
  // σ_min(zI − D) = min |z − λ| for D = diag(λ): ε-pseudospectrum = union of discs of radius ε.
  const eig = [[-0.3, 0], [0.3, 0]];
  const n = 201, re = Float64Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
  const s = grid(n, n, (x, y) => Math.log10(Math.min(...eig.map(([a, b]) => Math.hypot(re[x] - a, re[y] - b)))));
  const disc = contourLines(s, n, n, Math.log10(0.1));
  assert.equal(disc.length, 2);
  for (const ring of disc) {
    assert.ok(isClosed(ring));
    const pts = ring.map(([x, y]) => [axisValue(re, x), axisValue(re, y)]);
    const cx = Math.sign(pts[0][0]) * 0.3;
    for (const [x, y] of pts) assert.ok(Math.abs(Math.hypot(x - cx, y) - 0.1) < 5e-4, `(${x}, ${y}) off the disc around ${cx}`);
  }
  // ε = 0.4 > half the distance between the eigenvalues: the discs merge into one ring.
  const merged = contourLines(s, n, n, Math.log10(0.4));
  assert.equal(merged.length, 1);
  assert.ok(isClosed(merged[0]));
});

test('a plane gives one open line from border to border', () => {
  const lines = contourLines(grid(5, 4, (x) => x), 5, 4, 2.5);
  assert.equal(lines.length, 1);
  const line = lines[0];
  assert.ok(!isClosed(line));
  assert.equal(line.length, 4);
  for (const [x] of line) assert.equal(x, 2.5);
  assert.deepEqual(line.map((p) => p[1]).sort(), [0, 1, 2, 3]);
});

test('a level outside the data, or a grid too small, gives no lines', () => {
  const v = grid(4, 4, (x, y) => x + y);
  assert.deepEqual(contourLines(v, 4, 4, 100), []);
  assert.deepEqual(contourLines(v, 4, 4, -1), []);
  assert.deepEqual(contourLines(v, 4, 4, NaN), []);
  assert.deepEqual(contourLines([1, 2, 3], 3, 1, 1.5), []);
  assert.throws(() => contourLines([1, 2, 3], 2, 2, 1), RangeError);
});

test('saddle cells are resolved by the centre value', () => {
  // v00 = 1, v10 = 0 (bottom row), v01 = 0, v11 = 1 (top row).
  const v = [1, 0, 0, 1];
  // Centre 0.5 ≥ 0.4: the high corners join through the centre; the lines cut off the low corners (1,0), (0,1).
  assert.deepEqual(sortSegments(contourLines(v, 2, 2, 0.4)), sortSegments([[[0.6, 0], [1, 0.4]], [[0, 0.6], [0.4, 1]]]));
  // Centre 0.5 < 0.6: the low corners join; the lines cut off the high corners (0,0) and (1,1).
  assert.deepEqual(sortSegments(contourLines(v, 2, 2, 0.6)), sortSegments([[[0.4, 0], [0, 0.4]], [[1, 0.6], [0.6, 1]]]));
  // The mirrored saddle.
  assert.deepEqual(sortSegments(contourLines([0, 1, 1, 0], 2, 2, 0.4)), sortSegments([[[0.4, 0], [0, 0.4]], [[1, 0.6], [0.6, 1]]]));
});

test('values equal to the level count as inside; lines stay on the grid', () => {
  const v = grid(3, 3, (x) => (x === 1 ? 1 : 0));
  const lines = contourLines(v, 3, 3, 1);
  assert.equal(lines.length, 2);
  for (const line of lines) for (const [x, y] of line) assert.ok(x >= 0 && x <= 2 && y >= 0 && y <= 2);
});

test('two separate bumps give two closed rings; a NaN cell breaks a line into two', () => {
  const bumps = grid(40, 20, (x, y) => Math.max(5 - Math.hypot(x - 10, y - 10), 5 - Math.hypot(x - 30, y - 10)));
  const rings = contourLines(bumps, 40, 20, 2);
  assert.equal(rings.length, 2);
  assert.ok(rings.every(isClosed));

  const plane = grid(6, 6, (x) => x);
  plane[3 * 6 + 2] = NaN;
  const pieces = contourLines(plane, 6, 6, 2.5);
  assert.equal(pieces.length, 2);
  assert.ok(pieces.every((p) => !isClosed(p)));
});

test('every segment is used exactly once: points per line add up', () => {
  // A wavy function with many components; each crossing point belongs to exactly one line (closed ones twice).
  const nx = 60, ny = 45;
  const v = grid(nx, ny, (x, y) => Math.sin(x / 4) * Math.cos(y / 5) + 0.1 * Math.sin(x * y / 50));
  const lines = contourLines(v, nx, ny, 0.2);
  let crossings = 0;
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const a = v[y * nx + x] >= 0.2;
    if (x + 1 < nx && a !== v[y * nx + x + 1] >= 0.2) crossings++;
    if (y + 1 < ny && a !== v[(y + 1) * nx + x] >= 0.2) crossings++;
  }
  const points = lines.reduce((s, l) => s + l.length - (isClosed(l) ? 1 : 0), 0);
  assert.equal(points, crossings);
});

test('axisValue interpolates and extrapolates linearly', () => {
  const axis = [-1, 0, 2];
  assert.equal(axisValue(axis, 0), -1);
  assert.equal(axisValue(axis, 0.5), -0.5);
  assert.equal(axisValue(axis, 1.5), 1);
  assert.equal(axisValue(axis, 2), 2);
  assert.equal(axisValue(axis, 3), 4);
  assert.equal(axisValue([7], 0.3), 7);
  assert.ok(Number.isNaN(axisValue([], 0)));
});

test('pseudospectrum levels: decades inside the data range, from 10^-1 down, at most `max`', () => {
  assert.deepEqual(pseudospectrumLevels([3e-4, 2]), [-1, -2, -3]);
  assert.deepEqual(pseudospectrumLevels([0, 1e-20, 0.5]), [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15].filter((_, i) => i % 3 === 0));
  assert.deepEqual(pseudospectrumLevels([0.02, 0.05]), []);
  assert.deepEqual(pseudospectrumLevels([0.002, 0.05]), [-2]);
  assert.deepEqual(pseudospectrumLevels([0.001, 0.1]), [-2]);
  assert.deepEqual(pseudospectrumLevels([NaN, Infinity, 0]), []);
  assert.deepEqual(pseudospectrumLevels([1e-9, 10], 20, 0), [0, -1, -2, -3, -4, -5, -6, -7, -8]);
});
