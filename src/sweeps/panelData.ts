/**
 * What the sweep panel shows, from a sweep folder (plain Node: the extension and the unit tests use it as it is).
 * The figure is Fig. 3 of Orhan & Pitkow (ICLR 2020) for one task: per initializer group the number of successful
 * runs out of its runs (d–f), the validation-loss curve of its best (gain, lr) cell as the mean ± s.e.m. over the
 * cell's seeds with the baseline and the success line (a–c), and a success-rate grid gain × learning rate.
 *
 * Cheap enough for the paper's grids (~2 000 runs): sweep.json is read once; member states come from the small
 * status.json files (read again only for the members whose file changed); metrics.jsonl is read only for the
 * finished runs of each group's best cell, incrementally, and only its validation points are kept.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_FILES } from '../core/train/trainer';
import { csvField } from '../core/csv';
import { Metrics, MetricsFile } from '../runs/metrics';
import type { RunStatus } from '../shared/protocol';
import type { SweepPanelData, SweepPanelGroup, SweepPanelCell, SweepCurve } from '../shared/protocol';
import { memberFromStatus, memberRunDir, readResolvedSweep, SWEEP_FILES } from './folder';
import { bestCell, mergeTaskState, sem } from './summary';
import { SweepError } from './spec';
import {
  FINISHED_STATES, type ExecutorTaskState, type MemberState, type MemberSummary, type ResolvedSweep, type SweepMember, type SweepSummary,
} from './types';

/** Parsed JSON; undefined when missing or not (yet) valid: a file being rewritten is read again on its next change. */
async function readJsonQuiet<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Members the grid can place: readResolvedSweep checks the format, this the fields the panel needs. */
function checkMembers(dir: string, s: ResolvedSweep): ResolvedSweep {
  const file = path.join(dir, SWEEP_FILES.sweep);
  if (!Array.isArray(s.groups)) throw new SweepError(`${file}: "groups" must be a list`);
  if (typeof s.baseline !== 'number' && s.baseline !== null) throw new SweepError(`${file}: "baseline" must be a number (or null for a language model)`);
  for (const [i, m] of s.members.entries()) {
    if (typeof m?.name !== 'string' || typeof m.group !== 'string' || typeof m.gain !== 'number' || typeof m.lr !== 'number' || typeof m.seed !== 'number') {
      throw new SweepError(`${file}: members[${i}] needs name, group, gain, lr and seed`);
    }
  }
  return s;
}

/**
 * What summary.json adds to a member's run folder: what only the executor knows — queued (waiting for a slot or a
 * SLURM node), or ended without a word (timeout, cancelled). Its other states are the run folders' as they were
 * when it was written, older than the folders themselves.
 */
const EXECUTOR_ONLY: readonly MemberState[] = ['queued', 'timeout', 'cancelled'];

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Finished, with a final validation loss: a diverged run has none and stays out of the cell's mean. */
const scored = (m: MemberSummary) => FINISHED_STATES.includes(m.state) && m.final_val_loss !== null;

/** The cells of one group: gains ascending (rows), learning rates descending (columns, as the paper lists them). */
function groupCells(members: MemberSummary[]): { gains: number[]; lrs: number[]; cells: SweepPanelCell[] } {
  const gains = [...new Set(members.map((m) => m.gain))].sort((a, b) => a - b);
  const lrs = [...new Set(members.map((m) => m.lr))].sort((a, b) => b - a);
  const byKey = new Map<string, MemberSummary[]>();
  for (const m of members) {
    const k = `${m.gain}|${m.lr}`;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k)!.push(m);
  }
  const cells: SweepPanelCell[] = [];
  for (const gain of gains) {
    for (const lr of lrs) {
      const runs = (byKey.get(`${gain}|${lr}`) ?? []).sort((a, b) => a.seed - b.seed);
      const finished = runs.filter((m) => FINISHED_STATES.includes(m.state)).length;
      const successes = runs.filter((m) => m.succeeded).length;
      const losses = runs.filter(scored).map((m) => m.final_val_loss!);
      cells.push({
        gain, lr, runs: runs.length, finished, successes,
        rate: finished ? successes / finished : null,
        mean_final_val_loss: losses.length ? mean(losses) : null,
        sem: losses.length ? sem(losses) : null,
        members: runs.map((m) => m.index),
      });
    }
  }
  return { gains, lrs, cells };
}

/** Index in `cells` of the group's best cell (summary.ts's rule, so the panel and summary.json agree), or -1. */
function bestOf(members: MemberSummary[], cells: SweepPanelCell[]): number {
  const b = bestCell(members);
  return b ? cells.findIndex((c) => c.gain === b.gain && c.lr === b.lr) : -1;
}

