/**
 * Weight Trajectory webview: how training reshaped W, checkpoint by checkpoint, for one run or two side by side.
 * The numbers (Henrici d and d/‖W‖_F, ρ, σ_max, J_tot, ‖W − W₀‖/‖W₀‖) against the update under the validation loss,
 * all on one x axis; a scrubber over the checkpoints shows W, W − W₀ and the Schur form T on colour scales fixed
 * across checkpoints (and runs), the eigenvalues in the complex plane, and marks the update on every curve.
 */
import './panel.css';
import './analysis.css';
import './trajectory.css';
import type { HostToTrajectory, TrajectoryColumn, TrajectoryEntry, TrajectoryToHost } from '../src/shared/protocol';
import { connect } from './vscodeApi';
import { el, fmt } from './format';
import { button } from './toolkit';
import { Chart, runColor, themeColor, type ChartSpec, type LegendEntry, type Series } from './charts';
import { figureData, standaloneSvg } from './export';
import { card, exportButtons, HeatmapCard, maxAbs, type Figure } from './heatmapCard';

interface State {
  runIds?: string[];
  /** The scrubbed update. */
  update?: number;
}

const app = document.getElementById('app')!;
const vscode = connect<HostToTrajectory, TrajectoryToHost, State>(onMessage);
const state: State = vscode.getState() ?? {};
let columns: TrajectoryColumn[] = [];
/** Every checkpoint update of the runs on show, ascending: the scrubber's stops. */
let updates: number[] = [];
let index = 0;
let playing: ReturnType<typeof setInterval> | undefined;
const PLAY_MS = 600;

// ---- layout

const titleEl = el('h1', { id: 'title' }, 'Weight trajectory');
const statusEl = el('span', { id: 'status', class: 'meta', role: 'status', 'aria-live': 'polite' }, 'Reading checkpoints…');
const cancelBtn = button('Cancel', () => vscode.post({ type: 'cancel' }), { secondary: true, id: 'cancel', title: 'Stop analysing (what is done stays cached)' });
const errorEl = el('pre', { id: 'error', class: 'error', role: 'alert', hidden: '' });
const playBtn = button('Play', () => togglePlay(), { id: 'play', title: 'Step through the checkpoints' });
const slider = el('input', { id: 'scrubber', type: 'range', min: '0', max: '0', step: '1', value: '0', 'aria-label': 'Checkpoint' });
const scrubLabel = el('span', { id: 'scrub-label', class: 'meta' });
const addBtn = button('Add run to compare', () => vscode.post({ type: 'addRun' }), { secondary: true, id: 'add-run', title: 'Show a second run beside this one, on the same scales' });
const csvBtn = button('CSV', () => vscode.post({ type: 'saveData' }), { secondary: true, id: 'export-csv', title: 'Save the table (every checkpoint of every run) as CSV' });
const curvesEl = el('main', { id: 'curves', class: 'traj-curves' });
const columnsEl = el('div', { id: 'columns', class: 'traj-columns' });

app.replaceChildren(
  el('header', { class: 'panel-header' },
    el('div', { class: 'title-row' }, titleEl, el('div', { class: 'actions' }, addBtn, csvBtn)),
    el('div', { class: 'title-row' }, statusEl, cancelBtn),
    errorEl),
  el('div', { class: 'scrubber-row', role: 'toolbar', 'aria-label': 'Checkpoint scrubber' }, playBtn, slider, scrubLabel),
  curvesEl,
  columnsEl,
);
cancelBtn.hidden = true;

slider.addEventListener('input', () => setIndex(Number(slider.value)));
// Arrow keys, Home and End anywhere outside a control (the slider does them itself; charts and heatmaps use arrows).
document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  if (t !== document.body) return;
  const k = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: updates.length - 1 }[e.key];
  if (k === undefined) return;
  e.preventDefault();
  setIndex(k);
});

/** The runs on show (as the host has them: some may be still analysed) and the scrubbed update, for a reload. */
let runIds: string[] = state.runIds ?? [];

function savePage(): void {
  vscode.setState({ runIds, update: updates[index] ?? state.update });
}

