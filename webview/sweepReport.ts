/**
 * The sweep panel's Table 2 and Fig. 5 card: on request (a button: it analyses every finished run's first and last
 * checkpoints in a child process of the CLI, `sweep-report --json`), the Henrici departure at initialization and
 * after training per initializer (mean ± s.e.m.) and the chain-motif profiles before (dashed) and after (solid)
 * training, mean ± s.e.m. bands, over the successful runs or, ticked, every finished run. Progress and Cancel while it
 * runs. docs/sweep-panel.md.
 */
import type { SweepMethod, SweepRequests } from '../src/shared/protocol';
import type { SweepReport } from '../src/sweeps/types';
import { el, fmt } from './format';
import { button, checkbox } from './toolkit';
import { Chart, type LegendEntry, type Series } from './charts';

type Request = <M extends SweepMethod>(method: M, params: SweepRequests[M]['params']) => Promise<SweepRequests[M]['result']>;

/** Offsets i − j shown (the profiles span −(N−1) … N−1; the motif lives at small offsets). */
const WINDOW = 10;

export interface ReportCard {
  element: HTMLElement;
  chart: Chart;
  progress(done: number, total: number): void;
}

export function reportCard(request: Request, color: (i: number) => string, onError: (message: string) => void): ReportCard {
  let all = false;
  let running = false;
  let report: SweepReport | undefined;
  const status = el('p', { id: 'report-status', class: 'meta', role: 'status', 'aria-live': 'polite' },
    'Not computed yet: the button analyses every finished run’s first and last checkpoints (cached in each run’s folder).');
  const table = el('table', { id: 'table2', class: 'runs-table', hidden: '' });
  const chart = new Chart('Chain-motif profile before and after training, mean ± s.e.m.', 'motif-chart');
  chart.element.hidden = true;
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

    const series: Series[] = [], lines: Series[] = [];
    const legend: LegendEntry[] = [];
    inits.forEach((k, i) => {
      const m = r.motif[k];
      if (!m.n) return;
      const idx = m.offsets.map((o, j) => (Math.abs(o) <= WINDOW ? j : -1)).filter((j) => j >= 0);
      const x = idx.map((j) => m.offsets[j]);
      const c = color(i);
      for (const [what, mean, sem, dash] of [['before', m.before_mean, m.before_sem, '4 3'], ['after', m.after_mean, m.after_sem, undefined]] as const) {
        if (!mean.length) continue;
        // null: no run has a pair of units at that order difference (a gap in the curve, not a zero)
        const y = idx.map((j) => mean[j] ?? NaN);
        series.push({ kind: 'band', x, lo: idx.map((j) => (mean[j] ?? NaN) - (sem[j] ?? NaN)), hi: idx.map((j) => (mean[j] ?? NaN) + (sem[j] ?? NaN)), color: c });
        lines.push({ kind: 'line', x, y, color: c, width: 2, dash, label: `${k} ${what}` });
      }
      legend.push({ label: `${k} (n ${m.n})`, color: c, mark: 'line' });
    });
    if (lines.length) legend.push({ label: 'before training', color: '#888888', mark: 'dash' }, { label: 'after training', color: '#888888', mark: 'line' });
    chart.element.hidden = false;
    chart.set({
      xLabel: 'order difference i − j (units ordered by peak step after a pulse)', yLabel: 'mean weight along the diagonal', xInteger: true,
      series: [...series, ...lines], legend: { entries: legend }, aspect: 0.5,
      empty: 'No runs to average: nothing succeeded yet (tick “All finished runs”).',
    });
    chart.element.dataset.lines = String(lines.length);
  }

  const element = el('section', { class: 'card', id: 'report-card', 'aria-labelledby': 'report-title' },
    el('div', { class: 'card-head' }, el('h2', { id: 'report-title' }, 'Non-normality and chain motif (Table 2, Fig. 5)'),
      el('div', { class: 'card-tools', role: 'toolbar', 'aria-label': 'Compute Table 2 and the motif' }, allBox, compute, cancel)),
    status, table, chart.element);
  return {
    element, chart,
    progress(done, total) {
      if (running) status.textContent = `Analysing: ${done} of ${total} runs…`;
    },
  };
}
