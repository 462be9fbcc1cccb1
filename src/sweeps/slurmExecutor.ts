/**
 * Sweeps as SLURM job arrays: one array task per member, each running `node <cli> train --sweep DIR --index I` on a
 * compute node. Everything goes through the SLURM commands of a login node (sbatch, squeue, scancel, scontrol; sacct
 * when the cluster keeps accounting) and the shared file system: the sweep folder must be visible from the nodes.
 *
 * Files, in `<sweep dir>/slurm/` (docs/slurm.md):
 *   sweep.sbatch      the batch script of the latest submission (#SBATCH lines: array, time, cpus, memory, partition,
 *                     output, extra arguments); its one argument is the offset added to SLURM_ARRAY_TASK_ID
 *   submissions.json  every submission: array job id → sweep indices (and the offset of its task ids)
 *   out/%A_%a.out     each task's stdout and stderr (array job id, array task id)
 *
 * A task's state comes from squeue (`-t all` keeps finished tasks for the cluster's MinJobAge), then sacct for jobs
 * squeue no longer knows; src/sweeps/summary.ts's mergeTaskState joins it with the member's run folder. SLURM sends
 * SIGTERM at the time limit and on scancel (SIGKILL KillWait seconds later): the trainer checkpoints on SIGTERM, so
 * resubmitting an unfinished member resumes it from there.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../core/train/checkpoint';
import { breakStaleLock, runLockHolder } from '../runs/runLock';
import { memberRunDir } from './folder';
import {
  formatArrayIndices, killWaitOf, maxArraySizeOf, parseSbatchParsable, parseScontrolConfig, parseTaskLines,
  splitArray, tasksFromRecords, type SlurmTaskRecord,
} from './slurmParse';
import { SweepError } from './spec';
import type { ExecutorTaskState, ResolvedSweep, SweepExecutor } from './types';

export interface SlurmExecutorOptions {
  /** `--partition` */
  partition?: string;
  /** `--time`, SLURM's syntax: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS` */
  time?: string;
  /** `--cpus-per-task` (also the trainer's `--threads`; default 1) */
  cpusPerTask?: number;
  /** `--mem`, e.g. `2G` */
  mem?: string;
  /** Tasks of the array running at once: `--array=…%M` */
  maxParallel?: number;
  /** More sbatch arguments, one per `#SBATCH` line (`--account=abc`, `--qos=long`) */
  extraArgs?: string[];
  /** Node on the compute nodes (default: this process's, process.execPath) */
  nodePath?: string;
  /** The CLI bundle on the compute nodes (default: dist/cli.js of this package) */
  cliPath?: string;
  /** Environment of the SLURM commands (default process.env: SLURM_CONF and PATH come from there) */
  env?: NodeJS.ProcessEnv;
}

export const SLURM_FOLDER = 'slurm';
export const SLURM_FILES = { script: 'sweep.sbatch', submissions: 'submissions.json', out: 'out' } as const;

/** One `sbatch` of the sweep: its array job id, the sweep indices it runs, and `index = array task id + offset`. */
export interface SlurmSubmission {
  job_id: string;
  job_name: string;
  indices: number[];
  offset: number;
  /** the `--array` value given */
  array: string;
  /** The first job id of the `submit` this array belongs to (a sweep above MaxArraySize is several arrays at once). */
  batch: string;
  submitted_at: string;
}

export interface SlurmSubmissions {
  format: 'recurrent-lens-slurm-submissions';
  version: 1;
  submissions: SlurmSubmission[];
}

const TIME_RE = /^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})$/;
const MEM_RE = /^\d+[KMGT]?$/i;
const PARTITION_RE = /^[\w.-]+(,[\w.-]+)*$/;

