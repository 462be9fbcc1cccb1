/**
 * The LSTM and GRU cells (model.ts's Cell) in plain float64 loops: forward through time from a given state, the
 * readout and loss, and backpropagation through time — the reference the WebAssembly kernel and TF.js's own
 * autodiff are tested against. Layout as Keras stores the weights: K nIn×G·N, R N×G·N, b G·N, gate blocks
 * side by side (LSTM i, f, c, o; GRU z, r, h). States are time-major, H[t][s][N] with H[0] the initial state.
 */
import { gateCount, lossDenominator, stateCount, type RnnBatch, type RnnDims, type RnnParams } from './model';

export interface GatedTape {
  dims: RnnDims;
  params: RnnParams;
  batch: RnnBatch;
  /** hidden states, (T+1) × batch × N */
  H: Float64Array;
  /** LSTM cell states, (T+1) × batch × N (empty for the GRU) */
  C: Float64Array;
  /** gate activations, T × batch × G·N: LSTM i, f, tanh(a_c), o; GRU z, r, h̃ */
  A: Float64Array;
  dY: Float64Array;
  loss: number;
  /** final state, stateCount × batch × N */
  final: Float64Array;
}

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

/** The dense readout y = h D + c of the state H[h .. h + N) into y (nOut = y.length). */
export function readout(y: Float64Array, H: ArrayLike<number>, h: number, N: number, D: Float32Array, c: Float32Array): void {
  const nOut = y.length;
  for (let o = 0; o < nOut; o++) y[o] = c[o];
  for (let k = 0; k < N; k++) {
    const hk = H[h + k];
    if (hk !== 0) for (let o = 0; o < nOut; o++) y[o] += hk * D[k * nOut + o];
  }
}

/**
 * Dense readout y = h D + c at the loss's positions, and the mean loss with d loss / d y. `hAt(t, s)` is where
 * step t's state of sequence s starts in H.
 */
export function readoutLoss(dims: RnnDims, params: RnnParams, batch: RnnBatch, hAt: (t: number, s: number) => number, H: Float64Array): { loss: number; dY: Float64Array } {
  const { batch: B, T, N, nOut } = dims;
  const { D, c } = params;
  const every = dims.loss === 'softmax-xent-every-step';
  const positions = every ? B * T : B;
  const dY = new Float64Array(positions * nOut);
  const denom = lossDenominator(dims);
  const y = new Float64Array(nOut);
  let loss = 0;
  for (let p = 0; p < positions; p++) {
    const s = every ? Math.floor(p / T) : p;
    const t = every ? p % T : T - 1;
    readout(y, H, hAt(t, s), N, D, c);
    if (dims.loss === 'mse-last-step') {
      for (let o = 0; o < nOut; o++) {
        const e = y[o] - batch.targets![s * nOut + o];
        loss += e * e;
        dY[p * nOut + o] = (2 * e) / denom;
      }
    } else {
      let m = -Infinity;
      for (let o = 0; o < nOut; o++) m = Math.max(m, y[o]);
      let z = 0;
      for (let o = 0; o < nOut; o++) z += Math.exp(y[o] - m);
      const label = batch.labels![p];
      loss += m + Math.log(z) - y[label];
      for (let o = 0; o < nOut; o++) dY[p * nOut + o] = (Math.exp(y[o] - m) / z - (o === label ? 1 : 0)) / denom;
    }
  }
  return { loss: loss / denom, dY };
}

/** a[0..G·N) += input term of sequence s at step t: row `token` of K, or x K. */
function addInput(a: Float64Array, K: Float32Array, batch: RnnBatch, s: number, t: number, T: number, nIn: number, GN: number): void {
  if (batch.tokens) {
    const row = batch.tokens[s * T + t] * GN;
    for (let j = 0; j < GN; j++) a[j] += K[row + j];
    return;
  }
  const x = (s * T + t) * nIn;
  for (let i = 0; i < nIn; i++) {
    const xi = batch.x![x + i];
    if (xi !== 0) for (let j = 0; j < GN; j++) a[j] += xi * K[i * GN + j];
  }
}

