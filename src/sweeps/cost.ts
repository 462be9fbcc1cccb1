/**
 * What a sweep costs before it starts: the updates of the members still to run (validation included) times the
 * measured time of one update (src/core/train/measure.ts, the same as `bench train`), plus each trainer's start-up, in
 * CPU-hours. Early stopping makes runs that learn shorter, so this is an upper bound.
 */
import * as os from 'node:os';
import type { ResolvedSweep } from './types';

/** A validation pass over one batch is a forward pass: about a third of an update (forward, backward, optimizer). */
export const VALIDATION_BATCH_COST = 1 / 3;

/** Starting a trainer process (Node, TensorFlow.js, the data) costs about this much, per run. */
export const STARTUP_SECONDS = 0.5;

/** Above this many hours of wall time on this machine, the advice is a cluster. */
export const CLUSTER_ADVICE_HOURS = 2;

export interface CostEstimate {
  runs: number;
  /** Training updates of those runs (without validation). */
  updates: number;
  cpu_hours: number;
  /** Hours on this machine, `concurrency` runs at a time (at most one per core). */
  local_hours: number;
  advice: string;
}

/** Hours as words: `40 min`, `3.2 h`, `5.1 days`. */
export function formatHours(h: number): string {
  if (h < 1 / 60) return `${Math.max(1, Math.round(h * 3600))} s`;
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${Number(h.toPrecision(2))} h`;
  return `${Number((h / 24).toPrecision(2))} days`;
}

/**
 * The cost of running `indices` (default: every member) at `msPerUpdate` (wall time) per update, each run using
 * `threadsPerRun` cores; `cpuMsPerUpdate`, the measured CPU time of an update, gives the CPU-hours when known.
 * `cores` and `concurrency` (default: this machine's cores) give the local wall time. `valBatches`: the batches of
 * one validation pass when not `val_size / batch` (a language model validates on its whole validation text).
 */
export function estimateCost(
  sweep: ResolvedSweep, msPerUpdate: number, threadsPerRun = 1,
  opts: { indices?: readonly number[]; cores?: number; concurrency?: number; cpuMsPerUpdate?: number; valBatches?: number } = {},
): CostEstimate {
  const members = opts.indices ? opts.indices.map((i) => sweep.members[i]) : sweep.members;
  let updates = 0, work = 0;
  for (const m of members) {
    const c = m.config;
    const evals = Math.ceil(c.updates / c.eval_every) + 1;
    updates += c.updates;
    work += c.updates + evals * (opts.valBatches ?? Math.ceil(c.val_size / c.batch)) * VALIDATION_BATCH_COST;
  }
  // CPU time: measured as such when given (a busy machine's wall time counts the waiting too), else wall × threads.
  const cpuMs = opts.cpuMsPerUpdate ?? msPerUpdate * threadsPerRun;
  const cpuHours = (work * cpuMs) / 3.6e6 + (members.length * STARTUP_SECONDS) / 3600;
  const cores = Math.max(1, opts.cores ?? (os.availableParallelism?.() ?? os.cpus().length));
  const parallel = Math.max(1, Math.min(opts.concurrency ?? cores, Math.floor(cores / threadsPerRun) || 1, members.length || 1));
  const localHours = (work * msPerUpdate / 3.6e6 + (members.length * STARTUP_SECONDS) / 3600) / parallel;
  const advice = members.length === 0
    ? 'nothing left to run'
    : localHours > CLUSTER_ADVICE_HOURS
      ? `about ${formatHours(localHours)} on this machine (${parallel} at a time): run it on a cluster (--executor slurm)`
      : `about ${formatHours(localHours)} on this machine (${parallel} at a time)`;
  return { runs: members.length, updates, cpu_hours: cpuHours, local_hours: localHours, advice };
}
