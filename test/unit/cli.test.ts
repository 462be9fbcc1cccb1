import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI, close, fixture, manifest } from './helpers';
import { parseNpy } from '../../src/core/readers/npy';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const M = manifest();
const good = Object.keys(M).filter((k) => k !== 'bad/');

for (const name of good) {
  test(`inspect --json ${name} lists every tensor and the recurrent matrices`, () => {
    const r = cli('inspect', fixture(name), '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one JSON object on one line');
    const out = JSON.parse(r.stdout);
    assert.equal(out.file, fixture(name));
    assert.deepEqual(Object.keys(out), ['file', 'format', 'tensors', 'recurrent', 'metadata', 'metadata_truncated', 'groups']);
    const entry = M[name];
    // Tensors inside pickled objects are named by their position in the saved list (`0.` prefix).
    const prefix = name === 'torch_awd_lstm_model.pt' ? '0.' : '';
    const byName = new Map<string, { shape: number[]; min: number; max: number; nan: number }>(
      out.tensors.map((t: { name: string }) => [t.name, t]));
    for (const [tname, spec] of Object.entries(entry.tensors)) {
      const t = byName.get(prefix + tname);
      assert.ok(t, `${prefix + tname} listed`);
      assert.deepEqual(t.shape, spec.shape);
      assert.equal(t.nan, 0);
    }
    for (const t of out.tensors) {
      assert.deepEqual(Object.keys(t), ['name', 'shape', 'dtype', 'min', 'max', 'mean', 'std', 'nan', 'inf', 'zeros']);
    }
    if (entry.recurrent) {
      assert.deepEqual(out.recurrent.map((r: { name: string }) => r.name), entry.recurrent.map((n) => prefix + n));
      for (const rec of out.recurrent) {
        assert.deepEqual(Object.keys(rec), ['name', 'n', 'convention', 'gates']);
        assert.equal(rec.convention, name.endsWith('.h5') ? 'row' : 'column');
      }
    }
  });
}

test('inspect --json reports the LSTM gates of the awd-lstm checkpoint', () => {
  const out = JSON.parse(cli('inspect', fixture('torch_awd_lstm_model.pt'), '--json').stdout);
  const rec = out.recurrent.find((r: { name: string }) => r.name === '0.rnns.0.weight_hh_l0');
  assert.deepEqual(rec, { name: '0.rnns.0.weight_hh_l0', n: 24, convention: 'column', gates: ['i', 'f', 'g', 'o'] });
});

for (const bad of M['bad/'].files) {
  test(`bad file ${bad}: exit 2 and one line "recurrent-lens: <file>: <problem>"`, () => {
    const file = fixture(`bad/${bad}`);
    const r = cli('inspect', file, '--json');
    assert.equal(r.status, 2, `stdout: ${r.stdout}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith(`recurrent-lens: ${file}: `), lines[0]);
    assert.ok(lines[0].length > `recurrent-lens: ${file}: `.length + 5, 'names a problem');
  });
}

test('export writes the Keras chain in column convention: W[i][i-1] = 1.02', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-export-'));
  try {
    const out = path.join(dir, 'W.npy');
    const r = cli('export', fixture('keras_copy_chain.h5'), '--tensor', 'model_weights/simple_rnn_1/simple_rnn_1/recurrent_kernel:0', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(dir), ['W.npy'], 'nothing else written');
    const W = parseNpy(new Uint8Array(readFileSync(out)));
    assert.deepEqual(W.shape, [32, 32]);
    for (let i = 0; i < 32; i++) {
      for (let j = 0; j < 32; j++) {
        const expected = i === j + 1 ? Math.fround(1.02) : 0;
        assert.equal(W.data[i * 32 + j], expected, `W[${i}][${j}]`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('export of an LSTM gate and of a lone .npy matrix without --tensor', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-export-'));
  try {
    const gate = path.join(dir, 'g.npy');
    let r = cli('export', fixture('torch_awd_lstm_model.pt'), '--tensor', '0.rnns.0.weight_hh_l0', '--gate', 'g', '--out', gate);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(parseNpy(new Uint8Array(readFileSync(gate))).shape, [24, 24]);
    const single = path.join(dir, 'm.npy');
    r = cli('export', fixture('matrix_f64_fortran.npy'), '--out', single);
    assert.equal(r.status, 0, r.stderr);
    const m = parseNpy(new Uint8Array(readFileSync(single)));
    assert.ok(close(Array.from(m.data).reduce((a, b) => a + b, 0), M['matrix_f64_fortran.npy'].tensors[''].sum));
    assert.equal(m.dtype, 'float64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('export errors: unknown tensor, ambiguous file, unwritable output', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-export-'));
  try {
    let r = cli('export', fixture('weights.npz'), '--tensor', 'nope', '--out', path.join(dir, 'x.npy'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^recurrent-lens: .*weights\.npz: no tensor named "nope"/);
    r = cli('export', fixture('torch_rnn_state_dict.pt'), '--tensor', 'rnn.weight_hh_l0', '--out', path.join(dir, 'missing', 'x.npy'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^recurrent-lens: .*x\.npy: cannot write \(ENOENT\)\n$/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 with one line', () => {
  for (const args of [['frobnicate'], ['inspect'], ['inspect', 'x.npy', '--bogus'], ['export', fixture('matrix_f32.npy')]]) {
    const r = cli(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  }
  const missing = cli('inspect', '/nonexistent/file.npy');
  assert.match(missing.stderr, /^recurrent-lens: \/nonexistent\/file\.npy: /);
});

test('names with control characters are printed escaped (no escape sequences reach the terminal); --json keeps them exact', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cli-names-'));
  try {
    // A safetensors file built by hand: 8-byte header length, JSON header, data.
    const names = ['a\x1b[31mred\x1b[0m', 'b\x07bell\nnl\u202etxt'];
    const header: Record<string, unknown> = {};
    names.forEach((n, i) => { header[n] = { dtype: 'F32', shape: [2], data_offsets: [8 * i, 8 * i + 8] }; });
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const data = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
    const file = path.join(dir, 'names.safetensors');
    writeFileSync(file, Buffer.concat([len, json, data]));

    const text = cli('inspect', file);
    assert.equal(text.status, 0, text.stderr);
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(text.stdout), `no raw control characters: ${JSON.stringify(text.stdout)}`);
    assert.match(text.stdout, /^ {2}a\\x1b\[31mred\\x1b\[0m {2}\[2\] float32/m);
    assert.match(text.stdout, /^ {2}b\\x07bell\\nnl\\u202etxt {2}\[2\] float32/m);
    assert.equal(text.stdout.trimEnd().split('\n').length, 3, 'a line per tensor');

    const asJson = cli('inspect', file, '--json');
    assert.deepEqual(JSON.parse(asJson.stdout).tensors.map((t: { name: string }) => t.name).sort(), [...names].sort());

    const missing = cli('export', file, '--tensor', 'no\x1b[2Jsuch', '--out', path.join(dir, 'x.npy'));
    assert.equal(missing.status, 2);
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(missing.stderr.trimEnd()), JSON.stringify(missing.stderr));
    assert.equal(missing.stderr.trimEnd().split('\n').length, 1, 'one line');
    assert.match(missing.stderr, /no\\x1b\[2Jsuch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
