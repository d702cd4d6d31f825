// The experiment database as the rest of cellsearch sees it: a narrow interface of atomic units
// of work (record a generation, record a result, ...) rather than tables and transactions, so
// that a second backend (PostgreSQL, for several machines) can implement it later. runs/sqlite.ts
// is the embedded implementation, runs/memory-storage.ts the one for fast tests, and
// runs/open-storage.ts picks one from a location; runs/storage.test.ts holds the behaviours both
// must show. Every row read back goes through the zod schemas below.
//
// Methods are async although SQLite answers synchronously: a networked backend will not.
import { z } from 'zod';
import { ArchitectureSchema, JsonObjectSchema, JsonSchema, type Architecture, type Json, type JsonObject } from '../search/contract.ts';
import { TextLineSchema } from '../cells/text.ts';
import type { WorkQueue } from './queue.ts';
import type { StudyCopy } from './study-copy.ts';
import { CurvePointSchema, type CurvePoint } from './curve-point.ts';

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

// JSON, architectures and their origins are what strategies exchange with the driver: declared
// with the strategy contract, stored as they are.
export { ArchitectureSchema, JsonObjectSchema, JsonSchema, OriginSchema, type Architecture, type Json, type JsonObject, type Origin } from '../search/contract.ts';

/**
 * The mark of every cellsearch database, whatever the backend: 'CSDB' (SQLite's PRAGMA
 * application_id, PostgreSQL's cellsearch_meta.application_id).
 */
export const APPLICATION_ID = 0x43534442;

export const EXPERIMENT_STATUSES = ['running', 'interrupted', 'done'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** queued -> running -> done | diverged | failed; failed and running go back to queued on retry / resume. */
export const EVALUATION_STATUSES = ['queued', 'running', 'done', 'diverged', 'failed'] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];
/** Statuses after which an evaluation needs no more work. */
export const FINISHED_STATUSES: readonly EvaluationStatus[] = ['done', 'diverged', 'failed'];

const int = z.number().int();

/**
 * The name of a new experiment: one printable line (it is shown on terminals and as Markdown
 * headings). Rows are read with any non-empty name, as older versions stored them; where they
 * are shown they are escaped (cells/text.ts' printable).
 */
export const ExperimentNameSchema = TextLineSchema.min(1);

