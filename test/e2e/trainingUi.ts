/// <reference lib="dom" />
// What the training specs share: the Start Training Run form, the Runs view, run folders on disk.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { SpecContext } from './run';

/** A Runs view item's state icon (not an inline action's). */
export const icon = (name: string) => `.custom-view-tree-node-item-icon.codicon-${name}`;

export const box = (page: Page) => page.locator('.quick-input-widget .quick-input-box input');

export const quickTitle = (page: Page, t: string) => page.locator('.quick-input-widget .quick-input-title', { hasText: t });

/** In the open quick pick, chooses the row whose label starts with `label`. */
export async function choose(page: Page, label: string): Promise<void> {
  await box(page).fill(label);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/**
 * Runs `command`, whose quick pick is titled `title`, and chooses the run `id` by typing it (the run pickers match on
 * the id). The quick pick can close as it opens when focus moves (a webview finishing its load): then it runs again.
 */
export async function pickRunWith(ctx: SpecContext, command: string, title: string, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.runCommand(command);
      await quickTitle(ctx.page, title).waitFor({ timeout: 30_000 });
      await choose(ctx.page, id);
      await quickTitle(ctx.page, title).waitFor({ state: 'hidden', timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      ctx.log(`${command}: run ${id} not chosen (${String((e as Error).message).split('\n')[0]}); again`);
    }
  }
}

/** Sets a field of the Start Training Run form to `value` and waits for the form to come back. */
export async function setField(page: Page, label: string, value: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await choose(page, label);
    try {
      await quickTitle(page, label).waitFor({ timeout: 5_000 });
      break;
    } catch (e) {
      // The focus race runCommand retries too (workbench.ts): the input box can close as it opens, which the form treats as
      // a cancelled edit and shows itself again. Choose the field again.
      if (attempt >= 3) throw e;
      await quickTitle(page, 'Start Training Run').waitFor();
    }
  }
  await box(page).fill(value);
  await page.keyboard.press('Enter');
  await quickTitle(page, 'Start Training Run').waitFor();
}

/** Shows the Runs view (its generated focus command: the activity bar item toggles, and a reload restores layout). */
export async function showRunsView(ctx: SpecContext): Promise<void> {
  await ctx.runCommand('Focus on Runs View');
  await ctx.page.locator('.sidebar .composite.title', { hasText: /Runs/i }).waitFor();
}

/** The run folder whose config.json has `name`, with its status.json. */
export function runStatus(workspace: string, name: string): { id: string; status: Record<string, unknown> } | undefined {
  const root = join(workspace, '.recurrent-lens', 'runs');
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

/** Types `file` into VS Code's save dialog (a quick input in the browser), accepts it and waits for the file. */
export async function acceptSave(ctx: SpecContext, file: string): Promise<void> {
  await box(ctx.page).waitFor({ state: 'visible', timeout: 15_000 });
  await ctx.page.waitForTimeout(300);
  await box(ctx.page).fill(file);
  await ctx.page.keyboard.press('Enter');
  for (let i = 0; i < 100 && !existsSync(file); i++) await ctx.page.waitForTimeout(100);
  assert.ok(existsSync(file), `${file} written`);
}
