// Running a study from a command: open (or create) the database, start the pool, wire Ctrl-C,
// show progress, run to completion or interruption, and clean up. Commands (train, and later
// search and ablate) call executeStudy with their spec and strategy.
import { openStorage } from './open-storage.ts';
import { defaultDbPath } from './sqlite.ts';
import { JobPool, resolveWorkers, DEFAULT_MAX_HEAP_MB } from './pool.ts';
import { progressView } from './progress.ts';
import { EXIT_INTERRUPTED, handleInterrupts } from './signals.ts';
import { systemClock, type Clock } from './clock.ts';
import { openExperiment, runStudy, type StudyOutcome, type StudySpec } from './study.ts';
import type { Evaluation } from './storage.ts';
import type { Strategy } from './strategy.ts';

export interface ExecuteOptions {
  spec: StudySpec;
  strategy: Strategy;
  /** The worker module (runs/pool.ts TRAIN_WORKER for training). */
  handler: string;
  /** Database file; default runs/<name>.sqlite under the working directory. */
  db?: string;
  /** --workers; default and maximum: the cores. */
  workers?: number;
  /** When known, no more threads than jobs are started. */
  jobs?: number;
  maxAttempts: number;
  maxHeapMb?: number;
  label?: (e: Evaluation) => string;
  /** Another graceful stop besides Ctrl-C (a command's time limit): no new jobs; running ones finish. */
  stop?: AbortSignal;
  /** The clock that `stop` is timed by (runs/clock.ts); told of every recorded attempt. Default: the system's. */
  clock?: Clock;
  /** Where progress goes (default stderr). */
  progressOut?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface ExecuteResult {
  db: string;
  outcome: StudyOutcome;
}

/**
 * Runs the study; sets process.exitCode to 130 when it was interrupted (the caller still prints
 * what it has). Throws UserError for a foreign/corrupt/newer database or a changed configuration.
 */
export async function executeStudy(o: ExecuteOptions): Promise<ExecuteResult> {
  const db = o.db ?? defaultDbPath(o.spec.name);
  const say = (line: string) => (o.progressOut ?? process.stderr).write(line + '\n');
  const { workers: allowed, note } = resolveWorkers(o.workers);
  if (note) say(`note: ${note}`);
  const workers = Math.max(1, Math.min(allowed, o.jobs ?? allowed));
  const clock = o.clock ?? systemClock;
  const storage = await openStorage(db);
  try {
    // Refuses a changed configuration before any thread starts.
    await openExperiment(storage, o.spec);
    const pool = new JobPool({ handler: o.handler, workers, maxHeapMb: o.maxHeapMb ?? DEFAULT_MAX_HEAP_MB });
    const view = progressView({ out: o.progressOut, label: o.label });
    const interrupts = handleInterrupts((line) => {
      view.done();
      say(line);
    });
    try {
      say(`experiment '${o.spec.name}' in ${db}, ${workers} worker${workers === 1 ? '' : 's'}`);
      const outcome = await runStudy({
        storage,
        spec: o.spec,
        strategy: o.strategy,
        pool,
        maxAttempts: o.maxAttempts,
        stop: o.stop ? AbortSignal.any([interrupts.stop, o.stop]) : interrupts.stop,
        abort: interrupts.abort,
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
        process.exitCode = EXIT_INTERRUPTED;
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
