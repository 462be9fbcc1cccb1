/**
 * Source code that builds one of the paper's initializers (docs/science.md §2) in the user's framework, ORIENTED
 * FOR THAT FRAMEWORK (docs/science.md §1; ./layouts.ts):
 *
 * - PyTorch (`torch.nn.RNN`, column vectors): weight_hh_l{k} = W, the chain on the SUB-diagonal, weight_ih_l{k} =
 *   V, for every layer k (and direction). The torch helpers of the paper's repository build the chain on the
 *   super-diagonal (their Keras orientation); used as they are as nn.RNN's weight_hh_l0 they put the input at the
 *   chain's SINK. The generated code puts it at the SOURCE and says so in a comment.
 * - Keras (`tf.keras` SimpleRNN, row vectors, h = x K + h R): recurrent_kernel R = Wᵀ (the chain on the
 *   SUPER-diagonal) and kernel K = Vᵀ, as `keras.initializers.Initializer` subclasses like the paper's own; the
 *   random ones are Keras's own initializers, scaled by the layer's size through VarianceScaling.
 * - TF.js (`tf.layers.simpleRNN`, the Keras layout): a function that sets `{ kernel, recurrentKernel }` on the
 *   layer with `layer.setWeights` (tfjs has no matrix-valued constant initializer and does not export its
 *   Initializer base class), right away when the layer is built, else right after tfjs builds it.
 *
 * Every helper reads the sizes from the layer at run time (PyTorch `rnn.hidden_size`, Keras the shape it is
 * asked for, TF.js the built weights), so one helper serves every layer of a file; the gain travels in the call
 * (`init_chain_(rnn, alpha=1.02)`, `ChainInit(alpha=1.02)`, `initChain(rnn, 1.02)`).
 *
 * Orthogonal and Gaussian matrices are drawn with the framework's own RNG (torch.nn.init.orthogonal_, Keras
 * Orthogonal, tfjs orthogonal): a seed gives different matrices in different frameworks (and in the extension's
 * own analysis), which the generated code says.
 *
 * Pure text: no `vscode`. Also here: the helpers the editor integration uses to pick a framework from a file and
 * to place the code (src/host/insertInitializer.ts, ./insertPlan.ts).
 */
import { InitName, InitSpec, parseInitSpec } from './initializers';
import { FRAMEWORKS, FRAMEWORK_LABEL, type Framework } from './layouts';
import { checkCell, type GatedSpec } from './gated';
import { GATED_HELPER_NAMES, generateGated } from './gatedCodegen';

export { FRAMEWORKS, FRAMEWORK_LABEL, type Framework };

/** The recurrent layer the code is for: a vanilla RNN (nn.RNN, SimpleRNN, simpleRNN), an LSTM or a GRU. */
export type Cell = 'rnn' | 'lstm' | 'gru';

export interface CodegenOptions {
  framework: Framework;
  /**
   * e.g. "chain:1.02", "fbchain:0.04", "orthogonal:1", "identity", "gaussian:1"; for an LSTM/GRU the per-gate-block
   * specs of ./gated.ts: "plain", "orthogonal:1", "chain:1.02", "fbchain:0.04", "mixed:1.02".
   */
  spec: string | InitSpec | GatedSpec;
  /** Default 'rnn'. 'lstm' / 'gru': the per-gate-block initializers of ./gatedCodegen.ts. */
  cell?: Cell;
  /** Hidden units N, for the header comment and the usage example only (the code reads it from the layer). */
  n?: number;
  /** Inputs per time step d, likewise. */
  inputDim?: number;
  /** Seed for the random initializers (orthogonal, gaussian, and the Gaussian input of identity); omitted = unseeded. */
  seed?: number;
  /** TF.js: emit TypeScript (typed parameters) rather than JavaScript. */
  typescript?: boolean;
}

/** One top-level definition of the generated code; `name` is what it defines (used to find it in a file). */
export interface Definition {
  name: string;
  text: string;
}

