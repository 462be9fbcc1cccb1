/**
 * Worker entry (bundled to dist/rnn-thread.js): the second thread of WasmThreadedRnnEngine. It blocks on the
 * control block's SEQ and runs each job on its own kernel instance (protocol in rnnThreadProtocol.ts).
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { RnnKernel } from './wasmEngine';
import {
  C_CMD, C_DONE, C_GEN, C_READY, C_SEQ, C_STATUS, CMD_BACKWARD, CMD_EXIT, CMD_FORWARD, STATUS_ERROR, STATUS_OK,
  dataLayout, readDims, writeError,
} from './rnnThreadProtocol';

const { ctrlBuf, port, module } = workerData as { ctrlBuf: SharedArrayBuffer; port: MessagePort; module: WebAssembly.Module };
const ctrl = new Int32Array(ctrlBuf);
let data: SharedArrayBuffer | undefined;
let gen = 0;
let kernel: RnnKernel | undefined;
let kernelError: string | undefined;
try {
  kernel = new RnnKernel(module);
} catch (e) {
  kernelError = String(e);
}

function run(cmd: number): void {
  if (!kernel) throw new Error(kernelError);
  if (Atomics.load(ctrl, C_GEN) !== gen) {
    // the caller posts the buffer before bumping GEN, so it is waiting in the port (drain to the newest)
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) data = m.message as SharedArrayBuffer;
    gen = Atomics.load(ctrl, C_GEN);
  }
  if (!data) throw new Error('rnn thread: no data buffer');
  const d = readDims(ctrl);
  const L = dataLayout(d);
  const f64 = new Float64Array(data, 0, 2);
  if (cmd === CMD_FORWARD) {
    kernel.setup(d, f64[0]);
    kernel.params().set(new Float32Array(data, L.params * 4, L.x - L.params));
    kernel.inputs().set(new Float32Array(data, L.x * 4, L.y - L.x));
    if (d.loss === 'mse-last-step') kernel.targets().set(new Float32Array(data, L.y * 4, L.grads - L.y));
    else kernel.labels().set(new Int32Array(data, L.y * 4, L.grads - L.y));
    f64[1] = kernel.forward();
  } else {
    new Float32Array(data, L.grads * 4, L.floats - L.grads).set(kernel.backward());
  }
}

Atomics.store(ctrl, C_READY, 1);
Atomics.notify(ctrl, C_READY);
let last = 0;
for (;;) {
  Atomics.wait(ctrl, C_SEQ, last);
  const seq = Atomics.load(ctrl, C_SEQ);
  if (seq === last) continue;
  last = seq;
  const cmd = Atomics.load(ctrl, C_CMD);
  if (cmd === CMD_EXIT) break;
  let status = STATUS_OK;
  try {
    if (cmd !== CMD_FORWARD && cmd !== CMD_BACKWARD) throw new Error(`rnn thread: unknown command ${cmd}`);
    run(cmd);
  } catch (e) {
    status = STATUS_ERROR;
    writeError(ctrlBuf, e instanceof Error ? e.message : String(e));
  }
  Atomics.store(ctrl, C_STATUS, status);
  Atomics.store(ctrl, C_DONE, seq);
  Atomics.notify(ctrl, C_DONE);
}
port.close();
