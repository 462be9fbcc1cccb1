// Hand-made sweep folders in the layout the sweep CLI writes (sweep.json, runs/<member>/config.json, status.json,
// metrics.jsonl), for the sweep panel's unit tests and its benchmark.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig, type TrainConfig } from '../../src/core/train/config';
import type { ResolvedSweep, SweepMember } from '../../src/sweeps/types';
import type { RunStatus } from '../../src/shared/protocol';

/** The copy task's memoryless baseline at T = 100. */
export const COPY100_BASELINE = (10 * Math.log(8)) / 100;
const BASELINE = COPY100_BASELINE;

/** Members of inits × lrs × seeds; gains from the init specs. */
export function makeSweep(inits: { group: string; specs: string[] }[], lrs: number[], seeds: number[]): ResolvedSweep {
  const members: SweepMember[] = [];
  for (const { group, specs } of inits) {
    for (const init of specs) {
      for (const lr of lrs) {
        for (const seed of seeds) {
          const index = members.length;
          const gain = Number(init.split(':')[1]);
          const config = resolveConfig({ task: 'copy', T: 100, N: 20, init, lr, seed, updates: 200, eval_every: 50 }) as TrainConfig;
          members.push({ index, name: `${String(index).padStart(4, '0')}-${init.replace(':', '-')}-lr${lr}-s${seed}`, group, init, gain, lr, seed, config });
        }
      }
    }
  }
  return {
    format: 'recurrent-lens-sweep', version: 1, id: 'test-sweep', name: 'test', created_at: '2026-12-05T00:00:00Z',
    source: { task: 'copy' }, groups: inits.map((i) => i.group), baseline: BASELINE, members,
  };
}

export function status(state: RunStatus['state'], val: number | null, succeeded: boolean, update = 200): RunStatus {
  return {
    id: 'x', state, update, updates: 200, train_loss: val, val_loss: val, best_val_loss: val, baseline: BASELINE, succeeded,
    diverged: state === 'diverged', checkpoint: null, ms_per_update: 1, pid: null, started_at: null, ended_at: null, error: null,
  };
}

export function writeRun(dir: string, m: SweepMember, st: RunStatus | undefined, vals?: [number, number][]): void {
  const run = path.join(dir, 'runs', m.name);
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify(m.config));
  if (st) fs.writeFileSync(path.join(run, 'status.json'), JSON.stringify(st));
  if (vals) {
    const lines = vals.flatMap(([u, v]) => [{ update: u, train_loss: v * 1.1, elapsed_ms: u }, { update: u, val_loss: v, elapsed_ms: u }]);
    fs.writeFileSync(path.join(run, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }
}

/**
 * A psMNIST-sized sweep written to `dir` (4 groups × 7 or 9 gains × 11 learning rates × 6 seeds = 2 112 runs, copy
 * configs), every run finished with 30 validation points; a deterministic spread of final losses around success.
 */
export function paperSizedSweep(dir: string): ResolvedSweep {
  const lrs = [8e-4, 5e-4, 3e-4, 1e-4, 8e-5, 5e-5, 3e-5, 1e-5, 8e-6, 5e-6, 3e-6];
  const gains = (g: number[], name: string) => g.map((x) => `${name}:${x}`);
  const sweep = makeSweep([
    { group: 'chain', specs: gains([1, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06], 'chain') },
    { group: 'fbchain', specs: gains([0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07], 'fbchain') },
    { group: 'orthogonal', specs: gains([0.9, 0.95, 1, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3], 'orthogonal') },
    { group: 'identity', specs: gains([0.9, 0.95, 1, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3], 'identity') },
  ], lrs, [1, 2, 3, 4, 5, 6]);
  fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(sweep));
  for (const m of sweep.members) {
    const final = 0.01 + ((m.index * 7919) % 1000) / 2000;
    const vals: [number, number][] = Array.from({ length: 30 }, (_, k) => [(k + 1) * 1000, final + (30 - k) * 0.01]);
    writeRun(dir, m, status('completed', final, final < BASELINE / 2, 30000), vals);
  }
  return sweep;
}
