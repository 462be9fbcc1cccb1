// `npm start` (= `node esbuild.mjs && node out/test/e2e/start.js`): try the extension on example checkpoints.
//
// Fills the git-ignored `demo/` folder with example checkpoints under names that say what they are (copies of
// fixtures in test/fixtures, written by real PyTorch, Keras, h5py, NumPy and TF.js), a run file and a README that
// lists them; files already there are kept. Then
//  - with a desktop `code` on PATH: `code --extensionDevelopmentPath=<repo> demo/`;
//  - otherwise (or with --web): starts code-server on 127.0.0.1 with an empty extensions folder, the extension
//    loaded from the repository (extensionDevelopmentPath in the URL's payload), prints the URL and stays in
//    the foreground until Ctrl+C, which stops code-server.
// After rebuilding (`npm run build` / `npm run watch`), run "Developer: Reload Window" in the page.
//
//   node out/test/e2e/start.js [--web] [--port N]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, ensureCodeServer, newRunDir, removeRunTmp, startCodeServer, which, workbenchUrl } from './codeServer';

const DEMO = join(REPO_ROOT, 'demo');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');

/** The demo workspace: [name in demo/, fixture it is copied from, what it is]. */
export const DEMO_FILES: readonly (readonly [string, string, string])[] = [
  ['paper-keras-copy-chain-1.02.h5', 'keras_copy_chain.h5', "the paper's own Keras 2.2.4 copy-task model: its recurrent matrix is a chain, α = 1.02"],
  ['pytorch-36-trained-rnns.pt', 'trained/sweep_36_rnns.pt', '36 ReLU RNNs trained with PyTorch on the copy task (chain, orthogonal, identity; 2 gains × 2 learning rates × 3 seeds), with their configs'],
  ['pytorch-rnn-state-dict.pt', 'torch_rnn_state_dict.pt', 'a PyTorch nn.RNN state dict (N = 32, chain-initialised)'],
  ['pytorch-awd-lstm-language-model.pt', 'torch_awd_lstm_model.pt', 'a whole pickled 3-layer LSTM language model (awd-lstm style); its classes are never needed or run'],
  ['pytorch-lstm-legacy-format.pt', 'generated/torch_lstm_legacy.pt', 'an LSTM saved in PyTorch’s legacy (pre-1.6) format'],
  ['pytorch-nested-checkpoint.pt', 'generated/torch_nested_checkpoint.pt', 'a training checkpoint: model, optimizer state and more, nested'],
  ['keras3-copy-chain.keras', 'generated/keras3_copy_chain.keras', 'a Keras 3 .keras file of a copy-task SimpleRNN'],
  ['tf-keras-save-weights.h5', 'generated/tf_keras_weights.h5', 'tf.keras save_weights of a SimpleRNN (row convention: shown transposed)'],
  ['tfjs-copy-chain/model.json', 'tfjs_copy_chain/model.json', 'a TensorFlow.js layers model (open it with Open With… → Recurrent Lens Matrix Inspector)'],
  ['tfjs-copy-chain/group1-shard1of1.bin', 'tfjs_copy_chain/group1-shard1of1.bin', ''],
  ['numpy-recurrent-matrix.npy', 'matrix_f32.npy', 'one 32×32 float32 matrix saved by NumPy'],
  ['numpy-rnn-weights.npz', 'weights.npz', 'an RNN’s W_rec, W_in and b saved by numpy.savez'],
  ['safetensors-rnn.safetensors', 'rnn.safetensors', 'a recurrent matrix in float32, float16 and bfloat16'],
];

/** A run file for the Runs view: the paper's headline in miniature (about a minute per run on two cores). */
const DEMO_RUN_FILE = {
  task: 'copy', T: 100, N: 100, lr: 3e-4, updates: 6000, seed: 1,
  init: ['chain:1.02', 'orthogonal:1.0'],
};

/** Copies the example checkpoints into `dir` (keeping files already there); returns how many were added. */
export function prepareDemo(dir = DEMO): number {
  let copied = 0;
  const lines = ['# Recurrent Lens demo workspace', '', 'Open a checkpoint in the Explorer: it opens in the Matrix Inspector.', ''];
  for (const [name, from, what] of DEMO_FILES) {
    const to = join(dir, name);
    if (what) lines.push(`- \`${name}\`: ${what}`);
    if (existsSync(to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(FIXTURES, from), to);
    copied++;
  }
  lines.push('- `chain-vs-orthogonal.runs.json`: two training runs, chain vs orthogonal on the copy task (right-click → Start Training Run from File)', '');
  const runFile = join(dir, 'chain-vs-orthogonal.runs.json');
  if (!existsSync(runFile)) writeFileSync(runFile, JSON.stringify(DEMO_RUN_FILE, null, 2) + '\n');
  const readme = join(dir, 'README.md');
  if (!existsSync(readme)) writeFileSync(readme, lines.join('\n'));
  return copied;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const web = args.includes('--web');
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build`');

  const n = prepareDemo();
  console.log(`demo workspace: ${DEMO} (${n} example checkpoint${n === 1 ? '' : 's'} added)`);

  const code = web ? undefined : which('code');
  if (code) {
    console.log(`starting ${code} --extensionDevelopmentPath=${REPO_ROOT} ${DEMO}`);
    const r = spawnSync(code, [`--extensionDevelopmentPath=${REPO_ROOT}`, DEMO], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }

  console.log('no desktop `code` on PATH: starting VS Code in the browser (code-server)');
  await ensureCodeServer();
  const runDir = newRunDir('start');
  const server = await startCodeServer({ workspace: DEMO, runDir, port });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping code-server`);
    await server.stop();
    removeRunTmp(runDir);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl+C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  void server.exited.then(async (c) => {
    if (stopping) return;
    console.error(`code-server exited by itself (code ${c}); log: ${server.log}`);
    await server.stop();
    removeRunTmp(runDir);
    process.exit(1);
  });

  const url = workbenchUrl(server, DEMO, { extensionDevelopmentPath: REPO_ROOT });
  console.log(`
Recurrent Lens is running in VS Code (code-server), the extension loaded from ${REPO_ROOT}.
Open this URL in a browser on this machine (or forward port ${server.port}):

  ${url}

Open any checkpoint in the Explorer; it opens in the Matrix Inspector.
Log: ${server.log}
Press Ctrl+C to stop.`);
}

// Run only as the `npm start` script, not when a test imports prepareDemo (bundled, require.main is the test).
if (/start\.js$/.test(process.argv[1] ?? '')) {
  main().catch((e) => {
    console.error(`start: ${(e as Error).message}`);
    process.exit(1);
  });
}
