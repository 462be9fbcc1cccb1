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

// ---------- header (i32 slots at heapBase) ----------
const H_B = 0, H_T = 1, H_NIN = 2, H_N = 3, H_NP = 4, H_NOUT = 5, H_NOUTP = 6, H_ACT = 7, H_LOSS = 8, H_S = 9;
const H_INVDENOM = 10; // f32
const H_P_IN = 11, H_RP = 12, H_RT = 13, H_KP = 14, H_BP = 15, H_DP = 16, H_DT = 17, H_CP = 18;
const H_X_RAW = 19, H_X = 20, H_LAB = 21, H_TGT = 22, H_H = 23, H_Y = 24, H_DA = 25;
const H_GR = 26, H_GK = 27, H_GB = 28, H_GD = 29, H_GC = 30, H_G_OUT = 31, H_ZERO = 32;

const ACT_ELU = 0, ACT_RELU = 1;
const LOSS_XENT_EVERY = 0, LOSS_MSE_LAST = 2;

export function heapBase(): i32 {
  return <i32>__heap_base;
}

@inline function hdr(i: i32): i32 {
  return load<i32>(__heap_base + (<usize>i << 2));
}
@inline function ptr(i: i32): usize {
  return <usize>load<i32>(__heap_base + (<usize>i << 2));
}

// ---------- register-tiled micro-kernels ----------
// C(i, 0..V vectors) = init(i) + Σ_k A1(i,k)·B1[k] + Σ_k A2(i,k)·B2[k], with A(i,k) at a + i·ai + k·ak (one
// float, broadcast) and B rows at b + k·bk (V vectors). Two sums let one tile add the input (or readout) term and
// the recurrent term without storing the accumulators in between. Rows beyond nr repeat row nr − 1: they compute
// and store the same values, which is harmless even when C is also the init (all loads precede the stores).
// 2×4, 2×3 and 4×2 keep 6–8 accumulators, enough independent adds to hide their latency within V8's 16 xmm
// registers; 4×3 and 3×3 ran at half speed or worse (spills), and so did unrolling the k loops.

// @ts-ignore: decorator
@inline function rowOff(r: usize, nr: i32, stride: usize): usize {
  return <usize>min<i32>(<i32>r, nr - 1) * stride;
}

// @ts-ignore: decorator
@inline function tile2x4(nr: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  const i1 = rowOff(1, nr, ii);
  let c00 = v128.load(ini), c01 = v128.load(ini, 16), c02 = v128.load(ini, 32), c03 = v128.load(ini, 48);
  let c10 = v128.load(ini + i1), c11 = v128.load(ini + i1, 16), c12 = v128.load(ini + i1, 32), c13 = v128.load(ini + i1, 48);
  let p = a1, q = p + rowOff(1, nr, ai1), w = b1;
  for (let k = 0; k < n1; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
    let s = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(s, w0)); c01 = f32x4.add(c01, f32x4.mul(s, w1));
    c02 = f32x4.add(c02, f32x4.mul(s, w2)); c03 = f32x4.add(c03, f32x4.mul(s, w3));
    s = v128.load32_splat(q);
    c10 = f32x4.add(c10, f32x4.mul(s, w0)); c11 = f32x4.add(c11, f32x4.mul(s, w1));
    c12 = f32x4.add(c12, f32x4.mul(s, w2)); c13 = f32x4.add(c13, f32x4.mul(s, w3));
    p += ak1; q += ak1; w += bk1;
  }
  p = a2; q = p + rowOff(1, nr, ai2); w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
    let s = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(s, w0)); c01 = f32x4.add(c01, f32x4.mul(s, w1));
    c02 = f32x4.add(c02, f32x4.mul(s, w2)); c03 = f32x4.add(c03, f32x4.mul(s, w3));
    s = v128.load32_splat(q);
    c10 = f32x4.add(c10, f32x4.mul(s, w0)); c11 = f32x4.add(c11, f32x4.mul(s, w1));
    c12 = f32x4.add(c12, f32x4.mul(s, w2)); c13 = f32x4.add(c13, f32x4.mul(s, w3));
    p += ak2; q += ak2; w += bk2;
  }
  const o1 = c + rowOff(1, nr, ci);
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c02, 32); v128.store(c, c03, 48);
  v128.store(o1, c10); v128.store(o1, c11, 16); v128.store(o1, c12, 32); v128.store(o1, c13, 48);
}

