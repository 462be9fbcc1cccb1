/**
 * Seeded pseudo-random numbers, reproducible bit for bit: xoshiro128** (Blackman & Vigna) seeded through
 * splitmix32, integer operations only (Math.imul, shifts), so the uniform stream is identical on every JS engine
 * and platform.
 *
 * Gaussians use Marsaglia's polar method, which needs only Math.sqrt and Math.log (no trigonometry).
 * Math.sqrt is correctly rounded (IEEE 754) everywhere. ECMAScript lets Math.log be "implementation-
 * approximated", so in theory another engine could differ in the last bit; V8 (Node, Electron, VS Code, Chrome)
 * uses its own port of fdlibm's log on every platform, so within V8 the Gaussian stream is platform-independent.
 */

/** splitmix32 step: returns [next state, output]. */
function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z = z ^ (z >>> 15);
  return [state, z >>> 0];
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /**
   * @param seed any safe integer (its low 32 bits and high bits both count)
   * @param stream independent streams from one seed (e.g. 0 for W, 1 for the input matrix V)
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    if (!Number.isSafeInteger(stream) || stream < 0) throw new RangeError(`stream must be a non-negative integer, got ${stream}`);
    const lo = seed >>> 0 | 0;
    const hi = Math.floor(seed / 4294967296) | 0;
    let st = lo ^ Math.imul(hi, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
    let out: number;
    [st, out] = splitmix32(st); this.s0 = out | 0;
    [st, out] = splitmix32(st); this.s1 = out | 0;
    [st, out] = splitmix32(st); this.s2 = out | 0;
    [st, out] = splitmix32(st); this.s3 = out | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator in the given raw xoshiro128** state (not all zero); for tests against reference outputs. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.s0 = s0 | 0; r.s1 = s1 | 0; r.s2 = s2 | 0; r.s3 = s3 | 0;
    r.spare = null;
    return r;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5, b = this.nextU32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Standard normal N(0, 1) (Marsaglia polar method; values come in pairs, the second is cached). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * m;
      return u * m;
    }
  }

  /** Fills a new array with N(0, std²) samples. */
  normals(count: number, std = 1): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = std * this.normal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