export function gatedForward(dims: RnnDims, params: RnnParams, batch: RnnBatch): GatedTape {
  const { batch: B, T, nIn, N } = dims;
  const lstm = dims.cell === 'lstm';
  const G = gateCount(dims.cell), GN = G * N;
  const { K, R, b } = params;
  const H = new Float64Array((T + 1) * B * N);
  const C = new Float64Array(lstm ? (T + 1) * B * N : 0);
  if (batch.state0) {
    H.set(batch.state0.subarray(0, B * N));
    if (lstm) C.set(batch.state0.subarray(B * N, 2 * B * N));
  }
  const A = new Float64Array(T * B * GN);
  const a = new Float64Array(GN);
  const rh = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < B; s++) {
      const prev = (t * B + s) * N, out = ((t + 1) * B + s) * N, g = (t * B + s) * GN;
      for (let j = 0; j < GN; j++) a[j] = b[j];
      addInput(a, K, batch, s, t, T, nIn, GN);
      if (lstm) {
        for (let k = 0; k < N; k++) {
          const hk = H[prev + k];
          if (hk !== 0) for (let j = 0; j < GN; j++) a[j] += hk * R[k * GN + j];
        }
        for (let j = 0; j < N; j++) {
          const i = sigmoid(a[j]), f = sigmoid(a[N + j]), u = Math.tanh(a[2 * N + j]), o = sigmoid(a[3 * N + j]);
          A[g + j] = i; A[g + N + j] = f; A[g + 2 * N + j] = u; A[g + 3 * N + j] = o;
          const cj = f * C[prev + j] + i * u;
          C[out + j] = cj;
          H[out + j] = o * Math.tanh(cj);
        }
      } else {
        // z and r from h₋; h̃ from r⊙h₋
        for (let k = 0; k < N; k++) {
          const hk = H[prev + k];
          if (hk !== 0) for (let j = 0; j < 2 * N; j++) a[j] += hk * R[k * GN + j];
        }
        for (let j = 0; j < 2 * N; j++) A[g + j] = sigmoid(a[j]);
        for (let k = 0; k < N; k++) rh[k] = A[g + N + k] * H[prev + k];
        for (let k = 0; k < N; k++) {
          const v = rh[k];
          if (v !== 0) for (let j = 0; j < N; j++) a[2 * N + j] += v * R[k * GN + 2 * N + j];
        }
        for (let j = 0; j < N; j++) {
          const z = A[g + j], hh = Math.tanh(a[2 * N + j]);
          A[g + 2 * N + j] = hh;
          H[out + j] = z * H[prev + j] + (1 - z) * hh;
        }
      }
    }
  }
  const { loss, dY } = readoutLoss(dims, params, batch, (t, s) => ((t + 1) * B + s) * N, H);
  const final = new Float64Array(stateCount(dims.cell) * B * N);
  final.set(H.subarray(T * B * N));
  if (lstm) final.set(C.subarray(T * B * N), B * N);
  return { dims, params, batch, H, C, A, dY, loss, final };
}

