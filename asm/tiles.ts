// Shared WebAssembly SIMD building blocks of the training kernels (rnn.ts: vanilla RNN, gated.ts: LSTM): register-
// tiled GEMM micro-kernels, vectorised exponentials, softmax cross-entropy rows, column sums. Not a module of its
// own: esbuild.mjs compiles rnn.ts and gated.ts, which import from here (AssemblyScript inlines across files).

// ---------- register-tiled micro-kernels ----------
// C(i, 0..V vectors) = init(i) + Σ_k A1(i,k)·B1[k] + Σ_k A2(i,k)·B2[k], with A(i,k) at a + i·ai + k·ak (one
// float, broadcast) and B rows at b + k·bk (V vectors). Two sums let one tile add the input (or readout) term and
// the recurrent term without storing the accumulators in between. Rows beyond nr repeat row nr − 1: they compute
// and store the same values, which is harmless even when C is also the init (all loads precede the stores).
// 2×4, 2×3 and 4×2 keep 6–8 accumulators, enough independent adds to hide their latency within V8's 16 xmm
// registers; 4×3 and 3×3 ran at half speed or worse (spills), and so did unrolling the k loops.

// a·b + c: in the relaxed-SIMD builds (out/wasm/*-relaxed.wasm) one fused multiply-add where the CPU has FMA (the
// last bit may differ from a product and a sum; training does not notice), else a product and a sum. With FMA the
// tiles below issue half the floating-point instructions, which is what limits them once their operands sit in L1.
// @ts-ignore: decorator
@inline function fmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

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
    c00 = fmadd(s, w0, c00); c01 = fmadd(s, w1, c01);
    c02 = fmadd(s, w2, c02); c03 = fmadd(s, w3, c03);
    s = v128.load32_splat(q);
    c10 = fmadd(s, w0, c10); c11 = fmadd(s, w1, c11);
    c12 = fmadd(s, w2, c12); c13 = fmadd(s, w3, c13);
    p += ak1; q += ak1; w += bk1;
  }
  p = a2; q = p + rowOff(1, nr, ai2); w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
    let s = v128.load32_splat(p);
    c00 = fmadd(s, w0, c00); c01 = fmadd(s, w1, c01);
    c02 = fmadd(s, w2, c02); c03 = fmadd(s, w3, c03);
    s = v128.load32_splat(q);
    c10 = fmadd(s, w0, c10); c11 = fmadd(s, w1, c11);
    c12 = fmadd(s, w2, c12); c13 = fmadd(s, w3, c13);
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
    c00 = fmadd(s, w0, c00); c01 = fmadd(s, w1, c01);
    s = v128.load32_splat(p + r1);
    c10 = fmadd(s, w0, c10); c11 = fmadd(s, w1, c11);
    s = v128.load32_splat(p + r2);
    c20 = fmadd(s, w0, c20); c21 = fmadd(s, w1, c21);
    s = v128.load32_splat(p + r3);
    c30 = fmadd(s, w0, c30); c31 = fmadd(s, w1, c31);
    p += ak1; w += bk1;
  }
  r1 = rowOff(1, nr, ai2); r2 = rowOff(2, nr, ai2); r3 = rowOff(3, nr, ai2);
  p = a2; w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16);
    let s = v128.load32_splat(p);
    c00 = fmadd(s, w0, c00); c01 = fmadd(s, w1, c01);
    s = v128.load32_splat(p + r1);
    c10 = fmadd(s, w0, c10); c11 = fmadd(s, w1, c11);
    s = v128.load32_splat(p + r2);
    c20 = fmadd(s, w0, c20); c21 = fmadd(s, w1, c21);
    s = v128.load32_splat(p + r3);
    c30 = fmadd(s, w0, c30); c31 = fmadd(s, w1, c31);
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
    c0 = fmadd(v128.load32_splat(p), w0, c0);
    c1 = fmadd(v128.load32_splat(p + r1), w0, c1);
    c2 = fmadd(v128.load32_splat(p + r2), w0, c2);
    c3 = fmadd(v128.load32_splat(p + r3), w0, c3);
    p += ak1; w += bk1;
  }
  r1 = rowOff(1, nr, ai2); r2 = rowOff(2, nr, ai2); r3 = rowOff(3, nr, ai2);
  p = a2; w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w);
    c0 = fmadd(v128.load32_splat(p), w0, c0);
    c1 = fmadd(v128.load32_splat(p + r1), w0, c1);
    c2 = fmadd(v128.load32_splat(p + r2), w0, c2);
    c3 = fmadd(v128.load32_splat(p + r3), w0, c3);
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
    c00 = fmadd(s, w0, c00); c01 = fmadd(s, w1, c01); c02 = fmadd(s, w2, c02);
    s = v128.load32_splat(q);
    c10 = fmadd(s, w0, c10); c11 = fmadd(s, w1, c11); c12 = fmadd(s, w2, c12);
    p += ak1; q += ak1; w += bk1;
  }
  p = a2; q = p + rowOff(1, nr, ai2); w = b2;
  for (let k = 0; k < n2; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32);
    let s = v128.load32_splat(p);
    c00 = fmadd(s, w0, c00); c01 = fmadd(s, w1, c01); c02 = fmadd(s, w2, c02);
    s = v128.load32_splat(q);
    c10 = fmadd(s, w0, c10); c11 = fmadd(s, w1, c11); c12 = fmadd(s, w2, c12);
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
export function gemm(m: i32, W: i32,
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

// The exponentials' constants as a table, each splat by one broadcast load: V8 builds a v128 constant with three
// instructions through a general register, and with the ~30 of the LSTM cell's nonlinearities live at once it also
// spilled them.
const KT = memory.data<f32>([
  -87.0, LOG2E, MAGIC, LN2_HI, LN2_LO,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  1.0, 2.0, -2.0, 0.0,
]);
const KI = memory.data<i32>([127, 0x80000000]);
export const K_ONE = 11, K_TWO = 12, K_MINUS_TWO = 13, K_ZERO = 14;
/** Table constant i of KT, splat. */
// @ts-ignore: decorator
@inline export function kf(i: i32): v128 {
  return v128.load32_splat(KT + (<usize>i << 2));
}
/** The float sign bit in every lane. */
// @ts-ignore: decorator
@inline export function signMask(): v128 {
  return v128.load32_splat(KI + 4);
}

/** e^x (minusOne false) or e^x − 1 (minusOne true) for x ≤ 0; a constant flag, folded after inlining. */
// @ts-ignore: decorator
@inline export function expCore(x0: v128, minusOne: bool): v128 {
  // every caller passes x ≤ 0 (ELU, tanh of −2|a|, softmax's y − max): clamp below only, where 2^n would underflow;
  // pmax returns its first operand when it is NaN
  const x = f32x4.pmax(x0, kf(0));
  const t = fmadd(x, kf(1), kf(2));
  const n = f32x4.sub(t, kf(2));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, kf(3))), f32x4.mul(n, kf(4)));
  // Estrin's scheme (a shorter dependency chain than Horner's: the gate nonlinearities are latency-bound)
  const r2 = f32x4.mul(r, r);
  const p01 = fmadd(kf(9), r, kf(10)), p23 = fmadd(kf(7), r, kf(8));
  const p4 = fmadd(kf(5), r, kf(6));
  const p = fmadd(fmadd(p4, r2, p23), r2, p01);
  const q = fmadd(r2, p, r); // e^r − 1
  const s = i32x4.shl(i32x4.add(t, v128.load32_splat(KI)), 23); // 2^n: t's low mantissa bits hold n
  return f32x4.add(f32x4.mul(s, q), minusOne ? f32x4.sub(s, kf(K_ONE)) : s);
}


// ---------- loss ----------

/**
 * Softmax cross-entropy of `rows` readout rows (nOutP floats each) in place: returns Σ loss (f64) and leaves
 * dLoss/dy = (softmax − onehot)·invDenom. Rows are time-major (t, b) from step t0; labels are batch-major,
 * lab[b·T + t] at every step or lab[b] at the last.
 */
export function softmaxRows(y: usize, rows: i32, nOut: i32, nOutP: i32, lab: usize, t0: i32, B: i32, T: i32, every: bool, invDenom: f32): f64 {
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

/** c[j] += Σ_r a[r][j] over rows of W vectors, rb bytes apart. */
export function colSums(a: usize, rows: i32, W: i32, c: usize, rb: usize): void {
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
