/** What the inspector, the worker and the CLI say about a checkpoint: one implementation for all three. */
import { Checkpoint, CheckpointMetadata, MetaValue, Tensor } from './tensor';
import { BadInputError } from './badInput';
import { TensorStats, tensorStats } from './stats';
import { MatrixView, RecurrentInfo, matrixView, recurrentInfo } from './recurrent';

export interface TensorSummary extends TensorStats {
  name: string;
  shape: number[];
  dtype: string;
  /** Set when the tensor is a recurrent matrix. */
  recurrent: RecurrentInfo | null;
}

/** Recurrent matrices first, then the rest in file order. */
export function summarizeTensors(ckpt: Checkpoint): TensorSummary[] {
  const rows = ckpt.tensors.map((t) => ({
    name: t.name,
    shape: t.shape,
    dtype: t.dtype,
    ...tensorStats(t.data),
    recurrent: recurrentInfo(t, ckpt.layout),
  }));
  return [...rows.filter((r) => r.recurrent), ...rows.filter((r) => !r.recurrent)];
}

export function findTensor(ckpt: Checkpoint, name: string): Tensor {
  const t = ckpt.tensors.find((x) => x.name === name);
  if (!t) {
    const names = ckpt.tensors.map((x) => x.name || '(unnamed)').slice(0, 8).join(', ');
    throw new Error(`no tensor named "${name}" (it holds: ${names}${ckpt.tensors.length > 8 ? ', …' : ''})`);
  }
  return t;
}

/** The matrix a user means: a named tensor, or the only tensor / the only recurrent matrix when unnamed. */
export function resolveTensor(ckpt: Checkpoint, name?: string): Tensor {
  if (name !== undefined) return findTensor(ckpt, name);
  if (ckpt.tensors.length === 1) return ckpt.tensors[0];
  const recurrent = ckpt.tensors.filter((t) => recurrentInfo(t, ckpt.layout));
  if (recurrent.length === 1) return recurrent[0];
  throw new Error(`holds ${ckpt.tensors.length} tensors: choose one with --tensor (e.g. ${ckpt.tensors.map((t) => t.name).slice(0, 3).join(', ')})`);
}

export function matrixOf(ckpt: Checkpoint, name: string, gate?: string): MatrixView {
  return matrixView(findTensor(ckpt, name), ckpt.layout, gate);
}

/** A square matrix for the analyses: the named tensor (or the file's only/only recurrent one), one gate if asked. */
export function squareMatrixOf(ckpt: Checkpoint, name?: string, gate?: string): { W: Float64Array; n: number; name: string } {
  const tensor = resolveTensor(ckpt, name);
  const view = matrixView(tensor, ckpt.layout, gate);
  if (view.rows !== view.cols || view.rows === 0) {
    throw new BadInputError(`${tensor.name || 'the array'}${gate ? ` gate ${gate}` : ''} is ${view.rows}×${view.cols}: analyses need a square matrix` +
      (recurrentInfo(tensor, ckpt.layout)?.gates ? ` (choose a gate: ${recurrentInfo(tensor, ckpt.layout)!.gates!.join(', ')})` : ''));
  }
  return { W: view.data, n: view.rows, name: tensor.name };
}

// ---- groups and metadata: how a checkpoint with many tensors is shown -----------------------------------------

/** Below this many tensors a table is short enough to read flat. */
export const GROUP_MIN_TENSORS = 24;

/** A plain value shown with a group or with the file, labelled where it came from (`configs[7]`, `epoch`). */
export interface MetadataItem {
  label: string;
  value: MetaValue;
}

/** Tensors sharing a name prefix up to their distinguishing index, e.g. `state_dicts.7`. */
export interface TensorGroup {
  name: string;
  /** Tensor names in display order (the order given: recurrent matrices first). */
  tensors: string[];
  /** Plain values that belong to it: the group's item of a list paired with the groups (`configs[7]`), values inside it. */
  metadata: MetadataItem[];
}

/** A list of plain values shown one item per group: `configs` (36 items) beside `state_dicts` (36 groups). */
export interface MetadataPairing {
  list: string;
  groups: string;
  count: number;
}

export interface CheckpointOutline {
  /** null: the table stays flat (few tensors, or no index that tells them apart). */
  groups: TensorGroup[] | null;
  /** Plain values not shown with a group: `epoch`, `args`, `best_loss` … */
  fileMetadata: MetadataItem[];
  pairings: MetadataPairing[];
  metadataTruncated: boolean;
}

