// One worker process of `npm run bench:queue`: the queue worker of `cellsearch worker` with a
// no-op job (the fixture worker, one step), on one thread, for one experiment, until SIGINT;
// then prints its CPU time (`cpu <ms>`; its start-up's, its thread's included, is on the `ready <ms>` line).
// Usage: CELLSEARCH_DB=<postgres url> queue-child.ts <experiment id> (the URL never on the command line)
import { hostname } from 'node:os';
import { FIXTURE_WORKER } from '../runs/fixtures/fixture-study.ts';
import { JobPool } from '../runs/pool.ts';
import { openPostgresQueue } from '../runs/postgres.ts';
import { leaseOwner } from '../runs/queue.ts';
import { runQueueWorker } from '../runs/queue-worker.ts';
import { handleInterrupts } from '../runs/signals.ts';

const [experiment] = process.argv.slice(2);
const url = process.env.CELLSEARCH_DB!;
const queue = await openPostgresQueue(url);
const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
const interrupts = handleInterrupts(() => {});
try {
  // Start-up ends once the thread has loaded its worker module (piscina starts it at the first
  // job): a job of the same fixture, outside the queue.
  const warm = await pool.run({ evaluationId: 0, cell: {}, task: 'fixture', taskOptions: {}, hyperparameters: { steps: 1 }, seed: 1 });
  if (!warm.ok) throw new Error(warm.error);
  const ready = process.cpuUsage();
  process.stdout.write(`ready ${(ready.user + ready.system) / 1000}\n`);
  await runQueueWorker({
    queue,
    pool,
    experimentId: Number(experiment),
    owner: leaseOwner('worker', hostname(), process.pid),
    lease: { leaseMs: 60_000, heartbeatMs: 10_000 },
    pollMs: 20,
    maxAttempts: 2,
    stop: interrupts.stop,
    abort: interrupts.abort,
  });
} finally {
  interrupts.dispose();
  await pool.destroy();
  await queue.close();
  // The whole process's CPU (its thread included), for the parent's CPU per evaluation.
  const cpu = process.cpuUsage();
  process.stdout.write(`cpu ${(cpu.user + cpu.system) / 1000}\n`);
}
