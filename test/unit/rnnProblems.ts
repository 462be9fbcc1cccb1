/** Random RNN training problems of any size, and comparisons of engines on them (rnnKernel.test.ts, bench). */
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/init/rng';
import { PARAM_NAMES, zeroParams, type Activation, type RnnBatch, type RnnDims, type RnnEngine, type RnnParams } from '../../src/core/train/model';
import type { LossKind } from '../../src/core/tasks';

// multiples of 2⁻¹⁶, so that v ± h is exact in float32 for the finite differences' h
const dyadic = (v: number) => Math.round(v * 65536) / 65536;

export interface Sizes { batch: number; T: number; nIn: number; N: number; nOut: number }

export function problem(loss: LossKind, activation: Activation, s: Sizes, seed = 1) {
  const rng = new Rng(seed);
  const dims: RnnDims = { ...s, activation, loss };
  const p = zeroParams(dims);
  // R scaled so that states neither vanish nor blow up over long T
  const scale = { K: 0.8, R: 1.2 / Math.sqrt(s.N), b: 0.2, D: 0.8, c: 0.5 };
  for (const name of PARAM_NAMES) for (let i = 0; i < p[name].length; i++) p[name][i] = dyadic((rng.uniform() * 2 - 1) * scale[name]);
  const x = new Float32Array(s.batch * s.T * s.nIn);
  for (let i = 0; i < x.length; i++) x[i] = dyadic(rng.uniform() * 2 - 1);
  const batch: RnnBatch = { x };
  if (loss === 'mse-last-step') batch.targets = Float32Array.from({ length: s.batch * s.nOut }, () => rng.uniform());
  else batch.labels = Int32Array.from({ length: loss === 'softmax-xent-every-step' ? s.batch * s.T : s.batch }, () => Math.floor(rng.uniform() * s.nOut));
  return { dims, params: p, batch };
}

export interface Run { loss: number; grads: RnnParams }

export function run(engine: RnnEngine, dims: RnnDims, params: RnnParams, batch: RnnBatch): Run {
  const loss = engine.forward(dims, params, batch);
  const grads = zeroParams(dims);
  engine.backward(grads);
  return { loss, grads };
}

/** max |a − b| / max |b| per tensor (b the reference), and the loss's relative error. */
export function errors(a: Run, b: Run): Record<string, number> {
  const out: Record<string, number> = { loss: Math.abs(a.loss - b.loss) / Math.max(1e-30, Math.abs(b.loss)) };
  for (const name of PARAM_NAMES) {
    let err = 0, scale = 0;
    for (let i = 0; i < b.grads[name].length; i++) {
      err = Math.max(err, Math.abs(a.grads[name][i] - b.grads[name][i]));
      scale = Math.max(scale, Math.abs(b.grads[name][i]));
    }
    out[name] = scale === 0 ? err : err / scale;
  }
  return out;
}

export function assertClose(a: Run, b: Run, tol: number, what: string): void {
  const e = errors(a, b);
  for (const [k, v] of Object.entries(e)) assert.ok(v <= tol, `${what}: ${k} differs by ${v.toExponential(2)} (relative), over ${tol}; all: ${JSON.stringify(e)}`);
}

/**
 * Central differences of the loss against backward(). In float32 the loss itself carries ~1e-7 relative noise, so
 * h is larger than in a float64 check and the tolerance looser; comparing with the JS engine is the tight test.
 */
export function checkAgainstFiniteDifferences(engine: RnnEngine, dims: RnnDims, params: RnnParams, batch: RnnBatch, h: number, tol: number): void {
  const { grads: g } = run(engine, dims, params, batch);
  for (const name of PARAM_NAMES) {
    let scale = 0;
    for (const v of g[name]) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < params[name].length; i++) {
      const v = params[name][i];
      params[name][i] = v + h; const up = engine.forward(dims, params, batch);
      params[name][i] = v - h; const down = engine.forward(dims, params, batch);
      params[name][i] = v;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - g[name][i]) <= tol * Math.max(scale, 1e-3), `${name}[${i}]: backward ${g[name][i]} vs finite difference ${fd} (largest |gradient| ${scale})`);
    }
  }
}
