/// <reference lib="dom" />
// The Runs view and the training panel as a new user meets them: the form's Enter after an edit starts the run, the
// panel follows Stop and Resume both ways (from its own buttons and from the Runs view), runs are named by what
// tells them apart, a click on a checkpoint opens it in the inspector (its tab named by run and update), and several
// selected runs compare in one chart with a legend of their differences, exported as SVG, PNG and CSV.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { SpecContext } from './run';
import { webviewWith } from './workbench';

export const timeout = 240_000;

const icon = (name: string) => `.custom-view-tree-node-item-icon.codicon-${name}`;
const box = (page: Page) => page.locator('.quick-input-widget .quick-input-box input');
const title = (page: Page, t: string) => page.locator('.quick-input-widget .quick-input-title', { hasText: t });

async function choose(page: Page, label: string): Promise<void> {
  await box(page).fill(label);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
}

async function setField(page: Page, label: string, value: string): Promise<void> {
  await choose(page, label);
  await title(page, label).waitFor();
  await box(page).fill(value);
  await page.keyboard.press('Enter');
  await title(page, 'Start Training Run').waitFor();
}

async function showRunsView(ctx: SpecContext): Promise<void> {
  await ctx.runCommand('Focus on Runs View');
  await ctx.page.locator('.sidebar .composite.title', { hasText: /Runs/i }).waitFor();
}

function runsRoot(workspace: string): string {
  return join(workspace, '.recurrent-lens', 'runs');
}

function runByName(workspace: string, name: string): { id: string; status: Record<string, unknown> } | undefined {
  const root = runsRoot(workspace);
  if (!existsSync(root)) return undefined;
  for (const id of readdirSync(root)) {
    try {
      const config = JSON.parse(readFileSync(join(root, id, 'config.json'), 'utf8'));
      if (config.name === name) return { id, status: JSON.parse(readFileSync(join(root, id, 'status.json'), 'utf8')) };
    } catch {
      // not written yet
    }
  }
  return undefined;
}

async function acceptSave(ctx: SpecContext, file: string): Promise<void> {
  await box(ctx.page).waitFor({ state: 'visible', timeout: 15_000 });
  await ctx.page.waitForTimeout(300);
  await box(ctx.page).fill(file);
  await ctx.page.keyboard.press('Enter');
  for (let i = 0; i < 100 && !existsSync(file); i++) await ctx.page.waitForTimeout(100);
  assert.ok(existsSync(file), `${file} written`);
}

/** The panel's state badge and progress line once they say `state`. */
async function panelState(panel: FrameLocator, state: string): Promise<string> {
  await panel.locator(`#state[data-state="${state}"]`).waitFor({ timeout: 30_000 });
  return (await panel.locator('#progress-text').innerText()).trim();
}

export default async function runs(ctx: SpecContext): Promise<void> {
  const { page } = ctx;

  // ---- The form: after changing a setting, the active row is "Start training" again, so Enter starts the run.
  await ctx.runCommand('Recurrent Lens: Start Training Run…');
  await title(page, 'Start Training Run').waitFor();
  await setField(page, 'Name', 'panel stop');
  await setField(page, 'Sequence length T', '30');
  await setField(page, 'Hidden units N', '24');
  await setField(page, 'Updates', '400000');
  const active = page.locator('.quick-input-list .monaco-list-row.focused');
  assert.match(await active.innerText(), /Start training/, 'after an edit the active row is Start training');
  await box(page).fill('');
  await page.keyboard.press('Enter');

  // ---- The panel follows the run: Stop from the panel stops it, and the Runs view shows it stopped.
  const panel = await webviewWith(page, '#title:text("panel stop")');
  await panelState(panel, 'running');
  await panel.locator('#progress-text', { hasText: /left/ }).waitFor({ timeout: 30_000 });
  await showRunsView(ctx);
  const row = page.locator('.pane-body .monaco-list-row', { hasText: 'panel stop' });
  await row.locator(icon('sync')).waitFor({ timeout: 20_000 });
  await panel.locator('#stop').click();
  let progress = await panelState(panel, 'stopped');
  assert.doesNotMatch(progress, /left/, `no time left once stopped: ${progress}`);
  assert.equal(await panel.locator('#stop').isVisible(), false, 'Stop hidden when stopped');
  assert.equal(await panel.locator('#resume').isVisible(), true, 'Resume shown when stopped');
  await row.locator(icon('debug-stop')).waitFor({ timeout: 30_000 });
  assert.equal(runByName(ctx.workspace, 'panel stop')?.status.state, 'stopped');
  await ctx.screenshot('panel-stopped');

  // Resume from the Runs view: the panel says running again; Stop from the Runs view: the panel says stopped.
  await row.hover();
  await row.locator('.action-label[aria-label="Resume Training Run"]').click();
  await panelState(panel, 'running');
  assert.equal(await panel.locator('#stop').isVisible(), true, 'Stop shown while running');
  await row.hover();
  await row.locator('.action-label[aria-label="Stop Training Run"]').click();
  progress = await panelState(panel, 'stopped');
  assert.doesNotMatch(progress, /left/, `no time left once stopped: ${progress}`);
  // Resume from the panel, stop from the panel again: both ways, more than once.
  await panel.locator('#resume').click();
  await panelState(panel, 'running');
  await row.locator(icon('sync')).waitFor({ timeout: 20_000 });
  await panel.locator('#stop').click();
  await panelState(panel, 'stopped');
  await row.locator(icon('debug-stop')).waitFor({ timeout: 30_000 });
  const stopped = runByName(ctx.workspace, 'panel stop')!;
  assert.equal(stopped.status.state, 'stopped');

  // ---- A click on a checkpoint item opens that checkpoint in the inspector; its tab is named by run and update.
  await row.click();
  await page.keyboard.press('ArrowRight');
  const checkpoints = page.locator('.pane-body .monaco-list-row', { hasText: /^update \d+/ });
  await checkpoints.first().waitFor({ timeout: 15_000 });
  const oldest = checkpoints.last();
  const oldestText = await oldest.innerText();
  const update = Number(/update (\d+)/.exec(oldestText)![1]);
  await oldest.click();
  const inspector = await webviewWith(page, '#heatmap, canvas', 60_000);
  assert.ok(inspector);
  const tab = page.locator('.tabs-container .tab.active');
  await tab.waitFor();
  const tabLabel = (await tab.innerText()).trim();
  ctx.log('checkpoint tab', tabLabel);
  assert.match(tabLabel, new RegExp(`${stopped.id}.*update-0*${update}`), `the tab names run and update: ${tabLabel}`);
  await ctx.screenshot('checkpoint');
}
