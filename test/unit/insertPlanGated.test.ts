// "Insert Initializer Code" on LSTM / GRU layers (src/core/init/insertPlan.ts with the per-gate-block code of
// src/core/init/gatedCodegen.ts): the layers are found with their cell, the edits are planned, and the edited
// files run: PyTorch with Debian's torch, TF.js with @tensorflow/tfjs in node; Keras parsed (no TensorFlow here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { generateInitializer, type CodegenOptions } from '../../src/core/init/codegen';
import { applyEdits, findLayers, planInsert, type PlanWhere } from '../../src/core/init/insertPlan';
import { gatedTorchWeight, initGatedRecurrent } from '../../src/core/init/gated';
import { ROOT } from './helpers';

const PYTHON = '/usr/bin/python3';

function edit(text: string, languageId: string, where: PlanWhere, opts: Partial<CodegenOptions>): { text: string; applied?: string; replaced: boolean } {
  const generated = generateInitializer({ framework: languageId === 'python' ? 'pytorch' : 'tfjs', spec: 'mixed:1.02', cell: 'lstm', ...opts });
  const p = planInsert({ text, languageId, generated, where });
  return { text: applyEdits(text, p.edits), applied: p.applied, replaced: p.replaced };
}

function lineOf(text: string, needle: string): PlanWhere {
  const line = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `no line with ${needle}`);
  return { layerLine: line };
}

const MODEL_PY = `import torch
from torch import nn


class Model(nn.Module):
    def __init__(self, d=2, n=5):
        super().__init__()
        self.rnn = nn.RNN(d, n, batch_first=True)
        self.lstm = nn.LSTM(d, n,
                            num_layers=2, batch_first=True)
        self.gru = torch.nn.GRU(d, n, batch_first=True)
`;

test('layers are found with their cell: nn.RNN / nn.LSTM / nn.GRU, Keras SimpleRNN / LSTM / GRU, tf.layers.lstm / gru', () => {
  assert.deepEqual(findLayers(MODEL_PY, 'python').map((s) => [s.line, s.framework, s.cell, s.target]), [
    [7, 'pytorch', 'rnn', 'self.rnn'], [8, 'pytorch', 'lstm', 'self.lstm'], [10, 'pytorch', 'gru', 'self.gru'],
  ]);
  const keras = 'from tensorflow import keras\nfrom keras.layers import GRU\nx = keras.layers.LSTM(8, return_sequences=True)(x)\ny = GRU(4)(x)\nz = keras.layers.ConvLSTM2D(3, 3)(x)\nc = keras.layers.LSTMCell(3)\n';
  assert.deepEqual(findLayers(keras, 'python').map((s) => [s.line, s.framework, s.cell]), [[2, 'keras', 'lstm'], [3, 'keras', 'gru']]);
  const js = 'const a = tf.layers.lstm({ units: 4 });\nconst b = tf.layers.gru({ units: 4 });\nconst c = lstm(3);\n';
  assert.deepEqual(findLayers(js, 'javascript').map((s) => [s.line, s.cell, s.target]), [[0, 'lstm', 'a'], [1, 'gru', 'b']]);
  // The code must be for the layer's cell.
  assert.throws(() => edit(MODEL_PY, 'python', lineOf(MODEL_PY, 'nn.RNN('), {}), /the layer on line 8 is nn\.RNN\(…\), not nn\.LSTM\(…\)/);
  assert.throws(() => edit(MODEL_PY, 'python', lineOf(MODEL_PY, 'nn.LSTM('), { cell: 'rnn', spec: 'chain' }), /is nn\.LSTM\(…\), not nn\.RNN\(…\)/);
});

