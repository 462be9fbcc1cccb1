// The edit planning of "Insert Initializer Code" (src/core/init/insertPlan.ts): file text + layer line +
// initializer → edits. Pure text checks, then the edited files run: PyTorch with Debian's torch, TF.js with
// @tensorflow/tfjs in node; Keras only parsed (no TensorFlow on this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import { generateInitializer, TFJS_IMPORT, TFJS_REQUIRE, type CodegenOptions } from '../../src/core/init/codegen';
import { applyEdits, findLayers, layerAt, planInsert, type InsertPlan, type PlanWhere } from '../../src/core/init/insertPlan';
import { ROOT } from './helpers';

const load = createRequire(__filename);
const PYTHON = '/usr/bin/python3';

function plan(text: string, languageId: string, where: PlanWhere, opts: Partial<CodegenOptions> = {}): { plan: InsertPlan; text: string } {
  const generated = generateInitializer({
    framework: languageId === 'python' ? 'pytorch' : 'tfjs', spec: 'chain:1.02', typescript: languageId === 'typescript', ...opts,
  });
  const p = planInsert({ text, languageId, generated, where });
  return { plan: p, text: applyEdits(text, p.edits) };
}

/** Plans for the layer on the first line (at or after `from`) that contains `needle`. */
function at(text: string, needle: string, from = 0): PlanWhere {
  const line = text.split('\n').findIndex((l, i) => i >= from && l.includes(needle));
  assert.ok(line >= 0, `no line with ${needle}`);
  return { layerLine: line };
}

function count(text: string, s: string): number {
  return text.split(s).length - 1;
}

const MODEL_PY = `"""A small model: a ReLU RNN and a readout."""
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self, d=2, n=6):
        super().__init__()
        self.rnn = nn.RNN(
            d, n,
            nonlinearity='relu',  # as in the paper
            batch_first=True)
        self.fc = nn.Linear(n, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y)


rnn = nn.RNN(2, 6, num_layers=2, nonlinearity='relu', batch_first=True)
`;

// ---------------------------------------------------------------------------------------------------------------
// Text

