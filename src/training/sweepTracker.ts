/**
 * The sweeps of the workspace, as the Runs view shows them: every `.recurrent-lens/sweeps/<id>/sweep.json` found
 * (so a reload, or another window, finds them again), each with its summary. Local sweeps train through the run
 * manager; SLURM sweeps are followed by polling the SLURM executor and merging its task states with the run folders
 * through the summary's one merge rule (summarizeSweep → mergeTaskState). All reading is small files and `squeue`.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { RunManager } from '../runs/runManager';
import { readResolvedSweep, SWEEPS_FOLDER } from '../sweeps/folder';
import { readSummary, summarizeSweep, writeSummary } from '../sweeps/summary';
import { SlurmExecutor } from '../sweeps/slurmExecutor';
import { FINISHED_STATES, type ExecutorTaskState, type MemberSummary, type ResolvedSweep, type SweepSummary } from '../sweeps/types';
import { slurmSettings } from './sweepSettings';

export interface TrackedSweep {
  dir: string;
  sweep: ResolvedSweep;
  label: string;
  executor: 'local' | 'slurm' | null;
  jobId: string | null;
  summary: SweepSummary;
  /** running + pending/queued members the executor still has (SLURM: from the last poll). */
  active: number;
  /** Members that Continue Sweep would start: neither finished nor active. */
  continuable: number;
  /** The last SLURM poll failed: its one-line reason. */
  pollError?: string;
}

/** How often SLURM sweeps with tasks queued or running are polled, in ms (view visible; hidden: 3×). */
export const SLURM_POLL_MS = 5000;

export class SweepTracker implements vscode.Disposable {
  private readonly sweeps = new Map<string, TrackedSweep>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly dirty = new Map<string, NodeJS.Timeout>();
  private discovering: Promise<void> | undefined;
  private again = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private discoverTimer: NodeJS.Timeout | undefined;
  /** Whether the Runs view is visible (poll faster). */
  visible = true;
  ready: Promise<void>;

