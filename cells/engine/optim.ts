// Optimisers and gradient clipping on the flat parameter and gradient arrays. Each optimiser keeps
// its state in typed arrays of the parameters' type; `lr` is mutable so that a schedule can halve it.
import type { Real } from './gemm.ts';
import type { OptimizerOptions } from './options.ts';

/**
 * What an update depends on besides `lr` and the options: the update count (Adam's bias
 * correction) and the moment buffers, in a fixed order per kind (momentum: [v]; Adam: [m, v]);
 * no buffers before the first update, whose buffers start at zero.
 */
export interface OptimizerState {
  t: number;
  buffers: Real[];
}

export interface Optimizer {
  lr: number;
  /** Applies one update to `params` from `grads` (same length). */
  step(params: Real, grads: Real): void;
  /** A copy of the state (for checkpoints). */
  getState(): OptimizerState;
  /** Restores a state from `getState()` (copied): the following updates repeat exactly. */
  setState(s: OptimizerState): void;
}

const copies = (buffers: (Real | null)[]): Real[] => (buffers[0] ? buffers.map((b) => b!.slice()) : []);

function expectBuffers(kind: string, s: OptimizerState, n: number): void {
  if (s.buffers.length !== 0 && s.buffers.length !== n) throw new Error(`${kind} optimiser state has ${s.buffers.length} buffers, expected ${n} (or none)`);
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
        getState: () => ({ t: 0, buffers: [] }),
        setState: (s) => expectBuffers('sgd', s, 0),
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
        getState: () => ({ t: 0, buffers: copies([v]) }),
        setState(s) {
          expectBuffers('momentum', s, 1);
          v = s.buffers[0]?.slice() ?? null;
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
        getState: () => ({ t, buffers: copies([m, v]) }),
        setState(s) {
          expectBuffers('adam', s, 2);
          t = s.t;
          m = s.buffers[0]?.slice() ?? null;
          v = s.buffers[1]?.slice() ?? null;
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
