/**
 * `recurrent-lens`: the extension's core on the command line, for scripts, CI and clusters.
 * `--json` output is a contract (docs/cli.md): field names stay stable.
 * Every error: one line on stderr (src/cli/errors.ts): `recurrent-lens: <file>: <problem>`, exit status 2, for bad
 * input; `recurrent-lens: internal error: <message>`, exit status 1, for a fault of ours.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCheckpoint, problemOf } from '../core/readers';
import { CheckpointError, printableText } from '../core/tensor';
import { reportError } from './errors';
import { outlineCheckpoint, resolveTensor, squareMatrixOf, summarizeTensors } from '../core/inspect';
import { analyzeMatrix, memoryCurve, spectralRadius } from '../core/analysis/analyze';
import { inputVector } from '../core/analysis/memory';
import { realSchur } from '../core/linalg/schur';
import { makeInit, parseInitSpec } from '../core/init/initializers';
import { exactValues } from '../core/init/exact';
import type { AnalysisOptions, MemoryInput, SchurOrderName } from '../core/analysis/types';
import type { Args } from './args';
import { matrixView } from '../core/recurrent';
import { writeNpy } from '../core/readers/npy';
import { fmtNumber, intOption, parseArgs, UsageError } from './args';
import { benchTrainCommand, trainCommand } from './train';

declare const __VERSION__: string | undefined;

const USAGE = `usage:
  recurrent-lens inspect FILE [--json]
  recurrent-lens export FILE [--tensor NAME] [--gate G] --out W.npy
  recurrent-lens analyze (FILE [--tensor NAME] [--gate G] | --init SPEC --n N [--seed S]) [--json] [--eigenvalues]
                 [--order modulus-desc|modulus-asc|real-desc|none] [--input source|sink|random] [--horizon K]
  recurrent-lens compare --inits SPEC,SPEC,… --n N [--seed S] [--json]
  recurrent-lens memory (FILE [--tensor NAME] [--gate G] | --init SPEC --n N [--seed S]) [--input source|sink|random]
                 [--horizon K] [--json]
  recurrent-lens train [--config RUN.json] [--out DIR | --run-dir DIR] [--resume | --overwrite]
                 [--task copy|addition|psmnist] [--T T] [--N N] [--init SPEC] [--activation elu|relu|tanh] [--lr LR]
                 [--seed S] [--updates U] [--batch B] [--eval-every K] [--checkpoint-every K] [--val-size V] [--train-size S] [--early-stop L]
                 [--mnist-images IDX --mnist-labels IDX] [--threads N] [--json] [--quiet]
  recurrent-lens train --task charlm [--file TEXT] [--cell lstm|gru|rnn] [--init SPEC] [--N N] [--T T] [--batch B]
                 [--optimizer adam|rmsprop] [--lr LR] [--clip-norm C] [--updates U] [--max-chars C] [--seed S] [other trainer flags]
  recurrent-lens train --sweep DIR --index I [--threads N] [--json] [--quiet]
  recurrent-lens sweep (--preset paper:copy|paper:addition|paper:psmnist|quick:copy | --config SWEEP.json |
                 --inits SPEC,… [--task T] [--lrs LR,…] [--seeds K|S,S,…]) [--updates U | --epochs E] [--T T] [--N N]
                 [other trainer flags] --out DIR [--executor local|slurm] [--concurrency C] [--json] [--quiet]
                 [--partition P] [--time T] [--cpus-per-task C] [--mem M] [--sbatch-args "ARGS"] [--node-path NODE]
                 [--cli-path CLI] [--wait]   (SLURM: --concurrency is the array's %M)
  recurrent-lens sweep-status DIR [--json]
  recurrent-lens sweep-report DIR [--all] [--channel C|all] [--measure activity|preactivation] [--json] [--progress]
  recurrent-lens sample RUN_DIR|CHECKPOINT [--prompt TEXT] [--length N] [--temperature T] [--seed S] [--json]
                 (text from a charlm model; temperature 0: greedy)
  recurrent-lens trajectory RUN_DIR [--channel C|all] [--measure activity|preactivation] [--json]
  recurrent-lens bench train [--task copy|addition|psmnist] [--T T] [--N N] [--batch B] [--updates U] [--threads N] [--json]
  recurrent-lens bench train --task charlm [--file TEXT] [--cell lstm|gru|rnn] [--N N] [--T T] [--batch B] [--max-chars C] [--threads N] [--json]
  recurrent-lens --help | --version

Formats: .npy .npz .safetensors .h5/.hdf5/.keras (Keras) .pt/.pth (PyTorch) model.json (TF.js).
Matrices are exported in the column convention (W[i][j] = weight from unit j to unit i).
SPEC is name:gain as in the paper's code: chain:1.02, fbchain:0.04, orthogonal:1.0, identity:1.0, gaussian:1.0.`;

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

function choice<T extends string>(args: Args, name: string, allowed: readonly T[], fallback: T): T {
  const v = args.option(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

async function analyze(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json', 'eigenvalues'], options: [...MATRIX_OPTIONS, 'order', 'input', 'horizon'] });
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
    r = analyzeMatrix({ W: m.W, n: m.n, options, seed: m.seed });
  } catch (err) {
    throw new CheckpointError(m.label, problemOf(err));
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

async function compare(argv: string[]): Promise<void> {
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
      throw new CheckpointError(spec, problemOf(err));
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

async function memory(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: [...MATRIX_OPTIONS, 'input', 'horizon'] });
  const input = choice<MemoryInput>(args, 'input', ['source', 'sink', 'random'], 'source');
  const horizon = intOption(args, 'horizon', undefined, 1, 1_000_000);
  const m = await matrixArgument(args);
  let result;
  try {
    // Without --horizon, ρ(W) ≥ 1 means the finite horizon N (as `analyze` does): ρ from the eigenvalues.
    // The Schur form (with Z) also serves the infinite horizon's Hammarling solve.
    const schur = horizon === undefined ? realSchur(m.W, m.n) : undefined;
    const rho = schur ? spectralRadius(schur) : 0;
    result = memoryCurve(m.W, m.n, inputVector(input, m.n, { seed: m.seed }), horizon ?? null, rho, undefined, schur);
  } catch (err) {
    throw new CheckpointError(m.label, problemOf(err));
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

async function inspect(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const file = args.positional(0, 'FILE');
  const ckpt = await readCheckpoint(file);
  const tensors = summarizeTensors(ckpt);
  const outline = outlineCheckpoint(tensors.map((t) => t.name), ckpt.metadata);
  if (args.flag('json')) {
    const out = {
      file,
      format: ckpt.format,
      tensors: tensors.map((t) => ({
        name: t.name, shape: t.shape, dtype: t.dtype,
        min: t.min, max: t.max, mean: t.mean, std: t.std, nan: t.nan, inf: t.inf, zeros: t.zeros,
      })),
      recurrent: tensors.filter((t) => t.recurrent).map((t) => ({
        name: t.name, n: t.recurrent!.n, convention: t.recurrent!.convention, gates: t.recurrent!.gates,
      })),
      metadata: ckpt.metadata?.entries ?? [],
      metadata_truncated: ckpt.metadata?.truncated ?? false,
      groups: outline.groups,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const lines = [`${file}: ${ckpt.format}, ${tensors.length} tensor(s)`];
  for (const t of tensors) {
    const r = t.recurrent;
    const tag = r ? `  [recurrent N=${r.n}${r.gates ? ` ${r.cell} gates ${r.gates.join(',')}` : ''}, ${r.convention} convention]` : '';
    lines.push(`  ${printableText(t.name) || '(array)'}  [${t.shape.join(', ')}] ${t.dtype}  min ${fmtNumber(t.min)} max ${fmtNumber(t.max)} ` +
      `mean ${fmtNumber(t.mean)} std ${fmtNumber(t.std)}${t.nan ? ` NaN ${t.nan}` : ''}${t.inf ? ` Inf ${t.inf}` : ''}${tag}`);
  }
  const entries = ckpt.metadata?.entries ?? [];
  if (entries.length) lines.push(`metadata${ckpt.metadata!.truncated ? ' (truncated)' : ''}:`);
  for (const e of entries) {
    const text = JSON.stringify(e.value);
    lines.push(`  ${printableText(e.name) || '(top level)'} = ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

async function exportMatrix(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: [], options: ['tensor', 'gate', 'out'] });
  const file = args.positional(0, 'FILE');
  const out = args.option('out');
  if (!out) throw new UsageError('export needs --out FILE.npy');
  if (!out.toLowerCase().endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got "${out}"`);
  const ckpt = await readCheckpoint(file);
  let view, dtype: 'float32' | 'float64';
  try {
    const tensor = resolveTensor(ckpt, args.option('tensor'));
    view = matrixView(tensor, ckpt.layout, args.option('gate'));
    // float32 holds every float16/bfloat16/float32 value exactly; anything else is written as float64.
    dtype = ['float16', 'bfloat16', 'float32'].includes(tensor.dtype) ? 'float32' : 'float64';
  } catch (err) {
    throw new CheckpointError(file, problemOf(err));
  }
  const bytes = writeNpy([view.rows, view.cols], view.data, dtype);
  // Written beside the target and renamed, so a failure never leaves a half-written file.
  const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.${process.pid}.tmp`);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new CheckpointError(out, `cannot write (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`);
  }
  process.stderr.write(`wrote ${out}: ${view.rows}×${view.cols} ${dtype}, ${view.transform}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect': await inspect(rest); return 0;
      case 'export': await exportMatrix(rest); return 0;
      case 'analyze': await analyze(rest); return 0;
      case 'memory': await memory(rest); return 0;
      case 'compare': await compare(rest); return 0;
      case 'train': await trainCommand(rest); return 0;
      // Loaded only for these commands.
      case 'sweep': return await (await import('./sweep')).sweepCommand(rest);
      case 'sweep-status': return await (await import('./sweep')).sweepStatusCommand(rest);
      case 'sweep-report': return await (await import('./sweepReport')).sweepReportCommand(rest);
      case 'trajectory': await (await import('./trajectory')).trajectoryCommand(rest); return 0;
      case 'sample': await (await import('./sample')).sampleCommand(rest); return 0;
      case 'bench':
        if (rest[0] !== 'train') throw new UsageError(`bench needs a subject: bench train (got ${rest[0] === undefined ? 'nothing' : `"${rest[0]}"`})`);
        await benchTrainCommand(rest.slice(1));
        return 0;
      case '--version': case '-v':
        process.stdout.write(`${typeof __VERSION__ === 'string' ? __VERSION__ : 'dev'}\n`);
        return 0;
      case undefined: case '--help': case '-h': case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    return reportError(err);
  }
}

if (require.main === module) {
  // A fault outside main's own try (an event handler, a stray promise): the same one line, exit 1.
  const fatal = (err: unknown) => {
    process.exitCode = reportError(err);
    process.exit();
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Run by the extension (fork): an open IPC channel would keep the process alive after an error.
    if (process.connected) {
      process.removeAllListeners('disconnect');
      process.disconnect();
    }
  });
}