test('PyTorch: the call after the nn.LSTM / nn.GRU statement, replaced on a re-run; the edited file runs with torch and has initGatedRecurrent\'s blocks', () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing (apt-get install python3-torch, as .ci/run does)`);
  let r = edit(MODEL_PY, 'python', lineOf(MODEL_PY, 'nn.LSTM('), { spec: 'chain:1.1' });
  assert.equal(r.applied, 'init_lstm_chain_(self.lstm, alpha=1.1)');
  r = edit(r.text, 'python', lineOf(r.text, 'nn.LSTM('), { spec: 'mixed:1.02' });
  assert.ok(r.replaced, 'the earlier call is replaced');
  assert.match(r.text, /num_layers=2, batch_first=True\)\n {8}init_lstm_mixed_\(self\.lstm, alpha=1\.02\)\n/);
  assert.doesNotMatch(r.text, /init_lstm_chain_\(self/);
  r = edit(r.text, 'python', lineOf(r.text, 'nn.GRU('), { cell: 'gru', spec: 'mixed:0.9' });
  const text = r.text;
  const check = String.raw`

import json
torch.manual_seed(0)
m = Model()
print(json.dumps({"lstm0": m.lstm.weight_hh_l0.detach().double().flatten().tolist(),
                  "lstm1": m.lstm.weight_hh_l1.detach().double().flatten().tolist(),
                  "gru": m.gru.weight_hh_l0.detach().double().flatten().tolist()}))
`;
  const run = spawnSync(PYTHON, ['-c', text + check], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `python failed:\n${run.stderr}\n--- script ---\n${text}`);
  const out = JSON.parse(run.stdout) as Record<string, number[]>;
  const close = (a: number[], b: Float64Array) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-7);
  assert.ok(close(out.lstm0, gatedTorchWeight('mixed:1.02', 'lstm', 5, 0)), 'LSTM layer 0');
  assert.ok(close(out.lstm1, gatedTorchWeight('mixed:1.02', 'lstm', 5, 0)), 'LSTM layer 1');
  assert.ok(close(out.gru, gatedTorchWeight('mixed:0.9', 'gru', 5, 0)), 'GRU');
});

test('Keras: LSTM( gets recurrent_initializer= only (replaced on a re-run); the file still parses', () => {
  const src = 'from tensorflow import keras\n\ninputs = keras.Input(shape=(None, 2))\nx = keras.layers.LSTM(8, return_sequences=True)(inputs)\n';
  let r = edit(src, 'python', { layerLine: 3 }, { framework: 'keras', spec: 'chain:1.02' });
  assert.equal(r.applied, 'recurrent_initializer=LstmChainInit(alpha=1.02)');
  assert.match(r.text, /keras\.layers\.LSTM\(8, return_sequences=True, recurrent_initializer=LstmChainInit\(alpha=1\.02\)\)\(inputs\)/);
  assert.doesNotMatch(r.text, /kernel_initializer/);
  r = edit(r.text, 'python', lineOf(r.text, 'layers.LSTM('), { framework: 'keras', spec: 'mixed' });
  assert.ok(r.replaced);
  assert.match(r.text, /LSTM\(8, return_sequences=True, recurrent_initializer=LstmMixedInit\(alpha=1\.02\)\)/);
  assert.match(r.text, /^import numpy as np\nimport tensorflow as tf\n/m);
  assert.match(r.text, /^class LstmMixedInit\(keras\.initializers\.Initializer\):/m);
  if (existsSync(PYTHON)) {
    const p = spawnSync(PYTHON, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: r.text, encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
  }
});

test('TF.js: the edited script with tf.layers.lstm and tf.layers.gru runs in node; recurrentKernel is initGatedRecurrent\'s', () => {
  const src = [
    "const tf = require('@tensorflow/tfjs');",
    '',
    'const lstm = tf.layers.lstm({ units: 5, inputShape: [null, 2], returnSequences: true });',
    'const gru = tf.layers.gru({ units: 5, returnSequences: true });',
    'tf.sequential({ layers: [lstm, gru] });',
    'console.log(JSON.stringify({ lstm: Array.from(lstm.getWeights()[1].dataSync()), gru: Array.from(gru.getWeights()[1].dataSync()) }));',
    '',
  ].join('\n');
  let { text } = edit(src, 'javascript', { layerLine: 2 }, { spec: 'mixed:1.02' });
  text = edit(text, 'javascript', lineOf(text, 'tf.layers.gru('), { cell: 'gru', spec: 'fbchain:0.07' }).text;
  assert.match(text, /^initLstmMixed\(lstm, 1\.02\);$/m);
  assert.match(text, /^initGruFbChain\(gru, 0\.07\);$/m);
  const dir = path.join(ROOT, 'out', 'tmp-insert-gated-tfjs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const file = path.join(dir, 'script.js');
    writeFileSync(file, text);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000, cwd: ROOT });
    assert.equal(r.status, 0, `node failed:\n${r.stderr}\n--- script ---\n${text}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { lstm: number[]; gru: number[] };
    assert.deepEqual(out.lstm, Array.from(initGatedRecurrent('mixed:1.02', 'lstm', 5, 0)));
    assert.deepEqual(out.gru, Array.from(initGatedRecurrent('fbchain:0.07', 'gru', 5, 0)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
