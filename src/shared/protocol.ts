/**
 * The one message protocol between the extension host, the webviews and the worker thread.
 * Matrices always cross as typed arrays (`Float32Array`), never as JSON number lists.
 */
import type { TensorStats } from '../core/stats';
import type { CheckpointOutline, MetadataItem, MetadataPairing, TensorGroup, TensorSummary } from '../core/inspect';
import type { MetaValue } from '../core/tensor';

export type { MetadataItem, MetadataPairing, MetaValue, TensorGroup, TensorSummary };

/** `groups`, `fileMetadata`, `pairings`: how the table groups many tensors and where plain values are shown. */
export interface CheckpointSummary extends CheckpointOutline {
  file: string;
  /** File name for display. */
  label: string;
  format: string;
  layout: 'row' | 'column';
  /** Recurrent matrices first, then the others in file order. */
  tensors: TensorSummary[];
  /** Memory the tensors take, held in their stored types. */
  bytes: number;
  /** Milliseconds in the worker: reading the file, and the statistics of every tensor (`readMs` is their sum). */
  readMs: number;
  statsMs: number;
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
  /** Tensor table: the filter text and the groups the user expanded. */
  filter?: string;
  expanded?: string[];
}

// ---- extension host → inspector webview
export type HostToInspector =
  | { type: 'loading'; label: string }
  /**
   * `matrix`: the overview of the matrix the webview selects first (restored, else the first row), sent with the
   * summary so the first heatmap needs no round trip; absent when it could not be prepared.
   */
  | { type: 'checkpoint'; summary: CheckpointSummary; settings: HeatmapSettings; restore?: InspectorViewState; matrix?: MatrixPayload }
  | { type: 'matrix'; matrix: MatrixPayload }
  | { type: 'error'; error: LensError };

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
  | {
    kind: 'init'; spec: string; n: number; seed: number;
    /**
     * An LSTM / GRU gate block (src/core/init/gated.ts): `spec` is then a per-gate-block spec (plain, orthogonal,
     * chain, fbchain, mixed) and `gate` the block in the Keras order (LSTM i, f, c, o; GRU z, r, h).
     */
    cell?: 'lstm' | 'gru';
    gate?: string;
  };

// ---- extension host ↔ worker thread: request/response by id

/**
 * Every operation of the worker thread: its parameters and its result. `cancel` (cancellable operations) is a
 * SharedArrayBuffer holding one Int32 the host sets to 1 to stop the work (src/core/cancel.ts).
 */
export interface WorkerOps {
  /** Reads a checkpoint (kept in the worker's cache) and summarises it. */
  open: { params: { file: string }; result: CheckpointSummary };
  /** A tensor (or gate block) of a checkpoint for the heatmap, at most `maxSide` per side (an overview). */
  matrix: { params: { file: string; key: MatrixKey; maxSide?: number }; result: MatrixPayload };
  /** The square matrix an analysis of a tensor needs, from the worker's parse of its file (see AnalysisMatrix). */
  square: { params: { file: string; key: MatrixKey }; result: AnalysisMatrix };
  /** Drops a checkpoint from the worker's cache. */
  close: { params: { file: string }; result: null };
  /**
   * Every analysis of one matrix. `matrix`: the tensor's values as another worker parsed them (a `square` result),
   * so this worker does not read the file again; without it a tensor source is read here.
   */
  analyze: {
    params: { source: MatrixSource; options: AnalysisOptions; matrix?: AnalysisMatrix; cancel?: SharedArrayBuffer; parts?: boolean };
    result: AnalysisPayload;
    /** With `parts`: the analysis part by part as each is computed (AnalysisPart, in ANALYSIS_PART_ORDER). */
    partial: AnalysisPart;
  };
  /** A run folder's trajectory (cached per checkpoint in the run folder) and its matrices; progress: one line each step. */
  trajectory: { params: { dir: string; cancel?: SharedArrayBuffer }; result: TrajectoryPayload };
  /**
   * Text from a language model checkpoint (a run folder, a checkpoint folder or its model.json): the text streams as
   * `progress` messages (each the next chunk).
   */
  sample: { params: { target: string; options: SampleRequest; cancel?: SharedArrayBuffer }; result: SampleDone };
  /** Whether a text file can train a language model with these settings. */
  checkText: { params: { file: string; settings: { max_chars: number; batch: number; T: number } }; result: TextCheck };
  /** The worker's checkpoint cache: files parsed so far (every read counts) and the files held now. */
  cacheInfo: { params: object; result: { parses: number; files: string[] } };
}
export type WorkerOp = keyof WorkerOps;
export type ParamsOf<O extends WorkerOp> = WorkerOps[O]['params'];
export type ResultOf<O extends WorkerOp> = WorkerOps[O]['result'];
/** Operations the host can stop while they run (their params take `cancel`). */
export type CancellableOp = { [O in WorkerOp]: 'cancel' extends keyof ParamsOf<O> ? O : never }[WorkerOp];
/**
 * Operations that can answer part by part (their WorkerOps entry has `partial`, their params `parts`): asked with
 * `parts: true`, the worker sends each part as it is computed, its typed arrays transferred, then a result message
 * with `fromParts` instead of the result: the result is the merge of the parts (src/host/workerClient.ts), so no
 * array crosses twice.
 */
