import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { WorkerRequest, WorkerResponse } from '../shared/protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The extension's worker thread, started on first use; one request at a time per id. */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly extensionPath: string) {}

  request<T>(req: Request): Promise<T> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(this.extensionPath, 'dist', 'worker.js'));
    worker.on('message', (res: WorkerResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
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
