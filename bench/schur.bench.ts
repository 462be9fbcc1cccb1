/**
 * Benchmark of realSchur (with Schur vectors) on Gaussian matrices randn(n, n)/√n, the same family as
 * bench/reference/scipy_linalg.py (SciPy's LAPACK dgees). Prints one JSON line per size:
 *   {"n", "ms" (median), "runs", "residual" ‖ZTZᵀ − W‖_F/‖W‖_F, "orthogonality" ‖ZᵀZ − I‖_F, "wasm"}
 * Run: node esbuild.mjs && node out/bench/schur.bench.js [n …] [--reps R]
 * (esbuild.mjs compiles and embeds the WebAssembly kernels; RECURRENT_LENS_NO_WASM=1 measures the TypeScript path.)
 */
import { realSchur } from '../src/core/linalg/schur';
import { wasmAvailable } from '../src/core/linalg/wasm/kernels';

function gaussian(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
  const A = new Float64Array(n * n);
  const c = 1 / Math.sqrt(n);
  for (let k = 0; k < n * n; k++) A[k] = c * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return A;
}

/** C = A·B (row-major, n×n), i-k-j order. */
function matmul(A: Float64Array, B: Float64Array, n: number, transB = false): Float64Array {
  const C = new Float64Array(n * n);
  const Bt = transB ? B : null;
  if (Bt) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      const ai = i * n, bj = j * n;
      for (let k = 0; k < n; k++) s += A[ai + k] * Bt[bj + k];
      C[i * n + j] = s;
    }
    return C;
  }
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const a = A[i * n + k];
      if (a === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[bk + j];
    }
  }
  return C;
}

function fro(A: Float64Array): number {
  let s = 0;
  for (let k = 0; k < A.length; k++) s += A[k] * A[k];
  return Math.sqrt(s);
}

const args = process.argv.slice(2);
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 3;
const sizes = args.filter((a, i) => !a.startsWith('--') && (repsAt < 0 || i !== repsAt + 1)).map(Number);
const ns = sizes.length ? sizes : [100, 256, 512, 1024];

// Warm the JIT on small problems first.
for (let k = 0; k < 5; k++) realSchur(gaussian(60, 99 + k), 60);

for (const n of ns) {
  const A = gaussian(n, n);
  const times: number[] = [];
  let s = realSchur(A, n);
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    s = realSchur(A, n);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  // Residual and orthogonality.
  const ZT = matmul(s.Z, s.T, n);
  const R = matmul(ZT, s.Z, n, true);
  for (let k = 0; k < n * n; k++) R[k] -= A[k];
  const ZtZ = new Float64Array(n * n);
  {
    // ZᵀZ = Σ_k row_k(Z)ᵀ row_k(Z)
    for (let k = 0; k < n; k++) {
      const zk = k * n;
      for (let i = 0; i < n; i++) {
        const a = s.Z[zk + i];
        const ci = i * n;
        for (let j = 0; j < n; j++) ZtZ[ci + j] += a * s.Z[zk + j];
      }
    }
    for (let i = 0; i < n; i++) ZtZ[i * n + i] -= 1;
  }
  console.log(JSON.stringify({ n, ms: Math.round(ms * 10) / 10, runs: reps, residual: fro(R) / fro(A), orthogonality: fro(ZtZ), wasm: wasmAvailable() }));
}
