/**
 * Source code for the per-gate-block initializers of ./gated.ts (docs/initializers.md), for an LSTM or GRU layer,
 * oriented for each framework:
 *
 * - PyTorch (`torch.nn.LSTM` / `torch.nn.GRU`, column convention): weight_hh_l{k} ((k·N) × N) stacks the blocks
 *   W_b themselves by rows, in PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n), in every layer k.
 * - Keras (`keras.layers.LSTM` / `GRU`, row convention h R): a `keras.initializers.Initializer` subclass for
 *   `recurrent_initializer`, returning R (N × k·N) with the blocks R_b = W_bᵀ side by side in Keras's order
 *   (LSTM i, f, c, o; GRU z, r, h). Random blocks are drawn with numpy.
 * - TF.js (`tf.layers.lstm` / `gru`, the Keras layout): a function that replaces the layer's recurrentKernel with
 *   `layer.setWeights` once the layer is built (tfjs has no matrix-valued constant initializer).
 *
 * Only the recurrent weights change: input weights and biases keep the framework's defaults (the forget-gate
 * bias conventions differ between frameworks and are not part of these initializers).
 *
 * Called by ./codegen.ts's generateInitializer when the options name a gated cell.
 */
import { GATED_INIT_NAMES, KERAS_GATES, TORCH_GATES, TORCH_TO_KERAS, blockInit, parseGatedSpec, type BlockInit, type GatedCell, type GatedInitName, type GatedSpec } from './gated';
import { RAMP_E } from './initializers';
import type { Definition, GeneratedCode } from './codegen';
import type { Framework } from './layouts';

/** The paper's feedback chain forward weight. */
const FORWARD = 0.99;

const TITLE: Record<GatedInitName, string> = {
  plain: 'plain (PyTorch default, uniform)',
  orthogonal: 'orthogonal',
  chain: 'chain',
  fbchain: 'chain-with-feedback',
  mixed: 'mixed (chain + ramp)',
};

const CLASS: Record<GatedInitName, string> = { plain: 'Plain', orthogonal: 'Orthogonal', chain: 'Chain', fbchain: 'FbChain', mixed: 'Mixed' };
const CELL_TITLE: Record<GatedCell, string> = { lstm: 'Lstm', gru: 'Gru' };

/** Every helper name of the gated initializers (to recognise an earlier call of ours). */
export const GATED_HELPER_NAMES: Record<'pytorch' | 'tfjs', string[]> = {
  pytorch: (['lstm', 'gru'] as const).flatMap((c) => GATED_INIT_NAMES.map((n) => `init_${c}_${n}_`)),
  tfjs: (['lstm', 'gru'] as const).flatMap((c) => GATED_INIT_NAMES.map((n) => `init${CELL_TITLE[c]}${CLASS[n]}`)),
};

export interface GatedArgs {
  framework: Framework;
  cell: GatedCell;
  spec: string | GatedSpec;
  n?: number;
  inputDim?: number;
  seed?: number;
  ts?: boolean;
}

/** The parts ./codegen.ts assembles into GeneratedCode. */
export interface GatedPart {
  spec: GatedSpec;
  imports: string[];
  header: string[];
  definitions: Definition[];
  usage: string[];
  entry: string;
  callArgs: string;
  kerasArgs?: GeneratedCode['kerasArgs'];
}

function py(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? x.toFixed(1) : String(x);
}

