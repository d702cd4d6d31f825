// The strategy contract: what a strategy (search/strategies, runs' fixed lists) and the study
// driver (runs/study.ts) exchange, in the manner of Optuna's sampler: a strategy decides, the
// driver acts. A strategy is a pure object: `propose` is a function of its saved state and of the
// finished history, and returns its next state, so the driver can store that state in the
// database and a resumed study continues exactly where it stopped.
//
// The determinism rule (runs/README.md): work proceeds in generations. `propose` is called only
// when every evaluation of every earlier generation has finished (done, diverged or failed), and
// it sees them in (generation, ordinal) order. Its proposals become the next generation. Nothing
// depends on how many workers ran them or in which order they finished.
//
// Declared here, under search/, because runs/ may import search/ and not the reverse; runs/storage.ts
// stores these value types as they are defined here. No database, pool or file is known here.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** Where a value stops being JSON: the path inside it and why. */
export interface JsonProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Where `v` stops being a JSON value (the path and why), or undefined when it is one. One walk that
 * copies nothing: a study's rows hold JSON text parsed by JSON.parse, thousands at a time (cells,
 * settings, metrics), and a union schema tried at every node, copying every object, was most of
 * the time a large study took to read (issue 14).
 */
export function notJson(v: unknown): JsonProblem | undefined {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(v) ? undefined : { path: [], message: `${v} is not a JSON number` };
    case 'object': {
      if (v === null) return undefined;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const bad = notJson(v[i]);
          if (bad) return bad.path.unshift(i), bad;
        }
        return undefined;
      }
      if (!isPlainObject(v)) return { path: [], message: 'expected a plain object' };
      for (const k of Object.keys(v)) {
        const bad = notJson((v as Record<string, unknown>)[k]);
        if (bad) return bad.path.unshift(k), bad;
      }
      return undefined;
    }
    default:
      return { path: [], message: `${typeof v} is not a JSON value` };
  }
}

/** Where `v` stops being a JSON object (not an array, not null), or undefined when it is one. */
export function notJsonObject(v: unknown): JsonProblem | undefined {
  return typeof v !== 'object' || v === null || Array.isArray(v) ? { path: [], message: 'expected a JSON object' } : notJson(v);
}

const jsonCheck = (topObject: boolean) => (v: unknown, ctx: z.RefinementCtx) => {
  const bad = topObject ? notJsonObject(v) : notJson(v);
  if (bad) ctx.addIssue({ code: 'custom', message: bad.message, path: bad.path });
};

/** A JSON value, checked in place (parsing returns the value itself, not a copy). */
export const JsonSchema: z.ZodType<Json> = z.custom<Json>().superRefine(jsonCheck(false));
/** A JSON object (not an array, not null), checked in place. */
export const JsonObjectSchema: z.ZodType<JsonObject> = z.custom<JsonObject>().superRefine(jsonCheck(true));

/**
 * A value as it reads back from JSON: fields that are undefined are dropped. For values whose
 * type TypeScript cannot see as JSON (optional fields), such as a cell.
 */
export function toJsonObject(value: object): JsonObject {
  return JsonObjectSchema.parse(JSON.parse(JSON.stringify(value)));
}

/** Where an architecture comes from: a zoo cell, a file, or a mutation of a parent. */
export const OriginSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('zoo'), name: z.string() }),
  z.strictObject({ kind: z.literal('file'), path: z.string() }),
  z.strictObject({ kind: z.literal('mutant'), parent: z.string(), mutations: z.array(JsonSchema) }),
  z.strictObject({ kind: z.literal('other'), note: z.string() }),
]);
export type Origin = z.infer<typeof OriginSchema>;

export const ArchitectureSchema = z.strictObject({
  /** Canonical structural hash (cells/canonical.ts): the key. */
  hash: z.string().min(1),
  /** The canonical cell JSON. */
  cell: JsonObjectSchema,
  notation: z.string().nullable(),
  origin: OriginSchema,
});
export type Architecture = z.infer<typeof ArchitectureSchema>;

// ---------------------------------------------------------------------------------------------
// The exchange
// ---------------------------------------------------------------------------------------------

