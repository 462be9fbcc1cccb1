/**
 * `recurrent-lens sweep` and `recurrent-lens sweep-status`: grids of training runs judged by success counts
 * (docs/sweeps.md). Loaded by main.ts only for these commands. `--json` prints one line, the SweepSummary without its
 * members (src/sweeps/types.ts; docs/cli.md lists the fields as a contract). Human progress goes to stderr.
 */
import * as path from 'node:path';
import { measureUpdateMs } from '../core/train/measure';
import { formatLr } from '../runs/runConfig';
import { countRuns } from '../runs/runNames';
import { estimateCost, formatHours } from '../sweeps/cost';
import { createOrOpenSweepFolder, readMemberStates, readResolvedSweep } from '../sweeps/folder';
import { LocalExecutor } from '../sweeps/localExecutor';
import { checkSweepText, readSweepFile, resolveSweep, SweepError, TRAINER_FIELDS } from '../sweeps/spec';
import { readSummary, summarizeSweep, summaryLine, writeSummary } from '../sweeps/summary';
import { FINISHED_STATES, type ResolvedSweep, type SweepExecutor, type SweepFile, type SweepSummary } from '../sweeps/types';
import { fmtNumber, intOption, numberText, parseArgs, UsageError, type Args } from './args';
import { CONFIG_FLAGS, INTEGER_FIELDS, STRING_FIELDS } from './train';
import { commandBundle } from './errors';
import { ConfigError } from '../core/train/config';
import { RunLockError } from '../runs/runLock';
import { TrainingError } from '../runs/runManager';

/** The CLI's entry (dist/cli.js) the members run: beside this bundle (dist/cli-sweep.js). */
const CLI_ENTRY = path.join(__dirname, 'cli.js');

/** `--executor slurm`'s own options and flags (src/cli/sweepSlurm.ts reads them; listed here so parsing needs no import). */
const SLURM_OPTIONS = ['partition', 'time', 'cpus-per-task', 'mem', 'sbatch-args', 'node-path', 'cli-path'];
const SLURM_FLAGS = ['wait'];

/** Trainer flags a sweep accepts (every member gets them): the `train` flags of the trainer fields. */
const TRAINER_FLAGS = Object.entries(CONFIG_FLAGS).filter(([, field]) => (TRAINER_FIELDS as readonly string[]).includes(field));
const PATH_FIELDS = new Set(['file', 'mnist_images', 'mnist_labels']);

export interface ExecutorOptions {
  /** The CLI bundle the members run (`dist/cli.js`). */
  cli: string;
  /** Local: members at once (default one per core). SLURM: array tasks at once (`%M`). */
  concurrency?: number;
  /** SLURM: the SlurmExecutor's options (src/sweeps/slurmExecutor.ts), e.g. from slurmOptionsFromArgs. */
  slurm?: import('../sweeps/slurmExecutor').SlurmExecutorOptions;
}

/**
 * The executor of a kind. `local`: child processes on this machine (src/sweeps/localExecutor.ts). `slurm`: a job array
 * (src/sweeps/slurmExecutor.ts), loaded only when asked for.
 */
export async function makeExecutor(kind: string, opts: ExecutorOptions): Promise<SweepExecutor> {
  switch (kind) {
    case 'local': return new LocalExecutor({ cli: opts.cli, concurrency: opts.concurrency });
    case 'slurm': {
      const { SlurmExecutor } = await import('../sweeps/slurmExecutor');
      return new SlurmExecutor({ ...opts.slurm, maxParallel: opts.slurm?.maxParallel ?? opts.concurrency });
    }
    default: throw new UsageError(`--executor must be local or slurm, got "${kind}"`);
  }
}

function numberList(text: string, flag: string, integer: boolean): number[] {
  const items = text.split(',').map((x) => x.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`--${flag} is empty: the grid has no runs`);
  return items.map((x) => numberText(x, flag, integer));
}