async function saveFigure(name: string, format: 'svg' | 'png', make: () => Figure | undefined): Promise<void> {
  try {
    const fig = make();
    if (fig) vscode.post({ type: 'saveFigure', name, format, data: await figureData(fig, format) });
  } catch (e) {
    showError(`Could not export the figure: ${e instanceof Error ? e.message : String(e)}`);
  }
}
const save = (name: string, format: 'svg' | 'png', make: () => Figure | undefined) => void saveFigure(name, format, make);

function showError(message: string | null): void {
  errorEl.hidden = !message;
  errorEl.textContent = message ?? '';
}

// ---- curves: one chart per number, all against the update

interface Metric {
  key: string;
  title: string;
  yLabel: string;
  series: { label: string; value: (e: TrajectoryEntry) => number | null }[];
  caption: string;
}

const METRICS: Metric[] = [
  { key: 'henrici_normalized', title: 'Non-normality d(W)/‖W‖_F', yLabel: 'd / ‖W‖_F', series: [{ label: 'd/‖W‖_F', value: (e) => e.henrici_normalized }],
    caption: "Henrici's departure from normality over the Frobenius norm: 0 for a normal W, 1 for a nilpotent one (a pure chain)." },
  { key: 'henrici', title: 'Henrici departure from normality d(W)', yLabel: 'd(W)', series: [{ label: 'd(W)', value: (e) => e.henrici }],
    caption: '√(‖W‖²_F − Σ|λ|²): the size of the strictly upper part of the Schur form T.' },
  { key: 'spectrum', title: 'Spectral radius ρ(W) and largest singular value σ_max', yLabel: 'ρ, σ_max',
    series: [{ label: 'ρ(W)', value: (e) => e.spectral_radius }, { label: 'σ_max', value: (e) => e.sigma_max }],
    caption: 'ρ ≥ 1: some mode does not decay; σ_max > ρ: transient amplification (non-normal W). Dashed: σ_max.' },
  { key: 'j_tot', title: 'Total Fisher memory J_tot', yLabel: 'J_tot', series: [{ label: 'J_tot', value: (e) => e.j_tot }],
    caption: 'Ringed points: ρ(W) ≥ 1, so J_tot is summed over the finite horizon N (the infinite sum diverges).' },
  { key: 'delta', title: 'Distance from the initial W: ‖W − W₀‖_F / ‖W₀‖_F', yLabel: '‖W − W₀‖ / ‖W₀‖', series: [{ label: '‖W−W₀‖/‖W₀‖', value: (e) => e.delta_from_init }],
    caption: 'How far training has moved W, relative to its size at update 0.' },
];

class CurveCard {
  readonly chart: Chart;
  readonly element: HTMLElement;
  constructor(readonly key: string, readonly title: string, ariaLabel: string, readonly caption: string) {
    this.chart = new Chart(ariaLabel, `chart-${key}`);
    this.element = card(`curve-${key}`, el('h2', {}, title),
      exportButtons(save, `trajectory-${key}`, `the ${title} chart`, () => standaloneSvg(this.chart.svg, { title, subtitle: subtitle() })),
      this.chart.element, el('p', { class: 'caption' }, caption));
  }
}

const lossCard = new CurveCard('loss', 'Validation loss', 'Validation loss against the update', 'The loss curve of each run, on the same update axis as the numbers below.');
const metricCards = METRICS.map((m) => new CurveCard(m.key, m.title, `${m.title} against the update`, m.caption));
curvesEl.append(lossCard.element, ...metricCards.map((c) => c.element));

function subtitle(): string {
  return columns.map((c) => `${c.label} (${c.config})`).join(' vs ');
}

/** The x range every curve shares: 0 to the last update of any run. */
function xMax(): number {
  let m = 1;
  for (const c of columns) {
    const k = c.trajectory.checkpoints;
    m = Math.max(m, k[k.length - 1]?.update ?? 0, c.val.update[c.val.update.length - 1] ?? 0);
  }
  return m;
}

/** A vertical line at update u across [lo, hi] (the marker) and its legend-free series. */
function markerSeries(u: number, ys: number[]): Series[] {
  const finite = ys.filter((v) => Number.isFinite(v));
  if (!finite.length) return [];
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const pad = (hi - lo) * 0.02 || Math.abs(hi) * 0.02 || 0.01;
  return [{ kind: 'path', lines: [[[u, lo - pad], [u, hi + pad]]], color: themeColor('foreground'), width: 1, dash: '3 3', label: 'scrubbed update' }];
}

