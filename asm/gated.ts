// AssemblyScript source of the fused LSTM training kernel for language models (forward + backward through time,
// one-hot inputs by row gather, Dense readout and softmax cross-entropy at every step), WebAssembly SIMD f32x4;
// esbuild.mjs compiles it to out/wasm/gated.wasm and src/core/train/wasmGated.ts drives it.
//
// As rnn.ts: the JavaScript side writes a header of dimensions and byte offsets (H_* below, mirrored in
// wasmGated.ts) above heapBase(), the unpadded parameters [K|R|b|D|c] in Keras's layout (gate blocks i, f, c, o side
// by side) at P_IN, the tokens and labels batch-major, the initial state [h|c] (B × N each) at S0; forward() returns
// the mean loss, keeps the states and writes the final state [h|c] at FINAL; backward() writes the unpadded
// gradients [K|R|b|D|c] at G_OUT.
//
// Internally units are padded to Np (a multiple of 4) per gate block, so a row of gate pre-activations is
// [i | f | c | o], 4·Np floats; padded units stay 0 (their weights are 0, and c = 0.5·0 + 0.5·tanh 0 = 0, h = 0).
// States are time-major, H[t][b][Np] with H[0] the initial state. The gate activations of every step are kept
// (A[t][b][4Np]) and overwritten in place by their gradients in the backward pass, so the weight gradients are
// GEMMs over chunks of S steps as in rnn.ts.
import { colSums, expCore, gemm, K_MINUS_TWO, K_ONE, K_TWO, K_ZERO, kf, signMask, softmaxRows } from './tiles';

// ---------- header (i32 slots at heapBase) ----------
const H_B = 0, H_T = 1, H_V = 2, H_N = 3, H_NP = 4, H_NOUT = 5, H_NOUTP = 6, H_S = 7;
const H_INVDENOM = 8; // f32
const H_P_IN = 10, H_KP = 11, H_RP = 12, H_RT = 13, H_BP = 14, H_DP = 15, H_DT = 16, H_CP = 17;
const H_TOK = 18, H_LAB = 19, H_S0 = 20, H_FINAL = 21, H_H = 22, H_C = 23, H_A = 24, H_Y = 25;
const H_DH = 26, H_DC = 27, H_GR = 28, H_GK = 29, H_GB = 30, H_GD = 31, H_GC = 32, H_G_OUT = 33, H_ZERO = 34;
// Row strides in floats: GS of the gate rows (A, Kp, Rp, gR, gK; ≥ 4·Np) and RS of Rᵀ's rows (≥ Np). A GEMM walks
// its B operand down a column strip, one row per k; with rows 4 KiB apart (N = 256) every row of the strip falls in
// the same L1 set and the strip is read from L2. wasmGated.ts pads both strides to an odd number of cache lines.
const H_GS = 35, H_RS = 36;
// gate blocks (4: LSTM i, f, c, o; 3: GRU z, r, h) and, for the GRU, a B × Np buffer for d loss / d (r⊙h₋)
const H_G = 37, H_DRH = 38;
// LSTM only: the B operands of the two big GEMMs packed as panels of 16 columns (one f32x4 tile's width), a panel's
// rows 64 bytes apart: Rp's Np rows (RPK, packed once per update) and the S·B rows of a chunk's gate gradients (DAP).
// Row-major, a column strip spans one 4 KiB page per row and the strips outrun the L1 TLB (the GEMMs ran at ~80 %).
const H_RPK = 39, H_DAP = 40;
// and Rᵀ's gate blocks (Np × Np each) as panels (RTK), the B operand of dh = da Rᵀ; a gate block's last Np/4 mod 4
// vectors (Np not a multiple of 16) stay on the row-major Rᵀ
const H_RTK = 41;

// The header starts at the first 64-byte boundary at or above the heap base (the JavaScript side aligns it so).
// @ts-ignore: decorator
@inline function base(): usize {
  return (<usize>__heap_base + 63) & ~<usize>63;
}

export function heapBase(): i32 {
  return <i32>base();
}

