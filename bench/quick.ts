// scratch timing (not committed)
import { realSchur } from '../src/core/linalg/schur';
import { singularValues } from '../src/core/linalg/svd';
import { solveStein } from '../src/core/linalg/stein';
import { Rng } from '../src/core/init/rng';
function randn(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const W = new Float64Array(n * n);
  for (let i = 0; i < W.length; i++) W[i] = rng.normal() / Math.sqrt(n);
  return W;
}
function time(f: () => void, reps: number): number {
  f();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) { const t = process.cpuUsage(); f(); const d = process.cpuUsage(t); ts.push((d.user + d.system) / 1000); }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}
const what = process.argv[2];
for (const n of process.argv.slice(3).map(Number)) {
  const W = randn(n, n);
  const reps = n >= 1024 ? 3 : 5;
  if (what === 'svd') console.log(n, 'svd', time(() => singularValues(W, n, n), reps).toFixed(1));
  if (what === 'schur') console.log(n, 'schur', time(() => realSchur(W, n), reps).toFixed(1));
  if (what === 'stein') {
    const s = realSchur(W, n);
    let rho = 0; for (let i = 0; i < n; i++) rho = Math.max(rho, Math.hypot(s.wr[i], s.wi[i]));
    const Ws = rho >= 1 ? W.map((v) => v / (1.01 * rho)) : W;
    console.log(n, 'stein', time(() => solveStein(Ws, n), n >= 512 ? 1 : 3).toFixed(1));
  }
}
