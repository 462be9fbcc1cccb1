/**
 * Worker thread: reads checkpoints and prepares matrices off the extension host's main thread.
 * Speaks the request/response half of src/shared/protocol.ts: each operation of WorkerOps answers with its result
 * type, or with a LensError (src/core/errors.ts).
 *
 * Every file read for a request is held to the request's `maxFileBytes` (the recurrentLens.maxFileSizeMB setting).
 * Checkpoints are parsed once and kept in a small cache by path, size and modification time.
 */
import { parentPort } from 'node:worker_threads';
import * as path from 'node:path';
import type { ReadOptions } from './core/readers';
import { CheckpointCache } from './core/readers/cache';
import { Checkpoint, problemOf } from './core/tensor';
import { findTensor, outlineCheckpoint, squareMatrixOf, summarizeTensors } from './core/inspect';
import { matrixValues } from './core/recurrent';
import { tensorStats } from './core/stats';
import { overview } from './core/pyramid';
import { analyzeMatrix } from './core/analysis/analyze';
import { sharedSignal } from './core/cancel';
import { lensErrorOf } from './core/errors';
import { makeInit } from './core/init/initializers';
import { gatedBlock, gateIndex, KERAS_GATES } from './core/init/gated';
import { gatedMotif, gatedNetworkOf, gateMotifsJson } from './core/analysis/gatedMotif';
import type { AnalysisPart, AnalysisPayload } from './core/analysis/types';
import { runTrajectory, trajectoryMatrices } from './runs/trajectory';
import { loadLanguageModel, sampleText } from './core/train/sample';
import { checkTrainingText } from './core/tasks/charlmFile';
import { BadInputError } from './core/badInput';
import type {
  AnalysisMatrix, CheckpointSummary, MatrixKey, MatrixSource, PartialOp, RequestOf, ResultOf, WorkerOp, WorkerRequest, WorkerResponse,
} from './shared/protocol';

/** What names the file-size limit in messages. */
const LIMIT_NAME = 'the setting recurrentLens.maxFileSizeMB';

/** A request as a handler sees it: its parameters, id and file-size limit. */
type Request<O extends WorkerOp> = RequestOf<O> & { id: number; maxFileBytes: number };
/**
 * A result, and the buffers that move to the host with it instead of being copied; or, for a request answered in
 * parts (PartialOp with `parts`), the note that every part was sent.
 */
type Answer<O extends WorkerOp> = { result: ResultOf<O>; transfer?: ArrayBuffer[] } | (O extends PartialOp ? { fromParts: true } : never);

const readOptions = (req: { maxFileBytes: number }): ReadOptions => ({ maxFileBytes: req.maxFileBytes, limitName: LIMIT_NAME });

/** Parsed checkpoints; switching tabs, overviews, full matrices and analyses of one file read it once. */
const checkpoints = new CheckpointCache(3);
/** Summaries of cached checkpoints (the statistics of every tensor), computed on first `open`. */
const summaries = new WeakMap<Checkpoint, CheckpointSummary>();

async function open(req: Request<'open'>): Promise<CheckpointSummary> {
  const { ckpt, readMs } = await checkpoints.get(req.file, readOptions(req));
  const known = summaries.get(ckpt);
  if (known) return known;
  const started = performance.now();
  const tensors = summarizeTensors(ckpt);
  const statsMs = performance.now() - started;
  const summary: CheckpointSummary = {
    file: req.file,
    label: path.basename(req.file),
    format: ckpt.format,
    layout: ckpt.layout,
    tensors,
    ...outlineCheckpoint(tensors.map((t) => t.name), ckpt.metadata),
    bytes: ckpt.tensors.reduce((s, t) => s + t.data.byteLength, 0),
    readMs: readMs + statsMs,
    statsMs,
  };
  summaries.set(ckpt, summary);
  return summary;
}

