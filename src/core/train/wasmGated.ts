/**
 * The fast LSTM and GRU engine for language models: forward and backward through time, row-gather inputs, readout
 * and softmax cross-entropy fused in one WebAssembly SIMD kernel (asm/gated.ts, embedded by esbuild.mjs), with the
 * state carried in and out. What the kernel does not cover (dense inputs, other losses) runs on the JS reference.
 */
import bytes from 'recurrent-lens-wasm:gated';
import relaxedBytes from 'recurrent-lens-wasm:gated-relaxed';
import { compileSimdKernel, type SimdKernel } from './wasmSimd';
import { JsRnnEngine } from './jsEngine';
import { checkBatch, gateCount, lossDenominator, stateCount, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from './model';
import { readGrads, writeParams } from './wasmEngine';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  forward(): number;
  backward(): void;
  forwardGru(): number;
  backwardGru(): void;
}

// Header slots, as asm/gated.ts reads them.
const H_B = 0, H_T = 1, H_V = 2, H_N = 3, H_NP = 4, H_NOUT = 5, H_NOUTP = 6, H_S = 7, H_INVDENOM = 8;
const H_P_IN = 10, H_KP = 11, H_RP = 12, H_RT = 13, H_BP = 14, H_DP = 15, H_DT = 16, H_CP = 17;
const H_TOK = 18, H_LAB = 19, H_S0 = 20, H_FINAL = 21, H_H = 22, H_C = 23, H_A = 24, H_Y = 25;
const H_DH = 26, H_DC = 27, H_GR = 28, H_GK = 29, H_GB = 30, H_GD = 31, H_GC = 32, H_G_OUT = 33, H_ZERO = 34;
const H_GS = 35, H_RS = 36, H_G = 37, H_DRH = 38, H_RPK = 39, H_DAP = 40, H_RTK = 41;
const HEADER_BYTES = 256;

let kernel: SimdKernel | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
export function gatedWasmModule(): WebAssembly.Module | null {
  return gatedWasmKernel()?.module ?? null;
}

/** The compiled module and which build it is (relaxed or plain SIMD), or null. */
export function gatedWasmKernel(): SimdKernel | null {
  if (kernel === undefined) kernel = compileSimdKernel(relaxedBytes, bytes);
  return kernel;
}

const up4 = (n: number) => (n + 3) & ~3;

/**
 * A row stride (floats) of at least n that is an odd number of 64-byte cache lines once it spans more than one:
 * a GEMM reads its B operand one row per step down a column strip, and rows a power of two apart (4 KiB at N = 256)
 * all map to one L1 set, so the strip would stream from L2 (N = 256 ran at half speed).
 */
export function oddLineStride(n: number): number {
  if (n <= 16) return n;
  const lines = Math.ceil(n / 16);
  return 16 * (lines % 2 ? lines : lines + 1);
}

/** The kernel's case: an LSTM or GRU with every-step cross-entropy on token inputs. */
export function gatedKernelCovers(d: RnnDims, batch: RnnBatch): boolean {
  return (d.cell === 'lstm' || d.cell === 'gru') && d.loss === 'softmax-xent-every-step' && batch.tokens !== undefined;
}

export class WasmGatedEngine implements RnnEngine {
  readonly name = 'wasm-simd';
  private readonly ex: Exports;
  private readonly js = new JsRnnEngine();
  private offsets = new Int32Array(0);
  private dims: RnnDims | undefined;
  private onJs = false;
  private forwardDone = false;

  constructor(m: WebAssembly.Module | null = gatedWasmModule()) {
    if (!m) throw new Error('WebAssembly SIMD is not available');
    const inst = new WebAssembly.Instance(m, { env: { abort: () => { throw new Error('gated kernel: abort'); } } });
    this.ex = inst.exports as unknown as Exports;
  }

