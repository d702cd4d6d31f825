// The hyperparameters of a training job: a setting of search/space.ts (model, optimiser,
// batching) and the training budget and schedule (the `train` part of a fidelity preset), both
// fields of the engine's training setting. Parsed by the coordinator (runs/training-job.ts, the
// study builders); the trainer of a worker thread takes them parsed and loads no zod.
import type { z } from 'zod';
import { ScheduleSettingSchema } from '../cells/engine/settings.ts';
import { HyperparamsSchema } from '../search/space.ts';

export const TrainHyperparamsSchema = HyperparamsSchema.extend(ScheduleSettingSchema.shape);
export type TrainHyperparams = z.infer<typeof TrainHyperparamsSchema>;
