// Hyperparameter spaces and fidelity presets.
//
// - The Jozefowicz et al. (2015) grid: init scale, learning rate, gradient-norm clip and depth,
//   with plain SGD; the hidden size is not searched but derived from a parameter budget per task
//   (`hiddenForBudget`), so that cells of different shapes are compared at equal size.
// - The Greff et al. (2016) random-search space: hidden size, learning rate, momentum, Gaussian
//   input noise, with SGD and Nesterov momentum.
// - Fidelity presets `tiny | small | paper`: every value a study needs besides the space, each
//   set explicitly so that the preset can be stored whole in the experiment's config.
//
// Pure functions; every draw comes from the `rng` passed in (a seedrandom generator).
import { z } from 'zod';
import type { CellJson } from '../cells/graph.ts';
// The light modules of the engine, not its index: the CLI loads this file at startup.
import { modelParamCount } from '../cells/engine/layout.ts';
import { ModelSettingSchema, SETTING_DEFAULTS, SettingSchema } from '../cells/engine/settings.ts';
import { HalvingSchema } from './halving.ts';

// ---------------------------------------------------------------------------------------------
// The setting of one training run, whatever space it came from.
// ---------------------------------------------------------------------------------------------

export const SPACES = ['jozefowicz', 'greff'] as const;
export type SpaceName = (typeof SPACES)[number];

/**
 * A setting as a space produces it: the engine's model, optimiser and batching fields
 * (cells/engine/settings.ts, with their bounds), the space it came from, and for Greff the
 * learning rate as the paper samples it.
 */
export const HyperparamsSchema = z.strictObject({
  space: z.enum(SPACES),
  ...ModelSettingSchema.shape,
  /** Greff: the learning rate as the paper samples it, before rescaling (see `greffLearningRate`). */
  paperLearningRate: ModelSettingSchema.shape.learningRate.optional(),
});
export type Hyperparams = z.infer<typeof HyperparamsSchema>;

// ---------------------------------------------------------------------------------------------
// Sizes and parameter budgets.
// ---------------------------------------------------------------------------------------------

/**
 * The largest hidden size H whose model fits in `budget` parameters, counted by the engine
 * (`modelParamCount` of cells/engine). The count is a quadratic in H with non-negative
 * coefficients, so it is solved, then checked exactly. Throws if not even H = 1 fits.
 */
export function hiddenForBudget(cell: CellJson, budget: number, vocab: number, layers: number): number {
  if (!(budget > 0) || !Number.isFinite(budget)) throw new RangeError(`parameter budget must be a positive number, got ${budget}`);
  const count = (h: number) => modelParamCount(cell, { hidden: h, vocab, layers });
  if (count(1) > budget) {
    throw new RangeError(`a parameter budget of ${budget} is too small for this cell with vocabulary ${vocab} and ${layers} layer(s): even H = 1 needs ${count(1)}`);
  }
  // count(H) = a H^2 + b H + c, read off three points.
  const c0 = count(0);
  const c1 = count(1) - c0;
  const c2 = count(2) - c0;
  const a = (c2 - 2 * c1) / 2;
  const b = c1 - a;
  const rhs = budget - c0;
  let h = a > 0 ? Math.floor((-b + Math.sqrt(b * b + 4 * a * rhs)) / (2 * a)) : Math.floor(rhs / b);
  h = Math.max(1, h);
  while (h > 1 && count(h) > budget) h--;
  while (count(h + 1) <= budget) h++;
  return h;
}

// ---------------------------------------------------------------------------------------------
// Fidelity presets.
// ---------------------------------------------------------------------------------------------

/**
 * The parameter budget that sizes a cell for a task at a preset. The text task (the user's own
 * files) has none of its own, since adding one would change every stored preset: word-level text
 * borrows ptb's budget, character-level text xml's (tens of symbols, like xml's 30).
 */
export function taskBudget(fid: Pick<Fidelity, 'scale' | 'paramBudget'>, task: string, taskOptions: { level?: unknown }): number {
  if (task === 'text') return taskOptions.level === 'word' ? fid.paramBudget.ptb : fid.paramBudget.xml;
  const budget = (fid.paramBudget as Record<string, number | undefined>)[task];
  if (budget === undefined) throw new Error(`the ${fid.scale} preset has no parameter budget for task '${task}'`);
  return budget;
}

export const SCALES = ['tiny', 'small', 'paper'] as const;
export type Scale = (typeof SCALES)[number];

/** Task names of tasks/ that a budget may be given for. */
export const BUDGET_TASKS = ['memorize', 'arithmetic', 'xml', 'ptb', 'music'] as const;

