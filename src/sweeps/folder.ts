/**
 * The sweep folder (layout in types.ts and docs/sweeps.md): sweep.json written once, one ordinary run folder per member
 * under runs/, summary.json beside them. The run folders are the truth about members; nothing else is.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../core/train/checkpoint';
import { RUN_FILES } from '../core/train/trainer';
import { trainerLiveness } from '../runs/liveness';
import { runFolderLiveness } from '../runs/runLock';
import { countRuns } from '../runs/runNames';
import type { RunStatus } from '../shared/protocol';
import { sameSweep, SweepError } from './spec';
import type { MemberState, MemberSummary, ResolvedSweep, SweepMember } from './types';

/** Sweeps of a workspace: `<workspace>/.recurrent-lens/sweeps/<id>/`. */
export const SWEEPS_FOLDER = path.join('.recurrent-lens', 'sweeps');

export const SWEEP_FILES = { sweep: 'sweep.json', summary: 'summary.json', runs: 'runs' } as const;

/** The member's run folder: `<dir>/runs/<member.name>`. */
export function memberRunDir(dir: string, member: Pick<SweepMember, 'name'>): string {
  return path.join(dir, SWEEP_FILES.runs, member.name);
}

/**
 * Makes the sweep folder (sweep.json, runs/), or opens it when it already holds this sweep (continuing: the sweep as
 * first written is returned). A folder holding another sweep, or anything that is not a sweep, is refused.
 */
export async function createOrOpenSweepFolder(dir: string, sweep: ResolvedSweep): Promise<ResolvedSweep> {
  let entries: string[] = [];
  try {
    entries = await fs.readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new SweepError(`${dir}: not a folder`);
    if (code !== 'ENOENT') throw new SweepError(`${dir}: cannot read (${code})`);
  }
  if (entries.includes(SWEEP_FILES.sweep)) {
    const existing = await readResolvedSweep(dir);
    if (!sameSweep(existing, sweep)) {
      throw new SweepError(`${dir}: holds another sweep (${existing.name ? `"${existing.name}", ` : ''}${countRuns(existing.members.length)}): choose another folder`);
    }
    await fs.mkdir(path.join(dir, SWEEP_FILES.runs), { recursive: true });
    return existing;
  }
  if (entries.length) throw new SweepError(`${dir}: not empty and not a sweep folder (no ${SWEEP_FILES.sweep}): choose a new or empty folder`);
  try {
    await fs.mkdir(path.join(dir, SWEEP_FILES.runs), { recursive: true });
    await writeJsonAtomic(path.join(dir, SWEEP_FILES.sweep), sweep);
  } catch (e) {
    throw new SweepError(`${dir}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return sweep;
}

/** sweep.json of a sweep folder; errors name the file. */
export async function readResolvedSweep(dir: string): Promise<ResolvedSweep> {
  const file = path.join(dir, SWEEP_FILES.sweep);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SweepError(code === 'ENOENT' ? `${dir}: not a sweep folder (no ${SWEEP_FILES.sweep})` : `${file}: cannot read (${code ?? (e as Error).message})`);
  }
  let data: ResolvedSweep;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new SweepError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (data?.format !== 'recurrent-lens-sweep' || !Array.isArray(data.members)) throw new SweepError(`${file}: not a Recurrent Lens sweep (no "format": "recurrent-lens-sweep" and "members")`);
  if (data.version !== 1) throw new SweepError(`${file}: sweep format version ${JSON.stringify(data.version)} is not supported (this version reads 1)`);
  return data;
}


/**
 * A member's state from its run folder's status.json and lock (host-aware: a trainer on another node counts as
 * running). `runDir`: the member's folder, whose lock (src/runs/runLock.ts) says whether a trainer works there; without
 * it, status.json's pid and host decide.
 */
export function memberFromStatus(member: SweepMember, status: RunStatus | undefined | null, runDir?: string): MemberSummary {
  const base: MemberSummary = {
    index: member.index, name: member.name, group: member.group, init: member.init, gain: member.gain, lr: member.lr, seed: member.seed,
    state: 'pending', update: 0, updates: member.config.updates, final_val_loss: null, succeeded: false, error: null,
  };
  const live = runDir ? runFolderLiveness(runDir, status) !== 'gone' : status?.state === 'running' && trainerLiveness(status) !== 'gone';
  if (status === undefined) return live ? { ...base, state: 'running' } : base;
  if (status === null) return { ...base, state: 'failed', error: `${RUN_FILES.status} is not valid JSON` };
  let state: MemberState;
  if (live) state = 'running';
  else if (status.state === 'running') state = 'interrupted';
  else state = status.state;
  const finished = state === 'completed' || state === 'diverged';
  const loss = typeof status.val_loss === 'number' && Number.isFinite(status.val_loss) ? status.val_loss : null;
  return {
    ...base, state, update: status.update ?? 0, updates: status.updates || member.config.updates,
    final_val_loss: finished ? loss : null, succeeded: state === 'completed' && !!status.succeeded, error: status.error ?? null,
  };
}

/** Every member's state, read from its run folder (a member without one is pending). */
export async function readMemberStates(dir: string, sweep: ResolvedSweep): Promise<MemberSummary[]> {
  const out: MemberSummary[] = new Array(sweep.members.length);
  // A few hundred reads at a time: big sweeps have thousands of members.
  const CHUNK = 256;
  for (let s = 0; s < sweep.members.length; s += CHUNK) {
    await Promise.all(sweep.members.slice(s, s + CHUNK).map(async (m, k) => {
      out[s + k] = memberFromStatus(m, await readJson<RunStatus>(path.join(memberRunDir(dir, m), RUN_FILES.status)), memberRunDir(dir, m));
    }));
  }
  return out;
}