/**
 * Validation-loss curves of several runs as mean ± s.e.m. at every evaluation update. A run that ended before the
 * others (early stop below the threshold) keeps its last value from there on, so the mean does not jump when it
 * leaves; non-finite losses (divergence) are left out at that update.
 */
export function meanCurve(curves: { update: ArrayLike<number>; loss: ArrayLike<number> }[]): SweepCurve {
  const updates = [...new Set(curves.flatMap((c) => Array.from(c.update)))].sort((a, b) => a - b);
  const out: SweepCurve = { update: [], mean: [], sem: [], n: [] };
  const pos = curves.map(() => -1);
  for (const u of updates) {
    const vals: number[] = [];
    curves.forEach((c, k) => {
      while (pos[k] + 1 < c.update.length && c.update[pos[k] + 1] <= u) pos[k]++;
      if (pos[k] >= 0 && Number.isFinite(c.loss[pos[k]])) vals.push(c.loss[pos[k]]);
    });
    if (!vals.length) continue;
    out.update.push(u);
    out.mean.push(mean(vals));
    out.sem.push(sem(vals));
    out.n.push(vals.length);
  }
  return out;
}

interface CurveCache {
  file: MetricsFile;
  metrics: Metrics;
}

/**
 * One sweep folder, kept up to date: `load()` once, then `statusChanged(name)` / `summaryChanged()` as the files
 * change, and `data()` for what the panel shows.
 */
export class SweepPanelModel {
  private sweep: ResolvedSweep | undefined;
  private summary: SweepSummary | undefined;
  /** Member states from their run folders (status.json), by index. */
  private readonly fromFolder = new Map<number, MemberSummary>();
  private readonly curves = new Map<string, CurveCache>();
  private readonly byName = new Map<string, SweepMember>();

  constructor(readonly dir: string) {}

  get resolved(): ResolvedSweep {
    if (!this.sweep) throw new Error('SweepPanelModel.load() first');
    return this.sweep;
  }

  runDir(member: { name: string }): string {
    return memberRunDir(this.dir, member);
  }

  member(name: string): SweepMember | undefined {
    return this.byName.get(name);
  }

  /** Reads sweep.json, summary.json and every member's status.json. Throws a SweepError (one line). */
  async load(): Promise<void> {
    this.sweep = checkMembers(this.dir, await readResolvedSweep(this.dir));
    this.byName.clear();
    for (const m of this.sweep.members) this.byName.set(m.name, m);
    await this.summaryChanged();
    await this.readStatuses(this.sweep.members);
  }

  /** summary.json was (re)written: executor states (queued on SLURM) and the job come from it. */
  async summaryChanged(): Promise<void> {
    const s = await readJsonQuiet<SweepSummary>(path.join(this.dir, SWEEP_FILES.summary));
    if (s && typeof s === 'object') this.summary = s;
  }

  /** A member's status.json changed (its run folder name); false when the name is not a member. */
  async statusChanged(name: string): Promise<boolean> {
    const m = this.byName.get(name);
    if (!m) return false;
    await this.readStatuses([m]);
    return true;
  }

  private async readStatuses(members: SweepMember[]): Promise<void> {
    // In batches: 2 000 open files at once would hit the descriptor limit.
    const BATCH = 64;
    for (let i = 0; i < members.length; i += BATCH) {
      await Promise.all(members.slice(i, i + BATCH).map(async (m) => {
        this.fromFolder.set(m.index, memberFromStatus(m, await readJsonQuiet<RunStatus>(path.join(this.runDir(m), RUN_FILES.status)), this.runDir(m)));
      }));
    }
  }

  /** Every member's state: its run folder's, merged by summary.ts's rule with what only the executor knows. */
  members(): MemberSummary[] {
    const exec = new Map((this.summary?.members ?? []).map((m) => [m.index, m.state]));
    return this.resolved.members.map((m) => {
      const own = this.fromFolder.get(m.index) ?? memberFromStatus(m, undefined);
      const task = exec.get(m.index);
      if (own.state === 'running' || !task || !EXECUTOR_ONLY.includes(task)) return own;
      return { ...own, state: mergeTaskState(own.state, task as ExecutorTaskState) };
    });
  }

