/**
 * The paper's initializers (docs/science.md §2), in the column convention h_t = f(W h_{t-1} + V x_t + b):
 * W[i][j] (row-major, W[i*n + j]) is the weight from unit j to unit i.
 *
 * | name       | W                                   | paired input V (N×d)      | gain in the spec |
 * |------------|-------------------------------------|---------------------------|------------------|
 * | chain      | W[i][i-1] = α (nilpotent delay line) | 0.9·I(N×d) ("source")     | α (default 1.02) |
 * | fbchain    | W[i][i-1] = 0.99, W[i-1][i] = β      | 0.9·I(N×d)                | β (default 0.04) |
 * | orthogonal | λ·Q, Q Haar (QR of a Gaussian)       | Gaussian, std 0.9/√N      | λ (default 1)    |
 * | identity   | λ·I                                 | Gaussian, std 0.9/√N      | λ (default 1)    |
 * | gaussian   | entries N(0, λ²/N)                  | Gaussian, std 0.9/√N      | λ (default 1)    |
 *
 * `gaussian` is not one of the paper's initializers; it is the usual random baseline (circular law: its
 * eigenvalues fill the disc of radius ≈ λ).
 */
import { Rng } from './rng';

export const INIT_NAMES = ['chain', 'fbchain', 'orthogonal', 'identity', 'gaussian'] as const;
export type InitName = (typeof INIT_NAMES)[number];

/** Default gain per initializer: the official code's defaults (chain α = 1.02, feedback β = 0.04). */
export const DEFAULT_GAIN: Record<InitName, number> = { chain: 1.02, fbchain: 0.04, orthogonal: 1, identity: 1, gaussian: 1 };

/** The input initializer paired with each recurrent initializer in the paper's code. */
export const INPUT_INIT: Record<InitName, 'source' | 'gaussian'> = {
  chain: 'source',
  fbchain: 'source',
  orthogonal: 'gaussian',
  identity: 'gaussian',
  gaussian: 'gaussian',
};

/** Chain: W[i][i-1] = α, zero elsewhere. */
export function chain(n: number, alpha: number): Float64Array {
  checkN(n);
  const W = new Float64Array(n * n);
  for (let i = 1; i < n; i++) W[i * n + i - 1] = alpha;
  return W;
}

/** Chain with feedback: W[i][i-1] = forward (0.99 in the paper), W[i-1][i] = β. */
export function fbchain(n: number, beta: number, forward = 0.99): Float64Array {
  checkN(n);
  const W = new Float64Array(n * n);
  for (let i = 1; i < n; i++) {
    W[i * n + i - 1] = forward;
    W[(i - 1) * n + i] = beta;
  }
  return W;
}

/** λ·I. */
export function identity(n: number, gain: number): Float64Array {
  checkN(n);
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) W[i * n + i] = gain;
  return W;
}

/** Entries i.i.d. N(0, gain²/N). */
export function gaussian(n: number, gain: number, rng: Rng): Float64Array {
  checkN(n);
  return rng.normals(n * n, gain / Math.sqrt(n));
}

/**
 * gain·Q with Q Haar-distributed on O(N): Householder QR of an N×N standard Gaussian matrix G = QR, then
 * Q·diag(sign R_ii) so that R has a positive diagonal — the unique QR with that property, which makes Q exactly
 * Haar (Mezzadri 2007; what the paper's Keras `Orthogonal` initializer does with numpy's QR).
 */
