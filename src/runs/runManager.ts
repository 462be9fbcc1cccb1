/**
 * Training runs: their folders under `<workspace>/.recurrent-lens/runs/<id>/`, a queue with a concurrency limit,
 * and the trainer processes (`cli.js train --run-dir <dir>`, forked with an IPC channel). All the work happens in
 * the trainer processes; here we only move small messages and read small files.
 *
 * Plain Node (no `vscode`): the extension adapts it to views and commands, the CLI drives sweeps with it, and unit
 * tests run it as it is.
 *
 * Runs started here are followed through IPC; runs found running on disk (started by the CLI, or by a window still
 * shutting down) are followed through their files. The run folder is the truth: a window reload reads it again.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type {
  HostToTrainer, RunConfig, RunState, RunStatus, RunView, SweepView, TrainerToHost,
} from '../shared/protocol';
import { readResolvedSweep, SWEEP_FILES, SWEEPS_FOLDER } from '../sweeps/folder';
import type { ResolvedSweep } from '../sweeps/types';
import { runId, type TrainConfig } from '../core/train/config';
import { readJson, writeJsonAtomic } from '../core/train/checkpoint';
import { RUN_FILES } from '../core/train/trainer';
import { baselineOf, describeConfig, resolved } from './runConfig';
import { Metrics, MetricsFile } from './metrics';
import { Emitter, type Disposable } from './emitter';
import { trainerAlive, trainerLiveness } from './liveness';
import { describeHolder, runFolderLiveness, runLockHolder } from './runLock';
import { folderBytes, lastCompleteCheckpoint, leftoverTempFiles } from './diskUse';

export { trainerAlive, trainerLiveness };

export const RUNS_FOLDER = path.join('.recurrent-lens', 'runs');

/** A refusal to show the user as it is (one line). */
export class TrainingError extends Error {}

export interface RunManagerOptions {
  /** Absolute path of the trainer entry point (`<extension>/dist/cli.js`). */
  cli: string;
  /** Workspace folders whose runs are listed; runs start in the first unless told otherwise. */
  folders(): readonly string[];
  maxConcurrentRuns(): number;
  isTrusted(): boolean;
  /** How often runs followed through their files are read again, in ms. */
  pollMs?: number;
  /** How long a stopped trainer may take to checkpoint and exit before it gets SIGTERM, then SIGKILL. */
  stopGraceMs?: number;
}

interface Run {
  id: string;
  dir: string;
  config: RunConfig;
  status?: RunStatus;
  state: RunState;
  /** A trainer started by this manager. */
  child?: ChildProcess;
  /** Resume from the checkpoint when it leaves the queue. */
  resume?: boolean;
  /** Running in a process we did not start: followed through status.json and metrics.jsonl. */
  external: boolean;
  live: { update: number; trainLoss: number | null; valLoss: number | null; msPerUpdate?: number; first?: { update: number; ms: number } };
  metrics?: Metrics;
  metricsLoad?: Promise<Metrics>;
  /** IPC points that arrived while metrics.jsonl was being read. */
  pendingPoints?: TrainerToHost[];
  metricsFile?: MetricsFile;
  /** The end of the trainer's output, for the error of a trainer that died without a word. */
  logTail: string[];
  /** The CLI's one-line fatal error (`recurrent-lens: <dir>: <problem>`), when it printed one. */
  fatal?: string;
  sawEnd?: boolean;
  waiters: ((v: RunView) => void)[];
  stopTimers: NodeJS.Timeout[];
  /** A sweep member: trained by `train --sweep <dir> --index <index>`. */
  sweep?: { id: string; dir: string; index: number };
  /** Bytes the run folder takes on disk (measured when the run settles and after checkpoints), and whether measuring. */
  diskBytes?: number;
  measuring?: boolean;
}

/** A sweep folder the manager knows: found in a workspace folder, or started here from anywhere. */
interface KnownSweep {
  id: string;
  dir: string;
  sweep: ResolvedSweep | null;
  /** sweep.json could not be read: its one-line problem. */
  error: string | null;
  /** Started here (kept even outside the workspace folders). */
  explicit: boolean;
}

