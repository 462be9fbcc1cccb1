/**
 * Sweeps: a grid of training runs (initializer × gain × learning rate × seed) judged by how many succeed.
 * These types are the contract between the sweep file, the sweep folder, the executors (local, SLURM), the CLI's
 * `--json` output and the sweep panel. Field names are snake_case like every JSON file of ours; docs/sweeps.md
 * describes them for users.
 *
 * Sweep folder `<workspace>/.recurrent-lens/sweeps/<id>/`:
 *   sweep.json          ResolvedSweep: every member's full config; a task needs nothing else to run
 *   summary.json        SweepSummary, rewritten as members end (and by `sweep-status`)
 *   runs/<member.name>/ one ordinary run folder per member (config.json, status.json, metrics.jsonl, checkpoints/)
 *   slurm/              SLURM executor only: sweep.sbatch, submissions.json, out/<job>_<task>.out
 */
import type { TrainConfig } from '../core/train/config';

/** One entry of a sweep file's `inits`: a spec (`"chain:1.02"`) or a family with its gains. */
export type SweepInitEntry = string | { name: string; gains: number[] };

/**
 * A `*.sweep.json` file as the user writes it (or a preset). Besides these fields, any trainer field
 * (batch, eval_every, checkpoint_every, log_every, train_size, val_size, early_stop, clip_norm, mnist_images,
 * mnist_labels, keep_checkpoints) applies to every member.
 */
export interface SweepFile {
  /** Start from a preset (`paper:copy`, `paper:addition`, `paper:psmnist`, `quick:copy`); other fields override it. */
  preset?: string;
  name?: string;
  task?: string;
  T?: number;
  N?: number;
  activation?: string;
  inits?: SweepInitEntry[];
  lrs?: number[];
  /** K (seeds 1..K) or a list of seeds. */
  seeds?: number | number[];
  /** Updates per run; or `epochs` (× floor(train_size / batch) updates: the trainer drops a last partial batch). Not both. */
  updates?: number;
  epochs?: number;
  [trainerField: string]: unknown;
}

/** One run of a sweep. `index` is its SLURM array task id. */
export interface SweepMember {
  index: number;
  /** Run folder name under runs/: zero-padded index and parameters, `0007-chain-1.02-lr2e-4-s3`. */
  name: string;
  /** The `inits` entry it came from: the family name for `{"name": "chain", "gains": […]}`, else the spec itself. */
  group: string;
  /** Initializer spec, `chain:1.02`. */
  init: string;
  gain: number;
  lr: number;
  seed: number;
  /** Everything the trainer needs (resolved: every field filled). */
  config: TrainConfig;
}

/** `sweep.json`: written once when the sweep folder is made; members never change afterwards. */
export interface ResolvedSweep {
  format: 'recurrent-lens-sweep';
  version: 1;
  id: string;
  name: string | null;
  created_at: string;
  /** The sweep file as given, the preset expanded (for display and for `continue`). */
  source: SweepFile;
  /** `inits` groups in file order. */
  groups: string[];
  /**
   * The task's memoryless baseline loss (success: final validation loss below half of it). Null for charlm: a language
   * model succeeds below its text's unigram entropy, which each run's status.json records (docs/sweeps.md).
   */
  baseline: number | null;
  members: SweepMember[];
}

/**
 * A member's state. `completed` and `diverged` are finished: never trained again. `stopped`, `interrupted`
 * (status says running, process gone), `timeout`, `cancelled` and `failed` are unfinished: continuing the sweep resumes
 * them from their last checkpoint. `pending`: never started; `queued`: waiting for a slot or a SLURM node.
 */
export type MemberState =
  | 'pending' | 'queued' | 'running' | 'completed' | 'diverged' | 'stopped' | 'interrupted' | 'timeout' | 'cancelled'
  | 'failed';

export const FINISHED_STATES: readonly MemberState[] = ['completed', 'diverged'];

export interface MemberSummary {
  index: number;
  name: string;
  group: string;
  init: string;
  gain: number;
  lr: number;
  seed: number;
  state: MemberState;
  update: number;
  updates: number;
  final_val_loss: number | null;
  succeeded: boolean;
  error: string | null;
}

/** An initializer group's best (gain, lr) cell: lowest mean final validation loss over its finished seeds. */
export interface BestCell {
  gain: number;
  lr: number;
  mean_final_val_loss: number;
  /** Standard error of that mean (sample std / √n; 0 for one run). */
  sem: number;
  /** Finished runs in the cell. */
  runs: number;
  successes: number;
}

/**
 * `summary.json`, and (without `members`) the one line `recurrent-lens sweep --json` / `sweep-status --json` print.
 * Keys of `successes`, `runs_per_init` and `best` are the groups.
 */
