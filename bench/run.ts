/**
 * `npm run bench`: our linear algebra side by side with SciPy/LAPACK (bench/reference/scipy_linalg.py) on the
 * same matrices, and one training update side by side with PyTorch (bench/reference/torch_rnn_train.py; the LSTM
 * language model: bench/reference/torch_charlm.py), both
 * run with Debian's /usr/bin/python3 (python3-scipy, python3-torch). Prints Markdown tables (the README keeps
 * the latest) and writes JSON lines to bench/results/linalg.jsonl and bench/results/train.jsonl. `startup`: the CLI's
 * `inspect` beside bare node (process start included) → bench/results/startup.jsonl.
 *
 * `analyze`: the CLI's `analyze` beside SciPy (bench/reference/scipy_analyze.py), one-shot at N = 100 and per step at
 * N = 1024 → bench/results/analyze.jsonl.
 *
 *   npm run bench [-- --only linalg|train|sweep-panel|startup|analyze] [--n 100 256 512 1024] [--reps 5] [--no-scipy] [--no-torch]
 *                 [--big-n 1024] [--seed S] [--scale G] [--timeout SEC]   (analyze)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { realSchur } from '../src/core/linalg/schur';
import { singularValues } from '../src/core/linalg/svd';
import { solveStein } from '../src/core/linalg/stein';
import { pseudospectrum, defaultGrid } from '../src/core/linalg/pseudospectrum';
import { fisherMemory, inputVector } from '../src/core/analysis/memory';
import { henrici } from '../src/core/analysis/henrici';
import { Rng } from '../src/core/init/rng';
import { writeNpy } from '../src/core/readers/npy';
import { arg } from './args';
import { sweepPanelBench } from './sweepPanel';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = '/usr/bin/python3';


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(f: () => void, reps: number): number {
  // Warm up until the JIT has settled: at least two calls and 300 ms (V8 optimizes a function after many calls, so the
  // sub-millisecond sizes need dozens; SciPy's compiled code is warm after its one call).
  const t0 = performance.now();
  for (let w = 0; w < 2 || performance.now() - t0 < 300; w++) f();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

function randn(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const W = new Float64Array(n * n);
  for (let i = 0; i < W.length; i++) W[i] = rng.normal() / Math.sqrt(n);
  return W;
}

function spectralRadius(wr: Float64Array, wi: Float64Array): number {
  let r = 0;
  for (let i = 0; i < wr.length; i++) r = Math.max(r, Math.hypot(wr[i], wi[i]));
  return r;
}

interface Row { n: number; engine: string; schur_ms: number; eigvals_ms: number; svdvals_ms: number; lyapunov_ms: number;
  /** Ours only: the whole memory curve J(k) (Stein solve included) of W rescaled to ρ = 0.9, infinite horizon, v = e₁. */
  memory_curve_ms?: number;
  spectral_radius: number; henrici: number; sigma_max: number; schur_residual?: number }

function ours(W: Float64Array, n: number, reps: number): Row {
  const s = realSchur(W, n);
  const rho = spectralRadius(s.wr, s.wi);
  const Ws = rho >= 1 ? W.map((v) => v / (1.01 * rho)) : W;
  const W09 = W.map((x) => (x * 0.9) / rho);
  const v = inputVector('source', n);
  const sv = singularValues(W, n, n);
  // Residual ‖Z T Zᵀ − W‖_F / ‖W‖_F, as SciPy's script reports it.
  let num = 0, den = 0;
  const ZT = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    const z = s.Z[i * n + k];
    if (z === 0) continue;
    for (let j = 0; j < n; j++) ZT[i * n + j] += z * s.T[k * n + j];
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let v = 0;
    for (let k = 0; k < n; k++) v += ZT[i * n + k] * s.Z[j * n + k];
    num += (v - W[i * n + j]) ** 2;
    den += W[i * n + j] ** 2;
  }
  return {
    n, engine: 'recurrent-lens',
    schur_ms: time(() => realSchur(W, n), reps),
    eigvals_ms: time(() => realSchur(W, n, { wantZ: false }), reps),
    svdvals_ms: time(() => singularValues(W, n, n), reps),
    lyapunov_ms: time(() => solveStein(Ws, n), reps),
    memory_curve_ms: time(() => fisherMemory(W09, n, v), reps),
    spectral_radius: rho, henrici: henrici(W, n, s).absolute, sigma_max: sv[0],
    schur_residual: Math.sqrt(num / den),
  };
}

