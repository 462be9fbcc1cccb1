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

/**
 * One part of an analysis, as analyzeMatrix computes it (its `onPart` callback): the fields of AnalysisPayload the
 * part completes, and the AnalysisNumbers it completes. Parts come in the order of ANALYSIS_PART_ORDER (cheap, visible
 * things first); merging them (mergeAnalysisParts) gives the whole payload. `warnings` is the list so far (each part
 * that carries it replaces the previous one).
 */
type PartOf<K extends string, F extends keyof AnalysisPayload, N extends keyof AnalysisNumbers = never> =
  { part: K; numbers: Pick<AnalysisNumbers, N> } & Pick<AnalysisPayload, F>;

export type AnalysisPart =
  /** At once: W itself (float32) and ‖W‖_F. */
  | PartOf<'matrix', 'title' | 'options' | 'matrix', 'n' | 'frobenius'>
  /** After the Schur decomposition and its reordering: T, the eigenvalues and ρ(W). */
  | PartOf<'schur', 'schurT' | 'eigRe' | 'eigIm', 'spectralRadius'>
  /** Eigenvalue conditions, singular values, Henrici, the Schur form's accuracy, and the trust warning they give. */
  | PartOf<'numbers', 'eigCondition' | 'singularValues' | 'warnings',
    'sigmaMax' | 'sigmaMin' | 'henrici' | 'henriciNormalized' | 'schurResidual' | 'schurOrthogonality' | 'maxCondition'>
  /** The Fisher memory curve (the slowest step), with its note among the warnings. */
  | PartOf<'memory', 'memory' | 'warnings', 'jTot'>
  /** ‖Wᵏv‖ and the chain-motif profile. */
  | PartOf<'dynamics', 'transient' | 'motif'>
  /** The pseudospectrum (null when not asked for) and every step's time: the last part of analyzeMatrix. */
  | PartOf<'pseudospectrum', 'pseudospectrum' | 'timingsMs'>
  /** A gate block's per-gate motif profiles (the worker's, after analyzeMatrix; only for gate blocks). */
  | PartOf<'gates', 'gateMotifs'>;

export type AnalysisPartName = AnalysisPart['part'];

/** The order parts arrive in (`gates` only for a gate block). */
export const ANALYSIS_PART_ORDER: readonly AnalysisPartName[] = ['matrix', 'schur', 'numbers', 'memory', 'dynamics', 'pseudospectrum', 'gates'];

/** Some parts of an analysis merged: the fields they carried. */
export type PartialAnalysis = Omit<Partial<AnalysisPayload>, 'numbers'> & { numbers: Partial<AnalysisNumbers> };

// Every field of AnalysisPayload (and of AnalysisNumbers) is in some part: these fail to compile otherwise.
type PartKeys<P> = P extends unknown ? keyof P : never;
type NumberKeys<P> = P extends { numbers: infer N } ? keyof N : never;
const everyField: [Exclude<keyof AnalysisPayload, PartKeys<AnalysisPart>>] extends [never] ? true : never = true;
const everyNumber: [Exclude<keyof AnalysisNumbers, NumberKeys<AnalysisPart>>] extends [never] ? true : never = true;
void everyField;
void everyNumber;

/** Adds a part to what was merged so far (a new object; `numbers` merged field by field, the rest replaced). */
export function mergeAnalysisPart(so: PartialAnalysis | undefined, part: AnalysisPart): PartialAnalysis {
  const { part: _name, numbers, ...fields } = part;
  return { ...so, ...fields, numbers: { ...so?.numbers, ...numbers } };
}

/** The whole payload once the parts of analyzeMatrix are all merged; undefined while some are missing. */
export function completeAnalysis(merged: PartialAnalysis | undefined): AnalysisPayload | undefined {
  if (!merged || merged.timingsMs === undefined || merged.matrix === undefined) return undefined;
  return merged as AnalysisPayload;
}
