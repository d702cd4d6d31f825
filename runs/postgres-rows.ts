// The PostgreSQL backend's rows and statements shared by the study database (runs/postgres.ts) and
// the work queue (runs/postgres-queue.ts): the rows as the server returns them and their zod
// parsing (the same schemas as every backend), the reads both need, transactions, and the
// scrubbing of passwords from errors.
import pg from 'pg';
import { isUserError } from '../errors.ts';
import { scrub, type PostgresLocation } from './postgres-location.ts';
import { EVALUATION_COLUMNS, EVALUATION_STATE_COLUMNS, EXPERIMENT_COLUMNS, json, now, sameEvaluationState, toCurvePoint, toEvaluation, toEvent, toExperiment, toStrategyState, type EvaluationRow, type EvaluationStateRow, type EventRow, type ExperimentRow, type StrategyStateRow } from './rows.ts';
import {
  checkCurve,
  type CheckpointUsage,
  type CurvePoint,
  type Evaluation,
  type EvaluationFilter,
  type EvaluationResult,
  type Event,
  type Experiment,
  type JsonObject,
  type RunningEvaluation,
  type StrategyState,
} from './storage.ts';

/** `err` with every password taken out of its message (and stack). */
export function scrubbed(err: unknown, loc: PostgresLocation): unknown {
  if (err instanceof Error) {
    err.message = scrub(err.message, loc.secrets);
    if (err.stack) err.stack = scrub(err.stack, loc.secrets);
  }
  return err;
}

export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  // The pool listens for errors only on idle connections: a server that ends this one between two
  // statements (a restart) would otherwise crash the process with an unhandled 'error' event. The
  // next statement fails with the lost connection, which `reconnecting` retries.
  const lost = (err: Error): void => void (broken ??= err);
  c.on('error', lost);
  try {
    await c.query(begin);
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    // A connection that could not roll back, or was lost, is not given to the next unit of work.
    c.removeListener('error', lost);
    c.release(broken);
  }
}

/** Runs one statement: what every helper below takes, a pooled connection or the one of a transaction. */
export type Db = Pick<pg.PoolClient, 'query'>;

/**
 * A statement that every connection parses and plans once, then only executes (a named prepared
 * statement): the queue's claim and result, run for every evaluation. Planned once, they cost the
 * server about 40% less CPU per evaluation (bench/README.md). `name` must be unique to `text`.
 * A PgBouncer in transaction mode needs `max_prepared_statements` (PgBouncer 1.21 or later).
 */
export interface Prepared {
  name: string;
  text: string;
}

export async function rows<R extends pg.QueryResultRow>(db: Db, sql: string | Prepared, params: unknown[] = []): Promise<R[]> {
  return (typeof sql === 'string' ? await db.query<R>(sql, params) : await db.query<R>({ name: sql.name, text: sql.text, values: params })).rows;
}

export async function experimentById(db: Db, id: number): Promise<Experiment | undefined> {
  const [r] = await rows<ExperimentRow>(db, `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE id = $1`, [id]);
  return r && toExperiment(r);
}

export async function evaluationRows(db: Db, experimentId: number, filter: EvaluationFilter = {}): Promise<Evaluation[]> {
  const where = ['experiment_id = $1'];
  const params: unknown[] = [experimentId];
  if (filter.status !== undefined) {
    params.push(typeof filter.status === 'string' ? [filter.status] : [...filter.status]);
    where.push(`status = ANY($${params.length}::text[])`);
  }
  if (filter.generation !== undefined) {
    params.push(filter.generation);
    where.push(`generation = $${params.length}`);
  }
  const found = await rows<EvaluationRow>(db, `SELECT ${EVALUATION_COLUMNS} FROM evaluations WHERE ${where.join(' AND ')} ORDER BY generation, ordinal`, params);
  return found.map(toEvaluation);
}

/** The experiment's evaluations in order, as `known`'s objects where their row has not changed (SnapshotOptions.reuse). */
export async function evaluationsReusing(db: Db, experimentId: number, known: ReadonlyMap<number, Evaluation>): Promise<Evaluation[]> {
  const states = await rows<EvaluationStateRow>(db, `SELECT ${EVALUATION_STATE_COLUMNS} FROM evaluations WHERE experiment_id = $1 ORDER BY generation, ordinal`, [experimentId]);
  const changed = states.flatMap((r) => {
    const e = known.get(r.id);
    return e && sameEvaluationState(e, r) ? [] : [r.id];
  });
  const read = changed.length ? await rows<EvaluationRow>(db, `SELECT ${EVALUATION_COLUMNS} FROM evaluations WHERE id = ANY($1::bigint[])`, [changed]) : [];
  const fresh = new Map(read.map((r) => [r.id, toEvaluation(r)]));
  return states.map((r) => fresh.get(r.id) ?? known.get(r.id)!);
}

