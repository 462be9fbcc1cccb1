/**
 * The reader worker's time guard (src/host/workerClient.ts): a request that outlives its limit stops the worker,
 * the requests waiting behind it fail, and the next request gets a fresh worker. Exercised with a worker script
 * that never answers for one file (what a crafted checkpoint the readers' budgets missed would do) and with the
 * extension's real worker reading a real fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTimeoutSeconds, WorkerClient, WorkerRestartedError, WorkerTimeoutError } from '../../src/host/workerClient';
import { fixture, ROOT } from './helpers';

const SPINNER = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.file === 'spin') for (;;) {} // never answers, never yields
  // an 'open' answer with just the fields this test reads: the file, and the thread in the label
  parentPort.postMessage({ id: m.id, ok: true, op: m.op, result: { file: m.file, label: String(threadId) } });
});
`;

test('a request past its time limit stops the worker; waiting requests fail; the next one gets a fresh worker', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-worker-'));
  const script = path.join(dir, 'spinner.js');
  fs.writeFileSync(script, SPINNER);
  const client = new WorkerClient(dir, { maxFileBytes: () => 1, workerScript: script });
  try {
    const first = await client.request({ op: 'open', file: 'a' });
    assert.equal(first.file, 'a');
    const stuck = client.request({ op: 'open', file: 'spin' }, undefined, { timeoutSeconds: 1 });
    const behind = client.request({ op: 'open', file: 'b' });
    await assert.rejects(stuck, (err: unknown) => err instanceof WorkerTimeoutError && err.kind === 'timeout' && err.seconds === 1 && /took longer than 1 s/.test(err.message));
    await assert.rejects(behind, (err: unknown) => err instanceof WorkerRestartedError && err.kind === 'restarted');
    const after = await client.request({ op: 'open', file: 'c' }, undefined, { timeoutSeconds: 30 });
    assert.equal(after.file, 'c');
    assert.notEqual(after.label, first.label, 'a new worker thread');
  } finally {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the real reader worker answers within its limit, and the limit grows with the file size', async () => {
  const client = new WorkerClient(ROOT, { maxFileBytes: () => 2 ** 30 });
  try {
    const file = fixture('torch_rnn_state_dict.pt');
    const summary = await client.request({ op: 'open', file }, undefined,
      { timeoutSeconds: readTimeoutSeconds(fs.statSync(file).size, 10) });
    assert.ok(summary.tensors.length >= 4);
  } finally {
    client.dispose();
  }
  assert.equal(readTimeoutSeconds(0, 10), 10);
  assert.equal(readTimeoutSeconds(200 * 2 ** 20, 10), 20);
});