/** The checkpoint of column c shown at the scrubbed update: the last at or before it (the first before any). */
function entryIndex(c: TrajectoryColumn, u: number): number {
  const k = c.trajectory.checkpoints;
  let best = 0;
  for (let i = 0; i < k.length; i++) if (k[i].update <= u) best = i;
  return best;
}

function renderCurves(): void {
  const u = updates[index] ?? 0;
  const x1 = xMax();
  const common: Pick<ChartSpec, 'xLabel' | 'xInteger' | 'xInclude' | 'aspect'> = { xLabel: 'update', xInteger: true, xInclude: [0, x1], aspect: 0.25 };
  // Loss
  {
    const series: Series[] = [], legend: LegendEntry[] = [], ys: number[] = [];
    columns.forEach((c, i) => {
      series.push({ kind: 'line', x: c.val.update, y: c.val.loss, color: runColor(i), width: 1.6, label: `${c.label} validation ${c.lossUnit ?? 'loss'}` });
      legend.push({ label: c.label, color: runColor(i), mark: 'line' });
      for (const v of c.val.loss) if (v > 0) ys.push(v);
    });
    series.push(...markerSeries(u, ys));
    const first = columns[0];
    // Language models' losses are bits per character (every column, or the plain word when runs mix).
    const lossName = columns.length && columns.every((c) => c.lossUnit === 'bpc') ? 'validation bpc' : 'validation loss';
    lossCard.chart.set({
      ...common, yLabel: lossName, yLog: true, series, legend: columns.length > 1 ? { entries: legend } : undefined,
      hover: first?.val.update.length ? { series: 0, text: (i) => `${first.label} · update ${first.val.update[i]} · ${lossName} ${fmt(first.val.loss[i], 4)}` } : undefined,
      empty: 'No validation loss logged yet.',
    });
    lossCard.chart.element.dataset.marker = String(u);
  }
  METRICS.forEach((m, mi) => {
    const chart = metricCards[mi].chart;
    const series: Series[] = [], legend: LegendEntry[] = [], ys: number[] = [], markers: Series[] = [];
    columns.forEach((c, ci) => {
      const k = c.trajectory.checkpoints;
      const x = k.map((e) => e.update);
      m.series.forEach((s, si) => {
        const y = k.map((e) => s.value(e) ?? NaN);
        ys.push(...y);
        const label = columns.length > 1 ? `${c.label} ${s.label}` : s.label;
        series.push({ kind: 'line', x, y, color: runColor(ci), width: 1.6, dash: si ? '5 3' : undefined, label });
        series.push({ kind: 'points', x, y, color: runColor(ci), radius: 2.5 });
        if (columns.length > 1 || m.series.length > 1) legend.push({ label, color: runColor(ci), mark: si ? 'dash' : 'line' });
        const at = entryIndex(c, u);
        markers.push({ kind: 'points', x: [k[at]?.update ?? NaN], y: [y[at] ?? NaN], color: themeColor('foreground'), radius: 4.5, label: `${label} at the scrubbed update` });
      });
      if (m.key === 'j_tot') {
        const fin = k.map((e) => (e.j_tot_finite_horizon !== undefined ? e.j_tot ?? NaN : NaN));
        if (fin.some(Number.isFinite)) {
          series.push({ kind: 'points', x, y: fin, color: themeColor('red'), radius: 4, label: 'finite horizon' });
          if (ci === 0) legend.push({ label: `finite horizon (ρ ≥ 1)`, color: themeColor('red'), mark: 'point' });
        }
      }
    });
    series.push(...markerSeries(u, ys), ...markers);
    const first = columns[0];
    const spec: ChartSpec = {
      ...common, yLabel: m.yLabel, series, legend: legend.length ? { entries: legend } : undefined,
      hover: first ? {
        series: 0, text: (i) => {
          const e = first.trajectory.checkpoints[i];
          return `${columns.length > 1 ? first.label + ' · ' : ''}update ${e.update} · ${m.series.map((s) => `${s.label} ${fmt(s.value(e), 5)}`).join(' · ')}` +
            (m.key === 'j_tot' && e.j_tot_finite_horizon !== undefined ? ` (finite horizon ${e.j_tot_finite_horizon})` : '');
        },
      } : undefined,
      empty: 'No checkpoints analysed yet.',
    };
    chart.set(spec);
    chart.element.dataset.marker = String(u);
  });
}

