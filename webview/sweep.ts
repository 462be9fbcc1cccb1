/**
 * Sweep panel webview: Fig. 3 of the paper for one sweep, live. Successful runs per initializer group (bars), the
 * validation loss of each group's best (gain, lr) cell as mean ± s.e.m. over its seeds with the baseline and the
 * success line, and a success-rate grid gain × learning rate per group: click a cell (or move with the arrow keys
 * and press Enter) to list its runs, and open one in the training panel. Figures export as SVG / PNG (export.ts);
 * the runs table and the curves as CSV (written by the host).
 */
import './panel.css';
import './training.css';
import './sweep.css';
import type { HostToSweep, SweepMethod, SweepPanelData, SweepPanelGroup, SweepRequests, SweepToHost } from '../src/shared/protocol';
import type { MemberSummary } from '../src/sweeps/types';
import { connect } from './vscodeApi';
import { el, fmt, GATE_LONG } from './format';
import { button, checkbox } from './toolkit';
import { Chart, baselineLines, runColor, svgEl, type LegendEntry, type Series } from './charts';
import { figureData, standaloneSvg } from './export';
import { buildLut, lutToCss } from './colormaps';
import { reportCard } from './sweepReport';

interface State {
  dir?: string;
  logY?: boolean;
  /** The selected cell: group and position in its grid. */
  selected?: { group: string; cell: number };
}

const app = document.getElementById('app')!;
const vscode = connect<HostToSweep, SweepToHost, State>(onMessage);
const state: State = vscode.getState() ?? {};
let logY = state.logY ?? true;
let data: SweepPanelData | undefined;

// ---- requests with typed results

let nextId = 1;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function request<M extends SweepMethod>(method: M, params: SweepRequests[M]['params']): Promise<SweepRequests[M]['result']> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    vscode.post({ type: 'request', id, method, params } as SweepToHost);
  });
}

/** A failed request shows as one line under the header. */
function showError(message: string): void {
  errorEl.textContent = message;
  errorEl.hidden = false;
}

// ---- layout

/** Table 2 and Fig. 5, computed on request (webview/sweepReport.ts). */
const titleEl = el('h1', { id: 'title' }, 'Sweep');
const configEl = el('p', { id: 'config', class: 'meta' });
const progressEl = el('p', { id: 'progress-text', class: 'meta', role: 'status', 'aria-live': 'polite' });
const errorEl = el('pre', { id: 'error', class: 'error', role: 'alert', hidden: '' });

const exportButtons = (what: string, figure: () => SVGSVGElement | undefined, csv?: 'runs' | 'curves') => [
  button('SVG', () => void saveFigure(what, figure(), 'svg'), { secondary: true, id: `${what}-svg`, title: 'Save the figure as SVG' }),
  button('PNG', () => void saveFigure(what, figure(), 'png'), { secondary: true, id: `${what}-png`, title: 'Save the figure as PNG' }),
  ...(csv ? [button('CSV', () => void saveCsv(csv), { secondary: true, id: `${what}-csv`, title: csv === 'runs' ? 'Save every run (state, final loss, success) as CSV' : 'Save the mean ± s.e.m. curves as CSV' })] : []),
];

const report = reportCard(request, (i) => groupColor(i), (message) => showError(message), (what, figure) => exportButtons(what, figure));

const barsSvg = svgEl('svg', { id: 'bars', class: 'bars-svg', role: 'img', 'aria-label': 'Successful runs per initializer' });
const chart = new Chart('Validation loss of the best cell of each initializer, mean ± s.e.m. over seeds', 'curves-chart');
const logToggle = checkbox('Log scale', logY, (v) => {
  logY = v;
  saveState();
  renderCurves();
}, { id: 'log-y' });
const gridsEl = el('div', { id: 'grids', class: 'grids' });
const gridReadout = el('div', { id: 'grid-readout', class: 'chart-readout', 'aria-live': 'polite' });
const cellRuns = el('section', { id: 'cell-runs', class: 'cell-runs', hidden: '', 'aria-label': 'Runs of the selected cell' });

