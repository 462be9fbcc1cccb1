/**
 * `recurrent-lens`: the extension's core on the command line, for scripts, CI and clusters.
 * `--json` output is a contract (docs/cli.md): field names stay stable.
 * Every error: one line on stderr (src/cli/errors.ts): `recurrent-lens: <file>: <problem>`, exit status 2, for bad
 * input; `recurrent-lens: internal error: <message>`, exit status 1, for a fault of ours.
 */
import * as path from 'node:path';
import { printableText, problemOf } from '../core/tensor';
import type { CommandBundle } from './errors';

declare const __VERSION__: string | undefined;

const USAGE = `usage:
  recurrent-lens inspect FILE [--json]
  recurrent-lens export FILE [--tensor NAME] [--gate G] --out W.npy
  recurrent-lens analyze (FILE [--tensor NAME] [--gate G] | --init SPEC --n N [--seed S]) [--json] [--eigenvalues]
                 [--order modulus-desc|modulus-asc|real-desc|none] [--input source|sink|random] [--horizon K] [--timings]
  recurrent-lens compare --inits SPEC,SPEC,… --n N [--seed S] [--json]
  recurrent-lens memory (FILE [--tensor NAME] [--gate G] | --init SPEC --n N [--seed S]) [--input source|sink|random]
                 [--horizon K] [--json]
  recurrent-lens train [--config RUN.json] [--out DIR | --run-dir DIR] [--resume | --overwrite]
                 [--task copy|addition|psmnist] [--T T] [--N N] [--init SPEC] [--activation elu|relu|tanh] [--lr LR]
                 [--seed S] [--updates U] [--batch B] [--eval-every K] [--checkpoint-every K] [--val-size V] [--train-size S] [--early-stop L]
                 [--mnist-images IDX --mnist-labels IDX] [--threads N] [--json] [--quiet]
  recurrent-lens train --task charlm [--file TEXT] [--cell lstm|gru|rnn] [--init SPEC] [--N N] [--T T] [--batch B]
                 [--optimizer adam|rmsprop] [--lr LR] [--clip-norm C] [--updates U] [--max-chars C] [--seed S] [other trainer flags]
  recurrent-lens train --sweep DIR --index I [--threads N] [--json] [--quiet]
  recurrent-lens sweep (--preset paper:copy|paper:addition|paper:psmnist|quick:copy | --config SWEEP.json |
                 --inits SPEC,… [--task T] [--lrs LR,…] [--seeds K|S,S,…]) [--updates U | --epochs E] [--T T] [--N N]
                 [--cell lstm|gru --file TEXT …] [other trainer flags] --out DIR [--executor local|slurm] [--concurrency C]
                 [--json] [--quiet] [--partition P] [--time T] [--cpus-per-task C] [--mem M] [--sbatch-args "ARGS"] [--node-path NODE]
                 [--cli-path CLI] [--wait]   (SLURM: --concurrency is the array's %M)
  recurrent-lens sweep-status DIR [--json]
  recurrent-lens sweep-report DIR [--all] [--channel C|all] [--measure activity|preactivation] [--json] [--progress]
  recurrent-lens sample RUN_DIR|CHECKPOINT [--prompt TEXT] [--length N] [--temperature T] [--seed S] [--json]
                 (text from a charlm model; temperature 0: greedy)
  recurrent-lens trajectory RUN_DIR [--channel C|all] [--measure activity|preactivation] [--json]
  recurrent-lens gate-motif FILE [--tensor NAME] [--channel C|all] [--steps K] [--json]   (LSTM / GRU checkpoints)
  recurrent-lens bench train [--task copy|addition|psmnist] [--T T] [--N N] [--batch B] [--updates U] [--threads N] [--json]
  recurrent-lens bench train --task charlm [--file TEXT] [--cell lstm|gru|rnn] [--N N] [--T T] [--batch B] [--max-chars C] [--threads N] [--json]
  recurrent-lens --help | --version

Formats: .npy .npz .safetensors .h5/.hdf5/.keras (Keras) .pt/.pth (PyTorch) model.json (TF.js).
Matrices are exported in the column convention (W[i][j] = weight from unit j to unit i).
SPEC is name:gain as in the paper's code: chain:1.02, fbchain:0.04, orthogonal:1.0, identity:1.0, gaussian:1.0.`;

/**
 * Which bundle holds a command: dist/cli-<bundle>.js beside this file (esbuild.mjs builds them). A command loads only
 * its bundle, so `inspect` never loads the analyses, and neither loads the training engines (tfjs, WebAssembly).
 */
export const COMMAND_BUNDLES: Record<string, string> = {
  inspect: 'inspect', export: 'inspect',
  analyze: 'analyze', memory: 'analyze', compare: 'analyze',
  train: 'train', bench: 'train', sample: 'train',
  sweep: 'sweep', 'sweep-status': 'sweep',
  'sweep-report': 'report', trajectory: 'report', 'gate-motif': 'report',
};

/** The bundle that reported last: its own error classes classify a fault that escapes it (see main's fatal). */
let loaded: CommandBundle | undefined;

/** The bundle file of a command (absolute). */
export function bundleFile(name: string, dir = __dirname): string {
  return path.join(dir, `cli-${name}.js`);
}

/** Runs one command; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version': case '-v':
      process.stdout.write(`${typeof __VERSION__ === 'string' ? __VERSION__ : 'dev'}\n`);
      return 0;
    case undefined: case '--help': case '-h': case 'help':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
  }
  const name = Object.hasOwn(COMMAND_BUNDLES, command) ? COMMAND_BUNDLES[command] : undefined;
  if (name === undefined) {
    line(`unknown command "${command}" (see recurrent-lens --help)`);
    return 2;
  }
  const file = bundleFile(name);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file).bundle as CommandBundle;
  } catch (err) {
    line(`internal error: cannot load ${file} (${problemOf(err)}); the CLI needs the cli-*.js files beside cli.js`);
    return 1;
  }
  return await loaded.run(command, rest);
}

function line(text: string): void {
  process.stderr.write(`recurrent-lens: ${printableText(text, 2000)}\n`);
}

/** A fault outside a command's own try (an event handler, a stray promise): the same one line, exit 1. */
function fatal(err: unknown): void {
  if (loaded) process.exitCode = loaded.reportError(err);
  else {
    line(`internal error: ${problemOf(err)}`);
    process.exitCode = 1;
  }
  process.exit();
}

if (require.main === module) {
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Run by the extension (fork): an open IPC channel would keep the process alive after an error.
    if (process.connected) {
      process.removeAllListeners('disconnect');
      process.disconnect();
    }
  });
}