export interface GeneratedCode {
  framework: Framework;
  cell: Cell;
  spec: InitSpec | GatedSpec;
  /** Module-level imports the definitions and the call need (the editor adds the missing ones with the file's imports). */
  imports: string[];
  /** Comment lines on the orientation, put above the definitions. */
  header: string;
  /** The helper definitions, in order (Keras's random initializers need none). */
  definitions: Definition[];
  /** A commented usage example (for code inserted without a layer to apply it to). */
  usage: string;
  /** header + definitions + usage, without the imports. */
  body: string;
  /** `imports` + `body`: complete, ready to paste into an empty file. */
  code: string;
  /**
   * What the user calls: PyTorch `init_<name>_`, TF.js `init<Name>` (both take the layer first and return it), Keras
   * the recurrent initializer expression's class (`kernelEntry` the input one).
   */
  entry: string;
  kernelEntry?: string;
  /** PyTorch / TF.js: the arguments after the layer in the call, e.g. `alpha=1.02`, `1.02`. */
  callArgs: string;
  /**
   * Keras: the layer arguments, e.g. { recurrent_initializer: 'ChainInit(alpha=1.02)', kernel_initializer: … }
   * (LSTM/GRU: the recurrent one only).
   */
  kerasArgs?: { recurrent_initializer: string; kernel_initializer?: string };
}

/** The code as one string (see generateInitializer). */
export function initializerCode(opts: CodegenOptions): string {
  return generateInitializer(opts).code;
}

/** The statement (PyTorch, no `;`) or expression that applies the helper to `layer` and returns it. */
export function applyCall(g: GeneratedCode, layer: string): string {
  if (g.framework === 'keras') throw new Error('Keras layers take their initializers as arguments (kerasArgs)');
  return `${g.entry}(${layer}${g.callArgs ? `, ${g.callArgs}` : ''})`;
}

/** Every name a generated PyTorch / TF.js helper can have (to recognise an earlier call of ours). */
export const HELPER_NAMES: Record<'pytorch' | 'tfjs', string[]> = {
  pytorch: [...['chain', 'fbchain', 'orthogonal', 'identity', 'gaussian'].map((n) => `init_${n}_`), ...GATED_HELPER_NAMES.pytorch],
  tfjs: [...['Chain', 'FbChain', 'Orthogonal', 'Identity', 'Gaussian'].map((n) => `init${n}`), ...GATED_HELPER_NAMES.tfjs],
};

export const TFJS_IMPORT = "import * as tf from '@tensorflow/tfjs';";
export const TFJS_REQUIRE = "const tf = require('@tensorflow/tfjs');";

/** The paper's feedback chain forward weight (docs/science.md §2). */
const FORWARD = 0.99;
/** The paper's input scale of the nonnormal initializers, and of the Gaussian input's std (0.9/√N). */
const INPUT_SCALE = 0.9;

const TITLE: Record<InitName, string> = {
  chain: 'chain',
  fbchain: 'chain-with-feedback',
  orthogonal: 'orthogonal',
  identity: 'identity',
  gaussian: 'Gaussian',
};

export function generateInitializer(opts: CodegenOptions): GeneratedCode {
  const cell = opts.cell ?? 'rnn';
  const n = opts.n === undefined ? undefined : checkDim(opts.n, 'hidden size N');
  const d = opts.inputDim === undefined ? undefined : checkDim(opts.inputDim, 'input dimension');
  const seed = opts.seed;
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  if (!(FRAMEWORKS as readonly string[]).includes(opts.framework)) {
    throw new Error(`unknown framework "${String(opts.framework)}" (expected ${FRAMEWORKS.join(', ')})`);
  }
  if (cell !== 'rnn') {
    const part = generateGated({
      framework: opts.framework, cell: checkCell(cell), spec: opts.spec as string | GatedSpec, n, inputDim: d, seed, ts: opts.typescript === true,
    });
    return finish(opts.framework, cell, part.spec, part);
  }
  const spec = typeof opts.spec === 'string' ? parseInitSpec(opts.spec) : opts.spec as InitSpec;
  if (!Number.isFinite(spec.gain)) throw new RangeError(`bad gain ${spec.gain}`);
  const args: Args = { spec, n, d, seed, ts: opts.typescript === true };
  switch (opts.framework) {
    case 'pytorch': return finish(opts.framework, cell, spec, pytorch(args));
    case 'keras': return finish(opts.framework, cell, spec, keras(args));
    case 'tfjs': return finish(opts.framework, cell, spec, tfjs(args));
    default: throw new Error(`unknown framework "${String(opts.framework)}" (expected ${FRAMEWORKS.join(', ')})`);
  }
}

interface Args {
  spec: InitSpec;
  n: number | undefined;
  d: number | undefined;
  seed: number | undefined;
  ts: boolean;
}

