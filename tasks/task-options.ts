// The options of every task, as zod schemas: what a user, a study's config or a database row may
// give (unknown keys refused), with their defaults. tasks/registry.ts parses them where they come
// in; the tasks themselves take the parsed options (their types, below), so that a worker thread
// that builds a task from a job's parsed options loads no zod.
import { z } from 'zod';
import { BATCHINGS } from './sequences.ts';
import { TEXT_LEVELS } from './text.ts';

/**
 * The task option that chooses the batching (see the header). It is not part of what a task
 * draws: tasks leave it out of their generators' keys, so the sequences are the same either way.
 */
export const BatchingOptionSchema = z.strictObject({
  batching: z.enum(BATCHINGS).default('bucket'),
});

/** The sizes of the held-out splits of a generated task, in sequences. */
export const SplitSizesSchema = z.strictObject({
  validSize: z.number().int().positive().default(1000),
  testSize: z.number().int().positive().default(1000),
});

export const ArithmeticOptionsSchema = z.strictObject({
  /** Most digits in an operand (at most 15, so that every value is an exact double). */
  maxDigits: z.number().int().min(1).max(15).default(8),
  /** Ratio of successive probabilities of the number of distractors in a gap (0: none). */
  distractorRate: z.number().min(0).max(0.95).default(0.5),
  /** Most distractor letters in one gap. */
  maxDistractors: z.number().int().min(0).max(50).default(5),
  ...SplitSizesSchema.shape,
  ...BatchingOptionSchema.shape,
});
export type ArithmeticOptions = z.infer<typeof ArithmeticOptionsSchema>;

export const XmlOptionsSchema = z.strictObject({
  closeProbability: z.number().min(0.05).max(1).default(0.5),
  maxIterations: z.number().int().min(1).max(200).default(50),
  minNameLength: z.number().int().min(1).default(2),
  maxNameLength: z.number().int().min(1).max(30).default(10),
  score: z.enum(['closing', 'all']).default('closing'),
  ...SplitSizesSchema.shape,
  ...BatchingOptionSchema.shape,
}).refine((o) => o.minNameLength <= o.maxNameLength, 'minNameLength must not exceed maxNameLength');
export type XmlOptions = z.infer<typeof XmlOptionsSchema>;

export const PtbOptionsSchema = z.strictObject({
  /** Folder with ptb.train.txt, ptb.valid.txt and ptb.test.txt; default: PTB_DIR, else the shipped corpus. */
  dataDir: z.string().min(1).optional(),
});
export type PtbOptions = z.infer<typeof PtbOptionsSchema>;

export const MemorizeOptionsSchema = z.strictObject({
  length: z.number().int().min(1).max(100).default(5),
  symbols: z.number().int().min(2).max(26).default(26),
  ...SplitSizesSchema.shape,
  ...BatchingOptionSchema.shape,
});
export type MemorizeOptions = z.infer<typeof MemorizeOptionsSchema>;

export const MusicOptionsSchema = z.strictObject({
  /** The JSON file, or a folder holding jsb-chorales-<resolution>.json; default: JSB_DIR. */
  dataDir: z.string().min(1).optional(),
  resolution: z.enum(['quarter', '8th', '16th']).default('quarter'),
  ...BatchingOptionSchema.shape,
});
export type MusicOptions = z.infer<typeof MusicOptionsSchema>;

export const TextOptionsSchema = z.strictObject({
  /** A folder with train.txt, valid.txt, test.txt, or one text file split 90/5/5 by position. */
  dataDir: z.string().min(1),
  /** Symbols: characters (default) or whitespace-separated words with `<eos>` at line ends. */
  level: z.enum(TEXT_LEVELS).default('char'),
  /** Largest vocabulary accepted, `<unk>` included. */
  maxVocab: z.number().int().min(2).default(10_000),
  /** Training symbols seen fewer times become `<unk>`. */
  minCount: z.number().int().min(1).default(1),
});
export type TextOptions = z.infer<typeof TextOptionsSchema>;
