/**
 * The model's forward and backward pass through time in plain loops with float64 accumulation: the
 * reference every faster engine is tested against, and the fallback where WebAssembly SIMD is missing.
 */
import { checkBatch, lossDenominator, type Activation, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from './model';
import { gatedBackward, gatedForward, readoutLoss, type GatedTape } from './jsGated';

export function activate(a: number, act: Activation): number {
  if (act === 'elu') return a > 0 ? a : Math.expm1(a);
  if (act === 'relu') return a > 0 || Number.isNaN(a) ? a : 0; // NaN stays NaN: divergence must show in the loss
  return Math.tanh(a);
}

/** d act / d a, from the activation's output h (all three are invertible enough for that). */
export function activationSlope(h: number, act: Activation): number {
  if (act === 'elu') return h > 0 ? 1 : h + 1;
  if (act === 'relu') return h > 0 ? 1 : 0;
  return 1 - h * h;
}

interface Tape {
  dims: RnnDims;
  params: RnnParams;
  batch: RnnBatch;
  /** hidden states, (T+1) × batch × N; step 0 is h_0 = 0 */
  H: Float64Array;
  /** d loss / d readout output, per readout position × nOut */
  dY: Float64Array;
}

export class JsRnnEngine implements RnnEngine {
  readonly name = 'js';
  private tape: Tape | undefined;
  private gated: GatedTape | undefined;

  forward(dims: RnnDims, params: RnnParams, batch: RnnBatch): number {
    checkBatch(dims, params, batch);
    if (dims.cell === 'lstm' || dims.cell === 'gru') {
      this.tape = undefined;
      this.gated = gatedForward(dims, params, batch);
      return this.gated.loss;
    }
    this.gated = undefined;
    const { batch: B, T, nIn, N, nOut, activation } = dims;
    const { K, R, b, D, c } = params;
    const H = new Float64Array((T + 1) * B * N);
    if (batch.state0) H.set(batch.state0);
    const a = new Float64Array(N);
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < B; s++) {
        const prev = (t * B + s) * N;
        const x = (s * T + t) * nIn;
        for (let j = 0; j < N; j++) a[j] = b[j];
        if (batch.tokens) {
          const row = batch.tokens[s * T + t] * N;
          for (let j = 0; j < N; j++) a[j] += K[row + j];
        } else for (let i = 0; i < nIn; i++) {
          const xi = batch.x![x + i];
          if (xi !== 0) for (let j = 0; j < N; j++) a[j] += xi * K[i * N + j];
        }
        for (let k = 0; k < N; k++) {
          const hk = H[prev + k];
          if (hk !== 0) for (let j = 0; j < N; j++) a[j] += hk * R[k * N + j];
        }
        const out = ((t + 1) * B + s) * N;
        for (let j = 0; j < N; j++) H[out + j] = activate(a[j], activation);
      }
    }
    const { loss, dY } = readoutLoss(dims, params, batch, (t, s) => ((t + 1) * B + s) * N, H);
    this.tape = { dims, params, batch, H, dY };
    return loss;
  }

  finalState(): Float32Array {
    if (this.gated) return Float32Array.from(this.gated.final);
    const tape = this.tape;
    if (!tape) throw new Error('finalState() needs a forward() first');
    const { batch: B, T, N } = tape.dims;
    return Float32Array.from(tape.H.subarray(T * B * N, (T + 1) * B * N));
  }

  backward(grads: RnnParams): void {
    if (this.gated) {
      gatedBackward(this.gated, grads);
      return;
    }
    const tape = this.tape;
    if (!tape) throw new Error('backward() needs a forward() first');
    const { dims, params, batch, H, dY } = tape;
    const { batch: B, T, nIn, N, nOut, activation } = dims;
    const { R, D } = params;
    const every = dims.loss === 'softmax-xent-every-step';
    const gK = new Float64Array(nIn * N), gR = new Float64Array(N * N), gb = new Float64Array(N);
    const gD = new Float64Array(N * nOut), gc = new Float64Array(nOut);
    // dA: gradient w.r.t. the pre-activations of step t (batch × N), carried backwards
    let dA = new Float64Array(B * N);
    let dAprev = new Float64Array(B * N);
    const dH = new Float64Array(N);
    for (let t = T - 1; t >= 0; t--) {
      for (let s = 0; s < B; s++) {
        const h = ((t + 1) * B + s) * N;
        dH.fill(0);
        const p = every ? s * T + t : t === T - 1 ? s : -1;
        if (p >= 0) {
          for (let o = 0; o < nOut; o++) {
            const g = dY[p * nOut + o];
            gc[o] += g;
            for (let k = 0; k < N; k++) {
              dH[k] += g * D[k * nOut + o];
              gD[k * nOut + o] += H[h + k] * g;
            }
          }
        }
        if (t < T - 1) {
          for (let j = 0; j < N; j++) {
            const g = dA[s * N + j];
            if (g !== 0) for (let k = 0; k < N; k++) dH[k] += g * R[k * N + j];
          }
        }
        for (let k = 0; k < N; k++) dAprev[s * N + k] = dH[k] * activationSlope(H[h + k], activation);
      }
      [dA, dAprev] = [dAprev, dA];
      // dA now holds step t's pre-activation gradient
      for (let s = 0; s < B; s++) {
        const prev = (t * B + s) * N;
        const x = (s * T + t) * nIn;
        for (let j = 0; j < N; j++) {
          const g = dA[s * N + j];
          gb[j] += g;
          if (batch.tokens) gK[batch.tokens[s * T + t] * N + j] += g;
          else for (let i = 0; i < nIn; i++) gK[i * N + j] += batch.x![x + i] * g;
          for (let k = 0; k < N; k++) gR[k * N + j] += H[prev + k] * g;
        }
      }
    }
    grads.K.set(gK);
    grads.R.set(gR);
    grads.b.set(gb);
    grads.D.set(gD);
    grads.c.set(gc);
  }

  dispose(): void {
    this.tape = undefined;
    this.gated = undefined;
  }
}
