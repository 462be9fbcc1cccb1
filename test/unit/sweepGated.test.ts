// Sweeps of LSTM / GRU language models end to end through the CLI: a sweep file with `cell` and a text `file`
// (relative to the sweep file), trained for real on a small text; `sweep-report` gives per-gate motif rows equal to
// `recurrent-lens gate-motif` on the members' own checkpoints, averaged; bad language-model fields are one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SweepPanelModel } from '../../src/sweeps/panelData';
import { sem } from '../../src/sweeps/summary';
import type { ResolvedSweep, SweepReport } from '../../src/sweeps/types';
import { CLI, ROOT } from './helpers';

const TEXT = path.join(ROOT, 'test', 'fixtures', 'text', 'brown-sample.txt');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000 });

/** Per offset: mean and s.e.m. over the profiles with a value there (null where none has one). */
function columns(rows: (number | null)[][]): { mean: (number | null)[]; sem: (number | null)[] } {
  const k = rows[0].length;
  const mean: (number | null)[] = [], err: (number | null)[] = [];
  for (let i = 0; i < k; i++) {
    const col = rows.map((r) => r[i]).filter((x): x is number => x !== null);
    mean.push(col.length ? col.reduce((a, b) => a + b, 0) / col.length : null);
    err.push(col.length ? sem(col) : null);
  }
  return { mean, sem: err };
}

function close(got: (number | null)[], want: (number | null)[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => {
    if (want[i] === null) assert.equal(g, null, `${what}[${i}]`);
    else assert.ok(g !== null && Math.abs(g - want[i]!) <= 1e-12 * Math.max(1, Math.abs(want[i]!)), `${what}[${i}]: ${g} vs ${want[i]}`);
  });
}

