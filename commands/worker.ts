// `cellsearch worker`: joins the running studies of a PostgreSQL database from any machine, trains
// their queued evaluations in local threads and records the results under leases (runs/queue.ts,
// runs/queue-worker.ts). The study's own command (search, ablate, train) stays its driver: it
// proposes the generations; workers only train. Ctrl-C lets running evaluations finish; a second
// one aborts them and puts them back in the queue.
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { parseFlags, ReconnectSecondsSchema, RUN_FLAG_DEFAULTS } from '../runs/flags.ts';
import { dbLocation, isPostgresLocation } from '../runs/db-location.ts';

interface WorkerArgs {
  db?: string;
  name?: string;
  workers?: number;
  lease: number;
  heartbeat: number;
  'max-attempts': number;
  'max-heap-mb': number;
  reconnect?: number;
}

/** The worker's flags, in seconds as given; the heartbeat must come well within the lease. */
const WorkerFlagsSchema = z
  .strictObject({
    lease: z.number().positive().max(86_400),
    heartbeat: z.number().positive(),
    maxAttempts: z.number().int().min(1),
    maxHeapMb: z.number().int().min(64),
    reconnect: ReconnectSecondsSchema.optional(),
  })
  .refine((f) => f.heartbeat < f.lease, { message: 'must be shorter than --lease', path: ['heartbeat'] });
const WORKER_FLAGS = { maxAttempts: 'max-attempts', maxHeapMb: 'max-heap-mb' };

export const workerCommand: CommandModule<object, WorkerArgs> = {
  ...commandHead('worker'),
  builder: (y) =>
    y
      .option('db', { type: 'string', describe: 'postgres://user@host[:port]/database (default: $CELLSEARCH_DB)' })
      .option('name', { type: 'string', describe: "only this experiment's evaluations (default: every running study's)" })
      .option('workers', { type: 'number', describe: 'threads (default and maximum: the number of cores)' })
      .option('lease', { type: 'number', default: 60, describe: 'seconds a claim stays valid without a heartbeat; then it goes back to the queue' })
      .option('heartbeat', { type: 'number', default: 10, describe: 'seconds between lease renewals' })
      .option('max-attempts', { type: 'number', default: RUN_FLAG_DEFAULTS.maxAttempts, describe: 'attempts per evaluation before it is recorded as failed' })
      .option('max-heap-mb', { type: 'number', default: RUN_FLAG_DEFAULTS.maxHeapMb, describe: 'JS heap limit of each worker thread, MB' })
      .option('reconnect', {
        type: 'number',
        describe: 'seconds to keep retrying a server that went away before giving up the evaluation in hand (its lease expires and it runs again); the worker then waits for the server (default 60)',
      })
      .example('$0 worker --db postgres://me@db.lan/cells', 'train for every running study there, one thread per core'),
  handler: async (args) => {
    const flags = parseFlags(
      WorkerFlagsSchema,
      { lease: args.lease, heartbeat: args.heartbeat, maxAttempts: args['max-attempts'], maxHeapMb: args['max-heap-mb'], reconnect: args.reconnect },
      WORKER_FLAGS,
    );
    const db = dbLocation(args.db);
    if (db === undefined || !isPostgresLocation(db)) {
      throw new UserError('worker: --db (or CELLSEARCH_DB) must name a PostgreSQL database (postgres://user@host[:port]/database): workers share a server with the driver');
    }
    const { hostname } = await import('node:os');
    const { openPostgresQueue } = await import('../runs/postgres.ts');
    const { JobPool, resolveWorkers } = await import('../runs/pool.ts');
    const { runQueueWorker } = await import('../runs/queue-worker.ts');
    const { dataCheck } = await import('../runs/data-check.ts');
    const { leaseOwner } = await import('../runs/queue.ts');
    const { handleInterrupts, EXIT_INTERRUPTED } = await import('../runs/signals.ts');
    const say = (line: string) => process.stderr.write(line + '\n');
    const { workers, note } = resolveWorkers(args.workers);
    if (note) say(`note: ${note}`);
    const queue = await openPostgresQueue(db, { onRetry: say, forMs: flags.reconnect === undefined ? undefined : flags.reconnect * 1000 });
    try {
      let experimentId: number | undefined;
      if (args.name !== undefined) {
        experimentId = await queue.experimentId(args.name);
        if (experimentId === undefined) throw new UserError(`no experiment named '${args.name}' in ${queue.location}`);
      }
      const owner = leaseOwner('worker', hostname(), process.pid);
      const pool = new JobPool({ workers, maxHeapMb: flags.maxHeapMb });
      const interrupts = handleInterrupts(say);
      try {
        say(`${owner}: ${workers} thread${workers === 1 ? '' : 's'} on ${queue.location}, ${args.name === undefined ? 'every running study' : `experiment '${args.name}'`}; Ctrl-C to stop`);
        await runQueueWorker({
          queue,
          pool,
          experimentId,
          owner,
          lease: { leaseMs: flags.lease * 1000, heartbeatMs: flags.heartbeat * 1000 },
          pollMs: 1000,
          maxAttempts: flags.maxAttempts,
          stop: interrupts.stop,
          abort: interrupts.abort,
          runnable: dataCheck(),
          onEvent: (e) => {
            if (e.type === 'warning') return say(`warning: ${e.message}`);
            const v = e.evaluation;
            const what = `evaluation ${v.id} (${v.key}) of experiment ${v.experimentId}`;
            if (e.type === 'claimed') say(`claimed ${what}`);
            else if (e.type === 'recorded') say(`recorded ${what}`);
            else if (e.type === 'failure') say(`${what} failed (${e.then === 'queued' ? 'queued again' : 'recorded as failed'}): ${e.error.split('\n')[0]}`);
            else if (e.type === 'refused') say(`${what}: not run here, back in the queue (no attempt counted)`);
            else if (e.type === 'lost') say(`${what}: the lease was lost (it expired and went back to the queue); this attempt was discarded`);
            else say(`${what}: aborted, back in the queue`);
          },
        });
        say(`${owner}: stopped`);
        if (interrupts.abort.aborted) process.exitCode = EXIT_INTERRUPTED;
      } finally {
        interrupts.dispose();
        await pool.destroy();
      }
    } finally {
      await queue.close();
    }
  },
};
