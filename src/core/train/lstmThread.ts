/**
 * Worker entry (bundled to dist/lstm-thread.js): the second thread of WasmThreadedGatedEngine (lstmThreads.ts). It
 * blocks on the control block's SEQ and runs each job on its own LSTM/GRU kernel instance.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { zeroParams } from './model';
import { WasmGatedEngine } from './wasmGated';
import { CMD_BACKWARD, CMD_EXIT, CMD_FORWARD, L_CMD, L_DONE, L_GEN, L_READY, L_SEQ, L_STATUS, lstmJob, readJobDims, STATUS_ERROR, STATUS_OK, writeJobError } from './lstmThreads';

const { ctrlBuf, port, module } = workerData as { ctrlBuf: SharedArrayBuffer; port: MessagePort; module: WebAssembly.Module };
const ctrl = new Int32Array(ctrlBuf);
const engine = new WasmGatedEngine(module);
let data: SharedArrayBuffer | undefined;
let gen = 0;

function run(cmd: number): void {
  if (Atomics.load(ctrl, L_GEN) !== gen) {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) data = m.message as SharedArrayBuffer;
    gen = Atomics.load(ctrl, L_GEN);
  }
  if (!data) throw new Error('lstm thread: no data buffer');
  const d = readJobDims(ctrl);
  const job = lstmJob(data, d);
  if (cmd === CMD_FORWARD) {
    job.loss[0] = engine.forward(d, job.params(), { tokens: job.tokens, labels: job.labels, state0: job.state0 });
    job.final.set(engine.finalState());
  } else {
    const g = zeroParams(d);
    engine.backward(g);
    job.writeGrads(g);
  }
}

Atomics.store(ctrl, L_READY, 1);
Atomics.notify(ctrl, L_READY);
let last = 0;
for (;;) {
  Atomics.wait(ctrl, L_SEQ, last);
  const seq = Atomics.load(ctrl, L_SEQ);
  if (seq === last) continue;
  last = seq;
  const cmd = ctrl[L_CMD];
  if (cmd === CMD_EXIT) break;
  let status = STATUS_OK;
  try {
    run(cmd);
  } catch (e) {
    status = STATUS_ERROR;
    writeJobError(ctrlBuf, e instanceof Error ? e.message : String(e));
  }
  Atomics.store(ctrl, L_STATUS, status);
  Atomics.store(ctrl, L_DONE, seq);
  Atomics.notify(ctrl, L_DONE);
}
port.close();
