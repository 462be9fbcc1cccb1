/**
 * Chain-motif profile (the paper's Fig. 5, after Rajan, Harvey & Tank 2016; docs/science.md §4):
 * send a pulse into the network, run it freely, order the units by the time of their peak activity, and average
 * W[i][j] over the pairs of units whose order differs by i − j. A pure chain gives a spike at i − j = +1 (weights
 * from each unit to the next in the sequence); trained networks show an asymmetric bump at small positive i − j.
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
 *   decays, every unit peaks at step 0 and no unit has an order before another.
 * - a Float64Array: h_0 = f(that vector).
 * Then h_t = f(W h_{t−1} + b) for t = 1 … steps, without input (b = 0 unless given: the initializers' zero bias;
 * h_0 = f(pulse + b)).
 * What peaks (`measure`): 'activity' (default) h_t, or 'preactivation' a_t = W h_{t−1} + b (a_0 = pulse + b). With a
 * bias the network has activity without any pulse, so the response is measured against that unpulsed run (same
 * steps from h_{−1} = 0 without the pulse): a unit's peak time is the first t maximizing |x_t[i] − x̄_t[i]| (x = h or a);
 * with b = 0 the unpulsed run is 0.
 *
 * Ties. Time is discrete, and in trained ReLU/ELU networks most units peak within the first few steps (half of them
 * at the pulse itself), so many units share a peak step. Units that peak at the same step have no order between
 * them: a unit's order is the rank of its peak step among the distinct peak steps of the responding units (units
 * peaking at the first such step have order 0, at the next one order 1, …), and the profile at offset k is the mean of
 * W[i][j] over every pair of responding units with order(i) − order(j) = k (offset 0: pairs peaking at the same step,
 * the self-weights included). Breaking ties by index or by a random jitter instead puts arbitrary pairs at small
 * offsets and drowns the motif (docs/science.md). With all peak steps distinct (a chain from its source) this is the
 * plain procedure: permute W by peak time and average each diagonal. Units that never respond (a response of 0 at
 * every t) have no peak time: they enter no pair. Offsets without a pair are NaN. `order` lists the units by peak
 * time (ties in index order, or with `tieSeed` by a seeded random jitter), silent units last, for display.
 */
import { BadInputError } from '../badInput';
import { rowMajorOperator } from '../linalg/gemm';
import { withWorkspace } from '../linalg/wasm/kernels';
import { Rng } from '../init/rng';

export type MotifActivation = 'linear' | 'tanh' | 'relu' | 'elu';
export type MotifPulse = 'source' | 'all' | Float64Array | { input: ArrayLike<number>; d: number; channel?: number };
export type MotifMeasure = 'activity' | 'preactivation';

export interface ChainMotif {
  /** −(N−1) … N−1: order differences i − j. */
  offsets: Int32Array;
  /** Mean of W[i][j] over the pairs of responding units with order(i) − order(j) = offsets[k]; NaN without a pair. */
  profile: Float64Array;
  /** How many pairs each profile entry averages. */
  pairs: Int32Array;
  /** order[r] = the unit at rank r (by peak time; ties by index or `tieSeed`; silent units last). */
  order: Int32Array;
  /** Peak time per unit (index = unit), −1 for units never active. */
  peakTime: Int32Array;
  /** Number of units that were ever active. */
  active: number;
  /** Number of distinct peak steps among them (the largest order + 1). */
  peakSteps: number;
}