const posInt = z.number().int().positive();

/** How a study trains its evaluations: each to the full budget, or in rungs of successive halving (search/halving.ts). */
export const FIDELITY_MODES = ['full', 'sha'] as const;

/**
 * The Jozefowicz grid values a preset allows: each coordinate a non-empty list of values within
 * the engine's bounds (`maxGradNorm` is the engine's `clip`).
 */
export const GridSchema = z.strictObject({
  initScale: z.array(ModelSettingSchema.shape.initScale).min(1),
  learningRate: z.array(ModelSettingSchema.shape.learningRate).min(1),
  maxGradNorm: z.array(ModelSettingSchema.shape.clip).min(1),
  layers: z.array(ModelSettingSchema.shape.layers).min(1),
});
export type Grid = z.infer<typeof GridSchema>;

export const FidelitySchema = z.strictObject({
  scale: z.enum(SCALES),
  /** One training run: the batching and the schedule of a setting (cells/engine/settings.ts). */
  train: SettingSchema.pick({ batch: true, unroll: true, maxSteps: true, evalEvery: true, validBatches: true, patience: true, maxHalvings: true }),
  /** Parameter budget of the whole model per task (Jozefowicz space: sets H per cell). */
  paramBudget: z.strictObject(Object.fromEntries(BUDGET_TASKS.map((t) => [t, posInt])) as Record<(typeof BUDGET_TASKS)[number], typeof posInt>),
  /** Task sizes: options handed to each task's own schema. */
  tasks: z.strictObject({
    memorize: z.strictObject({ length: posInt, symbols: posInt, validSize: posInt, testSize: posInt }),
    arithmetic: z.strictObject({ maxDigits: posInt, validSize: posInt, testSize: posInt }),
    xml: z.strictObject({ maxIterations: posInt, validSize: posInt, testSize: posInt }),
  }),
  /** The Jozefowicz grid at this preset (the paper's, or the part of it that trains at this budget). */
  grid: GridSchema,
  /** The Greff space's hidden-size range (the paper: [20, 200]). */
  greffHidden: z.tuple([posInt, posInt]).refine(([lo, hi]) => lo <= hi, 'greffHidden: low must not exceed high'),
  /** The search. */
  search: z.strictObject({
    /** Default number of training runs in a study (`--budget`). */
    evaluations: posInt,
    /** Settings per task for a new architecture (the K). */
    settingsPerTask: posInt,
    /** Settings per task when a listed architecture is picked again (the issue: 20). */
    repeatSettings: posInt,
    /** Jozefowicz: the list of the best N (the paper: 100) and the probability q of re-evaluating. */
    listSize: posInt,
    reevaluateProbability: z.number().min(0).max(1),
    /** Filters: memorization accuracy, then a fraction of the GRU's best on each task in turn. */
    memorizeThreshold: z.number().min(0).max(1),
    gruFraction: z.number().min(0).max(1),
    /**
     * sha: memorization passes at `min(memorizeThreshold, memorizeFraction x` the accuracy of the
     * GRU trained with the same setting), so a preset whose GRU cannot reach the threshold still
     * lets the cells that memorize as well as it through.
     */
    memorizeFraction: z.number().min(0).max(1),
    /** Aging evolution (Real et al. 2019): population P and tournament sample S. */
    population: posInt,
    sample: posInt,
    /** jozefowicz: every evaluation to the full budget, or successive halving in rungs (`--fidelity`). */
    fidelity: z.enum(FIDELITY_MODES),
    /** Successive halving: the reduction factor η (`--eta`) and the steps of the first rung at least (`--min-steps`). */
    ...HalvingSchema.shape,
    /**
     * jozefowicz: when the budget is spent, the top `confirm` architectures, the GRU and the LSTM
     * are trained again at full fidelity with their best setting per task on `confirmSeeds` fresh
     * seeds (search/confirm.ts); 0 confirms nothing. Optional: configs stored before it had none.
     */
    confirm: z.number().int().nonnegative().optional(),
    /** Two at least: an interval needs two seeds. */
    confirmSeeds: z.number().int().min(2).optional(),
    /**
     * sha: the grid points per task a study draws its settings from (drawn once, at the task's
     * first use), so that the GRU references of a (task, point, rung) are shared by every setting
     * drawn there (`--pool`). Optional: configs stored before it had none (every draw from the grid).
     */
    pool: posInt.optional(),
    /**
     * sha: a setting goes on to the next rung only if its value reaches this fraction of its
     * paired GRU's at the same rung, even when it is among the best 1/eta (`--prune-ratio`; 0
     * keeps the plain rule). Optional: configs stored before it had none (0).
     */
    pruneRatio: z.number().min(0).max(1).optional(),
  }),
});
export type Fidelity = z.infer<typeof FidelitySchema>;

