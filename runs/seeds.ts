// Seeds of evaluations. An evaluation's seed is a hash of the experiment's seed and the
// evaluation's identity (architecture, task, trial), so it never depends on which worker runs the
// evaluation, in which order results arrive, or whether the study was resumed in between.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { evaluationKey, type EvaluationIdentity } from '../search/contract.ts';

// The key is the strategy contract's (a strategy names the evaluation a proposal continues by it).
export { evaluationKey, type EvaluationIdentity } from '../search/contract.ts';

/** A key as `evaluationKey` writes it: the trial is stored as text. */
const KeySchema = z.tuple([z.string(), z.string(), z.string()]);

/** The trial of a stored evaluation's key (as text: `evaluationKey` stores it so). */
export function trialOfKey(key: string): string {
  let json: unknown;
  try {
    json = JSON.parse(key);
  } catch {
    json = undefined;
  }
  const parsed = KeySchema.safeParse(json);
  if (!parsed.success) throw new Error(`'${key}' is not an evaluation key ([architecture, task, trial])`);
  return parsed.data[2];
}

/** Seed in [0, 2^32) (so every consumer, seedrandom and the tasks, takes it) derived by SHA-256 from the experiment's seed and a string. */
export function deriveSeed(experimentSeed: number, identity: string): number {
  if (!Number.isSafeInteger(experimentSeed)) throw new RangeError(`experiment seed must be a safe integer, got ${experimentSeed}`);
  const digest = createHash('sha256').update(`cellsearch-seed\0${experimentSeed}\0${identity}`).digest();
  return digest.readUInt32BE(0);
}

/** The seed of one evaluation. */
export function evaluationSeed(experimentSeed: number, id: EvaluationIdentity): number {
  return deriveSeed(experimentSeed, evaluationKey(id));
}
