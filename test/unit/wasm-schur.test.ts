import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realSchur, RealSchur } from '../../src/core/linalg/schur';
import { hessenbergQ, hessenbergReduce } from '../../src/core/linalg/hessenberg';
import { laqr0 } from '../../src/core/linalg/laqr';
import { gemmNN, gemmTN } from '../../src/core/linalg/gemm';
import { openWorkspace, setWasmEnabled, wasmAvailable } from '../../src/core/linalg/wasm/kernels';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
}
function gaussian(n: number, seed: number, scale = 1 / Math.sqrt(Math.max(n, 1))): Float64Array {
  const r = rng(seed);
  const A = new Float64Array(n * n);
  for (let k = 0; k < n * n; k++) A[k] = scale * Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
  return A;
}
function fro(A: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < A.length; k++) s += A[k] * A[k];
  return Math.sqrt(s);
}
/** ‖Z T Zᵀ − A‖_F/‖A‖_F, ‖ZᵀZ − I‖_F, and whether T is quasi-triangular with standardised 2×2 blocks. */
function check(A: Float64Array, s: RealSchur): { res: number; orth: number } {
  const n = s.n, T = s.T, Z = s.Z;
  const ZT = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    const z = Z[i * n + k];
    if (z !== 0) for (let j = 0; j < n; j++) ZT[i * n + j] += z * T[k * n + j];
  }
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let x = 0;
    for (let k = 0; k < n; k++) x += ZT[i * n + k] * Z[j * n + k];
    R[i * n + j] = x - A[i * n + j];
  }
  const G = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) {
    const a = Z[k * n + i];
    for (let j = 0; j < n; j++) G[i * n + j] += a * Z[k * n + j];
  }
  for (let i = 0; i < n; i++) G[i * n + i] -= 1;
  for (let i = 0; i < n; i++) for (let j = 0; j + 1 < i; j++) assert.equal(T[i * n + j], 0, `T(${i},${j}) below the sub-diagonal`);
  for (let k = 0; k + 1 < n; k++) {
    if (T[(k + 1) * n + k] !== 0) {
      assert.ok(k + 2 >= n || T[(k + 2) * n + k + 1] === 0, 'two consecutive sub-diagonal entries');
      assert.equal(T[k * n + k], T[(k + 1) * n + k + 1], '2×2 block not standardised');
      assert.ok(T[k * n + k + 1] * T[(k + 1) * n + k] < 0);
    }
  }
  return { res: fro(R) / Math.max(fro(A), 1e-300), orth: fro(G) };
}
/** Eigenvalues sorted by (re, im) for comparing two runs. */
function sortedEig(s: RealSchur): [number, number][] {
  const e: [number, number][] = [];
  for (let k = 0; k < s.n; k++) e.push([s.wr[k], s.wi[k]]);
  return e.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
function bothPaths(A: Float64Array, n: number): { w: RealSchur; t: RealSchur } {
  try {
    setWasmEnabled(true);
    const w = realSchur(A, n);
    setWasmEnabled(false);
    const t = realSchur(A, n);
    return { w, t };
  } finally {
    setWasmEnabled(true);
  }
}

test('the WebAssembly SIMD kernels are available in Node', () => {
  assert.equal(wasmAvailable(), true);
});

const cases: [string, number, () => Float64Array][] = [
  ['Gaussian 7', 7, () => gaussian(7, 3)],
  ['Gaussian 64', 64, () => gaussian(64, 5)],
  ['Gaussian 100 (dlahqr, unblocked Hessenberg)', 100, () => gaussian(100, 100)],
  ['Gaussian 171 (multishift, one blocked panel)', 171, () => gaussian(171, 8)],
  ['Gaussian 300 (multishift with AED)', 300, () => gaussian(300, 9)],
  ['chain α = 1.02 plus noise, 200', 200, () => {
    const n = 200, A = gaussian(n, 11, 1e-3);
    for (let i = 1; i < n; i++) A[i * n + i - 1] += 1.02;
    return A;
  }],
  ['symmetric 180', 180, () => {
    const n = 180, G = gaussian(n, 12), A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = G[i * n + j] + G[j * n + i];
    return A;
  }],
];
for (const [name, n, make] of cases) {
  test(`WebAssembly and TypeScript paths agree: ${name}`, () => {
    const A = make();
    const { w, t } = bothPaths(A, n);
    for (const s of [w, t]) {
      const { res, orth } = check(A, s);
      assert.ok(res <= 1e-12, `residual ${res}`);
      assert.ok(orth <= 1e-12, `orthogonality ${orth}`);
    }
    let scale = 0;
    for (let k = 0; k < n; k++) scale = Math.max(scale, Math.hypot(t.wr[k], t.wi[k]));
    const ew = sortedEig(w), et = sortedEig(t);
    let worst = 0;
    // Eigenvalues as multisets: match each to the nearest unused partner.
    const used = new Uint8Array(n);
    for (const [re, im] of ew) {
      let best = -1, bd = Infinity;
      for (let k = 0; k < n; k++) {
        if (used[k]) continue;
        const d = Math.hypot(re - et[k][0], im - et[k][1]);
        if (d < bd) { bd = d; best = k; }
      }
      used[best] = 1;
      worst = Math.max(worst, bd / Math.max(scale, 1e-300));
    }
    assert.ok(worst <= 1e-12, `eigenvalues differ by ${worst} (relative)`);
  });
}

test('a matrix that only partly fits the workspace (mixed wasm / JavaScript arrays) is still exact', () => {
  const n = 260, A = gaussian(n, 21);
  setWasmEnabled(true);
  // A workspace of 1.2·n² elements: H fits, Z and part of the scratch do not.
  const ws = openWorkspace(Math.floor(1.2 * n * n));
  assert.ok(ws);
  let s: RealSchur;
  try {
    s = realSchur(A, n, { workspace: ws });
  } finally {
    ws.close();
  }
  const { res, orth } = check(A, s);
  assert.ok(res <= 1e-12 && orth <= 1e-12, `${res} ${orth}`);
});

test('SIMD GEMM kernels match the TypeScript ones (all tail sizes, accumulate or not)', () => {
  const r = rng(77);
  for (const [m, n, k] of [[1, 1, 1], [3, 5, 2], [4, 4, 4], [7, 9, 13], [33, 6, 300], [130, 17, 32], [5, 3, 0]]) {
    for (const acc of [false, true]) {
      for (const tn of [false, true]) {
        const lda = (tn ? k : m) + 3, ldb = k + 1, ldc = m + 2;
        const aLen = lda * (tn ? m : k) + 4, bLen = ldb * n + 4, cLen = ldc * n + 4;
        const a0 = Float64Array.from({ length: aLen }, () => r() - 0.5);
        const b0 = Float64Array.from({ length: bLen }, () => r() - 0.5);
        const c0 = Float64Array.from({ length: cLen }, () => r() - 0.5);
        const ref = c0.slice();
        (tn ? gemmTN : gemmNN)(m, n, k, a0, 2, lda, b0, 1, ldb, ref, 3, ldc, acc);
        const ws = openWorkspace(aLen + bLen + cLen + 4 * (m * k + 8) + 64);
        assert.ok(ws);
        try {
          const a = ws.alloc(aLen), b = ws.alloc(bLen), c = ws.alloc(cLen);
          assert.ok(ws.index(a) >= 0 && ws.index(c) >= 0);
          a.set(a0); b.set(b0); c.set(c0);
          (tn ? gemmTN : gemmNN)(m, n, k, a, 2, lda, b, 1, ldb, c, 3, ldc, acc, ws);
          for (let q = 0; q < cLen; q++) {
            assert.ok(Math.abs(c[q] - ref[q]) <= 1e-13 * (1 + k), `${tn ? 'TN' : 'NN'} ${m}×${n}×${k} acc=${acc} at ${q}: ${c[q]} vs ${ref[q]}`);
          }
        } finally {
          ws.close();
        }
      }
    }
  }
});

test('dlaqr5 with accumulated reflections (kacc22 = 1) on matrices in the WebAssembly memory', () => {
  const n = 230, A = gaussian(n, 99);
  setWasmEnabled(true);
  const ws = openWorkspace(3 * n * n + (1 << 16));
  assert.ok(ws);
  let s: RealSchur;
  try {
    const h = ws.alloc(n * n), z = ws.alloc(n * n), tau = ws.alloc(n);
    assert.ok(ws.index(h) >= 0 && ws.index(z) >= 0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i + j * n] = A[i * n + j];
    hessenbergReduce(h, n, tau, ws);
    hessenbergQ(h, n, tau, z, ws);
    for (let j = 0; j < n; j++) for (let i = j + 2; i < n; i++) h[i + j * n] = 0;
    const wr = new Float64Array(n), wi = new Float64Array(n);
    assert.equal(laqr0(true, true, n, 0, n - 1, h, n, wr, wi, 0, n - 1, z, n, undefined, false, 0, ws), 0);
    for (let j = 0; j < n; j++) for (let i = j + 2; i < n; i++) h[i + j * n] = 0;
    const T = new Float64Array(n * n), Z = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { T[i * n + j] = h[i + j * n]; Z[i * n + j] = z[i + j * n]; }
    s = { n, T, Z, wr, wi, order: 'none' };
  } finally {
    ws.close();
  }
  const { res, orth } = check(A, s);
  assert.ok(res <= 1e-12 && orth <= 1e-12, `${res} ${orth}`);
});
