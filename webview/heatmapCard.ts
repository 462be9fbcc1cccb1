/**
 * A matrix heatmap card (heatmap.ts as is) with its colour bar, hover readout, Fit and SVG / PNG export: the analysis
 * panel's W and T, the weight trajectory's W, W − W₀ and T. Colours: zero-centred diverging, the domain ±max|value|
 * of the matrix on show, or a fixed ±a (one scale across several matrices).
 */
import { Heatmap, HoverCell } from './heatmap';
import { Colorbar } from './colorbar';
import { buildLut } from './colormaps';
import { el } from './format';
import { button } from './toolkit';
import { heatmapSvg } from './export';
import { backgroundColor, cssToRgba, isDark } from './theme';

export type Figure = { text: string; width: number; height: number };
/** Saves a figure (the page's export path): `name` names the file, `make` builds it when asked. */
export type SaveFigure = (name: string, format: 'svg' | 'png', make: () => Figure | undefined) => void;

/** Largest finite |value| (1 when there is none). */
export function maxAbs(values: ArrayLike<number>): number {
  let a = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]);
    if (v > a && Number.isFinite(v)) a = v;
  }
  return a || 1;
}

/** Colours for a zero-centred diverging map with the symmetric domain ±a (±max|value| by default), as the inspector's default. */
export function divergingColors(values: Float32Array, a = maxAbs(values)): { lut: Uint32Array; lo: number; hi: number; background: number } {
  return { lut: buildLut('diverging', isDark()), lo: -a, hi: a, background: cssToRgba(backgroundColor()) };
}

export function exportButtons(save: SaveFigure, name: string, label: string, make: () => Figure | undefined): HTMLElement[] {
  return [
    button('SVG', () => save(name, 'svg', make), { secondary: true, title: `Save ${label} as SVG`, id: `${name}-svg` }),
    button('PNG', () => save(name, 'png', make), { secondary: true, title: `Save ${label} as PNG`, id: `${name}-png` }),
  ];
}

export function card(id: string, heading: HTMLElement, tools: HTMLElement[], ...body: HTMLElement[]): HTMLElement {
  heading.id = `${id}-title`;
  return el('section', { class: 'card', id, 'aria-labelledby': heading.id },
    el('div', { class: 'card-head' }, heading, el('div', { class: 'card-tools' }, ...tools)),
    ...body);
}

export interface HeatmapCardOptions {
  /** Names the canvas (`heatmap-<key>`), readout (`readout-<key>`) and card (`card-<key>`). */
  key: string;
  /** What the matrix is, for screen readers ("W", "Schur form T"). */
  name: string;
  /** File name part of an export. */
  exportName: string;
  describe: (row: number, col: number, value: number) => string;
  hint: string;
  xLabel: string;
  yLabel: string;
  /** The subtitle of an exported figure. */
  subtitle: () => string;
  save: SaveFigure;
}

export class HeatmapCard {
  readonly element: HTMLElement;
  readonly heatmap: Heatmap;
  private readonly heading = el('h2', {});
  private readonly caption = el('p', { class: 'caption' });
  private readonly readout: HTMLElement;
  private readonly note = el('div', { class: 'note warn', hidden: '' });
  private readonly colorbar = new Colorbar();
  private values: Float32Array = new Float32Array(0);
  private n = 0;
  private domain: number | undefined;
  private colors = divergingColors(new Float32Array(0));
  private shown = false;

  constructor(private readonly o: HeatmapCardOptions) {
    const canvas = el('canvas', {
      id: `heatmap-${o.key}`, class: 'heatmap', tabindex: '0',
      'aria-label': `${o.name} heatmap. Arrow keys move the cursor, plus and minus zoom, 0 fits.`,
    });
    this.readout = el('div', { class: 'readout', id: `readout-${o.key}`, 'aria-live': 'polite' }, o.hint);
    this.heatmap = new Heatmap(canvas, {
      hover: (cell) => this.onHover(cell),
      view: (_view, downsample) => {
        this.note.hidden = downsample <= 1;
        this.note.textContent = downsample > 1
          ? `Downsampled: each pixel shows the largest-magnitude value of a ${downsample}×${downsample} block. Zoom in for every cell.` : '';
      },
    });
    this.element = card(`card-${o.key}`, this.heading,
      [button('Fit', () => this.heatmap.fit(), { secondary: true, title: 'Show the whole matrix (0)' }), ...exportButtons(o.save, o.exportName, `the ${o.name} heatmap`, () => this.figure())],
      el('div', { class: 'heatmap-plot' }, el('div', { class: 'heatmap-wrap' }, canvas), this.colorbar.element),
      this.readout, this.note, this.caption);
  }

  /**
   * Shows a matrix; `domain` fixes the colour scale at ±domain (else ±max|value|). `keepView`: the same-sized matrix
   * replaces the one on show without resetting zoom and pan (stepping through checkpoints).
   */
  show(values: Float32Array, n: number, heading: string, caption: string, opts: { domain?: number; keepView?: boolean } = {}): void {
    const view = opts.keepView && this.shown && n === this.n ? this.heatmap.view : undefined;
    this.values = values;
    this.n = n;
    this.domain = opts.domain;
    this.heading.textContent = heading;
    this.caption.textContent = caption;
    this.heatmap.setMatrix(n, n, 0, { rows: n, cols: n, data: values }, view);
    this.shown = true;
    this.applyColors();
    this.onHover(null);
  }

  applyColors(): void {
    this.colors = divergingColors(this.values, this.domain ?? maxAbs(this.values));
    const { lut, lo, hi, background } = this.colors;
    this.heatmap.setColors(lut, lo, hi, background);
    this.colorbar.update(lut, lo, hi);
  }

  private onHover(cell: HoverCell | null): void {
    if (!cell) {
      this.readout.textContent = this.o.hint;
      delete this.readout.dataset.row;
      return;
    }
    this.readout.textContent = this.o.describe(cell.row, cell.col, cell.value);
    this.readout.dataset.row = String(cell.row);
    this.readout.dataset.col = String(cell.col);
    this.readout.dataset.value = String(cell.value);
  }

  figure(): Figure | undefined {
    if (!this.n) return undefined;
    return heatmapSvg({
      title: this.heading.textContent ?? '', subtitle: this.o.subtitle(), values: this.values, rows: this.n, cols: this.n,
      lut: this.colors.lut, lo: this.colors.lo, hi: this.colors.hi, xLabel: this.o.xLabel, yLabel: this.o.yLabel,
    });
  }
}
