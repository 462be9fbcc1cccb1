import { Tensor } from './tensor';

export interface TensorStats {
  /** Over finite values only; null when the tensor has none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  inf: number;
  zeros: number;
  /** Frobenius (Euclidean) norm over finite values. */
  frobenius: number | null;
}

/**
 * Without a division or a branch per value (a 64 MiB tensor in well under a tenth of a second): one pass of counts,
 * extremes and sums shifted by the first value (so a large common offset cancels), and a second pass — the squares
 * about the mean with the compensation term Σd, the corrected two-pass algorithm — only when that shift was far from
 * the mean relative to the spread. A NaN or ±Infinity makes the first pass's sums non-finite: only then does a pass
 * test each value.
 */
export function tensorStats(data: ArrayLike<number>): TensorStats {
  const len = data.length;
  const shift = len > 0 ? data[0] : 0;
  // In blocks: a short function called many times is compiled early and keeps its sums unboxed (one long loop
  // waits for on-stack replacement, allocating a heap number per value until then).
  const acc = new Float64Array([Infinity, -Infinity, 0, 0, 0, 0]);
  for (let start = 0; start < len; start += STATS_BLOCK) firstPass(data, start, Math.min(len, start + STATS_BLOCK), shift, acc);
  const [min, max, sumSq, zeros, dSum, d2Sum] = acc;
  if (Number.isFinite(dSum + d2Sum + sumSq)) {
    if (len === 0) return { min: null, max: null, mean: null, std: null, nan: 0, inf: 0, zeros, frobenius: null };
    const meanD = dSum / len;
    const variance = Math.max(0, (d2Sum - dSum * meanD) / len);
    // Accurate while the shift is within a hundred standard deviations of the mean; else the second pass below.
    if (meanD * meanD <= 1e4 * variance) {
      return { min, max, mean: Math.min(max, Math.max(min, shift + meanD)), std: Math.sqrt(variance), nan: 0, inf: 0, zeros, frobenius: Math.sqrt(sumSq) };
    }
  }
  return carefulStats(data);
}

const STATS_BLOCK = 1 << 16;

/** Counts, extremes and shifted sums of `data[start..end)`, added to `acc` = [min, max, Σv², zeros, Σd, Σd²]. */
function firstPass(data: ArrayLike<number>, start: number, end: number, shift: number, acc: Float64Array): void {
  let min = acc[0], max = acc[1], sumSq = acc[2], zeros = acc[3], dSum = acc[4], d2Sum = acc[5];
  for (let i = start; i < end; i++) {
    const v = data[i];
    zeros += v === 0 ? 1 : 0;
    min = v < min ? v : min;
    max = v > max ? v : max;
    sumSq += v * v;
    const d = v - shift;
    dSum += d;
    d2Sum += d * d;
  }
  acc[0] = min; acc[1] = max; acc[2] = sumSq; acc[3] = zeros; acc[4] = dSum; acc[5] = d2Sum;
}

/** Value by value, NaN and ±Infinity counted apart; the mean, then the spread about it (corrected two-pass). */
function carefulStats(data: ArrayLike<number>): TensorStats {
  const len = data.length;
  let min = Infinity, max = -Infinity, sum = 0, sumSq = 0, zeros = 0, nan = 0, inf = 0;
  for (let i = 0; i < len; i++) {
    const v = data[i];
    if (v - v !== 0) {
      if (v !== v) nan++;
      else inf++;
      continue;
    }
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
  }
  const finite = len - nan - inf;
  if (finite === 0) return { min: null, max: null, mean: null, std: null, nan, inf, zeros, frobenius: null };
  let mean = sum / finite;
  if (!Number.isFinite(mean)) {
    // The sum overflowed (values near the float64 limit): the mean as a sum of scaled values.
    mean = 0;
    for (let i = 0; i < len; i++) if (data[i] - data[i] === 0) mean += data[i] / finite;
  }
  // The extremes bound the mean (a rounded sum can fall outside them by an ulp).
  mean = Math.min(max, Math.max(min, mean));
  let dSum = 0, d2Sum = 0;
  for (let i = 0; i < len; i++) {
    const d = data[i] - mean;
    if (d - d !== 0) continue;
    dSum += d;
    d2Sum += d * d;
  }
  const variance = Math.max(0, (d2Sum - (dSum * dSum) / finite) / finite);
  return { min, max, mean: mean + dSum / finite, std: Math.sqrt(variance), nan, inf, zeros, frobenius: Math.sqrt(sumSq) };
}

export function statsOfTensor(t: Tensor): TensorStats {
  return tensorStats(t.data);
}
