/**
 * Analysis panel webview: one N×N matrix W (column convention) — its numbers, W and Schur T heatmaps, the
 * spectrum with ε-pseudospectra, singular values, the Fisher memory curve, ‖Wᵏv‖ and the chain-motif profile.
 * Every figure exports as SVG and PNG; the data as CSV / JSON (written by the host).
 */
import './panel.css';
import './analysis.css';
import type {
  Activation, AnalysisNumbers, LensError, AnalysisOptions, AnalysisPart, AnalysisPartName, AnalysisPayload, AnalysisToHost,
  HostToAnalysis, MemoryInput, PartialAnalysis, SchurOrderName,
} from '../src/shared/protocol';
import { mergeAnalysisPart } from '../src/core/analysis/types';
import { connect } from './vscodeApi';
import { colormapStops } from './colormaps';
import { card, exportButtons as sharedExportButtons, HeatmapCard, type Figure } from './heatmapCard';
import { el, fmt, GATE_LONG } from './format';
import { button, checkbox, dropdown, spinner } from './toolkit';
import { Chart, ChartSpec, LegendEntry, pow10Label, Series, themeColor } from './charts';
import { figureData, standaloneSvg } from './export';
import { backgroundColor, cssToRgba, isDark } from './theme';
import { axisValue, contourLines, pseudospectrumLevels } from '../src/core/analysis/contours';
import { describeTransient, needsLogAxis } from '../src/core/analysis/transientCaption';

type LogKey = 'sv' | 'memory' | 'transient';
interface State {
  options?: AnalysisOptions;
  logY?: Partial<Record<LogKey, boolean>>;
}

/** What the panel shows before the host says otherwise (the host's first `running` message wins). */
const DEFAULT_OPTIONS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 100 };
const PSEUDOSPECTRUM_POINTS = 100;

const ORDERS: { value: SchurOrderName; label: string; title: string }[] = [
  { value: 'none', label: 'As computed', title: 'as computed, not reordered' },
  { value: 'modulus-desc', label: '|λ| descending', title: 'ordered by |λ|, descending' },
  { value: 'modulus-asc', label: '|λ| ascending', title: 'ordered by |λ|, ascending' },
  { value: 'real-desc', label: 'Re λ descending', title: 'ordered by Re λ, descending' },
];
const INPUTS: { value: MemoryInput; label: string; long: string }[] = [
  { value: 'source', label: 'Source e₁', long: 'v = e₁ (the chain’s source)' },
  { value: 'sink', label: 'Sink e_N', long: 'v = e_N (the chain’s sink)' },
  { value: 'random', label: 'Random', long: 'v random, ‖v‖ = 1' },
];
const ACTIVATIONS: { value: Activation; label: string }[] = [
  { value: 'linear', label: 'Linear' }, { value: 'tanh', label: 'tanh' }, { value: 'relu', label: 'ReLU' }, { value: 'elu', label: 'ELU' },
];

const app = document.getElementById('app')!;
const vscode = connect<HostToAnalysis, AnalysisToHost, State>(onMessage);
let state: State = vscode.getState() ?? {};
let options: AnalysisOptions = { ...DEFAULT_OPTIONS, ...state.options };
/** The last complete result (what the data export saves); undefined while the display shows parts of a newer run. */
let result: AnalysisPayload | undefined;
/** What the cards show: the complete result, or the parts of the running analysis merged so far. */
let shown: PartialAnalysis | undefined;
/** The parts `shown` holds (every part once complete). */
let arrived = new Set<AnalysisPartName>();
/** Whether `shown` belongs to the run in progress (a part of it arrived), not to the previous result. */
let fresh = false;
/** The analysis stopped before its last part (cancelled or failed): what it says on the cards not computed. */
let stopped: string | undefined;
let title = '';
let running = false;
let cancelRequested = false;

function saveState(): void {
  state.options = options;
  vscode.setState(state);
}

// ---- persistent layout, built once -------------------------------------------------------------------------

const titleEl = el('h1', { id: 'title' }, 'Matrix analysis');
const metaEl = el('span', { id: 'meta', class: 'meta' });
const statusEl = el('div', { id: 'run-status', class: 'run-status', role: 'status', 'aria-live': 'polite' });
const warningsEl = el('section', { id: 'warnings', class: 'warnings', 'aria-label': 'Trust warnings', hidden: '' });
const errorEl = el('div', { id: 'error', class: 'banner', role: 'alert', hidden: '' });
const controlsEl = el('div', { id: 'controls', class: 'controls', role: 'toolbar', 'aria-label': 'Analysis options' });
const dataButtons = [
  button('Export CSV', () => vscode.post({ type: 'saveData', format: 'csv' }), { secondary: true, id: 'export-csv', title: 'Save the numbers and every curve as CSV files' }),
  button('Export JSON', () => vscode.post({ type: 'saveData', format: 'json' }), { secondary: true, id: 'export-json', title: 'Save the whole analysis as JSON' }),
];
const placeholder = el('div', { id: 'placeholder', class: 'placeholder' });
const cardsEl = el('main', { id: 'cards', class: 'cards', hidden: '' });

