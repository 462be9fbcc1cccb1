/**
 * `recurrent-lens sweep --executor slurm`: the SLURM flags, and the SLURM side of `sweep` and `sweep-status`
 * (docs/slurm.md). `sweep` returns once the array job is submitted (its id in the --json line) unless `--wait`.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { checkSlurmOptions, SLURM_FILES, SLURM_FOLDER, SlurmExecutor, splitSbatchArgs, type SlurmExecutorOptions } from '../sweeps/slurmExecutor';
import { SweepError } from '../sweeps/spec';
import { summarizeSweep, writeSummary } from '../sweeps/summary';
import type { ExecutorTaskState, ResolvedSweep, SweepSummary } from '../sweeps/types';
import { intOption, UsageError, type Args } from './args';

/** Options `sweep` takes for `--executor slurm` (`--concurrency` is the array's %M). */
export const SLURM_OPTIONS = ['partition', 'time', 'cpus-per-task', 'mem', 'sbatch-args', 'node-path', 'cli-path', 'concurrency'] as const;
/** `--wait`: follow the array until every task has ended. */
export const SLURM_FLAGS = ['wait'] as const;

/** The SLURM executor's options from the command line; a bad value is a UsageError naming the flag. */
export function slurmOptionsFromArgs(args: Args): SlurmExecutorOptions {
  const o: SlurmExecutorOptions = {
    partition: args.option('partition'),
    time: args.option('time'),
    mem: args.option('mem'),
    cpusPerTask: intOption(args, 'cpus-per-task', undefined, 1, 4096),
    maxParallel: intOption(args, 'concurrency', undefined, 1, 1_000_000),
    extraArgs: args.option('sbatch-args') !== undefined ? splitSbatchArgs(args.option('sbatch-args')!) : undefined,
    nodePath: args.option('node-path'),
    cliPath: args.option('cli-path') !== undefined ? path.resolve(args.option('cli-path')!) : undefined,
  };
  for (const [flag, file] of [['node-path', o.nodePath], ['cli-path', o.cliPath]] as const) {
    // Checked here when visible; on a cluster the compute nodes usually share these paths with the login node.
    if (file !== undefined && path.isAbsolute(file) && !existsSync(file)) throw new UsageError(`--${flag} ${file}: no such file`);
  }
  try {
    checkSlurmOptions(o);
  } catch (e) {
    if (e instanceof SweepError) throw new UsageError(e.message);
    throw e;
  }
  return o;
}

/** Whether the sweep in `dir` was ever submitted to SLURM (it has slurm/submissions.json). */
export function hasSlurmSubmissions(dir: string): boolean {
  return existsSync(path.join(dir, SLURM_FOLDER, SLURM_FILES.submissions));
}

/**
 * The summary of a sweep run by SLURM: run folders merged with squeue/sacct (summary.ts's mergeTaskState), written to
 * summary.json. For `sweep-status` and `sweep --executor slurm`. With `warn`, a cluster that cannot be asked (no
 * squeue here: a copied sweep folder) is a warning and the run folders alone decide; without, it is an error.
 */
export async function slurmSummary(
  dir: string, sweep: ResolvedSweep, executor = new SlurmExecutor(), warn?: (line: string) => void,
): Promise<{ summary: SweepSummary; tasks: Map<number, ExecutorTaskState> }> {
  let tasks = new Map<number, ExecutorTaskState>();
  try {
    tasks = await executor.poll(dir, sweep);
  } catch (e) {
    if (!(warn && e instanceof SweepError)) throw e;
    warn(`${e.message}; states from the run folders only`);
  }
  const summary = await summarizeSweep(dir, sweep, { tasks, executor: 'slurm', job_id: await SlurmExecutor.latestJobId(dir) });
  await writeSummary(dir, summary);
  return { summary, tasks };
}

/** Indices to (re)submit: every member not finished and not queued or running. */
export function indicesToSubmit(summary: SweepSummary): number[] {
  return (summary.members ?? []).filter((m) => !['completed', 'diverged', 'queued', 'running'].includes(m.state)).map((m) => m.index);
}

/**
 * `sweep --executor slurm`: submits the members still to run (a continued sweep: only the unfinished ones, never one
 * queued or running on the cluster) as one array job and writes summary.json; with `wait`, follows the array (every
 * `intervalMs`) until no task is queued or running. `progress` gets a line now and then (the CLI's stderr).
 */
export async function runSlurmSweep(
  dir: string, sweep: ResolvedSweep, options: SlurmExecutorOptions,
  opts: { wait?: boolean; intervalMs?: number; progress?: (line: string) => void } = {},
): Promise<SweepSummary> {
  const executor = new SlurmExecutor(options);
  let { summary } = await slurmSummary(dir, sweep, executor);
  const todo = indicesToSubmit(summary);
  if (todo.length) {
    const { job_id } = await executor.submit(dir, sweep, todo);
    ({ summary } = await slurmSummary(dir, sweep, executor));
    opts.progress?.(`submitted ${todo.length} run${todo.length === 1 ? '' : 's'} as SLURM job ${job_id} (${path.join(dir, SLURM_FOLDER, SLURM_FILES.script)})`);
  } else {
    opts.progress?.(`nothing to submit: ${summary.finished} finished, ${summary.running} running, ${summary.pending} queued`);
  }
  if (!opts.wait) return summary;
  let last = '';
  await executor.waitUntilDone(dir, sweep, {
    intervalMs: opts.intervalMs ?? 10_000,
    onPoll: async (tasks) => {
      const s = await summarizeSweep(dir, sweep, { tasks, executor: 'slurm', job_id: summary.job_id });
      const line = `${s.finished}/${s.runs} finished, ${s.running} running, ${s.pending} queued, ${s.unfinished} unfinished`;
      if (line !== last) opts.progress?.(line);
      last = line;
    },
  });
  return (await slurmSummary(dir, sweep, executor)).summary;
}
