/**
 * A sweep's report: the paper's Table 2 (Henrici departure from normality at initialization and after training, mean
 * ± s.e.m. per initializer) and its Fig. 5 (the chain-motif profile before and after training, mean ± s.e.m. per
 * offset), over the successful runs (the paper's rule) or every finished run. Each member's numbers are those of its
 * trajectory (src/runs/trajectory.ts) at its first (update 0) and last checkpoints, cached in the run folder like any
 * trajectory; nothing is computed twice. Plain Node: the CLI (`sweep-report`) and the sweep panel (through that CLI)
 * both call sweepReport. docs/sweeps.md describes the output for users.
 */
import * as path from 'node:path';
import { DEFAULT_TRAJECTORY_MOTIF } from '../core/analysis/trajectory';
import { CheckpointError } from '../core/tensor';
import { runTrajectory, type TrajectoryEntry } from '../runs/trajectory';
import { memberRunDir, readMemberStates, readResolvedSweep } from './folder';
import { SweepError } from './spec';
import { sem } from './summary';
import { FINISHED_STATES, type MemberSummary } from './types';

/** Which runs a report averages: the successful ones (the paper's Table 2 and Fig. 5), or every finished one. */
export type ReportRule = 'successful' | 'all';

/** One initializer's row of Table 2. Means are null when no run of the rule has the number (n = 0). */
export interface Table2Row {
  /** The `inits` group the initializer came from (the family name for a family with gains). */
  group: string;
  /** Runs averaged (successful or finished, by the rule). */
  n: number;
  /** Runs of the initializer in the sweep, finished runs among them and successful ones. */
  runs: number;
  finished: number;
  successes: number;
  /** Henrici departure d(W) = sqrt(‖W‖_F² − Σ|λ|²), not normalized (the paper's Table 2), after training (last checkpoint). */
  henrici_mean: number | null;
  henrici_sem: number | null;
  /** The same at initialization (update-0 checkpoint). */
  henrici_init_mean: number | null;
  henrici_init_sem: number | null;
  /** Runs with an update-0 checkpoint (runs from before it was written have none): the init means are over these. */
  n_init: number;
  /** d(W)/‖W‖_F after training and at initialization, for comparing networks of different scale. */
  henrici_normalized_mean: number | null;
  henrici_normalized_sem: number | null;
  henrici_normalized_init_mean: number | null;
  henrici_normalized_init_sem: number | null;
  /** ‖W − W₀‖_F / ‖W₀‖_F at the last checkpoint: how far training moved W. */
  delta_from_init_mean: number | null;
  /** Mean last checkpoint's update. */
  final_update_mean: number | null;
}

/** One initializer's chain-motif profiles (Fig. 5): mean and s.e.m. over runs per offset i − j. Empty arrays when n = 0. */
export interface MotifRow {
  n: number;
  /** −(N−1) … N−1. */
  offsets: number[];
  before_mean: number[];
  before_sem: number[];
  after_mean: number[];
  after_sem: number[];
}

/** A member's numbers at its two ends. */
export interface MemberReport {
  name: string;
  init: string;
  succeeded: boolean;
  initial: TrajectoryEntry | null;
  final: TrajectoryEntry;
}

export interface SweepReport {
  sweep_dir: string;
  rule: ReportRule;
  /** Keys: the members' initializer specs (`chain:1.02`), in sweep order; every initializer of the sweep is present. */
  table2: Record<string, Table2Row>;
  motif: Record<string, MotifRow>;
  /** How the motif drives the networks (the trajectory's defaults). */
  motif_options: { channel: number | 'all'; measure: string; steps: number; tie_seed: number };
  /** Runs analysed (the rule's runs over every initializer) and how many of their checkpoints were analysed now (not cached). */
  analysed_runs: number;
  computed_checkpoints: number;
}

export interface ReportOptions {
  rule?: ReportRule;
  /** Runs analysed at once (their file reads overlap; the analysis itself is on this thread). Default 4. */
  concurrency?: number;
  /** After each run: done of total. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between runs: true stops with a ReportCancelled. */
  shouldStop?: () => boolean;
}

export class ReportCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanOrNull = (xs: number[]) => (xs.length ? mean(xs) : null);
const semOrNull = (xs: number[]) => (xs.length ? sem(xs) : null);

