import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/init/rng';
import {
  TASKS, TASK_NAMES, getTask, copyTask, copyBaseline, oneHot, additionTask, psmnistPermutation, toSequences,
  readIdxImages, readIdxLabels, readIdxPair, randInt, permutation, PSMNIST_BASELINE,
} from '../../src/core/tasks';
import { FormatError } from '../../src/core/tensor';

function argmax(a: Float32Array, off: number, n: number): number {
  let k = 0;
  for (let i = 1; i < n; i++) if (a[off + i] > a[off + k]) k = i;
  return k;
}

test('copy: shapes, one-hot inputs, digits 1..8, a single cue at T − 11, targets are the digits', () => {
  for (const T of [21, 100, 500]) {
    const B = 64;
    const { x, y, batch } = copyTask(B, T, 3);
    assert.equal(batch, B);
    assert.equal(x.length, B * T * 10);
    assert.equal(y.length, B * T);
    for (let b = 0; b < B; b++) {
      let cues = 0;
      for (let t = 0; t < T; t++) {
        let sum = 0;
        for (let s = 0; s < 10; s++) { const v = x[(b * T + t) * 10 + s]; assert.ok(v === 0 || v === 1); sum += v; }
        assert.equal(sum, 1, `one-hot at b ${b} t ${t}`);
        const s = argmax(x, (b * T + t) * 10, 10);
        if (s === 9) { cues++; assert.equal(t, T - 11); }
        if (t < 10) assert.ok(s >= 1 && s <= 8, `digit ${s}`);
        else if (t !== T - 11) assert.equal(s, 0, `blank at ${t}`);
        const c = y[b * T + t];
        assert.ok(c >= 0 && c <= 8);
        if (t < T - 10) assert.equal(c, 0);
        else assert.equal(c, argmax(x, (b * T + t - (T - 10)) * 10, 10), `target at ${t} is input digit ${t - (T - 10)}`);
      }
      assert.equal(cues, 1);
    }
  }
  assert.throws(() => copyTask(4, 20, 1), /at least 21/);
  assert.throws(() => copyTask(0, 100, 1), /batch/);
});

test('copy: every digit 1..8 occurs, roughly uniformly', () => {
  const B = 2000, T = 30;
  const { y } = copyTask(B, T, 11);
  const counts = new Array(9).fill(0);
  for (let b = 0; b < B; b++) for (let t = T - 10; t < T; t++) counts[y[b * T + t]]++;
  assert.equal(counts[0], 0);
  const n = B * 10, p = 1 / 8;
  for (let d = 1; d <= 8; d++) assert.ok(Math.abs(counts[d] - n * p) < 5 * Math.sqrt(n * p * (1 - p)), `digit ${d}: ${counts[d]}`);
});

test('copy: oneHot of the labels is the official code\'s 9-class target matrix', () => {
  const T = 40;
  const { y } = copyTask(3, T, 5);
  const Y = oneHot(y, 9);
  assert.equal(Y.length, 3 * T * 9);
  for (let i = 0; i < y.length; i++) assert.equal(argmax(Y, i * 9, 9), y[i]);
  assert.throws(() => oneHot(new Int32Array([9]), 9), /outside/);
});

test('copy baseline: 10·ln 8 / T, and the empirical cross-entropy of the memoryless predictor matches it', () => {
  assert.ok(Math.abs(copyBaseline(500) - 0.0416) < 5e-5);
  assert.ok(Math.abs(copyBaseline(100) - 0.208) < 5e-4);
  // The best predictor without memory of the digits: per step, the class frequencies (estimated on one sample),
  // scored on another sample.
  const T = 100, B = 20000;
  const fit = copyTask(B, T, 100);
  const freq = new Float64Array(T * 9);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) freq[t * 9 + fit.y[b * T + t]]++;
  const test = copyTask(B, T, 200);
  let xent = 0;
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) xent -= Math.log(freq[t * 9 + test.y[b * T + t]] / B);
  xent /= B * T;
  // Sampling error: the frequencies are within ~1% of 1/8, so the estimate is within ~1e-3 of ln 8 per digit step.
  assert.ok(Math.abs(xent - copyBaseline(T)) < 2e-3, `empirical ${xent} vs ${copyBaseline(T)}`);
  // The constant predictor that ignores even the step is worse (it must spread mass over all steps).
  const p0 = (T - 10) / T, pd = 10 / (8 * T);
  const constant = -(p0 * Math.log(p0) + 8 * pd * Math.log(pd));
  assert.ok(constant > copyBaseline(T));
});

