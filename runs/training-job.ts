// A training job as the coordinator sends it to a training worker's thread: the job of runs/job.ts
// with everything in it parsed here, at the boundary (the cell checked, the task options and the
// hyperparameters parsed with their schemas, a stored checkpoint decoded), so that the worker
// (runs/trainer.ts) trusts its job and loads no zod. runs/pool.ts calls `trainingJob` for every
// job of the training worker; a job it refuses fails as a job that throws in its thread does.
import { z } from 'zod';
import type { Cell } from '../cells/graph.ts';
import { parseCell } from '../cells/validate.ts';
import type { Checkpoint } from '../cells/engine/checkpoint.ts';
import { decodeCheckpoint } from '../cells/engine/checkpoint-decode.ts';
import type { NamedTaskOptions } from '../tasks/build-task.ts';
import { parseTaskOptions } from '../tasks/registry.ts';
import type { Job } from './job.ts';
import { TrainHyperparamsSchema, type TrainHyperparams } from './train-hyperparams.ts';

export interface TrainingJob {
  /** The evaluation's id, for messages only. */
  evaluationId: number;
  cell: Cell;
  task: NamedTaskOptions;
  hyperparameters: TrainHyperparams;
  seed: number;
  /** Continue from this checkpoint instead of starting afresh. */
  resumeFrom?: Checkpoint;
  /** Return the end state as the result's `checkpoint` (its bytes), so that a later job can continue it. */
  checkpoint?: boolean;
}

/** The job, parsed for a training worker; a bad part is an error naming the job and the part. */
export function trainingJob(job: Job): TrainingJob {
  const part = <T>(name: string, read: () => T): T => {
    try {
      return read();
    } catch (err) {
      throw new Error(`invalid job ${job.evaluationId}: ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const resumeFrom = job.resumeFrom && part('resumeFrom', () => decodeCheckpoint(job.resumeFrom!));
  return {
    evaluationId: job.evaluationId,
    cell: part('cell', () => parseCell(job.cell, `job ${job.evaluationId}`)),
    task: part('task', () => parseTaskOptions(job.task, job.taskOptions)),
    hyperparameters: part('hyperparameters', () => {
      const hp = TrainHyperparamsSchema.safeParse(job.hyperparameters);
      if (!hp.success) throw new Error(z.prettifyError(hp.error).replace(/\n+/g, '; '));
      return hp.data;
    }),
    seed: job.seed,
    ...(resumeFrom ? { resumeFrom } : {}),
    ...(job.checkpoint ? { checkpoint: true } : {}),
  };
}