async function matrix(req: Request<'matrix'>): Promise<Answer<'matrix'>> {
  const { ckpt } = await checkpoints.get(req.file, readOptions(req));
  // The stored values (no float64 copy); float32 for the heatmap, copied only when not already float32.
  const view = matrixValues(findTensor(ckpt, req.key.name), ckpt.layout, req.key.gate);
  const full = { rows: view.rows, cols: view.cols, data: view.data instanceof Float32Array ? view.data : new Float32Array(view.data) };
  const { level, grid } = overview(full, req.maxSide ?? Infinity);
  // The grid's buffer is transferred to the caller: never the tensor's own (it stays cached, and may be the file's bytes).
  if (grid.data === view.data) grid.data = grid.data.slice();
  // A whole tensor's statistics are in the summary when the file was opened; a gate block needs its own.
  const known = req.key.gate === undefined ? summaries.get(ckpt)?.tensors.find((t) => t.name === req.key.name) : undefined;
  const stats = known ?? tensorStats(view.data);
  const result = {
    key: req.key,
    rows: view.rows,
    cols: view.cols,
    level,
    data: grid.data,
    transform: view.transform,
    stats: {
      min: stats.min, max: stats.max, mean: stats.mean, std: stats.std,
      nan: stats.nan, inf: stats.inf, zeros: stats.zeros, frobenius: stats.frobenius,
    },
  };
  return { result, transfer: [grid.data.buffer as ArrayBuffer] };
}

/** A tensor's square matrix (column convention) and, for a gate block, the cell it belongs to. */
function analysisMatrixOf(ckpt: Checkpoint, key: MatrixKey): AnalysisMatrix {
  const { W, n } = squareMatrixOf(ckpt, key.name, key.gate);
  if (key.gate === undefined) return { W, n };
  try {
    return { W, n, gated: { net: gatedNetworkOf(ckpt, key.name) } };
  } catch (err) {
    return { W, n, gated: { problem: problemOf(err) } };
  }
}

/**
 * Values that own their buffer exactly: a tensor may be a view of the whole file's bytes, and a message would copy
 * all of them with it.
 */
function own<T extends ArrayLike<number>>(a: T): T {
  if (!ArrayBuffer.isView(a)) return a;
  const view = a as unknown as Float64Array;
  return (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? a : view.slice()) as unknown as T;
}

/** An AnalysisMatrix to send to another thread (copied there, not moved: its arrays may be the cache's own). */
function crossing(m: AnalysisMatrix): AnalysisMatrix {
  const gated = m.gated && 'net' in m.gated ? { net: { ...m.gated.net, K: own(m.gated.net.K), R: own(m.gated.net.R), b: own(m.gated.net.b) } } : m.gated;
  return { W: own(m.W), n: m.n, ...(gated ? { gated } : {}) };
}

/** The matrix a source names: an initializer's, the one the host passed, or read here. */
async function sourceMatrix(source: MatrixSource, given: AnalysisMatrix | undefined, read: ReadOptions): Promise<AnalysisMatrix> {
  if (source.kind === 'init' && source.cell) {
    return { W: gatedBlock(source.spec, source.cell, source.n, source.seed, gateIndex(source.cell, source.gate)), n: source.n };
  }
  if (source.kind === 'init') return { W: makeInit(source.spec, source.n, source.seed), n: source.n };
  if (given) return given;
  const { ckpt } = await checkpoints.get(source.file, read);
  return analysisMatrixOf(ckpt, source.key);
}

/**
 * The per-gate motif profiles of the LSTM / GRU a gate block belongs to (the cell run with its checkpoint's input
 * kernel and bias); a note instead when the checkpoint holds no runnable cell.
 */
function gateMotifsOf(gated: NonNullable<AnalysisMatrix['gated']>, gate: string): NonNullable<AnalysisPayload['gateMotifs']> {
  if ('problem' in gated) return { gate, result: null, note: `Per-gate profiles need the whole cell: ${gated.problem}.` };
  const net = gated.net;
  const keras = KERAS_GATES[net.cell][gateIndex(net.cell, gate)];
  return { gate: keras, result: gateMotifsJson(gatedMotif(net)), note: null };
}

/** A part of a request's result to the host as soon as it is computed, its typed arrays transferred (not copied). */
function postPart(id: number, part: AnalysisPart): void {
  parentPort!.postMessage({ id, op: 'analyze', partial: part } satisfies WorkerResponse, buffersIn(part));
}

/**
 * With `parts`: each part of the analysis goes to the host as it is computed (its arrays moved, so the payload's own
 * are detached after), and the answer only says so.
 */
