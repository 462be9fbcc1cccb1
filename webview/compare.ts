/**
 * Compare panel webview: one column per matrix (initializers by spec, N and seed, or loaded matrices) with W and
 * Schur T heatmaps on one shared symmetric colour scale and linked hover, the spectrum (exact eigenvalues where
 * closed forms exist; float64 ones marked untrustworthy when they are ill-conditioned), J(k) and ‖Wᵏv‖; plus an
 * overlay of every memory curve and a summary table that prefers exact values and says where each value comes from.
 * The analyses run in the host's worker; this page only draws.
 */
import './panel.css';
import './compare.css';
import type {
  AnalysisPayload, CompareColumn, CompareToHost, ExactValues, HostToCompare, SummaryKey, SummaryValue, ValueMethod,
} from '../src/shared/protocol';
import { connect } from './vscodeApi';
import { Heatmap, HoverCell } from './heatmap';
import { Colorbar } from './colorbar';
import { buildLut } from './colormaps';
import { el, fmt } from './format';
import { button, checkbox, spinner } from './toolkit';
import { Chart, ChartSpec, LegendEntry, Series, themeColor } from './charts';
import { figureData, heatmapSvg, standaloneSvg } from './export';
import { backgroundColor, cssToRgba, isDark } from './theme';

interface State {
  logJ?: boolean;
  logTransient?: boolean;
}

type Figure = { text: string; width: number; height: number };
type ThemeName = Parameters<typeof themeColor>[0];

const PALETTE: ThemeName[] = ['blue', 'red', 'green', 'orange', 'purple', 'yellow'];
const GAIN_LABEL: Record<string, string> = { chain: 'α', fbchain: 'β', orthogonal: 'λ', identity: 'λ', gaussian: 'λ', mixed: 'α', plain: 'λ' };
const SEEDED = new Set(['orthogonal', 'gaussian', 'plain']);
const MAX_N = 4096;
const EDIT_DEBOUNCE_MS = 350;
const EPS = 2 ** -52;

const app = document.getElementById('app')!;
const vscode = connect<HostToCompare, CompareToHost, State>(onMessage);
const state: State = vscode.getState() ?? {};
const saveState = () => vscode.setState(state);

// ---- helpers -------------------------------------------------------------------------------------------------

function maxAbs(values: ArrayLike<number>): number {
  let a = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]);
    if (v > a && Number.isFinite(v)) a = v;
  }
  return a;
}

/** Eigenvalues whose first-order error bound κ·ε exceeds 1e-8 (as the analysis); null κ = ∞ (JSON). */
function untrustworthy(r: AnalysisPayload): boolean {
  const k = r.numbers.maxCondition === null || Number.isNaN(r.numbers.maxCondition) ? Infinity : r.numbers.maxCondition;
  return k * EPS > 1e-8;
}

const range = (n: number) => Float64Array.from({ length: n }, (_, i) => i);
const sub = (i: number) => String(i).split('').map((c) => '₀₁₂₃₄₅₆₇₈₉'[Number(c)]).join('');
function fmtComplex(re: number, im: number): string {
  if (im === 0) return fmt(re, 4);
  return `${fmt(re, 4)} ${im < 0 ? '−' : '+'} ${fmt(Math.abs(im), 4)}i`;
}

