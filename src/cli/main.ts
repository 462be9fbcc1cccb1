/**
 * `recurrent-lens`: the extension's core on the command line, for scripts, CI and clusters.
 * `--json` output is a contract (docs/cli.md): field names stay stable.
 * Every error: exit status 2 and one line on stderr, `recurrent-lens: <file>: <problem>`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCheckpoint, problemOf } from '../core/readers';
import { CheckpointError } from '../core/tensor';
import { resolveTensor, summarizeTensors } from '../core/inspect';
import { matrixView } from '../core/recurrent';
import { writeNpy } from '../core/readers/npy';
import { fmtNumber, parseArgs, UsageError } from './args';

declare const __VERSION__: string | undefined;

const USAGE = `usage:
  recurrent-lens inspect FILE [--json]
  recurrent-lens export FILE [--tensor NAME] [--gate G] --out W.npy
  recurrent-lens --help | --version

Formats: .npy .npz .safetensors .h5/.hdf5/.keras (Keras) .pt/.pth (PyTorch) model.json (TF.js).
Matrices are exported in the column convention (W[i][j] = weight from unit j to unit i).`;

async function inspect(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: [] });
  const file = args.positional(0, 'FILE');
  const ckpt = await readCheckpoint(file);
  const tensors = summarizeTensors(ckpt);
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
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const lines = [`${file}: ${ckpt.format}, ${tensors.length} tensor(s)`];
  for (const t of tensors) {
    const r = t.recurrent;
    const tag = r ? `  [recurrent N=${r.n}${r.gates ? ` ${r.cell} gates ${r.gates.join(',')}` : ''}, ${r.convention} convention]` : '';
    lines.push(`  ${t.name || '(array)'}  [${t.shape.join(', ')}] ${t.dtype}  min ${fmtNumber(t.min)} max ${fmtNumber(t.max)} ` +
      `mean ${fmtNumber(t.mean)} std ${fmtNumber(t.std)}${t.nan ? ` NaN ${t.nan}` : ''}${t.inf ? ` Inf ${t.inf}` : ''}${tag}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

async function exportMatrix(argv: string[]): Promise<void> {
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

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect': await inspect(rest); return 0;
      case 'export': await exportMatrix(rest); return 0;
      case '--version': case '-v':
        process.stdout.write(`${typeof __VERSION__ === 'string' ? __VERSION__ : 'dev'}\n`);
        return 0;
      case undefined: case '--help': case '-h': case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof CheckpointError) {
      process.stderr.write(`recurrent-lens: ${err.file}: ${err.problem}\n`);
    } else if (err instanceof UsageError) {
      process.stderr.write(`recurrent-lens: ${err.message} (see recurrent-lens --help)\n`);
    } else {
      process.stderr.write(`recurrent-lens: ${problemOf(err)}\n`);
    }
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
