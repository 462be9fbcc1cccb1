/**
 * Progressive analysis (analyzeMatrix's `onPart`): the parts come in the documented order, each as soon as its step
 * ends, merging them gives the returned payload field by field (also when the caller moves their arrays away, as the
 * worker does), and cancelling between parts stops the analysis there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMatrix } from '../../src/core/analysis/analyze';
import { CancelledError } from '../../src/core/cancel';
import { makeInit } from '../../src/core/init/initializers';
import {
  ANALYSIS_PART_ORDER, completeAnalysis, mergeAnalysisPart,
  type AnalysisOptions, type AnalysisPart, type AnalysisPartName, type AnalysisPayload, type PartialAnalysis,
} from '../../src/core/analysis/types';

const OPTIONS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 12 };

/** The typed arrays of a part (what the worker transfers). */
function buffersOf(value: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) out.push(value.buffer as ArrayBuffer);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) buffersOf(v, out);
  return [...new Set(out)];
}

/** Equal field by field; typed arrays by type and values (NaN equals NaN). */
function assertSame(actual: unknown, expected: unknown, where: string): void {
  if (ArrayBuffer.isView(expected)) {
    assert.equal(actual?.constructor, expected.constructor, `${where}: array type`);
    assert.deepEqual(Array.from(actual as Float64Array), Array.from(expected as Float64Array), where);
    return;
  }
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(actual && typeof actual === 'object', `${where}: an object`);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${where}: fields`);
    for (const [k, v] of Object.entries(expected)) assertSame((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
    return;
  }
  assert.deepEqual(actual, expected, where);
}

for (const [spec, n, horizon] of [['gaussian:1.2', 40, null], ['chain:1.02', 30, null], ['orthogonal:0.9', 24, 50]] as const) {
  test(`${spec}: the parts come in order, and their merge is the payload field by field (arrays moved away as they come)`, () => {
    const W = makeInit(spec, n, 3);
    const options = { ...OPTIONS, horizon };
    const names: AnalysisPartName[] = [];
    const steps: string[] = [];
    /** The steps that had ended when each part came. */
    const stepsAt: Record<string, string[]> = {};
    let merged: PartialAnalysis | undefined;
    const r = analyzeMatrix({
      W, n, options, title: 'M', seed: 3,
      onStep: (name) => steps.push(name),
      onPart: (part) => {
        names.push(part.part);
        stepsAt[part.part] = [...steps];
        assert.equal(completeAnalysis(merged), undefined, 'complete only after the last part');
        // As the worker does: the part crosses with its arrays transferred (detached here).
        merged = mergeAnalysisPart(merged, structuredClone(part, { transfer: buffersOf(part) }) as AnalysisPart);
      },
    });
    assert.deepEqual(names, ANALYSIS_PART_ORDER.filter((p) => p !== 'gates'));
    // Each part right after its own step: the matrix before any, the Schur form before its accuracy is checked.
    assert.deepEqual(stepsAt.matrix, []);
    assert.deepEqual(stepsAt.schur, ['schur', 'reorder']);
    assert.deepEqual(stepsAt.numbers, ['schur', 'reorder', 'schur_check', 'conditions', 'singular_values', 'henrici']);
    assert.equal(stepsAt.memory.at(-1), 'memory');
    assert.equal(stepsAt.dynamics.at(-1), 'motif');
    assert.equal(stepsAt.pseudospectrum.at(-1), 'pseudospectrum');
    // The parts' arrays were moved away: the payload's own are detached now. An analysis without onPart is the reference.
    assert.equal(r.matrix.length, 0);
    const reference = analyzeMatrix({ W, n, options, title: 'M', seed: 3 });
    const whole = completeAnalysis(merged);
    assert.ok(whole, 'the merged parts are complete');
    const { timingsMs, ...rest } = whole;
    const { timingsMs: refTimings, ...refRest } = reference;
    assertSame(rest, refRest, 'payload');
    assert.deepEqual(Object.keys(timingsMs).sort(), Object.keys(refTimings).sort());
    assert.ok(reference.memory.J.length > 0 && reference.transient.length > 0);
  });
}

test('the partial numbers after each part are exactly the final ones so far; warnings grow', () => {
  const n = 30;
  const W = makeInit('chain:1.02', n);
  const seen: PartialAnalysis[] = [];
  let merged: PartialAnalysis | undefined;
  const r: AnalysisPayload = analyzeMatrix({ W, n, options: OPTIONS, onPart: (p) => { merged = mergeAnalysisPart(merged, p); seen.push(merged); } });
  const keysAfter = (name: AnalysisPartName) => Object.keys(seen[ANALYSIS_PART_ORDER.indexOf(name)].numbers).sort();
  assert.deepEqual(keysAfter('matrix'), ['frobenius', 'n']);
  assert.deepEqual(keysAfter('schur'), ['frobenius', 'n', 'spectralRadius']);
  assert.ok(!keysAfter('numbers').includes('jTot'));
  assert.deepEqual(keysAfter('memory'), Object.keys(r.numbers).sort());
  for (const s of seen) for (const [k, v] of Object.entries(s.numbers)) assert.ok(Object.is(v, r.numbers[k as keyof typeof r.numbers]), k);
  // The chain's eigenvalues are ill-conditioned: the trust warning comes with the numbers, before the memory.
  assert.equal(seen[2].warnings?.length, 1);
  assert.deepEqual(seen.at(-1)!.warnings, r.warnings);
});

test('cancelling between parts stops the analysis before the next step; the parts so far stand', () => {
  const n = 40;
  let aborted = false;
  const names: AnalysisPartName[] = [];
  assert.throws(() => analyzeMatrix({
    W: makeInit('gaussian:1.2', n, 1), n, options: OPTIONS, signal: { get aborted() { return aborted; } },
    onPart: (p) => {
      names.push(p.part);
      if (p.part === 'numbers') aborted = true;
    },
  }), CancelledError);
  assert.deepEqual(names, ['matrix', 'schur', 'numbers']);
});
