// The defaults and constants of a training setting (settings.ts) and of the engine's options
// (options.ts, train.ts), apart from their zod schemas: the schemas' `.default(...)`s read them,
// and so does setting-options.ts, which builds a run's options without zod in a worker thread.
import type { Setting } from './settings.ts';

export const SETTING_OPTIMIZERS = ['sgd', 'nesterov'] as const;

/**
 * Defaults of the values a preset does not set: Jozefowicz et al. (2015) and Zaremba et al.
 * (2014): one layer, plain SGD, gradient norm clipped at 5, no input noise. `evalEvery`,
 * `patience` and `maxHalvings` are the engine's defaults for a direct caller of train(); a study
 * takes them from its preset.
 */
export const SETTING_DEFAULTS = Object.freeze({
  layers: 1,
  initScale: 1,
  optimizer: 'sgd',
  clip: 5,
  inputNoise: 0,
  evalEvery: 100,
  patience: 1,
  maxHalvings: 4,
} as const satisfies Partial<Setting>);

/** The learning rate and momentum an optimiser starts from when none is given (`momentum`: the engine's kind of which `nesterov` is a case). */
export const OPTIMIZER_DEFAULTS = Object.freeze({
  sgd: { learningRate: 1, momentum: 0 },
  momentum: { learningRate: 0.1, momentum: 0.9 },
  adam: { learningRate: 1e-3 },
} as const);

/** The defaults of the engine's own model options (options.ts), which no training setting sets. */
export const MODEL_DEFAULTS = Object.freeze({
  input: 'tokens',
  kernels: 'auto',
  dtype: 'float32',
  dropout: 0,
  seed: 1,
  lossNorm: 'sequence',
} as const);

/** The learning-rate factor of a halving. */
export const HALVING_FACTOR = 0.5;

/** The defaults of a setting's model and optimiser for this optimiser (the learning rate and momentum depend on it). */
export function settingDefaults(optimizer: Setting['optimizer'] = SETTING_DEFAULTS.optimizer): Pick<Setting, 'layers' | 'initScale' | 'optimizer' | 'learningRate' | 'momentum' | 'clip' | 'inputNoise'> {
  const { learningRate, momentum } = OPTIMIZER_DEFAULTS[optimizer === 'sgd' ? 'sgd' : 'momentum'];
  return {
    layers: SETTING_DEFAULTS.layers,
    initScale: SETTING_DEFAULTS.initScale,
    optimizer,
    learningRate,
    momentum,
    clip: SETTING_DEFAULTS.clip,
    inputNoise: SETTING_DEFAULTS.inputNoise,
  };
}
