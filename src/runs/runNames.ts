/**
 * Short names for runs shown together (the Runs view, a comparison's legend): the settings that tell them apart,
 * `chain:1.02 · lr 3e-4 · seed 2`, instead of ids that all begin with the same timestamp. Pure (no vscode).
 */
import type { RunConfig } from '../shared/protocol';
import { formatLr, resolved } from './runConfig';

/** Settings that can tell runs apart, in the order they are named. */
export const DISTINGUISHING_FIELDS = ['task', 'T', 'N', 'init', 'activation', 'lr', 'seed', 'updates', 'batch', 'clip_norm', 'train_size', 'val_size', 'early_stop'] as const;
export type DistinguishingField = (typeof DISTINGUISHING_FIELDS)[number];

/** One setting as it reads in a name: `copy`, `T 100`, `chain:1.02`, `lr 3e-4`, `seed 2`. */
export function formatField(key: DistinguishingField, c: RunConfig): string {
  const v = c[key];
  switch (key) {
    case 'task': case 'init': case 'activation': return String(v);
    case 'lr': return `lr ${formatLr(Number(v))}`;
    case 'updates': return `${v} updates`;
    default: return `${key} ${v}`;
  }
}

/** The settings whose values differ between `configs` (defaults filled in), in DISTINGUISHING_FIELDS order. */
export function differingFields(configs: readonly RunConfig[]): DistinguishingField[] {
  const full = configs.map(resolved);
  return DISTINGUISHING_FIELDS.filter((k) => {
    // T of psMNIST is fixed: it differs only when the task does, which already says it.
    const values = new Set(full.map((c) => (k === 'T' && c.task === 'psmnist' ? 'psmnist' : JSON.stringify(c[k] ?? null))));
    return values.size > 1;
  });
}

/** `20261204-163000-…`: the start time that run ids begin with. */
const ID_STAMP = /^(\d{8})-(\d{2})(\d{2})(\d{2})-/;

/**
 * Names for runs listed together: a run's own `name` when it has one; otherwise the settings that differ between
 * the unnamed runs (else between all the listed runs; else the main ones: one run, or runs alike). Runs still alike after that (the same
 * settings started twice) get their start time, then their id, so every name is distinct.
 */
export function runLabels(runs: readonly { id: string; config: RunConfig }[]): Map<string, string> {
  // What tells the unnamed runs apart; with fewer than two of those, what tells them from the named ones.
  const unnamed = runs.filter((r) => !r.config.name);
  let fields = differingFields(unnamed.map((r) => r.config));
  if (!fields.length) fields = differingFields(runs.map((r) => r.config));
  const shown: DistinguishingField[] = fields.length ? fields : ['task', 'T', 'init', 'lr', 'seed'];
  const out = new Map<string, string>();
  for (const r of runs) {
    if (r.config.name) {
      out.set(r.id, r.config.name);
      continue;
    }
    const c = resolved(r.config);
    const parts = shown.filter((k) => !(k === 'T' && c.task === 'psmnist')).map((k) => formatField(k, c));
    // The task and its length read as one word, as in the run ids: `copy T100`.
    out.set(r.id, parts.join(' · ').replace(/^(copy|addition) · T /, '$1 T'));
  }
  // Alike: add the start time, then the whole id.
  const groups = new Map<string, string[]>();
  for (const [id, label] of out) groups.set(label, [...(groups.get(label) ?? []), id]);
  for (const [label, ids] of groups) {
    if (ids.length < 2) continue;
    const withTime = ids.map((id) => {
      const m = ID_STAMP.exec(id);
      return m ? `${label} · ${m[2]}:${m[3]}:${m[4]}` : `${label} · ${id}`;
    });
    const distinct = new Set(withTime).size === ids.length;
    ids.forEach((id, i) => out.set(id, distinct ? withTime[i] : `${label} · ${id}`));
  }
  return out;
}

/** `1 run`, `2 runs`. */
export function countRuns(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}
