import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './helpers';
import { loadEmbeddedMnist, loadIdxPair } from '../../src/core/tasks/mnistFiles';
import { psmnistPermutation, toSequences } from '../../src/core/tasks/psmnist';
import { FormatError } from '../../src/core/tensor';

test('embedded MNIST: 10 000 28×28 digits, interleaved by class, byte-exact to the mnist package', () => {
  const { images, labels } = loadEmbeddedMnist(ROOT);
  assert.equal(images.count, 10000);
  assert.equal(images.rows, 28);
  assert.equal(images.cols, 28);
  assert.equal(images.pixels.length, 10000 * 784);
  assert.deepEqual([...labels.subarray(0, 20)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const counts = new Array(10).fill(0);
  for (const c of labels) counts[c]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `class counts ${counts}`);
  // Image 10·k + d is the mnist package's k-th digit d (for the first full rounds).
  const req = createRequire(path.join(ROOT, 'package.json'));
  const three = JSON.parse(readFileSync(path.join(path.dirname(req.resolve('mnist/package.json')), 'src', 'digits', '3.json'), 'utf8')).data as number[];
  for (const k of [0, 1, 57]) {
    const n = 10 * k + 3;
    assert.equal(labels[n], 3);
    for (let p = 0; p < 784; p++) assert.ok(Math.abs(images.pixels[n * 784 + p] / 255 - three[k * 784 + p]) <= 5e-4 + 1e-12);
  }
  // Real digits: mostly dark background, some ink.
  let ink = 0;
  for (let i = 0; i < 784 * 100; i++) if (images.pixels[i] > 128) ink++;
  assert.ok(ink > 784 * 100 * 0.05 && ink < 784 * 100 * 0.4, `ink fraction ${ink / 78400}`);
  const seq = toSequences(images.pixels, labels, psmnistPermutation(1), 0, 16);
  assert.equal(seq.x.length, 16 * 784);
  assert.ok(seq.x.every((v) => v >= 0 && v <= 1));
});

test('IDX files on disk: plain and gzipped read alike; errors name the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'idx-'));
  try {
    const img = new Uint8Array(16 + 2 * 4);
    const dv = new DataView(img.buffer);
    dv.setUint32(0, 0x803); dv.setUint32(4, 2); dv.setUint32(8, 2); dv.setUint32(12, 2);
    img.set([0, 1, 2, 3, 250, 251, 252, 253], 16);
    const lab = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 4, 9]);
    writeFileSync(path.join(dir, 'i'), img);
    writeFileSync(path.join(dir, 'l.gz'), gzipSync(lab));
    const { images, labels } = loadIdxPair(path.join(dir, 'i'), path.join(dir, 'l.gz'));
    assert.deepEqual([...images.pixels], [0, 1, 2, 3, 250, 251, 252, 253]);
    assert.deepEqual([...labels], [4, 9]);
    writeFileSync(path.join(dir, 'bad'), img.subarray(0, 20));
    assert.throws(() => loadIdxPair(path.join(dir, 'bad'), path.join(dir, 'l.gz')),
      (e: Error) => e instanceof FormatError && e.message.startsWith(path.join(dir, 'bad') + ': IDX images:') && /truncated/.test(e.message));
    writeFileSync(path.join(dir, 'badgz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    assert.throws(() => loadIdxPair(path.join(dir, 'i'), path.join(dir, 'badgz')), /badgz: corrupt gzip data/);
    const lab3 = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 4, 9, 1]);
    writeFileSync(path.join(dir, 'l3'), lab3);
    assert.throws(() => loadIdxPair(path.join(dir, 'i'), path.join(dir, 'l3')), /has 2 images but .* has 3 labels/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
