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

/** One pass; mean and variance by Welford's update so large tensors with a big offset stay accurate. */
export function tensorStats(data: ArrayLike<number>): TensorStats {
  let min = Infinity, max = -Infinity, mean = 0, m2 = 0, sumSq = 0;
  let finite = 0, nan = 0, inf = 0, zeros = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) { nan++; continue; }
    if (v === Infinity || v === -Infinity) { inf++; continue; }
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    finite++;
    const d = v - mean;
    mean += d / finite;
    m2 += d * (v - mean);
    sumSq += v * v;
  }
  if (finite === 0) return { min: null, max: null, mean: null, std: null, nan, inf, zeros, frobenius: null };
  return { min, max, mean, std: Math.sqrt(m2 / finite), nan, inf, zeros, frobenius: Math.sqrt(sumSq) };
}

export function statsOfTensor(t: Tensor): TensorStats {
  return tensorStats(t.data);
}
