/**
 * Small SVG charts for the analysis panel: axes with nice ticks (linear or log), lines, points, stems, polylines,
 * equal aspect for the complex plane, a legend, and a hover / keyboard readout. Colours are CSS variables
 * (`--vscode-charts-*`) set through classes and CSSOM custom properties, so charts follow the theme; export.ts
 * resolves them to concrete colours for a standalone file.
 */
import './charts.css';
import { fmt } from './format';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A theme chart colour (`--vscode-charts-<name>`) or any CSS colour. */
export function themeColor(name: 'foreground' | 'lines' | 'red' | 'blue' | 'yellow' | 'orange' | 'green' | 'purple'): string {
  return `var(--vscode-charts-${name})`;
}

interface XY {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  label?: string;
}
export interface LineSeries extends XY { kind: 'line'; width?: number; dash?: string }
export interface PointSeries extends XY { kind: 'points'; radius?: number }
/** Vertical stems from y = 0 (or the bottom of a log axis) with a dot on top. */
export interface StemSeries extends XY { kind: 'stems' }
/** Polylines in data coordinates (contours, circles); not hoverable. */
export interface PathSeries { kind: 'path'; lines: ArrayLike<number>[][]; color: string; width?: number; dash?: string; label?: string }
/** A filled band between `lo` and `hi` at each x (mean ± s.e.m.); not hoverable. */
export interface BandSeries { kind: 'band'; x: ArrayLike<number>; lo: ArrayLike<number>; hi: ArrayLike<number>; color: string; label?: string }
export type Series = LineSeries | PointSeries | StemSeries | PathSeries | BandSeries;

export interface LegendEntry { label: string; color: string; mark: 'line' | 'dash' | 'point' }

export interface ChartSpec {
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  /** Same data units per pixel on both axes (the complex plane). */
  equalAspect?: boolean;
  /** Extra values the axes must include (e.g. 0, or the unit circle's extent). */
  xInclude?: number[];
  yInclude?: number[];
  /** Integer-valued x (indices, steps): ticks on integers and the domain exactly the data's. */
  xInteger?: boolean;
  series: Series[];
  legend?: { title?: string; entries: LegendEntry[] };
  /** Index into `series` of the one the hover / keyboard cursor visits, and its readout text for point i. */
  hover?: { series: number; text: (i: number) => string };
  /** Height / width of the whole chart; default 0.62 (not used by a `fill` chart). */
  aspect?: number;
  /** Shown in the readout line when nothing is hovered. */
  hint?: string;
  /** Shown instead of the plot when there is nothing to draw. */
  empty?: string;
}

export interface Scale {
  lo: number;
  hi: number;
  log: boolean;
  /** Pixel positions of lo and hi. */
  p0: number;
  p1: number;
  map(v: number): number;
  invert(p: number): number;
  ticks: { value: number; label: string }[];
}

// ---- ticks

/** 1, 2 or 5 × 10^k, the nearest "nice" step at or above `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** Ticks of [lo, hi] every nice step (about `count` of them). */
export function linearTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  let step = niceStep((hi - lo) / Math.max(1, count));
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) out.push(Math.abs(k * step) < step * 1e-9 ? 0 : k * step);
  return out;
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };
export function pow10Label(e: number): string {
  return '10' + String(e).split('').map((c) => SUPERSCRIPT[c] ?? c).join('');
}

/** A tick label with just enough decimals for the step; exponents for very large or small numbers. */
export function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.max(Math.abs(v), step);
  let s: string;
  if (a >= 1e5 || step < 1e-4) {
    const digits = Math.max(0, Math.min(3, Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step))));
    s = v.toExponential(digits).replace('e+', 'e');
  } else {
    s = v.toFixed(Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9))));
  }
  return s.replace('-', '−');
}

function logLabel(v: number): string {
  const e = Math.round(Math.log10(v));
  if (Math.abs(v - Math.pow(10, e)) <= 1e-9 * v) return e >= -2 && e <= 3 ? String(Number(Math.pow(10, e).toPrecision(1))) : pow10Label(e);
  return v >= 1e-3 && v < 1e5 ? String(Number(v.toPrecision(2))) : v.toExponential(0).replace('e+', 'e').replace('-', '−');
}

