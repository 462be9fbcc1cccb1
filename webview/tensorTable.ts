/**
 * The inspector's tensor table: a filter box (name substring, case-insensitive), groups by name prefix
 * (`state_dicts.7`) with their metadata (`configs[7]`), collapsible, and keyboard navigation over the visible rows
 * (arrows, Home/End, Enter/Space to show a tensor or toggle a group, Right/Left to expand/collapse).
 * A group's rows are built the first time it is shown, so a checkpoint with thousands of tensors opens fast.
 */
import type { CheckpointSummary, MetadataItem, MetaValue, TensorGroup, TensorSummary } from '../src/shared/protocol';
import { el, fmt, fmtCount } from './format';

export interface TensorTableEvents {
  select(name: string): void;
  /** Filter text or expanded groups changed (kept with setState). */
  change(filter: string, expanded: string[]): void;
}

const COLUMNS: [label: string, cls: string][] = [
  ['Name', 'col-name'], ['Shape', 'col-shape'], ['dtype', 'col-dtype'], ['Min', 'col-min'], ['Max', 'col-max'],
  ['Mean', 'col-mean'], ['Std', 'col-std'], ['NaN', 'col-nan'], ['Inf', 'col-inf'], ['Zeros', 'col-zeros'], ['‖·‖F', 'col-norm'],
];

/** A value as the file stores it, short: numbers exactly (0.0003, 1e-8), None/True/False as in Python. */
export function formatMeta(v: MetaValue, max = 120): string {
  const out = metaText(v, max);
  return out.length > max ? out.slice(0, max - 1) + '…' : out;
}

function metaText(v: MetaValue, budget: number): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  const parts: string[] = [];
  let used = 0;
  const entries: [string | null, MetaValue][] = Array.isArray(v) ? v.map((x) => [null, x]) : Object.entries(v);
  for (const [k, x] of entries) {
    if (used > budget) { parts.push('…'); break; }
    const s = (k === null ? '' : `${k}: `) + (typeof x === 'string' && k !== null ? `'${x}'` : metaText(x, budget - used));
    parts.push(s);
    used += s.length + 2;
  }
  return Array.isArray(v) ? `[${parts.join(', ')}]` : `{${parts.join(', ')}}`;
}

/** Key–value pairs of a dict (or one `label: value` pair), as `<span class="kv">` elements. */
export function metadataView(items: MetadataItem[], cls = 'metadata'): HTMLElement {
  const box = el('div', { class: cls });
  for (const item of items) {
    const line = el('div', { class: 'meta-line' }, el('span', { class: 'meta-label' }, item.label || '(top level)'));
    const v = item.value;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) {
        const text = formatMeta(x);
        line.append(el('span', { class: 'kv', title: `${item.label}[${JSON.stringify(k)}] = ${formatMeta(x, 2000)}` },
          el('span', { class: 'k' }, k), ' ', el('span', { class: 'v' }, text)));
      }
    } else {
      line.append(el('span', { class: 'kv', title: formatMeta(v, 2000) }, el('span', { class: 'v' }, formatMeta(v))));
    }
    box.append(line);
  }
  return box;
}

/** The same pairs on one line, for a group's header. */
function metadataSummary(items: MetadataItem[]): string {
  return items.map((item) => {
    const v = item.value;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.entries(v).map(([k, x]) => `${k} ${formatMeta(x, 40)}`).join(' · ');
    }
    return `${item.label} ${formatMeta(v, 40)}`;
  }).join(' · ');
}

interface GroupView {
  group: TensorGroup;
  body: HTMLTableSectionElement;
  header: HTMLTableRowElement;
  rows: HTMLTableRowElement[] | null;
  expanded: boolean;
}

export class TensorTable {
  readonly element: HTMLElement;
  readonly filterInput: HTMLInputElement;
  private readonly count = el('span', { id: 'filter-count', class: 'meta', 'aria-live': 'polite' });
  private readonly table: HTMLTableElement;
  private readonly byName = new Map<string, TensorSummary>();
  private readonly groups: GroupView[] = [];
  private readonly flatRows: HTMLTableRowElement[] = [];
  private readonly groupOf = new Map<string, GroupView>();
  private filter: string;
  private selected: string | undefined;

