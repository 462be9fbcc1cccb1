// Builds the extension host, worker, CLI, webview and test bundles. `--watch` rebuilds on change,
// `--production` minifies and drops source maps (used for the .vsix).
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, rmSync, readFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import asc from 'assemblyscript/asc';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// h5wasm is ESM-only and calls createRequire(import.meta.url); in a CommonJS bundle that must be a file URL.
const importMetaUrl = {
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
};

// WebAssembly SIMD modules, asm/<name>.ts (AssemblyScript) → out/wasm/<name>.wasm, embedded in every bundle that
// imports 'recurrent-lens-wasm:<name>': kernels (Schur decomposition, src/core/linalg/wasm/kernels.ts), rnn
// (fused RNN training kernel, src/core/train/wasmEngine.ts) and gated (fused LSTM kernel, src/core/train/wasmGated.ts).
// The training kernels also build with relaxed SIMD (<name>-relaxed.wasm: fused multiply-adds in the GEMM tiles);
// src/core/train/wasmSimd.ts picks that one where the engine accepts it and falls back to the plain one.
const WASM_BUILDS = [
  { name: 'kernels', source: 'kernels', features: ['simd'] },
  { name: 'rnn', source: 'rnn', features: ['simd'] },
  { name: 'rnn-relaxed', source: 'rnn', features: ['simd', 'relaxed-simd'] },
  { name: 'gated', source: 'gated', features: ['simd'] },
  { name: 'gated-relaxed', source: 'gated', features: ['simd', 'relaxed-simd'] },
];
const WASM_MODULES = WASM_BUILDS.map((b) => b.name);
const wasmOut = (name) => `out/wasm/${name}.wasm`;
async function compileWasm() {
  mkdirSync('out/wasm', { recursive: true });
  for (const { name, source, features } of WASM_BUILDS) {
    const { error, stderr } = await asc.main([
      `asm/${source}.ts`, ...features.flatMap((f) => ['--enable', f]), '-O3', '--runtime', 'stub', '--noAssert', '--outFile', wasmOut(name),
    ]);
    if (error) throw new Error(`AssemblyScript build of asm/${source}.ts (${name}) failed: ${error.message}\n${stderr.toString()}`);
  }
}
const wasmKernels = {
  name: 'recurrent-lens-wasm',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^recurrent-lens-wasm:(${WASM_MODULES.join('|')})$`) }, (args) => ({
      path: resolve(wasmOut(args.path.slice('recurrent-lens-wasm:'.length))),
      namespace: 'file',
    }));
  },
};

const node = {
  loader: { '.wasm': 'binary' },
  plugins: [wasmKernels],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // the optional native tfjs backend: used from the user's node_modules when installed, never bundled
  external: ['@tensorflow/tfjs-node'],
  ...importMetaUrl,
  define: { ...importMetaUrl.define, __VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
};

const testFiles = (dir) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)) : [];

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: [...node.external, 'vscode'] },
  { ...node, entryPoints: ['src/worker.ts'], outfile: 'dist/worker.js' },
  // second thread of the RNN training engine (src/core/train/rnnThreads.ts finds it next to or above the caller)
  { ...node, entryPoints: ['src/core/train/rnnThread.ts'], outfile: 'dist/rnn-thread.js' },
  // second thread of the LSTM engine (src/core/train/lstmThreads.ts)
  { ...node, entryPoints: ['src/core/train/lstmThread.ts'], outfile: 'dist/lstm-thread.js' },
  {
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node\n' + importMetaUrl.banner.js },
  },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: production ? false : 'inline',
    minify: production,
    logLevel: 'warning',
    entryPoints: { inspector: 'webview/inspector.ts', analysis: 'webview/analysis.ts', compare: 'webview/compare.ts', training: 'webview/training.ts', sweep: 'webview/sweep.ts', trajectory: 'webview/trajectory.ts' },
    outdir: 'dist/webview',
    loader: { '.css': 'css', '.wasm': 'binary' },
    plugins: [wasmKernels],
  },
];

if (!production) {
  builds.push({
    ...node,
    entryPoints: [...testFiles('test/unit'), ...testFiles('test/e2e'), ...testFiles('test/suite'), ...testFiles('test/desktop')],
    outdir: 'out/test',
    outbase: 'test',
    external: [...node.external, 'vscode', 'mocha', 'playwright-core', '@vscode/test-electron'],
  });
  builds.push({ ...node, entryPoints: testFiles('bench'), outdir: 'out/bench' });
}

// Stale files (e.g. source maps of a development build) must not reach the .vsix.
rmSync('dist', { recursive: true, force: true });
if (!production) rmSync('out', { recursive: true, force: true });
await compileWasm();
await (await import('./scripts/build-mnist.mjs')).buildMnistAsset(); // psMNIST's embedded digits → dist/mnist/
await (await import('./scripts/build-brown.mjs')).buildBrownAsset(); // charlm's demo text → dist/brown/
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
