// The task interface: what every task (arithmetic, xml, ptb, memorize, music) offers the engine,
// the search and the CLI. A task is data and scoring only; it knows nothing of cells or runs.
//
// Determinism: batch `index` of a split is a pure function of (task options, seed, split, index).
// A worker can therefore build any batch on its own, in any order, and get the same data as a
// single process would; `batches()` with a `shard` just walks the indices k, k + N, k + 2N, ...
import type { Batch } from '../cells/engine/batch.ts';
import type { BatchOptions } from './batch-options.ts';

export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export type { BatchOptions } from './batch-options.ts';

/** The size of each split, in the task's own unit; `train: null` means an endless generator. */
export interface SplitSizes {
  unit: 'sequences' | 'tokens' | 'pieces';
  train: number | null;
  valid: number;
  test: number;
}

/** One example for display: the symbols of a sequence and, for each, whether predicting it is scored. */
export interface Example {
  symbols: string[];
  scored: boolean[];
  /** How symbols are joined for display ('' for characters, ' ' for words and chords). */
  separator: '' | ' ';
}

export type OutputHead = 'softmax' | 'sigmoid';
/** The headline metric: next-step accuracy, perplexity, or negative log-likelihood per time step. */
export type HeadlineMetric = 'accuracy' | 'perplexity' | 'nll';

export interface Task {
  readonly name: string;
  /** One line saying what the task is and where it comes from. */
  readonly description: string;
  /** The symbol of each input id (softmax tasks) or the pitch name of each unit (music). */
  readonly vocab: readonly string[];
  readonly output: OutputHead;
  readonly metric: HeadlineMetric;
  /** Anything a reader of the results must know (e.g. not comparable with published numbers). */
  readonly note?: string;
  /** Longest sequence the task can produce, in steps (undefined for streams: PTB). */
  readonly maxSteps?: number;
  sizes(): SplitSizes;
  /** Batches in a split: Infinity for an endless train split. */
  numBatches(split: Split, opts: BatchOptions): number;
  /** Batch `index` of a split: a pure function of (options, seed, split, index). */
  batch(split: Split, index: number, opts: BatchOptions): Batch;
  /** The batches of a split in order (or of one shard); train may be endless. */
  batches(split: Split, opts: BatchOptions): IterableIterator<Batch>;
  /** `n` examples for the CLI, the same for the same seed. */
  sample(n: number, seed: number): Example[];
}

/**
 * Builds `batches()` from `numBatches()` and `batch()`, honouring the shard. The options come
 * parsed (tasks/registry.ts's tasks parse a caller's; a worker's come from its parsed job). `skip`: leave out the
 * first `skip` batches of that sequence without building them (a training run continued from a
 * checkpoint starts at the batch after the last one it consumed).
 */
export function* iterateBatches(task: Pick<Task, 'numBatches' | 'batch'>, split: Split, opts: BatchOptions, skip = 0): IterableIterator<Batch> {
  const n = task.numBatches(split, opts);
  const step = opts.shard?.count ?? 1;
  for (let i = (opts.shard?.index ?? 0) + skip * step; i < n; i += step) yield task.batch(split, i, opts);
}
