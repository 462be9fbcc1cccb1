/**
 * Exact values of the paper's initializers (docs/science.md §2–4), where closed forms exist, so the UI can show
 * them instead of float64 results that are wrong for strongly non-normal matrices. Memory is for the input at
 * the source, v = e₁ (the paper's nonnormal input feeds unit 0; for the normal initializers v does not matter).
 *
 * | init          | eigenvalues                               | Henrici d(W)        | J(k), J_tot                          |
 * |---------------|-------------------------------------------|---------------------|--------------------------------------|
 * | chain α       | all 0 (nilpotent)                         | |α|√(N−1)           | α^{2k}/Σ_{j≤k}α^{2j} for k < N        |
 * | fbchain β     | 2√(fβ)·cos(kπ/(N+1)), k = 1..N (f = 0.99) | ||f|−|β||·√(N−1)     | Stein solver: accurate, not closed   |
 * | orthogonal λ  | |λ_i| = |λ| (phases depend on the seed)    | 0                   | (1−λ²)λ^{2k}; J_tot = 1               |
 * | identity λ    | all λ                                     | 0                   | (1−λ²)λ^{2k}; J_tot = 1               |
 *
 * The feedback chain is tridiagonal Toeplitz (sub-diagonal f, super-diagonal β), so its eigenvalues are exactly
 * 2√(fβ)·cos(kπ/(N+1)) (purely imaginary when fβ < 0). Its eigenvalue condition numbers are ~(f/β)^{N/2}
 * (~1e69 at β = 0.04, N = 100): a float64 eigensolver returns ρ ≈ 0.6–0.8 where the exact value is 0.398.
 *
 * Normal W with W Wᵀ = λ²I (λI, λQ): C = Σ λ^{2k} I, so J(k) = λ^{2k}/Σ_j λ^{2j} whatever v is: (1−λ²)λ^{2k}
 * and J_tot = 1 for |λ| < 1; when |λ| ≥ 1 the noise covariance diverges and the memory is taken over the finite
 * horizon N (as the analysis does): J_N(k) = λ^{2k}/Σ_{j<N} λ^{2j} (1/N for |λ| = 1), Σ_k J_N(k) = 1.
 */
import { DEFAULT_GAIN, InitSpec, fbchain, parseInitSpec, specText } from './initializers';
import { chainMemoryClosedForm, fisherMemory, inputVector } from '../analysis/memory';
// The types live in the protocol (types only), so the webview can use them without bundling the solvers.
import type { ExactKey, ExactValues, SummaryKey, SummaryValue, ValueMethod } from '../../shared/protocol';

export type { ExactKey, ExactValues, SummaryKey, SummaryValue, ValueMethod };

/** The feedback chain's forward weight in the paper's code. */
export const FBCHAIN_FORWARD = 0.99;

export interface ExactOptions {
  /**
   * For the feedback chain, compute J(k) and J_tot with the Stein solver (default true). Pass false when the
   * caller computes the same memory curve anyway (an analysis with v = e₁).
   */
  stein?: boolean;
}

/** Relative size of the neglected tail at which an infinite geometric memory curve stops (as memory.ts). */
const TAIL_TOL = 1e-15;
const K_MAX = 100_000;

