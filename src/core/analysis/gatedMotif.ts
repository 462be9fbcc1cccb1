/**
 * Chain-motif profiles per gate block of a trained LSTM or GRU (the paper's Fig. 6; docs/science.md, "Per-gate
 * profiles"). One ordering from the cell's own dynamics, applied to every recurrent block:
 *
 * 1. a unit pulse on input channel `channel` at t = 0 (every channel without one), from h = c = 0, then `steps`
 *    steps without input, through the training engine's own cell (jsGated.ts's gatedForward: biases included);
 * 2. each hidden unit's peak time is the first t maximizing |h_t − h̄_t|, h̄ the same run without the pulse (with
 *    biases the cell moves without any input);
 * 3. every recurrent block W_g (column convention, W_g[i][j] = weight from h_j to gate g of unit i) is averaged by
 *    order difference under that one ordering (motif.ts's motifProfile: units peaking at the same step share an order).
 *
 * The network is given as the engine and Keras / TF.js store it: K nIn×G·N, R N×G·N, b G·N, blocks side by side in
 * the order LSTM i, f, c, o or GRU z, r, h (GRU: the candidate h̃ = tanh(x K_h + (r ⊙ h) R_h + b_h), Keras's
 * reset_after = false). gatedNetworkOf (../inspect) converts PyTorch LSTM weights to it.
 */
import { gatedForward } from '../train/jsGated';
import { gateCount } from '../train/model';
import { KERAS_GATES, CANDIDATE_BLOCK, blockOfKerasKernel, type GatedCell } from '../init/gated';
import { motifProfile, peakTimes, type ChainMotif } from './motif';
import { findTensor } from '../inspect';
import { recurrentInfo, transpose, type RecurrentInfo } from '../recurrent';
import type { Checkpoint } from '../tensor';
import type { GateMotifsJson, GatedNetwork } from './trajectoryTypes';
export type { GateMotifsJson };

export type { GatedNetwork } from './trajectoryTypes';

export interface GatedMotifOptions {
  /** Free steps after the pulse (default 100). */
  steps?: number;
  /** Input channel of the unit pulse; undefined: a unit pulse on every channel. Default 0. */
  channel?: number | 'all';
  /** Order tied units in each block's `order` by a jitter from this seed (display only). */
  tieSeed?: number;
}

export interface GatedMotif {
  cell: GatedCell;
  /** Gate names in the Keras order, one per block. */
  gates: string[];
  /** Index (into gates) of the candidate block: LSTM c, GRU h. */
  candidate: number;
  /** Peak time of each hidden unit's h (−1: never responded). */
  peakTime: Int32Array;
  /** One profile per block, same ordering (their order, active and peakSteps are equal). */
  blocks: ChainMotif[];
}

/** Block g of R as an N×N matrix in column convention (W[i][j]: from h_j to gate g of unit i). */
export function gateBlock(net: GatedNetwork, g: number): Float64Array {
  return blockOfKerasKernel(net.R, gateCount(net.cell), net.N, g);
}

export function gatedMotif(net: GatedNetwork, opts: GatedMotifOptions = {}): GatedMotif {
  const { cell, N, nIn } = net;
  if (cell !== 'lstm' && cell !== 'gru') throw new Error(`gated motif: unknown cell "${cell}" (expected lstm, gru)`);
  const G = gateCount(cell), GN = G * N;
  if (!Number.isInteger(N) || N < 1 || net.R.length !== N * GN) throw new RangeError(`the recurrent kernel has ${net.R.length} values, expected ${N}×${GN}`);
  if (!Number.isInteger(nIn) || nIn < 1 || net.K.length !== nIn * GN) throw new RangeError(`the input kernel has ${net.K.length} values, expected ${nIn}×${GN}`);
  if (net.b.length !== GN) throw new RangeError(`the bias has ${net.b.length} values, expected ${GN}`);
  const steps = opts.steps ?? 100;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
  const channel = opts.channel ?? 0;
  if (channel !== 'all' && (!Number.isInteger(channel) || channel < 0 || channel >= nIn)) throw new RangeError(`input channel must be 0 … ${nIn - 1}, got ${channel}`);

  // Two sequences of steps + 1 inputs: 0 pulsed at t = 0, 1 never; a zero readout (the engine wants one).
  const T = steps + 1;
  const x = new Float32Array(2 * T * nIn);
  if (channel === 'all') x.fill(1, 0, nIn);
  else x[channel] = 1;
  const tape = gatedForward(
    { cell, batch: 2, T, nIn, N, nOut: 1, activation: 'tanh', loss: 'mse-last-step' },
    { K: Float32Array.from(net.K), R: Float32Array.from(net.R), b: Float32Array.from(net.b), D: new Float32Array(N), c: new Float32Array(1) },
    { x, targets: new Float32Array(2) },
  );
  // H is (T + 1) × 2 × N with H[0] the initial state: h_t of sequence s is at ((t + 1)·2 + s)·N.
  const pulsed = new Float64Array(T * N), rest = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    pulsed.set(tape.H.subarray(((t + 1) * 2) * N, ((t + 1) * 2 + 1) * N), t * N);
    rest.set(tape.H.subarray(((t + 1) * 2 + 1) * N, ((t + 1) * 2 + 2) * N), t * N);
  }
  const peakTime = peakTimes(pulsed, rest, N, steps);
  const blocks = Array.from({ length: G }, (_, g) => motifProfile(gateBlock(net, g), N, peakTime, opts.tieSeed));
  return { cell, gates: [...KERAS_GATES[cell]], candidate: CANDIDATE_BLOCK[cell], peakTime, blocks };
}

