/**
 * RMSprop as the paper's Keras 2.2 applies it — a ← ρa + (1 − ρ)g², θ ← θ − lr·g / (√a + ε) — after
 * clipping all gradients together by their global norm (Keras's `clipnorm`, which in Keras 2.2 clips by the
 * norm of all gradients at once). tfjs's own RMSprop puts ε inside the square root and tfjs has no global-norm
 * clipping, so the step is ours. The parameters are a few thousand floats: plain loops, no kernel launches.
 */
export interface RmspropOptions {
  lr: number;
  rho?: number;
  epsilon?: number;
  /** global-norm threshold; Infinity turns clipping off */
  clipNorm?: number;
}

export class Rmsprop implements Optimizer {
  readonly lr: number;
  readonly rho: number;
  readonly epsilon: number;
  readonly clipNorm: number;
  /** running mean squares, one per parameter tensor (saved in checkpoints for an exact resume) */
  readonly meanSquares: Float32Array[];
  steps = 0;
  get slots(): Float32Array[] {
    return this.meanSquares;
  }

  constructor(sizes: readonly number[], o: RmspropOptions) {
    if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new RangeError(`learning rate must be a positive number, got ${o.lr}`);
    this.lr = o.lr;
    this.rho = o.rho ?? 0.9;
    this.epsilon = o.epsilon ?? 1e-7;
    this.clipNorm = o.clipNorm ?? 10;
    this.meanSquares = sizes.map((n) => new Float32Array(n));
  }

  /**
   * Updates `params` in place from `grads` (same order and sizes). Returns the gradients' global norm before
   * clipping (NaN or Infinity when a gradient is not finite; the parameters are then left untouched).
   */
  step(params: Float32Array[], grads: Float32Array[]): number {
    let sq = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const norm = Math.sqrt(sq);
    if (!Number.isFinite(norm)) return norm;
    const scale = norm > this.clipNorm ? this.clipNorm / norm : 1;
    this.steps++;
    const { rho, lr, epsilon } = this;
    for (let k = 0; k < params.length; k++) {
      const p = params[k], g = grads[k], a = this.meanSquares[k];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * scale;
        const ai = rho * a[i] + (1 - rho) * gi * gi;
        a[i] = ai;
        p[i] -= (lr * gi) / (Math.sqrt(ai) + epsilon);
      }
    }
    return norm;
  }
}

/** What the trainer needs of an optimizer: one clipped step, and the state an exact resume restores. */
export interface Optimizer {
  readonly lr: number;
  readonly clipNorm: number;
  /** the optimizer's per-parameter state, slot-major (RMSprop: mean squares; Adam: first then second moments) */
  readonly slots: Float32Array[];
  /** steps taken so far (Adam's bias correction needs it); restored on resume */
  steps: number;
  step(params: Float32Array[], grads: Float32Array[]): number;
}

export type OptimizerName = 'rmsprop' | 'adam';
export const OPTIMIZERS: readonly OptimizerName[] = ['rmsprop', 'adam'];

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** global-norm threshold; Infinity turns clipping off */
  clipNorm?: number;
}

/**
 * Adam as PyTorch's torch.optim.Adam computes it (β 0.9/0.999, ε 1e-8 added to the bias-corrected √v), after
 * clipping all gradients together by their global norm as torch.nn.utils.clip_grad_norm_ does (scale
 * clip/(norm + 1e-6) when that is below 1): the language models' optimizer, as in the PyTorch reference.
 */
export class Adam implements Optimizer {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly clipNorm: number;
  /** first moments, then second moments, one per parameter tensor */
  readonly slots: Float32Array[];
  steps = 0;
  private readonly n: number;

  constructor(sizes: readonly number[], o: AdamOptions) {
    if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new RangeError(`learning rate must be a positive number, got ${o.lr}`);
    this.lr = o.lr;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-8;
    this.clipNorm = o.clipNorm ?? 1;
    this.n = sizes.length;
    this.slots = [...sizes.map((n) => new Float32Array(n)), ...sizes.map((n) => new Float32Array(n))];
  }

  step(params: Float32Array[], grads: Float32Array[]): number {
    let sq = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const norm = Math.sqrt(sq);
    if (!Number.isFinite(norm)) return norm;
    const coef = this.clipNorm / (norm + 1e-6);
    const scale = coef < 1 ? coef : 1;
    const t = ++this.steps;
    const { beta1, beta2, epsilon } = this;
    const c1 = 1 - beta1 ** t, c2 = Math.sqrt(1 - beta2 ** t);
    const stepSize = this.lr / c1;
    for (let k = 0; k < params.length; k++) {
      const p = params[k], g = grads[k], m = this.slots[k], v = this.slots[this.n + k];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * scale;
        const mi = (m[i] = beta1 * m[i] + (1 - beta1) * gi);
        const vi = (v[i] = beta2 * v[i] + (1 - beta2) * gi * gi);
        p[i] -= (stepSize * mi) / (Math.sqrt(vi) / c2 + epsilon);
      }
    }
    return norm;
  }
}
