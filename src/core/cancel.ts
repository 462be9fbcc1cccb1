/**
 * The one cancellation of long computations (analyses, linear algebra, trajectories, sampling): a `Signal` polled
 * between steps, and `CancelledError`, thrown when a computation sees it set. Across threads the signal is a shared
 * Int32 flag (`sharedSignal`) the host sets to 1.
 */

/** Polled between steps of a long computation: true stops it. */
export interface Signal {
  readonly aborted: boolean;
}

/** A computation stopped because its signal was set. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** Throws CancelledError when the signal is set. */
export function throwIfAborted(signal?: Signal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** A signal read from a SharedArrayBuffer holding one Int32 another thread sets to 1; never set without one. */
export function sharedSignal(buffer?: SharedArrayBuffer): Signal {
  const flag = buffer ? new Int32Array(buffer) : undefined;
  return { get aborted() { return flag !== undefined && Atomics.load(flag, 0) === 1; } };
}

/** A shared flag for `sharedSignal`, and the function that sets it. */
export function sharedFlag(): { buffer: SharedArrayBuffer; cancel(): void } {
  const buffer = new SharedArrayBuffer(4);
  const flag = new Int32Array(buffer);
  return { buffer, cancel: () => { Atomics.store(flag, 0, 1); } };
}