/** The sweep the flags describe: a preset or a sweep file, with any flag overriding its field. */
async function sweepFromArgs(args: Args): Promise<{ file: SweepFile; source?: string }> {
  const preset = args.option('preset'), config = args.option('config');
  if (preset !== undefined && config !== undefined) throw new UsageError('give --preset or --config, not both');
  for (const [flag, plural] of [['init', 'inits'], ['lr', 'lrs'], ['seed', 'seeds']]) {
    if (args.option(flag) !== undefined) throw new UsageError(`a sweep takes --${plural} (a list), not --${flag}`);
  }
  if (preset === undefined && config === undefined && args.option('inits') === undefined) {
    throw new UsageError('sweep needs --preset NAME, --config SWEEP.json or --inits SPEC,… (see recurrent-lens --help)');
  }
  const file: SweepFile = config !== undefined ? await readSweepFile(config) : preset !== undefined ? { preset } : {};
  const inits = args.option('inits');
  if (inits !== undefined) {
    const list = inits.split(',').map((x) => x.trim()).filter(Boolean);
    if (!list.length) throw new UsageError('--inits is empty: the grid has no runs');
    file.inits = list;
  }
  if (args.option('lrs') !== undefined) file.lrs = numberList(args.option('lrs')!, 'lrs', false);
  const seeds = args.option('seeds');
  if (seeds !== undefined) {
    const list = numberList(seeds, 'seeds', true);
    file.seeds = seeds.includes(',') ? list : list[0];
  }
  for (const flag of ['updates', 'epochs'] as const) {
    if (args.option(flag) === undefined) continue;
    file[flag] = intOption(args, flag, undefined, 1, 1e9);
    delete file[flag === 'updates' ? 'epochs' : 'updates'];
  }
  if (args.option('name') !== undefined) file.name = args.option('name');
  for (const [flag, field] of TRAINER_FLAGS) {
    const text = args.option(flag);
    if (text === undefined) continue;
    // A path on the command line is relative to the working directory (a sweep file's to the file).
    if (PATH_FIELDS.has(field)) { file[field] = path.resolve(text); continue; }
    if (STRING_FIELDS.has(field)) { file[field] = text; continue; }
    file[field] = numberText(text, flag, INTEGER_FIELDS.has(field));
  }
  return { file, source: config };
}

const log = (args: Args, line: string) => {
  if (!args.flag('quiet')) process.stderr.write(line + '\n');
};

