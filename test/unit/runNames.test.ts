// Names of runs and checkpoints, the curves' CSV, and the one learning-rate default shared by the trainer, the form
// (a suite test checks the form), the run-file schema and the docs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countRuns, differingFields, runLabels } from '../../src/runs/runNames';
import { curvesCsv } from '../../src/runs/curvesCsv';
import { parseRunFile } from '../../src/runs/runConfig';
import { checkpointDisplayName, idWithoutStamp } from '../../src/core/train/checkpoint';
import { CONFIG_DEFAULTS, DEFAULT_LR, resolveConfig, runId, type TrainConfig } from '../../src/core/train/config';
import type { RunConfig } from '../../src/shared/protocol';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** Runs as the run manager lists them: ids made by the trainer's runId at one start time. */
function runs(configs: RunConfig[], at = new Date('2026-12-04T16:30:00Z')): { id: string; config: RunConfig }[] {
  return configs.map((config) => ({ id: runId(resolveConfig(config as unknown as Record<string, unknown>) as TrainConfig, at), config }));
}

test('a sweep is named by the settings that differ, not by the shared timestamp', () => {
  const sweep = runs([
    { task: 'copy', T: 100, init: 'chain:1.02', lr: 3e-4, seed: 1 },
    { task: 'copy', T: 100, init: 'chain:1.02', lr: 3e-4, seed: 2 },
    { task: 'copy', T: 100, init: 'orthogonal:1', lr: 1e-3, seed: 2 },
  ]);
  assert.equal(sweep[0].id, '20261204-163000-copy100-chain-1.02-lr0.0003-s1');
  assert.deepEqual(differingFields(sweep.map((r) => r.config)), ['init', 'lr', 'seed']);
  const labels = runLabels(sweep);
  assert.deepEqual([...labels.values()], ['chain:1.02 · lr 3e-4 · seed 1', 'chain:1.02 · lr 3e-4 · seed 2', 'orthogonal:1 · lr 1e-3 · seed 2']);
});

test('defaults count as values: a run without lr differs from one with lr 1e-3, not from one with the default', () => {
  const r = runs([{ task: 'copy', T: 50 }, { task: 'copy', T: 50, lr: DEFAULT_LR }, { task: 'copy', T: 50, lr: 1e-3, seed: 1 }]);
  assert.deepEqual(differingFields(r.map((x) => x.config)), ['lr']);
  // The first two are alike (the same settings twice, started at other times): the start time tells them apart.
  const again = [r[0], { id: '20261204-170512-copy50-chain-1.02-lr0.0003-s1', config: r[1].config }, r[2]];
  assert.deepEqual([...runLabels(again).values()], ['lr 3e-4 · 16:30:00', 'lr 3e-4 · 17:05:12', 'lr 1e-3']);
});

test('tasks and lengths read as one word; psMNIST has no T; named runs keep their name', () => {
  const labels = runLabels(runs([
    { task: 'copy', T: 100, name: 'my demo' },
    { task: 'copy', T: 200 },
    { task: 'psmnist', N: 25 },
  ]));
  assert.deepEqual([...labels.values()], ['my demo', 'copy T200 · N 100', 'psmnist · N 25']);
  // One run alone: its main settings.
  assert.deepEqual([...runLabels(runs([{ task: 'addition', T: 150, seed: 3 }])).values()], ['addition T150 · chain:1.02 · lr 3e-4 · seed 3']);
  // Every run named: nothing to compute.
  assert.deepEqual([...runLabels(runs([{ task: 'copy', name: 'a' }, { task: 'copy', seed: 2, name: 'b' }])).values()], ['a', 'b']);
  assert.equal(countRuns(1), '1 run');
  assert.equal(countRuns(2), '2 runs');
});