function scipy(file: string, reps: number): Row | undefined {
  const r = spawnSync(PYTHON, [path.join(ROOT, 'bench', 'reference', 'scipy_linalg.py'), '--npy', file, '--reps', String(reps)], {
    encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  if (r.status !== 0) {
    console.error(`scipy reference failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return undefined;
  }
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { ...j, engine: `scipy ${j.scipy}` };
}

function fmt(v: number, digits = 4): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(digits)).toString();
}

function linalg(): void {
  const sizes = (arg('n') ?? ['100', '256', '512', '1024']).map(Number);
  const bad = sizes.find((n) => !Number.isInteger(n) || n < 2);
  if (bad !== undefined) throw new Error(`--n: sizes must be integers ≥ 2, got ${arg('n')!.join(' ')}`);
  const reps = Number(arg('reps')?.[0] ?? 5);
  const withScipy = !process.argv.includes('--no-scipy') && existsSync(PYTHON);
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-bench-'));
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      const W = randn(n, n);
      const file = path.join(dir, `W${n}.npy`);
      writeFileSync(file, writeNpy([n, n], W, 'float64'));
      const mine = ours(W, n, reps);
      rows.push(mine);
      const ref = withScipy ? scipy(file, reps) : undefined;
      if (ref) rows.push(ref);
      console.error(`n=${n}: schur ${fmt(mine.schur_ms)} ms${ref ? ` (scipy ${fmt(ref.schur_ms)} ms)` : ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Goals of the analyses issue that are not side by side with SciPy.
  const G256 = randn(256, 7);
  const s256 = realSchur(G256, 256, { wantZ: false });
  const W256 = G256.map((v) => (v * 0.9) / spectralRadius(s256.wr, s256.wi)); // ρ(W) = 0.9
  const v = inputVector('source', 256);
  const memoryMs = time(() => fisherMemory(W256, 256, v), reps);
  const W100 = randn(100, 3);
  const s100 = realSchur(W100, 100);
  const grid = defaultGrid(s100, 100);
  const pseudoMs = time(() => pseudospectrum(s100, grid), 1);

  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'linalg.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n' +
    JSON.stringify({ engine: 'recurrent-lens', memory_curve_n256_ms: memoryMs, pseudospectrum_100x100_n100_ms: pseudoMs }) + '\n');

  const lines = [
    '| N | engine | real Schur + Z (ms) | ratio to SciPy | eigenvalues (ms) | singular values (ms) | C = WCWᵀ+I (ms) | memory curve ρ 0.9 (ms) | ratio to SciPy\'s Lyapunov | ρ(W) | Henrici | σ_max |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ref = rows.find((x) => x.n === r.n && x.engine.startsWith('scipy'));
    const ratio = ref && r.engine === 'recurrent-lens' ? `${(r.schur_ms / ref.schur_ms).toFixed(2)}×` : '';
    const memory = r.memory_curve_ms === undefined ? '' : fmt(r.memory_curve_ms);
    const memoryRatio = ref && r.memory_curve_ms !== undefined ? `${(r.memory_curve_ms / ref.lyapunov_ms).toFixed(2)}×` : '';
    lines.push(`| ${r.n} | ${r.engine} | ${fmt(r.schur_ms)} | ${ratio} | ${fmt(r.eigvals_ms)} | ${fmt(r.svdvals_ms)} | ${fmt(r.lyapunov_ms)} | ${memory} | ${memoryRatio} | ` +
      `${r.spectral_radius.toPrecision(10)} | ${r.henrici.toPrecision(10)} | ${r.sigma_max.toPrecision(10)} |`);
  }
  lines.push('', 'Memory curve: fisherMemory of W rescaled to ρ = 0.9 (Schur form, Stein solve and J(k) included; goal ≤ 1.0× SciPy\'s solve_discrete_lyapunov).',
    `Memory curve J(k), N = 256 (ρ = 0.9, seed 7): ${fmt(memoryMs)} ms.`,
    `Pseudospectrum, 100×100 grid, N = 100: ${fmt(pseudoMs)} ms (goal < 2000 ms).`);
  console.log(lines.join('\n'));
}

interface TrainRow { engine: string; task: string; T: number; threads: number | string; ms_per_update: number; gflops: number; backend?: string }

/** One update of the paper's model: our CLI's `bench train` (the trainer's own step) against PyTorch on the CPU. */
function training(): void {
  const withTorch = !process.argv.includes('--no-torch') && existsSync(PYTHON);
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const rows: TrainRow[] = [];
  const cases = [{ task: 'copy', T: 500 }, { task: 'addition', T: 750 }];
  for (const c of cases) {
    for (const threads of [1, 2]) {
      const ours = spawnSync(process.execPath, [cli, 'bench', 'train', '--task', c.task, '--T', String(c.T), '--updates', '20', '--threads', String(threads), '--json'], { encoding: 'utf8' });
      if (ours.status !== 0) throw new Error(`bench train failed: ${ours.stderr}`);
      const j = JSON.parse(ours.stdout.trim().split('\n').pop()!);
      rows.push({ engine: `recurrent-lens (${j.engine}, tfjs ${j.backend})`, task: c.task, T: c.T, threads, ms_per_update: j.ms_per_update, gflops: j.gflops, backend: j.backend });
      console.error(`${c.task} T=${c.T}: ${j.ms_per_update} ms/update (${j.engine})`);
    }
    if (!withTorch) continue;
    for (const threads of [1, 2]) {
      const r = spawnSync(PYTHON, [path.join(ROOT, 'bench', 'reference', 'torch_rnn_train.py'), '--task', c.task, '--T', String(c.T), '--threads', String(threads), '--updates', '20'], { encoding: 'utf8' });
      if (r.status !== 0) {
        console.error(`torch reference failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
        continue;
      }
      const t = JSON.parse(r.stdout.trim().split('\n').pop()!);
      rows.push({ engine: `pytorch ${t.torch}`, task: c.task, T: c.T, threads, ms_per_update: t.ms_per_update, gflops: t.gflops });
      console.error(`  pytorch, ${threads} thread(s): ${t.ms_per_update} ms/update`);
    }
  }
  charLm(rows, withTorch);
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const lines = ['| task | engine | threads | ms / update | GFLOP/s | ratio to PyTorch (1 thread) | ratio to PyTorch (same threads) |', '|---|---|---|---|---|---|---|'];
  const ratio = (r: TrainRow, threads: number | string) => {
    const ref = rows.find((x) => x.task === r.task && x.engine.startsWith('pytorch') && x.threads === threads);
    return ref && !r.engine.startsWith('pytorch') ? `${(r.ms_per_update / ref.ms_per_update).toFixed(2)}×` : '';
  };
  for (const r of rows) {
    lines.push(`| ${r.task} T=${r.T} | ${r.engine} | ${r.threads} | ${fmt(r.ms_per_update)} | ${fmt(r.gflops, 3)} | ${ratio(r, 1)} | ${ratio(r, r.threads)} |`);
  }
  console.log(lines.join('\n'));
}

/**
 * One update of a character-level LSTM language model (N 256, T 100, batch 32) on the Brown text that the build
 * puts in dist/brown: `bench train --task charlm` against bench/reference/torch_charlm.py --bench, 1 and 2 threads.
 */
function charLm(rows: TrainRow[], withTorch: boolean): void {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const text = path.join(ROOT, 'dist', 'brown', 'brown.txt');
  const dims = ['--N', '256', '--T', '100', '--batch', '32'];
  for (const threads of [1, 2]) {
    const ours = spawnSync(process.execPath, [cli, 'bench', 'train', '--task', 'charlm', '--file', text, '--cell', 'lstm', ...dims, '--updates', '20', '--threads', String(threads), '--json'], { encoding: 'utf8' });
    if (ours.status !== 0) throw new Error(`bench train --task charlm failed: ${ours.stderr}`);
    const j = JSON.parse(ours.stdout.trim().split('\n').pop()!);
    rows.push({ engine: `recurrent-lens (${j.engine})`, task: 'charlm lstm', T: 100, threads, ms_per_update: j.ms_per_update, gflops: j.gflops });
    console.error(`charlm lstm N=256 T=100 B=32: ${j.ms_per_update} ms/update (${j.engine})`);
    if (!withTorch) continue;
    const r = spawnSync(PYTHON, [path.join(ROOT, 'bench', 'reference', 'torch_charlm.py'), '--text', text, '--cell', 'lstm', ...dims, '--threads', String(threads), '--bench', '--updates', '20'], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`torch charlm reference failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
      continue;
    }
    const t = JSON.parse(r.stdout.trim().split('\n').pop()!);
    rows.push({ engine: `pytorch ${t.torch}`, task: 'charlm lstm', T: 100, threads, ms_per_update: t.ms_per_update, gflops: t.gflops });
    console.error(`  pytorch, ${threads} thread(s): ${t.ms_per_update} ms/update`);
  }
}

/** Wall time of one process run (spawned, waited for), in ms; throws when it fails. */
function runMs(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

/**
 * Start-up: `recurrent-lens inspect` (dist/cli.js, process start included) beside bare node doing the least the same
 * job needs — `node -e 0` for a tiny file, `node -e "fs.readFileSync(F)"` for a 64 MiB .npy. Runs interleave (the
 * machine's load drifts); the median of --reps (default 9) runs.
 */
function startup(): void {
  const reps = Number(arg('reps')?.[0] ?? 9);
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-bench-startup-'));
  try {
    const tiny = path.join(dir, 'tiny.npy');
    writeFileSync(tiny, writeNpy([3, 3], new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), 'float32'));
    const big = (dtype: 'float32' | 'float64') => {
      const file = path.join(dir, `${dtype}.npy`);
      const count = (64 << 20) / (dtype === 'float32' ? 4 : 8);
      const rng = new Rng(1);
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = rng.normal();
      writeFileSync(file, writeNpy([count / 4096, 4096], data, dtype));
      return file;
    };
    const cases = [
      { name: 'inspect tiny .npy', ours: [cli, 'inspect', tiny], bare: ['-e', '0'], bareName: 'node -e 0' },
      ...(['float32', 'float64'] as const).map((dtype) => {
        const file = big(dtype);
        return { name: `inspect 64 MiB ${dtype} .npy`, ours: [cli, 'inspect', file], bare: ['-e', `require('fs').readFileSync(${JSON.stringify(file)})`], bareName: 'node -e "fs.readFileSync(F)"' };
      }),
    ];
    const rows = [];
    console.log(`\n| case | recurrent-lens (ms) | bare node | bare (ms) | ratio |\n|---|---|---|---|---|`);
    for (const c of cases) {
      runMs(c.ours); runMs(c.bare); // warm the file cache
      const ours: number[] = [], bare: number[] = [];
      for (let r = 0; r < reps; r++) {
        ours.push(runMs(c.ours));
        bare.push(runMs(c.bare));
      }
      const row = { case: c.name, ours_ms: Math.round(median(ours)), bare: c.bareName, bare_ms: Math.round(median(bare)), ratio: Math.round((median(ours) / median(bare)) * 100) / 100, reps, node: process.version, date: new Date().toISOString() };
      rows.push(row);
      console.log(`| ${row.case} | ${row.ours_ms} | \`${row.bare}\` | ${row.bare_ms} | ${row.ratio} |`);
    }
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', 'startup.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n', { flag: 'a' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Spawned { ms: number; status: number | null; stdout: string; stderr: string; timedOut: boolean }

/** One process run to its end or its time limit (ms), wall time included; never throws. */
function spawnTimed(command: string, args: string[], timeoutMs = 0): Spawned {
  const t = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs || undefined, killSignal: 'SIGKILL', maxBuffer: 1 << 26,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  const ms = performance.now() - t;
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || (r.status === null && r.signal === 'SIGKILL');
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut };
}

const lastJson = (text: string): Record<string, unknown> => JSON.parse(text.trim().split('\n').pop()!);

/**
 * The goals of `recurrent-lens analyze` (docs/benchmarks.md, "analyze"): (a) one-shot `node dist/cli.js analyze
 * W100.npy --json`, process start included, beside the one-shot SciPy script bench/reference/scipy_analyze.py (Schur
 * with vectors, eigenvalues, singular values, Henrici, solve_discrete_lyapunov; imports included), --reps runs
 * interleaved, medians; goal ≤ 3× SciPy. (b) `analyze --json --timings` on --scale · randn/√N (scale 1), N = --big-n
 * (1024), seed --seed (default 1024), milliseconds per step, beside the same SciPy script; goal: total ≤ SciPy's. Each run of
 * ours is stopped after --timeout seconds (default 600) and then reports the steps that finished.
 * → bench/results/analyze.jsonl (appended).
 */
function analyzeBench(): void {
  const reps = Number(arg('reps')?.[0] ?? 9);
  const bigN = Number(arg('big-n')?.[0] ?? 1024);
  const seed = Number(arg('seed')?.[0] ?? 1024);
  // randn/√N has ρ ≈ 1.02 at N = 1024 for every seed tried (1–6, 1024): --scale 0.95 gives a stable W (ρ ≈ 0.97).
  const scale = Number(arg('scale')?.[0] ?? 1);
  const timeoutMs = 1000 * Number(arg('timeout')?.[0] ?? 600);
  const withScipy = !process.argv.includes('--no-scipy') && existsSync(PYTHON);
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const scipyScript = path.join(ROOT, 'bench', 'reference', 'scipy_analyze.py');
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-bench-analyze-'));
  const rows: Record<string, unknown>[] = [];
  // The machine's load (1-minute average) when the section starts and ends: figures from a loaded machine scatter.
  const stamp = { node: process.version, date: new Date().toISOString(), load_start: Math.round(loadavg()[0] * 100) / 100 };
  const loadNow = () => ({ load_end: Math.round(loadavg()[0] * 100) / 100 });
  try {
    // (a) One-shot N = 100.
    const small = path.join(dir, 'W100.npy');
    writeFileSync(small, writeNpy([100, 100], randn(100, 3), 'float64'));
    const oursArgs = [cli, 'analyze', small, '--json'];
    const check = (r: Spawned, what: string) => {
      if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr.trim().split('\n').pop()}`);
      return r.ms;
    };
    check(spawnTimed(process.execPath, oursArgs), 'analyze'); // warm the file cache
    if (withScipy) check(spawnTimed(PYTHON, [scipyScript, small]), 'scipy_analyze.py');
    const ours: number[] = [], ref: number[] = [];
    for (let r = 0; r < reps; r++) {
      ours.push(check(spawnTimed(process.execPath, oursArgs), 'analyze'));
      if (withScipy) ref.push(check(spawnTimed(PYTHON, [scipyScript, small]), 'scipy_analyze.py'));
    }
    const oneShot = {
      case: 'analyze one-shot N=100', n: 100, matrix: 'randn/sqrt(N) seed 3', reps, ours_ms: Math.round(median(ours)),
      ...(withScipy ? { scipy_ms: Math.round(median(ref)), ratio: Math.round((median(ours) / median(ref)) * 100) / 100 } : {}), goal_ratio: 3, ...stamp, ...loadNow(),
    };
    rows.push(oneShot);
    console.log(`\n| case | recurrent-lens (ms) | SciPy (ms) | ratio | goal |\n|---|---|---|---|---|`);
    console.log(`| ${oneShot.case} (process start included) | ${oneShot.ours_ms} | ${oneShot.scipy_ms ?? '–'} | ${oneShot.ratio ?? '–'} | ≤ 3 |`);

    // (b) N = 1024, per step.
    const big = path.join(dir, `W${bigN}.npy`);
    writeFileSync(big, writeNpy([bigN, bigN], randn(bigN, seed).map((x) => x * scale), 'float64'));
    const mine = spawnTimed(process.execPath, [cli, 'analyze', big, '--json', '--timings'], timeoutMs);
    const steps: Record<string, number> = {};
    for (const line of mine.stderr.split('\n')) {
      const m = /^timing (\S+) ([\d.]+)$/.exec(line);
      if (m) steps[m[1]] = Number(m[2]);
    }
    const out = mine.status === 0 ? lastJson(mine.stdout) : undefined;
    if (out) Object.assign(steps, out.timings_ms as Record<string, number>);
    const sp = withScipy ? spawnTimed(PYTHON, [scipyScript, big]) : undefined;
    const spOut = sp && sp.status === 0 ? lastJson(sp.stdout) : undefined;
    const spSteps = (spOut?.timings_ms ?? {}) as Record<string, number>;
    const bigRow = {
      case: `analyze N=${bigN}`, n: bigN, matrix: `${scale === 1 ? '' : `${scale}·`}randn/sqrt(N) seed ${seed}`,
      spectral_radius: out?.spectral_radius ?? spOut?.spectral_radius ?? null,
      status: out ? 'done' : mine.timedOut ? `stopped after ${timeoutMs / 1000} s` : `failed: ${mine.stderr.trim().split('\n').pop()}`,
      ours_steps_ms: steps, ours_total_ms: steps.total ?? null, ours_wall_ms: Math.round(mine.ms),
      ...(spOut ? { scipy_steps_ms: spSteps, scipy_total_ms: spSteps.total, scipy_wall_ms: Math.round(sp!.ms),
        ratio: steps.total !== undefined ? Math.round((steps.total / spSteps.total) * 100) / 100 : null } : {}),
      goal_ratio: 1, ...stamp, ...loadNow(),
    };
    rows.push(bigRow);
    console.log(`\nN = ${bigN}, ${bigRow.matrix}, ρ = ${bigRow.spectral_radius ?? '?'}: ${bigRow.status}`);
    console.log(`| step | recurrent-lens (ms) |\n|---|---|`);
    for (const [k, v] of Object.entries(steps)) console.log(`| ${k} | ${fmt(v)} |`);
    if (spOut) {
      console.log(`\n| SciPy step | ms |\n|---|---|`);
      for (const [k, v] of Object.entries(spSteps)) console.log(`| ${k} | ${fmt(v)} |`);
      console.log(`\ntotal: recurrent-lens ${steps.total !== undefined ? fmt(steps.total) : '–'} ms, SciPy ${fmt(spSteps.total)} ms (goal: ours ≤ SciPy)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'analyze.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n', { flag: 'a' });
}

const only = arg('only')?.[0];
if (!only || only === 'linalg') linalg();
if (!only || only === 'train') training();
if (!only || only === 'startup') startup();
if (!only || only === 'analyze') analyzeBench();
if (!only || only === 'sweep-panel') void sweepPanelBench(path.join(ROOT, 'bench', 'results'));