export const ExperimentSchema = z.strictObject({
  id: int,
  name: z.string().min(1),
  kind: z.string().min(1),
  /** The full configuration, every default resolved: what makes two runs the same study. */
  config: JsonObjectSchema,
  seed: int,
  status: z.enum(EXPERIMENT_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Experiment = z.infer<typeof ExperimentSchema>;

export const ExperimentSummarySchema = ExperimentSchema.extend({
  counts: z.strictObject(Object.fromEntries(EVALUATION_STATUSES.map((s) => [s, int])) as Record<EvaluationStatus, typeof int>),
});
export type ExperimentSummary = z.infer<typeof ExperimentSummarySchema>;

export const EvaluationSchema = z.strictObject({
  id: int,
  experimentId: int,
  /** Unique per experiment: evaluationKey(architecture, task, trial) from runs/seeds.ts. */
  key: z.string(),
  /** The batch ("generation") of the strategy that proposed it, and its place in that batch. */
  generation: int.nonnegative(),
  ordinal: int.nonnegative(),
  architecture: z.string(),
  task: z.string(),
  taskOptions: JsonObjectSchema,
  hyperparameters: JsonObjectSchema,
  seed: int.nonnegative(),
  status: z.enum(EVALUATION_STATUSES),
  metrics: z.record(z.string(), z.number().nullable()).nullable(),
  steps: int.nullable(),
  wallMs: z.number().nullable(),
  error: z.string().nullable(),
  /** Failed attempts so far (reset by retry-failed). */
  attempts: int.nonnegative(),
  /** The key of the evaluation whose end checkpoint this one continues (successive halving), or null. */
  continues: z.string().nullable(),
  /** Its end checkpoint is stored when it finishes, until a later generation releases it. */
  keepCheckpoint: z.boolean(),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

export { CurvePointSchema, type CurvePoint } from './curve-point.ts';

export const EventSchema = z.strictObject({
  id: int,
  experimentId: int.nullable(),
  at: z.string(),
  kind: z.string(),
  data: JsonObjectSchema,
});
export type Event = z.infer<typeof EventSchema>;

export const StrategyStateSchema = z.strictObject({
  /** The number of generations proposed so far. */
  generations: int.nonnegative(),
  /** The strategy's own saved state (its random generator's state included). */
  state: JsonSchema,
  /** True once the strategy said it proposes nothing more. */
  finished: z.boolean(),
});
export type StrategyState = z.infer<typeof StrategyStateSchema>;

export const WriterSchema = z.strictObject({ pid: int, host: z.string(), since: z.string() });
/** The process that holds a database's write connection. */
export type Writer = z.infer<typeof WriterSchema>;

/** One experiment as it was at one moment (between two writes): everything a report reads. */
export interface StudySnapshot {
  experiment: Experiment;
  /** Ordered by (generation, ordinal). */
  evaluations: Evaluation[];
  /** Every architecture evaluated, and every recorded ancestor of a mutant (for lineage), by hash. */
  architectures: Map<string, Architecture>;
  /** Learning curves by evaluation id, each ordered by step; evaluations without points are absent. */
  curves: Map<number, CurvePoint[]>;
  /** Ordered by id (the order they were logged). */
  events: Event[];
  strategy: StrategyState | undefined;
  /** The process writing the experiment at that moment, if any (as `activeWriter(experimentId)`). */
  writer: Writer | undefined;
  /** The checkpoints stored for the experiment: how many and their total size (never the bytes). */
  checkpoints: CheckpointUsage;
}

export interface SnapshotOptions {
  /** Read every learning curve (default true). */
  curves?: boolean;
  /**
   * What the caller read of the study before (a reader that reads it again after each change: the
   * dashboard). A backend may return these very objects for the rows that have not changed since
   * instead of reading, parsing and checking them again: an architecture never changes (one row
   * per hash), an evaluation is unchanged while its status, metrics, steps, wall time, error and
   * attempts are (`sameEvaluationState` in rows.ts; no other column is written after its insert).
   * The snapshot is the same as without it, only with fewer new objects.
   */
  reuse?: { evaluations?: ReadonlyMap<number, Evaluation>; architectures?: ReadonlyMap<string, Architecture> };
}

/** A running evaluation as a live page shows it: who runs it, and the curve points stored so far. */
export interface RunningEvaluation {
  evaluationId: number;
  /** The thread or worker running it (`thread 2`, `worker host:pid thread 1`), when recorded. */
  runner: string | null;
  /** Ordered by step. */
  curve: CurvePoint[];
}

export interface CheckpointUsage {
  count: number;
  bytes: number;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

export interface NewExperiment {
  name: string;
  kind: string;
  config: JsonObject;
  seed: number;
}

export interface NewEvaluation {
  key: string;
  ordinal: number;
  architecture: string;
  task: string;
  taskOptions: JsonObject;
  hyperparameters: JsonObject;
  seed: number;
  /** The key of an earlier evaluation of the experiment whose checkpoint this one continues (default null). */
  continues?: string | null;
  /** Store this evaluation's end checkpoint (default false). */
  keepCheckpoint?: boolean;
}

/** Everything a strategy decided in one step, written atomically. */
export interface NewGeneration {
  generation: number;
  architectures: Architecture[];
  evaluations: NewEvaluation[];
  /** The strategy's state after proposing. */
  state: Json;
  finished: boolean;
  /** Keys of earlier evaluations whose checkpoints are deleted with this generation (default none). */
  release?: string[];
}

export interface EvaluationResult {
  status: 'done' | 'diverged';
  metrics: Record<string, number | null>;
  steps: number;
  wallMs: number;
  curve: CurvePoint[];
  /** The end state, stored with the result when the evaluation keeps its checkpoint (ignored otherwise). */
  checkpoint?: Uint8Array;
}

export interface EvaluationFilter {
  status?: EvaluationStatus | readonly EvaluationStatus[];
  generation?: number;
}

// ---------------------------------------------------------------------------------------------
// The interface
// ---------------------------------------------------------------------------------------------

export interface Storage {
  /** Where the data lives, for messages (a file path, a connection string without password). */
  readonly location: string;
  readonly readonly: boolean;

  getExperiment(name: string): Promise<Experiment | undefined>;
  /** Fails if the name exists. */
  createExperiment(spec: NewExperiment): Promise<Experiment>;
  setExperimentStatus(experimentId: number, status: ExperimentStatus): Promise<void>;
  /** Every experiment with its evaluation counts per status, oldest first. */
  listExperiments(): Promise<ExperimentSummary[]>;

  getArchitecture(hash: string): Promise<Architecture | undefined>;
  /** Architectures whose hash starts with `prefix` (case-sensitive), ordered by hash, at most `limit`. */
  architecturesByPrefix(prefix: string, limit: number): Promise<Architecture[]>;

  /** Architectures (new ones only), evaluations and the strategy state, in one transaction. */
  recordGeneration(experimentId: number, generation: NewGeneration): Promise<Evaluation[]>;
  strategyState(experimentId: number): Promise<StrategyState | undefined>;

  /** Ordered by (generation, ordinal): the order in which a strategy sees history. */
  evaluations(experimentId: number, filter?: EvaluationFilter): Promise<Evaluation[]>;
  getEvaluation(id: number): Promise<Evaluation | undefined>;
  /** Queued -> running; `runner` names the thread that runs it (what `running` reports). */
  markRunning(evaluationId: number, runner?: string): Promise<void>;
  /**
   * Result, metrics, learning curve and (when the evaluation keeps it) checkpoint in one
   * transaction; the curve replaces the points `appendCurve` stored.
   */
  recordResult(evaluationId: number, result: EvaluationResult): Promise<void>;
  /**
   * Stores points of a running evaluation's learning curve as training makes them (a live page
   * shows them); a step already stored is kept as it is; nothing is written when the evaluation is
   * not running. They are the attempt's: every way out of `running` but `recordResult` (a failure,
   * a re-queue) deletes them, so curves exist only for running and finished evaluations.
   */
  appendCurve(evaluationId: number, points: readonly CurvePoint[]): Promise<void>;
  /** The experiment's running evaluations, by (generation, ordinal): who runs each and its curve so far. */
  running(experimentId: number): Promise<RunningEvaluation[]>;
  /** The stored end checkpoint of the experiment's evaluation `key`, if kept and not released. */
  checkpoint(experimentId: number, key: string): Promise<Uint8Array | undefined>;
  /** The total size in bytes of the checkpoints stored for the experiment. */
  checkpointBytes(experimentId: number): Promise<number>;
  /**
   * Counts a failed attempt. Below `maxAttempts` the evaluation is queued again; at the limit it
   * is `failed` with the error. Returns the new status.
   */
  recordFailure(evaluationId: number, error: string, maxAttempts: number): Promise<'queued' | 'failed'>;
  /** Puts a running evaluation back in the queue without counting an attempt (interrupted). */
  requeue(evaluationId: number): Promise<void>;
  /** Resume: evaluations left `running` by a process that died go back to `queued`. */
  requeueRunning(experimentId: number): Promise<number>;
  /** `failed` evaluations go back to `queued` with their attempts reset. */
  requeueFailed(experimentId: number): Promise<number>;

  curve(evaluationId: number): Promise<CurvePoint[]>;

  /**
   * The experiment with everything recorded about it, read in one read transaction (a report of
   * a running study sees one state between two of the writer's units of work); undefined when
   * there is no experiment with this id. With `{ curves: false }` the curves are not read (the map
   * is empty): a reader that shows only a few of a large study's curves reads those with `curve`
   * (a finished evaluation's curve never changes).
   */
  snapshot(experimentId: number, options?: SnapshotOptions): Promise<StudySnapshot | undefined>;

  /**
   * The work queue of a database that workers on other machines share (runs/queue.ts); absent
   * where only the driver's own threads run the evaluations (a SQLite file, memory).
   */
  queue?(): WorkQueue;

  /**
   * Writes a copy of an experiment from another database (runs/study-copy.ts, `db copy`) in one
   * transaction, with new ids, and returns it; refused when the name exists here. Absent where no
   * copy is written (memory).
   */
  importStudy?(copy: StudyCopy): Promise<Experiment>;

  /**
   * Takes the study's lease for this process where several processes write one database at once
   * (PostgreSQL: one driver per study): a second process leasing the same experiment is refused
   * with a UserError naming the holder while it lives; released at close or when the process
   * dies. Absent where the writer's lease covers the whole database (a SQLite file, memory).
   * Whatever writes a study (its driver, retry-failed, db copy) takes it first.
   */
  leaseStudy?(experimentId: number): Promise<void>;

  /**
   * The process holding the write connection, if one is recorded and alive (or on another host);
   * with `experimentId`, the one writing that experiment (PostgreSQL: the holder of its lease).
   */
  activeWriter(experimentId?: number): Promise<Writer | undefined>;

  logEvent(experimentId: number | null, kind: string, data?: JsonObject): Promise<void>;
  events(experimentId: number | null): Promise<Event[]>;

  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Rules every backend applies the same way (same checks, same messages)
// ---------------------------------------------------------------------------------------------

/** What a backend knows when it checks a generation, before it writes any of it. */
export interface GenerationContext {
  location: string;
  experimentExists: boolean;
  /** Generations recorded so far: the number the new one must have. */
  expected: number;
  keyExists(key: string): boolean;
  architectureExists(hash: string): boolean;
}

/** A proposed evaluation as stored: its continuation fields resolved. */
export type CheckedEvaluation = Required<NewEvaluation>;

/**
 * Refuses a generation that cannot be recorded whole: out of order, an identity already in the
 * experiment (or twice in the generation), an ordinal twice, an evaluation of an architecture
 * neither recorded nor in the generation, a continuation or a release of a key that is not an
 * earlier evaluation, a continuation of a checkpoint the same generation releases. Returns what
 * is stored.
 */
export function checkGeneration(
  experimentId: number,
  g: NewGeneration,
  c: GenerationContext,
): { architectures: Architecture[]; state: Json; evaluations: CheckedEvaluation[]; release: string[] } {
  if (!c.experimentExists) throw unknownExperiment(experimentId, c.location);
  if (g.generation !== c.expected) throw new Error(`generation ${g.generation} recorded out of order (expected ${c.expected})`);
  const architectures = g.architectures.map((a) => ArchitectureSchema.parse(a));
  const state = JsonSchema.parse(g.state);
  const proposed = new Set(architectures.map((a) => a.hash));
  const keys = new Set<string>();
  const ordinals = new Set<number>();
  const release = [...new Set(g.release ?? [])];
  for (const key of release) {
    if (!c.keyExists(key)) throw new Error(`generation ${g.generation} releases the checkpoint of ${key}, which is not an earlier evaluation of experiment ${experimentId}`);
  }
  const evaluations = g.evaluations.map((e): CheckedEvaluation => ({ ...e, continues: e.continues ?? null, keepCheckpoint: e.keepCheckpoint ?? false }));
  for (const e of evaluations) {
    if (keys.has(e.key) || c.keyExists(e.key)) throw new Error(`evaluation ${e.key} is already in experiment ${experimentId}`);
    if (ordinals.has(e.ordinal)) throw new Error(`ordinal ${e.ordinal} appears twice in generation ${g.generation}`);
    if (!proposed.has(e.architecture) && !c.architectureExists(e.architecture)) throw new Error(`evaluation ${e.key} names architecture ${e.architecture}, which is not recorded`);
    if (e.continues !== null) {
      if (!c.keyExists(e.continues)) throw new Error(`evaluation ${e.key} continues ${e.continues}, which is not an earlier evaluation of experiment ${experimentId}`);
      // The continuation runs after the generation is written: the checkpoint must outlive it.
      if (release.includes(e.continues)) throw new Error(`generation ${g.generation} continues ${e.continues} and releases its checkpoint`);
    }
    keys.add(e.key);
    ordinals.add(e.ordinal);
  }
  return { architectures, state, evaluations, release };
}

/** The curve as stored: every point parsed, each step once. `evaluation`: its id, or how a message names it. */
export function checkCurve(evaluation: number | string, curve: readonly CurvePoint[]): CurvePoint[] {
  const steps = new Set<number>();
  return curve.map((p) => {
    const point = CurvePointSchema.parse(p);
    if (steps.has(point.step)) throw new Error(`step ${point.step} appears twice in the curve of evaluation ${evaluation}`);
    steps.add(point.step);
    return point;
  });
}

export function unknownExperiment(experimentId: number, location: string): Error {
  return new Error(`no experiment ${experimentId} in ${location}`);
}

export function duplicateExperiment(name: string, location: string): Error {
  return new Error(`an experiment named '${name}' already exists in ${location}`);
}

/**
 * The architectures a report shows for these hashes: each one recorded, and the recorded
 * ancestors of mutants (lineage stops at a parent that is not recorded).
 */
export function withAncestors(hashes: Iterable<string>, get: (hash: string) => Architecture | undefined): Map<string, Architecture> {
  const found = new Map<string, Architecture>();
  const pending = [...new Set(hashes)];
  while (pending.length > 0) {
    const hash = pending.pop()!;
    if (found.has(hash)) continue;
    const a = get(hash);
    if (!a) continue;
    found.set(hash, a);
    if (a.origin.kind === 'mutant' && !found.has(a.origin.parent)) pending.push(a.origin.parent);
  }
  return found;
}
