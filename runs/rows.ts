// The tables' rows as the SQL backends (runs/sqlite.ts, runs/postgres.ts) read them, and their
// parsing through the schemas of runs/storage.ts: one mapper per table, so both backends (and a
// `db copy` between them) read a row alike. The column types differ only where the engines do:
// SQLite has no booleans (0/1), PostgreSQL has (true/false).
import {
  ArchitectureSchema,
  CurvePointSchema,
  EVALUATION_STATUSES,
  EventSchema,
  ExperimentSchema,
  ExperimentSummarySchema,
  StrategyStateSchema,
  type Architecture,
  type CurvePoint,
  type Evaluation,
  type EvaluationStatus,
  type Event,
  type Experiment,
  type ExperimentSummary,
  type StrategyState,
} from './storage.ts';
import { evaluationProblem } from './evaluation-check.ts';
import { UserError } from '../errors.ts';

/** A SQL boolean: SQLite's 0/1 or PostgreSQL's true/false. */
type SqlBoolean = boolean | number;
const truth = (v: SqlBoolean): boolean => v === true || v === 1;

export function now(): string {
  return new Date().toISOString();
}

/** JSON columns hold the text written, so a study reads back byte for byte on either engine. */
export const json = (v: unknown): string => JSON.stringify(v);
export const parseJson = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

export const EXPERIMENT_COLUMNS = 'id, name, kind, config, seed, status, created_at, updated_at';
export const ARCHITECTURE_COLUMNS = 'hash, cell, notation, origin';
export const EVALUATION_COLUMNS =
  'id, experiment_id, key, generation, ordinal, architecture, task, task_options, hyperparameters, seed, status, metrics, steps, wall_ms, error, attempts, continues, keep_checkpoint';

export interface ExperimentRow {
  id: number;
  name: string;
  kind: string;
  config: string;
  seed: number;
  status: string;
  created_at: string;
  updated_at: string;
}

export function toExperiment(r: ExperimentRow): Experiment {
  return ExperimentSchema.parse({
    id: r.id,
    name: r.name,
    kind: r.kind,
    config: parseJson(r.config),
    seed: r.seed,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

export interface ArchitectureRow {
  hash: string;
  cell: string;
  notation: string | null;
  origin: string;
}

export function toArchitecture(r: ArchitectureRow): Architecture {
  return ArchitectureSchema.parse({ hash: r.hash, cell: parseJson(r.cell), notation: r.notation, origin: parseJson(r.origin) });
}

export interface EvaluationRow {
  id: number;
  experiment_id: number;
  key: string;
  generation: number;
  ordinal: number;
  architecture: string;
  task: string;
  task_options: string;
  hyperparameters: string;
  seed: number;
  status: string;
  metrics: string | null;
  steps: number | null;
  wall_ms: number | null;
  error: string | null;
  attempts: number;
  continues: string | null;
  keep_checkpoint: SqlBoolean;
}

/** The column of the evaluations table that holds a field of `Evaluation` (`wallMs` -> `wall_ms`). */
const columnOf = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A row the schema refuses: a corrupt database, or one another program wrote. Named by its id and column. */
function badEvaluation(r: EvaluationRow, field: string, why: string): UserError {
  const id = typeof r.id === 'number' ? `id ${r.id}` : 'without a valid id';
  return new UserError(`the evaluations row ${id} is not a cellsearch evaluation: column ${field}: ${why} (the database is corrupt or was written by another program)`);
}

/** A JSON column's value, or the row's error when its text is not JSON. */
function jsonColumn(r: EvaluationRow, column: 'task_options' | 'hyperparameters' | 'metrics'): unknown {
  try {
    return parseJson(r[column]);
  } catch {
    // Not the parser's message: it quotes the text, which a terminal need not be shown.
    throw badEvaluation(r, column, 'not JSON text');
  }
}

/**
 * The evaluation of a row, checked against EvaluationSchema by runs/evaluation-check.ts (in place:
 * the object built here is the one returned), not by the schema's parse, which copied every row
 * and was most of a large study's read.
 */
export function toEvaluation(r: EvaluationRow): Evaluation {
  const e = {
    id: r.id,
    experimentId: r.experiment_id,
    key: r.key,
    generation: r.generation,
    ordinal: r.ordinal,
    architecture: r.architecture,
    task: r.task,
    taskOptions: jsonColumn(r, 'task_options'),
    hyperparameters: jsonColumn(r, 'hyperparameters'),
    seed: r.seed,
    status: r.status,
    metrics: jsonColumn(r, 'metrics'),
    steps: r.steps,
    wallMs: r.wall_ms,
    error: r.error,
    attempts: r.attempts,
    continues: r.continues,
    keepCheckpoint: truth(r.keep_checkpoint),
  };
  const bad = evaluationProblem(e);
  if (bad) throw badEvaluation(r, columnOf(bad.field) + bad.path.map((p) => `[${JSON.stringify(p)}]`).join(''), bad.message);
  return e as Evaluation;
}

/**
 * The columns of an evaluation that change after its insert (every other one is written once, by
 * `recordGeneration`): a reader that has the row already reads these to know whether it changed.
 */
export const EVALUATION_STATE_COLUMNS = 'id, status, metrics, steps, wall_ms, error, attempts';
export type EvaluationStateRow = Pick<EvaluationRow, 'id' | 'status' | 'metrics' | 'steps' | 'wall_ms' | 'error' | 'attempts'>;

/**
 * True when `e` (read before) still is the row whose changing columns are `r`. Metrics are compared
 * as text: a row whose stored text is not the one `JSON.stringify` gives back counts as changed
 * and is read again, never the other way round.
 */
export function sameEvaluationState(e: Evaluation, r: EvaluationStateRow): boolean {
  return (
    e.id === r.id &&
    e.status === r.status &&
    e.steps === r.steps &&
    e.wallMs === r.wall_ms &&
    e.error === r.error &&
    e.attempts === r.attempts &&
    (e.metrics === null ? r.metrics === null : r.metrics !== null && JSON.stringify(e.metrics) === r.metrics)
  );
}

export interface StrategyStateRow {
  generations: number;
  state: string;
  finished: SqlBoolean;
}

export function toStrategyState(r: StrategyStateRow): StrategyState {
  return StrategyStateSchema.parse({ generations: r.generations, state: parseJson(r.state), finished: truth(r.finished) });
}

export interface EventRow {
  id: number;
  experiment_id: number | null;
  at: string;
  kind: string;
  data: string;
}

export function toEvent(r: EventRow): Event {
  return EventSchema.parse({ id: r.id, experimentId: r.experiment_id, at: r.at, kind: r.kind, data: parseJson(r.data) });
}

export function toCurvePoint(r: { point: string }): CurvePoint {
  return CurvePointSchema.parse(parseJson(r.point));
}

/** `experiment` with its evaluations counted per status (every status present, 0 when none). */
export function experimentSummary(experiment: Experiment, counted: Iterable<{ status: string; n: number }>): ExperimentSummary {
  const counts = Object.fromEntries(EVALUATION_STATUSES.map((s) => [s, 0])) as Record<EvaluationStatus, number>;
  for (const x of counted) counts[x.status as EvaluationStatus] += x.n;
  return ExperimentSummarySchema.parse({ ...experiment, counts });
}