interface Part {
  imports: string[];
  header: string[];
  definitions: Definition[];
  usage: string[];
  entry: string;
  kernelEntry?: string;
  callArgs: string;
  kerasArgs?: { recurrent_initializer: string; kernel_initializer?: string };
}

function finish(framework: Framework, cell: Cell, spec: InitSpec | GatedSpec, part: Part): GeneratedCode {
  const python = framework !== 'tfjs';
  const gap = python ? '\n\n\n' : '\n\n'; // PEP 8: two blank lines around top-level definitions
  const header = part.header.join('\n');
  const usage = part.usage.join('\n');
  const defs = part.definitions.map((d) => d.text).join(gap);
  const body = `${header}\n${defs ? `${defs}${gap}` : ''}${usage}\n`;
  const code = part.imports.length ? `${part.imports.join('\n')}\n\n${body}` : body;
  return {
    framework, cell, spec, imports: part.imports, header, definitions: part.definitions, usage, body, code,
    entry: part.entry, kernelEntry: part.kernelEntry, callArgs: part.callArgs, kerasArgs: part.kerasArgs,
  };
}

/** A Python float literal: 1 → 1.0, 1.02 → 1.02 (JS's shortest form, e.g. 1e-7, is valid Python). */
function py(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? x.toFixed(1) : String(x);
}

function js(x: number): string {
  return String(x);
}

/** "(N = 100 hidden units, 10 inputs)" when the sizes are known; the code itself reads them from the layer. */
function sizes(n: number | undefined, d: number | undefined, units: string): string {
  return n !== undefined && d !== undefined ? ` (N = ${n} ${units}, ${d} inputs)` : '';
}

function seedNote(comment: string, framework: string, seed: number | undefined): string[] {
  const others = ['PyTorch', 'Keras', 'TF.js'].filter((f) => f !== framework).join(', ');
  return seed === undefined
    ? [
      `${comment} Random draws use ${framework}'s own RNG, unseeded here (give a seed to reproduce them). Seeds are not`,
      `${comment} portable: one seed gives different matrices in ${others} and Recurrent Lens's own analysis.`,
    ]
    : [
      `${comment} Random draws use ${framework}'s own RNG with seed ${seed}. Seeds are not portable: seed ${seed} gives different`,
      `${comment} matrices in ${others} and Recurrent Lens's own analysis.`,
    ];
}

// ---------------------------------------------------------------------------------------------------------------
// PyTorch

