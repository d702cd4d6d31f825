// `train()`: the training loop of training-loop.ts with its options parsed at the API boundary
// (TrainOptionsSchema: the setting's step, evaluation and schedule fields, with the engine's
// defaults). A caller holding parsed options (a worker thread) calls trainLoop directly.
import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { HALVING_FACTOR, SETTING_DEFAULTS } from './setting-defaults.ts';
import { SettingSchema } from './settings.ts';
import type { Model } from './model.ts';
import { trainLoop, type TrainData, type TrainResult, type TrainResume } from './training-loop.ts';

export type { CurvePoint, Progress, TrainData, TrainResult, TrainResume } from './training-loop.ts';

const S = SettingSchema.shape;

/** The setting's step, evaluation and schedule fields (settings.ts), with the engine's defaults. */
export const TrainOptionsSchema = z.strictObject({
  maxSteps: S.maxSteps,
  evalEvery: S.evalEvery.default(SETTING_DEFAULTS.evalEvery),
  /** Learning-rate schedule; absent: the learning rate stays fixed. */
  schedule: z
    .strictObject({
      patience: S.patience.default(SETTING_DEFAULTS.patience),
      maxHalvings: S.maxHalvings.default(SETTING_DEFAULTS.maxHalvings),
      factor: z.number().gt(0).lt(1).default(HALVING_FACTOR),
    })
    .optional(),
  /** Put the parameters of the best validation evaluation back into the model at the end. */
  restoreBest: z.boolean().default(true),
});
export type TrainOptionsInput = z.input<typeof TrainOptionsSchema>;
export type TrainOptions = z.output<typeof TrainOptionsSchema>;

export function train(model: Model, data: TrainData, options: TrainOptionsInput, state: TrainResume = {}): TrainResult {
  const parsed = TrainOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`training option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return trainLoop(model, data, parsed.data, state);
}
