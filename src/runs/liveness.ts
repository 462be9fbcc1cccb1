/** Whether a run's trainer process still runs, from its status.json (pid and host). Plain Node. */
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { RunStatus } from '../shared/protocol';

/**
 * Whether the trainer a status.json names still runs: 'alive', 'gone', or 'elsewhere' — recorded by a trainer on
 * another host (a cluster node), whose process cannot be checked from here: it counts as running, never interrupted.
 */
export function trainerLiveness(status: Pick<RunStatus, 'pid' | 'host'>): 'alive' | 'gone' | 'elsewhere' {
  if (status.host && status.host !== os.hostname()) return 'elsewhere';
  return trainerAlive(status.pid) ? 'alive' : 'gone';
}

/**
 * Whether `pid` is a live trainer process on this host (on Linux, its command line says so — `… train …`, not `bench
 * train` — which tells a reused pid apart; elsewhere, that it exists).
 */
export function trainerAlive(pid: number | null | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self/cmdline')) {
    try {
      const args = readFileSync(cmdline, 'utf8').split('\0');
      return args.includes('train') && !args.includes('bench');
    } catch {
      return false;
    }
  }
  return true;
}
