/** Small random problems and finite-difference checks shared by the training engine tests. */
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/init/rng';
import { PARAM_NAMES, zeroParams, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from '../../src/core/train/model';
import type { LossKind } from '../../src/core/tasks';

// multiples of 2⁻¹⁶, so that v ± 2⁻¹⁴ is exact in float32 and finite differences see only the model
const dyadic = (v: number) => Math.round(v * 65536) / 65536;

export function smallProblem(loss: LossKind, activation: RnnDims['activation'], seed = 1, T = 7, B = 3, N = 6) {
  const rng = new Rng(seed);
  const nIn = loss === 'mse-last-step' ? 2 : 3;
  const nOut = loss === 'mse-last-step' ? 1 : 4;
  const dims: RnnDims = { batch: B, T, nIn, N, nOut, activation, loss };
  const p = zeroParams(dims);
  for (const name of PARAM_NAMES) for (let i = 0; i < p[name].length; i++) p[name][i] = dyadic((rng.uniform() * 2 - 1) * (name === 'R' ? 0.6 : 0.8));
  const x = new Float32Array(B * T * nIn);
  for (let i = 0; i < x.length; i++) x[i] = dyadic(rng.uniform() * 2 - 1);
  const batch: RnnBatch = { x };
  if (loss === 'mse-last-step') batch.targets = Float32Array.from({ length: B * nOut }, () => rng.uniform());
  else batch.labels = Int32Array.from({ length: loss === 'softmax-xent-every-step' ? B * T : B }, () => Math.floor(rng.uniform() * nOut));
  return { dims, params: p, batch };
}

/** Central differences of the loss in float64 arithmetic on float32 parameters. */
export function checkAgainstFiniteDifferences(engine: RnnEngine, dims: RnnDims, params: RnnParams, batch: RnnBatch, tol: number) {
  engine.forward(dims, params, batch);
  const g = zeroParams(dims);
  engine.backward(g);
  const h = 2 ** -14;
  for (const name of PARAM_NAMES) {
    for (let i = 0; i < params[name].length; i++) {
      const v = params[name][i];
      params[name][i] = v + h; const up = engine.forward(dims, params, batch);
      params[name][i] = v - h; const down = engine.forward(dims, params, batch);
      params[name][i] = v;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - g[name][i]) <= tol * Math.max(1e-3, Math.abs(fd)), `${name}[${i}]: backward ${g[name][i]} vs finite difference ${fd}`);
    }
  }
}

