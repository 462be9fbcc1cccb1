/**
 * Training panel webview: one run's training and validation loss against the update, live, with the task's
 * baseline and the success line (baseline / 2); progress, the latest numbers, and the run's actions.
 */
import './panel.css';
import './training.css';
import type { HostToTraining, LossSeries, RunView, TrainingAction, TrainingToHost } from '../src/shared/protocol';
import { connect } from './vscodeApi';
import { el, fmt } from './format';
import { button, checkbox } from './toolkit';
import { Chart, type ChartSpec, type LegendEntry, type Series, themeColor } from './charts';

interface State {
  runId?: string;
  logY?: boolean;
}

/** More points than this are averaged in buckets for drawing (a line of 1e5 points is not more readable). */
const MAX_DRAWN = 2000;

const app = document.getElementById('app')!;
const vscode = connect<HostToTraining, TrainingToHost, State>(onMessage);
const state: State = vscode.getState() ?? {};
let logY = state.logY ?? true;
let run: RunView | undefined;

/** Growing copies of the host's series. */
class Points {
  update = new Float64Array(256);
  loss = new Float64Array(256);
  length = 0;
  reset(s: LossSeries): void {
    this.length = 0;
    this.append(s);
  }
  append(s: LossSeries): void {
    const n = s.update.length;
    if (this.length + n > this.update.length) {
      const cap = Math.max(this.update.length * 2, this.length + n);
      const u = new Float64Array(cap), l = new Float64Array(cap);
      u.set(this.update.subarray(0, this.length));
      l.set(this.loss.subarray(0, this.length));
      this.update = u;
      this.loss = l;
    }
    this.update.set(s.update, this.length);
    this.loss.set(s.loss, this.length);
    this.length += n;
  }
  /** For drawing: every point, or bucket means when there are many. */
  drawn(): { x: Float64Array; y: Float64Array } {
    const n = this.length;
    if (n <= MAX_DRAWN) return { x: this.update.slice(0, n), y: this.loss.slice(0, n) };
    const b = Math.ceil(n / MAX_DRAWN), m = Math.ceil(n / b);
    const x = new Float64Array(m), y = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let sx = 0, sy = 0, c = 0;
      for (let i = k * b; i < Math.min(n, (k + 1) * b); i++) {
        if (!Number.isFinite(this.loss[i])) continue;
        sx += this.update[i];
        sy += this.loss[i];
        c++;
      }
      x[k] = c ? sx / c : this.update[k * b];
      y[k] = c ? sy / c : NaN;
    }
    return { x, y };
  }
}
const train = new Points();
const val = new Points();

// ---- layout, built once

const titleEl = el('h1', { id: 'title' }, 'Training run');
const stateEl = el('span', { id: 'state', class: 'state', role: 'status', 'aria-live': 'polite' });
const actions: Record<TrainingAction, HTMLElement> = {
  stop: button('Stop', () => act('stop'), { id: 'stop', title: 'Checkpoint and stop; Resume continues from there' }),
  resume: button('Resume', () => act('resume'), { id: 'resume', title: 'Continue from the last checkpoint' }),
  openCheckpoint: button('Open Checkpoint', () => act('openCheckpoint'), { id: 'open-checkpoint', secondary: true, title: 'Open the latest checkpoint in the Matrix Inspector' }),
  showLog: button('Show Log', () => act('showLog'), { id: 'show-log', secondary: true, title: "Open the trainer's log.txt" }),
  openFolder: button('Reveal Folder', () => act('openFolder'), { id: 'open-folder', secondary: true, title: 'Show the run folder in the Explorer' }),
};
const configEl = el('p', { id: 'config', class: 'meta' });
const barFill = el('div', { class: 'bar-fill' });
const bar = el('div', { id: 'progress', class: 'bar', role: 'progressbar', 'aria-label': 'Training progress', 'aria-valuemin': '0' }, barFill);
const progressText = el('span', { id: 'progress-text', class: 'meta' });
const errorEl = el('pre', { id: 'error', class: 'error', role: 'alert', hidden: '' });
const numbersEl = el('dl', { id: 'numbers', class: 'numbers' });
const chart = new Chart('Training and validation loss against the update', 'loss-chart');
const logToggle = checkbox('Log scale', logY, (v) => {
  logY = v;
  saveState();
  render();
}, { id: 'log-y' });