export async function strategyRow(db: Db, experimentId: number): Promise<StrategyState | undefined> {
  const [r] = await rows<StrategyStateRow>(db, 'SELECT generations, state, finished FROM strategy_state WHERE experiment_id = $1', [experimentId]);
  return r && toStrategyState(r);
}

export async function checkpointUsage(db: Db, experimentId: number): Promise<CheckpointUsage> {
  const [r] = await rows<CheckpointUsage>(
    db,
    `SELECT COUNT(*)::bigint AS count, COALESCE(SUM(octet_length(c.bytes)), 0)::bigint AS bytes
     FROM checkpoints c JOIN evaluations e ON e.id = c.evaluation_id WHERE e.experiment_id = $1`,
    [experimentId],
  );
  return { count: r.count, bytes: r.bytes };
}

export async function eventRows(db: Db, experimentId: number | null): Promise<Event[]> {
  const found = await rows<EventRow>(
    db,
    experimentId === null
      ? 'SELECT id, experiment_id, at, kind, data FROM events WHERE experiment_id IS NULL ORDER BY id'
      : 'SELECT id, experiment_id, at, kind, data FROM events WHERE experiment_id = $1 ORDER BY id',
    experimentId === null ? [] : [experimentId],
  );
  return found.map(toEvent);
}

export async function insertEvent(db: Db, experimentId: number | null, kind: string, data: JsonObject): Promise<void> {
  await db.query('INSERT INTO events (experiment_id, at, kind, data) VALUES ($1, $2, $3, $4)', [experimentId, now(), kind, json(data)]);
}


/** Columns of an evaluation that no claim holds. */
export const NO_LEASE = 'lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL';
/**
 * A running evaluation of a study whose process is gone, as the driver that holds the study's lease
 * sees it: no lease, an expired one, or one of a driver (`driver host:pid`, runs/queue.ts' owners):
 * the study's lease proves that no other driver of it lives.
 */
export const NOT_LEASED = `(lease_token IS NULL OR lease_expires_at < clock_timestamp() OR lease_owner LIKE 'driver %')`;

/**
 * Records a running evaluation's result with its curve and (when it keeps one) checkpoint, and
 * frees its lease, in one statement (one round trip; a statement is atomic on its own); the id
 * written, or undefined, and nothing written, when it is not running (or, by `token`, when that
 * claim no longer holds it). The curve replaces any stored one: points at other steps are
 * deleted, the others written over.
 */
/** writeResult's statement, by the evaluation's id (the driver's own threads) or by a claim's token. */
const resultStatement = (by: 'id' | 'token'): Prepared => ({
  name: `cellsearch_result_by_${by}`,
  text: `WITH done AS (
       UPDATE evaluations SET status = $2, metrics = $3, steps = $4, wall_ms = $5, error = NULL, finished_at = $6, ${NO_LEASE}
       WHERE ${by === 'id' ? 'id = $1::bigint' : 'lease_token = $1::text'} AND status = 'running'
       RETURNING id, keep_checkpoint),
     stale AS (DELETE FROM curves WHERE evaluation_id IN (SELECT id FROM done) AND NOT (step = ANY($7::int[]))),
     points AS (INSERT INTO curves (evaluation_id, step, point) SELECT done.id, p.step, p.point FROM done, unnest($7::int[], $8::text[]) AS p(step, point)
       ON CONFLICT (evaluation_id, step) DO UPDATE SET point = excluded.point),
     kept AS (INSERT INTO checkpoints (evaluation_id, bytes) SELECT id, $9::bytea FROM done WHERE keep_checkpoint AND $9::bytea IS NOT NULL
       ON CONFLICT (evaluation_id) DO UPDATE SET bytes = excluded.bytes)
     SELECT id FROM done`,
});
const RESULT_BY_ID = resultStatement('id');
const RESULT_BY_TOKEN = resultStatement('token');

export async function writeResult(db: Db, which: { id: number } | { token: string }, r: EvaluationResult): Promise<number | undefined> {
  const curve = checkCurve('id' in which ? which.id : `(claim ${which.token})`, r.curve);
  const [row] = await rows<{ id: number }>(
    db,
    'id' in which ? RESULT_BY_ID : RESULT_BY_TOKEN,
    [
      'id' in which ? which.id : which.token,
      r.status,
      json(r.metrics),
      r.steps,
      r.wallMs,
      now(),
      curve.map((p) => p.step),
      curve.map((p) => json(p)),
      r.checkpoint === undefined ? null : Buffer.from(r.checkpoint),
    ],
  );
  return row?.id;
}

