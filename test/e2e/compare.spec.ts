/// <reference lib="dom" />
// The compare panel in real VS Code: "Compare Initializers" from the palette accepting every default (Enter, Enter,
// Enter) gives the paper's four initializers at N = 100 side by side; the summary table shows the chain's exact
// J_tot 7.606 and Henrici 10.149 and the feedback chain's exact ρ 0.398 next to float64's wrong one; hovering a cell
// of one W heatmap marks the same cell in every column; editing a gain re-runs that column; a column can be
// removed; the table exports as CSV.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { SpecContext } from './run';
import { webviewWith } from './workbench';
import { columnsOf, waitForColumns } from './compareUi';

export const timeout = 150_000;

const PAPER = ['chain:1.02', 'fbchain:0.04', 'orthogonal:1.0', 'identity:1.0'];

async function cell(view: FrameLocator, init: string, key: string): Promise<{ text: string; value: number; method: string | null; exact: string | null }> {
  const td = view.locator(`#summary tr[data-init="${init}"] td[data-key="${key}"]`);
  return {
    text: (await td.locator('.value').innerText()).trim(),
    value: Number(await td.getAttribute('data-value')),
    method: await td.getAttribute('data-method'),
    exact: await td.getAttribute('data-exact'),
  };
}

/** Accepts VS Code's save dialog (a quick input in the browser) and waits for the file. */
async function acceptSave(ctx: SpecContext, file: string): Promise<void> {
  await ctx.page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 15_000 });
  await ctx.page.waitForTimeout(300);
  await ctx.page.keyboard.press('Enter');
  for (let i = 0; i < 100 && !existsSync(file); i++) await ctx.page.waitForTimeout(100);
  assert.ok(existsSync(file), `${file} written`);
}