const isIndex = (s: string): boolean => /^(0|[1-9]\d*)$/.test(s);

/**
 * Groups tensor names by the prefix up to their first distinguishing index: `state_dicts.7.rnn.weight_hh_l0` is in
 * `state_dicts.7` when `state_dicts.` is followed by at least two different indices. An index that never varies
 * (`0.rnns.…` in a one-model list) does not split. Returns null when grouping would not help: fewer than
 * GROUP_MIN_TENSORS tensors, or fewer than two groups of two or more. Groups of one tensor stay plain rows
 * (returned as no group); groups come in order of their first tensor.
 */
export function groupTensors(names: readonly string[]): { name: string; tensors: string[] }[] | null {
  if (names.length < GROUP_MIN_TENSORS) return null;
  const parts = names.map((n) => n.split('.'));
  const indices = new Map<string, Set<string>>();
  for (const p of parts) {
    for (let k = 0; k < p.length - 1; k++) {
      if (!isIndex(p[k])) continue;
      const parent = p.slice(0, k).join('.');
      let set = indices.get(parent);
      if (!set) indices.set(parent, (set = new Set()));
      set.add(p[k]);
    }
  }
  const groups = new Map<string, string[]>();
  parts.forEach((p, i) => {
    for (let k = 0; k < p.length - 1; k++) {
      if (isIndex(p[k]) && indices.get(p.slice(0, k).join('.'))!.size >= 2) {
        const key = p.slice(0, k + 1).join('.');
        let list = groups.get(key);
        if (!list) groups.set(key, (list = []));
        list.push(names[i]);
        return;
      }
    }
  });
  const result = [...groups].filter(([, t]) => t.length >= 2).map(([name, tensors]) => ({ name, tensors }));
  return result.length >= 2 ? result : null;
}

function parentOf(name: string): { parent: string; last: string } {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? { parent: '', last: name } : { parent: name.slice(0, dot), last: name.slice(dot + 1) };
}

/**
 * Where each plain value is shown. A list stored beside the list the groups come from, with one item per group
 * (`configs` beside `state_dicts`, both of length 36), is paired by index: group `state_dicts.7` shows `configs[7]`.
 * Values stored inside a group's prefix are shown with it; everything else at file level.
 */
export function outlineCheckpoint(tensorNames: readonly string[], metadata?: CheckpointMetadata): CheckpointOutline {
  const found = groupTensors(tensorNames);
  const groups: TensorGroup[] | null = found && found.map((g) => ({ ...g, metadata: [] }));
  const entries = metadata?.entries ?? [];
  // Groups by the list they index: `state_dicts` → its groups and the list length they imply.
  const families = new Map<string, { groups: { group: TensorGroup; index: number }[]; length: number }>();
  for (const group of groups ?? []) {
    const { parent, last } = parentOf(group.name);
    if (!isIndex(last)) continue;
    let fam = families.get(parent);
    if (!fam) families.set(parent, (fam = { groups: [], length: 0 }));
    fam.groups.push({ group, index: Number(last) });
    fam.length = Math.max(fam.length, Number(last) + 1);
  }
  const fileMetadata: MetadataItem[] = [];
  const pairings: MetadataPairing[] = [];
  for (const entry of entries) {
    const owner = groups?.find((g) => entry.name === g.name || entry.name.startsWith(g.name + '.'));
    if (owner) {
      owner.metadata.push({ label: entry.name, value: entry.value });
      continue;
    }
    const { parent, last } = parentOf(entry.name);
    const list = entry.value;
    const family = Array.isArray(list)
      ? [...families].find(([famName, fam]) => parentOf(famName).parent === parent && famName !== entry.name && fam.length === list.length)
      : undefined;
    if (family && Array.isArray(list)) {
      const [famName, fam] = family;
      for (const { group, index } of fam.groups) group.metadata.push({ label: `${last}[${index}]`, value: list[index] });
      pairings.push({ list: entry.name, groups: famName, count: list.length });
      continue;
    }
    fileMetadata.push({ label: entry.name, value: entry.value });
  }
  return { groups, fileMetadata, pairings, metadataTruncated: metadata?.truncated ?? false };
}
