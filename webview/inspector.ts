/** Matrix inspector webview: tensor table, heatmap with colour bar, hover readout. */
import './inspector.css';
import type {
  CheckpointSummary, Colormap, HeatmapSettings, HostToInspector, InspectorToHost, InspectorViewState, MatrixKey,
  MatrixPayload, TensorSummary,
} from '../src/shared/protocol';
import { connect } from './vscodeApi';
import { Heatmap, HoverCell } from './heatmap';
import { Colorbar } from './colorbar';
import { buildLut } from './colormaps';
import { el, fmt, fmtCount } from './format';
import { button, checkbox, dropdown, spinner } from './toolkit';
import { cssToRgba } from './theme';

type State = InspectorViewState;

const app = document.getElementById('app')!;
const vscode = connect<HostToInspector, InspectorToHost, State>(onMessage);
let state: State = vscode.getState() ?? {};

/** Webview state for reloads; the host keeps a copy per file for when the file is reopened. */
let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveState(): void {
  vscode.setState(state);
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => vscode.post({ type: 'viewState', state }), 250);
}
let summary: CheckpointSummary | undefined;
let settings: HeatmapSettings = { colormap: 'diverging', symmetric: true };
let current: MatrixPayload | undefined;

// Persistent parts of the viewer, built once.
const canvas = el('canvas', { id: 'heatmap', tabindex: '0', 'aria-label': 'Matrix heatmap. Arrow keys move the cursor, plus and minus zoom, 0 fits.' });
const colorbar = new Colorbar();
const readout = el('div', { id: 'readout', 'aria-live': 'polite' }, 'Hover a cell to read its value.');
const transformNote = el('div', { id: 'transform', class: 'note' });
const downsampleNote = el('div', { id: 'downsample-note', class: 'note warn', hidden: '' });
const matrixTitle = el('h2', { id: 'matrix-title' });
const gateSlot = el('span', { class: 'gate-slot' });
const matrixError = el('div', { id: 'matrix-error', class: 'error', role: 'alert', hidden: '' });
const analyzeButton = button('Analyze…', () => {
  if (state.selected) vscode.post({ type: 'analyze', key: state.selected });
}, { id: 'analyze', title: 'Schur form, spectrum, pseudospectrum, non-normality and memory curve of this matrix' });
const heatmap = new Heatmap(canvas, {
  hover: showHover,
  view: (view, downsample) => {
    if (current) {
      state.view = { ...view, rows: current.rows, cols: current.cols };
      saveState();
    }
    downsampleNote.hidden = downsample <= 1;
    downsampleNote.textContent = downsample > 1
      ? `Downsampled: each pixel shows the largest-magnitude value of a ${downsample}×${downsample} block. Zoom in for every cell.`
      : '';
  },
});

/** Arrival times of messages and first paint (ms since the webview started), read by end-to-end tests. */
const timings: Record<string, number> = { script: performance.now() };
(window as unknown as { recurrentLensTimings: typeof timings }).recurrentLensTimings = timings;

function onMessage(msg: HostToInspector): void {
  timings[msg.type] = performance.now();
  switch (msg.type) {
    case 'loading':
      app.replaceChildren(el('div', { class: 'status' }, spinner(), ` Reading ${msg.label}…`));
      break;
    case 'checkpoint':
      summary = msg.summary;
      settings = msg.settings;
      if (!state.selected && msg.restore) state = { ...msg.restore };
      renderCheckpoint(msg.summary);
      break;
    case 'matrix':
      showMatrix(msg.matrix);
      break;
    case 'error':
      if (summary) {
        matrixError.hidden = false;
        matrixError.textContent = msg.message;
      } else {
        showFatal(msg.message);
      }
      break;
  }
}

function showFatal(message: string): void {
  app.replaceChildren(
    el('div', { id: 'error', class: 'error-view', role: 'alert' },
      el('h2', {}, 'Cannot show this file'),
      el('p', { class: 'error-message' }, message),
      button('Try again', () => vscode.post({ type: 'reload' }), { secondary: true })),
  );
}

function keyEquals(a: MatrixKey | undefined, b: MatrixKey | undefined): boolean {
  return !!a && !!b && a.name === b.name && (a.gate ?? '') === (b.gate ?? '');
}

