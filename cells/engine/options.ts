// The options of a model, as a zod schema: parsed once at the API boundary (compileModel), typed
// after that. The fields a training setting shares with them (hidden, layers, initScale,
// inputNoise, clip, the learning rate and momentum) are the setting's own schemas with its
// defaults (settings.ts): one bound and one default for each, whoever sets it. A training
// setting's options, built without zod, come from setting-options.ts.
import { z } from 'zod';
import { MODEL_DEFAULTS, OPTIMIZER_DEFAULTS, SETTING_DEFAULTS } from './setting-defaults.ts';
import { SettingSchema } from './settings.ts';

const S = SettingSchema.shape;

export const OptimizerSchema = z.discriminatedUnion('kind', [
  /** Plain SGD (Jozefowicz et al.). */
  z.strictObject({ kind: z.literal('sgd'), lr: S.learningRate.default(OPTIMIZER_DEFAULTS.sgd.learningRate) }),
  /** SGD with momentum, optionally Nesterov (Greff et al.); PyTorch's formulation. */
  z.strictObject({
    kind: z.literal('momentum'),
    lr: S.learningRate.default(OPTIMIZER_DEFAULTS.momentum.learningRate),
    momentum: S.momentum.default(OPTIMIZER_DEFAULTS.momentum.momentum),
    nesterov: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal('adam'),
    lr: S.learningRate.default(OPTIMIZER_DEFAULTS.adam.learningRate),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    eps: z.number().positive().default(1e-8),
  }),
]);
export type OptimizerOptions = z.infer<typeof OptimizerSchema>;

export const ModelOptionsSchema = z.strictObject({
  hidden: S.hidden,
  /** Vocabulary size V (token batches) or number of units per row (multi-hot batches). */
  vocab: z.number().int().min(1).max(1_000_000),
  layers: S.layers.default(SETTING_DEFAULTS.layers),
  /** `tokens`: embedding + softmax cross-entropy; `multihot`: dense projection + per-unit sigmoid. */
  input: z.enum(['tokens', 'multihot']).default(MODEL_DEFAULTS.input),
  /**
   * Fused elementwise loops as C compiled at run time (`c`, needs the native addon and a C
   * compiler), as JavaScript (`js`), or `auto`: C when the addon is loaded and a step has at
   * least 256 elements (B*H), JavaScript otherwise (tiny models do not repay the compile).
   */
  kernels: z.enum(['auto', 'c', 'js']).default(MODEL_DEFAULTS.kernels),
  /** float32 for training; float64 (exact Math functions) for gradient checks. */
  dtype: z.enum(['float32', 'float64']).default(MODEL_DEFAULTS.dtype),
  initScale: S.initScale.default(SETTING_DEFAULTS.initScale),
  /** Dropout probability on non-recurrent connections (Zaremba et al. 2014). */
  dropout: z.number().min(0).lt(1).default(MODEL_DEFAULTS.dropout),
  inputNoise: S.inputNoise.default(SETTING_DEFAULTS.inputNoise),
  /** Seeds initialisation, dropout and input noise. */
  seed: z.union([z.number(), z.string()]).default(MODEL_DEFAULTS.seed),
  optimizer: OptimizerSchema.default({ kind: 'sgd', lr: OPTIMIZER_DEFAULTS.sgd.learningRate }),
  clip: S.clip.default(SETTING_DEFAULTS.clip),
  /**
   * How the training objective is normalised: `sequence` = summed over scored positions and
   * averaged over the B streams (Zaremba's PTB code, the scale the papers' learning rates assume);
   * `token` = averaged over scored positions.
   */
  lossNorm: z.enum(['sequence', 'token']).default(MODEL_DEFAULTS.lossNorm),
});
export type ModelOptionsInput = z.input<typeof ModelOptionsSchema>;
export type ModelOptions = z.output<typeof ModelOptionsSchema>;
