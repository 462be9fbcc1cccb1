import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import {
  applyCall, generateInitializer, initializerCode, detectFramework, frameworkOfLine,
  indentCode, tfjsImportFor, importInsertLine, FRAMEWORKS, TFJS_IMPORT, TFJS_REQUIRE, type Framework,
} from '../../src/core/init/codegen';
import { ROOT } from './helpers';

// Loaded at run time, not bundled (typescript and tfjs are big devDependencies).
const load = createRequire(__filename);
const ts: typeof TS = load('typescript');

const PYTHON = '/usr/bin/python3';
const SPECS = ['chain:1.02', 'fbchain:0.04', 'orthogonal:1.0', 'identity:0.99', 'gaussian:1', 'chain:1', 'orthogonal:-0.5'];
const SEEDS = [undefined, 3];

function python(script: string, input: string, timeout = 120_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', timeout });
  if (r.error) throw r.error;
  return r;
}

const hasPython = existsSync(PYTHON);
function requirePython(): void {
  assert.ok(hasPython, `${PYTHON} is missing (apt-get install python3-torch, as .ci/run does)`);
}

function allCases(frameworks: readonly Framework[]) {
  const out: { framework: Framework; spec: string; seed: number | undefined; code: string }[] = [];
  for (const framework of frameworks) {
    for (const spec of SPECS) {
      for (const seed of SEEDS) out.push({ framework, spec, seed, code: initializerCode({ framework, spec, n: 100, inputDim: 10, seed }) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Syntax

test('generated PyTorch and Keras code parses (Python ast.parse, Debian\'s /usr/bin/python3)', () => {
  requirePython();
  const cases = allCases(['pytorch', 'keras']);
  const r = python(
    [
      'import ast, json, sys',
      'bad = []',
      'for c in json.load(sys.stdin):',
      '    try:',
      '        ast.parse(c["code"])',
      '    except SyntaxError as e:',
      '        bad.append(f"{c[\'framework\']} {c[\'spec\']} seed={c[\'seed\']}: line {e.lineno}: {e.msg}")',
      'print(json.dumps(bad))',
    ].join('\n'),
    JSON.stringify(cases.map((c) => ({ ...c, seed: c.seed ?? null }))),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
  // A Python snippet also parses when it is inserted inside a block (the editor indents it).
  const indented = python('import ast, sys; ast.parse(sys.stdin.read())', `class Model:\n${indentCode(cases[0].code, '    ')}\n`);
  assert.equal(indented.status, 0, indented.stderr);
});

test('generated TF.js code parses as JavaScript and as TypeScript', () => {
  for (const c of allCases(['tfjs'])) {
    for (const [kind, file] of [[ts.ScriptKind.JS, 'x.js'], [ts.ScriptKind.TS, 'x.ts']] as const) {
      const sf = ts.createSourceFile(file, c.code, ts.ScriptTarget.ES2022, true, kind);
      const diags = (sf as unknown as { parseDiagnostics: TS.Diagnostic[] }).parseDiagnostics;
      assert.deepEqual(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), [], `${c.spec} seed=${c.seed} as ${file}`);
    }
  }
});

test('generated TF.js code type-checks as strict TypeScript against @tensorflow/tfjs\'s types', () => {
  const dir = path.join(ROOT, 'out', 'tmp-codegen-typecheck');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const files: string[] = [];
    let i = 0;
    for (const spec of SPECS) for (const seed of SEEDS) {
      const code = initializerCode({ framework: 'tfjs', spec, n: 100, inputDim: 10, seed, typescript: true });
      const f = path.join(dir, `case${i++}.ts`);
      // Each snippet as its own module, plus the documented usage, uncommented.
      const usage = code.split('\n').filter((l) => l.startsWith('//   ')).map((l) => l.slice(5)).join('\n');
      writeFileSync(f, `${code}\n${usage}\nexport {};\n`);
      files.push(f);
    }
    const program = ts.createProgram(files, {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [], skipLibCheck: true,
      noUnusedLocals: false,
    });
    const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.includes(path.resolve(d.file.fileName)));
    assert.deepEqual(
      diags.map((d) => `${path.basename(d.file!.fileName)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Content

test('PyTorch chain: sub-diagonal, input at the SOURCE, every layer, no_grad, and a comment about the paper\'s torch helpers', () => {
  const g = generateInitializer({ framework: 'pytorch', spec: 'chain:1.02', n: 100, inputDim: 10 });
  assert.equal(g.entry, 'init_chain_');
  assert.deepEqual(g.imports, ['import torch']);
  assert.equal(g.code, `import torch\n\n${g.body}`);
  assert.deepEqual(g.definitions.map((d) => d.name), ['init_chain_']);
  assert.equal(applyCall(g, 'self.rnn'), 'init_chain_(self.rnn, alpha=1.02)');
  assert.match(g.body, /def init_chain_\(rnn, alpha=1\.02, input_scale=0\.9, zero_bias=True\):/);
  assert.match(g.body, /torch\.diag\(torch\.full\(\(n - 1,\), float\(alpha\)\), diagonal=-1\)/);
  assert.match(g.body, /n = rnn\.hidden_size/);
  assert.match(g.body, /with torch\.no_grad\(\):\n\s+for name, p in rnn\.named_parameters\(\):\n\s+if name\.startswith\("weight_hh_l"\):\n\s+p\.copy_\(w\)/);
  assert.match(g.body, /SOURCE/);
  assert.match(g.body, /paper's repository \(NonnormalInit_torchrnn\.py\)[\s\S]*SUPER-diagonal[\s\S]*SINK/);
  assert.match(g.body, /nn\.RNN\(input_size=10, hidden_size=100/);
  assert.match(g.header, /\(N = 100 hidden units, 10 inputs\)/);
  // Without sizes (a layer of the file: the helper reads them from it), the header names none.
  assert.doesNotMatch(generateInitializer({ framework: 'pytorch', spec: 'chain' }).header, /N = /);
  const fb = generateInitializer({ framework: 'pytorch', spec: 'fbchain:0.07', n: 8, inputDim: 2 });
  assert.match(fb.body, /def init_fbchain_\(rnn, beta=0\.07, forward=0\.99/);
  assert.match(fb.body, /float\(forward\)\), diagonal=-1\)[\s\S]*float\(beta\)\), diagonal=1\)/);
  assert.equal(applyCall(fb, 'rnn'), 'init_fbchain_(rnn, beta=0.07)');
  assert.equal(applyCall(generateInitializer({ framework: 'pytorch', spec: 'orthogonal:1.5', seed: 3 }), 'rnn'), 'init_orthogonal_(rnn, gain=1.5, seed=3)');
  assert.deepEqual(generateInitializer({ framework: 'pytorch', spec: 'gaussian' }).imports, ['import math', 'import torch']);
});

test('Keras chain: ChainInit on R\'s super-diagonal (R = Wᵀ), K = 0.9·I (d×N), as the paper\'s official Keras code', () => {
  const g = generateInitializer({ framework: 'keras', spec: 'chain:1.02', n: 100, inputDim: 10 });
  assert.equal(g.entry, 'ChainInit');
  assert.equal(g.kernelEntry, 'NonnormalSourceInit');
  assert.deepEqual(g.definitions.map((d) => d.name), ['ChainInit', 'NonnormalSourceInit']);
  assert.deepEqual(g.kerasArgs, { recurrent_initializer: 'ChainInit(alpha=1.02)', kernel_initializer: 'NonnormalSourceInit(scale=0.9)' });
  assert.match(g.body, /class ChainInit\(keras\.initializers\.Initializer\):/);
  assert.match(g.body, /self\.alpha \* np\.eye\(shape\[0\], k=1\)/);
  assert.match(g.body, /self\.scale \* np\.eye\(shape\[0\], shape\[1\]\)/);
  assert.match(g.body, /recurrent_initializer=ChainInit\(alpha=1\.02\)/);
  assert.match(g.body, /SUPER-diagonal/);
  const fb = initializerCode({ framework: 'keras', spec: 'fbchain:0.04', n: 100, inputDim: 10 });
  assert.match(fb, /self\.forward \* np\.eye\(shape\[0\], k=1\) \+ self\.beta \* np\.eye\(shape\[0\], k=-1\)/);
  // Keras's own random initializers need no definition, only arguments.
  const o = generateInitializer({ framework: 'keras', spec: 'orthogonal:1.02', seed: 7 });
  assert.deepEqual(o.definitions, []);
  assert.deepEqual(o.imports, ['from tensorflow import keras']);
});

test('TF.js chain: a function setting row-layout weights on the layer (now or once built), the import kept apart', () => {
  const g = generateInitializer({ framework: 'tfjs', spec: 'chain:1.02', n: 100, inputDim: 10 });
  assert.deepEqual(g.imports, [TFJS_IMPORT]);
  assert.equal(g.code, `${TFJS_IMPORT}\n\n${g.body}`);
  assert.ok(!g.body.includes('import '), 'the body has no import (the editor adds it once)');
  assert.equal(g.entry, 'initChain');
  assert.equal(applyCall(g, 'rnn'), 'initChain(rnn, 1.02)');
  assert.match(g.body, /function initChain\(layer, alpha = 1\.02, inputScale = 0\.9\)/);
  assert.match(g.body, /r\.set\(alpha, i, i \+ 1\)/);
  assert.match(g.body, /layer\.setWeights\(\[kernel, recurrentKernel, \.\.\.biases\.map\(\(b\) => tf\.zerosLike\(b\)\)\]\)/);
  assert.match(initializerCode({ framework: 'tfjs', spec: 'chain', typescript: true }), /function initChain<L extends tf\.layers\.Layer>\(layer: L, alpha = 1\.02, inputScale = 0\.9\): L \{/);
});

test('random initializers use each framework\'s own RNG and say that seeds are not portable', () => {
  const pt = initializerCode({ framework: 'pytorch', spec: 'orthogonal:1.02', n: 100, inputDim: 10, seed: 7 });
  assert.match(pt, /torch\.nn\.init\.orthogonal_\(p, gain=gain\)/);
  assert.match(pt, /seed=7/);
  const ke = initializerCode({ framework: 'keras', spec: 'orthogonal:1.02', n: 100, inputDim: 10, seed: 7 });
  assert.match(ke, /keras\.initializers\.Orthogonal\(gain=1\.02, seed=7\)/);
  assert.match(ke, /VarianceScaling\(scale=0\.9 \*\* 2, mode="fan_out", distribution="untruncated_normal", seed=8\)/);
  const tj = initializerCode({ framework: 'tfjs', spec: 'orthogonal:1.02', n: 100, inputDim: 10, seed: 7 });
  assert.match(tj, /tf\.initializers\.orthogonal\(\{ gain, seed \}\)/);
  assert.match(tj, /initOrthogonal\(tf\.layers\.simpleRNN\([^)]*\), 1\.02, 7\)/);
  for (const code of [pt, ke, tj]) assert.match(code, /Seeds are not\s*(\/\/|#)?\s*portable/);
  const unseeded = initializerCode({ framework: 'tfjs', spec: 'gaussian', n: 100, inputDim: 10 });
  assert.doesNotMatch(unseeded.replace(/^\/\/.*$/gm, ''), /seed = \d|, \d+\);/, 'no seed in the code when none is given');
  assert.match(initializerCode({ framework: 'keras', spec: 'identity:0.5', n: 9, inputDim: 2 }), /Identity\(gain=0\.5\)/);
});

test('bad options are rejected with readable errors', () => {
  assert.throws(() => initializerCode({ framework: 'pytorch', spec: 'chian:1', n: 10, inputDim: 2 }), /unknown initializer "chian"/);
  assert.throws(() => initializerCode({ framework: 'pytorch', spec: 'chain:x', n: 10, inputDim: 2 }), /bad gain/);
  assert.throws(() => initializerCode({ framework: 'keras', spec: 'chain', n: 0, inputDim: 2 }), /hidden size N/);
  assert.throws(() => initializerCode({ framework: 'keras', spec: 'chain', n: 3, inputDim: 1.5 }), /input dimension/);
  assert.throws(() => initializerCode({ framework: 'tfjs', spec: 'gaussian', n: 3, inputDim: 1, seed: -1 }), /seed/);
  assert.throws(() => initializerCode({ framework: 'jax' as Framework, spec: 'chain', n: 3, inputDim: 1 }), /unknown framework "jax"/);
  assert.equal(initializerCode({ framework: 'pytorch', spec: 'chain', n: 3, inputDim: 1 }).includes('alpha=1.02'), true, 'default gain');
});

// ---------------------------------------------------------------------------------------------------------------
// Running the code in the real frameworks

const PULSE_N = 6;

test('PyTorch: the generated code, run with torch, sends a pulse on input 0 down the chain 0 → 1 → 2 … through nn.RNN', () => {
  requirePython();
  const probe = python('import torch', '', 60_000);
  // The real framework is the point of this test: without it, fail with the fix rather than skip.
  assert.equal(probe.status, 0, `torch is not importable by ${PYTHON} (apt-get install python3-torch, as .ci/run does): ${probe.stderr.trim().split('\n').pop()}`);
  const cases = ['chain:1.02', 'fbchain:0.04', 'orthogonal:1.02', 'identity:0.99', 'gaussian:1'].map((spec) => {
    const g = generateInitializer({ framework: 'pytorch', spec, n: PULSE_N, inputDim: 2, seed: 11 });
    return { spec, name: g.spec.name, gain: g.spec.gain, code: g.code, call: applyCall(g, 'rnn') };
  });
  const script = String.raw`
import json, sys, math
import torch

N, D, T = ${PULSE_N}, 2, ${PULSE_N + 1}
report = {}
for c in json.load(sys.stdin):
    ns = {}
    exec(compile(c["code"], "<" + c["spec"] + ">", "exec"), ns)
    init = lambda rnn: eval(c["call"], ns, {"rnn": rnn})  # the call the editor writes, e.g. init_chain_(rnn, alpha=1.02)
    torch.manual_seed(0)
    rnn = torch.nn.RNN(input_size=D, hidden_size=N, nonlinearity="relu", batch_first=True)
    state = torch.get_rng_state()
    assert init(rnn) is rnn
    assert torch.equal(state, torch.get_rng_state()), c["spec"] + ": the global RNG state changed"
    W = rnn.weight_hh_l0.detach().double()
    V = rnn.weight_ih_l0.detach().double()
    assert float(rnn.bias_hh_l0.abs().sum()) == 0 and float(rnn.bias_ih_l0.abs().sum()) == 0, "biases zeroed"
    out = {"W": W.tolist(), "V": V.tolist()}
    if c["name"] in ("chain", "fbchain"):
        x = torch.zeros(1, T, D)
        x[0, 0, 0] = 1.0  # a unit pulse on input 0 at t = 0
        with torch.no_grad():
            y, _ = rnn(x)  # the real nn.RNN forward pass (relu; all values stay >= 0, so it is linear here)
        h = y[0].double()
        forward = c["gain"] if c["name"] == "chain" else 0.99
        for t in range(N):
            assert int(h[t].argmax()) == t, f"{c['spec']}: at step {t} unit {int(h[t].argmax())} is the most active: {h[t].tolist()}"
            assert abs(float(h[t][t]) - 0.9 * forward ** t) < 1e-5, f"{c['spec']}: h[{t}][{t}] = {float(h[t][t])}"
            assert float(h[t][t + 1:].abs().sum()) == 0, f"{c['spec']}: activity ahead of the pulse at step {t}"
        if c["name"] == "chain":
            assert float(h[N].abs().sum()) == 0, "the chain is nilpotent: empty after N steps"
        out["h"] = h.tolist()
    else:
        g = c["gain"]
        assert torch.allclose(W @ W.T, g * g * torch.eye(N, dtype=torch.double), atol=1e-5) or c["name"] == "gaussian", c["spec"] + ": W W^T = gain^2 I"
        again = torch.nn.RNN(input_size=D, hidden_size=N, nonlinearity="relu", batch_first=True)
        init(again)
        assert torch.equal(again.weight_hh_l0, rnn.weight_hh_l0) and torch.equal(again.weight_ih_l0, rnn.weight_ih_l0), "seeded: reproducible"
    report[c["spec"]] = out

# The contrast: the chain on weight_hh_l0's SUPER-diagonal (the paper's torch helper orientation) with the same
# input puts the pulse into the chain's sink, unit 0, which feeds nobody: nothing travels.
rnn = torch.nn.RNN(input_size=D, hidden_size=N, nonlinearity="relu", batch_first=True, bias=False)
with torch.no_grad():
    rnn.weight_hh_l0.copy_(1.02 * torch.diag(torch.ones(N - 1), diagonal=1))
    rnn.weight_ih_l0.copy_(0.9 * torch.eye(N, D))
    x = torch.zeros(1, T, D)
    x[0, 0, 0] = 1.0
    y, _ = rnn(x)
assert float(y[0, 0, 0]) > 0 and float(y[0, 1:].abs().sum()) == 0, "super-diagonal: the pulse dies at the sink"
print(json.dumps(report))
`;
  const r = python(script, JSON.stringify(cases));
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as Record<string, { W: number[][]; V: number[][]; h?: number[][] }>;
  // The same facts, read back on this side: W's sub-diagonal is α, V = 0.9·I, the pulse front is at unit t.
  const c = report['chain:1.02'];
  for (let i = 0; i < PULSE_N; i++) {
    for (let j = 0; j < PULSE_N; j++) assert.ok(Math.abs(c.W[i][j] - (i === j + 1 ? 1.02 : 0)) < 1e-6, `W[${i}][${j}] = ${c.W[i][j]}`);
    for (let k = 0; k < 2; k++) assert.ok(Math.abs(c.V[i][k] - (i === k ? 0.9 : 0)) < 1e-7);
  }
  assert.deepEqual(c.h!.slice(0, PULSE_N).map((row) => row.indexOf(Math.max(...row))), [0, 1, 2, 3, 4, 5]);
  const fb = report['fbchain:0.04'];
  assert.ok(Math.abs(fb.W[0][1] - 0.04) < 1e-7 && Math.abs(fb.W[1][0] - 0.99) < 1e-7);
});

test('Keras: the generated initializers (run with a stand-in for tensorflow) give R = Wᵀ, K = Vᵀ, and x K + h R moves a pulse 0 → 1 → 2', () => {
  requirePython();
  // TensorFlow is not installable here (no Debian package); the stand-in module provides the few names the code
  // uses (tf.constant, tf.float32, keras.initializers.*) so that the generated classes run for real with numpy
  // and the row-vector update of Keras's SimpleRNN cell, h' = x K + h R, is simulated on what they return.
  const cases = SPECS.map((spec) => {
    const g = generateInitializer({ framework: 'keras', spec, n: PULSE_N, inputDim: 2, seed: 4 });
    return { spec, name: g.spec.name, gain: g.spec.gain, code: g.code, rec: g.kerasArgs!.recurrent_initializer, ker: g.kerasArgs!.kernel_initializer };
  });
  const script = String.raw`
import json, sys, types
import numpy as np

tf = types.ModuleType("tensorflow")
tf.float32 = "float32"
tf.constant = lambda value, dtype=None: np.asarray(value, dtype=np.float64)
keras = types.ModuleType("tensorflow.keras")
class Initializer:
    pass
class Recorded(Initializer):
    def __init__(self, kind, **kw):
        self.kind, self.kw = kind, kw
inits = types.SimpleNamespace(
    Initializer=Initializer,
    Orthogonal=lambda **kw: Recorded("Orthogonal", **kw),
    Identity=lambda **kw: Recorded("Identity", **kw),
    VarianceScaling=lambda **kw: Recorded("VarianceScaling", **kw),
)
keras.initializers = inits
tf.keras = keras
sys.modules["tensorflow"] = tf
sys.modules["tensorflow.keras"] = keras

N, D = ${PULSE_N}, 2
report = {}
for c in json.load(sys.stdin):
    ns = {}
    exec(compile(c["code"], "<" + c["spec"] + ">", "exec"), ns)
    rec, ker = eval(c["rec"], ns), eval(c["ker"], ns)  # the arguments the editor writes into SimpleRNN(...)
    if c["name"] not in ("chain", "fbchain"):
        report[c["spec"]] = {"rec": [rec.kind, rec.kw], "ker": [ker.kind, ker.kw]}
        continue
    R = rec((N, N), dtype="float32")  # recurrent_kernel, as SimpleRNN asks for it
    K = ker((D, N), dtype="float32")  # kernel: (input_dim, units)
    assert isinstance(rec, Initializer) and R.shape == (N, N) and K.shape == (D, N)
    try:
        rec((N, 4 * N))
        raise AssertionError("a non-square recurrent kernel must be refused")
    except ValueError:
        pass
    h = np.zeros(N)
    states = []
    for t in range(N + 1):
        x = np.zeros(D)
        if t == 0:
            x[0] = 1.0
        h = x @ K + h @ R  # Keras's SimpleRNN cell, linear activation, zero bias
        states.append(h.tolist())
    report[c["spec"]] = {"R": R.tolist(), "K": K.tolist(), "h": states, "config": rec.get_config()}
print(json.dumps(report))
`;
  const r = python(script, JSON.stringify(cases));
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  const report = JSON.parse(r.stdout);
  for (const spec of ['chain:1.02', 'fbchain:0.04', 'chain:1']) {
    const { R, K, h } = report[spec] as { R: number[][]; K: number[][]; h: number[][] };
    const alpha = spec.startsWith('chain') ? Number(spec.split(':')[1]) : 0.99;
    for (let i = 0; i < PULSE_N; i++) {
      for (let j = 0; j < PULSE_N; j++) {
        const want = j === i + 1 ? alpha : spec.startsWith('fbchain') && i === j + 1 ? 0.04 : 0;
        assert.ok(Math.abs(R[i][j] - want) < 1e-12, `${spec} R[${i}][${j}] = ${R[i][j]}`);
      }
    }
    for (let k = 0; k < 2; k++) for (let j = 0; j < PULSE_N; j++) assert.equal(K[k][j], k === j ? 0.9 : 0);
    for (let t = 0; t < PULSE_N; t++) {
      assert.equal(h[t].indexOf(Math.max(...h[t])), t, `${spec}: step ${t}: ${h[t]}`);
      assert.ok(Math.abs(h[t][t] - 0.9 * alpha ** t) < 1e-12);
    }
  }
  assert.deepEqual(report['chain:1.02'].config, { alpha: 1.02 });
  assert.deepEqual(report['orthogonal:1.0'].rec, ['Orthogonal', { gain: 1, seed: 4 }]);
  // VarianceScaling, untruncated normal: std = sqrt(scale / fan), fan = N for both (fan_out of K, fan_in of R).
  const vs = (scale: number, mode: string, seed: number) => ['VarianceScaling', { scale, mode, distribution: 'untruncated_normal', seed }];
  assert.deepEqual(report['orthogonal:1.0'].ker, vs(0.9 ** 2, 'fan_out', 5));
  assert.deepEqual(report['identity:0.99'].rec, ['Identity', { gain: 0.99 }]);
  assert.deepEqual(report['gaussian:1'].rec, vs(1, 'fan_in', 4));
});

test('TF.js: the generated code, run with @tensorflow/tfjs, sends a pulse 0 → 1 → 2 … through a real tf.layers.simpleRNN', async () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tf: any = load('@tensorflow/tfjs');
  /** The layer after the generated helper was applied to it before it was built (the editor's call), then built by a model. */
  const run = (spec: string, seed?: number) => {
    const g = generateInitializer({ framework: 'tfjs', spec, seed });
    // The body as the editor inserts it (the import replaced by the `tf` binding the file already has).
    const init = new Function('tf', `${g.body}\nreturn (layer) => ${applyCall(g, 'layer')};`)(tf) as (layer: unknown) => unknown;
    const rnn = tf.layers.simpleRNN({ units: PULSE_N, inputShape: [null, 2], activation: 'linear', returnSequences: true });
    assert.equal(rnn.built, false);
    assert.equal(init(rnn), rnn, 'the helper returns the layer');
    const model = tf.sequential({ layers: [rnn] });
    const [kernel, recurrentKernel] = rnn.getWeights();
    return { g, rnn, model, weights: { kernel, recurrentKernel } };
  };
  for (const spec of ['chain:1.02', 'fbchain:0.04']) {
    const { rnn, model } = run(spec);
    const T = PULSE_N + 1;
    const x = new Float32Array(T * 2);
    x[0] = 1; // a unit pulse on input 0 at t = 0
    const h = (await model.predict(tf.tensor3d(x, [1, T, 2])).array())[0] as number[][];
    const alpha = spec === 'chain:1.02' ? 1.02 : 0.99;
    for (let t = 0; t < PULSE_N; t++) {
      assert.equal(h[t].indexOf(Math.max(...h[t])), t, `${spec}: at step ${t} the most active unit is ${h[t].indexOf(Math.max(...h[t]))}: ${h[t]}`);
      assert.ok(Math.abs(h[t][t] - 0.9 * alpha ** t) < 1e-5, `${spec}: h[${t}][${t}] = ${h[t][t]}`);
      for (let i = t + 1; i < PULSE_N; i++) assert.equal(h[t][i], 0, `${spec}: activity ahead of the pulse`);
    }
    if (spec === 'chain:1.02') assert.ok(h[PULSE_N].every((v) => v === 0), 'nilpotent chain');
    // Weights as stored: recurrent_kernel with the chain on the super-diagonal.
    const R = (await rnn.getWeights()[1].array()) as number[][];
    assert.ok(Math.abs(R[0][1] - (spec === 'chain:1.02' ? 1.02 : 0.99)) < 1e-6 && R[1][0] === (spec === 'chain:1.02' ? 0 : R[1][0]));
    // On a layer built already, the helper sets the weights at once.
    const built = tf.layers.simpleRNN({ units: 3, inputShape: [null, 2] });
    tf.sequential({ layers: [built] });
    const g = generateInitializer({ framework: 'tfjs', spec });
    new Function('tf', 'layer', `${g.body}\n${applyCall(g, 'layer')};`)(tf, built);
    const R3 = (await built.getWeights()[1].array()) as number[][];
    assert.ok(Math.abs(R3[1][2] - alpha) < 1e-6 && R3[0][0] === 0, `built layer: ${JSON.stringify(R3)}`);
  }
  // Orthogonal through tf.initializers: R Rᵀ = λ² I; the seed reproduces the draw; the input std is 0.9/√N.
  const a = run('orthogonal:1.02', 3).weights;
  const b = run('orthogonal:1.02', 3).weights;
  const R = (await (a.recurrentKernel as { array(): Promise<number[][]> }).array());
  for (let i = 0; i < PULSE_N; i++) {
    for (let j = 0; j < PULSE_N; j++) {
      let s = 0;
      for (let k = 0; k < PULSE_N; k++) s += R[i][k] * R[j][k];
      assert.ok(Math.abs(s - (i === j ? 1.02 ** 2 : 0)) < 1e-5, `(R Rᵀ)[${i}][${j}] = ${s}`);
    }
  }
  assert.deepEqual(await (b.recurrentKernel as { array(): Promise<number[][]> }).array(), R, 'seeded: reproducible');
  const id = (await (run('identity:0.99').weights.recurrentKernel as { array(): Promise<number[][]> }).array());
  assert.deepEqual(id, Array.from({ length: PULSE_N }, (_, i) => Array.from({ length: PULSE_N }, (_, j) => (i === j ? 0.9900000095367432 : 0))));
});

// ---------------------------------------------------------------------------------------------------------------
// Editor helpers

test('detectFramework: Python → PyTorch unless it imports TensorFlow/Keras; JS/TS → TF.js', () => {
  assert.equal(detectFramework('python', 'import torch\nfrom torch import nn\n'), 'pytorch');
  assert.equal(detectFramework('python', 'import numpy as np\nfrom tensorflow import keras\n'), 'keras');
  assert.equal(detectFramework('python', 'import keras\n'), 'keras');
  assert.equal(detectFramework('python', 'x = 1  # import tensorflow later\n'), 'pytorch');
  assert.equal(detectFramework('javascript', ''), 'tfjs');
  assert.equal(detectFramework('typescript', 'import * as tf from "@tensorflow/tfjs";'), 'tfjs');
  assert.equal(detectFramework('typescriptreact', ''), 'tfjs');
  assert.equal(detectFramework('markdown', ''), 'pytorch');
});

test('frameworkOfLine: the lines that get code actions', () => {
  assert.equal(frameworkOfLine('python', '        self.rnn = nn.RNN(10, 100, batch_first=True)'), 'pytorch');
  assert.equal(frameworkOfLine('python', 'rnn = torch.nn.RNN(input_size=10, hidden_size=100)'), 'pytorch');
  assert.equal(frameworkOfLine('python', 'cell = nn.RNNCell(10, 100)'), undefined);
  assert.equal(frameworkOfLine('python', 'lstm = nn.LSTM(10, 100)'), 'pytorch');
  assert.equal(frameworkOfLine('python', 'g = torch.nn.GRU(10, 100)'), 'pytorch');
  assert.equal(frameworkOfLine('python', 'x = keras.layers.LSTM(100)(x)'), 'keras');
  assert.equal(frameworkOfLine('python', 'x = GRU(100, return_sequences=True)(x)'), 'keras');
  assert.equal(frameworkOfLine('python', 'c = nn.LSTMCell(10, 100)'), undefined);
  assert.equal(frameworkOfLine('python', 'x = ConvLSTM2D(8, 3)(x)'), undefined);
  assert.equal(frameworkOfLine('javascript', 'const l = tf.layers.lstm({ units: 8 });'), 'tfjs');
  assert.equal(frameworkOfLine('typescript', 'const g = tf.layers.gru({ units: 8 });'), 'tfjs');
  assert.equal(frameworkOfLine('javascript', 'const l = lstm(3);'), undefined);
  assert.equal(frameworkOfLine('python', 'x = layers.SimpleRNN(100, activation="elu")(x)'), 'keras');
  assert.equal(frameworkOfLine('python', '    recurrent_initializer=ChainInit(),'), 'keras');
  assert.equal(frameworkOfLine('python', '# nn.RNN(10, 100)'), undefined);
  assert.equal(frameworkOfLine('javascript', 'const rnn = tf.layers.simpleRNN({ units: 100 });'), 'tfjs');
  assert.equal(frameworkOfLine('typescript', '  recurrentInitializer: "orthogonal",'), 'tfjs');
  assert.equal(frameworkOfLine('typescript', '// tf.layers.simpleRNN'), undefined);
  assert.equal(frameworkOfLine('javascript', 'const rnn = nn.RNN(1, 2)'), undefined);
  assert.equal(frameworkOfLine('plaintext', 'nn.RNN(10, 100)'), undefined);
});

test('indentCode, tfjsImportFor and importInsertLine', () => {
  assert.equal(indentCode('a\n\n  b\n', '    '), '    a\n\n      b\n');
  assert.equal(indentCode('a\nb', ''), 'a\nb');
  assert.equal(tfjsImportFor("import * as tf from '@tensorflow/tfjs';\n"), undefined);
  assert.equal(tfjsImportFor("const tf = require('@tensorflow/tfjs-node');\n"), undefined);
  assert.equal(tfjsImportFor("const fs = require('fs');\n"), TFJS_REQUIRE);
  assert.equal(tfjsImportFor("import x from 'y';\n"), TFJS_IMPORT);
  assert.equal(tfjsImportFor(''), TFJS_IMPORT);
  assert.equal(importInsertLine(['const a = 1;']), 0);
  assert.equal(importInsertLine(['#!/usr/bin/env node', "'use strict';", 'const a = 1;']), 2);
  assert.equal(importInsertLine(['// @ts-check', '/* licence', ' * text */', '', 'import x from "y";']), 4);
  assert.equal(importInsertLine(['// only a comment']), 1);
  assert.equal(importInsertLine([]), 0);
});

test('every framework × initializer generates', () => {
  for (const framework of FRAMEWORKS) {
    for (const spec of SPECS) {
      const g = generateInitializer({ framework, spec, n: 3, inputDim: 5, seed: 1 });
      assert.ok(g.code.length > 200 && g.entry, `${framework} ${spec}`);
    }
  }
});
