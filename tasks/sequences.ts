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
// - 'stream': the sequences are concatenated into B streams, read `unroll` steps at a time with
//   the state carried across batches (`carry` true except at the start of a pass), as ptb reads
//   its text. Stream b holds sequences b, b+B, b+2B, ... end to end; batch i is steps
//   i*T .. i*T + T-1 of every stream. A cell is then never reset between problems and must clear
//   its own state (Jozefowicz et al.'s LSTM-f, which cannot, is the reason this exists). Scored are
//   exactly the targets the other batchings score: a sequence's own scored targets, never the first
//   symbol of the next sequence. A finite split ends when its longest stream does; the shorter
//   streams are padded with mask 0.
//
// Either way a batch is a pure function of (task options, seed, split, index, B) and never of the
// order in which batches are built: the chunk cache below is only a cache.
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
  /** An empty batch of T x B steps, all mask 0 (stream batching fills it with `put`). */
  empty(T: number, B: number, carry: boolean): TokenBatch | MultiHotBatch;
  /**
   * Writes position (t, b) of a batch from `empty`: the input is step `inAt` of `from`, the target
   * step `outAt` of `to` (the same sequence, or the next one when `outAt` is 0). Scored as `to`
   * says, and never its first step, which nothing before it in `to` predicts.
   */
  put(batch: TokenBatch | MultiHotBatch, t: number, b: number, from: S, inAt: number, to: S, outAt: number): void;
}

export const TOKEN_PACKING: Packing<TokenSequence> = {
  length: (s) => s.tokens.length,
  pack: packTokens,
  empty: (T, B, carry) => ({ kind: 'tokens', T, B, inputs: new Int32Array(T * B), targets: new Int32Array(T * B), mask: new Float32Array(T * B), carry }),
  put: (batch, t, b, from, inAt, to, outAt) => {
    const i = t * batch.B + b;
    (batch.inputs as Int32Array)[i] = from.tokens[inAt];
    (batch.targets as Int32Array)[i] = to.tokens[outAt];
    batch.mask[i] = outAt > 0 ? to.scored[outAt] : 0;
  },
};

export function rollPacking(units: number): Packing<RollSequence> {
  const V = units;
  return {
    length: (s) => s.steps,
    pack: (seqs, minSteps) => packRolls(seqs, minSteps, units),
    empty: (T, B, carry) => ({ kind: 'multihot', T, B, inputs: new Float32Array(T * B * V), targets: new Float32Array(T * B * V), mask: new Float32Array(T * B), carry }),
    put: (batch, t, b, from, inAt, to, outAt) => {
      const row = (t * batch.B + b) * V;
      for (let v = 0; v < V; v++) {
        batch.inputs[row + v] = from.roll[inAt * V + v];
        batch.targets[row + v] = to.roll[outAt * V + v];
      }
      batch.mask[t * batch.B + b] = outAt > 0 ? 1 : 0;
    },
  };
}

export const BATCHINGS = ['bucket', 'plain', 'stream'] as const;
export type Batching = (typeof BATCHINGS)[number];

/**
 * Batches per chunk of bucketing, for an endless split: more gives tighter buckets, fewer keeps
 * lengths mixed in time. A finite split uses chunks of 4 batches, so that a prefix of a multiple
 * of 4 batches (the trainer validates on the first `validBatches`: 4, 20, 200 in the presets)
 * holds the same sequences as it does in plain batching.
 */
export const BUCKET_BATCHES = { endless: 16, finite: 4 } as const;

/** Chunks kept built per task: training walks a chunk batch by batch, validation interleaves. */
const CHUNK_CACHE = 4;

/** Stream layouts kept per task: (seed, split, B) keys; training and validation interleave. */
const LAYOUT_CACHE = 6;

/** Sequences kept per stream: a window needs the few that cover it, and walking on reuses them. */
const STREAM_RECENT = 8;

/**
 * Where the sequences of one stream start: `starts[k]` is the first step of the stream's k-th
 * sequence and `starts[k + 1]` its end, grown as far as a window needs (a finite split: to its
 * end). `recent` keeps the last sequences drawn, so that training draws each one once.
 */
interface StreamLayout<S> {
  starts: number[];
  /** No sequence after the last one in `starts` (the end of a finite split). */
  done: boolean;
  recent: Map<number, S>;
}