function pytorch({ spec, n, d, seed }: Args): Part {
  const name = spec.name;
  const fn = `init_${name}_`;
  const header = [
    `# Recurrent Lens: ${TITLE[name]} initializer ${spec.spec} for torch.nn.RNN${sizes(n, d, 'hidden units')}.`,
    '# PyTorch stores column-convention weights, h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh):',
    '# weight_hh_l0 = W, with W[i][j] the weight from unit j to unit i, and weight_ih_l0 = V (N x d).',
  ];
  let params: string;
  let callArgs: string;
  let doc: string[];
  let loop: string[];
  switch (name) {
    case 'chain':
    case 'fbchain':
      header.push(
        name === 'chain'
          ? '# The chain is on W\'s SUB-diagonal (W[i][i-1] = alpha: unit i-1 feeds unit i) and V = 0.9*I feeds input j into'
          : '# The chain is on W\'s SUB-diagonal (W[i][i-1] = 0.99: unit i-1 feeds unit i, W[i-1][i] = beta feeds back) and',
        name === 'chain'
          ? '# unit j, so the input enters at unit 0, the chain\'s SOURCE, and a pulse travels 0 -> 1 -> 2 -> ...'
          : '# V = 0.9*I feeds input j into unit j, so the input enters at unit 0, the chain\'s SOURCE: a pulse travels 0 -> 1 -> 2 -> ...',
        '# Beware: the torch helpers of the paper\'s repository (NonnormalInit_torchrnn.py) build the chain on the',
        '# SUPER-diagonal, the orientation of its Keras code (row vectors, h R); used as they are for nn.RNN\'s',
        '# weight_hh_l0 they put the input at the chain\'s SINK (unit 0 then feeds nobody). This code uses the SOURCE.',
      );
      if (name === 'chain') {
        params = `alpha=${py(spec.gain)}, input_scale=${py(INPUT_SCALE)}, zero_bias=True`;
        callArgs = `alpha=${py(spec.gain)}`;
        doc = [
          'Chain initializer (Orhan & Pitkow, ICLR 2020) for every layer of a torch.nn.RNN, in place; returns rnn.',
          '',
          'weight_hh_l{k}[i][i-1] = alpha, zero elsewhere (a nilpotent delay line from unit 0 to unit N-1), in every',
          'layer k (and direction); weight_ih_l{k} = input_scale * I: input j (layer 0) or unit j of the layer below',
          'feeds unit j. Biases are zeroed unless zero_bias=False (the paper trains with zero recurrent bias).',
        ];
        loop = ['w = torch.diag(torch.full((n - 1,), float(alpha)), diagonal=-1)  # W[i][i-1] = alpha'];
      } else {
        params = `beta=${py(spec.gain)}, forward=${py(FORWARD)}, input_scale=${py(INPUT_SCALE)}, zero_bias=True`;
        callArgs = `beta=${py(spec.gain)}`;
        doc = [
          'Chain-with-feedback initializer (Orhan & Pitkow, ICLR 2020) for every layer of a torch.nn.RNN, in place;',
          'returns rnn.',
          '',
          'weight_hh_l{k}[i][i-1] = forward (0.99 in the paper), weight_hh_l{k}[i-1][i] = beta, zero elsewhere, in',
          'every layer k (and direction); weight_ih_l{k} = input_scale * I: input j (layer 0) or unit j of the layer',
          'below feeds unit j. Biases are zeroed unless zero_bias=False (the paper trains with zero recurrent bias).',
        ];
        loop = [
          'w = (torch.diag(torch.full((n - 1,), float(forward)), diagonal=-1)  # W[i][i-1] = forward',
          '     + torch.diag(torch.full((n - 1,), float(beta)), diagonal=1))  # W[i-1][i] = beta',
        ];
      }
      loop.push(
        'with torch.no_grad():',
        '    for name, p in rnn.named_parameters():',
        '        if name.startswith("weight_hh_l"):',
        '            p.copy_(w)',
        '        elif name.startswith("weight_ih_l"):',
        '            p.copy_(input_scale * torch.eye(*p.shape))  # input j -> unit j',
        '        elif zero_bias and name.startswith("bias_"):',
        '            p.zero_()',
      );
      break;
    default: {
      header.push(...seedNote('#', 'PyTorch', seed));
      params = `gain=${py(spec.gain)}, input_std=None, seed=None, zero_bias=True`;
      callArgs = `gain=${py(spec.gain)}${seed === undefined ? '' : `, seed=${seed}`}`;
      const what =
        name === 'orthogonal' ? 'weight_hh_l{k} = gain * Q, Q Haar-random orthogonal (torch.nn.init.orthogonal_),'
          : name === 'identity' ? 'weight_hh_l{k} = gain * I,'
            : 'weight_hh_l{k} with i.i.d. entries N(0, gain^2 / N),';
      doc = [
        `${name === 'gaussian' ? 'Gaussian (random baseline)' : `${TITLE[name][0].toUpperCase()}${TITLE[name].slice(1)}`} initializer for every layer of a torch.nn.RNN, in place; returns rnn.`,
        '',
        `${what} in every layer k (and direction);`,
        'weight_ih_l{k} with i.i.d. entries N(0, input_std^2), input_std = 0.9 / sqrt(N) by default. Biases are',
        'zeroed unless zero_bias=False. seed seeds these draws only (the global RNG is left as it was).',
      ];
      const w =
        name === 'orthogonal' ? 'torch.nn.init.orthogonal_(p, gain=gain)'
          : name === 'identity' ? 'p.copy_(gain * torch.eye(n))'
            : 'torch.nn.init.normal_(p, mean=0.0, std=gain / math.sqrt(n))';
      loop = [
        'if input_std is None:',
        `    input_std = ${py(INPUT_SCALE)} / math.sqrt(n)`,
        'with torch.random.fork_rng(devices=[], enabled=seed is not None), torch.no_grad():',
        '    if seed is not None:',
        '        torch.manual_seed(seed)',
        '    for name, p in rnn.named_parameters():',
        '        if name.startswith("weight_hh_l"):',
        `            ${w}`,
        '        elif name.startswith("weight_ih_l"):',
        '            torch.nn.init.normal_(p, mean=0.0, std=input_std)',
        '        elif zero_bias and name.startswith("bias_"):',
        '            p.zero_()',
      ];
    }
  }
  const needsMath = !(name === 'chain' || name === 'fbchain');
  const def = [
    `def ${fn}(rnn, ${params}):`,
    `    """${doc[0]}`,
    ...doc.slice(1).map((l) => (l ? `    ${l}` : '')),
    '    """',
    '    if not isinstance(rnn, torch.nn.RNN):',
    `        raise TypeError(f"${fn} is for torch.nn.RNN (tanh/relu), got {type(rnn).__name__}")`,
    '    n = rnn.hidden_size',
    ...loop.map((l) => `    ${l}`),
    '    return rnn',
  ];
  const usage = [
    '# Usage (every layer; the sizes come from the layer):',
    `#   rnn = torch.nn.RNN(input_size=${d ?? 10}, hidden_size=${n ?? 100}, nonlinearity="relu", batch_first=True)`,
    `#   ${fn}(rnn${callArgs ? `, ${callArgs}` : ''})`,
  ];
  return {
    imports: [...(needsMath ? ['import math'] : []), 'import torch'],
    header, definitions: [{ name: fn, text: def.join('\n') }], usage, entry: fn, callArgs,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Keras (tf.keras)

function keras({ spec, n, d, seed }: Args): Part {
  const name = spec.name;
  const header = [
    `# Recurrent Lens: ${TITLE[name]} initializer ${spec.spec} for keras.layers.SimpleRNN${sizes(n, d, 'units')}.`,
    '# Keras stores row-vector weights, h_t = f(x_t K + h_{t-1} R + b): recurrent_kernel R = W^T and kernel K = V^T,',
    '# W being the paper\'s column-convention matrix (W[i][j] = weight from unit j to unit i).',
  ];
  const usage = (args: { recurrent_initializer: string; kernel_initializer: string }) => [
    '# Usage (the layer builds its weights with these when it first sees its input):',
    `#   rnn = keras.layers.SimpleRNN(${n ?? 100}, activation="elu", return_sequences=True,`,
    `#                                recurrent_initializer=${args.recurrent_initializer},`,
    `#                                kernel_initializer=${args.kernel_initializer})`,
    `#   y = rnn(keras.Input(shape=(None, ${d ?? 10})))  # ${d ?? 10} inputs per time step`,
  ];
  if (name === 'chain' || name === 'fbchain') {
    const cls = name === 'chain' ? 'ChainInit' : 'FbChainInit';
    header.push(
      name === 'chain'
        ? '# The chain W[i][i-1] = alpha is therefore on R\'s SUPER-diagonal (R[i-1][i] = alpha), as in the paper\'s official'
        : '# The chain W[i][i-1] = 0.99 is therefore on R\'s SUPER-diagonal (R[i-1][i] = 0.99, feedback R[i][i-1] = beta), as in',
      name === 'chain'
        ? '# Keras code, and K = 0.9*I (d x N) feeds input j into unit j: the input enters at unit 0, the chain\'s SOURCE,'
        : '# the paper\'s official Keras code, and K = 0.9*I (d x N) feeds input j into unit j: the input enters at unit 0, the',
      name === 'chain'
        ? '# and a pulse travels 0 -> 1 -> 2 -> ...'
        : '# chain\'s SOURCE, and a pulse travels 0 -> 1 -> 2 -> ...',
      `# To load a saved model, pass custom_objects={"${cls}": ${cls}, "NonnormalSourceInit": NonnormalSourceInit}.`,
    );
    const recClass =
      name === 'chain'
        ? [
          `class ChainInit(keras.initializers.Initializer):`,
          '    """Recurrent kernel R (N x N) of the chain: R[i][i+1] = alpha, zero elsewhere (W = R^T: W[i+1][i] = alpha)."""',
          '',
          `    def __init__(self, alpha=${py(spec.gain)}):`,
          '        self.alpha = alpha',
          '',
          '    def __call__(self, shape, dtype=None, **kwargs):',
          '        if len(shape) != 2 or shape[0] != shape[1]:',
          '            raise ValueError(f"ChainInit is for a square (SimpleRNN) recurrent kernel, got shape {tuple(shape)}")',
          '        r = self.alpha * np.eye(shape[0], k=1)  # super-diagonal of R = sub-diagonal of W',
          '        return tf.constant(r, dtype=dtype or tf.float32)',
          '',
          '    def get_config(self):',
          '        return {"alpha": self.alpha}',
        ]
        : [
          `class FbChainInit(keras.initializers.Initializer):`,
          '    """Recurrent kernel R (N x N) of the chain with feedback: R[i][i+1] = forward, R[i+1][i] = beta."""',
          '',
          `    def __init__(self, beta=${py(spec.gain)}, forward=${py(FORWARD)}):`,
          '        self.beta = beta',
          '        self.forward = forward',
          '',
          '    def __call__(self, shape, dtype=None, **kwargs):',
          '        if len(shape) != 2 or shape[0] != shape[1]:',
          '            raise ValueError(f"FbChainInit is for a square (SimpleRNN) recurrent kernel, got shape {tuple(shape)}")',
          '        r = self.forward * np.eye(shape[0], k=1) + self.beta * np.eye(shape[0], k=-1)',
          '        return tf.constant(r, dtype=dtype or tf.float32)',
          '',
          '    def get_config(self):',
          '        return {"beta": self.beta, "forward": self.forward}',
        ];
    const sourceClass = [
      'class NonnormalSourceInit(keras.initializers.Initializer):',
      '    """Input kernel K (d x N) = scale * I: input j feeds unit j, so unit 0, the chain\'s source, gets input 0."""',
      '',
      `    def __init__(self, scale=${py(INPUT_SCALE)}):`,
      '        self.scale = scale',
      '',
      '    def __call__(self, shape, dtype=None, **kwargs):',
      '        if len(shape) != 2:',
      '            raise ValueError(f"NonnormalSourceInit is for a 2-D kernel, got shape {tuple(shape)}")',
      '        return tf.constant(self.scale * np.eye(shape[0], shape[1]), dtype=dtype or tf.float32)',
      '',
      '    def get_config(self):',
      '        return {"scale": self.scale}',
    ];
    const kerasArgs = {
      recurrent_initializer: name === 'chain' ? `ChainInit(alpha=${py(spec.gain)})` : `FbChainInit(beta=${py(spec.gain)}, forward=${py(FORWARD)})`,
      kernel_initializer: `NonnormalSourceInit(scale=${py(INPUT_SCALE)})`,
    };
    return {
      imports: ['import numpy as np', 'import tensorflow as tf', 'from tensorflow import keras'],
      header,
      definitions: [{ name: cls, text: recClass.join('\n') }, { name: 'NonnormalSourceInit', text: sourceClass.join('\n') }],
      usage: usage(kerasArgs),
      entry: cls,
      kernelEntry: 'NonnormalSourceInit',
      callArgs: '',
      kerasArgs,
    };
  }
  header.push(
    ...seedNote('#', 'Keras', seed),
    ...(seed !== undefined ? [`# The input kernel uses seed ${seed + 1} so that the two draws are independent.`] : []),
    '# VarianceScaling with an untruncated normal has std sqrt(scale / fan): fan_in N for R (N x N), fan_out N for K',
    '# (d x N), so the std is gain/sqrt(N) and 0.9/sqrt(N) whatever the layer\'s size.',
  );
  const s = seed === undefined ? 'None' : String(seed);
  const s1 = seed === undefined ? 'None' : String(seed + 1);
  const kerasArgs = {
    recurrent_initializer:
      name === 'orthogonal'
        ? `keras.initializers.Orthogonal(gain=${py(spec.gain)}, seed=${s})` // R = gain*Q, so W = R^T = gain*Q^T, orthogonal too
        : name === 'identity'
          ? `keras.initializers.Identity(gain=${py(spec.gain)})` // R = W = gain*I
          : `keras.initializers.VarianceScaling(scale=${py(spec.gain)} ** 2, mode="fan_in", distribution="untruncated_normal", seed=${s})`,
    kernel_initializer: `keras.initializers.VarianceScaling(scale=${py(INPUT_SCALE)} ** 2, mode="fan_out", distribution="untruncated_normal", seed=${s1})`,
  };
  return {
    imports: ['from tensorflow import keras'],
    header,
    definitions: [],
    usage: usage(kerasArgs),
    entry: kerasArgs.recurrent_initializer.replace(/\(.*$/, ''),
    kernelEntry: 'keras.initializers.VarianceScaling',
    callArgs: '',
    kerasArgs,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// TensorFlow.js

function tfjs({ spec, n, d, seed, ts }: Args): Part {
  const name = spec.name;
  const fn = `init${name === 'fbchain' ? 'FbChain' : name[0].toUpperCase() + name.slice(1)}`;
  const header = [
    `// Recurrent Lens: ${TITLE[name]} initializer ${spec.spec} for tf.layers.simpleRNN${sizes(n, d, 'units')}.`,
    '// TF.js stores row-vector weights, h_t = f(x_t K + h_{t-1} R + b): recurrentKernel R = W^T and kernel K = V^T,',
    '// W being the paper\'s column-convention matrix (W[i][j] = weight from unit j to unit i).',
  ];
  let params: string;
  let callArgs: string;
  let make: string[];
  if (name === 'chain' || name === 'fbchain') {
    header.push(
      name === 'chain'
        ? '// The chain W[i][i-1] = alpha is therefore on R\'s SUPER-diagonal (R[i-1][i] = alpha), and K = 0.9*I (d x N) feeds'
        : '// The chain W[i][i-1] = 0.99 is therefore on R\'s SUPER-diagonal (R[i-1][i] = 0.99, feedback R[i][i-1] = beta), and',
      name === 'chain'
        ? '// input j into unit j: the input enters at unit 0, the chain\'s SOURCE, and a pulse travels 0 -> 1 -> 2 -> ...'
        : '// K = 0.9*I (d x N) feeds input j into unit j: the input enters at unit 0, the chain\'s SOURCE: 0 -> 1 -> 2 -> ...',
    );
    params = name === 'chain'
      ? `alpha = ${js(spec.gain)}, inputScale = ${js(INPUT_SCALE)}`
      : `beta = ${js(spec.gain)}, forward = ${js(FORWARD)}, inputScale = ${js(INPUT_SCALE)}`;
    callArgs = js(spec.gain);
    make = [
      '    const r = tf.buffer([units, units]);',
      ...(name === 'chain'
        ? ['    for (let i = 0; i + 1 < units; i++) r.set(alpha, i, i + 1); // R[i][i+1] = W[i+1][i]: unit i feeds unit i+1']
        : [
          '    for (let i = 0; i + 1 < units; i++) {',
          '      r.set(forward, i, i + 1); // R[i][i+1] = W[i+1][i]: unit i feeds unit i+1',
          '      r.set(beta, i + 1, i); // R[i+1][i] = W[i][i+1]: feedback',
          '    }',
        ]),
      '    const k = tf.buffer([inputDim, units]);',
      '    for (let j = 0; j < Math.min(inputDim, units); j++) k.set(inputScale, j, j); // input j -> unit j',
      '    const recurrentKernel = r.toTensor();',
      '    const kernel = k.toTensor();',
    ];
  } else {
    header.push(...seedNote('//', 'TF.js', seed));
    if (seed !== undefined) header.push('// The input kernel uses seed + 1 so that the two draws are independent.');
    params = `gain = ${js(spec.gain)}${ts ? ', seed?: number' : ', seed = undefined'}`;
    callArgs = `${js(spec.gain)}${seed === undefined ? '' : `, ${seed}`}`;
    const recurrent =
      name === 'orthogonal'
        ? 'tf.initializers.orthogonal({ gain, seed }).apply([units, units]); // R = gain*Q; W = R^T is orthogonal too'
        : name === 'identity'
          ? 'tf.initializers.identity({ gain }).apply([units, units]); // R = W = gain*I'
          : 'tf.initializers.randomNormal({ mean: 0, stddev: gain / Math.sqrt(units), seed }).apply([units, units]);';
    make = [
      `    const recurrentKernel = ${recurrent}`,
      `    const kernel = tf.initializers.randomNormal({ mean: 0, stddev: ${js(INPUT_SCALE)} / Math.sqrt(units), seed: seed === undefined ? undefined : seed + 1 }).apply([inputDim, units]);`,
    ];
  }
  const sig = ts ? `function ${fn}<L extends tf.layers.Layer>(layer: L, ${params}): L {` : `function ${fn}(layer, ${params}) {`;
  const def = [
    sig,
    '  // Sets kernel, recurrentKernel (and zero biases) once the layer has weights: now if it is built, else right',
    '  // after tfjs builds it (when it is added to a model with an inputShape, or first applied). Returns the layer.',
    '  const setWeights = () => {',
    '    const [kernelNow, , ...biases] = layer.getWeights();',
    '    const [inputDim, units] = kernelNow.shape;',
    ...make,
    '    layer.setWeights([kernel, recurrentKernel, ...biases.map((b) => tf.zerosLike(b))]);',
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
    `//   const rnn = ${fn}(tf.layers.simpleRNN({ units: ${n ?? 100}, inputShape: [null, ${d ?? 10}], activation: 'relu', returnSequences: true }), ${callArgs});`,
    '//   const model = tf.sequential({ layers: [rnn] });',
  ];
  return { imports: [TFJS_IMPORT], header, definitions: [{ name: fn, text: def.join('\n') }], usage, entry: fn, callArgs };
}

function checkDim(x: number, what: string): number {
  if (!Number.isInteger(x) || x < 1 || x > 1_000_000) throw new RangeError(`${what} must be a whole number from 1 to 1000000, got ${x}`);
  return x;
}

// ---------------------------------------------------------------------------------------------------------------
// Editor helpers (pure text; used by src/host/insertInitializer.ts)

/** Python files that import TensorFlow or Keras get Keras; other Python files PyTorch; JS/TS TF.js. */
export function detectFramework(languageId: string, text: string): Framework {
  if (/^(javascript|typescript)(react)?$/.test(languageId)) return 'tfjs';
  if (languageId === 'python' && /^[ \t]*(import|from)[ \t]+(tensorflow|keras|tf_keras)\b/m.test(text)) return 'keras';
  return 'pytorch';
}

/**
 * The framework of a recurrent-layer line, for the code actions: `nn.RNN(`, `nn.LSTM(`, `nn.GRU(` → PyTorch;
 * `SimpleRNN`, `LSTM(`, `GRU(` or `recurrent_initializer` in Python → Keras; `simpleRNN`, `layers.lstm(`,
 * `layers.gru(` or `recurrentInitializer` in JS/TS → TF.js.
 */
export function frameworkOfLine(languageId: string, line: string): Framework | undefined {
  const code = stripComment(languageId, line);
  if (languageId === 'python') {
    if (/\bnn\s*\.\s*(RNN|LSTM|GRU)\s*\(/.test(code)) return 'pytorch';
    if (/\bSimpleRNN(Cell)?\b/.test(code) || /(?<![\w.])(?:\w+\s*\.\s*)*(LSTM|GRU)\s*\(/.test(code) || /\brecurrent_initializer\b/.test(code)) return 'keras';
    return undefined;
  }
  if (/^(javascript|typescript)(react)?$/.test(languageId)) {
    if (/\bsimpleRNN(Cell)?\b/.test(code) || /\blayers\s*\.\s*(lstm|gru)\s*\(/.test(code) || /\brecurrentInitializer\b/.test(code)) return 'tfjs';
  }
  return undefined;
}

function stripComment(languageId: string, line: string): string {
  const t = line.trimStart();
  if (languageId === 'python' ? t.startsWith('#') : t.startsWith('//') || t.startsWith('*')) return '';
  return line;
}

/** The code indented by `indent` on every non-empty line (for inserting inside a block). */
export function indentCode(code: string, indent: string): string {
  if (!indent) return code;
  return code
    .split('\n')
    .map((l) => (l.length ? indent + l : l))
    .join('\n');
}

/** How a JS/TS document gets `tf`: undefined when it already imports/requires TF.js, else the line to add. */
export function tfjsImportFor(text: string): string | undefined {
  if (/['"]@tensorflow\/tfjs(-node(-gpu)?)?['"]/.test(text)) return undefined;
  const usesRequire = /\brequire\s*\(/.test(text) && !/^\s*import\s/m.test(text);
  return usesRequire ? TFJS_REQUIRE : TFJS_IMPORT;
}

/**
 * The line at which to add a module import to a JS/TS file: after a shebang, leading comments (a licence,
 * `// @ts-check`) and a 'use strict' directive; before the first statement.
 */
export function importInsertLine(lines: readonly string[]): number {
  let i = lines[0]?.startsWith('#!') ? 1 : 0;
  let inBlock = false;
  for (; i < lines.length; i++) {
    const t = lines[i].trim();
    if (inBlock) {
      if (t.includes('*/')) inBlock = false;
    } else if (t.startsWith('/*')) {
      inBlock = !t.slice(2).includes('*/');
    } else if (t !== '' && !t.startsWith('//')) {
      break;
    }
  }
  if (i < lines.length && /^(['"])use strict\1;?$/.test(lines[i].trim())) return i + 1;
  return i;
}

export const DEFAULT_SPEC = 'chain:1.02';
export const DEFAULT_N = 100;
export const DEFAULT_INPUT_DIM = 10;