test('addition: shapes, [mask, signal] order, one mark per half, target = sum of the marked values', () => {
  for (const T of [2, 7, 100, 750]) {
    const B = 50;
    const { x, y } = additionTask(B, T, 9);
    assert.equal(x.length, B * T * 2);
    assert.equal(y.length, B);
    const half = Math.floor(T / 2);
    for (let b = 0; b < B; b++) {
      const marks: number[] = [];
      for (let t = 0; t < T; t++) {
        const m = x[(b * T + t) * 2], s = x[(b * T + t) * 2 + 1];
        assert.ok(m === 0 || m === 1);
        assert.ok(s >= 0 && s <= 1);
        if (m === 1) marks.push(t);
      }
      assert.equal(marks.length, 2);
      assert.ok(marks[0] < half && marks[1] >= half && marks[1] < T, `marks ${marks} for T ${T}`);
      const want = Math.fround(x[(b * T + marks[0]) * 2 + 1] + x[(b * T + marks[1]) * 2 + 1]);
      assert.equal(y[b], want);
    }
  }
  // The signal channel is really U[0,1): mean ½, variance 1/12.
  const { x } = additionTask(20, 750, 4);
  let s1 = 0, s2 = 0;
  const n = x.length / 2;
  for (let i = 0; i < n; i++) { const v = x[2 * i + 1]; s1 += v; s2 += v * v; }
  assert.ok(Math.abs(s1 / n - 0.5) < 0.01);
  assert.ok(Math.abs(s2 / n - (s1 / n) ** 2 - 1 / 12) < 0.005);
  assert.throws(() => additionTask(1, 1, 1), /at least 2/);
});

test('addition: marks are uniform over each half', () => {
  const B = 40000, T = 8;
  const { x } = additionTask(B, T, 21);
  const counts = new Array(T).fill(0);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) counts[t] += x[(b * T + t) * 2];
  for (let t = 0; t < T; t++) assert.ok(Math.abs(counts[t] - B / 4) < 5 * Math.sqrt(B * 0.25 * 0.75), `t ${t}: ${counts[t]}`);
});

test('addition baseline: predicting 1 has MSE ≈ 1/6', () => {
  const B = 60000;
  const { y } = additionTask(B, 20, 12);
  let mse = 0;
  for (let b = 0; b < B; b++) mse += (y[b] - 1) ** 2;
  mse /= B;
  // (S − 1)² has variance E(S−1)⁴ − (1/6)² = 1/15 − 1/36 = 7/180; standard error √(7/180/B) ≈ 8e-4.
  assert.ok(Math.abs(mse - 1 / 6) < 5 * Math.sqrt(7 / 180 / B), `mse ${mse}`);
  assert.equal(TASKS.addition.baseline(), 1 / 6);
});

test('seeded determinism: same seed ⇒ identical arrays, different seeds differ, a shared Rng continues', () => {
  assert.deepEqual(copyTask(8, 50, 1), copyTask(8, 50, 1));
  assert.deepEqual(additionTask(8, 50, 1), additionTask(8, 50, 1));
  assert.notDeepEqual(copyTask(8, 50, 1).y, copyTask(8, 50, 2).y);
  assert.notDeepEqual(additionTask(8, 50, 1).x, additionTask(8, 50, 2).x);
  const r1 = new Rng(5), r2 = new Rng(5);
  const a = copyTask(4, 50, r1), b = copyTask(4, 50, r1);
  assert.notDeepEqual(a.y, b.y);
  assert.deepEqual(copyTask(4, 50, r2), a);
  assert.deepEqual(copyTask(4, 50, r2), b);
});

