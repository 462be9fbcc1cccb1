/**
 * `recurrent-lens sweep-report SWEEP_DIR [--all] [--channel C|all] [--measure activity|preactivation] [--json] [--progress]`: the paper's Table 2 and Fig. 5 over a sweep
 * (src/sweeps/report.ts computes; this file only formats). `--json` is a contract (docs/cli.md). Progress goes to
 * stderr: a line per few runs for people, or with `--progress` one `progress DONE TOTAL` line per run (the sweep panel
 * reads those beside `--json`).
 */
import { sweepReport, type SweepReport } from '../sweeps/report';
import { fmtNumber, parseArgs } from './args';
import { motifOptionsOf, trajectoryCommand } from './trajectory';
import { gateMotifCommand } from './gateMotif';
import { commandBundle } from './errors';
import { SweepError } from '../sweeps/spec';
import { ConfigError } from '../core/train/config';

/** Offsets of the motif shown in the text output (the full profiles are in --json). */
const SHOWN_OFFSETS = [-2, -1, 0, 1, 2, 3, 4];

export async function sweepReportCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['json', 'all', 'progress'], options: ['channel', 'measure'] });
  const dir = args.positional(0, 'the sweep folder (sweep-report SWEEP_DIR)');
  const json = args.flag('json'), machine = args.flag('progress');
  const started = Date.now();
  let lastLine = 0;
  const r = await sweepReport(dir, {
    rule: args.flag('all') ? 'all' : 'successful',
    motif: motifOptionsOf(args),
    onProgress: (done, total) => {
      if (machine) process.stderr.write(`progress ${done} ${total}\n`);
      else if (!json && total >= 20 && (Date.now() - lastLine > 2000 || done === total)) {
        lastLine = Date.now();
        process.stderr.write(`analysed ${done} of ${total} runs\n`);
      }
    },
  });
  if (json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  }
  process.stdout.write(formatReport(r, Date.now() - started) + '\n');
  return 0;
}

const pm = (m: number | null, s: number | null) => (m === null ? '—' : `${fmtNumber(m)} ± ${fmtNumber(s)}`);

export function formatReport(r: SweepReport, ms: number): string {
  const inits = Object.keys(r.table2);
  const w = Math.max(4, ...inits.map((k) => k.length));
  const lines = [
    `${r.sweep_dir}: ${r.rule === 'all' ? 'every finished run' : 'successful runs'} (mean ± s.e.m.)`,
    '',
    'Henrici departure from normality d(W) = sqrt(‖W‖_F² − Σ|λ|²)',
    `  ${'init'.padEnd(w)}  ${'n'.padStart(4)}  ${'d(W) at init'.padEnd(20)}  ${'d(W) trained'.padEnd(20)}  ${'d/‖W‖_F init'.padEnd(20)}  d/‖W‖_F trained`,
  ];
  for (const k of inits) {
    const t = r.table2[k];
    lines.push(`  ${k.padEnd(w)}  ${String(t.n).padStart(4)}  ${pm(t.henrici_init_mean, t.henrici_init_sem).padEnd(20)}  ${pm(t.henrici_mean, t.henrici_sem).padEnd(20)}  ` +
      `${pm(t.henrici_normalized_init_mean, t.henrici_normalized_init_sem).padEnd(20)}  ${pm(t.henrici_normalized_mean, t.henrici_normalized_sem)}` +
      `${r.rule === 'successful' ? `   (${t.successes} of ${t.finished} finished succeeded)` : ''}`);
  }
  lines.push('', `Chain motif: mean W[i][j] by order difference i − j, units ordered by the step of their peak ${r.motif_options.measure} after a unit pulse on input channel ${r.motif_options.channel} (same step, same order)`);
  lines.push(`  ${'init'.padEnd(w)}  ${''.padEnd(6)}  ${SHOWN_OFFSETS.map((o) => (o > 0 ? `+${o}` : String(o)).padStart(10)).join('')}`);
  for (const k of inits) {
    const m = r.motif[k];
    if (!m.n) {
      lines.push(`  ${k.padEnd(w)}  no runs`);
      continue;
    }
    for (const [label, values] of [['before', m.before_mean], ['after', m.after_mean]] as const) {
      const cells = SHOWN_OFFSETS.map((o) => {
        const i = m.offsets.indexOf(o);
        return (i < 0 || values[i] === undefined || values[i] === null ? '—' : fmtNumber(values[i])).padStart(10);
      });
      lines.push(`  ${(label === 'before' ? k : '').padEnd(w)}  ${label.padEnd(6)}  ${cells.join('')}`);
    }
    // LSTM / GRU: the rows above are the candidate block's; every gate block after training below.
    for (const [g, b] of Object.entries(m.gates ?? {})) {
      const cells = SHOWN_OFFSETS.map((o) => {
        const i = m.offsets.indexOf(o);
        return (i < 0 || b.after_mean[i] === undefined || b.after_mean[i] === null ? '—' : fmtNumber(b.after_mean[i])).padStart(10);
      });
      lines.push(`  ${''.padEnd(w)}  ${`${g} aft`.padEnd(6)}  ${cells.join('')}`);
    }
  }
  if (inits.some((k) => r.motif[k].gates)) lines.push('  (gated cells: before/after are the candidate block\'s, "g aft" each gate block g after training)');
  lines.push('', `${r.analysed_runs} runs, ${r.computed_checkpoints} checkpoints analysed now (the rest cached in each run's analysis/trajectory/), ${(ms / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/** dist/cli-report.js: `sweep-report` and `trajectory` (loaded by main.ts for these commands only). */
export const bundle = commandBundle({ 'sweep-report': sweepReportCommand, trajectory: trajectoryCommand, 'gate-motif': gateMotifCommand }, [SweepError, ConfigError]);
