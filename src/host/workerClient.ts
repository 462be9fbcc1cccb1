import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { WorkerRequest, WorkerResponse } from '../shared/protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (text: string) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The extension's worker thread, started on first use; one request at a time per id. */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly extensionPath: string) {}

  request<T>(req: Request, progress?: (text: string) => void): Promise<T> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  /**
   * A request the caller can cancel: the worker polls a shared flag between steps, so cancelling works while
   * it computes (a plain message would wait behind the running computation).
   */
  cancellable<T>(req: Request & { op: 'analyze' | 'trajectory' }, progress?: (text: string) => void): { result: Promise<T>; cancel(): void } {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    return { result: this.request<T>({ ...req, cancel }, progress), cancel: () => Atomics.store(flag, 0, 1) };
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(this.extensionPath, 'dist', 'worker.js'));
    worker.on('message', (res: WorkerResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      if ('progress' in res) {
        p.progress?.(res.progress);
        return;
      }
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.result);
      else p.reject(new Error(res.error));
    });
    const fail = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', (err) => fail(new Error(`worker failed: ${err.message}`)));
    worker.on('exit', (code) => { if (code !== 0) fail(new Error(`worker stopped (exit code ${code})`)); else this.worker = undefined; });
    this.worker = worker;
    return worker;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
