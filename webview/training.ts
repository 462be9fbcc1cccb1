/**
 * Training panel webview: one run's training and validation loss against the update, live, with the task's
 * baseline and the success line (baseline / 2); progress, the latest numbers, and the run's actions. The same page
 * overlays several runs (Compare Training Curves), each named by the settings that differ between them. The chart
 * exports as SVG / PNG (export.ts) and its points as CSV (written by the host).
 */
import './panel.css';
import './training.css';
import type { CheckpointRef, HostToTraining, LossSeries, RunCurves, RunView, SampleRequest, TrainingAction, TrainingToHost } from '../src/shared/protocol';
import { connect } from './vscodeApi';
import { el, fmt } from './format';
import { button, checkbox } from './toolkit';
import { Chart, baselineLines, runColor, type ChartSpec, type LegendEntry, type Series, themeColor } from './charts';
import { figureData, standaloneSvg } from './export';

interface State {
  runId?: string;
  /** A comparison's runs (what its serializer reopens). */
  runIds?: string[];
  logY?: boolean;
  showTrain?: boolean;
  /** The sampler's settings (language models). */
  sample?: SampleRequest;
}

/** More points than this are averaged in buckets for drawing (a line of 1e5 points is not more readable). */
const MAX_DRAWN = 2000;

const app = document.getElementById('app')!;
const vscode = connect<HostToTraining, TrainingToHost, State>(onMessage);
const state: State = vscode.getState() ?? {};
let logY = state.logY ?? true;
let showTrain = state.showTrain ?? true;
let run: RunView | undefined;
/** Set in a comparison (several runs overlaid) instead of `run`. */
let compared: { runs: RunCurves[]; differing: string[] } | undefined;

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
    return downsample(this.update, this.loss, this.length);
  }
}

/** The first `n` points for drawing: all of them, or bucket means when there are more than MAX_DRAWN. */
function downsample(update: Float64Array, loss: Float64Array, n: number): { x: Float64Array; y: Float64Array } {
  if (n <= MAX_DRAWN) return { x: update.slice(0, n), y: loss.slice(0, n) };
  const b = Math.ceil(n / MAX_DRAWN), m = Math.ceil(n / b);
  const x = new Float64Array(m), y = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let sx = 0, sy = 0, c = 0;
    for (let i = k * b; i < Math.min(n, (k + 1) * b); i++) {
      if (!Number.isFinite(loss[i])) continue;
      sx += update[i];
      sy += loss[i];
      c++;
    }
    x[k] = c ? sx / c : update[k * b];
    y[k] = c ? sy / c : NaN;
  }
  return { x, y };
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
  trajectory: button('Weight Trajectory', () => act('trajectory'), { id: 'show-trajectory', secondary: true, title: 'How training reshaped W, checkpoint by checkpoint' }),
  openFolder: button('Reveal Folder', () => act('openFolder'), { id: 'open-folder', secondary: true, title: 'Show the run folder in the Explorer' }),
};
const configEl = el('p', { id: 'config', class: 'meta' });
const barFill = el('div', { class: 'bar-fill' });
const bar = el('div', { id: 'progress', class: 'bar', role: 'progressbar', 'aria-label': 'Training progress', 'aria-valuemin': '0' }, barFill);
const progressText = el('span', { id: 'progress-text', class: 'meta' });
const errorEl = el('pre', { id: 'error', class: 'error', role: 'alert', hidden: '' });
const numbersEl = el('dl', { id: 'numbers', class: 'numbers' });
const chartTitle = el('h2', { id: 'chart-title' }, 'Loss');
const chart = new Chart('Training and validation loss against the update', 'loss-chart');
const logToggle = checkbox('Log scale', logY, (v) => {
  logY = v;
  saveState();
  render();
}, { id: 'log-y' });
const trainToggle = checkbox('Training loss', showTrain, (v) => {
  showTrain = v;
  saveState();
  render();
}, { id: 'show-train' });
trainToggle.hidden = true;
const exportTools = [
  button('SVG', () => void saveFigure('svg'), { secondary: true, id: 'export-svg', title: 'Save the chart as SVG' }),
  button('PNG', () => void saveFigure('png'), { secondary: true, id: 'export-png', title: 'Save the chart as PNG' }),
  button('CSV', () => vscode.post({ type: 'saveData' }), { secondary: true, id: 'export-csv', title: 'Save every point of the curves as CSV' }),
];
const actionsEl = el('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Run actions' }, ...Object.values(actions));
const progressRow = el('div', { class: 'progress-row' }, bar, progressText);
/** A comparison's runs: name, state, progress, losses. */
const runsTable = el('table', { id: 'runs-table', class: 'runs-table', hidden: '' });