/** Stores points of a running evaluation's curve (locked by the caller); a step already stored is kept. */
export async function appendCurvePoints(db: Db, evaluationId: number, points: readonly CurvePoint[]): Promise<void> {
  const curve = checkCurve(evaluationId, points);
  if (curve.length === 0) return;
  await db.query('INSERT INTO curves (evaluation_id, step, point) SELECT $1, * FROM unnest($2::int[], $3::text[]) ON CONFLICT DO NOTHING', [
    evaluationId,
    curve.map((p) => p.step),
    curve.map((p) => json(p)),
  ]);
}

/**
 * Deletes the curve points of attempts that left `running` without a result (a failure, a
 * re-queue): after the evaluation rows are updated, so locks are taken in writeResult's order.
 */
export async function dropAttemptCurves(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) await db.query('DELETE FROM curves WHERE evaluation_id = ANY($1::bigint[])', [ids]);
}

/** The experiment's running evaluations with their lease owner (who runs each) and their curves so far. */
export async function runningRows(db: Db, experimentId: number): Promise<RunningEvaluation[]> {
  const running = await rows<{ id: number; lease_owner: string | null }>(
    db,
    `SELECT id, lease_owner FROM evaluations WHERE experiment_id = $1 AND status = 'running' ORDER BY generation, ordinal`,
    [experimentId],
  );
  const points = await rows<{ id: number; point: string }>(
    db,
    'SELECT evaluation_id AS id, point FROM curves WHERE evaluation_id = ANY($1::bigint[]) ORDER BY evaluation_id, step',
    [running.map((r) => r.id)],
  );
  const curves = new Map<number, CurvePoint[]>();
  for (const p of points) {
    const id = Number(p.id);
    const curve = curves.get(id) ?? [];
    curve.push(toCurvePoint(p));
    curves.set(id, curve);
  }
  return running.map((r) => ({ evaluationId: Number(r.id), runner: r.lease_owner, curve: curves.get(Number(r.id)) ?? [] }));
}

/** Counts a failed attempt of a running evaluation (locked by the caller): queued again below `maxAttempts`, else failed. */
export async function writeFailure(
  db: Db,
  e: { id: number; experimentId: number; attempts: number },
  error: string,
  maxAttempts: number,
  event: JsonObject = {},
): Promise<'queued' | 'failed'> {
  const attempts = e.attempts + 1;
  const status = attempts < maxAttempts ? 'queued' : 'failed';
  await db.query(`UPDATE evaluations SET status = $1, attempts = $2, error = $3, finished_at = $4, ${NO_LEASE} WHERE id = $5`, [
    status,
    attempts,
    error,
    status === 'failed' ? now() : null,
    e.id,
  ]);
  await dropAttemptCurves(db, [e.id]);
  await insertEvent(db, e.experimentId, 'attempt-failed', { evaluation: e.id, attempt: attempts, error, then: status, ...event });
  return status;
}

/** What a process does while its server cannot be reached (a restart, a network drop). */
export interface Reconnect {
  /** How long to keep trying one unit of work (ms). */
  forMs?: number;
  /** Told before each new try, with the reason (no password). */
  onRetry?: (message: string) => void;
}

/**
 * Runs `fn` (one statement or one transaction), again after a lost connection with a growing
 * pause (0.25 s doubling to 5 s) for up to `retry.forMs`; then, or for any other error, throws
 * (`giveUp(reason)` for the lost connection), with passwords scrubbed. A transaction cut before
 * its COMMIT changed nothing, so trying it again is safe.
 */
export async function reconnecting<T>(
  fn: () => Promise<T>,
  o: { loc: PostgresLocation; retry: Reconnect; defaultMs: number; closed: () => boolean; giveUp: (reason: string) => Error },
): Promise<T> {
  const until = Date.now() + (o.retry.forMs ?? o.defaultMs);
  for (let pause = 250; ; pause = Math.min(pause * 2, 5_000)) {
    try {
      return await fn();
    } catch (err) {
      if (o.closed() || !isConnectionError(err)) throw scrubbed(err, o.loc);
      const reason = scrub((err as Error).message || String((err as NodeJS.ErrnoException).code), o.loc.secrets);
      if (Date.now() + pause > until) throw o.giveUp(reason);
      o.retry.onRetry?.(`lost the connection to ${o.loc.shown} (${reason}); trying again in ${pause / 1000} s`);
      await new Promise((ok) => setTimeout(ok, pause));
    }
  }
}

/** Errors that mean the server could not be reached or the session was cut (a restart, a network drop), not a bad statement. */
export function isConnectionError(err: unknown): boolean {
  // A refusal may quote a lost connection's message (a writer whose lease was taken): it is final.
  if (!(err instanceof Error) || isUserError(err)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(08|57P)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(err.message);
}
