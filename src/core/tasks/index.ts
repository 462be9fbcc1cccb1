/**
 * The paper's three benchmark tasks (docs/science.md §5), and character-level language modelling on a text file
 * (charlm.ts), in one registry: what a trainer needs to build the model (input/output sizes, loss, hidden
 * activation, default length) and to judge a run (baseline, success).
 */
import { ADDITION_BASELINE, ADDITION_CHANNELS, ADDITION_DEFAULT_T } from './addition';
import { COPY_CLASSES, COPY_DEFAULT_T, COPY_SYMBOLS, copyBaseline } from './copy';
import { PSMNIST_BASELINE, PSMNIST_CLASSES, PSMNIST_PIXELS } from './psmnist';
import { CHARLM_DEFAULT_T } from './charlm';

export * from './copy';
export * from './addition';
export * from './psmnist';
export * from './charlm';
export { permutation, randInt, TASK_STREAM, type SeedOrRng } from './random';

export type TaskName = 'copy' | 'addition' | 'psmnist' | 'charlm';
export type LossKind = 'softmax-xent-every-step' | 'mse-last-step' | 'softmax-xent-last-step';
export type HiddenActivation = 'elu' | 'relu' | 'tanh';

export interface TaskSpec {
  name: TaskName;
  title: string;
  /** input features per step (charlm: 0, the text's vocabulary decides) */
  inputSize: number;
  /** readout units (classes, or 1 for regression; charlm: 0, the vocabulary's size) */
  outputSize: number;
  loss: LossKind;
  /** the paper's sequence length */
  defaultT: number;
  /** the sequence length can be chosen (psMNIST's is fixed at 784) */
  variableT: boolean;
  activation: HiddenActivation;
  /** loss of the best memoryless predictor at length T (charlm: NaN here; the text's unigram entropy in a run) */
  baseline(T?: number): number;
  /** the paper's criterion: final validation loss below half the baseline (charlm: below the text's unigram bpc) */
  succeeded(finalValLoss: number, T?: number, baseline?: number): boolean;
}

function spec(s: Omit<TaskSpec, 'succeeded'>): TaskSpec {
  return { ...s, succeeded: (loss, T) => Number.isFinite(loss) && loss < s.baseline(T) / 2 };
}

export const TASKS: Readonly<Record<TaskName, TaskSpec>> = {
  copy: spec({
    name: 'copy', title: 'Copy', inputSize: COPY_SYMBOLS, outputSize: COPY_CLASSES, loss: 'softmax-xent-every-step',
    defaultT: COPY_DEFAULT_T, variableT: true, activation: 'elu', baseline: (T = COPY_DEFAULT_T) => copyBaseline(T),
  }),
  addition: spec({
    name: 'addition', title: 'Addition', inputSize: ADDITION_CHANNELS, outputSize: 1, loss: 'mse-last-step',
    defaultT: ADDITION_DEFAULT_T, variableT: true, activation: 'relu', baseline: () => ADDITION_BASELINE,
  }),
  psmnist: spec({
    name: 'psmnist', title: 'Permuted sequential MNIST', inputSize: 1, outputSize: PSMNIST_CLASSES,
    loss: 'softmax-xent-last-step', defaultT: PSMNIST_PIXELS, variableT: false, activation: 'elu',
    baseline: () => PSMNIST_BASELINE,
  }),
  // Losses in bits per character; a run succeeds when it predicts better than the characters' frequencies alone.
  charlm: {
    name: 'charlm', title: 'Character-level language model', inputSize: 0, outputSize: 0, loss: 'softmax-xent-every-step',
    defaultT: CHARLM_DEFAULT_T, variableT: true, activation: 'tanh', baseline: () => NaN,
    succeeded: (loss, _T, baseline?: number) => Number.isFinite(loss) && baseline !== undefined && loss < baseline,
  },
};

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

export function getTask(name: string): TaskSpec {
  if (!Object.prototype.hasOwnProperty.call(TASKS, name)) {
    throw new RangeError(`unknown task "${name}" (known: ${TASK_NAMES.join(', ')})`);
  }
  return TASKS[name as TaskName];
}
