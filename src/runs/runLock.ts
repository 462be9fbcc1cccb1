/**
 * One writer per run folder: `train.lock`, made by the trainer (`recurrent-lens train`, `train --resume`, `train --sweep
 * DIR --index I`) before it writes anything and removed on every way out (completed, failed, stopped, diverged,
 * SIGINT/SIGTERM). Plain Node, synchronous: the lock is released from a process 'exit' handler too.
 *
 * The file is created with O_EXCL (`wx`), so of two trainers exactly one gets it. It names its holder: pid, host, start
 * time and, in a SLURM task, the job. A lock is stale — and taken over — when its holder is gone: on this host, its
 * process no longer runs (src/runs/liveness.ts); on another host (a cluster node, whose processes cannot be checked
 * from here) only when the run's status.json says that very trainer ended, or when the SLURM executor knows its task
 * is over (breakStaleLock). Taking over goes through a second O_EXCL file (`train.lock.takeover`), so that of two
 * trainers finding the same stale lock one removes it and the other then finds the new holder's lock.
 * docs/training.md, "One writer per run folder".
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunStatus } from '../shared/protocol';
import { trainerAlive, trainerLiveness } from './liveness';

export const RUN_LOCK_FILE = 'train.lock';
const TAKEOVER_SUFFIX = '.takeover';
/** A lock file still empty or half written this long after its creation was left by a trainer killed while making it. */
const PARTIAL_LOCK_MS = 10_000;

export interface RunLockInfo {
  format: 'recurrent-lens-run-lock';
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  started_at: string;
  /** what holds it, for the refusal message */
  command: string;
  /** `<array job>_<task>` (or the job id) when the holder is a SLURM task, else null */
  slurm_job: string | null;
  /** unique per lock: a holder removes only its own */
  token: string;
}

type Liveness = 'alive' | 'elsewhere' | 'gone';

/** A run folder held by another trainer; the message names the holder (one line). */
export class RunLockError extends Error {
  constructor(readonly dir: string, readonly holder: RunLockInfo | null) {
    super(`run folder is in use by ${describeHolder(holder)}`);
  }
}

/** `recurrent-lens train (pid 123 on host h, since 2026-…)`. */
export function describeHolder(holder: RunLockInfo | null): string {
  if (!holder) return 'a trainer that is just starting';
  return `${holder.command} (pid ${holder.pid} on host ${holder.host}${holder.slurm_job ? `, SLURM job ${holder.slurm_job}` : ''}, since ${holder.started_at})`;
}

export function lockFile(dir: string): string {
  return path.join(dir, RUN_LOCK_FILE);
}

