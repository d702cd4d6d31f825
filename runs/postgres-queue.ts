// The work queue (runs/queue.ts) on PostgreSQL: claims with `SELECT ... FOR UPDATE SKIP LOCKED`,
// so that any number of processes claim at once without waiting for each other or getting the
// same evaluation, and leases timed by the server's clock (`clock_timestamp()`), so the machines'
// clocks need not agree. A claim's random token is stored with the evaluation; renewing,
// completing, failing or releasing names it, and does nothing once the lease was lost (expired
// and re-queued, or claimed again), so a late result is discarded rather than counted twice.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { PostgresLocation } from './postgres-location.ts';
import { appendCurvePoints, dropAttemptCurves, insertEvent, NO_LEASE, reconnecting, rows, transaction, writeFailure, writeResult, type Db, type Prepared, type Reconnect } from './postgres-rows.ts';
import { ARCHITECTURE_COLUMNS, EVALUATION_COLUMNS, now, toArchitecture, toEvaluation, type ArchitectureRow, type EvaluationRow } from './rows.ts';
import { QueueUnreachable, type Claim, type ClaimRequest, type WorkQueue } from './queue.ts';
import type { Architecture, CurvePoint, EvaluationResult } from './storage.ts';

/** What a queue does when the server cannot be reached: retries for `forMs` (default 60 s), then QueueUnreachable. */
export type QueueRetry = Reconnect;

/** `ms` from now by the server's clock. */
const LEASE_END = (param: string) => `clock_timestamp() + ${param} * interval '1 millisecond'`;

/**
 * The claim: the next queued evaluation, locked with SKIP LOCKED in the partial index's
 * (experiment, generation, ordinal) order, leased and returned whole, in one statement (one round
 * trip; a single statement is its own transaction). Prepared once per connection, so two
 * statements: any running study's evaluation (a worker without --name), or one experiment's ($5;
 * a plan made once must not scan other experiments' queued rows to find it).
 */
const claimStatement = (experiment: 'any' | 'one'): Prepared => ({
  name: `cellsearch_claim_${experiment}`,
  text: `UPDATE evaluations SET status = 'running', started_at = $1, lease_token = $2, lease_owner = $3, lease_expires_at = ${LEASE_END('$4')}
         WHERE id = (
           SELECT e.id FROM evaluations e JOIN experiments x ON x.id = e.experiment_id
           WHERE e.status = 'queued' AND x.status = 'running'${experiment === 'one' ? ' AND e.experiment_id = $5::bigint' : ''}
           ORDER BY e.experiment_id, e.generation, e.ordinal
           LIMIT 1
           FOR UPDATE OF e SKIP LOCKED)
         RETURNING ${EVALUATION_COLUMNS}`,
});
const CLAIM_ANY = claimStatement('any');
const CLAIM_ONE = claimStatement('one');

export class PostgresQueue implements WorkQueue {
  readonly location: string;

