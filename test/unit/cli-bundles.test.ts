// The CLI's structure, not its speed (bench/run.ts measures that): dist/cli.js only dispatches, each command loads its
// own bundle (dist/cli-<name>.js, esbuild.mjs), `inspect` and `analyze` carry no training code, and `inspect` runs from
// the files a package holds beside cli.js. Also the import rule: src/core is pure Node (no editor, no training host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, fixture, ROOT } from './helpers';

interface Meta { outputs: Record<string, { inputs: Record<string, unknown> }> }
const meta = (): Meta => JSON.parse(readFileSync(path.join(ROOT, 'out', 'cli-meta.json'), 'utf8'));
const inputsOf = (bundle: string): string[] => {
  const out = meta().outputs[`dist/cli-${bundle}.js`];
  assert.ok(out, `esbuild's metafile lists dist/cli-${bundle}.js`);
  return Object.keys(out.inputs);
};

/** Modules that belong to training: the engines and their WebAssembly, tfjs, the trainer, the extension's host side. */
const TRAINING = [/^src\/core\/train\//, /^src\/training\//, /^src\/runs\//, /^src\/sweeps\//, /@tensorflow/, /out\/wasm\/(rnn|gated)\.wasm$/, /h5wasm/];

test('inspect and analyze bundles hold no training code (nor h5wasm, loaded from dist/h5wasm.js on the first .h5)', () => {
  for (const bundle of ['inspect', 'analyze']) {
    const inputs = inputsOf(bundle);
    assert.ok(inputs.includes('src/core/readers/npy.ts'), `${bundle} reads checkpoints`);
    const bad = inputs.filter((i) => TRAINING.some((re) => re.test(i)));
    assert.deepEqual(bad, [], `dist/cli-${bundle}.js holds training code`);
  }
  // inspect is the readers only: no Schur decomposition, no WebAssembly kernels
  assert.deepEqual(inputsOf('inspect').filter((i) => /src\/core\/(linalg|analysis)\/|\.wasm$/.test(i)), []);
  // and the training bundle does hold the engines (so the pattern above can fail)
  assert.ok(inputsOf('train').some((i) => /@tensorflow/.test(i)) && inputsOf('train').some((i) => /^src\/core\/train\//.test(i)));
});

test('dist/cli.js is a dispatcher: small, no readers, no analyses', () => {
  const text = readFileSync(CLI, 'utf8');
  assert.ok(statSync(CLI).size < 64 * 1024, `dist/cli.js is ${statSync(CLI).size} bytes`);
  for (const marker of ['src/core/readers/', 'src/core/linalg/', 'src/core/train/', 'h5wasm']) assert.ok(!text.includes(marker), `cli.js holds ${marker}`);
});

test('inspect runs from cli.js and cli-inspect.js alone (no node_modules, no other bundle); a missing bundle is one line, exit 1', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-cli-bundles-'));
  try {
    const dist = path.join(dir, 'dist');
    mkdirSync(dist);
    for (const f of ['cli.js', 'cli-inspect.js']) copyFileSync(path.join(ROOT, 'dist', f), path.join(dist, f));
    const r = spawnSync(process.execPath, [path.join(dist, 'cli.js'), 'inspect', fixture('matrix_f32.npy'), '--json'], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.format, 'npy');
    assert.equal(out.tensors.length, 1);
    const missing = spawnSync(process.execPath, [path.join(dist, 'cli.js'), 'analyze', '--init', 'chain:1.02', '--n', '4'], { encoding: 'utf8', cwd: dir });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^recurrent-lens: internal error: cannot load .*cli-analyze\.js .*\n$/);
    assert.equal(missing.stderr.split('\n').length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the package keeps every CLI bundle: .vscodeignore re-includes dist/**, package.json\'s bin is dist/cli.js', () => {
  const ignore = readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim());
  assert.ok(ignore.includes('!dist/**'));
  assert.equal(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).bin['recurrent-lens'], 'dist/cli.js');
  const bundles = readdirSync(path.join(ROOT, 'dist')).filter((f) => /^cli-.*\.js$/.test(f)).sort();
  assert.deepEqual(bundles, ['cli-analyze.js', 'cli-inspect.js', 'cli-report.js', 'cli-sweep.js', 'cli-train.js']);
  assert.ok(readdirSync(path.join(ROOT, 'dist')).includes('h5wasm.js'));
});

/** Relative imports (static `from '…'`, `import('…')`, `require('…')`) and bare package names of a source file. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) out.push(m[1]);
  return out;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

test('src/core imports no vscode and nothing of src/host, src/panels, src/training or src/extension.ts', () => {
  const core = path.join(ROOT, 'src', 'core');
  const forbidden = ['host', 'panels', 'training', 'extension'].map((d) => path.join(ROOT, 'src', d));
  const bad: string[] = [];
  const files = sourcesUnder(core);
  assert.ok(files.length > 50);
  for (const file of files) {
    for (const spec of importsOf(file)) {
      if (spec === 'vscode') { bad.push(`${path.relative(ROOT, file)} imports vscode`); continue; }
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (forbidden.some((f) => target === f || target.startsWith(f + path.sep) || target === f + '.ts')) bad.push(`${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
  // the check sees imports: a file of src/host does import vscode
  assert.ok(sourcesUnder(path.join(ROOT, 'src', 'host')).some((f) => importsOf(f).includes('vscode')));
});
