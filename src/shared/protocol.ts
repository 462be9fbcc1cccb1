/**
 * The one message protocol between the extension host, the webviews and the worker thread.
 * Matrices always cross as typed arrays (`Float32Array`), never as JSON number lists.
 */
import type { TensorStats } from '../core/stats';
import type { TensorSummary } from '../core/inspect';

export type { TensorSummary };

export interface CheckpointSummary {
  file: string;
  /** File name for display. */
  label: string;
  format: string;
  layout: 'row' | 'column';
  /** Recurrent matrices first, then the others in file order. */
  tensors: TensorSummary[];
  bytes: number;
  readMs: number;
}

/** What the heatmap shows: a tensor, optionally one gate block of it. */
export interface MatrixKey {
  name: string;
  gate?: string;
}

export interface MatrixPayload {
  key: MatrixKey;
  rows: number;
  cols: number;
  /** Row-major column-convention values as float32. */
  data: Float32Array;
  transform: string;
  stats: TensorStats;
}

export interface HeatmapSettings {
  colormap: Colormap;
  symmetric: boolean;
}

export type Colormap = 'diverging' | 'viridis' | 'gray';

// ---- extension host → inspector webview
export type HostToInspector =
  | { type: 'loading'; label: string }
  | { type: 'checkpoint'; summary: CheckpointSummary; settings: HeatmapSettings }
  | { type: 'matrix'; matrix: MatrixPayload }
  | { type: 'error'; message: string };

// ---- inspector webview → extension host
export type InspectorToHost =
  | { type: 'ready' }
  | { type: 'select'; key: MatrixKey }
  | { type: 'reload' };

// ---- extension host ↔ worker thread: request/response by id
export type WorkerRequest =
  | { id: number; op: 'open'; file: string; maxFileBytes: number }
  | { id: number; op: 'matrix'; file: string; key: MatrixKey }
  | { id: number; op: 'close'; file: string };

export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };
