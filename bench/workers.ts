// `npm run bench:workers`: issue 13's scaling figure. The same CPU-bound tiny study (`train` of
// a GRU on memorize, --repeats evaluations of --steps steps: one generation, so every evaluation
// can run at once) on PostgreSQL, its driver only coordinating (--workers 0), trained by 1 and then
// by 2 `cellsearch worker` processes of one thread each; each configuration --rounds times,
// alternating. For each run, in the steady state (each worker from its first result on: that
// evaluation carries its thread's start-up): evaluations per wall second, the workers' CPU seconds
// per evaluation (from /proc), and the cores other processes used meanwhile (/proc/stat minus the
// workers' and the driver's CPU). Target: 2 workers
// >= 1.8x the throughput of 1, which needs 2 idle cores; on a shared machine the CPU per
// evaluation says whether a second worker costs anything (it should not: the same work, split).
// Needs a server: `scripts/with-postgres.sh npm run bench:workers` (or --db postgres://...).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    steps: { type: 'string', default: '1000' },
    repeats: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '1' },
  },
});
const url = values.db ?? process.env.CELLSEARCH_TEST_PG;
if (!url) {
  console.error('bench:workers needs a PostgreSQL database: scripts/with-postgres.sh npm run bench:workers, or --db postgres://...');
  process.exit(2);
}
const CLI = fileURLToPath(new URL('../bin/cellsearch.js', import.meta.url));
const HZ = 100; // USER_HZ
const repeats = Number(values.repeats);

/** CPU seconds (user + system) of a live process, from /proc; NaN once it is gone. */
function cpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(v[11]) + Number(v[12])) / HZ;
  } catch {
    return NaN;
  }
}

/** Busy seconds of all CPUs so far (/proc/stat). */
function busy(): number {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (v[0] + v[1] + v[2] + v[5] + v[6]) / HZ;
}

/** A cellsearch process given the URL through the environment (never on its command line), its stderr collected. */
function cellsearch(args: string[], onLine?: (line: string) => void): { child: ChildProcess; until: (re: RegExp) => Promise<void> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CELLSEARCH_DB: url } });
  let text = '';
  let partial = '';
  const waiters: { re: RegExp; done: () => void }[] = [];
  const check = () => waiters.splice(0, waiters.length, ...waiters.filter((w) => (w.re.test(text) ? (w.done(), false) : true)));
  child.stdout!.on('data', (d) => ((text += d), check()));
  child.stderr!.on('data', (d) => {
    text += d;
    const lines = (partial + String(d)).split('\n');
    partial = lines.pop()!;
    for (const line of lines) onLine?.(line);
    check();
  });
  const until = (re: RegExp) =>
    new Promise<void>((done, fail) => {
      if (re.test(text)) return done();
      waiters.push({ re, done });
      child.once('exit', () => (re.test(text) ? done() : fail(new Error(`${args[0]} exited before ${re}:\n${text}`))));
    });
  return { child, until };
}

async function run(workers: number, round: number): Promise<{ rate: number; cpuPerEval: number; others: number }> {
  const name = `bench-workers-${workers}-${round}-${Date.now()}`;
  const driver = cellsearch(['train', '--cell', 'gru', '--task', 'memorize', '--steps', String(values.steps), '--eval-every', String(values.steps), '--valid-batches', '2', '--repeats', String(repeats), '--name', name, '--workers', '0']);
  await driver.until(/0 workers here/);
  // Steady state: a worker's first evaluation carries its thread's start-up (tsx, the engine's
  // modules, the task's data), so each worker is counted from its first result on, and the rate
  // from the moment every worker has one.
  const first: { at: number; cpu: number }[] = [];
  const recorded: number[][] = [];
  const pool = Array.from({ length: workers }, (_, i) => {
    recorded.push([]);
    const w = cellsearch(['worker', '--workers', '1', '--name', name], (line) => {
      if (!line.startsWith('recorded evaluation')) return;
      const at = performance.now();
      if (recorded[i].length === 0) first[i] = { at, cpu: cpuOf(w.child.pid!) };
      recorded[i].push(at);
    });
    return w;
  });
  const driverCpu0 = cpuOf(driver.child.pid!);
  const busy0 = busy();
  let last = { at: performance.now(), workers: pool.map(() => NaN), driver: driverCpu0, busy: busy0 };
  // Read every 100 ms: the last reading before the driver ends is the run's.
  const sample = setInterval(() => {
    const c = pool.map((w) => cpuOf(w.child.pid!));
    const d = cpuOf(driver.child.pid!);
    if (c.every(Number.isFinite) && Number.isFinite(d)) last = { at: performance.now(), workers: c, driver: d, busy: busy() };
  }, 100);
  const start = performance.now();
  const [code] = await once(driver.child, 'exit');
  clearInterval(sample);
  if (code !== 0) throw new Error(`the driver exited with ${code}`);
  for (const w of pool) w.child.kill('SIGINT');
  await Promise.all(pool.map((w) => once(w.child, 'exit')));
  if (recorded.some((r) => r.length < 2)) throw new Error(`a worker recorded fewer than 2 evaluations (${recorded.map((r) => r.length).join(', ')}): give --repeats more`);
  const from = Math.max(...first.map((f) => f.at));
  const inWindow = recorded.flat().filter((at) => at > from).length;
  const workerCpu = first.reduce((sum, f, i) => sum + last.workers[i] - f.cpu, 0);
  const counted = recorded.reduce((n, r) => n + r.length - 1, 0);
  const seconds = (last.at - start) / 1000;
  const others = (last.busy - busy0 - (last.driver - driverCpu0) - last.workers.reduce((a, b) => a + b, 0)) / seconds;
  return { rate: inWindow / ((last.at - from) / 1000), cpuPerEval: workerCpu / counted, others };
}

console.log(`${repeats} evaluations (train gru, memorize, ${values.steps} steps) per run; ${cpus().length} cores`);
console.log('workers  round  evaluations/s  worker CPU s/eval  other processes (cores)');
const rates: Record<number, number[]> = { 1: [], 2: [] };
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const workers of round % 2 === 1 ? [1, 2] : [2, 1]) {
    const r = await run(workers, round);
    rates[workers].push(r.rate);
    console.log([String(workers).padStart(7), String(round).padStart(5), r.rate.toFixed(3).padStart(13), r.cpuPerEval.toFixed(2).padStart(17), r.others.toFixed(2).padStart(23)].join('  '));
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`2 workers / 1 worker: ${(mean(rates[2]) / mean(rates[1])).toFixed(2)}x the throughput (target >= 1.8, on 2 idle cores)`);