// @ts-ignore: decorator
@inline function hdr(i: i32): i32 {
  return load<i32>(base() + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function ptr(i: i32): usize {
  return <usize>load<i32>(base() + (<usize>i << 2));
}

// ---------- gate nonlinearities ----------

/** 1/(1 + e^−x): from e = e^−|x| ≤ 1, p = 1/(1 + e) is σ(|x|); σ(x) = p for x ≥ 0, 1 − p below. */
// @ts-ignore: decorator
@inline function sigmoid(x: v128): v128 {
  const e = expCore(v128.or(x, signMask()), false); // e^−|x|
  const one = kf(K_ONE);
  const p = f32x4.div(one, f32x4.add(one, e));
  return v128.bitselect(p, f32x4.sub(one, p), f32x4.ge(x, kf(K_ZERO)));
}

/** tanh x = sign(x)·(−e/(e + 2)) with e = e^−2|x| − 1, as rnn.ts's activation. */
// @ts-ignore: decorator
@inline function tanh(a: v128): v128 {
  const sign = signMask();
  const e = expCore(f32x4.mul(v128.andnot(a, sign), kf(K_MINUS_TWO)), true);
  const th = f32x4.div(f32x4.neg(e), f32x4.add(e, kf(K_TWO)));
  return v128.or(th, v128.and(a, sign));
}

// ---------- passes ----------

/** Pads (per gate block) and transposes the parameters from [K|R|b|D|c] at P_IN. */
function prepare(): void {
  const V = hdr(H_V), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP);
  const NG = hdr(H_G), G = NG * N, GP = NG * Np, GS = hdr(H_GS), RS = hdr(H_RS);
  const P = ptr(H_P_IN);
  const K = P, R = K + (<usize>(V * G) << 2), bb = R + (<usize>(N * G) << 2), D = bb + (<usize>G << 2), cc = D + (<usize>(N * nOut) << 2);
  const Kp = ptr(H_KP), Rp = ptr(H_RP), RT = ptr(H_RT), bp = ptr(H_BP), Dp = ptr(H_DP), DT = ptr(H_DT), cp = ptr(H_CP);
  memory.fill(Kp, 0, <usize>(V * GS) << 2);
  memory.fill(Rp, 0, <usize>(Np * GS) << 2);
  memory.fill(RT, 0, <usize>(GP * RS) << 2);
  memory.fill(bp, 0, <usize>GP << 2);
  memory.fill(Dp, 0, <usize>(Np * nOutP) << 2);
  memory.fill(DT, 0, <usize>(nOut * Np) << 2);
  memory.fill(cp, 0, <usize>nOutP << 2);
  const nb = <usize>N << 2;
  for (let g = 0; g < NG; g++) {
    for (let v = 0; v < V; v++) memory.copy(Kp + (<usize>(v * GS + g * Np) << 2), K + (<usize>(v * G + g * N) << 2), nb);
    for (let k = 0; k < N; k++) {
      memory.copy(Rp + (<usize>(k * GS + g * Np) << 2), R + (<usize>(k * G + g * N) << 2), nb);
      for (let j = 0; j < N; j++) store<f32>(RT + (<usize>((g * Np + j) * RS + k) << 2), load<f32>(R + (<usize>(k * G + g * N + j) << 2)));
    }
    memory.copy(bp + (<usize>(g * Np) << 2), bb + (<usize>(g * N) << 2), nb);
  }
  for (let k = 0; k < N; k++) {
    memory.copy(Dp + (<usize>(k * nOutP) << 2), D + (<usize>(k * nOut) << 2), <usize>nOut << 2);
    for (let o = 0; o < nOut; o++) store<f32>(DT + (<usize>(o * Np + k) << 2), load<f32>(D + (<usize>(k * nOut + o) << 2)));
  }
  memory.copy(cp, cc, <usize>nOut << 2);
}

/** src's rows (rb bytes apart, 16·P floats used) as P panels of 16 columns, `rows` rows of 64 bytes each, pb bytes apart. */
function packPanels(dst: usize, pb: usize, src: usize, rb: usize, rows: i32, P: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * rb;
    let d = dst + (<usize>r << 6);
    for (let p: usize = 0; p < <usize>P << 6; p += 64) {
      v128.store(d, v128.load(s + p)); v128.store(d, v128.load(s + p, 16), 16);
      v128.store(d, v128.load(s + p, 32), 32); v128.store(d, v128.load(s + p, 48), 48);
      d += pb;
    }
  }
}