app.replaceChildren(
  el('header', { class: 'panel-header' },
    el('div', { class: 'title-row' }, titleEl, stateEl, el('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Run actions' }, ...Object.values(actions))),
    configEl,
    el('div', { class: 'progress-row' }, bar, progressText),
    errorEl),
  numbersEl,
  el('section', { class: 'card', 'aria-labelledby': 'chart-title' },
    el('div', { class: 'card-head' }, el('h2', { id: 'chart-title' }, 'Loss'), el('div', { class: 'card-tools' }, logToggle)),
    chart.element),
);

function act(action: TrainingAction): void {
  vscode.post({ type: 'action', action });
}

function saveState(): void {
  vscode.setState({ runId: run?.id ?? state.runId, logY });
}

function onMessage(msg: HostToTraining): void {
  switch (msg.type) {
    case 'run':
      run = msg.run;
      train.reset(msg.train);
      val.reset(msg.val);
      saveState();
      break;
    case 'points':
      train.append(msg.train);
      val.append(msg.val);
      break;
    case 'status':
      run = msg.run;
      break;
  }
  scheduleRender();
}

/** Messages come in bursts: draw at most every 100 ms (a timer, not requestAnimationFrame, which a webview in the
 * background may never run). */
let pending: ReturnType<typeof setTimeout> | undefined;
function scheduleRender(): void {
  pending ??= setTimeout(() => {
    pending = undefined;
    render();
  }, 100);
}

const STATE_TEXT: Record<RunView['state'], string> = {
  queued: 'Queued', running: 'Running', completed: 'Completed', stopped: 'Stopped', diverged: 'Diverged',
  failed: 'Failed', interrupted: 'Interrupted', pending: 'Not started',
};

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function render(): void {
  if (!run) return;
  const r = run;
  titleEl.textContent = r.label;
  const succeeded = r.state === 'completed' && r.succeeded;
  stateEl.textContent = succeeded ? 'Succeeded' : STATE_TEXT[r.state];
  stateEl.dataset.state = succeeded ? 'succeeded' : r.state;
  const c = r.config;
  configEl.textContent = [
    c.task + (c.task === 'psmnist' || c.T === undefined ? '' : `, T = ${c.T}`),
    c.N !== undefined ? `N = ${c.N}` : '', c.init ?? '', c.lr !== undefined ? `lr ${c.lr.toExponential().replace('e+', 'e')}` : '', c.seed !== undefined ? `seed ${c.seed}` : '',
    r.id !== r.label ? r.id : '',
  ].filter(Boolean).join(' · ');

  const active = r.state === 'running' || r.state === 'queued';
  actions.stop.hidden = !active;
  actions.resume.hidden = !['stopped', 'diverged', 'failed', 'interrupted', 'pending'].includes(r.state);
  actions.openCheckpoint.hidden = !r.checkpoint;

  // A completed run is done even when it stopped early (validation below early_stop).
  const f = r.state === 'completed' ? 1 : r.updates > 0 ? Math.min(1, r.update / r.updates) : 0;
  barFill.style.width = `${(100 * f).toFixed(2)}%`;
  bar.setAttribute('aria-valuemax', String(r.updates));
  bar.setAttribute('aria-valuenow', String(r.update));
  bar.dataset.state = stateEl.dataset.state;
  const left = r.state === 'running' && r.msPerUpdate ? ` · ${duration((r.updates - r.update) * r.msPerUpdate)} left` : '';
  const early = r.state === 'completed' && r.update < r.updates ? ' (stopped early: validation loss below the early-stop threshold)' : '';
  progressText.textContent = `update ${r.update} of ${r.updates}${early}${r.msPerUpdate ? ` · ${r.msPerUpdate.toFixed(1)} ms/update` : ''}${left}`;
  errorEl.hidden = !r.error;
  errorEl.textContent = r.error ?? '';

  const numbers: [string, string, number | null][] = [
    ['train', 'Training loss', r.trainLoss],
    ['val', 'Validation loss', r.valLoss],
    ['best', 'Best validation', r.bestValLoss],
    ['baseline', 'Baseline', r.baseline],
    ['success', 'Success below', r.baseline !== null ? r.baseline / 2 : null],
  ];
  numbersEl.replaceChildren(...numbers.map(([key, label, v]) => el('div', { class: 'number', 'data-key': key, 'data-value': String(v ?? '') },
    el('dt', {}, label), el('dd', {}, fmt(v, 4)))));
  renderChart(r);
}

