// The study runner: what every command that runs a study (train, search, ablate) calls with the
// study it built. It opens (or creates) the database, starts the pool, wires Ctrl-C and a session
// time limit, shows progress, runs to completion or interruption, sets the exit code, prints the
// command's summary from the database opened read-only, and cleans up. A command declares its
// options and builds its spec and strategy; the rest is here, once.
import { printable } from '../cells/text.ts';
import { openStorage } from './open-storage.ts';
import { dbLocation, isPostgresLocation } from './db-location.ts';
import { defaultDbPath } from './sqlite.ts';
import { JobPool, resolveWorkers, DEFAULT_MAX_HEAP_MB, TRAIN_WORKER } from './pool.ts';
import { progressView } from './progress.ts';
import { EXIT_INTERRUPTED, handleInterrupts } from './signals.ts';
import { systemClock, type Clock } from './clock.ts';
import { openExperiment, runStudy, type StudyOutcome, type StudySpec } from './study.ts';
import type { Evaluation, Storage } from './storage.ts';
import type { Strategy } from './strategy.ts';
import { hostname } from 'node:os';
import { UserError } from '../errors.ts';
import { DEFAULT_LEASE, leaseOwner, type LeaseTimes } from './queue.ts';

/** The study's database, read-only, after the session: what a command's summary reads. */
export interface StudyEnd {
  /** The database as it may be shown (a URL without its password). */
  db: string;
  outcome: StudyOutcome;
  storage: Storage;
  /** Writes to standard output. */
  print(text: string): void;
}

export interface ExecuteOptions {
  spec: StudySpec;
  strategy: Strategy;
  /** The worker module; default TRAIN_WORKER (jobs of runs/trainer.ts). */
  handler?: string;
  /** Database (a file or a postgres:// URL); default CELLSEARCH_DB, else runs/<name>.sqlite under the working directory. */
  db?: string;
  /** --workers; default and maximum: the cores; 0 (coordinate only) on a database shared with workers. */
  workers?: number;
  /** On a PostgreSQL server: how long the driver keeps retrying a server that went away (ms; default 5 minutes, runs/postgres.ts). */
  reconnectMs?: number;
  /** Leases of the driver's own claims on a shared database (default DEFAULT_LEASE). */
  lease?: LeaseTimes;
  /** When known, no more threads than jobs are started. */
  jobs?: number;
  maxAttempts: number;
  maxHeapMb?: number;
  label?: (e: Evaluation) => string;
  /**
   * A session time limit (`search --time`): when `ms` have passed on `clock`, the session stops as
   * after Ctrl-C (no new jobs, running ones finish), and the command exits 0: the study is not
   * interrupted, the session is over. `flag` is the limit as the user wrote it, for the message.
   */
  timeLimit?: { ms: number; flag: string };
  /** The clock the time limit is timed by (runs/clock.ts); told of every recorded attempt. Default: the system's. */
  clock?: Clock;
  /** Where progress goes (default stderr). */
  progressOut?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** What the command prints at the end, interrupted or not; default nothing. */
  summary?: (end: StudyEnd) => void | Promise<void>;
}

export interface ExecuteResult {
  db: string;
  outcome: StudyOutcome;
}

/**
 * Runs the study and prints its summary; sets process.exitCode to 130 when it was interrupted
 * (the summary is still printed). Throws UserError for a foreign/corrupt/newer database or a
 * changed configuration, before any thread starts.
 */
export async function executeStudy(o: ExecuteOptions): Promise<ExecuteResult> {
  const clock = o.clock ?? systemClock;
  const say = (line: string) => (o.progressOut ?? process.stderr).write(printable(line) + '\n');
  const timeUp = new AbortController();
  const cancelLimit =
    o.timeLimit === undefined
      ? undefined
      : clock.timeout(() => {
          say(`\ntime limit (${o.timeLimit?.flag}) reached: finishing the running evaluations, starting no more; run the same command again to continue`);
          timeUp.abort();
        }, o.timeLimit.ms);
  let result: ExecuteResult;
  try {
    result = await runSession(o, clock, timeUp.signal, say);
  } finally {
    cancelLimit?.();
  }
  const storage = await openStorage(result.db, { readonly: true, snapshot: true });
  try {
    await o.summary?.({ ...result, db: storage.location, storage, print: (text) => process.stdout.write(text) });
  } finally {
    await storage.close();
  }
  return result;
}

async function runSession(o: ExecuteOptions, clock: Clock, timeUp: AbortSignal, say: (line: string) => void): Promise<ExecuteResult> {
  const db = dbLocation(o.db) ?? defaultDbPath(o.spec.name);
  const coordinateOnly = o.workers === 0;
  // Refused before the database is opened (a SQLite file would be created).
  if (coordinateOnly && !isPostgresLocation(db)) throw new UserError(`--workers 0 (coordinate only) needs a database that workers share: a postgres:// --db, not ${db}`);
  const { workers: allowed, note } = resolveWorkers(coordinateOnly ? undefined : o.workers);
  if (note) say(`note: ${note}`);
  // A server restart mid-study: the driver says so, waits and goes on (runs/postgres.ts).
  const storage = await openStorage(db, { reconnect: { forMs: o.reconnectMs, onRetry: (m) => say(`warning: ${m}`) } });
  try {
    const queue = storage.queue?.();
    const workers = coordinateOnly ? 0 : Math.max(1, Math.min(allowed, o.jobs ?? allowed));
    // Refuses a changed configuration before any thread starts.
    await openExperiment(storage, o.spec);
    const pool = new JobPool({ handler: o.handler ?? TRAIN_WORKER, workers, maxHeapMb: o.maxHeapMb ?? DEFAULT_MAX_HEAP_MB });
    const view = progressView({ out: o.progressOut, label: o.label });
    const interrupts = handleInterrupts((line) => {
      view.done();
      say(line);
    });
    try {
      say(`experiment '${o.spec.name}' in ${storage.location}, ${workers} worker${workers === 1 ? '' : 's'}${queue ? ' here (workers elsewhere: cellsearch worker --db <the same database>)' : ''}`);
      const outcome = await runStudy({
        storage,
        spec: o.spec,
        strategy: o.strategy,
        pool,
        maxAttempts: o.maxAttempts,
        stop: AbortSignal.any([interrupts.stop, timeUp]),
        abort: interrupts.abort,
        ...(queue ? { shared: { queue, owner: leaseOwner('driver', hostname(), process.pid), lease: o.lease ?? DEFAULT_LEASE, pollMs: 500, onWarning: say } } : {}),
        onEvent: (e) => {
          view.onEvent(e);
          // Synchronously, before the driver hands out the next job: a limit that passes here stops it.
          if (e.type === 'finish' || e.type === 'failure') clock.recorded();
        },
      });
      view.done();
      if (outcome.status === 'interrupted') {
        const c = outcome.counts;
        const n = c.done + c.diverged + c.failed;
        say(`interrupted: ${n} evaluation${n === 1 ? '' : 's'} finished, ${c.queued} still queued; run the same command again to resume`);
        // Stopped by the time limit: a normal end of a session, not an interruption.
        process.exitCode = timeUp.aborted ? 0 : EXIT_INTERRUPTED;
      }
      return { db, outcome };
    } finally {
      interrupts.dispose();
      await pool.destroy();
    }
  } finally {
    await storage.close();
  }
}
