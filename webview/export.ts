/**
 * Figures as standalone files: an SVG chart with every CSS variable and class resolved to concrete presentation
 * attributes (so it renders the same outside the webview), PNGs rendered through a canvas, and heatmaps as an
 * SVG with the matrix embedded as a pixel-exact raster image plus a vector colour bar.
 */
import { lutToCss, NAN_RGBA } from './colormaps';
import { fmt } from './format';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Properties copied from computed style to attributes, with the initial values that need not be written. */
const PROPS: [string, string | null][] = [
  ['fill', 'rgb(0, 0, 0)'], ['fill-opacity', '1'], ['stroke', 'none'], ['stroke-width', '1px'], ['stroke-opacity', '1'],
  ['stroke-dasharray', 'none'], ['stroke-linecap', 'butt'], ['stroke-linejoin', 'miter'], ['opacity', '1'],
  ['font-family', null], ['font-size', null], ['font-weight', '400'], ['font-style', 'normal'], ['text-anchor', 'start'],
  ['dominant-baseline', 'auto'], ['visibility', 'visible'],
];

export interface FigureTheme {
  background: string;
  foreground: string;
  muted: string;
  font: string;
}

/** Concrete colours and font of the current theme. */
export function currentTheme(): FigureTheme {
  const cs = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => resolveColor(cs.getPropertyValue(name).trim() || fallback);
  return {
    background: v('--vscode-editor-background', '#ffffff'),
    foreground: v('--vscode-foreground', '#333333'),
    muted: v('--vscode-descriptionForeground', '#717171'),
    font: cs.fontFamily || 'sans-serif',
  };
}

/** Any CSS colour (variables included) as the browser resolves it, e.g. `rgb(30, 30, 30)`. */
export function resolveColor(color: string): string {
  const probe = document.createElement('span');
  probe.style.color = color;
  probe.style.display = 'none';
  document.body.append(probe);
  const out = getComputedStyle(probe).color;
  probe.remove();
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A live SVG chart as standalone SVG text: classes, `style` and CSS variables replaced by the computed
 * presentation attributes; the hover layer dropped; a background and an optional title added above the chart.
 */
export function standaloneSvg(svg: SVGSVGElement, opts: { title?: string; subtitle?: string; theme?: FigureTheme } = {}): { text: string; width: number; height: number } {
  const theme = opts.theme ?? currentTheme();
  const width = Number(svg.getAttribute('width')) || svg.clientWidth;
  const chartHeight = Number(svg.getAttribute('height')) || svg.clientHeight;
  const titleHeight = (opts.title ? 26 : 0) + (opts.subtitle ? 16 : 0);
  const height = chartHeight + titleHeight;

  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, clone);
  for (const n of clone.querySelectorAll('.hover-layer')) n.remove();
  for (const n of [clone, ...clone.querySelectorAll('*')]) {
    for (const a of ['class', 'style', 'tabindex', 'role', 'aria-label', 'id']) {
      if (a === 'id' && n.tagName === 'clipPath') continue;
      n.removeAttribute(a);
    }
  }
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  out.setAttribute('font-family', theme.font);
  out.setAttribute('font-size', '11');
  if (opts.title) {
    const t = document.createElementNS(SVG_NS, 'title');
    t.textContent = opts.subtitle ? `${opts.title} — ${opts.subtitle}` : opts.title;
    out.append(t);
  }
  const bg = document.createElementNS(SVG_NS, 'rect');
  for (const [k, v] of Object.entries({ width, height, fill: theme.background })) bg.setAttribute(k, String(v));
  out.append(bg);
  if (opts.title) out.append(textNode(opts.title, { x: 8, y: 19, fill: theme.foreground, 'font-size': 13, 'font-weight': 600 }));
  if (opts.subtitle) out.append(textNode(opts.subtitle, { x: 8, y: 36, fill: theme.muted, 'font-size': 11 }));
  const g = document.createElementNS(SVG_NS, 'g');
  g.setAttribute('transform', `translate(0 ${titleHeight})`);
  g.append(...Array.from(clone.childNodes));
  out.append(g);
  return { text: '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(out), width, height };
}

function textNode(text: string, attrs: Record<string, string | number>): SVGTextElement {
  const t = document.createElementNS(SVG_NS, 'text');
  for (const [k, v] of Object.entries(attrs)) t.setAttribute(k, String(v));
  t.textContent = text;
  return t;
}

function inlineStyles(live: Element, clone: Element): void {
  const cs = getComputedStyle(live);
  for (const [prop, initial] of PROPS) {
    const v = cs.getPropertyValue(prop);
    if (!v || v === initial) continue;
    // Text only needs font properties; shapes only paint ones.
    if (prop.startsWith('font') && live.tagName !== 'text' && live.tagName !== 'tspan') continue;
    clone.setAttribute(prop, v);
  }
  const a = live.children, b = clone.children;
  for (let i = 0; i < a.length && i < b.length; i++) inlineStyles(a[i], b[i]);
}

/** Renders SVG text to a PNG data URL at `scale` × its size. */
export function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      try {
        resolve(canvas.toDataURL('image/png'));
      } catch (e) {
        reject(e);
      }
    };
    img.onerror = () => reject(new Error('could not render the figure to PNG'));
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgText);
  });
}

export interface HeatmapFigure {
  title: string;
  subtitle?: string;
  values: Float32Array;
  rows: number;
  cols: number;
  lut: Uint32Array;
  lo: number;
  hi: number;
  xLabel: string;
  yLabel: string;
}

