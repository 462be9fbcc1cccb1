/**
 * The sweep panel's Table 2 and Fig. 5 card: on request (a button: it analyses every finished run's first and last
 * checkpoints in a child process of the CLI, `sweep-report --json`), the Henrici departure at initialization and
 * after training per initializer (mean ± s.e.m.) and the chain-motif profiles before (dashed) and after (solid)
 * training, mean ± s.e.m. bands, over the successful runs or, ticked, every finished run; for an LSTM / GRU sweep the
 * same profiles per recurrent gate block, one chart each. Every chart exports as SVG / PNG. Progress and Cancel while it
 * runs. docs/sweep-panel.md.
 */
import type { SweepMethod, SweepRequests } from '../src/shared/protocol';
import type { MotifRow, SweepReport } from '../src/sweeps/types';
import { el, fmt, GATE_LONG } from './format';
import { button, checkbox } from './toolkit';
import { Chart, type LegendEntry, type Series } from './charts';

type Request = <M extends SweepMethod>(method: M, params: SweepRequests[M]['params']) => Promise<SweepRequests[M]['result']>;
/** The panel's SVG / PNG buttons for a figure (`what` names the saved file and the buttons' ids). */
type ExportTools = (what: string, figure: () => SVGSVGElement | undefined) => HTMLElement[];
/** Before- and after-training profiles, mean ± s.e.m. per offset: a whole matrix's or one gate block's. */
type Profiles = Pick<MotifRow, 'before_mean' | 'before_sem' | 'after_mean' | 'after_sem'>;

/** Offsets i − j shown (the profiles span −(N−1) … N−1; the motif lives at small offsets). */
const WINDOW = 10;

export interface ReportCard {
  element: HTMLElement;
  chart: Chart;
  progress(done: number, total: number): void;
}