  private setup(d: RnnDims): void {
    const { batch: B, T, nIn: V, N, nOut } = d;
    const NG = gateCount(d.cell), states = stateCount(d.cell);
    const Np = up4(N), nOutP = up4(nOut), GP = NG * Np, S = Math.max(1, Math.ceil(128 / B));
    const GS = oddLineStride(GP), RS = oddLineStride(Np);
    let off = (this.ex.heapBase() + 63) & ~63;
    const hdrAt = off;
    off += HEADER_BYTES;
    const take = (floats: number) => { const at = off; off += (floats * 4 + 63) & ~63; return at; };
    const o: number[] = [];
    const params = V * NG * N + N * NG * N + NG * N + N * nOut + nOut;
    o[H_P_IN] = take(params);
    o[H_KP] = take(V * GS);
    o[H_RP] = take(Np * GS);
    o[H_RT] = take(GP * RS);
    o[H_BP] = take(GP);
    o[H_DP] = take(Np * nOutP);
    o[H_DT] = take(nOut * Np);
    o[H_CP] = take(nOutP);
    o[H_TOK] = take(B * T);
    o[H_LAB] = take(B * T);
    o[H_S0] = take(states * B * N);
    o[H_FINAL] = take(states * B * N);
    o[H_H] = take((T + 1) * B * Np);
    o[H_C] = take((T + 1) * B * Np);
    o[H_A] = take(T * B * GS);
    o[H_Y] = take(T * B * nOutP);
    o[H_DH] = take(B * Np);
    o[H_DC] = take(B * Np);
    o[H_GR] = take(Np * GS);
    o[H_GK] = take(V * GS);
    o[H_GB] = take(GP);
    o[H_GD] = take(Np * nOutP);
    o[H_GC] = take(nOutP);
    o[H_G_OUT] = take(params);
    o[H_ZERO] = take(Np);
    o[H_DRH] = take(NG === 3 ? B * Np : 0);
    o[H_RPK] = take(NG === 4 ? Np * GP : 0);
    o[H_DAP] = take(NG === 4 ? S * B * GP : 0);
    o[H_RTK] = take(NG === 4 ? GP * Np : 0);
    if (off >= 2 ** 31) throw new RangeError(`${d.cell} kernel: ${(off / 2 ** 30).toFixed(1)} GiB of working memory needed (batch ${B} × T ${T} × N ${N}); use a smaller batch`);
    const mem = this.ex.memory;
    if (off > mem.buffer.byteLength) mem.grow(Math.ceil((off - mem.buffer.byteLength) / 65536));
    const hdr = new Int32Array(mem.buffer, hdrAt, HEADER_BYTES / 4);
    hdr.set([B, T, V, N, Np, nOut, nOutP, S]);
    new Float32Array(mem.buffer, hdrAt, HEADER_BYTES / 4)[H_INVDENOM] = 1 / lossDenominator(d);
    for (let i = H_P_IN; i <= H_ZERO; i++) hdr[i] = o[i];
    hdr[H_GS] = GS;
    hdr[H_RS] = RS;
    hdr[H_G] = NG;
    hdr[H_DRH] = o[H_DRH];
    hdr[H_RPK] = o[H_RPK];
    hdr[H_DAP] = o[H_DAP];
    hdr[H_RTK] = o[H_RTK];
    this.offsets = Int32Array.from(o);
    this.dims = { ...d };
  }

  private f32(slot: number, length: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, this.offsets[slot], length);
  }
  private i32(slot: number, length: number): Int32Array {
    return new Int32Array(this.ex.memory.buffer, this.offsets[slot], length);
  }

  forward(dims: RnnDims, params: RnnParams, batch: RnnBatch): number {
    checkBatch(dims, params, batch);
    this.forwardDone = true;
    this.onJs = !gatedKernelCovers(dims, batch);
    if (this.onJs) return this.js.forward(dims, params, batch);
    this.setup(dims);
    const d = this.dims!;
    const P = this.f32(H_P_IN, params.K.length + params.R.length + params.b.length + params.D.length + params.c.length);
    writeParams(P, params);
    this.i32(H_TOK, d.batch * d.T).set(batch.tokens!);
    this.i32(H_LAB, d.batch * d.T).set(batch.labels!);
    const s0 = this.f32(H_S0, stateCount(d.cell) * d.batch * d.N);
    if (batch.state0) s0.set(batch.state0);
    else s0.fill(0);
    return d.cell === 'gru' ? this.ex.forwardGru() : this.ex.forward();
  }

  backward(grads: RnnParams): void {
    if (!this.forwardDone) throw new Error('backward() needs a forward() first');
    if (this.onJs) return this.js.backward(grads);
    if (this.dims!.cell === 'gru') this.ex.backwardGru();
    else this.ex.backward();
    readGrads(this.f32(H_G_OUT, grads.K.length + grads.R.length + grads.b.length + grads.D.length + grads.c.length), grads);
  }

  finalState(): Float32Array {
    if (this.onJs) return this.js.finalState();
    const d = this.dims!;
    return this.f32(H_FINAL, stateCount(d.cell) * d.batch * d.N).slice();
  }

  dispose(): void {
    this.js.dispose();
  }
}
