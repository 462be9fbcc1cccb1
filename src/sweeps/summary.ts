/**
 * A sweep's summary: member states (run folders, merged with what an executor knows), success counts per initializer
 * group, and each group's best (gain, lr) cell. Written as summary.json; its `members`-less form is the CLI's --json line.
 */
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../core/train/checkpoint';
import { readMemberStates, SWEEP_FILES } from './folder';
import { SweepError } from './spec';
import {
  FINISHED_STATES, type BestCell, type ExecutorTaskState, type MemberState, type MemberSummary, type ResolvedSweep, type SweepSummary,
} from './types';

/**
 * The one rule joining a member's run folder with its executor's view. A finished run folder (completed, diverged)
 * is final. Otherwise the executor knows better what happens now: queued or running there is queued or running here
 * (a trainer on a cluster node is not checked by pid); an executor task that ended without the run folder finishing
 * tells how it ended (timeout, cancelled, failed) — unless the folder says it stopped, which continuing resumes too.
 */
export function mergeTaskState(folderState: MemberState, task: ExecutorTaskState | undefined): MemberState {
  if (task === undefined || FINISHED_STATES.includes(folderState)) return folderState;
  switch (task) {
    case 'queued': return folderState === 'running' ? 'running' : 'queued';
    case 'running': return 'running';
    case 'completed':
      // The process ended well but the run did not finish: stopped is what it says; anything else died on the way.
      return folderState === 'stopped' || folderState === 'failed' ? folderState : 'failed';
    case 'failed': return folderState === 'stopped' ? 'stopped' : 'failed';
    case 'timeout': return 'timeout';
    case 'cancelled': return 'cancelled';
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Standard error of the mean: sample standard deviation / √n (0 for one value). */
export function sem(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance / xs.length);
}

/**
 * A group's best (gain, lr) cell: lowest mean final validation loss over its finished seeds. A diverged seed has no
 * final loss: cells with fewer diverged seeds come first, and the mean is over the seeds that did not diverge. Null when
 * nothing in the group finished with a loss.
 */
export function bestCell(members: readonly MemberSummary[]): BestCell | null {
  const cells = new Map<string, { gain: number; lr: number; losses: number[]; diverged: number; successes: number }>();
  for (const m of members) {
    if (!FINISHED_STATES.includes(m.state)) continue;
    const key = `${m.gain}|${m.lr}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { gain: m.gain, lr: m.lr, losses: [], diverged: 0, successes: 0 }));
    if (m.state === 'diverged' || m.final_val_loss === null) c.diverged++;
    else c.losses.push(m.final_val_loss);
    if (m.succeeded) c.successes++;
  }
  let best: BestCell | null = null;
  let bestDiverged = Infinity;
  for (const c of cells.values()) {
    if (!c.losses.length) continue;
    const m = mean(c.losses);
    if (best === null || c.diverged < bestDiverged || (c.diverged === bestDiverged && m < best.mean_final_val_loss)) {
      bestDiverged = c.diverged;
      best = { gain: c.gain, lr: c.lr, mean_final_val_loss: m, sem: sem(c.losses), runs: c.losses.length + c.diverged, successes: c.successes };
    }
  }
  return best;
}

/** Counts, successes and best cells of the sweep in `dir` (optionally merged with an executor's task states). */
export async function summarizeSweep(
  dir: string, sweep: ResolvedSweep,
  opts: { tasks?: Map<number, ExecutorTaskState>; executor?: SweepSummary['executor']; job_id?: string | null } = {},
): Promise<SweepSummary> {
  const members = (await readMemberStates(dir, sweep)).map((m) => ({ ...m, state: mergeTaskState(m.state, opts.tasks?.get(m.index)) }));
  const count = (states: MemberState[]) => members.filter((m) => states.includes(m.state)).length;
  const successes: Record<string, number> = {};
  const runsPerInit: Record<string, number> = {};
  const best: Record<string, BestCell | null> = {};
  for (const g of sweep.groups) {
    const inGroup = members.filter((m) => m.group === g);
    successes[g] = inGroup.filter((m) => m.succeeded).length;
    runsPerInit[g] = inGroup.length;
    best[g] = bestCell(inGroup);
  }
  return {
    sweep_dir: path.resolve(dir),
    runs: members.length,
    finished: count([...FINISHED_STATES]),
    successes,
    runs_per_init: runsPerInit,
    best,
    executor: opts.executor ?? null,
    job_id: opts.job_id ?? null,
    name: sweep.name,
    running: count(['running']),
    pending: count(['pending', 'queued']),
    unfinished: count(['failed', 'stopped', 'interrupted', 'timeout', 'cancelled']),
    baseline: sweep.baseline,
    updated_at: new Date().toISOString(),
    members,
  };
}

export async function writeSummary(dir: string, summary: SweepSummary): Promise<void> {
  await writeJsonAtomic(path.join(dir, SWEEP_FILES.summary), summary);
}

/** summary.json, or undefined when there is none yet. */
export async function readSummary(dir: string): Promise<SweepSummary | undefined> {
  const file = path.join(dir, SWEEP_FILES.summary);
  const summary = await readJson<SweepSummary>(file);
  if (summary === null) throw new SweepError(`${file}: not valid JSON`);
  return summary;
}

/** The CLI's `--json` line: the summary without `members`, the contract's keys first. */
export function summaryLine(s: SweepSummary): string {
  const { members: _members, ...rest } = s;
  const first = {
    sweep_dir: s.sweep_dir, runs: s.runs, finished: s.finished, successes: s.successes, runs_per_init: s.runs_per_init,
    best: s.best, executor: s.executor, job_id: s.job_id,
  };
  return JSON.stringify({ ...first, ...rest });
}