export type PartialOp = { [O in WorkerOp]: WorkerOps[O] extends { partial: unknown } ? O : never }[WorkerOp];
export type PartialOf<O extends WorkerOp> = WorkerOps[O] extends { partial: infer P } ? P : never;
/** What a caller asks for: the operation and its parameters. */
export type RequestOf<O extends WorkerOp> = { op: O } & ParamsOf<O>;

/**
 * A request as it crosses: with its id, and the file-size limit (bytes, the recurrentLens.maxFileSizeMB setting) every
 * file the worker reads for it is held to.
 */
export type WorkerRequest = { [O in WorkerOp]: { id: number; maxFileBytes: number } & RequestOf<O> }[WorkerOp];

/**
 * A tensor's square matrix in column convention (row-major `n × n`), and for a gate block the whole LSTM / GRU cell
 * it belongs to (the per-gate motif profiles run it), or why there is none.
 */
export interface AnalysisMatrix {
  W: Float64Array;
  n: number;
  gated?: { net: GatedNetwork } | { problem: string };
}

/** Sampling settings (src/core/train/sample.ts); temperature 0 is greedy. */
export interface SampleRequest {
  prompt: string;
  length: number;
  temperature: number;
  seed: number;
}

/** How a sample ended: the whole text, how many characters, whether it was stopped, the checkpoint's update. */
export interface SampleDone {
  text: string;
  length: number;
  stopped: boolean;
  update: number | null;
  checkpoint: string;
}

export interface TextCheck {
  chars: number;
  vocab: number;
  unigramBpc: number;
  /** Batches of one validation pass (T characters of every stream at a time). */
  validBatches: number;
}

export type WorkerResponse =
  | { [O in WorkerOp]: { id: number; ok: true; op: O; result: ResultOf<O> } }[WorkerOp]
  /** The end of a request answered in parts (PartialOp with `parts: true`): its result is the merge of its parts. */
  | { [O in PartialOp]: { id: number; ok: true; op: O; fromParts: true } }[PartialOp]
  /** A long request's progress (the trajectory: one more checkpoint analysed); the result follows. */
  | { id: number; progress: string }
  /** One part of a result (PartialOp with `parts: true`), as soon as the worker has it; more parts or the end follow. */
  | { [O in PartialOp]: { id: number; op: O; partial: PartialOf<O> } }[PartialOp]
  | { id: number; ok: false; error: LensError };

/**
 * What went wrong, as errors cross from the workers to the host and on to the webviews: code switches on `kind`, never
 * on the text (src/core/errors.ts makes them from what was thrown).
 * `cancelled`: stopped on request. `format`, `too-large`, `io`: an input file's content, its size (over the
 * recurrentLens.maxFileSizeMB setting or a reader's bound), or reading it at all. `unstable`: the matrix is not stable
 * enough for an infinite-horizon quantity (use a finite horizon). `not-converged`: an iteration (the QR algorithm) hit
 * its limit. `timeout`: the worker outlived its time limit and was stopped; `restarted`: the request waited on a
 * worker that was stopped. `not-found`, `bad-request`: a webview's request names no such thing (a run, data) or is
 * malformed. `bad-input`: the matrix or an argument cannot be analysed (not square, NaN or Inf weights, a zero input
 * vector): the user's to fix, `file` set when a file holds it. `internal`: anything else (a bug).
 */