  private closed = false;
  private readonly architectures = new Map<string, Promise<Architecture | undefined>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly loc: PostgresLocation,
    /** Closing the queue ends the pool (a worker's own); a driver's queue shares its storage's pool. */
    private readonly ownsPool: boolean,
    private readonly retry: QueueRetry = {},
  ) {
    this.location = loc.shown;
  }

  /** Runs `fn`, again after a lost connection (runs/postgres-rows.ts' `reconnecting`); a transaction cut after its COMMIT is found done by the next try (its token no longer holds the lease). */
  private guard<T>(fn: () => Promise<T>): Promise<T> {
    return reconnecting(fn, {
      loc: this.loc,
      retry: this.retry,
      defaultMs: 60_000,
      closed: () => this.closed,
      giveUp: (reason) => new QueueUnreachable(`${this.location} could not be reached for ${((this.retry.forMs ?? 60_000) / 1000).toFixed(0)} s (${reason})`),
    });
  }

  private tx<T>(fn: (c: Db) => Promise<T>): Promise<T> {
    return this.guard(() => transaction(this.pool, fn));
  }

  /** One prepared statement (claimStatement). */
  claim(r: ClaimRequest): Promise<Claim | undefined> {
    return this.guard(async () => {
      const token = randomUUID();
      const [row] =
        r.experimentId === undefined
          ? await rows<EvaluationRow>(this.pool, CLAIM_ANY, [now(), token, r.owner, r.leaseMs])
          : await rows<EvaluationRow>(this.pool, CLAIM_ONE, [now(), token, r.owner, r.leaseMs, r.experimentId]);
      return row && { evaluation: toEvaluation(row), token };
    });
  }

  renew(token: string, leaseMs: number): Promise<boolean> {
    return this.guard(async () => {
      const r = await this.pool.query(`UPDATE evaluations SET lease_expires_at = ${LEASE_END('$2')} WHERE lease_token = $1 AND status = 'running'`, [token, leaseMs]);
      return r.rowCount === 1;
    });
  }

  /** The evaluation this token still holds, locked until the transaction ends. */
  private async held(c: Db, token: string): Promise<{ id: number; experiment_id: number; attempts: number; lease_owner: string } | undefined> {
    const [row] = await rows<{ id: number; experiment_id: number; attempts: number; lease_owner: string }>(
      c,
      `SELECT id, experiment_id, attempts, lease_owner FROM evaluations WHERE lease_token = $1 AND status = 'running' FOR UPDATE`,
      [token],
    );
    return row;
  }

  complete(token: string, result: EvaluationResult): Promise<boolean> {
    return this.guard(async () => (await writeResult(this.pool, { token }, result)) !== undefined);
  }

  fail(token: string, error: string, maxAttempts: number): Promise<'queued' | 'failed' | 'lost'> {
    return this.tx(async (c) => {
      const row = await this.held(c, token);
      if (!row) return 'lost';
      return writeFailure(c, { id: row.id, experimentId: row.experiment_id, attempts: row.attempts }, error, maxAttempts, { owner: row.lease_owner });
    });
  }

  appendCurve(token: string, points: readonly CurvePoint[]): Promise<boolean> {
    return this.tx(async (c) => {
      const row = await this.held(c, token);
      if (row) await appendCurvePoints(c, row.id, points);
      return row !== undefined;
    });
  }

  async release(token: string): Promise<void> {
    await this.tx(async (c) => {
      const back = await rows<{ id: number }>(c, `UPDATE evaluations SET status = 'queued', started_at = NULL, ${NO_LEASE} WHERE lease_token = $1 AND status = 'running' RETURNING id`, [token]);
      await dropAttemptCurves(c, back.map((r) => r.id));
    });
  }

  requeueExpired(experimentId?: number): Promise<number> {
    return this.tx(async (c) => {
      const expired = await rows<{ id: number; experiment_id: number; lease_owner: string }>(
        c,
        `UPDATE evaluations e SET status = 'queued', started_at = NULL, ${NO_LEASE}
         FROM (SELECT id, lease_owner FROM evaluations WHERE status = 'running' AND lease_token IS NOT NULL AND lease_expires_at < clock_timestamp()
               AND ($1::bigint IS NULL OR experiment_id = $1::bigint) FOR UPDATE SKIP LOCKED) old
         WHERE e.id = old.id
         RETURNING e.id, e.experiment_id, old.lease_owner`,
        [experimentId ?? null],
      );
      await dropAttemptCurves(c, expired.map((x) => x.id));
      // Not the job's fault: no attempt is counted; the event says whose lease ran out.
      for (const x of expired) await insertEvent(c, x.experiment_id, 'lease-expired', { evaluation: x.id, owner: x.lease_owner });
      return expired.length;
    });
  }

  /** Read once per process: an architecture never changes (its hash is its content). */
  architecture(hash: string): Promise<Architecture | undefined> {
    let found = this.architectures.get(hash);
    if (!found) {
      found = this.guard(async () => {
        const [r] = await rows<ArchitectureRow>(this.pool, `SELECT ${ARCHITECTURE_COLUMNS} FROM architectures WHERE hash = $1`, [hash]);
        return r && toArchitecture(r);
      });
      this.architectures.set(hash, found);
      // A failed read (the server away) is not kept.
      found.then((a) => a === undefined && this.architectures.delete(hash), () => this.architectures.delete(hash));
    }
    return found;
  }

  checkpoint(experimentId: number, key: string): Promise<Uint8Array | undefined> {
    return this.guard(async () => {
      const [r] = await rows<{ bytes: Buffer }>(this.pool, 'SELECT c.bytes AS bytes FROM checkpoints c JOIN evaluations e ON e.id = c.evaluation_id WHERE e.experiment_id = $1 AND e.key = $2', [
        experimentId,
        key,
      ]);
      return r && new Uint8Array(r.bytes);
    });
  }

  stepsOf(experimentId: number, key: string): Promise<number> {
    return this.guard(async () => {
      const [r] = await rows<{ steps: number | null }>(this.pool, 'SELECT steps FROM evaluations WHERE experiment_id = $1 AND key = $2', [experimentId, key]);
      return r?.steps ?? 0;
    });
  }

  experimentId(name: string): Promise<number | undefined> {
    return this.guard(async () => (await rows<{ id: number }>(this.pool, 'SELECT id FROM experiments WHERE name = $1', [name]))[0]?.id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }
}
