// AssemblyScript source of the fused RNN training kernel (forward + backward through time, readout and loss),
// WebAssembly SIMD f32x4; esbuild.mjs compiles it to out/wasm/rnn.wasm and src/core/train/wasmEngine.ts drives it.
//
// The JavaScript side lays out the memory above heapBase(): it writes a header of dimensions and byte offsets
// (the H_* indices below, mirrored in wasmEngine.ts), the unpadded parameters [K|R|b|D|c] at P_IN, the inputs
// batch-major at X_RAW and the labels or targets; forward() returns the mean loss and keeps the hidden states,
// backward() writes the unpadded gradients [K|R|b|D|c] at G_OUT.
//
// Internally unit dimensions are padded to multiples of 4 (Np, nOutP) so that every row is whole vectors; padded
// units stay 0 because act(0) = 0 and their weights are 0. States are time-major, H[t][b][Np] with H[0] = 0, so
// the rows of consecutive steps are contiguous and the weight gradients are GEMMs over chunks of S steps.

import { colSums, expCore, gemm, softmaxRows } from './tiles';

// ---------- header (i32 slots at heapBase) ----------
const H_B = 0, H_T = 1, H_NIN = 2, H_N = 3, H_NP = 4, H_NOUT = 5, H_NOUTP = 6, H_ACT = 7, H_LOSS = 8, H_S = 9;
const H_INVDENOM = 10; // f32
const H_P_IN = 11, H_RP = 12, H_RT = 13, H_KP = 14, H_BP = 15, H_DP = 16, H_DT = 17, H_CP = 18;
const H_X_RAW = 19, H_X = 20, H_LAB = 21, H_TGT = 22, H_H = 23, H_Y = 24, H_DA = 25;
const H_GR = 26, H_GK = 27, H_GB = 28, H_GD = 29, H_GC = 30, H_G_OUT = 31, H_ZERO = 32;

const ACT_ELU = 0, ACT_RELU = 1;
const LOSS_XENT_EVERY = 0, LOSS_MSE_LAST = 2;

// The header starts at the first 64-byte boundary at or above the heap base (the JavaScript side aligns it so).
// @ts-ignore: decorator
@inline function base(): usize {
  return (<usize>__heap_base + 63) & ~<usize>63;
}

export function heapBase(): i32 {
  return <i32>base();
}

@inline function hdr(i: i32): i32 {
  return load<i32>(base() + (<usize>i << 2));
}
@inline function ptr(i: i32): usize {
  return <usize>load<i32>(base() + (<usize>i << 2));
}

/** h = act(a) in place over n floats (a multiple of 4). */
function activate(p: usize, n: i32, act: i32): void {
  const end = p + (<usize>n << 2);
  const zero = f32x4.splat(0);
  if (act == ACT_ELU) {
    for (; p < end; p += 16) {
      // expm1(min(a, 0)) is exactly 0 for a > 0, so max(a, 0) + it is ELU without a select
      const a = v128.load(p);
      v128.store(p, f32x4.add(f32x4.pmax(a, zero), expCore(f32x4.pmin(a, zero), true)));
    }
  } else if (act == ACT_RELU) {
    for (; p < end; p += 16) {
      // pmax keeps a NaN (its first operand), so diverged weights show in the loss rather than vanish as 0
      v128.store(p, f32x4.pmax(v128.load(p), zero));
    }
  } else {
    const sign = i32x4.splat(0x80000000);
    for (; p < end; p += 16) {
      const a = v128.load(p);
      const m = f32x4.mul(v128.andnot(a, sign), f32x4.splat(-2.0)); // −2|a|
      const e = expCore(m, true); // tanh|a| = −e/(e + 2)
      const th = f32x4.div(f32x4.neg(e), f32x4.add(e, f32x4.splat(2.0)));
      v128.store(p, v128.or(th, v128.and(a, sign)));
    }
  }
}

/** g ← g·act'(a) from the stored activation h, over n floats. */
function slope(g: usize, h: usize, n: i32, act: i32): void {
  const end = g + (<usize>n << 2);
  const zero = f32x4.splat(0), one = f32x4.splat(1.0);
  if (act == ACT_ELU) {
    for (; g < end; g += 16, h += 16) {
      const y = v128.load(h);
      const d = v128.bitselect(one, f32x4.add(y, one), f32x4.gt(y, zero));
      v128.store(g, f32x4.mul(v128.load(g), d));
    }
  } else if (act == ACT_RELU) {
    for (; g < end; g += 16, h += 16) {
      v128.store(g, v128.and(v128.load(g), f32x4.gt(v128.load(h), zero)));
    }
  } else {
    for (; g < end; g += 16, h += 16) {
      const y = v128.load(h);
      v128.store(g, f32x4.mul(v128.load(g), f32x4.sub(one, f32x4.mul(y, y))));
    }
  }
}

// ---------- passes ----------