// ---- per-run column: heatmaps, eigenvalues, table

/** Colour domains shared by every checkpoint of every run on show. */
let domains = { W: 1, D: 1, T: 1, eig: 1.05 };

function computeDomains(): void {
  let W = 0, D = 0, T = 0, eig = 1.05;
  for (const c of columns) {
    const { W0, W: Ws, T: Ts } = c.matrices;
    W = Math.max(W, maxAbs(Ws), maxAbs(W0));
    T = Math.max(T, maxAbs(Ts));
    const nn = c.matrices.n * c.matrices.n;
    for (let i = 0; i < Ws.length; i++) {
      const d = Math.abs(Ws[i] - W0[i % nn]);
      if (d > D && Number.isFinite(d)) D = d;
    }
    for (const e of c.trajectory.checkpoints) for (const [re, im] of e.eigenvalues) eig = Math.max(eig, Math.hypot(re, im) * 1.05);
  }
  domains = { W: W || 1, D: D || 1, T: T || 1, eig };
}

class ColumnView {
  readonly element: HTMLElement;
  readonly heading = el('h2', { class: 'column-title' });
  readonly meta = el('p', { class: 'meta' });
  readonly W: HeatmapCard;
  readonly D: HeatmapCard;
  readonly T: HeatmapCard;
  readonly eig: Chart;
  readonly eigCard: HTMLElement;
  readonly table = el('table', { class: 'traj-table' });
  private readonly removeBtn: HTMLElement;
  column: TrajectoryColumn | undefined;
  private delta = new Float32Array(0);

  constructor(readonly slot: number) {
    const sub = () => (this.column ? `${this.column.label} (${this.column.config}), update ${this.column.trajectory.checkpoints[entryIndex(this.column, updates[index] ?? 0)]?.update}` : '');
    const cell = (name: string) => (r: number, c: number, v: number) => `${name}[${r}][${c}] = ${fmt(v, 6)}`;
    const units = { xLabel: 'column j (from unit j)', yLabel: 'row i (to unit i)' };
    this.W = new HeatmapCard({ key: `W-${slot}`, name: 'W', exportName: `W-${slot}`, save, subtitle: sub, describe: cell('W'), hint: 'Hover a cell to read W[i][j].', ...units });
    this.D = new HeatmapCard({ key: `D-${slot}`, name: 'W − W₀', exportName: `W-minus-W0-${slot}`, save, subtitle: sub, describe: cell('(W − W₀)'), hint: 'Hover a cell to read (W − W₀)[i][j].', ...units });
    this.T = new HeatmapCard({ key: `T-${slot}`, name: 'Schur form T', exportName: `schur-T-${slot}`, save, subtitle: sub, describe: cell('T'), hint: 'Hover a cell to read T[i][j].', xLabel: 'column j (Schur mode)', yLabel: 'row i (Schur mode)' });
    this.eig = new Chart('Eigenvalues of W in the complex plane', `chart-eig-${slot}`);
    const eigTitle = el('h2', {}, 'Eigenvalues');
    this.eigCard = card(`card-eig-${slot}`, eigTitle,
      exportButtons(save, `eigenvalues-${slot}`, 'the eigenvalue chart', () => standaloneSvg(this.eig.svg, { title: 'Eigenvalues of W', subtitle: sub() })),
      this.eig.element, el('p', { class: 'caption' }, 'The eigenvalues at the scrubbed update (filled) and at update 0 (faint), with the unit circle; the axes are fixed across checkpoints.'));
    this.removeBtn = button('Remove', () => this.column && vscode.post({ type: 'removeRun', id: this.column.id }), { secondary: true, id: `remove-${slot}`, title: 'Remove this run from the comparison' });
    this.element = el('section', { class: 'traj-column', id: `column-${slot}` },
      el('div', { class: 'card-head' }, this.heading, this.removeBtn), this.meta,
      el('div', { class: 'traj-heatmaps' }, this.W.element, this.D.element, this.T.element, this.eigCard),
      card(`card-table-${slot}`, el('h2', {}, 'Checkpoints'), [], el('div', { class: 'table-wrap' }, this.table)));
  }