test('randInt is in range and unbiased-looking; permutation is a bijection', () => {
  const rng = new Rng(3);
  const counts = new Array(3).fill(0);
  for (let i = 0; i < 30000; i++) { const v = randInt(rng, 0, 3); assert.ok(v >= 0 && v < 3); counts[v]++; }
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500);
  assert.equal(randInt(rng, 5, 6), 5);
  assert.throws(() => randInt(rng, 3, 3), RangeError);
  assert.deepEqual([...permutation(new Rng(1), 0)], []);
  assert.deepEqual([...permutation(new Rng(1), 1)], [0]);
});

test('psMNIST permutation: a bijection of 0..783, fixed per seed, different across seeds', () => {
  const p = psmnistPermutation(1);
  assert.equal(p.length, 784);
  const seen = new Uint8Array(784);
  for (const v of p) { assert.ok(v >= 0 && v < 784); seen[v]++; }
  assert.ok(seen.every((c) => c === 1));
  assert.deepEqual(psmnistPermutation(1), p);
  assert.notDeepEqual(psmnistPermutation(2), p);
  let fixed = 0;
  for (let i = 0; i < 784; i++) if (p[i] === i) fixed++;
  assert.ok(fixed < 10, `${fixed} fixed points`); // ~1 expected for a random permutation
  // All positions are reachable: over many seeds, pixel 0 lands everywhere roughly uniformly (4 × 4 case).
  const hits = new Array(4).fill(0);
  for (let s = 0; s < 4000; s++) hits[psmnistPermutation(s, 4).indexOf(0)]++;
  for (const h of hits) assert.ok(Math.abs(h - 1000) < 150, `hits ${hits}`);
});

test('psMNIST sequences: pixel/255 in permuted order, labels, slices', () => {
  const T = 784, N = 3;
  const images = new Uint8Array(N * T);
  for (let i = 0; i < images.length; i++) images[i] = (i * 7 + 3) % 256;
  const labels = new Uint8Array([7, 0, 9]);
  const perm = psmnistPermutation(4);
  const s = toSequences(images, labels, perm);
  assert.equal(s.count, N);
  assert.equal(s.T, T);
  assert.equal(s.x.length, N * T);
  assert.deepEqual([...s.y], [7, 0, 9]);
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) {
    assert.equal(s.x[n * T + t], Math.fround(images[n * T + perm[t]] / 255));
  }
  const part = toSequences(images, labels, perm, 1, 2);
  assert.deepEqual(part.x, s.x.subarray(T));
  assert.deepEqual([...part.y], [0, 9]);
  assert.throws(() => toSequences(images, labels, perm, 2, 2), /outside/);
  assert.throws(() => toSequences(images.subarray(1), labels, perm), /whole number/);
  assert.throws(() => toSequences(images, labels.subarray(1), perm), /labels/);
  assert.ok(Math.abs(PSMNIST_BASELINE - Math.log(10)) < 1e-15);
});

function idx(dims: number[], data: number[], type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const dv = new DataView(out.buffer);
  out[2] = type; out[3] = dims.length;
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

test('IDX reader: tiny hand-built image and label files', () => {
  const pixels = Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 20);
  const img = readIdxImages(idx([2, 2, 3], pixels));
  assert.deepEqual({ count: img.count, rows: img.rows, cols: img.cols }, { count: 2, rows: 2, cols: 3 });
  assert.deepEqual([...img.pixels], pixels);
  assert.deepEqual([...readIdxLabels(idx([4], [3, 1, 4, 1]))], [3, 1, 4, 1]);
  // Non-zero byteOffset views work.
  const file = idx([1], [5]);
  const padded = new Uint8Array(file.length + 3);
  padded.set(file, 3);
  assert.deepEqual([...readIdxLabels(padded.subarray(3))], [5]);
  // A pair of files through a permutation of 6 pixels.
  const perm = new Int32Array([5, 4, 3, 2, 1, 0]);
  const seq = readIdxPair(idx([2, 2, 3], pixels), idx([2], [8, 2]), perm);
  assert.equal(seq.x[0], Math.fround(pixels[5] / 255));
  assert.deepEqual([...seq.y], [8, 2]);
});

