/**
 * Source code that builds one of the paper's initializers (docs/science.md §2) in the user's framework, ORIENTED
 * FOR THAT FRAMEWORK (docs/science.md §1; ./layouts.ts):
 *
 * - PyTorch (`torch.nn.RNN`, column vectors): weight_hh_l0 = W, the chain on the SUB-diagonal, weight_ih_l0 = V.
 *   The torch helpers of the paper's repository build the chain on the super-diagonal (their Keras orientation);
 *   used as they are as nn.RNN's weight_hh_l0 they put the input at the chain's SINK. The generated code puts it
 *   at the SOURCE and says so in a comment.
 * - Keras (`tf.keras` SimpleRNN, row vectors, h = x K + h R): recurrent_kernel R = Wᵀ (the chain on the
 *   SUPER-diagonal) and kernel K = Vᵀ, as `keras.initializers.Initializer` subclasses like the paper's own.
 * - TF.js (`tf.layers.simpleRNN`, the Keras layout): a function returning `{ kernel, recurrentKernel }` tensors,
 *   set with `layer.setWeights` (tfjs has no matrix-valued constant initializer and does not export its
 *   Initializer base class); orthogonal/identity/Gaussian use `tf.initializers`.
 *
 * Orthogonal and Gaussian matrices are drawn with the framework's own RNG (torch.nn.init.orthogonal_, Keras
 * Orthogonal, tfjs orthogonal): a seed gives different matrices in different frameworks (and in the extension's
 * own analysis), which the generated code says.
 *
 * Pure text: no `vscode`. Also here: the helpers the editor integration uses to pick a framework from a file and
 * to place the code (src/host/insertInitializer.ts).
 */
import { InitName, InitSpec, parseInitSpec } from './initializers';
import { FRAMEWORKS, FRAMEWORK_LABEL, type Framework } from './layouts';

export { FRAMEWORKS, FRAMEWORK_LABEL, type Framework };

export interface CodegenOptions {
  framework: Framework;
  /** e.g. "chain:1.02", "fbchain:0.04", "orthogonal:1", "identity", "gaussian:1". */
  spec: string | InitSpec;
  /** Hidden units N. */
  n: number;
  /** Inputs per time step d. */
  inputDim: number;
  /** Seed for the random initializers (orthogonal, gaussian, and the Gaussian input of identity); omitted = unseeded. */
  seed?: number;
}

export interface GeneratedCode {
  framework: Framework;
  spec: InitSpec;
  /**
   * Module-level imports the body needs and that cannot go just anywhere: the TF.js import (`tf`), which the
   * editor adds at the top of the file when missing. Python imports are in the body (valid at any depth).
   */
  imports: string[];
  /** The code without `imports`. */
  body: string;
  /** `imports` + `body`: complete, ready to paste into an empty file. */
  code: string;
  /**
   * What the code defines for the user: PyTorch the function `init_<name>_(rnn)`, TF.js the function
   * `<name>Weights(units, inputDim, …)`, Keras the recurrent initializer variable (`kernelEntry` the input one).
   */
  entry: string;
  kernelEntry?: string;
}

/** The code as one string (see generateInitializer). */
export function initializerCode(opts: CodegenOptions): string {
  return generateInitializer(opts).code;
}

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
  const spec = typeof opts.spec === 'string' ? parseInitSpec(opts.spec) : opts.spec;
  if (!Number.isFinite(spec.gain)) throw new RangeError(`bad gain ${spec.gain}`);
  const n = checkDim(opts.n, 'hidden size N');
  const d = checkDim(opts.inputDim, 'input dimension');
  const seed = opts.seed;
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  const args: Args = { spec, n, d, seed };
  switch (opts.framework) {
    case 'pytorch': return finish(opts.framework, spec, [], pytorch(args));
    case 'keras': return finish(opts.framework, spec, [], keras(args));
    case 'tfjs': return finish(opts.framework, spec, [TFJS_IMPORT], tfjs(args));
    default: throw new Error(`unknown framework "${String(opts.framework)}" (expected ${FRAMEWORKS.join(', ')})`);
  }
}

interface Args {
  spec: InitSpec;
  n: number;
  d: number;
  seed: number | undefined;
}

interface Part {
  body: string;
  entry: string;
  kernelEntry?: string;
}

function finish(framework: Framework, spec: InitSpec, imports: string[], part: Part): GeneratedCode {
  const body = part.body.endsWith('\n') ? part.body : part.body + '\n';
  const code = imports.length ? `${imports.join('\n')}\n\n${body}` : body;
  return { framework, spec, imports, body, code, entry: part.entry, kernelEntry: part.kernelEntry };
}

