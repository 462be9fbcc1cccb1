import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import { applyCall, generateInitializer, initializerCode, HELPER_NAMES } from '../../src/core/init/codegen';
import { initGatedRecurrent, gatedTorchWeight, blockOfKerasKernel, KERAS_GATES } from '../../src/core/init/gated';
import { ROOT } from './helpers';

// Loaded at run time, not bundled (typescript and tfjs are big devDependencies).
const load = createRequire(__filename);
const ts: typeof TS = load('typescript');

const PYTHON = '/usr/bin/python3';
const CELLS = ['lstm', 'gru'] as const;
const DETERMINISTIC = ['chain:1.02', 'fbchain:0.04', 'mixed:1.02', 'mixed:0.9'];
const RANDOM = ['orthogonal:0.9', 'plain'];
const SPECS = [...DETERMINISTIC, ...RANDOM];
const N = 5;
const K = { lstm: 4, gru: 3 } as const;

function python(script: string, input: string, timeout = 180_000): { status: number | null; stdout: string; stderr: string } {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing (apt-get install python3-torch, as .ci/run does)`);
  const r = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', timeout });
  if (r.error) throw r.error;
  return r;
}

/** Largest |a − b| over two equally long arrays. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Block b (row-major N×N) of a (k·N)×N stack. */
function rowBlock(W: ArrayLike<number>, n: number, b: number): Float64Array {
  return Float64Array.from(Array.prototype.slice.call(W, b * n * n, (b + 1) * n * n) as number[]);
}

/** ‖W Wᵀ − λ² I‖_max of an N×N block. */
function orthoError(W: ArrayLike<number>, n: number, gain: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += W[i * n + k] * W[j * n + k];
    m = Math.max(m, Math.abs(s - (i === j ? gain * gain : 0)));
  }
  return m;
}

test('gated code parses: PyTorch and Keras with Python\'s ast, TF.js as strict TypeScript against tfjs\'s types', () => {
  const cases = CELLS.flatMap((cell) => SPECS.flatMap((spec) => (['pytorch', 'keras'] as const).map((framework) => ({
    name: `${framework} ${cell} ${spec}`, code: initializerCode({ framework, cell, spec, n: 100, inputDim: 10, seed: 3 }),
  }))));
  const r = python(
    'import ast, json, sys\nbad = []\nfor c in json.load(sys.stdin):\n    try:\n        ast.parse(c["code"])\n    except SyntaxError as e:\n        bad.append(c["name"] + ": " + str(e))\nprint(json.dumps(bad))',
    JSON.stringify(cases),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
  const dir = path.join(ROOT, 'out', 'tmp-gated-codegen-typecheck');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const files: string[] = [];
    for (const cell of CELLS) for (const spec of SPECS) for (const seed of [undefined, 2]) {
      const code = initializerCode({ framework: 'tfjs', cell, spec, n: 100, inputDim: 10, seed, typescript: true });
      const usage = code.split('\n').filter((l) => l.startsWith('//   ')).map((l) => l.slice(5)).join('\n');
      const f = path.join(dir, `case${files.length}.ts`);
      writeFileSync(f, `${code}\n${usage}\nexport {};\n`);
      files.push(f);
    }
    const program = ts.createProgram(files, {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [], skipLibCheck: true,
    });
    const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.includes(path.resolve(d.file.fileName)));
    assert.deepEqual(diags.map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gated code: names, calls, Keras argument, refusals', () => {
  const pt = generateInitializer({ framework: 'pytorch', cell: 'lstm', spec: 'mixed:1.02' });
  assert.equal(pt.cell, 'lstm');
  assert.equal(applyCall(pt, 'self.lstm'), 'init_lstm_mixed_(self.lstm, alpha=1.02)');
  assert.match(pt.body, /blocks = \[ramp\(\), ramp\(\), chain\(\), ramp\(\)\]  # i, f, g, o/);
  assert.match(generateInitializer({ framework: 'pytorch', cell: 'gru', spec: 'mixed' }).body, /blocks = \[ramp\(\), ramp\(\), chain\(\)\]  # r, z, n/);
  assert.equal(applyCall(generateInitializer({ framework: 'pytorch', cell: 'gru', spec: 'orthogonal', seed: 4 }), 'g'), 'init_gru_orthogonal_(g, gain=1.0, seed=4)');
  const ke = generateInitializer({ framework: 'keras', cell: 'lstm', spec: 'chain:1.05' });
  assert.deepEqual(ke.kerasArgs, { recurrent_initializer: 'LstmChainInit(alpha=1.05)' });
  assert.match(ke.body, /keras\.layers\.LSTM\(100, return_sequences=True, recurrent_initializer=LstmChainInit\(alpha=1\.05\)\)/);
  const tj = generateInitializer({ framework: 'tfjs', cell: 'gru', spec: 'fbchain:0.07' });
  assert.equal(applyCall(tj, 'rnn'), 'initGruFbChain(rnn, 0.07)');
  for (const name of ['init_lstm_mixed_', 'init_gru_plain_']) assert.ok(HELPER_NAMES.pytorch.includes(name));
  assert.ok(HELPER_NAMES.tfjs.includes('initLstmMixed'));
  assert.throws(() => generateInitializer({ framework: 'pytorch', cell: 'lstm', spec: 'identity' }), /unknown gated initializer "identity" \(expected plain, orthogonal, chain, fbchain, mixed\)/);
  assert.throws(() => generateInitializer({ framework: 'pytorch', spec: 'mixed' }), /unknown initializer "mixed"/);
  assert.throws(() => generateInitializer({ framework: 'pytorch', cell: 'cnn' as 'lstm', spec: 'chain' }), /unknown cell "cnn"/);
});

test('PyTorch: the generated code, run with torch, sets weight_hh_l{0,1} of nn.LSTM / nn.GRU to the blocks of initGatedRecurrent (column convention, PyTorch order), and a real forward step moves unit 0 to unit 1', () => {
  const cases = CELLS.flatMap((cell) => SPECS.map((spec) => {
    const g = generateInitializer({ framework: 'pytorch', cell, spec, seed: 7 });
    return { cell, spec, name: g.spec.name, code: g.code, call: applyCall(g, 'rnn') };
  }));
  const script = String.raw`
import json, sys
import torch

N, D = ${N}, 2
report = {}
for c in json.load(sys.stdin):
    ns = {}
    exec(compile(c["code"], "<" + c["cell"] + " " + c["spec"] + ">", "exec"), ns)
    Layer = torch.nn.LSTM if c["cell"] == "lstm" else torch.nn.GRU
    torch.manual_seed(0)
    rnn = Layer(input_size=D, hidden_size=N, num_layers=2, batch_first=True)
    ih = rnn.weight_ih_l0.detach().clone()
    bias = rnn.bias_hh_l0.detach().clone()
    state = torch.get_rng_state()
    assert eval(c["call"], ns, {"rnn": rnn}) is rnn
    assert torch.equal(state, torch.get_rng_state()), "the global RNG state is left as it was"
    assert torch.equal(ih, rnn.weight_ih_l0) and torch.equal(bias, rnn.bias_hh_l0), "input weights and biases untouched"
    out = {"W0": rnn.weight_hh_l0.detach().double().flatten().tolist(), "W1": rnn.weight_hh_l1.detach().double().flatten().tolist()}
    again = Layer(input_size=D, hidden_size=N, num_layers=2, batch_first=True)
    eval(c["call"], ns, {"rnn": again})
    out["reproducible"] = torch.equal(again.weight_hh_l0, rnn.weight_hh_l0)
    if c["name"] in ("chain", "mixed"):
        # One real step from h0 = e_0 (c0 = 0), no input, zero biases: the candidate block's chain W[1][0] = alpha
        # carries unit 0 into unit 1 only (the gates just scale it).
        one = Layer(input_size=D, hidden_size=N, batch_first=True)
        eval(c["call"], ns, {"rnn": one})
        with torch.no_grad():
            for name, p in one.named_parameters():
                if name.startswith("bias_"):
                    p.zero_()
            h0 = torch.zeros(1, 1, N)
            h0[0, 0, 0] = 1.0
            x = torch.zeros(1, 1, D)
            y, _ = one(x, (h0, torch.zeros(1, 1, N)) if c["cell"] == "lstm" else h0)
        out["step"] = y[0, 0].double().tolist()
    try:
        eval(c["call"], ns, {"rnn": torch.nn.RNN(D, N)})
        raise AssertionError("a vanilla RNN must be refused")
    except TypeError:
        pass
    report[c["cell"] + " " + c["spec"]] = out
print(json.dumps(report))
`;
  const r = python(script, JSON.stringify(cases));
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as Record<string, { W0: number[]; W1: number[]; reproducible: boolean; step?: number[] }>;
  for (const cell of CELLS) {
    const k = K[cell];
    for (const spec of SPECS) {
      const got = report[`${cell} ${spec}`];
      assert.ok(got.reproducible, `${cell} ${spec}: seeded, reproducible`);
      if (DETERMINISTIC.includes(spec)) {
        // weight_hh_l0 equals the PyTorch layout of initGatedRecurrent's blocks, and block by block (PyTorch order
        // r, z, n for the GRU) the transpose of the Keras kernel's block of the same gate.
        const want = gatedTorchWeight(spec, cell, N, 0);
        assert.ok(maxDiff(got.W0, want) < 1e-7, `${cell} ${spec}: weight_hh_l0`);
        assert.ok(maxDiff(got.W1, want) < 1e-7, `${cell} ${spec}: weight_hh_l1`);
        const R = initGatedRecurrent(spec, cell, N, 0);
        const torchToKeras = cell === 'lstm' ? [0, 1, 2, 3] : [1, 0, 2];
        for (let b = 0; b < k; b++) assert.ok(maxDiff(rowBlock(got.W0, N, b), blockOfKerasKernel(R, k, N, torchToKeras[b])) < 1e-7, `${cell} ${spec} block ${b}`);
      } else {
        const gain = spec === 'plain' ? 1 : 0.9;
        for (let b = 0; b < k; b++) {
          const W = rowBlock(got.W0, N, b);
          if (spec === 'plain') assert.ok(W.every((w) => Math.abs(w) <= gain / Math.sqrt(N)) && W.some((w) => w !== 0), `${cell} plain block ${b}: U(±1/√N)`);
          else assert.ok(orthoError(W, N, gain) < 1e-6, `${cell} orthogonal block ${b}: W Wᵀ = λ²I`);
        }
        assert.notDeepEqual(rowBlock(got.W0, N, 0), rowBlock(got.W0, N, 1), 'a new draw per block');
        assert.notDeepEqual(got.W0, got.W1, 'a new draw per layer');
      }
      if (got.step) {
        const h = got.step;
        assert.ok(Math.abs(h[1]) > 1e-3, `${cell} ${spec}: unit 1 gets unit 0's pulse: ${h}`);
        for (let i = 2; i < N; i++) assert.equal(h[i], 0, `${cell} ${spec}: nothing reaches unit ${i}: ${h}`);
      }
    }
  }
});

