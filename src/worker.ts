/**
 * Worker thread: reads checkpoints and prepares matrices off the extension host's main thread.
 * Speaks the request/response half of src/shared/protocol.ts.
 */
import { parentPort } from 'node:worker_threads';
import * as path from 'node:path';
import { readCheckpoint, problemOf } from './core/readers';
import { Checkpoint } from './core/tensor';
import { findTensor, outlineCheckpoint, squareMatrixOf, summarizeTensors } from './core/inspect';
import { matrixValues } from './core/recurrent';
import { tensorStats } from './core/stats';
import { overview } from './core/pyramid';
import { analyzeMatrix, CancelledError } from './core/analysis/analyze';
import { AbortError } from './core/linalg/schur';
import { makeInit } from './core/init/initializers';
import { gatedBlock, gateIndex, KERAS_GATES } from './core/init/gated';
import { gatedMotif, gatedNetworkOf, gateMotifsJson } from './core/analysis/gatedMotif';
import type { AnalysisPayload } from './core/analysis/types';
import { runTrajectory, trajectoryMatrices, TrajectoryCancelled } from './runs/trajectory';
import { loadLanguageModel, sampleText } from './core/train/sample';
import { checkTrainingText } from './core/tasks/charlmFile';
import type { SampleDone, CheckpointSummary, TrajectoryPayload, MatrixPayload, MatrixSource, WorkerRequest, WorkerResponse } from './shared/protocol';

interface Opened {
  ckpt: Checkpoint;
  summary: CheckpointSummary;
}

/** Open checkpoints, most recent last; a few are kept so switching tabs does not re-read files. */
const cache = new Map<string, Opened>();
const CACHE_SIZE = 3;

async function open(file: string, maxFileBytes: number): Promise<Opened> {
  const started = performance.now();
  const ckpt = await readCheckpoint(file, { maxFileBytes });
  const read = performance.now();
  const tensors = summarizeTensors(ckpt);
  const summary: CheckpointSummary = {
    file,
    label: path.basename(file),
    format: ckpt.format,
    layout: ckpt.layout,
    tensors,
    ...outlineCheckpoint(tensors.map((t) => t.name), ckpt.metadata),
    bytes: ckpt.tensors.reduce((s, t) => s + t.data.byteLength, 0),
    readMs: performance.now() - started,
    statsMs: performance.now() - read,
  };
  const opened = { ckpt, summary };
  cache.delete(file);
  cache.set(file, opened);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return opened;
}