/** Pads and transposes the parameters from [K|R|b|D|c] at P_IN. */
function prepare(): void {
  const nIn = hdr(H_NIN), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP);
  const P = ptr(H_P_IN);
  const K = P, R = K + (<usize>(nIn * N) << 2), bb = R + (<usize>(N * N) << 2), D = bb + (<usize>N << 2), cc = D + (<usize>(N * nOut) << 2);
  const Kp = ptr(H_KP), Rp = ptr(H_RP), RT = ptr(H_RT), bp = ptr(H_BP), Dp = ptr(H_DP), DT = ptr(H_DT), cp = ptr(H_CP);
  memory.fill(Kp, 0, <usize>(nIn * Np) << 2);
  memory.fill(Rp, 0, <usize>(Np * Np) << 2);
  memory.fill(RT, 0, <usize>(Np * Np) << 2);
  memory.fill(bp, 0, <usize>Np << 2);
  memory.fill(Dp, 0, <usize>(Np * nOutP) << 2);
  memory.fill(DT, 0, <usize>(nOut * Np) << 2);
  memory.fill(cp, 0, <usize>nOutP << 2);
  for (let i = 0; i < nIn; i++) memory.copy(Kp + (<usize>(i * Np) << 2), K + (<usize>(i * N) << 2), <usize>N << 2);
  for (let k = 0; k < N; k++) {
    memory.copy(Rp + (<usize>(k * Np) << 2), R + (<usize>(k * N) << 2), <usize>N << 2);
    for (let j = 0; j < N; j++) store<f32>(RT + (<usize>(j * Np + k) << 2), load<f32>(R + (<usize>(k * N + j) << 2)));
    memory.copy(Dp + (<usize>(k * nOutP) << 2), D + (<usize>(k * nOut) << 2), <usize>nOut << 2);
    for (let o = 0; o < nOut; o++) store<f32>(DT + (<usize>(o * Np + k) << 2), load<f32>(D + (<usize>(k * nOut + o) << 2)));
  }
  memory.copy(bp, bb, <usize>N << 2);
  memory.copy(cp, cc, <usize>nOut << 2);
}

/** x batch-major [b][t][i] at X_RAW → time-major [t][b][i] at X. */
function transposeInputs(): void {
  const B = hdr(H_B), T = hdr(H_T), nIn = hdr(H_NIN);
  const src = ptr(H_X_RAW), dst = ptr(H_X);
  const rowBytes = <usize>nIn << 2;
  for (let b = 0; b < B; b++) {
    let s = src + <usize>b * <usize>T * rowBytes;
    let d = dst + <usize>b * rowBytes;
    const step = <usize>B * rowBytes;
    for (let t = 0; t < T; t++) {
      memory.copy(d, s, rowBytes);
      s += rowBytes; d += step;
    }
  }
}

/** Readout y = h D + c for `rows` consecutive state rows starting at h, into y. */
function readout(h: usize, rows: i32, y: usize): void {
  const N = hdr(H_N), Np = hdr(H_NP), nOutP = hdr(H_NOUTP);
  const rb = <usize>Np << 2;
  gemm(rows, nOutP >> 2, h, rb, 4, ptr(H_DP), <usize>nOutP << 2, N, 0, 0, 0, 0, 0, 0, ptr(H_CP), 0, y, <usize>nOutP << 2);
}

export function forward(): f64 {
  prepare();
  transposeInputs();
  const B = hdr(H_B), T = hdr(H_T), nIn = hdr(H_NIN), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP);
  const act = hdr(H_ACT), lossKind = hdr(H_LOSS), S = hdr(H_S);
  const invDenom = load<f32>(base() + (<usize>H_INVDENOM << 2));
  const X = ptr(H_X), H = ptr(H_H), Y = ptr(H_Y), Kp = ptr(H_KP), Rp = ptr(H_RP), bp = ptr(H_BP), lab = ptr(H_LAB);
  const rb = <usize>Np << 2, xb = <usize>nIn << 2, yb = <usize>nOutP << 2;
  const stepH = <usize>B * rb;
  memory.fill(H, 0, stepH);
  let loss: f64 = 0;
  for (let t0 = 0; t0 < T; t0 += S) {
    const t1 = min(t0 + S, T);
    for (let t = t0; t < t1; t++) {
      const hin = H + <usize>t * stepH, hout = hin + stepH;
      gemm(B, Np >> 2, X + <usize>t * <usize>B * xb, xb, 4, Kp, rb, nIn, hin, rb, 4, Rp, rb, t == 0 ? 0 : N, bp, 0, hout, rb);
      activate(hout, B * Np, act);
    }
    if (lossKind == LOSS_XENT_EVERY) {
      const rows = (t1 - t0) * B;
      const y = Y + <usize>t0 * <usize>B * yb;
      readout(H + <usize>(t0 + 1) * stepH, rows, y);
      loss += softmaxRows(y, rows, nOut, nOutP, lab, t0, B, T, true, invDenom);
    }
  }
  if (lossKind != LOSS_XENT_EVERY) {
    readout(H + <usize>T * stepH, B, Y);
    if (lossKind == LOSS_MSE_LAST) {
      const tgt = ptr(H_TGT);
      for (let b = 0; b < B; b++) {
        for (let o = 0; o < nOut; o++) {
          const q = Y + <usize>b * yb + (<usize>o << 2);
          const e = load<f32>(q) - load<f32>(tgt + (<usize>(b * nOut + o) << 2));
          loss += <f64>e * <f64>e;
          store<f32>(q, 2 * e * invDenom);
        }
      }
    } else {
      loss += softmaxRows(Y, B, nOut, nOutP, lab, 0, B, T, false, invDenom);
    }
  }
  return loss * <f64>invDenom;
}


