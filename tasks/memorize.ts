// Memorization, the filter of Jozefowicz et al. (2015): read `length` symbols drawn uniformly
// from an alphabet of `symbols` letters, then `=`, then reproduce them. Only the reproduced
// symbols are scored (the prompt is random and cannot be predicted).
import { rngFor, randInt } from './random.ts';
import { sequenceBatching, TOKEN_PACKING, tokenExample, type TokenSequence } from './sequences.ts';
import type { Split, Task } from './task.ts';
import type { MemorizeOptions } from './task-options.ts';

/** Letters a..z are ids 0..25; `=` (the separator) is id 26. */
export const MEMORIZE_VOCAB: readonly string[] = [...'abcdefghijklmnopqrstuvwxyz', '='];
export const MEMORIZE_SEPARATOR = 26;

/** The sequence `prompt = prompt`, scored on the second copy. */
export function memorizeSequence(prompt: readonly number[]): TokenSequence {
  const n = prompt.length;
  const tokens = Int32Array.from([...prompt, MEMORIZE_SEPARATOR, ...prompt]);
  const scored = new Uint8Array(2 * n + 1);
  scored.fill(1, n + 1);
  return { tokens, scored };
}

export function memorizeTask(o: MemorizeOptions): Task {
  // The batching does not change what is drawn, so it is not part of the generators' key.
  const { batching, ...drawn } = o;
  const key = JSON.stringify(drawn);
  const count = (split: Split) => (split === 'train' ? null : split === 'valid' ? o.validSize : o.testSize);
  const get = (seed: number, split: Split, j: number) => {
    const rng = rngFor('memorize', key, seed, split, j);
    return memorizeSequence(Array.from({ length: o.length }, () => randInt(rng, 0, o.symbols - 1)));
  };
  return {
    name: 'memorize',
    description: `read ${o.length} symbols drawn from ${o.symbols}, then reproduce them (the filter of Jozefowicz et al. 2015); scored on the reproduction`,
    vocab: MEMORIZE_VOCAB,
    output: 'softmax',
    metric: 'accuracy',
    maxSteps: 2 * o.length,
    sizes: () => ({ unit: 'sequences', train: null, valid: o.validSize, test: o.testSize }),
    ...sequenceBatching({ count, get }, TOKEN_PACKING, batching),
    sample: (n, seed) => Array.from({ length: n }, (_, j) => tokenExample(get(seed, 'train', j), MEMORIZE_VOCAB, '')),
  };
}