/** gemm with B1 packed as panels (pb bytes apart, rows 64 bytes apart): W, a multiple of 4 vectors, in W/4 panels. */
function gemmPanels(m: i32, W: i32, a: usize, ai: usize, ak: usize, b: usize, pb: usize, n: i32, ini: usize, ii: usize, c: usize, ci: usize): void {
  for (let p = 0; p < W >> 2; p++) {
    const off = <usize>p << 6;
    gemm(m, 4, a, ai, ak, b + <usize>p * pb, 64, n, 0, 0, 0, 0, 0, 0, ini + off, ii, c + off, ci);
  }
}

/** dst[0..n) = a[0..n) + b[0..n), n a multiple of 4 (dst may be a or b). */
function addRow(dst: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 2;
  for (let o: usize = 0; o < end; o += 16) v128.store(dst + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
}

/**
 * One step of B rows: gate pre-activations a (the recurrent product plus the bias) gain the input term, row `token`
 * of Kp (the one-hot input as a gather), and become the activations i, f, tanh(a_c), o in place; then c and h.
 */
function cellForward(a: usize, ab: usize, Kp: usize, tok: usize, T: i32, cin: usize, cout: usize, hout: usize, B: i32, Np: i32): void {
  const rb = <usize>Np << 2;
  for (let s = 0; s < B; s++) {
    const ar = a + <usize>s * ab, off = <usize>s * rb;
    const kr = Kp + <usize>load<i32>(tok + (<usize>(s * T) << 2)) * ab;
    for (let o: usize = 0; o < rb; o += 16) {
      const i = sigmoid(f32x4.add(v128.load(ar + o), v128.load(kr + o)));
      const f = sigmoid(f32x4.add(v128.load(ar + rb + o), v128.load(kr + rb + o)));
      const u = tanh(f32x4.add(v128.load(ar + 2 * rb + o), v128.load(kr + 2 * rb + o)));
      const q = sigmoid(f32x4.add(v128.load(ar + 3 * rb + o), v128.load(kr + 3 * rb + o)));
      v128.store(ar + o, i); v128.store(ar + rb + o, f); v128.store(ar + 2 * rb + o, u); v128.store(ar + 3 * rb + o, q);
    }
    cellState(ar, rb, cin + off, cout + off, hout + off);
  }
}

/** c = f⊙c₋ + i⊙u and h = o⊙tanh c over one row of rb bytes, four vectors at a time (independent chains). */
function cellState(ar: usize, rb: usize, cin: usize, cout: usize, hout: usize): void {
  let o: usize = 0;
  for (; o + 64 <= rb; o += 64) {
    const c0 = f32x4.add(f32x4.mul(v128.load(ar + rb + o), v128.load(cin + o)), f32x4.mul(v128.load(ar + o), v128.load(ar + 2 * rb + o)));
    const c1 = f32x4.add(f32x4.mul(v128.load(ar + rb + o, 16), v128.load(cin + o, 16)), f32x4.mul(v128.load(ar + o, 16), v128.load(ar + 2 * rb + o, 16)));
    const c2 = f32x4.add(f32x4.mul(v128.load(ar + rb + o, 32), v128.load(cin + o, 32)), f32x4.mul(v128.load(ar + o, 32), v128.load(ar + 2 * rb + o, 32)));
    const c3 = f32x4.add(f32x4.mul(v128.load(ar + rb + o, 48), v128.load(cin + o, 48)), f32x4.mul(v128.load(ar + o, 48), v128.load(ar + 2 * rb + o, 48)));
    v128.store(cout + o, c0); v128.store(cout + o, c1, 16); v128.store(cout + o, c2, 32); v128.store(cout + o, c3, 48);
    const t0 = tanh(c0), t1 = tanh(c1), t2 = tanh(c2), t3 = tanh(c3);
    v128.store(hout + o, f32x4.mul(v128.load(ar + 3 * rb + o), t0));
    v128.store(hout + o, f32x4.mul(v128.load(ar + 3 * rb + o, 16), t1), 16);
    v128.store(hout + o, f32x4.mul(v128.load(ar + 3 * rb + o, 32), t2), 32);
    v128.store(hout + o, f32x4.mul(v128.load(ar + 3 * rb + o, 48), t3), 48);
  }
  for (; o < rb; o += 16) {
    const c = f32x4.add(f32x4.mul(v128.load(ar + rb + o), v128.load(cin + o)), f32x4.mul(v128.load(ar + o), v128.load(ar + 2 * rb + o)));
    v128.store(cout + o, c);
    v128.store(hout + o, f32x4.mul(v128.load(ar + 3 * rb + o), tanh(c)));
  }
}

/**
 * Back through one step's cell: from dh (B × Np) and the carried dc, the gate pre-activation gradients replace the
 * activations in a; dc becomes d loss / d c of the step before.
 */
function cellBackward(a: usize, ab: usize, dh: usize, dc: usize, ccur: usize, cprev: usize, B: i32, Np: i32): void {
  const rb = <usize>Np << 2;
  const one = kf(K_ONE);
  for (let s = 0; s < B; s++) {
    const ar = a + <usize>s * ab, off = <usize>s * rb;
    for (let o: usize = 0; o < rb; o += 16) {
      const i = v128.load(ar + o), f = v128.load(ar + rb + o), u = v128.load(ar + 2 * rb + o), q = v128.load(ar + 3 * rb + o);
      const tc = tanh(v128.load(ccur + off + o));
      const g = v128.load(dh + off + o);
      const d = f32x4.add(v128.load(dc + off + o), f32x4.mul(f32x4.mul(g, q), f32x4.sub(one, f32x4.mul(tc, tc))));
      v128.store(ar + o, f32x4.mul(f32x4.mul(d, u), f32x4.mul(i, f32x4.sub(one, i))));
      v128.store(ar + rb + o, f32x4.mul(f32x4.mul(d, v128.load(cprev + off + o)), f32x4.mul(f, f32x4.sub(one, f))));
      v128.store(ar + 2 * rb + o, f32x4.mul(f32x4.mul(d, i), f32x4.sub(one, f32x4.mul(u, u))));
      v128.store(ar + 3 * rb + o, f32x4.mul(f32x4.mul(g, tc), f32x4.mul(q, f32x4.sub(one, q))));
      v128.store(dc + off + o, f32x4.mul(d, f));
    }
  }
}

/** Unpadded B × N rows ↔ padded B × Np rows. */
function padRows(dst: usize, src: usize, B: i32, N: i32, Np: i32): void {
  memory.fill(dst, 0, <usize>(B * Np) << 2);
  for (let s = 0; s < B; s++) memory.copy(dst + (<usize>(s * Np) << 2), src + (<usize>(s * N) << 2), <usize>N << 2);
}
function unpadRows(dst: usize, src: usize, B: i32, N: i32, Np: i32): void {
  for (let s = 0; s < B; s++) memory.copy(dst + (<usize>(s * N) << 2), src + (<usize>(s * Np) << 2), <usize>N << 2);
}

export function forward(): f64 {
  prepare();
  const B = hdr(H_B), T = hdr(H_T), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP), S = hdr(H_S);
  const invDenom = load<f32>(base() + (<usize>H_INVDENOM << 2));
  const GP = 4 * Np;
  const H = ptr(H_H), C = ptr(H_C), A = ptr(H_A), Y = ptr(H_Y), Kp = ptr(H_KP), Rpk = ptr(H_RPK), bp = ptr(H_BP);
  const tok = ptr(H_TOK), lab = ptr(H_LAB), s0 = ptr(H_S0);
  const rb = <usize>Np << 2, ab = <usize>hdr(H_GS) << 2, yb = <usize>nOutP << 2;
  const stepH = <usize>B * rb, stepA = <usize>B * ab;
  packPanels(Rpk, <usize>Np << 6, ptr(H_RP), ab, Np, GP >> 4);
  padRows(H, s0, B, N, Np);
  padRows(C, s0 + (<usize>(B * N) << 2), B, N, Np);
  let loss: f64 = 0;
  for (let t0 = 0; t0 < T; t0 += S) {
    const t1 = min(t0 + S, T);
    for (let t = t0; t < t1; t++) {
      const a = A + <usize>t * stepA, hin = H + <usize>t * stepH;
      // the recurrent term from the bias (one row for all); the cell adds the input term
      gemmPanels(B, GP >> 2, hin, rb, 4, Rpk, <usize>Np << 6, N, bp, 0, a, ab);
      cellForward(a, ab, Kp, tok + (<usize>t << 2), T, C + <usize>t * stepH, C + <usize>(t + 1) * stepH, hin + stepH, B, Np);
    }
    const rows = (t1 - t0) * B;
    const y = Y + <usize>t0 * <usize>B * yb;
    gemm(rows, nOutP >> 2, H + <usize>(t0 + 1) * stepH, rb, 4, ptr(H_DP), yb, N, 0, 0, 0, 0, 0, 0, ptr(H_CP), 0, y, yb);
    loss += softmaxRows(y, rows, nOut, nOutP, lab, t0, B, T, true, invDenom);
  }
  const fin = ptr(H_FINAL);
  unpadRows(fin, H + <usize>T * stepH, B, N, Np);
  unpadRows(fin + (<usize>(B * N) << 2), C + <usize>T * stepH, B, N, Np);
  return loss * <f64>invDenom;
}

