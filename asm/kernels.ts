// AssemblyScript sources of Recurrent Lens's WebAssembly SIMD (f64x2) linear-algebra kernels, compiled by
// esbuild.mjs into out/wasm/kernels.wasm and embedded in the bundles (src/core/linalg/wasm/kernels.ts loads it).
// All array arguments are element indices (not byte offsets) of f64 data in this module's memory; matrices are
// column-major with the given leading dimensions. The JavaScript side owns the memory layout above heapBase().

export function heapBase(): i32 {
  return <i32>__heap_base;
}

// ---------- reflectors of order 3 and 2 (Francis / multishift QR sweeps) ----------
// Each applies s = a·(x + v2·y + v3·z); x −= s·b1; y −= s·b2; z −= s·b3 — dlahqr uses a = 1, b = τ(1, v2, v3),
// dlaqr5 a = τ, b = (1, v2, v3); both are then bitwise identical to the TypeScript loops.

/** Rows p, p+1, p+2 of cnt columns starting at element p, columns ld apart. */
export function refRows3(p: i32, ld: i32, cnt: i32, v2: f64, v3: f64, a: f64, b1: f64, b2: f64, b3: f64): void {
  let q = p << 3;
  const st = ld << 3;
  for (let j = 0; j < cnt; j++) {
    const x = load<f64>(q), y = load<f64>(q, 8), z = load<f64>(q, 16);
    const s = a * (x + v2 * y + v3 * z);
    store<f64>(q, x - s * b1);
    store<f64>(q, y - s * b2, 8);
    store<f64>(q, z - s * b3, 16);
    q += st;
  }
}

export function refRows2(p: i32, ld: i32, cnt: i32, v2: f64, a: f64, b1: f64, b2: f64): void {
  let q = p << 3;
  const st = ld << 3;
  for (let j = 0; j < cnt; j++) {
    const x = load<f64>(q), y = load<f64>(q, 8);
    const s = a * (x + v2 * y);
    store<f64>(q, x - s * b1);
    store<f64>(q, y - s * b2, 8);
    q += st;
  }
}

/** cnt consecutive rows of three columns starting at elements c1, c2, c3. */
export function refCols3(c1: i32, c2: i32, c3: i32, cnt: i32, v2: f64, v3: f64, a: f64, b1: f64, b2: f64, b3: f64): void {
  let p = c1 << 3, q = c2 << 3, r = c3 << 3;
  const V2 = f64x2.splat(v2), V3 = f64x2.splat(v3), A = f64x2.splat(a);
  const B1 = f64x2.splat(b1), B2 = f64x2.splat(b2), B3 = f64x2.splat(b3);
  let i = 0;
  for (; i + 1 < cnt; i += 2) {
    const x = v128.load(p), y = v128.load(q), z = v128.load(r);
    const s = f64x2.mul(A, f64x2.add(f64x2.add(x, f64x2.mul(V2, y)), f64x2.mul(V3, z)));
    v128.store(p, f64x2.sub(x, f64x2.mul(s, B1)));
    v128.store(q, f64x2.sub(y, f64x2.mul(s, B2)));
    v128.store(r, f64x2.sub(z, f64x2.mul(s, B3)));
    p += 16; q += 16; r += 16;
  }
  if (i < cnt) {
    const x = load<f64>(p), y = load<f64>(q), z = load<f64>(r);
    const s = a * (x + v2 * y + v3 * z);
    store<f64>(p, x - s * b1);
    store<f64>(q, y - s * b2);
    store<f64>(r, z - s * b3);
  }
}

export function refCols2(c1: i32, c2: i32, cnt: i32, v2: f64, a: f64, b1: f64, b2: f64): void {
  let p = c1 << 3, q = c2 << 3;
  const V2 = f64x2.splat(v2), A = f64x2.splat(a), B1 = f64x2.splat(b1), B2 = f64x2.splat(b2);
  let i = 0;
  for (; i + 1 < cnt; i += 2) {
    const x = v128.load(p), y = v128.load(q);
    const s = f64x2.mul(A, f64x2.add(x, f64x2.mul(V2, y)));
    v128.store(p, f64x2.sub(x, f64x2.mul(s, B1)));
    v128.store(q, f64x2.sub(y, f64x2.mul(s, B2)));
    p += 16; q += 16;
  }
  if (i < cnt) {
    const x = load<f64>(p), y = load<f64>(q);
    const s = a * (x + v2 * y);
    store<f64>(p, x - s * b1);
    store<f64>(q, y - s * b2);
  }
}

