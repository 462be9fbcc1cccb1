/// <reference lib="dom" />
// The analysis panel in real VS Code: opened from the inspector's Analyze button on a PyTorch checkpoint (numbers
// equal to the CLI's, computed by the same core), and from the palette for the paper's chain initializer
// (Henrici 10.149, J_tot 7.606), with the spectrum drawn and the trust warning shown for the feedback chain; at
// N = 1024 the parts drawn as they come (heatmaps and ρ while the memory curve computes, then the memory curve while
// the pseudospectrum computes) and a cancel part way.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { SpecContext } from './run';
import { webviewWith } from './workbench';

export const timeout = 180_000;

const REPO = join(__dirname, '..', '..', '..');

async function number(view: FrameLocator, key: string): Promise<number> {
  return Number(await view.locator(`#numbers [data-key="${key}"]`).getAttribute('data-value'));
}

/**
 * The chart's exported SVG, laid out in the page: its box and its legend's box (the legend is marked
 * data-figure-part="legend", which the export keeps).
 */
async function exportedLegend(view: FrameLocator, chart: string) {
  return view.locator('body').evaluate((body, name) => {
    type Api = { exportFigure(name: string): { text: string; width: number; height: number } | undefined };
    const fig = (window as unknown as { recurrentLensAnalysis: Api }).recurrentLensAnalysis.exportFigure(name);
    if (!fig) throw new Error(`no chart ${name}`);
    const doc = new DOMParser().parseFromString(fig.text, 'image/svg+xml');
    const svg = document.importNode(doc.documentElement, true) as unknown as SVGSVGElement;
    svg.style.position = 'absolute';
    svg.style.left = '0';
    svg.style.top = '0';
    body.append(svg);
    const box = (r: DOMRect) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
    const legend = svg.querySelector('[data-figure-part="legend"]');
    const out = { width: fig.width, height: fig.height, figure: box(svg.getBoundingClientRect()), legend: legend ? box(legend.getBoundingClientRect()) : null };
    svg.remove();
    return out;
  }, chart);
}