export type ErrorKind =
  | 'cancelled' | 'format' | 'too-large' | 'io' | 'unstable' | 'not-converged' | 'timeout' | 'restarted'
  | 'not-found' | 'bad-request' | 'bad-input' | 'internal';

export interface LensError {
  kind: ErrorKind;
  /** One line, naming the file first when there is one (`<file>: <problem>`). */
  message: string;
  file?: string;
}
import type { GatedNetwork } from '../core/analysis/trajectoryTypes';

// ---- analysis panel (issue: matrix analyses) ----------------------------------------------------------

export type {
  SchurOrderName, MemoryInput, Activation, AnalysisOptions, AnalysisNumbers, AnalysisPayload, AnalysisPart, AnalysisPartName,
  PartialAnalysis,
} from '../core/analysis/types';
import type { AnalysisOptions, AnalysisPart, AnalysisPayload } from '../core/analysis/types';

// ---- extension host → analysis webview
export type HostToAnalysis =
  | { type: 'running'; title: string; options: AnalysisOptions }
  /**
   * A part of the running analysis as soon as the worker has it (AnalysisPart, in ANALYSIS_PART_ORDER; the `matrix`
   * part, first, carries the title and options and starts a new display); the whole `result` follows.
   */
  | { type: 'part'; part: AnalysisPart }
  | { type: 'result'; result: AnalysisPayload }
  | { type: 'error'; error: LensError };

// ---- analysis webview → extension host
export type AnalysisToHost =
  | { type: 'ready' }
  | { type: 'run'; options: AnalysisOptions }
  | { type: 'cancel' }
  /** A figure to save: SVG text, or a PNG as a data: URL. */
  | { type: 'saveFigure'; name: string; format: 'svg' | 'png'; data: string }
  | { type: 'saveData'; format: 'csv' | 'json' };

// ---- compare panel (issue: initializers and compare initializers) -----------------------------------------

/** Fields of ExactValues that can be exact (closed forms). */
export type ExactKey = 'eigenvalues' | 'eigenvalueModulus' | 'spectralRadius' | 'henrici' | 'sigmaMax' | 'J' | 'jTot';

/** Exact values of an initializer where closed forms exist (computed by src/core/init/exact.ts). */
export interface ExactValues {
  /** Canonical spec (name:gain) and size. */
  spec: string;
  n: number;
  /** Every eigenvalue, with multiplicity (chain, fbchain, identity). */
  eigenvalues?: { re: Float64Array; im: Float64Array };
  /** The common modulus of every eigenvalue when the eigenvalues themselves are not known exactly (orthogonal). */
  eigenvalueModulus?: number;
  spectralRadius?: number;
  /** Henrici's departure from normality. */
  henrici?: number;
  /** Largest singular value ‖W‖₂. */
  sigmaMax?: number;
  /** Fisher memory curve J(k), k = 0 … J.length − 1, for v = e₁ (see `memoryMethod`). */
  J?: Float64Array;
  /** Total memory Σ_k J(k) over the horizon (the infinite sum when horizon is null). */
  jTot?: number;
  /** Horizon of J and jTot: null = infinite, else N (when ρ(W) ≥ 1). */
  horizon?: number | null;
  /** 'closed-form': exact. 'stein': the accurate Stein solver of analysis/memory.ts, not a closed form. */
  memoryMethod?: 'closed-form' | 'stein';
  /** Which of the fields above are exact (closed forms). Values present but not listed are accurate numerics. */
  exact: ExactKey[];
  /** One sentence each: what is exact and what is not. */
  notes: string[];
}

/** The compare panel's summary quantities. */
export type SummaryKey = 'jTot' | 'henrici' | 'spectralRadius' | 'sigmaMax';