/** Mean and s.e.m. per position of equally long profiles. */
function columnStats(rows: number[][]): { mean: number[]; sem: number[] } {
  if (!rows.length) return { mean: [], sem: [] };
  const k = rows[0].length;
  const m: number[] = [], s: number[] = [];
  for (let i = 0; i < k; i++) {
    const col = rows.map((r) => r[i]);
    m.push(mean(col));
    s.push(sem(col));
  }
  return { mean: m, sem: s };
}

/** The members a rule averages: successful (completed below half the baseline) or finished (completed, diverged). */
export function reportMembers(members: readonly MemberSummary[], rule: ReportRule): MemberSummary[] {
  return members.filter((m) => (rule === 'all' ? FINISHED_STATES.includes(m.state) : m.succeeded));
}

export async function sweepReport(dir: string, opts: ReportOptions = {}): Promise<SweepReport> {
  const rule = opts.rule ?? 'successful';
  const sweep = await readResolvedSweep(dir);
  const members = await readMemberStates(dir, sweep);
  const finished = members.filter((m) => FINISHED_STATES.includes(m.state));
  if (!finished.length) throw new SweepError(`${dir}: no finished runs yet (${members.length} run${members.length === 1 ? '' : 's'}, none completed or diverged)`);
  const chosen = reportMembers(members, rule);

  const reports: MemberReport[] = new Array(chosen.length);
  let done = 0, computed = 0, next = 0;
  const worker = async () => {
    while (next < chosen.length) {
      if (opts.shouldStop?.()) throw new ReportCancelled();
      const k = next++;
      const m = chosen[k];
      const runDir = memberRunDir(dir, sweep.members[m.index]);
      const t = await runTrajectory(runDir, { endsOnly: true });
      computed += t.computed;
      const first = t.checkpoints[0];
      const initial = first.update === 0 ? first : null;
      const final = t.checkpoints[t.checkpoints.length - 1];
      if (final.update === 0 && m.update > 0) throw new CheckpointError(runDir, `finished at update ${m.update} but its only checkpoint is update 0`);
      reports[k] = { name: m.name, init: m.init, succeeded: m.succeeded, initial, final };
      opts.onProgress?.(++done, chosen.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, chosen.length)) }, worker));

  // Every initializer of the sweep, in sweep order, even without a run of the rule.
  const inits: string[] = [];
  for (const m of sweep.members) if (!inits.includes(m.init)) inits.push(m.init);
  const table2: Record<string, Table2Row> = {};
  const motif: Record<string, MotifRow> = {};
  for (const init of inits) {
    const of = members.filter((m) => m.init === init);
    const rs = reports.filter((r) => r.init === init);
    const withInit = rs.filter((r) => r.initial !== null);
    const fin = rs.map((r) => r.final);
    const ini = withInit.map((r) => r.initial!);
    table2[init] = {
      group: of[0]?.group ?? init,
      n: rs.length,
      runs: of.length,
      finished: of.filter((m) => FINISHED_STATES.includes(m.state)).length,
      successes: of.filter((m) => m.succeeded).length,
      henrici_mean: meanOrNull(fin.map((e) => e.henrici)),
      henrici_sem: semOrNull(fin.map((e) => e.henrici)),
      henrici_init_mean: meanOrNull(ini.map((e) => e.henrici)),
      henrici_init_sem: semOrNull(ini.map((e) => e.henrici)),
      n_init: withInit.length,
      henrici_normalized_mean: meanOrNull(fin.map((e) => e.henrici_normalized)),
      henrici_normalized_sem: semOrNull(fin.map((e) => e.henrici_normalized)),
      henrici_normalized_init_mean: meanOrNull(ini.map((e) => e.henrici_normalized)),
      henrici_normalized_init_sem: semOrNull(ini.map((e) => e.henrici_normalized)),
      delta_from_init_mean: meanOrNull(fin.map((e) => e.delta_from_init)),
      final_update_mean: meanOrNull(fin.map((e) => e.update)),
    };
    const after = columnStats(fin.map((e) => e.motif.profile));
    const before = columnStats(ini.map((e) => e.motif.profile));
    motif[init] = {
      n: rs.length,
      offsets: fin[0]?.motif.offsets ?? [],
      before_mean: before.mean, before_sem: before.sem, after_mean: after.mean, after_sem: after.sem,
    };
  }
  const m = DEFAULT_TRAJECTORY_MOTIF;
  return {
    sweep_dir: path.resolve(dir), rule, table2, motif,
    motif_options: { channel: m.channel, measure: m.measure, steps: m.steps, tie_seed: m.tieSeed },
    analysed_runs: chosen.length, computed_checkpoints: computed,
  };
}