test('a checkpoint is named by its run and update; other files keep their name', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-names-'));
  const id = '20261204-163000-copy100-chain-1.02-lr0.0003-s1';
  const model = path.join(root, '.recurrent-lens', 'runs', id, 'checkpoints', 'update-0006000', 'model.json');
  fs.mkdirSync(path.dirname(model), { recursive: true });
  assert.equal(idWithoutStamp(id), 'copy100-chain-1.02-lr0.0003-s1');
  // No config.json (a copied folder): the id without its time.
  assert.equal(checkpointDisplayName(model), 'copy100-chain-1.02-lr0.0003-s1 · update 6000');
  fs.writeFileSync(path.join(root, '.recurrent-lens', 'runs', id, 'config.json'), JSON.stringify({ task: 'copy', name: null }));
  assert.equal(checkpointDisplayName(model), 'copy100-chain-1.02-lr0.0003-s1 · update 6000');
  fs.writeFileSync(path.join(root, '.recurrent-lens', 'runs', id, 'config.json'), JSON.stringify({ task: 'copy', name: 'e2e demo' }));
  assert.equal(checkpointDisplayName(model), 'e2e demo · update 6000');
  fs.writeFileSync(path.join(root, '.recurrent-lens', 'runs', id, 'config.json'), '{ broken');
  assert.equal(checkpointDisplayName(model), 'copy100-chain-1.02-lr0.0003-s1 · update 6000');
  // Windows separators, and files outside run folders.
  assert.equal(checkpointDisplayName(`C:\\work\\.recurrent-lens\\runs\\${id}\\checkpoints\\update-0000040\\model.json`), 'copy100-chain-1.02-lr0.0003-s1 · update 40');
  assert.equal(checkpointDisplayName(path.join(root, 'models', 'model.json')), 'model.json');
  assert.equal(checkpointDisplayName('/data/runs/x/checkpoints/latest/model.json'), 'model.json');
});

test('curves CSV: one row per point, names quoted when needed, non-finite losses spelled out', () => {
  const s = (u: number[], l: number[]) => ({ update: Float64Array.from(u), loss: Float64Array.from(l) });
  const csv = curvesCsv([
    { id: 'a', label: 'seed 1', train: s([10, 20], [0.5, 0.25]), val: s([0, 20], [0.7, NaN]) },
    { id: 'b', label: 'x, "y"', train: s([10], [Infinity]), val: s([], []) },
  ]);
  assert.equal(csv, [
    'run_id,run,series,update,loss',
    'a,seed 1,train,10,0.5', 'a,seed 1,train,20,0.25', 'a,seed 1,val,0,0.7', 'a,seed 1,val,20,nan',
    'b,"x, ""y""",train,10,inf',
  ].join('\n') + '\n');
});

test('one learning-rate default: the trainer, run files, the JSON schema and the docs say 3e-4', () => {
  assert.equal(DEFAULT_LR, 3e-4);
  assert.equal(CONFIG_DEFAULTS.lr, DEFAULT_LR);
  assert.equal(resolveConfig({ task: 'copy' }).lr, DEFAULT_LR);
  assert.equal(parseRunFile('{"task": "copy", "T": 50}')[0].lr, DEFAULT_LR);
  const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'media', 'run-file.schema.json'), 'utf8'));
  const props = schema.definitions.run.properties;
  assert.equal(props.lr.anyOf[0].default, DEFAULT_LR);
  // Every default the schema states is the trainer's.
  for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) {
    if (value === null) continue;
    assert.equal(props[key].anyOf[0].default, value, `schema default of ${key}`);
  }
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'run-files.md'), 'utf8');
  assert.match(doc, /\| `lr` \| number \| `3e-4` \|/);
  for (const key of Object.keys(props)) assert.ok(doc.includes(`| \`${key}\` |`), `docs/run-files.md documents ${key}`);
  assert.match(fs.readFileSync(path.join(REPO, 'docs', 'cli.md'), 'utf8'), /`--lr` \(3e-4\)/);
  assert.match(fs.readFileSync(path.join(REPO, 'docs', 'training.md'), 'utf8'), /run-files\.md/);
});