/** `recurrent-lens sweep …`: makes or continues the sweep folder and runs what is left. Returns the exit status. */
export async function sweepCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    flags: ['json', 'quiet', ...SLURM_FLAGS],
    options: ['preset', 'config', 'inits', 'lrs', 'seeds', 'updates', 'epochs', 'name', 'out', 'executor', 'concurrency',
      'init', 'lr', 'seed', ...TRAINER_FLAGS.map(([flag]) => flag), ...SLURM_OPTIONS],
  });
  const out = args.option('out');
  if (!out) throw new UsageError('sweep needs --out DIR (the sweep folder; run again to continue it)');
  const kind = args.option('executor') ?? 'local';
  if (kind !== 'local' && kind !== 'slurm') throw new UsageError(`--executor must be local or slurm, got "${kind}"`);
  const concurrency = intOption(args, 'concurrency', undefined, 1, 100_000);
  if (kind === 'local') {
    const slurmOnly = [...SLURM_OPTIONS.filter((o) => args.option(o) !== undefined), ...SLURM_FLAGS.filter((f) => args.flag(f))];
    if (slurmOnly.length) throw new UsageError(`--${slurmOnly[0]} is for --executor slurm`);
  }
  const slurm = kind === 'slurm' ? await import('./sweepSlurm') : undefined;
  const slurmOptions = slurm?.slurmOptionsFromArgs(args);
  const { file, source } = await sweepFromArgs(args);
  const resolved = resolveSweep(file, { id: path.basename(path.resolve(out)), source });
  const text = await checkSweepText(resolved, path.resolve(__dirname, '..'), source);
  const sweep = await createOrOpenSweepFolder(out, resolved);

  const states = await readMemberStates(out, sweep);
  const finished = states.filter((m) => FINISHED_STATES.includes(m.state)).length;
  // Members training right now (another `sweep` on this folder) are left to it.
  const running = states.filter((m) => m.state === 'running').length;
  const todo = states.filter((m) => !FINISHED_STATES.includes(m.state) && m.state !== 'running').map((m) => m.index);
  log(args, `sweep ${sweep.name ? `"${sweep.name}" ` : ''}in ${out}: ${countRuns(sweep.members.length)} (${describeGrid(sweep)}); ` +
    `${finished} finished${running ? `, ${running} running elsewhere` : ''}, ${todo.length} to run`);
  if (todo.length) {
    const c = sweep.members[todo[0]].config;
    const timing = await measureUpdateMs(c, { updates: 8, warmup: 2, threads: 1, assetRoot: path.resolve(__dirname, '..') });
    const cost = estimateCost(sweep, timing.ms_per_update, 1, { indices: todo, concurrency: kind === 'local' ? concurrency : undefined, cpuMsPerUpdate: timing.cpu_ms_per_update, valBatches: text?.valBatches });
    log(args, `estimated cost: ${Number(cost.cpu_hours.toPrecision(2))} CPU-hours (${countRuns(todo.length)} × ${c.updates} updates at ` +
      `${fmtNumber(timing.cpu_ms_per_update)} ms of CPU per update measured, validation included; early stopping shortens it)`);
    log(args, kind === 'local' ? cost.advice : `on the cluster: ${formatHours(cost.cpu_hours)} of CPU time in ${todo.length} array task${todo.length === 1 ? '' : 's'}`);
  }

  let summary: SweepSummary;
  let status = 0;
  if (kind === 'local') {
    const local = new LocalExecutor({ cli: CLI_ENTRY, concurrency });
    let interrupted = false;
    const onSignal = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      log(args, 'stopping: running members checkpoint, then exit (run the same command again to continue)');
      void local.cancel(out);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let done = finished;
    let writing: Promise<void> = Promise.resolve();
    // A run's end can be told more than once (its status file, then its process): each end is logged and counted once.
    const told = new Map<string, string>();
    const sub = local.manager.onDidChangeRun((run) => {
      // Members taken off the queue (a stop before they started) go back to pending: nothing to tell.
      if (run.state === 'queued' || run.state === 'running' || run.state === 'pending' || !run.sweep) {
        told.delete(run.id);
        return;
      }
      if (told.get(run.id) === run.state) return;
      told.set(run.id, run.state);
      if (run.state === 'completed' || run.state === 'diverged') done++;
      log(args, `[${done}/${sweep.members.length}] ${run.id.slice(run.id.indexOf('/') + 1)}: ${run.state}` +
        `${run.valLoss !== null ? `, validation loss ${fmtNumber(run.valLoss)}` : ''}${run.succeeded ? ' (succeeded)' : ''}${run.error ? ` — ${run.error.split('\n')[0]}` : ''}`);
      writing = writing.then(async () => writeSummary(out, await summarizeSweep(out, sweep, { tasks: await local.poll(out, sweep), executor: 'local' }))).catch(() => {});
    });
    try {
      const t0 = Date.now();
      if (todo.length) await local.submit(out, sweep, todo);
      await local.whenIdle(out);
      await writing;
      summary = await summarizeSweep(out, sweep, { tasks: await local.poll(out, sweep), executor: 'local', job_id: null });
      if (todo.length) log(args, `took ${formatHours((Date.now() - t0) / 3.6e6)}`);
    } finally {
      sub.dispose();
      local.dispose();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (interrupted) status = 130;
    else if (summary.finished < summary.runs) status = 1;
  } else {
    summary = await slurm!.runSlurmSweep(out, sweep, { ...slurmOptions, cliPath: slurmOptions?.cliPath ?? CLI_ENTRY }, { wait: args.flag('wait'), progress: (line) => log(args, line) });
    if (!args.flag('wait')) log(args, `follow it with: recurrent-lens sweep-status ${out}`);
    else if (summary.finished < summary.runs) status = 1;
  }
  await writeSummary(out, summary);
  printSummary(args, summary);
  return status;
}