  set(c: TrajectoryColumn, removable: boolean): void {
    this.column = c;
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = runColor(this.slot);
    this.heading.replaceChildren(swatch, c.label);
    this.removeBtn.hidden = !removable;
    const t = c.trajectory;
    this.meta.textContent = `${c.config} · ${t.checkpoints.length} checkpoints · W₀ from ${t.initial === 'checkpoint' ? 'the update-0 checkpoint' : "the run's initializer"}`;
    this.element.dataset.run = c.id;
    this.buildTable();
  }

  private buildTable(): void {
    const c = this.column!;
    const cols: [string, string, (e: TrajectoryEntry) => number | null][] = [
      ['update', 'update', (e) => e.update], ['val_loss', 'val. loss', (e) => e.val_loss], ['henrici', 'd(W)', (e) => e.henrici],
      ['henrici_normalized', 'd/‖W‖_F', (e) => e.henrici_normalized], ['spectral_radius', 'ρ(W)', (e) => e.spectral_radius],
      ['sigma_max', 'σ_max', (e) => e.sigma_max], ['j_tot', 'J_tot', (e) => e.j_tot], ['delta_from_init', '‖W−W₀‖/‖W₀‖', (e) => e.delta_from_init],
    ];
    this.table.replaceChildren(
      el('thead', {}, el('tr', {}, ...cols.map(([, h]) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...c.trajectory.checkpoints.map((e, i) => el('tr', { 'data-update': String(e.update), 'data-index': String(i) },
        ...cols.map(([key, , f]) => {
          const v = f(e);
          const star = key === 'j_tot' && e.j_tot_finite_horizon !== undefined;
          return el('td', { class: 'num', 'data-key': key, 'data-value': v === null ? '' : String(v), ...(star ? { title: `ρ(W) ≥ 1: summed over the finite horizon ${e.j_tot_finite_horizon}` } : {}) },
            key === 'update' ? String(v) : fmt(v, 5) + (star ? '*' : ''));
        })))),
    );
  }

  /** Shows the checkpoint at (or last before) update u. */
  show(u: number, keepView: boolean): void {
    const c = this.column;
    if (!c) return;
    const k = entryIndex(c, u);
    const e = c.trajectory.checkpoints[k];
    const { n } = c.matrices, nn = n * n;
    const W = c.matrices.W.subarray(k * nn, (k + 1) * nn), T = c.matrices.T.subarray(k * nn, (k + 1) * nn);
    if (this.delta.length !== nn) this.delta = new Float32Array(nn);
    for (let i = 0; i < nn; i++) this.delta[i] = W[i] - c.matrices.W0[i];
    const at = `update ${e.update}`;
    this.W.show(W, n, `W at ${at}`, 'W[i][j]: the weight from unit j to unit i. One colour scale for every checkpoint shown.', { domain: domains.W, keepView });
    this.D.show(this.delta, n, `W − W₀ at ${at}`, 'What training changed. One colour scale for every checkpoint shown.', { domain: domains.D, keepView });
    this.T.show(T, n, `Schur form T at ${at} (|λ| descending)`, 'W = Z T Zᵀ: eigenvalues on the diagonal, the hidden feedforward coupling above it. One colour scale for every checkpoint shown.', { domain: domains.T, keepView });
    this.element.dataset.update = String(e.update);
    for (const tr of this.table.querySelectorAll('tbody tr')) {
      const on = Number((tr as HTMLElement).dataset.index) === k;
      tr.classList.toggle('current', on);
      if (on) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
    const circle = Array.from({ length: 257 }, (_, j) => [Math.cos((2 * Math.PI * j) / 256), Math.sin((2 * Math.PI * j) / 256)]);
    const e0 = c.trajectory.checkpoints[0];
    const R = domains.eig;
    this.eig.set({
      xLabel: 'Re λ', yLabel: 'Im λ', equalAspect: true, xInclude: [-R, R], yInclude: [-R, R], aspect: 0.8,
      series: [
        { kind: 'points', x: e.eigenvalues.map((z) => z[0]), y: e.eigenvalues.map((z) => z[1]), color: runColor(this.slot), label: `eigenvalues at ${at}` },
        { kind: 'path', lines: [circle], color: themeColor('foreground'), width: 1, dash: '4 3', label: '|z| = 1' },
        { kind: 'points', x: e0.eigenvalues.map((z) => z[0]), y: e0.eigenvalues.map((z) => z[1]), color: themeColor('lines'), radius: 2, label: `eigenvalues at update ${e0.update}` },
      ],
      legend: { entries: [
        { label: at, color: runColor(this.slot), mark: 'point' },
        { label: `update ${e0.update}`, color: themeColor('lines'), mark: 'point' },
        { label: '|z| = 1', color: themeColor('foreground'), mark: 'dash' },
      ] },
      hover: { series: 0, text: (i) => `λ = ${fmt(e.eigenvalues[i][0], 5)} ${e.eigenvalues[i][1] < 0 ? '−' : '+'} ${fmt(Math.abs(e.eigenvalues[i][1]), 5)}i · |λ| = ${fmt(Math.hypot(...e.eigenvalues[i]), 5)}` },
      empty: 'No eigenvalues.',
    });
  }
}

const views: ColumnView[] = [];

// ---- scrubbing

function setIndex(i: number, keepView = true): void {
  if (!updates.length) return;
  index = Math.max(0, Math.min(updates.length - 1, i));
  slider.value = String(index);
  const u = updates[index];
  slider.setAttribute('aria-valuetext', `update ${u}`);
  scrubLabel.textContent = `update ${u} · checkpoint ${index + 1} of ${updates.length}`;
  scrubLabel.dataset.update = String(u);
  for (const v of views) v.show(u, keepView);
  renderCurves();
  savePage();
}

function togglePlay(): void {
  if (playing) return stopPlay();
  if (index >= updates.length - 1) setIndex(0);
  playBtn.textContent = 'Pause';
  playing = setInterval(() => {
    if (index >= updates.length - 1) return stopPlay();
    setIndex(index + 1);
  }, PLAY_MS);
}

function stopPlay(): void {
  clearInterval(playing);
  playing = undefined;
  playBtn.textContent = 'Play';
}

function onMessage(msg: HostToTrajectory): void {
  switch (msg.type) {
    case 'columns': {
      const before = updates[index];
      // At the end of the same runs (one that grows): stay at the end. A run added (or restored after a reload) keeps
      // the update on show.
      const sameRuns = columns.map((c) => c.id).join('\n') === msg.columns.map((c) => c.id).join('\n');
      const atEnd = sameRuns && index === updates.length - 1;
      columns = msg.columns;
      runIds = msg.runIds;
      titleEl.textContent = columns.length ? `Weight trajectory: ${columns.map((c) => c.label).join(' vs ')}` : 'Weight trajectory';
      updates = [...new Set(columns.flatMap((c) => c.trajectory.checkpoints.map((e) => e.update)))].sort((a, b) => a - b);
      slider.max = String(Math.max(0, updates.length - 1));
      computeDomains();
      while (views.length < columns.length) {
        const v = new ColumnView(views.length);
        views.push(v);
      }
      views.forEach((v, i) => {
        if (i < columns.length) {
          v.set(columns[i], columns.length > 1);
          if (!v.element.isConnected) columnsEl.append(v.element);
        } else {
          v.column = undefined;
          v.element.remove();
        }
      });
      views.length = columns.length;
      columnsEl.dataset.columns = String(columns.length);
      addBtn.hidden = columns.length >= 2;
      showError(null);
      // Where the user was; a run that grows keeps the last checkpoint on show when that was on show.
      const wanted = before ?? state.update;
      const i = atEnd && before !== undefined ? updates.length - 1 : wanted !== undefined ? updates.findIndex((u) => u >= wanted) : updates.length - 1;
      setIndex(i < 0 ? updates.length - 1 : i, before !== undefined);
      savePage(); // also with no checkpoint analysed yet (setIndex saves only with one)
      break;
    }
    case 'progress':
      statusEl.textContent = msg.text ?? `${updates.length} checkpoint${updates.length === 1 ? '' : 's'}; analyses cached in each run's analysis/trajectory folder.`;
      statusEl.dataset.busy = msg.text ? 'true' : 'false';
      cancelBtn.hidden = !msg.text;
      break;
    case 'error':
      showError(msg.error.message);
      break;
  }
}

vscode.post({ type: 'ready' });