export default async function analysis(ctx: SpecContext): Promise<void> {
  // A trained network from a real PyTorch sweep checkpoint: ρ(W) = 1.315 ≥ 1, so the memory curve is summed over
  // the finite horizon N = 100, and the panel says why. Same J_tot as the CLI.
  await ctx.quickOpen('sweep_36_rnns.pt');
  const sweep = await webviewWith(ctx.page, '#tensor-table tr[data-name="state_dicts.0.rnn.weight_hh_l0"]');
  await sweep.locator('#tensor-table tr[data-name="state_dicts.0.rnn.weight_hh_l0"]').click();
  await sweep.locator('#tensor-table tr.selected[data-name="state_dicts.0.rnn.weight_hh_l0"]').waitFor();
  await sweep.locator('#analyze').click();
  const trained = await webviewWith(ctx.page, '#title:text("state_dicts.0.rnn.weight_hh_l0")');
  await trained.locator('#numbers [data-key="jTot"]').waitFor({ timeout: 90_000 });
  // The analysis comes part by part: J_tot is there before the transient and the pseudospectrum; wait for the whole.
  await trained.locator('#cards[aria-busy="false"]').waitFor({ timeout: 90_000 });
  const sweepCli = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'analyze', join(ctx.workspace, 'trained', 'sweep_36_rnns.pt'),
    '--tensor', 'state_dicts.0.rnn.weight_hh_l0', '--json'], { encoding: 'utf8' });
  assert.equal(sweepCli.status, 0, sweepCli.stderr);
  const sweepExpected = JSON.parse(sweepCli.stdout);
  assert.equal(sweepExpected.memory_horizon, 100);
  assert.ok(Number.isFinite(sweepExpected.j_tot) && sweepExpected.j_tot > 1, `CLI j_tot ${sweepExpected.j_tot}`);
  const shownJ = await number(trained, 'jTot');
  assert.ok(Math.abs(shownJ - sweepExpected.j_tot) <= 1e-12 * sweepExpected.j_tot, `J_tot: panel ${shownJ}, CLI ${sweepExpected.j_tot}`);
  const note = 'ρ(W) = 1.32 ≥ 1, so the noise covariance diverges and memory is summed over the finite horizon n = N = 100';
  assert.ok(sweepExpected.warnings.includes(`Memory: ${note}.`), JSON.stringify(sweepExpected.warnings));
  assert.match(await trained.locator('#memory-note').innerText(), new RegExp(note.replace(/[()=.]/g, '\\$&')));
  assert.match(await trained.locator('#warnings').innerText(), /ρ\(W\) = 1\.32 ≥ 1/);
  // J_tot ± its estimated error (the CLI's j_tot_error), as the CLI prints it.
  assert.ok(sweepExpected.j_tot_error > 0 && sweepExpected.j_tot_error < 1e-8 * sweepExpected.j_tot, `j_tot_error ${sweepExpected.j_tot_error}`);
  const shownError = Number(await trained.locator('#numbers [data-key="jTot"]').getAttribute('data-error'));
  assert.ok(Math.abs(shownError - sweepExpected.j_tot_error) <= 1e-9 * sweepExpected.j_tot_error, `error: panel ${shownError}, CLI ${sweepExpected.j_tot_error}`);
  assert.match(await trained.locator('#card-memory-curve h2').innerText(), /J_tot = 6\.651 ± \d\.\de-\d+ \(horizon 100\)/);
  const curve = await trained.locator('#chart-memory-curve path.series-line').getAttribute('d');
  assert.ok(curve && (curve.match(/L/g) ?? []).length === 99, 'the memory curve has 100 points');
  // The transient grows without decay (ρ > 1) to ~1e11: a log axis by default, and a caption that says so.
  assert.match(await trained.locator('#card-transient .caption').innerText(), /grows without decay/);
  assert.doesNotMatch(await trained.locator('#card-transient .caption').innerText(), /before decay/);
  assert.equal(await trained.locator('#transient-log').getAttribute('aria-checked'), 'true');
  // Exported figures keep their legends inside the figure: the spectrum's own legend, and (the shared chart code
  // of every panel) a legend of 16 long labels, wider than the space the labels' length suggests and taller
  // than the chart — what the compare panel's memory overlay of trained matrices looks like.
  await trained.locator('body').evaluate(() => {
    type ChartLike = { set(spec: unknown): void };
    const charts = (window as unknown as { recurrentLensAnalysis: { charts: Record<string, ChartLike> } }).recurrentLensAnalysis.charts;
    charts['memory-curve'].set({
      xLabel: 'steps back k', yLabel: 'J(k)', series: [{ kind: 'line', x: [0, 1, 2], y: [1, 0.5, 0.2], color: 'red' }],
      legend: { title: 'J(k) of every trained matrix', entries: Array.from({ length: 16 }, (_, i) => ({ label: `state_dicts.${i}.rnn.weight_hh_l0 — sweep_36_rnns.pt (WWW)`, color: 'red', mark: 'line' })) },
    });
  });
  for (const chart of ['spectrum', 'memory-curve']) {
    const fig = await exportedLegend(trained, chart);
    assert.ok(fig.legend, `${chart}: the export has a legend`);
    const { figure, legend } = fig;
    assert.ok(legend!.left >= figure.left - 0.5 && legend!.right <= figure.right + 0.5 && legend!.top >= figure.top - 0.5 &&
      legend!.bottom <= figure.bottom + 0.5, `${chart}: legend ${JSON.stringify(legend)} inside the figure ${JSON.stringify(figure)}`);
  }
  await ctx.screenshot('trained-sweep');

  // From the inspector: a real PyTorch checkpoint's recurrent matrix.
  await ctx.quickOpen('torch_rnn_state_dict.pt');
  const inspector = await webviewWith(ctx.page, '#tensor-table tr.selected[data-name="rnn.weight_hh_l0"]');
  await inspector.locator('#analyze').click();
  const panel = await webviewWith(ctx.page, '#title:text("torch_rnn_state_dict.pt")');
  await panel.locator('#numbers [data-key="henrici"]').waitFor({ timeout: 60_000 });
  await panel.locator('#cards[aria-busy="false"]').waitFor({ timeout: 60_000 });
  const cli = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'analyze', join(ctx.workspace, 'torch_rnn_state_dict.pt'),
    '--tensor', 'rnn.weight_hh_l0', '--json'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const expected = JSON.parse(cli.stdout);
  for (const [key, field] of [['spectralRadius', 'spectral_radius'], ['sigmaMax', 'sigma_max'], ['henrici', 'henrici'], ['jTot', 'j_tot']]) {
    const shown = await number(panel, key);
    assert.ok(Math.abs(shown - expected[field]) <= 1e-12 * Math.max(1, Math.abs(expected[field])), `${key}: panel ${shown}, CLI ${expected[field]}`);
  }
  assert.match(await panel.locator('[data-key="n"]').innerText(), /N = 32/);
  assert.ok(await number(panel, 'schurResidual') <= 1e-12);
  // 32 eigenvalues in the complex plane.
  const points = await panel.locator('svg circle').count();
  assert.ok(points >= 32, `eigenvalue points drawn: ${points}`);
  await ctx.screenshot('from-inspector');

  // A gate block of a PyTorch LSTM: one motif-profile chart per gate block of the cell, the opened one marked, each
  // stem the CLI's `gate-motif` value (the same core), and each chart exportable.
  await ctx.quickOpen('torch_lstm_motif.pt');
  const lstm = await webviewWith(ctx.page, '#tensor-table tr.selected[data-name="weight_hh_l0"]');
  await lstm.locator('#gate').click();
  await lstm.locator('#gate vscode-option', { hasText: 'Gate f' }).click();
  await lstm.locator('#analyze:not([disabled])').click();
  const gated = await webviewWith(ctx.page, '#card-gate-motif-0:not([hidden])');
  await gated.locator('#card-gate-motif-3 h2', { hasText: 'output gate o' }).waitFor({ timeout: 60_000 });
  const headings = await Promise.all([0, 1, 2, 3].map((b) => gated.locator(`#card-gate-motif-${b} h2`).innerText()));
  assert.deepEqual(headings.map((h) => /^Gate block (\w)/.exec(h)?.[1]), ['i', 'f', 'c', 'o']);
  assert.deepEqual(headings.map((h) => h.includes('the opened block')), [false, true, false, false]);
  const gm = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'gate-motif', join(ctx.workspace, 'generated', 'torch_lstm_motif.pt'), '--json'], { encoding: 'utf8' });
  assert.equal(gm.status, 0, gm.stderr);
  const want = JSON.parse(gm.stdout);
  for (const [b, g] of ['i', 'f', 'c', 'o'].entries()) {
    const shown = await gated.locator('body').evaluate((_, name) => {
      type ChartLike = { spec?: { series: { y: ArrayLike<number> }[] } };
      const chart = (window as unknown as { recurrentLensAnalysis: { charts: Record<string, ChartLike> } }).recurrentLensAnalysis.charts[name];
      return chart.spec ? Array.from(chart.spec.series[0].y) : null;
    }, `gate-motif-${b}`);
    assert.ok(shown, `gate ${g}: a chart`);
    assert.deepEqual(shown.map((v) => (Number.isFinite(v) ? v : null)), want.blocks[g].profile, `gate ${g}`);
    const fig = await gated.locator('body').evaluate((_, name) => {
      type Api = { exportFigure(name: string): { text: string } | undefined };
      return (window as unknown as { recurrentLensAnalysis: Api }).recurrentLensAnalysis.exportFigure(name)?.text ?? '';
    }, `gate-motif-${b}`);
    assert.ok(fig.includes('<svg') && fig.includes(`Gate block ${g}`), `gate ${g}: the exported figure`);
  }
  assert.equal(await gated.locator('#card-chain-motif').isVisible(), true);
  await ctx.screenshot('lstm-gates');

  // From the palette: the paper's chain, typed into the input boxes.
  await analyzeInitializer(ctx, 'chain:1.02', 100);
  const chain = await webviewWith(ctx.page, '#title:text("chain:1.02")');
  await chain.locator('#numbers [data-key="henrici"]').waitFor({ timeout: 60_000 });
  assert.equal((await chain.locator('#numbers [data-key="henrici"]').innerText()).trim(), '10.149');
  assert.match((await chain.locator('#numbers [data-key="jTot"]').innerText()).trim(), /^7\.606 ± \d\.\de-\d+$/);
  assert.ok(Math.abs((await number(chain, 'henrici')) - 1.02 * Math.sqrt(99)) < 1e-9);
  // A nilpotent chain: its eigenvalues are defective and the panel says not to trust them.
  await chain.locator('#warnings:not([hidden])').waitFor();
  assert.match(await chain.locator('#warnings').innerText(), /defective/);
  await ctx.screenshot('chain');

  // Changing an option re-runs the analysis: the sink input gives J_tot = 1/Σα^{2j} ≈ 0.0008.
  await chain.locator('#input').click();
  await chain.locator('#input vscode-option', { hasText: /sink/i }).click();
  await chain.locator('#numbers [data-key="jTot"]').filter({ hasNotText: '7.606' }).waitFor({ timeout: 60_000 });
  let s = 0;
  for (let j = 0; j < 100; j++) s += 1.02 ** (2 * j);
  assert.ok(Math.abs((await number(chain, 'jTot')) - 1 / s) < 1e-12);

  // Export the data once the whole result is in (the buttons wait for it): VS Code's save dialog (a quick input in the browser) proposes <matrix>-analysis.csv in the
  // workspace; accept it.
  await chain.locator('#export-csv:not([disabled])').click();
  await ctx.page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 15_000 });
  await ctx.page.waitForTimeout(300);
  await ctx.page.keyboard.press('Enter');
  const csvFile = join(ctx.workspace, 'chain_1.02_N_100-analysis.csv');
  for (let i = 0; i < 100 && !existsSync(csvFile); i++) await ctx.page.waitForTimeout(100);
  const csv = readFileSync(csvFile, 'utf8').split('\n');
  assert.equal(csv[1], 'quantity,index,value');
  assert.ok(csv.some((l) => l.startsWith('henrici,,10.14')), 'the numbers are in the CSV');

  // Export figures: the spectrum as SVG (standalone) and the Schur form T heatmap as PNG.
  for (const [id, file, check] of [
    ['#spectrum-svg', 'chain_1.02_N_100-spectrum.svg', (b: Buffer) => b.toString('utf8').includes('<svg')],
    ['#schur-T-heatmap-png', 'chain_1.02_N_100-schur-T-heatmap.png', (b: Buffer) => b.subarray(1, 4).toString() === 'PNG'],
  ] as const) {
    await chain.locator(id).click();
    await ctx.page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 15_000 });
    await ctx.page.waitForTimeout(300);
    await ctx.page.keyboard.press('Enter');
    const out = join(ctx.workspace, file);
    for (let i = 0; i < 100 && !existsSync(out); i++) await ctx.page.waitForTimeout(100);
    assert.ok(existsSync(out) && check(readFileSync(out)), `${file} written`);
  }

  // Progressive: at N = 1024 (gaussian:1.1, ρ > 1: the memory curve over the finite horizon N, the slowest step) the
  // heatmaps of W and T and ρ(W) are drawn while the memory card still says it is computing. The snapshot is taken
  // in the page the moment ρ appears, so it cannot pass if everything arrived at once.
  await analyzeInitializer(ctx, 'gaussian:1.1', 1024);
  const big = await webviewWith(ctx.page, '#title:text("gaussian:1.1")');
  const atRho = () => big.locator('body').evaluate(() => new Promise<Record<string, unknown>>((resolve, reject) => {
    const started = Date.now();
    const look = () => {
      const rho = document.querySelector('#numbers [data-key="spectralRadius"]');
      if (!rho) {
        if (Date.now() - started > 90_000) reject(new Error('ρ(W) never shown'));
        else requestAnimationFrame(look);
        return;
      }
      type Grid = { matrix?: { rows: number } };
      const maps = (window as unknown as { recurrentLensAnalysis: { heatmaps: Record<'W' | 'T', Grid> } }).recurrentLensAnalysis.heatmaps;
      const card = (id: string) => document.getElementById(id)!;
      resolve({
        rho: Number(rho.getAttribute('data-value')),
        wRows: maps.W.matrix?.rows, tRows: maps.T.matrix?.rows,
        wDrawn: !card('card-W').classList.contains('undrawn'), tDrawn: !card('card-T').classList.contains('undrawn'),
        memoryBusy: card('card-memory-curve').getAttribute('aria-busy'),
        memoryNote: card('card-memory-curve').querySelector('.pending-note')?.textContent,
        jTotShown: !!document.querySelector('#numbers [data-key="jTot"]'),
        jTotPending: document.querySelector('#numbers [data-pending="jTot"]')?.getAttribute('aria-busy'),
        csvDisabled: document.getElementById('export-csv')!.hasAttribute('disabled'),
      });
    };
    look();
  }));
  const early = await atRho();
  assert.ok((early.rho as number) > 1, `ρ = ${early.rho}`);
  assert.deepEqual({ ...early, rho: undefined }, {
    rho: undefined, wRows: 1024, tRows: 1024, wDrawn: true, tDrawn: true, memoryBusy: 'true', memoryNote: 'Memory curve: computing…',
    jTotShown: false, jTotPending: 'true', csvDisabled: true,
  });
  await ctx.screenshot('progressive');
  // Then the memory curve arrives (over the horizon N), while the pseudospectrum of a 100 × 100 grid (many seconds at
  // N = 1024) still computes.
  await big.locator('#card-memory-curve[aria-busy="false"]').waitFor({ timeout: 120_000 });
  assert.match(await big.locator('#card-memory-curve h2').innerText(), /\(horizon 1024\)/);
  assert.ok(await number(big, 'jTot') > 0);
  // Cancelled part way: what was drawn stays, the cards not complete say so, nothing is busy any more, and a partial
  // result cannot be exported.
  await big.locator('#cancel').click({ timeout: 30_000 });
  await big.locator('#error', { hasText: /Cancelled; showing the parts computed before/ }).waitFor({ timeout: 60_000 });
  assert.equal(await big.locator('#card-W.undrawn, #card-T.undrawn, #card-memory-curve.undrawn').count(), 0, 'what was drawn stays');
  assert.match(await big.locator('#card-spectrum .pending-note').innerText(), /not computed \(cancelled\)/);
  assert.match(await big.locator('#card-memory-curve h2').innerText(), /\(horizon 1024\)/);
  assert.equal(await big.locator('#cards [aria-busy="true"]').count(), 0);
  assert.equal(await big.locator('#export-csv[disabled]').count(), 1, 'no export of a partial result');
  await ctx.screenshot('cancelled');
}

/**
 * Runs Analyze Initializer… and types the initializer and N into its two input boxes. An input box can close as it
 * opens when focus moves (a webview finishing its load; the race runCommand retries): then the command runs again.
 */
async function analyzeInitializer(ctx: SpecContext, spec: string, n: number): Promise<void> {
  const box = ctx.page.locator('.quick-input-widget .quick-input-box input');
  const title = (t: string) => ctx.page.locator('.quick-input-widget .quick-input-title', { hasText: t });
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.runCommand('Recurrent Lens: Analyze Initializer…');
      await box.waitFor({ state: 'visible', timeout: 10_000 });
      await box.fill(spec, { timeout: 5_000 });
      await ctx.page.keyboard.press('Enter');
      await title('2/2').waitFor({ timeout: 10_000 });
      await box.fill(String(n), { timeout: 5_000 });
      await ctx.page.keyboard.press('Enter');
      await title('2/2').waitFor({ state: 'hidden', timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      ctx.log(`Analyze Initializer ${spec} N = ${n} not entered (${String((e as Error).message).split('\n')[0]}); again`);
    }
  }
}
