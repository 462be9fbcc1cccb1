/**
 * Pure parsers and formatters for the SLURM commands the SLURM executor runs (slurm 22.05 and later):
 * `sbatch --parsable`, `squeue -h -t all -o '%i|%T|%r|%j'` and `sacct -X -P -n -o JobID,State,ExitCode,JobName`,
 * `scontrol show config`, and the `--array` index expressions. No I/O here: test/unit/slurmParse.test.ts feeds them
 * outputs captured from a real cluster.
 */
import type { ExecutorTaskState } from './types';

/** One array task (or a still-pending range of them) as squeue/sacct report it. */
export interface SlurmTaskRecord {
  /** The array job id (`12` of `12_3`). */
  job_id: string;
  /** Array task ids this record covers: one, or the never-started remainder `[4-7%2]` of an array. */
  task_ids: number[];
  /** SLURM's state word, `RUNNING`, `TIMEOUT`, `CANCELLED` (sacct's "CANCELLED by 0" is cut to the word). */
  slurm_state: string;
  /** squeue's reason (`JobArrayTaskLimit`, `NonZeroExitCode`, `TimeLimit`) or sacct's exit code `3:0`. */
  detail: string;
  job_name: string;
}

/**
 * SLURM job states → what the sweep knows of a task. Unfinished for the sweep: `failed`, `timeout`, `cancelled`
 * (preempted, node failure, out of memory included): continuing resubmits them and they resume from their checkpoint.
 */
const STATE_MAP: Record<string, ExecutorTaskState> = {
  PENDING: 'queued', CONFIGURING: 'queued', REQUEUED: 'queued', REQUEUE_HOLD: 'queued', REQUEUE_FED: 'queued',
  RESV_DEL_HOLD: 'queued', SPECIAL_EXIT: 'queued',
  RUNNING: 'running', COMPLETING: 'running', STAGE_OUT: 'running', SIGNALING: 'running', RESIZING: 'running',
  SUSPENDED: 'running', STOPPED: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed', NODE_FAIL: 'failed', BOOT_FAIL: 'failed', OUT_OF_MEMORY: 'failed',
  TIMEOUT: 'timeout', DEADLINE: 'timeout',
  CANCELLED: 'cancelled', PREEMPTED: 'cancelled', REVOKED: 'cancelled',
};

/** A SLURM state word (`RUNNING`, `CANCELLED by 0`, `CA`-less long names only) → task state; undefined if unknown. */
export function taskStateOf(slurmState: string): ExecutorTaskState | undefined {
  const word = slurmState.trim().split(/\s+/)[0]?.replace(/\+$/, '').toUpperCase() ?? '';
  return STATE_MAP[word];
}

/**
 * Parses an array index expression: `0-7`, `1,3,5-7`, `0-99:3`, with an optional `%M` limit and optional brackets
 * (`[4-5%2]`, as squeue prints a pending remainder). Throws Error on anything else.
 */
export function parseArrayIndices(text: string): number[] {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  t = t.replace(/%\d+$/, '');
  if (!t) throw new Error(`empty array index expression "${text}"`);
  const out: number[] = [];
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!m) throw new Error(`bad array index expression "${text}"`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]), step = m[3] === undefined ? 1 : Number(m[3]);
    if (b < a || step < 1) throw new Error(`bad array index range "${part}" in "${text}"`);
    for (let i = a; i <= b; i += step) out.push(i);
  }
  return out;
}