/**
 * Where a shown value comes from: 'exact' a closed form; 'stein' the Stein solver (accurate, not a closed form);
 * 'float64' an ordinary float64 computation that is trustworthy (singular values; eigenvalues of a well-conditioned
 * W); 'untrustworthy' float64 eigenvalue-based values of a W whose eigenvalues are ill-conditioned (κ·ε > 1e-8).
 */
export type ValueMethod = 'exact' | 'stein' | 'float64' | 'untrustworthy';

export interface SummaryValue {
  /** The value to show (the exact one when there is one); null when neither is known. */
  value: number | null;
  method: ValueMethod | null;
  /** The float64 analysis' own value, when there was an analysis. */
  float64: number | null;
}

/** One column of the compare panel: an initializer or a loaded matrix, analysed with gridPoints 0. */
export interface CompareColumn {
  /** Stable within the panel: c1, c2, … (an edited column keeps its id). */
  id: string;
  source: MatrixSource;
  /** Display title, e.g. `chain:1.02 (N = 100)` or `rnn.weight_hh_l0 — model.pt`. */
  title: string;
  /** Canonical initializer spec (`chain:1.02`, `orthogonal:1.0`) for ids; absent for a loaded matrix. */
  init?: string;
}

// ---- extension host → compare webview
export type HostToCompare =
  /** Every column, in order, after any add, edit or remove; results follow per column. */
  | { type: 'columns'; columns: CompareColumn[] }
  | { type: 'running'; id: string }
  /** `exact`: the initializer's closed forms (src/core/init/exact.ts), null for a loaded matrix. */
  | { type: 'result'; id: string; result: AnalysisPayload; exact: ExactValues | null; summary: Record<SummaryKey, SummaryValue> }
  /** The analysis failed (or was cancelled); closed forms, when there are some, still hold. */
  | { type: 'error'; id: string; error: LensError; exact: ExactValues | null; summary: Record<SummaryKey, SummaryValue> };

// ---- compare webview → extension host
export type CompareToHost =
  | { type: 'ready' }
  /** New gain / N / seed for an initializer column: re-runs it; a newer edit cancels the older run. */
  | { type: 'edit'; id: string; spec: string; n: number; seed: number }
  /** With `cell`: one column per gate block of that LSTM / GRU initializer. */
  | { type: 'add'; spec: string; n: number; seed: number; cell?: 'lstm' | 'gru' }
  | { type: 'remove'; id: string }
  /** A figure to save: SVG text, or a PNG as a data: URL. */
  | { type: 'saveFigure'; name: string; format: 'svg' | 'png'; data: string }
  /** The summary table as CSV (built by the host from its results). */
  | { type: 'saveTable' };

// ---- training: runs train in the background -------------------------------------------------

/**
 * A run's `config.json` in `<workspace>/.recurrent-lens/runs/<id>/` (snake_case: the trainer's file format, see
 * src/core/train/config.ts and docs/training.md). The trainer fills in missing fields and writes them all back.
 */
export interface RunConfig {
  task: 'copy' | 'addition' | 'psmnist' | 'charlm';
  /** Recurrent cell: `rnn` (the paper's vanilla RNN), `lstm` or `gru`. */
  cell?: 'rnn' | 'lstm' | 'gru';
  /** charlm: the UTF-8 text file to model. */
  file?: string | null;
  /** charlm: use only the first this many characters (0: all). */
  max_chars?: number;
  optimizer?: 'rmsprop' | 'adam';
  /** Sequence length (copy, addition, charlm's truncated backpropagation; psMNIST's is 784). */
  T?: number;
  N?: number;
  /** Initializer spec `name:gain`, e.g. `chain:1.02`. */
  init?: string;
  activation?: 'elu' | 'relu' | 'tanh';
  lr?: number;
  seed?: number;
  updates?: number;
  batch?: number;
  eval_every?: number;
  checkpoint_every?: number;
  /** Retention: the last this many checkpoints besides update 0, the log-spaced and the best one (0: all). */
  keep_checkpoints?: number;
  log_every?: number;
  train_size?: number;
  val_size?: number;
  /** Stop when the validation loss falls below this. */
  early_stop?: number;
  clip_norm?: number;
  name?: string | null;
  mnist_images?: string | null;
  mnist_labels?: string | null;
}