export function backward(): void {
  const B = hdr(H_B), T = hdr(H_T), nIn = hdr(H_NIN), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP);
  const act = hdr(H_ACT), lossKind = hdr(H_LOSS), S = hdr(H_S);
  const X = ptr(H_X), H = ptr(H_H), Y = ptr(H_Y), DA = ptr(H_DA), RT = ptr(H_RT), DT = ptr(H_DT), zero = ptr(H_ZERO);
  const gR = ptr(H_GR), gK = ptr(H_GK), gb = ptr(H_GB), gD = ptr(H_GD), gc = ptr(H_GC);
  const rb = <usize>Np << 2, xb = <usize>nIn << 2, yb = <usize>nOutP << 2;
  const stepH = <usize>B * rb, W = Np >> 2;
  const every = lossKind == LOSS_XENT_EVERY;
  memory.fill(gR, 0, <usize>(Np * Np) << 2);
  memory.fill(gK, 0, <usize>(nIn * Np) << 2);
  memory.fill(gb, 0, rb);
  memory.fill(gD, 0, <usize>(Np * nOutP) << 2);
  memory.fill(gc, 0, yb);
  memory.fill(zero, 0, rb); // the init rows of the dA tiles (this memory may have held anything before)
  if (!every) {
    // readout at the last step only
    gemm(N, nOutP >> 2, H + <usize>T * stepH, 4, rb, Y, yb, B, 0, 0, 0, 0, 0, 0, gD, yb, gD, yb);
    colSums(Y, B, nOutP >> 2, gc, <usize>nOutP << 2);
  }
  // dA of step t lives in ring slot t mod 2S: a chunk of S steps is contiguous, and the step after it survives
  const ring = 2 * S;
  const lastChunk = (T - 1) / S * S;
  for (let t0 = lastChunk; t0 >= 0; t0 -= S) {
    const t1 = min(t0 + S, T);
    for (let t = t1 - 1; t >= t0; t--) {
      const dA = DA + <usize>(t % ring) * stepH;
      const dNext = DA + <usize>((t + 1) % ring) * stepH;
      const hasY = every || t == T - 1;
      const y = every ? Y + <usize>t * <usize>B * yb : Y;
      gemm(B, W, y, yb, 4, DT, rb, hasY ? nOut : 0, dNext, rb, 4, RT, rb, t == T - 1 ? 0 : N, zero, 0, dA, rb);
      slope(dA, H + <usize>(t + 1) * stepH, B * Np, act);
    }
    const rows = (t1 - t0) * B;
    const dA0 = DA + <usize>(t0 % ring) * stepH;
    // weight gradients of the chunk: Σ over its rows of (input row)ᵀ·(dA row)
    gemm(N, W, H + <usize>t0 * stepH, 4, rb, dA0, rb, rows, 0, 0, 0, 0, 0, 0, gR, rb, gR, rb);
    gemm(nIn, W, X + <usize>t0 * <usize>B * xb, 4, xb, dA0, rb, rows, 0, 0, 0, 0, 0, 0, gK, rb, gK, rb);
    colSums(dA0, rows, W, gb, <usize>W << 4);
    if (every) {
      const y = Y + <usize>t0 * <usize>B * yb;
      gemm(N, nOutP >> 2, H + <usize>(t0 + 1) * stepH, 4, rb, y, yb, rows, 0, 0, 0, 0, 0, 0, gD, yb, gD, yb);
      colSums(y, rows, nOutP >> 2, gc, <usize>nOutP << 2);
    }
  }
  // unpadded [K|R|b|D|c]
  let g = ptr(H_G_OUT);
  for (let i = 0; i < nIn; i++) { memory.copy(g, gK + <usize>i * rb, <usize>N << 2); g += <usize>N << 2; }
  for (let k = 0; k < N; k++) { memory.copy(g, gR + <usize>k * rb, <usize>N << 2); g += <usize>N << 2; }
  memory.copy(g, gb, <usize>N << 2); g += <usize>N << 2;
  for (let k = 0; k < N; k++) { memory.copy(g, gD + <usize>k * yb, <usize>nOut << 2); g += <usize>nOut << 2; }
  memory.copy(g, gc, <usize>nOut << 2);
}
