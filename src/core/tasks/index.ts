/**
 * The paper's three benchmark tasks (docs/science.md §5) in one registry: what a trainer needs to build the model
 * (input/output sizes, loss, hidden activation, default length) and to judge a run (baseline, success).
 */
import { ADDITION_BASELINE, ADDITION_CHANNELS, ADDITION_DEFAULT_T } from './addition';
import { COPY_CLASSES, COPY_DEFAULT_T, COPY_SYMBOLS, copyBaseline } from './copy';
import { PSMNIST_BASELINE, PSMNIST_CLASSES, PSMNIST_PIXELS } from './psmnist';

export * from './copy';
export * from './addition';
export * from './psmnist';
export { permutation, randInt, TASK_STREAM, type SeedOrRng } from './random';

export type TaskName = 'copy' | 'addition' | 'psmnist';
export type LossKind = 'softmax-xent-every-step' | 'mse-last-step' | 'softmax-xent-last-step';
export type HiddenActivation = 'elu' | 'relu';

export interface TaskSpec {
  name: TaskName;
  title: string;
  /** input features per step */
  inputSize: number;
  /** readout units (classes, or 1 for regression) */
  outputSize: number;
  loss: LossKind;
  /** the paper's sequence length */
  defaultT: number;
  /** the sequence length can be chosen (psMNIST's is fixed at 784) */
  variableT: boolean;
  activation: HiddenActivation;
  /** loss of the best memoryless predictor at length T */
  baseline(T?: number): number;
  /** the paper's criterion: final validation loss below half the baseline */
  succeeded(finalValLoss: number, T?: number): boolean;
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
};

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

export function getTask(name: string): TaskSpec {
  if (!Object.prototype.hasOwnProperty.call(TASKS, name)) {
    throw new RangeError(`unknown task "${name}" (known: ${TASK_NAMES.join(', ')})`);
  }
  return TASKS[name as TaskName];
}