async function analyze(req: Request<'analyze'>): Promise<Answer<'analyze'>> {
  const { source } = req;
  let r: AnalysisPayload, gated: AnalysisMatrix['gated'];
  const onPart = req.parts ? (part: AnalysisPart) => postPart(req.id, part) : undefined;
  try {
    const m = await sourceMatrix(source, req.matrix, readOptions(req));
    gated = m.gated;
    r = analyzeMatrix({ W: m.W, n: m.n, options: req.options, signal: sharedSignal(req.cancel), seed: source.kind === 'init' ? source.seed : 0, onPart });
  } catch (err) {
    // Bad input names the file that holds the matrix (kind bad-input, `file` set).
    throw err instanceof BadInputError && source.kind === 'tensor' ? err.inFile(source.file) : err;
  }
  if (source.kind === 'tensor' && source.key.gate !== undefined && gated) {
    r.gateMotifs = gateMotifsOf(gated, source.key.gate);
    onPart?.({ part: 'gates', gateMotifs: r.gateMotifs, numbers: {} });
  }
  return onPart ? { fromParts: true } : { result: r, transfer: buffersIn(r) };
}

/** Schur forms of checkpoints already shown, by checkpoint folder, size and modification time (never stale). */
const schurCache = new Map<string, Float32Array>();

async function trajectory(req: Request<'trajectory'>): Promise<Answer<'trajectory'>> {
  const signal = sharedSignal(req.cancel);
  const progress = (text: string) => parentPort!.postMessage({ id: req.id, progress: text } satisfies WorkerResponse);
  let done = 0;
  const t = await runTrajectory(req.dir, {
    signal, read: readOptions(req),
    onComputed: (update) => progress(`analysed ${++done} checkpoint${done === 1 ? '' : 's'} (update ${update})`),
  });
  progress('Schur forms');
  const matrices = await trajectoryMatrices(t, { signal, schurCache, read: readOptions(req) });
  return { result: { trajectory: t, matrices }, transfer: [matrices.W0.buffer as ArrayBuffer, matrices.W.buffer as ArrayBuffer, matrices.T.buffer as ArrayBuffer] };
}

/** Text from a language model, each chunk to the host as it comes (a `progress` message); the shared flag stops it. */
async function sample(req: Request<'sample'>): Promise<Answer<'sample'>> {
  const model = await loadLanguageModel(req.target, readOptions(req));
  let last = performance.now(), pending = '';
  const r = sampleText(model, {
    ...req.options,
    chunk: 16,
    signal: sharedSignal(req.cancel),
    // at most every 30 ms a message: a fast model does not flood the host
    onChunk: (text) => {
      pending += text;
      const now = performance.now();
      if (now - last < 30) return;
      last = now;
      parentPort!.postMessage({ id: req.id, progress: pending } satisfies WorkerResponse);
      pending = '';
    },
  });
  if (pending) parentPort!.postMessage({ id: req.id, progress: pending } satisfies WorkerResponse);
  return { result: { ...r, update: model.update, checkpoint: model.file } };
}

/** The buffers of the typed arrays in a result or part (at any depth), so they move to the host instead of being copied. */
function buffersIn(value: unknown, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) buffersIn(v, found);
  }
  return [...found];
}

const handlers: { [O in WorkerOp]: (req: Request<O>) => Promise<Answer<O>> } = {
  open: async (req) => ({ result: await open(req) }),
  matrix,
  square: async (req) => {
    const { ckpt } = await checkpoints.get(req.file, readOptions(req));
    try {
      return { result: crossing(analysisMatrixOf(ckpt, req.key)) };
    } catch (err) {
      throw err instanceof BadInputError ? err.inFile(req.file) : err;
    }
  },
  close: async (req) => {
    checkpoints.delete(req.file);
    return { result: null };
  },
  analyze,
  trajectory,
  sample,
  checkText: async (req) => ({ result: await checkTrainingText(req.file, req.settings, { bytes: req.maxFileBytes, name: LIMIT_NAME }) }),
  cacheInfo: async () => ({ result: { parses: checkpoints.parses, files: checkpoints.files() } }),
};

parentPort?.on('message', async (req: WorkerRequest) => {
  let res: WorkerResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    // The one place the union of requests meets its handler: `req.op` picks both.
    const answer = await (handlers[req.op] as (r: WorkerRequest) => Promise<Answer<WorkerOp>>)(req);
    if ('fromParts' in answer) res = { id: req.id, ok: true, op: req.op as PartialOp, fromParts: true };
    else {
      transfer = answer.transfer ?? [];
      res = { id: req.id, ok: true, op: req.op, result: answer.result } as WorkerResponse;
    }
  } catch (err) {
    res = { id: req.id, ok: false, error: lensErrorOf(err) };
  }
  parentPort!.postMessage(res, transfer);
});