test('IDX reader: corrupt files give clear errors', () => {
  const good = idx([2, 2, 3], new Array(12).fill(0));
  assert.throws(() => readIdxImages(good.subarray(0, 10)), (e: Error) => e instanceof FormatError && /too short/.test(e.message));
  assert.throws(() => readIdxImages(good.subarray(0, good.length - 1)), /truncated/);
  const extra = new Uint8Array(good.length + 1); extra.set(good);
  assert.throws(() => readIdxImages(extra), /IDX header says 2×2×3 = 12 bytes/);
  const badMagic = good.slice(); badMagic[0] = 0x50; badMagic[1] = 0x4b;
  assert.throws(() => readIdxImages(badMagic), /not an IDX file \(magic number 0x504b0803, expected 0x00000803\)/);
  assert.throws(() => readIdxImages(idx([2, 2, 3], new Array(48).fill(0), 0x0c)), /data type 0x0c is not unsigned bytes/);
  assert.throws(() => readIdxImages(idx([12], new Array(12).fill(0))), /1 dimensions, expected 3/);
  assert.throws(() => readIdxLabels(good), /3 dimensions, expected 1/);
  assert.throws(() => readIdxLabels(idx([2], [1, 10])), /label 10 at index 1/);
  assert.throws(() => readIdxImages(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), /gzip/);
  assert.throws(() => readIdxPair(idx([1, 2, 3], new Array(6).fill(0)), idx([2], [0, 1]), new Int32Array(6)), /1 images but 2 labels/);
  assert.throws(() => readIdxPair(idx([1, 2, 3], new Array(6).fill(0)), idx([1], [0]), new Int32Array(784)), /2×3 = 6 pixels/);
});

test('registry: the paper\'s task settings and success criterion', () => {
  assert.deepEqual(TASK_NAMES, ['copy', 'addition', 'psmnist', 'charlm']);
  const { copy, addition, psmnist } = TASKS;
  assert.deepEqual([copy.inputSize, copy.outputSize, copy.loss, copy.defaultT, copy.activation], [10, 9, 'softmax-xent-every-step', 500, 'elu']);
  assert.deepEqual([addition.inputSize, addition.outputSize, addition.loss, addition.defaultT, addition.activation], [2, 1, 'mse-last-step', 750, 'relu']);
  assert.deepEqual([psmnist.inputSize, psmnist.outputSize, psmnist.loss, psmnist.defaultT, psmnist.activation], [1, 10, 'softmax-xent-last-step', 784, 'elu']);
  assert.equal(copy.baseline(), 10 * Math.log(8) / 500);
  assert.equal(copy.baseline(100), 10 * Math.log(8) / 100);
  assert.equal(psmnist.baseline(), Math.log(10));
  assert.ok(copy.succeeded(0.02));
  assert.ok(!copy.succeeded(0.021));
  assert.ok(copy.succeeded(0.1, 100));
  assert.ok(!copy.succeeded(Number.NaN));
  assert.ok(addition.succeeded(1 / 12 - 1e-9));
  assert.ok(!addition.succeeded(1 / 12));
  assert.ok(psmnist.succeeded(1.1) && !psmnist.succeeded(1.2));
  assert.equal(getTask('copy'), copy);
  assert.throws(() => getTask('toString'), /unknown task "toString"/);
});