/** A Python float literal: 1 → 1.0, 1.02 → 1.02 (JS's shortest form, e.g. 1e-7, is valid Python). */
function py(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? x.toFixed(1) : String(x);
}

function js(x: number): string {
  return String(x);
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
    `# Recurrent Lens: ${TITLE[name]} initializer ${spec.spec} for torch.nn.RNN (N = ${n} hidden units, ${d} inputs).`,
    '# PyTorch stores column-convention weights, h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh):',
    '# weight_hh_l0 = W, with W[i][j] the weight from unit j to unit i, and weight_ih_l0 = V (N x d).',
  ];
  let params: string;
  let doc: string[];
  let make: string[];
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
        doc = [
          'Chain initializer (Orhan & Pitkow, ICLR 2020) for the first layer of a torch.nn.RNN, in place.',
          '',
          'weight_hh_l0[i][i-1] = alpha, zero elsewhere (a nilpotent delay line from unit 0 to unit N-1);',
          'weight_ih_l0 = input_scale * I (N x d): input j feeds unit j. Biases are zeroed unless zero_bias=False',
          '(the paper trains with zero recurrent bias).',
        ];
        make = [
          'w = torch.diag(torch.full((n - 1,), float(alpha)), diagonal=-1)  # W[i][i-1] = alpha',
          'v = input_scale * torch.eye(n, d)  # V[j][j] = input_scale: input j -> unit j',
        ];
      } else {
        params = `beta=${py(spec.gain)}, forward=${py(FORWARD)}, input_scale=${py(INPUT_SCALE)}, zero_bias=True`;
        doc = [
          'Chain-with-feedback initializer (Orhan & Pitkow, ICLR 2020) for the first layer of a torch.nn.RNN, in place.',
          '',
          'weight_hh_l0[i][i-1] = forward (0.99 in the paper), weight_hh_l0[i-1][i] = beta, zero elsewhere;',
          'weight_ih_l0 = input_scale * I (N x d): input j feeds unit j. Biases are zeroed unless zero_bias=False',
          '(the paper trains with zero recurrent bias).',
        ];
        make = [
          'w = (torch.diag(torch.full((n - 1,), float(forward)), diagonal=-1)  # W[i][i-1] = forward',
          '     + torch.diag(torch.full((n - 1,), float(beta)), diagonal=1))  # W[i-1][i] = beta',
          'v = input_scale * torch.eye(n, d)  # V[j][j] = input_scale: input j -> unit j',
        ];
      }
      break;
    default: {
      header.push(...seedNote('#', 'PyTorch', seed));
      const seedArg = seed === undefined ? 'None' : String(seed);
      params = `gain=${py(spec.gain)}, input_std=None, seed=${seedArg}, zero_bias=True`;
      const what =
        name === 'orthogonal' ? 'weight_hh_l0 = gain * Q, Q Haar-random orthogonal (torch.nn.init.orthogonal_);'
          : name === 'identity' ? 'weight_hh_l0 = gain * I;'
            : 'weight_hh_l0 with i.i.d. entries N(0, gain^2 / N);';
      doc = [
        `${name === 'gaussian' ? 'Gaussian (random baseline)' : `${TITLE[name][0].toUpperCase()}${TITLE[name].slice(1)}`} initializer for the first layer of a torch.nn.RNN, in place.`,
        '',
        what,
        'weight_ih_l0 with i.i.d. entries N(0, input_std^2), input_std = 0.9 / sqrt(N) by default. Biases are zeroed',
        'unless zero_bias=False. seed seeds these draws only (the global RNG is left as it was).',
      ];
      const w =
        name === 'orthogonal' ? ['w = torch.empty(n, n)', 'torch.nn.init.orthogonal_(w, gain=gain)']
          : name === 'identity' ? ['w = gain * torch.eye(n)']
            : ['w = torch.empty(n, n)', 'torch.nn.init.normal_(w, mean=0.0, std=gain / math.sqrt(n))'];
      make = [
        'if input_std is None:',
        `    input_std = ${py(INPUT_SCALE)} / math.sqrt(n)`,
        'with torch.random.fork_rng(devices=[], enabled=seed is not None):',
        '    if seed is not None:',
        '        torch.manual_seed(seed)',
        ...w.map((l) => `    ${l}`),
        '    v = torch.empty(n, d)',
        '    torch.nn.init.normal_(v, mean=0.0, std=input_std)',
      ];
    }
  }
  const needsMath = !(name === 'chain' || name === 'fbchain');
  const lines = [
    ...header,
    ...(needsMath ? ['import math', ''] : []),
    'import torch',
    '',
    '',
    `def ${fn}(rnn, ${params}):`,
    `    """${doc[0]}`,
    ...doc.slice(1).map((l) => (l ? `    ${l}` : '')),
    '    """',
    '    n, d = rnn.hidden_size, rnn.input_size',
    '    if tuple(rnn.weight_hh_l0.shape) != (n, n):',
    '        raise ValueError(',
    `            f"${fn} is for torch.nn.RNN (weight_hh_l0 of shape ({n}, {n})), "`,
    '            f"got weight_hh_l0 of shape {tuple(rnn.weight_hh_l0.shape)}"',
    '        )',
    ...make.map((l) => `    ${l}`),
    '    with torch.no_grad():',
    '        rnn.weight_hh_l0.copy_(w)',
    '        rnn.weight_ih_l0.copy_(v)',
    '        if zero_bias and rnn.bias:',
    '            rnn.bias_hh_l0.zero_()',
    '            rnn.bias_ih_l0.zero_()',
    '    return rnn',
    '',
    '',
    '# Usage (sets layer 0; the sizes come from the layer):',
    `#   rnn = torch.nn.RNN(input_size=${d}, hidden_size=${n}, nonlinearity="relu", batch_first=True)`,
    `#   ${fn}(rnn)`,
  ];
  return { body: lines.join('\n'), entry: fn };
}

