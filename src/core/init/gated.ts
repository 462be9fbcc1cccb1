/**
 * Initializers per gate block for LSTM and GRU recurrent weights (docs/initializers.md).
 *
 * A gated cell's recurrent weight stacks one N×N block per gate. Each block gets a single-matrix initializer of
 * ./initializers.ts, in the paper's column convention (W[i][j] = weight from unit j to unit i):
 *
 * | spec         | every block                        | except                                            |
 * |--------------|------------------------------------|---------------------------------------------------|
 * | plain[:λ]    | U(±λ/√N) entries (PyTorch default)  |                                                   |
 * | orthogonal:λ | λ·Q, an independent Haar Q per block |                                                   |
 * | chain:α      | W[i][i-1] = α                      |                                                   |
 * | fbchain:β    | W[i][i-1] = 0.99, W[i-1][i] = β    |                                                   |
 * | mixed:α      | ramp W[i][j] = 0.01·(j−i)/(N−1)    | the candidate block (LSTM c = PyTorch g, GRU h = PyTorch n): chain α |
 *
 * The paper defines "mixed" for the LSTM only; for the GRU the same rule is used (the chain on the block that
 * writes the new state, the ramp on the gates z and r).
 *
 * Layouts:
 * - Keras / TF.js `recurrent_kernel`: N × (k·N), row convention (h' = … + h R), blocks side by side in the
 *   order i, f, c, o (LSTM) or z, r, h (GRU); block b is R_b = W_bᵀ. initGatedRecurrent returns this.
 * - PyTorch `weight_hh_l0`: (k·N) × N, column convention, blocks stacked by rows in the order i, f, g, o (LSTM:
 *   the same gates as Keras) or r, z, n (GRU: r and z swapped relative to Keras); block b is W_b itself.
 *
 * Random blocks (plain, orthogonal) are drawn from stream 16 + b of the seed, b the block's index in the Keras
 * order, so a block is the same matrix in both layouts and independent of the others (streams 0 and 1 are the
 * vanilla W and V of ./initializers.ts).
 */
import { Rng } from './rng';
import { chain, fbchain, orthogonal, ramp, specText, RAMP_E } from './initializers';
import { transpose } from '../recurrent';

export const GATED_INIT_NAMES = ['plain', 'orthogonal', 'chain', 'fbchain', 'mixed'] as const;
export type GatedInitName = (typeof GATED_INIT_NAMES)[number];
export type GatedCell = 'lstm' | 'gru';

/** Default gain per spec: λ = 1 for plain and orthogonal, the chain's α = 1.02, the feedback β = 0.04. */
export const GATED_DEFAULT_GAIN: Record<GatedInitName, number> = { plain: 1, orthogonal: 1, chain: 1.02, fbchain: 0.04, mixed: 1.02 };

/** Gate blocks in the Keras / TF.js order (the order of initGatedRecurrent's blocks). */
export const KERAS_GATES: Record<GatedCell, readonly string[]> = { lstm: ['i', 'f', 'c', 'o'], gru: ['z', 'r', 'h'] };
/** Gate blocks in PyTorch's order, named as PyTorch names them. */
export const TORCH_GATES: Record<GatedCell, readonly string[]> = { lstm: ['i', 'f', 'g', 'o'], gru: ['r', 'z', 'n'] };
/** For each PyTorch block, the index of the same gate in the Keras order. */
export const TORCH_TO_KERAS: Record<GatedCell, readonly number[]> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2] };
/** The candidate (cell-update) block, in the Keras order: LSTM c (PyTorch g), GRU h (PyTorch n). */
export const CANDIDATE_BLOCK: Record<GatedCell, number> = { lstm: 2, gru: 2 };

/** First RNG stream of the gate blocks (block b draws from stream GATE_STREAM + b). */
export const GATE_STREAM = 16;

export function blockCount(cell: GatedCell): number {
  return KERAS_GATES[cell].length;
}

export interface GatedSpec {
  name: GatedInitName;
  /** λ for plain and orthogonal, α for chain and mixed, β for fbchain. */
  gain: number;
  /** Canonical text, e.g. "mixed:1.02". */
  spec: string;
}

/** What one block is: a single-matrix initializer and its gain. */
export interface BlockInit {
  kind: 'plain' | 'orthogonal' | 'chain' | 'fbchain' | 'ramp';
  gain: number;
}