// @ts-ignore: decorator
@inline function tile4x2(nr: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  const i1 = rowOff(1, nr, ii), i2 = rowOff(2, nr, ii), i3 = rowOff(3, nr, ii);
  let c00 = v128.load(ini), c01 = v128.load(ini, 16);
  let c10 = v128.load(ini + i1), c11 = v128.load(ini + i1, 16);
  let c20 = v128.load(ini + i2), c21 = v128.load(ini + i2, 16);
  let c30 = v128.load(ini + i3), c31 = v128.load(ini + i3, 16);
  let r1 = rowOff(1, nr, ai1), r2 = rowOff(2, nr, ai1), r3 = rowOff(3, nr, ai1);
  let p = a1, w = b1;
  for (let k = 0; k < n1; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16);
    let s = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(s, w0)); c01 = f32x4.add(c01, f32x4.mul(s, w1));
    s = v128.load32_splat(p + r1);
    c10 = f32x4.add(c10, f32x4.mul(s, w0)); c11 = f32x4.add(c11, f32x4.mul(s, w1));
    s = v128.load32_splat(p + r2);
    c20 = f32x4.add(c20, f32x4.mul(s, w0)); c21 = f32x4.add(c21, f32x4.mul(s, w1));
    s = v128.load32_splat(p + r3);
    c30 = f32x4.add(c30, f32x4.mul(s, w0)); c31 = f32x4.add(c31, f32x4.mul(s, w1));
    p += ak1; w += bk1;
  }
  r1 = rowOff(1, nr, ai2); r2 = rowOff(2, nr, ai2); r3 = rowOff(3, nr, ai2);
  p = a2; w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16);
    let s = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(s, w0)); c01 = f32x4.add(c01, f32x4.mul(s, w1));
    s = v128.load32_splat(p + r1);
    c10 = f32x4.add(c10, f32x4.mul(s, w0)); c11 = f32x4.add(c11, f32x4.mul(s, w1));
    s = v128.load32_splat(p + r2);
    c20 = f32x4.add(c20, f32x4.mul(s, w0)); c21 = f32x4.add(c21, f32x4.mul(s, w1));
    s = v128.load32_splat(p + r3);
    c30 = f32x4.add(c30, f32x4.mul(s, w0)); c31 = f32x4.add(c31, f32x4.mul(s, w1));
    p += ak2; w += bk2;
  }
  const o1 = c + rowOff(1, nr, ci), o2 = c + rowOff(2, nr, ci), o3 = c + rowOff(3, nr, ci);
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(o1, c10); v128.store(o1, c11, 16);
  v128.store(o2, c20); v128.store(o2, c21, 16);
  v128.store(o3, c30); v128.store(o3, c31, 16);
}

// @ts-ignore: decorator
@inline function tile4x1(nr: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  let c0 = v128.load(ini), c1 = v128.load(ini + rowOff(1, nr, ii));
  let c2 = v128.load(ini + rowOff(2, nr, ii)), c3 = v128.load(ini + rowOff(3, nr, ii));
  let r1 = rowOff(1, nr, ai1), r2 = rowOff(2, nr, ai1), r3 = rowOff(3, nr, ai1);
  let p = a1, w = b1;
  for (let k = 0; k < n1; k++) {
    const w0 = v128.load(w);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(p), w0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(p + r1), w0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(p + r2), w0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(p + r3), w0));
    p += ak1; w += bk1;
  }
  r1 = rowOff(1, nr, ai2); r2 = rowOff(2, nr, ai2); r3 = rowOff(3, nr, ai2);
  p = a2; w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(p), w0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(p + r1), w0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(p + r2), w0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(p + r3), w0));
    p += ak2; w += bk2;
  }
  v128.store(c, c0);
  v128.store(c + rowOff(1, nr, ci), c1);
  v128.store(c + rowOff(2, nr, ci), c2);
  v128.store(c + rowOff(3, nr, ci), c3);
}