/**
 * dlaqr5's "multiply H by the reflections from the left": for J = j0..jbot (1-based column numbers) the bulges
 * M = mtop..min(mbot, (J − krcol + 2)/3) with K = krcol + 3(M − 1) act on rows K+1..K+3 of column J.
 * hb: element index of H(0, 0) in 1-based terms (H(I, J) = hb + I + J·ldh); vv: (v1, v2, v3) per bulge.
 */
export function laqr5Left(hb: i32, ldh: i32, krcol: i32, mtop: i32, mbot: i32, j0: i32, jbot: i32, vv: i32): void {
  let J = j0;
  // Two columns at a time, one per f64x2 lane (the same operations per entry as one at a time): the bulges both
  // columns take, then the extra ones of the right column.
  for (; J + 1 <= jbot; J += 2) {
    let mendA = (J - krcol + 2) / 3;
    if (mendA > mbot) mendA = mbot;
    let mendB = (J + 1 - krcol + 2) / 3;
    if (mendB > mbot) mendB = mbot;
    const ca = hb + J * ldh, cb = ca + ldh;
    let M = mtop;
    for (; M <= mendA; M++) {
      const K = krcol + 3 * (M - 1);
      const vo = (vv + (M - 1) * 3) << 3;
      const v1 = load<f64>(vo), v2 = load<f64>(vo, 8), v3 = load<f64>(vo, 16);
      const V1 = f64x2.splat(v1), V2 = f64x2.splat(v2), V3 = f64x2.splat(v3);
      const pa = (ca + K + 1) << 3, pb = (cb + K + 1) << 3;
      let x = v128.load64_splat(pa); x = v128.load64_lane(pb, x, 1);
      let y = v128.load64_splat(pa + 8); y = v128.load64_lane(pb + 8, y, 1);
      let z = v128.load64_splat(pa + 16); z = v128.load64_lane(pb + 16, z, 1);
      const refsum = f64x2.mul(V1, f64x2.add(f64x2.add(x, f64x2.mul(V2, y)), f64x2.mul(V3, z)));
      x = f64x2.sub(x, refsum);
      y = f64x2.sub(y, f64x2.mul(refsum, V2));
      z = f64x2.sub(z, f64x2.mul(refsum, V3));
      v128.store64_lane(pa, x, 0); v128.store64_lane(pb, x, 1);
      v128.store64_lane(pa + 8, y, 0); v128.store64_lane(pb + 8, y, 1);
      v128.store64_lane(pa + 16, z, 0); v128.store64_lane(pb + 16, z, 1);
    }
    for (; M <= mendB; M++) laqr5LeftOne(cb, krcol, M, vv);
  }
  for (; J <= jbot; J++) {
    let mend = (J - krcol + 2) / 3;
    if (mend > mbot) mend = mbot;
    const cj = hb + J * ldh;
    for (let M = mtop; M <= mend; M++) laqr5LeftOne(cj, krcol, M, vv);
  }
}

@inline function laqr5LeftOne(cj: i32, krcol: i32, M: i32, vv: i32): void {
  const K = krcol + 3 * (M - 1);
  const vo = (vv + (M - 1) * 3) << 3;
  const v1 = load<f64>(vo), v2 = load<f64>(vo, 8), v3 = load<f64>(vo, 16);
  const p = (cj + K + 1) << 3;
  const x = load<f64>(p), y = load<f64>(p, 8), z = load<f64>(p, 16);
  const refsum = v1 * (x + v2 * y + v3 * z);
  store<f64>(p, x - refsum);
  store<f64>(p, y - refsum * v2, 8);
  store<f64>(p, z - refsum * v3, 16);
}

// ---------- matrix-vector kernels (Householder Hessenberg reduction) ----------

