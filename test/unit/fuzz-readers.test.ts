/**
 * Seeded mutation fuzzing of every reader, and the crafted files that once kept readers busy for ever or made
 * them allocate gigabytes.
 *
 * The fuzzer runs in a child process (this file, with RL_FUZZ_CHILD set) that mutates every good fixture — bit
 * flips, interesting bytes and 32-bit values written into headers, truncation, chunks duplicated, and for zip
 * based formats edits of the central directory and of the pickle — and reads each mutant with readCheckpoint
 * under a 64 MiB memory setting. It reports each case before reading it; the parent kills it when one case takes
 * longer than CASE_LIMIT_MS, and checks every outcome: tensors, or a one-line CheckpointError, never anything
 * else, and the child's peak memory stays under MEMORY_LIMIT_MB.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');
const CLI = path.join(__dirname, '../../../dist/cli.js');
/** Mutants per format, shared among its fixtures. */
const CASES_PER_FORMAT = Number(process.env.RECURRENT_LENS_FUZZ_CASES ?? 2000);
const CASE_LIMIT_MS = 10_000;
const MEMORY_LIMIT_MB = 1200;
const SEED = Number(process.env.RECURRENT_LENS_FUZZ_SEED ?? 20261205);

/** The good fixtures, one or more per format; TF.js is a folder (model.json and its shard). */
const FORMATS: Record<string, string[]> = {
  npy: ['matrix_f32.npy', 'matrix_f64_fortran.npy', 'matrix_f16.npy'],
  npz: ['weights.npz', 'weights_compressed.npz'],
  safetensors: ['rnn.safetensors'],
  pytorch: ['torch_rnn_state_dict.pt', 'torch_rnn_legacy.pt', 'generated/torch_nested_checkpoint.pt'],
  hdf5: ['keras_copy_chain.h5', 'generated/keras3_copy_chain.keras'],
  tfjs: ['tfjs_copy_chain/model.json', 'tfjs_copy_chain/group1-shard1of1.bin'],
};
const TARGETS = Object.values(FORMATS).flatMap((files) => files.map((file) => ({ file, cases: Math.ceil(CASES_PER_FORMAT / files.length) })));
const TOTAL_CASES = TARGETS.reduce((n, t) => n + t.cases, 0);

/** xorshift32: the same cases on every machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x0a, 0x28, 0x5d, 0x7d, 0x2e];
const INTERESTING_U32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x00010000, 0x40000000, 0, 1, 65535];

/** Where the structure sits: the first bytes (headers), the end (zip directory), and zip entries' starts. */
function hotSpots(data: Uint8Array): number[] {
  const spots: number[] = [];
  for (let i = 0; i + 4 <= data.length; i++) {
    // Local and central zip headers: names, sizes and offsets follow them.
    if (data[i] === 0x50 && data[i + 1] === 0x4b && (data[i + 2] === 1 || data[i + 2] === 3 || data[i + 2] === 5)) spots.push(i);
  }
  return spots;
}

function mutate(original: Uint8Array, random: () => number): Uint8Array {
  let data = original.slice();
  const spots = hotSpots(data);
  const at = (): number => {
    const r = random();
    if (r < 0.35) return Math.floor(random() * Math.min(data.length, 4096));
    if (r < 0.5) return Math.max(0, data.length - 1 - Math.floor(random() * Math.min(data.length, 2048)));
    if (r < 0.75 && spots.length) return Math.min(data.length - 1, spots[Math.floor(random() * spots.length)] + Math.floor(random() * 46));
    return Math.floor(random() * data.length);
  };
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits && data.length > 0; e++) {
    const kind = random();
    const i = at();
    if (kind < 0.3) {
      data[i] ^= 1 << Math.floor(random() * 8);
    } else if (kind < 0.5) {
      data[i] = INTERESTING_BYTES[Math.floor(random() * INTERESTING_BYTES.length)];
    } else if (kind < 0.7) {
      const v = INTERESTING_U32[Math.floor(random() * INTERESTING_U32.length)];
      for (let k = 0; k < 4 && i + k < data.length; k++) data[i + k] = (v >>> (8 * k)) & 0xff;
    } else if (kind < 0.85) {
      data = data.slice(0, Math.floor(random() * data.length));
    } else {
      // Duplicate a chunk in place (repeated opcodes, repeated directory records).
      const len = 1 + Math.floor(random() * 64);
      const chunk = data.slice(i, i + len);
      const out = new Uint8Array(data.length + chunk.length);
      out.set(data.subarray(0, i + chunk.length));
      out.set(chunk, i + chunk.length);
      out.set(data.subarray(i + chunk.length), i + 2 * chunk.length);
      data = out;
    }
  }
  return data;
}

