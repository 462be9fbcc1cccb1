/**
 * TensorFlow.js for the trainer: @tensorflow/tfjs-node when it is installed (an optional dependency: its
 * install script downloads libtensorflow, which fails behind some firewalls), otherwise the portable CPU
 * backend bundled with us. tfjs-node brings its own copy of tfjs-core, so everything that trains takes the
 * namespace returned here instead of importing tfjs-core itself.
 */
import * as bundledTf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export type Tf = typeof bundledTf;

export interface LoadedTf {
  tf: Tf;
  /** "tensorflow" (tfjs-node) or "cpu" */
  backend: string;
}

let loaded: LoadedTf | undefined;

/**
 * The namespace to train with. `preferNode: false` (or RECURRENT_LENS_TFJS_NODE=0) keeps the portable
 * backend even when tfjs-node is present.
 */
export function loadTf(opts: { preferNode?: boolean } = {}): LoadedTf {
  if (loaded) return loaded;
  const preferNode = opts.preferNode ?? process.env.RECURRENT_LENS_TFJS_NODE !== '0';
  if (preferNode) {
    try {
      // Kept out of the bundle (esbuild external): resolved at run time from the user's node_modules.
      const tfnode = require('@tensorflow/tfjs-node') as Tf;
      tfnode.setBackend('tensorflow');
      loaded = { tf: tfnode, backend: tfnode.getBackend() };
      return loaded;
    } catch {
      // not installed, or its native library failed to load: the portable backend below
    }
  }
  bundledTf.env().set('PROD', true); // no debug checks, and no "install tfjs-node" console banner
  // Importing the package registers the backend and its kernels; naming the class keeps the bundler from
  // dropping that import (the package declares itself free of side effects).
  if (!bundledTf.findBackend('cpu')) bundledTf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  bundledTf.setBackend('cpu');
  loaded = { tf: bundledTf, backend: bundledTf.getBackend() };
  return loaded;
}
