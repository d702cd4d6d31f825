// The engine's options of a training setting: the model options and the training options that a
// setting (settings.ts) gives for a task and a seed, complete (every default filled in from
// setting-defaults.ts), so that a worker thread builds its model and trains without parsing
// them again and without zod. The setting itself was parsed where it came in (the coordinator);
// settings.test.ts holds that parsing these options changes nothing.
import type { ModelOptions } from './options.ts';
import { HALVING_FACTOR, MODEL_DEFAULTS } from './setting-defaults.ts';
import type { ModelSetting, ScheduleSetting } from './settings.ts';
import type { TrainOptions } from './train.ts';

/**
 * The model options of a training setting for a task (its vocabulary, its input kind) and a seed.
 * `nesterov` is the engine's momentum SGD with the Nesterov update; the setting's learning rates
 * are in the `sequence` normalisation, which both papers' rates assume.
 */
export function modelOptionsOf(
  s: Pick<ModelSetting, 'hidden' | 'layers' | 'initScale' | 'optimizer' | 'learningRate' | 'momentum' | 'clip' | 'inputNoise'>,
  ctx: { vocab: number; seed: number | string; input?: 'tokens' | 'multihot' },
): ModelOptions {
  return {
    hidden: s.hidden,
    vocab: ctx.vocab,
    layers: s.layers,
    input: ctx.input ?? MODEL_DEFAULTS.input,
    kernels: MODEL_DEFAULTS.kernels,
    dtype: MODEL_DEFAULTS.dtype,
    initScale: s.initScale,
    dropout: MODEL_DEFAULTS.dropout,
    inputNoise: s.inputNoise,
    seed: ctx.seed,
    optimizer: s.optimizer === 'sgd' ? { kind: 'sgd', lr: s.learningRate } : { kind: 'momentum', lr: s.learningRate, momentum: s.momentum, nesterov: true },
    clip: s.clip,
    lossNorm: 'sequence',
  };
}

/** The training options of a setting: its step budget and the halving schedule of Jozefowicz et al. */
export function trainOptionsOf(s: Pick<ScheduleSetting, 'maxSteps' | 'evalEvery' | 'patience' | 'maxHalvings'>): TrainOptions {
  return {
    maxSteps: s.maxSteps,
    evalEvery: s.evalEvery,
    schedule: { patience: s.patience, maxHalvings: s.maxHalvings, factor: HALVING_FACTOR },
    restoreBest: true,
  };
}
