/// <reference lib="dom" />
// The sweep panel on a tiny real sweep: `recurrent-lens sweep --config e2e.sweep.json` (the local executor, one run at
// a time) runs in the background while the panel, opened from the palette's pick of the workspace's sweeps, follows it
// ("3 of 12 finished · 1 running" … "all 12 finished"); then bar counts, grid cells and best cells are checked against
// the CLI's --json line, summary.json and the run folders; a cell clicked (and one chosen with the keyboard) lists
// its runs; the runs table exported as CSV and the grids as SVG; the panel comes back after a reload; a run opens in
// the training panel.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecContext } from './run';
import { openSweepPanelFromPalette } from './sweepUi';
import { REPO_ROOT } from './codeServer';
import { waitForWorkbench, webviewWith } from './workbench';
import { box } from './trainingUi';
import { memberRunDir, readResolvedSweep } from '../../src/sweeps/folder';
import type { ResolvedSweep, SweepMember, SweepSummary } from '../../src/sweeps/types';

export const timeout = 240_000;

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const SWEEP_ID = 'e2e-copy';

/** Chain at two gains and orthogonal, two learning rates, two seeds; copy T = 30: 12 runs of about 1.5 s each. */
const SWEEP_FILE = {
  name: 'e2e sweep', task: 'copy', T: 30, N: 32, updates: 2000, eval_every: 100, checkpoint_every: 2000, val_size: 64, log_every: 20,
  inits: [{ name: 'chain', gains: [1.0, 1.02] }, 'orthogonal:1.0'], lrs: [3e-3, 1e-4], seeds: 2,
};

function memberDir(dir: string, m: SweepMember): string {
  return memberRunDir(dir, m);
}

/** `recurrent-lens sweep … --json` in the background: resolves with its one-line summary when it exits. */
function runSweep(file: string, out: string): Promise<SweepSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'sweep', '--config', file, '--out', out, '--concurrency', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').pop()!)) : reject(new Error(`sweep exited ${code}: ${stderr}`))));
  });
}

/** Successes, finished and runs per group and per (group, gain, lr), counted from the run folders' status.json. */
function expected(dir: string, sweep: ResolvedSweep) {
  const groups = new Map<string, { successes: number; finished: number; runs: number }>();
  const cells = new Map<string, { successes: number; finished: number }>();
  for (const m of sweep.members) {
    const file = join(memberDir(dir, m), 'status.json');
    const s = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    const finished = s?.state === 'completed' || s?.state === 'diverged';
    const ok = s?.state === 'completed' && s.succeeded === true;
    const g = groups.get(m.group) ?? { successes: 0, finished: 0, runs: 0 };
    g.runs++;
    g.finished += finished ? 1 : 0;
    g.successes += ok ? 1 : 0;
    groups.set(m.group, g);
    const key = `${m.group}|${m.gain}|${m.lr}`;
    const c = cells.get(key) ?? { successes: 0, finished: 0 };
    c.finished += finished ? 1 : 0;
    c.successes += ok ? 1 : 0;
    cells.set(key, c);
  }
  return { groups, cells };
}