test('Keras: the generated initializers (run with numpy and a stand-in for tensorflow) return initGatedRecurrent\'s recurrent_kernel [N, k·N], R_b = W_bᵀ', () => {
  // TensorFlow is not installable here; as for the vanilla Keras code, the stand-in provides the names the code
  // uses (tf.constant, tf.float32, keras.initializers.Initializer) so the generated classes run for real on numpy.
  const cases = CELLS.flatMap((cell) => SPECS.map((spec) => {
    const g = generateInitializer({ framework: 'keras', cell, spec, seed: 5 });
    return { cell, spec, code: g.code, rec: g.kerasArgs!.recurrent_initializer, kernel: g.kerasArgs!.kernel_initializer ?? null };
  }));
  const script = String.raw`
import json, sys, types
import numpy as np

tf = types.ModuleType("tensorflow")
tf.float32 = "float32"
tf.constant = lambda value, dtype=None: np.asarray(value, dtype=np.float64)
keras = types.ModuleType("tensorflow.keras")
class Initializer:
    pass
keras.initializers = types.SimpleNamespace(Initializer=Initializer)
tf.keras = keras
sys.modules["tensorflow"] = tf
sys.modules["tensorflow.keras"] = keras

N = ${N}
report = {}
for c in json.load(sys.stdin):
    ns = {}
    exec(compile(c["code"], "<" + c["cell"] + " " + c["spec"] + ">", "exec"), ns)
    rec = eval(c["rec"], ns)
    k = 4 if c["cell"] == "lstm" else 3
    assert isinstance(rec, Initializer) and c["kernel"] is None
    R = rec((N, k * N), dtype="float32")
    again = eval(c["rec"], ns)((N, k * N))
    try:
        rec((N, N))
        raise AssertionError("a SimpleRNN kernel must be refused")
    except ValueError:
        pass
    cfg = rec.get_config()
    clone = type(rec)(**cfg)
    report[c["cell"] + " " + c["spec"]] = {"R": R.flatten().tolist(), "reproducible": bool(np.array_equal(R, again)), "config": cfg,
                                            "clone": bool(np.array_equal(clone((N, k * N)), R))}
print(json.dumps(report))
`;
  const r = python(script, JSON.stringify(cases));
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as Record<string, { R: number[]; reproducible: boolean; config: Record<string, number>; clone: boolean }>;
  for (const cell of CELLS) {
    const k = K[cell];
    for (const spec of SPECS) {
      const got = report[`${cell} ${spec}`];
      assert.ok(got.reproducible && got.clone, `${cell} ${spec}: seeded and rebuilt from get_config`);
      if (DETERMINISTIC.includes(spec)) {
        assert.ok(maxDiff(got.R, initGatedRecurrent(spec, cell, N, 0)) < 1e-7, `${cell} ${spec}: recurrent_kernel`);
      } else {
        for (let b = 0; b < k; b++) {
          const W = blockOfKerasKernel(got.R, k, N, b);
          if (spec === 'plain') assert.ok(W.every((w) => Math.abs(w) <= 1 / Math.sqrt(N)), `${cell} plain block ${b}`);
          else assert.ok(orthoError(W, N, 0.9) < 1e-9, `${cell} orthogonal block ${b}`);
        }
      }
    }
  }
  assert.deepEqual(report['lstm mixed:1.02'].config, { alpha: 1.02, e: 0.01 });
  assert.deepEqual(report['gru orthogonal:0.9'].config, { gain: 0.9, seed: 5 });
});