/** Exact values of an initializer of size n, where closed forms exist; `notes` says which are exact. */
export function exactValues(specIn: string | InitSpec, n: number, opts: ExactOptions = {}): ExactValues {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`hidden size must be a positive integer, got ${n}`);
  const s = typeof specIn === 'string' ? parseInitSpec(specIn) : specIn;
  const out: ExactValues = { spec: s.spec, n, exact: [], notes: [] };
  const g = s.gain;
  switch (s.name) {
    case 'chain': {
      const a = Math.abs(g);
      out.eigenvalues = { re: new Float64Array(n), im: new Float64Array(n) };
      out.spectralRadius = 0;
      out.henrici = a * Math.sqrt(n - 1);
      out.sigmaMax = n > 1 ? a : 0;
      const m = a === 0 ? { J: Float64Array.of(1), jTot: 1 } : chainMemoryClosedForm(n, a);
      Object.assign(out, { J: m.J, jTot: m.jTot, horizon: null, memoryMethod: 'closed-form' });
      out.exact.push('eigenvalues', 'spectralRadius', 'henrici', 'sigmaMax', 'J', 'jTot');
      out.notes.push(
        'Chain: nilpotent, every eigenvalue is exactly 0 (a float64 eigensolver scatters them on a circle of radius ≈ ε^{1/N}).',
        `Henrici d(W) = |α|√(N−1) and J(k) = α^{2k}/Σ_{j≤k}α^{2j} (k < N, 0 after) are closed forms.`,
      );
      break;
    }
    case 'fbchain': {
      const f = FBCHAIN_FORWARD;
      const fb = f * g;
      const r = 2 * Math.sqrt(Math.abs(fb));
      const re = new Float64Array(n), im = new Float64Array(n);
      for (let k = 1; k <= n; k++) {
        // cos(kπ/(N+1)) written as a sine: exactly 0 in the middle and exactly antisymmetric.
        const c = Math.sin(((n + 1 - 2 * k) * Math.PI) / (2 * (n + 1)));
        if (fb >= 0) re[k - 1] = r * c;
        else im[k - 1] = r * c;
      }
      out.eigenvalues = { re, im };
      out.spectralRadius = n > 1 ? r * Math.sin(((n - 1) * Math.PI) / (2 * (n + 1))) : 0;
      out.henrici = Math.abs(Math.abs(f) - Math.abs(g)) * Math.sqrt(n - 1);
      out.exact.push('eigenvalues', 'spectralRadius', 'henrici');
      out.notes.push(
        `Feedback chain (forward ${f}, feedback β): tridiagonal Toeplitz, so its eigenvalues are exactly 2√(fβ)·cos(kπ/(N+1)), ` +
          `ρ = ${out.spectralRadius.toPrecision(4)}; they are so ill-conditioned (κ ~ (f/β)^{N/2}) that float64 eigensolvers return ρ far too large.`,
        'Henrici d(W) = ||f| − |β||·√(N−1) is exact (diagonally similar to a symmetric matrix, so the spectrum is real).',
      );
      if (g === 0) {
        // β = 0 is the chain with α = f: closed form.
        const m = chainMemoryClosedForm(n, f);
        Object.assign(out, { J: m.J, jTot: m.jTot, horizon: null, memoryMethod: 'closed-form' });
        out.exact.push('J', 'jTot');
        out.notes.push('With β = 0 it is the chain with α = 0.99: J(k) is the chain\'s closed form.');
      } else if (opts.stein !== false) {
        const horizon = out.spectralRadius < 1 ? undefined : n;
        try {
          const m = fisherMemory(fbchain(n, g, f), n, inputVector('source', n), { horizon });
          Object.assign(out, { J: m.J, jTot: m.jTot, horizon: m.horizon, memoryMethod: 'stein' });
          out.notes.push('J(k) and J_tot come from the Stein solver (accurate in float64, but not a closed form).');
        } catch (err) {
          out.notes.push(`The Stein solver could not compute J(k) in float64: ${(err as Error).message}.`);
        }
      } else {
        out.notes.push('J(k) and J_tot have no closed form: they come from the Stein solver (accurate, not exact).');
      }
      break;
    }
    case 'orthogonal':
    case 'identity': {
      const a = Math.abs(g);
      if (s.name === 'identity') {
        out.eigenvalues = { re: new Float64Array(n).fill(g), im: new Float64Array(n) };
        out.exact.push('eigenvalues');
      } else {
        out.eigenvalueModulus = a;
        out.exact.push('eigenvalueModulus');
      }
      out.spectralRadius = a;
      out.henrici = 0;
      out.sigmaMax = a;
      const m = normalMemory(a, n);
      Object.assign(out, { J: m.J, jTot: 1, horizon: m.horizon, memoryMethod: 'closed-form' });
      out.exact.push('spectralRadius', 'henrici', 'sigmaMax', 'J', 'jTot');
      out.notes.push(s.name === 'identity'
        ? 'Identity λI: every eigenvalue is λ, d(W) = 0 (normal).'
        : 'Orthogonal λQ: every |λ_i| = |λ| (their phases depend on the random Q), d(W) = 0 (normal).');
      out.notes.push(m.horizon === null
        ? 'Normal with ρ < 1: J(k) = (1−λ²)λ^{2k} and J_tot = 1 exactly, for any input.'
        : `ρ(W) = ${fmt(a)} ≥ 1: memory over the finite horizon N = ${n}, J_N(k) = λ^{2k}/Σ_{j<N}λ^{2j}${a === 1 ? ' = 1/N' : ''}, Σ J_N(k) = 1 exactly.`);
      break;
    }
    case 'gaussian':
      out.notes.push(`Gaussian: a random matrix, no closed forms (its eigenvalues fill a disc of radius ≈ ${fmt(Math.abs(g))} only as N → ∞).`);
      break;
  }
  return out;
}

