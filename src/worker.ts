/**
 * Worker thread: reads checkpoints and prepares matrices off the extension host's main thread.
 * Speaks the request/response half of src/shared/protocol.ts.
 */
import { parentPort } from 'node:worker_threads';
import * as path from 'node:path';
import { readCheckpoint, problemOf } from './core/readers';
import { Checkpoint } from './core/tensor';
import { matrixOf, summarizeTensors } from './core/inspect';
import { tensorStats } from './core/stats';
import type { CheckpointSummary, MatrixPayload, WorkerRequest, WorkerResponse } from './shared/protocol';

/** Open checkpoints, most recent last; a few are kept so switching tabs does not re-read files. */
const cache = new Map<string, Checkpoint>();
const CACHE_SIZE = 3;

function remember(file: string, ckpt: Checkpoint): void {
  cache.delete(file);
  cache.set(file, ckpt);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

async function open(file: string, maxFileBytes: number): Promise<CheckpointSummary> {
  const started = performance.now();
  const ckpt = await readCheckpoint(file, { maxFileBytes });
  remember(file, ckpt);
  const bytes = ckpt.tensors.reduce((s, t) => s + t.data.length * 4, 0);
  return {
    file,
    label: path.basename(file),
    format: ckpt.format,
    layout: ckpt.layout,
    tensors: summarizeTensors(ckpt),
    bytes,
    readMs: performance.now() - started,
  };
}

async function matrix(file: string, req: Extract<WorkerRequest, { op: 'matrix' }>): Promise<MatrixPayload> {
  let ckpt = cache.get(file);
  if (!ckpt) {
    ckpt = await readCheckpoint(file);
    remember(file, ckpt);
  }
  const view = matrixOf(ckpt, req.key.name, req.key.gate);
  return {
    key: req.key,
    rows: view.rows,
    cols: view.cols,
    data: Float32Array.from(view.data),
    transform: view.transform,
    stats: tensorStats(view.data),
  };
}

parentPort?.on('message', async (req: WorkerRequest) => {
  let res: WorkerResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    let result: unknown;
    switch (req.op) {
      case 'open': result = await open(req.file, req.maxFileBytes); break;
      case 'matrix': {
        const m = await matrix(req.file, req);
        transfer.push(m.data.buffer as ArrayBuffer);
        result = m;
        break;
      }
      case 'close': cache.delete(req.file); result = null; break;
    }
    res = { id: req.id, ok: true, result };
  } catch (err) {
    res = { id: req.id, ok: false, error: problemOf(err) };
  }
  parentPort!.postMessage(res, transfer);
});