/** Checks the options; a bad one is a SweepError naming it (the CLI prints it and exits 2). */
export function checkSlurmOptions(o: SlurmExecutorOptions): void {
  if (o.time !== undefined && !TIME_RE.test(o.time)) throw new SweepError(`--time "${o.time}" is not a SLURM time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)`);
  if (o.mem !== undefined && !MEM_RE.test(o.mem)) throw new SweepError(`--mem "${o.mem}" is not a SLURM memory size (e.g. 2G, 500M)`);
  if (o.partition !== undefined && !PARTITION_RE.test(o.partition)) throw new SweepError(`--partition "${o.partition}" is not a partition name`);
  for (const [name, v] of [['--cpus-per-task', o.cpusPerTask], ['--concurrency', o.maxParallel]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new SweepError(`${name} must be a whole number ≥ 1, got ${v}`);
  }
  for (const a of o.extraArgs ?? []) {
    if (!a.startsWith('-') || /[\n\r]/.test(a) || (/\s/.test(a) && a.includes('"'))) {
      throw new SweepError(`sbatch argument "${a}" must be an option (start with -) on one line, without quotes when it has spaces`);
    }
  }
}

/** `--sbatch-args "--account=abc --qos=long"` → one argument per word ("…" and '…' keep spaces). */
export function splitSbatchArgs(text: string): string[] {
  return (text.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []).map((w) => w.replace(/"([^"]*)"|'([^']*)'/g, '$1$2'));
}

/** A string as one word in a bash script. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

interface CommandResult { code: number | null; stdout: string; stderr: string; missing: boolean }

export class SlurmExecutor implements SweepExecutor {
  readonly kind = 'slurm' as const;
  private sacctUsable: boolean | undefined;

  constructor(readonly options: SlurmExecutorOptions = {}) {
    checkSlurmOptions(options);
  }

  private run(cmd: string, args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    return new Promise((resolve) => {
      execFile(cmd, args, { env: this.options.env ?? process.env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          stdout: String(stdout), stderr: String(stderr), missing: e?.code === 'ENOENT',
        });
      });
    });
  }

  /** Runs a SLURM command that must work: missing or failing → SweepError with its first error line. */
  private async must(cmd: string, args: string[]): Promise<string> {
    const r = await this.run(cmd, args);
    if (r.missing) throw new SweepError(`${cmd} not found: the SLURM executor needs the SLURM commands on the PATH (run it on the cluster's login node)`);
    if (r.code !== 0) {
      const why = (firstLine(r.stderr) || firstLine(r.stdout)).replace(new RegExp(`^${cmd}: (error: )?`), '');
      throw new SweepError(`${cmd} failed: ${why || `exit status ${r.code ?? 'killed'}`}`);
    }
    return r.stdout;
  }

  static slurmDir(sweepDir: string): string {
    return path.join(sweepDir, SLURM_FOLDER);
  }

  /** The job id(s) of the latest submit, comma-separated (null before the first). */
  static async latestJobId(sweepDir: string): Promise<string | null> {
    const subs = await SlurmExecutor.readSubmissions(sweepDir);
    const last = subs[subs.length - 1];
    return last ? subs.filter((s) => s.batch === last.batch).map((s) => s.job_id).join(',') : null;
  }

  static async readSubmissions(sweepDir: string): Promise<SlurmSubmission[]> {
    const file = path.join(SlurmExecutor.slurmDir(sweepDir), SLURM_FILES.submissions);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return [];
    }
    let data: SlurmSubmissions;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new SweepError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!data || !Array.isArray(data.submissions)) throw new SweepError(`${file}: no "submissions" list`);
    return data.submissions;
  }

  private static async writeSubmissions(sweepDir: string, submissions: SlurmSubmission[]): Promise<void> {
    const data: SlurmSubmissions = { format: 'recurrent-lens-slurm-submissions', version: 1, submissions };
    await writeJsonAtomic(path.join(SlurmExecutor.slurmDir(sweepDir), SLURM_FILES.submissions), data);
  }

  /** `scontrol show config` (empty when it fails: then SLURM's defaults apply). */
  async clusterConfig(): Promise<Map<string, string>> {
    const r = await this.run('scontrol', ['show', 'config']);
    return r.code === 0 ? parseScontrolConfig(r.stdout) : new Map();
  }

  /** The batch script: the options as #SBATCH lines, then the trainer, exec'd so that it gets SLURM's signals itself. */
  batchScript(sweepDir: string, sweep: ResolvedSweep, array: string, jobName: string): string {
    const o = this.options;
    const dir = path.resolve(sweepDir);
    const node = o.nodePath ?? process.execPath;
    const cli = path.resolve(o.cliPath ?? path.join(__dirname, 'cli.js'));
    const lines = [
      '#!/bin/bash',
      `# Recurrent Lens sweep ${sweep.name ? `"${sweep.name}" ` : ''}(${sweep.id}), ${sweep.members.length} runs: one array task trains one run,`,
      '# the run with index SLURM_ARRAY_TASK_ID + $1 (the offset: array task ids stay below MaxArraySize).',
      `# Submitted as: sbatch --parsable --array=IDS${o.maxParallel ? `%${o.maxParallel}` : ''} ${SLURM_FILES.script} OFFSET (see ${SLURM_FILES.submissions})`,
      `#SBATCH --job-name=${jobName}`,
      `#SBATCH --array=${array}`,
      `#SBATCH --output=${path.join(dir, SLURM_FOLDER, SLURM_FILES.out, '%A_%a.out')}`,
      `#SBATCH --cpus-per-task=${o.cpusPerTask ?? 1}`,
      ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
      ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
      ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
      // sbatch splits #SBATCH lines at spaces unless quoted
      ...(o.extraArgs ?? []).map((a) => `#SBATCH ${/\s/.test(a) ? `"${a}"` : a}`),
      '# SLURM sends SIGTERM at the time limit and on scancel, SIGKILL KillWait seconds later: the trainer checkpoints',
      '# on SIGTERM, and continuing the sweep resumes the run from that checkpoint.',
      'offset=${1:-0}',
      `exec ${shellQuote(node)} ${shellQuote(cli)} train --sweep ${shellQuote(dir)} --index "$((SLURM_ARRAY_TASK_ID + offset))" ` +
        `--threads ${o.cpusPerTask ?? 1} --quiet`,
      '',
    ];
    return lines.join('\n');
  }

  /**
   * One array job for `indices` (several when they reach MaxArraySize). Indices whose latest task is still queued or
   * running are left out, and so are those whose run folder another trainer holds (its lock; never two trainers on
   * one run folder). Resolves with the job id(s), comma-separated.
   */
  async submit(sweepDir: string, sweep: ResolvedSweep, indices: number[]): Promise<{ job_id: string | null }> {
    const known = new Set(sweep.members.map((m) => m.index));
    const bad = indices.find((i) => !known.has(i));
    if (bad !== undefined) throw new SweepError(`${sweepDir}: the sweep has no run with index ${bad}`);
    const active = await this.poll(sweepDir, sweep);
    const submitted = new Set((await SlurmExecutor.readSubmissions(sweepDir)).map((s) => s.job_id));
    const todo = [...new Set(indices)]
      .filter((i) => active.get(i) !== 'queued' && active.get(i) !== 'running')
      .filter((i) => !lockedElsewhere(memberRunDir(sweepDir, sweep.members.find((m) => m.index === i)!), submitted))
      .sort((a, b) => a - b);
    if (todo.length === 0) return { job_id: null };

    const slurmDir = SlurmExecutor.slurmDir(sweepDir);
    try {
      await fs.mkdir(path.join(slurmDir, SLURM_FILES.out), { recursive: true });
    } catch (e) {
      throw new SweepError(`${slurmDir}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const config = await this.clusterConfig();
    const chunks = splitArray(todo, maxArraySizeOf(config));
    const jobName = `rl-${sweep.id}`.replace(/[^\w.-]/g, '_').slice(0, 64);
    const limit = this.options.maxParallel ? `%${this.options.maxParallel}` : '';
    const script = path.join(slurmDir, SLURM_FILES.script);
    await fs.writeFile(script, this.batchScript(sweepDir, sweep, formatArrayIndices(chunks[0].task_ids) + limit, jobName), { mode: 0o755 });

    const submissions = await SlurmExecutor.readSubmissions(sweepDir);
    const ids: string[] = [];
    for (const chunk of chunks) {
      const array = formatArrayIndices(chunk.task_ids) + limit;
      const stdout = await this.must('sbatch', ['--parsable', `--array=${array}`, script, String(chunk.offset)]);
      let job_id: string;
      try {
        job_id = parseSbatchParsable(stdout);
      } catch (e) {
        throw new SweepError(`sbatch: ${(e as Error).message}`);
      }
      ids.push(job_id);
      submissions.push({
        job_id, job_name: jobName, indices: chunk.task_ids.map((t) => t + chunk.offset), offset: chunk.offset, array,
        batch: ids[0], submitted_at: new Date().toISOString(),
      });
      await SlurmExecutor.writeSubmissions(sweepDir, submissions); // after every sbatch: a later failure loses nothing
    }
    return { job_id: ids.join(',') };
  }

  /** squeue (finished tasks too), then sacct for jobs squeue no longer knows. */
  async records(submissions: readonly SlurmSubmission[]): Promise<SlurmTaskRecord[]> {
    const ids = [...new Set(submissions.map((s) => s.job_id))];
    if (ids.length === 0) return [];
    const records: SlurmTaskRecord[] = [];
    // squeue -j takes a comma list; an id it does not know is skipped (all unknown: "Invalid job id", exit 1)
    for (let s = 0; s < ids.length; s += 500) {
      const r = await this.run('squeue', ['-h', '-t', 'all', '-j', ids.slice(s, s + 500).join(','), '-o', '%i|%T|%r|%j']);
      if (r.missing) throw new SweepError('squeue not found: the SLURM executor needs the SLURM commands on the PATH (run it on the cluster\'s login node)');
      if (r.code !== 0 && !/invalid job id/i.test(r.stderr)) throw new SweepError(`squeue failed: ${firstLine(r.stderr) || `exit status ${r.code ?? 'killed'}`}`);
      if (r.code === 0) records.push(...parseTaskLines(r.stdout));
    }
    const seen = new Set(records.map((r) => r.job_id));
    const missing = ids.filter((id) => !seen.has(id));
    if (missing.length && this.sacctUsable !== false) {
      const r = await this.run('sacct', ['-X', '-P', '-n', '-j', missing.join(','), '-o', 'JobID,State,ExitCode,JobName']);
      // no sacct, or "Slurm accounting storage is disabled": squeue is all there is
      this.sacctUsable = !r.missing && r.code === 0;
      if (this.sacctUsable) records.push(...parseTaskLines(r.stdout));
    }
    return records;
  }

  async poll(sweepDir: string, _sweep: ResolvedSweep): Promise<Map<number, ExecutorTaskState>> {
    const submissions = await SlurmExecutor.readSubmissions(sweepDir);
    if (submissions.length === 0) return new Map();
    return tasksFromRecords(submissions, await this.records(submissions));
  }

  /**
   * scancel of every array job with a queued or running task, then waits (up to KillWait + 30 s) until none runs: the
   * trainers have checkpointed by then.
   */
  async cancel(sweepDir: string, sweep: ResolvedSweep): Promise<void> {
    const submissions = await SlurmExecutor.readSubmissions(sweepDir);
    const active = (tasks: Map<number, ExecutorTaskState>) =>
      [...new Set(submissions.filter((s) => s.indices.some((i) => tasks.get(i) === 'queued' || tasks.get(i) === 'running')).map((s) => s.job_id))];
    const jobs = active(await this.poll(sweepDir, sweep));
    if (jobs.length === 0) return;
    await this.must('scancel', jobs);
    const deadline = Date.now() + ((killWaitOf(await this.clusterConfig()) ?? 30) + 30) * 1000;
    while (Date.now() < deadline) {
      const tasks = await this.poll(sweepDir, sweep);
      if (![...tasks.values()].some((t) => t === 'running' || t === 'queued')) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Polls every `intervalMs` until no task of the sweep is queued or running; the last poll's states. A busy
   * slurmctld ("Socket timed out") fails a poll now and then: five failures in a row end the wait with the last error.
   */
  async waitUntilDone(
    sweepDir: string, sweep: ResolvedSweep,
    opts: { intervalMs?: number; onPoll?: (tasks: Map<number, ExecutorTaskState>) => void | Promise<void> } = {},
  ): Promise<Map<number, ExecutorTaskState>> {
    for (let failures = 0; ;) {
      let tasks: Map<number, ExecutorTaskState>;
      try {
        tasks = await this.poll(sweepDir, sweep);
        failures = 0;
      } catch (e) {
        if (!(e instanceof SweepError) || ++failures >= 5) throw e;
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 10_000));
        continue;
      }
      await opts.onPoll?.(tasks);
      if (![...tasks.values()].some((t) => t === 'running' || t === 'queued')) return tasks;
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 10_000));
    }
  }
}

/**
 * Whether a trainer outside this submission holds the member's run folder (src/runs/runLock.ts): one on this host, or
 * elsewhere. A lock left by a task of this sweep's own arrays that SLURM no longer runs (SIGKILLed after the time
 * limit's grace: its node cannot be asked whether the process lives) is stale and removed; the task is submitted.
 * Called for members SLURM runs no task of.
 */
function lockedElsewhere(runDir: string, submitted: ReadonlySet<string>): boolean {
  const holder = runLockHolder(runDir);
  if (!holder) return false;
  const job = holder.info?.slurm_job?.split('_')[0];
  if (holder.liveness === 'elsewhere' && job && submitted.has(job)) {
    return !breakStaleLock(runDir, (h) => h.slurm_job === holder.info!.slurm_job && h.token === holder.info!.token);
  }
  return true;
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
}