export default async function sweepPanel(ctx: SpecContext): Promise<void> {
  const { page } = ctx;
  const dir = join(ctx.workspace, '.recurrent-lens', 'sweeps', SWEEP_ID);
  const file = join(ctx.workspace, 'e2e.sweep.json');
  writeFileSync(file, JSON.stringify(SWEEP_FILE, null, 1));
  const t0 = Date.now();
  const done = runSweep(file, dir);
  for (let i = 0; i < 300 && !existsSync(join(dir, 'sweep.json')); i++) await page.waitForTimeout(100);
  const sweep: ResolvedSweep = await readResolvedSweep(dir);
  assert.equal(sweep.members.length, 12);

  // ---- Open from the palette while it runs: a pick of the workspace's sweeps.
  await openSweepPanelFromPalette(ctx, SWEEP_ID);
  const panel = await webviewWith(page, '#grids svg.grid-svg');
  const progress = panel.locator('#progress-text');
  assert.equal(await panel.locator('#title').innerText(), 'e2e sweep');
  // Partial: some finished, one running; the count grows as runs end.
  await progress.filter({ hasText: /^\d+ of 12 finished · 1 running/ }).waitFor({ timeout: 30_000 });
  const count = async () => Number(/^(?:all )?(\d+)/.exec(await progress.innerText())![1]);
  const startCount = await count();
  await ctx.screenshot('partial');
  let later = startCount;
  for (const deadline = Date.now() + 60_000; later <= startCount && Date.now() < deadline; await page.waitForTimeout(200)) later = await count();
  assert.ok(later > startCount, `the finished count grows as runs end (${startCount} → ${later})`);
  ctx.log(`followed the sweep from ${startCount} to ${later} of 12 finished`);

  /** The bars and the grid say what the run folders say, and what summary.json says. */
  const check = async () => {
    const want = expected(dir, sweep);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as SweepSummary;
    for (const [group, g] of want.groups) {
      assert.equal(summary.successes[group], g.successes, `summary.json: ${group} successes`);
      assert.equal(summary.runs_per_init[group], g.runs, `summary.json: ${group} runs`);
      const best = summary.best[group];
      if (best) {
        const cell = panel.locator(`svg.grid-svg[data-group="${group}"] .cell.best`);
        assert.equal(await cell.getAttribute('data-gain'), String(best.gain), `${group}: the best cell's gain as in summary.json`);
        assert.equal(await cell.getAttribute('data-lr'), String(best.lr), `${group}: the best cell's lr as in summary.json`);
      }
    }
    for (const [group, g] of want.groups) {
      const bar = panel.locator(`.bar-row[data-group="${group}"]`);
      assert.equal(await bar.getAttribute('data-successes'), String(g.successes), `${group} successes`);
      assert.equal(await bar.getAttribute('data-finished'), String(g.finished), `${group} finished`);
      assert.equal(await bar.getAttribute('data-runs'), String(g.runs), `${group} runs`);
      assert.match(await bar.locator('.bar-count').textContent() ?? '', new RegExp(`^${g.successes} of ${g.runs}`));
    }
    for (const [key, c] of want.cells) {
      const [group, gain, lr] = key.split('|');
      const cell = panel.locator(`svg.grid-svg[data-group="${group}"] .cell[data-gain="${gain}"][data-lr="${lr}"]`);
      assert.equal(await cell.getAttribute('data-successes'), String(c.successes), `${key} successes`);
      assert.equal(await cell.getAttribute('data-finished'), String(c.finished), `${key} finished`);
      assert.equal(await cell.locator('text').textContent(), `${c.successes}/${c.finished}`);
    }
    return want;
  };
  await check();

  // ---- To the end: the panel follows the last runs through its file watchers.
  const line = await done;
  ctx.log(`sweep of 12 runs in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(line.successes)}`);
  await progress.filter({ hasText: 'all 12 finished' }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1000); // the panel's debounced re-read of the last summary.json
  assert.equal(line.finished, 12);
  const final = await check();
  for (const [group, g] of final.groups) {
    assert.equal(line.successes[group], g.successes, `the CLI's --json line: ${group} successes`);
    assert.equal(line.runs_per_init[group], g.runs, `the CLI's --json line: ${group} runs`);
    const best = line.best[group]!;
    const cell = panel.locator(`svg.grid-svg[data-group="${group}"] .cell.best`);
    assert.equal(await cell.getAttribute('data-gain'), String(best.gain), `${group}: best gain as the CLI says`);
    assert.equal(await cell.getAttribute('data-lr'), String(best.lr), `${group}: best lr as the CLI says`);
  }
  const total = [...final.groups.values()].reduce((a, g) => a + g.successes, 0);
  assert.match(await progress.innerText(), new RegExp(`${total} succeeded`));
  ctx.log('successes per group', JSON.stringify(Object.fromEntries(final.groups)));
  // Every group has finished runs, so every group has a best-cell curve with its band, plus baseline and success line.
  await panel.locator('#curves-chart[data-groups="2"], .chart[data-groups="2"]').first().waitFor({ timeout: 10_000 });
  assert.equal(await panel.locator('#curves-chart .series-band').count(), 2);
  assert.ok(await panel.locator('#curves-chart .legend-label', { hasText: /^success < / }).count(), 'the success line in the legend');
  await ctx.screenshot('finished');

  // ---- Click the chain group's best cell: its two runs are listed.
  const best = panel.locator('svg.grid-svg[data-group="chain"] .cell.best');
  const gain = await best.getAttribute('data-gain'), lr = await best.getAttribute('data-lr');
  await best.click();
  const rows = panel.locator('#cell-runs-table tbody tr');
  await rows.first().waitFor({ timeout: 10_000 });
  assert.equal(await rows.count(), 2);
  const names = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.name));
  assert.deepEqual(names, sweep.members.filter((m) => m.group === 'chain' && String(m.gain) === gain && String(m.lr) === lr).map((m) => m.name));

  // ---- Keyboard: focus the orthogonal grid, move right, Enter: the other learning rate's runs.
  const orth = panel.locator('svg.grid-svg[data-group="orthogonal:1.0"]');
  await orth.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await panel.locator('#cell-runs h3', { hasText: 'orthogonal:1.0 · gain 1 · lr 1e−4' }).waitFor({ timeout: 10_000 });
  assert.match(await panel.locator('#grid-readout').innerText(), /orthogonal:1\.0 · gain 1 · lr 1e−4/);

  // ---- Export the runs as CSV: one row per member, states and successes as in the run folders.
  const csvFile = join(ctx.workspace, 'e2e-sweep-runs.csv');
  await panel.locator('#successes-csv').click();
  await box(page).waitFor({ state: 'visible', timeout: 15_000 });
  await page.waitForTimeout(300);
  await box(page).fill(csvFile);
  await page.keyboard.press('Enter');
  for (let i = 0; i < 100 && !existsSync(csvFile); i++) await page.waitForTimeout(100);
  const lines = readFileSync(csvFile, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'index,name,group,init,gain,lr,seed,state,update,updates,final_val_loss,succeeded');
  assert.equal(lines.length, 13);
  for (const m of sweep.members) {
    const s = JSON.parse(readFileSync(join(memberDir(dir, m), 'status.json'), 'utf8'));
    const row = lines.find((l) => l.startsWith(`${m.index},${m.name},`))!;
    assert.ok(row.endsWith(`,${s.state},${s.update},${m.config.updates},${s.val_loss},${s.succeeded}`), `${row} vs ${JSON.stringify(s)}`);
  }

  // ---- The grids as one standalone SVG: every group's grid with its counts, and the colour scale.
  const svgFile = join(ctx.workspace, 'e2e-sweep-grid.svg');
  await panel.locator('#grid-svg').click();
  await box(page).waitFor({ state: 'visible', timeout: 15_000 });
  await page.waitForTimeout(300);
  await box(page).fill(svgFile);
  await page.keyboard.press('Enter');
  for (let i = 0; i < 100 && !existsSync(svgFile); i++) await page.waitForTimeout(100);
  const svgText = readFileSync(svgFile, 'utf8');
  assert.match(svgText, /^<\?xml[^]*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  for (const [group, g] of final.groups) assert.ok(svgText.includes(`${group} — ${g.successes} of ${g.runs}`), `${group} in the SVG`);
  assert.ok(svgText.includes('success rate'), 'the colour scale in the SVG');
  assert.doesNotMatch(svgText, /var\(--/, 'no CSS variables left in the standalone SVG');

  // ---- A window reload brings the panel back (its serializer) with the sweep as it is. (The chosen cell is kept in
  // the webview's state too, but the web workbench may not flush that state before a reload: not checked here.)
  await page.reload();
  await waitForWorkbench(page);
  const again = await webviewWith(page, '#grids svg.grid-svg');
  await again.locator('#progress-text', { hasText: 'all 12 finished' }).waitFor({ timeout: 30_000 });
  await again.locator('svg.grid-svg[data-group="orthogonal:1.0"] .cell[data-cell="1"]').click();
  await again.locator('#cell-runs h3', { hasText: 'orthogonal:1.0 · gain 1 · lr 1e−4' }).waitFor({ timeout: 10_000 });

  // ---- Open a run of the listed cell: the training panel shows it.
  const first = again.locator('#cell-runs-table tbody tr').first();
  const runName = await first.getAttribute('data-name');
  await first.locator('.open-run').click();
  const member = sweep.members.find((m) => m.name === runName)!;
  const training = await webviewWith(page, '#loss-chart', 30_000);
  // The training panel names the member run by its id in the Runs view: <sweep id>/<member name>.
  await training.locator('#config', { hasText: `${SWEEP_ID}/${member.name}` }).waitFor({ timeout: 15_000 });
  assert.match(await training.locator('#config').innerText(), new RegExp(`lr ${member.lr.toExponential().replace('e+', 'e')} · seed ${member.seed}`));
  await ctx.screenshot('run-opened');
}