test('TF.js: the generated code, run with @tensorflow/tfjs, sets the recurrentKernel of a real tf.layers.lstm / gru to initGatedRecurrent\'s, and the real cell moves unit 0 to unit 1', async () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tf: any = load('@tensorflow/tfjs');
  for (const cell of CELLS) {
    const k = K[cell];
    for (const spec of SPECS) {
      const g = generateInitializer({ framework: 'tfjs', cell, spec, seed: 3 });
      const init = new Function('tf', `${g.body}\nreturn (layer) => ${applyCall(g, 'layer')};`)(tf) as (layer: unknown) => unknown;
      const make = () => tf.layers[cell]({ units: N, inputShape: [null, 2], returnSequences: true });
      const layer = make();
      assert.equal(layer.built, false);
      assert.equal(init(layer), layer);
      tf.sequential({ layers: [layer] }); // builds it: the helper's weights go in right after
      const [kernel, R, bias] = layer.getWeights();
      assert.deepEqual(R.shape, [N, k * N]);
      const Rv = (await R.data()) as Float32Array;
      if (DETERMINISTIC.includes(spec)) {
        assert.deepEqual(Array.from(Rv), Array.from(initGatedRecurrent(spec, cell, N, 0)), `${cell} ${spec}: recurrentKernel`);
      } else {
        const gain = spec === 'plain' ? 1 : 0.9;
        for (let b = 0; b < k; b++) {
          const W = blockOfKerasKernel(Rv, k, N, b);
          if (spec === 'plain') assert.ok(W.every((w) => Math.abs(w) <= gain / Math.sqrt(N) + 1e-7), `${cell} plain block ${b}`);
          else assert.ok(orthoError(W, N, gain) < 1e-5, `${cell} orthogonal block ${b}`);
        }
        const other = make();
        init(other);
        tf.sequential({ layers: [other] });
        assert.deepEqual(Array.from(await other.getWeights()[1].data()), Array.from(Rv), 'seeded: reproducible');
      }
      // Kernel and bias stay as tfjs made them (Glorot-uniform kernel, zero bias).
      assert.deepEqual(kernel.shape, [2, k * N]);
      assert.ok(Array.from(await kernel.data()).some((v) => v !== 0));
      assert.ok(Array.from(await bias.data()).every((v) => v === 0));
      if (spec.startsWith('chain') || spec.startsWith('mixed')) {
        // The real cell, one step from h0 = e_0 (c0 = 0), no input, zero bias: the candidate block carries unit 0
        // into unit 1 only.
        layer.setWeights([kernel, R, tf.zerosLike(bias)]);
        const h0 = tf.tensor2d([[1, 0, 0, 0, 0]]);
        const x = tf.zeros([1, 2]);
        const out = layer.cell.call(cell === 'lstm' ? [x, h0, tf.zeros([1, N])] : [x, h0], {}) as { data(): Promise<Float32Array> }[];
        const h = Array.from(await out[0].data());
        assert.ok(Math.abs(h[1]) > 1e-3, `${cell} ${spec}: unit 1 gets unit 0's pulse: ${h}`);
        for (let i = 2; i < N; i++) assert.equal(h[i], 0, `${cell} ${spec}: nothing reaches unit ${i}: ${h}`);
      }
    }
  }
  // A built layer gets the weights at once, its kernel and bias untouched; a SimpleRNN is refused with a clear error.
  const built = tf.layers.lstm({ units: 3, inputShape: [null, 2], unitForgetBias: true });
  tf.sequential({ layers: [built] });
  const before = await Promise.all(built.getWeights().map((w: { data(): Promise<Float32Array> }) => w.data()));
  const g = generateInitializer({ framework: 'tfjs', cell: 'lstm', spec: 'chain:1.5' });
  new Function('tf', 'layer', `${g.body}\n${applyCall(g, 'layer')};`)(tf, built);
  const after = await Promise.all(built.getWeights().map((w: { data(): Promise<Float32Array> }) => w.data()));
  assert.deepEqual(Array.from(after[1]), Array.from(initGatedRecurrent('chain:1.5', 'lstm', 3, 0)));
  assert.deepEqual(after[0], before[0]);
  assert.deepEqual(after[2], before[2]);
  assert.deepEqual(Array.from(after[2]).slice(3, 6), [1, 1, 1], 'unitForgetBias kept');
  const simple = tf.layers.simpleRNN({ units: 3, inputShape: [null, 2] });
  tf.sequential({ layers: [simple] });
  assert.throws(() => new Function('tf', 'layer', `${g.body}\n${applyCall(g, 'layer')};`)(tf, simple), /initLstmChain is for the recurrentKernel of a tf\.layers\.lstm \[N, 4N\], got \[3, 3\]/);
  assert.deepEqual(KERAS_GATES.lstm, ['i', 'f', 'c', 'o']);
});
