// Driving the VS Code web workbench (served by code-server) with playwright-core and Debian's Chromium.
// See docs/testing.md ("Driving the workbench").
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

/**
 * Headless Debian Chromium. `env` should point HOME/TMPDIR into the run folder (runEnv). Playwright's own
 * Ctrl+C handling is off (it would exit the process before code-server is stopped): the caller handles
 * SIGINT/SIGTERM and closes the browser; on process exit Playwright still kills it.
 */
export async function launchBrowser(env?: NodeJS.ProcessEnv): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      env,
      timeout: 30_000,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (e) {
    throw new Error(`cannot start Chromium at ${CHROMIUM} (apt-get install -y chromium fonts-dejavu-core): ${(e as Error).message}`);
  }
}

export interface OpenOptions {
  /** The extension host's console (mocha's report included) when the URL carries a test payload. */
  onLog?: (level: string, message: string) => void;
  /** Called once the payload's tests finish: code 0 = passed; logs = the window's log files. */
  onExit?: (code: number, logs: { relativePath: string; contents: string }[]) => void;
  /** Wait for the workbench (default true). */
  wait?: boolean;
  timeoutMs?: number;
}

/** A fresh browser context (empty storage: no restored editors) with the workbench at `url`. */
export async function openWorkbench(
  browser: Browser,
  url: string,
  opts: OpenOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    if (opts.onLog) await page.exposeFunction('codeAutomationLog', opts.onLog);
    if (opts.onExit) await page.exposeFunction('codeAutomationExit', opts.onExit);
    await page.goto(url, { timeout: opts.timeoutMs ?? 60_000 });
    if (opts.wait !== false) await waitForWorkbench(page, opts.timeoutMs);
    return { context, page };
  } catch (e) {
    await context.close().catch(() => {});
    throw e;
  }
}

/** Ready when the status bar is visible (2–4 s after goto). */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  try {
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`the workbench did not load in ${timeoutMs / 1000} s (no status bar) at ${page.url()}`);
  }
}

const quickInput = (page: Page) => page.locator('.quick-input-widget');
const quickInputBox = (page: Page) => page.locator('.quick-input-widget .quick-input-box input');

async function closeQuickInput(page: Page): Promise<void> {
  if (await quickInput(page).isVisible()) {
    await page.keyboard.press('Escape');
    await quickInput(page).waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  }
}

/**
 * Finds `title` ("Category: Title", as shown in the palette) in the command palette and runs it (or, with
 * `execute: false`, only checks it is listed and closes the palette). Retries for the palette race: a palette
 * opened before the extension registered its commands never updates, so close and reopen until the row shows.
 */
export async function runCommand(
  page: Page,
  title: string,
  opts: { execute?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      await closeQuickInput(page);
      await page.keyboard.press('F1');
      await quickInputBox(page).waitFor({ state: 'visible', timeout: 5_000 });
      await quickInputBox(page).fill(`>${title}`, { timeout: 5_000 });
      const row = page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: title }) })
        .first();
      const plain = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      const found = await Promise.race([
        row.waitFor({ state: 'visible', timeout: 2_000 }).then(() => row),
        plain.waitFor({ state: 'visible', timeout: 2_000 }).then(() => plain),
      ]).catch(() => undefined);
      if (found) {
        if (opts.execute === false) {
          await closeQuickInput(page);
        } else {
          // Enter on the focused row: a click can miss while the list re-renders (row "not visible").
          if ((await found.getAttribute('class', { timeout: 2_000 }))?.includes('focused')) await page.keyboard.press('Enter');
          else await found.click({ force: true, timeout: 5_000 });
          await page.mouse.move(0, 0); // no hover tooltip left over the editor
          await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
        }
        return;
      }
    } catch (err) {
      // Focus can move while the palette opens (an editor or webview finishing its load closes it): retry.
      lastError = err;
    }
    if (Date.now() > deadline) {
      const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
      await closeQuickInput(page);
      throw new Error(
        `command "${title}" not run from the palette after ${attempt} attempts; rows: ${JSON.stringify(rows.slice(0, 10))}` +
          (lastError ? `; last error: ${String((lastError as Error).message ?? lastError).split('\n')[0]}` : ''),
      );
    }
  }
}

/** Opens a workspace file with Quick Open (Ctrl+P), retrying until the file index lists it. */
export async function quickOpen(page: Page, fileName: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      await closeQuickInput(page);
      await page.keyboard.press('Control+P');
      await quickInputBox(page).waitFor({ state: 'visible', timeout: 5_000 });
      await quickInputBox(page).fill(fileName, { timeout: 5_000 });
      const row = page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(fileName)}$`) }) })
        .first();
      if (await row.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) {
        await row.click({ timeout: 5_000 });
        await page.mouse.move(0, 0); // no hover tooltip left over the editor
        await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
        return;
      }
    } catch (err) {
      lastError = err; // focus moved while Quick Open was open: retry
    }
    if (Date.now() > deadline) {
      const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
      await closeQuickInput(page);
      throw new Error(`Quick Open did not open "${fileName}"; rows: ${JSON.stringify(rows.slice(0, 10))}` +
        (lastError ? `; last error: ${String((lastError as Error).message ?? lastError).split('\n')[0]}` : ''));
    }
  }
}

/**
 * The document inside the visible webview: `iframe.webview.ready` (the host frame) → `#active-frame` (the
 * extension's HTML). Waits until the webview is there.
 */
export async function webviewFrame(page: Page, opts: { timeoutMs?: number } = {}): Promise<FrameLocator> {
  const host = page.locator('iframe.webview.ready:visible').last();
  try {
    await host.waitFor({ state: 'attached', timeout: opts.timeoutMs ?? 30_000 });
  } catch {
    throw new Error(`no visible webview (iframe.webview.ready) appeared in ${(opts.timeoutMs ?? 30_000) / 1000} s`);
  }
  const inner = host.contentFrame().locator('#active-frame');
  await inner.waitFor({ state: 'attached', timeout: opts.timeoutMs ?? 30_000 });
  return host.contentFrame().frameLocator('#active-frame');
}

/** The webview whose document has `selector`: several webviews can be open side by side. */
export async function webviewWith(page: Page, selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hosts = page.locator('iframe.webview.ready');
    const count = await hosts.count();
    for (let i = 0; i < count; i++) {
      const frame = hosts.nth(i).contentFrame().frameLocator('#active-frame');
      if (await frame.locator(selector).count().catch(() => 0)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector} after ${timeoutMs / 1000} s`);
    await page.waitForTimeout(250);
  }
}

/** Saves `test-results/screenshots/<name>.png` (webview pixels included) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  return file;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