const ACTIVE: RunState[] = ['queued', 'running'];
/** States a run can be resumed (or, never started, started) from. */
export const RESUMABLE: RunState[] = ['stopped', 'diverged', 'failed', 'interrupted', 'pending'];

export class RunManager implements Disposable {
  private readonly runs = new Map<string, Run>();
  private readonly sweepsById = new Map<string, KnownSweep>();
  private readonly queue: string[] = [];
  private readonly changeRuns = new Emitter<void>();
  private readonly changeRun = new Emitter<RunView>();
  private readonly throttled = new Map<string, NodeJS.Timeout>();
  private readonly poller: NodeJS.Timeout;
  private refreshTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** The first reading of the run folders. */
  readonly ready: Promise<void>;

  /** A run was added or removed. */
  readonly onDidChangeRuns = this.changeRuns.event;
  /** A run's state or progress changed (progress at most every 200 ms per run). */
  readonly onDidChangeRun = this.changeRun.event;

  constructor(private readonly opts: RunManagerOptions) {
    this.ready = this.refresh();
    this.poller = setInterval(() => void this.poll(), opts.pollMs ?? 1500);
  }

  // ---- reading

  list(): RunView[] {
    return [...this.runs.values()].map((r) => this.view(r)).sort((a, b) => b.id.localeCompare(a.id));
  }

  get(id: string): RunView | undefined {
    const run = this.runs.get(id);
    return run && this.view(run);
  }

  /** The loss histories of a run (read from metrics.jsonl the first time, then kept up to date). */
  async metrics(id: string): Promise<Metrics> {
    const run = this.must(id);
    if (run.metrics) return run.metrics;
    return (run.metricsLoad ??= (async () => {
      run.pendingPoints = [];
      const metrics = new Metrics();
      run.metricsFile = new MetricsFile(path.join(run.dir, RUN_FILES.metrics));
      for (const line of await run.metricsFile.read()) metrics.add(line);
      // Points that came by IPC meanwhile overlap the file's end; Series.push replaces the overlap.
      for (const m of run.pendingPoints) addPoint(metrics, m);
      run.pendingPoints = undefined;
      run.metrics = metrics;
      return metrics;
    })());
  }

  /** Resolves when the run is neither queued nor running. */
  whenSettled(id: string): Promise<RunView> {
    const run = this.must(id);
    if (!ACTIVE.includes(run.state)) return Promise.resolve(this.view(run));
    return new Promise((resolve) => run.waiters.push(resolve));
  }

  /** Reads the run folders again: new folders appear, removed ones go, runs followed on disk update. */
  async refresh(): Promise<void> {
    const seen = new Set<string>();
    const sweepsSeen = new Set<string>();
    for (const folder of this.opts.folders()) {
      await this.scanRuns(path.join(folder, RUNS_FOLDER), seen);
      const root = path.join(folder, SWEEPS_FOLDER);
      let names: string[] = [];
      try {
        names = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      } catch {
        // no sweeps here
      }
      for (const id of names) {
        const dir = path.join(root, id);
        if (!existsSync(path.join(dir, SWEEP_FILES.sweep))) continue;
        const known = this.sweepsById.get(id);
        if (known && known.dir !== dir) continue; // the same id in two folders: the first wins
        if (!known) await this.addSweep(dir, false);
        sweepsSeen.add(id);
      }
    }
    for (const [id, known] of this.sweepsById) {
      if (!sweepsSeen.has(id) && !(known.explicit && existsSync(path.join(known.dir, SWEEP_FILES.sweep)))) {
        this.sweepsById.delete(id);
        continue;
      }
      await this.scanRuns(path.join(known.dir, SWEEP_FILES.runs), seen, known);
    }
    let changed = false;
    for (const [id, run] of this.runs) {
      if (!seen.has(id) && !run.child && run.state !== 'queued') {
        this.runs.delete(id);
        changed = true;
      }
    }
    if (changed || seen.size) this.changeRuns.fire();
  }