// @ts-ignore: decorator
@inline function tile2x3(nr: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  const i1 = rowOff(1, nr, ii);
  let c00 = v128.load(ini), c01 = v128.load(ini, 16), c02 = v128.load(ini, 32);
  let c10 = v128.load(ini + i1), c11 = v128.load(ini + i1, 16), c12 = v128.load(ini + i1, 32);
  let p = a1, q = p + rowOff(1, nr, ai1), w = b1;
  for (let k = 0; k < n1; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32);
    let s = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(s, w0)); c01 = f32x4.add(c01, f32x4.mul(s, w1)); c02 = f32x4.add(c02, f32x4.mul(s, w2));
    s = v128.load32_splat(q);
    c10 = f32x4.add(c10, f32x4.mul(s, w0)); c11 = f32x4.add(c11, f32x4.mul(s, w1)); c12 = f32x4.add(c12, f32x4.mul(s, w2));
    p += ak1; q += ak1; w += bk1;
  }
  p = a2; q = p + rowOff(1, nr, ai2); w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32);
    let s = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(s, w0)); c01 = f32x4.add(c01, f32x4.mul(s, w1)); c02 = f32x4.add(c02, f32x4.mul(s, w2));
    s = v128.load32_splat(q);
    c10 = f32x4.add(c10, f32x4.mul(s, w0)); c11 = f32x4.add(c11, f32x4.mul(s, w1)); c12 = f32x4.add(c12, f32x4.mul(s, w2));
    p += ak2; q += ak2; w += bk2;
  }
  const o1 = c + rowOff(1, nr, ci);
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c02, 32);
  v128.store(o1, c10); v128.store(o1, c11, 16); v128.store(o1, c12, 32);
}

// One function per tile shape: with all shapes inlined into one function V8 allocated registers worse (spills
// in the hot loop, 10% slower).
function cols2x4(m: i32, v0: i32, v1: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  for (let v = v0; v < v1; v += 4) {
    const off = <usize>v << 4;
    for (let i = 0; i < m; i += 2) {
      const r = <usize>i;
      tile2x4(m - i, a1 + r * ai1, ai1, ak1, b1 + off, bk1, n1, a2 + r * ai2, ai2, ak2, b2 + off, bk2, n2,
        ini + r * ii + off, ii, c + r * ci + off, ci);
    }
  }
}

function cols2x3(m: i32, v: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  const off = <usize>v << 4;
  for (let i = 0; i < m; i += 2) {
    const r = <usize>i;
    tile2x3(m - i, a1 + r * ai1, ai1, ak1, b1 + off, bk1, n1, a2 + r * ai2, ai2, ak2, b2 + off, bk2, n2,
      ini + r * ii + off, ii, c + r * ci + off, ci);
  }
}

function cols4x2(m: i32, v: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  const off = <usize>v << 4;
  for (let i = 0; i < m; i += 4) {
    const r = <usize>i;
    tile4x2(m - i, a1 + r * ai1, ai1, ak1, b1 + off, bk1, n1, a2 + r * ai2, ai2, ak2, b2 + off, bk2, n2,
      ini + r * ii + off, ii, c + r * ci + off, ci);
  }
}

function cols4x1(m: i32, v: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  const off = <usize>v << 4;
  for (let i = 0; i < m; i += 4) {
    const r = <usize>i;
    tile4x1(m - i, a1 + r * ai1, ai1, ak1, b1 + off, bk1, n1, a2 + r * ai2, ai2, ak2, b2 + off, bk2, n2,
      ini + r * ii + off, ii, c + r * ci + off, ci);
  }
}

/**
 * C (m rows × W vectors) = init + A1·B1 + A2·B2 in tiles: column blocks outside, so a block of B stays in L1 while
 * the row tiles pass over it. ii/ci are the row strides of init and C (ii = 0 broadcasts one init row).
 */
function gemm(m: i32, W: i32,
  a1: usize, ai1: usize, ak1: usize, b1: usize, bk1: usize, n1: i32,
  a2: usize, ai2: usize, ak2: usize, b2: usize, bk2: usize, n2: i32,
  ini: usize, ii: usize, c: usize, ci: usize): void {
  const v = W & ~3;
  if (v > 0) cols2x4(m, 0, v, a1, ai1, ak1, b1, bk1, n1, a2, ai2, ak2, b2, bk2, n2, ini, ii, c, ci);
  const rest = W - v;
  // three vectors left (the readout of 9 or 10 classes): 2×3 beats 4×2 plus a latency-bound 4×1
  if (rest == 3) cols2x3(m, v, a1, ai1, ak1, b1, bk1, n1, a2, ai2, ak2, b2, bk2, n2, ini, ii, c, ci);
  else {
    if (rest >= 2) cols4x2(m, v, a1, ai1, ak1, b1, bk1, n1, a2, ai2, ak2, b2, bk2, n2, ini, ii, c, ci);
    if (rest & 1) cols4x1(m, W - 1, a1, ai1, ak1, b1, bk1, n1, a2, ai2, ak2, b2, bk2, n2, ini, ii, c, ci);
  }
}