  constructor(
    private readonly manager: RunManager,
    private readonly extensionPath: string,
  ) {
    // A sweep folder made or removed elsewhere (the CLI, another window): the run manager reads the folders again.
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${SWEEPS_FOLDER.split(path.sep).join('/')}/*/sweep.json`);
    const refresh = () => {
      clearTimeout(this.discoverTimer);
      this.discoverTimer = setTimeout(() => void manager.refresh(), 300);
    };
    this.disposables.push(
      watcher, watcher.onDidCreate(refresh), watcher.onDidDelete(refresh),
      // A member run changed: its sweep's counts again (throttled).
      manager.onDidChangeRun((r) => {
        const s = r.sweep ? this.byId(r.sweep) : undefined;
        if (s) this.changed(s.dir);
      }),
      manager.onDidChangeRuns(() => void this.discover()),
    );
    this.ready = manager.ready.then(() => this.discover());
  }

  private byId(id: string): TrackedSweep | undefined {
    for (const s of this.sweeps.values()) if (s.sweep.id === id) return s;
    return undefined;
  }

  /** Sweep folders whose sweep.json cannot be read, with the reason (one line). */
  broken(): { dir: string; id: string; error: string }[] {
    return this.manager.sweeps().filter((v) => v.error).map((v) => ({ dir: path.resolve(v.dir), id: v.id, error: v.error!.split('\n')[0] }));
  }

  list(): TrackedSweep[] {
    return [...this.sweeps.values()].sort((a, b) => b.sweep.id.localeCompare(a.sweep.id));
  }

  get(dir: string): TrackedSweep | undefined {
    return this.sweeps.get(path.resolve(dir));
  }

  /** The tracked sweep of a member run id (`<sweep id>/<member name>`). */
  sweepOfRun(runId: string): TrackedSweep | undefined {
    const slash = runId.indexOf('/');
    if (slash < 0) return undefined;
    return this.byId(runId.slice(0, slash));
  }

  /** A member's merged state (run folder + executor). */
  member(runId: string): MemberSummary | undefined {
    const s = this.sweepOfRun(runId);
    const name = runId.slice(runId.indexOf('/') + 1);
    return s?.summary.members?.find((m) => m.name === name);
  }

  /** `succeeded: chain:1.02 3/8, orthogonal:1.0 0/8` (once something finished). */
  successLine(s: TrackedSweep): string {
    const m = s.summary;
    if (!m.finished) return '';
    return `succeeded: ${Object.keys(m.runs_per_init).map((g) => `${g} ${m.successes[g] ?? 0}/${m.runs_per_init[g]}`).join(', ')}`;
  }

  /** `5/16 finished · 2 running · 9 pending · 1 failed` (what the Runs view group says). */
  progressLine(s: TrackedSweep): string {
    const m = s.summary;
    const parts = [`${m.finished}/${m.runs} finished`];
    if (m.running) parts.push(`${m.running} running`);
    if (m.pending) parts.push(`${m.pending} pending`);
    if (m.unfinished) parts.push(`${m.unfinished} ${unfinishedWord(m.members ?? [])}`);
    return parts.join(' · ');
  }

  /**
   * The run manager's sweeps (found in the workspace folders, or started here): new ones are read in, removed ones go,
   * and local ones get their counts again.
   */
  discover(): Promise<void> {
    // One reading at a time; a call during one makes it read once more (what it saw may be older than the call).
    this.again = true;
    if (this.discovering) return this.discovering;
    const p = (async () => {
      while (this.again) {
        this.again = false;
        await this.discoverOnce();
      }
    })();
    this.discovering = p;
    const clear = () => {
      if (this.discovering === p) this.discovering = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private async discoverOnce(): Promise<void> {
    const views = this.manager.sweeps().filter((v) => !v.error);
    const found = new Set(views.map((v) => path.resolve(v.dir)));
    for (const dir of found) if (!this.sweeps.has(dir)) await this.load(dir).catch(() => undefined);
    for (const dir of [...this.sweeps.keys()]) if (!found.has(dir)) this.sweeps.delete(dir);
    for (const s of this.sweeps.values()) if (s.executor !== 'slurm') this.changed(s.dir);
    this.emitter.fire();
    this.schedulePoll();
  }

  /** Starts tracking a sweep folder of the workspace (just made, or named by a command). */
  async add(dir: string): Promise<TrackedSweep | undefined> {
    dir = path.resolve(dir);
    if (!this.sweeps.has(dir)) {
      await this.manager.refresh();
      await this.discover();
    }
    return this.sweeps.get(dir);
  }

  private async load(dir: string): Promise<TrackedSweep | undefined> {
    const sweep = await readResolvedSweep(dir);
    if (this.sweeps.has(dir)) return this.sweeps.get(dir);
    const saved = await readSummary(dir).catch(() => undefined);
    const executor = saved?.executor ?? (existsSync(path.join(dir, 'slurm')) ? 'slurm' : null);
    const jobId = saved?.job_id ?? null;
    const s: TrackedSweep = {
      dir, sweep, label: sweep.name ?? sweep.id, executor, jobId,
      summary: saved ?? (await summarizeSweep(dir, sweep)), active: 0, continuable: 0,
    };
    this.sweeps.set(dir, s);
    await this.update(s, executor === 'slurm' ? await this.slurmTasks(s) : this.localTasks(s));
    return s;
  }

  /** A local member changed, or a command acted on the sweep: read its counts again soon. */
  changed(dir: string): void {
    const s = this.get(dir);
    if (!s || this.dirty.has(s.dir)) return;
    this.dirty.set(s.dir, setTimeout(() => {
      this.dirty.delete(s.dir);
      const tasks = s.executor === 'slurm' ? undefined : this.localTasks(s);
      if (s.executor === 'slurm') void this.pollOne(s);
      else void this.update(s, tasks).then(() => this.emitter.fire(), () => undefined);
    }, 1000));
  }

  /** Member indices Continue Sweep starts: neither finished nor queued/running. */
  async continuable(dir: string): Promise<number[]> {
    const s = this.get(dir);
    if (!s) return [];
    await this.update(s, s.executor === 'slurm' ? await this.slurmTasks(s) : this.localTasks(s));
    return (s.summary.members ?? []).filter((m) => isContinuable(m.state)).map((m) => m.index);
  }

  /** Members were queued here: the sweep is a local one (summary.json says so, for the panel and `sweep-status`). */
  async startedLocally(dir: string): Promise<void> {
    const s = await this.add(dir);
    if (!s) return;
    s.executor = 'local';
    s.jobId = null;
    await this.update(s, this.localTasks(s));
    await writeSummary(s.dir, s.summary).catch(() => undefined);
    this.emitter.fire();
  }

  /** Submits members as one SLURM array job; the sweep is then polled. Returns the job id. */
  async submitToSlurm(dir: string, sweep: ResolvedSweep, indices: number[]): Promise<string> {
    const s = (await this.add(dir))!;
    const { job_id } = await this.executor().submit(s.dir, sweep, indices);
    s.executor = 'slurm';
    s.jobId = job_id;
    await this.update(s, await this.slurmTasks(s));
    this.emitter.fire();
    this.schedulePoll();
    return job_id ?? '?';
  }

  /** scancel of the sweep's tasks (they checkpoint on SIGTERM); then polled once more. */
  async cancelOnSlurm(dir: string): Promise<void> {
    const s = this.get(dir);
    if (!s) return;
    await this.executor().cancel(s.dir, s.sweep);
    await this.pollOne(s);
  }

  private executor(): SlurmExecutor {
    return new SlurmExecutor(slurmSettings(this.extensionPath));
  }

  /** Local task states: the run manager's queued and running members. */
  private localTasks(s: TrackedSweep): Map<number, ExecutorTaskState> {
    const index = new Map(s.sweep.members.map((m) => [m.name, m.index]));
    const tasks = new Map<number, ExecutorTaskState>();
    for (const r of this.manager.list()) {
      if (r.sweep !== s.sweep.id) continue;
      const i = index.get(path.basename(r.dir));
      if (i !== undefined && (r.state === 'queued' || r.state === 'running')) tasks.set(i, r.state);
    }
    return tasks;
  }

  private async slurmTasks(s: TrackedSweep): Promise<Map<number, ExecutorTaskState> | undefined> {
    try {
      const tasks = await this.executor().poll(s.dir, s.sweep);
      s.pollError = undefined;
      return tasks;
    } catch (e) {
      s.pollError = ((e as Error).message ?? String(e)).split('\n')[0];
      return undefined;
    }
  }

  private async update(s: TrackedSweep, tasks: Map<number, ExecutorTaskState> | undefined): Promise<void> {
    const summary = await summarizeSweep(s.dir, s.sweep, { tasks, executor: s.executor ?? undefined, job_id: s.jobId ?? undefined });
    const before = s.summary;
    s.summary = summary;
    const members = summary.members ?? [];
    s.active = members.filter((m) => m.state === 'running' || m.state === 'queued').length;
    s.continuable = members.filter((m) => isContinuable(m.state)).length;
    // SLURM: only we know the task states, so the summary on disk (the panel's, sweep-status's) is written here.
    if (s.executor === 'slurm' && tasks && countsChanged(before, summary)) await writeSummary(s.dir, summary).catch(() => undefined);
  }

  private async pollOne(s: TrackedSweep): Promise<void> {
    const wasActive = s.active;
    await this.update(s, await this.slurmTasks(s));
    this.emitter.fire();
    if (wasActive > 0 && s.active === 0 && !s.pollError) void announceEnd(s);
  }

  /** Polls the SLURM sweeps that have tasks queued or running (every SLURM_POLL_MS; 3× slower when the view is hidden). */
  private schedulePoll(): void {
    clearTimeout(this.pollTimer);
    const followed = () => this.list().filter((s) => s.executor === 'slurm' && (s.active > 0 || s.pollError));
    if (!followed().length) return;
    this.pollTimer = setTimeout(async () => {
      if (this.polling) return this.schedulePoll();
      this.polling = true;
      try {
        for (const s of followed()) if (this.sweeps.get(s.dir) === s) await this.pollOne(s);
      } finally {
        this.polling = false;
        this.schedulePoll();
      }
    }, this.visible ? SLURM_POLL_MS : 3 * SLURM_POLL_MS);
  }

  /** The Runs view became visible: poll now. */
  setVisible(visible: boolean): void {
    const was = this.visible;
    this.visible = visible;
    if (visible && !was) this.schedulePoll();
  }

  dispose(): void {
    clearTimeout(this.pollTimer);
    clearTimeout(this.discoverTimer);
    for (const t of this.dirty.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}

function isContinuable(state: MemberSummary['state']): boolean {
  return !FINISHED_STATES.includes(state) && state !== 'running' && state !== 'queued';
}

function countsChanged(a: SweepSummary, b: SweepSummary): boolean {
  const key = (s: SweepSummary) => JSON.stringify([s.finished, s.running, s.pending, s.unfinished, s.successes, s.job_id, s.executor,
    (s.members ?? []).map((m) => m.state)]);
  return key(a) !== key(b);
}

/** `2 failed`, `3 stopped`, or `4 unfinished` when they differ. */
function unfinishedWord(members: MemberSummary[]): string {
  const states = new Set(members.map((m) => m.state).filter((st) => !FINISHED_STATES.includes(st) && !['running', 'queued', 'pending'].includes(st)));
  return states.size === 1 ? [...states][0] : 'unfinished';
}

/** The end of a SLURM sweep's tasks: the counts, and the panel. */
async function announceEnd(s: TrackedSweep): Promise<void> {
  const m = s.summary;
  const groups = Object.keys(m.successes).map((g) => `${g} ${m.successes[g]}/${m.runs_per_init[g]}`).join(', ');
  const pick = await vscode.window.showInformationMessage(
    `Sweep ${s.label} on SLURM: ${m.finished} of ${m.runs} finished${m.unfinished ? `, ${m.unfinished} unfinished (Continue Sweep resumes them)` : ''}. Successes: ${groups}.`,
    'Open Sweep Panel',
  );
  if (pick) await vscode.commands.executeCommand('recurrentLens.openSweepPanel', s.dir);
}