/** Fresh seeds of a confirmation when a config (stored before `confirmSeeds` existed) has none. */
export const DEFAULT_CONFIRM_SEEDS = 5;

/** The grid of Jozefowicz et al. (2015), the `paper` preset's. */
export const JOZEFOWICZ_GRID = Object.freeze({
  initScale: [0.3, 0.7, 1, 1.4, 2, 2.8],
  learningRate: [0.1, 0.2, 0.3, 0.5, 1, 2, 5],
  maxGradNorm: [1, 2.5, 5, 10, 20],
  layers: [1, 2, 3, 4],
} as const);

// The grid at tiny and small drops the values with which nothing trains in a few thousand steps.
// Measured (20 paired settings at small, 3,000 steps, memorize 5 of 26): every GRU, LSTM and Tanh
// run failed at learning rate 5 (0/9) and at init scale 0.3 (0/6), and the GRU at 4 layers (0/6).
// A candidate judged on such a setting fails on the setting, not on its architecture.
const REDUCED_GRID = {
  initScale: [0.7, 1, 1.4, 2, 2.8],
  learningRate: [0.1, 0.2, 0.3, 0.5, 1, 2],
  maxGradNorm: [1, 2.5, 5, 10, 20],
  layers: [1, 2, 3],
};

// Budgets, with the vocabularies of tasks/ (memorize 27, xml 30, arithmetic about 40, ptb 10,000,
// music 88 units), give a one-layer GRU H of about 19-27 (tiny), 53-77 (small) and 200-280
// (paper) on the small-vocabulary tasks. On ptb the embedding and softmax dominate: tiny gives
// H = 9, small 63, and paper's 20M is the size of Zaremba et al.'s medium model (two LSTM layers
// of 650 units); a one-layer GRU gets H = 804 from it.
// Tiny's memorization is 3 symbols of 10 (the paper: 5 of 26): measured, a GRU of this budget
// reaches 0.95-1.0 in its 300 steps at learning rates 0.3-1 (0.2 at 5 of 26). But a tiny study
// tries one random grid setting per stage, and most (learning rate 0.1 or 5, four layers) do not
// memorize in 300 steps: in a measured tiny study no mutant reached 0.95 while two reached 0.5-0.6
// (chance: 0.1). So tiny's threshold is 0.5, still a filter of hopeless cells, and tiny re-evaluates
// listed cells with q = 0.2 so that its 40 evaluations go mostly to new candidates. small and
// paper keep the paper's 0.95 and the q = 0.5. Measured CPU per evaluation at tiny
// (GRU, one thread): memorize ~1 s, arithmetic ~1 s, xml 3-8 s, ptb ~35 s (the 10,000-word softmax).
// Successive halving (`search.fidelity: 'sha'`, the jozefowicz strategy) is the default at small
// and paper, whose budgets give rungs of 111/333/1,000/3,000 and 1,235/3,704/11,111/33,333/100,000
// steps; tiny stays 'full': its rungs would be 33/100/300 steps, and its 40 evaluations would go
// largely to the paired GRU references sha adds (--fidelity sha turns it on). With sha, settings
// come from a pool of grid points per task (`pool`: 2 x K at small and paper, 3 at tiny) so that
// the GRU references are shared, and a setting below half its GRU's value at a rung (`pruneRatio`
// 0.5) stops there (search/README.md, measured).
export const FIDELITY: Readonly<Record<Scale, Fidelity>> = Object.freeze({
  tiny: {
    scale: 'tiny',
    train: { batch: 20, unroll: 20, maxSteps: 300, evalEvery: 100, validBatches: 4, patience: 1, maxHalvings: 2 },
    paramBudget: { memorize: 6_000, arithmetic: 4_000, xml: 4_000, ptb: 200_000, music: 6_000 },
    tasks: {
      memorize: { length: 3, symbols: 10, validSize: 200, testSize: 200 },
      arithmetic: { maxDigits: 3, validSize: 200, testSize: 200 },
      xml: { maxIterations: 10, validSize: 200, testSize: 200 },
    },
    grid: structuredClone(REDUCED_GRID),
    greffHidden: [10, 40],
    search: {
      evaluations: 40,
      settingsPerTask: 1,
      repeatSettings: 2,
      listSize: 10,
      reevaluateProbability: 0.2,
      memorizeThreshold: 0.5,
      gruFraction: 0.9,
      memorizeFraction: 0.9,
      population: 10,
      sample: 3,
      fidelity: 'full',
      eta: 3,
      minSteps: 30,
      confirm: 0,
      confirmSeeds: 5,
      pool: 3,
      pruneRatio: 0.5,
    },
  },
  small: {
    scale: 'small',
    train: { batch: 20, unroll: 35, maxSteps: 3_000, evalEvery: 250, validBatches: 20, patience: 1, maxHalvings: 3 },
    paramBudget: { memorize: 20_000, arithmetic: 35_000, xml: 35_000, ptb: 1_300_000, music: 50_000 },
    tasks: {
      memorize: { length: 5, symbols: 26, validSize: 1_000, testSize: 1_000 },
      arithmetic: { maxDigits: 5, validSize: 1_000, testSize: 1_000 },
      xml: { maxIterations: 25, validSize: 1_000, testSize: 1_000 },
    },
    grid: structuredClone(REDUCED_GRID),
    greffHidden: [20, 100],
    search: {
      evaluations: 400,
      settingsPerTask: 3,
      repeatSettings: 5,
      listSize: 30,
      reevaluateProbability: 0.5,
      memorizeThreshold: 0.95,
      gruFraction: 0.9,
      memorizeFraction: 0.9,
      population: 30,
      sample: 10,
      fidelity: 'sha',
      eta: 3,
      minSteps: 100,
      confirm: 3,
      confirmSeeds: 5,
      pool: 6,
      pruneRatio: 0.5,
    },
  },
  paper: {
    scale: 'paper',
    train: { batch: 20, unroll: 35, maxSteps: 100_000, evalEvery: 1_000, validBatches: 200, patience: 1, maxHalvings: 5 },
    paramBudget: { memorize: 250_000, arithmetic: 500_000, xml: 500_000, ptb: 20_000_000, music: 500_000 },
    tasks: {
      memorize: { length: 5, symbols: 26, validSize: 1_000, testSize: 1_000 },
      arithmetic: { maxDigits: 8, validSize: 1_000, testSize: 1_000 },
      xml: { maxIterations: 50, validSize: 1_000, testSize: 1_000 },
    },
    grid: { initScale: [...JOZEFOWICZ_GRID.initScale], learningRate: [...JOZEFOWICZ_GRID.learningRate], maxGradNorm: [...JOZEFOWICZ_GRID.maxGradNorm], layers: [...JOZEFOWICZ_GRID.layers] },
    greffHidden: [20, 200],
    search: {
      evaluations: 10_000,
      settingsPerTask: 20,
      repeatSettings: 20,
      listSize: 100,
      reevaluateProbability: 0.5,
      memorizeThreshold: 0.95,
      gruFraction: 0.9,
      memorizeFraction: 0.9,
      population: 100,
      sample: 25,
      fidelity: 'sha',
      eta: 3,
      minSteps: 1_000,
      confirm: 3,
      confirmSeeds: 5,
      pool: 40,
      pruneRatio: 0.5,
    },
  },
} satisfies Record<Scale, Fidelity>);