/** What the trainer records in `status.json`. */
export type TrainerState = 'running' | 'completed' | 'stopped' | 'diverged' | 'failed';

export interface RunStatus {
  id: string;
  state: TrainerState;
  update: number;
  updates: number;
  train_loss: number | null;
  val_loss: number | null;
  best_val_loss: number | null;
  /** The task's memoryless baseline loss; success is a final validation loss below baseline / 2. */
  baseline: number | null;
  succeeded: boolean;
  diverged: boolean;
  /** Last finite checkpoint folder, relative to the run folder (`checkpoints/update-000500`). */
  checkpoint: string | null;
  ms_per_update: number | null;
  pid: number | null;
  /** The host the trainer runs on (os.hostname()): a pid means something only there. */
  host?: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  engine?: string;
  backend?: string;
  /** Unit of the losses when not the task's own: `bpc` (bits per character) for language models. */
  loss_unit?: 'bpc';
}

/** One line of `metrics.jsonl`. */
export type MetricLine =
  | { update: number; train_loss: number; elapsed_ms: number }
  | { update: number; val_loss: number; elapsed_ms: number };

// ---- trainer process (child_process.fork of `cli.js train --run-dir <dir>`) ↔ extension host
export type TrainerToHost =
  | { type: 'started'; id: string; pid: number; update: number; updates?: number; baseline?: number }
  | { type: 'train'; update: number; train_loss: number; elapsed_ms: number }
  | { type: 'val'; update: number; val_loss: number; elapsed_ms: number }
  /** `path`: the checkpoint folder, relative to the run folder. */
  | { type: 'checkpoint'; update: number; path: string }
  | { type: 'end'; status: RunStatus };

/** `stop`: checkpoint and exit with state "stopped" (SIGTERM does the same). */
export type HostToTrainer = { type: 'stop' };

/**
 * A run as the UI shows it: the trainer's states, plus `queued` (waiting for a free slot), `pending` (a run folder
 * that was never started, e.g. queued when the window closed) and `interrupted` (status.json says running but its
 * process is gone).
 */
export type RunState = TrainerState | 'queued' | 'pending' | 'interrupted';

export interface RunView {
  id: string;
  /** The config's name, else its settings (`copy T100 chain:1.02 lr 3e-4 seed 1`); `id` tells runs apart. */
  label: string;
  /** Absolute path of the run folder. */
  dir: string;
  state: RunState;
  config: RunConfig;
  update: number;
  updates: number;
  trainLoss: number | null;
  valLoss: number | null;
  bestValLoss: number | null;
  baseline: number | null;
  succeeded: boolean;
  /** Relative path of the last finite checkpoint folder. */
  checkpoint: string | null;
  msPerUpdate: number | null;
  error: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Started by another process (the CLI, an earlier window), followed through its files. */
  external: boolean;
  /** Bytes the run folder takes on disk (null until measured). */
  diskBytes?: number | null;
  /** A sweep member: the sweep's id (its folder name); the run id is `<sweep>/<member name>`. */
  sweep?: string;
}

/**
 * A sweep as the Runs view lists it (src/runs/runManager.ts sweeps()): counts from its members' runs. Members
 * without a run folder are pending. Keys of `successes` and `runs_per_init` are the sweep's `groups`.
 */
export interface SweepView
  extends Pick<SweepSummary, 'name' | 'runs' | 'finished' | 'running' | 'pending' | 'unfinished' | 'successes' | 'runs_per_init'> {
  /** The sweep folder's name. */
  id: string;
  /** Absolute path of the sweep folder. */
  dir: string;
  /** The name, else the id. */
  label: string;
  groups: string[];
  /** null when sweep.json could not be read. */
  baseline: number | null;
  /** Ids of the member runs that exist (`<sweep>/<member name>`), in member order. */
  runIds: string[];
  /** sweep.json could not be read: why (one line). */
  error: string | null;
}

