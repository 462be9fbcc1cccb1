// The whole schur.test.ts suite again on the pure-TypeScript path (WebAssembly kernels off), so both paths
// of the Schur decomposition pass the same residual, orthogonality, structure and SciPy checks.
import { setWasmEnabled } from '../../src/core/linalg/wasm/kernels';

setWasmEnabled(false);
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./schur.test');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { test } = require('node:test') as typeof import('node:test');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { wasmAvailable } = require('../../src/core/linalg/wasm/kernels') as typeof import('../../src/core/linalg/wasm/kernels');
test('this file runs the TypeScript path', () => {
  if (wasmAvailable()) throw new Error('WebAssembly kernels still enabled');
});
