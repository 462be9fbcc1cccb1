/**
 * Matrix heatmap on a 2-D canvas. Only the visible window is rendered, one lookup per screen pixel, so a
 * 4096×4096 matrix pans and zooms as fast as a small one. When zoomed out below one pixel per cell, a
 * max-magnitude pyramid (like a texture's mipmaps) keeps every value represented; the caller shows a note.
 *
 * Row and column indices are drawn in gutters on the top and left edges of the canvas and follow zoom and pan;
 * the hovered cell is outlined and its value floats beside the pointer (the caller's text readout stays the
 * screen-reader path).
 */
import './heatmap.css';
import { NAN_RGBA } from './colormaps';
import { fmt } from './format';
import { Grid, halve } from '../src/core/pyramid';

export interface ViewState {
  /** Device pixels per cell. */
  scale: number;
  /** Cell coordinates at the canvas's top-left corner. */
  x0: number;
  y0: number;
}

export interface HoverCell {
  row: number;
  col: number;
  value: number;
  /** The value is its block's largest-magnitude value: full resolution has not arrived yet. */
  approximate: boolean;
}

export interface HeatmapEvents {
  hover(cell: HoverCell | null): void;
  view(view: ViewState, downsample: number): void;
}

/** Index labels drawn on the axes at the last render (for tests and the caller's notes). */
export interface AxisTicks {
  rows: number[];
  cols: number[];
}

/** Tick steps: 1, 2, 5, 10, 20, 50 … cells. */
function tickStep(minCells: number): number {
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (m * p >= minCells) return m * p;
}

/** Multiples of `step` in [lo, hi]. */
function ticksIn(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let i = Math.ceil(lo / step) * step; i <= hi; i += step) out.push(i);
  return out;
}