/** y[0..m) += alpha · Σ_l A(:, l) · x[l·incx] (A m × k, leading dimension lda). */
export function gemvN(m: i32, k: i32, a: i32, lda: i32, x: i32, incx: i32, y: i32, alpha: f64): void {
  if (m <= 0 || k <= 0) return;
  const yb = y << 3;
  let l = 0;
  for (; l + 3 < k; l += 4) {
    const a0 = (a + l * lda) << 3, a1 = a0 + (lda << 3), a2 = a1 + (lda << 3), a3 = a2 + (lda << 3);
    const xs = (x + l * incx) << 3, xi = incx << 3;
    const f0 = alpha * load<f64>(xs), f1 = alpha * load<f64>(xs + xi), f2 = alpha * load<f64>(xs + 2 * xi), f3 = alpha * load<f64>(xs + 3 * xi);
    const F0 = f64x2.splat(f0), F1 = f64x2.splat(f1), F2 = f64x2.splat(f2), F3 = f64x2.splat(f3);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const o = i << 3;
      const s = f64x2.add(
        f64x2.add(f64x2.mul(v128.load(a0 + o), F0), f64x2.mul(v128.load(a1 + o), F1)),
        f64x2.add(f64x2.mul(v128.load(a2 + o), F2), f64x2.mul(v128.load(a3 + o), F3)));
      v128.store(yb + o, f64x2.add(v128.load(yb + o), s));
    }
    if (i < m) {
      const o = i << 3;
      store<f64>(yb + o, load<f64>(yb + o) + ((load<f64>(a0 + o) * f0 + load<f64>(a1 + o) * f1) + (load<f64>(a2 + o) * f2 + load<f64>(a3 + o) * f3)));
    }
  }
  for (; l < k; l++) {
    const a0 = (a + l * lda) << 3;
    const f0 = alpha * load<f64>((x + l * incx) << 3);
    if (f0 == 0) continue;
    const F0 = f64x2.splat(f0);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const o = i << 3;
      v128.store(yb + o, f64x2.add(v128.load(yb + o), f64x2.mul(v128.load(a0 + o), F0)));
    }
    if (i < m) {
      const o = i << 3;
      store<f64>(yb + o, load<f64>(yb + o) + load<f64>(a0 + o) * f0);
    }
  }
}

@inline function dot(m: i32, p: i32, q: i32): f64 {
  // p, q byte addresses
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const o = i << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(p + o), v128.load(q + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(p + o, 16), v128.load(q + o, 16)));
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; i < m; i++) s += load<f64>(p + (i << 3)) * load<f64>(q + (i << 3));
  return s;
}

/**
 * Four dot products of x (byte address xb) with the columns at byte addresses p0..p3, length m, into DOT4[0..4):
 * x is read once for all four and the four sums are independent dependency chains.
 */
const DOT4: i32 = <i32>memory.data(32, 16);
@inline function dot4(m: i32, xb: i32, p0: i32, p1: i32, p2: i32, p3: i32): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const o = i << 3;
    const x = v128.load(xb + o);
    s0 = f64x2.add(s0, f64x2.mul(v128.load(p0 + o), x));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(p1 + o), x));
    s2 = f64x2.add(s2, f64x2.mul(v128.load(p2 + o), x));
    s3 = f64x2.add(s3, f64x2.mul(v128.load(p3 + o), x));
  }
  let t0 = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1), t1 = f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
  let t2 = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1), t3 = f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1);
  if (i < m) {
    const o = i << 3, x = load<f64>(xb + o);
    t0 += load<f64>(p0 + o) * x; t1 += load<f64>(p1 + o) * x; t2 += load<f64>(p2 + o) * x; t3 += load<f64>(p3 + o) * x;
  }
  store<f64>(DOT4, t0); store<f64>(DOT4, t1, 8); store<f64>(DOT4, t2, 16); store<f64>(DOT4, t3, 24);
}

