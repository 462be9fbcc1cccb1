import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { SweepFile } from '../../src/sweeps/types';
import { PRESETS, readSweepFile, resolveSweep, SweepError, taskBaseline, TRAINER_FIELDS } from '../../src/sweeps/spec';
import { LR_GRID } from '../../src/runs/runConfig';
import { CONFIG_DEFAULTS, resolveConfig } from '../../src/core/train/config';
import { ROOT } from './helpers';

const resolve = (file: object, source?: string) => resolveSweep(file as SweepFile, { id: 'test', now: new Date('2026-12-05T00:00:00Z'), source });

function counts(s: ReturnType<typeof resolve>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of s.members) out[m.group] = (out[m.group] ?? 0) + 1;
  return out;
}

test('paper:copy is the paper grid: 462 chain, 462 fbchain, 594 orthogonal, 594 identity runs; T 500; 100 epochs', () => {
  const s = resolve({ preset: 'paper:copy' });
  assert.deepEqual(s.groups, ['chain', 'fbchain', 'orthogonal', 'identity']);
  assert.deepEqual(counts(s), { chain: 462, fbchain: 462, orthogonal: 594, identity: 594 });
  assert.equal(s.members.length, 2112);
  const gains = (g: string) => [...new Set(s.members.filter((m) => m.group === g).map((m) => m.gain))];
  assert.deepEqual(gains('chain'), [0.99, 1, 1.01, 1.02, 1.03, 1.04, 1.05]);
  assert.deepEqual(gains('fbchain'), [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]);
  assert.deepEqual(gains('orthogonal'), [0.01, 0.96, 0.99, 1, 1.01, 1.02, 1.03, 1.04, 1.05]);
  assert.deepEqual([...new Set(s.members.map((m) => m.lr))], [...LR_GRID]);
  assert.deepEqual([...new Set(s.members.map((m) => m.seed))], [1, 2, 3, 4, 5, 6]);
  const c = s.members[0].config;
  assert.equal(c.task, 'copy');
  assert.equal(c.T, 500);
  assert.equal(c.N, 100);
  assert.equal(c.batch, 16);
  assert.equal(c.updates, 100 * 3750, '100 epochs of floor(60000 / 16) updates');
  assert.equal(c.activation, 'elu');
  assert.ok(Math.abs(s.baseline! - (10 * Math.log(8)) / 500) < 1e-12);
  assert.equal(s.members[7].name, '0007-chain-0.99-lr5e-4-s2');
  assert.equal(s.members[2111].name, '2111-identity-1.05-lr3e-6-s6');
  assert.equal(new Set(s.members.map((m) => m.name)).size, 2112, 'names are unique');
  assert.deepEqual(s.members.map((m) => m.index), s.members.map((_, i) => i));
});

test('paper:addition and paper:psmnist: same grid, their task setup', () => {
  const a = resolve({ preset: 'paper:addition' });
  assert.equal(a.members.length, 2112);
  assert.equal(a.members[0].config.T, 750);
  assert.equal(a.members[0].config.activation, 'relu');
  assert.equal(a.baseline, 1 / 6);
  const p = resolve({ preset: 'paper:psmnist' });
  assert.equal(p.members.length, 2112);
  assert.equal(p.members[0].config.N, 25);
  assert.equal(p.members[0].config.T, 784);
  assert.ok(Math.abs(p.baseline! - Math.log(10)) < 1e-12);
});

test('quick:copy: 16 runs, T 100, 2000 updates, lr 2e-4, other fields at the run-file defaults', () => {
  const s = resolve({ preset: 'quick:copy' });
  assert.deepEqual(s.groups, ['chain:1.02', 'orthogonal:1.0']);
  assert.deepEqual(counts(s), { 'chain:1.02': 8, 'orthogonal:1.0': 8 });
  for (const m of s.members) {
    assert.deepEqual(m.config, resolveConfig({ task: 'copy', T: 100, N: 100, updates: 2000, init: m.init, lr: 2e-4, seed: m.seed }));
    assert.equal(m.config.batch, CONFIG_DEFAULTS.batch);
  }
  assert.equal(s.members[9].name, '0009-orthogonal-1.0-lr2e-4-s2');
  assert.equal(s.members[9].gain, 1);
  assert.ok(Math.abs(taskBaseline(s.members[0].config)! - (10 * Math.log(8)) / 100) < 1e-12);
});

test('a file overrides its preset; updates replaces the preset epochs; trainer fields pass through to every member', () => {
  const s = resolve({ preset: 'paper:copy', T: 100, updates: 50, seeds: [3, 9], lrs: [1e-4], inits: [{ name: 'chain', gains: [1.0, 1.02] }], eval_every: 25, val_size: 64 });
  assert.equal(s.members.length, 4);
  assert.deepEqual(s.members.map((m) => [m.init, m.seed]), [['chain:1', 3], ['chain:1', 9], ['chain:1.02', 3], ['chain:1.02', 9]]);
  for (const m of s.members) {
    assert.equal(m.config.updates, 50);
    assert.equal(m.config.T, 100);
    assert.equal(m.config.eval_every, 25);
    assert.equal(m.config.val_size, 64);
    assert.equal(m.group, 'chain');
  }
  const e = resolve({ task: 'addition', T: 50, inits: ['identity:1.0'], epochs: 3, train_size: 100, batch: 16 });
  assert.equal(e.members[0].config.updates, 3 * 6, 'floor(100 / 16) = 6 updates per epoch');
  const d = resolve({ task: 'copy', T: 30, inits: ['chain'] });
  assert.equal(d.members.length, 1);
  assert.equal(d.members[0].config.lr, CONFIG_DEFAULTS.lr);
  assert.equal(d.members[0].config.seed, 1);
});