/** Parses "name" or "name:gain" (plain, orthogonal, chain, fbchain, mixed), e.g. "mixed:1.02". */
export function parseGatedSpec(text: string): GatedSpec {
  const parts = String(text).trim().split(':');
  const name = parts[0].trim().toLowerCase();
  if (!(GATED_INIT_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown gated initializer "${parts[0].trim()}" (expected ${GATED_INIT_NAMES.join(', ')})`);
  }
  if (parts.length > 2) throw new Error(`bad initializer "${text}" (expected name or name:gain, e.g. mixed:1.02)`);
  let gain = GATED_DEFAULT_GAIN[name as GatedInitName];
  if (parts.length === 2) {
    const g = parts[1].trim();
    gain = g === '' ? NaN : Number(g);
    if (!Number.isFinite(gain)) throw new Error(`bad gain "${parts[1]}" in initializer "${text}" (expected a finite number)`);
  }
  return { name: name as GatedInitName, gain, spec: specText(name, gain) };
}

export function checkCell(cell: string): GatedCell {
  if (cell !== 'lstm' && cell !== 'gru') throw new Error(`unknown cell "${cell}" (expected lstm or gru)`);
  return cell;
}

/** The initializer of block `b` (Keras order) of a spec. */
export function blockInit(spec: GatedSpec, cell: GatedCell, b: number): BlockInit {
  if (spec.name === 'mixed') return b === CANDIDATE_BLOCK[cell] ? { kind: 'chain', gain: spec.gain } : { kind: 'ramp', gain: RAMP_E };
  return { kind: spec.name, gain: spec.gain };
}

/** Block b (Keras order) in column convention, N×N row-major. */
export function gatedBlock(specIn: string | GatedSpec, cellIn: GatedCell, n: number, seed: number, b: number): Float64Array {
  const spec = typeof specIn === 'string' ? parseGatedSpec(specIn) : specIn;
  const cell = checkCell(cellIn);
  if (!Number.isInteger(b) || b < 0 || b >= blockCount(cell)) throw new RangeError(`block must be 0…${blockCount(cell) - 1}, got ${b}`);
  const init = blockInit(spec, cell, b);
  switch (init.kind) {
    case 'chain': return chain(n, init.gain);
    case 'fbchain': return fbchain(n, init.gain);
    case 'ramp': return ramp(n, init.gain);
    case 'orthogonal': return orthogonal(n, init.gain, new Rng(seed, GATE_STREAM + b));
    case 'plain': return plain(n, init.gain, new Rng(seed, GATE_STREAM + b));
  }
}

/** Every block in column convention, in the Keras order (i, f, c, o or z, r, h). */
export function gatedBlocks(spec: string | GatedSpec, cell: GatedCell, n: number, seed: number): Float64Array[] {
  const s = typeof spec === 'string' ? parseGatedSpec(spec) : spec;
  return KERAS_GATES[checkCell(cell)].map((_, b) => gatedBlock(s, cell, n, seed, b));
}

/**
 * The Keras / TF.js recurrent_kernel of a gated cell: N × (k·N) row-major (k = 4 for LSTM i, f, c, o; 3 for GRU
 * z, r, h), row convention h' = … + h R, block b occupying columns b·N … (b+1)·N − 1 and equal to W_bᵀ.
 */
export function initGatedRecurrent(spec: string, cell: 'lstm' | 'gru', n: number, seed: number): Float32Array {
  const blocks = gatedBlocks(spec, cell, n, seed);
  const k = blocks.length;
  const R = new Float32Array(n * k * n);
  blocks.forEach((W, b) => {
    // R[j][b·N + i] = W_b[i][j]
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) R[j * k * n + b * n + i] = W[i * n + j];
  });
  return R;
}

/** PyTorch's weight_hh_l0: (k·N) × N row-major, column convention, blocks stacked in PyTorch's order. */
export function gatedTorchWeight(spec: string | GatedSpec, cell: GatedCell, n: number, seed: number): Float64Array {
  const blocks = gatedBlocks(spec, cell, n, seed);
  const W = new Float64Array(blocks.length * n * n);
  TORCH_TO_KERAS[cell].forEach((kb, tb) => W.set(blocks[kb], tb * n * n));
  return W;
}

/** Block b (Keras order) of a Keras recurrent_kernel N × (k·N), back in column convention. */
export function blockOfKerasKernel(R: ArrayLike<number>, k: number, n: number, b: number): Float64Array {
  const Rb = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) Rb[j * n + i] = R[j * k * n + b * n + i];
  return transpose(Rb, n, n);
}

/** Entries i.i.d. U(−λ/√N, λ/√N): PyTorch's default for every RNN/LSTM/GRU weight (λ = 1). */
export function plain(n: number, gain: number, rng: Rng): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`hidden size must be a positive integer, got ${n}`);
  const a = gain / Math.sqrt(n);
  const W = new Float64Array(n * n);
  for (let i = 0; i < W.length; i++) W[i] = a * (2 * rng.uniform() - 1);
  return W;
}

/** The index (Keras order) of a gate named as Keras (i, f, c, o / z, r, h) or PyTorch (g for c, n for h) names it. */
export function gateIndex(cell: GatedCell, gate: string | undefined): number {
  const g = String(gate ?? '').trim().toLowerCase();
  let b = KERAS_GATES[checkCell(cell)].indexOf(g);
  if (b < 0) {
    const t = TORCH_GATES[cell].indexOf(g);
    if (t >= 0) b = TORCH_TO_KERAS[cell][t];
  }
  if (b < 0) throw new Error(`${cell.toUpperCase()} has no gate "${gate ?? ''}" (expected ${KERAS_GATES[cell].join(', ')})`);
  return b;
}
