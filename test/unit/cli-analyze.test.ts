import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { CLI, ROOT, fixture } from './helpers';
import { writeNpy } from '../../src/core/readers/npy';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(...args: string[]) {
  const r = cli(...args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  return JSON.parse(r.stdout);
}

const chainJtot = (n: number, a: number) => {
  let tot = 0, s = 0;
  for (let k = 0; k < n; k++) { s += a ** (2 * k); tot += a ** (2 * k) / s; }
  return tot;
};

test('analyze --init chain:1.02 --n 100: the paper\'s numbers and the JSON contract', () => {
  const out = json('analyze', '--init', 'chain:1.02', '--n', '100', '--json');
  assert.deepEqual(Object.keys(out).slice(0, 9),
    ['n', 'spectral_radius', 'sigma_max', 'henrici', 'henrici_normalized', 'schur_residual', 'schur_orthogonality', 'j_tot', 'timings_ms']);
  assert.equal(out.n, 100);
  assert.ok(Math.abs(out.henrici - 1.02 * Math.sqrt(99)) < 1e-9, `henrici ${out.henrici}`);
  assert.ok(Math.abs(out.henrici_normalized - 1) < 1e-12, 'a chain is all departure from normality');
  assert.ok(Math.abs(out.j_tot - 7.6060) < 5e-5, `j_tot ${out.j_tot}`);
  assert.ok(Math.abs(out.j_tot - chainJtot(100, 1.02)) < 1e-9);
  assert.ok(Math.abs(out.sigma_max - 1.02) < 1e-12);
  assert.ok(out.schur_residual <= 1e-12 && out.schur_orthogonality <= 1e-12);
  assert.equal(typeof out.timings_ms.schur, 'number');
  assert.equal(out.memory_horizon, null);
  assert.equal(out.eigenvalues, undefined);
});

test('analyze --eigenvalues adds [re, im] pairs', () => {
  const out = json('analyze', '--init', 'orthogonal:0.9', '--n', '20', '--seed', '3', '--json', '--eigenvalues');
  assert.equal(out.eigenvalues.length, 20);
  for (const [re, im] of out.eigenvalues) assert.ok(Math.abs(Math.hypot(re, im) - 0.9) < 1e-12);
  assert.ok(Math.abs(out.j_tot - 1) < 1e-9, 'normal W with ρ < 1 has J_tot = 1');
  assert.ok(out.henrici_normalized < 1e-6);
});

test('analyze of the feedback chain warns that its eigenvalues cannot be trusted', () => {
  const out = json('analyze', '--init', 'fbchain:0.04', '--n', '100', '--json');
  assert.ok(Math.abs(out.j_tot - 5.346) < 5e-4, `j_tot ${out.j_tot}`);
  assert.ok(Math.abs(out.henrici - 0.95 * Math.sqrt(99)) < 1e-6 * 10, `henrici ${out.henrici}`);
  assert.ok(out.warnings.some((w: string) => /ill-conditioned/.test(w)), JSON.stringify(out.warnings));
});

test('analyze of an orthogonal matrix (ρ = 1) uses the finite horizon N and says so', () => {
  const out = json('analyze', '--init', 'orthogonal:1.0', '--n', '50', '--json');
  assert.equal(out.memory_horizon, 50);
  assert.ok(Math.abs(out.j_tot - 1) < 1e-9, `finite-horizon normal W: Σ J_n(k) = 1, got ${out.j_tot}`);
  assert.ok(out.warnings.some((w: string) => /finite horizon/.test(w)));
});

test('analyze a checkpoint: the Keras chain (its only recurrent matrix, transposed to W)', () => {
  const out = json('analyze', fixture('keras_copy_chain.h5'), '--json');
  assert.equal(out.n, 32);
  assert.ok(Math.abs(out.henrici - Math.fround(1.02) * Math.sqrt(31)) < 1e-9);
  assert.ok(Math.abs(out.j_tot - chainJtot(32, Math.fround(1.02))) < 1e-9, `j_tot ${out.j_tot}`);
  assert.match(out.source, /keras_copy_chain\.h5#model_weights\/simple_rnn_1\/simple_rnn_1\/recurrent_kernel:0$/);
});

test('analyze an LSTM gate block; the stacked matrix is refused with the gates named', () => {
  const ok = json('analyze', fixture('torch_awd_lstm_model.pt'), '--tensor', '0.rnns.0.weight_hh_l0', '--gate', 'f', '--json');
  assert.equal(ok.n, 24);
  const r = cli('analyze', fixture('torch_awd_lstm_model.pt'), '--tensor', '0.rnns.0.weight_hh_l0');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^recurrent-lens: .*torch_awd_lstm_model\.pt: 0\.rnns\.0\.weight_hh_l0 is 96×24: analyses need a square matrix \(choose a gate: i, f, g, o\)\n$/);
});

test('memory --input sink: input placement matters (docs/science.md §3 identity 6)', () => {
  const out = json('memory', '--init', 'chain:1.02', '--n', '100', '--input', 'sink', '--json');
  let s = 0;
  for (let j = 0; j < 100; j++) s += 1.02 ** (2 * j);
  assert.ok(Math.abs(out.j_tot - 1 / s) < 1e-12, `${out.j_tot}`);
  assert.deepEqual(Object.keys(out).slice(0, 2), ['J', 'j_tot']);
});

test('memory of the identity: ρ = 1 sums over the finite horizon N and says why; --horizon K gives 1/K each', () => {
  const auto = json('memory', '--init', 'identity:1.0', '--n', '10', '--json');
  assert.equal(auto.horizon, 10);
  assert.equal(auto.J.length, 10);
  for (const j of auto.J) assert.ok(Math.abs(j - 0.1) < 1e-12);
  assert.deepEqual(auto.warnings, ['Memory: ρ(W) = 1.00 ≥ 1, so the noise covariance diverges and memory is summed over the finite horizon n = N = 10.']);
  const out = json('memory', '--init', 'identity:1.0', '--n', '10', '--horizon', '5', '--json');
  assert.deepEqual(out.warnings, []);
  assert.equal(out.J.length, 5);
  for (const j of out.J) assert.ok(Math.abs(j - 0.2) < 1e-12);
});

test('analyze usage errors are one line with status 2', () => {
  for (const args of [['analyze', '--init', 'chain:1.02'], ['analyze', '--init', 'foo:1', '--n', '5'], ['analyze', '--init', 'chain', '--n', '0'],
    ['analyze', fixture('weights.npz'), '--tensor', 'W_in'], ['memory', '--init', 'chain:1', '--n', '4', '--input', 'middle']]) {
    const r = cli(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  }
});

test('a matrix with NaN or Inf entries is bad input: one line naming the file, exit 2, nothing on stdout', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-cli-nan-'));
  try {
    const file = path.join(dir, 'W_nan.npy');
    const W = new Float64Array(9).fill(0.25);
    W[1] = NaN;
    W[7] = Infinity;
    writeFileSync(file, writeNpy([3, 3], W, 'float64'));
    for (const [command, what] of [['analyze', 'analyses'], ['memory', 'memory curves']]) {
      for (const json of [[], ['--json']]) {
        const r = cli(command, file, ...json);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, `recurrent-lens: ${file}: matrix has 2 NaN or Inf entries: ${what} need finite weights\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare --json: the paper\'s four initializers, exact where closed forms exist, specs echoed exactly', () => {
  const specs = ['chain:1.02', 'fbchain:0.04', 'orthogonal:1.0', 'identity:1.0'];
  const out = json('compare', '--inits', specs.join(','), '--n', '100', '--json');
  assert.deepEqual(out.rows.map((r: { init: string }) => r.init), specs);
  for (const r of out.rows) assert.deepEqual(Object.keys(r).slice(0, 5), ['init', 'j_tot', 'henrici', 'spectral_radius', 'sigma_max']);
  const [chain, fb, orth, id] = out.rows;
  assert.equal(chain.j_tot.toFixed(3), '7.606');
  assert.equal(chain.henrici.toFixed(3), '10.149');
  assert.ok(chain.exact.includes('j_tot') && chain.exact.includes('henrici'));
  assert.ok(Math.abs(fb.spectral_radius - 2 * Math.sqrt(0.99 * 0.04) * Math.cos(Math.PI / 101)) < 1e-15, 'exact ρ, not the float64 one');
  assert.equal(fb.j_tot.toFixed(3), '5.346');
  // ρ = 1: J_tot over the finite horizon N, and the output says so.
  for (const r of [orth, id]) {
    assert.equal(r.memory_horizon, 100);
    assert.ok(Math.abs(r.j_tot - 1) < 1e-9);
  }
});

test('compare keeps the user\'s spelling of each spec and rejects unknown initializers', () => {
  const out = json('compare', '--inits', 'chain:1.020, identity:0.5', '--n', '10', '--json');
  assert.deepEqual(out.rows.map((r: { init: string }) => r.init), ['chain:1.020', 'identity:0.5']);
  const r = cli('compare', '--inits', 'chain:1,bogus:2', '--n', '10');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown initializer "bogus"/);
});

test('memory and analyze --json: j_tot_error for the strongly non-normal fbchain:0.2 (ρ ≈ 0.89), every field documented', () => {
  const ref = 15.48167220439640662; // test/fixtures/memory/memory_stable_reference.json (mpmath)
  const mem = json('memory', '--init', 'fbchain:0.2', '--n', '100', '--json');
  assert.equal(mem.horizon, null);
  assert.ok(Math.abs(mem.j_tot - ref) <= mem.j_tot_error, `j_tot ${mem.j_tot} ± ${mem.j_tot_error}`);
  assert.ok(mem.j_tot_error < 1e-6 * ref, `j_tot_error ${mem.j_tot_error}`);
  const an = json('analyze', '--init', 'fbchain:0.2', '--n', '100', '--json');
  assert.equal(an.j_tot, mem.j_tot);
  assert.equal(an.j_tot_error, mem.j_tot_error);
  const text = cli('memory', '--init', 'fbchain:0.2', '--n', '100');
  assert.match(text.stdout.split('\n')[0], /^fbchain:0\.2: J_tot = 15\.48 ± \d\.\de-\d+, input source$/);
  const doc = readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
  for (const key of [...Object.keys(an), ...Object.keys(mem)]) assert.ok(doc.includes(`\`${key}\``) || doc.includes(`"${key}"`), `docs/cli.md documents ${key}`);
});