export function backward(): void {
  const B = hdr(H_B), T = hdr(H_T), V = hdr(H_V), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP), S = hdr(H_S);
  const GP = 4 * Np;
  const H = ptr(H_H), C = ptr(H_C), A = ptr(H_A), Y = ptr(H_Y), RT = ptr(H_RT), DT = ptr(H_DT), zero = ptr(H_ZERO);
  const DH = ptr(H_DH), DC = ptr(H_DC), tok = ptr(H_TOK);
  const gR = ptr(H_GR), gK = ptr(H_GK), gb = ptr(H_GB), gD = ptr(H_GD), gc = ptr(H_GC);
  const rb = <usize>Np << 2, ab = <usize>hdr(H_GS) << 2, yb = <usize>nOutP << 2;
  const rtb = <usize>hdr(H_RS) << 2;
  const stepH = <usize>B * rb, stepA = <usize>B * ab;
  memory.fill(gR, 0, <usize>Np * ab);
  memory.fill(gK, 0, <usize>V * ab);
  memory.fill(gb, 0, <usize>GP << 2);
  memory.fill(gD, 0, <usize>(Np * nOutP) << 2);
  memory.fill(gc, 0, yb);
  memory.fill(zero, 0, rb);
  memory.fill(DC, 0, stepH);
  const RTK = ptr(H_RTK), P = Np >> 4, pb = <usize>Np << 6, rest = (Np >> 2) & 3, roff = <usize>P << 6;
  for (let q = 0; q < 4; q++) packPanels(RTK + <usize>(q * P) * pb, pb, RT + <usize>(q * Np) * rtb, rtb, Np, P);
  const lastChunk = (T - 1) / S * S;
  for (let t0 = lastChunk; t0 >= 0; t0 -= S) {
    const t1 = min(t0 + S, T);
    for (let t = t1 - 1; t >= t0; t--) {
      const a = A + <usize>t * stepA;
      // dh_t = dy_t Dᵀ + da_{t+1} Rᵀ (the activations of step t+1 already hold their gradients), one gate block
      // of Rᵀ (Np rows) at a time so that the block of Rᵀ under a column tile stays in L1 as in the forward pass
      const next = t < T - 1;
      const yt = Y + <usize>t * <usize>B * yb, n2 = next ? N : 0;
      for (let p = 0; p < P; p++) {
        const off = <usize>p << 6;
        gemm(B, 4, yt, yb, 4, DT + off, rb, nOut, a + stepA, ab, 4, RTK + <usize>p * pb, 64, n2, zero + off, 0, DH + off, rb);
      }
      if (rest) gemm(B, rest, yt, yb, 4, DT + roff, rb, nOut, a + stepA, ab, 4, RT + roff, rtb, n2, zero + roff, 0, DH + roff, rb);
      if (next) {
        for (let q = 1; q < 4; q++) {
          const aq = a + stepA + <usize>q * rb;
          for (let p = 0; p < P; p++) {
            const off = <usize>p << 6;
            gemm(B, 4, aq, ab, 4, RTK + <usize>(q * P + p) * pb, 64, N, 0, 0, 0, 0, 0, 0, DH + off, rb, DH + off, rb);
          }
          if (rest) gemm(B, rest, aq, ab, 4, RT + <usize>(q * Np) * rtb + roff, rtb, N, 0, 0, 0, 0, 0, 0, DH + roff, rb, DH + roff, rb);
        }
      }
      cellBackward(a, ab, DH, DC, C + <usize>(t + 1) * stepH, C + <usize>t * stepH, B, Np);
    }
    const rows = (t1 - t0) * B;
    const a0 = A + <usize>t0 * stepA;
    const dap = ptr(H_DAP), dpb = <usize>(S * B) << 6;
    packPanels(dap, dpb, a0, ab, rows, GP >> 4);
    gemmPanels(N, GP >> 2, H + <usize>t0 * stepH, 4, rb, dap, dpb, rows, gR, ab, gR, ab);
    for (let t = t0; t < t1; t++) {
      for (let s = 0; s < B; s++) {
        const row = gK + <usize>load<i32>(tok + (<usize>(s * T + t) << 2)) * ab;
        addRow(row, row, A + <usize>t * stepA + <usize>s * ab, GP);
      }
    }
    const y = Y + <usize>t0 * <usize>B * yb;
    gemm(N, nOutP >> 2, H + <usize>(t0 + 1) * stepH, 4, rb, y, yb, rows, 0, 0, 0, 0, 0, 0, gD, yb, gD, yb);
    colSums(y, rows, nOutP >> 2, gc, yb);
  }
  // every row of dA went into one row of gK: the bias gradient is the sum of gK's V rows
  colSums(gK, V, GP >> 2, gb, ab);
  writeGrads();
}