/**
 * The LSTM / GRU of a checkpoint as the engine runs it. `name` picks the recurrent weight (default: the file's only
 * gated one). Keras / TF.js (`…recurrent_kernel`, `…kernel`, `…bias`, row convention) are taken as stored; PyTorch
 * (`weight_hh_lK`, `weight_ih_lK`, `bias_ih_lK` + `bias_hh_lK`, column convention) LSTMs are transposed into that
 * layout (same gate order i, f, g = c, o). GRUs whose candidate resets after the recurrent product (PyTorch's GRU,
 * Keras's reset_after = true: a bias of 2 × 3N) run other dynamics than the engine's and are refused.
 */
export function gatedNetworkOf(ckpt: Checkpoint, name?: string): GatedNetwork & { name: string } {
  const gated = ckpt.tensors.map((t) => recurrentInfo(t, ckpt.layout)).filter((r): r is RecurrentInfo => !!r && r.cell !== 'rnn');
  const info = name !== undefined ? gated.find((r) => r.name === name) : gated.length === 1 ? gated[0] : undefined;
  if (!info) {
    throw new Error(name !== undefined ? `"${name}" is not an LSTM or GRU recurrent weight`
      : gated.length ? `holds ${gated.length} LSTM/GRU recurrent weights: choose one with --tensor (${gated.map((r) => r.name).join(', ')})`
        : 'holds no LSTM or GRU recurrent weight');
  }
  const cell = info.cell as GatedCell, N = info.n, G = gateCount(cell), GN = G * N;
  const Rt = findTensor(ckpt, info.name);
  if (ckpt.layout === 'row') {
    // Keras 2 / TF.js: …recurrent_kernel[:0] beside …kernel[:0] and …bias[:0]; Keras 3: …cell/vars/1 beside vars/0, vars/2.
    const vars = /\/vars\/1$/.test(info.name);
    const sibling = (what: 'kernel' | 'bias') => vars ? info.name.replace(/\/vars\/1$/, what === 'kernel' ? '/vars/0' : '/vars/2')
      : info.name.replace(/recurrent_kernel(?=[^/]*$)/, what);
    const kernelName = sibling('kernel'), biasName = sibling('bias');
    if (kernelName === info.name) throw new Error(`${info.name}: cannot find its input kernel (expected a name ending in recurrent_kernel)`);
    const K = findTensor(ckpt, kernelName), b = findTensor(ckpt, biasName);
    if (K.shape.length !== 2 || K.shape[1] !== GN) throw new Error(`${kernelName} is ${K.shape.join('×')}, expected d×${GN}`);
    if (b.data.length !== GN) {
      throw new Error(`${biasName} has ${b.data.length} values, expected ${GN}` + (cell === 'gru' && b.data.length === 2 * GN ? ' (a GRU with reset_after = true: its dynamics are not the engine\'s)' : ''));
    }
    return { name: info.name, cell, N, nIn: K.shape[0], K: K.data, R: Rt.data, b: b.data };
  }
  if (cell === 'gru') throw new Error(`${info.name}: a PyTorch GRU resets after the recurrent product, other dynamics than the engine's GRU (Keras reset_after = false)`);
  const m = /weight_hh(.*)$/.exec(info.name);
  if (!m) throw new Error(`${info.name}: cannot find its input weight (expected a name with weight_hh)`);
  const prefix = info.name.slice(0, m.index);
  const Wih = findTensor(ckpt, `${prefix}weight_ih${m[1]}`);
  if (Wih.shape.length !== 2 || Wih.shape[0] !== GN) throw new Error(`${Wih.name} is ${Wih.shape.join('×')}, expected ${GN}×d`);
  const nIn = Wih.shape[1];
  const b = new Float64Array(GN);
  for (const bn of [`${prefix}bias_ih${m[1]}`, `${prefix}bias_hh${m[1]}`]) {
    const t = ckpt.tensors.find((x) => x.name === bn);
    if (!t) continue;
    if (t.data.length !== GN) throw new Error(`${bn} has ${t.data.length} values, expected ${GN}`);
    for (let j = 0; j < GN; j++) b[j] += t.data[j];
  }
  return { name: info.name, cell, N, nIn, K: transpose(Wih.data, GN, nIn), R: transpose(Rt.data, GN, N), b };
}

/** Per-gate profiles as JSON (docs/cli.md, `gate-motif --json`; the trajectories' `gate_motifs`): NaN → null. */
export function gateMotifsJson(m: GatedMotif): GateMotifsJson {
  const blocks: GateMotifsJson['blocks'] = {};
  for (const [g, b] of m.blocks.entries()) {
    blocks[m.gates[g]] = { profile: Array.from(b.profile, (x) => (Number.isFinite(x) ? x : null)), pairs: Array.from(b.pairs) };
  }
  const b0 = m.blocks[0];
  return { cell: m.cell, gates: m.gates, candidate: m.gates[m.candidate], offsets: Array.from(b0.offsets), blocks, active: b0.active, peak_steps: b0.peakSteps };
}
