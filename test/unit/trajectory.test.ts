// `recurrent-lens trajectory RUN_DIR`: every checkpoint of real training runs analysed as `analyze` analyses it on
// its own, the distance from W₀, the paper's chain-motif procedure, validation losses, and the per-checkpoint cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chainMotif } from '../../src/core/analysis/motif';
import { TRAJECTORY_VERSION } from '../../src/core/analysis/trajectory';
import { checkpointName, checkpointSchedule, readTrainingCheckpoint, scheduledCheckpoints } from '../../src/core/train/checkpoint';
import { resolveConfig } from '../../src/core/train/config';
import { runTrajectory, TRAJECTORY_CACHE } from '../../src/runs/trajectory';
import { CLI } from './helpers';
import { trainRun } from './trainRun';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-traj-'));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

function json(...args: string[]) {
  const r = cli(...args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function metrics(dir: string): { update: number; val_loss?: number }[] {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('an orthogonal run trained with the CLI: d = 0 at update 0, > 0 at the end; every entry equals `analyze` of that checkpoint exported on its own', async () => {
  const dir = path.join(tmp(), 'orth');
  const train = cli('train', '--run-dir', dir, '--task', 'copy', '--T', '30', '--N', '32', '--init', 'orthogonal:1.0', '--lr', '1e-3',
    '--updates', '300', '--checkpoint-every', '100', '--eval-every', '100', '--val-size', '64', '--train-size', '1000', '--threads', '1', '--quiet');
  assert.equal(train.status, 0, train.stderr);
  const t = json('trajectory', dir, '--json');
  assert.equal(t.run, dir);
  assert.equal(t.n, 32);
  assert.equal(t.initial, 'checkpoint');
  assert.deepEqual(t.motif, { channel: 0, measure: 'activity', steps: 100, tie_seed: 0 });
  // one entry per checkpoint folder, sorted by update
  const folders = readdirSync(path.join(dir, 'checkpoints'));
  assert.deepEqual(t.checkpoints.map((e: { checkpoint: string }) => e.checkpoint), folders.map((f) => `checkpoints/${f}`));
  assert.deepEqual(t.checkpoints.map((e: { update: number }) => e.update), scheduledCheckpoints(checkpointSchedule(300, 100)));
  assert.equal(t.computed, folders.length);

  const first = t.checkpoints[0], last = t.checkpoints[t.checkpoints.length - 1];
  assert.ok(first.henrici_normalized < 1e-6, `d/‖W‖_F at update 0: ${first.henrici_normalized}`);
  assert.equal(first.delta_from_init, 0);
  assert.ok(last.henrici_normalized > 0.02, `d/‖W‖_F after training: ${last.henrici_normalized}`);
  assert.ok(last.delta_from_init > 0.02, `‖W − W₀‖/‖W₀‖ after training: ${last.delta_from_init}`);

  // validation losses: the one logged at each checkpoint's update
  const vals = new Map(metrics(dir).filter((m) => 'val_loss' in m).map((m) => [m.update, m.val_loss]));
  for (const e of t.checkpoints) assert.equal(e.val_loss, vals.get(e.update), `val_loss at ${e.update}`);

  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const model = { nIn: 10, N: 32, nOut: 9, activation: config.activation, loss: 'softmax-xent-every-step' as const };
  for (const e of t.checkpoints) {
    const npy = path.join(dir, `W-${e.update}.npy`);
    const ex = cli('export', path.join(dir, e.checkpoint, 'model.json'), '--tensor', 'simple_rnn/recurrent_kernel', '--out', npy);
    assert.equal(ex.status, 0, ex.stderr);
    const a = json('analyze', npy, '--json', '--eigenvalues');
    assert.equal(e.henrici, a.henrici, `henrici at ${e.update}`);
    assert.equal(e.henrici_normalized, a.henrici_normalized);
    assert.equal(e.spectral_radius, a.spectral_radius);
    assert.equal(e.sigma_max, a.sigma_max);
    assert.equal(e.sigma_min, a.sigma_min);
    assert.equal(e.j_tot, a.j_tot);
    assert.equal(e.j_tot_finite_horizon, a.memory_horizon ?? undefined, `finite horizon flagged at ${e.update}`);
    assert.equal(e.max_condition, a.max_condition);
    assert.deepEqual(e.eigenvalues, a.eigenvalues);
    assert.deepEqual(e.warnings, a.warnings);
  }
  // ρ(W) ≥ 1 for a trained orthogonal W: J_tot is flagged as a finite-horizon sum
  assert.equal(last.j_tot_finite_horizon, 32);

  // the motif: the paper's procedure on the trained network (its input channel 0, bias and activation), checked
  // against the motif code fed by the trainer's own checkpoint reader
  for (const e of [first, last]) {
    const ck = await readTrainingCheckpoint(path.join(dir, e.checkpoint), model);
    const W = new Float64Array(32 * 32), V = new Float64Array(32 * 10);
    for (let i = 0; i < 32; i++) for (let j = 0; j < 32; j++) W[i * 32 + j] = ck.params.R[j * 32 + i];
    for (let i = 0; i < 32; i++) for (let j = 0; j < 10; j++) V[i * 10 + j] = ck.params.K[j * 32 + i];
    const m = chainMotif(W, 32, config.activation, { pulse: { input: V, d: 10, channel: 0 }, bias: Float64Array.from(ck.params.b), tieSeed: 0 });
    assert.deepEqual(e.motif, {
      offsets: Array.from(m.offsets), profile: Array.from(m.profile, (v) => (Number.isFinite(v) ? v : null)), pairs: Array.from(m.pairs),
      active: m.active, peak_steps: m.peakSteps,
    }, `motif at ${e.update}`);
    assert.equal(e.motif.offsets.length, 63);
  }
});

const quick = (init: string) => resolveConfig({ task: 'copy', T: 25, N: 32, init, lr: 1e-3, updates: 120, eval_every: 40, checkpoint_every: 60, val_size: 32, train_size: 400 });

test('a chain-initialised run: its motif is a spike at +1 at update 0; the cache is reused and extended with new checkpoints only', async () => {
  const dir = tmp();
  assert.equal((await trainRun(dir, quick('chain:1.02'), { stopAt: 50 })).state, 'stopped');
  const computed: number[] = [];
  const a = await runTrajectory(dir, { onComputed: (u) => computed.push(u) });
  assert.deepEqual(a.checkpoints.map((e) => e.update), [0, 10, 20, 50]);
  assert.deepEqual(computed, [0, 10, 20, 50]);
  const init = a.checkpoints[0];
  // the paper's chain W[i][i−1] = 1.02 (float32 in the checkpoint): the pulse into channel 0 enters unit 0 and walks the chain
  for (let k = 0; k < init.motif.offsets.length; k++) {
    assert.equal(init.motif.profile[k], init.motif.offsets[k] === 1 ? Math.fround(1.02) : 0, `offset ${init.motif.offsets[k]}`);
  }
  assert.ok(Math.abs(init.henrici - Math.fround(1.02) * Math.sqrt(31)) < 1e-9, `chain d = α√(N−1): ${init.henrici}`);

  // a second call analyses nothing and leaves the cache files alone
  const cacheDir = path.join(dir, TRAJECTORY_CACHE);
  const mtimes = () => Object.fromEntries(readdirSync(cacheDir).map((f) => [f, statSync(path.join(cacheDir, f)).mtimeMs]));
  const before = mtimes();
  assert.deepEqual(Object.keys(before), [0, 10, 20, 50].map((u) => `${checkpointName(u)}.json`));
  const again = await runTrajectory(dir, { onComputed: (u) => assert.fail(`recomputed ${u}`) });
  assert.equal(again.computed, 0);
  assert.deepEqual(again.checkpoints, a.checkpoints);
  assert.deepEqual(mtimes(), before);

  // the run goes on: only its new checkpoints are analysed
  assert.equal((await trainRun(dir, quick('chain:1.02'), { resume: true })).state, 'completed');
  computed.length = 0;
  const b = await runTrajectory(dir, { onComputed: (u) => computed.push(u) });
  assert.deepEqual(b.checkpoints.map((e) => e.update), [0, 10, 20, 50, 60, 100, 120]);
  assert.deepEqual(computed, [60, 100, 120]);
  assert.deepEqual(b.checkpoints.slice(0, 4), a.checkpoints);
  for (const f of Object.keys(before)) assert.equal(statSync(path.join(cacheDir, f)).mtimeMs, before[f], f);

  // stale caches are recomputed: another analysis version, other motif options, a rewritten checkpoint
  const file = path.join(cacheDir, `${checkpointName(10)}.json`);
  const cached = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(cached.key.version, TRAJECTORY_VERSION);
  writeFileSync(file, JSON.stringify({ ...cached, key: { ...cached.key, version: TRAJECTORY_VERSION - 1 }, analysis: { ...cached.analysis, henrici: -1 } }));
  const weights = path.join(dir, 'checkpoints', checkpointName(20), 'weights.bin');
  const later = new Date(statSync(weights).mtimeMs + 5000);
  utimesSync(weights, later, later);
  computed.length = 0;
  const c = await runTrajectory(dir, { onComputed: (u) => computed.push(u) });
  assert.deepEqual(computed, [10, 20]);
  assert.deepEqual(c.checkpoints, b.checkpoints);
  computed.length = 0;
  const pre = await runTrajectory(dir, { motif: { measure: 'preactivation' }, onComputed: (u) => computed.push(u) });
  assert.equal(computed.length, 7);
  assert.equal(pre.motif.measure, 'preactivation');
  // for the chain at update 0 the pre-activations peak in the same order: the same spike
  assert.deepEqual(pre.checkpoints[0].motif, init.motif);
});

test('runs from before update 0 was checkpointed: W₀ is the run\'s initializer again', async () => {
  const dir = tmp();
  assert.equal((await trainRun(dir, quick('orthogonal:1.0'))).state, 'completed');
  const withCheckpoint = await runTrajectory(dir);
  rmSync(path.join(dir, 'checkpoints', checkpointName(0)), { recursive: true });
  rmSync(path.join(dir, TRAJECTORY_CACHE), { recursive: true });
  const without = await runTrajectory(dir);
  assert.equal(without.initial, 'config');
  assert.deepEqual(without.checkpoints.map((e) => e.delta_from_init), withCheckpoint.checkpoints.slice(1).map((e) => e.delta_from_init));
});

test('trajectory errors: one line naming the folder or file, exit 2', () => {
  const root = tmp();
  const cases: [string[], RegExp][] = [
    [[path.join(root, 'missing')], new RegExp(`^recurrent-lens: ${path.join(root, 'missing')}: no such folder\\n$`)],
    [[root], new RegExp(`^recurrent-lens: ${root}: no config.json: not a run folder\\n$`)],
    [[], /^recurrent-lens: missing RUN_DIR \(see recurrent-lens --help\)\n$/],
  ];
  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  writeFileSync(path.join(empty, 'config.json'), JSON.stringify({ task: 'copy', T: 30, N: 8 }));
  cases.push([[empty], new RegExp(`^recurrent-lens: ${empty}: no checkpoints in checkpoints/ yet\\n$`)]);
  const broken = path.join(root, 'broken');
  mkdirSync(broken);
  writeFileSync(path.join(broken, 'config.json'), '{"task": ');
  cases.push([[broken], new RegExp(`^recurrent-lens: ${path.join(broken, 'config.json')}: not valid JSON`)]);
  cases.push([[empty, '--channel', '10'], new RegExp(`^recurrent-lens: ${path.join(empty, 'config.json')}: input channel 10 does not exist: copy has 10 input channels`)]);
  cases.push([[empty, '--measure', 'peak'], /^recurrent-lens: --measure must be activity or preactivation, got "peak"/]);
  cases.push([[empty, '--channel', 'x'], /^recurrent-lens: --channel must be an input channel/]);
  for (const [args, re] of cases) {
    const r = cli('trajectory', ...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});