/** The gradients, unpadded, as [K|R|b|D|c] at G_OUT. */
function writeGrads(): void {
  const V = hdr(H_V), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP), NG = hdr(H_G);
  const gR = ptr(H_GR), gK = ptr(H_GK), gb = ptr(H_GB), gD = ptr(H_GD), gc = ptr(H_GC);
  const rb = <usize>Np << 2, ab = <usize>hdr(H_GS) << 2, yb = <usize>nOutP << 2;
  let g = ptr(H_G_OUT);
  const nb = <usize>N << 2;
  for (let v = 0; v < V; v++) for (let q = 0; q < NG; q++) { memory.copy(g, gK + <usize>v * ab + <usize>q * rb, nb); g += nb; }
  for (let k = 0; k < N; k++) for (let q = 0; q < NG; q++) { memory.copy(g, gR + <usize>k * ab + <usize>q * rb, nb); g += nb; }
  for (let q = 0; q < NG; q++) { memory.copy(g, gb + <usize>q * rb, nb); g += nb; }
  for (let k = 0; k < N; k++) { memory.copy(g, gD + <usize>k * yb, <usize>nOut << 2); g += <usize>nOut << 2; }
  memory.copy(g, gc, <usize>nOut << 2);
}

// ---------- the GRU (Keras's reset_after = false, TF.js's only GRU) ----------
// z = σ(x K_z + h₋ R_z + b_z), r = σ(x K_r + h₋ R_r + b_r), h̃ = tanh(x K_h + (r⊙h₋) R_h + b_h), h = z⊙h₋ + (1 − z)⊙h̃.
// A row of A is [z | r | h̃] (3·Np); C holds r⊙h₋ of every step (the h block's weight gradient needs it).

