// The worker pool: piscina threads that run jobs (runs/job.ts) and report back. A job that
// throws, exhausts its heap (resourceLimits) or kills its thread (process.exit, a fatal error)
// comes back as a failure with a message; piscina replaces the dead thread. The pool never
// decides what to do about a failure: the study driver (runs/study.ts) records and retries it.
// The pool parses each job before it sends it (JobSchema; for the training worker, into the
// parsed job of runs/training-job.ts, which its threads trust) and each reply it gets back: a job
// it refuses is a failure too, as one that throws in its thread, and no thread sees it.
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { siblingModule } from '../package-files.ts';
import { Piscina } from 'piscina';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { JobSchema, WorkerMessageSchema, WorkerReplySchema, type Job, type Progress, type WorkerReply } from './job.ts';
import { trainingJob } from './training-job.ts';
import type { CurvePoint } from './storage.ts';
import { RUN_FLAG_DEFAULTS } from './flags.ts';

export const WORKER_ENTRY = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));
/** The training worker: worker.ts from the sources, worker.js from dist/. */
const TRAIN_WORKER = siblingModule(import.meta.url, 'worker');

export interface PoolOptions {
  /**
   * Absolute path of another worker module (.ts or compiled .js) whose default export is
   * defineWorker(...), sent each job as it is (the test fixtures). Default: the training worker,
   * sent each job parsed here (runs/training-job.ts), so its threads load no zod.
   */
  handler?: string;
  /** Threads; resolveWorkers() gives the default and the limit. */
  workers: number;
  /** Heap limit of each thread, MB (typed arrays live outside it). */
  maxHeapMb?: number;
}

export const DEFAULT_MAX_HEAP_MB = RUN_FLAG_DEFAULTS.maxHeapMb;

/** Cores available to this process. */
export function cores(): number {
  return availableParallelism();
}

/**
 * The number of worker threads for `--workers n`: the number of cores by default, never more
 * (training is CPU-bound; more threads than cores only slows every job down).
 */
export function resolveWorkers(requested: number | undefined, available = cores()): { workers: number; note?: string } {
  if (requested === undefined) return { workers: available };
  if (!Number.isInteger(requested) || requested < 1) throw new UserError(`--workers must be a whole number >= 1, got ${requested}`);
  if (requested > available) {
    return { workers: available, note: `--workers ${requested} lowered to ${available}: this machine has ${available} cores` };
  }
  return { workers: requested };
}

export type JobOutcome =
  | { ok: true; reply: WorkerReply }
  | { ok: false; aborted: boolean; error: string };

export interface RunOptions {
  /** Aborting terminates the job's thread; the outcome is { ok: false, aborted: true }. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Each point of the job's learning curve as the worker makes it. */
  onCurvePoint?: (p: CurvePoint) => void;
}

export class JobPool {
  private piscina: Piscina | undefined;
  readonly workers: number;
  readonly maxHeapMb: number;
  /** The worker module its threads load. */
  readonly handler: string;
  private readonly message: (job: Job) => unknown;

  constructor(opts: PoolOptions) {
    this.workers = opts.workers;
    this.maxHeapMb = opts.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
    this.handler = opts.handler ?? TRAIN_WORKER;
    this.message = opts.handler === undefined ? trainingJob : (job) => job;
  }

  /** Threads start with the first job: a resumed study with nothing left to do starts none. */
  private threads(): Piscina {
    this.piscina ??= new Piscina({
      filename: WORKER_ENTRY,
      workerData: { handler: this.handler },
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    });
    return this.piscina;
  }

  /** Runs one job; never rejects. */
  async run(job: Job, opts: RunOptions = {}): Promise<JobOutcome> {
    let message: unknown;
    try {
      const parsed = JobSchema.safeParse(job);
      if (!parsed.success) throw new Error(`invalid job: ${z.prettifyError(parsed.error).replace(/\n+/g, '; ')}`);
      message = this.message(parsed.data);
    } catch (err) {
      return { ok: false, aborted: false, error: err instanceof Error ? err.message : String(err) };
    }
    const { port1, port2 } = new MessageChannel();
    if (opts.onProgress || opts.onCurvePoint) {
      port1.on('message', (m: unknown) => {
        const p = WorkerMessageSchema.safeParse(m);
        if (!p.success) return;
        if ('progress' in p.data) opts.onProgress?.(p.data.progress);
        else opts.onCurvePoint?.(p.data.curve);
      });
    }
    try {
      const raw = await this.threads().run({ job: message, port: port2 }, { transferList: [port2], signal: opts.signal ?? null });
      const reply = WorkerReplySchema.safeParse(raw);
      if (!reply.success) return { ok: false, aborted: false, error: `the worker returned a malformed result: ${reply.error.message}` };
      return { ok: true, reply: reply.data };
    } catch (err) {
      return { ok: false, aborted: opts.signal?.aborted === true, error: describeFailure(err, this.maxHeapMb) };
    } finally {
      port1.close();
    }
  }

  async destroy(): Promise<void> {
    await this.piscina?.destroy();
  }
}

function describeFailure(err: unknown, maxHeapMb: number): string {
  if (!(err instanceof Error)) return `the job failed: ${String(err)}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return `out of memory: the job's thread exceeded its heap limit of ${maxHeapMb} MB`;
  const exit = /^worker exited with code: (-?\d+)$/.exec(err.message);
  if (exit) return `the job's worker thread exited (code ${exit[1]})`;
  // Keep the stack (it is what makes a failure debuggable), but not all of it.
  return (err.stack ?? `${err.name}: ${err.message}`).split('\n').slice(0, 12).join('\n');
}
