// Tasks made of independent sequences (arithmetic, xml, memorize, music): each sequence goes into
// one stream of a batch, from step 0, padded with mask 0; `carry` is false (the state starts from
// zero and BPTT runs over the whole sequence). Sequences are never truncated, since cutting one
// would drop its scored answer. Sequence j of a split is sequence(seed, split, j), whatever the
// batching.
//
// Batching (the task option `batching`):
// - 'bucket' (default): length bucketing, so that a batch holds sequences of similar lengths and
//   is as long as its longest one (T = longest - 1; `unroll` plays no part). The sequences are
//   cut into chunks of M*B consecutive ones (M = 16 batches for the endless train split, 4 for
//   valid and test); a chunk is sorted by length (ties by index) and cut into M slices of B; batch
//   i is slice order[i mod M] of chunk floor(i / M), where `order` is a permutation drawn from
//   (seed, split, chunk), so that training does not meet the lengths in sorted order. The last
//   chunk of a finite split may be short; its last slice is filled with empty streams. A chunk
//   holds exactly the sequences it holds in plain batching, so every sequence of a finite split
//   is in exactly one batch, and a prefix of a multiple of 4 batches of valid/test (the trainer
//   validates on `validBatches` of them) holds the same sequences as in plain batching.
//   Computed positions (T*B) fall 3x for xml at the small preset (see bench/padding.ts).
// - 'plain': batch i holds sequences i*B .. i*B + B-1, in order, and T = max(unroll, longest - 1).
//
// Either way a batch is a pure function of (task options, seed, split, index, B) and never of the
// order in which batches are built: the chunk cache below is only a cache.
import { z } from 'zod';
import type { MultiHotBatch, TokenBatch } from '../cells/engine/batch.ts';
import { permutation, rngFor } from './random.ts';
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

/** How a kind of sequence is measured and packed. */
export interface Packing<S> {
  /** Length in steps, the sort key of bucketing. */
  length(seq: S): number;
  /** A batch of T = max(minSteps, longest - 1) steps; null streams are empty (all mask 0). */
  pack(seqs: (S | null)[], minSteps: number): TokenBatch | MultiHotBatch;
}

export const TOKEN_PACKING: Packing<TokenSequence> = { length: (s) => s.tokens.length, pack: packTokens };

export function rollPacking(units: number): Packing<RollSequence> {
  return { length: (s) => s.steps, pack: (seqs, minSteps) => packRolls(seqs, minSteps, units) };
}

export const BATCHINGS = ['bucket', 'plain'] as const;
export type Batching = (typeof BATCHINGS)[number];

/**
 * The task option that chooses the batching (see the header). It is not part of what a task
 * draws: tasks leave it out of their generators' keys, so the sequences are the same either way.
 */
export const BatchingOptionSchema = z.strictObject({
  batching: z.enum(BATCHINGS).default('bucket'),
});

/**
 * Batches per chunk of bucketing, for an endless split: more gives tighter buckets, fewer keeps
 * lengths mixed in time. A finite split uses chunks of 4 batches, so that a prefix of a multiple
 * of 4 batches (the trainer validates on the first `validBatches`: 4, 20, 200 in the presets)
 * holds the same sequences as it does in plain batching.
 */
export const BUCKET_BATCHES = { endless: 16, finite: 4 } as const;

/** Chunks kept built per task: training walks a chunk batch by batch, validation interleaves. */
const CHUNK_CACHE = 4;

/** numBatches / batch / batches for a task of independent sequences. */
export function sequenceBatching<S>(
  source: SequenceSource<S>,
  packing: Packing<S>,
  batching: Batching = 'bucket',
): Pick<Task, 'numBatches' | 'batch' | 'batches'> {
  const numBatches = (split: Split, opts: BatchOptions): number => {
    const n = source.count(split);
    return n === null ? Infinity : Math.ceil(n / opts.batchSize);
  };
  /** Sequences i*B .. i*B + B-1, null past the end of a finite split. */
  const inOrder = (split: Split, index: number, opts: BatchOptions): (S | null)[] => {
    const n = source.count(split);
    const seqs: (S | null)[] = [];
    for (let b = 0; b < opts.batchSize; b++) {
      const j = index * opts.batchSize + b;
      seqs.push(n === null || j < n ? source.get(opts.seed, split, j) : null);
    }
    return seqs;
  };
  // A cache only: a chunk is a function of its key, so building it again gives the same chunk.
  const chunks = new Map<string, S[]>();
  /** The sequences of chunk c (M*B of them, fewer at the end of a finite split), sorted by length, ties by index. */
  const sortedChunk = (split: Split, c: number, M: number, opts: BatchOptions): S[] => {
    const key = `${opts.seed}|${split}|${opts.batchSize}|${c}`;
    const hit = chunks.get(key);
    if (hit) return hit;
    const first = c * M * opts.batchSize;
    const end = Math.min(first + M * opts.batchSize, source.count(split) ?? Infinity);
    const seqs = Array.from({ length: end - first }, (_, k) => source.get(opts.seed, split, first + k));
    const lengths = seqs.map(packing.length);
    const order = seqs.map((_, k) => k).sort((a, b) => lengths[a] - lengths[b] || a - b);
    const sorted = order.map((k) => seqs[k]);
    chunks.set(key, sorted);
    if (chunks.size > CHUNK_CACHE) chunks.delete(chunks.keys().next().value!);
    return sorted;
  };
  /** Batch `index`: slice order[index mod M] of chunk floor(index / M), its slices in an order drawn from (seed, split, chunk). */
  const bucketed = (split: Split, index: number, opts: BatchOptions): (S | null)[] => {
    const B = opts.batchSize;
    const M = source.count(split) === null ? BUCKET_BATCHES.endless : BUCKET_BATCHES.finite;
    const c = Math.floor(index / M);
    const sorted = sortedChunk(split, c, M, opts);
    const order = permutation(Math.ceil(sorted.length / B), rngFor('bucket', opts.seed, split, c));
    const slice = sorted.slice(order[index % M] * B, (order[index % M] + 1) * B);
    return [...slice, ...new Array<null>(B - slice.length).fill(null)];
  };
  const batch = (split: Split, index: number, opts: BatchOptions) => {
    if (!Number.isInteger(index) || index < 0 || index >= numBatches(split, opts)) {
      throw new RangeError(`batch index ${index} is outside the ${split} split (${numBatches(split, opts)} batches)`);
    }
    return batching === 'plain' ? packing.pack(inOrder(split, index, opts), opts.unroll) : packing.pack(bucketed(split, index, opts), 1);
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
