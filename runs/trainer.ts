// One training run of one job, in a worker thread: the cell, the task and the hyperparameters of
// the job, trained with the engine, scored on the validation and test splits. Everything random
// derives from the job's seed: the data from `seed`, the weights (and input noise) from `seed:init`.
// A job may continue from a checkpoint of an earlier job of the same cell, task, setting and seed
// (and a smaller maxSteps): its result is then that of one uninterrupted job.
//
// The job comes parsed (runs/training-job.ts, in the coordinator), so this module and everything
// it imports load no zod: the engine's modules that take parsed options (the Model, trainLoop,
// setting-options.ts) and the tasks built from parsed options (tasks/build-task.ts). The build
// fails if zod comes back into the bundled worker (scripts/bundle.mjs).
import { totalmem } from 'node:os';
import { resourceLimits } from 'node:worker_threads';
import type { CellJson } from '../cells/graph.ts';
import type { Batch } from '../cells/engine/batch.ts';
import { encodeCheckpoint } from '../cells/engine/checkpoint.ts';
import { defaultGemm } from '../cells/engine/kernel.ts';
import { estimateTrainingMemory, megabytes, type MemoryEstimate } from '../cells/engine/memory.ts';
import { Model, type Metrics } from '../cells/engine/model.ts';
import { modelOptionsOf, trainOptionsOf } from '../cells/engine/setting-options.ts';
import { trainLoop, type CurvePoint as EngineCurvePoint } from '../cells/engine/training-loop.ts';
import { buildTask } from '../tasks/build-task.ts';
import { iterateBatches, type BatchOptions, type Task } from '../tasks/task.ts';
import type { JobResult, Progress } from './job.ts';
import type { CurvePoint } from './curve-point.ts';
import type { TrainHyperparams } from './train-hyperparams.ts';
import type { TrainingJob } from './training-job.ts';

/** NaN and Infinity are not JSON: a metric that is not finite is stored as null. */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A point of the engine's learning curve as the result (and the database) holds it. */
const storedPoint = (c: EngineCurvePoint): CurvePoint => ({
  step: c.step,
  trainLoss: finite(c.trainLoss),
  validLoss: finite(c.valid.loss),
  validAccuracy: finite(c.valid.accuracy),
  lr: c.lr,
});

function* take<T>(it: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const v of it) {
    yield v;
    if (++i >= n) return;
  }
}

/** The buffers a job of `cell` with `hp` on `task` allocates (cells/engine/memory.ts). */
export function jobMemory(cell: CellJson, hp: TrainHyperparams, task: Pick<Task, 'vocab' | 'output'>): MemoryEstimate {
  return estimateTrainingMemory(cell, {
    hidden: hp.hidden,
    layers: hp.layers,
    vocab: task.vocab.length,
    batch: hp.batch,
    unroll: hp.unroll,
    optimizer: hp.optimizer === 'sgd' ? 'sgd' : 'momentum',
    input: task.output === 'sigmoid' ? 'multihot' : 'tokens',
  });
}

/**
 * Why a training run of this estimate may not start, or undefined: more than `budgetMb` (the
 * --max-heap-mb of a worker: the engine's typed arrays live outside the V8 heap that it limits,
 * so they are held to it here) or more than the machine's memory.
 */
export function memoryRefusal(e: MemoryEstimate, hp: Pick<TrainHyperparams, 'hidden' | 'layers' | 'batch' | 'unroll'>, budgetMb: number | undefined, machineMb = megabytes(totalmem())): string | undefined {
  const need = megabytes(e.bytes.total);
  const limit = budgetMb !== undefined && need > budgetMb ? `more than --max-heap-mb ${budgetMb} allows` : need > machineMb ? `more than this machine's ${machineMb} MB` : undefined;
  if (limit === undefined) return undefined;
  const b = e.bytes;
  return (
    `training needs about ${need} MB (hidden ${hp.hidden}, ${hp.layers} layer${hp.layers === 1 ? '' : 's'}, batch ${hp.batch} x unroll ${hp.unroll}: ` +
    `${e.parameters} parameters with gradients and best weights ${megabytes(b.weights)} MB, optimiser ${megabytes(b.optimizer)} MB, ` +
    `activations ${megabytes(b.activations)} MB, output layer ${megabytes(b.output)} MB), ${limit}; ` +
    `reduce --hidden, --layers, --batch or --unroll${budgetMb !== undefined && need <= machineMb ? ' or raise --max-heap-mb' : ''}`
  );
}

export function trainJob(job: TrainingJob, progress: (p: Progress) => void, curvePoint: (p: CurvePoint) => void = () => {}): JobResult {
  const { cell, hyperparameters: hp } = job;
  const task = buildTask(job.task);
  // In a worker thread, its --max-heap-mb; a refused job fails at once with the reason.
  const refused = memoryRefusal(jobMemory(cell, hp, task), hp, resourceLimits.maxOldGenerationSizeMb);
  if (refused !== undefined) throw new Error(refused);
  const batchOpts: BatchOptions = { seed: job.seed, batchSize: hp.batch, unroll: hp.unroll };
  const model = new Model(
    cell,
    modelOptionsOf(hp, { vocab: task.vocab.length, seed: `${job.seed}:init`, input: task.output === 'sigmoid' ? 'multihot' : 'tokens' }),
    defaultGemm,
  );
  const valid = (): Iterable<Batch> => take(task.batches('valid', batchOpts), hp.validBatches);
  const resume = job.resumeFrom;

  // At most ~10 progress messages a second, plus every evaluation.
  let last = 0;
  const result = trainLoop(
    model,
    {
      // A continued job reads on from the first training batch its checkpoint did not consume.
      train: iterateBatches(task, 'train', batchOpts, resume?.position ?? 0),
      valid,
      onProgress: (p) => {
        if (p.point) curvePoint(storedPoint(p.point));
        const now = performance.now();
        if (p.valid === undefined && now - last < 100 && p.step !== p.maxSteps) return;
        last = now;
        const point: Progress = { step: p.step, maxSteps: p.maxSteps, loss: finite(p.loss), lr: p.lr };
        if (p.valid) Object.assign(point, { validLoss: finite(p.valid.loss), validAccuracy: finite(p.valid.accuracy) });
        progress(point);
      },
    },
    trainOptionsOf(hp),
    { resume, checkpoint: job.checkpoint },
  );
  const metrics: Record<string, number | null> = {};
  const put = (prefix: string, m: Metrics | null) => {
    metrics[`${prefix}Loss`] = m ? finite(m.loss) : null;
    metrics[`${prefix}Accuracy`] = m ? finite(m.accuracy) : null;
    metrics[`${prefix}Perplexity`] = m ? finite(m.perplexity) : null;
  };
  put('valid', result.best);
  metrics.bestStep = result.best?.step ?? null;
  // The test split is scored with the best weights (restoreBest), whole, unless training diverged.
  put('test', result.status === 'done' ? model.evaluate(task.batches('test', batchOpts)) : null);
  metrics.finalLr = finite(result.lr);
  const curve: CurvePoint[] = result.curve.map(storedPoint);
  return { status: result.status, metrics, steps: result.steps, curve, ...(result.checkpoint ? { checkpoint: encodeCheckpoint(result.checkpoint) } : {}) };
}
