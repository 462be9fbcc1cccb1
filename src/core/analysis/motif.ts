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
 * - { input: V, d, channel }: a trained network's own input: a unit pulse on input channel `channel`, h_0 = f(V·e_c + b)
 *   (V is N×d, row-major, column convention); without `channel`, a unit pulse on every channel, h_0 = f(V·1 + b).
 *   runMotif (trajectory.ts) drives a run's checkpoints this way, on channel 0 by default.
 * - 'all': every unit gets 1, h_0 = f(1) — input-agnostic, but degenerate for decaying dynamics: if activity only
 *   decays, every unit peaks at step 0 and the order is just the index order.
 * - a Float64Array: h_0 = f(that vector).
 * Then h_t = f(W h_{t−1} + b) for t = 1 … steps, without input (b = 0 unless given: the initializers' zero bias;
 * h_0 = f(pulse + b)).
 * What peaks (`measure`): 'activity' (default) h_t, or 'preactivation' a_t = W h_{t−1} + b (a_0 = pulse + b). With a
 * bias the network has activity without any pulse, so the response is measured against that unpulsed run (same
 * steps from h_{−1} = 0 without the pulse): a unit's peak time is the first t maximizing |x_t[i] − x̄_t[i]| (x = h or a);
 * with b = 0 the unpulsed run is 0. Units never active (a response of 0 at every t) go last. Ties (same peak time)
 * keep index order, or with `tieSeed` are broken by a seeded random jitter (the paper's procedure).
 */
import { Rng } from '../init/rng';

export type MotifActivation = 'linear' | 'tanh' | 'relu' | 'elu';
export type MotifPulse = 'source' | 'all' | Float64Array | { input: ArrayLike<number>; d: number; channel?: number };
export type MotifMeasure = 'activity' | 'preactivation';

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
  /** What peaks: the units' activity h_t (default) or their pre-activation a_t. */
  measure?: MotifMeasure;
  /** Break ties in peak time by a jitter drawn from this seed (default: index order). */
  tieSeed?: number;
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
    const { input: V, d, channel } = pulse;
    if (!Number.isInteger(d) || d < 1 || V.length !== n * d) throw new RangeError(`input matrix must be N×d (N = ${n})`);
    if (channel !== undefined && (!Number.isInteger(channel) || channel < 0 || channel >= d)) throw new RangeError(`input channel must be 0 … ${d - 1}, got ${channel}`);
    for (let i = 0; i < n; i++) {
      let s = 0;
      if (channel !== undefined) s = V[i * d + channel];
      else for (let j = 0; j < d; j++) s += V[i * d + j];
      p[i] = s;
    }
  } else {
    throw new Error(`unknown pulse ${JSON.stringify(pulse)}`);
  }
  const b = opts.bias && Array.prototype.some.call(opts.bias, (x: number) => x !== 0) ? opts.bias : undefined;
  if (b && b.length !== n) throw new RangeError(`bias has ${b.length} entries, expected ${n}`);
  const measure = opts.measure ?? 'activity';
  if (measure !== 'activity' && measure !== 'preactivation') throw new Error(`unknown motif measure "${measure}" (expected activity, preactivation)`);

  // The network from h_{−1} = 0 with `input` added at t = 0: the pre-activations a_t (t = 0 … steps), row by row.
  const simulate = (input: Float64Array | null): { a: Float64Array; h: Float64Array } => {
    const a = new Float64Array((steps + 1) * n);
    const hs = new Float64Array((steps + 1) * n);
    for (let i = 0; i < n; i++) {
      a[i] = (input ? input[i] : 0) + (b ? b[i] : 0);
      hs[i] = f(a[i]);
    }
    for (let t = 1; t <= steps; t++) {
      const prev = (t - 1) * n, o = t * n;
      for (let i = 0; i < n; i++) {
        const r = i * n;
        let s = b ? b[i] : 0;
        for (let j = 0; j < n; j++) s += W[r + j] * hs[prev + j];
        a[o + i] = s;
        hs[o + i] = f(s);
      }
    }
    return { a, h: hs };
  };
  const pulsed = simulate(p)[measure === 'activity' ? 'h' : 'a'];
  const rest = b ? simulate(null)[measure === 'activity' ? 'h' : 'a'] : null;
  const best = new Float64Array(n);
  const peakTime = new Int32Array(n).fill(-1);
  for (let t = 0; t <= steps; t++) {
    for (let i = 0; i < n; i++) {
      const x = Math.abs(pulsed[t * n + i] - (rest ? rest[t * n + i] : 0));
      if (x > best[i]) {
        best[i] = x;
        peakTime[i] = t;
      }
    }
  }
  const units = Array.from({ length: n }, (_, i) => i);
  const key = (i: number) => (peakTime[i] < 0 ? Infinity : peakTime[i]);
  const jitter = new Float64Array(n);
  if (opts.tieSeed !== undefined) {
    const rng = new Rng(opts.tieSeed, 7);
    for (let i = 0; i < n; i++) jitter[i] = rng.uniform();
  }
  units.sort((x, y) => key(x) - key(y) || jitter[x] - jitter[y] || x - y);
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
