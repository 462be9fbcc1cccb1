/**
 * The fast engine: forward and backward through time, readout and loss fused in one WebAssembly SIMD kernel
 * (asm/rnn.ts, embedded in the bundle by esbuild.mjs). RnnKernel is one module instance (one per thread): it
 * lays out the kernel's memory for the dimensions, grows it as needed, and exposes views where the caller puts
 * parameters and inputs; WasmRnnEngine is the single-thread RnnEngine on top of it.
 */
import bytes from 'recurrent-lens-wasm:rnn';
import relaxedBytes from 'recurrent-lens-wasm:rnn-relaxed';
import { compileSimdKernel, type SimdKernel } from './wasmSimd';
import { checkBatch, denseInputs, lossDenominator, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from './model';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  forward(): number;
  backward(): void;
}

// Header slots, as asm/rnn.ts reads them.
const H_B = 0, H_T = 1, H_NIN = 2, H_N = 3, H_NP = 4, H_NOUT = 5, H_NOUTP = 6, H_ACT = 7, H_LOSS = 8, H_S = 9;
const H_INVDENOM = 10;
const H_P_IN = 11, H_RP = 12, H_RT = 13, H_KP = 14, H_BP = 15, H_DP = 16, H_DT = 17, H_CP = 18;
const H_X_RAW = 19, H_X = 20, H_LAB = 21, H_TGT = 22, H_H = 23, H_Y = 24, H_DA = 25;
const H_GR = 26, H_GK = 27, H_GB = 28, H_GD = 29, H_GC = 30, H_G_OUT = 31, H_ZERO = 32;
const HEADER_BYTES = 256;

const ACT_CODE = { elu: 0, relu: 1, tanh: 2 } as const;
const LOSS_CODE = { 'softmax-xent-every-step': 0, 'softmax-xent-last-step': 1, 'mse-last-step': 2 } as const;

let kernel: SimdKernel | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
export function rnnWasmModule(): WebAssembly.Module | null {
  return rnnWasmKernel()?.module ?? null;
}

/** The compiled module and which build it is (relaxed or plain SIMD), or null. */
export function rnnWasmKernel(): SimdKernel | null {
  if (kernel === undefined) kernel = compileSimdKernel(relaxedBytes, bytes);
  return kernel;
}

/** Number of parameters, the length of the flat [K|R|b|D|c] blocks the kernel reads and writes. */
export function paramCount(d: Pick<RnnDims, 'nIn' | 'N' | 'nOut'>): number {
  return d.nIn * d.N + d.N * d.N + d.N + d.N * d.nOut + d.nOut;
}

/**
 * Steps per chunk: the weight gradients and the readout run over S·batch ≈ 128 rows at a time, while they are hot
 * in cache (measured: 128 rows beat 64 and 256 by a few per cent).
 */
function chunkSteps(batch: number): number {
  return Math.max(1, Math.ceil(128 / batch));
}

const up4 = (n: number) => (n + 3) & ~3;

/** One instance of the kernel with its memory. */
export class RnnKernel {
  private readonly ex: Exports;
  private dims: RnnDims | undefined;
  private offsets = new Int32Array(0);
  private forwardDone = false;

  /** `module`: a compiled rnn module, e.g. posted from another thread (V8 then shares its optimised code). */
  constructor(module: WebAssembly.Module | null = rnnWasmModule()) {
    const m = module;
    if (!m) throw new Error('WebAssembly SIMD is not available');
    const inst = new WebAssembly.Instance(m, { env: { abort: () => { throw new Error('rnn kernel: abort'); } } });
    this.ex = inst.exports as unknown as Exports;
  }

  /** Lays out the memory for these dimensions (the loss divides by `denom`, the full batch's); invalidates views. */
  setup(d: RnnDims, denom: number): void {
    const { batch: B, T, nIn, N, nOut } = d;
    const Np = up4(N), nOutP = up4(nOut), S = chunkSteps(B);
    const every = d.loss === 'softmax-xent-every-step';
    let off = (this.ex.heapBase() + 63) & ~63;
    const hdrAt = off;
    off += HEADER_BYTES;
    const take = (floats: number) => { const at = off; off += (floats * 4 + 63) & ~63; return at; };
    const o: number[] = [];
    o[H_P_IN] = take(paramCount(d));
    o[H_RP] = take(Np * Np);
    o[H_RT] = take(Np * Np);
    o[H_KP] = take(nIn * Np);
    o[H_BP] = take(Np);
    o[H_DP] = take(Np * nOutP);
    o[H_DT] = take(nOut * Np);
    o[H_CP] = take(nOutP);
    o[H_X_RAW] = take(B * T * nIn);
    o[H_X] = take(B * T * nIn);
    o[H_LAB] = take(every ? B * T : B);
    o[H_TGT] = take(B * nOut);
    o[H_H] = take((T + 1) * B * Np);
    o[H_Y] = take((every ? T * B : B) * nOutP);
    o[H_DA] = take(2 * S * B * Np);
    o[H_GR] = take(Np * Np);
    o[H_GK] = take(nIn * Np);
    o[H_GB] = take(Np);
    o[H_GD] = take(Np * nOutP);
    o[H_GC] = take(nOutP);
    o[H_G_OUT] = take(paramCount(d));
    o[H_ZERO] = take(Np);
    // Over 2 GiB the kernel's i32 offsets would wrap (and V8 caps wasm32 memory near 4 GiB anyway).
    if (off >= 2 ** 31) throw new RangeError(`rnn kernel: ${(off / 2 ** 30).toFixed(1)} GiB of working memory needed (batch ${B} × T ${T} × N ${N}); use a smaller batch`);
    const mem = this.ex.memory;
    if (off > mem.buffer.byteLength) mem.grow(Math.ceil((off - mem.buffer.byteLength) / 65536));
    const hdr = new Int32Array(mem.buffer, hdrAt, HEADER_BYTES / 4);
    hdr.set([B, T, nIn, N, Np, nOut, nOutP, ACT_CODE[d.activation], LOSS_CODE[d.loss], S]);
    new Float32Array(mem.buffer, hdrAt, HEADER_BYTES / 4)[H_INVDENOM] = 1 / denom;
    for (let i = H_P_IN; i <= H_ZERO; i++) hdr[i] = o[i];
    this.offsets = Int32Array.from(o);
    this.dims = { ...d };
    this.forwardDone = false;
  }

