// Tasks made of independent sequences (arithmetic, xml, memorize, music): each sequence goes into
// one stream of a batch, from step 0, padded with mask 0; `carry` is false (the state starts from
// zero and BPTT runs over the whole sequence). A batch has T = max(unroll, longest sequence in the
// batch - 1) steps: sequences are never truncated, since cutting one would drop its scored answer.
//
// Sequence j of a split is sequence(seed, split, j): batch i holds sequences i*B .. i*B + B-1, so a
// batch depends only on (seed, split, index, B) and never on the order in which batches are built.
import type { MultiHotBatch, TokenBatch } from '../cells/engine/batch.ts';
import { iterateBatches, type BatchOptions, type Split, type Task } from './task.ts';

/** A token sequence; `scored[i]` (i >= 1) says whether predicting tokens[i] is scored. */
export interface TokenSequence {
  tokens: Int32Array;
  scored: Uint8Array;
}

/** A piano roll: `steps` rows of `units` entries, 0 or 1; every next step is scored. */
export interface RollSequence {
  steps: number;
  units: number;
  roll: Uint8Array;
}

/** Packs token sequences (null: an empty stream, all mask 0) into one time-major batch. */
export function packTokens(seqs: (TokenSequence | null)[], unroll: number): TokenBatch {
  const B = seqs.length;
  let T = unroll;
  for (const s of seqs) if (s) T = Math.max(T, s.tokens.length - 1);
  const inputs = new Int32Array(T * B);
  const targets = new Int32Array(T * B);
  const mask = new Float32Array(T * B);
  seqs.forEach((s, b) => {
    if (!s) return;
    for (let t = 0; t + 1 < s.tokens.length; t++) {
      inputs[t * B + b] = s.tokens[t];
      targets[t * B + b] = s.tokens[t + 1];
      mask[t * B + b] = s.scored[t + 1];
    }
  });
  return { kind: 'tokens', T, B, inputs, targets, mask, carry: false };
}

/** Packs piano rolls into one time-major multi-hot batch; every real step is scored. */
export function packRolls(seqs: (RollSequence | null)[], unroll: number, units: number): MultiHotBatch {
  const B = seqs.length;
  const V = units;
  let T = unroll;
  for (const s of seqs) if (s) T = Math.max(T, s.steps - 1);
  const inputs = new Float32Array(T * B * V);
  const targets = new Float32Array(T * B * V);
  const mask = new Float32Array(T * B);
  seqs.forEach((s, b) => {
    if (!s) return;
    for (let t = 0; t + 1 < s.steps; t++) {
      const row = (t * B + b) * V;
      for (let v = 0; v < V; v++) {
        inputs[row + v] = s.roll[t * V + v];
        targets[row + v] = s.roll[(t + 1) * V + v];
      }
      mask[t * B + b] = 1;
    }
  });
  return { kind: 'multihot', T, B, inputs, targets, mask, carry: false };
}

/** Where the sequences of a split come from. */
export interface SequenceSource<S> {
  /** Sequences in a split; null for an endless train split. */
  count(split: Split): number | null;
  /** Sequence j of a split for a seed: a pure function of its arguments. */
  get(seed: number, split: Split, j: number): S;
}

/** numBatches / batch / batches for a task of independent sequences. */
export function sequenceBatching<S>(
  source: SequenceSource<S>,
  pack: (seqs: (S | null)[], unroll: number) => TokenBatch | MultiHotBatch,
): Pick<Task, 'numBatches' | 'batch' | 'batches'> {
  const numBatches = (split: Split, opts: BatchOptions): number => {
    const n = source.count(split);
    return n === null ? Infinity : Math.ceil(n / opts.batchSize);
  };
  const batch = (split: Split, index: number, opts: BatchOptions) => {
    if (!Number.isInteger(index) || index < 0 || index >= numBatches(split, opts)) {
      throw new RangeError(`batch index ${index} is outside the ${split} split (${numBatches(split, opts)} batches)`);
    }
    const n = source.count(split);
    const seqs: (S | null)[] = [];
    for (let b = 0; b < opts.batchSize; b++) {
      const j = index * opts.batchSize + b;
      seqs.push(n === null || j < n ? source.get(opts.seed, split, j) : null);
    }
    return pack(seqs, opts.unroll);
  };
  const self = { numBatches, batch };
  return { ...self, batches: (split: Split, opts: BatchOptions) => iterateBatches(self, split, opts) };
}

/** Turns a token sequence into an Example for display. */
export function tokenExample(seq: TokenSequence, vocab: readonly string[], separator: '' | ' '): {
  symbols: string[]; scored: boolean[]; separator: '' | ' ';
} {
  return {
    symbols: Array.from(seq.tokens, (id) => vocab[id]),
    scored: Array.from(seq.scored, (s) => s === 1),
    separator,
  };
}
