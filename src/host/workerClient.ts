import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { sharedFlag } from '../core/cancel';
import { KindedError } from '../core/errors';
import { completeAnalysis, mergeAnalysisPart, type PartialAnalysis } from '../core/analysis/types';
import type {
  CancellableOp, PartialOf, PartialOp, RequestOf, ResultOf, WorkerOp, WorkerRequest, WorkerResponse,
} from '../shared/protocol';

type Pending = {
  resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (text: string) => void; timer?: NodeJS.Timeout;
  /** A request answered in parts: each part as it comes, and every part so far (the result is their merge). */
  onPartial?: (part: never) => void;
  parts?: unknown[];
};

/** What a caller hears while its request runs: `progress` lines, and parts of the result (PartialOp only). */
export interface Listeners<O extends WorkerOp> {
  progress?: (text: string) => void;
  /** Asks the worker for the result part by part (`parts: true`); each part as soon as it crosses. */
  onPartial?: O extends PartialOp ? (part: PartialOf<O>) => void : never;
}

/** How the parts of each operation answered in parts make its result; undefined when some are missing. */
const ASSEMBLE: { [O in PartialOp]: (parts: PartialOf<O>[]) => ResultOf<O> | undefined } = {
  analyze: (parts) => completeAnalysis(parts.reduce<PartialAnalysis | undefined>(mergeAnalysisPart, undefined)),
};

/** A request outlived its time limit: the worker was stopped (and starts afresh on the next request). */
export class WorkerTimeoutError extends KindedError {
  constructor(readonly seconds: number) {
    super({ kind: 'timeout', message: `took longer than ${seconds} s, so the reader was stopped` });
    this.name = 'WorkerTimeoutError';
  }
}

/** The worker was stopped while this request waited (another request outlived its time limit). */
export class WorkerRestartedError extends KindedError {
  constructor() {
    super({ kind: 'restarted', message: 'the reader was restarted while this waited; reopen to try again' });
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

export interface WorkerClientOptions {
  /**
   * The largest file (bytes) the worker may read, asked for at each request: the recurrentLens.maxFileSizeMB setting
   * in the extension. Every file the worker reads for a request is held to it.
   */
  maxFileBytes: () => number;
  /** dist/worker.js of the extension by default, or another script speaking the same protocol (tests). */
  workerScript?: string;
}

/**
 * The extension's worker thread, started on first use; one request at a time per id. The worker runs one
 * request at a time, so a request that never ends (a crafted file the readers' budgets miss) would block every
 * later one: requests may carry a time limit, past which the worker is terminated and restarted.
 *
 * Every request resolves to its operation's result type (WorkerOps in src/shared/protocol.ts) or rejects with a
 * KindedError (src/core/errors.ts) whose `kind` says what went wrong. Operations that answer in parts (PartialOp)
 * call `onPartial` with each part first when the caller passes it; their result is then the merge of the parts.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly workerScript: string;

  constructor(extensionPath: string, private readonly options: WorkerClientOptions) {
    this.workerScript = options.workerScript ?? path.join(extensionPath, 'dist', 'worker.js');
  }

  request<O extends WorkerOp>(req: RequestOf<O>, listen?: ((text: string) => void) | Listeners<O>, options: { timeoutSeconds?: number } = {}): Promise<ResultOf<O>> {
    const worker = this.start();
    const id = this.nextId++;
    const { progress, onPartial } = typeof listen === 'function' ? { progress: listen, onPartial: undefined } : listen ?? {};
    return new Promise<ResultOf<O>>((resolve, reject) => {
      const pending: Pending = { resolve: resolve as (v: unknown) => void, reject, progress, ...(onPartial ? { onPartial, parts: [] } : {}) };
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
      const message: WorkerRequest = { ...req, id, maxFileBytes: this.options.maxFileBytes(), ...(onPartial ? { parts: true } : {}) } as WorkerRequest;
      worker.postMessage(message);
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
   * it computes (a plain message would wait behind the running computation). A cancelled request rejects with kind
   * `cancelled` (sampling instead ends early: its result says `stopped`).
   */
  cancellable<O extends CancellableOp>(req: RequestOf<O>, listen?: ((text: string) => void) | Listeners<O>): { result: Promise<ResultOf<O>>; cancel(): void } {
    const flag = sharedFlag();
    return { result: this.request<O>({ ...req, cancel: flag.buffer }, listen), cancel: flag.cancel };
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
      if ('partial' in res) {
        p.parts?.push(res.partial);
        (p.onPartial as ((part: PartialOf<PartialOp>) => void) | undefined)?.(res.partial);
        return;
      }
      this.pending.delete(res.id);
      clearTimeout(p.timer);
      if (!res.ok) p.reject(new KindedError(res.error));
      else if (!('fromParts' in res)) p.resolve(res.result);
      else {
        const whole = ASSEMBLE[res.op](p.parts as PartialOf<typeof res.op>[] ?? []);
        if (whole) p.resolve(whole);
        else p.reject(new KindedError({ kind: 'internal', message: `the worker's parts of the ${res.op} result were not all there` }));
      }
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
    worker.on('error', (err) => fail(new KindedError({ kind: 'internal', message: `worker failed: ${err.message}` })));
    worker.on('exit', (code) => {
      if (code !== 0) fail(new KindedError({ kind: 'internal', message: `worker stopped (exit code ${code})` }));
      else if (worker === this.worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  dispose(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