async function matrix(file: string, req: Extract<WorkerRequest, { op: 'matrix' }>): Promise<MatrixPayload> {
  const { ckpt, summary } = cache.get(file) ?? (await open(file, Infinity));
  // The stored values (no float64 copy); float32 for the heatmap, copied only when not already float32.
  const view = matrixValues(findTensor(ckpt, req.key.name), ckpt.layout, req.key.gate);
  const full = { rows: view.rows, cols: view.cols, data: view.data instanceof Float32Array ? view.data : new Float32Array(view.data) };
  const { level, grid } = overview(full, req.maxSide ?? Infinity);
  // The grid's buffer is transferred to the caller: never the tensor's own (it stays cached, and may be the file's bytes).
  if (grid.data === view.data) grid.data = grid.data.slice();
  // A whole tensor's statistics are already in the summary; a gate block needs its own.
  const stats = req.key.gate === undefined ? summary.tensors.find((t) => t.name === req.key.name)! : tensorStats(view.data);
  return {
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
}

/** The square matrix a source names, in column convention. */
async function sourceMatrix(source: MatrixSource): Promise<{ W: Float64Array; n: number }> {
  if (source.kind === 'init' && source.cell) {
    return { W: gatedBlock(source.spec, source.cell, source.n, source.seed, gateIndex(source.cell, source.gate)), n: source.n };
  }
  if (source.kind === 'init') return { W: makeInit(source.spec, source.n, source.seed), n: source.n };
  const { ckpt } = cache.get(source.file) ?? (await open(source.file, Infinity));
  return squareMatrixOf(ckpt, source.key.name, source.key.gate);
}

/**
 * The per-gate motif profiles of the LSTM / GRU a gate block belongs to (the cell run with its checkpoint's input
 * kernel and bias); a note instead when the checkpoint holds no runnable cell.
 */
async function gateMotifsOf(file: string, name: string, gate: string): Promise<NonNullable<AnalysisPayload['gateMotifs']>> {
  const { ckpt } = cache.get(file) ?? (await open(file, Infinity));
  let net;
  try {
    net = gatedNetworkOf(ckpt, name);
  } catch (err) {
    return { gate, result: null, note: `Per-gate profiles need the whole cell: ${problemOf(err)}.` };
  }
  const keras = KERAS_GATES[net.cell][gateIndex(net.cell, gate)];
  return { gate: keras, result: gateMotifsJson(gatedMotif(net)), note: null };
}

async function analyze(req: Extract<WorkerRequest, { op: 'analyze' }>): Promise<AnalysisPayload> {
  const flag = req.cancel ? new Int32Array(req.cancel) : undefined;
  const signal = { get aborted() { return flag !== undefined && Atomics.load(flag, 0) === 1; } };
  const { W, n } = await sourceMatrix(req.source);
  try {
    const r: AnalysisPayload = analyzeMatrix({ W, n, options: req.options, signal, seed: req.source.kind === 'init' ? req.source.seed : 0 });
    if (req.source.kind === 'tensor' && req.source.key.gate !== undefined) r.gateMotifs = await gateMotifsOf(req.source.file, req.source.key.name, req.source.key.gate);
    return r;
  } catch (err) {
    if (err instanceof AbortError) throw new CancelledError();
    throw err;
  }
}

/** Schur forms of checkpoints already shown, by checkpoint folder, size and modification time (never stale). */
const schurCache = new Map<string, Float32Array>();

async function trajectory(req: Extract<WorkerRequest, { op: 'trajectory' }>): Promise<TrajectoryPayload> {
  const flag = req.cancel ? new Int32Array(req.cancel) : undefined;
  const signal = { get aborted() { return flag !== undefined && Atomics.load(flag, 0) === 1; } };
  const progress = (text: string) => parentPort!.postMessage({ id: req.id, progress: text } satisfies WorkerResponse);
  try {
    let done = 0;
    const t = await runTrajectory(req.dir, { signal, onComputed: (update) => progress(`analysed ${++done} checkpoint${done === 1 ? '' : 's'} (update ${update})`) });
    progress('Schur forms');
    const matrices = await trajectoryMatrices(t, { signal, schurCache });
    return { trajectory: t, matrices };
  } catch (err) {
    if (err instanceof TrajectoryCancelled) throw new CancelledError();
    throw err;
  }
}

/** Text from a language model, each chunk to the host as it comes (a `progress` message); the shared flag stops it. */
async function sample(req: Extract<WorkerRequest, { op: 'sample' }>): Promise<SampleDone> {
  const flag = req.cancel ? new Int32Array(req.cancel) : undefined;
  const model = await loadLanguageModel(req.target);
  let last = performance.now(), pending = '';
  const r = sampleText(model, {
    ...req.options,
    chunk: 16,
    signal: { get aborted() { return flag !== undefined && Atomics.load(flag, 0) === 1; } },
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
  return { ...r, update: model.update, checkpoint: model.file };
}

/** Typed arrays of a result, so they move to the host instead of being copied. */
function buffersOf(result: AnalysisPayload): ArrayBuffer[] {
  const arrays = [result.schurT, result.matrix, result.eigRe, result.eigIm, result.eigCondition, result.singularValues,
    result.memory.J, result.transient, result.motif.offsets, result.motif.profile,
    ...(result.pseudospectrum ? [result.pseudospectrum.re, result.pseudospectrum.im, result.pseudospectrum.sigmaMin] : [])];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

parentPort?.on('message', async (req: WorkerRequest) => {
  let res: WorkerResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    let result: unknown;
    switch (req.op) {
      case 'open': result = (await open(req.file, req.maxFileBytes)).summary; break;
      case 'matrix': {
        const m = await matrix(req.file, req);
        transfer.push(m.data.buffer as ArrayBuffer);
        result = m;
        break;
      }
      case 'close': cache.delete(req.file); result = null; break;
      case 'analyze': {
        const r = await analyze(req);
        transfer.push(...buffersOf(r));
        result = r;
        break;
      }
      case 'sample': result = await sample(req); break;
      case 'checkText': result = await checkTrainingText(req.file, req.settings, { bytes: req.maxBytes, name: 'the setting recurrentLens.maxFileSizeMB' }); break;
      case 'trajectory': {
        const r = await trajectory(req);
        transfer.push(r.matrices.W0.buffer as ArrayBuffer, r.matrices.W.buffer as ArrayBuffer, r.matrices.T.buffer as ArrayBuffer);
        result = r;
        break;
      }
    }
    res = { id: req.id, ok: true, result };
  } catch (err) {
    res = { id: req.id, ok: false, error: problemOf(err) };
  }
  parentPort!.postMessage(res, transfer);
});
