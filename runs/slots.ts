// One loop per thread of the pool: how the driver (runs/study.ts) and `cellsearch worker`
// (runs/queue-worker.ts) keep every thread busy, and stop.
/** What each slot repeats: take the next piece of work, run it. */
export interface SlotLoop<T> {
  /** True once no new work may start (a stop); running work finishes. */
  stopped: () => boolean;
  /** The next piece of work for slot `slot` (0-based: a live page names who runs what); undefined ends this slot. */
  next: (slot: number) => Promise<T | undefined>;
  run: (item: T, slot: number) => Promise<void>;
}

/**
 * Runs `slots` loops at once until each is stopped or out of work. Every loop ends before an
 * error of one propagates (the first one is thrown), so no job is left running unrecorded.
 */
export async function inSlots<T>(slots: number, loop: SlotLoop<T>): Promise<void> {
  const slot = async (index: number): Promise<void> => {
    while (!loop.stopped()) {
      const item = await loop.next(index);
      if (item === undefined) return;
      await loop.run(item, index);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: slots }, (_, index) => slot(index)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Waits `ms`, or less if one of the signals aborts. */
export function pause(ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  return new Promise((done) => {
    const end = () => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', end);
      done();
    };
    const timer = setTimeout(end, ms);
    for (const s of live) {
      if (s.aborted) return end();
      s.addEventListener('abort', end, { once: true });
    }
  });
}
