import { test } from 'node:test';
import { JsRnnEngine } from '../../src/core/train/jsEngine';
import type { LossKind } from '../../src/core/tasks';
import { checkAgainstFiniteDifferences, smallProblem } from './trainHelpers';

for (const loss of ['softmax-xent-every-step', 'softmax-xent-last-step', 'mse-last-step'] as LossKind[]) {
  for (const act of ['elu', 'relu', 'tanh'] as const) {
    test(`js engine: gradients equal finite differences (${loss}, ${act})`, () => {
      const { dims, params, batch } = smallProblem(loss, act, 3);
      checkAgainstFiniteDifferences(new JsRnnEngine(), dims, params, batch, 1e-4);
    });
  }
}
