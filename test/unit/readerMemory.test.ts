/**
 * Reading a tensor costs about its own size once: `recurrent-lens inspect` runs in a child process on large files
 * written here (no Python), and its peak resident memory (`process.resourceUsage().maxRSS` at exit) may exceed
 * that of inspecting a tiny file by at most 1.5× the array's size. Widening to float64 (8× for uint8, 2× for
 * float32), copying an inflated member, or copying a misaligned stored member would each break it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { CLI } from './helpers';
import { writeNpy } from '../../src/core/readers/npy';

const MiB = 1024 ** 2;

/** Prints the peak resident set size (bytes) to stderr as the process exits, however it exits. */
const PRELOAD = `process.on('exit', () => require('fs').writeSync(2, '\\nmaxRSS ' + process.resourceUsage().maxRSS * 1024 + '\\n'));`;

function inspectPeak(dir: string, file: string): { bytes: number; json: { tensors: { dtype: string; min: number; max: number; mean: number }[] } } {
  const preload = path.join(dir, 'peak.js');
  writeFileSync(preload, PRELOAD);
  const r = spawnSync(process.execPath, ['--require', preload, CLI, 'inspect', file, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = /maxRSS (\d+)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  return { bytes: Number(m[1]), json: JSON.parse(r.stdout) };
}

/** A uint8 `.npy` (format 1.0) of `values`. */
function npyUint8(values: Uint8Array): Uint8Array {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${values.length},), }`;
  header = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(values, 10 + header.length);
  return out;
}

test('inspect holds a large array about once: no widened, inflated or misaligned copies', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-memory-'));
  try {
    const tiny = path.join(dir, 'tiny.npy');
    writeFileSync(tiny, writeNpy([2, 2], new Float64Array([1, 2, 3, 4])));
    const baseline = inspectPeak(dir, tiny).bytes;

    const cases: { file: string; dataBytes: number; dtype: string; max: number }[] = [];
    // A 128 MiB uint8 array deflated to a few hundred KiB: as float64 it would be 1 GiB.
    const u8 = new Uint8Array(128 * MiB);
    for (let i = 0; i < u8.length; i += 4096) u8[i] = i % 251;
    const bomb = path.join(dir, 'bomb.npz');
    writeFileSync(bomb, zipSync({ 'W.npy': npyUint8(u8) }, { level: 1 }));
    cases.push({ file: bomb, dataBytes: u8.length, dtype: 'uint8', max: 250 });

    // A 64 MiB float32 .npy.
    const f32 = new Float32Array(16 * MiB);
    for (let i = 0; i < f32.length; i++) f32[i] = (i % 1000) / 1000;
    const npy = path.join(dir, 'f32.npy');
    writeFileSync(npy, writeNpy([4096, f32.length / 4096], f32, 'float32'));
    cases.push({ file: npy, dataBytes: f32.byteLength, dtype: 'float32', max: 0.999 });

    // A 64 MiB float64 array stored (not deflated) at an offset that is not a multiple of 8 in the archive.
    const f64 = new Float64Array(8 * MiB);
    for (let i = 0; i < f64.length; i++) f64[i] = -(i % 77);
    const stored = path.join(dir, 'stored.npz');
    writeFileSync(stored, zipSync({ 'w.npy': writeNpy([f64.length], f64, 'float64') }, { level: 0 }));
    cases.push({ file: stored, dataBytes: f64.byteLength, dtype: 'float64', max: 0 });

    for (const c of cases) {
      const { bytes, json } = inspectPeak(dir, c.file);
      const t = json.tensors[0];
      assert.equal(t.dtype, c.dtype);
      assert.ok(Math.abs(t.max - c.max) < 1e-6, `${path.basename(c.file)} max ${t.max}`);
      const extra = bytes - baseline;
      assert.ok(
        extra <= 1.5 * c.dataBytes,
        `${path.basename(c.file)}: peak ${(bytes / MiB).toFixed(0)} MiB, ${(extra / MiB).toFixed(0)} MiB above the tiny file's ` +
        `${(baseline / MiB).toFixed(0)} MiB for ${(c.dataBytes / MiB).toFixed(0)} MiB of data (at most 1.5×)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
