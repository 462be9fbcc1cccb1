/**
 * The trainable model in TensorFlow.js: five variables, the fused op for the loss, and one update step
 * (variableGrads → Keras RMSprop with global-norm clipping → assign). The trainer and `bench train` share it,
 * so the benchmark times exactly what training runs.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { PARAM_NAMES, paramShapes, type RnnBatch, type RnnParams } from './model';
import type { CheckpointModel } from './checkpoint';
import type { Optimizer } from './optimizer';
import type { Tf } from './tfjs';
import { rnnLossAndState, type RnnOpAttrs, type RnnVariables } from './tfjsOp';

let nextModel = 1;

export class TfjsRnnModel {
  private readonly vars: Variable[];
  private readonly v: RnnVariables;
  private readonly attrs: RnnOpAttrs;
  private readonly shapes: ReturnType<typeof paramShapes>;

  /** `params` are the master copy: the optimizer updates them and the variables follow. */
  constructor(private readonly tf: Tf, readonly model: CheckpointModel & { T: number }, readonly params: RnnParams, readonly optimizer: Optimizer) {
    this.shapes = paramShapes(model);
    const tag = `recurrent-lens-${nextModel++}`;
    this.vars = PARAM_NAMES.map((n) => tf.variable(tf.tensor(params[n].slice(), this.shapes[n]), true, `${tag}/${n}`));
    this.v = { K: this.vars[0], R: this.vars[1], b: this.vars[2], D: this.vars[3], c: this.vars[4] };
    this.attrs = { activation: model.activation, loss: model.loss, cell: model.cell ?? 'rnn' };
  }

  /** `T` of this batch: the model's, or the batch's own (a shorter last chunk of a text). */
  private tensors(b: RnnBatch, count: number, T = this.model.T): Tensor[] {
    const { tf, model } = this;
    const out = [
      b.tokens ? tf.tensor2d(b.tokens, [count, T], 'int32') : tf.tensor3d(b.x!, [count, T, model.nIn]),
      b.labels
        ? tf.tensor(b.labels, model.loss === 'softmax-xent-every-step' ? [count, T] : [count], 'int32')
        : tf.tensor2d(b.targets!, [count, model.nOut]),
    ];
    if (b.state0) out.push(tf.tensor(b.state0, [b.state0.length / (count * model.N), count, model.N]));
    return out;
  }

  /**
   * Mean loss of `count` sequences, no gradient. With `T`, the batch is that many steps long; the final state of
   * a batch with state0 is written to `finalState` when given.
   */
  loss(b: RnnBatch, count: number, T?: number, finalState?: Float32Array): number {
    return this.tf.tidy(() => {
      const [x, y, s0] = this.tensors(b, count, T);
      const { loss, state } = rnnLossAndState(this.tf, x, y, this.v, this.attrs, s0);
      if (finalState) finalState.set(state.dataSync() as Float32Array);
      return loss.dataSync()[0];
    });
  }

  /**
   * One update on a batch. Returns the batch's loss and the gradients' global norm; when either is not
   * finite the parameters are left as they were. The batch's final state goes to `finalState` when given.
   */
  step(b: RnnBatch, count: number, finalState?: Float32Array): { loss: number; norm: number } {
    const { tf, vars } = this;
    return tf.tidy(() => {
      const [x, y, s0] = this.tensors(b, count);
      let state: Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = rnnLossAndState(tf, x, y, this.v, this.attrs, s0);
        state = tf.keep(r.state);
        return r.loss;
      }, vars);
      if (finalState && state) finalState.set(state.dataSync() as Float32Array);
      if (state) tf.dispose(state);
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