export function reportCard(request: Request, color: (i: number) => string, onError: (message: string) => void, exportTools: ExportTools): ReportCard {
  let all = false;
  let running = false;
  let report: SweepReport | undefined;
  const status = el('p', { id: 'report-status', class: 'meta', role: 'status', 'aria-live': 'polite' },
    'Not computed yet: the button analyses every finished run’s first and last checkpoints (cached in each run’s folder).');
  const table = el('table', { id: 'table2', class: 'runs-table', hidden: '' });
  const chart = new Chart('Chain-motif profile before and after training, mean ± s.e.m.', 'motif-chart');
  const motifTitle = el('h3', { id: 'motif-title' }, 'Chain-motif profile');
  const motifBlock = el('div', { id: 'motif-block', class: 'motif-block', hidden: '' },
    el('div', { class: 'fig-head' }, motifTitle, el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': 'Export the motif profile' }, ...exportTools('motif', () => chart.svg))),
    chart.element);
  /** LSTM / GRU sweeps: a chart per gate block (made when a report first has the gate). */
  const gateCharts = new Map<string, { block: HTMLElement; chart: Chart }>();
  const gatesEl = el('div', { id: 'gate-motifs', class: 'gate-motifs', hidden: '' });
  const compute = button('Compute Table 2 and motif', () => void run(), { id: 'report-compute', title: 'Analyse the runs’ initial and final checkpoints (off the editor, in a child process)' });
  const cancel = button('Cancel', () => void request('cancelReport', {}).catch((e) => onError((e as Error).message)), { secondary: true, id: 'report-cancel' });
  cancel.hidden = true;
  const allBox = checkbox('All finished runs (not only successful)', all, (v) => {
    all = v;
  }, { id: 'report-all' });

  async function run(): Promise<void> {
    if (running) return;
    running = true;
    compute.setAttribute('disabled', '');
    cancel.hidden = false;
    status.textContent = 'Analysing…';
    try {
      const r = (await request('computeReport', { all })).report;
      if (r) {
        report = r;
        render();
      } else {
        status.textContent = report ? 'Cancelled: showing the previous result.' : 'Cancelled.';
      }
    } catch (e) {
      status.textContent = '';
      onError((e as Error).message);
    } finally {
      running = false;
      compute.removeAttribute('disabled');
      cancel.hidden = true;
    }
  }

  function render(): void {
    const r = report!;
    const inits = Object.keys(r.table2);
    status.textContent = `${r.rule === 'all' ? 'Every finished run' : 'Successful runs'}: ${r.analysed_runs} runs, ` +
      `${r.computed_checkpoints} checkpoints analysed now (the others from the cache). Mean ± s.e.m.`;
    const pm = (m: number | null, s: number | null) => (m === null ? '—' : `${fmt(m, 4)} ± ${fmt(s, 2)}`);
    table.replaceChildren(
      el('caption', {}, 'Henrici departure from normality d(W) = √(‖W‖²_F − Σ|λ|²), at initialization and after training'),
      el('thead', {}, el('tr', {}, ...['Initializer', 'n', 'd(W) at init', 'd(W) trained', 'd/‖W‖_F at init', 'd/‖W‖_F trained'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...inits.map((k) => {
        const t = r.table2[k];
        return el('tr', { 'data-init': k },
          el('th', { scope: 'row' }, k),
          el('td', { title: `${t.successes} of ${t.finished} finished runs succeeded (${t.runs} runs)` }, String(t.n)),
          el('td', {}, pm(t.henrici_init_mean, t.henrici_init_sem)),
          el('td', {}, pm(t.henrici_mean, t.henrici_sem)),
          el('td', {}, pm(t.henrici_normalized_init_mean, t.henrici_normalized_init_sem)),
          el('td', {}, pm(t.henrici_normalized_mean, t.henrici_normalized_sem)));
      })),
    );
    table.hidden = false;

    // Gated sweeps: the whole-matrix fields are the candidate block's (LSTM c, GRU h).
    const gates = Object.keys(inits.map((k) => r.motif[k].gates).find((g) => g) ?? {});
    const candidate = gates.includes('c') ? 'c' : gates.includes('h') ? 'h' : null;
    motifTitle.textContent = candidate ? `Chain-motif profile of the candidate block ${candidate} (${GATE_LONG[candidate]})` : 'Chain-motif profile';
    motifBlock.hidden = false;
    plotProfiles(chart, r, inits, (m) => m);
    for (const [g, c] of gateCharts) c.block.hidden = !gates.includes(g);
    for (const g of gates) {
      let c = gateCharts.get(g);
      if (!c) {
        const gateChart = new Chart(`Gate block ${g}: chain-motif profile before and after training, mean ± s.e.m.`, `motif-gate-${g}`);
        const block = el('div', { class: 'gate-motif', 'data-gate': g },
          el('div', { class: 'fig-head' }, el('h3', {}, `Gate block ${g} (${GATE_LONG[g] ?? g})`),
            el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': `Export gate block ${g}` }, ...exportTools(`motif-gate-${g}`, () => gateChart.svg))),
          gateChart.element);
        gateCharts.set(g, c = { block, chart: gateChart });
        gatesEl.append(block);
      }
      plotProfiles(c.chart, r, inits, (m) => m.gates?.[g]);
    }
    gatesEl.hidden = !gates.length;
  }

  /** Each initializer's before (dashed) and after (solid) profiles, ± s.e.m. bands, for offsets −WINDOW … WINDOW. */
  function plotProfiles(target: Chart, r: SweepReport, inits: string[], pick: (m: MotifRow) => Profiles | undefined): void {
    const series: Series[] = [], lines: Series[] = [];
    const legend: LegendEntry[] = [];
    inits.forEach((k, i) => {
      const m = r.motif[k];
      const p = pick(m);
      if (!m.n || !p) return;
      const idx = m.offsets.map((o, j) => (Math.abs(o) <= WINDOW ? j : -1)).filter((j) => j >= 0);
      const x = idx.map((j) => m.offsets[j]);
      const c = color(i);
      for (const [what, mean, sem, dash] of [['before', p.before_mean, p.before_sem, '4 3'], ['after', p.after_mean, p.after_sem, undefined]] as const) {
        if (!mean.length) continue;
        // null: no run has a pair of units at that order difference (a gap in the curve, not a zero)
        const y = idx.map((j) => mean[j] ?? NaN);
        series.push({ kind: 'band', x, lo: idx.map((j) => (mean[j] ?? NaN) - (sem[j] ?? NaN)), hi: idx.map((j) => (mean[j] ?? NaN) + (sem[j] ?? NaN)), color: c });
        lines.push({ kind: 'line', x, y, color: c, width: 2, dash, label: `${k} ${what}` });
      }
      legend.push({ label: `${k} (n ${m.n})`, color: c, mark: 'line' });
    });
    if (lines.length) legend.push({ label: 'before training', color: '#888888', mark: 'dash' }, { label: 'after training', color: '#888888', mark: 'line' });
    target.set({
      xLabel: 'order difference i − j (units ordered by peak step after a pulse)', yLabel: 'mean weight along the diagonal', xInteger: true,
      series: [...series, ...lines], legend: { entries: legend }, aspect: 0.5,
      empty: 'No runs to average: nothing succeeded yet (tick “All finished runs”).',
    });
    target.element.dataset.lines = String(lines.length);
  }

  const element = el('section', { class: 'card', id: 'report-card', 'aria-labelledby': 'report-title' },
    el('div', { class: 'card-head' }, el('h2', { id: 'report-title' }, 'Non-normality and chain motif (Table 2, Fig. 5)'),
      el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': 'Compute Table 2 and the motif' }, allBox, compute, cancel)),
    status, table, motifBlock, gatesEl);
  return {
    element, chart,
    progress(done, total) {
      if (running) status.textContent = `Analysing: ${done} of ${total} runs…`;
    },
  };
}
