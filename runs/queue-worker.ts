// `cellsearch worker`'s loop: claims evaluations of running studies from a shared database's
// queue (runs/queue.ts), trains them in the local thread pool, and records them under their
// leases, one claim per thread, until stopped. It never proposes anything: the study's driver
// does, generation by generation, so results are the same whoever trains what.
import type { Evaluation } from './storage.ts';
import type { JobPool } from './pool.ts';
import { runLeasedJob } from './leased-job.ts';
import { QueueUnreachable, type LeaseTimes, type WorkQueue } from './queue.ts';

export type WorkerEvent =
  | { type: 'claimed'; evaluation: Evaluation }
  | { type: 'recorded'; evaluation: Evaluation }
  | { type: 'failure'; evaluation: Evaluation; error: string; then: 'queued' | 'failed' }
  | { type: 'lost'; evaluation: Evaluation }
  | { type: 'released'; evaluation: Evaluation }
  | { type: 'warning'; message: string };

export interface QueueWorkerOptions {
  queue: WorkQueue;
  pool: JobPool;
  /** Only this experiment's evaluations (default: every running study's). */
  experimentId?: number;
  owner: string;
  lease: LeaseTimes;
  /** Pause between claims when nothing is queued (ms). */
  pollMs: number;
  maxAttempts: number;
  /** Graceful stop: no new claims; running evaluations finish and are recorded. */
  stop?: AbortSignal;
  /** Hard stop: running evaluations are terminated and put back in the queue. */
  abort?: AbortSignal;
  onEvent?: (e: WorkerEvent) => void;
}

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const end = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', end);
      done();
    };
    const timer = setTimeout(end, ms);
    signal?.addEventListener('abort', end, { once: true });
  });
}

/** Runs until `stop` (or `abort`); resolves when every thread's evaluation is recorded or released. */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<void> {
  const emit = o.onEvent ?? (() => {});
  const stopped = () => o.stop?.aborted === true || o.abort?.aborted === true;
  const halt = o.stop && o.abort ? AbortSignal.any([o.stop, o.abort]) : (o.stop ?? o.abort);
  const slot = async (_: unknown, thread: number): Promise<void> => {
    let backoff = 1_000;
    while (!stopped()) {
      let claim;
      try {
        // The lease names the thread too: a live page shows which worker and thread runs what.
        claim = await o.queue.claim({ experimentId: o.experimentId, owner: `${o.owner} thread ${thread + 1}`, leaseMs: o.lease.leaseMs });
        backoff = 1_000;
      } catch (err) {
        // The server is away (a restart, the network): wait and try again; anything else is a bug.
        if (!(err instanceof QueueUnreachable)) throw err;
        emit({ type: 'warning', message: `${err.message}; trying again in ${backoff / 1000} s` });
        await pause(backoff, halt);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      if (!claim) {
        await pause(o.pollMs, halt);
        continue;
      }
      const e = claim.evaluation;
      emit({ type: 'claimed', evaluation: e });
      const out = await runLeasedJob({
        queue: o.queue,
        pool: o.pool,
        claim,
        lease: o.lease,
        maxAttempts: o.maxAttempts,
        abort: o.abort,
        onWarning: (message) => emit({ type: 'warning', message }),
      });
      if (out.kind === 'recorded') emit({ type: 'recorded', evaluation: e });
      else if (out.kind === 'failure') emit({ type: 'failure', evaluation: e, error: out.error, then: out.then });
      else emit({ type: out.kind, evaluation: e });
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: o.pool.workers }, slot));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