/** Loss points in update order; both arrays have the same length. */
export interface LossSeries {
  update: Float64Array;
  loss: Float64Array;
}

// ---- extension host → training webview
export type HostToTraining =
  /** Everything: on `ready`, and when a resumed run rewinds to its checkpoint. */
  | { type: 'run'; run: RunView; train: LossSeries; val: LossSeries }
  /** New points since the last message (appended). */
  | { type: 'points'; train: LossSeries; val: LossSeries }
  | { type: 'status'; run: RunView }
  /** Several runs overlaid (Compare Training Curves): every run each time, named by what differs between them. */
  | { type: 'compare'; runs: RunCurves[]; differing: string[] }
  /** A language model run's checkpoints, oldest first (what the sampler can read). */
  | { type: 'checkpoints'; checkpoints: CheckpointRef[] }
  /** Sampling: `start` (clears the text), `chunk` (appends), `end`, or `error` (one line). */
  | { type: 'sample'; event: 'start'; update: number | null }
  | { type: 'sample'; event: 'chunk'; text: string }
  | { type: 'sample'; event: 'end'; length: number; stopped: boolean; ms: number }
  | { type: 'sample'; event: 'error'; error: LensError };

/** One run of a comparison: its state, the name its legend shows, its curves. */
export interface RunCurves {
  run: RunView;
  label: string;
  train: LossSeries;
  val: LossSeries;
}

export type TrainingAction = 'stop' | 'resume' | 'openCheckpoint' | 'showLog' | 'openFolder' | 'trajectory';

/** A checkpoint of a run: its folder relative to the run folder (`checkpoints/update-0000500`) and update. */
export interface CheckpointRef {
  folder: string;
  update: number;
}

// ---- training webview → extension host
export type TrainingToHost =
  | { type: 'ready' }
  /** Language models: text from a checkpoint (`folder`, or the latest when absent), streamed back as `sample` messages. */
  | { type: 'sample'; folder?: string; options: SampleRequest }
  | { type: 'cancelSample' }
  | { type: 'action'; action: TrainingAction }
  /** The chart as a standalone file (SVG text, or a PNG data URL), saved by the host. */
  | { type: 'saveFigure'; name: string; format: 'svg' | 'png'; data: string }
  /** The curves as CSV (built by the host from the runs' metrics). */
  | { type: 'saveData' };

// ---- sweep panel (Fig. 3 of the paper for one sweep folder) ----------------------------------------------

import type { MemberSummary, SweepReport, SweepSummary } from '../sweeps/types';
export type { MemberSummary };

/** Mean ± s.e.m. of validation-loss curves over a cell's finished seeds; `n` runs at each update. */
export interface SweepCurve {
  update: number[];
  mean: number[];
  sem: number[];
  n: number[];
}

/** One (gain, lr) cell of a group's grid. `rate`: successes / finished (null when none finished). */
export interface SweepPanelCell {
  gain: number;
  lr: number;
  runs: number;
  finished: number;
  successes: number;
  rate: number | null;
  /** Over its finished runs with a final validation loss (diverged runs have none). */
  mean_final_val_loss: number | null;
  sem: number | null;
  /** Its members' `index`, by seed. */
  members: number[];
}

/** An `inits` group of the sweep: its counts (Fig. 3 d–f), grid, and its best cell's curve (a–c). */
export interface SweepPanelGroup {
  group: string;
  /** The initializer specs in the group (`chain:1.02`, …). */
  inits: string[];
  runs: number;
  finished: number;
  successes: number;
  /** Grid axes: gains ascending (rows), learning rates descending (columns). */
  gains: number[];
  lrs: number[];
  /** Row-major: gains × lrs. */
  cells: SweepPanelCell[];
  /** Index into `cells` of the lowest mean final validation loss; null until a run of the group finished. */
  best: number | null;
  curve: SweepCurve | null;
}