function renderChart(r: RunView): void {
  const t = train.drawn(), v = val.drawn();
  const xMax = Math.max(r.updates, t.x.length ? t.x[t.x.length - 1] : 0, 1);
  const series: Series[] = [
    { kind: 'line', x: t.x, y: t.y, color: themeColor('blue'), width: 1.2, label: 'training loss' },
    { kind: 'line', x: v.x, y: v.y, color: themeColor('orange'), width: 2, label: 'validation loss' },
    { kind: 'points', x: v.x, y: v.y, color: themeColor('orange'), radius: v.x.length > 60 ? 1.8 : 3 },
  ];
  const legend: LegendEntry[] = [
    { label: 'training', color: themeColor('blue'), mark: 'line' },
    { label: 'validation', color: themeColor('orange'), mark: 'line' },
  ];
  const yInclude: number[] = [];
  if (r.baseline !== null && Number.isFinite(r.baseline)) {
    series.push(
      { kind: 'line', x: [0, xMax], y: [r.baseline, r.baseline], color: themeColor('foreground'), width: 1, dash: '6 4', label: 'baseline' },
      { kind: 'line', x: [0, xMax], y: [r.baseline / 2, r.baseline / 2], color: themeColor('green'), width: 1, dash: '2 3', label: 'success' },
    );
    legend.push(
      { label: `baseline ${fmt(r.baseline, 3)}`, color: themeColor('foreground'), mark: 'dash' },
      { label: `success < ${fmt(r.baseline / 2, 3)}`, color: themeColor('green'), mark: 'dash' },
    );
    yInclude.push(r.baseline, r.baseline / 2);
  }
  const spec: ChartSpec = {
    xLabel: 'update',
    yLabel: 'loss',
    yLog: logY,
    xInteger: true,
    xInclude: [0, xMax],
    yInclude,
    series,
    legend: { entries: legend },
    aspect: 0.5,
    hint: train.length ? 'Hover or use the arrow keys for the values.' : '',
    hover: train.length
      ? { series: 0, text: (i) => `update ${Math.round(t.x[i])} · training loss ${fmt(t.y[i], 4)}${nearestVal(t.x[i], v)}` }
      : undefined,
    empty: r.state === 'queued' ? 'Waiting for a free slot…' : 'No losses yet: the first points appear after the first update.',
  };
  // Live updates redraw often: keep a keyboard or hover cursor where it was.
  const cursor = chart.readout.dataset.index;
  chart.set(spec);
  if (cursor !== undefined && Number(cursor) < t.x.length) chart.setCursor(Number(cursor));
  chart.element.dataset.trainPoints = String(train.length);
  chart.element.dataset.valPoints = String(val.length);
}

/** The validation loss measured at or just before update u. */
function nearestVal(u: number, v: { x: Float64Array; y: Float64Array }): string {
  let k = -1;
  for (let i = 0; i < v.x.length && v.x[i] <= u; i++) k = i;
  return k < 0 ? '' : ` · validation ${fmt(v.y[k], 4)} (update ${Math.round(v.x[k])})`;
}

vscode.post({ type: 'ready' });
