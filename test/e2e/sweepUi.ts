/// <reference lib="dom" />
// What the sweep specs share: Start Sweep from the palette through its cost dialog, and the Runs view's sweep groups.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import type { SpecContext } from './run';
import { choose, quickTitle } from './trainingUi';

/**
 * Open Sweep Panel from the palette, choosing the sweep whose folder is `id` by typing it: the pick lists every sweep
 * of the workspace (newest first), and other specs leave theirs there.
 */
export async function openSweepPanelFromPalette(ctx: SpecContext, id: string): Promise<void> {
  await ctx.runCommand('Recurrent Lens: Open Sweep Panel');
  await quickTitle(ctx.page, 'Open Sweep Panel').waitFor({ timeout: 15_000 });
  await choose(ctx.page, id);
}

/** VS Code's modal dialog (custom in the browser). */
export const dialog = (page: Page) => page.locator('.monaco-dialog-box');

/**
 * Runs Start Sweep…, picks `source` (a preset or a sweep file's name), waits for the cost dialog and answers it with
 * `button`. Returns the dialog's message and detail.
 */
export async function startSweep(ctx: SpecContext, source: string, button: string): Promise<{ message: string; detail: string }> {
  const { page } = ctx;
  await ctx.runCommand('Recurrent Lens: Start Sweep…');
  await quickTitle(page, 'Start Sweep').waitFor({ timeout: 15_000 });
  await choose(page, source);
  // The estimate times a few updates in a child process first.
  const box = dialog(page);
  await box.waitFor({ state: 'visible', timeout: 60_000 });
  const message = (await box.locator('.dialog-message-text').innerText()).trim();
  const detail = (await box.locator('.dialog-message-detail').innerText()).trim();
  ctx.log('cost dialog:', message, '|', detail.replace(/\n+/g, ' | '));
  await box.locator('.dialog-buttons .monaco-button', { hasText: button }).click();
  await box.waitFor({ state: 'hidden', timeout: 10_000 });
  return { message, detail };
}

/** The Runs view's top-level row of a sweep (by its name). */
export function sweepRow(page: Page, name: string): Locator {
  return page.locator('.pane-body .monaco-list-row[aria-level="1"]', { hasText: name });
}

/** Waits until a sweep row's text matches `re`; returns the text. */
export async function rowMatching(row: Locator, re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    // the row ends with the sweep's disk use (" · 928 KiB"), measured in the background: matched without it
    text = (await row.innerText().catch(() => '')).replace(/\s+/g, ' ').replace(/ · [\d.]+ (B|KiB|MiB|GiB|TiB)$/, '');
    if (re.test(text)) return text;
    if (Date.now() > deadline) assert.fail(`the sweep row never matched ${re} in ${timeoutMs / 1000} s; it says: ${text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The sweep folder (under .recurrent-lens/sweeps) whose sweep.json has `name`. */
export function sweepDir(workspace: string, name: string): string | undefined {
  const root = join(workspace, '.recurrent-lens', 'sweeps');
  if (!existsSync(root)) return undefined;
  for (const id of readdirSync(root)) {
    try {
      if (JSON.parse(readFileSync(join(root, id, 'sweep.json'), 'utf8')).name === name) return join(root, id);
    } catch {
      // not written yet
    }
  }
  return undefined;
}

/** Clicks an inline action of a row (hover first: inline actions show on hover). */
export async function inlineAction(row: Locator, label: string): Promise<void> {
  await row.hover();
  await row.locator(`.action-label[aria-label="${label}"]`).click();
}

/**
 * Chooses `label` in `row`'s context menu until `then` shows (a click can land while the menu is still settling and
 * be dropped: the menu stays open).
 */
export async function contextMenu(page: Page, row: Locator, label: string, then: Locator): Promise<void> {
  const item = page.locator('.context-view .action-label', { hasText: label });
  for (let attempt = 1; ; attempt++) {
    if (!(await item.isVisible())) await row.click({ button: 'right' });
    await item.hover();
    await item.click();
    try {
      await then.waitFor({ timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}
