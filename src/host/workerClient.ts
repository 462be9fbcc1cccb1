import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { WorkerRequest, WorkerResponse } from '../shared/protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (text: string) => void; timer?: NodeJS.Timeout };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A request outlived its time limit: the worker was stopped (and starts afresh on the next request). */
export class WorkerTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`took longer than ${seconds} s, so the reader was stopped`);
    this.name = 'WorkerTimeoutError';
  }
}

/** The worker was stopped while this request waited (another request outlived its time limit). */
export class WorkerRestartedError extends Error {
  constructor() {
    super('the reader was restarted while this waited; reopen to try again');
    this.name = 'WorkerRestartedError';
  }
}

/**
 * How long reading a file may take before the reader is stopped: `baseSeconds` plus what its size explains at a
 * pessimistic 20 MiB/s (the readers parse several hundred MiB/s; a slow disk or a busy machine gets the slack).
 */
export function readTimeoutSeconds(fileBytes: number, baseSeconds: number): number {
  return Math.ceil(baseSeconds + fileBytes / (20 * 2 ** 20));
}

/**
 * The extension's worker thread, started on first use; one request at a time per id. The worker runs one
 * request at a time, so a request that never ends (a crafted file the readers' budgets miss) would block every
 * later one: requests may carry a time limit, past which the worker is terminated and restarted.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** `workerScript`: dist/worker.js of the extension, or another script speaking the same protocol (tests). */
  constructor(private readonly extensionPath: string, private readonly workerScript = path.join(extensionPath, 'dist', 'worker.js')) {}

  request<T>(req: Request, progress?: (text: string) => void, options: { timeoutSeconds?: number } = {}): Promise<T> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { resolve: resolve as (v: unknown) => void, reject, progress };
      const seconds = options.timeoutSeconds;
      if (seconds !== undefined && Number.isFinite(seconds) && seconds > 0) {
        pending.timer = setTimeout(() => {
          if (this.pending.get(id) !== pending) return;
          this.pending.delete(id);
          reject(new WorkerTimeoutError(seconds));
          this.restart();
        }, seconds * 1000);
      }
      this.pending.set(id, pending);
      worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  /** Stops the worker; requests still waiting on it fail with WorkerRestartedError. A new one starts on demand. */
  private restart(): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new WorkerRestartedError());
    }
    this.pending.clear();
    void worker?.terminate();
  }

  /**
   * A request the caller can cancel: the worker polls a shared flag between steps, so cancelling works while
   * it computes (a plain message would wait behind the running computation).
   */
  cancellable<T>(req: Request & { op: 'analyze' | 'trajectory' | 'sample' }, progress?: (text: string) => void): { result: Promise<T>; cancel(): void } {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    return { result: this.request<T>({ ...req, cancel }, progress), cancel: () => Atomics.store(flag, 0, 1) };
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerScript);
    worker.on('message', (res: WorkerResponse) => {
      if (worker !== this.worker) return; // a stopped worker's last words
      const p = this.pending.get(res.id);
      if (!p) return;
      if ('progress' in res) {
        p.progress?.(res.progress);
        return;
      }
      this.pending.delete(res.id);
      clearTimeout(p.timer);
      if (res.ok) p.resolve(res.result);
      else p.reject(new Error(res.error));
    });
    const fail = (err: Error) => {
      if (worker !== this.worker) return; // stopped on purpose: its requests were answered then
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', (err) => fail(new Error(`worker failed: ${err.message}`)));
    worker.on('exit', (code) => { if (code !== 0) fail(new Error(`worker stopped (exit code ${code})`)); else if (worker === this.worker) this.worker = undefined; });
    this.worker = worker;
    return worker;
  }

  dispose(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
