/** What the inspector, the worker and the CLI say about a checkpoint: one implementation for all three. */
import { Checkpoint, Tensor } from './tensor';
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
    throw new Error(`${tensor.name || 'the array'}${gate ? ` gate ${gate}` : ''} is ${view.rows}×${view.cols}: analyses need a square matrix` +
      (recurrentInfo(tensor, ckpt.layout)?.gates ? ` (choose a gate: ${recurrentInfo(tensor, ckpt.layout)!.gates!.join(', ')})` : ''));
  }
  return { W: view.data, n: view.rows, name: tensor.name };
}