app.replaceChildren(
  el('header', { class: 'panel-header' },
    el('div', { class: 'title-row' }, titleEl, stateEl, actionsEl),
    configEl,
    progressRow,
    errorEl),
  numbersEl,
  runsTable,
  el('section', { class: 'card', 'aria-labelledby': 'chart-title' },
    el('div', { class: 'card-head' }, chartTitle, el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': 'Chart options and export' }, trainToggle, logToggle, ...exportTools)),
    chart.element),
);

// ---- language models: text sampled from a checkpoint, streamed as it is generated (the card is added below)

let sampleSettings: SampleRequest = { prompt: '', length: 500, temperature: 1, seed: 1, ...state.sample };
let checkpoints: CheckpointRef[] = [];
const sampleEls = {
  card: el('section', { id: 'sample-card', class: 'card sample-card', 'aria-labelledby': 'sample-title', hidden: '' }),
  checkpoint: el('select', { id: 'sample-checkpoint', class: 'select-input', 'aria-label': 'Checkpoint to sample from' }),
  prompt: el('input', { id: 'sample-prompt', class: 'text-input', type: 'text', spellcheck: 'false', placeholder: '(none)', 'aria-label': 'Prompt: the text the sample continues' }),
  length: el('input', { id: 'sample-length', class: 'num-input', type: 'number', min: '1', max: '100000', step: '1', 'aria-label': 'Characters to generate' }),
  temperature: el('input', { id: 'sample-temperature', class: 'num-input', type: 'number', min: '0', max: '100', step: '0.1', 'aria-label': 'Temperature (0: greedy)' }),
  seed: el('input', { id: 'sample-seed', class: 'num-input', type: 'number', min: '0', step: '1', 'aria-label': 'Seed' }),
  text: el('pre', { id: 'sample-text', class: 'sample-text', role: 'log', 'aria-live': 'polite', 'aria-label': 'Sampled text', tabindex: '0' }),
  status: el('p', { id: 'sample-status', class: 'meta', role: 'status' }),
  sampleButton: button('Sample', () => startSample(), { id: 'sample-start', title: 'Generate text from the chosen checkpoint (Enter in a field)' }),
  stopButton: button('Stop', () => vscode.post({ type: 'cancelSample' }), { id: 'sample-stop', secondary: true, title: 'Stop generating (the text so far stays)' }),
};

function sampleCard(): HTMLElement {
  const e = sampleEls;
  e.prompt.value = sampleSettings.prompt;
  e.length.value = String(sampleSettings.length);
  e.temperature.value = String(sampleSettings.temperature);
  e.seed.value = String(sampleSettings.seed);
  e.stopButton.hidden = true;
  const field = (label: string, input: HTMLElement) => el('label', { class: 'control' }, el('span', { class: 'control-label' }, label), input);
  for (const input of [e.prompt, e.length, e.temperature, e.seed]) {
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') startSample(); });
  }
  e.card.append(
    el('div', { class: 'card-head' }, el('h2', { id: 'sample-title' }, 'What the model learned: sample text')),
    el('div', { class: 'sample-controls', role: 'group', 'aria-label': 'Sampling settings' },
      field('Checkpoint', e.checkpoint), field('Prompt', e.prompt), field('Length', e.length),
      field('Temperature', e.temperature), field('Seed', e.seed), e.sampleButton, e.stopButton),
    el('p', { class: 'meta hint' }, 'Temperature 0 takes the most probable character each step (greedy); higher is more varied. The same seed gives the same text.'),
    e.status,
    e.text,
  );
  return e.card;
}

/** The settings in the fields, or a message naming the first bad one. */
function readSampleSettings(): SampleRequest | string {
  const e = sampleEls;
  const length = Number(e.length.value), temperature = Number(e.temperature.value), seed = Number(e.seed.value);
  if (!Number.isInteger(length) || length < 1 || length > 100000) return 'Length must be a whole number from 1 to 100000.';
  if (e.temperature.value.trim() === '' || !Number.isFinite(temperature) || temperature < 0 || temperature > 100) return 'Temperature must be a number from 0 (greedy) to 100.';
  if (!Number.isSafeInteger(seed) || seed < 0) return 'Seed must be a whole number ≥ 0.';
  return { prompt: e.prompt.value, length, temperature, seed };
}

function startSample(): void {
  const s = readSampleSettings();
  if (typeof s === 'string') {
    sampleEls.status.textContent = s;
    sampleEls.status.dataset.state = 'error';
    return;
  }
  sampleSettings = s;
  saveState();
  vscode.post({ type: 'sample', folder: sampleEls.checkpoint.value || undefined, options: s });
}

function setCheckpoints(list: CheckpointRef[]): void {
  const chosen = sampleEls.checkpoint.value;
  const latest = chosen === '' || !checkpoints.some((c) => c.folder === chosen);
  checkpoints = list;
  sampleEls.checkpoint.replaceChildren(
    el('option', { value: '' }, list.length ? `latest (update ${list[list.length - 1].update})` : 'latest'),
    ...[...list].reverse().map((c) => el('option', { value: c.folder }, `update ${c.update}`)),
  );
  sampleEls.checkpoint.value = latest ? '' : chosen;
  renderSampleState();
}

let sampleRunning = false;
function onSample(msg: Extract<HostToTraining, { type: 'sample' }>): void {
  const e = sampleEls;
  switch (msg.event) {
    case 'start':
      sampleRunning = true;
      e.text.textContent = sampleSettings.prompt;
      e.text.dataset.prompt = String(Array.from(sampleSettings.prompt).length);
      e.status.textContent = 'Generating…';
      e.status.dataset.state = 'running';
      break;
    case 'chunk':
      e.text.append(msg.text);
      break;
    case 'end':
      sampleRunning = false;
      e.status.textContent = `${msg.length} characters in ${(msg.ms / 1000).toFixed(1)} s${msg.stopped ? ' (stopped)' : ''}, temperature ${sampleSettings.temperature}, seed ${sampleSettings.seed}.`;
      e.status.dataset.state = msg.stopped ? 'stopped' : 'done';
      break;
    case 'error':
      sampleRunning = false;
      e.status.textContent = msg.error.message;
      e.status.dataset.state = 'error';
      break;
  }
  renderSampleState();
}

app.append(sampleCard());

function renderSampleState(): void {
  const e = sampleEls;
  e.card.hidden = !run || run.config.task !== 'charlm' || !!compared;
  e.stopButton.hidden = !sampleRunning;
  const none = !checkpoints.length;
  e.sampleButton.toggleAttribute('disabled', none);
  if (none && !sampleRunning && e.status.dataset.state !== 'error') e.status.textContent = 'No checkpoint yet: the first is written at update 0.';
  else if (!none && e.status.textContent?.startsWith('No checkpoint yet')) e.status.textContent = '';
}

/** The chart as a standalone figure, titled by the run (or the comparison) and its settings. */
async function saveFigure(format: 'svg' | 'png'): Promise<void> {
  if (!run && !compared) return;
  const title = compared ? titleEl.textContent ?? 'Training curves' : `${run!.label} — loss`;
  const fig = standaloneSvg(chart.svg, { title, subtitle: configEl.textContent ?? '' });
  vscode.post({ type: 'saveFigure', name: compared ? 'training-curves' : run!.label, format, data: await figureData(fig, format) });
}

function act(action: TrainingAction): void {
  vscode.post({ type: 'action', action });
}

function saveState(): void {
  vscode.setState({ runId: run?.id ?? state.runId, runIds: compared?.runs.map((r) => r.run.id) ?? state.runIds, logY, showTrain, sample: sampleSettings });
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
    case 'compare':
      compared = { runs: msg.runs, differing: msg.differing };
      saveState();
      break;
    case 'checkpoints':
      setCheckpoints(msg.checkpoints);
      return;
    case 'sample':
      onSample(msg);
      return;
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
  if (compared) return renderCompare(compared.runs, compared.differing);
  if (!run) return;
  const r = run;
  titleEl.textContent = r.label;
  trainToggle.hidden = true;
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
  actions.trajectory.hidden = !r.checkpoint;

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

  // Language models: losses in bits per character; success is beating the characters' frequencies alone.
  const lm = c.task === 'charlm';
  const numbers: [string, string, number | null][] = [
    ['train', lm ? 'Training bpc' : 'Training loss', r.trainLoss],
    ['val', lm ? 'Validation bpc' : 'Validation loss', r.valLoss],
    ['best', 'Best validation', r.bestValLoss],
    ['baseline', lm ? 'Unigram entropy' : 'Baseline', r.baseline],
    ['success', 'Success below', r.baseline !== null ? (lm ? r.baseline : r.baseline / 2) : null],
  ];
  numbersEl.replaceChildren(...numbers.map(([key, label, v]) => el('div', { class: 'number', 'data-key': key, 'data-value': String(v ?? '') },
    el('dt', {}, label), el('dd', {}, fmt(v, 4)))));
  renderChart(r);
  renderSampleState();
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
  const lm = r.config.task === 'charlm';
  const known = r.baseline !== null && Number.isFinite(r.baseline);
  // Language models: one line, the text's unigram entropy, which a model succeeds by beating.
  const base = lm
    ? known
      ? {
        series: [{ kind: 'line', x: [0, xMax], y: [r.baseline!, r.baseline!], color: themeColor('foreground'), width: 1, dash: '6 4', label: 'unigram entropy' }] as Series[],
        legend: [{ label: `unigram entropy ${fmt(r.baseline, 3)} bpc (success below)`, color: themeColor('foreground'), mark: 'dash' }] as LegendEntry[],
        yInclude: [r.baseline!],
      }
      : { series: [], legend: [], yInclude: [] }
    : baselineLines(known ? [r.baseline!] : [], xMax);
  series.push(...base.series);
  legend.push(...base.legend);
  const unit = lm ? 'bits per character' : 'loss';
  chartTitle.textContent = lm ? 'Bits per character' : 'Loss';
  const spec: ChartSpec = {
    ...lossAxes(xMax, base.yInclude, unit),
    series,
    legend: { entries: legend },
    aspect: 0.5,
    hint: train.length ? 'Hover or use the arrow keys for the values.' : '',
    hover: train.length
      ? { series: 0, text: (i) => `update ${Math.round(t.x[i])} · training ${lm ? 'bpc' : 'loss'} ${fmt(t.y[i], 4)}${nearestVal(t.x[i], v)}` }
      : undefined,
    empty: r.state === 'queued' ? 'Waiting for a free slot…' : 'No losses yet: the first points appear after the first update.',
  };
  // Live updates redraw often: keep a keyboard or hover cursor where it was.
  const cursor = chart.readout.dataset.index;
  chart.set(spec);
  if (cursor !== undefined && Number(cursor) < t.x.length) chart.setCursor(Number(cursor));
  chart.element.dataset.trainPoints = String(train.length);
  chart.element.dataset.valPoints = String(val.length);
  chart.element.dataset.unit = lm ? 'bpc' : 'loss';
}

/** Loss (or `yLabel`) against update, from 0 to the last update planned, log or linear as the checkbox says. */
function lossAxes(xMax: number, yInclude: number[], yLabel = 'loss'): Pick<ChartSpec, 'xLabel' | 'yLabel' | 'yLog' | 'xInteger' | 'xInclude' | 'yInclude'> {
  return { xLabel: 'update', yLabel, yLog: logY, xInteger: true, xInclude: [0, xMax], yInclude };
}

const FIELD_WORDS: Record<string, string> = { T: 'T', N: 'N', lr: 'learning rate', init: 'initializer', clip_norm: 'clip norm', train_size: 'training set', val_size: 'validation set', early_stop: 'early stop' };

function renderCompare(runs: RunCurves[], differing: string[]): void {
  titleEl.textContent = `Training curves of ${runs.length} runs`;
  for (const e of [stateEl, actionsEl, progressRow, numbersEl, errorEl]) e.hidden = true;
  trainToggle.hidden = false;
  configEl.textContent = differing.length
    ? `The runs differ in ${differing.map((k) => FIELD_WORDS[k] ?? k).join(', ')}; solid: validation loss${showTrain ? ', dotted: training loss' : ''}.`
    : 'The runs have the same settings.';
  runsTable.hidden = false;
  runsTable.replaceChildren(
    el('thead', {}, el('tr', {}, ...['', 'run', 'state', 'update', 'validation', 'best validation'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...runs.map((c, i) => {
      const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = runColor(i);
      const succeeded = c.run.state === 'completed' && c.run.succeeded;
      return el('tr', { 'data-run': c.run.id, 'data-state': succeeded ? 'succeeded' : c.run.state },
        el('td', {}, swatch), el('td', { title: c.run.id }, c.label), el('td', {}, succeeded ? 'Succeeded' : STATE_TEXT[c.run.state]),
        el('td', { class: 'num' }, `${c.run.update}/${c.run.updates}`), el('td', { class: 'num' }, fmt(c.run.valLoss, 4)), el('td', { class: 'num' }, fmt(c.run.bestValLoss, 4)));
    })),
  );

  const series: Series[] = [];
  const legend: LegendEntry[] = [];
  let xMax = 1;
  runs.forEach((c, i) => {
    const v = downsample(c.val.update, c.val.loss, c.val.update.length);
    // The hovered series first (index 0): the first run's validation loss.
    series.push({ kind: 'line', x: v.x, y: v.y, color: runColor(i), width: 2, label: `${c.label} validation` });
    legend.push({ label: c.label, color: runColor(i), mark: 'line' });
    xMax = Math.max(xMax, c.run.updates, c.train.update[c.train.update.length - 1] ?? 0);
  });
  if (showTrain) {
    runs.forEach((c, i) => {
      const t = downsample(c.train.update, c.train.loss, c.train.update.length);
      series.push({ kind: 'line', x: t.x, y: t.y, color: runColor(i), width: 0.8, dash: '2 2', label: `${c.label} training` });
    });
    legend.push({ label: 'training (dotted)', color: themeColor('foreground'), mark: 'dash' });
  }
  // One baseline per task and length among the runs.
  const base = baselineLines([...new Set(runs.map((c) => c.run.baseline).filter((b): b is number => b !== null && Number.isFinite(b)))], xMax);
  series.push(...base.series);
  legend.push(...base.legend);
  const first = runs[0];
  const v0 = first ? downsample(first.val.update, first.val.loss, first.val.update.length) : undefined;
  // Tall enough for the legend beside the plot (16 px an entry).
  const width = chart.element.clientWidth || 600;
  chart.set({
    ...lossAxes(xMax, base.yInclude),
    series,
    legend: { title: differing.length ? differing.map((k) => FIELD_WORDS[k] ?? k).join(' · ') : undefined, entries: legend },
    aspect: Math.max(0.5, (legend.length * 16 + 80) / width),
    hint: v0?.x.length ? `Hover or use the arrow keys for ${first.label}'s validation losses.` : '',
    hover: v0?.x.length ? { series: 0, text: (i) => `${first.label} · update ${Math.round(v0.x[i])} · validation loss ${fmt(v0.y[i], 4)}` } : undefined,
    empty: 'No losses yet.',
  });
  chart.element.dataset.runs = String(runs.length);
  chart.element.dataset.valPoints = String(runs.reduce((n, c) => n + c.val.update.length, 0));
}

/** The validation loss measured at or just before update u. */
function nearestVal(u: number, v: { x: Float64Array; y: Float64Array }): string {
  let k = -1;
  for (let i = 0; i < v.x.length && v.x[i] <= u; i++) k = i;
  return k < 0 ? '' : ` · validation ${fmt(v.y[k], 4)} (update ${Math.round(v.x[k])})`;
}

vscode.post({ type: 'ready' });