function renderCheckpoint(s: CheckpointSummary): void {
  const recurrentCount = s.tensors.filter((t) => t.recurrent).length;
  const header = el('header', {},
    el('h1', {}, s.label),
    el('span', { class: 'meta' },
      `${s.format} · ${s.tensors.length} tensor${s.tensors.length === 1 ? '' : 's'} · ${recurrentCount} recurrent · read in ${s.readMs.toFixed(0)} ms`),
    el('span', { class: 'meta' }, s.layout === 'row'
      ? 'Stored in row convention (h = h R): matrices are shown transposed, as W = Rᵀ.'
      : 'Stored in column convention (h = W h): matrices are shown as stored.'),
  );
  const table = renderTable(s.tensors);
  const cm = dropdown(
    [{ value: 'diverging', label: 'Diverging (zero-centred)' }, { value: 'viridis', label: 'Viridis' }, { value: 'gray', label: 'Grey' }],
    state.colormap ?? settings.colormap,
    (v) => { state.colormap = v as Colormap; saveState(); applyColors(); },
    { id: 'colormap', ariaLabel: 'Colormap' },
  );
  const sym = checkbox('Symmetric about 0', state.symmetric ?? settings.symmetric,
    (v) => { state.symmetric = v; saveState(); applyColors(); }, { id: 'symmetric' });
  const toolbar = el('div', { class: 'toolbar' }, matrixTitle, gateSlot, cm, sym,
    button('Fit', () => heatmap.fit(), { secondary: true, title: 'Show the whole matrix (0)' }), analyzeButton);
  const viewer = el('section', { class: 'viewer', 'aria-label': 'Heatmap' },
    toolbar, transformNote, matrixError,
    el('div', { class: 'plot' }, el('div', { class: 'canvas-wrap' }, canvas), colorbar.element),
    el('div', { class: 'axes-note note' }, 'Row i = to unit i, column j = from unit j (W[i][j]). Scroll to zoom, drag to pan, double-click to fit.'),
    readout, downsampleNote);
  app.replaceChildren(header, el('div', { class: 'main' }, el('section', { class: 'tensors', 'aria-label': 'Tensors' }, table), viewer));

  const names = new Set(s.tensors.map((t) => t.name));
  const wanted = state.selected && names.has(state.selected.name) ? state.selected : defaultKey(s.tensors);
  if (wanted) select(wanted);
  else viewer.replaceChildren(el('p', { class: 'status' }, 'This file holds no tensors.'));
}

function defaultKey(tensors: TensorSummary[]): MatrixKey | undefined {
  const t = tensors[0];
  return t ? { name: t.name } : undefined;
}

