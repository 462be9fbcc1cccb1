/**
 * Pure helpers for the transient chart (no imports: the analysis webview bundles this file): what the curve
 * ‖W^k v‖ does, in words, and whether it needs a log axis.
 */
/** What a transient curve ‖W^k v‖, k = 0 … K, does — the caption of its chart says exactly this. */
export function describeTransient(t: ArrayLike<number>): string {
  const K = t.length - 1;
  if (K < 0) return '';
  const fmt = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : Number(x.toPrecision(4)).toString());
  let kmax = 0;
  for (let k = 1; k <= K; k++) if (t[k] > t[kmax]) kmax = k;
  let zeroAt = -1;
  for (let k = 0; k <= K; k++) if (t[k] === 0) { zeroAt = k; break; }
  if (!Number.isFinite(t[kmax])) {
    let k = 0;
    while (k <= K && Number.isFinite(t[k])) k++;
    return `‖Wᵏv‖ grows without decay and overflows float64 at k = ${k}.`;
  }
  if (zeroAt > 0) {
    const before = kmax > 0 ? `grows to ${fmt(t[kmax])} at k = ${kmax}, then ` : '';
    return `‖Wᵏv‖ ${before}drops to exactly 0 at k = ${zeroAt} (W is nilpotent on v: the trace leaves the network).`;
  }
  const last = t[K];
  let kmin = 0;
  for (let k = 1; k <= K; k++) if (t[k] < t[kmin]) kmin = k;
  if (t[kmax] - t[kmin] <= 1e-9 * t[0]) return `‖Wᵏv‖ stays at ${fmt(t[0])} (to 1e-9): no growth, no decay.`;
  if (kmax === K && K > 0) {
    return `‖Wᵏv‖ grows without decay over these ${K} steps, to ${fmt(last)} at k = ${K}${last > 1 ? ' (ρ(W) ≥ 1 or a transient longer than shown)' : ''}.`;
  }
  if (kmax > 0 && t[kmax] > t[0]) {
    return `‖Wᵏv‖ grows to ${fmt(t[kmax])} at k = ${kmax}, then decays to ${fmt(last)} at k = ${K}: growth before decay, the signature of non-normal dynamics.`;
  }
  return `‖Wᵏv‖ decays from ${fmt(t[0])} to ${fmt(last)} at k = ${K}, without transient growth.`;
}

/** A linear axis cannot show a curve spanning more than this ratio of its positive values: use a log axis. */
export const LOG_AXIS_RANGE = 1e3;

/** Whether a positive curve spans so many decades that only a log axis shows it. */
export function needsLogAxis(y: ArrayLike<number>): boolean {
  let lo = Infinity, hi = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  return hi > 0 && hi / lo > LOG_AXIS_RANGE;
}
