// One session of a study: open (or create) its database, refuse a changed configuration, start the
// pool, drive the study until it is done or stopped, and close everything. No printing, no
// signal handlers, no exit code: the command's runner (execute.ts) adds those around it, and
// programs call it through the library's study API (api.ts).
import { hostname } from 'node:os';
import { UserError } from '../errors.ts';
import { isPostgresLocation } from './db-location.ts';
import { openStorage } from './open-storage.ts';
import { JobPool, resolveWorkers, DEFAULT_MAX_HEAP_MB } from './pool.ts';
import { DEFAULT_LEASE, leaseOwner, type LeaseTimes } from './queue.ts';
import { openExperiment, runStudy, type StudyEvent, type StudyOutcome, type StudySpec } from './study.ts';
import type { Strategy } from './strategy.ts';

export interface SessionOptions {
  /** The database: a file or a postgres:// URL. */
  db: string;
  spec: StudySpec;
  strategy: Strategy;
  /** Another worker module (the test fixtures); default the training worker (jobs of runs/trainer.ts). */
  handler?: string;
  /** Threads; default and maximum: the cores; 0 (coordinate only) on a database shared with workers. */
  workers?: number;
  /** When known, no more threads than jobs are started. */
  jobs?: number;
  /** Leases of the driver's own claims on a shared database (default DEFAULT_LEASE). */
  lease?: LeaseTimes;
  maxAttempts: number;
  maxHeapMb?: number;
  /** On a PostgreSQL server: how long the driver keeps retrying a server that went away (ms; default 5 minutes, runs/postgres.ts). */
  reconnectMs?: number;
  /** Graceful stop: no new jobs; running ones finish. */
  stop?: AbortSignal;
  /** Hard stop: running jobs are terminated and put back in the queue. */
  abort?: AbortSignal;
  onEvent?: (e: StudyEvent) => void;
  /** Told once the configuration is accepted, before any job: where, and with how many threads. */
  onOpen?: (o: { location: string; workers: number; shared: boolean }) => void;
  /** A note for the user: --workers lowered to the cores, a lease renewal that failed. */
  onNote?: (line: string) => void;
}

export async function runStudySession(o: SessionOptions): Promise<StudyOutcome> {
  const coordinateOnly = o.workers === 0;
  // Refused before the database is opened (a SQLite file would be created).
  if (coordinateOnly && !isPostgresLocation(o.db)) throw new UserError(`--workers 0 (coordinate only) needs a database that workers share: a postgres:// --db, not ${o.db}`);
  const { workers: allowed, note } = resolveWorkers(coordinateOnly ? undefined : o.workers);
  if (note) o.onNote?.(`note: ${note}`);
  // A server restart mid-study: the driver says so, waits and goes on (runs/postgres.ts).
  const storage = await openStorage(o.db, { reconnect: { forMs: o.reconnectMs, onRetry: (m) => o.onNote?.(`warning: ${m}`) } });
  try {
    const queue = storage.queue?.();
    const workers = coordinateOnly ? 0 : Math.max(1, Math.min(allowed, o.jobs ?? allowed));
    // Refuses a changed configuration before any thread starts.
    await openExperiment(storage, o.spec);
    const pool = new JobPool({ handler: o.handler, workers, maxHeapMb: o.maxHeapMb ?? DEFAULT_MAX_HEAP_MB });
    try {
      o.onOpen?.({ location: storage.location, workers, shared: queue !== undefined });
      return await runStudy({
        storage,
        spec: o.spec,
        strategy: o.strategy,
        pool,
        maxAttempts: o.maxAttempts,
        stop: o.stop,
        abort: o.abort,
        ...(queue ? { shared: { queue, owner: leaseOwner('driver', hostname(), process.pid), lease: o.lease ?? DEFAULT_LEASE, pollMs: 500, onWarning: o.onNote } } : {}),
        onEvent: o.onEvent,
      });
    } finally {
      await pool.destroy();
    }
  } finally {
    await storage.close();
  }
}
