// The setting of one training run, as one zod schema: the model (width, depth, init scale, input
// noise), the optimiser (kind, learning rate, momentum, clipping), the batching (B, T) and the
// schedule (step budget, evaluation interval, validation batches, halving patience and count).
// Every bound and every default of these values lives here and nowhere else: the engine's
// options (options.ts, train.ts) take their fields from this schema, search/space.ts's
// hyperparameters and fidelity presets pick from it, a job's hyperparameters (runs/trainer.ts)
// are built from those, and the command-line overrides are its `.partial()` (runs/flags.ts).
//
// Light on purpose (zod only): the CLI parses its flags with it without loading the engine. The
// defaults and constants live in setting-defaults.ts, which a worker thread loads without zod.
import { z } from 'zod';
import { SETTING_OPTIMIZERS } from './setting-defaults.ts';

export { HALVING_FACTOR, MODEL_DEFAULTS, OPTIMIZER_DEFAULTS, SETTING_DEFAULTS, SETTING_OPTIMIZERS, settingDefaults } from './setting-defaults.ts';

export const SettingSchema = z.strictObject({
  /** Width H of every vector of the cell, of the embedding and of the layer outputs. */
  hidden: z.number().int().min(1).max(4096),
  /** Stacked layers of the cell. */
  layers: z.number().int().min(1).max(4),
  /** Init scale s: weights uniform in [-s, s] / sqrt(H). */
  initScale: z.number().positive().finite(),
  /** `sgd`: plain SGD (Jozefowicz et al.); `nesterov`: SGD with Nesterov momentum (Greff et al.). */
  optimizer: z.enum(SETTING_OPTIMIZERS),
  /** In the engine's units: the loss summed over the scored positions, averaged over the B streams. */
  learningRate: z.number().positive().finite(),
  /** 0 for plain SGD. Below 1: a momentum of 1 never forgets a gradient. */
  momentum: z.number().min(0).lt(1),
  /** Global gradient-norm clipping threshold; 0 turns clipping off. */
  clip: z.number().min(0).finite(),
  /**
   * Standard deviation of Gaussian noise added to the inputs in training (Greff et al.'s input
   * noise): to the multi-hot rows, or to the embedded tokens. 0 adds none.
   */
  inputNoise: z.number().min(0).finite(),
  /** Streams per batch (B); the papers: 20. */
  batch: z.number().int().min(1),
  /** Steps per batch (T, the unroll); the papers: 35. */
  unroll: z.number().int().min(1),
  /** Most SGD steps in one run. */
  maxSteps: z.number().int().min(1),
  /** Steps between two evaluations on the validation split (and one at the end). */
  evalEvery: z.number().int().min(1),
  /** Validation batches per evaluation. */
  validBatches: z.number().int().min(1),
  /** The schedule of Jozefowicz et al.: halve the learning rate after this many evaluations without a lower validation loss... */
  patience: z.number().int().min(1),
  /** ...and stop at the evaluation that would exceed this many halvings. */
  maxHalvings: z.number().int().min(0),
});
export type Setting = z.infer<typeof SettingSchema>;

/** What a hyperparameter space decides: the model, the optimiser and the batching. */
export const ModelSettingSchema = SettingSchema.pick({
  hidden: true,
  layers: true,
  initScale: true,
  optimizer: true,
  learningRate: true,
  momentum: true,
  clip: true,
  inputNoise: true,
  batch: true,
  unroll: true,
});
export type ModelSetting = z.infer<typeof ModelSettingSchema>;

/** The training budget and schedule (a fidelity preset's, unless the command line changes it). */
export const ScheduleSettingSchema = SettingSchema.pick({ maxSteps: true, evalEvery: true, validBatches: true, patience: true, maxHalvings: true });
export type ScheduleSetting = z.infer<typeof ScheduleSettingSchema>;

