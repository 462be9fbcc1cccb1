/**
 * `recurrent-lens trajectory RUN_DIR [--json]`: what training did to W, checkpoint by checkpoint (src/runs/trajectory.ts).
 * `--json` is a contract (docs/cli.md).
 */
import * as path from 'node:path';
import { runTrajectory, TRAJECTORY_CACHE } from '../runs/trajectory';
import type { MotifMeasure } from '../core/analysis/motif';
import type { Args } from './args';
import { fmtNumber, parseArgs, UsageError } from './args';

/** `--channel C|all` and `--measure activity|preactivation`: the motif procedure's choices (trajectory, sweep-report). */
export function motifOptionsOf(args: Args): { channel: number | 'all'; measure: MotifMeasure } {
  const channelText = args.option('channel') ?? '0';
  const channel = channelText === 'all' ? 'all' : Number(channelText);
  if (channel !== 'all' && !(Number.isInteger(channel) && channel >= 0 && channelText.trim() !== '')) {
    throw new UsageError(`--channel must be an input channel (0, 1, …) or "all", got "${channelText}"`);
  }
  const measure = args.option('measure') ?? 'activity';
  if (measure !== 'activity' && measure !== 'preactivation') throw new UsageError(`--measure must be activity or preactivation, got "${measure}"`);
  return { channel, measure };
}

export async function trajectoryCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: ['channel', 'measure'] });
  const runDir = args.positional(0, 'RUN_DIR');
  const t = await runTrajectory(runDir, { motif: motifOptionsOf(args) });
  if (args.flag('json')) {
    process.stdout.write(JSON.stringify(t) + '\n');
    return;
  }
  const pad = (x: string, w: number) => x.padEnd(w);
  const cols: [string, number][] = [['update', 9], ['val_loss', 10], ['d(W)', 9], ['d/‖W‖_F', 9], ['ρ(W)', 9], ['σ_max', 9], ['J_tot', 10], ['‖W−W₀‖/‖W₀‖', 13], ['motif(+1)', 9]];
  const lines = [`${runDir} (N = ${t.n}, ${t.checkpoints.length} checkpoints)`, '  ' + cols.map(([c, w]) => pad(c, w)).join(' ')];
  for (const e of t.checkpoints) {
    const plus1 = e.motif.profile[e.motif.offsets.indexOf(1)];
    const cells = [String(e.update), fmtNumber(e.val_loss), fmtNumber(e.henrici), fmtNumber(e.henrici_normalized), fmtNumber(e.spectral_radius),
      fmtNumber(e.sigma_max), fmtNumber(e.j_tot) + (e.j_tot_finite_horizon !== undefined ? '*' : ''), fmtNumber(e.delta_from_init), fmtNumber(plus1 ?? null)];
    lines.push('  ' + cells.map((c, i) => pad(c, cols[i][1])).join(' '));
  }
  const last = t.checkpoints[t.checkpoints.length - 1].gate_motifs;
  if (t.cell && last) {
    lines.push(`  ${t.cell.toUpperCase()}: the numbers are those of the candidate block ${t.block}; motif(+1) per gate block at update ${t.checkpoints[t.checkpoints.length - 1].update}: ` +
      last.gates.map((g) => `${g} ${fmtNumber(last.blocks[g].profile[last.offsets.indexOf(1)] ?? null)}`).join(', ') + ' (every offset in --json: gate_motifs)');
  }
  if (t.checkpoints.some((e) => e.j_tot_finite_horizon !== undefined)) lines.push(`  * ρ(W) ≥ 1: J_tot over the finite horizon N = ${t.n}`);
  lines.push(`  motif: unit pulse on ${t.motif.channel === 'all' ? 'every input channel' : `input channel ${t.motif.channel}`}, ${t.motif.steps} free steps, units ordered by peak ${t.motif.measure}; ` +
    `W₀ from ${t.initial === 'checkpoint' ? 'the update-0 checkpoint' : "the run's initializer (no update-0 checkpoint)"}`);
  const cache = path.join(runDir, TRAJECTORY_CACHE);
  lines.push(t.computed === t.checkpoints.length ? `  analysed all ${t.computed} checkpoints (cached in ${cache})`
    : `  analysed ${t.computed} of ${t.checkpoints.length} checkpoints, the others from the cache in ${cache}`);
  process.stdout.write(lines.join('\n') + '\n');
}
