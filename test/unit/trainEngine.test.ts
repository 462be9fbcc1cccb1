import { test } from 'node:test';
import { JsRnnEngine } from '../../src/core/train/jsEngine';
import type { LossKind } from '../../src/core/tasks';
import { checkAgainstFiniteDifferences, problem } from './rnnProblems';

// The JS engine accumulates in float64, so its check is tight: h = 2⁻¹⁴ on dyadic parameters (exact steps).
for (const loss of ['softmax-xent-every-step', 'softmax-xent-last-step', 'mse-last-step'] as LossKind[]) {
  for (const act of ['elu', 'relu', 'tanh'] as const) {
    test(`js engine: gradients equal finite differences (${loss}, ${act})`, () => {
      const mse = loss === 'mse-last-step';
      const { dims, params, batch } = problem(loss, act, { batch: 3, T: 7, nIn: mse ? 2 : 3, N: 6, nOut: mse ? 1 : 4 }, 3);
      checkAgainstFiniteDifferences(new JsRnnEngine(), dims, params, batch, 2 ** -14, 1e-6);
    });
  }
}