async function child(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readCheckpoint } = require('../../src/core/readers') as typeof import('../../src/core/readers');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CheckpointError } = require('../../src/core/tensor') as typeof import('../../src/core/tensor');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-fuzz-'));
  const report = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
  try {
    for (const [t, { file: target, cases }] of TARGETS.entries()) {
      const random = rng(SEED + 7919 * t);
      const source = path.join(FIXTURES, target);
      const good = new Uint8Array(fs.readFileSync(source));
      // TF.js: mutate one file of a copy of the folder; other formats: one file.
      const dir = path.join(work, `t${t}`);
      fs.mkdirSync(dir);
      if (target.startsWith('tfjs_copy_chain/')) {
        for (const f of fs.readdirSync(path.dirname(source))) fs.copyFileSync(path.join(path.dirname(source), f), path.join(dir, f));
      }
      const mutant = path.join(dir, path.basename(target));
      const opened = target.startsWith('tfjs_copy_chain/') ? path.join(dir, 'model.json') : mutant;
      for (let c = 0; c < cases; c++) {
        fs.writeFileSync(mutant, mutate(good, random));
        report({ start: `${target}#${c}` });
        let outcome: string;
        try {
          const r = await readCheckpoint(opened, { maxFileBytes: 64 * 2 ** 20 });
          outcome = `ok ${r.tensors.length}`;
        } catch (err) {
          if (err instanceof CheckpointError && !err.problem.includes('\n') && err.problem.length > 0) outcome = 'error';
          else outcome = `BAD ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`.slice(0, 300);
        }
        report({ done: `${target}#${c}`, outcome, rss: Math.round(process.memoryUsage().rss / 2 ** 20) });
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  report({ maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
}

if (process.env.RL_FUZZ_CHILD) {
  void child();
} else {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const assert: typeof import('node:assert/strict') = require('node:assert/strict');
  const { test } = require('node:test') as typeof import('node:test');
  /* eslint-enable @typescript-eslint/no-require-imports */

  test(`mutation fuzzing: ${CASES_PER_FORMAT} mutants per format (${Object.keys(FORMATS).join(', ')}) end in tensors or one clean line, each within ${CASE_LIMIT_MS / 1000} s and ${MEMORY_LIMIT_MB} MB`, async () => {
    const proc = spawn(process.execPath, [__filename], { env: { ...process.env, RL_FUZZ_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let current = '';
    let lastProgress = Date.now();
    let stderr = '';
    const bad: string[] = [];
    const counts = { ok: 0, error: 0 };
    let maxRss = 0;
    let buffered = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        lastProgress = Date.now();
        if (line.start) current = line.start;
        if (line.done) {
          current = '';
          if (line.outcome.startsWith('BAD')) bad.push(`${line.done}: ${line.outcome}`);
          else counts[line.outcome === 'error' ? 'error' : 'ok']++;
          maxRss = Math.max(maxRss, line.rss);
        }
        if (line.maxRssMB) maxRss = Math.max(maxRss, line.maxRssMB);
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const stuck = await new Promise<string | null>((resolve) => {
      const timer = setInterval(() => {
        if (current && Date.now() - lastProgress > CASE_LIMIT_MS) {
          clearInterval(timer);
          proc.kill('SIGKILL');
          resolve(current);
        }
      }, 250);
      proc.on('exit', () => { clearInterval(timer); resolve(null); });
    });
    assert.equal(stuck, null, `case ${stuck} ran longer than ${CASE_LIMIT_MS} ms`);
    assert.deepEqual(bad, [], 'outcomes other than tensors or a one-line CheckpointError');
    assert.equal(counts.ok + counts.error, TOTAL_CASES, `every case reported (stderr: ${stderr.slice(0, 500)})`);
    assert.ok(counts.error > TOTAL_CASES / 4, `many mutants are refused (${counts.error} errors, ${counts.ok} read)`);
    assert.ok(maxRss < MEMORY_LIMIT_MB, `peak memory ${maxRss} MB`);
  });

  /** Runs the CLI on a file and returns its exit status, stderr and peak memory (MB, from a preloaded hook). */
  function inspect(file: string): { status: number | null; stderr: string; rssMB: number; ms: number } {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-adv-'));
    const hook = path.join(tmp, 'rss.js');
    const out = path.join(tmp, 'rss.txt');
    fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`);
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--require', hook, CLI, 'inspect', file], { encoding: 'utf8', timeout: 60_000 });
    const ms = Date.now() - started;
    const rssMB = fs.existsSync(out) ? Number(fs.readFileSync(out, 'utf8')) / 1024 : NaN;
    fs.rmSync(tmp, { recursive: true, force: true });
    return { status: r.status, stderr: r.stderr, rssMB, ms };
  }

  const ADVERSARIAL: [string, RegExp][] = [
    ['pt_reduce_list_amplify.pt', /: pickle does more work than its 371 KiB can need \(over \d+ steps\): refusing an amplification$/],
    ['npy_fortran_300kdims.npy', /: npy header of 900084 bytes is too large \(at most 10000\)$/],
    ['bomb_u1_2GiB.npz', /: b0\.npy: array b0 would take 16\.0 GiB in memory as float64 values, more than the 4\.00 GiB limit$/],
  ];
  for (const [name, message] of ADVERSARIAL) {
    test(`crafted ${name} fails fast with one line, in little memory`, () => {
      const r = inspect(path.join(FIXTURES, 'adversarial', name));
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trimEnd(), message);
      assert.ok(r.rssMB < 500, `peak memory ${r.rssMB.toFixed(0)} MB`);
      assert.ok(r.ms < 20_000, `${r.ms} ms`);
    });
  }

  test('crafted pt_name_amplify_3000.pt reads its 3 000 tensor names quickly, each name shortened to 1 000 characters', () => {
    const r = spawnSync(process.execPath, [CLI, 'inspect', '--json', path.join(FIXTURES, 'adversarial', 'pt_name_amplify_3000.pt')], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 2 ** 20 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.tensors.length, 3000);
    const names = new Set(out.tensors.map((t: { name: string }) => t.name));
    assert.equal(names.size, 3000, 'names stay distinct');
    for (const t of out.tensors) assert.ok(t.name.length <= 1000, `${t.name.length} characters`);
    assert.ok(out.tensors.some((t: { name: string }) => /^k{200}\.k+…[k.]*\.2999$/.test(t.name)), 'the end of a long name is kept');
  });
}

if (!process.env.RL_FUZZ_CHILD) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const assert: typeof import('node:assert/strict') = require('node:assert/strict');
  const { test } = require('node:test') as typeof import('node:test');
  const { readCheckpoint } = require('../../src/core/readers') as typeof import('../../src/core/readers');
  const { writeNpy } = require('../../src/core/readers/npy') as typeof import('../../src/core/readers/npy');
  const { CheckpointError } = require('../../src/core/tensor') as typeof import('../../src/core/tensor');
  const { zipSync } = require('fflate') as typeof import('fflate');
  /* eslint-enable @typescript-eslint/no-require-imports */

  test('decoded values must fit twice the memory setting, whatever the format widens or inflates them from', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-budget-'));
    try {
      // 1 MiB of uint8 is 8 MiB as float64: refused under a 2 MiB setting (4 MiB for values), read under 8 MiB.
      const npy = writeNpy([1024, 1024], new Float64Array(1024 * 1024), 'float64');
      const u8 = new Uint8Array(npy.length); // the same array stored as uint8: rewrite the header's descr
      const header = new TextDecoder('latin1').decode(npy.subarray(0, 128)).replace("'<f8'", "'|u1'");
      const headerBytes = Uint8Array.from(header, (c) => c.charCodeAt(0));
      u8.set(headerBytes);
      const file = path.join(dir, 'u8.npy');
      fs.writeFileSync(file, u8.subarray(0, 128 + 1024 * 1024));
      const npz = path.join(dir, 'u8.npz');
      fs.writeFileSync(npz, zipSync({ 'w.npy': u8.subarray(0, 128 + 1024 * 1024) }, { level: 9 }));
      for (const [f, what] of [[file, 'the array'], [npz, 'w.npy: array w']] as const) {
        await assert.rejects(readCheckpoint(f, { maxFileBytes: 2 * 2 ** 20 }), (err: unknown) => {
          assert.ok(err instanceof CheckpointError);
          assert.equal(err.problem, `${what} would take 8.00 MiB in memory as float64 values, more than the 4.00 MiB limit`);
          return true;
        });
        const ok = await readCheckpoint(f, { maxFileBytes: 8 * 2 ** 20 });
        assert.deepEqual(ok.tensors[0].shape, [1024, 1024]);
        assert.equal(ok.tensors[0].dtype, 'uint8');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