function makeScale(lo: number, hi: number, log: boolean, p0: number, p1: number, integer: boolean, count: number): Scale {
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(lo), b = f(hi);
  const k = b > a ? (p1 - p0) / (b - a) : 0;
  const ticks: { value: number; label: string }[] = [];
  if (log) {
    const e0 = Math.ceil(a - 1e-9), e1 = Math.floor(b + 1e-9);
    const decades = e1 - e0 + 1;
    if (b - a <= 2.5) {
      for (let e = Math.floor(a); e <= e1; e++) {
        for (const m of [1, 2, 5]) {
          const v = m * Math.pow(10, e);
          if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push({ value: v, label: logLabel(v) });
        }
      }
    } else {
      const every = Math.max(1, Math.ceil(decades / count));
      for (let e = e0; e <= e1; e++) if ((e - e0) % every === 0) ticks.push({ value: Math.pow(10, e), label: logLabel(Math.pow(10, e)) });
    }
  } else {
    const vals = linearTicks(lo, hi, count, integer);
    const step = vals.length > 1 ? vals[1] - vals[0] : Math.abs(hi - lo) || 1;
    for (const v of vals) ticks.push({ value: v, label: tickLabel(v, step) });
  }
  return {
    lo, hi, log, p0, p1, ticks,
    map: (v) => p0 + (f(v) - a) * k,
    invert: (p) => { const t = a + (p - p0) / (k || 1); return log ? Math.pow(10, t) : t; },
  };
}

