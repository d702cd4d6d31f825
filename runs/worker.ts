// The training worker: each pool thread loads this module (through runs/worker-entry.mjs) and
// trains the jobs it is given with runs/trainer.ts.
import { defineWorker } from './job.ts';
import { trainJob } from './trainer.ts';

export default defineWorker(trainJob);
