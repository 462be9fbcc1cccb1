/**
 * Matrix heatmap on a 2-D canvas. Only the visible window is rendered, one lookup per screen pixel, so a
 * 4096×4096 matrix pans and zooms as fast as a small one. When zoomed out below one pixel per cell, a
 * max-magnitude pyramid (like a texture's mipmaps) keeps every value represented; the caller shows a note.
 */
import { NAN_RGBA } from './colormaps';
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
  private readonly ctx: CanvasRenderingContext2D;

  constructor(readonly canvas: HTMLCanvasElement, private readonly events: HeatmapEvents) {
    this.ctx = canvas.getContext('2d', { alpha: false })!;
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    canvas.addEventListener('pointerleave', () => { if (!this.drag) this.events.hover(null); });
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

  /** Whole matrix visible, centred. */
  fit(emit = true): void {
    const m = this.matrix;
    if (!m || m.rows === 0 || m.cols === 0) return;
    const { width, height } = this.canvas;
    const scale = Math.min(width / m.cols, height / m.rows);
    this.state = { scale, x0: -(width / scale - m.cols) / 2, y0: -(height / scale - m.rows) / 2 };
    if (emit) this.requestRender();
  }

  zoom(factor: number, cx = this.canvas.width / 2, cy = this.canvas.height / 2): void {
    const m = this.matrix;
    if (!m) return;
    const fitScale = Math.min(this.canvas.width / Math.max(1, m.cols), this.canvas.height / Math.max(1, m.rows));
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
    const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth);
    const col = Math.floor(this.state.x0 + (cssX * dpr) / this.state.scale);
    const row = Math.floor(this.state.y0 + (cssY * dpr) / this.state.scale);
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
    const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth);
    return {
      x: ((col + 0.5 - this.state.x0) * this.state.scale) / dpr,
      y: ((row + 0.5 - this.state.y0) * this.state.scale) / dpr,
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
    const fitScale = Math.min(this.canvas.width / m.cols, this.canvas.height / m.rows);
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
    if (m && m.rows > 0 && m.cols > 0) {
      const { scale, x0, y0 } = this.state;
      const got = this.level(scale >= 1 ? 0 : Math.ceil(Math.log2(1 / scale) - 1e-9));
      L = got.level;
      const lvl = got.grid;
      const step = 2 ** L;
      const colIdx = new Int32Array(W);
      for (let x = 0; x < W; x++) {
        const c = Math.floor(x0 + (x + 0.5) / scale);
        colIdx[x] = c < 0 || c >= m.cols ? -1 : Math.floor(c / step);
      }
      const lut = this.lut;
      const lo = this.lo;
      const k = this.hi > lo ? 255 / (this.hi - lo) : 0;
      const data = lvl.data;
      for (let y = 0; y < H; y++) {
        const r = Math.floor(y0 + (y + 0.5) / scale);
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
    const style = getComputedStyle(document.body);
    if (scale >= 14) {
      // Cell borders once cells are big enough to read individually.
      ctx.strokeStyle = style.getPropertyValue('--vscode-editorWidget-border') || 'rgba(128,128,128,0.5)';
      ctx.globalAlpha = 0.35;
      ctx.lineWidth = 1;
      ctx.beginPath();
      const c0 = Math.max(0, Math.floor(x0)), c1 = Math.min(m.cols, Math.ceil(x0 + this.canvas.width / scale));
      const r0 = Math.max(0, Math.floor(y0)), r1 = Math.min(m.rows, Math.ceil(y0 + this.canvas.height / scale));
      for (let c = c0; c <= c1; c++) {
        const x = Math.round((c - x0) * scale) + 0.5;
        ctx.moveTo(x, (r0 - y0) * scale);
        ctx.lineTo(x, (r1 - y0) * scale);
      }
      for (let r = r0; r <= r1; r++) {
        const y = Math.round((r - y0) * scale) + 0.5;
        ctx.moveTo((c0 - x0) * scale, y);
        ctx.lineTo((c1 - x0) * scale, y);
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    for (const [cell, color] of [
      [this.marked, style.getPropertyValue('--vscode-editorCursor-foreground') || '#fff'],
      [this.cursor, style.getPropertyValue('--vscode-focusBorder') || '#0af'],
    ] as const) {
      if (!cell) continue;
      const size = Math.max(scale, 4);
      const cx = (cell.col + 0.5 - x0) * scale, cy = (cell.row + 0.5 - y0) * scale;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.strokeRect(cx - size / 2 - 1, cy - size / 2 - 1, size + 2, size + 2);
    }
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth);
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
      const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth);
      const s = this.state.scale / dpr;
      this.state = { ...this.state, x0: this.drag.x0 - (e.clientX - this.drag.x) / s, y0: this.drag.y0 - (e.clientY - this.drag.y) / s };
      this.requestRender();
    }
    this.events.hover(this.cellAt(e.clientX - rect.left, e.clientY - rect.top));
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
      this.requestRender();
    }
  }
}
