// Smoke: the workbench loads with the extension installed, the palette lists its command, and opening a
// .npy file shows the custom editor's webview.
import type { SpecContext } from './run';

export const timeout = 90_000;

export default async function smoke(ctx: SpecContext): Promise<void> {
  await ctx.screenshot('workbench');
  await ctx.runCommand('Recurrent Lens: Open in Matrix Inspector', { execute: false });
  await ctx.quickOpen('matrix_f32.npy');
  await ctx.page.locator('.tabs-container .tab.active', { hasText: 'matrix_f32.npy' }).waitFor();
  const view = await ctx.webview();
  await view.locator('body').waitFor({ state: 'attached' });
  await ctx.page.waitForTimeout(500); // let the webview paint before the screenshot
  ctx.log('screenshot', await ctx.screenshot('matrix_f32'));
}
