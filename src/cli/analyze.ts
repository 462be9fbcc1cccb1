/**
 * `recurrent-lens analyze`, `memory` and `compare`: the analyses of one matrix (a checkpoint's or an initializer's).
 * The bundle dist/cli-analyze.js (loaded by main.ts for these commands only): readers and analyses, no training.
 * `--json` output is a contract (docs/cli.md).
 */
import { readCheckpoint, problemOf } from '../core/readers';
import { CheckpointError } from '../core/tensor';
import { squareMatrixOf } from '../core/inspect';
import { analyzeMatrix, memoryCurve, spectralRadius } from '../core/analysis/analyze';
import { inputVector } from '../core/analysis/memory';
import { realSchur } from '../core/linalg/schur';
import { makeInit, parseInitSpec } from '../core/init/initializers';
import { exactValues } from '../core/init/exact';
import type { AnalysisOptions, MemoryInput, SchurOrderName } from '../core/analysis/types';
import type { Args } from './args';
import { fmtNumber, intOption, parseArgs, UsageError } from './args';
import { commandBundle } from './errors';
import { BadInputError, checkSquareFinite } from '../core/badInput';
import { NotStableError } from '../core/linalg/stein';
import { NotConvergedError } from '../core/linalg/schur';

const MATRIX_OPTIONS = ['tensor', 'gate', 'init', 'n', 'seed'];

