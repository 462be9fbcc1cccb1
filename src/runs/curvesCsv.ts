/** The training curves of one or several runs as CSV (the training panel's and the comparison's "CSV" export). */
import type { LossSeries } from '../shared/protocol';
import { csvField } from '../core/csv';

/** Long format, one row per point: `run_id,run,series,update,loss` (series `train` or `val`; a non-finite loss as `nan`). */
export function curvesCsv(runs: readonly { id: string; label: string; train: LossSeries; val: LossSeries }[]): string {
  const rows = ['run_id,run,series,update,loss'];
  for (const r of runs) {
    const head = `${csvField(r.id)},${csvField(r.label)}`;
    for (const [name, s] of [['train', r.train], ['val', r.val]] as const) {
      for (let i = 0; i < s.update.length; i++) {
        const v = s.loss[i];
        rows.push(`${head},${name},${s.update[i]},${Number.isFinite(v) ? v : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan'}`);
      }
    }
  }
  return rows.join('\n') + '\n';
}