/** Sorted, distinct indices → the shortest `--array` expression without steps: `[0,1,2,3,7,9,10]` → `0-3,7,9-10`. */
export function formatArrayIndices(indices: readonly number[]): string {
  const s = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j === i ? String(s[i]) : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Splits sweep indices into array jobs SLURM accepts: array task ids must be below MaxArraySize, so each chunk
 * covers indices [k·max, (k+1)·max) and is submitted with task ids `index − offset` (offset = k·max).
 */
export function splitArray(indices: readonly number[], maxArraySize: number): { offset: number; task_ids: number[] }[] {
  const size = Math.max(1, Math.floor(maxArraySize));
  const chunks = new Map<number, number[]>();
  for (const i of [...new Set(indices)].sort((a, b) => a - b)) {
    const offset = Math.floor(i / size) * size;
    const list = chunks.get(offset) ?? [];
    list.push(i - offset);
    chunks.set(offset, list);
  }
  return [...chunks].map(([offset, task_ids]) => ({ offset, task_ids }));
}

/** `sbatch --parsable` prints `JOBID` or `JOBID;CLUSTER`. Throws Error when there is no job id. */
export function parseSbatchParsable(stdout: string): string {
  const line = stdout.trim().split('\n').pop()?.trim() ?? '';
  const m = /^(\d+)(?:;\S+)?$/.exec(line);
  if (!m) throw new Error(`sbatch printed no job id (got "${stdout.trim().slice(0, 200)}")`);
  return m[1];
}

/** A job id column: `12_3`, `12_[4-7%2]`, `12` (not an array) → job id and task ids (none for a plain job). */
function parseJobId(text: string): { job_id: string; task_ids: number[] } | null {
  const m = /^(\d+)(?:_(\d+|\[[^\]]*\]))?$/.exec(text.trim());
  if (!m) return null;
  if (m[2] === undefined) return { job_id: m[1], task_ids: [] };
  try {
    return { job_id: m[1], task_ids: parseArrayIndices(m[2]) };
  } catch {
    return null;
  }
}

/**
 * `squeue -h -t all -j IDS -o '%i|%T|%r|%j'` or `sacct -X -P -n -j IDS -o JobID,State,ExitCode,JobName` → records: job
 * id, state (sacct's "CANCELLED by 0" cut to its first word), reason or exit code, job name. Lines that do not parse
 * (job steps, headers) are skipped.
 */
export function parseTaskLines(stdout: string): SlurmTaskRecord[] {
  const out: SlurmTaskRecord[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const [id, state, detail, ...name] = line.split('|');
    const job = parseJobId(id ?? '');
    if (!job || !state?.trim()) continue;
    out.push({ ...job, slurm_state: state.trim().split(/\s+/)[0], detail: (detail ?? '').trim(), job_name: name.join('|').trim() });
  }
  return out;
}

/** `scontrol show config` → its `Key = value` pairs. */
export function parseScontrolConfig(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\w+)\s*=\s*(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2].trim());
  }
  return out;
}

/** MaxArraySize from `scontrol show config` (SLURM's default 1001 when absent or unreadable). */
export function maxArraySizeOf(config: Map<string, string>): number {
  const v = Number.parseInt(config.get('MaxArraySize') ?? '', 10);
  return Number.isInteger(v) && v > 0 ? v : 1001;
}

/** KillWait in seconds (`30 sec`) from `scontrol show config`; null when absent. */
export function killWaitOf(config: Map<string, string>): number | null {
  const v = Number.parseInt(config.get('KillWait') ?? '', 10);
  return Number.isInteger(v) && v >= 0 ? v : null;
}

/**
 * Per sweep index, the state of its latest submission: `submissions` in submission order (job id, offset added to
 * array task ids), records from squeue/sacct. Only the latest submission of an index counts (an earlier job's record
 * never stands in for a newer one that has no record yet). Records of a job whose name is not the one we gave it (job
 * ids reused after a cluster restart) are ignored.
 */
export function tasksFromRecords(
  submissions: readonly { job_id: string; offset: number; indices: readonly number[]; job_name?: string }[],
  records: readonly SlurmTaskRecord[],
): Map<number, ExecutorTaskState> {
  const latest = new Map<number, (typeof submissions)[number]>();
  for (const sub of submissions) for (const i of sub.indices) latest.set(i, sub);
  // "<job id>_<array task id>" → sweep index, for the latest submission of each index only
  const byTask = new Map<string, { index: number; job_name?: string }>();
  for (const [index, sub] of latest) byTask.set(`${sub.job_id}_${index - sub.offset}`, { index, job_name: sub.job_name });
  const out = new Map<number, ExecutorTaskState>();
  for (const r of records) {
    const state = taskStateOf(r.slurm_state);
    if (!state) continue;
    for (const t of r.task_ids) {
      const hit = byTask.get(`${r.job_id}_${t}`);
      if (!hit || (hit.job_name && r.job_name && r.job_name !== hit.job_name)) continue;
      out.set(hit.index, state);
    }
  }
  return out;
}