  /** Reads the run folders under `root` (a sweep's runs/ when `sweep` is given: ids `<sweepId>/<name>`). */
  private async scanRuns(root: string, seen: Set<string>, sweep?: KnownSweep): Promise<void> {
    let names: string[];
    try {
      names = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return;
    }
    const members = sweep?.sweep ? new Map(sweep.sweep.members.map((m) => [m.name, m])) : undefined;
    for (const name of names) {
      const member = members?.get(name);
      if (sweep && !member) continue; // not one of the sweep's members
      const id = sweep ? `${sweep.id}/${name}` : name;
      const dir = path.join(root, name);
      const known = this.runs.get(id);
      if (known && known.dir !== dir) continue; // the same id in two folders: the first wins
      if (known) {
        seen.add(id);
        if ((!known.child && !ACTIVE.includes(known.state)) || known.external) await this.reread(known);
        continue;
      }
      const run = await this.load(id, dir, member && sweep ? { id: sweep.id, dir: sweep.dir, index: member.index, config: member.config as RunConfig } : undefined);
      if (this.runs.has(id)) {
        seen.add(id); // started here while we read it
      } else if (run) {
        seen.add(id);
        this.runs.set(id, run);
      }
    }
  }

  /** Registers a sweep folder (reads its sweep.json once: members never change). */
  private async addSweep(dir: string, explicit: boolean): Promise<KnownSweep> {
    const id = path.basename(path.resolve(dir));
    const known = this.sweepsById.get(id);
    if (known && path.resolve(known.dir) === path.resolve(dir)) {
      known.explicit ||= explicit;
      return known;
    }
    if (known) throw new TrainingError(`Another sweep is already known as "${id}" (${known.dir}).`);
    let sweep: ResolvedSweep | null = null, error: string | null = null;
    try {
      sweep = await readResolvedSweep(dir);
    } catch (e) {
      error = (e as Error).message;
    }
    const entry: KnownSweep = { id, dir, sweep, error, explicit };
    this.sweepsById.set(id, entry);
    return entry;
  }