export function orthogonal(n: number, gain: number, rng: Rng): Float64Array {
  checkN(n);
  const G = rng.normals(n * n); // row-major; reflector k is stored in column k on and below the diagonal
  const tau = new Float64Array(n);
  const signR = new Float64Array(n).fill(1);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 1; k++) {
    // x = G[k:, k]
    let scale = 0;
    for (let i = k; i < n; i++) scale = Math.max(scale, Math.abs(G[i * n + k]));
    if (scale === 0) continue;
    let ss = 0;
    for (let i = k; i < n; i++) {
      const t = G[i * n + k] / scale;
      ss += t * t;
    }
    const norm = scale * Math.sqrt(ss);
    const x0 = G[k * n + k];
    const alpha = x0 >= 0 ? -norm : norm; // R_kk
    signR[k] = alpha > 0 ? 1 : -1;
    // v = x − alpha·e1 (stored in place), τ = 2/vᵀv
    G[k * n + k] = x0 - alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += G[i * n + k] * G[i * n + k];
    tau[k] = 2 / vv;
    // G[k:, k+1:] −= τ v (vᵀ G[k:, k+1:])
    w.fill(0, k + 1, n);
    for (let i = k; i < n; i++) {
      const vi = G[i * n + k];
      if (vi === 0) continue;
      const r = i * n;
      for (let j = k + 1; j < n; j++) w[j] += vi * G[r + j];
    }
    for (let i = k; i < n; i++) {
      const f = tau[k] * G[i * n + k];
      if (f === 0) continue;
      const r = i * n;
      for (let j = k + 1; j < n; j++) G[r + j] -= f * w[j];
    }
  }
  // The last diagonal entry of R is G[n-1][n-1] itself (no reflector), so its sign is that of x0 there.
  signR[n - 1] = G[(n - 1) * n + n - 1] >= 0 ? 1 : -1;
  // Q = H_0 H_1 … H_{n-2}, accumulated backwards: Q ← H_k Q touches rows/columns k.. only.
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 2; k >= 0; k--) {
    if (tau[k] === 0) continue;
    w.fill(0, k, n);
    for (let i = k; i < n; i++) {
      const vi = G[i * n + k];
      if (vi === 0) continue;
      const r = i * n;
      for (let j = k; j < n; j++) w[j] += vi * Q[r + j];
    }
    for (let i = k; i < n; i++) {
      const f = tau[k] * G[i * n + k];
      if (f === 0) continue;
      const r = i * n;
      for (let j = k; j < n; j++) Q[r + j] -= f * w[j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Q[i * n + j] *= gain * signR[j];
  return Q;
}

/** The nonnormal initializers' input: V = scale·I(N×d) (input j feeds unit j; unit 0 is the chain's source). */
export function sourceInput(n: number, d: number, scale = 0.9): Float64Array {
  checkN(n);
  checkN(d, 'input size');
  const V = new Float64Array(n * d);
  for (let j = 0; j < Math.min(n, d); j++) V[j * d + j] = scale;
  return V;
}

/** The orthogonal/identity initializers' input: V (N×d) with entries N(0, std²), std = 0.9/√N by default. */
export function gaussianInput(n: number, d: number, rng: Rng, std = 0.9 / Math.sqrt(n)): Float64Array {
  checkN(n);
  checkN(d, 'input size');
  return rng.normals(n * d, std);
}

/**
 * LSTM recurrent weights (PyTorch `weight_hh_l0` layout: 4N×N, gate blocks i, f, g, o stacked by rows).
 * "chain": the chain in every gate block.
 */
export function lstmChain(n: number, alpha: number): Float64Array {
  const block = chain(n, alpha);
  const W = new Float64Array(4 * n * n);
  for (let g = 0; g < 4; g++) W.set(block, g * n * n);
  return W;
}

/**
 * LSTM "mixed" initializer: the chain for the cell-update block g, and for the i, f, o blocks the linear ramp
 * W[i][j] = e·(j − i)/(n − 1) (skew-symmetric, hence normal; e = 0.01 in the paper).
 */
export function lstmMixed(n: number, alpha: number, e = RAMP_E): Float64Array {
  const r = ramp(n, e);
  const W = new Float64Array(4 * n * n);
  W.set(r, 0); // i
  W.set(r, n * n); // f
  W.set(chain(n, alpha), 2 * n * n); // g
  W.set(r, 3 * n * n); // o
  return W;
}

/** The ramp's scale e in the paper's mixed LSTM initializer. */
export const RAMP_E = 0.01;

/**
 * The linear ramp W[i][j] = e·(j − i)/(n − 1) of the mixed LSTM initializer's gate blocks: skew-symmetric (hence
 * normal), entries from −e to e; all zero for n = 1.
 */
export function ramp(n: number, e = RAMP_E): Float64Array {
  checkN(n);
  const W = new Float64Array(n * n);
  if (n > 1) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[i * n + j] = (e * (j - i)) / (n - 1);
  return W;
}

export interface InitSpec {
  name: InitName;
  /** α for chain, β for fbchain, λ otherwise. */
  gain: number;
  /** Canonical text, e.g. "chain:1.02". */
  spec: string;
}

/**
 * Parses "name" or "name:gain" (name case-insensitive, surrounding spaces ignored), e.g. "chain:1.02",
 * "fbchain:0.07", "orthogonal". Without a gain the default of DEFAULT_GAIN is used.
 */
export function parseInitSpec(text: string): InitSpec {
  const parts = String(text).trim().split(':');
  const name = parts[0].trim().toLowerCase();
  if (!(INIT_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown initializer "${parts[0].trim()}" (expected ${INIT_NAMES.join(', ')})`);
  }
  if (parts.length > 2) throw new Error(`bad initializer "${text}" (expected name or name:gain, e.g. chain:1.02)`);
  let gain = DEFAULT_GAIN[name as InitName];
  if (parts.length === 2) {
    const g = parts[1].trim();
    gain = g === '' ? NaN : Number(g);
    if (!Number.isFinite(gain)) throw new Error(`bad gain "${parts[1]}" in initializer "${text}" (expected a finite number)`);
  }
  return { name: name as InitName, gain, spec: `${name}:${gain}` };
}

/** The recurrent matrix W (N×N, row-major) of a spec. The seed only matters for orthogonal and gaussian. */
export function makeInit(spec: string | InitSpec, n: number, seed = 0): Float64Array {
  const s = typeof spec === 'string' ? parseInitSpec(spec) : spec;
  switch (s.name) {
    case 'chain': return chain(n, s.gain);
    case 'fbchain': return fbchain(n, s.gain);
    case 'identity': return identity(n, s.gain);
    case 'orthogonal': return orthogonal(n, s.gain, new Rng(seed, 0));
    case 'gaussian': return gaussian(n, s.gain, new Rng(seed, 0));
  }
}

/**
 * The input matrix V (N×d, row-major) paired with a spec's W, as in the paper's code. Drawn from an independent
 * stream of the same seed, so (W, V) from one seed are independent and each is reproducible on its own.
 */
export function makeInputInit(spec: string | InitSpec, n: number, d: number, seed = 0): Float64Array {
  const s = typeof spec === 'string' ? parseInitSpec(spec) : spec;
  return INPUT_INIT[s.name] === 'source' ? sourceInput(n, d) : gaussianInput(n, d, new Rng(seed, 1));
}

/** name:gain for display and ids, with at least one decimal (chain:1.02, orthogonal:1.0). */
export function specText(name: string, gain: number): string {
  return `${name}:${Number.isInteger(gain) ? gain.toFixed(1) : String(gain)}`;
}

function checkN(n: number, what = 'hidden size'): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
}
