/**
 * The shapes of a run's trajectory (`recurrent-lens trajectory --json`, docs/cli.md) without any code, so the
 * webviews can use them: computed by src/core/analysis/trajectory.ts and src/runs/trajectory.ts.
 */

import type { GatedCell } from '../init/gated';

/** An LSTM or GRU cell's weights in the Keras layout, as the gated motif (gatedMotif.ts) runs it; here so the
 * protocol can name it without the webviews reaching the analyses' code. */
export interface GatedNetwork {
  cell: GatedCell;
  N: number;
  nIn: number;
  /** nIn × G·N, row-major */
  K: ArrayLike<number>;
  /** N × G·N, row-major (row convention: h' = … + h R) */
  R: ArrayLike<number>;
  /** G·N */
  b: ArrayLike<number>;
}

/** One checkpoint's analyses, without the validation loss (joined from metrics.jsonl when read). */
export interface TrajectoryAnalysis {
  n: number;
  henrici: number;
  henrici_normalized: number;
  spectral_radius: number;
  sigma_max: number;
  sigma_min: number;
  frobenius: number;
  /** J_tot of the memory curve for the unit input into unit 0 (as `analyze`); null when it could not be computed. */
  j_tot: number | null;
  /** Present when J_tot is summed over a finite horizon (ρ(W) ≥ 1 makes the infinite sum diverge): that horizon. */
  j_tot_finite_horizon?: number;
  /** ‖W − W₀‖_F / ‖W₀‖_F, W₀ the run's initial W. */
  delta_from_init: number;
  /** Largest eigenvalue condition number; null = ∞. */
  max_condition: number | null;
  /** [re, im] per eigenvalue, by modulus descending (as `analyze --eigenvalues`). */
  eigenvalues: [number, number][];
  /**
   * The chain motif (docs/science.md, "Chain-motif profile"): mean of W[i][j] over the pairs of responding units whose
   * order by peak step differs by offsets[k] (null: no such pair), how many pairs, how many units responded and at how
   * many distinct steps they peaked.
   */
  motif: { offsets: number[]; profile: (number | null)[]; pairs: number[]; active: number; peak_steps: number };
  /**
   * LSTM / GRU runs: the profile of every recurrent gate block under the one ordering from the cell's dynamics
   * (docs/science.md, "Per-gate profiles"). The numbers above are then those of the candidate block (LSTM c, GRU h),
   * `motif` included.
   */
  gate_motifs?: GateMotifsJson;
  warnings: string[];
}

/** Per-gate chain-motif profiles of an LSTM / GRU (`gate-motif --json`, trajectories' `gate_motifs`; docs/cli.md). */
export interface GateMotifsJson {
  cell: 'lstm' | 'gru';
  /** Gate names in the Keras order (LSTM i, f, c, o; GRU z, r, h; PyTorch's g is c). */
  gates: string[];
  /** The candidate block's gate name (LSTM c, GRU h). */
  candidate: string;
  /** Order differences i − j, −(N−1) … N−1. */
  offsets: number[];
  /** Per gate: mean of the block's W[i][j] by order difference (null: no pair) and the number of pairs. */
  blocks: Record<string, { profile: (number | null)[]; pairs: number[] }>;
  /** How many hidden units responded to the pulse, at how many distinct steps. */
  active: number;
  peak_steps: number;
}

export interface TrajectoryEntry extends TrajectoryAnalysis {
  update: number;
  /** The checkpoint folder, relative to the run folder. */
  checkpoint: string;
  /** Validation loss logged at exactly this update in metrics.jsonl; null when none was (e.g. a stop's checkpoint). */
  val_loss: number | null;
}

export interface Trajectory {
  /** The run folder as given. */
  run: string;
  n: number;
  /** Where W₀ comes from: the update-0 checkpoint, or (runs from before it was written) the run's initializer. */
  initial: 'checkpoint' | 'config';
  /** LSTM / GRU runs: the cell, and the gate block whose matrix the numbers and pictures are of (the candidate). */
  cell?: 'lstm' | 'gru';
  block?: string;
  motif: { channel: number | 'all'; measure: string; steps: number; tie_seed: number };
  checkpoints: TrajectoryEntry[];
  /** How many checkpoints were analysed by this call (the others came from the cache). */
  computed: number;
}

/** W of every checkpoint of a trajectory, its Schur form T (eigenvalues by modulus, descending, as `analyze`) and W₀. */
export interface TrajectoryMatrices {
  n: number;
  /** W₀, row-major n×n, column convention (float32, as the checkpoints store it). */
  W0: Float32Array;
  /** The checkpoints' W one after another (k·n² values, in the trajectory's order). */
  W: Float32Array;
  /** The checkpoints' Schur forms T, likewise. */
  T: Float32Array;
}

