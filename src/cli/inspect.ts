/**
 * `recurrent-lens inspect` and `recurrent-lens export`: a checkpoint's tensors and one matrix out of it. The bundle
 * dist/cli-inspect.js (loaded by main.ts for these commands only): the readers, nothing of the analyses or training.
 * `--json` output is a contract (docs/cli.md).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCheckpoint, problemOf } from '../core/readers';
import { CheckpointError, printableText } from '../core/tensor';
import { outlineCheckpoint, resolveTensor, summarizeTensors } from '../core/inspect';
import { matrixView } from '../core/recurrent';
import { writeNpy } from '../core/readers/npy';
import { fmtNumber, parseArgs, UsageError } from './args';
import { commandBundle } from './errors';

export async function inspect(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const file = args.positional(0, 'FILE');
  const ckpt = await readCheckpoint(file);
  const tensors = summarizeTensors(ckpt);
  const outline = outlineCheckpoint(tensors.map((t) => t.name), ckpt.metadata);
  if (args.flag('json')) {
    const out = {
      file,
      format: ckpt.format,
      tensors: tensors.map((t) => ({
        name: t.name, shape: t.shape, dtype: t.dtype,
        min: t.min, max: t.max, mean: t.mean, std: t.std, nan: t.nan, inf: t.inf, zeros: t.zeros,
      })),
      recurrent: tensors.filter((t) => t.recurrent).map((t) => ({
        name: t.name, n: t.recurrent!.n, convention: t.recurrent!.convention, gates: t.recurrent!.gates,
      })),
      metadata: ckpt.metadata?.entries ?? [],
      metadata_truncated: ckpt.metadata?.truncated ?? false,
      groups: outline.groups,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const lines = [`${file}: ${ckpt.format}, ${tensors.length} tensor(s)`];
  for (const t of tensors) {
    const r = t.recurrent;
    const tag = r ? `  [recurrent N=${r.n}${r.gates ? ` ${r.cell} gates ${r.gates.join(',')}` : ''}, ${r.convention} convention]` : '';
    lines.push(`  ${printableText(t.name) || '(array)'}  [${t.shape.join(', ')}] ${t.dtype}  min ${fmtNumber(t.min)} max ${fmtNumber(t.max)} ` +
      `mean ${fmtNumber(t.mean)} std ${fmtNumber(t.std)}${t.nan ? ` NaN ${t.nan}` : ''}${t.inf ? ` Inf ${t.inf}` : ''}${tag}`);
  }
  const entries = ckpt.metadata?.entries ?? [];
  if (entries.length) lines.push(`metadata${ckpt.metadata!.truncated ? ' (truncated)' : ''}:`);
  for (const e of entries) {
    const text = JSON.stringify(e.value);
    lines.push(`  ${printableText(e.name) || '(top level)'} = ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export async function exportMatrix(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: [], options: ['tensor', 'gate', 'out'] });
  const file = args.positional(0, 'FILE');
  const out = args.option('out');
  if (!out) throw new UsageError('export needs --out FILE.npy');
  if (!out.toLowerCase().endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got "${out}"`);
  const ckpt = await readCheckpoint(file);
  let view, dtype: 'float32' | 'float64';
  try {
    const tensor = resolveTensor(ckpt, args.option('tensor'));
    view = matrixView(tensor, ckpt.layout, args.option('gate'));
    // float32 holds every float16/bfloat16/float32 value exactly; anything else is written as float64.
    dtype = ['float16', 'bfloat16', 'float32'].includes(tensor.dtype) ? 'float32' : 'float64';
  } catch (err) {
    throw new CheckpointError(file, problemOf(err));
  }
  const bytes = writeNpy([view.rows, view.cols], view.data, dtype);
  // Written beside the target and renamed, so a failure never leaves a half-written file.
  const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.${process.pid}.tmp`);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new CheckpointError(out, `cannot write (${(err as NodeJS.ErrnoException).code ?? problemOf(err)})`);
  }
  process.stderr.write(`wrote ${out}: ${view.rows}×${view.cols} ${dtype}, ${view.transform}\n`);
}

export const bundle = commandBundle({ inspect, export: exportMatrix });
