/**
 * Chain-motif profile (the paper's Fig. 5, after Rajan, Harvey & Tank 2016; docs/science.md §4):
 * send a pulse into the network, run it freely, order the units by the time of their peak activity, permute W's
 * rows and columns by that order, and average W[i][j] along each diagonal i − j of the permuted matrix.
 * A pure chain gives a spike at i − j = +1 (weights from each unit to the next in the sequence); trained
 * networks show an asymmetric bump at small positive i − j.
 *
 * How the pulse enters (our choice; the paper only says "a unit pulse"):
 * - default 'source': the pulse is a unit input to unit 0, h_0 = f(e_1) — the unit that the paper's nonnormal
 *   input initializer 0.9·I feeds for a one-dimensional input, i.e. the chain's source. A chain's activity then
 *   visits unit i exactly at step i for every α > 0, so the ordering is exact; in a trained network the pulse
 *   reaches the other units through W.
 * - { input: V, d }: the paper's setting when the input matrix is known: a unit pulse on every input channel,
 *   h_0 = f(V·1) (V is N×d, row-major).
 * - 'all': every unit gets 1, h_0 = f(1) — input-agnostic, but degenerate for decaying dynamics: if activity only
 *   decays, every unit peaks at step 0 and the order is just the index order.
 * - a Float64Array: h_0 = f(that vector).
 * Then h_t = f(W h_{t−1} + b) for t = 1 … steps (b = 0 unless given: the paper's zero recurrent bias).
 * A unit's peak time is the first t maximizing |h_t[i]|. Units never active (h_t[i] = 0 for all t) go last, in index
 * order; ties keep index order.
 */
export type MotifActivation = 'linear' | 'tanh' | 'relu' | 'elu';
export type MotifPulse = 'source' | 'all' | Float64Array | { input: ArrayLike<number>; d: number };

export interface ChainMotif {
  /** −(N−1) … N−1 (i − j of the permuted matrix). */
  offsets: Int32Array;
  /** Mean of the permuted W along each diagonal i − j = offsets[k] (N − |offset| entries each). */
  profile: Float64Array;
  /** order[r] = the unit at rank r (by peak time). */
  order: Int32Array;
  /** Peak time per unit (index = unit), −1 for units never active. */
  peakTime: Int32Array;
  /** Number of units that were ever active. */
  active: number;
}

export interface MotifOptions {
  /** Free steps after the pulse (default 100, as in the paper). */
  steps?: number;
  pulse?: MotifPulse;
  /** Recurrent bias b (default 0). */
  bias?: ArrayLike<number>;
}

const ACTIVATIONS: Record<MotifActivation, (x: number) => number> = {
  linear: (x) => x,
  tanh: Math.tanh,
  relu: (x) => (x > 0 ? x : 0),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
};

export function chainMotif(W: Float64Array, n: number, activation: MotifActivation = 'linear', opts: MotifOptions = {}): ChainMotif {
  if (!Number.isInteger(n) || n < 1 || W.length < n * n) throw new RangeError(`chainMotif: need an N×N matrix (N = ${n})`);
  const f = ACTIVATIONS[activation];
  if (!f) throw new Error(`unknown activation "${activation}" (expected linear, tanh, relu, elu)`);
  const steps = opts.steps ?? 100;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
  const pulse = opts.pulse ?? 'source';
  const p = new Float64Array(n);
  if (pulse === 'source') p[0] = 1;
  else if (pulse === 'all') p.fill(1);
  else if (pulse instanceof Float64Array) {
    if (pulse.length !== n) throw new RangeError(`pulse has ${pulse.length} entries, expected ${n}`);
    p.set(pulse);
  } else if (typeof pulse === 'object' && 'input' in pulse) {
    const { input: V, d } = pulse;
    if (!Number.isInteger(d) || d < 1 || V.length !== n * d) throw new RangeError(`input matrix must be N×d (N = ${n})`);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += V[i * d + j];
      p[i] = s;
    }
  } else {
    throw new Error(`unknown pulse ${JSON.stringify(pulse)}`);
  }
  const b = opts.bias;
  if (b && b.length !== n) throw new RangeError(`bias has ${b.length} entries, expected ${n}`);

  let h = new Float64Array(n);
  let next = new Float64Array(n);
  const best = new Float64Array(n);
  const peakTime = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) h[i] = f(p[i]);
  const record = (t: number) => {
    for (let i = 0; i < n; i++) {
      const a = Math.abs(h[i]);
      if (a > best[i]) {
        best[i] = a;
        peakTime[i] = t;
      }
    }
  };
  record(0);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < n; i++) {
      const r = i * n;
      let s = b ? b[i] : 0;
      for (let j = 0; j < n; j++) s += W[r + j] * h[j];
      next[i] = f(s);
    }
    const tmp = h;
    h = next;
    next = tmp;
    record(t);
  }
  const units = Array.from({ length: n }, (_, i) => i);
  const key = (i: number) => (peakTime[i] < 0 ? Infinity : peakTime[i]);
  units.sort((x, y) => key(x) - key(y) || x - y);
  const order = Int32Array.from(units);
  let active = 0;
  for (let i = 0; i < n; i++) if (peakTime[i] >= 0) active++;

  const offsets = new Int32Array(2 * n - 1);
  const sums = new Float64Array(2 * n - 1);
  for (let k = 0; k < 2 * n - 1; k++) offsets[k] = k - (n - 1);
  for (let a = 0; a < n; a++) {
    const r = order[a] * n;
    for (let c = 0; c < n; c++) sums[a - c + n - 1] += W[r + order[c]];
  }
  const profile = new Float64Array(2 * n - 1);
  for (let k = 0; k < 2 * n - 1; k++) profile[k] = sums[k] / (n - Math.abs(offsets[k]));
  return { offsets, profile, order, peakTime, active };
}