/** After the z, r product: the gates in place, and rh = r⊙h₋. */
function gruGates(a: usize, ab: usize, hprev: usize, rh: usize, B: i32, Np: i32): void {
  const rb = <usize>Np << 2;
  for (let s = 0; s < B; s++) {
    const ar = a + <usize>s * ab, off = <usize>s * rb;
    for (let o: usize = 0; o < rb; o += 16) {
      const z = sigmoid(v128.load(ar + o)), r = sigmoid(v128.load(ar + rb + o));
      v128.store(ar + o, z); v128.store(ar + rb + o, r);
      v128.store(rh + off + o, f32x4.mul(r, v128.load(hprev + off + o)));
    }
  }
}

/** After the h̃ product: h̃ in place and the new state. */
function gruState(a: usize, ab: usize, hprev: usize, hout: usize, B: i32, Np: i32): void {
  const rb = <usize>Np << 2;
  const one = f32x4.splat(1.0);
  for (let s = 0; s < B; s++) {
    const ar = a + <usize>s * ab, off = <usize>s * rb;
    for (let o: usize = 0; o < rb; o += 16) {
      const z = v128.load(ar + o), hh = tanh(v128.load(ar + 2 * rb + o));
      v128.store(ar + 2 * rb + o, hh);
      v128.store(hout + off + o, f32x4.add(f32x4.mul(z, v128.load(hprev + off + o)), f32x4.mul(f32x4.sub(one, z), hh)));
    }
  }
}

