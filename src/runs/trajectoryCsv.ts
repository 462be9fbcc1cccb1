/** A run's (or several runs') trajectory as CSV: the Weight Trajectory panel's table export. */
import { csvField } from '../core/csv';
import type { TrajectoryEntry } from './trajectory';

/** The columns after `run_id,run`, named as the fields of `recurrent-lens trajectory --json`. */
export const TRAJECTORY_CSV_COLUMNS = [
  'update', 'checkpoint', 'val_loss', 'henrici', 'henrici_normalized', 'spectral_radius', 'sigma_max', 'sigma_min', 'frobenius',
  'j_tot', 'j_tot_finite_horizon', 'delta_from_init', 'max_condition',
] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  return csvField(String(v));
}

/**
 * One row per checkpoint: `run_id,run,update,…` with the numbers exactly as the JSON has them (shortest round-trip
 * decimal); empty where the JSON has null (no validation loss at that update, J_tot not computable, κ = ∞) or the
 * field is absent (j_tot_finite_horizon of an infinite-horizon J_tot).
 */
export function trajectoryCsv(runs: readonly { id: string; label: string; checkpoints: readonly TrajectoryEntry[] }[]): string {
  const rows = [['run_id', 'run', ...TRAJECTORY_CSV_COLUMNS].join(',')];
  for (const r of runs) {
    for (const e of r.checkpoints) {
      rows.push([csvField(r.id), csvField(r.label), ...TRAJECTORY_CSV_COLUMNS.map((k) => cell(e[k]))].join(','));
    }
  }
  return rows.join('\n') + '\n';
}