/** The preset of that scale, as a fresh object (safe to store or modify). */
export function fidelity(scale: Scale): Fidelity {
  return FidelitySchema.parse(structuredClone(FIDELITY[scale]));
}

// ---------------------------------------------------------------------------------------------
// Sampling helpers.
// ---------------------------------------------------------------------------------------------

function pickOne<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(rng() * items.length))];
}

/** Log-uniform in [lo, hi]: exp of a uniform draw between log(lo) and log(hi). */
export function logUniform(rng: () => number, lo: number, hi: number): number {
  const v = Math.exp(Math.log(lo) + rng() * (Math.log(hi) - Math.log(lo)));
  return Math.min(hi, Math.max(lo, v));
}

// ---------------------------------------------------------------------------------------------
// The Jozefowicz et al. grid.
// ---------------------------------------------------------------------------------------------


export interface JozefowiczPoint {
  initScale: number;
  learningRate: number;
  maxGradNorm: number;
  layers: number;
}

/**
 * A point of `grid` (a preset's; by default the paper's), uniformly: each coordinate
 * independently, in a fixed order, one draw each.
 */
export function sampleJozefowicz(rng: () => number, grid: Readonly<Record<keyof JozefowiczPoint, readonly number[]>> = JOZEFOWICZ_GRID): JozefowiczPoint {
  return {
    initScale: pickOne(rng, grid.initScale),
    learningRate: pickOne(rng, grid.learningRate),
    maxGradNorm: pickOne(rng, grid.maxGradNorm),
    layers: pickOne(rng, grid.layers),
  };
}

