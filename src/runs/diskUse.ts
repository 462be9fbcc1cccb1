/** What a run folder holds on disk, and what a run whose trainer died left behind. Plain Node. */
import { readdirSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { CHECKPOINT_PREFIX } from '../core/train/checkpoint';

/** Bytes `dir` takes on disk, everything below it counted (allocated blocks, as `du`; a file's size where none). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      const st = await lstat(p);
      total += typeof st.blocks === 'number' && st.blocks >= 0 ? st.blocks * 512 : st.size;
      if (st.isDirectory()) total += await folderBytes(p);
    } catch {
      // removed meanwhile (a pruned checkpoint)
    }
  }
  return total;
}

/**
 * The last complete checkpoint of a run folder (`checkpoints/update-0000180`): the newest `update-` folder, since a
 * checkpoint gets its name only once it is whole. Null when there is none.
 */
export function lastCompleteCheckpoint(runDir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(path.join(runDir, 'checkpoints'));
  } catch {
    return null;
  }
  const last = names.filter((n) => n.startsWith(CHECKPOINT_PREFIX)).sort().pop();
  return last ? `checkpoints/${last}` : null;
}

/** Temporary files a trainer left half written in a run folder (`status.json.<pid>.tmp`, `.update-….<pid>.tmp`). */
export function leftoverTempFiles(runDir: string): string[] {
  const out: string[] = [];
  for (const [sub, prefix] of [['', ''], ['checkpoints', 'checkpoints/']] as const) {
    try {
      for (const n of readdirSync(path.join(runDir, sub))) if (/\.\d+\.tmp$/.test(n)) out.push(prefix + n);
    } catch {
      // no such folder
    }
  }
  return out;
}
