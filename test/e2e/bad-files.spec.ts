/// <reference lib="dom" />
// Every file of the bad corpus opens in the inspector as a readable one-line error naming the file and the
// problem: no blank panel, no crash, and the extension keeps working for the next file.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecContext } from './run';

export const timeout = 180_000;

const DEFAULT_EDITOR = /\.(npy|npz|safetensors|pt|pth)$/;

export default async function badFiles(ctx: SpecContext): Promise<void> {
  const files = readdirSync(join(ctx.workspace, 'bad')).sort();
  assert.ok(files.length >= 13, `bad corpus present (${files.length} files)`);
  for (const name of files) {
    await ctx.quickOpen(name);
    // .h5 opens in a binary placeholder by default: the palette command opens the active tab's file.
    if (!DEFAULT_EDITOR.test(name)) await ctx.runCommand('Recurrent Lens: Open in Matrix Inspector');
    const view = await ctx.webview();
    const message = view.locator('#error .error-message');
    await message.waitFor({ timeout: 30_000 });
    const text = (await message.innerText()).trim();
    assert.equal(text.split('\n').length, 1, `${name}: one line, got ${JSON.stringify(text)}`);
    assert.ok(text.includes(join('bad', name) + ': '), `${name}: message names the file: ${text}`);
    assert.ok(text.length > text.indexOf(name) + name.length + 8, `${name}: message states a problem: ${text}`);
    ctx.log(text.slice(text.indexOf(name)));
    await ctx.runCommand('View: Close All Editors');
  }
  // Still healthy afterwards.
  await ctx.quickOpen('matrix_f32.npy');
  const view = await ctx.webview();
  await view.locator('#tensor-table tbody tr').first().waitFor({ timeout: 30_000 });
  await ctx.screenshot('after-bad-files');
}
