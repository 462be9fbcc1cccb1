/**
 * What an analysis of one matrix produces: shared by the worker, the CLI, the analysis panel and exports.
 * Arrays are typed arrays (never JSON number lists when they cross to a webview).
 */

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
import type { GateMotifsJson } from './trajectoryTypes';

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
    /** Estimated |J_tot − exact| (see FisherMemory.jTotError); NaN when J_tot is not available. */
    jTotError: number;
    /** null = infinite horizon. */
    horizon: number | null;
    /** Why a finite horizon was used, when the user did not ask for one (e.g. ρ(W) ≥ 1). */
    note: string | null;
  };
  /** ‖W^k v‖, k = 0 … length − 1. */
  transient: Float64Array;
  motif: { offsets: Int32Array; profile: Float64Array; pairs: Int32Array; active: number; peakSteps: number };
  /**
   * A gate block of an LSTM / GRU checkpoint: the per-gate chain-motif profiles of its cell (gatedMotif.ts), `gate`
   * the opened block in the Keras naming; `result` null with a `note` when the cell cannot be run.
   */
  gateMotifs?: { gate: string; result: GateMotifsJson | null; note: string | null };
  /** σ_min(zI − W) on a grid (row-major over im × re); absent when gridPoints = 0. */
  pseudospectrum: { re: Float64Array; im: Float64Array; sigmaMin: Float64Array } | null;
  /** Trust warnings shown above the numbers, one sentence each. */
  warnings: string[];
  timingsMs: Record<string, number>;
}