export class Heatmap {
  /** Size of the full matrix. */
  private matrix: { rows: number; cols: number } | undefined;
  /** Levels of the max-magnitude pyramid that exist; `finest` is the most detailed one received. */
  private pyramid: (Grid | undefined)[] = [];
  private finest = 0;
  private lut: Uint32Array = new Uint32Array(256);
  private lo = -1;
  private hi = 1;
  private background = 0;
  private state: ViewState = { scale: 1, x0: 0, y0: 0 };
  private frame = 0;
  private cursor: { row: number; col: number } | undefined;
  private marked: { row: number; col: number } | undefined;
  private drag: { x: number; y: number; x0: number; y0: number } | undefined;
  /** The cell under the pointer (outlined), and the pointer's client position for the floating readout. */
  private hovered: { row: number; col: number; x: number; y: number } | undefined;
  /** Left and top gutters for the axis labels, in device pixels (0 when there is no matrix). */
  private gutter = { left: 0, top: 0 };
  private ticks: AxisTicks = { rows: [], cols: [] };
  private readonly tip: HTMLElement;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(readonly canvas: HTMLCanvasElement, private readonly events: HeatmapEvents) {
    this.ctx = canvas.getContext('2d', { alpha: false })!;
    // Fixed to the viewport, so it needs nothing from the caller's layout; hidden from screen readers.
    this.tip = document.createElement('div');
    this.tip.className = 'heatmap-tip';
    this.tip.setAttribute('aria-hidden', 'true');
    this.tip.hidden = true;
    document.body.append(this.tip);
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    canvas.addEventListener('pointerleave', () => { if (!this.drag) this.setHover(null); });
    canvas.addEventListener('dblclick', () => this.fit());
    canvas.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Shows a matrix of `rows`×`cols` from its pyramid level `level` (0 = every value). */
  setMatrix(rows: number, cols: number, level: number, grid: Grid, view?: ViewState): void {
    this.matrix = { rows, cols };
    this.pyramid = [];
    this.pyramid[level] = grid;
    this.finest = level;
    this.cursor = undefined;
    this.hovered = undefined;
    this.tip.hidden = true;
    this.gutter = this.gutterFor(rows, cols);
    this.resize(false);
    if (view && Number.isFinite(view.scale) && view.scale > 0) this.state = { ...view };
    else this.fit(false);
    this.requestRender();
  }

  /** More detail for the matrix on show (the full data after an overview). */
  addLevel(level: number, grid: Grid): void {
    if (!this.matrix || level >= this.finest) return;
    this.pyramid[level] = grid;
    this.finest = level;
    this.requestRender();
  }

  setColors(lut: Uint32Array, lo: number, hi: number, background: number): void {
    this.lut = lut;
    this.lo = lo;
    this.hi = hi;
    this.background = background;
    this.requestRender();
  }

  /** Outlines a cell (linked hover from another view); undefined clears. */
  mark(cell: { row: number; col: number } | undefined): void {
    this.marked = cell;
    this.requestRender();
  }

  /** The cell outlined by `mark`, if any. */
  get markedCell(): { row: number; col: number } | undefined {
    return this.marked && { ...this.marked };
  }

  get view(): ViewState {
    return { ...this.state };
  }

  /** The index labels on the axes at the last render. */
  get axisTicks(): AxisTicks {
    return { rows: [...this.ticks.rows], cols: [...this.ticks.cols] };
  }

  /** The cell outlined under the pointer, if any. */
  get hoveredCell(): { row: number; col: number } | undefined {
    return this.hovered && { row: this.hovered.row, col: this.hovered.col };
  }

  /** Rows and columns (fractional, clipped to the matrix) in view. */
  get visibleRange(): { rows: [number, number]; cols: [number, number] } {
    const m = this.matrix ?? { rows: 0, cols: 0 };
    const { width, height } = this.plotSize();
    const { scale, x0, y0 } = this.state;
    return {
      rows: [Math.max(0, y0), Math.min(m.rows, y0 + height / scale)],
      cols: [Math.max(0, x0), Math.min(m.cols, x0 + width / scale)],
    };
  }

  /** Plot area (canvas minus the axis gutters), device pixels. */
  private plotSize(): { width: number; height: number } {
    return { width: Math.max(1, this.canvas.width - this.gutter.left), height: Math.max(1, this.canvas.height - this.gutter.top) };
  }

  private dpr(): number {
    return this.canvas.width / Math.max(1, this.canvas.clientWidth);
  }

  private font(): string {
    const family = getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim() || 'sans-serif';
    return `${Math.round(11 * (window.devicePixelRatio || 1))}px ${family}`;
  }

  /** Room for the widest row index on the left and one line of column indices on top. */
  private gutterFor(rows: number, cols: number): { left: number; top: number } {
    if (rows === 0 || cols === 0) return { left: 0, top: 0 };
    const dpr = window.devicePixelRatio || 1;
    this.ctx.font = this.font();
    const widest = this.ctx.measureText(String(Math.max(0, rows - 1))).width;
    return { left: Math.ceil(widest + 10 * dpr), top: Math.ceil(16 * dpr) };
  }

  /** Whole matrix visible, centred. */
  fit(emit = true): void {
    const m = this.matrix;
    if (!m || m.rows === 0 || m.cols === 0) return;
    const { width, height } = this.plotSize();
    const scale = Math.min(width / m.cols, height / m.rows);
    this.state = { scale, x0: -(width / scale - m.cols) / 2, y0: -(height / scale - m.rows) / 2 };
    if (emit) this.requestRender();
  }

  /** Zooms by `factor` about a canvas point (device pixels; default the plot's centre). */
  zoom(factor: number, cx?: number, cy?: number): void {
    const m = this.matrix;
    if (!m) return;
    const plot = this.plotSize();
    // Plot coordinates of the fixed point.
    cx = cx === undefined ? plot.width / 2 : cx - this.gutter.left;
    cy = cy === undefined ? plot.height / 2 : cy - this.gutter.top;
    const fitScale = Math.min(plot.width / Math.max(1, m.cols), plot.height / Math.max(1, m.rows));
    const scale = Math.min(Math.max(this.state.scale * factor, fitScale / 4), 256);
    const s0 = this.state.scale;
    // Keep the cell under (cx, cy) fixed.
    this.state = { scale, x0: this.state.x0 + cx / s0 - cx / scale, y0: this.state.y0 + cy / s0 - cy / scale };
    this.requestRender();
  }

  pan(dxCells: number, dyCells: number): void {
    this.state = { ...this.state, x0: this.state.x0 + dxCells, y0: this.state.y0 + dyCells };
    this.requestRender();
  }

  /** Cell at a canvas-relative CSS position. */
  cellAt(cssX: number, cssY: number): HoverCell | null {
    const m = this.matrix;
    if (!m) return null;
    const dpr = this.dpr();
    const px = cssX * dpr - this.gutter.left, py = cssY * dpr - this.gutter.top;
    if (px < 0 || py < 0) return null;
    const col = Math.floor(this.state.x0 + px / this.state.scale);
    const row = Math.floor(this.state.y0 + py / this.state.scale);
    if (row < 0 || col < 0 || row >= m.rows || col >= m.cols) return null;
    return this.cell(row, col);
  }

  private cell(row: number, col: number): HoverCell {
    const g = this.pyramid[this.finest]!;
    const step = 2 ** this.finest;
    return { row, col, value: g.data[Math.floor(row / step) * g.cols + Math.floor(col / step)], approximate: this.finest > 0 };
  }

  /** CSS position of a cell's centre (for tests and keyboard focus). */
  cellCenter(row: number, col: number): { x: number; y: number } {
    const r = this.cellRect(row, col);
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  }

  /** CSS box of a cell relative to the canvas. */
  cellRect(row: number, col: number): { x: number; y: number; width: number; height: number } {
    const dpr = this.dpr();
    const { scale, x0, y0 } = this.state;
    return {
      x: (this.gutter.left + (col - x0) * scale) / dpr,
      y: (this.gutter.top + (row - y0) * scale) / dpr,
      width: scale / dpr,
      height: scale / dpr,
    };
  }

  private resize(render = true): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (w === this.canvas.width && h === this.canvas.height) return;
    const wasFit = this.matrix && this.isFit();
    this.canvas.width = w;
    this.canvas.height = h;
    if (wasFit) this.fit(false);
    if (render) this.requestRender();
  }

