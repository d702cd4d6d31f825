// The options of a model and of a training run, as zod schemas: parsed once at the API boundary
// (compileModel, train), typed after that. Defaults follow Jozefowicz et al. (2015) and Zaremba
// et al. (2014): plain SGD, learning rate 1, gradient norm clipped at 5, no dropout.
import { z } from 'zod';

export const OptimizerSchema = z.discriminatedUnion('kind', [
  /** Plain SGD (Jozefowicz et al.). */
  z.strictObject({ kind: z.literal('sgd'), lr: z.number().positive().finite().default(1) }),
  /** SGD with momentum, optionally Nesterov (Greff et al.); PyTorch's formulation. */
  z.strictObject({
    kind: z.literal('momentum'),
    lr: z.number().positive().finite().default(0.1),
    momentum: z.number().min(0).max(1).default(0.9),
    nesterov: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal('adam'),
    lr: z.number().positive().finite().default(1e-3),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    eps: z.number().positive().default(1e-8),
  }),
]);
export type OptimizerOptions = z.infer<typeof OptimizerSchema>;

export const ModelOptionsSchema = z.strictObject({
  /** Width H of every vector of the cell, of the embedding and of the layer outputs. */
  hidden: z.number().int().min(1).max(4096),
  /** Vocabulary size V (token batches) or number of units per row (multi-hot batches). */
  vocab: z.number().int().min(1).max(1_000_000),
  /** Stacked layers of the cell. */
  layers: z.number().int().min(1).max(4).default(1),
  /** `tokens`: embedding + softmax cross-entropy; `multihot`: dense projection + per-unit sigmoid. */
  input: z.enum(['tokens', 'multihot']).default('tokens'),
  /**
   * Fused elementwise loops as C compiled at run time (`c`, needs the native addon and a C
   * compiler), as JavaScript (`js`), or `auto`: C when the addon is loaded and a step has at
   * least 256 elements (B*H), JavaScript otherwise (tiny models do not repay the compile).
   */
  kernels: z.enum(['auto', 'c', 'js']).default('auto'),
  /** float32 for training; float64 (exact Math functions) for gradient checks. */
  dtype: z.enum(['float32', 'float64']).default('float32'),
  /** Init scale s: weights uniform in [-s, s] / sqrt(H). */
  initScale: z.number().positive().finite().default(1),
  /** Dropout probability on non-recurrent connections (Zaremba et al. 2014). */
  dropout: z.number().min(0).lt(1).default(0),
  /**
   * Standard deviation of Gaussian noise added to the inputs in training (Greff et al.'s input
   * noise): to the multi-hot rows, or to the embedded tokens. 0 (default) adds none.
   */
  inputNoise: z.number().min(0).finite().default(0),
  /** Seeds initialisation, dropout and input noise. */
  seed: z.union([z.number(), z.string()]).default(1),
  optimizer: OptimizerSchema.default({ kind: 'sgd', lr: 1 }),
  /** Global gradient-norm clipping threshold; 0 turns clipping off. */
  clip: z.number().min(0).finite().default(5),
  /**
   * How the training objective is normalised: `sequence` = summed over scored positions and
   * averaged over the B streams (Zaremba's PTB code, the scale the papers' learning rates assume);
   * `token` = averaged over scored positions.
   */
  lossNorm: z.enum(['sequence', 'token']).default('sequence'),
});
export type ModelOptionsInput = z.input<typeof ModelOptionsSchema>;
export type ModelOptions = z.output<typeof ModelOptionsSchema>;