/** The parameters of a spec's helper: name = default, in order. */
function params(spec: GatedSpec, python: boolean): { name: string; value: number }[] {
  const p = python ? (s: string) => s : (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  switch (spec.name) {
    case 'chain': return [{ name: 'alpha', value: spec.gain }];
    case 'fbchain': return [{ name: 'beta', value: spec.gain }, { name: p('forward'), value: FORWARD }];
    case 'mixed': return [{ name: 'alpha', value: spec.gain }, { name: 'e', value: RAMP_E }];
    case 'orthogonal':
    case 'plain': return [{ name: 'gain', value: spec.gain }];
  }
}

function random(spec: GatedSpec): boolean {
  return spec.name === 'orthogonal' || spec.name === 'plain';
}

/** One sentence per block kind, for the docstrings (column convention). */
function blockWords(kind: BlockInit['kind']): string {
  switch (kind) {
    case 'chain': return 'the chain, W[i][i-1] = alpha (unit i-1 feeds unit i)';
    case 'fbchain': return 'the chain with feedback, W[i][i-1] = forward (0.99), W[i-1][i] = beta';
    case 'ramp': return 'the ramp W[i][j] = e * (j - i) / (N - 1)';
    case 'orthogonal': return 'gain * Q, Q Haar-random orthogonal, a new Q per block';
    case 'plain': return 'entries uniform in (-gain/sqrt(N), gain/sqrt(N)), PyTorch\'s default';
  }
}

/** What each block is, e.g. "i, f, o: the ramp …; g: the chain …". */
function blockSummary(spec: GatedSpec, cell: GatedCell, gates: readonly string[], order: readonly number[]): string[] {
  const groups = new Map<string, string[]>();
  gates.forEach((g, t) => {
    const words = blockWords(blockInit(spec, cell, order[t]).kind);
    groups.set(words, [...(groups.get(words) ?? []), g]);
  });
  if (groups.size === 1) return [`every gate block: ${[...groups.keys()][0]}`];
  return [...groups].map(([words, gs]) => `${gs.join(', ')}: ${words}`);
}

export function generateGated(a: GatedArgs): GatedPart {
  const spec = typeof a.spec === 'string' ? parseGatedSpec(a.spec) : a.spec;
  switch (a.framework) {
    case 'pytorch': return pytorch(a, spec);
    case 'keras': return keras(a, spec);
    case 'tfjs': return tfjs(a, spec);
  }
}

function sizes(n: number | undefined, d: number | undefined): string {
  return n !== undefined && d !== undefined ? ` (N = ${n} hidden units, ${d} inputs)` : '';
}

function seedLines(comment: string, framework: string, rng: string, seed: number | undefined): string[] {
  return [
    `${comment} Random blocks are drawn with ${rng}${seed === undefined ? ', unseeded here (give a seed to reproduce them)' : ` with seed ${seed}`}. Seeds are not`,
    `${comment} portable: one seed gives different matrices in ${framework === 'PyTorch' ? 'Keras, TF.js' : framework === 'Keras' ? 'PyTorch, TF.js' : 'PyTorch, Keras'} and Recurrent Lens's own analysis.`,
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// PyTorch

function pytorch({ cell, n, inputDim: d, seed }: GatedArgs, spec: GatedSpec): GatedPart {
  const layer = cell === 'lstm' ? 'LSTM' : 'GRU';
  const k = KERAS_GATES[cell].length;
  const gates = TORCH_GATES[cell];
  const order = TORCH_TO_KERAS[cell];
  const fn = `init_${cell}_${spec.name}_`;
  const header = [
    `# Recurrent Lens: ${TITLE[spec.name]} initializer ${spec.spec} per gate block for torch.nn.${layer}${sizes(n, d)}.`,
    `# PyTorch stores column-convention weights: weight_hh_l0 (${k}N x N) stacks one N x N block W per gate by rows, in the`,
    `# order ${gates.join(', ')}, and W[i][j] is the weight from unit j to unit i (so a chain is on each block's SUB-diagonal).`,
  ];
  if (random(spec)) header.push(...seedLines('#', 'PyTorch', 'torch\'s RNG', seed));
  const ps = params(spec, true);
  const sig = [...ps.map((p) => `${p.name}=${py(p.value)}`), ...(random(spec) ? ['seed=None'] : [])].join(', ');
  const callArgs = [`${ps[0].name}=${py(ps[0].value)}`, ...(random(spec) && seed !== undefined ? [`seed=${seed}`] : [])].join(', ');
  const kinds = [...new Set(order.map((b) => blockInit(spec, cell, b).kind))];
  const makers: Record<BlockInit['kind'], string[]> = {
    chain: ['def chain():  # W[i][i-1] = alpha', '    return torch.diag(torch.full((n - 1,), float(alpha), dtype=torch.float64), diagonal=-1)'],
    fbchain: [
      'def fbchain():  # W[i][i-1] = forward, W[i-1][i] = beta',
      '    return (torch.diag(torch.full((n - 1,), float(forward), dtype=torch.float64), diagonal=-1)',
      '            + torch.diag(torch.full((n - 1,), float(beta), dtype=torch.float64), diagonal=1))',
    ],
    ramp: [
      'def ramp():  # W[i][j] = e * (j - i) / (N - 1)',
      '    k = torch.arange(n, dtype=torch.float64)',
      '    return e * (k[None, :] - k[:, None]) / max(n - 1, 1)',
    ],
    orthogonal: ['def orthogonal():  # gain * Q, a new Haar-random Q per call', '    return torch.nn.init.orthogonal_(torch.empty(n, n, dtype=torch.float64), gain=gain)'],
    plain: [
      'def plain():  # U(-gain/sqrt(N), gain/sqrt(N))',
      '    return torch.empty(n, n, dtype=torch.float64).uniform_(-gain / math.sqrt(n), gain / math.sqrt(n))',
    ],
  };
  const summary = blockSummary(spec, cell, gates, order);
  const def = [
    `def ${fn}(rnn, ${sig}):`,
    `    """${TITLE[spec.name][0].toUpperCase()}${TITLE[spec.name].slice(1)} initializer per gate block for every layer of a torch.nn.${layer}, in place; returns rnn.`,
    '',
    `    weight_hh_l{k} stacks one N x N block per gate (${gates.join(', ')}) in the column convention (W[i][j] = weight from`,
    '    unit j to unit i):',
    ...summary.map((s) => `    ${s}.`),
    `    Input weights and biases keep PyTorch's defaults.${random(spec) ? ' seed seeds these draws only (the global RNG is left as it was).' : ''}`,
    '    """',
    `    if not isinstance(rnn, torch.nn.${layer}):`,
    `        raise TypeError(f"${fn} is for torch.nn.${layer}, got {type(rnn).__name__}")`,
    ...(cell === 'lstm' ? [
      '    if getattr(rnn, "proj_size", 0):',
      `        raise ValueError("${fn} needs proj_size=0 (square gate blocks)")`,
    ] : []),
    '    n = rnn.hidden_size',
    '',
    ...kinds.flatMap((kind, i) => [...(i ? [''] : []), ...makers[kind].map((l) => `    ${l}`)]),
    '',
    `    with torch.random.fork_rng(devices=[], enabled=${random(spec) ? 'seed is not None' : 'False'}), torch.no_grad():`,
    ...(random(spec) ? ['        if seed is not None:', '            torch.manual_seed(seed)'] : []),
    '        for name, p in rnn.named_parameters():',
    '            if name.startswith("weight_hh_l"):',
    `                blocks = [${order.map((b) => `${blockInit(spec, cell, b).kind}()`).join(', ')}]  # ${gates.join(', ')}`,
    `                p.copy_(torch.cat(blocks, dim=0))  # rows b*N ... (b+1)*N - 1 hold gate b`,
    '    return rnn',
  ];
  const usage = [
    '# Usage (every layer; the sizes come from the layer):',
    `#   rnn = torch.nn.${layer}(input_size=${d ?? 10}, hidden_size=${n ?? 100}, batch_first=True)`,
    `#   ${fn}(rnn, ${callArgs})`,
  ];
  return {
    spec, imports: [...(spec.name === 'plain' ? ['import math'] : []), 'import torch'], header,
    definitions: [{ name: fn, text: def.join('\n') }], usage, entry: fn, callArgs,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Keras

function keras({ cell, n, inputDim: d, seed }: GatedArgs, spec: GatedSpec): GatedPart {
  const layer = cell === 'lstm' ? 'LSTM' : 'GRU';
  const k = KERAS_GATES[cell].length;
  const gates = KERAS_GATES[cell];
  const order = gates.map((_, b) => b);
  const cls = `${CELL_TITLE[cell]}${CLASS[spec.name]}Init`;
  const header = [
    `# Recurrent Lens: ${TITLE[spec.name]} initializer ${spec.spec} per gate block for keras.layers.${layer}${sizes(n, d)}.`,
    `# Keras stores row-vector weights, h_t = ... + h_{t-1} R: recurrent_kernel R (N x ${k}N) holds one N x N block per gate`,
    `# side by side, in the order ${gates.join(', ')}, and each block is R_b = W_b^T, W_b being the paper's column-convention`,
    '# matrix (W[i][j] = weight from unit j to unit i): a chain is on each block\'s SUPER-diagonal, a ramp changes sign.',
    `# Only the recurrent kernel is set; the input kernel and the biases keep Keras's defaults. To load a saved model,`,
    `# pass custom_objects={"${cls}": ${cls}}.`,
  ];
  if (random(spec)) header.push(...seedLines('#', 'Keras', 'numpy', seed));
  const ps = params(spec, true);
  const attrs = [...ps.map((p) => p.name), ...(random(spec) ? ['seed'] : [])];
  const init = [...ps.map((p) => `${p.name}=${py(p.value)}`), ...(random(spec) ? ['seed=None'] : [])].join(', ');
  const kinds = [...new Set(order.map((b) => blockInit(spec, cell, b).kind))];
  const makers: Record<BlockInit['kind'], string[]> = {
    chain: ['chain = self.alpha * np.eye(n, k=-1)  # W[i][i-1] = alpha'],
    fbchain: ['fbchain = self.forward * np.eye(n, k=-1) + self.beta * np.eye(n, k=1)  # W[i][i-1] = forward, W[i-1][i] = beta'],
    ramp: ['u = np.arange(n)', 'ramp = self.e * (u[None, :] - u[:, None]) / max(n - 1, 1)  # W[i][j] = e * (j - i) / (N - 1)'],
    orthogonal: [
      'def orthogonal():  # gain * Q, Q Haar-random: QR of a Gaussian matrix, signs fixed by diag(R)',
      '    q, r = np.linalg.qr(rng.standard_normal((n, n)))',
      '    return self.gain * q * np.sign(np.diag(r))',
    ],
    plain: ['def plain():  # U(-gain/sqrt(N), gain/sqrt(N)), as PyTorch\'s default', '    return rng.uniform(-self.gain / np.sqrt(n), self.gain / np.sqrt(n), (n, n))'],
  };
  const call = (kind: BlockInit['kind']) => (kind === 'orthogonal' || kind === 'plain' ? `${kind}()` : kind);
  const text = [
    `class ${cls}(keras.initializers.Initializer):`,
    `    """Recurrent kernel R (N x ${k}N) of keras.layers.${layer}, one block per gate (${gates.join(', ')}), R_b = W_b^T, where`,
    ...blockSummary(spec, cell, gates, order).map((s) => `    ${s}.`),
    '    """',
    '',
    `    def __init__(self, ${init}):`,
    ...attrs.map((a) => `        self.${a} = ${a}`),
    '',
    '    def __call__(self, shape, dtype=None, **kwargs):',
    `        if len(shape) != 2 or shape[1] != ${k} * shape[0]:`,
    `            raise ValueError(f"${cls} is for ${cell === 'lstm' ? 'an' : 'a'} ${layer} recurrent kernel (N, ${k}N), got shape {tuple(shape)}")`,
    '        n = shape[0]',
    ...(random(spec) ? ['        rng = np.random.default_rng(self.seed)'] : []),
    ...kinds.flatMap((kind) => makers[kind].map((l) => `        ${l}`)),
    `        blocks = [${order.map((b) => call(blockInit(spec, cell, b).kind)).join(', ')}]  # W_b of ${gates.join(', ')} (column convention)`,
    '        r = np.concatenate([w.T for w in blocks], axis=1)  # R_b = W_b^T, side by side',
    '        return tf.constant(r, dtype=dtype or tf.float32)',
    '',
    '    def get_config(self):',
    `        return {${attrs.map((a) => `"${a}": self.${a}`).join(', ')}}`,
  ];
  const argText = `${cls}(${[`${ps[0].name}=${py(ps[0].value)}`, ...(random(spec) && seed !== undefined ? [`seed=${seed}`] : [])].join(', ')})`;
  const usage = [
    '# Usage (the layer builds its weights with it when it first sees its input):',
    `#   rnn = keras.layers.${layer}(${n ?? 100}, return_sequences=True, recurrent_initializer=${argText})`,
    `#   y = rnn(keras.Input(shape=(None, ${d ?? 10})))  # ${d ?? 10} inputs per time step`,
  ];
  return {
    spec, imports: ['import numpy as np', 'import tensorflow as tf', 'from tensorflow import keras'], header,
    definitions: [{ name: cls, text: text.join('\n') }], usage, entry: cls, callArgs: '',
    kerasArgs: { recurrent_initializer: argText },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// TF.js

function tfjs({ cell, n, inputDim: d, seed, ts }: GatedArgs, spec: GatedSpec): GatedPart {
  const layer = cell;
  const k = KERAS_GATES[cell].length;
  const gates = KERAS_GATES[cell];
  const order = gates.map((_, b) => b);
  const fn = `init${CELL_TITLE[cell]}${CLASS[spec.name]}`;
  const header = [
    `// Recurrent Lens: ${TITLE[spec.name]} initializer ${spec.spec} per gate block for tf.layers.${layer}${sizes(n, d)}.`,
    `// TF.js stores row-vector weights, h_t = ... + h_{t-1} R: recurrentKernel R (N x ${k}N) holds one N x N block per gate`,
    `// side by side, in the order ${gates.join(', ')}, and each block is R_b = W_b^T, W_b being the paper's column-convention`,
    '// matrix (W[i][j] = weight from unit j to unit i): a chain is on each block\'s SUPER-diagonal, a ramp changes sign.',
    '// Only the recurrent kernel is set; the input kernel and the biases keep TF.js\'s defaults.',
  ];
  if (random(spec)) header.push(...seedLines('//', 'TF.js', 'TF.js\'s initializers (block b with seed + b)', seed));
  const ps = params(spec, false);
  const sig = [...ps.map((p) => `${p.name} = ${p.value}`), ...(random(spec) ? [ts ? 'seed?: number' : 'seed = undefined'] : [])].join(', ');
  const callArgs = [String(ps[0].value), ...(random(spec) && seed !== undefined ? [String(seed)] : [])].join(', ');
  const kinds = [...new Set(order.map((b) => blockInit(spec, cell, b).kind))];
  const num = ts ? ': number' : '';
  // Each maker returns the STORED block R_b = W_bᵀ (units × units).
  const makers: Record<BlockInit['kind'], string[]> = {
    chain: [
      `const chain = (${ts ? '_b: number' : '_b'}) => {`,
      '  const r = tf.buffer([units, units]);',
      '  for (let i = 0; i + 1 < units; i++) r.set(alpha, i, i + 1); // R[i][i+1] = W[i+1][i] = alpha: unit i feeds unit i+1',
      '  return r.toTensor();',
      '};',
    ],
    fbchain: [
      `const fbchain = (${ts ? '_b: number' : '_b'}) => {`,
      '  const r = tf.buffer([units, units]);',
      '  for (let i = 0; i + 1 < units; i++) {',
      '    r.set(forward, i, i + 1); // R[i][i+1] = W[i+1][i]: unit i feeds unit i+1',
      '    r.set(beta, i + 1, i); // R[i+1][i] = W[i][i+1]: feedback',
      '  }',
      '  return r.toTensor();',
      '};',
    ],
    ramp: [
      `const ramp = (${ts ? '_b: number' : '_b'}) => {`,
      '  const r = tf.buffer([units, units]);',
      '  for (let a = 0; a < units; a++) for (let c = 0; c < units; c++) r.set(units > 1 ? (e * (a - c)) / (units - 1) : 0, a, c); // R[a][c] = W[c][a] = e (a - c) / (N - 1)',
      '  return r.toTensor();',
      '};',
    ],
    orthogonal: [
      `const orthogonal = (b${num}) => tf.initializers.orthogonal({ gain, seed: seed === undefined ? undefined : seed + b }).apply([units, units]); // R_b = gain Q: W_b = R_b^T orthogonal too`,
    ],
    plain: [
      `const plain = (b${num}) => tf.initializers.randomUniform({ minval: -gain / Math.sqrt(units), maxval: gain / Math.sqrt(units), seed: seed === undefined ? undefined : seed + b }).apply([units, units]);`,
    ],
  };
  const def = [
    ts ? `function ${fn}<L extends tf.layers.Layer>(layer: L, ${sig}): L {` : `function ${fn}(layer, ${sig}) {`,
    `  // Sets the recurrentKernel of a tf.layers.${layer} (blocks ${gates.join(', ')}) once the layer has weights: now if it is built,`,
    '  // else right after tfjs builds it. Returns the layer. Column convention of each block W_b (R_b = W_b^T):',
    ...blockSummary(spec, cell, gates, order).map((s) => `  // ${s}.`),
    '  const setWeights = () => {',
    '    const weights = layer.getWeights();',
    '    const [units, width] = weights[1].shape;',
    `    if (width !== ${k} * units) throw new Error(\`${fn} is for the recurrentKernel of a tf.layers.${layer} [N, ${k}N], got [\${units}, \${width}]\`);`,
    ...kinds.flatMap((kind) => makers[kind].map((l) => `    ${l}`)),
    `    weights[1] = tf.concat([${order.map((b) => `${blockInit(spec, cell, b).kind}(${b})`).join(', ')}], 1); // ${gates.join(', ')}`,
    '    layer.setWeights(weights);',
    '  };',
    '  if (layer.built) {',
    '    setWeights();',
    '  } else {',
    '    const build = layer.build.bind(layer);',
    '    layer.build = (inputShape) => {',
    '      build(inputShape);',
    '      setWeights();',
    '    };',
    '  }',
    '  return layer;',
    '}',
  ];
  const usage = [
    '// Usage (sizes and weights come from the layer; call it before or after the layer is built):',
    `//   const rnn = ${fn}(tf.layers.${layer}({ units: ${n ?? 100}, inputShape: [null, ${d ?? 10}], returnSequences: true }), ${callArgs});`,
    '//   const model = tf.sequential({ layers: [rnn] });',
  ];
  return { spec, imports: ["import * as tf from '@tensorflow/tfjs';"], header, definitions: [{ name: fn, text: def.join('\n') }], usage, entry: fn, callArgs };
}
