/** Matrix inspector webview: tensor table, heatmap with colour bar, hover readout. */
import './inspector.css';
import type {
  CheckpointSummary, Colormap, HeatmapSettings, HostToInspector, InspectorToHost, InspectorViewState, MatrixKey,
  MatrixPayload, TensorSummary, ErrorKind, LensError,
} from '../src/shared/protocol';
import { metadataView, TensorTable } from './tensorTable';
import { connect } from './vscodeApi';
import { Heatmap, HoverCell } from './heatmap';
import { Colorbar } from './colorbar';
import { buildLut } from './colormaps';
import { el, fmt } from './format';
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
let table: TensorTable | undefined;

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
      renderCheckpoint(msg.summary, msg.matrix);
      break;
    case 'matrix':
      showMatrix(msg.matrix);
      break;
    case 'error':
      if (summary) {
        matrixError.hidden = false;
        matrixError.dataset.kind = msg.error.kind;
        matrixError.textContent = msg.error.message;
      } else {
        showFatal(msg.error);
      }
      break;
  }
}

/** What the heading says for each kind of problem with a file. */
const FATAL_TITLE: Partial<Record<ErrorKind, string>> = {
  'too-large': 'This file is too large to show',
  io: 'Cannot read this file',
  timeout: 'Reading this file took too long',
};

function showFatal(error: LensError): void {
  app.replaceChildren(
    el('div', { id: 'error', class: 'error-view', role: 'alert', 'data-kind': error.kind },
      el('h2', {}, FATAL_TITLE[error.kind] ?? 'Cannot show this file'),
      el('p', { class: 'error-message' }, error.message),
      button('Try again', () => vscode.post({ type: 'reload' }), { secondary: true })),
  );
}

function keyEquals(a: MatrixKey | undefined, b: MatrixKey | undefined): boolean {
  return !!a && !!b && a.name === b.name && (a.gate ?? '') === (b.gate ?? '');
}

function renderCheckpoint(s: CheckpointSummary, first?: MatrixPayload): void {
  const recurrentCount = s.tensors.filter((t) => t.recurrent).length;
  const header = el('header', {},
    el('h1', {}, s.label),
    el('span', { class: 'meta' },
      `${s.format} · ${s.tensors.length} tensor${s.tensors.length === 1 ? '' : 's'} · ${recurrentCount} recurrent · read in ${s.readMs.toFixed(0)} ms`),
    el('span', { class: 'meta' }, s.layout === 'row'
      ? 'Stored in row convention (h = h R): matrices are shown transposed, as W = Rᵀ.'
      : 'Stored in column convention (h = W h): matrices are shown as stored.'),
  );
  const names = new Set(s.tensors.map((t) => t.name));
  const wanted = state.selected && names.has(state.selected.name) ? state.selected : defaultKey(s.tensors);
  table = new TensorTable(s, { filter: state.filter, expanded: state.expanded, selected: wanted?.name }, {
    select: (name) => select({ name }),
    change: (filter, expanded) => { state.filter = filter || undefined; state.expanded = expanded; saveState(); },
  });
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
  const side = el('section', { class: 'tensors', 'aria-label': 'Tensors' });
  const fileMeta = fileMetadataView(s);
  if (fileMeta) side.append(fileMeta);
  side.append(table.element);
  app.replaceChildren(header, el('div', { class: 'main' }, side, viewer));
  timings.table = performance.now();

  if (!wanted) {
    viewer.replaceChildren(el('p', { class: 'status' }, 'This file holds no tensors.'));
    return;
  }
  // The host sends the first picture with the summary when it guessed the same tensor: no round trip.
  const prefetched = first && keyEquals(first.key, wanted) ? first : undefined;
  select(wanted, !prefetched);
  if (prefetched) showMatrix(prefetched);
}

/** Plain values stored in the file beside its tensors (`epoch`, `args` …), and which lists are shown per group. */
function fileMetadataView(s: CheckpointSummary): HTMLElement | undefined {
  if (!s.fileMetadata.length && !s.pairings.length && !s.metadataTruncated) return undefined;
  const box = el('details', { id: 'file-metadata', class: 'file-metadata', open: '' },
    el('summary', {}, 'Stored with the tensors'));
  if (s.fileMetadata.length) box.append(metadataView(s.fileMetadata));
  for (const p of s.pairings) {
    box.append(el('p', { class: 'note' }, `${p.list}: ${p.count} items, one per ${p.groups}.N group — shown with each group.`));
  }
  if (s.metadataTruncated) box.append(el('p', { class: 'note warn' }, 'Some values were cut: the file holds more than the inspector reads.'));
  return box;
}

function defaultKey(tensors: TensorSummary[]): MatrixKey | undefined {
  const t = tensors[0];
  return t ? { name: t.name } : undefined;
}

/** Shows `key`; asks the host for its matrix unless it is already on its way. */
function select(key: MatrixKey, fetch = true): void {
  if (!keyEquals(key, state.selected)) state.view = undefined;
  state.selected = key;
  saveState();
  table?.setSelected(key.name);
  matrixError.hidden = true;
  matrixTitle.textContent = `${key.name || '(array)'}${key.gate ? ` · gate ${key.gate}` : ''}`;
  matrixTitle.title = matrixTitle.textContent;
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
  if (fetch) vscode.post({ type: 'select', key });
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

// Ctrl+F / Cmd+F while the inspector has focus: the tensor filter (the webview would otherwise hand it to VS Code).
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'f' && table) {
    e.preventDefault();
    e.stopPropagation();
    table.focusFilter();
  }
});

// Theme switches change the zero colour of the diverging map.
new MutationObserver(() => applyColors()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// Exposed for end-to-end tests that need cell positions on the canvas.
(window as unknown as { recurrentLensHeatmap: Heatmap }).recurrentLensHeatmap = heatmap;

vscode.post({ type: 'ready' });
timings.ready = performance.now();