export interface SweepSummary {
  sweep_dir: string;
  name: string | null;
  runs: number;
  finished: number;
  running: number;
  /** pending + queued */
  pending: number;
  /** failed, stopped, interrupted, timeout, cancelled: continuing resumes them */
  unfinished: number;
  successes: Record<string, number>;
  runs_per_init: Record<string, number>;
  best: Record<string, BestCell | null>;
  /** As the sweep's (null for charlm: success below the text's unigram entropy). */
  baseline: number | null;
  executor: 'local' | 'slurm' | null;
  /** SLURM array job id of the latest submission. */
  job_id: string | null;
  updated_at: string;
  members?: MemberSummary[];
}

/** What an executor knows of one member (SLURM: from squeue/scontrol), merged with its run folder by the summary. */
export type ExecutorTaskState = 'queued' | 'running' | 'completed' | 'failed' | 'timeout' | 'cancelled';

/** Local (child processes) and SLURM behind one interface. */
export interface SweepExecutor {
  readonly kind: 'local' | 'slurm';
  /** Hands the members over (local: queued; SLURM: one array job). Resolves after hand-over, not at the end. */
  submit(sweepDir: string, sweep: ResolvedSweep, indices: number[]): Promise<{ job_id: string | null }>;
  /** Current states of the members this executor runs or ran (members it never saw are absent). */
  poll(sweepDir: string, sweep: ResolvedSweep): Promise<Map<number, ExecutorTaskState>>;
  /** Stops every member it runs; they checkpoint first (SIGTERM), so continuing resumes them. */
  cancel(sweepDir: string, sweep: ResolvedSweep): Promise<void>;
}

// ---- `sweep-report` (src/sweeps/report.ts): the paper's Table 2 and Fig. 5 over a sweep

/** Which runs a report averages: the successful ones (the paper's Table 2 and Fig. 5), or every finished one. */
export type ReportRule = 'successful' | 'all';

/** One initializer's row of Table 2. Means are null when no run of the rule has the number (n = 0). */
export interface Table2Row {
  /** The `inits` group the initializer came from (the family name for a family with gains). */
  group: string;
  /** Runs averaged (successful or finished, by the rule). */
  n: number;
  /** Runs of the initializer in the sweep, finished runs among them and successful ones. */
  runs: number;
  finished: number;
  successes: number;
  /** Henrici departure d(W) = sqrt(‖W‖_F² − Σ|λ|²), not normalized (the paper's Table 2), after training (last checkpoint). */
  henrici_mean: number | null;
  henrici_sem: number | null;
  /** The same at initialization (update-0 checkpoint). */
  henrici_init_mean: number | null;
  henrici_init_sem: number | null;
  /** Runs with an update-0 checkpoint (runs from before it was written have none): the init means are over these. */
  n_init: number;
  /** d(W)/‖W‖_F after training and at initialization, for comparing networks of different scale. */
  henrici_normalized_mean: number | null;
  henrici_normalized_sem: number | null;
  henrici_normalized_init_mean: number | null;
  henrici_normalized_init_sem: number | null;
  /** ‖W − W₀‖_F / ‖W₀‖_F at the last checkpoint: how far training moved W. */
  delta_from_init_mean: number | null;
  /** Mean last checkpoint's update. */
  final_update_mean: number | null;
}

/**
 * One initializer's chain-motif profiles (Fig. 5): mean and s.e.m. per order difference i − j over the runs that have
 * a pair of units there (null where none has). Empty arrays when n = 0.
 */
export interface MotifRow {
  n: number;
  /** −(N−1) … N−1. */
  offsets: number[];
  before_mean: (number | null)[];
  before_sem: (number | null)[];
  after_mean: (number | null)[];
  after_sem: (number | null)[];
  /**
   * LSTM / GRU sweeps: the same per recurrent gate block (Keras order: LSTM i, f, c, o; GRU z, r, h), each run's
   * blocks ordered by its cell's dynamics (docs/science.md, "Per-gate profiles"). The fields above are then the
   * candidate block's (LSTM c, GRU h).
   */
  gates?: Record<string, { before_mean: (number | null)[]; before_sem: (number | null)[]; after_mean: (number | null)[]; after_sem: (number | null)[] }>;
}

export interface SweepReport {
  sweep_dir: string;
  rule: ReportRule;
  /** Keys: the members' initializer specs (`chain:1.02`), in sweep order; every initializer of the sweep is present. */
  table2: Record<string, Table2Row>;
  motif: Record<string, MotifRow>;
  /** How the motif drives the networks (the trajectory's defaults). */
  motif_options: { channel: number | 'all'; measure: string; steps: number; tie_seed: number };
  /** Runs analysed (the rule's runs over every initializer) and how many of their checkpoints were analysed now (not cached). */
  analysed_runs: number;
  computed_checkpoints: number;
}
