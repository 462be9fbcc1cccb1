/**
 * Analyses answered part by part through a real worker thread (dist/worker.js): asked with `onPartial`, the analyst
 * sends each AnalysisPart as it is computed, in ANALYSIS_PART_ORDER, before the end of the request, and the result is
 * their merge (equal to the analysis asked for whole). Cancelling between parts rejects with kind `cancelled` and
 * the worker goes on; other operations' `progress` messages are untouched (workerProtocol.test.ts, lmInput.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerClient } from '../../src/host/workerClient';
import { startAnalysis } from '../../src/host/analysisJob';
import { KindedError } from '../../src/core/errors';
import { ANALYSIS_PART_ORDER } from '../../src/core/analysis/types';
import type { AnalysisOptions, AnalysisPart, AnalysisPartName, MatrixSource } from '../../src/shared/protocol';
import { ROOT } from './helpers';

const OPTIONS: AnalysisOptions = { order: 'modulus-desc', input: 'source', horizon: null, activation: 'linear', gridPoints: 16 };

function workers() {
  const reader = new WorkerClient(ROOT, { maxFileBytes: () => 2 ** 30 });
  const analyst = new WorkerClient(ROOT, { maxFileBytes: () => 2 ** 30 });
  return { reader, analyst, dispose: () => { reader.dispose(); analyst.dispose(); } };
}

test('the analyst sends the parts of an analysis in order before its result; the result is their merge', async () => {
  const w = workers();
  try {
    const source: MatrixSource = { kind: 'init', spec: 'gaussian:1.1', n: 48, seed: 2 };
    const parts: AnalysisPart[] = [];
    let resolvedWith: AnalysisPartName[] | undefined;
    const job = startAnalysis(w, source, OPTIONS, (p) => {
      assert.equal(resolvedWith, undefined, 'no part after the result');
      parts.push(p);
    });
    const r = await job.result.then((x) => { resolvedWith = parts.map((p) => p.part); return x; });
    assert.deepEqual(resolvedWith, ANALYSIS_PART_ORDER.filter((p) => p !== 'gates'));
    // Typed arrays cross as typed arrays, and the result holds the parts' own arrays (nothing crossed twice).
    const byName = Object.fromEntries(parts.map((p) => [p.part, p]));
    assert.ok(r.matrix instanceof Float32Array && r.matrix.length === 48 * 48);
    assert.equal(r.matrix, (byName.matrix as Extract<AnalysisPart, { part: 'matrix' }>).matrix);
    assert.equal(r.schurT, (byName.schur as Extract<AnalysisPart, { part: 'schur' }>).schurT);
    assert.ok(r.numbers.spectralRadius > 1 && r.memory.horizon === 48, 'ρ > 1: a finite horizon');
    // The same analysis asked for whole (no parts) gives the same payload.
    const whole = await w.analyst.request({ op: 'analyze', source, options: OPTIONS });
    const strip = ({ timingsMs, ...rest }: typeof r) => ({ ...rest, timings: Object.keys(timingsMs).sort() });
    assert.deepEqual(strip(r), strip(whole));
  } finally {
    w.dispose();
  }
});

test('cancelled between parts: the parts so far came, the rest did not; the analyst goes on', async () => {
  const w = workers();
  try {
    const names: AnalysisPartName[] = [];
    // N = 400 with ρ > 1: the memory step alone takes a while; cancel as soon as the Schur form arrives.
    const job = w.analyst.cancellable(
      { op: 'analyze', source: { kind: 'init', spec: 'gaussian:1.1', n: 400, seed: 1 }, options: { ...OPTIONS, gridPoints: 40 } },
      { onPartial: (p) => { names.push(p.part); if (p.part === 'schur') job.cancel(); } },
    );
    await assert.rejects(job.result, (e: unknown) => e instanceof KindedError && e.kind === 'cancelled');
    assert.deepEqual(names.slice(0, 2), ['matrix', 'schur']);
    assert.ok(!names.includes('pseudospectrum'), names.join(', '));
    const again: AnalysisPartName[] = [];
    const r = await w.analyst.cancellable({ op: 'analyze', source: { kind: 'init', spec: 'chain:1.0', n: 5, seed: 1 }, options: OPTIONS },
      { onPartial: (p) => again.push(p.part) }).result;
    assert.equal(r.numbers.n, 5);
    assert.equal(again.length, 6);
  } finally {
    w.dispose();
  }
});
