import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrixValues, matrixView, recurrentInfo, transpose } from '../../src/core/recurrent';
import { summarizeTensors, resolveTensor } from '../../src/core/inspect';
import { Checkpoint, Tensor } from '../../src/core/tensor';

function tensor(name: string, shape: number[], fill?: (i: number) => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, dtype: 'float32', data: Float64Array.from({ length: n }, (_, i) => (fill ? fill(i) : i)) };
}

test('recurrent names are recognised only for square or gate-stacked matrices', () => {
  assert.equal(recurrentInfo(tensor('rnn.weight_hh_l0', [4, 4]), 'column')?.cell, 'rnn');
  assert.equal(recurrentInfo(tensor('rnn.weight_ih_l0', [4, 3]), 'column'), null);
  assert.equal(recurrentInfo(tensor('rnn.weight_hh_l0', [4, 3]), 'column'), null, 'not a multiple');
  assert.equal(recurrentInfo(tensor('model_weights/simple_rnn_1/simple_rnn_1/recurrent_kernel:0', [5, 5]), 'row')?.convention, 'row');
  assert.equal(recurrentInfo(tensor('W_hh', [3, 3]), 'column')?.n, 3);
  assert.equal(recurrentInfo(tensor('W_rec', [3, 3]), 'column')?.n, 3);
  assert.equal(recurrentInfo(tensor('b_hh', [3]), 'column'), null);
  assert.equal(recurrentInfo(tensor('weight_hh', [2, 2, 2]), 'column'), null);
});

test('Keras 3 .keras cells: vars/1 is the recurrent kernel (SimpleRNN, LSTM), vars/0 and vars/2 are not', () => {
  assert.equal(recurrentInfo(tensor('layers/simple_rnn/cell/vars/1', [32, 32]), 'row')?.n, 32);
  assert.deepEqual(recurrentInfo(tensor('layers/lstm/cell/vars/1', [8, 32]), 'row')?.gates, ['i', 'f', 'c', 'o']);
  assert.equal(recurrentInfo(tensor('layers/simple_rnn/cell/vars/0', [32, 32]), 'row'), null, 'the input kernel');
  assert.equal(recurrentInfo(tensor('layers/dense/vars/1', [9, 9]), 'row'), null, 'not in a cell');
  assert.equal(recurrentInfo(tensor('layers/simple_rnn/cell/vars/10', [4, 4]), 'row'), null);
});

test('PyTorch LSTM (4H×H) has gates i,f,g,o; GRU (3H×H) r,z,n', () => {
  const lstm = recurrentInfo(tensor('rnns.0.weight_hh_l0', [96, 24]), 'column')!;
  assert.deepEqual([lstm.n, lstm.cell, lstm.gates], [24, 'lstm', ['i', 'f', 'g', 'o']]);
  const gru = recurrentInfo(tensor('gru.weight_hh_l0', [30, 10]), 'column')!;
  assert.deepEqual([gru.n, gru.cell, gru.gates], [10, 'gru', ['r', 'z', 'n']]);
});

test('Keras LSTM recurrent_kernel (H×4H, row convention) has gates i,f,c,o after transposing', () => {
  const info = recurrentInfo(tensor('lstm/recurrent_kernel:0', [8, 32]), 'row')!;
  assert.deepEqual([info.n, info.cell, info.gates], [8, 'lstm', ['i', 'f', 'c', 'o']]);
});

test('row-convention matrices are shown transposed: a Keras chain R[i][i+1] becomes W[i+1][i]', () => {
  const n = 5;
  const R = tensor('recurrent_kernel', [n, n], (k) => (k % n === Math.floor(k / n) + 1 ? 1.02 : 0));
  const view = matrixView(R, 'row');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) assert.equal(view.data[i * n + j], i === j + 1 ? 1.02 : 0, `W[${i}][${j}]`);
  }
  assert.match(view.transform, /transposed/);
  assert.match(matrixView(R, 'column').transform, /as stored/);
});

test('gate blocks are row blocks of the column-convention matrix', () => {
  const H = 3;
  const torch = tensor('weight_hh_l0', [4 * H, H]);
  const g = matrixView(torch, 'column', 'g');
  assert.deepEqual([g.rows, g.cols], [H, H]);
  assert.deepEqual(Array.from(g.data), Array.from(torch.data.slice(2 * H * H, 3 * H * H)));
  // Keras stores (H, 4H): gate c is columns 2H..3H of R, i.e. rows 2H..3H of Rᵀ.
  const keras = tensor('recurrent_kernel', [H, 4 * H]);
  const c = matrixView(keras, 'row', 'c');
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < H; j++) assert.equal(c.data[i * H + j], keras.data[j * 4 * H + 2 * H + i]);
  }
  assert.throws(() => matrixView(torch, 'column', 'x'), /no gate "x"/);
});

test('matrixValues keeps the stored array type; matrixView widens only the matrix shown', () => {
  const H = 3;
  const f32 = (name: string, shape: number[]): Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, shape, dtype: 'float32', data: Float32Array.from({ length: n }, (_, i) => i / 4 - 1) };
  };
  const torch = f32('lstm.weight_hh_l0', [4 * H, H]);
  const whole = matrixValues(torch, 'column');
  assert.equal(whole.data, torch.data, 'stored as shown: the tensor\'s own values');
  const gate = matrixValues(torch, 'column', 'g');
  assert.ok(gate.data instanceof Float32Array && gate.data.buffer !== torch.data.buffer, 'a gate block is a float32 copy');
  const keras = f32('recurrent_kernel', [H, 4 * H]);
  const t = matrixValues(keras, 'row');
  assert.ok(t.data instanceof Float32Array);
  for (const [view, values] of [[matrixView(torch, 'column', 'g'), gate], [matrixView(keras, 'row'), t]] as const) {
    assert.ok(view.data instanceof Float64Array);
    assert.deepEqual(Array.from(view.data), Array.from(values.data));
    assert.equal(view.transform, values.transform);
  }
});

test('transpose handles non-square matrices beyond one cache block', () => {
  const rows = 70, cols = 130;
  const a = Float64Array.from({ length: rows * cols }, (_, k) => k);
  const t = transpose(a, rows, cols);
  for (const [i, j] of [[0, 0], [69, 129], [13, 77], [64, 64]]) assert.equal(t[j * rows + i], a[i * cols + j]);
});

test('summaries list recurrent matrices first; resolveTensor picks the only matrix or the only recurrent one', () => {
  const ckpt: Checkpoint = {
    file: 'x', format: 'npz', layout: 'column',
    tensors: [tensor('W_in', [4, 2]), tensor('weight_hh_l0', [4, 4]), tensor('bias', [4])],
  };
  assert.deepEqual(summarizeTensors(ckpt).map((t) => t.name), ['weight_hh_l0', 'W_in', 'bias']);
  assert.equal(resolveTensor(ckpt).name, 'weight_hh_l0');
  assert.equal(resolveTensor(ckpt, 'bias').name, 'bias');
  assert.throws(() => resolveTensor(ckpt, 'nope'), /no tensor named "nope"/);
});
