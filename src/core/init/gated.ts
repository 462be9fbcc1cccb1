/**
 * Recurrent kernels of gated cells (LSTM, GRU) from an initializer spec, in the layout Keras and TF.js store:
 * recurrent_kernel N × G·N, row-major, gate blocks side by side (LSTM i, f, c, o; GRU z, r, h). Block g holds
 * Wᵍᵀ, where Wᵍ is the column-convention matrix (W[i][j] from unit j to unit i) the spec describes.
 *
 *   plain         PyTorch's default for every block: U(−1/√N, 1/√N)
 *   mixed[:α]     the candidate block (LSTM c, GRU h) a chain with gain α, the other gates the ramp
 *                 W[i][j] = 0.01 (j − i)/(N − 1) (the paper's LSTM initializer, initializers.ts lstmMixed)
 *   any other     a spec of initializers.ts (chain:α, fbchain:β, orthogonal:λ, identity:λ, gaussian:λ) in every
 *                 block, random ones drawn independently per block
 */
import { chain, gaussian, identity, fbchain, orthogonal, parseInitSpec, INIT_NAMES } from './initializers';
import { Rng } from './rng';

export type GatedCell = 'lstm' | 'gru';

export const GATED_INIT_NAMES = ['plain', 'mixed', ...INIT_NAMES] as const;

const BLOCKS: Record<GatedCell, number> = { lstm: 4, gru: 3 };
/** the candidate ("cell update") block: LSTM c, GRU h */
const CANDIDATE: Record<GatedCell, number> = { lstm: 2, gru: 2 };

interface GatedSpec { name: string; gain: number }

/** Checks a spec for a gated cell; throws an Error saying what is wrong. */
export function parseGatedInit(text: string): GatedSpec {
  const parts = String(text).trim().split(':');
  const name = parts[0].trim().toLowerCase();
  if (name === 'plain' || name === 'mixed') {
    if (parts.length > 2 || (name === 'plain' && parts.length === 2)) throw new Error(`bad initializer "${text}" (expected plain or mixed:gain)`);
    const gain = parts.length === 2 ? Number(parts[1].trim() || NaN) : 1;
    if (!Number.isFinite(gain)) throw new Error(`bad gain "${parts[1]}" in initializer "${text}" (expected a finite number)`);
    return { name, gain };
  }
  try {
    const s = parseInitSpec(text);
    return { name: s.name, gain: s.gain };
  } catch (e) {
    throw new Error(`${(e as Error).message.replace(/\(expected [^)]*\)/, `(expected ${GATED_INIT_NAMES.join(', ')})`)}`);
  }
}

function ramp(n: number, e = 0.01): Float64Array {
  const W = new Float64Array(n * n);
  if (n > 1) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[i * n + j] = (e * (j - i)) / (n - 1);
  return W;
}

/** The Keras-layout recurrent_kernel, N × blocks·N row-major. */
export function initGatedRecurrent(spec: string, cell: GatedCell, n: number, seed: number): Float32Array {
  return initRecurrentBlocks(spec, cell, n, seed);
}

/** initGatedRecurrent, and for 'rnn' the vanilla cell's R (one block; "mixed" is for gated cells only). */
export function initRecurrentBlocks(spec: string, cell: GatedCell | 'rnn', n: number, seed: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`hidden size must be a positive integer, got ${n}`);
  const s = parseGatedInit(spec);
  if (cell === 'rnn' && s.name === 'mixed') throw new Error('the mixed initializer is for gated cells (lstm, gru)');
  const G = cell === 'rnn' ? 1 : BLOCKS[cell];
  const out = new Float32Array(n * G * n);
  for (let g = 0; g < G; g++) {
    const rng = new Rng(seed, 20 + g);
    let W: Float64Array;
    switch (s.name) {
      case 'plain': {
        const k = 1 / Math.sqrt(n);
        W = Float64Array.from({ length: n * n }, () => (rng.uniform() * 2 - 1) * k);
        break;
      }
      case 'mixed': W = g === CANDIDATE[cell as GatedCell] ? chain(n, s.gain) : ramp(n); break;
      case 'chain': W = chain(n, s.gain); break;
      case 'fbchain': W = fbchain(n, s.gain); break;
      case 'identity': W = identity(n, s.gain); break;
      case 'orthogonal': W = orthogonal(n, s.gain, rng); break;
      case 'gaussian': W = gaussian(n, s.gain, rng); break;
      default: throw new Error(`unknown initializer "${spec}"`);
    }
    // R[j][g·N + i] = W[i][j]
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * G * n + g * n + i] = W[i * n + j];
  }
  return out;
}
