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
  /** Size of the full matrix. */
  rows: number;
  cols: number;
  /**
   * Pyramid level of `data` (src/core/pyramid.ts): 0 is every value; a big matrix first arrives as a small
   * overview (level > 0) so it paints at once, then at level 0.
   */
  level: number;
  /** Row-major column-convention values at `level`, as float32. */
  data: Float32Array;
  transform: string;
  stats: TensorStats;
}

export interface HeatmapSettings {
  colormap: Colormap;
  symmetric: boolean;
}

export type Colormap = 'diverging' | 'viridis' | 'gray';

/** Where the user left an inspector: kept per file by the host so a reopened file looks the same. */
export interface InspectorViewState {
  selected?: MatrixKey;
  colormap?: Colormap;
  symmetric?: boolean;
  view?: { scale: number; x0: number; y0: number; rows: number; cols: number };
}

// ---- extension host → inspector webview
export type HostToInspector =
  | { type: 'loading'; label: string }
  | { type: 'checkpoint'; summary: CheckpointSummary; settings: HeatmapSettings; restore?: InspectorViewState }
  | { type: 'matrix'; matrix: MatrixPayload }
  | { type: 'error'; message: string };

// ---- inspector webview → extension host
export type InspectorToHost =
  | { type: 'ready' }
  | { type: 'select'; key: MatrixKey }
  | { type: 'viewState'; state: InspectorViewState }
  /** Open the analysis panel for this (square) matrix. */
  | { type: 'analyze'; key: MatrixKey }
  | { type: 'reload' };

/** The matrix an analysis is about: a tensor of a checkpoint, or an initializer. */
export type MatrixSource =
  | { kind: 'tensor'; file: string; key: MatrixKey }
  | { kind: 'init'; spec: string; n: number; seed: number };

// ---- extension host ↔ worker thread: request/response by id
export type WorkerRequest =
  | { id: number; op: 'open'; file: string; maxFileBytes: number }
  | { id: number; op: 'matrix'; file: string; key: MatrixKey; maxSide?: number }
  | { id: number; op: 'close'; file: string }
  /** `cancel` is a SharedArrayBuffer holding one Int32: the host sets it to 1 to stop the analysis. */
  | { id: number; op: 'analyze'; source: MatrixSource; options: AnalysisOptions; cancel?: SharedArrayBuffer };

export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

// ---- analysis panel (issue: matrix analyses) ----------------------------------------------------------

export type {
  SchurOrderName, MemoryInput, Activation, AnalysisOptions, AnalysisNumbers, AnalysisPayload,
} from '../core/analysis/types';
import type { AnalysisOptions, AnalysisPayload } from '../core/analysis/types';

// ---- extension host → analysis webview
export type HostToAnalysis =
  | { type: 'running'; title: string; options: AnalysisOptions }
  | { type: 'result'; result: AnalysisPayload }
  | { type: 'error'; message: string };

// ---- analysis webview → extension host
export type AnalysisToHost =
  | { type: 'ready' }
  | { type: 'run'; options: AnalysisOptions }
  | { type: 'cancel' }
  /** A figure to save: SVG text, or a PNG as a data: URL. */
  | { type: 'saveFigure'; name: string; format: 'svg' | 'png'; data: string }
  | { type: 'saveData'; format: 'csv' | 'json' };
