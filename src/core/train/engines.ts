/**
 * Picks the engine the trainer runs: the WebAssembly SIMD kernel on up to two threads, or the JS reference where
 * WebAssembly SIMD is missing or RECURRENT_LENS_NO_WASM=1 (the switch src/core/linalg/wasm/kernels.ts honours).
 */
import * as os from 'node:os';
import { JsRnnEngine } from './jsEngine';
import type { Cell, RnnEngine } from './model';
import { WasmThreadedRnnEngine, type ThreadedOptions } from './rnnThreads';
import { rnnWasmModule, WasmRnnEngine } from './wasmEngine';
import { gatedWasmModule, WasmGatedEngine } from './wasmGated';
import { LSTM_WORKER_FILE, WasmThreadedGatedEngine } from './lstmThreads';

export interface EngineOptions extends ThreadedOptions {
  /** 1 or 2 (more are treated as 2); default min(2, available cores). */
  threads?: number;
  /** the cell to train (default 'rnn'); WebAssembly kernels run every cell (asm/rnn.ts the vanilla one, asm/gated.ts the LSTM and GRU on token inputs), the JS engine every case */
  cell?: Cell;
  /** sequences continue from the last batch's state (language models): engines with finalState() */
  stateful?: boolean;
}

export function wasmDisabled(): boolean {
  return typeof process !== 'undefined' && process.env.RECURRENT_LENS_NO_WASM === '1';
}

export function createRnnEngine(opts: EngineOptions = {}): RnnEngine {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = opts.threads ?? Math.min(2, cores);
  if ((opts.cell === 'lstm' || opts.cell === 'gru') && !wasmDisabled() && gatedWasmModule()) {
    if (threads >= 2) {
      try {
        return new WasmThreadedGatedEngine(opts.workerPath && opts.workerPath.endsWith(LSTM_WORKER_FILE) ? opts.workerPath : undefined);
      } catch (e) {
        process.emitWarning(`recurrent-lens: ${e instanceof Error ? e.message : String(e)}; training on one thread`);
      }
    }
    return new WasmGatedEngine();
  }
  if (wasmDisabled() || !rnnWasmModule() || (opts.cell ?? 'rnn') !== 'rnn' || opts.stateful) return new JsRnnEngine();
  if (threads >= 2) {
    try {
      return new WasmThreadedRnnEngine(opts);
    } catch (e) {
      process.emitWarning(`recurrent-lens: ${e instanceof Error ? e.message : String(e)}; training on one thread`);
    }
  }
  return new WasmRnnEngine();
}