export interface SweepPanelData {
  /** The sweep folder (absolute). */
  dir: string;
  id: string;
  name: string | null;
  task: string | null;
  T: number | null;
  N: number | null;
  /** The task's baseline; null for charlm (success below the text's unigram entropy). */
  baseline: number | null;
  runs: number;
  finished: number;
  running: number;
  pending: number;
  unfinished: number;
  successes: number;
  executor: 'local' | 'slurm' | null;
  job_id: string | null;
  groups: SweepPanelGroup[];
  members: MemberSummary[];
}

/**
 * Requests of the sweep webview to the host, each with its result type. The host answers every request with a
 * `response` of the same id: the result, or a structured error.
 */
export interface SweepRequests {
  /** Open a member run's training curves (the training panel). */
  openRun: { params: { name: string }; result: { runId: string } };
  /** Save a figure (SVG text or a PNG data URL); `saved` is the file, null when the user cancelled. */
  saveFigure: { params: { name: string; format: 'svg' | 'png'; data: string }; result: { saved: string | null } };
  /** Save the members table or the best cells' curves as CSV (built by the host). */
  saveCsv: { params: { what: 'runs' | 'curves' }; result: { saved: string | null } };
  /**
   * Table 2 and the motif profiles (`sweep-report --json` in a child process: every finished run's first and last
   * checkpoints are analysed, or read from their cache). `report` is null when cancelled. Progress comes as
   * `reportProgress` messages.
   */
  computeReport: { params: { all: boolean }; result: { report: SweepReport | null } };
  /** Stops a computeReport (its request then answers with null). */
  cancelReport: { params: Record<string, never>; result: { cancelled: boolean } };
}
export type SweepMethod = keyof SweepRequests;

export type SweepRequest = { [M in SweepMethod]: { type: 'request'; id: number; method: M; params: SweepRequests[M]['params'] } }[SweepMethod];
export type SweepResponse =
  | { type: 'response'; id: number; ok: true; result: SweepRequests[SweepMethod]['result'] }
  | { type: 'response'; id: number; ok: false; error: LensError };

// ---- extension host → sweep webview
export type HostToSweep =
  | { type: 'data'; data: SweepPanelData }
  /** The folder cannot be shown (sweep.json missing or broken): one line. */
  | { type: 'error'; message: string }
  /** A computeReport's progress: runs analysed of those it averages. */
  | { type: 'reportProgress'; done: number; total: number }
  | SweepResponse;

// ---- sweep webview → extension host
export type SweepToHost = { type: 'ready' } | SweepRequest;

// ---- Weight Trajectory panel (a run's checkpoints: the numbers, W, W − W₀ and T, the eigenvalues) ---------------

import type { Trajectory, TrajectoryEntry, TrajectoryMatrices } from '../core/analysis/trajectoryTypes';
export type { Trajectory, TrajectoryEntry, TrajectoryMatrices };

/** What the worker computes for one run folder. */
export interface TrajectoryPayload {
  trajectory: Trajectory;
  matrices: TrajectoryMatrices;
}

/** One column of the panel: a run's trajectory, matrices and validation loss curve. */
export interface TrajectoryColumn {
  id: string;
  label: string;
  /** Settings line (task, N, initializer, seed). */
  config: string;
  state: RunState;
  trajectory: Trajectory;
  matrices: TrajectoryMatrices;
  val: LossSeries;
  /** Language models' losses are bits per character. */
  lossUnit?: 'bpc';
}

// ---- extension host → trajectory webview
export type HostToTrajectory =
  /**
   * Every column, each time one changes (matrices are typed arrays). `runIds`: the runs on show, in order, those still
   * being analysed included: what the webview keeps in its state for a window reload.
   */
  | { type: 'columns'; columns: TrajectoryColumn[]; runIds: string[] }
  /** Computing (text for the status line), or null when done. */
  | { type: 'progress'; text: string | null }
  | { type: 'error'; error: LensError };

// ---- trajectory webview → extension host
export type TrajectoryToHost =
  | { type: 'ready' }
  /** "Add run to compare": the host asks which run. */
  | { type: 'addRun' }
  | { type: 'removeRun'; id: string }
  | { type: 'cancel' }
  | { type: 'saveFigure'; name: string; format: 'svg' | 'png'; data: string }
  /** The table as CSV (built by the host from the trajectories). */
  | { type: 'saveData' };