  /** What the panel shows; reads the best cells' metrics (only what is new since the last call). */
  async data(): Promise<SweepPanelData> {
    const sweep = this.resolved;
    const members = this.members();
    const byIndex = new Map(members.map((m) => [m.index, m]));
    const count = (states: MemberState[]) => members.filter((m) => states.includes(m.state)).length;
    const groups: SweepPanelGroup[] = [];
    for (const group of sweep.groups) {
      const own = members.filter((m) => m.group === group);
      const { gains, lrs, cells } = groupCells(own);
      const best = bestOf(own, cells);
      let curve: SweepCurve | null = null;
      if (best >= 0) {
        const runs = cells[best].members.map((i) => byIndex.get(i)!).filter((m) => FINISHED_STATES.includes(m.state));
        curve = meanCurve(await Promise.all(runs.map((m) => this.valCurve(m))));
      }
      groups.push({
        group,
        inits: [...new Set(own.map((m) => m.init))],
        runs: own.length,
        finished: own.filter((m) => FINISHED_STATES.includes(m.state)).length,
        successes: own.filter((m) => m.succeeded).length,
        gains, lrs, cells,
        best: best >= 0 ? best : null,
        curve,
      });
    }
    const source = sweep.source ?? {};
    const first = sweep.members[0]?.config;
    return {
      dir: this.dir,
      id: sweep.id,
      name: sweep.name,
      task: first?.task ?? (typeof source.task === 'string' ? source.task : null),
      T: first?.T ?? null,
      N: first?.N ?? null,
      baseline: sweep.baseline,
      runs: members.length,
      finished: count([...FINISHED_STATES]),
      running: count(['running']),
      pending: count(['pending', 'queued']),
      unfinished: count(['stopped', 'interrupted', 'timeout', 'cancelled', 'failed']),
      successes: members.filter((m) => m.succeeded).length,
      executor: this.summary?.executor ?? null,
      job_id: this.summary?.job_id ?? null,
      groups,
      members,
    };
  }

  /** A member's validation points, read from its metrics.jsonl incrementally (kept between calls). */
  private async valCurve(m: MemberSummary): Promise<{ update: Float64Array; loss: Float64Array }> {
    let c = this.curves.get(m.name);
    if (!c) {
      c = { file: new MetricsFile(path.join(this.runDir(m), RUN_FILES.metrics)), metrics: new Metrics() };
      this.curves.set(m.name, c);
    }
    for (const line of await c.file.read()) {
      // Only validation points matter here; a resumed run's rewind shows in the training points too.
      const l = line as { update?: unknown; val_loss?: unknown };
      if (l && typeof l === 'object' && 'val_loss' in l) c.metrics.add(line);
      else if (l && typeof l.update === 'number') c.metrics.val.truncate(l.update);
    }
    const s = c.metrics.val.slice();
    return { update: s.update, loss: s.loss };
  }
}

/** "12 of 16 finished", "all 16 finished", with the running and pending counts. */
export function progressText(d: Pick<SweepPanelData, 'runs' | 'finished' | 'running' | 'pending' | 'unfinished'>): string {
  if (d.runs === 0) return 'no runs';
  const head = d.finished === d.runs ? `all ${d.runs} finished` : `${d.finished} of ${d.runs} finished`;
  const rest = [
    d.running ? `${d.running} running` : '',
    d.pending ? `${d.pending} pending` : '',
    d.unfinished ? `${d.unfinished} unfinished (continue the sweep to resume them)` : '',
  ].filter(Boolean);
  return rest.length ? `${head} · ${rest.join(' · ')}` : head;
}

const num = (v: number | null) => (v === null ? '' : Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan');

/** Every member, one row each: what the grid and the bar chart are counted from. */
export function membersCsv(d: SweepPanelData): string {
  const rows = ['index,name,group,init,gain,lr,seed,state,update,updates,final_val_loss,succeeded'];
  for (const m of d.members) {
    rows.push([m.index, csvField(m.name), csvField(m.group), csvField(m.init), m.gain, m.lr, m.seed, m.state, m.update, m.updates, num(m.final_val_loss), m.succeeded].join(','));
  }
  return rows.join('\n') + '\n';
}

/** The best cells' mean validation curves: `group,gain,lr,update,mean,sem,n`. */
export function curvesCsv(d: SweepPanelData): string {
  const rows = ['group,gain,lr,update,mean_val_loss,sem,n'];
  for (const g of d.groups) {
    if (!g.curve || g.best === null) continue;
    const c = g.cells[g.best];
    for (let i = 0; i < g.curve.update.length; i++) {
      rows.push([csvField(g.group), c.gain, c.lr, g.curve.update[i], num(g.curve.mean[i]), num(g.curve.sem[i]), g.curve.n[i]].join(','));
    }
  }
  return rows.join('\n') + '\n';
}
