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
  | { type: 'reload' };

// ---- extension host ↔ worker thread: request/response by id
export type WorkerRequest =
  | { id: number; op: 'open'; file: string; maxFileBytes: number }
  | { id: number; op: 'matrix'; file: string; key: MatrixKey; maxSide?: number }
  | { id: number; op: 'close'; file: string };

export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

// ---- analysis panel (issue: matrix analyses) ----------------------------------------------------------

export type SchurOrderName = 'none' | 'modulus-desc' | 'modulus-asc' | 'real-desc';
export type MemoryInput = 'source' | 'sink' | 'random';
export type Activation = 'linear' | 'tanh' | 'relu' | 'elu';

/** What the user can change in the analysis panel; every change re-runs the analysis in the worker. */
export interface AnalysisOptions {
  order: SchurOrderName;
  input: MemoryInput;
  /** Finite horizon for the memory curve; null = infinite (only when ρ(W) < 1 or W is nilpotent). */
  horizon: number | null;
  activation: Activation;
  /** Pseudospectrum grid points per side; 0 = skip it. */
  gridPoints: number;
}

export interface AnalysisNumbers {
  n: number;
  spectralRadius: number;
  sigmaMax: number;
  sigmaMin: number;
  frobenius: number;
  henrici: number;
  henriciNormalized: number;
  jTot: number;
  schurResidual: number;
  schurOrthogonality: number;
  /** Largest eigenvalue condition number κ = 1/s. */
  maxCondition: number;
}

/** One analysis of one matrix, as the panel draws it. Arrays are typed arrays (never JSON number lists). */
export interface AnalysisPayload {
  /** Display title, e.g. `rnn.weight_hh_l0 — model.pt` or `chain:1.02 (N = 100)`. */
  title: string;
  numbers: AnalysisNumbers;
  options: AnalysisOptions;
  /** Schur factor T (row-major n×n, float32 for display) in the order `options.order`. */
  schurT: Float32Array;
  /** The matrix itself (row-major n×n, float32 for display). */
  matrix: Float32Array;
  eigRe: Float64Array;
  eigIm: Float64Array;
  /** κ_i per eigenvalue, same order. */
  eigCondition: Float64Array;
  /** Descending. */
  singularValues: Float64Array;
  memory: {
    /** J(k), k = 0 … J.length − 1. */
    J: Float64Array;
    jTot: number;
    /** null = infinite horizon. */
    horizon: number | null;
    /** Why a finite horizon was used, when the user did not ask for one (e.g. ρ(W) ≥ 1). */
    note: string | null;
  };
  /** ‖W^k v‖, k = 0 … length − 1. */
  transient: Float64Array;
  motif: { offsets: Int32Array; profile: Float64Array };
  /** σ_min(zI − W) on a grid (row-major over im × re); absent when gridPoints = 0. */
  pseudospectrum: { re: Float64Array; im: Float64Array; sigmaMin: Float64Array } | null;
  /** Trust warnings shown above the numbers, one sentence each. */
  warnings: string[];
  timingsMs: Record<string, number>;
}

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