export default async function compare(ctx: SpecContext): Promise<void> {
  // The palette command, accepting every default.
  await ctx.runCommand('Recurrent Lens: Compare Initializers');
  const title = (t: string) => ctx.page.locator('.quick-input-widget .quick-input-title', { hasText: t });
  await title('1/3').waitFor();
  const checked = await ctx.page.locator('.quick-input-list .monaco-list-row[aria-checked="true"] .label-name').allInnerTexts();
  // (.label-name also matches the detail lines: keep the names.)
  assert.deepEqual(checked.map((s) => s.trim()).filter((s) => /^[a-z]+$/.test(s)), ['chain', 'fbchain', 'orthogonal', 'identity'], 'the paper’s four are pre-selected');
  await ctx.page.keyboard.press('Enter');
  await title('2/3').waitFor();
  const box = ctx.page.locator('.quick-input-widget .quick-input-box input');
  assert.equal(await box.inputValue(), PAPER.join(', '));
  await ctx.page.keyboard.press('Enter');
  await title('3/3').waitFor();
  assert.equal(await box.inputValue(), '100');
  await ctx.page.keyboard.press('Enter');

  // Four columns, each analysed.
  const view = await webviewWith(ctx.page, '#columns .column[data-init="identity:1.0"]');
  const cols = await waitForColumns(ctx.page, view, (c) => c.length === 4 && c.every((x) => x.ready), 'four analysed columns');
  assert.deepEqual(cols.map((c) => c.init), PAPER);
  assert.ok(cols.every((c) => c.n === 100 && c.error === null));
  assert.equal(await view.locator('#columns .column').count(), 4);
  assert.equal(await view.locator('#summary tbody tr').count(), 4);
  for (const c of cols) {
    // Each column draws its figures: W and T heatmaps, spectrum, memory curve, transient.
    const col = view.locator(`.column[data-column="${c.id}"]`);
    assert.equal(await col.locator('canvas.heatmap').count(), 2);
    assert.ok(await col.locator('.fig-spectrum svg circle').count() >= 1, `${c.init}: eigenvalues drawn`);
    assert.ok(await col.locator('.fig-memory svg path.series-line').count() >= 1, `${c.init}: memory curve drawn`);
  }

  // The table: the chain's closed forms, flagged exact.
  const jTot = await cell(view, 'chain:1.02', 'jTot');
  assert.equal(jTot.text, '7.606');
  assert.equal(jTot.exact, 'true');
  const henrici = await cell(view, 'chain:1.02', 'henrici');
  assert.equal(henrici.text, '10.149');
  assert.equal(henrici.exact, 'true');
  assert.ok(Math.abs(henrici.value - 1.02 * Math.sqrt(99)) < 1e-12);
  // The feedback chain: exact ρ = 2√(0.99·0.04)·cos(π/101) ≈ 0.398, and float64's wrong value shown beside it.
  const rho = await cell(view, 'fbchain:0.04', 'spectralRadius');
  assert.equal(rho.method, 'exact');
  assert.ok(Math.abs(rho.value - 2 * Math.sqrt(0.99 * 0.04) * Math.cos(Math.PI / 101)) < 1e-14, `ρ ${rho.value}`);
  const shownFloat = await view.locator('#summary tr[data-init="fbchain:0.04"] td[data-key="spectralRadius"] .float64-differs').innerText();
  assert.ok(Number(shownFloat.replace(/^float64:\s*/, '')) > 0.55, `float64 ρ shown: ${shownFloat}`);
  assert.equal((await cell(view, 'fbchain:0.04', 'jTot')).method, 'stein', 'fbchain memory is not a closed form');
  assert.equal((await cell(view, 'orthogonal:1.0', 'jTot')).text, '1');
  assert.equal((await cell(view, 'identity:1.0', 'henrici')).text, '0');
  // The spectrum of the feedback chain says the float64 eigenvalues are untrustworthy.
  const fbCol = view.locator('.column[data-init="fbchain:0.04"]');
  assert.match(await fbCol.locator('.col-notes').innerText(), /untrustworthy/);
  assert.match(await fbCol.locator('.fig-spectrum svg').innerHTML(), /float64, untrustworthy/);

  await ctx.screenshot('summary');

  // One shared symmetric colour domain for every W: ±max|W| over the columns (the chain's 1.02).
  const domains = await view.locator('body').evaluate(() => (window as any).recurrentLensCompare.domains());
  assert.equal(domains.W, 1.0199999809265137, 'max |W| as float32');

  // Linked hover: (5, 4) in the first W heatmap marks (5, 4) in every column.
  const first = view.locator(`#heatmap-W-${cols[0].id}`);
  await first.scrollIntoViewIfNeeded();
  const pos = await first.evaluate((_c, id) => (window as any).recurrentLensCompare.heatmap(id, 'W').cellCenter(5, 4), cols[0].id);
  await first.hover({ position: pos });
  await view.locator(`.column[data-column="${cols[3].id}"] .fig-W .readout[data-row="5"][data-col="4"]`).waitFor({ timeout: 5_000 });
  const marked = await view.locator('body').evaluate(() => (window as any).recurrentLensCompare.marked());
  assert.deepEqual(marked, [{ row: 5, col: 4 }, { row: 5, col: 4 }, { row: 5, col: 4 }, { row: 5, col: 4 }]);
  const readouts = await view.locator('.fig-W .readout').allInnerTexts();
  assert.match(readouts[0], /^W\[5\]\[4\] = 1\.02\b/);
  assert.match(readouts[1], /^W\[5\]\[4\] = 0\.99\b/);
  assert.match(readouts[3], /^W\[5\]\[4\] = 0$/);
  await ctx.page.mouse.move(0, 0); // the workbench scrolls the page with the cursor out of the frame: re-hover
  await view.locator('#columns').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await first.hover({ position: pos });
  await ctx.screenshot('linked-hover');
  await view.locator(`.column[data-column="${cols[0].id}"] .fig-spectrum`).evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await ctx.screenshot('figures');

  // Editing a gain re-runs that column (debounced): chain α = 1.05 has J_tot 12.087 (docs/science.md identity 5).
  const gain = view.locator(`.column[data-column="${cols[0].id}"] input[data-field="gain"]`);
  await gain.fill('1.05');
  await view.locator('#summary tr[data-init="chain:1.05"] td[data-key="jTot"][data-method="exact"]').waitFor({ timeout: 30_000 });
  assert.equal((await cell(view, 'chain:1.05', 'jTot')).text, '12.087');
  await waitForColumns(ctx.page, view, (c) => c.every((x) => x.ready && !x.running), 'the edited column');

  // Remove a column.
  await view.locator(`#remove-${cols[3].id}`).click();
  await waitForColumns(ctx.page, view, (c) => c.length === 3, 'three columns');
  assert.equal(await view.locator('#summary tr[data-init="identity:1.0"]').count(), 0);

  // Export the table as CSV through the host's save dialog.
  await view.locator('#export-csv').click();
  const csvFile = join(ctx.workspace, 'comparison.csv');
  await acceptSave(ctx, csvFile);
  const csv = readFileSync(csvFile, 'utf8').trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[0], /^matrix,init,n,seed,memory_horizon,j_tot,j_tot_source,j_tot_float64,henrici,/);
  assert.ok(csv.some((l) => l.startsWith('chain:1.05 (N = 100),chain:1.05,100,1,infinite,12.08')), csv.join('\n'));
  assert.ok(csv.some((l) => /^fbchain:0\.04 .*,exact,0\.6/.test(l)), 'the exact ρ and float64’s are both in the CSV');

  // Export the overlay chart as SVG.
  await view.locator('#overlay-svg').click();
  const svgFile = join(ctx.workspace, 'compare-memory-overlay.svg');
  await acceptSave(ctx, svgFile);
  assert.ok(readFileSync(svgFile, 'utf8').includes('<svg'));
  // A per-column figure: the edited chain's W heatmap as PNG.
  await view.locator(`.column[data-column="${cols[0].id}"] .fig-W vscode-button`, { hasText: 'PNG' }).click();
  const pngFile = join(ctx.workspace, 'compare-chain_1.05_N_100-W-heatmap.png');
  await acceptSave(ctx, pngFile);
  assert.equal(readFileSync(pngFile).subarray(1, 4).toString(), 'PNG');
  await ctx.screenshot('edited');

  // "Add Matrix to Comparison" from the inspector: a trained PyTorch matrix joins the initializers.
  await ctx.quickOpen('torch_rnn_state_dict.pt');
  await webviewWith(ctx.page, '#tensor-table tr.selected[data-name="rnn.weight_hh_l0"]');
  await ctx.runCommand('Recurrent Lens: Add Matrix to Comparison');
  const withLoaded = await waitForColumns(ctx.page, view, (c) => c.length === 4 && c.every((x) => x.ready), 'the loaded matrix column');
  const loaded = withLoaded[3];
  assert.equal(loaded.init, null);
  assert.equal(loaded.n, 32);
  assert.match(loaded.title, /^rnn\.weight_hh_l0 — torch_rnn_state_dict\.pt$/);
  const row = view.locator(`#summary tr[data-column="${loaded.id}"]`);
  assert.equal(await row.locator('td[data-key="jTot"]').getAttribute('data-method'), 'stein');
  assert.match(await row.locator('td[data-key="spectralRadius"]').getAttribute('data-method') ?? '', /^(float64|untrustworthy)$/);
  // Linked hover across sizes: (40, 40) exists in the 100×100 initializers, not in the 32×32 matrix.
  const pos2 = await first.evaluate((_c, id) => (window as any).recurrentLensCompare.heatmap(id, 'W').cellCenter(40, 40), cols[0].id);
  await first.scrollIntoViewIfNeeded();
  await first.hover({ position: pos2 });
  await view.locator(`.column[data-column="${cols[2].id}"] .fig-W .readout[data-row="40"][data-col="40"]`).waitFor({ timeout: 5_000 });
  const marked2 = await view.locator('body').evaluate(() => (window as any).recurrentLensCompare.marked());
  assert.deepEqual(marked2, [{ row: 40, col: 40 }, { row: 40, col: 40 }, { row: 40, col: 40 }, null]);
  await ctx.screenshot('with-loaded-matrix');
}
