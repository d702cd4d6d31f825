// `npm run bench:workers`: issue 13's scaling figure. The same CPU-bound tiny study (`train` of
// a GRU on memorize, --repeats evaluations of --steps steps: one generation, so every evaluation
// can run at once) on PostgreSQL, its driver only coordinating (--workers 0), trained by 1 and then
// by 2 `cellsearch worker` processes of one thread each; each configuration --rounds times,
// alternating. For each run: evaluations per wall second from the first claim to the driver's end,
// the workers' CPU seconds per evaluation (from /proc, after their start-up), and the cores other
// processes used meanwhile (/proc/stat minus the workers' and the driver's CPU). Target: 2 workers
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
    steps: { type: 'string', default: '300' },
    repeats: { type: 'string', default: '8' },
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
function cellsearch(args: string[]): { child: ChildProcess; until: (re: RegExp) => Promise<void> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CELLSEARCH_DB: url } });
  let text = '';
  const waiters: { re: RegExp; done: () => void }[] = [];
  const check = () => waiters.splice(0, waiters.length, ...waiters.filter((w) => (w.re.test(text) ? (w.done(), false) : true)));
  child.stdout!.on('data', (d) => ((text += d), check()));
  child.stderr!.on('data', (d) => ((text += d), check()));
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
  const pool = Array.from({ length: workers }, () => cellsearch(['worker', '--workers', '1', '--name', name]));
  // Start-up (tsx, the imports, the thread) is not the queue's: the clock starts at the first claim.
  await Promise.race(pool.map((w) => w.until(/^claimed evaluation/m)));
  const [t0, busy0] = [performance.now(), busy()];
  const cpu0 = pool.map((w) => cpuOf(w.child.pid!));
  const driverCpu0 = cpuOf(driver.child.pid!);
  let [cpu1, driverCpu1, busy1, t1] = [cpu0, driverCpu0, busy0, t0];
  // Read every 100 ms: the last reading before the driver ends is the run's.
  const sample = setInterval(() => {
    const c = pool.map((w) => cpuOf(w.child.pid!));
    const d = cpuOf(driver.child.pid!);
    if (c.every(Number.isFinite) && Number.isFinite(d)) [cpu1, driverCpu1, busy1, t1] = [c, d, busy(), performance.now()];
  }, 100);
  const [code] = await once(driver.child, 'exit');
  clearInterval(sample);
  if (code !== 0) throw new Error(`the driver exited with ${code}`);
  for (const w of pool) w.child.kill('SIGINT');
  await Promise.all(pool.map((w) => once(w.child, 'exit')));
  const seconds = (t1 - t0) / 1000;
  const workerCpu = cpu1.reduce((s, c, i) => s + c - cpu0[i], 0);
  const others = (busy1 - busy0 - workerCpu - (driverCpu1 - driverCpu0)) / seconds;
  return { rate: repeats / seconds, cpuPerEval: workerCpu / repeats, others };
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