function renderTable(tensors: TensorSummary[]): HTMLTableElement {
  const head = el('tr', {}, ...['Name', 'Shape', 'dtype', 'Min', 'Max', 'Mean', 'Std', 'NaN', 'Inf', 'Zeros', '‖·‖F']
    .map((h) => el('th', { scope: 'col' }, h)));
  const rows = tensors.map((t, i) => {
    const name = el('td', { class: 'name' }, t.name || '(array)');
    if (t.recurrent) {
      const r = t.recurrent;
      const gates = r.gates ? ` ${r.cell.toUpperCase()} ${r.gates.join(',')}` : '';
      name.append(' ', el('span', { class: 'badge', title: `Recurrent matrix, N = ${r.n}, stored in ${r.convention} convention` }, `recurrent N=${r.n}${gates}`));
    }
    const bad = t.nan + t.inf > 0 ? 'bad' : '';
    const tr = el('tr', { tabindex: i === 0 ? '0' : '-1', 'data-name': t.name, role: 'button', 'aria-label': `Show ${t.name || 'array'}` },
      name,
      el('td', {}, `[${t.shape.join(', ')}]`),
      el('td', {}, t.dtype),
      el('td', { class: 'num' }, fmt(t.min)), el('td', { class: 'num' }, fmt(t.max)),
      el('td', { class: 'num' }, fmt(t.mean)), el('td', { class: 'num' }, fmt(t.std)),
      el('td', { class: `num ${t.nan ? bad : ''}` }, fmtCount(t.nan)), el('td', { class: `num ${t.inf ? bad : ''}` }, fmtCount(t.inf)),
      el('td', { class: 'num' }, fmtCount(t.zeros)), el('td', { class: 'num' }, fmt(t.frobenius)));
    tr.addEventListener('click', () => select({ name: t.name }));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select({ name: t.name }); }
      const next = e.key === 'ArrowDown' ? tr.nextElementSibling : e.key === 'ArrowUp' ? tr.previousElementSibling : null;
      if (next instanceof HTMLElement) {
        e.preventDefault();
        tr.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
      }
    });
    return tr;
  });
  return el('table', { id: 'tensor-table' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

function select(key: MatrixKey): void {
  if (!keyEquals(key, state.selected)) state.view = undefined;
  state.selected = key;
  saveState();
  for (const tr of document.querySelectorAll<HTMLElement>('#tensor-table tbody tr')) {
    tr.classList.toggle('selected', tr.dataset.name === key.name);
    tr.setAttribute('aria-pressed', String(tr.dataset.name === key.name));
  }
  matrixError.hidden = true;
  matrixTitle.textContent = `${key.name || '(array)'}${key.gate ? ` · gate ${key.gate}` : ''}`;
  const t = summary?.tensors.find((x) => x.name === key.name);
  gateSlot.replaceChildren();
  if (t?.recurrent?.gates) {
    gateSlot.append(dropdown(
      [{ value: '', label: 'All gates (stacked)' }, ...t.recurrent.gates.map((g) => ({ value: g, label: `Gate ${g}` }))],
      key.gate ?? '',
      (g) => select({ name: key.name, gate: g || undefined }),
      { id: 'gate', ariaLabel: 'Gate block' },
    ));
  }
  vscode.post({ type: 'select', key });
}

function showMatrix(m: MatrixPayload): void {
  if (!keyEquals(m.key, state.selected)) return;
  if (current && keyEquals(current.key, m.key) && current.rows === m.rows && current.cols === m.cols && m.level < current.level) {
    // Full resolution after an overview: same picture, more detail.
    current = m;
    heatmap.addLevel(m.level, { rows: Math.ceil(m.rows / 2 ** m.level), cols: Math.ceil(m.cols / 2 ** m.level), data: m.data });
    timings.detail = performance.now();
    return;
  }
  current = m;
  const square = m.rows === m.cols && m.rows > 0;
  analyzeButton.toggleAttribute('disabled', !square);
  analyzeButton.title = square ? 'Schur form, spectrum, pseudospectrum, non-normality and memory curve of this matrix'
    : 'Analyses need a square matrix (a recurrent matrix, or one gate block of an LSTM/GRU)';
  const desc = `${m.rows}×${m.cols}`;
  transformNote.textContent = `${desc} · ${m.transform}`;
  const saved = state.view && state.view.rows === m.rows && state.view.cols === m.cols ? state.view : undefined;
  const step = 2 ** m.level;
  heatmap.setMatrix(m.rows, m.cols, m.level, { rows: Math.ceil(m.rows / step), cols: Math.ceil(m.cols / step), data: m.data }, saved);
  applyColors();
  requestAnimationFrame(() => { timings.painted = performance.now(); });
}

function applyColors(): void {
  if (!current) return;
  const colormap = state.colormap ?? settings.colormap;
  const symmetric = state.symmetric ?? settings.symmetric;
  const dark = document.body.classList.contains('vscode-dark') || document.body.classList.contains('vscode-high-contrast');
  const lut = buildLut(colormap, dark);
  const { min, max } = current.stats;
  let lo = min ?? 0, hi = max ?? 0;
  if (symmetric) {
    const a = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    [lo, hi] = [-a, a];
  } else if (lo === hi) {
    [lo, hi] = [lo - 1, hi + 1];
  }
  const bg = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim();
  heatmap.setColors(lut, lo, hi, cssToRgba(bg));
  colorbar.update(lut, lo, hi);
}

function showHover(cell: HoverCell | null): void {
  if (!cell) {
    readout.textContent = 'Hover a cell to read its value.';
    return;
  }
  readout.textContent = `row ${cell.row}, col ${cell.col}: ${fmt(cell.value, 6)}` +
    (cell.approximate ? ' (largest in its block; full resolution loading…)' : '');
  readout.dataset.row = String(cell.row);
  readout.dataset.col = String(cell.col);
  readout.dataset.value = String(cell.value);
}

// Theme switches change the zero colour of the diverging map.
new MutationObserver(() => applyColors()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// Exposed for end-to-end tests that need cell positions on the canvas.
(window as unknown as { recurrentLensHeatmap: Heatmap }).recurrentLensHeatmap = heatmap;

vscode.post({ type: 'ready' });
timings.ready = performance.now();
