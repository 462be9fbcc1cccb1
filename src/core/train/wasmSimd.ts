/**
 * Compiles a training kernel (asm/rnn.ts, asm/gated.ts): its relaxed-SIMD build where the engine accepts it, else
 * its plain SIMD build, else null (the caller trains on the JS reference). The relaxed build differs only in the GEMM
 * tiles' multiply-adds, fused where the CPU has FMA: half the floating-point instructions, ~1.3× faster updates for the
 * LSTM language model here. Relaxed SIMD is standard WebAssembly and on by default from V8 11.4 (VS Code's Electron,
 * Node ≥ 22); Node 20 has it behind --experimental-wasm-relaxed-simd, which is set at run time, once, before asking.
 * RECURRENT_LENS_NO_RELAXED_SIMD=1 keeps the plain build (the same float32 results on every machine).
 */
import * as v8 from 'node:v8';

let flagTried = false;

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

export function relaxedSimdWanted(): boolean {
  return typeof process === 'undefined' || process.env.RECURRENT_LENS_NO_RELAXED_SIMD !== '1';
}

/** Whether this engine validates relaxed SIMD, turning Node 20's flag on if needed. */
function relaxedSimdAccepted(probe: Uint8Array<ArrayBuffer>): boolean {
  if (validates(probe)) return true;
  if (flagTried) return false;
  flagTried = true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return validates(probe);
}

export interface SimdKernel {
  module: WebAssembly.Module;
  /** which build: 'relaxed-simd' (fused multiply-adds) or 'simd' */
  features: 'relaxed-simd' | 'simd';
}

export function compileSimdKernel(relaxed: Uint8Array<ArrayBuffer>, plain: Uint8Array<ArrayBuffer>): SimdKernel | null {
  if (typeof WebAssembly === 'undefined') return null;
  try {
    if (relaxedSimdWanted() && relaxedSimdAccepted(relaxed)) return { module: new WebAssembly.Module(relaxed), features: 'relaxed-simd' };
    if (validates(plain)) return { module: new WebAssembly.Module(plain), features: 'simd' };
  } catch {
    // a module the engine validates but cannot compile (out of memory): no kernel
  }
  return null;
}