async function saveFigure(name: string, format: 'svg' | 'png', make: () => { text: string; width: number; height: number } | undefined): Promise<void> {
  try {
    const fig = make();
    if (!fig) return;
    vscode.post({ type: 'saveFigure', name, format, data: await figureData(fig, format) });
  } catch (e) {
    showBanner(`Could not export the figure: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }
}

/** Export buttons of this page's figures. */
function exportButtons(name: string, label: string, make: () => Figure | undefined): HTMLElement[] {
  return sharedExportButtons((n, format, m) => void saveFigure(n, format, m), name, label, make);
}

const saveCard = (name: string, format: 'svg' | 'png', make: () => Figure | undefined) => void saveFigure(name, format, make);
const heatW = new HeatmapCard({
  key: 'W', name: 'W', exportName: 'W-heatmap', save: saveCard, subtitle: () => title,
  describe: (r, c, v) => `W[${r}][${c}] = ${fmt(v, 6)} (from unit ${c} to unit ${r})`, hint: 'Hover a cell to read W[i][j]; scroll to zoom, drag to pan.',
  xLabel: 'column j (from unit j)', yLabel: 'row i (to unit i)',
});
const heatT = new HeatmapCard({
  key: 'T', name: 'Schur form T', exportName: 'schur-T-heatmap', save: saveCard, subtitle: () => title,
  describe: (r, c, v) => `T[${r}][${c}] = ${fmt(v, 6)}${describeT(r, c, v)}`, hint: 'Hover a cell to read T[i][j].',
  xLabel: 'column j (Schur mode)', yLabel: 'row i (Schur mode)',
});

function describeT(r: number, c: number, v: number): string {
  if (r === c) return ' (diagonal)';
  if (r < c) return ` (feedforward from Schur mode ${c} to mode ${r})`;
  return r === c + 1 && v !== 0 ? ' (2×2 block of a complex pair)' : '';
}

/** A chart card: heading, optional log-y toggle, SVG/PNG export, chart, caption. */
class ChartCard {
  readonly element: HTMLElement;
  readonly chart: Chart;
  readonly heading = el('h2', {});
  readonly caption = el('p', { class: 'caption' });

  private logBox: (HTMLElement & { checked?: boolean }) | undefined;

  /**
   * `autoLog`: whether the log axis is the better default for a result (e.g. a curve spanning many decades);
   * the user's own choice of the checkbox wins once made.
   */
  constructor(readonly name: string, ariaLabel: string, private readonly logKey?: LogKey, fill = false,
    private readonly autoLog?: (r: AnalysisPayload) => boolean) {
    this.chart = new Chart(ariaLabel, `chart-${name}`, fill);
    const tools: HTMLElement[] = [];
    if (logKey) {
      this.logBox = checkbox('Log y', !!state.logY?.[logKey], (v) => {
        if (v === this.logY) return; // the box was only brought in line with the automatic choice
        state.logY = { ...state.logY, [logKey]: v };
        saveState();
        this.update();
      }, { id: `${name}-log` });
      tools.push(this.logBox);
    }
    tools.push(...exportButtons(name, `the ${ariaLabel.toLowerCase()}`, () => result && shown === result ? standaloneSvg(this.chart.svg, { title: this.heading.textContent ?? '', subtitle: title }) : undefined));
    this.element = card(`card-${name}`, this.heading, tools, this.chart.element, this.caption);
  }

  get logY(): boolean {
    if (!this.logKey) return false;
    const chosen = state.logY?.[this.logKey];
    if (chosen !== undefined) return chosen;
    return !!(this.autoLog && shown && drawable(`card-${this.name}`) && this.autoLog(shown as AnalysisPayload));
  }

  /** Re-reads what is shown (once the parts it draws from have arrived). */
  update(): void {
    if (this.logBox && this.logBox.checked !== this.logY) this.logBox.checked = this.logY;
    if (shown && drawable(`card-${this.name}`)) render[this.name]?.(shown as AnalysisPayload, this);
  }
}

const spectrumCard = new ChartCard('spectrum', 'Spectrum in the complex plane', undefined, true);
const svCard = new ChartCard('singular-values', 'Singular values', 'sv');
const memoryCard = new ChartCard('memory-curve', 'Memory curve', 'memory');
const transientCard = new ChartCard('transient', 'Transient amplification', 'transient', false, (r) => needsLogAxis(r.transient));
const motifCard = new ChartCard('chain-motif', 'Chain-motif profile');
/** A gate block of an LSTM / GRU checkpoint: one motif-profile chart per gate block of its cell (hidden otherwise). */
const gateCards = [0, 1, 2, 3].map((b) => new ChartCard(`gate-motif-${b}`, `Gate block ${b + 1} motif profile`));
const chartCards = [spectrumCard, svCard, memoryCard, transientCard, motifCard, ...gateCards];

const numbersTable = el('table', { id: 'numbers' });
const memoryNote = el('p', { id: 'memory-note', class: 'note', hidden: '' });
const numbersCard = card('card-numbers', el('h2', {}, 'Numbers'), [], numbersTable, memoryNote);

cardsEl.append(
  numbersCard, spectrumCard.element, svCard.element, heatW.element, heatT.element,
  memoryCard.element, transientCard.element, motifCard.element, ...gateCards.map((c) => c.element),
);
app.replaceChildren(
  el('header', { class: 'panel-header' },
    el('div', { class: 'title-row' }, titleEl, metaEl, statusEl),
    warningsEl, errorEl,
    el('div', { class: 'toolbar-row' }, controlsEl, el('div', { class: 'data-buttons' }, ...dataButtons))),
  placeholder, cardsEl,
);

/**
 * The parts each card is drawn from, in order: it draws when the first has arrived and is pending ("computing…",
 * aria-busy) until the last has. `name`: what the card shows, said while it waits for its first part (its heading is
 * hidden then: it would be the previous result's).
 */
const CARD_PARTS: Record<string, AnalysisPartName[]> = {
  'card-numbers': ['matrix', 'schur', 'numbers', 'memory'],
  'card-W': ['matrix'],
  'card-T': ['schur'],
  'card-spectrum': ['schur', 'numbers', 'pseudospectrum'],
  'card-singular-values': ['numbers'],
  'card-memory-curve': ['memory'],
  'card-transient': ['dynamics'],
  'card-chain-motif': ['dynamics'],
  ...Object.fromEntries(gateCards.map((c) => [c.element.id, ['gates'] as AnalysisPartName[]])),
};
const CARD_NAMES: Record<string, string> = {
  'card-numbers': 'Numbers', 'card-W': 'W', 'card-T': 'Schur form T', 'card-spectrum': 'Spectrum', 'card-singular-values': 'Singular values',
  'card-memory-curve': 'Memory curve', 'card-transient': 'Transient amplification', 'card-chain-motif': 'Chain-motif profile',
};
const allCards = [numbersCard, spectrumCard.element, svCard.element, heatW.element, heatT.element, memoryCard.element,
  transientCard.element, motifCard.element, ...gateCards.map((c) => c.element)];
/** Each card's "computing…" line, in its heading row (no layout jump when it comes and goes). */
const pendingNotes = new Map(allCards.map((c) => {
  const note = el('span', { class: 'pending-note' });
  const head = c.querySelector('.card-head');
  head?.insertBefore(note, head.querySelector('.card-tools'));
  return [c.id, note];
}));

/** Whether a card's first part has arrived (it can draw). */
function drawable(id: string): boolean {
  return arrived.has(CARD_PARTS[id]?.[0] ?? 'matrix');
}

/** Marks each card drawn or not, pending or complete (or not computed, when the analysis stopped). */
function renderPending(): void {
  for (const c of allCards) {
    const parts = CARD_PARTS[c.id] ?? ['matrix'];
    const done = parts.every((p) => arrived.has(p));
    const drawn = drawable(c.id);
    c.classList.toggle('undrawn', !drawn);
    c.classList.toggle('pending', !done);
    c.setAttribute('aria-busy', String(!done && !stopped));
    const note = pendingNotes.get(c.id)!;
    if (done) note.replaceChildren();
    else {
      const name = drawn ? '' : `${CARD_NAMES[c.id] ?? 'Gate block motif profiles'}: `;
      if (stopped) note.replaceChildren(el('span', {}, drawn ? `the rest not computed (${stopped})` : `${name}not computed (${stopped})`));
      else note.replaceChildren(spinner(), el('span', {}, drawn ? 'computing the rest…' : `${name}computing…`));
    }
  }
}

renderControls();
renderStatus();

// ---- controls ------------------------------------------------------------------------------------------------

function run(next: AnalysisOptions): void {
  options = next;
  saveState();
  cancelRequested = false;
  running = true;
  renderStatus();
  vscode.post({ type: 'run', options });
}

function renderControls(): void {
  const o = options;
  const horizonInput = el('input', {
    id: 'horizon-steps', class: 'num-input', type: 'number', min: '1', max: '100000', step: '1',
    value: String(o.horizon ?? defaultHorizon()), 'aria-label': 'Horizon in steps',
  });
  horizonInput.hidden = o.horizon === null;
  horizonInput.addEventListener('change', () => {
    const v = Number(horizonInput.value);
    const ok = Number.isInteger(v) && v >= 1 && v <= 100000;
    horizonInput.classList.toggle('invalid', !ok);
    horizonInput.setAttribute('aria-invalid', String(!ok));
    if (ok && v !== options.horizon) run({ ...options, horizon: v });
  });
  controlsEl.replaceChildren(
    labelled('Schur order', dropdown(ORDERS, o.order, (v) => run({ ...options, order: v as SchurOrderName }), { id: 'order', ariaLabel: 'Schur ordering' })),
    labelled('Memory input', dropdown(INPUTS, o.input, (v) => run({ ...options, input: v as MemoryInput }), { id: 'input', ariaLabel: 'Memory input vector' })),
    labelled('Horizon', dropdown([{ value: 'infinite', label: 'Infinite' }, { value: 'finite', label: 'Finite' }], o.horizon === null ? 'infinite' : 'finite', (v) => {
      const h = v === 'infinite' ? null : Number(horizonInput.value) || defaultHorizon();
      horizonInput.hidden = h === null;
      run({ ...options, horizon: h });
    }, { id: 'horizon', ariaLabel: 'Memory horizon' }), horizonInput),
    labelled('Motif activation', dropdown(ACTIVATIONS, o.activation, (v) => run({ ...options, activation: v as Activation }), { id: 'activation', ariaLabel: 'Chain-motif activation' })),
    el('div', { class: 'control' }, checkbox('Pseudospectrum', o.gridPoints > 0,
      (v) => run({ ...options, gridPoints: v ? (result?.options.gridPoints || PSEUDOSPECTRUM_POINTS) : 0 }), { id: 'pseudospectrum' })),
  );
}

function labelled(label: string, ...controls: HTMLElement[]): HTMLElement {
  return el('div', { class: 'control' }, el('span', { class: 'control-label', 'aria-hidden': 'true' }, label), ...controls);
}

function defaultHorizon(): number {
  return result?.numbers.n ?? 100;
}

function sameOptions(a: AnalysisOptions, b: AnalysisOptions): boolean {
  return a.order === b.order && a.input === b.input && a.horizon === b.horizon && a.activation === b.activation && a.gridPoints === b.gridPoints;
}

/** The host's options are the truth (it may clamp or restore them); controls follow when they differ. */
function adoptOptions(o: AnalysisOptions): void {
  if (!sameOptions(o, options)) {
    options = { ...o };
    renderControls();
  }
  saveState();
}

// ---- messages ------------------------------------------------------------------------------------------------

function onMessage(msg: HostToAnalysis): void {
  switch (msg.type) {
    case 'running':
      running = true;
      fresh = false;
      title = msg.title;
      titleEl.textContent = msg.title;
      adoptOptions(msg.options);
      renderStatus();
      break;
    case 'part':
      showPart(msg.part);
      renderStatus();
      break;
    case 'result':
      running = false;
      cancelRequested = false;
      result = msg.result;
      title = msg.result.title;
      adoptOptions(msg.result.options);
      errorEl.hidden = true;
      // Drawn part by part: the heatmaps keep the user's zoom.
      showResult(msg.result, fresh);
      fresh = false;
      renderStatus();
      break;
    case 'error':
      running = false;
      renderStatus();
      showError(msg.error);
      cancelRequested = false;
      break;
  }
}

function renderStatus(): void {
  statusEl.replaceChildren();
  // The previous result, faded, until the first part of the new one replaces it; busy until the whole result.
  cardsEl.classList.toggle('stale', running && !fresh);
  cardsEl.setAttribute('aria-busy', String(running));
  // Saving needs the whole result, and the one on show.
  const complete = !!result && shown === result;
  for (const b of [...dataButtons, ...cardsEl.querySelectorAll<HTMLElement>('.card-tools [id$="-svg"], .card-tools [id$="-png"]')]) {
    if (complete && !running) b.removeAttribute('disabled');
    else b.setAttribute('disabled', '');
  }
  if (running) {
    statusEl.append(spinner(), el('span', {}, cancelRequested ? 'Cancelling…' : 'Running…'),
      button('Cancel', () => {
        cancelRequested = true;
        vscode.post({ type: 'cancel' });
        renderStatus();
      }, { secondary: true, id: 'cancel', title: 'Stop this analysis' }));
  }
  if (!shown) {
    cardsEl.hidden = true;
    placeholder.hidden = false;
    if (running || !placeholder.querySelector('.error-view')) {
      placeholder.replaceChildren(el('div', { class: 'status' }, spinner(), el('span', {}, running && title ? `Analysing ${title}…` : 'Waiting for the analysis…')));
    }
  }
}

function showError(error: LensError): void {
  const cancelled = error.kind === 'cancelled';
  const { message } = error;
  if (shown && shown !== result) {
    // Stopped part way: what was computed stays, the cards not computed say so.
    stopped = cancelled ? 'cancelled' : 'failed';
    fresh = false;
    renderPending();
    if (shown.numbers) renderNumbers(shown);
    showBanner(cancelled ? 'Cancelled; showing the parts computed before.' : `The analysis failed: ${message} Showing the parts computed before.`, cancelled ? 'info' : 'error');
    return;
  }
  if (result) {
    // Keep the last good result on screen, with its own options in the controls.
    showBanner(cancelled ? 'Cancelled; showing the previous result.' : `The analysis failed: ${message} Showing the previous result.`, cancelled ? 'info' : 'error');
    adoptOptions(result.options);
    return;
  }
  cardsEl.hidden = true;
  placeholder.hidden = false;
  placeholder.replaceChildren(
    el('div', { class: 'error-view', role: 'alert' },
      // Bad input (and a matrix the solvers cannot take) is about the matrix; `internal` is a fault of ours.
      el('h2', {}, cancelled ? 'Analysis cancelled' : error.kind === 'internal' ? 'The analysis failed (an internal error)' : 'Cannot analyse this matrix'),
      ...(cancelled ? [] : [el('p', { class: 'message error-message', 'data-kind': error.kind }, message)]),
      button(cancelled ? 'Run again' : 'Try again', () => run(options), { secondary: true, id: 'retry' })),
  );
}

function showBanner(message: string, kind: 'error' | 'info'): void {
  errorEl.hidden = false;
  errorEl.className = `banner ${kind}`;
  errorEl.replaceChildren(el('span', { class: 'banner-text' }, message),
    button('Dismiss', () => { errorEl.hidden = true; }, { secondary: true }));
}

// ---- result --------------------------------------------------------------------------------------------------

const NUMBER_ROWS: { key: keyof AnalysisNumbers; label: string; tip: string; digits?: number }[] = [
  { key: 'spectralRadius', label: 'ρ(W)', tip: 'Spectral radius, max |λᵢ|. Below 1 the linear network forgets eventually; for a non-normal W it says nothing about transients.' },
  { key: 'sigmaMax', label: 'σ_max = ‖W‖₂', tip: 'Largest singular value: the most one step can amplify a state vector.' },
  { key: 'sigmaMin', label: 'σ_min', tip: 'Smallest singular value; 0 when W is singular (a chain is).' },
  { key: 'frobenius', label: '‖W‖_F', tip: 'Frobenius norm √(Σ W[i][j]²).' },
  { key: 'henrici', label: 'Henrici d(W)', tip: 'Departure from normality √(‖W‖_F² − Σ|λᵢ|²): the size of the strictly upper part of the Schur form, the hidden feedforward coupling. 0 exactly when W is normal; α√(N−1) for a chain.' },
  { key: 'henriciNormalized', label: 'd(W) / ‖W‖_F', tip: 'Relative departure from normality: 0 for a normal matrix, 1 for a nilpotent one (all weight is feedforward).' },
  { key: 'jTot', label: 'J_tot', tip: 'Total Fisher memory Σₖ J(k) of the linear network h_t = W h_{t−1} + v s_t + noise (Ganguli et al. 2008): at most N, exactly 1 for any normal W.' },
  { key: 'maxCondition', label: 'max κ(λ)', tip: 'Largest eigenvalue condition number 1/|yᴴx|: how far an eigenvalue can move per unit perturbation of W. 1 for normal matrices; above ~1e8 the computed eigenvalues are not to be trusted.', digits: 3 },
  { key: 'schurResidual', label: '‖Z T Zᵀ − W‖ / ‖W‖', tip: 'Backward error of the Schur form; about 1e-15 when computed well.', digits: 2 },
  { key: 'schurOrthogonality', label: '‖ZᵀZ − I‖', tip: 'Loss of orthogonality of the Schur vectors Z; about 1e-14 when computed well.', digits: 2 },
];

/** " ± 3.1e-7": the estimated error of J_tot (docs/memory.md); nothing when it is not available (null over JSON). */
function errorSuffix(err: number | null | undefined): string {
  return typeof err === 'number' && Number.isFinite(err) ? ` ± ${err.toExponential(1)}` : '';
}

function renderNumbers(r: PartialAnalysis): void {
  const nums = r.numbers;
  const rows = NUMBER_ROWS.map((row) => {
    // Messages to webviews are JSON: an infinite condition number (defective W) arrives as null.
    const v = row.key === 'maxCondition' && nums.maxCondition === null ? Infinity : nums[row.key];
    let label = row.label;
    if (v === undefined) {
      // Not computed yet (a part still to come), or not at all (stopped): `data-key` marks computed values only.
      return el('tr', { title: row.tip, 'aria-description': row.tip },
        el('th', { scope: 'row' }, el('span', { class: 'has-tip' }, label)),
        el('td', { class: 'num pending-value', 'data-pending': row.key, 'aria-busy': String(!stopped) }, stopped ? 'not computed' : 'computing…'));
    }
    if (row.key === 'jTot' && r.memory && r.memory.horizon !== null) label += ` (horizon ${r.memory.horizon})`;
    const suspect = (row.key === 'maxCondition' && v > 1e8) || ((row.key === 'schurResidual' || row.key === 'schurOrthogonality') && v > 1e-8);
    return el('tr', { title: row.tip, 'aria-description': row.tip },
      el('th', { scope: 'row' }, el('span', { class: 'has-tip' }, label)),
      el('td', { class: `num${suspect ? ' suspect' : ''}`, 'data-key': row.key, 'data-value': String(v), ...(row.key === 'jTot' ? { 'data-error': String(r.memory?.jTotError) } : {}) },
        fmt(v, row.digits ?? 5) + (row.key === 'jTot' ? errorSuffix(r.memory?.jTotError) : '')));
  });
  numbersTable.replaceChildren(el('tbody', {}, ...rows));
  const { memory, options: o } = r;
  memoryNote.hidden = !memory || !o;
  if (!memory || !o) return;
  const input = INPUTS.find((i) => i.value === o.input)?.long ?? o.input;
  const notes = [`Memory input ${input}.`];
  if (memory.note) notes.push(memory.note);
  memoryNote.textContent = notes.join(' ');
}

function renderWarnings(r: { warnings?: string[] }): void {
  const warnings = r.warnings ?? [];
  warningsEl.hidden = warnings.length === 0;
  warningsEl.replaceChildren(...(warnings.length
    ? [el('span', { class: 'warn-icon', 'aria-hidden': 'true' }, '⚠'), el('ul', {}, ...warnings.map((w) => el('li', {}, w)))]
    : []));
}

/** `N = …` and, once known, how long the analysis took (each step's time in the tooltip). */
function renderMeta(r: PartialAnalysis): void {
  metaEl.replaceChildren(el('span', { 'data-key': 'n' }, `N = ${r.numbers.n}`));
  metaEl.removeAttribute('title');
  if (!r.timingsMs) return;
  const total = r.timingsMs.total ?? Object.values(r.timingsMs).reduce((a, b) => a + b, 0);
  if (total > 0) {
    metaEl.append(` · computed in ${total < 1000 ? `${Math.round(total)} ms` : `${(total / 1000).toFixed(1)} s`}`);
    metaEl.title = Object.entries(r.timingsMs).map(([k, v]) => `${k}: ${Math.round(v)} ms`).join('\n');
  }
}

function showW(r: PartialAnalysis, keepView: boolean): void {
  heatW.show(r.matrix!, r.numbers.n!, 'W (column convention)', 'W[i][j] is the weight from unit j to unit i. Zero-centred colours; scroll to zoom, drag to pan, double-click to fit.', { keepView });
}

function showT(r: PartialAnalysis, keepView: boolean): void {
  const order = ORDERS.find((o) => o.value === r.options!.order)?.title ?? r.options!.order;
  heatT.show(r.schurT!, r.numbers.n!, `Schur form T (${order})`,
    'W = Z T Zᵀ. The diagonal (and 2×2 blocks) hold the eigenvalues; the strictly upper part = hidden feedforward coupling between Schur modes (zero exactly when W is normal).', { keepView });
}

/** Gate-block cards: one per block of the cell of a gate block's checkpoint; none for any other matrix. */
function showGateCards(r: PartialAnalysis): void {
  gateCards.forEach((c, b) => {
    const g = r.gateMotifs;
    c.element.hidden = !g || (g.result ? b >= g.result.gates.length : b > 0);
  });
}

/**
 * A part of the running analysis: the first (`matrix`) starts a new display (the previous result's cards wait,
 * hidden but keeping their size, for their parts), each draws the cards it completes.
 */
function showPart(part: AnalysisPart): void {
  if (part.part === 'matrix') {
    shown = undefined;
    arrived = new Set();
    result = undefined;
    fresh = true;
    stopped = undefined;
    title = part.title;
    titleEl.textContent = part.title;
    adoptOptions(part.options);
    errorEl.hidden = true;
    placeholder.hidden = true;
    cardsEl.hidden = false;
  } else if (!fresh || !shown) {
    return; // a part of a run whose first part this display never had
  }
  shown = mergeAnalysisPart(shown, part);
  arrived.add(part.part);
  const r = shown;
  switch (part.part) {
    case 'matrix': renderMeta(r); renderWarnings(r); renderNumbers(r); showW(r, false); break;
    case 'schur': renderNumbers(r); showT(r, false); spectrumCard.update(); break;
    case 'numbers': renderNumbers(r); renderWarnings(r); svCard.update(); spectrumCard.update(); break;
    case 'memory': renderNumbers(r); renderWarnings(r); memoryCard.update(); break;
    case 'dynamics': transientCard.update(); motifCard.update(); break;
    case 'pseudospectrum': renderMeta(r); spectrumCard.update(); break;
    case 'gates': showGateCards(r); for (const c of gateCards) c.update(); break;
  }
  renderPending();
}

/** The whole result; `keepView`: it was drawn part by part, so the heatmaps keep the user's zoom. */
function showResult(r: AnalysisPayload, keepView = false): void {
  shown = r;
  arrived = new Set(Object.values(CARD_PARTS).flat());
  stopped = undefined;
  titleEl.textContent = r.title;
  renderMeta(r);
  renderWarnings(r);
  renderNumbers(r);
  placeholder.hidden = true;
  cardsEl.hidden = false;
  showW(r, keepView);
  showT(r, keepView);
  showGateCards(r);
  for (const c of chartCards) c.update();
  renderPending();
}

const fmtK = (v: number) => fmt(v, 4);
function fmtComplex(re: number, im: number): string {
  if (im === 0) return fmtK(re);
  return `${fmtK(re)} ${im < 0 ? '−' : '+'} ${fmtK(Math.abs(im))}i`;
}
const sub = (i: number) => String(i).split('').map((c) => '₀₁₂₃₄₅₆₇₈₉'[Number(c)]).join('');

/** Colours of the pseudospectrum levels: part of viridis that reads on the theme's background. */
function levelColor(i: number, count: number): string {
  const stops = colormapStops('viridis', false);
  const [a, b] = isDark() ? [0.42, 1] : [0, 0.78];
  const t = count <= 1 ? (a + b) / 2 : b - ((b - a) * i) / (count - 1);
  const x = t * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const f = x - k;
  const c = [1, 3, 5].map((o) => {
    const p = parseInt(stops[k].slice(o, o + 2), 16), q = parseInt(stops[k + 1].slice(o, o + 2), 16);
    return Math.round(p + f * (q - p));
  });
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

const range = (n: number, start = 0) => Float64Array.from({ length: n }, (_, i) => i + start);

const render: Record<string, (r: AnalysisPayload, c: ChartCard) => void> = {
  spectrum(r, c) {
    const series: Series[] = [];
    const entries: LegendEntry[] = [];
    const xInclude = [-1, 1], yInclude = [-1, 1];
    const ps = r.pseudospectrum;
    let levels: number[] = [];
    if (ps && ps.re.length >= 2 && ps.im.length >= 2 && ps.sigmaMin.length >= ps.re.length * ps.im.length) {
      const nx = ps.re.length, ny = ps.im.length;
      const logs = new Float64Array(nx * ny);
      for (let i = 0; i < logs.length; i++) {
        const v = ps.sigmaMin[i];
        logs[i] = v > 0 ? Math.log10(v) : v === 0 ? -400 : NaN;
      }
      levels = pseudospectrumLevels(ps.sigmaMin);
      levels.forEach((e, i) => {
        const lines = contourLines(logs, nx, ny, e).map((line) => line.map(([gx, gy]) => [axisValue(ps.re, gx), axisValue(ps.im, gy)]));
        const color = levelColor(i, levels.length);
        series.push({ kind: 'path', lines, color, width: 1.4, label: `ε = ${pow10Label(e)}` });
        entries.push({ label: `ε = ${pow10Label(e)}`, color, mark: 'line' });
      });
      xInclude.push(ps.re[0], ps.re[nx - 1]);
      yInclude.push(ps.im[0], ps.im[ny - 1]);
    }
    const circle = Array.from({ length: 257 }, (_, k) => [Math.cos((2 * Math.PI * k) / 256), Math.sin((2 * Math.PI * k) / 256)]);
    series.push({ kind: 'path', lines: [circle], color: themeColor('foreground'), width: 1, dash: '4 3', label: '|z| = 1' });
    const eigIndex = series.length;
    series.push({ kind: 'points', x: r.eigRe, y: r.eigIm, color: themeColor('red'), label: 'eigenvalues' });
    const legend = { title: levels.length ? 'σ_min(zI − W) = ε' : undefined, entries: [
      { label: 'eigenvalue λ', color: themeColor('red'), mark: 'point' as const },
      { label: '|z| = 1', color: themeColor('foreground'), mark: 'dash' as const },
      ...entries,
    ] };
    const spec: ChartSpec = {
      xLabel: 'Re z', yLabel: 'Im z', equalAspect: true, xInclude, yInclude, series, legend,
      // κ comes with the numbers part, after the eigenvalues.
      hover: { series: eigIndex, text: (i) => `λ${sub(i + 1)} = ${fmtComplex(r.eigRe[i], r.eigIm[i])}, |λ| = ${fmtK(Math.hypot(r.eigRe[i], r.eigIm[i]))}, κ = ${r.eigCondition ? fmt(r.eigCondition[i], 3) : '…'}` },
      hint: 'Hover an eigenvalue (or focus the chart and use the arrow keys) to read λ and its condition number κ.',
      empty: 'No eigenvalues.',
    };
    c.heading.textContent = 'Spectrum' + (levels.length ? ' and ε-pseudospectra' : '');
    c.caption.textContent = ps === undefined
      ? 'Eigenvalues in the complex plane with the unit circle; the ε-pseudospectra follow when computed.'
      : ps
      ? 'Contours of σ_min(zI − W) = ε: every z inside the ε-contour is an eigenvalue of some W + E with ‖E‖₂ ≤ ε. Wide contours around tight eigenvalues mean the eigenvalues are sensitive (non-normal W).'
      : 'Eigenvalues in the complex plane with the unit circle. Turn on the pseudospectrum to see how sensitive they are.';
    c.chart.set(spec);
  },

  'singular-values'(r, c) {
    const s = r.singularValues;
    c.heading.textContent = 'Singular values';
    c.caption.textContent = `σ₁ ≥ … ≥ σ_N. A unit vector grows by at most σ_max = ${fmtK(r.numbers.sigmaMax)} in one step.`;
    c.chart.set({
      xLabel: 'index i', yLabel: 'σᵢ', yLog: c.logY, xInteger: true, yInclude: c.logY ? [] : [0],
      series: [
        { kind: 'line', x: range(s.length, 1), y: s, color: themeColor('blue') },
        { kind: 'points', x: range(s.length, 1), y: s, color: themeColor('blue'), radius: s.length > 200 ? 1.5 : 2.5 },
      ],
      hover: { series: 1, text: (i) => `σ${sub(i + 1)} = ${fmt(s[i], 6)}` },
      hint: 'Hover a point to read σᵢ.',
      empty: 'No positive singular values to show on a log scale.',
    });
  },

  'memory-curve'(r, c) {
    const J = r.memory.J;
    const horizon = r.memory.horizon !== null ? ` (horizon ${r.memory.horizon})` : '';
    c.heading.textContent = `Memory curve J(k) · J_tot = ${fmtK(r.memory.jTot)}${errorSuffix(r.memory.jTotError)}${horizon}`;
    c.caption.textContent = `Fisher memory of a signal k steps back, input ${INPUTS.find((i) => i.value === r.options.input)?.long ?? r.options.input}. ` +
      'J(k) ≤ 1, J_tot ≤ N; a normal W has J_tot = 1.' + (r.memory.note ? ` ${r.memory.note}` : '');
    c.chart.set({
      xLabel: 'steps back k', yLabel: 'J(k)', yLog: c.logY, xInteger: true, yInclude: c.logY ? [] : [0],
      series: [{ kind: 'line', x: range(J.length), y: J, color: themeColor('green'), width: 1.6 }],
      hover: { series: 0, text: (k) => `J(${k}) = ${fmt(J[k], 6)}` },
      hint: 'Hover the curve to read J(k).',
      empty: J.length === 0
        ? `No memory curve: ${r.memory.note ?? 'J is not available'}.`
        : c.logY ? 'No positive J(k) to show on a log scale.' : 'No finite J(k) to show.',
    });
  },

  transient(r, c) {
    const t = r.transient;
    c.heading.textContent = 'Transient amplification ‖Wᵏv‖';
    c.caption.textContent = t.length
      ? `Norm of the input's trace after k steps (‖v‖ = 1). ${describeTransient(t)}` +
        (c.logY ? '' : needsLogAxis(t) ? ' (It spans many decades: turn on Log y to see all of it.)' : '')
      : '';
    c.chart.set({
      xLabel: 'step k', yLabel: '‖Wᵏv‖', yLog: c.logY, xInteger: true, yInclude: c.logY ? [1] : [0, 1],
      series: [
        { kind: 'line', x: [0, Math.max(1, t.length - 1)], y: [1, 1], color: themeColor('foreground'), dash: '4 3', width: 1 },
        { kind: 'line', x: range(t.length), y: t, color: themeColor('purple'), width: 1.6 },
      ],
      hover: { series: 1, text: (k) => `‖W${k === 1 ? '' : supK(k)}v‖ = ${fmt(t[k], 6)} at k = ${k}` },
      hint: 'Hover the curve to read ‖Wᵏv‖; the dashed line is ‖v‖ = 1.',
      empty: c.logY ? 'Nothing positive to show on a log scale.' : 'No finite ‖Wᵏv‖ to show.',
    });
  },

  'chain-motif'(r, c) {
    const { offsets, profile } = r.motif;
    c.heading.textContent = 'Chain-motif profile';
    c.caption.textContent = `A pulse through the network (${r.options.activation}, 100 free steps); units ordered by the step of their peak activity ` +
      '(units peaking at the same step share an order); mean W[i][j] over the pairs of responding units whose orders differ by i − j. A chain gives a spike at i − j = +1.';
    c.chart.set({
      xLabel: 'order difference i − j', yLabel: 'mean W[i][j]', xInteger: true, yInclude: [0], aspect: 0.32,
      series: [{ kind: 'stems', x: offsets, y: profile, color: themeColor('orange') }],
      hover: { series: 0, text: (i) => `i − j = ${offsets[i] > 0 ? '+' : ''}${String(offsets[i]).replace('-', '−')}: mean weight ${fmt(profile[i], 5)}` },
      hint: 'Hover a stem to read the mean weight at that offset.',
      empty: 'No motif profile.',
    });
  },
  ...Object.fromEntries([0, 1, 2, 3].map((b) => [`gate-motif-${b}`, (r: AnalysisPayload, c: ChartCard) => renderGateMotif(r, c, b)])),
};

/** Block colours, in the Keras order of the cell's blocks (LSTM i, f, c, o; GRU z, r, h). */
const GATE_COLORS = ['blue', 'green', 'orange', 'purple'] as const;

function renderGateMotif(r: AnalysisPayload, c: ChartCard, b: number): void {
  const gm = r.gateMotifs;
  if (!gm) return;
  const g = gm.result;
  if (!g) {
    c.heading.textContent = 'Per-gate motif profiles';
    c.caption.textContent = gm.note ?? '';
    c.chart.set({ xLabel: 'order difference i − j', yLabel: 'mean W[i][j]', series: [], empty: 'Not available for this checkpoint.', aspect: 0.32 });
    return;
  }
  if (b >= g.gates.length) return;
  const gate = g.gates[b];
  const { profile } = g.blocks[gate];
  const y = Float64Array.from(profile, (v) => (v === null ? NaN : v));
  c.heading.textContent = `Gate block ${gate} (${GATE_LONG[gate] ?? gate}) motif profile${gate === gm.gate ? ' · the opened block' : ''}`;
  c.caption.textContent = `The ${g.cell.toUpperCase()} run with its own weights and biases: a unit pulse on input channel 0, 100 free steps; hidden units ordered ` +
    `by the step of the peak of h (${g.active} responded, at ${g.peak_steps} distinct steps; same step, same order). One ordering for every block: ` +
    `mean W_${gate}[i][j] by i − j. The paper finds i, f, o roughly monotonic in i − j and the cell update with a bump at small positive i − j.`;
  c.chart.set({
    xLabel: 'order difference i − j', yLabel: `mean W_${gate}[i][j]`, xInteger: true, yInclude: [0], aspect: 0.32,
    series: [{ kind: 'stems', x: g.offsets, y, color: themeColor(GATE_COLORS[b]) }],
    hover: { series: 0, text: (i) => `${gate}: i − j = ${g.offsets[i] > 0 ? '+' : ''}${String(g.offsets[i]).replace('-', '−')}: mean weight ${fmt(y[i], 5)}` },
    hint: 'Hover a stem to read the mean weight of this block at that offset.',
    empty: 'No pair of responding units.',
  });
}

function supK(k: number): string {
  return pow10Label(k).slice(2);
}

// Theme switches (VS Code sets the body class and the variables on <html>): heatmap colours (dark diverging map,
// zero colour) and the contour palette; everything else follows the CSS variables by itself.
let themeFrame = 0;
const themeObserver = new MutationObserver(() => {
  cancelAnimationFrame(themeFrame);
  themeFrame = requestAnimationFrame(() => {
    heatW.applyColors();
    heatT.applyColors();
    spectrumCard.update();
  });
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });

// Exposed for end-to-end tests (cell positions on the canvases, chart scales and readouts).
(window as unknown as { recurrentLensAnalysis: unknown }).recurrentLensAnalysis = {
  heatmaps: { W: heatW.heatmap, T: heatT.heatmap },
  charts: Object.fromEntries(chartCards.map((c) => [c.name, c.chart])),
  /** The standalone SVG a chart's export buttons save (its text and size). */
  exportFigure: (name: string) => {
    const c = chartCards.find((x) => x.name === name);
    return c && standaloneSvg(c.chart.svg, { title: c.heading.textContent ?? '', subtitle: title });
  },
};

vscode.post({ type: 'ready' });