/**
 * J(k) of a normal W with W Wᵀ = a²I: (1 − a²)a^{2k} over the infinite horizon (a < 1), cut like memory.ts
 * cuts the infinite sum (N·a^{2K} ≤ 1e-15·Σ_{k<K} J(k)); a^{2k}/Σ_{j<N}a^{2j} over the horizon N when a ≥ 1.
 */
function normalMemory(a: number, n: number): { J: Float64Array; horizon: number | null } {
  if (a === 0) return { J: Float64Array.of(1), horizon: null };
  const q = a * a;
  if (a < 1) {
    const J: number[] = [];
    let p = 1, sum = 0;
    while (J.length < K_MAX) {
      if (n * p <= TAIL_TOL * sum || p === 0) break;
      const j = (1 - q) * p;
      J.push(j);
      sum += j;
      p *= q;
    }
    return { J: Float64Array.from(J), horizon: null };
  }
  // a ≥ 1: J_N(k) = r^{N−1−k} / Σ_{m<N} r^m with r = 1/a² ≤ 1 (no overflow for any a).
  const r = 1 / q;
  let s = 0;
  for (let m = 0, p = 1; m < n; m++, p *= r) s += p;
  const J = new Float64Array(n);
  for (let k = 0; k < n; k++) J[k] = Math.pow(r, n - 1 - k) / s;
  return { J, horizon: n };
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/** The paper's four initializers with the official code's default gains, in the order of the paper. */
export const PAPER_INITS: readonly string[] = (['chain', 'fbchain', 'orthogonal', 'identity'] as const).map((name) => specText(name, DEFAULT_GAIN[name]));

export { specText };


// ---- which value to believe: the closed form, or float64 (and how far) ----------------------------------------

/** The compare panel's summary quantities, in table order. */
export const SUMMARY_KEYS: readonly SummaryKey[] = ['jTot', 'henrici', 'spectralRadius', 'sigmaMax'];

/** Eigenvalues with a first-order error bound κ·ε above this are untrustworthy (as analysis/analyze.ts). */
const TRUST_RELATIVE = 1e-8;

/** κ·ε > 1e-8; a null κ (an infinite condition number after JSON) counts as infinite. */
export function eigenvaluesUntrustworthy(maxCondition: number | null | undefined): boolean {
  const k = maxCondition === null || maxCondition === undefined || Number.isNaN(maxCondition) ? Infinity : maxCondition;
  return k * 2 ** -52 > TRUST_RELATIVE;
}

/**
 * The value of each summary quantity to show for one matrix, preferring closed forms. `numbers` is the float64
 * analysis (memory with v = e₁, as exactValues), absent when it failed or has not run.
 */
export function summaryValues(
  numbers: { jTot: number; henrici: number; spectralRadius: number; sigmaMax: number; maxCondition: number | null } | undefined,
  exact: ExactValues | null | undefined,
): Record<SummaryKey, SummaryValue> {
  const untrusted = numbers ? eigenvaluesUntrustworthy(numbers.maxCondition) : false;
  const pick = (key: SummaryKey, exactKey: ExactKey, numeric: ValueMethod): SummaryValue => {
    const f = numbers ? numbers[key] : null;
    const e = exact?.[exactKey as 'jTot' | 'henrici' | 'spectralRadius' | 'sigmaMax'];
    if (e !== undefined && exact!.exact.includes(exactKey)) return { value: e, method: 'exact', float64: f };
    if (key === 'jTot' && exact?.jTot !== undefined && exact.memoryMethod === 'stein') return { value: exact.jTot, method: 'stein', float64: f };
    return { value: f, method: f === null ? null : numeric, float64: f };
  };
  return {
    jTot: pick('jTot', 'jTot', 'stein'),
    henrici: pick('henrici', 'henrici', untrusted ? 'untrustworthy' : 'float64'),
    spectralRadius: pick('spectralRadius', 'spectralRadius', untrusted ? 'untrustworthy' : 'float64'),
    sigmaMax: pick('sigmaMax', 'sigmaMax', 'float64'),
  };
}
