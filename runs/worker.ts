// The training worker: each pool thread loads this module (through runs/worker-entry.mjs) and
// trains the jobs it is given with runs/trainer.ts, parsed by the pool (runs/training-job.ts).
import { defineWorker } from './define-worker.ts';
import { trainJob } from './trainer.ts';

export default defineWorker(trainJob);
