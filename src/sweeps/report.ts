/**
 * A sweep's report: the paper's Table 2 (Henrici departure from normality at initialization and after training, mean
 * ± s.e.m. per initializer) and its Fig. 5 (the chain-motif profile before and after training, mean ± s.e.m. per
 * offset), over the successful runs (the paper's rule) or every finished run. Each member's numbers are those of its
 * trajectory (src/runs/trajectory.ts) at its first (update 0) and last checkpoints, cached in the run folder like any
 * trajectory; nothing is computed twice. Plain Node: the CLI (`sweep-report`) and the sweep panel (through that CLI)
 * both call sweepReport. docs/sweeps.md describes the output for users.
 */
import * as path from 'node:path';
import { DEFAULT_TRAJECTORY_MOTIF, type TrajectoryMotifOptions } from '../core/analysis/trajectory';
import { CheckpointError } from '../core/tensor';
import { runTrajectory, type TrajectoryEntry } from '../runs/trajectory';
import { memberRunDir, readMemberStates, readResolvedSweep } from './folder';
import { SweepError } from './spec';
import { sem } from './summary';
import { FINISHED_STATES, type MemberSummary, type MotifRow, type ReportRule, type SweepReport, type Table2Row } from './types';

export type { MotifRow, ReportRule, SweepReport, Table2Row };

/** A member's numbers at its two ends. */
export interface MemberReport {
  name: string;
  init: string;
  succeeded: boolean;
  initial: TrajectoryEntry | null;
  final: TrajectoryEntry;
}

export interface ReportOptions {
  rule?: ReportRule;
  /** Runs analysed at once (their file reads overlap; the analysis itself is on this thread). Default 4. */
  concurrency?: number;
  /** After each run: done of total. */
  onProgress?: (done: number, total: number) => void;
  /** The motif procedure's choices (input channel, activity or pre-activation); defaults as `trajectory`'s. */
  motif?: Partial<TrajectoryMotifOptions>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanOrNull = (xs: number[]) => (xs.length ? mean(xs) : null);
const semOrNull = (xs: number[]) => (xs.length ? sem(xs) : null);

/**
 * Mean and s.e.m. per position of equally long profiles, each over the rows with a value there (a motif profile has
 * no value, null, at order differences no pair of that run has); null where no row has one.
 */
function columnStats(rows: (number | null)[][]): { mean: (number | null)[]; sem: (number | null)[] } {
  if (!rows.length) return { mean: [], sem: [] };
  const k = rows[0].length;
  const m: (number | null)[] = [], s: (number | null)[] = [];
  for (let i = 0; i < k; i++) {
    const col = rows.map((r) => r[i]).filter((x): x is number => x !== null && Number.isFinite(x));
    m.push(meanOrNull(col));
    s.push(semOrNull(col));
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
      const k = next++;
      const m = chosen[k];
      const runDir = memberRunDir(dir, sweep.members[m.index]);
      const t = await runTrajectory(runDir, { endsOnly: true, motif: opts.motif });
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
    // Gated cells: every gate block likewise (each run's blocks under its own ordering).
    const gates = fin.find((e) => e.gate_motifs)?.gate_motifs?.gates;
    if (gates) {
      const per: NonNullable<MotifRow['gates']> = {};
      for (const g of gates) {
        const profiles = (es: TrajectoryEntry[]) => es.filter((e) => e.gate_motifs?.blocks[g]).map((e) => e.gate_motifs!.blocks[g].profile);
        const a = columnStats(profiles(fin)), b = columnStats(profiles(ini));
        per[g] = { before_mean: b.mean, before_sem: b.sem, after_mean: a.mean, after_sem: a.sem };
      }
      motif[init].gates = per;
    }
  }
  const m = { ...DEFAULT_TRAJECTORY_MOTIF, ...opts.motif };
  return {
    sweep_dir: path.resolve(dir), rule, table2, motif,
    motif_options: { channel: m.channel, measure: m.measure, steps: m.steps, tie_seed: m.tieSeed },
    analysed_runs: chosen.length, computed_checkpoints: computed,
  };
}