app.replaceChildren(
  el('header', { class: 'panel-header' }, el('div', { class: 'title-row' }, titleEl), configEl, progressEl, errorEl),
  el('div', { class: 'sweep-top' },
    el('section', { class: 'card', 'aria-labelledby': 'bars-title' },
      el('div', { class: 'card-head' }, el('h2', { id: 'bars-title' }, 'Successful runs'),
        el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': 'Export the bar chart' }, ...exportButtons('successes', () => barsSvg, 'runs'))),
      barsSvg),
    el('section', { class: 'card', 'aria-labelledby': 'curves-title' },
      el('div', { class: 'card-head' }, el('h2', { id: 'curves-title' }, 'Validation loss, best cell'),
        el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': 'Chart options and export' }, logToggle, ...exportButtons('curves', () => chart.svg, 'curves'))),
      chart.element)),
  el('section', { class: 'card', 'aria-labelledby': 'grid-title' },
    el('div', { class: 'card-head' }, el('h2', { id: 'grid-title' }, 'Success rate: gain × learning rate'),
      el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': 'Export the grids' }, ...exportButtons('grid', () => gridFigure()))),
    el('p', { class: 'meta hint' }, 'Click a cell, or focus a grid and use the arrow keys and Enter, to list its runs.'),
    gridsEl, gridReadout, cellRuns),
  report.element,
);

function saveState(): void {
  vscode.setState({ dir: data?.dir ?? state.dir, logY, selected: state.selected });
}

async function saveFigure(what: string, svg: SVGSVGElement | undefined, format: 'svg' | 'png'): Promise<void> {
  if (!data || !svg) return;
  const gate = /^motif-gate-(\w+)$/.exec(what)?.[1];
  const title = gate ? `chain-motif profile, gate block ${GATE_LONG[gate] ?? gate}` : FIGURE_TITLES[what] ?? what;
  const fig = standaloneSvg(svg, { title: `${data.name ?? data.id} — ${title}`, subtitle: configEl.textContent ?? '' });
  try {
    await request('saveFigure', { name: what, format, data: await figureData(fig, format) });
  } catch (e) {
    showError((e as Error).message);
  }
}
const FIGURE_TITLES: Record<string, string> = { successes: 'successful runs', curves: 'validation loss of the best cells', grid: 'success rate', motif: 'chain-motif profile' };

async function saveCsv(what: 'runs' | 'curves'): Promise<void> {
  try {
    await request('saveCsv', { what });
  } catch (e) {
    showError((e as Error).message);
  }
}

function onMessage(msg: HostToSweep): void {
  switch (msg.type) {
    case 'data':
      data = msg.data;
      errorEl.hidden = true;
      saveState();
      render();
      break;
    case 'error':
      showError(msg.message);
      if (!data) progressEl.textContent = '';
      break;
    case 'reportProgress':
      report.progress(msg.done, msg.total);
      break;
    case 'response': {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (!w) break;
      if (msg.ok) w.resolve(msg.result);
      else w.reject(Object.assign(new Error(msg.error.message), { kind: msg.error.kind }));
      break;
    }
  }
}

// ---- rendering

function groupColor(i: number): string {
  return runColor(i);
}

const STATE_TEXT: Record<MemberSummary['state'], string> = {
  pending: 'Not started', queued: 'Queued', running: 'Running', completed: 'Completed', diverged: 'Diverged',
  stopped: 'Stopped', interrupted: 'Interrupted', timeout: 'Timed out', cancelled: 'Cancelled', failed: 'Failed',
};

function lrText(lr: number): string {
  return lr.toExponential().replace('e+', 'e').replace('-', '−');
}

function progress(d: SweepPanelData): string {
  const head = d.finished === d.runs ? `all ${d.runs} finished` : `${d.finished} of ${d.runs} finished`;
  const rest = [d.running ? `${d.running} running` : '', d.pending ? `${d.pending} pending` : '', d.unfinished ? `${d.unfinished} unfinished` : ''].filter(Boolean);
  return [head, ...rest].join(' · ') + ` · ${d.successes} succeeded${d.executor ? ` · ${d.executor}${d.job_id ? ` job ${d.job_id}` : ''}` : ''}`;
}

function render(): void {
  if (!data) return;
  const d = data;
  titleEl.textContent = d.name ?? d.id;
  configEl.textContent = [
    d.task ? d.task + (d.task !== 'psmnist' && d.T !== null ? `, T = ${d.T}` : '') : '', d.N !== null ? `N = ${d.N}` : '',
    ...(d.baseline !== null ? [`baseline ${fmt(d.baseline, 3)}`, `success: final validation loss < ${fmt(d.baseline / 2, 3)}`] : ['success: final validation bpc < the text’s unigram entropy']),
  ].filter(Boolean).join(' · ');
  progressEl.textContent = progress(d);
  progressEl.dataset.finished = String(d.finished);
  progressEl.dataset.runs = String(d.runs);
  renderBars(d);
  renderCurves();
  renderGrids(d);
  renderCellRuns();
}

/** Fig. 3 d–f: a horizontal bar per group, successes out of its runs (the finished ones on a lighter bar). */
function renderBars(d: SweepPanelData): void {
  const rowH = 26, left = Math.min(200, 16 + 7 * Math.max(6, ...d.groups.map((g) => g.group.length))), right = 110, top = 8;
  const width = Math.max(320, Math.floor(barsSvg.parentElement?.clientWidth ?? 480) - 24);
  const height = top + rowH * d.groups.length + 28;
  const max = Math.max(1, ...d.groups.map((g) => g.runs));
  const scale = (v: number) => left + ((width - left - right) * v) / max;
  barsSvg.setAttribute('width', String(width));
  barsSvg.setAttribute('height', String(height));
  barsSvg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const parts: SVGElement[] = [];
  d.groups.forEach((g, i) => {
    const y = top + i * rowH;
    const row = svgEl('g', { class: 'bar-row', 'data-group': g.group, 'data-successes': g.successes, 'data-runs': g.runs, 'data-finished': g.finished });
    const color = groupColor(i);
    const track = svgEl('rect', { class: 'bar-track', x: left, y: y + 4, width: scale(g.runs) - left, height: rowH - 10 });
    const fin = svgEl('rect', { class: 'bar-finished', x: left, y: y + 4, width: scale(g.finished) - left, height: rowH - 10 });
    const ok = svgEl('rect', { class: 'bar-success', x: left, y: y + 4, width: scale(g.successes) - left, height: rowH - 10 });
    for (const r of [fin, ok]) r.style.setProperty('--c', color);
    row.append(
      svgEl('text', { class: 'bar-label', x: left - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end' }, g.group),
      track, fin, ok,
      svgEl('text', { class: 'bar-count', x: scale(g.runs) + 6, y: y + rowH / 2 + 4 }, `${g.successes} of ${g.runs}${g.finished < g.runs ? ` (${g.finished} finished)` : ''}`),
      svgEl('title', {}, `${g.group}: ${g.successes} of ${g.runs} runs succeeded, ${g.finished} finished`),
    );
    parts.push(row);
  });
  parts.push(svgEl('text', { class: 'axis-label', x: left, y: height - 6 }, 'successful runs (bar), finished runs (light), of all runs (outline)'));
  barsSvg.replaceChildren(...parts);
  barsSvg.setAttribute('aria-label', `Successful runs per initializer: ${d.groups.map((g) => `${g.group} ${g.successes} of ${g.runs}`).join(', ')}`);
}

/** Fig. 3 a–c: each group's best cell, mean validation loss with a ± s.e.m. band, baseline and success line. */
function renderCurves(): void {
  if (!data) return;
  const d = data;
  const series: Series[] = [];
  const legend: LegendEntry[] = [];
  let xMax = 1;
  const withCurve = d.groups.map((g, i) => ({ g, i })).filter(({ g }) => g.curve && g.curve.update.length);
  for (const { g, i } of withCurve) {
    const c = g.curve!;
    xMax = Math.max(xMax, c.update[c.update.length - 1]);
    const color = groupColor(i);
    series.push({ kind: 'band', x: c.update, lo: c.mean.map((m, k) => m - c.sem[k]), hi: c.mean.map((m, k) => m + c.sem[k]), color });
    const best = g.cells[g.best!];
    legend.push({ label: `${g.group} · gain ${fmt(best.gain, 4)} · lr ${lrText(best.lr)} (${best.finished} ${best.finished === 1 ? 'seed' : 'seeds'})`, color, mark: 'line' });
  }
  for (const { g, i } of withCurve) series.push({ kind: 'line', x: g.curve!.update, y: g.curve!.mean, color: groupColor(i), width: 2, label: g.group });
  const base = baselineLines(withCurve.length && d.baseline !== null ? [d.baseline] : [], xMax);
  series.push(...base.series);
  legend.push(...base.legend);
  const first = withCurve[0];
  const hoverIndex = withCurve.length; // the first mean line (after the bands)
  chart.set({
    xLabel: 'update', yLabel: 'validation loss', yLog: logY, xInteger: true, xInclude: [0, xMax], yInclude: base.yInclude,
    series, legend: { entries: legend }, aspect: 0.55,
    hint: first ? 'Hover or use the arrow keys for the values (first initializer).' : '',
    hover: first ? {
      series: hoverIndex,
      text: (k) => {
        const c = first.g.curve!;
        return `${first.g.group} · update ${c.update[k]} · mean ${fmt(c.mean[k], 4)} ± ${fmt(c.sem[k], 3)} (${c.n[k]} runs)`;
      },
    } : undefined,
    empty: d.finished ? 'No validation losses in the finished runs’ metrics yet.' : 'No run has finished yet: the best cell’s curve appears when one does.',
  });
  chart.element.dataset.groups = String(withCurve.length);
}

const CELL_W = 44, CELL_H = 26;
let lut: Uint32Array | undefined;
/** Cursor of each group's grid (cell index), for the keyboard. */
const cursors = new Map<string, number>();

function cellColor(rate: number): string {
  lut ??= buildLut('viridis', false);
  return lutToCss(lut, Math.round(rate * 255));
}

/** Dark text on the bright end of viridis, light text on the dark end. */
function textOn(rate: number): string {
  return rate > 0.55 ? 'dark' : 'light';
}

function renderGrids(d: SweepPanelData): void {
  const figures = d.groups.map((g, gi) => gridSvg(g, gi));
  gridsEl.replaceChildren(...figures, el('figure', { class: 'grid-figure' }, rateScale()));
}

/** The colour scale of the grids: success rate 0 to 1 (viridis); a cell with no finished run is blank. */
function rateScale(): SVGSVGElement {
  const w = 160, h = 14, top = 44;
  // Steps, not a gradient: a standalone export keeps no ids to refer to.
  const steps = Array.from({ length: 32 }, (_, i) => {
    const r = svgEl('rect', { x: 8 + (i * w) / 32, y: top, width: w / 32 + 0.5, height: h });
    r.style.setProperty('fill', cellColor((i + 0.5) / 32));
    return r;
  });
  return svgEl('svg', { class: 'grid-svg rate-scale', width: w + 16, height: top + h + 34, viewBox: `0 0 ${w + 16} ${top + h + 34}`, role: 'img', 'aria-label': 'Colour scale: success rate from 0 to 1' },
    svgEl('text', { class: 'grid-title', x: 4, y: 12 }, 'success rate'),
    ...steps,
    svgEl('text', { class: 'tick', x: 8, y: top + h + 14, 'text-anchor': 'start' }, '0'),
    svgEl('text', { class: 'tick', x: 8 + w / 2, y: top + h + 14, 'text-anchor': 'middle' }, '0.5'),
    svgEl('text', { class: 'tick', x: 8 + w, y: top + h + 14, 'text-anchor': 'end' }, '1'),
    svgEl('text', { class: 'axis-label', x: 8, y: top + h + 30 }, 'cell: successes / finished'));
}

function gridSvg(g: SweepPanelGroup, gi: number): HTMLElement {
  const left = 62, top = 44, cols = g.lrs.length, rows = g.gains.length;
  const heading = `${g.group} — ${g.successes} of ${g.runs}`;
  const width = Math.max(left + cols * CELL_W + 8, 8 + 7.2 * heading.length), height = top + rows * CELL_H + 10;
  const svg = svgEl('svg', {
    class: 'grid-svg', width, height, viewBox: `0 0 ${width} ${height}`, tabindex: 0, role: 'grid',
    'aria-label': `${g.group}: success rate by gain (rows) and learning rate (columns). Arrow keys move, Enter lists the runs.`,
    'data-group': g.group,
  });
  svg.append(svgEl('text', { class: 'grid-title', x: 4, y: 12 }, heading));
  svg.append(svgEl('text', { class: 'axis-label', x: 4, y: 30 }, 'gain ↓ lr →'));
  g.lrs.forEach((lr, c) => svg.append(svgEl('text', { class: 'tick', x: left + c * CELL_W + CELL_W / 2, y: top - 6, 'text-anchor': 'middle' }, lrText(lr))));
  g.gains.forEach((gain, r) => svg.append(svgEl('text', { class: 'tick', x: left - 6, y: top + r * CELL_H + CELL_H / 2 + 4, 'text-anchor': 'end' }, fmt(gain, 4))));
  const sel = state.selected?.group === g.group ? state.selected.cell : -1;
  const cursor = cursors.get(g.group) ?? -1;
  g.cells.forEach((cell, k) => {
    const r = Math.floor(k / cols), c = k % cols;
    const x = left + c * CELL_W, y = top + r * CELL_H;
    const cls = ['cell', cell.rate === null ? 'empty' : textOn(cell.rate), k === g.best ? 'best' : '', k === sel ? 'selected' : '', k === cursor ? 'cursor' : ''].filter(Boolean).join(' ');
    const gEl = svgEl('g', {
      class: cls, role: 'gridcell', 'aria-selected': String(k === sel), 'data-cell': k, 'data-gain': cell.gain, 'data-lr': cell.lr, 'data-successes': cell.successes,
      'data-finished': cell.finished, 'data-runs': cell.runs, 'data-rate': cell.rate ?? '',
    });
    const rect = svgEl('rect', { x: x + 1, y: y + 1, width: CELL_W - 2, height: CELL_H - 2, rx: 2 });
    if (cell.rate !== null) rect.style.setProperty('--fill', cellColor(cell.rate));
    gEl.append(rect, svgEl('text', { x: x + CELL_W / 2, y: y + CELL_H / 2 + 4, 'text-anchor': 'middle' }, cell.runs ? `${cell.successes}/${cell.finished}` : ''));
    gEl.append(svgEl('title', {}, cellText(g, k)));
    gEl.addEventListener('click', () => selectCell(g, k));
    svg.append(gEl);
  });
  svg.addEventListener('keydown', (e) => onGridKey(e, g));
  svg.addEventListener('focus', () => {
    if (!cursors.has(g.group)) moveCursor(g, g.best ?? 0);
    else gridReadout.textContent = cellText(g, cursors.get(g.group)!);
  });
  const fig = el('figure', { class: 'grid-figure' });
  fig.append(svg);
  fig.dataset.index = String(gi);
  return fig;
}

function cellText(g: SweepPanelGroup, k: number): string {
  const c = g.cells[k];
  const loss = c.mean_final_val_loss !== null ? ` · mean final validation loss ${fmt(c.mean_final_val_loss, 4)} ± ${fmt(c.sem, 3)}` : '';
  return `${g.group} · gain ${fmt(c.gain, 4)} · lr ${lrText(c.lr)}: ${c.successes} of ${c.finished} finished succeeded (${c.runs} runs)${loss}${k === g.best ? ' · best cell' : ''}`;
}

/** Marks the cursor and the selected cell in place (rebuilding the grid would lose a click in progress). */
function markCells(): void {
  for (const svg of gridsEl.querySelectorAll<SVGSVGElement>('svg.grid-svg')) {
    const group = svg.dataset.group!;
    const cursor = cursors.get(group) ?? -1, sel = state.selected?.group === group ? state.selected.cell : -1;
    for (const c of svg.querySelectorAll<SVGGElement>('.cell')) {
      const k = Number(c.dataset.cell);
      c.classList.toggle('cursor', k === cursor);
      c.classList.toggle('selected', k === sel);
      c.setAttribute('aria-selected', String(k === sel));
    }
  }
}

function moveCursor(g: SweepPanelGroup, k: number): void {
  cursors.set(g.group, k);
  gridReadout.textContent = cellText(g, k);
  markCells();
}

function onGridKey(e: KeyboardEvent, g: SweepPanelGroup): void {
  const cols = g.lrs.length, n = g.cells.length;
  const k = cursors.get(g.group) ?? g.best ?? 0;
  const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols };
  if (e.key in moves) {
    e.preventDefault();
    const next = k + moves[e.key];
    if (next >= 0 && next < n && (Math.abs(moves[e.key]) === cols || Math.floor(next / cols) === Math.floor(k / cols))) moveCursor(g, next);
  } else if (e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    moveCursor(g, e.key === 'Home' ? 0 : n - 1);
  } else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    selectCell(g, k);
  }
}

function selectCell(g: SweepPanelGroup, k: number): void {
  state.selected = { group: g.group, cell: k };
  cursors.set(g.group, k);
  saveState();
  markCells();
  renderCellRuns();
  gridReadout.textContent = cellText(g, k);
}

/** The selected cell's runs, each with an Open button (the training panel). */
function renderCellRuns(): void {
  const g = data?.groups.find((x) => x.group === state.selected?.group);
  const cell = g?.cells[state.selected!.cell];
  if (!data || !g || !cell) {
    cellRuns.hidden = true;
    return;
  }
  const byIndex = new Map(data.members.map((m) => [m.index, m]));
  const runs = cell.members.map((i) => byIndex.get(i)).filter((m): m is MemberSummary => !!m);
  cellRuns.hidden = false;
  cellRuns.replaceChildren(
    el('h3', {}, `${g.group} · gain ${fmt(cell.gain, 4)} · lr ${lrText(cell.lr)} — ${cell.successes} of ${cell.finished} finished succeeded`),
    el('table', { class: 'runs-table', id: 'cell-runs-table' },
      el('thead', {}, el('tr', {}, ...['seed', 'state', 'update', 'final validation loss', 'succeeded', ''].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...runs.map((m) => {
        const open = button('Open', () => void openRun(m.name), { secondary: true, title: `Show the training curves of ${m.name}` });
        open.classList.add('open-run');
        return el('tr', { 'data-name': m.name, 'data-state': m.state, 'data-succeeded': String(m.succeeded) },
          el('td', { class: 'num' }, String(m.seed)),
          el('td', {}, STATE_TEXT[m.state]),
          el('td', { class: 'num' }, `${m.update}/${m.updates}`),
          el('td', { class: 'num' }, fmt(m.final_val_loss, 4)),
          el('td', {}, m.succeeded ? 'yes' : FINISHED.has(m.state) ? 'no' : '—'),
          el('td', {}, open));
      }))),
  );
}
const FINISHED = new Set<MemberSummary['state']>(['completed', 'diverged']);

async function openRun(name: string): Promise<void> {
  try {
    await request('openRun', { name });
  } catch (e) {
    showError((e as Error).message);
  }
}

/** Every group's grid side by side in one SVG, for export. */
function gridFigure(): SVGSVGElement | undefined {
  const svgs = [...gridsEl.querySelectorAll<SVGSVGElement>('svg.grid-svg')];
  if (!svgs.length) return undefined;
  const gap = 24;
  const sizes = svgs.map((s) => ({ w: Number(s.getAttribute('width')), h: Number(s.getAttribute('height')) }));
  const width = sizes.reduce((a, s) => a + s.w + gap, 0) - gap, height = Math.max(...sizes.map((s) => s.h));
  // Built inside the page (hidden) so that standaloneSvg can read the computed styles.
  const out = svgEl('svg', { class: 'grid-export', width, height, viewBox: `0 0 ${width} ${height}` });
  let x = 0;
  svgs.forEach((s, i) => {
    const g = svgEl('g', { transform: `translate(${x} 0)`, class: 'grid-svg' });
    for (const c of s.childNodes) g.append(c.cloneNode(true));
    for (const n of g.querySelectorAll('.cursor, .selected')) n.classList.remove('cursor', 'selected');
    out.append(g);
    x += sizes[i].w + gap;
  });
  exportHost.replaceChildren(out);
  return out;
}
const exportHost = el('div', { class: 'export-host', 'aria-hidden': 'true' });
app.append(exportHost);

vscode.post({ type: 'ready' });