export function forwardGru(): f64 {
  prepare();
  const B = hdr(H_B), T = hdr(H_T), N = hdr(H_N), Np = hdr(H_NP), nOutP = hdr(H_NOUTP), nOut = hdr(H_NOUT), S = hdr(H_S);
  const invDenom = load<f32>(base() + (<usize>H_INVDENOM << 2));
  const GP = 3 * Np;
  const H = ptr(H_H), C = ptr(H_C), A = ptr(H_A), Y = ptr(H_Y), Kp = ptr(H_KP), Rp = ptr(H_RP), bp = ptr(H_BP);
  const tok = ptr(H_TOK), lab = ptr(H_LAB), s0 = ptr(H_S0);
  const rb = <usize>Np << 2, ab = <usize>hdr(H_GS) << 2, yb = <usize>nOutP << 2;
  const stepH = <usize>B * rb, stepA = <usize>B * ab;
  padRows(H, s0, B, N, Np);
  let loss: f64 = 0;
  for (let t0 = 0; t0 < T; t0 += S) {
    const t1 = min(t0 + S, T);
    for (let t = t0; t < t1; t++) {
      const a = A + <usize>t * stepA, hin = H + <usize>t * stepH, rh = C + <usize>t * stepH;
      for (let s = 0; s < B; s++) {
        const id = load<i32>(tok + (<usize>(s * T + t) << 2));
        addRow(a + <usize>s * ab, bp, Kp + <usize>id * ab, GP);
      }
      gemm(B, (2 * Np) >> 2, hin, rb, 4, Rp, ab, N, 0, 0, 0, 0, 0, 0, a, ab, a, ab);
      gruGates(a, ab, hin, rh, B, Np);
      gemm(B, Np >> 2, rh, rb, 4, Rp + 2 * rb, ab, N, 0, 0, 0, 0, 0, 0, a + 2 * rb, ab, a + 2 * rb, ab);
      gruState(a, ab, hin, hin + stepH, B, Np);
    }
    const rows = (t1 - t0) * B;
    const y = Y + <usize>t0 * <usize>B * yb;
    gemm(rows, nOutP >> 2, H + <usize>(t0 + 1) * stepH, rb, 4, ptr(H_DP), yb, N, 0, 0, 0, 0, 0, 0, ptr(H_CP), 0, y, yb);
    loss += softmaxRows(y, rows, nOut, nOutP, lab, t0, B, T, true, invDenom);
  }
  unpadRows(ptr(H_FINAL), H + <usize>T * stepH, B, N, Np);
  return loss * <f64>invDenom;
}

/** From dh: d z, d h̃ (pre-activation) in place of z and h̃; the carry becomes dh⊙z. */
function gruBackState(a: usize, ab: usize, dh: usize, carry: usize, hprev: usize, B: i32, Np: i32): void {
  const rb = <usize>Np << 2;
  const one = f32x4.splat(1.0);
  for (let s = 0; s < B; s++) {
    const ar = a + <usize>s * ab, off = <usize>s * rb;
    for (let o: usize = 0; o < rb; o += 16) {
      const g = v128.load(dh + off + o), z = v128.load(ar + o), hh = v128.load(ar + 2 * rb + o);
      v128.store(ar + o, f32x4.mul(f32x4.mul(g, f32x4.sub(v128.load(hprev + off + o), hh)), f32x4.mul(z, f32x4.sub(one, z))));
      v128.store(ar + 2 * rb + o, f32x4.mul(f32x4.mul(g, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(hh, hh))));
      v128.store(carry + off + o, f32x4.mul(g, z));
    }
  }
}

/** From drh = d loss / d (r⊙h₋): d r (pre-activation) in place of r; the carry gains drh⊙r. */
function gruBackReset(a: usize, ab: usize, drh: usize, carry: usize, hprev: usize, B: i32, Np: i32): void {
  const rb = <usize>Np << 2;
  const one = f32x4.splat(1.0);
  for (let s = 0; s < B; s++) {
    const ar = a + <usize>s * ab, off = <usize>s * rb;
    for (let o: usize = 0; o < rb; o += 16) {
      const d = v128.load(drh + off + o), r = v128.load(ar + rb + o);
      v128.store(ar + rb + o, f32x4.mul(f32x4.mul(d, v128.load(hprev + off + o)), f32x4.mul(r, f32x4.sub(one, r))));
      v128.store(carry + off + o, f32x4.add(v128.load(carry + off + o), f32x4.mul(d, r)));
    }
  }
}