  /** The sweeps in the workspace folders and those started here, with counts from their members' runs. */
  sweeps(): SweepView[] {
    const out: SweepView[] = [];
    for (const known of this.sweepsById.values()) {
      const members = known.sweep?.members ?? [];
      const groups = known.sweep?.groups ?? [];
      const successes: Record<string, number> = Object.fromEntries(groups.map((g) => [g, 0]));
      const runsPerInit: Record<string, number> = Object.fromEntries(groups.map((g) => [g, 0]));
      const counts = { finished: 0, running: 0, pending: 0, unfinished: 0 };
      const runIds: string[] = [];
      for (const m of members) {
        runsPerInit[m.group]++;
        const run = this.runs.get(`${known.id}/${m.name}`);
        if (run) runIds.push(run.id);
        const state: RunState = run?.state ?? 'pending';
        if (state === 'completed' || state === 'diverged') counts.finished++;
        else if (state === 'running') counts.running++;
        else if (state === 'pending' || state === 'queued') counts.pending++;
        else counts.unfinished++;
        if (state === 'completed' && run?.status?.succeeded) successes[m.group]++;
      }
      out.push({
        id: known.id, dir: known.dir, name: known.sweep?.name ?? null, label: known.sweep?.name ?? known.id, groups,
        runs: members.length, ...counts, successes, runs_per_init: runsPerInit, baseline: known.sweep?.baseline ?? null,
        runIds, error: known.error,
      });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Queues members of the sweep in `sweepDir` (default: every member not finished and not already queued or running)
   * as runs `<sweepId>/<memberName>`, each trained by `train --sweep DIR --index I` — which resumes a member from its
   * checkpoint and leaves a finished one alone. Returns the run ids queued.
   */
  async startSweep(sweepDir: string, indices?: readonly number[]): Promise<string[]> {
    // The sweep folder is given: no workspace folder is needed (the CLI's executor has none), trust is.
    this.assertTrusted();
    const known = await this.addSweep(path.resolve(sweepDir), true);
    if (!known.sweep) throw new TrainingError(known.error ?? `${sweepDir}: not a sweep folder`);
    const sweep = known.sweep;
    await this.scanRuns(path.join(known.dir, SWEEP_FILES.runs), new Set(), known);
    const chosen = indices ?? sweep.members.map((m) => m.index);
    const ids: string[] = [];
    for (const index of chosen) {
      const member = sweep.members[index];
      if (!member) throw new TrainingError(`${sweepDir}: no member ${index} (the sweep has ${sweep.members.length})`);
      const id = `${known.id}/${member.name}`;
      let run = this.runs.get(id);
      if (run && (ACTIVE.includes(run.state) || run.state === 'completed' || run.state === 'diverged')) continue;
      const dir = path.join(known.dir, SWEEP_FILES.runs, member.name);
      if (!run) {
        run = {
          id, dir, config: member.config as RunConfig, state: 'queued', external: false,
          live: { update: 0, trainLoss: null, valLoss: null }, logTail: [], waiters: [], stopTimers: [],
          sweep: { id: known.id, dir: known.dir, index },
        };
        this.runs.set(id, run);
      } else {
        run.state = 'queued';
        run.external = false;
        run.sawEnd = false;
        this.changed(run, true);
      }
      this.queue.push(id);
      ids.push(id);
    }
    this.changeRuns.fire();
    this.pump();
    return ids;
  }

  /**
   * A run folder's config.json or status.json changed on disk: a new run (the CLI's) is read in, a run not followed
   * yet is read again (a resume from the CLI starts following it). Runs followed by IPC or polling ignore it.
   */
  fileChanged(file: string): void {
    const dir = path.dirname(file);
    const sweepDir = path.dirname(path.dirname(dir));
    const sweep = path.basename(path.dirname(dir)) === SWEEP_FILES.runs
      ? [...this.sweepsById.values()].find((k) => path.resolve(k.dir) === path.resolve(sweepDir)) : undefined;
    const id = sweep ? `${sweep.id}/${path.basename(dir)}` : path.basename(dir);
    const run = this.runs.get(id);
    if (!run) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = setTimeout(() => void this.refresh(), 250);
    } else if (!run.child && !run.external && run.state !== 'queued' && path.dirname(file) === run.dir) {
      void this.reread(run).catch(() => {});
    }
  }

  private async load(id: string, dir: string, member?: { id: string; dir: string; index: number; config: RunConfig }): Promise<Run | undefined> {
    const config = await readJson<RunConfig>(path.join(dir, RUN_FILES.config));
    const status = await readJson<RunStatus>(path.join(dir, RUN_FILES.status));
    if (config === undefined && status === undefined && !member) return undefined;
    const run: Run = {
      id, dir, config: config ?? member?.config ?? { task: 'copy' }, status: status ?? undefined, state: 'pending', external: false,
      live: { update: 0, trainLoss: null, valLoss: null }, logTail: [], waiters: [], stopTimers: [],
      ...(member ? { sweep: { id: member.id, dir: member.dir, index: member.index } } : {}),
    };
    if (config === null) {
      run.state = 'failed';
      run.status = { ...(status ?? emptyStatus(id)), state: 'failed', error: 'config.json is not valid JSON' };
    }
    this.settleFromDisk(run);
    return run;
  }

  private async reread(run: Run): Promise<void> {
    const status = await readJson<RunStatus>(path.join(run.dir, RUN_FILES.status));
    if (status) run.status = status;
    const before = run.state;
    this.settleFromDisk(run);
    if (run.metrics && run.metricsFile) for (const line of await run.metricsFile.read()) run.metrics.add(line);
    if (run.state !== before || run.external) this.changed(run, run.state !== before);
  }

  /** State of a run not started here, from its status.json and its process. */
  private settleFromDisk(run: Run): void {
    const s = run.status;
    if (!s) {
      // A trainer that has not written status.json yet (a sweep member just started elsewhere) holds the lock already.
      run.state = runLockHolder(run.dir) ? 'running' : 'pending';
      run.external = run.state === 'running';
      return;
    }
    run.live = { update: s.update ?? 0, trainLoss: s.train_loss ?? null, valLoss: s.val_loss ?? null };
    // The folder's lock says whether a trainer works in it (one started from a terminal, another window, a cluster
    // node), whatever status.json says meanwhile (a resume that has not written it yet).
    const alive = runFolderLiveness(run.dir, s) !== 'gone';
    if (alive) {
      run.external = true;
      run.state = 'running';
    } else {
      run.external = false;
      run.state = s.state === 'running' ? 'interrupted' : s.state;
      if (run.state === 'interrupted') {
        // A trainer that died without writing its end (killed, or a disk too full for status.json): its status.json may
        // lag behind; the newest complete checkpoint is what a resume continues from.
        s.checkpoint = lastCompleteCheckpoint(run.dir) ?? s.checkpoint;
        const left = leftoverTempFiles(run.dir);
        if (left.length && !s.error) s.error = `the trainer ended without finishing, leaving ${left.length === 1 ? 'a half-written file' : `${left.length} half-written files`} (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', …' : ''}): a full disk? Resume continues from ${s.checkpoint ?? 'the start'}`;
      }
    }
    if (!ACTIVE.includes(run.state)) this.settled(run);
    this.measureDisk(run);
  }

  /** Measures the run folder's disk use in the background; the view updates when it is known. */
  private measureDisk(run: Run): void {
    if (run.measuring || this.disposed) return;
    run.measuring = true;
    void folderBytes(run.dir).then((bytes) => {
      run.measuring = false;
      if (bytes === run.diskBytes) return;
      run.diskBytes = bytes;
      if (this.runs.get(run.id) === run) this.changed(run, false);
    }, () => { run.measuring = false; });
  }

  /** Refuses (TrainingError) when another process trains in the run's folder; it is then shown as running. */
  private assertNotLocked(run: Run): void {
    const holder = runLockHolder(run.dir);
    if (!holder) return;
    run.external = true;
    run.state = 'running';
    this.changed(run, true);
    throw new TrainingError(`${this.view(run).label} is being trained by another process: ${describeHolder(holder.info)}.`);
  }

  /** Runs followed on disk: status and metrics again; their end, or their process gone. */
  private async poll(): Promise<void> {
    for (const run of this.runs.values()) if (run.external && !this.disposed) await this.reread(run).catch(() => {});
  }

  // ---- starting and stopping

  /** Throws a TrainingError when runs cannot start here (no folder, or an untrusted workspace). */
  assertCanStart(): void {
    if (this.opts.folders().length === 0) {
      throw new TrainingError('Open a folder to train in: runs are saved in its .recurrent-lens/runs folder.');
    }
    this.assertTrusted();
  }

  private assertTrusted(): void {
    if (!this.opts.isTrusted()) {
      throw new TrainingError('Training runs code from this extension in your workspace: trust the workspace to start or resume runs (viewing runs works without trust).');
    }
  }

  /** Makes a run folder per config (with config.json) and queues them; returns their ids. */
  async start(configs: RunConfig[], folder?: string): Promise<string[]> {
    this.assertCanStart();
    const root = path.join(folder ?? this.opts.folders()[0], RUNS_FOLDER);
    await fs.mkdir(root, { recursive: true });
    const ids: string[] = [];
    const now = new Date();
    for (const config of configs) {
      const base = runId(resolved(config) as TrainConfig, now);
      let id = base;
      for (let k = 2; ; k++) {
        try {
          if (this.runs.has(id)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
          await fs.mkdir(path.join(root, id));
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          id = `${base}-${k}`;
        }
      }
      const dir = path.join(root, id);
      await fs.writeFile(path.join(dir, RUN_FILES.config), JSON.stringify(config, null, 2) + '\n');
      const run: Run = {
        id, dir, config, state: 'queued', external: false,
        live: { update: 0, trainLoss: null, valLoss: null }, logTail: [], waiters: [], stopTimers: [],
      };
      this.runs.set(id, run);
      this.queue.push(id);
      ids.push(id);
    }
    this.changeRuns.fire();
    this.pump();
    return ids;
  }

  /** Queues a stopped, diverged, failed or interrupted run to continue from its last checkpoint. */
  resume(id: string): void {
    this.assertCanStart();
    const run = this.must(id);
    if (!RESUMABLE.includes(run.state)) throw new TrainingError(`${this.view(run).label} is ${run.state}: only stopped, diverged, failed or interrupted runs can be resumed.`);
    this.assertNotLocked(run);
    // `train --resume` continues from the last checkpoint, or starts a run that has none yet.
    run.resume = true;
    run.state = 'queued';
    run.external = false;
    run.sawEnd = false;
    this.queue.push(id);
    this.changed(run, true);
    this.pump();
  }

  /** Stops a run: a queued one leaves the queue, a running one checkpoints and exits as "stopped". */
  stop(id: string): void {
    const run = this.must(id);
    if (run.state === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      run.state = run.status ? (run.status.state === 'running' ? 'interrupted' : run.status.state) : 'pending';
      this.settled(run);
      this.changed(run, true);
      return;
    }
    if (run.state !== 'running') return;
    if (run.child) {
      if (run.stopTimers.length) return;
      sendTo(run.child, { type: 'stop' });
      const grace = this.opts.stopGraceMs ?? 30_000;
      const child = run.child;
      run.stopTimers.push(
        setTimeout(() => child.kill('SIGTERM'), grace),
        setTimeout(() => child.kill('SIGKILL'), grace * 1.5),
      );
    } else {
      // A trainer of another process on this host: the lock names it (status.json's pid for trainers without one).
      const holder = runLockHolder(run.dir);
      const pid = holder ? (holder.liveness === 'alive' ? holder.info?.pid : undefined) : run.status?.pid && trainerLiveness(run.status) === 'alive' ? run.status.pid : undefined;
      if (pid) {
        try { process.kill(pid, 'SIGTERM'); } catch { /* gone meanwhile */ }
      }
    }
  }

  /** Stops the run if needed, then deletes its folder. */
  async delete(id: string): Promise<void> {
    const run = this.must(id);
    if (ACTIVE.includes(run.state)) {
      this.stop(id);
      if (run.state === 'running') {
        const deadline = Date.now() + (this.opts.stopGraceMs ?? 30_000) * 2;
        while (run.state === 'running' && Date.now() < deadline) {
          if (run.external) await this.reread(run);
          await sleep(100);
        }
      }
    }
    await fs.rm(run.dir, { recursive: true, force: true });
    this.runs.delete(id);
    this.settled(run);
    this.changeRuns.fire();
  }

  private pump(): void {
    if (this.disposed) return;
    const limit = this.limit();
    let running = [...this.runs.values()].filter((r) => r.child).length;
    while (running < limit && this.queue.length) {
      const run = this.runs.get(this.queue.shift()!);
      if (!run) continue;
      this.launch(run);
      running++;
    }
  }

  private limit(): number {
    return Math.max(1, Math.floor(this.opts.maxConcurrentRuns()));
  }

  /** Call when the concurrency limit changes. */
  limitChanged(): void {
    this.pump();
  }

  private launch(run: Run): void {
    if (runLockHolder(run.dir)) {
      // Another process trains in this folder (it took it while the run waited here): follow it instead.
      run.external = true;
      run.state = 'running';
      this.changed(run, true);
      void this.reread(run).catch(() => {});
      return;
    }
    // A sweep member's own command decides: resume from its checkpoint, or nothing when it finished meanwhile.
    const args = run.sweep
      ? ['train', '--sweep', run.sweep.dir, '--index', String(run.sweep.index)]
      : ['train', '--run-dir', run.dir, ...(run.resume ? ['--resume'] : [])];
    // Runs side by side share the cores: one engine thread each when two threads per run would oversubscribe.
    const busy = Math.min(this.queue.length + 1 + [...this.runs.values()].filter((r) => r.child).length, this.limit());
    if (busy * 2 > os.availableParallelism()) args.push('--threads', '1');
    run.state = 'running';
    run.logTail = [];
    run.fatal = undefined;
    run.sawEnd = false;
    let child: ChildProcess;
    try {
      // A sweep member's folder is made when it starts (a big sweep's queue makes none).
      if (run.sweep) mkdirSync(run.dir, { recursive: true });
      child = fork(this.opts.cli, args, {
        cwd: run.dir,
        // The extension host's own flags (inspector ports) must not reach the trainer; under Electron, run as Node.
        execArgv: [],
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
    } catch (e) {
      void this.fail(run, `could not start the trainer: ${(e as Error).message}`);
      return;
    }
    run.child = child;
    // The trainer writes log.txt itself; its stderr is kept only to explain a crash.
    const onOutput = (chunk: Buffer) => {
      const lines = (run.logTail.join('\n') + chunk.toString('utf8')).split('\n');
      run.logTail = lines.slice(-40);
      const fatal = /^recurrent-lens: (.*)$/m.exec(chunk.toString('utf8'));
      if (fatal && !run.fatal) {
        run.fatal = fatal[1].replace(`${run.dir}: `, '');
        // The trainer exits by itself after its fatal line; this only guards against one that hangs.
        run.stopTimers.push(setTimeout(() => child.kill('SIGKILL'), 10_000));
      }
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.on('message', (m: TrainerToHost) => this.onMessage(run, m));
    child.on('error', (e) => run.logTail.push(`trainer process error: ${e.message}`));
    child.on('exit', (code, signal) => void this.onExit(run, child, code, signal));
    this.changed(run, true);
  }

  private onMessage(run: Run, m: TrainerToHost): void {
    switch (m.type) {
      case 'started':
        run.live.update = m.update;
        run.live.first = undefined;
        run.live.msPerUpdate = undefined;
        // Resumed: the curves rewind to the checkpoint.
        run.metrics?.truncate(m.update);
        run.status = {
          ...(run.status ?? emptyStatus(run.id)), state: 'running', pid: m.pid, update: m.update, error: null, ended_at: null,
          ...(m.updates !== undefined ? { updates: m.updates } : {}), ...(m.baseline !== undefined ? { baseline: m.baseline } : {}),
        };
        this.changed(run, true);
        // The trainer wrote back the config with its defaults filled in.
        void readJson<RunConfig>(path.join(run.dir, RUN_FILES.config)).then((c) => {
          if (c) run.config = c;
        });
        return;
      case 'train':
        run.live.update = m.update;
        run.live.trainLoss = m.train_loss;
        // Wall time per update since the first report (start-up excluded, validation included: what an ETA needs).
        if (!run.live.first) run.live.first = { update: m.update, ms: m.elapsed_ms };
        else if (m.update > run.live.first.update) run.live.msPerUpdate = (m.elapsed_ms - run.live.first.ms) / (m.update - run.live.first.update);
        break;
      case 'val':
        run.live.update = Math.max(run.live.update, m.update);
        run.live.valLoss = m.val_loss;
        break;
      case 'checkpoint':
        if (run.status) run.status.checkpoint = m.path;
        this.measureDisk(run);
        break;
      case 'end':
        run.sawEnd = true;
        run.status = m.status;
        run.live = { update: m.status.update, trainLoss: m.status.train_loss, valLoss: m.status.val_loss };
        // The state changes when the process exits (a slot frees only then).
        return;
      default:
        return;
    }
    if (m.type === 'train' || m.type === 'val') {
      if (run.metrics) addPoint(run.metrics, m);
      else run.pendingPoints?.push(m);
    }
    this.changed(run, false);
  }

  private async onExit(run: Run, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    for (const t of run.stopTimers) clearTimeout(t);
    run.stopTimers = [];
    if (run.child !== child) return;
    run.child = undefined;
    const status = await readJson<RunStatus>(path.join(run.dir, RUN_FILES.status));
    if (status && status.state !== 'running') run.status = status;
    if (run.fatal && /run folder is in use by/.test(run.fatal)) {
      // Refused by the folder's lock: another process trains there. Its files are its own; follow them.
      run.live = { update: status?.update ?? run.live.update, trainLoss: status?.train_loss ?? null, valLoss: status?.val_loss ?? null };
      if (status) run.status = status;
      this.settleFromDisk(run);
      this.changed(run, true);
    } else if (!run.sawEnd && (!status || status.state === 'running')) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      // The first line says what happened (notifications show it); the end of its output follows.
      const tail = run.logTail.filter((l) => l.trim()).slice(-8);
      const error = run.fatal
        ? `${run.fatal}\n${tail.join('\n')}`
        : `The trainer ${how} before finishing.${tail.length ? ` Its last output:\n${tail.join('\n')}` : ''}`;
      await fs.appendFile(path.join(run.dir, RUN_FILES.log), `${new Date().toISOString()} [Recurrent Lens] ${error}\n`).catch(() => {});
      await this.fail(run, error);
    } else {
      run.state = run.status?.state ?? 'failed';
      run.live = { update: run.status?.update ?? run.live.update, trainLoss: run.status?.train_loss ?? null, valLoss: run.status?.val_loss ?? null };
      this.settled(run);
      this.changed(run, true);
    }
    this.measureDisk(run);
    this.pump();
  }

  /** Records a failure in status.json (the trainer could not) and settles the run. */
  private async fail(run: Run, error: string): Promise<void> {
    run.status = {
      ...(run.status ?? emptyStatus(run.id)),
      state: 'failed', pid: null, error, ended_at: new Date().toISOString(),
      update: run.live.update, train_loss: run.live.trainLoss, val_loss: run.live.valLoss,
    };
    await writeJsonAtomic(path.join(run.dir, RUN_FILES.status), run.status).catch(() => {});
    run.state = 'failed';
    this.settled(run);
    this.changed(run, true);
    this.pump();
  }

  private settled(run: Run): void {
    const waiters = run.waiters.splice(0);
    const v = this.view(run);
    for (const w of waiters) w(v);
  }

  /** Fires onDidChangeRun now (state changes), or once per 200 ms (progress). */
  private changed(run: Run, now: boolean): void {
    if (this.disposed) return;
    const pending = this.throttled.get(run.id);
    if (now) {
      if (pending) clearTimeout(pending);
      this.throttled.delete(run.id);
      this.changeRun.fire(this.view(run));
      return;
    }
    if (pending) return;
    this.throttled.set(run.id, setTimeout(() => {
      this.throttled.delete(run.id);
      if (this.runs.get(run.id) === run) this.changeRun.fire(this.view(run));
    }, 200));
  }

  private view(run: Run): RunView {
    const s = run.status;
    const config = run.config;
    return {
      id: run.id,
      label: config.name ?? describeConfig(config),
      dir: run.dir,
      state: run.state,
      config,
      update: run.live.update,
      updates: s?.updates || (resolved(config).updates ?? 0),
      trainLoss: run.live.trainLoss,
      valLoss: run.live.valLoss,
      bestValLoss: s?.best_val_loss ?? null,
      baseline: s?.baseline ?? safeBaseline(config),
      succeeded: !!s?.succeeded,
      checkpoint: s?.checkpoint ?? null,
      msPerUpdate: (run.child ? run.live.msPerUpdate : undefined) ?? s?.ms_per_update ?? null,
      error: s?.error ?? null,
      startedAt: s?.started_at ?? null,
      endedAt: s?.ended_at ?? null,
      external: run.external,
      diskBytes: run.diskBytes ?? null,
      ...(run.sweep ? { sweep: run.sweep.id } : {}),
    };
  }

  private must(id: string): Run {
    const run = this.runs.get(id);
    if (!run) throw new TrainingError(`No run "${id}".`);
    return run;
  }

  /** Stops every trainer started here (they checkpoint: the runs can be resumed) and waits for them up to `ms`. */
  async shutdown(ms = 4000): Promise<void> {
    this.queue.length = 0;
    const children = [...this.runs.values()].filter((r) => r.child);
    for (const run of children) this.stop(run.id);
    await Promise.race([Promise.all(children.map((r) => this.whenSettled(r.id))), sleep(ms)]);
    this.dispose();
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.poller);
    clearTimeout(this.refreshTimer);
    for (const t of this.throttled.values()) clearTimeout(t);
    for (const run of this.runs.values()) {
      // A trainer left running would be followed through its files by the next window.
      run.child?.removeAllListeners('exit');
      for (const t of run.stopTimers) clearTimeout(t);
    }
    this.changeRuns.dispose();
    this.changeRun.dispose();
  }
}

function addPoint(metrics: Metrics, m: TrainerToHost): void {
  if (m.type === 'train') metrics.train.push(m.update, m.train_loss);
  else if (m.type === 'val') metrics.val.push(m.update, m.val_loss);
}

function sendTo(child: ChildProcess, msg: HostToTrainer): void {
  if (child.connected) child.send(msg, () => {});
  else child.kill('SIGTERM');
}

function safeBaseline(config: RunConfig): number | null {
  try {
    return baselineOf(config);
  } catch {
    return null;
  }
}

function emptyStatus(id: string): RunStatus {
  return {
    id, state: 'running', update: 0, updates: 0, train_loss: null, val_loss: null, best_val_loss: null, baseline: null,
    succeeded: false, diverged: false, checkpoint: null, ms_per_update: null, pid: null, started_at: null, ended_at: null,
    error: null,
  };
}


function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
