// Bad input for a language model, as the CLI and the extension's command (its worker's checkText) see it: a binary
// file, an empty file, a file too large (the trainer's limit, the recurrentLens.maxFileSizeMB setting), T larger than
// the text. Each is one line naming the file and the problem, and nothing is made. Also sampling from the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient } from '../../src/host/workerClient';
import type { KindedError } from '../../src/core/errors';
import { resolveConfig } from '../../src/core/train/config';
import { CHARLM_MAX_BYTES } from '../../src/core/tasks/charlm';
import type { SampleDone, TextCheck } from '../../src/shared/protocol';
import { CLI, ROOT } from './helpers';
import { trainRun } from './trainRun';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rl-lminput-'));

function file(name: string, content: string | Uint8Array, size?: number): string {
  const f = path.join(tmp(), name);
  writeFileSync(f, content);
  if (size !== undefined) truncateSync(f, size); // sparse: nothing of it is read
  return f;
}

const CASES: { what: string; name: string; content: string | Uint8Array; size?: number; T?: number; maxBytes?: number; problem: RegExp }[] = [
  { what: 'binary', name: 'data.bin', content: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 1), problem: /: not a text file \(it holds NUL bytes/ },
  { what: 'not UTF-8', name: 'latin1.txt', content: Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x0a), problem: /: not a UTF-8 text file/ },
  { what: 'empty', name: 'empty.txt', content: '', problem: /: the file is empty/ },
  { what: 'too large for the trainer', name: 'huge.txt', content: 'x', size: CHARLM_MAX_BYTES + 1, problem: /: the file is too large \(256 MiB; at most 256 MiB of text\)/ },
  { what: 'T larger than the text', name: 'short.txt', content: 'abc'.repeat(300), T: 100, problem: /: the text is too short for T = 100 with batch 32/ },
];

test('language model input, CLI: binary, not UTF-8, empty, too large, T larger than the text → one line, exit 2, no run folder', () => {
  for (const c of CASES) {
    const f = file(c.name, c.content, c.size);
    const out = path.join(tmp(), 'run');
    const r = spawnSync(process.execPath, [CLI, 'train', '--task', 'charlm', '--file', f, '--cell', 'lstm', '--T', String(c.T ?? 50), '--out', out], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `${c.what}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${c.what}: ${r.stderr}`);
    assert.ok(lines[0].startsWith(`recurrent-lens: ${f}: `) && c.problem.test(lines[0]), `${c.what}: ${lines[0]}`);
    assert.equal(existsSync(out), false, `${c.what}: nothing half-made`);
  }
});

test('language model input, the command\'s check (worker checkText): the same lines, and the maxFileSizeMB setting', async () => {
  // the setting, read at each request
  let maxFileBytes = 2048 * 2 ** 20;
  const client = new WorkerClient(ROOT, { maxFileBytes: () => maxFileBytes });
  try {
    const settings = (T = 50) => ({ max_chars: 0, batch: 32, T });
    for (const c of CASES) {
      const f = file(c.name, c.content, c.size);
      await assert.rejects(client.request({ op: 'checkText', file: f, settings: settings(c.T) }),
        (e: KindedError) => e.message.startsWith(`${f}: `) && c.problem.test(e.message) && !e.message.includes('\n') && e.file === f, c.what);
    }
    // larger than the setting (here 1 MiB) though the trainer would take it
    maxFileBytes = 2 ** 20;
    const big = file('big.txt', 'x', 3 * 2 ** 20);
    await assert.rejects(client.request({ op: 'checkText', file: big, settings: settings() }),
      (e: KindedError) => e.kind === 'too-large' && e.message === `${big}: the file is too large (3 MiB; the setting recurrentLens.maxFileSizeMB allows 1 MiB)`);
    const good = file('good.txt', 'abcd'.repeat(2000));
    const ok: TextCheck = await client.request({ op: 'checkText', file: good, settings: settings() });
    assert.deepEqual(ok, { chars: 8000, vocab: 4, unigramBpc: 2, validBatches: 1 });
  } finally {
    client.dispose();
  }
});

test('sampling in the worker: chunks stream before the result and make up its text; cancel stops it', async () => {
  const dir = tmp();
  const text = file('abc.txt', 'abc'.repeat(2000));
  await trainRun(dir, resolveConfig({ task: 'charlm', file: text, cell: 'gru', N: 8, T: 10, batch: 4, updates: 30, eval_every: 30 }));
  const client = new WorkerClient(ROOT, { maxFileBytes: () => 2 ** 30 });
  try {
    const chunks: string[] = [];
    const job = client.cancellable({ op: 'sample', target: dir, options: { prompt: 'ab', length: 3000, temperature: 1, seed: 2 } }, (t) => chunks.push(t));
    const done: SampleDone = await job.result;
    assert.equal(done.length, 3000);
    assert.equal(done.stopped, false);
    assert.equal(done.update, 30);
    assert.equal(chunks.join(''), done.text);
    assert.ok(chunks.length >= 1);
    // cancelled at once: fewer characters than asked, the text so far
    const long = client.cancellable({ op: 'sample', target: dir, options: { prompt: '', length: 1_000_000, temperature: 1, seed: 2 } });
    setTimeout(() => long.cancel(), 200);
    const cut = await long.result;
    assert.equal(cut.stopped, true);
    assert.ok(cut.length > 0 && cut.length < 1_000_000, String(cut.length));
    await assert.rejects(client.request({ op: 'sample', target: path.join(dir, 'missing'), options: { prompt: '', length: 5, temperature: 1, seed: 1 } }),
      /missing: cannot read \(ENOENT\)/);
  } finally {
    client.dispose();
  }
});