/** The raw lock file: undefined when there is none. */
function readRaw(file: string): { text: string; mtimeMs: number } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    let mtimeMs = Date.now();
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      // removed meanwhile: judged by its text
    }
    return { text, mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parse(text: string): RunLockInfo | null {
  try {
    const v = JSON.parse(text) as RunLockInfo;
    return v && typeof v === 'object' && typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** The lock of `dir`: undefined when there is none, null when it cannot be read (being written, or torn). */
export function readRunLock(dir: string): RunLockInfo | null | undefined {
  const raw = readRaw(lockFile(dir));
  return raw && parse(raw.text);
}

function readStatus(dir: string): Partial<RunStatus> | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether a lock's holder still works: 'alive' (this host, its process runs), 'elsewhere' (another host: respected,
 * unless the run's status.json says this holder ended — killed between its last status and releasing the lock),
 * 'gone' (stale).
 */
export function holderLiveness(info: RunLockInfo, status?: Partial<RunStatus>): Liveness {
  if (info.host !== os.hostname()) {
    const ended = status && status.state !== 'running' && status.pid === info.pid && status.host === info.host &&
      typeof status.ended_at === 'string' && status.ended_at >= info.started_at;
    return ended ? 'gone' : 'elsewhere';
  }
  return trainerAlive(info.pid) ? 'alive' : 'gone';
}

/** The trainer holding `dir` now, or undefined when none does (no lock, or a stale one). */
export function runLockHolder(dir: string): { info: RunLockInfo | null; liveness: 'alive' | 'elsewhere' } | undefined {
  const raw = readRaw(lockFile(dir));
  if (!raw) return undefined;
  const info = parse(raw.text);
  if (!info) return Date.now() - raw.mtimeMs < PARTIAL_LOCK_MS ? { info: null, liveness: 'alive' } : undefined;
  const l = holderLiveness(info, readStatus(dir));
  return l === 'gone' ? undefined : { info, liveness: l };
}

/**
 * Whether a trainer works in the run folder `dir`: its lock's holder; for a folder without a lock (written before
 * locks existed) status.json's pid and host, as trainerLiveness judges them. 'gone' when nothing trains there.
 */
export function runFolderLiveness(dir: string, status: Pick<RunStatus, 'state' | 'pid' | 'host'> | null | undefined): Liveness {
  const raw = readRaw(lockFile(dir));
  if (raw) return runLockHolder(dir)?.liveness ?? 'gone';
  return status?.state === 'running' ? trainerLiveness(status) : 'gone';
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Creates `file` with `text` only if it does not exist (O_EXCL); false when it does. */
function createExclusive(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } catch (e) {
    // A full or read-only disk: no empty lock file is left behind.
    closeSync(fd);
    try { unlinkSync(file); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  return true;
}

/**
 * Removes the lock of `dir` if its text is still `staleText`, under the takeover file: of several processes removing
 * the same stale lock, only one does, and none removes a lock taken meanwhile.
 */
function removeIfUnchanged(dir: string, staleText: string): void {
  const guard = lockFile(dir) + TAKEOVER_SUFFIX;
  for (let tries = 0; ; tries++) {
    if (createExclusive(guard, JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }))) break;
    // A takeover lasts milliseconds: a guard older than a few seconds was left by a process killed during one.
    const raw = readRaw(guard);
    if (raw && Date.now() - raw.mtimeMs > 5000) {
      try { unlinkSync(guard); } catch { /* another process removed it */ }
      continue;
    }
    if (tries > 100) return; // give up this round: the caller looks at the lock again
    sleepSync(20);
  }
  try {
    const now = readRaw(lockFile(dir));
    if (now && now.text === staleText) unlinkSync(lockFile(dir));
  } finally {
    try { unlinkSync(guard); } catch { /* already gone */ }
  }
}

/** A held run lock: release() removes it (only if it is still ours). */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  constructor(readonly dir: string, readonly info: RunLockInfo) {
    // process.exit() (a second Ctrl-C) skips finally blocks; 'exit' handlers still run, synchronously.
    process.on('exit', this.onExit);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    try {
      const raw = readRaw(lockFile(this.dir));
      if (raw && parse(raw.text)?.token === this.info.token) unlinkSync(lockFile(this.dir));
    } catch {
      // the folder is gone (deleted while training): nothing to release
    }
  }
}

/**
 * Takes the lock of the run folder `dir` (which must exist) for this process, taking over a stale one; throws a
 * RunLockError naming the holder when another trainer has it.
 */
export function acquireRunLock(dir: string, command = 'recurrent-lens train'): RunLock {
  const env = process.env;
  const info: RunLockInfo = {
    format: 'recurrent-lens-run-lock', pid: process.pid, host: os.hostname(), started_at: new Date().toISOString(), command,
    slurm_job: env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID ? `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}` : env.SLURM_JOB_ID ?? null,
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(info) + '\n';
  for (let tries = 0; tries < 20; tries++) {
    if (createExclusive(lockFile(dir), text)) return new RunLock(dir, info);
    const raw = readRaw(lockFile(dir));
    if (!raw) continue; // released meanwhile
    const holder = parse(raw.text);
    if (!holder) {
      if (Date.now() - raw.mtimeMs < PARTIAL_LOCK_MS) throw new RunLockError(dir, null);
    } else {
      const l = holderLiveness(holder, readStatus(dir));
      if (l !== 'gone') throw new RunLockError(dir, holder);
    }
    removeIfUnchanged(dir, raw.text);
  }
  throw new RunLockError(dir, readRunLock(dir) ?? null);
}

/**
 * Removes the lock of `dir` when its holder is known to be over although the lock cannot show it: a SLURM task
 * on another node that the cluster says no longer runs (killed after its time limit's grace). `isOver` decides from
 * the holder; the lock is removed only if it is still that holder's.
 */
export function breakStaleLock(dir: string, isOver: (holder: RunLockInfo) => boolean): boolean {
  const raw = readRaw(lockFile(dir));
  const holder = raw && parse(raw.text);
  if (!raw || !holder || !isOver(holder)) return false;
  removeIfUnchanged(dir, raw.text);
  return readRaw(lockFile(dir)) === undefined;
}