export function gatedBackward(tape: GatedTape, grads: RnnParams): void {
  const { dims, params, batch, H, C, A, dY } = tape;
  const { batch: B, T, nIn, N, nOut } = dims;
  const lstm = dims.cell === 'lstm';
  const GN = gateCount(dims.cell) * N;
  const { R, D } = params;
  const every = dims.loss === 'softmax-xent-every-step';
  const gK = new Float64Array(nIn * GN), gR = new Float64Array(N * GN), gb = new Float64Array(GN);
  const gD = new Float64Array(N * nOut), gc = new Float64Array(nOut);
  // carried from step t+1 to t, per sequence: d loss / d h_t (and d loss / d c_t for the LSTM)
  const dHc = new Float64Array(B * N), dCc = new Float64Array(lstm ? B * N : 0);
  const dh = new Float64Array(N), da = new Float64Array(GN), drh = new Float64Array(N);
  for (let t = T - 1; t >= 0; t--) {
    for (let s = 0; s < B; s++) {
      const prev = (t * B + s) * N, cur = ((t + 1) * B + s) * N, g = (t * B + s) * GN;
      for (let k = 0; k < N; k++) dh[k] = dHc[s * N + k];
      const p = every ? s * T + t : t === T - 1 ? s : -1;
      if (p >= 0) {
        for (let o = 0; o < nOut; o++) {
          const e = dY[p * nOut + o];
          gc[o] += e;
          for (let k = 0; k < N; k++) {
            dh[k] += e * D[k * nOut + o];
            gD[k * nOut + o] += H[cur + k] * e;
          }
        }
      }
      if (lstm) {
        for (let j = 0; j < N; j++) {
          const i = A[g + j], f = A[g + N + j], u = A[g + 2 * N + j], o = A[g + 3 * N + j];
          const tc = Math.tanh(C[cur + j]);
          const dc = dCc[s * N + j] + dh[j] * o * (1 - tc * tc);
          da[j] = dc * u * i * (1 - i);
          da[N + j] = dc * C[prev + j] * f * (1 - f);
          da[2 * N + j] = dc * i * (1 - u * u);
          da[3 * N + j] = dh[j] * tc * o * (1 - o);
          dCc[s * N + j] = dc * f;
        }
        for (let k = 0; k < N; k++) {
          let v = 0;
          for (let j = 0; j < GN; j++) v += da[j] * R[k * GN + j];
          dHc[s * N + k] = v;
          const hk = H[prev + k];
          if (hk !== 0) for (let j = 0; j < GN; j++) gR[k * GN + j] += hk * da[j];
        }
      } else {
        for (let j = 0; j < N; j++) {
          const z = A[g + j], hh = A[g + 2 * N + j];
          da[j] = dh[j] * (H[prev + j] - hh) * z * (1 - z);
          da[2 * N + j] = dh[j] * (1 - z) * (1 - hh * hh);
          dHc[s * N + j] = dh[j] * z;
        }
        // through h̃'s recurrent product (r⊙h₋) R_h
        for (let k = 0; k < N; k++) {
          let v = 0;
          for (let j = 0; j < N; j++) v += da[2 * N + j] * R[k * GN + 2 * N + j];
          drh[k] = v;
        }
        for (let k = 0; k < N; k++) {
          const r = A[g + N + k];
          da[N + k] = drh[k] * H[prev + k] * r * (1 - r);
          dHc[s * N + k] += drh[k] * r;
        }
        for (let k = 0; k < N; k++) {
          let v = 0;
          for (let j = 0; j < 2 * N; j++) v += da[j] * R[k * GN + j];
          dHc[s * N + k] += v;
          const hk = H[prev + k], rk = A[g + N + k] * hk;
          if (hk !== 0) {
            for (let j = 0; j < 2 * N; j++) gR[k * GN + j] += hk * da[j];
            for (let j = 0; j < N; j++) gR[k * GN + 2 * N + j] += rk * da[2 * N + j];
          }
        }
      }
      for (let j = 0; j < GN; j++) gb[j] += da[j];
      if (batch.tokens) {
        const row = batch.tokens[s * T + t] * GN;
        for (let j = 0; j < GN; j++) gK[row + j] += da[j];
      } else {
        const x = (s * T + t) * nIn;
        for (let i = 0; i < nIn; i++) {
          const xi = batch.x![x + i];
          if (xi !== 0) for (let j = 0; j < GN; j++) gK[i * GN + j] += xi * da[j];
        }
      }
    }
  }
  grads.K.set(gK);
  grads.R.set(gR);
  grads.b.set(gb);
  grads.D.set(gD);
  grads.c.set(gc);
}