export interface MotifOptions {
  /** Free steps after the pulse (default 100, as in the paper). */
  steps?: number;
  pulse?: MotifPulse;
  /** Recurrent bias b (default 0). */
  bias?: ArrayLike<number>;
  /** What peaks: the units' activity h_t (default) or their pre-activation a_t. */
  measure?: MotifMeasure;
  /** Order tied units in `order` by a jitter drawn from this seed (default: index order); the profile does not depend on it. */
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
  if (!f) throw new BadInputError(`unknown activation "${activation}" (expected linear, tanh, relu, elu)`);
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
    if (!Number.isInteger(d) || d < 1 || V.length !== n * d) throw new BadInputError(`the input matrix has ${V.length} values, not N×d with N = ${n}`);
    if (channel !== undefined && (!Number.isInteger(channel) || channel < 0 || channel >= d)) throw new BadInputError(`input channel must be 0 … ${d - 1}, got ${channel}`);
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
  if (b && b.length !== n) throw new BadInputError(`bias has ${b.length} entries, expected ${n}`);
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
    if (steps === 0) return { a, h: hs };
    // W h on the GEMM stack's gemvT (the wasm SIMD kernel with W in a workspace).
    withWorkspace(n * n + 2 * n + 32, (ws) => {
      const op = rowMajorOperator(W, n, ws);
      const x = op.vector(), y = op.vector();
      for (let t = 1; t <= steps; t++) {
        const prev = (t - 1) * n, o = t * n;
        x.set(hs.subarray(prev, prev + n));
        op.apply(x, y);
        for (let i = 0; i < n; i++) {
          const s = b ? y[i] + b[i] : y[i];
          a[o + i] = s;
          hs[o + i] = f(s);
        }
      }
    });
    return { a, h: hs };
  };
  const pulsed = simulate(p)[measure === 'activity' ? 'h' : 'a'];
  const rest = b ? simulate(null)[measure === 'activity' ? 'h' : 'a'] : null;
  return motifProfile(W, n, peakTimes(pulsed, rest, n, steps), opts.tieSeed);
}

/**
 * Each unit's peak time: the first t (0 … steps) maximizing |pulsed_t[i] − rest_t[i]| (rest = null: 0), −1 for a
 * unit that never responds. `pulsed` and `rest` are time-major, (steps + 1) × n.
 */
export function peakTimes(pulsed: ArrayLike<number>, rest: ArrayLike<number> | null, n: number, steps: number): Int32Array {
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
  return peakTime;
}

/**
 * The profile of an n×n matrix W (column convention) under an ordering given by peak times (−1: silent unit): the
 * tie-aware order and the mean of W[i][j] by order difference, as described above. The gated cells' per-block
 * profiles (gatedMotif.ts) use one ordering for several matrices.
 */
export function motifProfile(W: ArrayLike<number>, n: number, peakTime: Int32Array, tieSeed?: number): ChainMotif {
  if (peakTime.length !== n || W.length < n * n) throw new RangeError(`motifProfile: need an N×N matrix and N peak times (N = ${n})`);
  const units = Array.from({ length: n }, (_, i) => i);
  const key = (i: number) => (peakTime[i] < 0 ? Infinity : peakTime[i]);
  const jitter = new Float64Array(n);
  if (tieSeed !== undefined) {
    const rng = new Rng(tieSeed, 7);
    for (let i = 0; i < n; i++) jitter[i] = rng.uniform();
  }
  units.sort((x, y) => key(x) - key(y) || jitter[x] - jitter[y] || x - y);
  const order = Int32Array.from(units);
  let active = 0;
  for (let i = 0; i < n; i++) if (peakTime[i] >= 0) active++;

  // Tie-aware order: the rank of a unit's peak step among the distinct peak steps (−1: never responded).
  const distinct = Array.from(new Set(Array.from(peakTime).filter((t) => t >= 0))).sort((x, y) => x - y);
  const rankOfStep = new Map(distinct.map((t, r) => [t, r]));
  const group = Int32Array.from(peakTime, (t) => (t < 0 ? -1 : rankOfStep.get(t)!));
  const offsets = new Int32Array(2 * n - 1);
  const sums = new Float64Array(2 * n - 1);
  const pairs = new Int32Array(2 * n - 1);
  for (let k = 0; k < 2 * n - 1; k++) offsets[k] = k - (n - 1);
  for (let i = 0; i < n; i++) {
    if (group[i] < 0) continue;
    const r = i * n;
    for (let j = 0; j < n; j++) {
      if (group[j] < 0) continue;
      const k = group[i] - group[j] + n - 1;
      sums[k] += W[r + j];
      pairs[k]++;
    }
  }
  const profile = new Float64Array(2 * n - 1);
  for (let k = 0; k < 2 * n - 1; k++) profile[k] = pairs[k] ? sums[k] / pairs[k] : NaN;
  return { offsets, profile, pairs, order, peakTime, active, peakSteps: distinct.length };
}
