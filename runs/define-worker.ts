// The worker side of the thread boundary (runs/job.ts is the coordinator's): a worker module
// (runs/worker.ts for training, runs/fixtures/ for tests) exports `defineWorker(handler)` as its
// default export; runs/pool.ts loads it through runs/worker-entry.mjs. The pool parses every job
// before it sends it (runs/job.ts, runs/training-job.ts) and parses every reply it gets back, so
// this side parses nothing and loads no zod: a thread is ready sooner (issue 17).
import type { MessagePort } from 'node:worker_threads';
import type { CurvePoint } from './curve-point.ts';
import type { JobResult, Progress, WorkerReply } from './job.ts';

/**
 * Trains (or computes) one job, as the pool parsed it for this worker. `progress` may be called
 * any number of times; `curve` is called with each point of the learning curve as it is made,
 * exactly as the result's `curve` will hold it (the driver stores them while the job runs, so
 * that a live page sees the curve grow).
 */
export type JobHandler<J> = (job: J, progress: (p: Progress) => void, curve: (p: CurvePoint) => void) => JobResult | Promise<JobResult>;

/** What the pool posts to a worker: the job, and a port for progress reports. */
export interface WorkerTask<J> {
  job: J;
  port?: MessagePort;
}

/** Wraps a handler as a piscina worker function: runs the job, times it, closes the port. */
export function defineWorker<J>(handler: JobHandler<J>): (task: WorkerTask<J>) => Promise<WorkerReply> {
  return async ({ job, port }) => {
    const t0 = performance.now();
    try {
      const result = await handler(
        job,
        (p) => port?.postMessage({ progress: p }),
        (p) => port?.postMessage({ curve: p }),
      );
      return { result, wallMs: performance.now() - t0 };
    } finally {
      port?.close();
    }
  };
}
