/**
 * The shared memory between WasmThreadedRnnEngine (rnnThreads.ts) and its worker (rnnThread.ts). The engine's
 * API is synchronous, so the two threads meet through Atomics on a control block rather than messages: the caller
 * writes a job into the data buffer, bumps SEQ and notifies; the worker runs it and sets DONE = SEQ.
 *
 * Data buffer: [f64 denom, f64 loss] then floats: params [K|R|b|D|c] | x | labels (i32) or targets | grads.
 * A bigger data buffer travels over a MessagePort (the worker takes it synchronously with receiveMessageOnPort),
 * announced by GEN.
 */
import type { RnnDims } from './model';
import { paramCount } from './wasmEngine';

export const C_SEQ = 0, C_DONE = 1, C_CMD = 2, C_STATUS = 3, C_GEN = 4, C_READY = 5;
export const C_B = 6, C_T = 7, C_NIN = 8, C_N = 9, C_NOUT = 10, C_ACT = 11, C_LOSS = 12;
export const C_ERR_LEN = 13;
export const CTRL_INTS = 16;
/** Bytes after the control ints for an error message (UTF-16). */
export const ERR_CHARS = 1024;

export const CMD_FORWARD = 1, CMD_BACKWARD = 2, CMD_EXIT = 3;
export const STATUS_OK = 0, STATUS_ERROR = 1;

export const ACTS = ['elu', 'relu', 'tanh'] as const;
export const LOSSES = ['softmax-xent-every-step', 'softmax-xent-last-step', 'mse-last-step'] as const;

export interface DataLayout {
  params: number; // float offsets into the data buffer
  x: number;
  y: number; // labels or targets
  grads: number;
  floats: number;
}

const HEAD_FLOATS = 4; // the two f64s

export function dataLayout(d: RnnDims): DataLayout {
  const P = paramCount(d);
  const params = HEAD_FLOATS;
  const x = params + P;
  const y = x + d.batch * d.T * d.nIn;
  const nY = d.loss === 'mse-last-step' ? d.batch * d.nOut : d.loss === 'softmax-xent-every-step' ? d.batch * d.T : d.batch;
  const grads = y + nY;
  return { params, x, y, grads, floats: grads + P };
}

export function writeDims(ctrl: Int32Array, d: RnnDims): void {
  ctrl[C_B] = d.batch; ctrl[C_T] = d.T; ctrl[C_NIN] = d.nIn; ctrl[C_N] = d.N; ctrl[C_NOUT] = d.nOut;
  ctrl[C_ACT] = ACTS.indexOf(d.activation); ctrl[C_LOSS] = LOSSES.indexOf(d.loss);
}

export function readDims(ctrl: Int32Array): RnnDims {
  return {
    batch: ctrl[C_B], T: ctrl[C_T], nIn: ctrl[C_NIN], N: ctrl[C_N], nOut: ctrl[C_NOUT],
    activation: ACTS[ctrl[C_ACT]], loss: LOSSES[ctrl[C_LOSS]],
  };
}

export function writeError(ctrlBuf: SharedArrayBuffer, message: string): void {
  const chars = new Uint16Array(ctrlBuf, CTRL_INTS * 4, ERR_CHARS);
  const n = Math.min(message.length, ERR_CHARS);
  for (let i = 0; i < n; i++) chars[i] = message.charCodeAt(i);
  new Int32Array(ctrlBuf)[C_ERR_LEN] = n;
}

export function readError(ctrlBuf: SharedArrayBuffer): string {
  const n = new Int32Array(ctrlBuf)[C_ERR_LEN];
  return String.fromCharCode(...new Uint16Array(ctrlBuf, CTRL_INTS * 4, n));
}
