/**
 * WebAssembly SIMD (f64x2) kernels for the Schur decomposition's hot loops, compiled from asm/kernels.ts
 * (AssemblyScript) by esbuild.mjs and embedded in the bundle. One module instance per thread, instantiated
 * synchronously on first use.
 *
 * During realSchur the matrices live in the module's memory: beginArena() grows the memory once to the size
 * the decomposition needs, and alloc() hands out Float64Array views of it (a bump allocator with mark/release).
 * The TypeScript kernels in hessenberg.ts, hqr.ts, laqr.ts and gemm.ts call into WebAssembly when their arrays
 * are such views (kernels() non-null and arr.buffer === memory buffer) and run their own loops otherwise, so an
 * exhausted arena or a disabled module only costs speed. Off with RECURRENT_LENS_NO_WASM=1 or setWasmEnabled(false).
 */
import bytes from 'recurrent-lens-wasm:kernels';

export interface Kernels {
  heapBase(): number;
  refRows3(p: number, ld: number, cnt: number, v2: number, v3: number, a: number, b1: number, b2: number, b3: number): void;
  refRows2(p: number, ld: number, cnt: number, v2: number, a: number, b1: number, b2: number): void;
  refCols3(c1: number, c2: number, c3: number, cnt: number, v2: number, v3: number, a: number, b1: number, b2: number, b3: number): void;
  refCols2(c1: number, c2: number, cnt: number, v2: number, a: number, b1: number, b2: number): void;
  laqr5Left(hb: number, ldh: number, krcol: number, mtop: number, mbot: number, j0: number, jbot: number, vv: number): void;
  gemvN(m: number, k: number, a: number, lda: number, x: number, incx: number, y: number, alpha: number): void;
  gemvT(m: number, k: number, a: number, lda: number, x: number, y: number, incy: number, alpha: number): void;
  larfLeft(m: number, ncols: number, v: number, a: number, lda: number, tau: number): void;
  larfRight(m: number, k: number, v: number, a: number, lda: number, tau: number, w: number): void;
  gemmNN(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, acc: number): void;
  gemmTN(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, acc: number, pack: number): void;
  memory: WebAssembly.Memory;
}

let instance: Kernels | null | undefined; // undefined: not tried yet; null: unavailable
let enabled = !(typeof process !== 'undefined' && process.env && process.env.RECURRENT_LENS_NO_WASM === '1');

/** Turns the WebAssembly kernels on or off for this thread (tests compare both paths). */
export function setWasmEnabled(on: boolean): void {
  enabled = on;
}

/** The module's instance, or null when WebAssembly SIMD is unavailable or the kernels are disabled. */
export function wasmKernels(): Kernels | null {
  if (!enabled) return null;
  if (instance === undefined) {
    try {
      if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) throw new Error('no SIMD');
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        env: { abort: () => { throw new Error('wasm abort'); } },
      });
      instance = inst.exports as unknown as Kernels;
    } catch {
      instance = null;
    }
  }
  return instance;
}

/** Whether the WebAssembly path is in use (enabled and available). */
export function wasmAvailable(): boolean {
  return wasmKernels() !== null;
}

// ---------- arena ----------

/** Active kernels during an arena (realSchur), else null: the hot loops test this. */
export let K: Kernels | null = null;
/** The memory's buffer while an arena is active (views of it are wasm-resident). */
export let BUF: ArrayBuffer | null = null;
let base = 0; // first free element index at arena start
let top = 0; // bump pointer (element index)
let end = 0; // arena end (element index)
let depth = 0;

/**
 * Starts an arena of at least `elements` f64s (grows the memory once). Returns false (and activates nothing)
 * when the kernels are unavailable. Nested calls share the outer arena.
 */
export function beginArena(elements: number): boolean {
  if (depth > 0) { depth++; return true; }
  const k = wasmKernels();
  if (!k) return false;
  const hb = (k.heapBase() + 15) & ~15;
  base = hb >> 3;
  const needBytes = (base + elements) * 8;
  const have = k.memory.buffer.byteLength;
  if (needBytes > have) {
    try {
      k.memory.grow(Math.ceil((needBytes - have) / 65536));
    } catch {
      return false;
    }
  }
  K = k;
  BUF = k.memory.buffer;
  top = base;
  end = base + elements;
  depth = 1;
  return true;
}

/** Memory a thread keeps between decompositions; a larger one is dropped with its instance (wasm memory never shrinks). */
const KEEP_BYTES = 64 << 20;

export function endArena(): void {
  if (depth === 0) return;
  if (--depth === 0) {
    K = null;
    if (BUF !== null && BUF.byteLength > KEEP_BYTES) instance = undefined; // re-instantiated (about 1 ms) on next use
    BUF = null;
  }
}

/**
 * A Float64Array of length len (zeroed unless zero is false): a view of the wasm memory inside an arena when it fits, else an ordinary
 * array. Views are 16-byte aligned.
 */
export function alloc(len: number, zero = true): Float64Array {
  if (BUF !== null && top + len <= end) {
    const a = new Float64Array(BUF, top * 8, len);
    if (zero) a.fill(0);
    top += (len + 1) & ~1;
    return a;
  }
  return new Float64Array(len);
}

/** The bump pointer, for release() (stack discipline). */
export function mark(): number {
  return top;
}

export function release(m: number): void {
  if (BUF !== null && m >= base && m <= top) top = m;
}

/** Element index of a[0] in the wasm memory, or −1 when a is not a view of it. */
export function wasmIndex(a: Float64Array): number {
  return BUF !== null && a.buffer === BUF ? a.byteOffset >> 3 : -1;
}
