// The session's clock: what a command's time limit (`cellsearch search --time`) and its live
// status read. It is injected so that tests do not depend on the speed of the machine: with
// CELLSEARCH_TEST_CLOCK=<ms> (tests only) time stands still and moves forward <ms> each time the
// study records the end of an attempt, so a limit passes after a known number of results.
import { z } from 'zod';

export interface Clock {
  /** Milliseconds since a fixed origin. */
  now(): number;
  /** Calls `fn` once, `ms` from now, without keeping the process alive; returns a cancel. */
  timeout(fn: () => void, ms: number): () => void;
  /** The study recorded the end of an attempt (a result or a failure); the test clock advances here. */
  recorded(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  timeout(fn, ms) {
    // setTimeout takes at most 2^31 - 1 ms (~596 h) and fires at once, with a warning, beyond it:
    // a longer limit waits in steps of at most that.
    const due = Date.now() + ms;
    let t: NodeJS.Timeout;
    const wait = (left: number) => {
      t = setTimeout(() => (left > MAX_TIMEOUT_MS ? wait(due - Date.now()) : fn()), Math.min(left, MAX_TIMEOUT_MS));
      t.unref();
    };
    wait(ms);
    return () => clearTimeout(t);
  },
  recorded() {},
};

/** The longest delay setTimeout accepts. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A clock that starts at 0 and advances `stepMs` at each recorded attempt, running the timeouts that fall due then. */
export function steppedClock(stepMs: number): Clock {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    timeout(fn, ms) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
    recorded() {
      now += stepMs;
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

/** Internal: set only by tests. */
export const TEST_CLOCK_ENV = 'CELLSEARCH_TEST_CLOCK';

const StepMsSchema = z.coerce.number().positive().finite();

/** The system clock, or the stepped clock when a test sets CELLSEARCH_TEST_CLOCK. */
export function sessionClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const raw = env[TEST_CLOCK_ENV];
  if (raw === undefined) return systemClock;
  const step = StepMsSchema.safeParse(raw);
  if (!step.success) throw new Error(`${TEST_CLOCK_ENV} must be a positive number of milliseconds per recorded attempt, got '${raw}'`);
  return steppedClock(step.data);
}
