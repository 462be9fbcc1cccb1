import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsRnnEngine } from '../../src/core/train/jsEngine';
import { ACTIVATIONS, type RnnEngine } from '../../src/core/train/model';
import { createRnnEngine } from '../../src/core/train/engines';
import { WasmRnnEngine } from '../../src/core/train/wasmEngine';
import { findRnnThreadScript, WasmThreadedRnnEngine } from '../../src/core/train/rnnThreads';
import { C_DONE, C_READY, C_SEQ, C_STATUS, STATUS_ERROR } from '../../src/core/train/rnnThreadProtocol';
import type { LossKind } from '../../src/core/tasks';
import { assertClose, checkAgainstFiniteDifferences, problem, run, type Sizes } from './rnnProblems';
import { ROOT } from './helpers';

const LOSSES: LossKind[] = ['softmax-xent-every-step', 'softmax-xent-last-step', 'mse-last-step'];

// A child process that leaves a two-thread engine undisposed must still exit (the worker is unref'd).
if (process.env.RL_RNN_CHILD === 'undisposed') {
  const e = createRnnEngine({ threads: 2 });
  const { dims, params, batch } = problem('softmax-xent-every-step', 'elu', { batch: 4, T: 5, nIn: 3, N: 6, nOut: 4 });
  run(e, dims, params, batch);
  console.log(e.name);
} else {
  const engines: [string, () => RnnEngine][] = [
    ['wasm-simd', () => new WasmRnnEngine()],
    ['wasm-simd×2', () => new WasmThreadedRnnEngine()],
  ];

  const shapes: Sizes[] = [
    { batch: 3, T: 7, nIn: 3, N: 6, nOut: 4 },
    { batch: 1, T: 1, nIn: 1, N: 5, nOut: 1 },
    { batch: 16, T: 9, nIn: 2, N: 13, nOut: 3 },
    { batch: 5, T: 11, nIn: 4, N: 33, nOut: 9 },
  ];

  for (const [name, make] of engines) {
    for (const loss of LOSSES) {
      test(`${name} equals the JS engine (${loss}, every activation, odd sizes)`, () => {
        const e = make();
        try {
          if (name.endsWith('×2')) assert.equal(e.name, name);
          for (const act of ACTIVATIONS) {
            for (const s of shapes) {
              const sizes = loss === 'mse-last-step' ? s : { ...s, nOut: Math.max(2, s.nOut) };
              const { dims, params, batch } = problem(loss, act, sizes, 7);
              assertClose(run(e, dims, params, batch), run(new JsRnnEngine(), dims, params, batch), 2e-5, `${act} ${JSON.stringify(sizes)}`);
            }
          }
          if (name.endsWith('×2')) assert.equal(e.name, name, 'the second thread was not abandoned');
        } finally {
          e.dispose();
        }
      });
    }
  }

  // The paper's three tasks at their sizes (copy: T 500, N 100, batch 16; psMNIST: T 784; addition: T 750).
  const paper: [LossKind, 'elu' | 'relu' | 'tanh', Sizes][] = [
    ['softmax-xent-every-step', 'elu', { batch: 16, T: 500, nIn: 10, N: 100, nOut: 9 }],
    ['softmax-xent-last-step', 'relu', { batch: 4, T: 784, nIn: 1, N: 100, nOut: 10 }],
    ['mse-last-step', 'tanh', { batch: 4, T: 750, nIn: 2, N: 100, nOut: 1 }],
  ];
  for (const [loss, act, s] of paper) {
    test(`paper sizes: both WASM engines equal the JS engine (${loss}, ${act}, T ${s.T})`, () => {
      const { dims, params, batch } = problem(loss, act, s, 11);
      const ref = run(new JsRnnEngine(), dims, params, batch);
      for (const [name, make] of engines) {
        const e = make();
        try {
          assertClose(run(e, dims, params, batch), ref, 1e-4, name);
        } finally {
          e.dispose();
        }
      }
    });
  }

  for (const loss of LOSSES) {
    for (const act of ACTIVATIONS) {
      test(`wasm-simd: gradients equal finite differences (${loss}, ${act})`, () => {
        const { dims, params, batch } = problem(loss, act, { batch: 3, T: 6, nIn: 2, N: 5, nOut: loss === 'mse-last-step' ? 2 : 3 }, 3);
        // h small enough that no relu pre-activation crosses its kink
        checkAgainstFiniteDifferences(new WasmRnnEngine(), dims, params, batch, 2 ** -10, 2e-3);
      });
    }
  }

  test('repeated calls and size changes between calls give fresh results', () => {
    for (const [name, make] of engines) {
      const e = make();
      try {
        const a = problem('softmax-xent-every-step', 'elu', { batch: 16, T: 40, nIn: 10, N: 100, nOut: 9 }, 1);
        const b = problem('mse-last-step', 'tanh', { batch: 3, T: 5, nIn: 2, N: 7, nOut: 1 }, 2);
        const c = problem('softmax-xent-last-step', 'relu', { batch: 33, T: 60, nIn: 1, N: 130, nOut: 10 }, 3);
        const refs = [a, b, c].map((p) => run(new JsRnnEngine(), p.dims, p.params, p.batch));
        for (const i of [0, 1, 2, 0, 2, 1, 1]) {
          const p = [a, b, c][i];
          assertClose(run(e, p.dims, p.params, p.batch), refs[i], 1e-4, `${name}, problem ${i}`);
        }
        // forward twice: backward belongs to the second
        e.forward(a.dims, a.params, a.batch);
        const second = run(e, b.dims, b.params, b.batch);
        assertClose(second, refs[1], 1e-4, `${name}, after an unused forward`);
      } finally {
        e.dispose();
      }
    }
  });

  test('NaN in the inputs gives a NaN loss, no crash, and the next batch is clean again', () => {
    for (const [name, make] of engines) {
      const e = make();
      try {
        for (const act of ACTIVATIONS) {
          for (const loss of LOSSES) {
            const p = problem(loss, act, { batch: 4, T: 6, nIn: 3, N: 10, nOut: 3 }, 5);
            const clean = run(e, p.dims, p.params, p.batch);
            assert.ok(Number.isFinite(clean.loss));
            p.batch.x![p.batch.x!.length - 1] = NaN; // the last batch element: the worker's share
            const bad = run(e, p.dims, p.params, p.batch);
            assert.ok(Number.isNaN(bad.loss), `${name} ${act} ${loss}: loss ${bad.loss}`);
            p.batch.x![p.batch.x!.length - 1] = 0.5;
            assert.ok(Number.isFinite(run(e, p.dims, p.params, p.batch).loss), `${name} recovers`);
          }
        }
      } finally {
        e.dispose();
      }
    }
  });

  test('backward before any forward throws', () => {
    for (const [, make] of engines) {
      const e = make();
      try {
        assert.throws(() => e.backward({ K: new Float32Array(0), R: new Float32Array(0), b: new Float32Array(0), D: new Float32Array(0), c: new Float32Array(0) }), /forward/);
      } finally {
        e.dispose();
      }
    }
  });

  test('createRnnEngine: WASM on two threads by default here, one on request, JS with RECURRENT_LENS_NO_WASM=1', () => {
    const two = createRnnEngine();
    assert.equal(two.name, os.availableParallelism() >= 2 ? 'wasm-simd×2' : 'wasm-simd');
    two.dispose();
    const one = createRnnEngine({ threads: 1 });
    assert.equal(one.name, 'wasm-simd');
    one.dispose();
    const saved = process.env.RECURRENT_LENS_NO_WASM;
    process.env.RECURRENT_LENS_NO_WASM = '1';
    try {
      assert.equal(createRnnEngine({ threads: 2 }).name, 'js');
    } finally {
      if (saved === undefined) delete process.env.RECURRENT_LENS_NO_WASM;
      else process.env.RECURRENT_LENS_NO_WASM = saved;
    }
  });

  test('the worker script is found from every bundle directory (dist, out/test/unit, out/bench)', () => {
    const want = path.join(ROOT, 'dist', 'rnn-thread.js');
    for (const dir of ['dist', 'out/test/unit', 'out/bench']) assert.equal(findRnnThreadScript(path.join(ROOT, dir)), want, dir);
    assert.equal(findRnnThreadScript(), want);
  });

  test('a missing, crashing, silent or failing worker: one thread carries on with the right result', () => {
    const { dims, params, batch } = problem('softmax-xent-every-step', 'elu', { batch: 6, T: 8, nIn: 3, N: 9, nOut: 4 }, 9);
    const ref = run(new JsRnnEngine(), dims, params, batch);
    const missing = createRnnEngine({ threads: 2, workerPath: path.join(os.tmpdir(), 'no-such-rnn-thread.js') });
    assert.equal(missing.name, 'wasm-simd');
    missing.dispose();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-rnn-'));
    const crashing = path.join(dir, 'crash.js');
    writeFileSync(crashing, "throw new Error('boom');\n");
    const silent = path.join(dir, 'silent.js');
    writeFileSync(silent, 'setInterval(() => {}, 1000);\n');
    // starts, then fails every job the way rnnThread.ts reports an exception
    const failing = path.join(dir, 'failing.js');
    writeFileSync(failing, `
      const { workerData } = require('node:worker_threads');
      const ctrl = new Int32Array(workerData.ctrlBuf);
      Atomics.store(ctrl, ${C_READY}, 1);
      let last = 0;
      for (;;) {
        Atomics.wait(ctrl, ${C_SEQ}, last);
        last = Atomics.load(ctrl, ${C_SEQ});
        Atomics.store(ctrl, ${C_STATUS}, ${STATUS_ERROR});
        Atomics.store(ctrl, ${C_DONE}, last);
        Atomics.notify(ctrl, ${C_DONE});
      }
    `);
    for (const script of [crashing, silent, failing]) {
      const e = new WasmThreadedRnnEngine({ workerPath: script, startupTimeoutMs: 1500 });
      try {
        assert.equal(e.name, 'wasm-simd×2');
        assertClose(run(e, dims, params, batch), ref, 2e-5, path.basename(script));
        assert.equal(e.name, 'wasm-simd');
        assertClose(run(e, dims, params, batch), ref, 2e-5, `${path.basename(script)}, again`);
      } finally {
        e.dispose();
      }
    }
  });

  test('an undisposed two-thread engine does not keep the process alive', () => {
    const r = spawnSync(process.execPath, [__filename], { env: { ...process.env, RL_RNN_CHILD: 'undisposed' }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'wasm-simd×2');
  });
}
