// `npm run bench:queue`: the PostgreSQL work queue's overhead (issue 13). For each size (1k, 10k
// and 100k evaluations by default) it times the driver's propose-and-insert of one generation of
// that many evaluations (building them, recordGeneration), then runs 4 worker processes
// (queue-child.ts: `cellsearch worker`'s loop with a no-op job) on the first --measure of them
// and prints claims + results per second. Targets: >= 200 evaluations/s with 4 processes, and the
// per-evaluation figures flat from 1k to 100k. The load average is printed beside each figure: on a
// busy machine the rate measures the contention, not the queue; so it is also given against a
// reference taken in the same run (the rate times one connection's `SELECT 1` round trip: the
// evaluations done in the time of one round trip), and as CPU time per evaluation, of the worker
// processes (after their start-up) and of the server's backends. A benchmark, not a test.
// Needs a server: `scripts/with-postgres.sh npm run bench:queue` (or --db postgres://...).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openPostgresStorage } from '../runs/postgres.ts';
import { deriveSeed, evaluationKey } from '../runs/seeds.ts';
import type { NewEvaluation } from '../runs/storage.ts';
import { cpus, loadavg } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    sizes: { type: 'string', default: '1000,10000,100000' },
    measure: { type: 'string', default: '2000' },
    processes: { type: 'string', default: '4' },
    /** Profile every worker process (node --cpu-prof, their threads too) into this folder. */
    'cpu-prof': { type: 'string' },
  },
});
const url = values.db ?? process.env.CELLSEARCH_TEST_PG;
if (!url) {
  console.error('bench:queue needs a PostgreSQL database: scripts/with-postgres.sh npm run bench:queue, or --db postgres://...');
  process.exit(2);
}
const sizes = (values.sizes ?? '1000,10000,100000').split(',').map(Number);
const measure = Number(values.measure ?? 2000);
const processes = Number(values.processes ?? 4);
const CHILD = fileURLToPath(new URL('./queue-child.ts', import.meta.url));
const arch = { hash: 'bench', cell: { states: ['h'] }, notation: null, origin: { kind: 'zoo' as const, name: 'bench' } };

/**
 * CPU time (ms) of the server's processes (the postmaster's children: the backends serving the
 * workers), when its data folder is known (CELLSEARCH_TEST_PG_DATA, as scripts/with-postgres.sh
 * sets it) and readable through /proc; else undefined.
 */
function serverCpuMs(): number | undefined {
  const data = process.env.CELLSEARCH_TEST_PG_DATA;
  if (!data) return undefined;
  try {
    const postmaster = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0].trim();
    const tick = 1000 / 100; // USER_HZ: 100 on Linux
    let ms = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[1] === postmaster || pid === postmaster) ms += (Number(f[11]) + Number(f[12])) * tick;
    }
    return ms;
  } catch {
    return undefined;
  }
}

/** One connection's round trip (`SELECT 1`), ms: the unit a claim's cost is counted in, on this machine at this load. */
async function roundTripMs(): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 0; i < 50; i++) await c.query('SELECT 1');
    const t = performance.now();
    for (let i = 0; i < 300; i++) await c.query('SELECT 1');
    return (performance.now() - t) / 300;
  } finally {
    await c.end();
  }
}

const storage = await openPostgresStorage(url);
console.log(`${storage.location}; ${processes} worker processes, no-op jobs; ${cpus().length} cores`);
console.log(
  'evaluations  insert (ms)  insert/eval (µs)  claims+results/s (n)  round trip (ms)  rate × round trip  worker CPU/eval (ms)  server CPU/eval (ms)  load average',
);
try {
  for (const n of sizes) {
    const e = await storage.createExperiment({ name: `bench-queue-${n}-${Date.now()}`, kind: 'bench', config: { n }, seed: 1 });
    const t0 = performance.now();
    const evaluations: NewEvaluation[] = Array.from({ length: n }, (_, i) => {
      const key = evaluationKey({ architecture: arch.hash, task: 'fixture', trial: i });
      return { key, ordinal: i, architecture: arch.hash, task: 'fixture', taskOptions: {}, hyperparameters: { steps: 1 }, seed: deriveSeed(1, key) };
    });
    await storage.recordGeneration(e.id, { generation: 0, architectures: [arch], evaluations, state: {}, finished: true });
    const insertMs = performance.now() - t0;

    const target = Math.min(n, measure);
    const rtt = await roundTripMs();
    const server0 = serverCpuMs();
    // The URL goes by the environment, not the command line, which other users see in the process list.
    const profile = values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`];
    const children = Array.from({ length: processes }, () =>
      spawn(process.execPath, [...profile, '--import', 'tsx', CHILD, String(e.id)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CELLSEARCH_DB: url } }),
    );
    const started = await Promise.all(children.map(async (c) => Number(/^ready ([\d.]+)/.exec(String((await once(c.stdout, 'data'))[0]))?.[1] ?? NaN)));
    const t1 = performance.now();
    let finished = 0;
    while (finished < target) {
      await new Promise((ok) => setTimeout(ok, 250));
      finished = (await storage.listExperiments()).find((x) => x.id === e.id)!.counts.done;
    }
    const seconds = (performance.now() - t1) / 1000;
    const server1 = serverCpuMs();
    const outputs = children.map((c) => {
      let text = '';
      c.stdout.on('data', (d) => (text += d));
      return () => text;
    });
    for (const c of children) c.kill('SIGINT');
    await Promise.all(children.map((c) => once(c, 'exit')));
    // Every child's CPU after its start-up (tsx, imports, the pool's thread).
    const workerCpu = outputs.reduce((sum, text, i) => sum + Number(/^cpu ([\d.]+)$/m.exec(text())?.[1] ?? NaN) - started[i], 0);
    // Stop serving the rest of this size's queue.
    await storage.setExperimentStatus(e.id, 'done');
    const rate = finished / seconds;
    const serverPerEval = server0 !== undefined && server1 !== undefined ? ((server1 - server0) / finished).toFixed(2) : 'n/a';
    console.log(
      [
        String(n).padStart(11),
        insertMs.toFixed(0).padStart(11),
        ((insertMs * 1000) / n).toFixed(1).padStart(16),
        `${rate.toFixed(0)} (${finished})`.padStart(20),
        rtt.toFixed(2).padStart(15),
        (rate * rtt / 1000).toFixed(3).padStart(17),
        (workerCpu / finished).toFixed(2).padStart(20),
        serverPerEval.padStart(20),
        loadavg()[0].toFixed(1).padStart(13),
      ].join('  '),
    );
  }
} finally {
  await storage.close();
}
