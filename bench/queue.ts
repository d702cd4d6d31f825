// `npm run bench:queue`: the PostgreSQL work queue's overhead (issue 13). For each size (1k, 10k
// and 100k evaluations by default) it times the driver's propose-and-insert of one generation of
// that many evaluations (building them, recordGeneration), then runs 4 worker processes
// (queue-child.ts: `cellsearch worker`'s loop with a no-op job) on the first --measure of them
// and prints claims + results per second. Targets: >= 200 evaluations/s with 4 processes, and the
// per-evaluation figures flat from 1k to 100k. The load average is printed beside each figure: on a
// busy machine the figures measure the contention, not the queue. A benchmark, not a test.
// Needs a server: `scripts/with-postgres.sh npm run bench:queue` (or --db postgres://...).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openPostgresStorage } from '../runs/postgres.ts';
import { deriveSeed, evaluationKey } from '../runs/seeds.ts';
import type { NewEvaluation } from '../runs/storage.ts';
import { loadavg } from 'node:os';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    sizes: { type: 'string', default: '1000,10000,100000' },
    measure: { type: 'string', default: '2000' },
    processes: { type: 'string', default: '4' },
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

const storage = await openPostgresStorage(url);
console.log(`${storage.location}; ${processes} worker processes, no-op jobs`);
console.log('evaluations  insert (ms)  insert per evaluation (µs)  claims+results/s (first n)  load average');
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
    const children = Array.from({ length: processes }, () => spawn(process.execPath, ['--import', 'tsx', CHILD, url, String(e.id)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    await Promise.all(children.map((c) => once(c.stdout, 'data')));
    const t1 = performance.now();
    let finished = 0;
    while (finished < target) {
      await new Promise((ok) => setTimeout(ok, 250));
      finished = (await storage.listExperiments()).find((x) => x.id === e.id)!.counts.done;
    }
    const seconds = (performance.now() - t1) / 1000;
    for (const c of children) c.kill('SIGINT');
    await Promise.all(children.map((c) => once(c, 'exit')));
    // Stop serving the rest of this size's queue.
    await storage.setExperimentStatus(e.id, 'done');
    const rate = finished / seconds;
    console.log(
      `${String(n).padStart(11)}  ${insertMs.toFixed(0).padStart(11)}  ${((insertMs * 1000) / n).toFixed(1).padStart(26)}  ${rate.toFixed(0).padStart(10)} (${finished})  ${loadavg()[0].toFixed(1)}`,
    );
  }
} finally {
  await storage.close();
}
