import { el, fmt } from './format';
import { lutToCss } from './colormaps';

/** Vertical colour bar with its domain's ends and zero (when inside) labelled. */
export class Colorbar {
  readonly element: HTMLElement;
  private readonly canvas = el('canvas', { class: 'colorbar-gradient', width: '1', height: '256', 'aria-hidden': 'true' });
  private readonly labels = el('div', { class: 'colorbar-labels' });

  constructor() {
    this.element = el('div', { class: 'colorbar', role: 'img' }, this.canvas, this.labels);
  }

  update(lut: Uint32Array, lo: number, hi: number): void {
    const ctx = this.canvas.getContext('2d')!;
    for (let i = 0; i < 256; i++) {
      ctx.fillStyle = lutToCss(lut, 255 - i);
      ctx.fillRect(0, i, 1, 1);
    }
    const ticks: [number, number][] = [[hi, 0], [lo, 1]];
    if (lo < 0 && hi > 0) ticks.push([0, hi / (hi - lo)]);
    this.labels.replaceChildren(
      ...ticks.map(([v, pos]) => el('span', { style: `top: ${(pos * 100).toFixed(2)}%` }, fmt(v))),
    );
    this.element.setAttribute('aria-label', `colour scale from ${fmt(lo)} to ${fmt(hi)}`);
  }
}
