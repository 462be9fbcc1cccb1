// Plain metadata beside tensors (configs, epoch, args) read by the PyTorch reader's inert unpickler, its bounds
// against hostile pickles, and how the inspector groups many tensors and pairs a configs list with them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parsePytorch } from '../../src/core/readers/pytorch';
import { GROUP_MIN_TENSORS, groupTensors, outlineCheckpoint, summarizeTensors } from '../../src/core/inspect';
import { FormatError, MetaValue } from '../../src/core/tensor';
import { spawnSync } from 'node:child_process';
import { CLI, fixture } from './helpers';
import { f32, Pickle, torchZip } from './pickle';

function read(name: string) {
  const buf = fs.readFileSync(fixture(name));
  return parsePytorch(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/** A zip checkpoint of one pickle with a tensor `w` (storage 0) beside whatever `body` adds to the top dict. */
function withTensor(body: (p: Pickle) => void): Uint8Array {
  const p = new Pickle().proto().dict().str('w').tensor('0', 4, 0, [2, 2], [2, 1]).setitem();
  body(p);
  return torchZip(p.stop().bytes(), { 0: f32([1, 2, 3, 4]) });
}

function metaOf(bytes: Uint8Array) {
  const t0 = performance.now();
  const r = parsePytorch(bytes);
  return { ...r.metadata, ms: performance.now() - t0, tensors: r.tensors };
}

function value(entries: { name: string; value: MetaValue }[], name: string): MetaValue | undefined {
  return entries.find((e) => e.name === name)?.value;
}

// ---- the real sweep checkpoint (written by real PyTorch: test/fixtures/trained/make_sweep_checkpoint.py)

// The generator's loops, in its order: the truth for every configs item.
const INITS = ['chain', 'orthogonal', 'identity'], GAINS = [1.25, 1.4], LRS = [3e-4, 1e-3], SEEDS = [1, 2, 3];

test('sweep_36_rnns.pt: configs, epoch and args are read beside the 216 tensors, exactly as written', () => {
  const r = read('trained/sweep_36_rnns.pt');
  assert.equal(r.tensors.length, 216);
  assert.equal(r.metadata.truncated, false);
  assert.deepEqual(r.metadata.entries.map((e) => e.name), ['configs', 'epoch', 'args']);
  assert.equal(value(r.metadata.entries, 'epoch'), 60);
  assert.deepEqual({ ...(value(r.metadata.entries, 'args') as object) }, { task: 'copy', T: 30, batch_size: 16, optimizer: 'RMSprop', clip: 10 });
  const configs = value(r.metadata.entries, 'configs') as Record<string, MetaValue>[];
  assert.equal(configs.length, 36);
  configs.forEach((c, i) => {
    assert.deepEqual(Object.keys(c), ['init', 'gain', 'lr', 'seed', 'T', 'N', 'final_loss', 'spectral_radius']);
    assert.equal(c.init, INITS[Math.floor(i / 12)], `configs[${i}].init`);
    assert.equal(c.gain, GAINS[Math.floor(i / 6) % 2], `configs[${i}].gain`);
    assert.equal(c.lr, LRS[Math.floor(i / 3) % 2], `configs[${i}].lr`);
    assert.equal(c.seed, SEEDS[i % 3], `configs[${i}].seed`);
    assert.equal(c.T, 30);
    assert.equal(c.N, 100);
    assert.ok(typeof c.final_loss === 'number' && c.final_loss > 0 && Number.isFinite(c.final_loss), `configs[${i}].final_loss ${c.final_loss}`);
    assert.ok(typeof c.spectral_radius === 'number' && c.spectral_radius >= 1.29 && c.spectral_radius <= 1.71);
  });
});

test('sweep_36_rnns.pt: 36 groups state_dicts.N of 6 tensors, W first, each with its configs[N]; epoch and args at file level', () => {
  const r = read('trained/sweep_36_rnns.pt');
  const tensors = summarizeTensors({ file: 'x', format: r.format, layout: 'column', tensors: r.tensors });
  const outline = outlineCheckpoint(tensors.map((t) => t.name), r.metadata);
  assert.ok(outline.groups);
  assert.deepEqual(outline.groups.map((g) => g.name), Array.from({ length: 36 }, (_, i) => `state_dicts.${i}`));
  const g7 = outline.groups[7];
  assert.deepEqual(g7.tensors, ['rnn.weight_hh_l0', 'rnn.weight_ih_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'fc.weight', 'fc.bias']
    .map((n) => `state_dicts.7.${n}`));
  assert.equal(g7.metadata.length, 1);
  assert.equal(g7.metadata[0].label, 'configs[7]');
  assert.deepEqual({ ...(g7.metadata[0].value as object) },
    { ...(value(r.metadata.entries, 'configs') as MetaValue[])[7] as object });
  assert.equal((g7.metadata[0].value as Record<string, MetaValue>).lr, 3e-4);
  assert.equal((g7.metadata[0].value as Record<string, MetaValue>).seed, 2);
  assert.deepEqual(outline.fileMetadata.map((m) => m.label), ['epoch', 'args']);
  assert.deepEqual(outline.pairings, [{ list: 'configs', groups: 'state_dicts', count: 36 }]);
});

test('other real checkpoints: module settings and optimizer values are metadata, a plain state dict has none', () => {
  assert.deepEqual(read('torch_rnn_state_dict.pt').metadata, { entries: [], truncated: false });
  const lstm = read('generated/torch_lstm_legacy.pt').metadata.entries;
  assert.deepEqual(lstm.map((e) => e.name), ['model.lstm', 'model.head', 'epoch']);
  assert.equal((value(lstm, 'model.lstm') as Record<string, MetaValue>).hidden_size, 2);
  const nested = read('generated/torch_nested_checkpoint.pt').metadata.entries;
  assert.deepEqual({ ...(value(nested, 'config') as object) }, { hidden: 3, name: 'lstm' });
  assert.equal(((value(nested, 'optimizer') as Record<string, MetaValue>).param_groups as Record<string, MetaValue>[])[0].lr, 0.001);
  // Pickled modules: every LSTM layer's settings under its name, no tensors among them.
  const awd = read('torch_awd_lstm_model.pt').metadata.entries;
  assert.deepEqual(['0.rnns.0', '0.rnns.1', '0.rnns.2'].map((n) => (value(awd, n) as Record<string, MetaValue>).hidden_size), [24, 24, 16]);
});

// ---- grouping (pure)

test('groupTensors: only when it helps, by the first index that tells tensors apart', () => {
  const flat = ['rnn.weight_hh_l0', 'rnn.weight_ih_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'fc.weight', 'fc.bias'];
  assert.equal(groupTensors(flat), null, 'six tensors stay flat');
  const layers = (n: number, prefix = 'layers') => Array.from({ length: n }, (_, i) => [`${prefix}.${i}.attn.w`, `${prefix}.${i}.mlp.w`, `${prefix}.${i}.mlp.b`]).flat();
  assert.equal(groupTensors(layers(4)), null, `${12} tensors (< ${GROUP_MIN_TENSORS}) stay flat`);
  const big = ['embed.weight', ...layers(10), 'head.weight'];
  const groups = groupTensors(big)!;
  assert.deepEqual(groups.map((g) => g.name), Array.from({ length: 10 }, (_, i) => `layers.${i}`));
  assert.deepEqual(groups[3].tensors, ['layers.3.attn.w', 'layers.3.mlp.w', 'layers.3.mlp.b']);
  // An index that never varies does not split: `0.` (a one-model list) is skipped for `0.rnns.K`.
  const oneModel = groupTensors(layers(10, '0.rnns'))!;
  assert.deepEqual(oneModel.slice(0, 2).map((g) => g.name), ['0.rnns.0', '0.rnns.1']);
  // Indices only as the last component (a list of tensors) or one tensor per index: nothing to group.
  assert.equal(groupTensors(Array.from({ length: 40 }, (_, i) => `hidden.${i}`)), null);
  assert.equal(groupTensors(Array.from({ length: 40 }, (_, i) => `cells.${i}.w`)), null);
  // Order follows the names given (recurrent matrices first): a group appears where its first tensor is.
  const order = groupTensors(['b.1.w_hh', 'b.0.w_hh', ...layers(12, 'b').filter((n) => !n.endsWith('attn.w'))])!;
  assert.deepEqual(order.slice(0, 3).map((g) => g.name), ['b.1', 'b.0', 'b.2']);
});

test('outlineCheckpoint: a list pairs with groups only when lengths match; values inside a group stay with it', () => {
  const names = Array.from({ length: 30 }, (_, i) => [`runs.${i}.w`, `runs.${i}.b`]).flat();
  const entries = [
    { name: 'configs', value: Array.from({ length: 30 }, (_, i) => ({ seed: i })) },
    { name: 'losses', value: [1, 2, 3] },
    { name: 'runs.4.step', value: 99 },
    { name: 'best_loss', value: 0.25 },
  ];
  const o = outlineCheckpoint(names, { entries, truncated: false });
  assert.deepEqual(o.groups![4].metadata, [{ label: 'configs[4]', value: { seed: 4 } }, { label: 'runs.4.step', value: 99 }]);
  assert.deepEqual(o.fileMetadata.map((m) => m.label), ['losses', 'best_loss']);
  assert.deepEqual(o.pairings, [{ list: 'configs', groups: 'runs', count: 30 }]);
  // Flat files keep every value at file level.
  const flat = outlineCheckpoint(['a', 'b'], { entries, truncated: true });
  assert.equal(flat.groups, null);
  assert.equal(flat.fileMetadata.length, 4);
  assert.equal(flat.metadataTruncated, true);
});

// ---- hostile pickles: bounded, never a hang

test('a huge list is cut to 4096 items with a count of the rest, quickly', () => {
  const m = metaOf(withTensor((p) => {
    p.str('history').list().mark();
    for (let i = 0; i < 300_000; i++) p.raw(0x4b, i & 0xff);
    p.appends().setitem();
  }));
  const history = value(m.entries, 'history') as MetaValue[];
  assert.equal(history.length, 4097);
  assert.equal(history[4096], '… 295904 more');
  assert.equal(history[300], 300 & 0xff);
  assert.equal(m.truncated, true);
  assert.equal(m.tensors.length, 1, 'tensors are still read');
  assert.ok(m.ms < 3000, `took ${m.ms} ms`);
});

test('a long string is cut to 1000 characters; deep nesting is cut at 32 levels', () => {
  const m = metaOf(withTensor((p) => {
    p.str('note').str('x'.repeat(1_000_000)).setitem();
    p.str('deep');
    for (let i = 0; i < 200; i++) p.list();
    p.int(7);
    for (let i = 0; i < 200; i++) p.appendItem();
    p.setitem();
  }));
  assert.equal(value(m.entries, 'note'), 'x'.repeat(1000) + '…');
  let v = value(m.entries, 'deep');
  let depth = 0;
  while (Array.isArray(v)) { v = v[0]; depth++; }
  assert.equal(depth, 32);
  assert.equal(v, '… nested deeper');
  assert.equal(m.truncated, true);
});

test('shared sub-lists (2^40 values when expanded) and cycles neither hang nor grow without bound', () => {
  const m = metaOf(withTensor((p) => {
    p.str('bomb').int(1).put(0).raw(0x30);
    // L[i] = [L[i-1], L[i-1]] through the memo; POP leaves only the last one on the stack.
    for (let i = 1; i <= 40; i++) p.mark().get(i - 1).get(i - 1).raw(0x6c).put(i).raw(...(i < 40 ? [0x30] : []));
    p.setitem();
    p.str('cycle').list().put(100).get(100).appendItem().setitem();
  }));
  const count = (v: MetaValue): number => (Array.isArray(v) ? v.reduce<number>((s, x) => s + count(x), 1) : 1);
  const bomb = value(m.entries, 'bomb')!;
  // The budget, plus one `… more values` marker per level still open when it ran out.
  assert.ok(count(bomb) <= 50_000 + 41, `kept ${count(bomb)} values`);
  assert.equal(m.truncated, true);
  assert.equal(value(m.entries, 'cycle'), undefined, 'a list that contains itself is not plain metadata');
  assert.ok(m.ms < 3000, `took ${m.ms} ms`);
});

test('odd values: NaN/inf as strings, bytes and numpy scalars named, Namespace objects as dicts, __proto__ stays data', () => {
  const m = metaOf(withTensor((p) => {
    p.str('best_loss').float(NaN).setitem();
    p.str('limits').mark().float(Infinity).float(-Infinity).bool(true).none().raw(0x74).setitem();
    p.str('blob').raw(0x43, 3, 1, 2, 3).setitem();
    p.str('np').global('numpy.core.multiarray', 'scalar').mark().none().raw(0x43, 1, 0).raw(0x74).reduce().setitem();
    // argparse.Namespace(lr=0.01, name='run'): NEWOBJ of an inert class, then BUILD with its __dict__.
    p.str('args').global('argparse', 'Namespace').raw(0x29, 0x81).dict().str('lr').float(0.01).setitem().str('name').str('run').setitem().raw(0x62).setitem();
    p.str('evil').dict().str('__proto__').dict().str('polluted').bool(true).setitem().setitem().setitem();
  }));
  assert.equal(value(m.entries, 'best_loss'), 'nan');
  assert.deepEqual(value(m.entries, 'limits'), ['inf', '-inf', true, null]);
  assert.equal(value(m.entries, 'blob'), '<3 bytes>');
  assert.equal(value(m.entries, 'np'), '<numpy scalar>');
  assert.deepEqual({ ...(value(m.entries, 'args') as object) }, { lr: 0.01, name: 'run' });
  const evil = value(m.entries, 'evil') as Record<string, MetaValue>;
  assert.ok(Object.prototype.hasOwnProperty.call(evil, '__proto__'), '__proto__ is an own key');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(JSON.parse(JSON.stringify(evil)).__proto__.polluted, true);
  assert.equal(m.truncated, false);
});

test('metadata never weakens the global policy: a refused global beside configs still refuses the file', () => {
  assert.throws(() => parsePytorch(withTensor((p) => {
    p.str('configs').global('os', 'system').mark().str('echo hi').raw(0x74).reduce().setitem();
  })), (err: unknown) => err instanceof FormatError && /refused pickle global os\.system/.test(err.message));
});

test('inspect --json: metadata and groups of the sweep, existing fields unchanged', () => {
  const r = spawnSync(process.execPath, [CLI, 'inspect', fixture('trained/sweep_36_rnns.pt'), '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['file', 'format', 'tensors', 'recurrent', 'metadata', 'metadata_truncated', 'groups']);
  assert.equal(out.tensors.length, 216);
  assert.deepEqual(out.metadata.map((e: { name: string }) => e.name), ['configs', 'epoch', 'args']);
  assert.equal(out.metadata[1].value, 60);
  assert.equal(out.metadata_truncated, false);
  assert.equal(out.groups.length, 36);
  assert.deepEqual(out.groups[7].metadata[0], { label: 'configs[7]', value: out.metadata[0].value[7] });
  // Formats without pickles: no metadata, a flat table.
  const npy = JSON.parse(spawnSync(process.execPath, [CLI, 'inspect', fixture('matrix_f32.npy'), '--json'], { encoding: 'utf8' }).stdout);
  assert.deepEqual([npy.metadata, npy.metadata_truncated, npy.groups], [[], false, null]);
});
