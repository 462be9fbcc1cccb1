/**
 * Sweeps on this machine: each member is a child process `node <cli> train --sweep DIR --index I`, at most
 * `concurrency` at a time. The processes are the RunManager's (src/runs/runManager.ts startSweep): the same queue,
 * supervision and stop-with-checkpoint as every other run.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { RunManager } from '../runs/runManager';
import type { RunState, RunView } from '../shared/protocol';
import type { ExecutorTaskState, ResolvedSweep, SweepExecutor } from './types';

export interface LocalExecutorOptions {
  /** Absolute path of the CLI bundle (`dist/cli.js`). */
  cli: string;
  /** Members training at once (default: one per core). */
  concurrency?: number;
  /** How long a stopped member may take to checkpoint before SIGTERM, then SIGKILL. */
  stopGraceMs?: number;
  /** An existing manager to run the members in (the extension's); default: one of its own. */
  manager?: RunManager;
}

/** A member run's state as an executor task state (undefined: the executor never ran it). */
function taskState(state: RunState): ExecutorTaskState | undefined {
  switch (state) {
    case 'queued': return 'queued';
    case 'running': return 'running';
    case 'completed': case 'diverged': return 'completed';
    case 'stopped': return 'cancelled';
    case 'failed': case 'interrupted': return 'failed';
    case 'pending': return undefined;
  }
}

export class LocalExecutor implements SweepExecutor {
  readonly kind = 'local' as const;
  readonly manager: RunManager;
  private readonly own: boolean;

  constructor(readonly options: LocalExecutorOptions) {
    const concurrency = Math.max(1, options.concurrency ?? (os.availableParallelism?.() ?? os.cpus().length));
    this.own = !options.manager;
    this.manager = options.manager ?? new RunManager({
      cli: options.cli, folders: () => [], maxConcurrentRuns: () => concurrency, isTrusted: () => true,
      stopGraceMs: options.stopGraceMs,
    });
  }

  async submit(sweepDir: string, _sweep: ResolvedSweep, indices: number[]): Promise<{ job_id: string | null }> {
    await this.manager.startSweep(sweepDir, indices);
    return { job_id: null };
  }

  /** This sweep's member runs in the manager. */
  members(sweepDir: string): RunView[] {
    const view = this.manager.sweeps().find((s) => path.resolve(s.dir) === path.resolve(sweepDir));
    if (!view) return [];
    return view.runIds.map((id) => this.manager.get(id)).filter((r): r is RunView => !!r);
  }

  async poll(sweepDir: string, sweep: ResolvedSweep): Promise<Map<number, ExecutorTaskState>> {
    const byName = new Map(sweep.members.map((m) => [m.name, m.index]));
    const out = new Map<number, ExecutorTaskState>();
    for (const run of this.members(sweepDir)) {
      const index = byName.get(run.id.slice(run.id.indexOf('/') + 1));
      const state = taskState(run.state);
      if (index !== undefined && state) out.set(index, state);
    }
    return out;
  }

  /** Resolves when no member of the sweep is queued or running. */
  async whenIdle(sweepDir: string): Promise<void> {
    for (;;) {
      const active = this.members(sweepDir).filter((r) => r.state === 'queued' || r.state === 'running');
      if (!active.length) return;
      await Promise.all(active.map((r) => this.manager.whenSettled(r.id)));
    }
  }

  /** Stops every member (queued ones leave the queue; running ones checkpoint first) and waits for them. */
  async cancel(sweepDir: string): Promise<void> {
    const active = this.members(sweepDir).filter((r) => r.state === 'queued' || r.state === 'running');
    for (const r of active.filter((x) => x.state === 'queued')) this.manager.stop(r.id);
    for (const r of active.filter((x) => x.state === 'running')) this.manager.stop(r.id);
    await this.whenIdle(sweepDir);
  }

  dispose(): void {
    if (this.own) this.manager.dispose();
  }
}