/**
 * The B streams of a split, as a function of (source, seed, split, B): stream b holds sequences
 * b, b+B, b+2B, ... Layouts grow lazily, from each stream's start, and are cached, so a fresh
 * process asked for batch i (a resumed run) first measures the sequences before it.
 */
function streamReader<S>(source: SequenceSource<S>, packing: Packing<S>) {
  const layouts = new Map<string, StreamLayout<S>[]>();
  const layoutsOf = (split: Split, opts: BatchOptions): StreamLayout<S>[] => {
    const key = `${opts.seed}|${split}|${opts.batchSize}`;
    let hit = layouts.get(key);
    if (!hit) {
      hit = Array.from({ length: opts.batchSize }, () => ({ starts: [0], done: false, recent: new Map<number, S>() }));
      layouts.set(key, hit);
      if (layouts.size > LAYOUT_CACHE) layouts.delete(layouts.keys().next().value!);
    }
    return hit;
  };
  const seqOf = (l: StreamLayout<S>, split: Split, opts: BatchOptions, b: number, k: number): S => {
    let s = l.recent.get(k);
    if (s === undefined) {
      s = source.get(opts.seed, split, b + k * opts.batchSize);
      l.recent.set(k, s);
      if (l.recent.size > STREAM_RECENT) l.recent.delete(Math.min(...l.recent.keys()));
    }
    return s;
  };
  /** Grows stream b's layout until it covers step `pos`, or to its end. */
  const grow = (l: StreamLayout<S>, split: Split, opts: BatchOptions, b: number, pos: number) => {
    const n = source.count(split);
    while (!l.done && l.starts[l.starts.length - 1] <= pos) {
      const k = l.starts.length - 1;
      if (n !== null && b + k * opts.batchSize >= n) { l.done = true; break; }
      l.starts.push(l.starts[k] + packing.length(seqOf(l, split, opts, b, k)));
    }
  };
  /** The sequence holding step `pos` of a stream (its layout covers pos) and the step within it. */
  const locate = (starts: number[], pos: number): [number, number] => {
    let lo = 0, hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) lo = mid; else hi = mid - 1;
    }
    return [lo, pos - starts[lo]];
  };
  /** Steps in each stream of a finite split (its whole layout). */
  const lengths = (split: Split, opts: BatchOptions): number[] =>
    layoutsOf(split, opts).map((l, b) => {
      grow(l, split, opts, b, Infinity);
      return l.starts[l.starts.length - 1];
    });
  const window = (split: Split, index: number, opts: BatchOptions) => {
    const T = opts.unroll, B = opts.batchSize;
    const batch = packing.empty(T, B, index > 0);
    layoutsOf(split, opts).forEach((l, b) => {
      grow(l, split, opts, b, (index + 1) * T);
      const end = l.starts[l.starts.length - 1];
      if (index * T + 1 >= end) return;
      // One search per stream and window; the next step's sequence follows from this one's.
      let [k, at] = locate(l.starts, index * T);
      for (let t = 0; t < T; t++) {
        const p = index * T + t;
        if (p + 1 >= end) break;
        let k2 = k;
        while (l.starts[k2 + 1] <= p + 1) k2++;
        const at2 = p + 1 - l.starts[k2];
        packing.put(batch, t, b, seqOf(l, split, opts, b, k), at, seqOf(l, split, opts, b, k2), at2);
        k = k2;
        at = at2;
      }
    });
    return batch;
  };
  return { lengths, window };
}

/** numBatches / batch / batches for a task of independent sequences. */
export function sequenceBatching<S>(
  source: SequenceSource<S>,
  packing: Packing<S>,
  batching: Batching = 'bucket',
): Pick<Task, 'numBatches' | 'batch' | 'batches'> {
  const streams = streamReader(source, packing);
  const numBatches = (split: Split, opts: BatchOptions): number => {
    const n = source.count(split);
    if (n === null) return Infinity;
    // Targets are steps 1 .. length-1 of a stream: the longest stream decides.
    if (batching === 'stream') return Math.ceil((Math.max(...streams.lengths(split, opts)) - 1) / opts.unroll);
    return Math.ceil(n / opts.batchSize);
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
    if (batching === 'stream') return streams.window(split, index, opts);
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