  private isFit(): boolean {
    const m = this.matrix!;
    const plot = this.plotSize();
    const fitScale = Math.min(plot.width / m.cols, plot.height / m.rows);
    return Math.abs(this.state.scale - fitScale) < 1e-9 * fitScale;
  }

  private requestRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Level L, or the finest one received if L is finer; coarser levels are built on demand. */
  private level(wanted: number): { level: number; grid: Grid } {
    let L = Math.max(wanted, this.finest);
    let k = L;
    while (!this.pyramid[k]) k--;
    for (; k < L; k++) this.pyramid[k + 1] = halve(this.pyramid[k]!);
    return { level: L, grid: this.pyramid[L]! };
  }

  render(): void {
    const { width: W, height: H } = this.canvas;
    const ctx = this.ctx;
    const m = this.matrix;
    const img = ctx.createImageData(W, H);
    const px = new Uint32Array(img.data.buffer);
    px.fill(this.background);
    let L = 0;
    const gl = m ? this.gutter.left : 0, gt = m ? this.gutter.top : 0;
    if (m && m.rows > 0 && m.cols > 0) {
      const { scale, x0, y0 } = this.state;
      const got = this.level(scale >= 1 ? 0 : Math.ceil(Math.log2(1 / scale) - 1e-9));
      L = got.level;
      const lvl = got.grid;
      const step = 2 ** L;
      const colIdx = new Int32Array(W).fill(-1);
      for (let x = gl; x < W; x++) {
        const c = Math.floor(x0 + (x - gl + 0.5) / scale);
        colIdx[x] = c < 0 || c >= m.cols ? -1 : Math.floor(c / step);
      }
      const lut = this.lut;
      const lo = this.lo;
      const k = this.hi > lo ? 255 / (this.hi - lo) : 0;
      const data = lvl.data;
      for (let y = gt; y < H; y++) {
        const r = Math.floor(y0 + (y - gt + 0.5) / scale);
        if (r < 0 || r >= m.rows) continue;
        const base = Math.floor(r / step) * lvl.cols;
        const rowOff = y * W;
        for (let x = 0; x < W; x++) {
          const c = colIdx[x];
          if (c < 0) continue;
          const v = data[base + c];
          if (v !== v) { px[rowOff + x] = NAN_RGBA; continue; }
          let t = ((v - lo) * k + 0.5) | 0;
          t = t < 0 ? 0 : t > 255 ? 255 : t;
          px[rowOff + x] = lut[t];
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    if (m) this.drawOverlays(m);
    this.events.view(this.view, 2 ** L);
  }

  private drawOverlays(m: { rows: number; cols: number }): void {
    const ctx = this.ctx;
    const { scale, x0, y0 } = this.state;
    const gl = this.gutter.left, gt = this.gutter.top;
    const style = getComputedStyle(document.body);
    const plot = this.plotSize();
    ctx.save();
    ctx.beginPath();
    ctx.rect(gl, gt, plot.width, plot.height);
    ctx.clip();
    if (scale >= 14) {
      // Cell borders once cells are big enough to read individually.
      ctx.strokeStyle = style.getPropertyValue('--vscode-editorWidget-border') || 'rgba(128,128,128,0.5)';
      ctx.globalAlpha = 0.35;
      ctx.lineWidth = 1;
      ctx.beginPath();
      const c0 = Math.max(0, Math.floor(x0)), c1 = Math.min(m.cols, Math.ceil(x0 + plot.width / scale));
      const r0 = Math.max(0, Math.floor(y0)), r1 = Math.min(m.rows, Math.ceil(y0 + plot.height / scale));
      for (let c = c0; c <= c1; c++) {
        const x = gl + Math.round((c - x0) * scale) + 0.5;
        ctx.moveTo(x, gt + (r0 - y0) * scale);
        ctx.lineTo(x, gt + (r1 - y0) * scale);
      }
      for (let r = r0; r <= r1; r++) {
        const y = gt + Math.round((r - y0) * scale) + 0.5;
        ctx.moveTo(gl + (c0 - x0) * scale, y);
        ctx.lineTo(gl + (c1 - x0) * scale, y);
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    const dpr = window.devicePixelRatio || 1;
    for (const [cell, color] of [
      [this.marked, style.getPropertyValue('--vscode-editorCursor-foreground') || '#fff'],
      [this.cursor, style.getPropertyValue('--vscode-focusBorder') || '#0af'],
      [this.hovered, style.getPropertyValue('--vscode-focusBorder') || '#0af'],
    ] as const) {
      if (!cell) continue;
      const size = Math.max(scale, 4);
      const cx = gl + (cell.col + 0.5 - x0) * scale, cy = gt + (cell.row + 0.5 - y0) * scale;
      // A dark and a light ring: visible on every colour of every map.
      ctx.lineWidth = 3 * dpr;
      ctx.strokeStyle = 'rgba(0,0,0,0.6)';
      ctx.strokeRect(cx - size / 2 - dpr, cy - size / 2 - dpr, size + 2 * dpr, size + 2 * dpr);
      ctx.lineWidth = 1.5 * dpr;
      ctx.strokeStyle = color;
      ctx.strokeRect(cx - size / 2 - dpr, cy - size / 2 - dpr, size + 2 * dpr, size + 2 * dpr);
    }
    ctx.restore();
    this.drawAxes(m, style);
  }

  /** Row indices on the left, column indices on top, at integer steps that keep labels apart. */
  private drawAxes(m: { rows: number; cols: number }, style: CSSStyleDeclaration): void {
    const ctx = this.ctx;
    const { scale, x0, y0 } = this.state;
    const gl = this.gutter.left, gt = this.gutter.top;
    const plot = this.plotSize();
    const dpr = window.devicePixelRatio || 1;
    ctx.font = this.font();
    const labelWidth = ctx.measureText(String(Math.max(0, m.cols - 1))).width;
    const colStep = tickStep((labelWidth + 8 * dpr) / scale);
    const rowStep = tickStep((14 * dpr) / scale);
    // Cells whose centre is inside the plot.
    const cols = ticksIn(Math.max(0, Math.ceil(x0 - 0.5)), Math.min(m.cols - 1, Math.floor(x0 + plot.width / scale - 0.5)), colStep);
    const rows = ticksIn(Math.max(0, Math.ceil(y0 - 0.5)), Math.min(m.rows - 1, Math.floor(y0 + plot.height / scale - 0.5)), rowStep);
    this.ticks = { rows, cols };
    const fg = style.getPropertyValue('--vscode-descriptionForeground').trim() || style.getPropertyValue('--vscode-foreground').trim() || '#888';
    ctx.fillStyle = fg;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    for (const c of cols) {
      const x = gl + (c + 0.5 - x0) * scale;
      ctx.fillText(String(c), Math.min(Math.max(x, gl + labelWidth / 2), this.canvas.width - labelWidth / 2), gt - 3 * dpr);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const r of rows) {
      const y = gt + (r + 0.5 - y0) * scale;
      ctx.fillText(String(r), gl - 5 * dpr, Math.max(y, gt + 6 * dpr));
    }
  }

  /** The pointer's cell: outline, floating readout, and the caller's hover event. */
  private setHover(cell: HoverCell | null, clientX?: number, clientY?: number): void {
    const before = this.hovered;
    this.hovered = cell ? { row: cell.row, col: cell.col, x: clientX ?? 0, y: clientY ?? 0 } : undefined;
    if (before?.row !== this.hovered?.row || before?.col !== this.hovered?.col) this.requestRender();
    this.events.hover(cell);
    this.showTip(cell, clientX, clientY);
  }

  /**
   * The value beside the pointer (or beside a keyboard cursor cell): right of the cell, else left of it, else
   * below or above it, so it never covers the cell it describes.
   */
  private showTip(cell: HoverCell | null, clientX?: number, clientY?: number): void {
    const tip = this.tip;
    if (!cell) { tip.hidden = true; return; }
    tip.replaceChildren();
    const value = document.createElement('div');
    value.className = 'heatmap-tip-value';
    value.textContent = fmt(cell.value, 6);
    const where = document.createElement('div');
    where.className = 'heatmap-tip-where';
    where.textContent = `row ${cell.row}, col ${cell.col}${cell.approximate ? ' · largest in block' : ''}`;
    tip.append(value, where);
    tip.dataset.row = String(cell.row);
    tip.dataset.col = String(cell.col);
    tip.hidden = false;
    const canvasBox = this.canvas.getBoundingClientRect();
    const r = this.cellRect(cell.row, cell.col);
    const cellBox = { left: canvasBox.left + r.x, top: canvasBox.top + r.y, right: canvasBox.left + r.x + r.width, bottom: canvasBox.top + r.y + r.height };
    const px = clientX ?? (cellBox.left + cellBox.right) / 2, py = clientY ?? (cellBox.top + cellBox.bottom) / 2;
    const { width: w, height: h } = tip.getBoundingClientRect();
    const gap = 12;
    const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    const clampY = (y: number) => Math.min(Math.max(4, y), vh - h - 4);
    const clampX = (x: number) => Math.min(Math.max(4, x), vw - w - 4);
    let x: number, y: number;
    if (Math.max(px, cellBox.right) + gap + w <= vw - 4) {
      x = Math.max(px, cellBox.right) + gap; y = clampY(py + gap);
    } else if (Math.min(px, cellBox.left) - gap - w >= 4) {
      x = Math.min(px, cellBox.left) - gap - w; y = clampY(py + gap);
    } else if (cellBox.bottom + gap + h <= vh - 4) {
      x = clampX(px + gap); y = cellBox.bottom + gap;
    } else {
      x = clampX(px + gap); y = Math.max(4, cellBox.top - gap - h);
    }
    tip.style.left = `${Math.round(x)}px`;
    tip.style.top = `${Math.round(y)}px`;
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const dpr = this.dpr();
    const rect = this.canvas.getBoundingClientRect();
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    this.zoom(Math.pow(1.0015, -delta), (e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr);
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.drag = { x: e.clientX, y: e.clientY, x0: this.state.x0, y0: this.state.y0 };
  }

  private onPointerMove(e: PointerEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    if (this.drag) {
      const s = this.state.scale / this.dpr();
      this.state = { ...this.state, x0: this.drag.x0 - (e.clientX - this.drag.x) / s, y0: this.drag.y0 - (e.clientY - this.drag.y) / s };
      this.requestRender();
    }
    this.setHover(this.cellAt(e.clientX - rect.left, e.clientY - rect.top), e.clientX, e.clientY);
  }

  private onPointerUp(e: PointerEvent): void {
    if (this.drag) this.canvas.releasePointerCapture(e.pointerId);
    this.drag = undefined;
  }

  /** Arrows move a cursor cell (the readout follows), +/- zoom, 0 fits, Shift+arrows pan. */
  private onKey(e: KeyboardEvent): void {
    const m = this.matrix;
    if (!m) return;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (e.key in moves) {
      e.preventDefault();
      const [dr, dc] = moves[e.key];
      if (e.shiftKey) {
        const cells = this.canvas.width / this.state.scale / 10;
        this.pan(dc * cells, dr * cells);
        return;
      }
      const cur = this.cursor ?? { row: 0, col: 0 };
      const row = Math.min(m.rows - 1, Math.max(0, cur.row + (this.cursor ? dr : 0)));
      const col = Math.min(m.cols - 1, Math.max(0, cur.col + (this.cursor ? dc : 0)));
      this.cursor = { row, col };
      this.events.hover(this.cell(row, col));
      this.showTip(this.cell(row, col));
      this.requestRender();
    } else if (e.key === '+' || e.key === '=') {
      this.zoom(1.5);
    } else if (e.key === '-' || e.key === '_') {
      this.zoom(1 / 1.5);
    } else if (e.key === '0') {
      this.fit();
    } else if (e.key === 'Escape') {
      this.cursor = undefined;
      this.events.hover(null);
      this.showTip(null);
      this.requestRender();
    }
  }
}
