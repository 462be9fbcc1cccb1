/**
 * The trainable model in TensorFlow.js: five variables, the fused op for the loss, and one update step
 * (variableGrads → Keras RMSprop with global-norm clipping → assign). The trainer and `bench train` share it,
 * so the benchmark times exactly what training runs.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { PARAM_NAMES, paramShapes, type RnnBatch, type RnnParams } from './model';
import type { CheckpointModel } from './checkpoint';
import { Rmsprop } from './optimizer';
import type { Tf } from './tfjs';
import { rnnLoss, type RnnOpAttrs, type RnnVariables } from './tfjsOp';

let nextModel = 1;

export class TfjsRnnModel {
  private readonly vars: Variable[];
  private readonly v: RnnVariables;
  private readonly attrs: RnnOpAttrs;
  private readonly shapes: ReturnType<typeof paramShapes>;

  /** `params` are the master copy: the optimizer updates them and the variables follow. */
  constructor(private readonly tf: Tf, readonly model: CheckpointModel & { T: number }, readonly params: RnnParams, readonly optimizer: Rmsprop) {
    this.shapes = paramShapes(model);
    const tag = `recurrent-lens-${nextModel++}`;
    this.vars = PARAM_NAMES.map((n) => tf.variable(tf.tensor(params[n].slice(), this.shapes[n]), true, `${tag}/${n}`));
    this.v = { K: this.vars[0], R: this.vars[1], b: this.vars[2], D: this.vars[3], c: this.vars[4] };
    this.attrs = { activation: model.activation, loss: model.loss };
  }

  private tensors(b: RnnBatch, count: number): [Tensor, Tensor] {
    const { tf, model } = this;
    return [
      tf.tensor3d(b.x, [count, model.T, model.nIn]),
      b.labels
        ? tf.tensor(b.labels, model.loss === 'softmax-xent-every-step' ? [count, model.T] : [count], 'int32')
        : tf.tensor2d(b.targets!, [count, model.nOut]),
    ];
  }

  /** Mean loss of `count` sequences, no gradient. */
  loss(b: RnnBatch, count: number): number {
    return this.tf.tidy(() => {
      const [x, y] = this.tensors(b, count);
      return rnnLoss(this.tf, x, y, this.v, this.attrs).dataSync()[0];
    });
  }

  /**
   * One update on a batch. Returns the batch's loss and the gradients' global norm; when either is not
   * finite the parameters are left as they were.
   */
  step(b: RnnBatch, count: number): { loss: number; norm: number } {
    const { tf, vars } = this;
    return tf.tidy(() => {
      const [x, y] = this.tensors(b, count);
      const { value, grads } = tf.variableGrads(() => rnnLoss(tf, x, y, this.v, this.attrs), vars);
      const loss = value.dataSync()[0];
      if (!Number.isFinite(loss)) return { loss, norm: NaN };
      const g = vars.map((variable) => grads[variable.name].dataSync() as Float32Array);
      const norm = this.optimizer.step(PARAM_NAMES.map((n) => this.params[n]), g);
      if (Number.isFinite(norm)) {
        vars.forEach((variable, i) => variable.assign(tf.tensor(this.params[PARAM_NAMES[i]].slice(), this.shapes[PARAM_NAMES[i]])));
      }
      return { loss, norm };
    });
  }

  dispose(): void {
    this.tf.dispose(this.vars);
  }
}