  constructor(private readonly summary: CheckpointSummary, opts: { filter?: string; expanded?: string[]; selected?: string },
    private readonly events: TensorTableEvents) {
    this.filter = opts.filter ?? '';
    this.selected = opts.selected;
    for (const t of summary.tensors) this.byName.set(t.name, t);
    this.filterInput = el('input', {
      id: 'tensor-filter', type: 'search', placeholder: 'Filter tensors by name (Ctrl+F)', 'aria-label': 'Filter tensors by name',
      spellcheck: 'false', autocomplete: 'off',
    });
    this.filterInput.value = this.filter;
    this.filterInput.addEventListener('input', () => this.setFilter(this.filterInput.value));
    this.filterInput.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.filterInput.value) {
        e.preventDefault();
        e.stopPropagation();
        this.filterInput.value = '';
        this.setFilter('');
      } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
        const first = this.visibleRows().find((r) => r.dataset.name !== undefined) ?? this.visibleRows()[0];
        if (!first) return;
        e.preventDefault();
        if (e.key === 'Enter' && first.dataset.name !== undefined) this.events.select(first.dataset.name);
        this.focusRow(first);
      }
    });

    const head = el('tr', {}, ...COLUMNS.map(([h, cls]) => el('th', { scope: 'col', class: cls }, h)));
    this.table = el('table', { id: 'tensor-table' }, el('thead', {}, head));
    this.table.addEventListener('keydown', (e) => this.onKey(e));
    if (summary.groups) {
      const expanded = new Set(opts.expanded ?? []);
      const inGroup = new Map<string, TensorGroup>();
      for (const g of summary.groups) for (const n of g.tensors) inGroup.set(n, g);
      const shown = new Set<TensorGroup>();
      let loose: HTMLTableSectionElement | null = null;
      // Groups and loose tensors in the summary's order (recurrent matrices first).
      for (const t of summary.tensors) {
        const g = inGroup.get(t.name);
        if (!g) {
          if (!loose) this.table.append(loose = el('tbody', { class: 'loose' }));
          const row = this.row(t);
          this.flatRows.push(row);
          loose.append(row);
          continue;
        }
        loose = null;
        if (shown.has(g)) continue;
        shown.add(g);
        const view = this.groupView(g, expanded.has(g.name) || (!!this.selected && g.tensors.includes(this.selected)));
        this.groups.push(view);
        this.table.append(view.body);
      }
    } else {
      this.table.append(el('tbody', {}, ...summary.tensors.map((t) => {
        const row = this.row(t);
        this.flatRows.push(row);
        return row;
      })));
    }
    this.element = el('div', { class: 'tensor-list' },
      el('div', { class: 'filter-bar' }, this.filterInput, this.count),
      el('div', { class: 'table-wrap' }, this.table));
    this.applyFilter();
    const first = this.visibleRows()[0];
    if (first) first.tabIndex = 0;
  }

  setSelected(name: string): void {
    this.selected = name;
    const g = this.groupOf.get(name);
    if (g && !g.expanded) {
      g.expanded = true;
      this.applyFilter();
      this.emit();
    }
    for (const tr of this.table.querySelectorAll<HTMLElement>('tr[data-name]')) {
      const on = tr.dataset.name === name;
      tr.classList.toggle('selected', on);
      tr.setAttribute('aria-pressed', String(on));
    }
  }

  focusFilter(): void {
    this.filterInput.focus();
    this.filterInput.select();
  }

  private setFilter(text: string): void {
    this.filter = text;
    this.applyFilter();
    this.emit();
  }

  private emit(): void {
    this.events.change(this.filter, this.groups.filter((g) => g.expanded).map((g) => g.group.name));
  }

  private matches(name: string): boolean {
    return !this.filter || name.toLowerCase().includes(this.filter.toLowerCase());
  }

  /** Shows matching rows (in every group, expanded or not while a filter is set) and the count. */
  private applyFilter(): void {
    let shown = 0;
    for (const row of this.flatRows) {
      const on = this.matches(row.dataset.name!);
      row.hidden = !on;
      if (on) shown++;
    }
    for (const g of this.groups) {
      const hits = g.group.tensors.filter((n) => this.matches(n));
      shown += hits.length;
      g.body.hidden = hits.length === 0;
      const open = this.filter ? hits.length > 0 : g.expanded;
      g.header.setAttribute('aria-expanded', String(open));
      if (open) this.build(g);
      if (g.rows) for (const row of g.rows) row.hidden = !open || !this.matches(row.dataset.name!);
      g.body.querySelector<HTMLElement>('.group-meta')?.toggleAttribute('hidden', !open);
    }
    const total = this.summary.tensors.length;
    this.count.textContent = this.filter ? `${shown} of ${total}` : `${total} tensor${total === 1 ? '' : 's'}`;
    this.table.classList.toggle('filtered', !!this.filter);
  }

  private groupView(group: TensorGroup, expanded: boolean): GroupView {
    const recurrent = group.tensors.filter((n) => this.byName.get(n)?.recurrent).length;
    const summaryText = metadataSummary(group.metadata);
    const header = el('tr', {
      class: 'group-header', tabindex: '-1', 'data-group': group.name, role: 'button', 'aria-expanded': String(expanded),
      'aria-label': `Group ${group.name}, ${group.tensors.length} tensors${summaryText ? `: ${summaryText}` : ''}`,
    },
      el('th', { scope: 'rowgroup', colspan: String(COLUMNS.length) },
        el('span', { class: 'twisty', 'aria-hidden': 'true' }),
        el('span', { class: 'group-name' }, group.name), ' ',
        el('span', { class: 'badge count' }, `${group.tensors.length} tensors${recurrent ? ` · ${recurrent} recurrent` : ''}`), ' ',
        el('span', { class: 'group-summary', title: summaryText }, summaryText)));
    const body = el('tbody', { class: 'group', 'data-group': group.name }, header);
    const view: GroupView = { group, body, header, rows: null, expanded };
    for (const n of group.tensors) this.groupOf.set(n, view);
    header.addEventListener('click', () => { this.toggle(view, !view.expanded); this.focusRow(header); });
    if (expanded) this.build(view);
    return view;
  }

  /** The group's metadata row and tensor rows, on first show. */
  private build(g: GroupView): void {
    if (g.rows) return;
    if (g.group.metadata.length) {
      g.body.append(el('tr', { class: 'group-meta' },
        el('td', { colspan: String(COLUMNS.length) }, metadataView(g.group.metadata, 'metadata group-metadata'))));
    }
    g.rows = g.group.tensors.map((n) => this.row(this.byName.get(n)!));
    g.body.append(...g.rows);
  }

  private toggle(g: GroupView, open: boolean): void {
    g.expanded = open;
    if (!this.filter) this.applyFilter();
    this.emit();
  }

  private row(t: TensorSummary): HTMLTableRowElement {
    const label = t.name || '(array)';
    const group = this.groupOf.get(t.name)?.group.name;
    // Inside a group the shared prefix is dimmed, so the distinguishing part stands out.
    const nameText = group && t.name.startsWith(group + '.')
      ? [el('span', { class: 'prefix' }, group + '.'), t.name.slice(group.length + 1)]
      : [label];
    const name = el('td', { class: 'name col-name', title: label }, el('span', { class: 'name-text' }, ...nameText));
    if (t.recurrent) {
      const r = t.recurrent;
      const gates = r.gates ? ` ${r.cell.toUpperCase()} ${r.gates.join(',')}` : '';
      name.append(' ', el('span', { class: 'badge', title: `Recurrent matrix, N = ${r.n}, stored in ${r.convention} convention` }, `recurrent N=${r.n}${gates}`));
    }
    const bad = t.nan + t.inf > 0 ? 'bad' : '';
    const tr = el('tr', { tabindex: '-1', 'data-name': t.name, role: 'button', 'aria-label': `Show ${label}`, 'aria-pressed': String(t.name === this.selected) },
      name,
      el('td', { class: 'col-shape' }, `[${t.shape.join(', ')}]`),
      el('td', { class: 'col-dtype' }, t.dtype),
      el('td', { class: 'num col-min' }, fmt(t.min)), el('td', { class: 'num col-max' }, fmt(t.max)),
      el('td', { class: 'num col-mean' }, fmt(t.mean)), el('td', { class: 'num col-std' }, fmt(t.std)),
      el('td', { class: `num col-nan ${t.nan ? bad : ''}` }, fmtCount(t.nan)), el('td', { class: `num col-inf ${t.inf ? bad : ''}` }, fmtCount(t.inf)),
      el('td', { class: 'num col-zeros' }, fmtCount(t.zeros)), el('td', { class: 'num col-norm' }, fmt(t.frobenius)));
    if (t.name === this.selected) tr.classList.add('selected');
    tr.addEventListener('click', () => { this.focusRow(tr); this.events.select(t.name); });
    return tr;
  }

  private visibleRows(): HTMLTableRowElement[] {
    return [...this.table.querySelectorAll<HTMLTableRowElement>('tbody:not([hidden]) tr[data-name]:not([hidden]), tbody:not([hidden]) tr.group-header')];
  }

  private focusRow(row: HTMLTableRowElement): void {
    for (const r of this.table.querySelectorAll<HTMLElement>('tr[tabindex="0"]')) r.tabIndex = -1;
    row.tabIndex = 0;
    row.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest('tr');
    if (!row || !(row instanceof HTMLTableRowElement)) return;
    const rows = this.visibleRows();
    const i = rows.indexOf(row);
    const header = row.classList.contains('group-header') ? this.groups.find((g) => g.header === row) : undefined;
    const go = (r: HTMLTableRowElement | undefined) => { if (r) { e.preventDefault(); this.focusRow(r); } };
    switch (e.key) {
      case 'ArrowDown': go(rows[i + 1]); break;
      case 'ArrowUp': go(rows[i - 1]); break;
      case 'Home': go(rows[0]); break;
      case 'End': go(rows[rows.length - 1]); break;
      case 'ArrowRight': if (header && !header.expanded && !this.filter) { e.preventDefault(); this.toggle(header, true); } break;
      case 'ArrowLeft':
        if (header && header.expanded && !this.filter) { e.preventDefault(); this.toggle(header, false); }
        else if (!header && row.dataset.name !== undefined) go(this.groupOf.get(row.dataset.name)?.header);
        break;
      case 'Enter': case ' ':
        e.preventDefault();
        if (header) { if (!this.filter) this.toggle(header, !header.expanded); }
        else if (row.dataset.name !== undefined) this.events.select(row.dataset.name);
        break;
    }
  }
}