/** Data range [lo, hi] of finite values (positive ones on a log axis); undefined when there are none. */
function extent(arrays: ArrayLike<number>[], log: boolean): [number, number] | undefined {
  let lo = Infinity, hi = -Infinity;
  for (const arr of arrays) {
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (!Number.isFinite(v) || (log && !(v > 0))) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** A nice, padded domain around [lo, hi]. */
function niceDomain(lo: number, hi: number, log: boolean, exact: boolean): [number, number] {
  if (log) {
    // Decade-aligned; at most 20 decades below the top (float64 noise below that is not information).
    let a = Math.floor(Math.log10(lo) + 1e-9), b = Math.ceil(Math.log10(hi) - 1e-9);
    if (b === a) { a -= 1; b += 0; }
    a = Math.max(a, b - 20);
    return [Math.pow(10, a), Math.pow(10, b)];
  }
  if (hi === lo) {
    const d = Math.abs(lo) * 0.1 || 1;
    return [lo - d, hi + d];
  }
  if (exact) return [lo, hi];
  const step = niceStep((hi - lo) / 5);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

// ---- SVG helpers

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/** Sets the series colour as a custom property (CSSOM, allowed by the CSP); CSS rules use `var(--c)`. */
function colored<T extends SVGElement>(e: T, color: string): T {
  e.style.setProperty('--c', color);
  return e;
}

let chartCount = 0;

/** The drawn box of an SVG element, or undefined when it is not laid out (a hidden chart). */
function measure(g: SVGGraphicsElement): DOMRect | undefined {
  try {
    const b = g.getBBox();
    return b.width > 0 || b.height > 0 ? b : undefined;
  } catch {
    return undefined;
  }
}

export class Chart {
  /** The wrapper: the SVG and the readout line below it. */
  readonly element: HTMLElement;
  readonly svg: SVGSVGElement;
  readonly readout: HTMLElement;
  private spec: ChartSpec | undefined;
  private x: Scale | undefined;
  private y: Scale | undefined;
  private width = 0;
  private height = 0;
  private cursor = -1;
  private readonly box: HTMLElement;
  private readonly hoverLayer: SVGGElement;
  private readonly clipId = `chart-clip-${++chartCount}`;
  /**
   * Room the legend needed beyond the estimate from its label lengths (measured after drawing, see render): extra
   * right margin and extra height, so that neither the chart nor an exported figure clips it.
   */
  private legendFit = { right: 0, height: 0, tries: 0 };

  /** `fill`: the chart takes the height its container gives it (CSS sizes `.chart.fill`) instead of an aspect ratio. */
  constructor(readonly ariaLabel: string, id?: string, private readonly fill = false) {
    this.svg = svgEl('svg', { class: 'chart-svg', role: 'img', tabindex: '0', 'aria-label': `${ariaLabel}. Arrow keys step through the points.` });
    if (id) this.svg.id = id;
    this.readout = document.createElement('div');
    this.readout.className = 'chart-readout';
    this.readout.setAttribute('aria-live', 'polite');
    this.box = document.createElement('div');
    this.box.className = 'chart-box';
    this.box.append(this.svg);
    this.element = document.createElement('div');
    this.element.className = fill ? 'chart fill' : 'chart';
    this.element.append(this.box, this.readout);
    this.hoverLayer = svgEl('g', { class: 'hover-layer' });
    new ResizeObserver(() => {
      const w = Math.floor(this.box.clientWidth), h = fill ? Math.floor(this.box.clientHeight) : 0;
      if (w > 0 && (w !== this.width || h !== this.height)) {
        this.width = w;
        this.height = h;
        this.legendFit = { right: 0, height: 0, tries: 0 };
        this.render();
      }
    }).observe(this.box);
    this.svg.addEventListener('pointermove', (e) => this.onPointer(e));
    this.svg.addEventListener('pointerleave', () => this.setCursor(-1));
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
  }

  set(spec: ChartSpec): void {
    this.spec = spec;
    this.cursor = -1;
    this.legendFit = { right: 0, height: 0, tries: 0 };
    this.render();
  }

  /** Pixel size of the drawn SVG (for export). */
  get size(): { width: number; height: number } {
    return { width: Number(this.svg.getAttribute('width')) || 0, height: Number(this.svg.getAttribute('height')) || 0 };
  }

  /** Scales of the last render, for tests. */
  get scales(): { x: Scale | undefined; y: Scale | undefined } {
    return { x: this.x, y: this.y };
  }

  render(): void {
    const spec = this.spec;
    const width = this.width || Math.floor(this.box.clientWidth) || 480;
    if (!spec) return;
    const height = (this.fill && this.height > 0 ? this.height : Math.round(Math.min(520, Math.max(200, width * (spec.aspect ?? 0.62))))) +
      this.legendFit.height;
    this.svg.setAttribute('width', String(width));
    this.svg.setAttribute('height', String(height));
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.replaceChildren();
    this.x = this.y = undefined;

    const xs: ArrayLike<number>[] = [], ys: ArrayLike<number>[] = [];
    for (const s of spec.series) {
      if (s.kind === 'path') {
        for (const line of s.lines) {
          xs.push(line.map((p) => p[0]));
          ys.push(line.map((p) => p[1]));
        }
      } else if (s.kind === 'band') {
        xs.push(s.x);
        ys.push(s.lo, s.hi);
      } else {
        xs.push(s.x);
        ys.push(s.y);
      }
    }
    if (spec.xInclude) xs.push(spec.xInclude);
    if (spec.yInclude) ys.push(spec.yInclude);
    const xe = extent(xs, !!spec.xLog), ye = extent(ys, !!spec.yLog);
    if (!xe || !ye) {
      this.svg.append(svgEl('text', { class: 'chart-empty', x: width / 2, y: height / 2, 'text-anchor': 'middle' }, spec.empty ?? 'Nothing to show.'));
      this.readout.textContent = '';
      return;
    }

    // Legend on the right, outside the plot.
    // Legend on the right of the plot, or below it when the chart is tall and narrow (equal aspect wants width).
    const legend = spec.legend;
    const entryWidth = (e: LegendEntry) => 34 + 6.4 * e.label.length;
    const legendNatural = legend ? Math.max(...legend.entries.map(entryWidth), 6.6 * (legend.title ?? '').length) : 0;
    // A legend too wide for the side goes below the plot rather than being cut off (on screen and in exports).
    const legendBelow = !!legend && ((!!spec.equalAspect && height > width * 0.95) || legendNatural > Math.max(180, width * 0.4));
    const legendWidth = legendBelow ? 0 : legendNatural;
    const legendRows = legendBelow ? layoutRows(legend!.entries.map(entryWidth), width - 40) : [];
    const legendHeight = legendBelow ? (legend!.title ? 17 : 0) + 16 * legendRows.length + 4 : 0;
    let [xlo, xhi] = niceDomain(xe[0], xe[1], !!spec.xLog, !!spec.xInteger || !!spec.equalAspect);
    if (spec.xInteger && !spec.xLog && spec.series.some((s) => s.kind === 'points' || s.kind === 'stems')) {
      // Room for the marks at the ends.
      const m = Math.max(0.5, (xhi - xlo) * 0.01);
      [xlo, xhi] = [xlo - m, xhi + m];
    }
    let [ylo, yhi] = niceDomain(ye[0], ye[1], !!spec.yLog, !!spec.equalAspect);
    const pad = { top: 10, right: 14 + (legendBelow ? 0 : legendWidth) + this.legendFit.right, bottom: 38 + legendHeight + this.legendFit.height, left: 0 };
    // Left margin from the widest y tick label.
    const probe = makeScale(ylo, yhi, !!spec.yLog, 0, 1, false, 5);
    pad.left = 26 + Math.max(2, ...probe.ticks.map((t) => t.label.length)) * 6.4;
    const pw = Math.max(40, width - pad.left - pad.right), ph = Math.max(40, height - pad.top - pad.bottom);
    if (spec.equalAspect) {
      const dx = (xhi - xlo) * 1.08 || 2, dy = (yhi - ylo) * 1.08 || 2;
      const u = Math.max(dx / pw, dy / ph);
      const cx = (xlo + xhi) / 2, cy = (ylo + yhi) / 2;
      [xlo, xhi] = [cx - (u * pw) / 2, cx + (u * pw) / 2];
      [ylo, yhi] = [cy - (u * ph) / 2, cy + (u * ph) / 2];
    }
    const x = makeScale(xlo, xhi, !!spec.xLog, pad.left, pad.left + pw, !!spec.xInteger, Math.max(2, Math.round(pw / 80)));
    const y = makeScale(ylo, yhi, !!spec.yLog, pad.top + ph, pad.top, false, Math.max(2, Math.round(ph / 50)));
    this.x = x;
    this.y = y;

    // Grid, axes, tick labels.
    const grid = svgEl('g', { class: 'grid' });
    const axes = svgEl('g', { class: 'axes' });
    for (const t of x.ticks) {
      const px = Math.round(x.map(t.value)) + 0.5;
      grid.append(svgEl('line', { x1: px, x2: px, y1: pad.top, y2: pad.top + ph }));
      axes.append(svgEl('line', { class: 'tick-mark', x1: px, x2: px, y1: pad.top + ph, y2: pad.top + ph + 4 }));
      axes.append(svgEl('text', { class: 'tick', x: px, y: pad.top + ph + 15, 'text-anchor': 'middle' }, t.label));
    }
    for (const t of y.ticks) {
      const py = Math.round(y.map(t.value)) + 0.5;
      grid.append(svgEl('line', { x1: pad.left, x2: pad.left + pw, y1: py, y2: py }));
      axes.append(svgEl('line', { class: 'tick-mark', x1: pad.left - 4, x2: pad.left, y1: py, y2: py }));
      axes.append(svgEl('text', { class: 'tick', x: pad.left - 7, y: py + 3.5, 'text-anchor': 'end' }, t.label));
    }
    // The zero lines where they cross the plot (a reference for signed data and the complex plane).
    if (!spec.yLog && ylo < 0 && yhi > 0) grid.append(svgEl('line', { class: 'zero', x1: pad.left, x2: pad.left + pw, y1: Math.round(y.map(0)) + 0.5, y2: Math.round(y.map(0)) + 0.5 }));
    if (!spec.xLog && xlo < 0 && xhi > 0 && spec.equalAspect) grid.append(svgEl('line', { class: 'zero', y1: pad.top, y2: pad.top + ph, x1: Math.round(x.map(0)) + 0.5, x2: Math.round(x.map(0)) + 0.5 }));
    axes.append(svgEl('rect', { class: 'frame', x: pad.left + 0.5, y: pad.top + 0.5, width: pw - 1, height: ph - 1 }));
    axes.append(svgEl('text', { class: 'axis-label', x: pad.left + pw / 2, y: pad.top + ph + 32, 'text-anchor': 'middle' }, spec.xLabel));
    axes.append(svgEl('text', { class: 'axis-label', x: 0, y: 0, 'text-anchor': 'middle', transform: `translate(12 ${pad.top + ph / 2}) rotate(-90)` }, spec.yLabel));

    const clip = svgEl('clipPath', { id: this.clipId }, svgEl('rect', { x: pad.left, y: pad.top, width: pw, height: ph }));
    const plot = svgEl('g', { class: 'plot', 'clip-path': `url(#${this.clipId})` });
    for (const s of spec.series) plot.append(this.drawSeries(s, x, y));

    this.svg.append(svgEl('defs', {}, clip), grid, plot, axes);
    if (legend) {
      const g = legendBelow ? this.drawLegend(legend, pad.left, pad.top + ph + 40, legendRows) : this.drawLegend(legend, pad.left + pw + 14, pad.top);
      this.svg.append(g);
      // The label widths above are estimates (6.4 px per character); the real text may be wider or the entries
      // taller than the chart. Measure and, if the legend sticks out, make room and draw again (at most twice).
      const box = measure(g);
      if (box && this.legendFit.tries < 2) {
        const overRight = Math.ceil(box.x + box.width + 4 - width), overBottom = Math.ceil(box.y + box.height + 4 - height);
        if (overRight > 0 || overBottom > 0) {
          this.legendFit = {
            right: this.legendFit.right + Math.max(0, legendBelow ? 0 : overRight),
            height: this.legendFit.height + Math.max(0, overBottom),
            tries: this.legendFit.tries + 1,
          };
          this.render();
          return;
        }
      }
    }
    this.svg.append(this.hoverLayer);
    this.setCursor(this.cursor);
  }

  private drawSeries(s: Series, x: Scale, y: Scale): SVGElement {
    const fx = (v: number) => x.map(v).toFixed(2), fy = (v: number) => y.map(v).toFixed(2);
    const ok = (xv: number, yv: number) => Number.isFinite(xv) && Number.isFinite(yv) && (!x.log || xv > 0) && (!y.log || yv > 0);
    if (s.kind === 'path') {
      let d = '';
      for (const line of s.lines) {
        let pen = false;
        for (const p of line) {
          if (!ok(p[0], p[1])) { pen = false; continue; }
          d += `${pen ? 'L' : 'M'}${fx(p[0])} ${fy(p[1])}`;
          pen = true;
        }
      }
      const path = colored(svgEl('path', { class: 'series-line', d }), s.color);
      if (s.width) path.style.strokeWidth = `${s.width}px`;
      if (s.dash) path.setAttribute('stroke-dasharray', s.dash);
      return path;
    }
    if (s.kind === 'band') {
      // Upper edge left to right, lower edge back; a bound below a log axis sits on its bottom edge.
      const yb = (v: number) => (y.log && !(v > 0) ? y.p0.toFixed(2) : fy(v));
      const idx: number[] = [];
      for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.x[i]) && (!x.log || s.x[i] > 0) && Number.isFinite(s.lo[i]) && Number.isFinite(s.hi[i])) idx.push(i);
      let d = '';
      idx.forEach((i, k) => { d += `${k ? 'L' : 'M'}${fx(s.x[i])} ${yb(s.hi[i])}`; });
      for (let k = idx.length - 1; k >= 0; k--) d += `L${fx(s.x[idx[k]])} ${yb(s.lo[idx[k]])}`;
      return colored(svgEl('path', { class: 'series-band', d: idx.length ? d + 'Z' : '' }), s.color);
    }
    const n = Math.min(s.x.length, s.y.length);
    if (s.kind === 'line') {
      let d = '', pen = false;
      for (let i = 0; i < n; i++) {
        if (!ok(s.x[i], s.y[i])) { pen = false; continue; }
        d += `${pen ? 'L' : 'M'}${fx(s.x[i])} ${fy(s.y[i])}`;
        pen = true;
      }
      const path = colored(svgEl('path', { class: 'series-line', d }), s.color);
      if (s.width) path.style.strokeWidth = `${s.width}px`;
      if (s.dash) path.setAttribute('stroke-dasharray', s.dash);
      return path;
    }
    const g = colored(svgEl('g', { class: s.kind === 'points' ? 'series-points' : 'series-stems' }), s.color);
    if (s.kind === 'stems') {
      const base = y.log ? y.p0 : y.map(Math.min(Math.max(0, y.lo), y.hi));
      let d = '';
      for (let i = 0; i < n; i++) if (ok(s.x[i], s.y[i])) d += `M${fx(s.x[i])} ${base.toFixed(2)}V${fy(s.y[i])}`;
      g.append(svgEl('path', { class: 'stem', d }));
    }
    const r = s.kind === 'points' ? (s.radius ?? (n > 400 ? 2 : 3)) : n > 120 ? 1.6 : 2.5;
    if (n > 800) {
      // Many marks: one path of zero-length round-capped segments instead of thousands of elements.
      let d = '';
      for (let i = 0; i < n; i++) if (ok(s.x[i], s.y[i])) d += `M${fx(s.x[i])} ${fy(s.y[i])}h0`;
      g.append(svgEl('path', { class: 'dots', d, 'stroke-width': 2 * r }));
      return g;
    }
    for (let i = 0; i < n; i++) {
      if (ok(s.x[i], s.y[i])) g.append(svgEl('circle', { cx: fx(s.x[i]), cy: fy(s.y[i]), r }));
    }
    return g;
  }

  /** Entries one per line, or in `rows` (x offsets per entry, from layoutRows). */
  private drawLegend(legend: NonNullable<ChartSpec['legend']>, x0: number, y0: number, rows?: number[][]): SVGGElement {
    const g = svgEl('g', { class: 'legend', 'data-figure-part': 'legend' });
    let y = y0 + 10;
    if (legend.title) {
      g.append(svgEl('text', { class: 'legend-title', x: x0, y }, legend.title));
      y += 17;
    }
    const positions: [number, number][] = [];
    if (rows?.length) rows.forEach((row, r) => row.forEach((dx) => positions.push([x0 + dx, y + 16 * r])));
    else legend.entries.forEach((_, i) => positions.push([x0, y + 16 * i]));
    for (const [i, e] of legend.entries.entries()) {
      const [ex, ey] = positions[i];
      const mark = e.mark === 'point'
        ? colored(svgEl('circle', { class: 'legend-point', cx: ex + 9, cy: ey - 4, r: 3 }), e.color)
        : colored(svgEl('line', { class: 'legend-line', x1: ex, x2: ex + 18, y1: ey - 4, y2: ey - 4, ...(e.mark === 'dash' ? { 'stroke-dasharray': '4 3' } : {}) }), e.color);
      g.append(mark, svgEl('text', { class: 'legend-label', x: ex + 24, y: ey }, e.label));
    }
    return g;
  }

  // ---- hover and keyboard

  private hoverPoints(): { xs: ArrayLike<number>; ys: ArrayLike<number> } | undefined {
    const h = this.spec?.hover;
    const s = h ? this.spec!.series[h.series] : undefined;
    return s && s.kind !== 'path' && s.kind !== 'band' ? { xs: s.x, ys: s.y } : undefined;
  }

  private onPointer(e: PointerEvent): void {
    const pts = this.hoverPoints();
    if (!pts || !this.x || !this.y) return;
    const rect = this.svg.getBoundingClientRect();
    const mx = e.clientX - rect.left, my = e.clientY - rect.top;
    let best = -1, bestD = 24 * 24;
    const n = Math.min(pts.xs.length, pts.ys.length);
    for (let i = 0; i < n; i++) {
      const px = this.x.map(pts.xs[i]), py = this.y.map(clampLog(pts.ys[i], this.y));
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      const d = (px - mx) ** 2 + (py - my) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    this.setCursor(best);
  }

  private onKey(e: KeyboardEvent): void {
    const pts = this.hoverPoints();
    if (!pts) return;
    const n = Math.min(pts.xs.length, pts.ys.length);
    if (n === 0) return;
    const big = Math.max(1, Math.round(n / 10));
    const moves: Record<string, number> = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: big, PageDown: -big };
    if (e.key in moves) {
      e.preventDefault();
      this.setCursor(this.cursor < 0 ? 0 : Math.min(n - 1, Math.max(0, this.cursor + moves[e.key])));
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      this.setCursor(e.key === 'Home' ? 0 : n - 1);
    } else if (e.key === 'Escape') {
      this.setCursor(-1);
    }
  }

  /** Highlights point i of the hover series and writes its readout; -1 clears. */
  setCursor(i: number): void {
    this.cursor = i;
    this.hoverLayer.replaceChildren();
    const pts = this.hoverPoints();
    const spec = this.spec;
    if (i < 0 || !pts || !spec?.hover || !this.x || !this.y || i >= pts.xs.length) {
      this.readout.textContent = spec?.hint ?? '';
      delete this.readout.dataset.index;
      return;
    }
    const px = this.x.map(pts.xs[i]), py = this.y.map(clampLog(pts.ys[i], this.y));
    if (Number.isFinite(px) && Number.isFinite(py)) {
      if (!spec.equalAspect) this.hoverLayer.append(svgEl('line', { class: 'crosshair', x1: px, x2: px, y1: this.y.p1, y2: this.y.p0 }));
      this.hoverLayer.append(svgEl('circle', { class: 'cursor', cx: px, cy: py, r: 5 }));
    }
    this.readout.textContent = spec.hover.text(i);
    this.readout.dataset.index = String(i);
  }
}

/** Greedy line breaking: x offsets of items of the given widths, in rows no wider than `width`. */
function layoutRows(widths: number[], width: number): number[][] {
  const rows: number[][] = [];
  let row: number[] = [], x = 0;
  for (const w of widths) {
    if (row.length && x + w > width) { rows.push(row); row = []; x = 0; }
    row.push(x);
    x += w + 8;
  }
  if (row.length) rows.push(row);
  return rows;
}

/** Zero or negative values on a log axis sit on its bottom edge (for the cursor only). */
function clampLog(v: number, s: Scale): number {
  return s.log && !(v > 0) ? s.lo : v;
}

/** The tasks' baselines (dashed) and success lines (baseline / 2, dotted), with their legend entries. */
export function baselineLines(baselines: number[], xMax: number): { series: Series[]; legend: LegendEntry[]; yInclude: number[] } {
  const out = { series: [] as Series[], legend: [] as LegendEntry[], yInclude: [] as number[] };
  if (!baselines.length) return out;
  for (const b of baselines) {
    out.series.push(
      { kind: 'line', x: [0, xMax], y: [b, b], color: themeColor('foreground'), width: 1, dash: '6 4', label: 'baseline' },
      { kind: 'line', x: [0, xMax], y: [b / 2, b / 2], color: themeColor('green'), width: 1, dash: '2 3', label: 'success' },
    );
    out.yInclude.push(b, b / 2);
  }
  out.legend.push(
    { label: `baseline ${baselines.map((b) => fmt(b, 3)).join(', ')}`, color: themeColor('foreground'), mark: 'dash' },
    { label: `success < ${baselines.map((b) => fmt(b / 2, 3)).join(', ')}`, color: themeColor('green'), mark: 'dash' },
  );
  return out;
}

/** Colours of compared runs: the theme's chart colours, then hues spread around the circle. */
const RUN_COLORS = [themeColor('blue'), themeColor('orange'), themeColor('green'), themeColor('purple'), themeColor('red'), themeColor('yellow')];
export function runColor(i: number): string {
  return i < RUN_COLORS.length ? RUN_COLORS[i] : `hsl(${Math.round((i * 137.5) % 360)} 60% 55%)`;
}
