/**
 * `recurrent-lens gate-motif FILE [--tensor NAME] [--channel C|all] [--steps K] [--json]`: the chain-motif profile of
 * every recurrent gate block of an LSTM / GRU checkpoint under one ordering from the cell's own dynamics
 * (src/core/analysis/gatedMotif.ts; docs/science.md, "Per-gate profiles"). `--json` is a contract (docs/cli.md).
 */
import { gatedMotif, gatedNetworkOf, gateMotifsJson } from '../core/analysis/gatedMotif';
import { problemOf, readCheckpoint } from '../core/readers';
import { CheckpointError } from '../core/tensor';
import { fmtNumber, intOption, parseArgs } from './args';
import { motifOptionsOf } from './trajectory';

export async function gateMotifCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: ['tensor', 'channel', 'steps'] });
  const file = args.positional(0, 'FILE');
  const { channel } = motifOptionsOf(args);
  const steps = intOption(args, 'steps', 100, 0, 100_000)!;
  const ckpt = await readCheckpoint(file);
  let out;
  try {
    const net = gatedNetworkOf(ckpt, args.option('tensor'));
    if (channel !== 'all' && channel >= net.nIn) throw new Error(`input channel ${channel} does not exist: the cell has ${net.nIn} input channel${net.nIn === 1 ? '' : 's'} (0 … ${net.nIn - 1})`);
    out = { source: `${file}#${net.name}`, n: net.N, channel, steps, ...gateMotifsJson(gatedMotif(net, { channel, steps })) };
  } catch (err) {
    throw new CheckpointError(file, problemOf(err));
  }
  if (args.flag('json')) {
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const show = [-3, -2, -1, 0, 1, 2, 3].filter((k) => Math.abs(k) < out.n);
  const lines = [
    `${out.source} (${out.cell.toUpperCase()}, N = ${out.n}): ${out.active} units responded, at ${out.peak_steps} distinct steps`,
    `  gate  ${show.map((k) => (k > 0 ? `+${k}` : String(k)).padEnd(10)).join(' ')}`,
  ];
  for (const g of out.gates) {
    const b = out.blocks[g];
    lines.push(`  ${(g + (g === out.candidate ? '*' : '')).padEnd(5)} ${show.map((k) => fmtNumber(b.profile[out.offsets.indexOf(k)]).padEnd(10)).join(' ')}`);
  }
  lines.push(`  mean W_g[i][j] by order difference i − j; * the candidate block. Unit pulse on ${channel === 'all' ? 'every input channel' : `input channel ${channel}`}, ` +
    `${steps} free steps, hidden units ordered by the peak of h.`);
  process.stdout.write(lines.join('\n') + '\n');
}
