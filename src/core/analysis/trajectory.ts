/**
 * What training did to W, one checkpoint at a time: the numbers of `analyzeMatrix` (the same code and options as
 * `recurrent-lens analyze`), the distance from the initial W and the chain-motif profile of the trained network
 * driven as the paper does (docs/science.md, "Chain-motif profile"). Pure: the run folder, the cache and the
 * validation losses are src/runs/trajectory.ts.
 */
import { BadInputError } from '../badInput';
import { analyzeMatrix } from './analyze';
import { gatedMotif, gateMotifsJson, type GatedNetwork } from './gatedMotif';
import type { MotifActivation, MotifMeasure } from './motif';
import type { AnalysisOptions } from './types';
import type { TrajectoryAnalysis } from './trajectoryTypes';
export type { TrajectoryAnalysis };

/** Bump when an entry's content or its computation changes: cached entries of another version are recomputed. */
export const TRAJECTORY_VERSION = 2;

/** The analyses' options: those of `recurrent-lens analyze` without flags, so an entry equals that command's output. */
export const TRAJECTORY_ANALYSIS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 0 };
/** Seed of `analyze` without --seed (only the random memory input uses it). */
export const TRAJECTORY_SEED = 1;

/** How the chain motif drives a trained network. */
export interface TrajectoryMotifOptions {
  /** Input channel of the unit pulse at t = 0, or 'all' for a unit pulse on every channel. Default 0. */
  channel: number | 'all';
  /** What peaks: the units' activity (default) or their pre-activation. */
  measure: MotifMeasure;
  /** Free steps after the pulse (the paper's 100). */
  steps: number;
  /** Seed of the jitter that lists tied units in the motif's display order (0); the profile does not depend on it. */
  tieSeed: number;
}

export const DEFAULT_TRAJECTORY_MOTIF: TrajectoryMotifOptions = { channel: 0, measure: 'activity', steps: 100, tieSeed: 0 };

export interface TrajectoryInput {
  /** Recurrent matrix, column convention (W[i][j]: from unit j to unit i), n×n. */
  W: Float64Array;
  n: number;
  /** The initial W of the run (same shape). */
  W0: Float64Array;
  /** Input matrix V (n×d, column convention) and recurrent bias b of the trained network. */
  input: Float64Array;
  d: number;
  bias: Float64Array;
  activation: MotifActivation;
  motif?: TrajectoryMotifOptions;
  /**
   * An LSTM / GRU: W is then its candidate block (column convention) and `input`, `d`, `bias` are unused; the motif
   * is the per-gate procedure (gatedMotif.ts), `motif` the candidate block's profile under its ordering.
   */
  gated?: GatedNetwork;
}

const nullIfNotFinite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function analyzeTrajectoryPoint(p: TrajectoryInput): TrajectoryAnalysis {
  const { W, n, W0 } = p;
  if (W0.length !== W.length) throw new BadInputError(`the initial W has ${W0.length} values, this checkpoint's ${W.length}`);
  const m = p.motif ?? DEFAULT_TRAJECTORY_MOTIF;
  const r = analyzeMatrix({
    W, n, options: TRAJECTORY_ANALYSIS, seed: TRAJECTORY_SEED,
    // (gated: analyzeMatrix's own motif of the block is replaced below)
    motif: p.gated ? undefined : {
      activation: p.activation, bias: p.bias, measure: m.measure, steps: m.steps, tieSeed: m.tieSeed,
      pulse: { input: p.input, d: p.d, channel: m.channel === 'all' ? undefined : m.channel },
    },
  });
  let diff = 0, base = 0;
  for (let i = 0; i < W.length; i++) {
    diff += (W[i] - W0[i]) ** 2;
    base += W0[i] ** 2;
  }
  const x = r.numbers;
  let motif = { offsets: Array.from(r.motif.offsets), profile: Array.from(r.motif.profile, nullIfNotFinite), pairs: Array.from(r.motif.pairs), active: r.motif.active, peak_steps: r.motif.peakSteps };
  let gates;
  if (p.gated) {
    if (m.measure !== 'activity') throw new Error(`the motif of an ${p.gated.cell.toUpperCase()} orders its units by the hidden state h: measure "${m.measure}" is for vanilla RNNs`);
    gates = gateMotifsJson(gatedMotif(p.gated, { steps: m.steps, channel: m.channel, tieSeed: m.tieSeed }));
    const c = gates.blocks[gates.candidate];
    motif = { offsets: gates.offsets, profile: c.profile, pairs: c.pairs, active: gates.active, peak_steps: gates.peak_steps };
  }
  const out: TrajectoryAnalysis = {
    n, henrici: x.henrici, henrici_normalized: x.henriciNormalized, spectral_radius: x.spectralRadius, sigma_max: x.sigmaMax,
    sigma_min: x.sigmaMin, frobenius: x.frobenius, j_tot: nullIfNotFinite(x.jTot),
    ...(r.memory.horizon !== null ? { j_tot_finite_horizon: r.memory.horizon } : {}),
    delta_from_init: base > 0 ? Math.sqrt(diff) / Math.sqrt(base) : Math.sqrt(diff),
    max_condition: nullIfNotFinite(x.maxCondition),
    eigenvalues: Array.from(r.eigRe, (re, i): [number, number] => [re, r.eigIm[i]]),
    motif,
    ...(gates ? { gate_motifs: gates } : {}),
    warnings: r.warnings,
  };
  return out;
}
