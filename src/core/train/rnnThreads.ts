/**
 * "wasm-simd×2": the loss and the gradients are sums over batch elements, so the calling thread runs one half of
 * the batch and a worker_thread (its own kernel instance, dist/rnn-thread.js) the other, synchronously (Atomics;
 * RnnEngine is synchronous because tfjs kernels are). If the worker fails or stops answering, the engine warns
 * once and carries on with the whole batch on the calling thread.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { checkBatch, denseInputs, lossDenominator, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from './model';
import { checkVanilla, paramCount, readGrads, RnnKernel, rnnWasmModule, writeParams } from './wasmEngine';
import {
  C_CMD, C_DONE, C_GEN, C_READY, C_SEQ, C_STATUS, CMD_BACKWARD, CMD_EXIT, CMD_FORWARD, CTRL_INTS, ERR_CHARS, STATUS_OK,
  dataLayout, readError, writeDims,
} from './rnnThreadProtocol';

export const WORKER_FILE = 'rnn-thread.js';

/**
 * dist/rnn-thread.js as seen from the bundle running this code: bundles live in dist/ (cli.js, extension.js),
 * out/test/unit/ and out/bench/, so look next to __dirname and in a dist/ beside it or above it.
 */
export function findRnnThreadScript(from = __dirname): string | undefined {
  let dir = from;
  for (let up = 0; up < 4; up++) {
    for (const p of [path.join(dir, WORKER_FILE), path.join(dir, 'dist', WORKER_FILE)]) if (existsSync(p)) return p;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

export interface ThreadedOptions {
  /** The worker script; default: findRnnThreadScript(). */
  workerPath?: string;
  /** How long to wait for the worker to start (ms); default 10 s (loading it takes ~0.1 s). */
  startupTimeoutMs?: number;
}

export class WasmThreadedRnnEngine implements RnnEngine {
  private readonly kernel = new RnnKernel();
  private readonly ctrlBuf = new SharedArrayBuffer(CTRL_INTS * 4 + ERR_CHARS * 2);
  private readonly ctrl = new Int32Array(this.ctrlBuf);
  private readonly port: MessagePort;
  private readonly startupTimeoutMs: number;
  private worker: Worker | undefined;
  private data: SharedArrayBuffer | undefined;
  private seq = 0;
  /** a job posted but not yet awaited (our half threw): its data must not be overwritten while the worker reads it */
  private outstanding = 0;
  /** batch elements on the worker in the last forward (0: all on this thread) */
  private workerShare = 0;
  private ownMs = 0;
  private last: { dims: RnnDims; params: RnnParams; batch: RnnBatch } | undefined;

  constructor(opts: ThreadedOptions = {}) {
    const script = opts.workerPath ?? findRnnThreadScript();
    if (!script || !existsSync(script)) throw new Error(`rnn engine: worker script ${script ?? WORKER_FILE} not found`);
    this.startupTimeoutMs = opts.startupTimeoutMs ?? 10_000;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.unref();
    const worker = new Worker(script, {
      workerData: { ctrlBuf: this.ctrlBuf, port: port2, module: rnnWasmModule() },
      transferList: [port2],
    });
    worker.unref(); // an idle engine must not keep the process alive
    // Delivered only when this thread is back in its event loop: the next call then runs single-threaded.
    worker.on('error', (e) => this.abandon(`worker error: ${e.message}`));
    worker.on('exit', (code) => { if (this.worker === worker) this.abandon(`worker exited (code ${code})`); });
    this.worker = worker;
  }

  get name(): string {
    return this.worker ? 'wasm-simd×2' : 'wasm-simd';
  }

  forward(dims: RnnDims, params: RnnParams, batch: RnnBatch): number {
    checkBatch(dims, params, batch);
    checkVanilla(dims, batch);
    this.last = { dims, params, batch };
    const denom = lossDenominator(dims);
    if (this.outstanding) this.await(this.outstanding); // may abandon the worker
    const share = this.worker ? Math.floor(dims.batch / 2) : 0;
    const own = dims.batch - share;
    this.workerShare = share;
    let seq = 0;
    if (share > 0) seq = this.post(CMD_FORWARD, { ...dims, batch: share }, denom, params, batch, own);
    const t0 = performance.now();
    this.kernel.setup({ ...dims, batch: own }, denom);
    this.kernel.load(params, batch, 0);
    let loss = this.kernel.forward();
    this.ownMs = performance.now() - t0;
    if (share > 0) {
      if (!this.await(seq)) return this.forwardAlone();
      loss += new Float64Array(this.data!, 0, 2)[1];
    }
    return loss;
  }

  backward(grads: RnnParams): void {
    if (!this.last) throw new Error('backward() needs a forward() first');
    if (this.outstanding) this.await(this.outstanding);
    // the worker was lost since the forward (its error or exit event, or the wait above): redo its half here
    if (this.workerShare > 0 && !this.worker) this.forwardAlone();
    let seq = 0;
    if (this.workerShare > 0) {
      seq = this.outstanding = ++this.seq;
      Atomics.store(this.ctrl, C_CMD, CMD_BACKWARD);
      Atomics.store(this.ctrl, C_SEQ, seq);
      Atomics.notify(this.ctrl, C_SEQ);
    }
    const t0 = performance.now();
    readGrads(this.kernel.backward(), grads);
    this.ownMs = performance.now() - t0;
    if (this.workerShare > 0) {
      if (!this.await(seq)) {
        this.forwardAlone();
        readGrads(this.kernel.backward(), grads);
        return;
      }
      const L = dataLayout({ ...this.last.dims, batch: this.workerShare });
      readGrads(new Float32Array(this.data!, L.grads * 4, L.floats - L.grads), grads, true);
    }
  }

  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      Atomics.store(this.ctrl, C_CMD, CMD_EXIT);
      Atomics.store(this.ctrl, C_SEQ, ++this.seq);
      Atomics.notify(this.ctrl, C_SEQ);
      void w.terminate();
    }
    this.port.close();
    this.last = undefined;
  }

  /** Writes the worker's share (batch elements from..from+d.batch) and starts it; returns the job's number. */
  private post(cmd: number, d: RnnDims, denom: number, params: RnnParams, batch: RnnBatch, from: number): number {
    const L = dataLayout(d);
    const bytes = L.floats * 4;
    if (!this.data || this.data.byteLength < bytes) {
      this.data = new SharedArrayBuffer(Math.max(bytes, 2 * (this.data?.byteLength ?? 0)));
      this.port.postMessage(this.data);
      Atomics.add(this.ctrl, C_GEN, 1);
    }
    const buf = this.data;
    new Float64Array(buf, 0, 2)[0] = denom;
    writeParams(new Float32Array(buf, L.params * 4, paramCount(d)), params);
    const { T, nIn, nOut, batch: B } = d;
    new Float32Array(buf, L.x * 4, B * T * nIn).set(denseInputs(d, batch).subarray(from * T * nIn, (from + B) * T * nIn));
    if (d.loss === 'mse-last-step') new Float32Array(buf, L.y * 4, B * nOut).set(batch.targets!.subarray(from * nOut, (from + B) * nOut));
    else {
      const per = d.loss === 'softmax-xent-every-step' ? T : 1;
      new Int32Array(buf, L.y * 4, B * per).set(batch.labels!.subarray(from * per, (from + B) * per));
    }
    writeDims(this.ctrl, d);
    const seq = this.outstanding = ++this.seq;
    Atomics.store(this.ctrl, C_CMD, cmd);
    Atomics.store(this.ctrl, C_SEQ, seq);
    Atomics.notify(this.ctrl, C_SEQ);
    return seq;
  }

  /** Waits for job seq; false (after abandoning the worker) when it failed or did not answer in time. */
  private await(seq: number): boolean {
    this.outstanding = 0;
    const start = performance.now();
    for (;;) {
      const done = Atomics.load(this.ctrl, C_DONE);
      if (done === seq) break;
      Atomics.wait(this.ctrl, C_DONE, done, 50);
      if (Atomics.load(this.ctrl, C_DONE) === seq) break;
      if (!this.worker) return false; // abandoned meanwhile (cannot happen while blocked, but cheap to check)
      // the worker's half takes about as long as ours; a generous multiple of that means it is stuck
      const limit = Atomics.load(this.ctrl, C_READY) ? 10_000 + 20 * this.ownMs : this.startupTimeoutMs;
      if (performance.now() - start > limit) {
        this.abandon(`no answer in ${(limit / 1000).toFixed(1)} s`);
        return false;
      }
    }
    if (Atomics.load(this.ctrl, C_STATUS) !== STATUS_OK) {
      this.abandon(readError(this.ctrlBuf) || 'an error without a message');
      return false;
    }
    return true;
  }

  private forwardAlone(): number {
    const { dims, params, batch } = this.last!;
    this.workerShare = 0;
    this.kernel.setup(dims, lossDenominator(dims));
    this.kernel.load(params, batch, 0);
    return this.kernel.forward();
  }

  private abandon(reason: string): void {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    void w.terminate();
    process.emitWarning(`recurrent-lens: the RNN engine's second thread failed (${reason}); continuing on one thread`);
  }
}