  private f32(slot: number, length: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, this.offsets[slot], length);
  }

  /** Where forward() reads the parameters, flat [K|R|b|D|c]. */
  params(): Float32Array {
    return this.f32(H_P_IN, paramCount(this.need()));
  }
  /** Where forward() reads the inputs, batch × T × nIn. */
  inputs(): Float32Array {
    const d = this.need();
    return this.f32(H_X_RAW, d.batch * d.T * d.nIn);
  }
  labels(): Int32Array {
    const d = this.need();
    return new Int32Array(this.ex.memory.buffer, this.offsets[H_LAB], d.loss === 'softmax-xent-every-step' ? d.batch * d.T : d.batch);
  }
  targets(): Float32Array {
    const d = this.need();
    return this.f32(H_TGT, d.batch * d.nOut);
  }

  /** Σ loss / denom over this kernel's batch; keeps the states for backward(). */
  forward(): number {
    this.need();
    const loss = this.ex.forward();
    this.forwardDone = true;
    return loss;
  }

  /** Gradients of the last forward()'s loss, flat [K|R|b|D|c] (a view, valid until the next setup()). */
  backward(): Float32Array {
    if (!this.forwardDone) throw new Error('backward() needs a forward() first');
    const d = this.need();
    this.ex.backward();
    return this.f32(H_G_OUT, paramCount(d));
  }

  /** Copies the parameters and this kernel's share of a batch (batch elements from..from+dims.batch). */
  load(params: RnnParams, batch: RnnBatch, from: number): void {
    const d = this.need();
    writeParams(this.params(), params);
    const { T, nIn, nOut, batch: B } = d;
    this.inputs().set(denseInputs(d, batch).subarray(from * T * nIn, (from + B) * T * nIn));
    if (d.loss === 'mse-last-step') this.targets().set(batch.targets!.subarray(from * nOut, (from + B) * nOut));
    else {
      const per = d.loss === 'softmax-xent-every-step' ? T : 1;
      this.labels().set(batch.labels!.subarray(from * per, (from + B) * per));
    }
  }

  private need(): RnnDims {
    if (!this.dims) throw new Error('rnn kernel: setup() first');
    return this.dims;
  }
}

/** The vanilla kernel's limits: no gated cells, and every sequence starts from h = 0. */
export function checkVanilla(d: RnnDims, batch: RnnBatch): void {
  if (d.cell !== undefined && d.cell !== 'rnn') throw new Error(`the vanilla RNN kernel cannot run a${d.cell === 'lstm' ? 'n' : ''} ${d.cell.toUpperCase()}`);
  if (batch.state0) throw new Error('the vanilla RNN kernel starts every sequence from h = 0 (no carried state)');
}

export function writeParams(flat: Float32Array, p: RnnParams): void {
  let at = 0;
  for (const a of [p.K, p.R, p.b, p.D, p.c]) { flat.set(a, at); at += a.length; }
}

/** grads ← flat (or grads += flat when add), flat in [K|R|b|D|c] order. */
export function readGrads(flat: Float32Array, grads: RnnParams, add = false): void {
  let at = 0;
  for (const a of [grads.K, grads.R, grads.b, grads.D, grads.c]) {
    if (add) for (let i = 0; i < a.length; i++) a[i] += flat[at + i];
    else a.set(flat.subarray(at, at + a.length));
    at += a.length;
  }
}

export class WasmRnnEngine implements RnnEngine {
  readonly name = 'wasm-simd';
  private readonly kernel: RnnKernel;

  constructor(module: WebAssembly.Module | null = rnnWasmModule()) {
    this.kernel = new RnnKernel(module);
  }

  forward(dims: RnnDims, params: RnnParams, batch: RnnBatch): number {
    checkBatch(dims, params, batch);
    checkVanilla(dims, batch);
    this.kernel.setup(dims, lossDenominator(dims));
    this.kernel.load(params, batch, 0);
    return this.kernel.forward();
  }

  backward(grads: RnnParams): void {
    readGrads(this.kernel.backward(), grads);
  }

  dispose(): void {}
}