async function saveFigure(name: string, format: 'svg' | 'png', make: () => Figure | undefined): Promise<void> {
  try {
    const fig = make();
    if (!fig) return;
    vscode.post({ type: 'saveFigure', name, format, data: await figureData(fig, format) });
  } catch (e) {
    showBanner(`Could not export the figure: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A file-name-friendly form of a title: `chain:1.02 (N = 100)` → `chain_1.02_N_100`. */
function slug(title: string): string {
  return title.replace(/[^\w.]+/g, '_').replace(/^_+|_+$/g, '');
}

function exportButtons(name: () => string, label: string, make: () => Figure | undefined, idPrefix?: string): HTMLElement[] {
  return (['svg', 'png'] as const).map((format) =>
    button(format.toUpperCase(), () => void saveFigure(name(), format, make), {
      secondary: true, title: `Save ${label} as ${format.toUpperCase()}`, ...(idPrefix ? { id: `${idPrefix}-${format}` } : {}),
    }));
}

// ---- page layout ---------------------------------------------------------------------------------------------

const metaEl = el('span', { id: 'meta', class: 'meta' });
const statusEl = el('div', { id: 'run-status', class: 'run-status', role: 'status', 'aria-live': 'polite' });
const bannerEl = el('div', { id: 'banner', class: 'banner error', role: 'alert', hidden: '' });
const addSpec = el('input', { id: 'add-spec', class: 'text-input', type: 'text', placeholder: 'chain:1.05', 'aria-label': 'Initializer to add, name:gain', spellcheck: 'false' });
const addN = el('input', { id: 'add-n', class: 'num-input', type: 'number', min: '1', max: String(MAX_N), step: '1', value: '100', 'aria-label': 'N of the initializer to add' });
/** The cell of the initializer to add: a vanilla RNN matrix, or one column per LSTM / GRU gate block. */
const addCell = el('select', { id: 'add-cell', class: 'select-input', 'aria-label': 'Cell of the initializer to add: RNN, or one column per LSTM or GRU gate block' },
  el('option', { value: 'rnn' }, 'RNN'),
  el('option', { value: 'lstm' }, 'LSTM gates i f c o'),
  el('option', { value: 'gru' }, 'GRU gates z r h')) as HTMLSelectElement;
const GAIN = '(:\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?\\s*)?$';
const SPEC_RE = new RegExp(`^\\s*(chain|fbchain|orthogonal|identity|gaussian)\\s*${GAIN}`, 'i');
const GATED_SPEC_RE = new RegExp(`^\\s*(plain|orthogonal|chain|fbchain|mixed)\\s*${GAIN}`, 'i');
function addColumn(): void {
  const n = Number(addN.value);
  const cell = addCell.value === 'lstm' || addCell.value === 'gru' ? addCell.value : undefined;
  const okSpec = (cell ? GATED_SPEC_RE : SPEC_RE).test(addSpec.value), okN = Number.isInteger(n) && n >= 1 && n <= MAX_N;
  addSpec.classList.toggle('invalid', !okSpec);
  addN.classList.toggle('invalid', !okN);
  if (!okSpec || !okN) return;
  vscode.post({ type: 'add', spec: addSpec.value.trim(), n, seed: 1, ...(cell ? { cell } : {}) });
  addSpec.value = '';
}
addSpec.addEventListener('keydown', (e) => { if (e.key === 'Enter') addColumn(); });
addN.addEventListener('keydown', (e) => { if (e.key === 'Enter') addColumn(); });
addCell.addEventListener('change', () => {
  addSpec.placeholder = addCell.value === 'rnn' ? 'chain:1.05' : 'mixed:1.02';
  addSpec.setAttribute('aria-label', addCell.value === 'rnn'
    ? 'Initializer to add, name:gain'
    : 'Per-gate-block initializer to add, name:gain (plain, orthogonal, chain, fbchain, mixed)');
});

const summaryTable = el('table', { id: 'summary', class: 'summary' });
const overlay = new Chart('Memory curves of every matrix', 'chart-overlay');
const overlayHeading = el('h2', { id: 'card-overlay-title' }, 'Memory curves J(k)');
const overlayCaption = el('p', { class: 'caption' });
const columnsEl = el('div', { id: 'columns', class: 'columns' });
const placeholder = el('div', { id: 'placeholder', class: 'status' }, spinner(), el('span', {}, 'Waiting for the matrices…'));

app.replaceChildren(
  el('header', { class: 'panel-header' },
    el('div', { class: 'title-row' }, el('h1', { id: 'title' }, 'Compare initializers'), metaEl, statusEl),
    bannerEl,
    el('div', { class: 'toolbar-row' },
      el('div', { class: 'control add-form', role: 'group', 'aria-label': 'Add an initializer' },
        el('span', { class: 'control-label' }, 'Add'), addCell, addSpec, el('span', { class: 'control-label' }, 'N'), addN,
        button('Add column', addColumn, { secondary: true, id: 'add', title: 'Add this initializer as a new column' })),
      el('div', { class: 'control' },
        checkbox('J(k) log y', !!state.logJ, (v) => { state.logJ = v; saveState(); renderAllCharts(); }, { id: 'log-memory' }),
        checkbox('‖Wᵏv‖ log y', !!state.logTransient, (v) => { state.logTransient = v; saveState(); renderAllCharts(); }, { id: 'log-transient' })),
      el('div', { class: 'data-buttons' },
        button('Export table CSV', () => vscode.post({ type: 'saveTable' }), { secondary: true, id: 'export-csv', title: 'Save the summary table as CSV' }))),
    el('p', { class: 'legend-note' },
      badge('exact'), ' closed form   ', badge('stein'), ' Stein solver: accurate, not a closed form   ',
      badge('float64'), ' float64, trustworthy   ', badge('untrustworthy'), ' float64 from ill-conditioned eigenvalues: not to be believed')),
  placeholder,
  el('main', { id: 'compare', class: 'compare' },
    el('section', { class: 'card', id: 'card-summary', 'aria-labelledby': 'card-summary-title' },
      el('div', { class: 'card-head' }, el('h2', { id: 'card-summary-title' }, 'Summary')),
      summaryTable),
    el('section', { class: 'card', id: 'card-overlay', 'aria-labelledby': 'card-overlay-title' },
      el('div', { class: 'card-head' }, overlayHeading,
        el('div', { class: 'card-tools' }, ...exportButtons(() => 'memory-overlay', 'the memory-curve overlay',
          () => standaloneSvg(overlay.svg, { title: 'Memory curves J(k)', subtitle: 'input v = e₁ (the source)' }), 'overlay'))),
      overlay.element, overlayCaption),
    columnsEl),
);

function badge(method: ValueMethod): HTMLElement {
  const text: Record<ValueMethod, string> = { exact: 'exact', stein: 'Stein', float64: 'float64', untrustworthy: 'float64 ⚠' };
  const tip: Record<ValueMethod, string> = {
    exact: 'Exact: a closed form for this initializer.',
    stein: 'Computed by the Stein solver: accurate in float64, but not a closed form.',
    float64: 'Computed in float64; trustworthy for this matrix.',
    untrustworthy: 'Computed in float64 from eigenvalues that are ill-conditioned (κ·ε > 1e-8): rounding alone moves them far, so this value is not to be believed.',
  };
  return el('span', { class: `badge ${method}`, title: tip[method] }, text[method]);
}

function showBanner(message: string): void {
  bannerEl.hidden = false;
  bannerEl.replaceChildren(el('span', { class: 'banner-text' }, message), button('Dismiss', () => { bannerEl.hidden = true; }, { secondary: true }));
}

// ---- shared colour scales and linked hover -------------------------------------------------------------------

const domains = { W: 1, T: 1 };
let lut = buildLut('diverging', isDark());
let background = cssToRgba(backgroundColor());

function updateDomains(): void {
  let w = 0, t = 0;
  for (const c of columns.values()) {
    if (!c.result) continue;
    w = Math.max(w, c.absW);
    t = Math.max(t, c.absT);
  }
  domains.W = w || 1;
  domains.T = t || 1;
  for (const c of columns.values()) c.applyColors();
}

/** Hovering cell (i, j) of any column's W marks (i, j) in every column's W (where the matrix is that large). */
function linkedHover(cell: { row: number; col: number } | null): void {
  for (const c of columns.values()) c.showLinked(cell);
}

// ---- one column ----------------------------------------------------------------------------------------------

class HeatFigure {
  readonly element: HTMLElement;
  readonly heatmap: Heatmap;
  readonly readout: HTMLElement;
  private readonly colorbar = new Colorbar();
  private values: Float32Array = new Float32Array(0);
  private n = 0;

  constructor(private readonly column: ColumnView, readonly key: 'W' | 'T', onHover: (cell: HoverCell | null) => void) {
    const canvas = el('canvas', {
      id: `heatmap-${key}-${column.id}`, class: 'heatmap', tabindex: '0', 'data-key': key,
      'aria-label': `${key === 'W' ? 'W' : 'Schur form T'} heatmap. Arrow keys move the cursor, plus and minus zoom, 0 fits.`,
    });
    this.readout = el('div', { class: 'readout', 'aria-live': 'polite' }, key === 'W' ? 'Hover: every column marks the same cell.' : 'Hover to read T[i][j].');
    this.heatmap = new Heatmap(canvas, { hover: onHover, view: () => {} });
    const heading = el('h3', {}, key === 'W' ? 'W' : 'Schur T (|λ| descending)');
    heading.title = key === 'W' ? 'W[i][j] is the weight from unit j to unit i. Colour scale shared by every column.'
      : 'W = Z T Zᵀ; the strictly upper part of T is the hidden feedforward coupling between Schur modes. Colour scale shared by every column.';
    this.element = el('div', { class: `fig fig-${key}` },
      el('div', { class: 'fig-head' }, heading, el('div', { class: 'card-tools' },
        ...exportButtons(() => `${slug(column.title)}-${key === 'W' ? 'W' : 'schur-T'}-heatmap`, `the ${key} heatmap`, () => this.figure()))),
      el('div', { class: 'heatmap-plot' }, el('div', { class: 'heatmap-wrap' }, canvas), this.colorbar.element),
      this.readout);
  }

  show(values: Float32Array, n: number): void {
    this.values = values;
    this.n = n;
    this.heatmap.setMatrix(n, n, 0, { rows: n, cols: n, data: values });
    this.applyColors();
  }

  clear(): void {
    this.values = new Float32Array(0);
    this.n = 0;
    this.heatmap.setMatrix(0, 0, 0, { rows: 0, cols: 0, data: this.values });
    this.heatmap.mark(undefined);
  }

  get size(): number {
    return this.n;
  }

  value(row: number, col: number): number {
    return this.values[row * this.n + col];
  }

  applyColors(): void {
    const a = domains[this.key];
    this.heatmap.setColors(lut, -a, a, background);
    this.colorbar.update(lut, -a, a);
  }

  private figure(): Figure | undefined {
    if (!this.n) return undefined;
    const a = domains[this.key];
    return heatmapSvg({
      title: this.key === 'W' ? 'W (column convention)' : 'Schur form T (ordered by |λ|, descending)', subtitle: this.column.title,
      values: this.values, rows: this.n, cols: this.n, lut, lo: -a, hi: a,
      xLabel: this.key === 'W' ? 'column j (from unit j)' : 'column j (Schur mode)', yLabel: this.key === 'W' ? 'row i (to unit i)' : 'row i (Schur mode)',
    });
  }
}

class ChartFigure {
  readonly element: HTMLElement;
  readonly chart: Chart;
  readonly heading = el('h3', {});
  readonly caption = el('p', { class: 'caption' });

  constructor(column: ColumnView, readonly name: string, label: string) {
    this.chart = new Chart(label, `chart-${name}-${column.id}`);
    this.element = el('div', { class: `fig fig-${name}` },
      el('div', { class: 'fig-head' }, this.heading, el('div', { class: 'card-tools' },
        ...exportButtons(() => `${slug(column.title)}-${name}`, `the ${label.toLowerCase()}`,
          () => standaloneSvg(this.chart.svg, { title: this.heading.textContent ?? '', subtitle: column.title })))),
      this.chart.element, this.caption);
  }
}

class ColumnView {
  readonly element: HTMLElement;
  source!: CompareColumn['source'];
  title = '';
  init: string | undefined;
  index = 0;
  result: AnalysisPayload | undefined;
  exact: ExactValues | null = null;
  summary: Record<SummaryKey, SummaryValue> | undefined;
  error: string | undefined;
  running = false;
  absW = 0;
  absT = 0;
  private readonly swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  private readonly titleEl = el('h2', { class: 'col-title' });
  private readonly statusEl = el('span', { class: 'col-status' });
  private readonly inputsEl = el('div', { class: 'col-inputs' });
  private readonly notesEl = el('div', { class: 'col-notes' });
  private inputs: { gain?: HTMLInputElement; n?: HTMLInputElement; seed?: HTMLInputElement } = {};
  private name = '';
  private editTimer = 0;
  private lastSent = '';
  readonly heatW: HeatFigure;
  readonly heatT: HeatFigure;
  readonly spectrum: ChartFigure;
  readonly memory: ChartFigure;
  readonly transient: ChartFigure;

  constructor(readonly id: string) {
    this.heatW = new HeatFigure(this, 'W', (cell) => linkedHover(cell));
    this.heatT = new HeatFigure(this, 'T', (cell) => this.onHoverT(cell));
    this.spectrum = new ChartFigure(this, 'spectrum', 'Spectrum');
    this.memory = new ChartFigure(this, 'memory', 'Memory curve');
    this.transient = new ChartFigure(this, 'transient', 'Transient amplification');
    const remove = button('✕', () => vscode.post({ type: 'remove', id }), { secondary: true, title: 'Remove this column', id: `remove-${id}` });
    remove.classList.add('remove');
    this.element = el('section', { class: 'column', 'data-column': id },
      el('div', { class: 'col-head' },
        el('div', { class: 'col-title-row' }, this.swatch, this.titleEl, this.statusEl, remove),
        this.inputsEl),
      this.notesEl,
      this.heatW.element, this.heatT.element, this.spectrum.element, this.memory.element, this.transient.element);
  }

  get color(): string {
    return themeColor(PALETTE[this.index % PALETTE.length]);
  }

  /** From the host's column list: title, spec, position (inputs are rebuilt only for a different initializer). */
  update(col: CompareColumn, index: number): void {
    // A different matrix (edited gain, N or seed): the old numbers no longer describe it; its figures stay, greyed,
    // until the new analysis arrives.
    if (this.source && JSON.stringify(this.source) !== JSON.stringify(col.source)) {
      this.summary = undefined;
      this.exact = null;
    }
    this.source = col.source;
    this.title = col.title;
    this.init = col.init;
    this.index = index;
    this.titleEl.textContent = col.title;
    this.titleEl.title = col.title;
    this.element.setAttribute('aria-label', col.title);
    if (col.init) this.element.dataset.init = col.init;
    else delete this.element.dataset.init;
    this.swatch.style.setProperty('--c', this.color);
    this.syncInputs();
  }

  private syncInputs(): void {
    const s = this.source;
    if (s.kind !== 'init') {
      this.name = '';
      this.inputs = {};
      this.inputsEl.replaceChildren(el('span', { class: 'meta' }, 'loaded matrix'));
      return;
    }
    const [name, gainText] = s.spec.split(':');
    if (name !== this.name) {
      this.name = name;
      const mk = (field: string, label: string, attrs: Record<string, string>) => {
        const input = el('input', { class: 'num-input', type: 'number', 'data-field': field, 'aria-label': `${label} of ${this.title}`, ...attrs });
        input.addEventListener('input', () => this.scheduleEdit(false));
        input.addEventListener('change', () => this.scheduleEdit(true));
        return input;
      };
      this.inputs = {
        gain: mk('gain', `gain ${GAIN_LABEL[name] ?? 'λ'}`, { step: '0.01' }),
        n: mk('n', 'N', { min: '1', max: String(MAX_N), step: '1' }),
        ...(SEEDED.has(name) ? { seed: mk('seed', 'seed', { min: '0', step: '1' }) } : {}),
      };
      // A mixed LSTM/GRU gate block other than the candidate is the fixed ramp: α only shapes the candidate's chain.
      const rampBlock = !!s.cell && name === 'mixed' && s.gate !== (s.cell === 'lstm' ? 'c' : 'h');
      if (rampBlock) this.inputs.gain!.title = `This ${s.gate} block is the ramp 0.01·(j − i)/(N − 1); α is the chain of the ${s.cell === 'lstm' ? 'c' : 'h'} block.`;
      this.inputsEl.replaceChildren(
        el('label', { class: 'field' }, el('span', { class: 'control-label' }, `${name} ${GAIN_LABEL[name] ?? 'λ'}${rampBlock ? ' (ramp here)' : ''}`), this.inputs.gain!),
        el('label', { class: 'field' }, el('span', { class: 'control-label' }, 'N'), this.inputs.n!),
        ...(this.inputs.seed ? [el('label', { class: 'field' }, el('span', { class: 'control-label' }, 'seed'), this.inputs.seed)] : []));
    }
    // Never overwrite what the user is typing.
    const set = (input: HTMLInputElement | undefined, v: string) => {
      if (input && document.activeElement !== input && Number(input.value) !== Number(v)) input.value = v;
    };
    set(this.inputs.gain, gainText);
    set(this.inputs.n, String(s.n));
    set(this.inputs.seed, String(s.seed));
    this.lastSent = JSON.stringify([`${name}:${Number(gainText)}`, s.n, s.seed]);
  }

  /** Debounced: typing in a gain or N re-runs this column after a short pause (the host cancels stale runs). */
  private scheduleEdit(now: boolean): void {
    clearTimeout(this.editTimer);
    const { gain, n, seed } = this.inputs;
    if (!gain || !n) return;
    const g = Number(gain.value), nn = Number(n.value), sd = seed ? Number(seed.value) : this.source.kind === 'init' ? this.source.seed : 1;
    const okG = gain.value.trim() !== '' && Number.isFinite(g);
    const okN = Number.isInteger(nn) && nn >= 1 && nn <= MAX_N;
    const okS = Number.isInteger(sd) && sd >= 0;
    gain.classList.toggle('invalid', !okG);
    n.classList.toggle('invalid', !okN);
    seed?.classList.toggle('invalid', !okS);
    if (!okG || !okN || !okS) return;
    const spec = `${this.name}:${g}`;
    const key = JSON.stringify([spec, nn, sd]);
    if (key === this.lastSent) return;
    const send = () => {
      this.lastSent = key;
      vscode.post({ type: 'edit', id: this.id, spec, n: nn, seed: sd });
    };
    if (now) send();
    else this.editTimer = window.setTimeout(send, EDIT_DEBOUNCE_MS);
  }

  setRunning(): void {
    this.running = true;
    this.element.classList.add('stale');
    this.statusEl.replaceChildren(spinner());
    this.statusEl.title = 'Running…';
  }

  setResult(result: AnalysisPayload | undefined, exact: ExactValues | null, summary: Record<SummaryKey, SummaryValue>, error?: string): void {
    this.running = false;
    this.result = result;
    this.exact = exact;
    this.summary = summary;
    this.error = error;
    this.element.classList.remove('stale');
    this.element.classList.toggle('failed', !!error);
    this.statusEl.replaceChildren(error ? el('span', { class: 'error-icon', title: error }, '⚠') : '');
    this.statusEl.title = error ?? '';
    if (result) {
      const n = result.numbers.n;
      this.absW = maxAbs(result.matrix);
      this.absT = maxAbs(result.schurT);
      this.heatW.show(result.matrix, n);
      this.heatT.show(result.schurT, n);
    } else {
      this.absW = this.absT = 0;
      this.heatW.clear();
      this.heatT.clear();
    }
    this.renderNotes();
    this.renderCharts();
  }

  private renderNotes(): void {
    const items: HTMLElement[] = [];
    if (this.error) items.push(el('p', { class: 'note error-message', role: 'alert' }, this.error));
    const r = this.result;
    const notes = [...(this.exact?.notes ?? [])];
    // The analysis' eigenvalue warning is replaced by the one below (which knows about the exact eigenvalues).
    const warnings = r ? r.warnings.filter((w) => !/^Eigenvalues/.test(w)) : [];
    if (r && untrustworthy(r)) {
      items.push(el('p', { class: 'note warn trust' },
        `⚠ float64 eigenvalues are untrustworthy here (κ = ${fmt(r.numbers.maxCondition ?? Infinity, 3)}).` +
        (this.exact?.eigenvalues ? ' The spectrum shows the exact ones.' : ' Read them as a cloud, not as values.')));
    }
    for (const w of warnings) items.push(el('p', { class: 'note warn' }, w));
    const exactKeys = this.exact?.exact ?? [];
    if (exactKeys.length || notes.length) {
      const label = exactKeys.length ? `Exact: ${describeExact(exactKeys)}` : 'No closed forms';
      items.push(el('details', { class: 'exact-notes' }, el('summary', {}, label), ...notes.map((t) => el('p', { class: 'note' }, t))));
    }
    this.notesEl.replaceChildren(...items);
  }

  /** J(k) to show: the closed form when there is one, else the analysis' (Stein solver). */
  memoryCurve(): { J: Float64Array; method: 'closed-form' | 'stein'; horizon: number | null } | undefined {
    const e = this.exact;
    if (e?.J && e.memoryMethod === 'closed-form') return { J: e.J, method: 'closed-form', horizon: e.horizon ?? null };
    if (this.result) return { J: this.result.memory.J, method: 'stein', horizon: this.result.memory.horizon };
    if (e?.J) return { J: e.J, method: 'stein', horizon: e.horizon ?? null };
    return undefined;
  }

  renderCharts(): void {
    this.renderSpectrum();
    this.renderMemory();
    this.renderTransient();
  }

  private renderSpectrum(): void {
    const r = this.result, e = this.exact;
    const series: Series[] = [];
    const legend: LegendEntry[] = [];
    const circle = (radius: number) => Array.from({ length: 129 }, (_, k) => [radius * Math.cos((2 * Math.PI * k) / 128), radius * Math.sin((2 * Math.PI * k) / 128)]);
    series.push({ kind: 'path', lines: [circle(1)], color: themeColor('foreground'), width: 1, dash: '4 3' });
    legend.push({ label: '|z| = 1', color: themeColor('foreground'), mark: 'dash' });
    if (e?.eigenvalueModulus !== undefined) {
      series.push({ kind: 'path', lines: [circle(e.eigenvalueModulus)], color: themeColor('green'), width: 1.6 });
      legend.push({ label: `exact |λ| = ${fmt(e.eigenvalueModulus, 4)}`, color: themeColor('green'), mark: 'line' });
    }
    let hover: ChartSpec['hover'];
    const bad = r ? untrustworthy(r) : false;
    if (r) {
      const color = bad ? themeColor('orange') : themeColor('red');
      series.push({ kind: 'points', x: r.eigRe, y: r.eigIm, color, radius: bad ? 1.8 : 2.2 });
      legend.push({ label: bad ? 'float64, untrustworthy' : 'float64', color, mark: 'point' });
      const idx = series.length - 1;
      hover = { series: idx, text: (i) => `float64 λ${sub(i + 1)} = ${fmtComplex(r.eigRe[i], r.eigIm[i])}, κ = ${fmt(r.eigCondition[i] ?? Infinity, 3)}${bad ? ' — untrustworthy' : ''}` };
    }
    if (e?.eigenvalues) {
      const { re, im } = e.eigenvalues;
      series.push({ kind: 'points', x: re, y: im, color: themeColor('green'), radius: 2.6 });
      legend.push({ label: 'exact', color: themeColor('green'), mark: 'point' });
      hover = { series: series.length - 1, text: (i) => `exact λ${sub(i + 1)} = ${fmtComplex(re[i], im[i])}` };
    }
    const rho = this.summary?.spectralRadius;
    this.spectrum.heading.textContent = rho?.value !== null && rho?.value !== undefined ? `Spectrum · ρ = ${fmt(rho.value, 4)}${rho.method === 'exact' ? ' (exact)' : ''}` : 'Spectrum';
    const rhoF = r?.numbers.spectralRadius, rhoE = e?.spectralRadius;
    const wrong = rhoF !== undefined && rhoE !== undefined && Math.abs(rhoF - rhoE) > 1e-6 * Math.max(1, rhoE);
    this.spectrum.caption.textContent = e?.eigenvalues
      ? !r ? 'Green: the exact eigenvalues.'
        : bad && wrong ? `Green: the exact eigenvalues. Orange: what float64 computes (ρ = ${fmt(rhoF!, 4)} instead of ${fmt(rhoE!, 4)}) — wrong: the eigenvalues are ill-conditioned.`
          : bad ? 'Green: the exact eigenvalues. Orange: float64 — they happen to agree here, but eigenvalues this ill-conditioned cannot be trusted in general.'
            : 'Green: exact eigenvalues; red: float64 (they agree).'
      : e?.eigenvalueModulus !== undefined ? 'Every eigenvalue lies on the green circle exactly; red: float64 (normal W: trustworthy).'
        : bad ? 'float64 eigenvalues of an ill-conditioned W: not to be read as exact.' : 'float64 eigenvalues.';
    this.spectrum.chart.set({
      xLabel: 'Re λ', yLabel: 'Im λ', equalAspect: true, aspect: 1.05, xInclude: [-1, 1], yInclude: [-1, 1], series,
      legend: { entries: legend }, hover, hint: 'Hover an eigenvalue.', empty: 'No eigenvalues.',
    });
  }

  private renderMemory(): void {
    const m = this.memoryCurve();
    const log = !!state.logJ;
    const jTot = this.summary?.jTot;
    this.memory.heading.textContent = jTot?.value !== null && jTot?.value !== undefined ? `J(k) · J_tot = ${fmt(jTot.value, 5)}` : 'Memory curve J(k)';
    if (!m) {
      this.memory.caption.textContent = '';
      this.memory.chart.set({ xLabel: 'k', yLabel: 'J(k)', series: [], empty: this.running ? 'Computing…' : 'No memory curve.' });
      return;
    }
    const notes = [m.method === 'closed-form' ? 'Closed form.' : 'Stein solver (accurate, not a closed form).'];
    if (m.method === 'closed-form' && this.result) {
      const a = this.result.memory.J;
      let d = 0;
      for (let k = 0; k < Math.min(a.length, m.J.length); k++) d = Math.max(d, Math.abs(a[k] - m.J[k]) / Math.max(m.J[k], 1e-300));
      notes.push(a.length === m.J.length ? `float64 agrees to ${fmt(d, 2)} (relative).` : `float64 has ${a.length} terms.`);
    }
    if (m.horizon !== null) notes.push(`Finite horizon N = ${m.horizon} (ρ ≥ 1).`);
    this.memory.caption.textContent = `Input v = e₁. ${notes.join(' ')}`;
    const J = m.J;
    this.memory.chart.set({
      // Headroom above the curve: a flat J(k) = 1/N must not sit on the frame.
      xLabel: 'steps back k', yLabel: 'J(k)', yLog: log, xInteger: true, yInclude: log ? [] : [0, 1.1 * maxAbs(J)], aspect: 0.7,
      series: [{ kind: 'line', x: range(J.length), y: J, color: this.color, width: 1.6 }],
      hover: { series: 0, text: (k) => `J(${k}) = ${fmt(J[k], 6)}` }, hint: 'Hover to read J(k).',
      empty: log ? 'No positive J(k) to show on a log scale.' : 'No finite J(k) to show.',
    });
  }

  private renderTransient(): void {
    const r = this.result;
    const log = !!state.logTransient;
    this.transient.heading.textContent = 'Transient ‖Wᵏv‖';
    if (!r) {
      this.transient.caption.textContent = '';
      this.transient.chart.set({ xLabel: 'k', yLabel: '‖Wᵏv‖', series: [], empty: this.running ? 'Computing…' : 'No analysis.' });
      return;
    }
    const t = r.transient;
    let kmax = 0;
    for (let k = 1; k < t.length; k++) if (t[k] > t[kmax]) kmax = k;
    this.transient.caption.textContent = t.length ? `v = e₁; largest ${fmt(t[kmax], 4)} at k = ${kmax}.` : '';
    this.transient.chart.set({
      xLabel: 'step k', yLabel: '‖Wᵏv‖', yLog: log, xInteger: true, yInclude: log ? [1] : [0, 1.1 * Math.max(1, maxAbs(t))], aspect: 0.7,
      series: [
        { kind: 'line', x: [0, Math.max(1, t.length - 1)], y: [1, 1], color: themeColor('foreground'), dash: '4 3', width: 1 },
        { kind: 'line', x: range(t.length), y: t, color: this.color, width: 1.6 },
      ],
      hover: { series: 1, text: (k) => `‖Wᵏv‖ = ${fmt(t[k], 6)} at k = ${k}` }, hint: 'Hover to read ‖Wᵏv‖.',
      empty: log ? 'Nothing positive to show on a log scale.' : 'No finite ‖Wᵏv‖ to show.',
    });
  }

  /** Linked hover: mark the cell and read W's value there (if this matrix is that large). */
  showLinked(cell: { row: number; col: number } | null): void {
    const n = this.heatW.size;
    const inside = cell && cell.row < n && cell.col < n ? { row: cell.row, col: cell.col } : undefined;
    this.heatW.heatmap.mark(inside);
    const ro = this.heatW.readout;
    if (!inside) {
      ro.textContent = cell ? `(${cell.row}, ${cell.col}) is outside this ${n}×${n} matrix` : 'Hover: every column marks the same cell.';
      delete ro.dataset.row;
      return;
    }
    const v = this.heatW.value(inside.row, inside.col);
    ro.textContent = `W[${inside.row}][${inside.col}] = ${fmt(v, 6)}`;
    ro.dataset.row = String(inside.row);
    ro.dataset.col = String(inside.col);
    ro.dataset.value = String(v);
  }

  private onHoverT(cell: HoverCell | null): void {
    this.heatT.readout.textContent = cell ? `T[${cell.row}][${cell.col}] = ${fmt(cell.value, 6)}` : 'Hover to read T[i][j].';
  }

  applyColors(): void {
    this.heatW.applyColors();
    this.heatT.applyColors();
  }
}

function describeExact(keys: string[]): string {
  const names: Record<string, string> = {
    eigenvalues: 'eigenvalues', eigenvalueModulus: '|λ|', spectralRadius: 'ρ', henrici: 'Henrici', sigmaMax: 'σ_max', J: 'J(k)', jTot: 'J_tot',
  };
  return keys.map((k) => names[k] ?? k).join(', ');
}

// ---- columns, table, overlay ---------------------------------------------------------------------------------

const columns = new Map<string, ColumnView>();
let order: string[] = [];

function setColumns(list: CompareColumn[]): void {
  const ids = new Set(list.map((c) => c.id));
  for (const [id, c] of columns) {
    if (!ids.has(id)) {
      c.element.remove();
      columns.delete(id);
    }
  }
  list.forEach((col, i) => {
    let c = columns.get(col.id);
    if (!c) {
      c = new ColumnView(col.id);
      columns.set(col.id, c);
    }
    const moved = c.index !== i;
    c.update(col, i);
    if (moved) c.renderCharts(); // its colour follows its position
  });
  order = list.map((c) => c.id);
  // Re-append in order (moves existing elements; canvases keep their pixels).
  for (const id of order) columnsEl.append(columns.get(id)!.element);
  placeholder.hidden = order.length > 0;
  if (!order.length) placeholder.replaceChildren(el('span', {}, 'No matrices: add an initializer above, or run “Recurrent Lens: Add Matrix to Comparison” from an inspector.'));
  updateDomains();
  renderTable();
  renderOverlay();
  renderStatus();
}

function renderStatus(): void {
  const running = order.filter((id) => columns.get(id)!.running).length;
  statusEl.replaceChildren(...(running ? [spinner(), el('span', {}, `Analysing ${running} of ${order.length}…`)] : []));
  metaEl.textContent = `${order.length} matri${order.length === 1 ? 'x' : 'ces'} · memory input v = e₁ · float64 analyses in a worker thread`;
}

const TABLE_COLUMNS: { key: SummaryKey; label: string; tip: string }[] = [
  { key: 'jTot', label: 'J_tot', tip: 'Total Fisher memory Σₖ J(k), input v = e₁ (the chain’s source).' },
  { key: 'henrici', label: 'Henrici d(W)', tip: 'Departure from normality √(‖W‖_F² − Σ|λᵢ|²).' },
  { key: 'spectralRadius', label: 'ρ(W)', tip: 'Spectral radius max |λᵢ|.' },
  { key: 'sigmaMax', label: 'σ_max', tip: 'Largest singular value ‖W‖₂.' },
];

function renderTable(): void {
  const head = el('thead', {}, el('tr', {},
    el('th', { scope: 'col' }, 'matrix'), el('th', { scope: 'col', class: 'num' }, 'N'),
    ...TABLE_COLUMNS.map((t) => el('th', { scope: 'col', class: 'num', title: t.tip }, el('span', { class: 'has-tip' }, t.label)))));
  const rows = order.map((id) => {
    const c = columns.get(id)!;
    const n = c.source.kind === 'init' ? c.source.n : c.result?.numbers.n;
    const tr = el('tr', { 'data-column': id },
      el('th', { scope: 'row' }, el('span', { class: 'swatch', style: `--c: ${c.color}` }), c.title),
      el('td', { class: 'num', 'data-key': 'n', 'data-value': String(n ?? '') }, n === undefined ? '—' : String(n)));
    if (c.init) tr.dataset.init = c.init;
    if (c.running) tr.classList.add('stale');
    for (const t of TABLE_COLUMNS) tr.append(summaryCell(c, t.key));
    return tr;
  });
  summaryTable.replaceChildren(head, el('tbody', {}, ...rows));
}

function summaryCell(c: ColumnView, key: SummaryKey): HTMLElement {
  const s = c.summary?.[key];
  const td = el('td', { class: 'num', 'data-key': key });
  if (!s || s.value === null || s.method === null) {
    td.append(el('span', { class: 'value' }, c.running ? '…' : '—'));
    td.dataset.value = '';
    return td;
  }
  td.dataset.value = String(s.value);
  td.dataset.method = s.method;
  td.dataset.exact = String(s.method === 'exact');
  td.append(el('span', { class: `value${s.method === 'untrustworthy' ? ' suspect' : ''}` }, fmt(s.value, 5)), badge(s.method));
  if (key === 'jTot') {
    const horizon = c.memoryCurve()?.horizon ?? null;
    if (horizon !== null) td.append(el('span', { class: 'horizon', title: `ρ ≥ 1: memory over the finite horizon N = ${horizon}` }, ` (horizon ${horizon})`));
  }
  // An exact value that float64 gets visibly wrong: show both.
  if (s.method === 'exact' && s.float64 !== null && Math.abs(s.float64 - s.value) > 1e-6 * Math.max(1, Math.abs(s.value))) {
    td.append(el('div', { class: 'float64-differs', title: 'What the float64 analysis computes' }, `float64: ${fmt(s.float64, 5)}`));
  }
  td.title = s.float64 !== null ? `float64 analysis: ${fmt(s.float64, 10)}` : 'no float64 analysis';
  return td;
}

function renderOverlay(): void {
  const series: Series[] = [];
  const entries: LegendEntry[] = [];
  const log = !!state.logJ;
  for (const id of order) {
    const c = columns.get(id)!;
    const m = c.memoryCurve();
    if (!m) continue;
    series.push({ kind: 'line', x: range(m.J.length), y: m.J, color: c.color, width: 1.6, label: c.title });
    entries.push({ label: `${c.init ?? c.title}${m.method === 'closed-form' ? '' : ' (Stein)'}`, color: c.color, mark: 'line' });
  }
  overlayHeading.textContent = 'Memory curves J(k), every matrix';
  overlayCaption.textContent = 'Fisher memory of a signal k steps back (input v = e₁): closed forms where they exist, else the Stein solver. ' +
    'A normal W has J_tot = 1; the chain keeps J(k) high for N steps.';
  overlay.set({
    xLabel: 'steps back k', yLabel: 'J(k)', yLog: log, xInteger: true, yInclude: log ? [] : [0], aspect: 0.36, series,
    legend: entries.length ? { entries } : undefined, hint: '', empty: order.length ? 'Computing…' : 'No matrices.',
  });
}

function renderAllCharts(): void {
  for (const c of columns.values()) c.renderCharts();
  renderOverlay();
}

// ---- messages ------------------------------------------------------------------------------------------------

function onMessage(msg: HostToCompare): void {
  switch (msg.type) {
    case 'columns': setColumns(msg.columns); break;
    case 'running': {
      const c = columns.get(msg.id);
      if (!c) return;
      c.setRunning();
      renderTable();
      renderStatus();
      break;
    }
    case 'result':
    case 'error': {
      const c = columns.get(msg.id);
      if (!c) return;
      if (msg.type === 'result') c.setResult(msg.result, msg.exact, msg.summary);
      else c.setResult(undefined, msg.exact, msg.summary, msg.error.message);
      updateDomains();
      renderTable();
      renderOverlay();
      renderStatus();
      break;
    }
  }
}

// Theme switches: the diverging map and the zero colour of the heatmaps.
let themeFrame = 0;
const themeObserver = new MutationObserver(() => {
  cancelAnimationFrame(themeFrame);
  themeFrame = requestAnimationFrame(() => {
    lut = buildLut('diverging', isDark());
    background = cssToRgba(backgroundColor());
    for (const c of columns.values()) c.applyColors();
  });
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });

// Exposed for end-to-end tests.
(window as unknown as { recurrentLensCompare: unknown }).recurrentLensCompare = {
  columns: () => order.map((id) => {
    const c = columns.get(id)!;
    return { id, init: c.init ?? null, title: c.title, n: c.heatW.size, ready: !!c.result, running: c.running, error: c.error ?? null };
  }),
  heatmap: (id: string, key: 'W' | 'T') => (key === 'W' ? columns.get(id)?.heatW.heatmap : columns.get(id)?.heatT.heatmap),
  /** The cell each column's W heatmap outlines (linked hover), in column order. */
  marked: () => order.map((id) => columns.get(id)!.heatW.heatmap.markedCell ?? null),
  domains: () => ({ ...domains }),
  overlay,
};

renderStatus();
vscode.post({ type: 'ready' });
