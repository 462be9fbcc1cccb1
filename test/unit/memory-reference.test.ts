/**
 * The Fisher memory curve against a 60+-digit reference (test/fixtures/memory/make_memory_reference.py, mpmath):
 * trained matrices of the sweep fixture (ρ(W) 1.32–1.70, finite horizon 100), feedback chains with ρ ≥ 1
 * (β 0.3: ρ ≈ 1.09; β 1.0: ρ ≈ 1.99, where C_100 reaches 1e60) and the strongly non-normal stable β = 0.2 over
 * the infinite horizon. Input v = e₁.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fisherMemory, inputVector } from '../../src/core/analysis/memory';
import { makeInit } from '../../src/core/init/initializers';
import { readCheckpoint } from '../../src/core/readers';
import { squareMatrixOf } from '../../src/core/inspect';
import { FIXTURES } from './helpers';

interface RefCase { name: string; n: number; horizon: number | null; J: number[]; j_tot: number; tensor?: string; init?: string }
const REF: { cases: RefCase[] } = JSON.parse(readFileSync(path.join(FIXTURES, 'memory', 'memory_reference.json'), 'utf8'));

async function matrixOf(c: RefCase): Promise<Float64Array> {
  if (c.init) return makeInit(c.init, c.n);
  const ck = await readCheckpoint(path.join(FIXTURES, 'trained', 'sweep_36_rnns.pt'));
  return squareMatrixOf(ck, c.tensor).W;
}

for (const c of REF.cases) {
  test(`memory of ${c.name} (${c.horizon === null ? 'infinite horizon' : `horizon ${c.horizon}`}) matches the mpmath reference`, async () => {
    const W = await matrixOf(c);
    const m = fisherMemory(W, c.n, inputVector('source', c.n), c.horizon === null ? {} : { horizon: c.horizon });
    const maxJ = Math.max(...c.J);
    if (c.horizon !== null) {
      // Finite horizon, ρ ≥ 1: the square-root recursion. Every J(k) to ~1e-13 relative, however small.
      assert.equal(m.method, 'recursion');
      assert.equal(m.J.length, c.J.length);
      for (let k = 0; k < c.J.length; k++) {
        const err = Math.abs(m.J[k] - c.J[k]) / c.J[k];
        assert.ok(err < 1e-11, `${c.name}: J(${k}) = ${m.J[k]} vs ${c.J[k]} (relative error ${err.toExponential(2)})`);
      }
      assert.ok(Math.abs(m.jTot - c.j_tot) / c.j_tot < 1e-12, `${c.name}: J_tot ${m.jTot} vs ${c.j_tot}`);
    } else {
      // Infinite horizon: factored doubling and J(k) = ‖L⁻¹W^k v‖², whose accuracy is limited by the transient:
      // ‖W^k v‖ reaches 5.7e11 for this W, and the rounding errors of W^k v (ε‖W^k v‖) are not those of C.
      // Achieved: J_tot to 1.6e-8 relative, each J(k) to 3e-7 absolute. (The finite-horizon recursion with
      // n = 1200 ≈ the infinite sum gets 3e-13, but costs seconds.)
      const K = Math.min(m.J.length, c.J.length);
      assert.ok(K > 500, `${K} terms`);
      for (let k = 0; k < K; k++) {
        assert.ok(Math.abs(m.J[k] - c.J[k]) < 1e-6 * maxJ, `${c.name}: J(${k}) = ${m.J[k]} vs ${c.J[k]}`);
      }
      assert.ok(Math.abs(m.jTot - c.j_tot) / c.j_tot < 5e-8, `${c.name}: J_tot ${m.jTot} vs ${c.j_tot}`);
    }
  });
}

/**
 * Strongly non-normal stable W over the infinite horizon against an independent mpmath reference
 * (test/fixtures/memory/make_stable_reference.py: closed-form eigenstructure for the feedback chain, an explicit
 * entry recursion for the chain with a diagonal). Every J_tot must lie within its own error estimate, and the
 * estimate must be small where the method is accurate.
 */
interface StableCase { name: string; n: number; J: number[]; j_tot: number; init?: string; alpha?: number; diagonal?: number; beta?: number }
const STABLE: { cases: StableCase[] } = JSON.parse(readFileSync(path.join(FIXTURES, 'memory', 'memory_stable_reference.json'), 'utf8'));

function stableMatrix(c: StableCase): Float64Array {
  if (c.init) return makeInit(c.init, c.n);
  const n = c.n, W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    W[i * n + i] = c.diagonal!;
    if (i > 0) W[i * n + i - 1] = c.alpha!;
  }
  return W;
}

for (const c of STABLE.cases) {
  test(`memory of ${c.name} (N = ${c.n}, infinite horizon): J_tot within its error estimate of the mpmath reference`, () => {
    const m = fisherMemory(stableMatrix(c), c.n, inputVector('source', c.n));
    assert.equal(m.horizon, null);
    const err = Math.abs(m.jTot - c.j_tot);
    assert.ok(Number.isFinite(m.jTotError) && m.jTotError >= 0, `${c.name}: j_tot_error ${m.jTotError}`);
    assert.ok(err <= m.jTotError, `${c.name}: |J_tot − ref| = ${err.toExponential(2)} > estimate ${m.jTotError.toExponential(2)}`);
    assert.ok(err <= 1e-6 * c.j_tot, `${c.name}: J_tot ${m.jTot} vs ${c.j_tot} (relative ${(err / c.j_tot).toExponential(2)})`);
    // Where float64 is accurate the estimate says so (both methods agree to ~1e-12 or better for β ≤ 0.16).
    if ((c.beta ?? 1) <= 0.16 || (c.alpha ?? 2) <= 1) assert.ok(m.jTotError <= 1e-8 * c.j_tot, `${c.name}: estimate ${m.jTotError}`);
    for (let k = 0; k < Math.min(c.J.length, m.J.length); k++) {
      assert.ok(Math.abs(m.J[k] - c.J[k]) <= 1e-6 * Math.max(c.J[k], 1e-3), `${c.name}: J(${k}) = ${m.J[k]} vs ${c.J[k]}`);
    }
  });
}
