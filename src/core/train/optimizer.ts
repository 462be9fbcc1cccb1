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

export class Rmsprop {
  readonly lr: number;
  readonly rho: number;
  readonly epsilon: number;
  readonly clipNorm: number;
  /** running mean squares, one per parameter tensor (saved in checkpoints for an exact resume) */
  readonly meanSquares: Float32Array[];

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
