/// <reference lib="dom" />
import type { SpecContext } from './run';
export const timeout = 120_000;
export default async function measure(ctx: SpecContext): Promise<void> {
  for (const file of ['sweep_36_rnns.pt', 'matrix_f32.npy', 'torch_rnn_state_dict.pt', 'sweep_36_rnns.pt']) {
    const t0 = Date.now();
    await ctx.quickOpen(file);
    const view = await ctx.webview();
    await view.locator('#transform').filter({ hasText: '×' }).waitFor({ timeout: 30_000 });
    await view.locator('body').evaluate(() => new Promise(requestAnimationFrame));
    const shown = Date.now() - t0;
    const r = await view.locator('body').evaluate(() => ({ origin: performance.timeOrigin, t: (window as any).recurrentLensTimings }));
    const rel: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.t as Record<string, number>)) rel[k] = Math.round(r.origin + v - t0);
    const rm = await view.locator('header .meta').first().innerText();
    ctx.log(rm);
    ctx.log(`${file}: shown ${shown} ms after Quick Open; since Quick Open:`, JSON.stringify(rel));
  }
}
