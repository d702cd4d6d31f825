// The study runner: what every command that runs a study (train, search, ablate) calls with the
// study it built. It runs one session (session.ts: the database, the pool, the driver) and adds
// what a command needs around it: Ctrl-C and a session time limit, progress, the exit code, and
// the command's summary from the database opened read-only. A command declares its options and
// builds its spec and strategy; the rest is here, once.
import { printable } from '../cells/text.ts';
import { openStorage } from './open-storage.ts';
import { dbLocation } from './db-location.ts';
import { defaultDbPath } from './sqlite.ts';
import { progressView } from './progress.ts';
import { EXIT_INTERRUPTED, handleInterrupts } from './signals.ts';
import { systemClock, type Clock } from './clock.ts';
import { runStudySession, type SessionOptions } from './session.ts';
import type { StudyOutcome } from './study.ts';
import type { Evaluation, Storage } from './storage.ts';

/** The study's database, read-only, after the session: what a command's summary reads. */
export interface StudyEnd {
  /** The database as it may be shown (a URL without its password). */
  db: string;
  outcome: StudyOutcome;
  storage: Storage;
  /** Writes to standard output. */
  print(text: string): void;
}

/** A session's options (session.ts), but the signals and callbacks, which the runner wires itself. */
export interface ExecuteOptions extends Pick<SessionOptions, 'spec' | 'strategy' | 'handler' | 'workers' | 'jobs' | 'lease' | 'maxAttempts' | 'maxHeapMb' | 'reconnectMs'> {
  /** Database (a file or a postgres:// URL); default CELLSEARCH_DB, else runs/<name>.sqlite under the working directory. */
  db?: string;
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
  // A message's leading line breaks (past the terminal's ^C) stay line breaks; everything after
  // is escaped, so a study's strings cannot start lines of their own.
  const say = (line: string) => {
    const lead = /^\n*/.exec(line)![0];
    (o.progressOut ?? process.stderr).write(lead + printable(line.slice(lead.length)) + '\n');
  };
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
  const view = progressView({ out: o.progressOut, label: o.label });
  const interrupts = handleInterrupts((line) => {
    view.done();
    say(line);
  });
  try {
    const outcome = await runStudySession({
      db,
      spec: o.spec,
      strategy: o.strategy,
      handler: o.handler,
      workers: o.workers,
      jobs: o.jobs,
      lease: o.lease,
      maxAttempts: o.maxAttempts,
      maxHeapMb: o.maxHeapMb,
      reconnectMs: o.reconnectMs,
      stop: AbortSignal.any([interrupts.stop, timeUp]),
      abort: interrupts.abort,
      onNote: say,
      onOpen: ({ location, workers, shared }) =>
        say(`experiment '${o.spec.name}' in ${location}, ${workers} worker${workers === 1 ? '' : 's'}${shared ? ' here (workers elsewhere: cellsearch worker --db <the same database>)' : ''}`),
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
  }
}