/** y[l·incy] = alpha · Σ_r A(r, l) x[r] for l < k (overwrites); four columns per pass over x. */
export function gemvT(m: i32, k: i32, a: i32, lda: i32, x: i32, y: i32, incy: i32, alpha: f64): void {
  const xb = x << 3;
  let l = 0;
  if (m > 0) {
    const cs = lda << 3;
    for (; l + 3 < k; l += 4) {
      const p0 = (a + l * lda) << 3;
      dot4(m, xb, p0, p0 + cs, p0 + 2 * cs, p0 + 3 * cs);
      const yb = (y + l * incy) << 3, ys = incy << 3;
      store<f64>(yb, alpha * load<f64>(DOT4)); store<f64>(yb + ys, alpha * load<f64>(DOT4, 8));
      store<f64>(yb + 2 * ys, alpha * load<f64>(DOT4, 16)); store<f64>(yb + 3 * ys, alpha * load<f64>(DOT4, 24));
    }
  }
  for (; l < k; l++) {
    store<f64>((y + l * incy) << 3, m > 0 ? alpha * dot(m, (a + l * lda) << 3, xb) : 0);
  }
}

/** Left Householder update of ncols columns: A(:, j) −= (τ vᵀA(:, j)) v, v of length m (dlarf 'L'); four columns per pass. */
export function larfLeft(m: i32, ncols: i32, v: i32, a: i32, lda: i32, tau: f64): void {
  const vb = v << 3;
  const cs = lda << 3;
  let j = 0;
  for (; j + 3 < ncols; j += 4) {
    const c0 = (a + j * lda) << 3, c1 = c0 + cs, c2 = c1 + cs, c3 = c2 + cs;
    dot4(m, vb, c0, c1, c2, c3);
    const s0 = load<f64>(DOT4) * tau, s1 = load<f64>(DOT4, 8) * tau, s2 = load<f64>(DOT4, 16) * tau, s3 = load<f64>(DOT4, 24) * tau;
    const S0 = f64x2.splat(s0), S1 = f64x2.splat(s1), S2 = f64x2.splat(s2), S3 = f64x2.splat(s3);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const o = i << 3;
      const x = v128.load(vb + o);
      v128.store(c0 + o, f64x2.sub(v128.load(c0 + o), f64x2.mul(S0, x)));
      v128.store(c1 + o, f64x2.sub(v128.load(c1 + o), f64x2.mul(S1, x)));
      v128.store(c2 + o, f64x2.sub(v128.load(c2 + o), f64x2.mul(S2, x)));
      v128.store(c3 + o, f64x2.sub(v128.load(c3 + o), f64x2.mul(S3, x)));
    }
    if (i < m) {
      const o = i << 3, x = load<f64>(vb + o);
      store<f64>(c0 + o, load<f64>(c0 + o) - s0 * x); store<f64>(c1 + o, load<f64>(c1 + o) - s1 * x);
      store<f64>(c2 + o, load<f64>(c2 + o) - s2 * x); store<f64>(c3 + o, load<f64>(c3 + o) - s3 * x);
    }
  }
  for (; j < ncols; j++) {
    const cb = (a + j * lda) << 3;
    const s = dot(m, vb, cb) * tau;
    if (s == 0) continue;
    const S = f64x2.splat(s);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const o = i << 3;
      v128.store(cb + o, f64x2.sub(v128.load(cb + o), f64x2.mul(S, v128.load(vb + o))));
    }
    if (i < m) store<f64>(cb + (i << 3), load<f64>(cb + (i << 3)) - s * load<f64>(vb + (i << 3)));
  }
}

