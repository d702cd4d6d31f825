// A session clock (runs/clock.ts) that reads this process's CPU time instead of the wall: every
// worker thread's and the coordinator's, so a study's time limit becomes a CPU budget that does not
// stretch when other processes share the cores. The study runner tells the clock of every recorded
// result before it hands out the next job; that is where a budget that has run out stops the
// session (running jobs finish, no new one starts), so no timer is needed.
import type { Clock } from '../runs/clock.ts';

/** CPU milliseconds (user + system) this process has used, all threads. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function cpuClock(read: () => number = processCpuMs): Clock {
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: read,
    timeout(fn, ms) {
      const t = { at: read() + ms, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
    recorded() {
      const now = read();
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}