test('sweep errors: one line naming the file and the field', () => {
  const bad: [object, RegExp][] = [
    [{ preset: 'paper:cpy' }, /unknown preset "paper:cpy" \(known: paper:copy, paper:addition, paper:psmnist, quick:copy\)/],
    [{ task: 'copy', inits: [] }, /"inits" is empty/],
    [{ task: 'copy' }, /"inits" is missing/],
    [{ task: 'copy', inits: ['chain'], lrs: [] }, /"lrs" is empty/],
    [{ task: 'copy', inits: ['chain'], seeds: 0 }, /"seeds" must be a count/],
    [{ task: 'copy', inits: ['chian:1.0'] }, /"inits"\[0\]: unknown initializer "chian"/],
    [{ task: 'copy', inits: [{ name: 'chain', gains: [] }] }, /inits\[0\]\.gains" is empty/],
    [{ task: 'copy', inits: ['chain'], T: 10 }, /T must be a whole number from 21/],
    [{ task: 'copy', inits: ['chain'], lrr: 1e-4 }, /unknown field "lrr" \(known: preset, name, inits, lrs, seeds, updates, epochs, and the trainer fields/],
    [{ task: 'copy', inits: ['chain'], lr: 1e-4 }, /"lr" is set per run in a sweep: give "lrs"/],
    [{ task: 'copy', inits: ['chain'], updates: 10, epochs: 2 }, /not both/],
    [{ task: 'copy', inits: ['chain'], lrs: [20] }, /lr must be a positive learning rate below 10, got 20/],
    [{ task: 'copy', inits: ['chain', 'chain'] }, /lists "chain" twice/],
  ];
  for (const [file, re] of bad) {
    assert.throws(() => resolve(file, 'my.sweep.json'), (e: Error) => {
      assert.ok(e instanceof SweepError, `${JSON.stringify(file)}: ${e}`);
      assert.ok(e.message.startsWith('my.sweep.json: '), e.message);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});

test('readSweepFile: a missing file and bad JSON name the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-sweepspec-'));
  try {
    const f = path.join(dir, 'a.sweep.json');
    await assert.rejects(readSweepFile(f), (e: Error) => e instanceof SweepError && e.message === `${f}: cannot read (ENOENT)`);
    writeFileSync(f, '{"task": ');
    await assert.rejects(readSweepFile(f), (e: Error) => e instanceof SweepError && e.message.startsWith(`${f}: not valid JSON`));
    writeFileSync(f, JSON.stringify({ task: 'copy', T: 30, inits: ['chain:1.02'], seeds: 2 }));
    assert.equal(resolve(await readSweepFile(f), f).members.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sweep.schema.json: every sweep field and trainer field, the presets; *.sweep.json is validated', () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'media', 'sweep.schema.json'), 'utf8'));
  assert.deepEqual(schema.properties.preset.enum, Object.keys(PRESETS));
  for (const k of [...TRAINER_FIELDS, 'inits', 'lrs', 'seeds', 'updates', 'epochs', 'name']) assert.ok(schema.properties[k], k);
  assert.equal(schema.additionalProperties, false);
  for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) {
    if (value === null || !(TRAINER_FIELDS as readonly string[]).includes(key)) continue;
    assert.equal(schema.properties[key].default, value, `schema default of ${key}`);
  }
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.ok(pkg.contributes.jsonValidation.some((v: { fileMatch: string[]; url: string }) => v.fileMatch.includes('*.sweep.json') && v.url === './media/sweep.schema.json'));
});

test('LSTM / GRU language-model sweeps: cell, file (relative to the sweep file), per-gate-block inits and families, the trainer\'s LM defaults', () => {
  const s = resolve({ task: 'charlm', cell: 'gru', file: 'texts/a.txt', max_chars: 5000, inits: [{ name: 'mixed', gains: [1, 1.02] }, 'plain', 'orthogonal:1.0'], seeds: 2 },
    path.join('/data', 'grids', 'gru.sweep.json'));
  assert.deepEqual(s.groups, ['mixed', 'plain', 'orthogonal:1.0']);
  assert.deepEqual(s.members.map((m) => [m.init, m.gain]), [['mixed:1', 1], ['mixed:1', 1], ['mixed:1.02', 1.02], ['mixed:1.02', 1.02], ['plain', 1], ['plain', 1], ['orthogonal:1.0', 1], ['orthogonal:1.0', 1]]);
  assert.equal(s.baseline, null);
  for (const m of s.members) {
    assert.deepEqual(m.config, resolveConfig({ task: 'charlm', cell: 'gru', file: '/data/grids/texts/a.txt', max_chars: 5000, init: m.init, seed: m.seed }));
  }
  assert.equal(s.members[0].config.optimizer, 'adam');
  assert.equal(s.members[0].config.lr, 2e-3);
  assert.equal(s.members[0].config.N, 256);
  // a vanilla language model takes the paper's inits and plain
  const v = resolve({ task: 'charlm', inits: ['chain:1.02', 'plain'], updates: 10 });
  assert.deepEqual(v.members.map((m) => m.config.init), ['chain:1.02', 'plain']);
  assert.ok(TRAINER_FIELDS.includes('cell') && TRAINER_FIELDS.includes('file') && TRAINER_FIELDS.includes('max_chars') && TRAINER_FIELDS.includes('optimizer'));
});