/** Right Householder update of m rows: w = A v, A −= τ w vᵀ (A m × k, v of length k at stride 1; w scratch). */
export function larfRight(m: i32, k: i32, v: i32, a: i32, lda: i32, tau: f64, w: i32): void {
  memory.fill(w << 3, 0, m << 3);
  gemvN(m, k, a, lda, v, 1, w, 1);
  const wb = w << 3;
  // A(:, l) += w · (−τ v_l), four columns per pass over w.
  const cs = lda << 3;
  let l = 0;
  for (; l + 3 < k; l += 4) {
    const vo = (v + l) << 3;
    const f0 = -tau * load<f64>(vo), f1 = -tau * load<f64>(vo, 8), f2 = -tau * load<f64>(vo, 16), f3 = -tau * load<f64>(vo, 24);
    const F0 = f64x2.splat(f0), F1 = f64x2.splat(f1), F2 = f64x2.splat(f2), F3 = f64x2.splat(f3);
    const c0 = (a + l * lda) << 3, c1 = c0 + cs, c2 = c1 + cs, c3 = c2 + cs;
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const o = i << 3;
      const x = v128.load(wb + o);
      v128.store(c0 + o, f64x2.add(v128.load(c0 + o), f64x2.mul(x, F0)));
      v128.store(c1 + o, f64x2.add(v128.load(c1 + o), f64x2.mul(x, F1)));
      v128.store(c2 + o, f64x2.add(v128.load(c2 + o), f64x2.mul(x, F2)));
      v128.store(c3 + o, f64x2.add(v128.load(c3 + o), f64x2.mul(x, F3)));
    }
    if (i < m) {
      const o = i << 3, x = load<f64>(wb + o);
      store<f64>(c0 + o, load<f64>(c0 + o) + x * f0); store<f64>(c1 + o, load<f64>(c1 + o) + x * f1);
      store<f64>(c2 + o, load<f64>(c2 + o) + x * f2); store<f64>(c3 + o, load<f64>(c3 + o) + x * f3);
    }
  }
  for (; l < k; l++) {
    const f = -tau * load<f64>((v + l) << 3);
    if (f == 0) continue;
    const F = f64x2.splat(f);
    const cb = (a + l * lda) << 3;
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const o = i << 3;
      v128.store(cb + o, f64x2.add(v128.load(cb + o), f64x2.mul(v128.load(wb + o), F)));
    }
    if (i < m) store<f64>(cb + (i << 3), load<f64>(cb + (i << 3)) + load<f64>(wb + (i << 3)) * f);
  }
}

// ---------- GEMM ----------

const KB = 256, MB = 128;
/** The packed MB × KB block of A (256 KiB, static in this instance's memory below __heap_base). */
const APACK: i32 = <i32>memory.data(MB * KB * 8, 64);

/**
 * C(m × n) (+)= A(m × k) · B(k × n), all column-major. 4×4 register tiles of f64x2 accumulators, blocked over k
 * (KB) and over the rows (MB); each MB × KB block of A is packed into contiguous 4-row groups (APACK) so the
 * tiles read it sequentially from L2 while all of B streams past it.
 */
