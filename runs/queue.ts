// The work queue of a database shared by several machines: queued evaluations are claimed, each
// claim a lease that its holder renews (a heartbeat) and that expires when the holder dies; a
// result or failure counts only under the claim's own token, so nothing is counted twice and
// nothing is lost. The driver of a study (runs/study.ts) and `cellsearch worker` processes
// (runs/queue-worker.ts) take work from it alike; runs/postgres-queue.ts implements it.
import type { Architecture, CurvePoint, Evaluation, EvaluationResult } from './storage.ts';

/** One evaluation leased to one process until it reports, releases, or stops renewing. */
export interface Claim {
  /** As claimed: status `running`. */
  evaluation: Evaluation;
  /** The claim's attempt token: what renew, complete, fail and release name. */
  token: string;
}

export interface ClaimRequest {
  /** Only this experiment's evaluations (default: any experiment whose status is running). */
  experimentId?: number;
  /** Who holds the lease (`leaseOwner`), for the events. */
  owner: string;
  leaseMs: number;
}

export interface WorkQueue {
  /** Where the queue lives, as it may be shown (no password). */
  readonly location: string;
  /**
   * The next queued evaluation, in (experiment, generation, ordinal) order, of an experiment that
   * is running, leased to `owner` for `leaseMs`; undefined when none is queued. Concurrent claims
   * never get the same evaluation and never wait for each other.
   */
  claim(request: ClaimRequest): Promise<Claim | undefined>;
  /** Extends the lease; false when it was lost (expired and re-queued, or claimed by another). */
  renew(token: string, leaseMs: number): Promise<boolean>;
  /** Records the result (as Storage.recordResult) if the lease is still this token's; false (nothing written) otherwise. */
  complete(token: string, result: EvaluationResult): Promise<boolean>;
  /** Counts a failed attempt (as Storage.recordFailure) under the lease; 'lost' (nothing written) when it is not held. */
  fail(token: string, error: string, maxAttempts: number): Promise<'queued' | 'failed' | 'lost'>;
  /** Stores points of the claimed evaluation's curve as training makes them (as Storage.appendCurve) if the lease is still this token's; false otherwise. */
  appendCurve(token: string, points: readonly CurvePoint[]): Promise<boolean>;
  /** Puts the evaluation back in the queue without counting an attempt (interrupted); its stored curve points are deleted. */
  release(token: string): Promise<void>;
  /** Running evaluations whose lease expired go back to the queue, without counting an attempt; returns how many. */
  requeueExpired(experimentId?: number): Promise<number>;

  /** What a job needs besides its evaluation. */
  architecture(hash: string): Promise<Architecture | undefined>;
  checkpoint(experimentId: number, key: string): Promise<Uint8Array | undefined>;
  /** The steps an evaluation of the experiment ended at (0 when unknown): where its continuation's curve starts. */
  stepsOf(experimentId: number, key: string): Promise<number>;
  /** The id of the experiment named `name`, if any. */
  experimentId(name: string): Promise<number | undefined>;

  close(): Promise<void>;
}

/** Lease timings: a holder renews every `heartbeatMs`; a lease not renewed for `leaseMs` expires. */
export interface LeaseTimes {
  leaseMs: number;
  heartbeatMs: number;
}

export const DEFAULT_LEASE: LeaseTimes = { leaseMs: 60_000, heartbeatMs: 10_000 };

/**
 * The owner a process's leases name: `driver host:pid` for a study's driver, `worker host:pid` for
 * `cellsearch worker`. A driver that takes its study's lease knows every other driver of the study is
 * dead, so it re-queues the evaluations they held at once instead of waiting for them to expire.
 */
export function leaseOwner(role: 'driver' | 'worker', host: string, pid: number): string {
  return `${role} ${host}:${pid}`;
}

/**
 * The queue's server could not be reached for as long as the queue keeps trying: a worker waits and
 * tries again; a driver stops, and the command says so (the machine's state, not a bug: exit 2).
 */
export class QueueUnreachable extends Error {
  readonly userFacing = true;
  override name = 'QueueUnreachable';
}
