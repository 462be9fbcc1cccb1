/**
 * "wasm-simd×2" for the LSTM and the GRU: the loss and the gradients are means over the batch, so the calling thread runs the
 * first half of the batch and a worker thread (dist/lstm-thread.js, its own LSTM kernel) the second, synchronously
 * through Atomics as rnnThreads.ts does for the vanilla cell; the halves' means are weighted by their sizes and the
 * final states joined. If the worker fails, the engine warns once and runs the whole batch on the calling thread.
 */
import { existsSync } from 'node:fs';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { PARAM_NAMES, stateCount, zeroParams, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from './model';
import { findRnnThreadScript } from './rnnThreads';
import { gatedWasmModule, gatedKernelCovers, WasmGatedEngine } from './wasmGated';

export const LSTM_WORKER_FILE = 'lstm-thread.js';
export const L_SEQ = 0, L_DONE = 1, L_STATUS = 2, L_CMD = 3, L_GEN = 4, L_READY = 5, L_B = 6, L_T = 7, L_V = 8, L_N = 9, L_NOUT = 10, L_ERR = 11;
/** the job's cell: 0 LSTM, 1 GRU */
export const L_CELL = 12;
const CTRL_INTS = 16, ERR_CHARS = 1024;
export const CMD_FORWARD = 1, CMD_BACKWARD = 2, CMD_EXIT = 3;
export const STATUS_OK = 0, STATUS_ERROR = 1;
/** How long the calling thread waits for the worker's half before giving up on it. */
const JOB_TIMEOUT_MS = 60_000;

export function readJobDims(ctrl: Int32Array): RnnDims {
  return { cell: ctrl[L_CELL] === 1 ? 'gru' : 'lstm', batch: ctrl[L_B], T: ctrl[L_T], nIn: ctrl[L_V], N: ctrl[L_N], nOut: ctrl[L_NOUT], activation: 'tanh', loss: 'softmax-xent-every-step' };
}

export function writeJobError(ctrlBuf: SharedArrayBuffer, message: string): void {
  const chars = new Uint16Array(ctrlBuf, CTRL_INTS * 4, ERR_CHARS);
  const n = Math.min(message.length, ERR_CHARS);
  for (let i = 0; i < n; i++) chars[i] = message.charCodeAt(i);
  new Int32Array(ctrlBuf)[L_ERR] = n;
}

function readJobError(ctrlBuf: SharedArrayBuffer): string {
  return String.fromCharCode(...new Uint16Array(ctrlBuf, CTRL_INTS * 4, new Int32Array(ctrlBuf)[L_ERR]));
}

/** The data buffer of a job: [f64 loss] params | tokens | labels | state0 | final state | gradients. */
export function lstmJob(buf: SharedArrayBuffer, d: RnnDims) {
  const shapes = zeroParams(d);
  const sizes = PARAM_NAMES.map((n) => shapes[n].length);
  const P = sizes.reduce((a, b) => a + b, 0);
  const BT = d.batch * d.T, S = stateCount(d.cell) * d.batch * d.N;
  let at = 8;
  const take = (n: number) => { const o = at; at += n * 4; return o; };
  const p = take(P), tok = take(BT), lab = take(BT), s0 = take(S), fin = take(S), g = take(P);
  const views = (off: number) => {
    let o = off;
    return Object.fromEntries(PARAM_NAMES.map((n, i) => { const v = new Float32Array(buf, o, sizes[i]); o += sizes[i] * 4; return [n, v]; })) as unknown as RnnParams;
  };
  return {
    loss: new Float64Array(buf, 0, 1),
    params: () => views(p),
    tokens: new Int32Array(buf, tok, BT),
    labels: new Int32Array(buf, lab, BT),
    state0: new Float32Array(buf, s0, S),
    final: new Float32Array(buf, fin, S),
    grads: () => views(g),
    writeGrads(src: RnnParams) { const v = views(g); for (const n of PARAM_NAMES) v[n].set(src[n]); },
  };
}

function jobBytes(d: RnnDims): number {
  const P = PARAM_NAMES.reduce((a, n) => a + zeroParams(d)[n].length, 0);
  return 8 + 4 * (2 * P + 2 * d.batch * d.T + 2 * stateCount(d.cell) * d.batch * d.N);
}

/** Rows [from, from + n) of each of the `blocks` (the cell's stateCount) blocks of B rows × N. */
function stateRows(s: Float32Array, blocks: number, B: number, N: number, from: number, n: number): Float32Array {
  const out = new Float32Array(blocks * n * N);
  for (let k = 0; k < blocks; k++) out.set(s.subarray((k * B + from) * N, (k * B + from + n) * N), k * n * N);
  return out;
}

/** Columns [from, from + n) of a batch-major B × T array. */
function seqs(a: Int32Array, T: number, from: number, n: number): Int32Array {
  return a.slice(from * T, (from + n) * T);
}

export class WasmThreadedGatedEngine implements RnnEngine {
  private readonly own = new WasmGatedEngine();
  private readonly ctrlBuf = new SharedArrayBuffer(CTRL_INTS * 4 + ERR_CHARS * 2);
  private readonly ctrl = new Int32Array(this.ctrlBuf);
  private readonly port: MessagePort;
  private worker: Worker | undefined;
  private data: SharedArrayBuffer | undefined;
  private seq = 0;
  private split: { B: number; B1: number; B2: number; dims: RnnDims } | undefined;
  private final: Float32Array | undefined;

  constructor(workerPath = findRnnThreadScript(undefined, LSTM_WORKER_FILE)) {
    if (!workerPath || !existsSync(workerPath)) throw new Error(`lstm engine: worker script ${workerPath ?? LSTM_WORKER_FILE} not found`);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.unref();
    const worker = new Worker(workerPath, { workerData: { ctrlBuf: this.ctrlBuf, port: port2, module: gatedWasmModule() }, transferList: [port2] });
    worker.unref();
    worker.on('error', (e) => this.abandon(`worker error: ${e.message}`));
    worker.on('exit', (code) => { if (this.worker === worker) this.abandon(`worker exited (code ${code})`); });
    this.worker = worker;
  }

  get name(): string {
    return this.worker ? 'wasm-simd×2' : 'wasm-simd';
  }

  private abandon(why: string): void {
    if (!this.worker) return;
    const w = this.worker;
    this.worker = undefined;
    void w.terminate();
    process.emitWarning(`recurrent-lens: the LSTM engine's second thread failed (${why}); continuing on one thread`);
  }

  private post(cmd: number): number {
    this.ctrl[L_CMD] = cmd;
    const seq = ++this.seq;
    Atomics.store(this.ctrl, L_SEQ, seq);
    Atomics.notify(this.ctrl, L_SEQ);
    return seq;
  }

  /** Waits for job `seq`; false (and the worker abandoned) when it failed. */
  private await(seq: number): boolean {
    const t0 = Date.now();
    while (Atomics.load(this.ctrl, L_DONE) !== seq) {
      if (!this.worker) return false;
      if (Date.now() - t0 > JOB_TIMEOUT_MS) { this.abandon('no answer'); return false; }
      Atomics.wait(this.ctrl, L_DONE, Atomics.load(this.ctrl, L_DONE), 100);
    }
    if (this.ctrl[L_STATUS] !== STATUS_OK) { this.abandon(readJobError(this.ctrlBuf) || 'an error without a message'); return false; }
    return true;
  }

  private ready(): boolean {
    const t0 = Date.now();
    while (this.worker && Atomics.load(this.ctrl, L_READY) !== 1) {
      if (Date.now() - t0 > 10_000) { this.abandon('no answer in 10 s'); return false; }
      Atomics.wait(this.ctrl, L_READY, 0, 50);
    }
    return this.worker !== undefined;
  }

  forward(dims: RnnDims, params: RnnParams, batch: RnnBatch): number {
    this.split = undefined;
    if (dims.batch < 2 || !gatedKernelCovers(dims, batch) || !this.ready()) return this.own.forward(dims, params, batch);
    const B = dims.batch, B2 = Math.floor(B / 2), B1 = B - B2, { T, N } = dims, blocks = stateCount(dims.cell);
    const d2: RnnDims = { ...dims, batch: B2 };
    const bytes = jobBytes(d2);
    if (!this.data || this.data.byteLength < bytes) {
      this.data = new SharedArrayBuffer(Math.max(bytes, 2 * (this.data?.byteLength ?? 0)));
      this.port.postMessage(this.data);
      Atomics.add(this.ctrl, L_GEN, 1);
    }
    const job = lstmJob(this.data, d2);
    const p = job.params();
    for (const n of PARAM_NAMES) p[n].set(params[n]);
    job.tokens.set(seqs(batch.tokens!, T, B1, B2));
    job.labels.set(seqs(batch.labels!, T, B1, B2));
    if (batch.state0) job.state0.set(stateRows(batch.state0, blocks, B, N, B1, B2));
    else job.state0.fill(0);
    this.ctrl.set([B2, T, dims.nIn, N, dims.nOut], L_B);
    this.ctrl[L_CELL] = dims.cell === 'gru' ? 1 : 0;
    const seq = this.post(CMD_FORWARD);
    const first: RnnBatch = { tokens: seqs(batch.tokens!, T, 0, B1), labels: seqs(batch.labels!, T, 0, B1), state0: batch.state0 ? stateRows(batch.state0, blocks, B, N, 0, B1) : undefined };
    const l1 = this.own.forward({ ...dims, batch: B1 }, params, first);
    if (!this.await(seq)) return this.own.forward(dims, params, batch);
    const f1 = this.own.finalState(), f2 = job.final;
    const fin = new Float32Array(blocks * B * N);
    for (let k = 0; k < blocks; k++) {
      fin.set(f1.subarray(k * B1 * N, (k + 1) * B1 * N), k * B * N);
      fin.set(f2.subarray(k * B2 * N, (k + 1) * B2 * N), (k * B + B1) * N);
    }
    this.final = fin;
    this.split = { B, B1, B2, dims: d2 };
    return (l1 * B1 + job.loss[0] * B2) / B;
  }

  backward(grads: RnnParams): void {
    const s = this.split;
    if (!s) return this.own.backward(grads);
    const seq = this.post(CMD_BACKWARD);
    this.own.backward(grads);
    if (!this.await(seq)) throw new Error('gated engine: the second thread failed during the backward pass; run the update again');
    const g2 = lstmJob(this.data!, s.dims).grads();
    const w1 = s.B1 / s.B, w2 = s.B2 / s.B;
    for (const n of PARAM_NAMES) {
      const a = grads[n], b = g2[n];
      for (let i = 0; i < a.length; i++) a[i] = a[i] * w1 + b[i] * w2;
    }
  }

  finalState(): Float32Array {
    return this.split ? this.final!.slice() : this.own.finalState();
  }

  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      this.ctrl[L_CMD] = CMD_EXIT;
      Atomics.store(this.ctrl, L_SEQ, ++this.seq);
      Atomics.notify(this.ctrl, L_SEQ);
      void w.terminate();
    }
    this.own.dispose();
  }
}
