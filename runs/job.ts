// The unit of work that crosses the thread boundary, on the coordinator's side: a job goes from the
// coordinator to a worker, a result comes back. The coordinator parses both with these schemas
// (runs/pool.ts): the job before it is sent (for the training worker, into the parsed job of
// runs/training-job.ts), the reply when it arrives. The worker's side (runs/define-worker.ts)
// parses nothing and loads no zod.
import { z } from 'zod';
import { JsonObjectSchema, type JsonObject } from '../search/contract.ts';
import { CurvePointSchema, type CurvePoint } from './curve-point.ts';
import type { Evaluation, EvaluationResult } from './storage.ts';

/** Bytes (a Buffer on the sending side arrives as a Uint8Array through the thread boundary). */
const BytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (a Uint8Array)');

export const JobSchema = z.strictObject({
  /** The evaluation's id, for messages only. */
  evaluationId: z.number().int(),
  /** The cell's canonical JSON (checked again before a training thread gets it: runs/training-job.ts). */
  cell: JsonObjectSchema,
  task: z.string().min(1),
  taskOptions: JsonObjectSchema,
  hyperparameters: JsonObjectSchema,
  seed: z.number().int().nonnegative(),
  /** Continue from this checkpoint (cells/engine/checkpoint.ts bytes) instead of starting afresh. */
  resumeFrom: BytesSchema.optional(),
  /** Return the end state as `checkpoint`, so that a later job can continue it. */
  checkpoint: z.boolean().optional(),
});
export type Job = z.infer<typeof JobSchema>;

export const JobResultSchema = z.strictObject({
  status: z.enum(['done', 'diverged']),
  metrics: z.record(z.string(), z.number().nullable()),
  steps: z.number().int().nonnegative(),
  curve: z.array(CurvePointSchema),
  /** The end state when the job asked for it (`checkpoint: true`). */
  checkpoint: BytesSchema.optional(),
});
export type JobResult = z.infer<typeof JobResultSchema>;

/** What a worker sends back: the result and the wall time it took inside the worker. */
export const WorkerReplySchema = z.strictObject({ result: JobResultSchema, wallMs: z.number().nonnegative() });
export type WorkerReply = z.infer<typeof WorkerReplySchema>;

/** A progress report from a running job, for the person watching (its step, loss, ...). */
export type Progress = CurvePoint;

/** What a worker posts while a job runs: a progress report, or a point of the learning curve. */
export const WorkerMessageSchema = z.union([z.strictObject({ progress: CurvePointSchema }), z.strictObject({ curve: CurvePointSchema })]);

/** The job that trains evaluation `e` of `cell`, from the checkpoint it continues when it continues one. */
export function jobOf(e: Evaluation, cell: JsonObject, resumeFrom: Uint8Array | undefined): Job {
  return {
    evaluationId: e.id,
    cell,
    task: e.task,
    taskOptions: e.taskOptions,
    hyperparameters: e.hyperparameters,
    seed: e.seed,
    ...(resumeFrom ? { resumeFrom } : {}),
    ...(e.keepCheckpoint ? { checkpoint: true } : {}),
  };
}

/**
 * A worker's reply as the database records it. `from` is the step the continued evaluation ended
 * at (0 for a fresh one): a continuation stores only its own curve points.
 */
export function resultOf(reply: WorkerReply, from: number): EvaluationResult {
  const r = reply.result;
  return {
    status: r.status,
    metrics: r.metrics,
    steps: r.steps,
    wallMs: reply.wallMs,
    curve: r.curve.filter((p) => p.step > from),
    ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
  };
}