export function backwardGru(): void {
  const B = hdr(H_B), T = hdr(H_T), V = hdr(H_V), N = hdr(H_N), Np = hdr(H_NP), nOut = hdr(H_NOUT), nOutP = hdr(H_NOUTP), S = hdr(H_S);
  const GP = 3 * Np;
  const H = ptr(H_H), C = ptr(H_C), A = ptr(H_A), Y = ptr(H_Y), RT = ptr(H_RT), DT = ptr(H_DT), zero = ptr(H_ZERO);
  const DH = ptr(H_DH), carry = ptr(H_DC), DRH = ptr(H_DRH), tok = ptr(H_TOK);
  const gR = ptr(H_GR), gK = ptr(H_GK), gb = ptr(H_GB), gD = ptr(H_GD), gc = ptr(H_GC);
  const rb = <usize>Np << 2, ab = <usize>hdr(H_GS) << 2, yb = <usize>nOutP << 2;
  const rtb = <usize>hdr(H_RS) << 2;
  const stepH = <usize>B * rb, stepA = <usize>B * ab;
  memory.fill(gR, 0, <usize>Np * ab);
  memory.fill(gK, 0, <usize>V * ab);
  memory.fill(gb, 0, <usize>GP << 2);
  memory.fill(gD, 0, <usize>(Np * nOutP) << 2);
  memory.fill(gc, 0, yb);
  memory.fill(zero, 0, rb);
  memory.fill(carry, 0, stepH);
  const lastChunk = (T - 1) / S * S;
  for (let t0 = lastChunk; t0 >= 0; t0 -= S) {
    const t1 = min(t0 + S, T);
    for (let t = t1 - 1; t >= t0; t--) {
      const a = A + <usize>t * stepA, hprev = H + <usize>t * stepH;
      // dh_t = dy_t Dᵀ + what step t+1 carried back (dh⊙z + drh⊙r + [dz|dr] R_zrᵀ)
      gemm(B, Np >> 2, Y + <usize>t * <usize>B * yb, yb, 4, DT, rb, nOut, 0, 0, 0, 0, 0, 0, carry, rb, DH, rb);
      gruBackState(a, ab, DH, carry, hprev, B, Np);
      // drh = dh̃ R_hᵀ
      gemm(B, Np >> 2, a + 2 * rb, ab, 4, RT + <usize>(2 * Np) * rtb, rtb, N, 0, 0, 0, 0, 0, 0, zero, 0, DRH, rb);
      gruBackReset(a, ab, DRH, carry, hprev, B, Np);
      // carry += dz R_zᵀ + dr R_rᵀ
      gemm(B, Np >> 2, a, ab, 4, RT, rtb, N, a + rb, ab, 4, RT + <usize>Np * rtb, rtb, N, carry, rb, carry, rb);
    }
    const rows = (t1 - t0) * B;
    const a0 = A + <usize>t0 * stepA;
    gemm(N, (2 * Np) >> 2, H + <usize>t0 * stepH, 4, rb, a0, ab, rows, 0, 0, 0, 0, 0, 0, gR, ab, gR, ab);
    gemm(N, Np >> 2, C + <usize>t0 * stepH, 4, rb, a0 + 2 * rb, ab, rows, 0, 0, 0, 0, 0, 0, gR + 2 * rb, ab, gR + 2 * rb, ab);
    for (let t = t0; t < t1; t++) {
      for (let s = 0; s < B; s++) {
        const row = gK + <usize>load<i32>(tok + (<usize>(s * T + t) << 2)) * ab;
        addRow(row, row, A + <usize>t * stepA + <usize>s * ab, GP);
      }
    }
    colSums(a0, rows, GP >> 2, gb, ab);
    const y = Y + <usize>t0 * <usize>B * yb;
    gemm(N, nOutP >> 2, H + <usize>(t0 + 1) * stepH, 4, rb, y, yb, rows, 0, 0, 0, 0, 0, 0, gD, yb, gD, yb);
    colSums(y, rows, nOutP >> 2, gc, yb);
  }
  writeGrads();
}