/** The identity of an evaluation inside its experiment: what it trains, on what, which trial. */
export interface EvaluationIdentity {
  /** Canonical hash of the architecture. */
  architecture: string;
  task: string;
  /** Which trial of this (architecture, task): a hyperparameter index, a repeat number, ... */
  trial: string | number;
}

/**
 * A stable text key for an identity; unique per experiment. Here rather than in runs/ because a
 * strategy names the evaluation a proposal `continues` by it.
 */
export function evaluationKey(id: EvaluationIdentity): string {
  return JSON.stringify([id.architecture, id.task, String(id.trial)]);
}

export interface Proposal {
  architecture: Architecture;
  task: string;
  taskOptions: JsonObject;
  hyperparameters: JsonObject;
  /**
   * Which trial of (architecture, task) this is: a hyperparameter index, a repeat number. With
   * the architecture and task it forms the evaluation's identity, from which its seed derives;
   * it must be unique within the experiment.
   */
  trial: string | number;
  /**
   * Successive halving: the key of an earlier evaluation of this experiment whose end checkpoint
   * this one continues, training on to its own `maxSteps`. A continuation keeps the seed of the
   * evaluation it continues, so that the chain equals one uninterrupted run of that length.
   */
  continues?: string;
  /** Keep this evaluation's end checkpoint in the database: a later proposal may continue it. */
  checkpoint?: boolean;
}

export interface ProposeResult<S extends Json = Json> {
  /** The strategy's state after this step (random generator state included), JSON. */
  state: S;
  /** The next generation; may be empty only when `finished` is true. */
  proposals: Proposal[];
  /** True when no further generation will follow these proposals. */
  finished: boolean;
  /**
   * Keys of evaluations whose checkpoints no later proposal will continue (pruned by successive
   * halving, or continued already): the driver deletes them with this generation.
   */
  release?: string[];
}

/**
 * The fields of a finished evaluation that strategies read; runs' `Evaluation` has them (and no
 * wall time reaches a strategy: the driver blanks it, so nothing timing-dependent leaks in).
 */
export interface HistoryItem {
  /** The evaluation's `evaluationKey`: what a later proposal `continues`. */
  key: string;
  architecture: string;
  task: string;
  status: string;
  metrics: Record<string, number | null> | null;
  /**
   * The setting it trained with (runs' Evaluation has it): what a confirmation trains again.
   * Optional so that hand-made histories of strategies that never read it need not carry it.
   */
  hyperparameters?: JsonObject;
}

/**
 * A strategy as the driver holds it: state in JSON. `H` is what a history item carries; a
 * strategy that reads only `HistoryItem`'s fields serves any richer history.
 */
export interface Strategy<H extends HistoryItem = HistoryItem> {
  readonly name: string;
  /** The state before the first proposal, from the experiment's seed. */
  init(seed: number): Json;
  /**
   * Pure: the same state and history give the same result. `history` holds every evaluation of
   * the earlier generations, all finished, ordered by (generation, ordinal). Throws
   * `StrategyStateError` when `state` is not a state of this strategy.
   */
  propose(state: Json, history: readonly H[]): ProposeResult;
}

/** A strategy as it is written: its state has a schema and a type. */
export interface StrategyDefinition<S extends Json, H extends HistoryItem = HistoryItem> {
  readonly name: string;
  /** Parses a saved state: what `propose` receives. Its key order is the stored JSON's. */
  readonly state: z.ZodType<S>;
  init(seed: number): S;
  /** May change `state`: it is the strategy's own parsed copy. */
  propose(state: S, history: readonly H[]): ProposeResult<S>;
}

/** A saved state that its strategy's schema refuses (a database changed by hand, or a bug). */
export class StrategyStateError extends Error {
  override name = 'StrategyStateError';
}

/** The strategy that parses every saved state with its schema before proposing. */
export function defineStrategy<S extends Json, H extends HistoryItem = HistoryItem>(def: StrategyDefinition<S, H>): Strategy<H> {
  return {
    name: def.name,
    init: (seed) => def.init(seed),
    propose: (saved, history) => def.propose(parseStrategyState(def, saved), history),
  };
}

export function parseStrategyState<S extends Json>(def: Pick<StrategyDefinition<S>, 'name' | 'state'>, saved: Json): S {
  const parsed = def.state.safeParse(saved);
  if (!parsed.success) throw new StrategyStateError(`the saved state is not a state of strategy '${def.name}':\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
