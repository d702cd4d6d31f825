// The learning curve of a running job on its way to the database: points arrive from the worker
// thread as training makes them and are written at most once per interval (one short
// transaction each, whatever the validation frequency), so a live page sees the curve grow
// within about a second and the writer spends almost nothing on it. The result's own curve
// replaces these points when the job is recorded, so nothing here changes a result.
import type { CurvePoint } from './storage.ts';

/** At most one write per running job per this many ms. */
export const CURVE_FEED_INTERVAL_MS = 1_000;

export interface CurveFeed {
  /** A point as the job reported it (points at or before the job's first own step are dropped). */
  push(point: CurvePoint): void;
  /** Stops writing: points not written yet are dropped (the result carries them); waits for a write in flight. */
  close(): Promise<void>;
}

export interface CurveFeedOptions {
  /** Writes points of this job (Storage.appendCurve, WorkQueue.appendCurve under the lease). */
  write(points: CurvePoint[]): Promise<unknown>;
  /** Only points after this step are the job's own (a continuation stores its own points only). */
  after: number;
  intervalMs?: number;
  /** A write that failed; the points are dropped (the result will carry them) and feeding goes on. */
  onError(err: unknown): void;
}

export function curveFeed(o: CurveFeedOptions): CurveFeed {
  const interval = o.intervalMs ?? CURVE_FEED_INTERVAL_MS;
  let pending: CurvePoint[] = [];
  let lastWrite = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const flush = (): void => {
    timer = undefined;
    if (closed || pending.length === 0 || inFlight) return;
    const points = pending;
    pending = [];
    lastWrite = performance.now();
    inFlight = o
      .write(points)
      .then(
        () => {},
        (err: unknown) => o.onError(err),
      )
      .finally(() => {
        inFlight = undefined;
        // Points that came during the write go in the next one, an interval after this one.
        if (pending.length > 0) schedule();
      });
  };

  const schedule = (): void => {
    if (closed || timer !== undefined || inFlight) return;
    timer = setTimeout(flush, Math.max(0, lastWrite + interval - performance.now()));
  };

  return {
    push(point) {
      if (closed || point.step <= o.after) return;
      pending.push(point);
      schedule();
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      pending = [];
      await inFlight;
    },
  };
}
