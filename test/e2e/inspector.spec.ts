/// <reference lib="dom" />
// The matrix inspector in real VS Code: a sweep checkpoint of 36 trained RNNs (216 tensors) is filtered with
// Ctrl+F to one group, shows that group's configs from the file, paints its W with a floating readout beside the
// outlined cell and axis indices that follow zoom, and keeps names on one line in a narrow editor; a chain
// exported by the CLI from the paper's Keras checkpoint opens from Quick Open, lists its tensor, paints its
// sub-diagonal and reads values on hover; a PyTorch LSTM lists its recurrent matrices first; a corrupt file shows
// a readable error instead of a blank panel.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import type { SpecContext } from './run';
import { parseNpy, writeNpy } from '../../src/core/readers/npy';
import { fmt } from '../../webview/format';

export const timeout = 120_000;

const REPO = join(__dirname, '..', '..', '..');
const CHAIN_NAME = 'model_weights/simple_rnn_1/simple_rnn_1/recurrent_kernel:0';

async function pixelAt(view: FrameLocator, row: number, col: number): Promise<[number, number, number]> {
  return view.locator('#heatmap').evaluate((canvas: HTMLCanvasElement, [r, c]) => {
    const hm = (window as any).recurrentLensHeatmap;
    const { x, y } = hm.cellCenter(r, c);
    const dpr = canvas.width / canvas.clientWidth;
    const d = canvas.getContext('2d')!.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data;
    return [d[0], d[1], d[2]] as [number, number, number];
  }, [row, col]);
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function sweep(ctx: SpecContext): Promise<void> {
  const file = join(ctx.workspace, 'trained', 'sweep_36_rnns.pt');
  // The truth, from the file through the CLI (not through the webview under test).
  const cli = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'inspect', file, '--json'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const truth = JSON.parse(cli.stdout);
  const config7 = truth.metadata.find((e: { name: string }) => e.name === 'configs').value[7];
  const group7: string[] = truth.groups[7].tensors;
  const W = 'state_dicts.7.rnn.weight_hh_l0';
  const exported = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'export', file, '--tensor', W,
    '--out', join(ctx.workspace, 'w7.npy')], { encoding: 'utf8' });
  assert.equal(exported.status, 0, exported.stderr);
  const w7 = parseNpy(new Uint8Array(readFileSync(join(ctx.workspace, 'w7.npy'))));

  const opened = Date.now();
  await ctx.quickOpen('sweep_36_rnns.pt');
  const view = await ctx.webview();
  await view.locator('#transform', { hasText: '100×100' }).waitFor({ timeout: 60_000 });
  const shownMs = Date.now() - opened;
  const t = await view.locator('body').evaluate(() => ({ origin: performance.timeOrigin, t: (window as any).recurrentLensTimings }));
  const since = Object.fromEntries(Object.entries(t.t as Record<string, number>).map(([k, v]) => [k, Math.round(t.origin + v - opened)]));
  ctx.log(`sweep_36_rnns.pt: first heatmap ${shownMs} ms after Quick Open; ms since Quick Open:`, JSON.stringify(since),
    await view.locator('header .meta').first().innerText());

  // 36 collapsed groups with a count; epoch and args at file level.
  assert.equal(await view.locator('tr.group-header').count(), 36);
  assert.equal(await view.locator('#filter-count').innerText(), '216 tensors');
  assert.match(await view.locator('tr.group-header[data-group="state_dicts.7"]').innerText(), /state_dicts\.7\s+6 tensors · 1 recurrent/);
  const fileMeta = await view.locator('#file-metadata').innerText();
  assert.match(fileMeta, /epoch\s+60/);
  assert.match(fileMeta, new RegExp(`optimizer\\s+${truth.metadata.find((e: { name: string }) => e.name === 'args').value.optimizer}`));

  // Ctrl+F while the inspector has focus: the filter; `state_dicts.7.` leaves exactly that group.
  await view.locator('header h1').click();
  await ctx.page.keyboard.press('Control+F');
  await view.locator('#tensor-filter:focus').waitFor({ timeout: 5_000 });
  await ctx.page.keyboard.type('state_dicts.7.');
  await view.locator('#filter-count', { hasText: '6 of 216' }).waitFor({ timeout: 5_000 });
  const visible = await view.locator('#tensor-table tr[data-name]:visible').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.name));
  assert.deepEqual(visible, group7);
  const meta = await view.locator('tbody[data-group="state_dicts.7"] .group-meta').innerText();
  assert.match(meta, /configs\[7\]/);
  assert.match(meta, new RegExp(`\\blr\\s+${String(config7.lr).replace('.', '\\.')}\\b`));
  assert.match(meta, new RegExp(`\\bseed\\s+${config7.seed}\\b`));
  assert.match(meta, new RegExp(`\\binit\\s+${config7.init}\\b`));
  // Keyboard: Down from the filter to the first row, Enter shows it.
  await ctx.page.keyboard.press('ArrowDown');
  await view.locator(`tr[data-name="${W}"]:focus`).waitFor({ timeout: 5_000 });
  await ctx.page.keyboard.press('Enter');
  await view.locator(`tr.selected[data-name="${W}"]`).waitFor({ timeout: 5_000 });
  await view.locator('#matrix-title', { hasText: W }).waitFor({ timeout: 15_000 });
  await view.locator('#transform', { hasText: '100×100' }).waitFor();
  await ctx.screenshot('sweep-filtered');

  // Hover a cell: the floating readout shows its value (from the file), beside the outlined cell, not over it.
  const [r, c] = [12, 34];
  const canvasBox = (await view.locator('#heatmap').boundingBox())!;
  const pos = await view.locator('#heatmap').evaluate((_, [row, col]) => (window as any).recurrentLensHeatmap.cellCenter(row, col), [r, c]);
  await view.locator('#heatmap').hover({ position: pos });
  await view.locator('.heatmap-tip:not([hidden])').waitFor({ timeout: 5_000 });
  assert.equal(await view.locator('.heatmap-tip-value').innerText(), fmt(w7.data[r * 100 + c], 6));
  assert.equal(await view.locator('.heatmap-tip-where').innerText(), `row ${r}, col ${c}`);
  assert.match(await view.locator('#readout').innerText(), new RegExp(`^row ${r}, col ${c}: `), 'the aria-live text line stays');
  assert.deepEqual(await view.locator('#heatmap').evaluate(() => (window as any).recurrentLensHeatmap.hoveredCell), { row: r, col: c });
  const cellBox: Box = await view.locator('#heatmap').evaluate((_, [row, col]) => (window as any).recurrentLensHeatmap.cellRect(row, col), [r, c]);
  const cellOnPage = { ...cellBox, x: canvasBox.x + cellBox.x, y: canvasBox.y + cellBox.y };
  const tipBox = (await view.locator('.heatmap-tip').boundingBox())!;
  assert.ok(!overlaps(tipBox, cellOnPage), `readout ${JSON.stringify(tipBox)} must not cover the cell ${JSON.stringify(cellOnPage)}`);
  // The outline is drawn around that cell: pixels just outside its corner change when the pointer leaves.
  const ring = () => view.locator('#heatmap').evaluate((canvas: HTMLCanvasElement, [row, col]) => {
    const b = (window as any).recurrentLensHeatmap.cellRect(row, col);
    const dpr = canvas.width / canvas.clientWidth;
    const d = canvas.getContext('2d')!.getImageData(Math.floor((b.x - 1) * dpr), Math.floor((b.y + b.height / 2) * dpr), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, [r, c]);
  const withOutline = await ring();
  await ctx.page.mouse.move(canvasBox.x + canvasBox.width + 40, canvasBox.y - 40);
  await view.locator('.heatmap-tip[hidden]').waitFor({ state: 'attached', timeout: 5_000 });
  await view.locator('#heatmap').evaluate(() => new Promise(requestAnimationFrame));
  const without = await ring();
  assert.notDeepEqual(withOutline, without, 'outline pixels at the hovered cell');

  // Axis indices follow zoom: in view, and finer after zooming in.
  const before = await view.locator('#heatmap').evaluate(() => (window as any).recurrentLensHeatmap.axisTicks);
  assert.ok(before.cols.length >= 3 && before.cols.includes(0), `column ticks ${JSON.stringify(before.cols)}`);
  await view.locator('#heatmap').focus();
  for (let i = 0; i < 5; i++) await ctx.page.keyboard.press('+');
  await view.locator('#heatmap').evaluate(() => new Promise(requestAnimationFrame));
  const after = await view.locator('#heatmap').evaluate(() => {
    const hm = (window as any).recurrentLensHeatmap;
    return { ticks: hm.axisTicks, range: hm.visibleRange };
  });
  assert.notDeepEqual(after.ticks, before, 'ticks changed with zoom');
  for (const [axis, range] of [['rows', after.range.rows], ['cols', after.range.cols]] as const) {
    const ticks: number[] = after.ticks[axis];
    assert.ok(ticks.length >= 2, `${axis} ticks ${JSON.stringify(ticks)}`);
    for (const k of ticks) assert.ok(k + 0.5 >= range[0] && k + 0.5 <= range[1], `${axis} tick ${k} inside the visible ${JSON.stringify(range)}`);
    assert.ok(range[1] - range[0] < 40, `zoomed in: ${axis} ${JSON.stringify(range)}`);
  }
  assert.ok(after.ticks.cols[1] - after.ticks.cols[0] < before.cols[1] - before.cols[0], 'finer steps when zoomed in');
  await ctx.screenshot('sweep-zoomed');

  // Escape clears the filter; the selected tensor's group stays open.
  await view.locator('#tensor-filter').focus();
  await ctx.page.keyboard.press('Escape');
  await view.locator('#filter-count', { hasText: '216 tensors' }).waitFor({ timeout: 5_000 });

  // A narrow editor (as beside the analysis panel): fewer columns, and names stay on one line.
  const size = ctx.page.viewportSize()!;
  await ctx.page.setViewportSize({ width: 820, height: size.height });
  try {
    await view.locator('th.col-mean').waitFor({ state: 'hidden', timeout: 5_000 });
    const lines = await view.locator('#tensor-table tr[data-name]:visible td.name').evaluateAll((cells) => cells.map((td) => {
      const text = td.querySelector('.name-text') as HTMLElement;
      return { h: text.getBoundingClientRect().height, line: parseFloat(getComputedStyle(text).lineHeight) || 20, title: td.getAttribute('title') };
    }));
    assert.ok(lines.length >= 6);
    for (const l of lines) {
      assert.ok(l.h < l.line * 1.5, `name on one line (${l.h}px for a ${l.line}px line)`);
      assert.ok(l.title && l.title.startsWith('state_dicts.'), 'the full name is the title');
    }
    await ctx.screenshot('sweep-narrow');
  } finally {
    await ctx.page.setViewportSize(size);
  }
}

export default async function inspector(ctx: SpecContext): Promise<void> {
  await sweep(ctx);

  // A real file from a real tool: our CLI exports the Keras recurrent kernel (row convention) as W = Rᵀ.
  const exported = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'export', join(ctx.workspace, 'keras_copy_chain.h5'),
    '--tensor', CHAIN_NAME, '--out', join(ctx.workspace, 'chain_W.npy')], { encoding: 'utf8' });
  assert.equal(exported.status, 0, exported.stderr);

  await ctx.quickOpen('chain_W.npy');
  const view = await ctx.webview();
  await view.locator('#tensor-table tbody tr').first().waitFor({ timeout: 30_000 });
  assert.equal(await view.locator('#tensor-table tbody tr').count(), 1);
  assert.match(await view.locator('#tensor-table tbody tr').first().innerText(), /\[32, 32\]\s+float32/);
  assert.match(await view.locator('#transform').innerText(), /32×32/);
  await view.locator('#colormap').waitFor();
  // Give the first frame time to paint.
  await ctx.page.waitForTimeout(500);

  // Sub-diagonal W[i][i-1] = 1.02 is the top of the symmetric diverging scale: strongly red.
  for (const i of [1, 10, 31]) {
    const [r, g, b] = await pixelAt(view, i, i - 1);
    assert.ok(r > 90 && r - b > 40 && r - g > 40, `W[${i}][${i - 1}] coloured red, got rgb(${r},${g},${b})`);
  }
  // Zeros (diagonal, super-diagonal, far corner) are the neutral centre: grey, no hue.
  for (const [i, j] of [[0, 0], [5, 5], [4, 5], [0, 31], [31, 0]]) {
    const [r, g, b] = await pixelAt(view, i, j);
    assert.ok(Math.max(r, g, b) - Math.min(r, g, b) <= 12, `W[${i}][${j}] = 0 neutral, got rgb(${r},${g},${b})`);
  }

  // Hover readout with the real mouse over the cell (row 5, col 4).
  const pos = await view.locator('#heatmap').evaluate(() => (window as any).recurrentLensHeatmap.cellCenter(5, 4));
  await view.locator('#heatmap').hover({ position: pos });
  await view.locator('#readout', { hasText: 'row 5, col 4' }).waitFor({ timeout: 5_000 });
  assert.match(await view.locator('#readout').innerText(), /^row 5, col 4: 1\.02\b/);
  await ctx.screenshot('chain-heatmap');

  // Keyboard: focus the heatmap, arrows move the cursor and the readout follows.
  await view.locator('#heatmap').focus();
  await ctx.page.keyboard.press('ArrowDown');
  await ctx.page.keyboard.press('ArrowDown');
  await view.locator('#readout', { hasText: 'row 1, col 0' }).waitFor({ timeout: 5_000 });

  // The paper's Keras checkpoint through the palette command: shown transposed (W = Rᵀ), the UI says so.
  await ctx.quickOpen('keras_copy_chain.h5');
  await ctx.runCommand('Recurrent Lens: Open in Matrix Inspector');
  const keras = await ctx.webview();
  await keras.locator(`tr.selected[data-name="${CHAIN_NAME}"]`).waitFor({ timeout: 30_000 });
  assert.match(await keras.locator('#transform').innerText(), /transposed: stored in Keras\/TF\.js row convention \(h = h R\), shown as W = Rᵀ/);
  await keras.locator('#heatmap').evaluate(() => new Promise(requestAnimationFrame));
  const [kr, kg, kb] = await pixelAt(keras, 7, 6);
  assert.ok(kr - kb > 40 && kr - kg > 40, `Keras chain W[7][6] red after transposing, got rgb(${kr},${kg},${kb})`);
  const [zr, zg, zb] = await pixelAt(keras, 6, 7);
  assert.ok(Math.max(zr, zg, zb) - Math.min(zr, zg, zb) <= 12, `W[6][7] = 0 neutral, got rgb(${zr},${zg},${zb})`);
  await ctx.screenshot('keras');

  // TF.js model.json opens as text; the command shows its weights instead.
  await ctx.quickOpen('model.json');
  await ctx.runCommand('Recurrent Lens: Open in Matrix Inspector');
  const tfjs = await ctx.webview();
  await tfjs.locator('tr.selected[data-name="simple_rnn_1/recurrent_kernel"]').waitFor({ timeout: 30_000 });
  assert.match(await tfjs.locator('header').innerText(), /tfjs/);

  // PyTorch LSTM language model: recurrent matrices first, gates named.
  await ctx.quickOpen('torch_awd_lstm_model.pt');
  const lstm = await ctx.webview();
  await lstm.locator('#tensor-table tbody tr[data-name="0.rnns.0.weight_hh_l0"]').waitFor({ timeout: 30_000 });
  const names = await lstm.locator('#tensor-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.name));
  assert.deepEqual(names.slice(0, 3), ['0.rnns.0.weight_hh_l0', '0.rnns.1.weight_hh_l0', '0.rnns.2.weight_hh_l0']);
  assert.match(await lstm.locator('tr[data-name="0.rnns.0.weight_hh_l0"] .badge').innerText(), /recurrent N=24 LSTM i,f,g,o/);
  await lstm.locator('#gate').waitFor();
  await ctx.screenshot('lstm');

  // Reopens where the user left it: select W_in in weights.npz, close, reopen.
  await ctx.quickOpen('weights.npz');
  let npz = await ctx.webview();
  await npz.locator('tr[data-name="W_in"]').click();
  await npz.locator('tr.selected[data-name="W_in"]').waitFor();
  await npz.locator('#transform', { hasText: '32×10' }).waitFor();
  await ctx.page.waitForTimeout(600); // the view state is sent to the host after 250 ms
  await ctx.runCommand('View: Close Editor');
  await ctx.quickOpen('weights.npz');
  npz = await ctx.webview();
  await npz.locator('tr.selected[data-name="W_in"]').waitFor({ timeout: 15_000 });

  // 4096×4096 (64 MiB of float32): opens, says it is downsampled, and a lone value still shows.
  const n = 4096;
  const big = new Float32Array(n * n);
  big[4000 * n + 17] = 5;
  big[100 * n + 3000] = -5;
  writeFileSync(join(ctx.workspace, 'big_4096.npy'), writeNpy([n, n], big, 'float32'));
  const opened = Date.now();
  await ctx.quickOpen('big_4096.npy');
  const bigView = await ctx.webview();
  await bigView.locator('#transform', { hasText: '4096×4096' }).waitFor({ timeout: 30_000 });
  ctx.log(`4096×4096 shown ${Date.now() - opened} ms after Quick Open; webview timings (ms since start):`,
    JSON.stringify(await bigView.locator('body').evaluate(() => (window as any).recurrentLensTimings)));
  await bigView.locator('#downsample-note:not([hidden])').waitFor({ timeout: 10_000 });
  assert.match(await bigView.locator('#downsample-note').innerText(), /largest-magnitude value of a \d+×\d+ block/);
  // Each pixel now shows a block; sample the centre of the block holding each lone value.
  const step = Number(/of a (\d+)×/.exec(await bigView.locator('#downsample-note').innerText())![1]);
  const blockCentre = (i: number) => Math.floor(i / step) * step + step / 2;
  const [r1, g1, b1] = await pixelAt(bigView, blockCentre(4000), blockCentre(17));
  assert.ok(r1 - b1 > 40, `isolated +5 at (4000, 17) visible when downsampled ×${step}, got rgb(${r1},${g1},${b1})`);
  const [r2, g2, b2] = await pixelAt(bigView, blockCentre(100), blockCentre(3000));
  assert.ok(b2 - r2 > 40, `isolated −5 at (100, 3000) visible when downsampled ×${step}, got rgb(${r2},${g2},${b2})`);
  // Zoom in with the wheel until every cell has its own pixel: the note goes away.
  await bigView.locator('#heatmap').hover();
  for (let i = 0; i < 12; i++) await ctx.page.mouse.wheel(0, -400);
  // Every value (64 MiB) crosses from the host after the overview: seconds on a busy machine.
  await bigView.locator('#downsample-note[hidden]').waitFor({ state: 'attached', timeout: 40_000 });
  await ctx.screenshot('big-zoomed');

  // A corrupt file: one readable line naming the file and the problem.
  await ctx.quickOpen('truncated.npy');
  const bad = await ctx.webview();
  await bad.locator('#error .error-message').waitFor({ timeout: 30_000 });
  assert.match(await bad.locator('#error .error-message').innerText(), /truncated\.npy: truncated data/);
  await ctx.screenshot('error');
}