export function gemmNN(m: i32, n: i32, k: i32, a: i32, lda: i32, b: i32, ldb: i32, c: i32, ldc: i32, acc: i32): void {
  if (m <= 0 || n <= 0) return;
  if (!acc) {
    for (let j = 0; j < n; j++) memory.fill((c + j * ldc) << 3, 0, m << 3);
  }
  if (k <= 0) return;
  for (let l0 = 0; l0 < k; l0 += KB) {
    const kb = min(KB, k - l0);
    for (let i0 = 0; i0 < m; i0 += MB) {
      const i1 = min(m, i0 + MB);
      const i4 = i0 + ((i1 - i0) & ~3);
      // Pack A(i0..i4, l0..l0+kb) as groups of 4 rows: group g, column l at APACK + (g·kb + l)·32 bytes.
      for (let g = i0; n >= 4 && g < i4; g += 4) {
        let dst = APACK + (((g - i0) >> 2) * kb << 5);
        let src = (a + g + l0 * lda) << 3;
        const ss = lda << 3;
        for (let l = 0; l < kb; l++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          dst += 32; src += ss;
        }
      }
      let j = 0;
      for (; j + 3 < n; j += 4) {
        const b0 = (b + l0 + j * ldb) << 3, b1 = b0 + (ldb << 3), b2 = b1 + (ldb << 3), b3 = b2 + (ldb << 3);
        const cj = (c + j * ldc) << 3, cs = ldc << 3;
        let i = i0;
        for (; i < i4; i += 4) {
          let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c02 = f64x2.splat(0), c03 = f64x2.splat(0);
          let c10 = f64x2.splat(0), c11 = f64x2.splat(0), c12 = f64x2.splat(0), c13 = f64x2.splat(0);
          let ap = APACK + (((i - i0) >> 2) * kb << 5);
          for (let l = 0; l < kb; l++) {
            const x0 = v128.load(ap), x1 = v128.load(ap, 16);
            const o = l << 3;
            const y0 = f64x2.splat(load<f64>(b0 + o)), y1 = f64x2.splat(load<f64>(b1 + o));
            const y2 = f64x2.splat(load<f64>(b2 + o)), y3 = f64x2.splat(load<f64>(b3 + o));
            c00 = f64x2.add(c00, f64x2.mul(x0, y0)); c10 = f64x2.add(c10, f64x2.mul(x1, y0));
            c01 = f64x2.add(c01, f64x2.mul(x0, y1)); c11 = f64x2.add(c11, f64x2.mul(x1, y1));
            c02 = f64x2.add(c02, f64x2.mul(x0, y2)); c12 = f64x2.add(c12, f64x2.mul(x1, y2));
            c03 = f64x2.add(c03, f64x2.mul(x0, y3)); c13 = f64x2.add(c13, f64x2.mul(x1, y3));
            ap += 32;
          }
          const p = cj + (i << 3);
          v128.store(p, f64x2.add(v128.load(p), c00)); v128.store(p, f64x2.add(v128.load(p, 16), c10), 16);
          v128.store(p + cs, f64x2.add(v128.load(p + cs), c01)); v128.store(p + cs, f64x2.add(v128.load(p + cs, 16), c11), 16);
          v128.store(p + 2 * cs, f64x2.add(v128.load(p + 2 * cs), c02)); v128.store(p + 2 * cs, f64x2.add(v128.load(p + 2 * cs, 16), c12), 16);
          v128.store(p + 3 * cs, f64x2.add(v128.load(p + 3 * cs), c03)); v128.store(p + 3 * cs, f64x2.add(v128.load(p + 3 * cs, 16), c13), 16);
        }
        for (; i < i1; i++) {
          let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
          let ap = (a + i + l0 * lda) << 3;
          const as = lda << 3;
          for (let l = 0; l < kb; l++) {
            const x = load<f64>(ap);
            const o = l << 3;
            s0 += x * load<f64>(b0 + o); s1 += x * load<f64>(b1 + o); s2 += x * load<f64>(b2 + o); s3 += x * load<f64>(b3 + o);
            ap += as;
          }
          const p = cj + (i << 3);
          store<f64>(p, load<f64>(p) + s0); store<f64>(p + cs, load<f64>(p + cs) + s1);
          store<f64>(p + 2 * cs, load<f64>(p + 2 * cs) + s2); store<f64>(p + 3 * cs, load<f64>(p + 3 * cs) + s3);
        }
      }
      for (; j < n; j++) {
        // One column: C(i0..i1, j) += A(i0..i1, l0..l0+kb) B(l0..l0+kb, j).
        gemvN(i1 - i0, kb, a + i0 + l0 * lda, lda, b + l0 + j * ldb, 1, c + i0 + j * ldc, 1);
      }
    }
  }
}

/** Padded leading dimension for m rows: a whole and odd number of 64-byte lines (see src/core/linalg/wasm/kernels.ts). */
export function paddedLd(m: i32): i32 {
  let l = max(8, (m + 7) & ~7);
  if (((l >> 3) & 1) == 0) l += 8;
  return l;
}

/** Bᵀ → Aᵀ packing: dst(i, l) = src(l, i) for l < k, i < m (dst leading dimension ldd). */
export function transpose(k: i32, m: i32, src: i32, lds: i32, dst: i32, ldd: i32): void {
  for (let i = 0; i < m; i++) {
    const s = (src + i * lds) << 3;
    const d = (dst + i) << 3;
    const ds = ldd << 3;
    for (let l = 0; l < k; l++) store<f64>(d + l * ds, load<f64>(s + (l << 3)));
  }
}

/** C(m × n) (+)= Aᵀ B with A(l, i) at a + l + i·lda (k × m); pack: scratch of paddedLd(m)·k elements. */
export function gemmTN(m: i32, n: i32, k: i32, a: i32, lda: i32, b: i32, ldb: i32, c: i32, ldc: i32, acc: i32, pack: i32): void {
  if (m <= 0 || n <= 0) return;
  const pld = paddedLd(m);
  if (k > 0) transpose(k, m, a, lda, pack, pld);
  gemmNN(m, n, k, pack, pld, b, ldb, c, ldc, acc);
}
