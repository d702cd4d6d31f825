// Seeded randomness for the tasks. Every draw comes from a generator keyed by a string that names
// what is drawn (task, options, seed, split, index), so that any sequence or batch can be built on
// its own, in any process, without carrying generator state around: the key is the state.
import seedrandom from 'seedrandom';

export type Rng = () => number;

/** A fresh generator (seedrandom's Alea: fast to seed, which matters at one per sequence). */
export function rngFor(...key: (string | number)[]): Rng {
  return seedrandom.alea(key.join('|'));
}

/** An integer uniform in [lo, hi], both ends included. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** A uniform random permutation of 0 .. n-1 (Fisher-Yates). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}
