// Optimisers and gradient clipping on the flat parameter and gradient arrays. Each optimiser keeps
// its state in typed arrays of the parameters' type; `lr` is mutable so that a schedule can halve it.
import type { Real } from './gemm.ts';
import type { OptimizerOptions } from './options.ts';

export interface Optimizer {
  lr: number;
  /** Applies one update to `params` from `grads` (same length). */
  step(params: Real, grads: Real): void;
}

function like(a: Real): Real {
  return a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length);
}

export function makeOptimizer(o: OptimizerOptions): Optimizer {
  switch (o.kind) {
    case 'sgd':
      return {
        lr: o.lr,
        step(p, g) {
          const lr = this.lr;
          for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
        },
      };
    case 'momentum': {
      let v: Real | null = null;
      const mu = o.momentum;
      return {
        lr: o.lr,
        step(p, g) {
          v ??= like(p);
          const lr = this.lr;
          for (let i = 0; i < p.length; i++) {
            const vi = mu * v[i] + g[i];
            v[i] = vi;
            p[i] -= lr * (o.nesterov ? g[i] + mu * vi : vi);
          }
        },
      };
    }
    case 'adam': {
      let m: Real | null = null;
      let v: Real | null = null;
      let t = 0;
      const { beta1, beta2, eps } = o;
      return {
        lr: o.lr,
        step(p, g) {
          m ??= like(p);
          v ??= like(p);
          t++;
          const c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
          const lr = this.lr;
          for (let i = 0; i < p.length; i++) {
            const gi = g[i];
            const mi = beta1 * m[i] + (1 - beta1) * gi;
            const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
          }
        },
      };
    }
  }
}

/** The global L2 norm of the gradient (NaN or Infinity when the gradient is not finite). */
export function gradNorm(g: Real): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/** Scales `g` so that its global norm is at most `max` (0: no clipping). Returns the norm before. */
export function clipGradNorm(g: Real, max: number): number {
  const n = gradNorm(g);
  if (max > 0 && n > max && Number.isFinite(n)) {
    const s = max / n;
    for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return n;
}