/** The matrix a command is about: a checkpoint's tensor, or an initializer. Errors name the file or the spec. */
async function matrixArgument(args: Args): Promise<{ W: Float64Array; n: number; label: string; source: string; seed: number }> {
  const spec = args.option('init');
  const seed = intOption(args, 'seed', 1, 0, 2 ** 32 - 1)!;
  if (spec !== undefined) {
    const n = intOption(args, 'n', undefined, 1, 8192);
    if (n === undefined) throw new UsageError('--init needs --n N');
    try {
      parseInitSpec(spec);
    } catch (err) {
      throw new UsageError(problemOf(err));
    }
    return { W: makeInit(spec, n, seed), n, label: spec, source: spec, seed };
  }
  const file = args.positional(0, 'FILE or --init SPEC');
  const ckpt = await readCheckpoint(file);
  try {
    const m = squareMatrixOf(ckpt, args.option('tensor'), args.option('gate'));
    return { W: m.W, n: m.n, label: file, source: `${file}${m.name ? `#${m.name}` : ''}${args.option('gate') ? `#${args.option('gate')}` : ''}`, seed };
  } catch (err) {
    throw new CheckpointError(file, problemOf(err));
  }
}

/**
 * An analysis' failure as the CLI reports it: bad input (NaN weights, …) and a matrix the solvers cannot take (not
 * stable enough, no convergence) name the file or spec, exit 2; anything else stays a fault of ours (exit 1).
 */
function analysisError(label: string, err: unknown): unknown {
  if (err instanceof BadInputError) return err.inFile(label);
  if (err instanceof NotStableError || err instanceof NotConvergedError) return new CheckpointError(label, problemOf(err));
  return err;
}

function choice<T extends string>(args: Args, name: string, allowed: readonly T[], fallback: T): T {
  const v = args.option(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export async function analyze(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json', 'eigenvalues', 'timings'], options: [...MATRIX_OPTIONS, 'order', 'input', 'horizon'] });
  const options: AnalysisOptions = {
    order: choice<SchurOrderName>(args, 'order', ['modulus-desc', 'modulus-asc', 'real-desc', 'none'], 'modulus-desc'),
    input: choice<MemoryInput>(args, 'input', ['source', 'sink', 'random'], 'source'),
    horizon: intOption(args, 'horizon', undefined, 1, 1_000_000) ?? null,
    activation: 'linear',
    gridPoints: 0,
  };
  const m = await matrixArgument(args);
  let r;
  try {
    // --timings: each step's milliseconds on stderr as it ends, so a run stopped half-way still tells where the time went.
    const onStep = args.flag('timings') ? (name: string, ms: number) => process.stderr.write(`timing ${name} ${ms.toFixed(3)}\n`) : undefined;
    r = analyzeMatrix({ W: m.W, n: m.n, options, seed: m.seed, onStep });
  } catch (err) {
    throw analysisError(m.label, err);
  }
  const x = r.numbers;
  const timings = Object.fromEntries(Object.entries(r.timingsMs).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  const out: Record<string, unknown> = {
    n: x.n, spectral_radius: x.spectralRadius, sigma_max: x.sigmaMax, henrici: x.henrici, henrici_normalized: x.henriciNormalized,
    schur_residual: x.schurResidual, schur_orthogonality: x.schurOrthogonality, j_tot: x.jTot, timings_ms: timings,
    source: m.source, sigma_min: x.sigmaMin, frobenius: x.frobenius, max_condition: Number.isFinite(x.maxCondition) ? x.maxCondition : null,
    memory_horizon: r.memory.horizon, j_tot_error: Number.isFinite(r.memory.jTotError) ? r.memory.jTotError : null,
    schur_order: options.order, warnings: r.warnings,
  };
  if (args.flag('eigenvalues')) out.eigenvalues = Array.from(r.eigRe, (re, i) => [re, r.eigIm[i]]);
  if (args.flag('json')) {
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const lines = [
    `${m.source} (N = ${x.n})`,
    `  spectral radius ρ       ${fmtNumber(x.spectralRadius)}`,
    `  σ_max / σ_min           ${fmtNumber(x.sigmaMax)} / ${fmtNumber(x.sigmaMin)}`,
    `  Henrici d(W)            ${fmtNumber(x.henrici)}   (d/‖W‖_F = ${fmtNumber(x.henriciNormalized)})`,
    `  J_tot                   ${fmtNumber(x.jTot)}${errorSuffix(r.memory.jTotError)}${r.memory.horizon !== null ? `   (horizon ${r.memory.horizon})` : ''}`,
    `  Schur residual          ${x.schurResidual.toExponential(2)}   orthogonality ${x.schurOrthogonality.toExponential(2)}`,
    `  max eigenvalue κ        ${Number.isFinite(x.maxCondition) ? x.maxCondition.toExponential(2) : '∞'}`,
    ...r.warnings.map((w) => `  warning: ${w}`),
  ];
  if (args.flag('eigenvalues')) lines.push('  eigenvalues:', ...Array.from(r.eigRe, (re, i) => `    ${re} ${r.eigIm[i] >= 0 ? '+' : '-'} ${Math.abs(r.eigIm[i])}i`));
  process.stdout.write(lines.join('\n') + '\n');
}

const SNAKE = { jTot: 'j_tot', henrici: 'henrici', spectralRadius: 'spectral_radius', sigmaMax: 'sigma_max' } as const;

export async function compare(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: ['inits', 'n', 'seed'] });
  const list = args.option('inits');
  if (!list) throw new UsageError('compare needs --inits SPEC,SPEC,… (e.g. chain:1.02,fbchain:0.04,orthogonal:1.0,identity:1.0)');
  const n = intOption(args, 'n', undefined, 1, 8192);
  if (n === undefined) throw new UsageError('compare needs --n N');
  const seed = intOption(args, 'seed', 1, 0, 2 ** 32 - 1)!;
  const specs = list.split(',').map((x) => x.trim()).filter(Boolean);
  for (const spec of specs) {
    try {
      parseInitSpec(spec);
    } catch (err) {
      throw new UsageError(problemOf(err));
    }
  }
  const options: AnalysisOptions = { order: 'none', input: 'source', horizon: null, activation: 'linear', gridPoints: 0 };
  const rows = specs.map((spec) => {
    let r;
    try {
      r = analyzeMatrix({ W: makeInit(spec, n, seed), n, options, seed });
    } catch (err) {
      throw analysisError(spec, err);
    }
    const exact = exactValues(spec, n);
    const x = r.numbers;
    return {
      // Echoes the spec exactly as given, so scripts can join on it.
      init: spec,
      j_tot: exact.jTot ?? x.jTot,
      henrici: exact.henrici ?? x.henrici,
      spectral_radius: exact.spectralRadius ?? x.spectralRadius,
      sigma_max: exact.sigmaMax ?? x.sigmaMax,
      memory_horizon: exact.horizon !== undefined ? exact.horizon : r.memory.horizon,
      // Which numbers come from closed forms (the rest are float64 numerics).
      exact: exact.exact.filter((k): k is keyof typeof SNAKE => k in SNAKE).map((k) => SNAKE[k]),
      notes: [...r.warnings.filter((w) => exact.spectralRadius === undefined || !/ill-conditioned/.test(w)), ...exact.notes],
    };
  });
  if (args.flag('json')) {
    process.stdout.write(JSON.stringify({ n, rows }) + '\n');
    return;
  }
  const pad = (t: string, w: number) => t.padEnd(w);
  const lines = [`N = ${n}`, `  ${pad('init', 18)} ${pad('J_tot', 10)} ${pad('Henrici', 10)} ${pad('ρ(W)', 10)} σ_max`];
  for (const r of rows) {
    lines.push(`  ${pad(r.init, 18)} ${pad(fmtNumber(r.j_tot) + (r.memory_horizon !== null ? '*' : ''), 10)} ${pad(fmtNumber(r.henrici), 10)} ` +
      `${pad(fmtNumber(r.spectral_radius), 10)} ${fmtNumber(r.sigma_max)}`);
  }
  if (rows.some((r) => r.memory_horizon !== null)) lines.push(`  * ρ(W) ≥ 1: J_tot over the finite horizon N = ${n}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** " ± 2.1e-9" (the estimated error of J_tot), or nothing when it is not available. */
function errorSuffix(err: number): string {
  return Number.isFinite(err) ? ` ± ${err.toExponential(1)}` : '';
}

export async function memory(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: [...MATRIX_OPTIONS, 'input', 'horizon'] });
  const input = choice<MemoryInput>(args, 'input', ['source', 'sink', 'random'], 'source');
  const horizon = intOption(args, 'horizon', undefined, 1, 1_000_000);
  const m = await matrixArgument(args);
  let result;
  try {
    // Without --horizon, ρ(W) ≥ 1 means the finite horizon N (as `analyze` does): ρ from the eigenvalues.
    // The Schur form (with Z) also serves the infinite horizon's Hammarling solve.
    checkSquareFinite(m.W, m.n, 'memory curves');
    const schur = horizon === undefined ? realSchur(m.W, m.n) : undefined;
    const rho = schur ? spectralRadius(schur) : 0;
    result = memoryCurve(m.W, m.n, inputVector(input, m.n, { seed: m.seed }), horizon ?? null, rho, undefined, schur);
  } catch (err) {
    throw analysisError(m.label, err);
  }
  const warnings = result.note ? [`Memory: ${result.note}.`] : [];
  if (args.flag('json')) {
    process.stdout.write(JSON.stringify({
      J: Array.from(result.J), j_tot: result.jTot, j_tot_error: Number.isFinite(result.jTotError) ? result.jTotError : null,
      horizon: result.horizon, input, source: m.source, warnings,
    }) + '\n');
    return;
  }
  const lines = [`${m.source}: J_tot = ${fmtNumber(result.jTot)}${errorSuffix(result.jTotError)}${result.horizon !== null ? ` (horizon ${result.horizon})` : ''}, input ${input}`, ...warnings.map((w) => `  ${w}`)];
  result.J.forEach((j, k) => { if (k < 20 || k === result.J.length - 1) lines.push(`  J(${k}) = ${j}`); else if (k === 20) lines.push('  …'); });
  process.stdout.write(lines.join('\n') + '\n');
}

export const bundle = commandBundle({ analyze, memory, compare });
