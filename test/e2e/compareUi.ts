/// <reference lib="dom" />
// What the compare-panel specs share: the panel's columns, read through the hook the webview exposes for tests.
import type { FrameLocator, Page } from 'playwright-core';

export interface ColumnInfo { id: string; init: string | null; title: string; n: number; ready: boolean; running: boolean; error: string | null }

export const columnsOf = (view: FrameLocator) =>
  view.locator('body').evaluate(() => (window as any).recurrentLensCompare.columns()) as Promise<ColumnInfo[]>;

/** Polls the columns until `check` holds; throws with the last columns after `timeoutMs`. */
export async function waitForColumns(page: Page, view: FrameLocator, check: (cols: ColumnInfo[]) => boolean, what: string, timeoutMs = 60_000): Promise<ColumnInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cols = await columnsOf(view);
    if (check(cols)) return cols;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(cols)}`);
    await page.waitForTimeout(200);
  }
}