// ---------------------------------------------------------------------------------------------------------------
// Keras (tf.keras)

function keras({ spec, n, d, seed }: Args): Part {
  const name = spec.name;
  const rec = `${name}_recurrent_initializer`;
  const ker = `${name}_kernel_initializer`;
  const header = [
    `# Recurrent Lens: ${TITLE[name]} initializer ${spec.spec} for keras.layers.SimpleRNN (N = ${n} units, ${d} inputs).`,
    '# Keras stores row-vector weights, h_t = f(x_t K + h_{t-1} R + b): recurrent_kernel R = W^T and kernel K = V^T,',
    '# W being the paper\'s column-convention matrix (W[i][j] = weight from unit j to unit i).',
  ];
  const usage = [
    '# Usage:',
    `#   rnn = keras.layers.SimpleRNN(${n}, activation="elu", return_sequences=True,`,
    `#                                recurrent_initializer=${rec},`,
    `#                                kernel_initializer=${ker})`,
    `#   y = rnn(keras.Input(shape=(None, ${d})))  # ${d} inputs per time step`,
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
    const lines = [
      ...header,
      'import numpy as np',
      'import tensorflow as tf',
      'from tensorflow import keras',
      '',
      '',
      ...recClass,
      '',
      '',
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
      '',
      '',
      name === 'chain' ? `${rec} = ChainInit(alpha=${py(spec.gain)})` : `${rec} = FbChainInit(beta=${py(spec.gain)}, forward=${py(FORWARD)})`,
      `${ker} = NonnormalSourceInit(scale=${py(INPUT_SCALE)})`,
      ...usage,
    ];
    return { body: lines.join('\n'), entry: rec, kernelEntry: ker };
  }
  header.push(...seedNote('#', 'Keras', seed));
  if (seed !== undefined) header.push(`# The input kernel uses seed ${seed + 1} so that the two draws are independent.`);
  const s = seed === undefined ? 'None' : String(seed);
  const s1 = seed === undefined ? 'None' : String(seed + 1);
  const recurrent =
    name === 'orthogonal'
      ? `${rec} = keras.initializers.Orthogonal(gain=${py(spec.gain)}, seed=${s})  # R = gain*Q, so W = R^T = gain*Q^T, orthogonal too`
      : name === 'identity'
        ? `${rec} = keras.initializers.Identity(gain=${py(spec.gain)})  # R = W = gain*I`
        : `${rec} = keras.initializers.RandomNormal(mean=0.0, stddev=${py(spec.gain)} / math.sqrt(${n}), seed=${s})`;
  const lines = [
    ...header,
    'import math',
    '',
    'from tensorflow import keras',
    '',
    recurrent,
    `${ker} = keras.initializers.RandomNormal(mean=0.0, stddev=${py(INPUT_SCALE)} / math.sqrt(${n}), seed=${s1})  # std 0.9/sqrt(N)`,
    ...usage,
  ];
  return { body: lines.join('\n'), entry: rec, kernelEntry: ker };
}

// ---------------------------------------------------------------------------------------------------------------
// TensorFlow.js