test('PyTorch: the helper once after the imports (PEP 8 blank lines), the call after the multi-line self.rnn statement', () => {
  const { plan: p, text } = plan(MODEL_PY, 'python', at(MODEL_PY, 'self.rnn = nn.RNN('));
  assert.equal(p.site?.target, 'self.rnn');
  assert.deepEqual(p.definitionsAdded, ['init_chain_']);
  assert.deepEqual(p.importsAdded, [], 'torch is imported already');
  assert.equal(p.applied, 'init_chain_(self.rnn, alpha=1.02)');
  const lines = text.split('\n');
  // After `from torch import nn`: two blank lines, the header comment, the def; two blank lines, then the class.
  assert.deepEqual(lines.slice(2, 5), ['from torch import nn', '', '']);
  assert.match(lines[5], /^# Recurrent Lens: chain initializer chain:1\.02 for torch\.nn\.RNN\.$/);
  const def = lines.indexOf('def init_chain_(rnn, alpha=1.02, input_scale=0.9, zero_bias=True):');
  const cls = lines.indexOf('class Model(nn.Module):');
  assert.ok(def > 5 && cls > def);
  assert.deepEqual(lines.slice(cls - 3, cls), ['    return rnn', '', '']);
  // The call: right after the statement's last line, with the statement's indentation.
  const close = lines.indexOf('            batch_first=True)');
  assert.equal(lines[close + 1], '        init_chain_(self.rnn, alpha=1.02)');
  assert.equal(lines[close + 2], '        self.fc = nn.Linear(n, 1)');
  assert.equal(p.focusLine, close + 1);
  // Nothing else changed.
  assert.equal(text.replace(/\n# Recurrent Lens[\s\S]*?    return rnn\n\n\n/, '\n').replace('        init_chain_(self.rnn, alpha=1.02)\n', ''), MODEL_PY);
});

test('PyTorch: idempotent — a second run neither adds the helper nor stacks calls; another initializer replaces the call', () => {
  const once = plan(MODEL_PY, 'python', at(MODEL_PY, 'self.rnn = nn.RNN(')).text;
  const twice = plan(once, 'python', at(once, 'self.rnn = nn.RNN('));
  assert.equal(twice.text, once, 'the same initializer again changes nothing');
  assert.equal(twice.plan.replaced, true);
  assert.deepEqual(twice.plan.definitionsReused, ['init_chain_']);
  // The plain rnn: the existing helper is reused, one more call.
  const both = plan(once, 'python', at(once, 'rnn = nn.RNN(2, 6')).text;
  assert.equal(count(both, 'def init_chain_('), 1);
  assert.match(both, /\nrnn = nn\.RNN\(2, 6, num_layers=2, nonlinearity='relu', batch_first=True\)\ninit_chain_\(rnn, alpha=1\.02\)\n$/);
  // Another gain, then another initializer: the call is replaced; orthogonal brings its helper and `import math`.
  const regain = plan(both, 'python', at(both, 'rnn = nn.RNN(2, 6'), { spec: 'chain:1.2' }).text;
  assert.match(regain, /\ninit_chain_\(rnn, alpha=1\.2\)\n$/);
  assert.equal(count(regain, '\ninit_chain_(rnn'), 1);
  const ortho = plan(regain, 'python', at(regain, 'rnn = nn.RNN(2, 6'), { spec: 'orthogonal:1', seed: 5 });
  assert.deepEqual(ortho.plan.importsAdded, ['import math']);
  assert.match(ortho.text, /\nfrom torch import nn\nimport math\n\n\n# Recurrent Lens: orthogonal/);
  assert.match(ortho.text, /\ninit_orthogonal_\(rnn, gain=1\.0, seed=5\)\n$/);
  assert.equal(ortho.text.match(/^init_\w+\(rnn, /gm)?.length, 1, 'one call on rnn');
  assert.equal(count(ortho.text, 'import math'), 1);
  const again = plan(ortho.text, 'python', at(ortho.text, 'rnn = nn.RNN(2, 6'), { spec: 'gaussian:1' });
  assert.deepEqual(again.plan.importsAdded, [], 'math is imported now');
});

test('PyTorch: a file without imports gets them at the top (after comments and the docstring), then the helper', () => {
  const src = '#!/usr/bin/env python3\n# A script.\n"""Doc\nstring."""\n\nrnn = torch.nn.RNN(3, 5)\n';
  const { plan: p, text } = plan(src, 'python', { layerLine: 5 });
  assert.deepEqual(p.importsAdded, ['import torch']);
  assert.equal(
    text.replace(/# Recurrent Lens[\s\S]*?    return rnn\n/, 'HELPER\n'),
    '#!/usr/bin/env python3\n# A script.\n"""Doc\nstring."""\n\nimport torch\n\n\nHELPER\n\n\nrnn = torch.nn.RNN(3, 5)\ninit_chain_(rnn, alpha=1.02)\n',
  );
  // An empty-ish file: a lone statement without a trailing newline.
  const bare = plan('rnn = nn.RNN(3, 5)', 'python', { layerLine: 0 }).text;
  assert.match(bare, /^import torch\n\n\n# Recurrent Lens[\s\S]*    return rnn\n\n\nrnn = nn\.RNN\(3, 5\)\ninit_chain_\(rnn, alpha=1\.02\)$/);
});

test('PyTorch: imports already bound are not added again (aliases, several names, from-imports)', () => {
  const src = 'import os, torch\nimport math as math\nimport numpy as np\n\nrnn = torch.nn.RNN(3, 5)\n';
  assert.deepEqual(plan(src, 'python', { layerLine: 4 }, { spec: 'gaussian' }).plan.importsAdded, []);
  const t = 'import torch.nn as nn\n\nrnn = nn.RNN(3, 5)\n';
  assert.deepEqual(plan(t, 'python', { layerLine: 2 }).plan.importsAdded, ['import torch'], '`import torch.nn as nn` binds nn, not torch');
  // A commented-out import does not count.
  assert.deepEqual(plan('# import torch\nrnn = nn.RNN(3, 5)\n', 'python', { layerLine: 1 }).plan.importsAdded, ['import torch']);
});

test('PyTorch: a layer inside an expression is wrapped (the helper returns it), and re-wrapping replaces', () => {
  const src = 'import torch\nfrom torch import nn\n\nmodel = nn.Sequential(\n    nn.RNN(3, 5),  # nn.RNN( in a comment\n)\nrnn = nn.RNN(3, 5).to("cpu")\n';
  assert.deepEqual(findLayers(src, 'python').map((s) => [s.line, s.target]), [[4, undefined], [6, undefined]]);
  const a = plan(src, 'python', { layerLine: 4 });
  assert.match(a.text, /\n    init_chain_\(nn\.RNN\(3, 5\), alpha=1\.02\),  # nn\.RNN\( in a comment\n/);
  const b = plan(a.text, 'python', at(a.text, 'init_chain_(nn.RNN'), { spec: 'fbchain:0.05' });
  assert.equal(b.plan.replaced, true);
  assert.match(b.text, /\n    init_fbchain_\(nn\.RNN\(3, 5\), beta=0\.05\),  #/);
  assert.doesNotMatch(b.text, /init_chain_\(nn/);
  const c = plan(b.text, 'python', at(b.text, 'rnn = nn.RNN(3, 5).to'));
  assert.match(c.text, /\nrnn = init_chain_\(nn\.RNN\(3, 5\), alpha=1\.02\)\.to\("cpu"\)\n/);
  // The code action line inside a multi-line call finds the call.
  assert.equal(layerAt(MODEL_PY, 'python', 10)?.target, 'self.rnn');
  assert.equal(layerAt(MODEL_PY, 'python', 1), undefined);
});

test('PyTorch at the cursor (no layer): definitions + usage indented at the cursor, imports with the file\'s', () => {
  const src = 'import numpy\n\n\nclass M:\n    def f(self):\n\n        return 1\n';
  const { plan: p, text } = plan(src, 'python', { cursorLine: 5 }, { spec: 'orthogonal:1', n: 4, inputDim: 2 });
  assert.deepEqual(p.importsAdded, ['import math', 'import torch']);
  assert.ok(text.startsWith('import numpy\nimport math\nimport torch\n\n\nclass M:\n    def f(self):\n        # Recurrent Lens: orthogonal'), text.slice(0, 200));
  assert.match(text, /\n        def init_orthogonal_\(rnn, gain=1\.0/);
  assert.match(text, /\n        #   init_orthogonal_\(rnn, gain=1\.0\)\n        return 1\n$/);
  assert.equal(p.focusLine, 5 + 2);
  assert.equal(p.site, undefined);
});

test('Keras: the SimpleRNN call gets (or has replaced) recurrent_initializer= and kernel_initializer=', () => {
  const src = [
    'from tensorflow import keras',
    'from tensorflow.keras import layers',
    '',
    'model = keras.Sequential([',
    '    layers.SimpleRNN(',
    '        32,',
    '        activation="relu",',
    '        recurrent_initializer="orthogonal"',
    '    ),',
    '    layers.SimpleRNN(8, return_sequences=True),',
    '])',
    'x = layers.SimpleRNN(4)(x)',
    'y = layers.SimpleRNN()(x)',
    '',
  ].join('\n');
  const k = (text: string, needle: string, spec = 'chain:1.02') => plan(text, 'python', at(text, needle), { framework: 'keras', spec });
  const a = k(src, 'layers.SimpleRNN(\n'.trim());
  assert.deepEqual(a.plan.importsAdded, ['import numpy as np', 'import tensorflow as tf']);
  assert.deepEqual(a.plan.definitionsAdded, ['ChainInit', 'NonnormalSourceInit']);
  assert.match(a.text, /\n {8}activation="relu",\n {8}recurrent_initializer=ChainInit\(alpha=1\.02\),\n {8}kernel_initializer=NonnormalSourceInit\(scale=0\.9\),\n {4}\),\n/);
  const b = k(a.text, 'SimpleRNN(8');
  assert.deepEqual(b.plan.definitionsAdded, [], 'the classes are there');
  assert.match(b.text, /layers\.SimpleRNN\(8, return_sequences=True, recurrent_initializer=ChainInit\(alpha=1\.02\), kernel_initializer=NonnormalSourceInit\(scale=0\.9\)\),\n/);
  const c = k(k(b.text, 'SimpleRNN(4)').text, 'SimpleRNN()');
  assert.match(c.text, /\nx = layers\.SimpleRNN\(4, recurrent_initializer=ChainInit\(alpha=1\.02\), kernel_initializer=NonnormalSourceInit\(scale=0\.9\)\)\(x\)\n/);
  assert.match(c.text, /\ny = layers\.SimpleRNN\(recurrent_initializer=ChainInit\(alpha=1\.02\), kernel_initializer=NonnormalSourceInit\(scale=0\.9\)\)\(x\)\n/);
  // Again with another initializer: the arguments are replaced, not added; FbChainInit joins the definitions.
  const d = k(c.text, 'SimpleRNN(8', 'fbchain:0.04');
  assert.equal(d.plan.replaced, true);
  assert.deepEqual(d.plan.definitionsAdded, ['FbChainInit']);
  assert.match(d.text, /SimpleRNN\(8, return_sequences=True, recurrent_initializer=FbChainInit\(beta=0\.04, forward=0\.99\), kernel_initializer=NonnormalSourceInit\(scale=0\.9\)\)/);
  assert.equal(count(d.text, 'recurrent_initializer='), 4);
  assert.equal(count(d.text, 'class ChainInit('), 1);
  assert.equal(count(d.text, 'import numpy as np'), 1);
  // The same again: no change.
  assert.equal(k(d.text, 'SimpleRNN(8', 'fbchain:0.04').text, d.text);
  const r = k(src, 'SimpleRNN(8', 'orthogonal:1.5');
  assert.deepEqual(r.plan.definitionsAdded, []);
  assert.deepEqual(r.plan.importsAdded, [], '`from tensorflow import keras` is there');
  assert.match(r.text, /SimpleRNN\(8, return_sequences=True, recurrent_initializer=keras\.initializers\.Orthogonal\(gain=1\.5, seed=None\), kernel_initializer=keras\.initializers\.VarianceScaling\(/);
  // Every result parses as Python.
  if (existsSync(PYTHON)) {
    for (const t of [a.text, b.text, c.text, d.text, r.text]) {
      const p = spawnSync(PYTHON, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: t, encoding: 'utf8' });
      assert.equal(p.status, 0, `${p.stderr}\n${t}`);
    }
  }
});

test('TF.js: the tf import only when missing (require style kept), the helper, the call after the statement with `;`', () => {
  const src = "'use strict';\nconst tf = require('@tensorflow/tfjs');\n\nasync function main() {\n  const rnn = tf.layers.simpleRNN({\n    units: 8, inputShape: [null, 2],\n  });\n  model.add(tf.layers.simpleRNN({ units: 4 }));\n}\n";
  const a = plan(src, 'javascript', { layerLine: 4 });
  assert.deepEqual(a.plan.importsAdded, []);
  assert.match(a.text, /^'use strict';\nconst tf = require\('@tensorflow\/tfjs'\);\n\n\/\/ Recurrent Lens: chain[\s\S]*\n  return layer;\n}\n\nasync function main\(\) \{\n  const rnn = tf\.layers\.simpleRNN\(\{\n    units: 8, inputShape: \[null, 2\],\n  \}\);\n  initChain\(rnn, 1\.02\);\n  model\.add/);
  assert.equal(plan(a.text, 'javascript', at(a.text, 'const rnn')).text, a.text, 'idempotent');
  const b = plan(a.text, 'javascript', at(a.text, 'model.add'), { spec: 'fbchain:0.04' });
  assert.match(b.text, /\n  model\.add\(initFbChain\(tf\.layers\.simpleRNN\(\{ units: 4 \}\), 0\.04\)\);\n/);
  assert.equal(count(b.text, 'function initChain('), 1);
  const fresh = plan("const x = require('fs');\nconst rnn = tf.layers.simpleRNN({ units: 3 });\n", 'javascript', { layerLine: 1 });
  assert.deepEqual(fresh.plan.importsAdded, [TFJS_REQUIRE]);
  assert.match(fresh.text, /^const x = require\('fs'\);\nconst tf = require\('@tensorflow\/tfjs'\);\n\n\/\/ Recurrent Lens/);
  const ts = plan('const rnn = tf.layers.simpleRNN({ units: 3 });\n', 'typescript', { layerLine: 0 });
  assert.deepEqual(ts.plan.importsAdded, [TFJS_IMPORT]);
  assert.match(ts.text, /^import \* as tf from '@tensorflow\/tfjs';\n\n\/\/ Recurrent Lens[\s\S]*function initChain<L extends tf\.layers\.Layer>/);
});

// ---------------------------------------------------------------------------------------------------------------
// The edited files run

test('PyTorch: the edited script runs with torch; weight_hh_l{k} is the chain (sub-diagonal) and a pulse travels 0 → 1 → 2', () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing (apt-get install python3-torch, as .ci/run does)`);
  let text = plan(MODEL_PY, 'python', at(MODEL_PY, 'self.rnn = nn.RNN(')).text;
  text = plan(text, 'python', at(text, 'rnn = nn.RNN(2, 6'), { spec: 'chain:1.02' }).text;
  text = plan(text, 'python', at(text, 'self.rnn = nn.RNN('), { spec: 'chain:1.1' }).text; // re-run: replaces the call
  const check = String.raw`

import json
N = 6
out = {}
torch.manual_seed(0)
model = Model()
m2 = rnn
for label, layer, alpha in (("self.rnn", model.rnn, 1.1), ("rnn", m2, 1.02)):
    for k in range(layer.num_layers):
        W = getattr(layer, f"weight_hh_l{k}").detach().double()
        V = getattr(layer, f"weight_ih_l{k}").detach().double()
        want = torch.diag(torch.full((N - 1,), alpha, dtype=torch.double), diagonal=-1)
        assert torch.allclose(W, want, atol=1e-6), f"{label} weight_hh_l{k} is not the chain:\n{W}"
        assert torch.allclose(V, 0.9 * torch.eye(*V.shape, dtype=torch.double)), f"{label} weight_ih_l{k}: {V}"
        assert float(getattr(layer, f"bias_hh_l{k}").abs().sum()) == 0
    x = torch.zeros(1, N + 1, 2)
    x[0, 0, 0] = 1.0  # a unit pulse on input 0 at t = 0
    with torch.no_grad():
        y, _ = layer(x)
    h = y[0].double()
    front = [int(h[t].argmax()) for t in range(N)]
    out[label] = {"front": front, "h": h.tolist(), "layers": layer.num_layers}
# Bidirectional: both directions of every layer; an LSTM is refused by name.
b = init_chain_(nn.RNN(2, 6, num_layers=2, bidirectional=True), alpha=1.02)
hh = [n for n, _ in b.named_parameters() if n.startswith("weight_hh_l")]
assert len(hh) == 4, hh
for n in hh:
    assert torch.allclose(getattr(b, n), torch.diag(torch.full((N - 1,), 1.02), diagonal=-1)), n
assert torch.equal(b.weight_ih_l1, 0.9 * torch.eye(6, 12))
try:
    init_chain_(nn.LSTM(2, 6))
    raise AssertionError("an LSTM must be refused")
except TypeError as e:
    assert "LSTM" in str(e), e
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', text + check], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `python failed:\n${r.stderr}\n--- script ---\n${text}`);
  const out = JSON.parse(r.stdout) as Record<string, { front: number[]; h: number[][]; layers: number }>;
  // One layer: h_t = 0.9·α^t at unit t.
  assert.deepEqual(out['self.rnn'].front, [0, 1, 2, 3, 4, 5]);
  for (let t = 0; t < 6; t++) assert.ok(Math.abs(out['self.rnn'].h[t][t] - 0.9 * 1.1 ** t) < 1e-5, `h[${t}][${t}] = ${out['self.rnn'].h[t][t]}`);
  // Two layers, both chains: layer 1 receives layer 0's unit j on its unit j, so its front is at unit t too,
  // with 0.9² α^t summed over the t+1 ways to split t shifts between the two layers.
  assert.equal(out.rnn.layers, 2);
  assert.deepEqual(out.rnn.front, [0, 1, 2, 3, 4, 5]);
  for (let t = 0; t < 6; t++) assert.ok(Math.abs(out.rnn.h[t][t] - 0.81 * (t + 1) * 1.02 ** t) < 1e-5, `layer 1 h[${t}][${t}] = ${out.rnn.h[t][t]}`);
  assert.ok(out.rnn.h[6].every((v) => v === 0), 'nilpotent: empty after N steps');
});

test('TF.js: the edited script runs with @tensorflow/tfjs in node; recurrentKernel is the chain (super-diagonal) and a pulse travels', () => {
  const src = [
    "const tf = require('@tensorflow/tfjs');",
    '',
    'async function main() {',
    "  const rnn = tf.layers.simpleRNN({ units: 6, inputShape: [null, 2], activation: 'linear', returnSequences: true });",
    '  const model = tf.sequential({ layers: [rnn] });',
    '  const x = tf.buffer([1, 7, 2]);',
    '  x.set(1, 0, 0, 0);',
    '  const h = (await model.predict(x.toTensor()).array())[0];',
    '  const R = await rnn.getWeights()[1].array();',
    '  console.log(JSON.stringify({ h, R }));',
    '}',
    'main();',
    '',
  ].join('\n');
  const { text } = plan(src, 'javascript', { layerLine: 3 });
  const dir = path.join(ROOT, 'out', 'tmp-insert-tfjs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const file = path.join(dir, 'script.js');
    writeFileSync(file, text);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000, cwd: ROOT });
    assert.equal(r.status, 0, `node failed:\n${r.stderr}\n--- script ---\n${text}`);
    const { h, R } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { h: number[][]; R: number[][] };
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) assert.ok(Math.abs(R[i][j] - (j === i + 1 ? 1.02 : 0)) < 1e-6, `R[${i}][${j}] = ${R[i][j]}`);
    for (let t = 0; t < 6; t++) {
      assert.equal(h[t].indexOf(Math.max(...h[t])), t);
      assert.ok(Math.abs(h[t][t] - 0.9 * 1.02 ** t) < 1e-5);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TF.js in TypeScript: the edited file type-checks strictly against @tensorflow/tfjs', () => {
  const ts: typeof TS = load('typescript');
  const src = "import * as tf from '@tensorflow/tfjs';\n\nexport function build(): tf.Sequential {\n  const rnn = tf.layers.simpleRNN({ units: 6, inputShape: [null, 2] });\n  return tf.sequential({ layers: [rnn, tf.layers.simpleRNN({ units: 3 })] });\n}\n";
  let text = plan(src, 'typescript', { layerLine: 3 }).text;
  text = plan(text, 'typescript', at(text, 'units: 3'), { spec: 'orthogonal:1', seed: 2 }).text;
  assert.match(text, /initOrthogonal\(tf\.layers\.simpleRNN\(\{ units: 3 \}\), 1, 2\)/);
  const dir = path.join(ROOT, 'out', 'tmp-insert-ts');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const f = path.join(dir, 'model.ts');
    writeFileSync(f, text);
    const program = ts.createProgram([f], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [], skipLibCheck: true,
    });
    const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file && path.resolve(d.file.fileName) === f);
    assert.deepEqual(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')), [], text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CRLF files, decorators and a layer inside if __name__ == "__main__": the helper stays at module level', () => {
  const crlf = 'import torch\r\n\r\nclass M:\r\n    def __init__(self):\r\n        self.rnn = torch.nn.RNN(\r\n            2, 3)\r\n        x = 1\r\n';
  const p = planInsert({ text: crlf, languageId: 'python', generated: generateInitializer({ framework: 'pytorch', spec: 'chain' }), where: { layerLine: 4 } });
  const text = applyEdits(crlf, p.edits.map((e) => ({ ...e, text: e.text.replace(/\n/g, '\r\n') })));
  assert.equal(
    text.replace(/# Recurrent[\s\S]*?return rnn/, 'HELPER'),
    'import torch\r\n\r\n\r\nHELPER\r\n\r\n\r\nclass M:\r\n    def __init__(self):\r\n        self.rnn = torch.nn.RNN(\r\n            2, 3)\r\n        init_chain_(self.rnn, alpha=1.02)\r\n        x = 1\r\n',
  );
  const src = 'import torch\n\n\n@decorate\nclass M:\n    pass\n\n\nif __name__ == "__main__":\n    import sys\n    rnn = torch.nn.RNN(2, 3)\n';
  const a = plan(src, 'python', { layerLine: 10 }).text;
  assert.match(a, /^import torch\n\n\n# Recurrent Lens[\s\S]*\n    return rnn\n\n\n@decorate\nclass M:\n/);
  assert.match(a, /\n    import sys\n    rnn = torch\.nn\.RNN\(2, 3\)\n    init_chain_\(rnn, alpha=1\.02\)\n$/);
  // JS: the import after a 'use strict' directive, one blank line around the helper.
  const js = "'use strict';\n\nconst rnn = tf.layers.simpleRNN({ units: 4 });\n";
  assert.equal(
    plan(js, 'javascript', { layerLine: 2 }).text.replace(/\/\/ Recurrent[\s\S]*?\n}\n/, 'HELPER\n'),
    `'use strict';\n\n${TFJS_IMPORT}\n\nHELPER\n\nconst rnn = tf.layers.simpleRNN({ units: 4 });\ninitChain(rnn, 1.02);\n`,
  );
});
