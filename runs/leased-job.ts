// One claimed evaluation (runs/queue.ts) trained and recorded under its lease: what a study's
// driver and a `cellsearch worker` do with each claim. The lease is renewed every heartbeat while
// the job runs; a renewal that finds the lease lost (it expired and was re-queued, perhaps run
// elsewhere already) stops the job, whose result would be discarded anyway. A hard stop
// terminates the job and puts the evaluation back in the queue without counting an attempt.
import { jobOf, resultOf, type Progress } from './job.ts';
import type { JobPool } from './pool.ts';
import type { Claim, LeaseTimes, WorkQueue } from './queue.ts';
import { curveFeed } from './curve-feed.ts';

export interface LeasedJobOptions {
  queue: WorkQueue;
  pool: JobPool;
  claim: Claim;
  lease: LeaseTimes;
  maxAttempts: number;
  /** Hard stop: the job's thread is terminated and the evaluation released. */
  abort?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** A heartbeat that did not reach the server (the lease may still be renewed at the next one). */
  onWarning?: (message: string) => void;
}

export type LeasedOutcome =
  | { kind: 'recorded' }
  | { kind: 'failure'; error: string; then: 'queued' | 'failed' }
  /** The lease was lost before the job reported: nothing of this attempt was written. */
  | { kind: 'lost' }
  /** Stopped by the hard stop; back in the queue. */
  | { kind: 'released' };

export async function runLeasedJob(o: LeasedJobOptions): Promise<LeasedOutcome> {
  const { queue, claim } = o;
  const e = claim.evaluation;
  const lost = new AbortController();
  // The job stops on a lost lease or the hard stop. One listener, removed when the job ends: the
  // hard stop's signal lives as long as the worker, and AbortSignal.any would tie every job's
  // signal to it.
  const stopped = new AbortController();
  lost.signal.addEventListener('abort', () => stopped.abort(), { once: true });
  const hardStop = () => stopped.abort();
  if (o.abort?.aborted) stopped.abort();
  o.abort?.addEventListener('abort', hardStop, { once: true });
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    queue
      .renew(claim.token, o.lease.leaseMs)
      .then((held) => held || lost.abort())
      .catch((err: Error) => o.onWarning?.(`evaluation ${e.key}: the lease could not be renewed (${err.message}); trying again in ${o.lease.heartbeatMs / 1000} s`))
      .finally(() => (beating = false));
  }, o.lease.heartbeatMs);
  try {
    const arch = await queue.architecture(e.architecture);
    if (!arch) throw new Error(`architecture ${e.architecture} of evaluation ${e.key} is missing from ${queue.location}`);
    const resumeFrom = e.continues === null ? undefined : await queue.checkpoint(e.experimentId, e.continues);
    if (e.continues !== null && resumeFrom === undefined) {
      const error = `evaluation ${e.key} continues ${e.continues}, whose checkpoint is no longer stored in ${queue.location}`;
      const then = await queue.fail(claim.token, error, o.maxAttempts);
      return then === 'lost' ? { kind: 'lost' } : { kind: 'failure', error, then };
    }
    // Where the continued evaluation ended: a continuation stores only its own curve points.
    const from = e.continues === null ? 0 : await queue.stepsOf(e.experimentId, e.continues);
    const job = jobOf(e, arch.cell, resumeFrom);
    // Live points go under the lease, as the result does; one that cannot be written is only a warning.
    const feed = curveFeed({
      write: (points) => queue.appendCurve(claim.token, points),
      after: from,
      onError: (err) => o.onWarning?.(`evaluation ${e.key}: curve points could not be stored (${err instanceof Error ? err.message : String(err)})`),
    });
    const out = await o.pool.run(job, { signal: stopped.signal, onProgress: o.onProgress, onCurvePoint: (p) => feed.push(p) });
    await feed.close();
    clearInterval(heartbeat);
    if (lost.signal.aborted) return { kind: 'lost' };
    if (out.ok) {
      const recorded = await queue.complete(claim.token, resultOf(out.reply, from));
      return recorded ? { kind: 'recorded' } : { kind: 'lost' };
    }
    if (out.aborted) {
      await queue.release(claim.token);
      return { kind: 'released' };
    }
    const then = await queue.fail(claim.token, out.error, o.maxAttempts);
    return then === 'lost' ? { kind: 'lost' } : { kind: 'failure', error: out.error, then };
  } finally {
    clearInterval(heartbeat);
    o.abort?.removeEventListener('abort', hardStop);
  }
}
