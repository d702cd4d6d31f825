// The options of a task's batches (tasks/task.ts): the data seed, B, T and a shard. Parsed where
// they come from outside (a task from tasks/registry.ts's getTask parses them in `batches()`).
import { z } from 'zod';

export const BatchOptionsSchema = z.strictObject({
  /** Data seed: the same seed gives the same batches. */
  seed: z.number().int().nonnegative(),
  /** Streams per batch (B). */
  batchSize: z.number().int().positive(),
  /**
   * Steps per batch (T). Tasks of independent sequences never truncate one (it would lose its
   * scored answer): a batch is as long as its longest sequence, and `unroll` is only a minimum
   * with `batching: 'plain'` (tasks/sequences.ts).
   */
  unroll: z.number().int().positive(),
  /** Worker `index` of `count` takes batches index, index + count, ... (default: all). */
  shard: z.strictObject({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
    .refine((s) => s.index < s.count, 'shard index must be below shard count')
    .optional(),
});
export type BatchOptions = z.infer<typeof BatchOptionsSchema>;