// ---------- vectorised exponentials ----------
// 2^n·e^r with n = round(x/ln 2) by the 1.5·2^23 trick (no float→int conversion, which would trap or cost on
// NaN), r = x − n ln 2 in two parts, and Cephes's expf polynomial e^r − 1 = r + r²P(r) (~1 ulp). Keeping e^r − 1
// separate gives expm1 = 2^n(e^r − 1) + (2^n − 1) without cancellation near 0 (n = 0 there). NaN propagates.

const MAGIC: f32 = 12582912.0; // 1.5·2^23
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/** e^x (minusOne false) or e^x − 1 (minusOne true) for x ≤ 0; a constant flag, folded after inlining. */
// @ts-ignore: decorator
@inline function expCore(x0: v128, minusOne: bool): v128 {
  // every caller passes x ≤ 0 (ELU, tanh of −2|a|, softmax's y − max): clamp below only, where 2^n would underflow;
  // pmax returns its first operand when it is NaN
  const x = f32x4.pmax(x0, f32x4.splat(-87.0));
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(1.9875691500e-4), r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const q = f32x4.add(r, f32x4.mul(f32x4.mul(r, r), p)); // e^r − 1
  const s = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23); // 2^n: t's low mantissa bits hold n
  return f32x4.add(f32x4.mul(s, q), minusOne ? f32x4.sub(s, f32x4.splat(1.0)) : s);
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

// ---------- loss ----------

/**
 * Softmax cross-entropy of `rows` readout rows (nOutP floats each) in place: returns Σ loss (f64) and leaves
 * dLoss/dy = (softmax − onehot)·invDenom. Rows are time-major (t, b) from step t0; labels are batch-major,
 * lab[b·T + t] at every step or lab[b] at the last.
 */
function softmaxRows(y: usize, rows: i32, nOut: i32, nOutP: i32, lab: usize, t0: i32, B: i32, T: i32, every: bool, invDenom: f32): f64 {
  let loss: f64 = 0;
  const V = nOutP >> 2;
  // lanes ≥ nOut of the last vector are padding: masked out of the sum and of dy
  const mask = i32x4.gt_s(i32x4.splat(nOut - ((V - 1) << 2)), i32x4(0, 1, 2, 3));
  const rowBytes = <usize>nOutP << 2;
  let t = t0, b = 0;
  for (let r = 0; r < rows; r++) {
    const p = y + <usize>r * rowBytes;
    let m = load<f32>(p);
    for (let o = 1; o < nOut; o++) m = max(m, load<f32>(p + (<usize>o << 2)));
    const M = f32x4.splat(m);
    const label = every ? load<i32>(lab + ((<usize>b * <usize>T + <usize>t) << 2)) : load<i32>(lab + (<usize>b << 2));
    const lp = p + (<usize>label << 2);
    const margin = m - load<f32>(lp);
    let sum = f32x4.splat(0);
    for (let v = 0; v < V; v++) {
      const q = p + (<usize>v << 4);
      let e = expCore(f32x4.sub(v128.load(q), M), false);
      if (v == V - 1) e = v128.and(e, mask);
      v128.store(q, e);
      sum = f32x4.add(sum, e);
    }
    const z = f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
    loss += <f64>Mathf.log(z) + <f64>margin; // log Σ e^(y − m) + m − y[label]
    const sc = f32x4.splat(invDenom / z);
    for (let v = 0; v < V; v++) {
      const q = p + (<usize>v << 4);
      v128.store(q, f32x4.mul(v128.load(q), sc));
    }
    store<f32>(lp, load<f32>(lp) - invDenom);
    if (++b == B) { b = 0; t++; }
  }
  return loss;
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
  const invDenom = load<f32>(__heap_base + (<usize>H_INVDENOM << 2));
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

/** c[j] += Σ_r a[r][j] over rows of W vectors. */
function colSums(a: usize, rows: i32, W: i32, c: usize): void {
  const rb = <usize>W << 4;
  for (let v = 0; v < W; v++) {
    let s = v128.load(c + (<usize>v << 4));
    let p = a + (<usize>v << 4);
    for (let r = 0; r < rows; r++) {
      s = f32x4.add(s, v128.load(p));
      p += rb;
    }
    v128.store(c + (<usize>v << 4), s);
  }
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
    colSums(Y, B, nOutP >> 2, gc);
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
    colSums(dA0, rows, W, gb);
    if (every) {
      const y = Y + <usize>t0 * <usize>B * yb;
      gemm(N, nOutP >> 2, H + <usize>(t0 + 1) * stepH, 4, rb, y, yb, rows, 0, 0, 0, 0, 0, 0, gD, yb, gD, yb);
      colSums(y, rows, nOutP >> 2, gc);
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