/**
 * A name of a grid point, unique per point: the identity of the GRU reference trained with that
 * setting (several candidates drawn at the same point share it).
 */
export function pointId(p: JozefowiczPoint): string {
  return `lr${p.learningRate},init${p.initScale},clip${p.maxGradNorm},L${p.layers}`;
}

/**
 * The full setting of a grid point for one cell on one task: plain SGD, the preset's batch and
 * unroll, and H from the task's parameter budget. The paper's learning rates are for a loss summed
 * over the unroll and averaged over the batch, which is the engine's `sequence` normalisation:
 * they are used as they are.
 */
export function jozefowiczHyperparams(point: JozefowiczPoint, ctx: { cell: CellJson; vocab: number; budget: number; fidelity: Fidelity }): Hyperparams {
  return HyperparamsSchema.parse({
    space: 'jozefowicz',
    hidden: hiddenForBudget(ctx.cell, ctx.budget, ctx.vocab, point.layers),
    layers: point.layers,
    initScale: point.initScale,
    optimizer: 'sgd',
    learningRate: point.learningRate,
    momentum: 0,
    clip: point.maxGradNorm,
    inputNoise: 0,
    batch: ctx.fidelity.train.batch,
    unroll: ctx.fidelity.train.unroll,
  });
}

// ---------------------------------------------------------------------------------------------
// The Greff et al. space.
// ---------------------------------------------------------------------------------------------

export const GREFF_SPACE = Object.freeze({
  /** Log-uniform; the preset's `greffHidden` replaces the paper's range at lower fidelity. */
  hidden: [20, 200] as const,
  learningRate: [1e-6, 1e-2] as const,
  /** momentum = 1 - v, v log-uniform in this range. */
  oneMinusMomentum: [0.01, 1] as const,
  inputNoise: [0, 1] as const,
});

export interface GreffPoint {
  hidden: number;
  /** As the paper samples it, before `greffLearningRate`. */
  learningRate: number;
  momentum: number;
  inputNoise: number;
}

/** A random point of Greff's space (hidden range from the preset), in a fixed draw order. */
export function sampleGreff(rng: () => number, fid: Fidelity): GreffPoint {
  const [lo, hi] = fid.greffHidden;
  // Log-uniform, then rounded to a whole number of units (the clamp only guards rounding).
  const hidden = Math.min(hi, Math.max(lo, Math.round(logUniform(rng, lo, hi))));
  const learningRate = logUniform(rng, GREFF_SPACE.learningRate[0], GREFF_SPACE.learningRate[1]);
  const momentum = 1 - logUniform(rng, GREFF_SPACE.oneMinusMomentum[0], GREFF_SPACE.oneMinusMomentum[1]);
  const inputNoise = GREFF_SPACE.inputNoise[0] + rng() * (GREFF_SPACE.inputNoise[1] - GREFF_SPACE.inputNoise[0]);
  return { hidden, learningRate, momentum, inputNoise };
}

/**
 * Greff et al. update after every sequence, on the loss summed over its time steps: one stream
 * per update. Our update averages B such streams (the engine's `sequence` normalisation), which
 * makes each gradient B times smaller than the sum of B per-sequence gradients; by the linear
 * scaling rule the learning rate that covers the same distance per sequence seen is B times the
 * paper's. So [1e-6, 1e-2] becomes [B e-6, B e-2] ([2e-5, 0.2] at B = 20).
 */
export function greffLearningRate(paperRate: number, batch: number): number {
  return paperRate * batch;
}

/** The full setting of a Greff point: Nesterov momentum, one layer, the engine's init and no clipping. */
export function greffHyperparams(point: GreffPoint, fid: Fidelity): Hyperparams {
  return HyperparamsSchema.parse({
    space: 'greff',
    hidden: point.hidden,
    layers: 1,
    initScale: SETTING_DEFAULTS.initScale,
    optimizer: 'nesterov',
    learningRate: greffLearningRate(point.learningRate, fid.train.batch),
    // 1 - v with v = 1 gives exactly 0; with v = 0.01, 0.99.
    momentum: point.momentum,
    clip: 0,
    inputNoise: point.inputNoise,
    batch: fid.train.batch,
    unroll: fid.train.unroll,
    paperLearningRate: point.learningRate,
  });
}