/** Every matrix value as one pixel block, upscaled without smoothing to about `target` pixels (a data: URL). */
export function heatmapRaster(f: HeatmapFigure, target = 600): { url: string; width: number; height: number } {
  const base = document.createElement('canvas');
  base.width = Math.max(1, f.cols);
  base.height = Math.max(1, f.rows);
  const ctx = base.getContext('2d')!;
  const img = ctx.createImageData(base.width, base.height);
  const px = new Uint32Array(img.data.buffer);
  const k = f.hi > f.lo ? 255 / (f.hi - f.lo) : 0;
  for (let i = 0; i < f.rows * f.cols; i++) {
    const v = f.values[i];
    if (v !== v) { px[i] = NAN_RGBA; continue; }
    let t = ((v - f.lo) * k + 0.5) | 0;
    t = t < 0 ? 0 : t > 255 ? 255 : t;
    px[i] = f.lut[t];
  }
  ctx.putImageData(img, 0, 0);
  const s = Math.max(1, Math.floor(target / Math.max(f.rows, f.cols)));
  const up = document.createElement('canvas');
  up.width = base.width * s;
  up.height = base.height * s;
  const uctx = up.getContext('2d')!;
  uctx.imageSmoothingEnabled = false;
  uctx.drawImage(base, 0, 0, up.width, up.height);
  return { url: up.toDataURL('image/png'), width: up.width, height: up.height };
}

/** A heatmap figure as standalone SVG: title, the raster, index ticks, a vector colour bar with its scale. */
export function heatmapSvg(f: HeatmapFigure, theme: FigureTheme = currentTheme()): { text: string; width: number; height: number } {
  const raster = heatmapRaster(f);
  const side = 480;
  const scale = side / Math.max(f.rows, f.cols);
  const w = f.cols * scale, h = f.rows * scale;
  const left = 58, top = f.subtitle ? 52 : 36, barX = left + w + 18, barW = 14;
  const width = Math.ceil(barX + barW + 62), height = Math.ceil(top + h + 44);
  const tickStep = niceIndexStep(Math.max(f.rows, f.cols));
  const parts: string[] = [];
  const txt = (x: number, y: number, s: string, attrs = '') =>
    parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" fill="${theme.foreground}"${attrs}>${escapeXml(s)}</text>`);
  parts.push(`<rect width="${width}" height="${height}" fill="${theme.background}"/>`);
  txt(8, 20, f.title, ' font-size="13" font-weight="600"');
  if (f.subtitle) parts.push(`<text x="8" y="37" fill="${theme.muted}" font-size="11">${escapeXml(f.subtitle)}</text>`);
  parts.push(`<image x="${left}" y="${top}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" preserveAspectRatio="none" style="image-rendering:pixelated" xlink:href="${raster.url}"/>`);
  parts.push(`<rect x="${left - 0.5}" y="${top - 0.5}" width="${(w + 1).toFixed(2)}" height="${(h + 1).toFixed(2)}" fill="none" stroke="${theme.muted}" stroke-opacity="0.6"/>`);
  for (let c = 0; c < f.cols; c += tickStep) {
    const x = left + (c + 0.5) * scale;
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top + h}" y2="${top + h + 4}" stroke="${theme.muted}"/>`);
    txt(x, top + h + 15, String(c), ' text-anchor="middle" font-size="10"');
  }
  for (let r = 0; r < f.rows; r += tickStep) {
    const y = top + (r + 0.5) * scale;
    parts.push(`<line x1="${left - 4}" x2="${left}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${theme.muted}"/>`);
    txt(left - 7, y + 3.5, String(r), ' text-anchor="end" font-size="10"');
  }
  txt(left + w / 2, top + h + 32, f.xLabel, ' text-anchor="middle" font-size="11"');
  parts.push(`<text transform="translate(14 ${(top + h / 2).toFixed(1)}) rotate(-90)" text-anchor="middle" font-size="11" fill="${theme.foreground}">${escapeXml(f.yLabel)}</text>`);
  // Colour bar: top = hi, bottom = lo.
  const stops: string[] = [];
  for (let i = 0; i <= 16; i++) {
    const idx = Math.round((i / 16) * 255);
    stops.push(`<stop offset="${(1 - i / 16).toFixed(4)}" stop-color="${lutToCss(f.lut, idx)}"/>`);
  }
  parts.push(`<defs><linearGradient id="cbar" x1="0" y1="0" x2="0" y2="1">${stops.reverse().join('')}</linearGradient></defs>`);
  parts.push(`<rect x="${barX}" y="${top}" width="${barW}" height="${h.toFixed(2)}" fill="url(#cbar)" stroke="${theme.muted}" stroke-opacity="0.6"/>`);
  const ticks: [number, number][] = [[f.hi, 0], [f.lo, 1]];
  if (f.lo < 0 && f.hi > 0) ticks.push([0, f.hi / (f.hi - f.lo)]);
  for (const [v, pos] of ticks) txt(barX + barW + 5, top + pos * h + 3.5, fmt(v), ' font-size="10"');
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(theme.font)}"><title>${escapeXml(f.subtitle ? `${f.title} — ${f.subtitle}` : f.title)}</title>${parts.join('')}</svg>`;
  return { text, width, height };
}

function niceIndexStep(n: number): number {
  const raw = n / 6;
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
  const m = raw / p;
  return Math.max(1, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p);
}

/** A figure's file content for the host to save: SVG text, or a PNG data URL rendered at twice the size. */
export async function figureData(fig: { text: string; width: number; height: number }, format: 'svg' | 'png'): Promise<string> {
  return format === 'svg' ? fig.text : svgToPng(fig.text, fig.width, fig.height, 2);
}
