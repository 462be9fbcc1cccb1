import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { realSchur } from '../../src/core/linalg/schur';
import { defaultGrid, pseudospectrum } from '../../src/core/linalg/pseudospectrum';
import { CancelledError } from '../../src/core/cancel';

// Bundled to out/test/unit/pseudospectrum.test.js: the fixtures are three levels up.
const LINALG = path.join(__dirname, '../../../test/fixtures/linalg');

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}
function gaussian(n: number, seed: number, scale = 1 / Math.sqrt(n)): Float64Array {
  const r = rng(seed);
  const A = new Float64Array(n * n);
  for (let k = 0; k < n * n; k++) A[k] = scale * Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
  return A;
}
function decodeB64(b: string): Float64Array {
  const bytes = Buffer.from(b, 'base64');
  const out = new Float64Array(bytes.length / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
/** A normal matrix Q D Qᵀ with D block diagonal (real eigenvalues and rotation-scaling blocks). */
function normalMatrix(n: number, seed: number): { A: Float64Array; eig: [number, number][] } {
  const r = rng(seed);
  const D = new Float64Array(n * n);
  const eig: [number, number][] = [];
  let k = 0;
  while (k < n) {
    if (k + 1 < n && r() < 0.6) {
      const a = 2 * r() - 1, b = 0.1 + r();
      D[k * n + k] = a; D[(k + 1) * n + k + 1] = a; D[k * n + k + 1] = b; D[(k + 1) * n + k] = -b;
      eig.push([a, b], [a, -b]);
      k += 2;
    } else {
      D[k * n + k] = 2 * r() - 1;
      eig.push([D[k * n + k], 0]);
      k++;
    }
  }
  // Q from Gram–Schmidt on a Gaussian matrix.
  const G = gaussian(n, seed + 1, 1);
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const v = Array.from({ length: n }, (_, i) => G[i * n + j]);
    for (let pass = 0; pass < 2; pass++) for (let c = 0; c < j; c++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += Q[i * n + c] * v[i];
      for (let i = 0; i < n; i++) v[i] -= d * Q[i * n + c];
    }
    const nv = Math.hypot(...v);
    for (let i = 0; i < n; i++) Q[i * n + j] = v[i] / nv;
  }
  const QD = new Float64Array(n * n), A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let l = 0; l < n; l++) for (let j = 0; j < n; j++) QD[i * n + j] += Q[i * n + l] * D[l * n + j];
  for (let i = 0; i < n; i++) for (let l = 0; l < n; l++) for (let j = 0; j < n; j++) A[i * n + j] += QD[i * n + l] * Q[j * n + l];
  return { A, eig };
}

test('normal matrix: σ_min(zI − W) is the distance from z to the spectrum', () => {
  const n = 30;
  const { A, eig } = normalMatrix(n, 42);
  const s = realSchur(A, n);
  const grid = defaultGrid(s, 37);
  const sig = pseudospectrum(s, grid);
  assert.equal(sig.length, 37 * 37);
  let worst = 0;
  for (let i = 0; i < grid.im.length; i++) for (let j = 0; j < grid.re.length; j++) {
    const zr = grid.re[j], zi = grid.im[i];
    const dist = Math.min(...eig.map(([re, im]) => Math.hypot(zr - re, zi - im)));
    const got = sig[i * grid.re.length + j];
    worst = Math.max(worst, Math.abs(got - dist) / Math.max(dist, 1e-300));
  }
  assert.ok(worst < 1e-8, `worst relative error ${worst}`);
});

test('non-normal 20×20: agrees with SciPy SVD brute force', () => {
  const ref = JSON.parse(readFileSync(path.join(LINALG, 'reference.json'), 'utf8'));
  assert.ok(ref.pseudospectrum.length >= 2);
  for (const m of ref.pseudospectrum as { name: string; n: number; A: string; points: [number, number, number][] }[]) {
    const A = decodeB64(m.A);
    const s = realSchur(A, m.n);
    for (const [re, im, want] of m.points) {
      const got = pseudospectrum(s, { re: new Float64Array([re]), im: new Float64Array([im]) })[0];
      // Tiny σ_min (z near an ill-conditioned eigenvalue) are accurate to ~ε‖W‖, not relatively.
      assert.ok(Math.abs(got - want) <= 1e-8 * want + 1e-13, `${m.name} at ${re}+${im}i: ${got} vs ${want}`);
    }
  }
});

test('grid layout is row-major over im × re and matches point-by-point evaluation', () => {
  const n = 15;
  const s = realSchur(gaussian(n, 3), n);
  const re = new Float64Array([-1.5, -0.2, 0.4, 1.1, 2]);
  const im = new Float64Array([-0.7, 0.05, 1.3]);
  const sig = pseudospectrum(s, { re, im });
  for (let i = 0; i < im.length; i++) for (let j = 0; j < re.length; j++) {
    const one = pseudospectrum(s, { re: re.subarray(j, j + 1), im: im.subarray(i, i + 1) })[0];
    const got = sig[i * re.length + j];
    assert.ok(Math.abs(got - one) <= 1e-8 * one, `(${i}, ${j}): ${got} vs ${one}`);
  }
});

test('σ_min is 0 at an exact eigenvalue and symmetric under conjugation', () => {
  const A = new Float64Array([2, 1, 0, 0, 2, 1, 0, 0, 3]); // upper triangular: T = W, eigenvalues 2, 2, 3
  const s = realSchur(A, 3);
  const sig = pseudospectrum(s, { re: new Float64Array([2, 3]), im: new Float64Array([0]) });
  assert.deepEqual(Array.from(sig), [0, 0]);
  const t = realSchur(gaussian(12, 8), 12);
  const a = pseudospectrum(t, { re: new Float64Array([0.3]), im: new Float64Array([0.45, -0.45]) });
  assert.ok(Math.abs(a[0] - a[1]) <= 1e-9 * a[0]);
});

test('defaultGrid covers the spectrum with a margin', () => {
  const n = 40;
  const s = realSchur(gaussian(n, 12), n);
  const g = defaultGrid(s, 50);
  assert.equal(g.re.length, 50);
  assert.equal(g.im.length, 50);
  for (let k = 0; k < n; k++) {
    assert.ok(s.wr[k] > g.re[0] && s.wr[k] < g.re[49]);
    assert.ok(s.wi[k] > g.im[0] && s.wi[k] < g.im[49]);
  }
  assert.ok(Math.abs(g.im[0] + g.im[49]) < 1e-12, 'symmetric about the real axis');
  // A nilpotent matrix (all eigenvalues 0) still gets a non-degenerate grid.
  const c = new Float64Array(100);
  for (let i = 1; i < 10; i++) c[i * 10 + i - 1] = 1;
  const gc = defaultGrid(realSchur(c, 10), 10);
  assert.ok(gc.re[9] - gc.re[0] > 0.1 && gc.im[9] - gc.im[0] > 0.1);
});

test('an aborted signal stops the computation', () => {
  const s = realSchur(gaussian(10, 1), 10);
  assert.throws(() => pseudospectrum(s, defaultGrid(s, 10), { signal: { aborted: true } }), CancelledError);
});

// Its speed (goal: 2 s) is measured by `npm run bench` (pseudospectrum_100x100_n100_ms), not here.
test('100×100 grid for N = 100 is positive and finite everywhere', () => {
  const n = 100;
  const s = realSchur(gaussian(n, 100), n);
  const g = defaultGrid(s, 100);
  const sig = pseudospectrum(s, g);
  assert.equal(sig.length, 100 * 100);
  assert.ok(sig.every((v) => v > 0 && Number.isFinite(v)));
});
