// `cellsearch worker`'s loop: claims evaluations of running studies from a shared database's
// queue (runs/queue.ts), trains them in the local thread pool, and records them under their
// leases, one claim per thread, until stopped. It never proposes anything: the study's driver
// does, generation by generation, so results are the same whoever trains what.
import { isUserError, UserError } from '../errors.ts';
import type { Evaluation } from './storage.ts';
import type { JobPool } from './pool.ts';
import { runLeasedJob, type LeasedOutcome } from './leased-job.ts';
import { QueueUnreachable, type Claim, type LeaseTimes, type WorkQueue } from './queue.ts';
import { inSlots, pause } from './slots.ts';

export type WorkerEvent =
  | { type: 'claimed'; evaluation: Evaluation }
  | { type: 'recorded'; evaluation: Evaluation }
  | { type: 'failure'; evaluation: Evaluation; error: string; then: 'queued' | 'failed' }
  | { type: 'lost'; evaluation: Evaluation }
  | { type: 'released'; evaluation: Evaluation }
  /** This machine cannot run it (its data is not here): back in the queue, no attempt counted; the worker stops. */
  | { type: 'refused'; evaluation: Evaluation; error: string }
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
  /**
   * Throws a UserError when this machine cannot run the evaluation (a data folder the study names
   * is not here): checked before training, so the evaluation goes back to the queue for another
   * machine instead of failing its attempts here.
   */
  runnable?: (e: Evaluation) => void | Promise<void>;
}

/**
 * Runs until `stop` (or `abort`); resolves when every thread's evaluation is recorded or released.
 * An evaluation this machine cannot run (`runnable`) stops it too: the others finish, and it
 * rejects with a UserError naming the evaluation and the problem.
 */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<void> {
  const emit = o.onEvent ?? (() => {});
  // The server stayed away longer than the queue tries: the lease expires and the evaluation runs again.
  const leaseWillExpire = (e: Evaluation, err: unknown) => {
    if (!(err instanceof QueueUnreachable)) throw err;
    emit({ type: 'warning', message: `evaluation ${e.key}: ${err.message}; its lease will expire and it will run again` });
  };
  let refused: UserError | undefined;
  const stopped = () => o.stop?.aborted === true || o.abort?.aborted === true || refused !== undefined;
  // Waits for work: while nothing is queued, and while the server is away (a restart, the
  // network); undefined once stopped. Anything but an unreachable server is a bug and ends the slot.
  const next = async (slot: number): Promise<Claim | undefined> => {
    let backoff = 1_000;
    while (!stopped()) {
      try {
        // The lease names the thread too: a live page shows which worker and thread runs what.
        const claim = await o.queue.claim({ experimentId: o.experimentId, owner: `${o.owner} thread ${slot + 1}`, leaseMs: o.lease.leaseMs });
        if (claim) return claim;
        await pause(o.pollMs, [o.stop, o.abort]);
        backoff = 1_000;
      } catch (err) {
        if (!(err instanceof QueueUnreachable)) throw err;
        emit({ type: 'warning', message: `${err.message}; trying again in ${backoff / 1000} s` });
        await pause(backoff, [o.stop, o.abort]);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
    return undefined;
  };
  await inSlots(o.pool.workers, {
    stopped,
    next,
    run: async (claim) => {
      const e = claim.evaluation;
      emit({ type: 'claimed', evaluation: e });
      try {
        await o.runnable?.(e);
      } catch (err) {
        if (!isUserError(err)) throw err;
        refused ??= new UserError(
          `evaluation ${e.id} (${e.key}) of experiment ${e.experimentId} cannot run on this machine: ${err.message}. ` +
            'It went back to the queue without counting an attempt, and this worker stopped; run it again where the data is (the same path), or give it --name of another study',
        );
        emit({ type: 'refused', evaluation: e, error: err.message });
        await o.queue.release(claim.token).catch((released: unknown) => leaseWillExpire(e, released));
        return;
      }
      let out: LeasedOutcome;
      try {
        out = await runLeasedJob({
          queue: o.queue,
          pool: o.pool,
          claim,
          lease: o.lease,
          maxAttempts: o.maxAttempts,
          abort: o.abort,
          onWarning: (message) => emit({ type: 'warning', message }),
        });
      } catch (err) {
        leaseWillExpire(e, err);
        return;
      }
      if (out.kind === 'recorded') emit({ type: 'recorded', evaluation: e });
      else if (out.kind === 'failure') emit({ type: 'failure', evaluation: e, error: out.error, then: out.then });
      else emit({ type: out.kind, evaluation: e });
    },
  });
  if (refused) throw refused;
}
