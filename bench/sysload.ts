// CPU accounting for benchmarks on a shared machine, as ../shared/bench/torch_bench.py does it:
// how many cores other processes used while a measurement ran (from /proc/stat minus this
// process's own CPU time). A figure taken while others were busy is flagged, not trusted.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuSnapshot {
  wall: number;
  /** Busy jiffies of all CPUs (user nice system irq softirq), or NaN without /proc/stat. */
  busy: number;
  /** This process's CPU seconds (user + system). */
  own: number;
}

const HZ = 100; // USER_HZ: fixed at 100 by the Linux ABI for /proc/stat

export function cpuSnapshot(): CpuSnapshot {
  let busy = NaN;
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    busy = v[0] + v[1] + v[2] + v[5] + v[6];
  } catch {
    // not Linux: contention unknown
  }
  const u = process.cpuUsage();
  return { wall: performance.now() / 1000, busy, own: (u.user + u.system) / 1e6 };
}

/** Cores used by other processes between two snapshots (NaN when unknown). */
export function otherCores(a: CpuSnapshot, b: CpuSnapshot): number {
  const wall = b.wall - a.wall;
  return Math.max(0, (b.busy - a.busy) / HZ - (b.own - a.own)) / wall;
}

export const ncpu = cpus().length;

/** Waits (busy-free) until other processes use less than `allowed` cores, at most `maxWait` s. */
export async function waitForIdle(allowed: number, maxWait: number): Promise<{ load: number; waited: number }> {
  const t0 = performance.now();
  for (;;) {
    const a = cpuSnapshot();
    await new Promise((r) => setTimeout(r, 500));
    const load = otherCores(a, cpuSnapshot());
    const waited = (performance.now() - t0) / 1000;
    if (!(load >= allowed) || waited > maxWait) return { load, waited };
  }
}