/** `recurrent-lens sweep-status DIR [--json]`: counts and best cells now (rewrites summary.json). */
export async function sweepStatusCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const dir = args.positional(0, 'the sweep folder (sweep-status DIR)');
  const sweep = await readResolvedSweep(dir);
  const before = await readSummary(dir).catch(() => undefined);
  let summary: SweepSummary;
  const { hasSlurmSubmissions, slurmSummary } = await import('./sweepSlurm');
  if (before?.executor === 'slurm' || hasSlurmSubmissions(dir)) {
    // Away from the cluster (no squeue) the run folders alone decide, with a warning.
    summary = (await slurmSummary(dir, sweep, undefined, (line) => process.stderr.write(`recurrent-lens: ${line}\n`))).summary;
  } else {
    // A local sweep's members run in a `sweep` process, if any: their run folders say how they stand.
    summary = await summarizeSweep(dir, sweep, { executor: before?.executor ?? null, job_id: before?.job_id ?? null });
    await writeSummary(dir, summary);
  }
  printSummary(args, summary);
  return 0;
}

/** `2 initializers × 11 lrs × 6 seeds` (gains counted in the initializers' runs). */
function describeGrid(sweep: ResolvedSweep): string {
  const distinct = (f: (m: ResolvedSweep['members'][number]) => unknown) => new Set(sweep.members.map(f)).size;
  const inits = distinct((m) => m.init), lrs = distinct((m) => m.lr), seeds = distinct((m) => m.seed);
  return `${inits} initializer${inits === 1 ? '' : 's'} × ${lrs} lr${lrs === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'}`;
}

function printSummary(args: Args, s: SweepSummary): void {
  if (args.flag('json')) {
    process.stdout.write(summaryLine(s) + '\n');
    return;
  }
  const width = Math.max(...Object.keys(s.runs_per_init).map((g) => g.length), 4);
  const lines = [
    `${s.name ? `${s.name} — ` : ''}${s.sweep_dir}: ${s.runs} runs, ${s.finished} finished` +
      `${s.running ? `, ${s.running} running` : ''}${s.pending ? `, ${s.pending} pending` : ''}${s.unfinished ? `, ${s.unfinished} unfinished (run again to resume)` : ''}` +
      `${s.executor === 'slurm' && s.job_id ? ` (SLURM job ${s.job_id})` : ''}`,
  ];
  for (const g of Object.keys(s.runs_per_init)) {
    const b = s.best[g];
    const best = b ? `best gain ${b.gain}, lr ${formatLr(b.lr)}: validation loss ${fmtNumber(b.mean_final_val_loss)} ± ${fmtNumber(b.sem)} (${b.runs} runs, ${b.successes} succeeded)` : 'nothing finished yet';
    lines.push(`  ${g.padEnd(width)}  ${String(s.successes[g]).padStart(4)} of ${s.runs_per_init[g]} succeeded   ${best}`);
  }
  lines.push(s.baseline === null ? 'success: final validation bpc below the text\'s unigram entropy'
    : `success: final validation loss below half the baseline (${fmtNumber(s.baseline)} / 2 = ${fmtNumber(s.baseline / 2)})`);
  process.stdout.write(lines.join('\n') + '\n');
}


export const bundle = commandBundle({ sweep: sweepCommand, 'sweep-status': sweepStatusCommand }, [SweepError, ConfigError, RunLockError, TrainingError]);
