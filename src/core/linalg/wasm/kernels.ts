/**
 * WebAssembly SIMD (f64x2) kernels for the dense linear algebra's hot loops, compiled from asm/kernels.ts
 * (AssemblyScript) by esbuild.mjs and embedded in the bundle.
 *
 * A computation that wants them opens a Workspace: one module instance whose memory is grown once to the size
 * the computation needs, with a bump allocator (alloc, mark/release) handing out Float64Array views of it. The
 * workspace is passed explicitly to the kernels' callers (gemm.ts, hessenberg.ts, hqr.ts, laqr.ts, svd.ts,
 * dense.ts); they call into WebAssembly when their arrays are views of its memory (ws.index(a) ≥ 0) and run their
 * own TypeScript loops otherwise, so an exhausted workspace, a null one or a disabled module only costs speed.
 * There is no "current" workspace: nested computations open their own (each its own instance and memory).
 * Off with RECURRENT_LENS_NO_WASM=1 or setWasmEnabled(false).
 */
import * as v8 from 'node:v8';
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

/** Compiled module: undefined until first use, null when WebAssembly SIMD is unavailable (a memo, never reset). */
let compiled: WebAssembly.Module | null | undefined;
/** Instances of closed workspaces kept for reuse (a cache: instantiation and page faults cost ~1 ms). */
const idle: Kernels[] = [];
let enabled = !(typeof process !== 'undefined' && process.env && process.env.RECURRENT_LENS_NO_WASM === '1');

/** Turns the WebAssembly kernels on or off for this thread (tests compare both paths). */
export function setWasmEnabled(on: boolean): void {
  enabled = on;
}

function compile(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) throw new Error('no SIMD');
      compiled = compileOptimized(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/**
 * Compiles the module with V8's optimizing compiler straight away instead of its baseline one (Liftoff) with
 * tier-up of hot functions later: the kernels are few and small (~15 ms to optimize), while Liftoff's SIMD code
 * runs the first few decompositions about twice as slowly (N = 100 Schur: 7.7 ms for calls 5–9, 3.4 ms once
 * tiered up). The flag is set for this compilation only and restored at once (as wasmSimd.ts sets its flag).
 */
function compileOptimized(b: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  let set = false;
  try {
    v8.setFlagsFromString('--no-liftoff');
    set = true;
  } catch {
    // flags not settable here: the default tiering
  }
  try {
    return new WebAssembly.Module(b);
  } finally {
    if (set) v8.setFlagsFromString('--liftoff');
  }
}

/** Whether the WebAssembly path is in use (enabled and available). */
export function wasmAvailable(): boolean {
  return enabled && compile() !== null;
}

/** Memory a closed workspace's instance may keep for reuse; a larger one is dropped (wasm memory never shrinks). */
const KEEP_BYTES = 64 << 20;

/** A bump allocator over one kernel instance's memory; see the module comment. Close it when done. */
export class Workspace {
  private readonly buf: ArrayBuffer;
  private readonly base: number; // first element index
  private top: number; // bump pointer (element index)
  private readonly end: number;
  private closed = false;

  constructor(readonly k: Kernels, elements: number) {
    const hb = (k.heapBase() + 63) & ~63; // 64-byte (cache-line) aligned start
    this.base = hb >> 3;
    this.buf = k.memory.buffer;
    this.top = this.base;
    this.end = Math.min(this.base + elements, this.buf.byteLength >> 3);
  }

  /**
   * A Float64Array of length len (zeroed unless zero is false): a view of the workspace's memory when it fits,
   * else an ordinary array. Views start on 64-byte boundaries.
   */
  alloc(len: number, zero = true): Float64Array {
    if (this.top + len <= this.end) {
      const a = new Float64Array(this.buf, this.top * 8, len);
      if (zero) a.fill(0);
      this.top += (len + 7) & ~7;
      return a;
    }
    return new Float64Array(len);
  }

  /** The bump pointer, for release() (stack discipline). */
  mark(): number {
    return this.top;
  }

  release(m: number): void {
    if (m >= this.base && m <= this.top) this.top = m;
  }

  /** Element index of a[0] in the workspace's memory, or −1 when a is not a view of it. */
  index(a: Float64Array): number {
    return a.buffer === this.buf ? a.byteOffset >> 3 : -1;
  }

  /** Returns the instance for reuse; the views handed out must no longer be used. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.buf.byteLength <= KEEP_BYTES && idle.length < 2) idle.push(this.k);
  }
}

/**
 * Opens a workspace of at least `elements` f64s (its own instance, memory grown once), or null when the kernels
 * are disabled or unavailable or the memory cannot grow.
 */
export function openWorkspace(elements: number): Workspace | null {
  if (!enabled) return null;
  const mod = compile();
  if (!mod) return null;
  let k = idle.pop();
  if (!k) {
    try {
      k = new WebAssembly.Instance(mod, { env: { abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as Kernels;
    } catch {
      return null;
    }
  }
  const needBytes = (((k.heapBase() + 63) & ~63) >> 3) * 8 + elements * 8;
  const have = k.memory.buffer.byteLength;
  if (needBytes > have) {
    try {
      k.memory.grow(Math.ceil((needBytes - have) / 65536));
    } catch {
      return null;
    }
  }
  return new Workspace(k, elements);
}

/** Runs f with a workspace of `elements` f64s (null when unavailable), closing it afterwards. */
export function withWorkspace<T>(elements: number, f: (ws: Workspace | null) => T): T {
  const ws = openWorkspace(elements);
  try {
    return f(ws);
  } finally {
    ws?.close();
  }
}

/** ws.alloc, or an ordinary array without a workspace. */
export function wsAlloc(ws: Workspace | null, len: number, zero = true): Float64Array {
  return ws ? ws.alloc(len, zero) : new Float64Array(len);
}

/**
 * Leading dimension for an m-row column-major matrix in a workspace: m rounded up so that a column is a whole
 * number of 64-byte lines and an odd one. Columns 4 or 8 KiB apart (m = 512, 1024) would all map to the same
 * few L1 sets; an odd number of lines spreads them over all sets.
 */
export function paddedLd(m: number): number {
  let l = Math.max(8, (m + 7) & ~7);
  if (((l >> 3) & 1) === 0) l += 8;
  return l;
}
