/// <reference lib="dom" />
// LSTM / GRU gate blocks in the compare panel, by keyboard only: with the panel open (Compare Initializers,
// accepting the paper's four), pick "LSTM" in the Add row's cell select, type mixed:1.02 and N = 20, press Enter:
// four columns appear, one per gate block i, f, c, o, each analysed. The cell block c is the chain (its exact Henrici
// 1.02·√19 and J_tot, as a vanilla chain), the gate blocks i, f, o the skew-symmetric ramp (normal: Henrici 0,
// ρ = σ_max). A GRU adds three columns z, r, h.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import type { SpecContext } from './run';
import { webviewWith } from './workbench';
import { columnsOf, waitForColumns } from './compareUi';

export const timeout = 150_000;

async function value(view: FrameLocator, init: string, key: string): Promise<{ value: number; method: string | null }> {
  const td = view.locator(`#summary tr[data-init="${init}"] td[data-key="${key}"]`);
  return { value: Number(await td.getAttribute('data-value')), method: await td.getAttribute('data-method') };
}

export default async function compareGated(ctx: SpecContext): Promise<void> {
  await ctx.runCommand('Recurrent Lens: Compare Initializers');
  for (let i = 0; i < 3; i++) {
    await ctx.page.locator('.quick-input-widget .quick-input-title', { hasText: `${i + 1}/3` }).waitFor();
    await ctx.page.keyboard.press('Enter');
  }
  const view = await webviewWith(ctx.page, '#columns .column[data-init="identity:1.0"]');
  await waitForColumns(ctx.page, view, (c) => c.length === 4 && c.every((x) => x.ready), 'the paper\'s four');

  // Keyboard only: focus the cell select, ArrowDown to "LSTM", Tab to the spec, type, Tab to N, type, Enter.
  const select = view.locator('#add-cell');
  assert.equal(await select.getAttribute('aria-label'), 'Cell of the initializer to add: RNN, or one column per LSTM or GRU gate block');
  await select.focus();
  await ctx.page.keyboard.press('ArrowDown');
  assert.equal(await select.inputValue(), 'lstm');
  await ctx.page.keyboard.press('Tab');
  assert.equal(await view.locator('#add-spec').evaluate((e) => e === document.activeElement), true, 'Tab moves to the spec');
  assert.equal(await view.locator('#add-spec').getAttribute('placeholder'), 'mixed:1.02');
  await ctx.page.keyboard.type('mixed:1.02');
  await ctx.page.keyboard.press('Tab');
  // Clear the number input with Backspace and type: typing right after Control+A lost a keystroke (N read "0" and no
  // column came), so the value is also checked and typed again, by keyboard still, until it reads 20.
  const addN = view.locator('#add-n');
  for (let attempt = 0; attempt < 3 && (await addN.inputValue()) !== '20'; attempt++) {
    await ctx.page.keyboard.press('End');
    for (let k = 0; k < 4; k++) await ctx.page.keyboard.press('Backspace');
    await ctx.page.keyboard.type('20');
  }
  assert.equal(await addN.inputValue(), '20', 'N typed');
  assert.equal(await view.locator('#add-spec').inputValue(), 'mixed:1.02', 'spec typed');
  await ctx.page.keyboard.press('Enter');

  const gates = ['i', 'f', 'c', 'o'];
  const cols = await waitForColumns(ctx.page, view, (c) => c.length === 8 && c.every((x) => x.ready), 'four gate-block columns');
  const added = cols.slice(4);
  assert.deepEqual(added.map((c) => c.init), gates.map((g) => `mixed:1.02/lstm.${g}`));
  assert.deepEqual(added.map((c) => c.title), gates.map((g) => `LSTM mixed:1.02 gate ${g} (N = 20)`));
  assert.ok(added.every((c) => c.n === 20 && c.error === null));
  // The cell block: the chain's closed forms.
  const h = await value(view, 'mixed:1.02/lstm.c', 'henrici');
  assert.equal(h.method, 'exact');
  assert.ok(Math.abs(h.value - 1.02 * Math.sqrt(19)) < 1e-12, `Henrici ${h.value}`);
  assert.equal((await value(view, 'mixed:1.02/lstm.c', 'jTot')).method, 'exact');
  // The gate blocks: the ramp, normal (Henrici ≈ 0 relative to its size) with ρ = σ_max, from float64.
  for (const g of ['i', 'f', 'o']) {
    const hr = await value(view, `mixed:1.02/lstm.${g}`, 'henrici');
    const rho = await value(view, `mixed:1.02/lstm.${g}`, 'spectralRadius');
    const sigma = await value(view, `mixed:1.02/lstm.${g}`, 'sigmaMax');
    assert.equal(sigma.method, 'float64');
    assert.ok(hr.value < 1e-12, `${g}: Henrici ${hr.value}`);
    assert.ok(Math.abs(rho.value - sigma.value) < 1e-12 && sigma.value > 0.01 && sigma.value < 0.1, `${g}: ρ ${rho.value}, σ ${sigma.value}`);
  }
  // The ramp blocks say that α does not shape them; the cell block's α is its chain.
  assert.match(await view.locator(`.column[data-column="${added[0].id}"] .col-inputs`).innerText(), /mixed α \(ramp here\)/);
  assert.doesNotMatch(await view.locator(`.column[data-column="${added[2].id}"] .col-inputs`).innerText(), /ramp here/);
  await view.locator(`.column[data-column="${added[2].id}"]`).evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await ctx.screenshot('lstm-gates');

  // A GRU: three columns z, r, h; the candidate h is the chain.
  await select.focus();
  await ctx.page.keyboard.press('ArrowDown');
  assert.equal(await select.inputValue(), 'gru');
  await view.locator('#add-spec').fill('mixed:0.9');
  await view.locator('#add-spec').press('Enter');
  const all = await waitForColumns(ctx.page, view, (c) => c.length === 11 && c.every((x) => x.ready), 'three GRU gate-block columns');
  assert.deepEqual(all.slice(8).map((c) => c.init), ['z', 'r', 'h'].map((g) => `mixed:0.9/gru.${g}`));
  const hh = await value(view, 'mixed:0.9/gru.h', 'henrici');
  assert.ok(Math.abs(hh.value - 0.9 * Math.sqrt(19)) < 1e-12 && hh.method === 'exact', `GRU h Henrici ${hh.value}`);
  // A spec that is not per-gate-block is refused in place (marked invalid, nothing added).
  await view.locator('#add-spec').fill('identity');
  await view.locator('#add-spec').press('Enter');
  assert.match((await view.locator('#add-spec').getAttribute('class')) ?? '', /invalid/);
  assert.equal((await columnsOf(view)).length, 11);
}