function tfjs({ spec, n, d, seed }: Args): Part {
  const name = spec.name;
  const fn = `${name}Weights`;
  const header = [
    `// Recurrent Lens: ${TITLE[name]} initializer ${spec.spec} for tf.layers.simpleRNN (N = ${n} units, ${d} inputs).`,
    '// TF.js stores row-vector weights, h_t = f(x_t K + h_{t-1} R + b): recurrentKernel R = W^T and kernel K = V^T,',
    '// W being the paper\'s column-convention matrix (W[i][j] = weight from unit j to unit i).',
  ];
  const usage = (alt?: string) => [
    '// Usage: set the weights once the layer is built (here by the model; the bias keeps its zeros):',
    `//   const rnn = tf.layers.simpleRNN({ units: ${n}, inputShape: [null, ${d}], activation: 'relu', returnSequences: true });`,
    '//   const model = tf.sequential({ layers: [rnn] });',
    `//   const { kernel, recurrentKernel } = ${fn}();`,
    '//   rnn.setWeights([kernel, recurrentKernel, ...rnn.getWeights().slice(2)]);',
    ...(alt ? [alt] : []),
  ];
  if (name === 'chain' || name === 'fbchain') {
    header.push(
      name === 'chain'
        ? '// The chain W[i][i-1] = alpha is therefore on R\'s SUPER-diagonal (R[i-1][i] = alpha), and K = 0.9*I (d x N) feeds'
        : '// The chain W[i][i-1] = 0.99 is therefore on R\'s SUPER-diagonal (R[i-1][i] = 0.99, feedback R[i][i-1] = beta), and',
      name === 'chain'
        ? '// input j into unit j: the input enters at unit 0, the chain\'s SOURCE, and a pulse travels 0 -> 1 -> 2 -> ...'
        : '// K = 0.9*I (d x N) feeds input j into unit j: the input enters at unit 0, the chain\'s SOURCE: 0 -> 1 -> 2 -> ...',
      '// tfjs has no matrix-valued constant initializer, so this returns the tensors for layer.setWeights.',
    );
    const params =
      name === 'chain'
        ? `units = ${n}, inputDim = ${d}, alpha = ${js(spec.gain)}, inputScale = ${js(INPUT_SCALE)}`
        : `units = ${n}, inputDim = ${d}, beta = ${js(spec.gain)}, forward = ${js(FORWARD)}, inputScale = ${js(INPUT_SCALE)}`;
    const fill =
      name === 'chain'
        ? ['  for (let i = 0; i + 1 < units; i++) recurrentKernel.set(alpha, i, i + 1); // R[i][i+1] = W[i+1][i]']
        : [
          '  for (let i = 0; i + 1 < units; i++) {',
          '    recurrentKernel.set(forward, i, i + 1); // R[i][i+1] = W[i+1][i]: unit i feeds unit i+1',
          '    recurrentKernel.set(beta, i + 1, i); // R[i+1][i] = W[i][i+1]: feedback',
          '  }',
        ];
    const lines = [
      ...header,
      `function ${fn}(${params}) {`,
      '  const recurrentKernel = tf.buffer([units, units]);',
      ...fill,
      '  const kernel = tf.buffer([inputDim, units]);',
      '  for (let j = 0; j < Math.min(inputDim, units); j++) kernel.set(inputScale, j, j); // input j -> unit j',
      '  return { kernel: kernel.toTensor(), recurrentKernel: recurrentKernel.toTensor() };',
      '}',
      ...usage(),
    ];
    return { body: lines.join('\n'), entry: fn };
  }
  header.push(...seedNote('//', 'TF.js', seed));
  if (seed !== undefined) header.push(`// The input kernel uses seed ${seed + 1} so that the two draws are independent.`);
  const seedParam = seed === undefined ? '' : `, seed = ${seed}`;
  const recSeed = seed === undefined ? '' : ', seed';
  const kerSeed = seed === undefined ? '' : ', seed: seed + 1';
  const recurrent =
    name === 'orthogonal'
      ? `tf.initializers.orthogonal({ gain${recSeed} }).apply([units, units]); // R = gain*Q; W = R^T is orthogonal too`
      : name === 'identity'
        ? 'tf.initializers.identity({ gain }).apply([units, units]); // R = W = gain*I'
        : `tf.initializers.randomNormal({ mean: 0, stddev: gain / Math.sqrt(units)${recSeed} }).apply([units, units]);`;
  const alt =
    name === 'orthogonal'
      ? `// (or pass recurrentInitializer: tf.initializers.orthogonal({ gain: ${js(spec.gain)} }) to the layer directly)`
      : name === 'identity'
        ? `// (or pass recurrentInitializer: tf.initializers.identity({ gain: ${js(spec.gain)} }) to the layer directly)`
        : undefined;
  const lines = [
    ...header,
    `function ${fn}(units = ${n}, inputDim = ${d}, gain = ${js(spec.gain)}${seedParam}) {`,
    `  const recurrentKernel = ${recurrent}`,
    `  const kernel = tf.initializers.randomNormal({ mean: 0, stddev: ${js(INPUT_SCALE)} / Math.sqrt(units)${kerSeed} }).apply([inputDim, units]);`,
    '  return { kernel, recurrentKernel };',
    '}',
    ...usage(alt),
  ];
  return { body: lines.join('\n'), entry: fn };
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
 * The framework of a recurrent-layer line, for the code actions: `nn.RNN(` → PyTorch; `SimpleRNN` or
 * `recurrent_initializer` in Python → Keras; `simpleRNN` or `recurrentInitializer` in JS/TS → TF.js.
 */
export function frameworkOfLine(languageId: string, line: string): Framework | undefined {
  const code = stripComment(languageId, line);
  if (languageId === 'python') {
    if (/\bnn\.RNN\b/.test(code) || /\btorch\.nn\.RNN\b/.test(code)) return 'pytorch';
    if (/\bSimpleRNN(Cell)?\b/.test(code) || /\brecurrent_initializer\b/.test(code)) return 'keras';
    return undefined;
  }
  if (/^(javascript|typescript)(react)?$/.test(languageId)) {
    if (/\bsimpleRNN(Cell)?\b/.test(code) || /\brecurrentInitializer\b/.test(code)) return 'tfjs';
  }
  return undefined;
}

function stripComment(languageId: string, line: string): string {
  const t = line.trimStart();
  if (languageId === 'python' ? t.startsWith('#') : t.startsWith('//') || t.startsWith('*')) return '';
  return line;
}

/**
 * Sizes written on a layer line, when they are plain integers: `nn.RNN(10, 100` / `input_size=10, hidden_size=100`,
 * `SimpleRNN(100` / `units=100` (+ `input_shape=(None, 10)`), `simpleRNN({ units: 100, inputShape: [null, 10]`.
 */
export function layerSizes(framework: Framework, line: string): { n?: number; inputDim?: number } {
  const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) && +s >= 1 ? Number(s) : undefined);
  const out: { n?: number; inputDim?: number } = {};
  if (framework === 'pytorch') {
    const pos = /\bRNN\(\s*(\d+)\s*(?:,\s*(\d+)\s*[,)])?/.exec(line);
    if (pos) {
      out.inputDim = int(pos[1]);
      out.n = int(pos[2]);
    }
    out.inputDim = int(/\binput_size\s*=\s*(\d+)\b/.exec(line)?.[1]) ?? out.inputDim;
    out.n = int(/\bhidden_size\s*=\s*(\d+)\b/.exec(line)?.[1]) ?? out.n;
  } else if (framework === 'keras') {
    out.n = int(/\bSimpleRNN(?:Cell)?\(\s*(\d+)\s*[,)]/.exec(line)?.[1]) ?? int(/\bunits\s*=\s*(\d+)\b/.exec(line)?.[1]);
    out.inputDim = int(/\binput_shape\s*=\s*\(\s*(?:None|\d+)\s*,\s*(\d+)\s*\)/.exec(line)?.[1]);
  } else {
    out.n = int(/\bunits\s*:\s*(\d+)\b/.exec(line)?.[1]);
    out.inputDim = int(/\binputShape\s*:\s*\[\s*(?:null|\d+)\s*,\s*(\d+)\s*\]/.exec(line)?.[1]);
  }
  return out;
}

/**
 * Where a code action puts the helper for a layer on line `line`: before the top-level statement that contains it
 * (the nearest line at column 0 above, skipping closing brackets and comments, and moving above decorators), so
 * the definitions stay at module level and before their use.
 */
export function topLevelInsertLine(lines: readonly string[], line: number, languageId: string): number {
  const comment = languageId === 'python' ? /^#/ : /^(\/\/|\/\*|\*)/;
  let i = Math.min(Math.max(line, 0), lines.length - 1);
  for (; i > 0; i--) {
    const l = lines[i];
    if (l.length > 0 && !/^\s/.test(l) && !/^[)\]}]/.test(l) && !comment.test(l)) break;
  }
  if (languageId === 'python') while (i > 0 && /^@/.test(lines[i - 1])) i--;
  return Math.max(i, 0);
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