test('an LSTM language-model sweep through the CLI: members train on the sweep file\'s text; per-gate motif rows equal gate-motif on their checkpoints', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-gsweep-'));
  try {
    mkdirSync(path.join(root, 'texts'));
    copyFileSync(TEXT, path.join(root, 'texts', 'small.txt'));
    const file = path.join(root, 'lstm.sweep.json');
    writeFileSync(file, JSON.stringify({
      name: 'lstm tiny', task: 'charlm', cell: 'lstm', file: 'texts/small.txt', N: 8, T: 10, batch: 4,
      inits: ['mixed:1.02', { name: 'plain', gains: [1] }], seeds: 2, updates: 20, eval_every: 10, checkpoint_every: 10,
    }));
    const out = path.join(root, 'out');
    const r = cli('sweep', '--config', file, '--out', out, '--concurrency', '2', '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.runs, 4);
    assert.equal(s.finished, 4);
    assert.equal(s.baseline, null, 'a language model has no single baseline');
    assert.deepEqual(s.runs_per_init, { 'mixed:1.02': 2, plain: 2 });
    for (const g of ['mixed:1.02', 'plain']) assert.equal(s.best[g].lr, 2e-3, 'the trainer\'s language-model learning rate');
    // every [k/4] line once
    assert.deepEqual(r.stderr.match(/^\[\d+\/4\]/gm)?.sort(), ['[1/4]', '[2/4]', '[3/4]', '[4/4]']);

    const sweep = JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8')) as ResolvedSweep;
    assert.equal(sweep.baseline, null);
    for (const m of sweep.members) {
      assert.equal(m.config.cell, 'lstm');
      assert.equal(m.config.file, path.join(root, 'texts', 'small.txt'), 'the text, relative to the sweep file');
      assert.equal(m.config.optimizer, 'adam');
      const status = JSON.parse(readFileSync(path.join(out, 'runs', m.name, 'status.json'), 'utf8'));
      assert.equal(status.state, 'completed');
      assert.equal(status.succeeded, status.val_loss < status.baseline, 'success: below the text\'s unigram entropy');
    }
    assert.deepEqual(sweep.members.map((m) => m.name), ['0000-mixed-1.02-lr2e-3-s1', '0001-mixed-1.02-lr2e-3-s2', '0002-plain-1-lr2e-3-s1', '0003-plain-1-lr2e-3-s2']);

    const rep = cli('sweep-report', out, '--all', '--json');
    assert.equal(rep.status, 0, rep.stderr);
    const report = JSON.parse(rep.stdout) as SweepReport;
    assert.deepEqual(Object.keys(report.motif), ['mixed:1.02', 'plain:1']);
    for (const init of Object.keys(report.motif)) {
      const row = report.motif[init];
      assert.equal(row.n, 2);
      assert.deepEqual(Object.keys(row.gates!), ['i', 'f', 'c', 'o']);
      // gate-motif on each member's first and last checkpoints, averaged here
      const ends = sweep.members.filter((m) => m.init === init).map((m) => {
        const dir = path.join(out, 'runs', m.name, 'checkpoints');
        const ckpts = readdirSync(dir).filter((d) => d.startsWith('update-')).sort();
        assert.equal(ckpts[0], 'update-0000000');
        const gm = (c: string) => {
          const g = cli('gate-motif', path.join(dir, c, 'model.json'), '--json');
          assert.equal(g.status, 0, g.stderr);
          return JSON.parse(g.stdout) as { offsets: number[]; candidate: string; blocks: Record<string, { profile: (number | null)[] }> };
        };
        return { before: gm(ckpts[0]), after: gm(ckpts[ckpts.length - 1]) };
      });
      assert.deepEqual(row.offsets, ends[0].after.offsets);
      for (const g of ['i', 'f', 'c', 'o']) {
        const before = columns(ends.map((e) => e.before.blocks[g].profile)), after = columns(ends.map((e) => e.after.blocks[g].profile));
        const got = row.gates![g];
        assert.ok(got.before_mean.some((v) => v !== null) && got.after_mean.some((v) => v !== null), `${init} ${g}: units responded`);
        close(got.before_mean, before.mean, `${init} ${g} before_mean`);
        close(got.before_sem, before.sem, `${init} ${g} before_sem`);
        close(got.after_mean, after.mean, `${init} ${g} after_mean`);
        close(got.after_sem, after.sem, `${init} ${g} after_sem`);
      }
      // the whole-matrix row is the candidate block's
      assert.equal(ends[0].after.candidate, 'c');
      assert.deepEqual(row.after_mean, row.gates!.c.after_mean);
      assert.deepEqual(row.before_mean, row.gates!.c.before_mean);
    }
    // The sweep panel's data: no baseline, the members and their best-cell curves.
    const model = new SweepPanelModel(out);
    await model.load();
    const d = await model.data();
    assert.equal(d.baseline, null);
    assert.equal(d.task, 'charlm');
    assert.equal(d.finished, 4);
    assert.deepEqual(d.groups.map((g) => [g.group, g.runs, g.curve !== null]), [['mixed:1.02', 2, true], ['plain', 2, true]]);

    const status = cli('sweep-status', out);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /success: final validation bpc below the text's unigram entropy/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a GRU sweep from flags alone: --cell, --file (relative to the working directory), --max-chars, --optimizer', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-gsweep-'));
  try {
    copyFileSync(TEXT, path.join(root, 'small.txt'));
    const out = path.join(root, 'gru');
    const r = spawnSync(process.execPath, [CLI, 'sweep', '--task', 'charlm', '--cell', 'gru', '--file', 'small.txt', '--max-chars', '3000',
      '--optimizer', 'rmsprop', '--inits', 'orthogonal:1.0', '--lrs', '1e-3', '--N', '6', '--T', '8', '--batch', '4', '--updates', '10',
      '--eval-every', '5', '--out', out, '--json', '--quiet'], { encoding: 'utf8', cwd: root, timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).finished, 1);
    const m = (JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8')) as ResolvedSweep).members[0];
    assert.deepEqual({ cell: m.config.cell, file: m.config.file, max_chars: m.config.max_chars, optimizer: m.config.optimizer, lr: m.config.lr },
      { cell: 'gru', file: path.join(root, 'small.txt'), max_chars: 3000, optimizer: 'rmsprop', lr: 1e-3 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('language-model sweeps: bad fields and texts are one line naming the sweep file and the field, and make nothing', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-gsweep-'));
  try {
    copyFileSync(TEXT, path.join(root, 'small.txt'));
    const lm = { task: 'charlm', cell: 'lstm', file: 'small.txt', inits: ['plain'] };
    const bad: [object, RegExp][] = [
      [{ ...lm, inits: ['identity:1.0'] }, /"inits"\[0\]: unknown gated initializer "identity" \(expected plain, orthogonal, chain, fbchain, mixed\)/],
      [{ ...lm, task: 'copy', file: undefined }, /cell lstm: gated cells train on the charlm task/],
      [{ ...lm, cell: 'lstn' }, /cell must be one of rnn, lstm, gru, got "lstn"/],
      [{ ...lm, cell: 'rnn', inits: ['mixed:1.02'] }, /init: mixed is for gated cells/],
      [{ ...lm, optimizer: 'sgd' }, /optimizer must be one of rmsprop, adam, got "sgd"/],
      [{ ...lm, max_chars: -1 }, /max_chars must be a whole number from 0/],
      [{ task: 'copy', inits: ['chain:1.02'], file: 'small.txt' }, /file is the charlm task's text; copy takes none/],
      [{ ...lm, file: 'missing.txt' }, new RegExp(`file: ${escape(path.join(root, 'missing.txt'))}: cannot read \\(ENOENT\\)`)],
      [{ ...lm, max_chars: 40, T: 50 }, /file: .*small\.txt: the text is too short for T = 50/],
    ];
    for (const [i, [body, re]] of bad.entries()) {
      const file = path.join(root, `bad${i}.sweep.json`);
      writeFileSync(file, JSON.stringify(body));
      const out = path.join(root, `out${i}`);
      const r = cli('sweep', '--config', file, '--out', out);
      assert.equal(r.status, 2, `${JSON.stringify(body)}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].startsWith(`recurrent-lens: ${file}: `), lines[0]);
      assert.match(lines[0], re);
      assert.throws(() => readdirSync(out), /ENOENT/, 'nothing made');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
