// The trial plan of an ablation study (Greff et al. 2016): N random-search trials per (cell,
// task). Trial t of task k draws its hyperparameters from a generator seeded by (study seed,
// task, t) alone, so every cell gets the same draw for trial t: a paired design, in which the
// difference between two variants is not buried under the spread of the learning rate. The
// plan does not depend on the cells listed beside a cell, on their order, or on workers.
//
// - `greff` space: hidden size, learning rate, momentum and input noise drawn as the paper does
//   (search/space.ts `sampleGreff`, the preset's hidden range); the same hidden size for every
//   cell. The Gaussian input noise is added by the engine to the first layer's input (the
//   embedding output) in training only, with the sampled standard deviation, as the paper did.
// - `jozefowicz` space: a point of the grid (init scale, learning rate, clip, layers); the hidden
//   size follows each cell's parameter budget, as in Jozefowicz et al., so cells of different
//   shapes are compared at equal size.
//
// Proposals are ordered (task, trial, cell): an interrupted study holds the same trials of every
// cell, not all trials of the first cells.
import seedrandom from 'seedrandom';
import type { CellJson } from '../../cells/graph.ts';
import {
  greffHyperparams,
  jozefowiczHyperparams,
  JOZEFOWICZ_GRID,
  sampleGreff,
  sampleJozefowicz,
  type Fidelity,
  type GreffPoint,
  type Hyperparams,
  type JozefowiczPoint,
  type SpaceName,
} from '../space.ts';
import type { Dimension } from '../stats/index.ts';

export interface PlanCell {
  /** What the user called it (zoo key or file): the variant's label. */
  ref: string;
  cell: CellJson;
}

export interface PlanTask {
  name: string;
  /** Vocabulary size (or units, for music): sets the Jozefowicz hidden size from the budget. */
  vocab: number;
  /** The preset's parameter budget for the task. */
  budget: number;
  /** This task's trials where they differ from the plan's `trials`. */
  trials?: number;
}

export type SpacePoint = ({ space: 'greff' } & GreffPoint) | ({ space: 'jozefowicz' } & JozefowiczPoint);

export interface PlannedTrial {
  ref: string;
  task: string;
  trial: number;
  /** The point as sampled (shared by every cell of this task and trial). */
  point: SpacePoint;
  /** The setting the cell trains with. */
  hyperparameters: Hyperparams;
}

export interface PlanOptions {
  cells: readonly PlanCell[];
  tasks: readonly PlanTask[];
  trials: number;
  space: SpaceName;
  seed: number;
  fidelity: Fidelity;
  /** Jozefowicz space: draw from the preset's grid (`fidelity.grid`) instead of the paper's. */
  presetGrid?: boolean;
}

/** The generator of trial `trial` of `task`: independent of cells and of every other trial. */
export function trialRng(seed: number, task: string, trial: number): () => number {
  return seedrandom.alea(`cellsearch-ablate\0${seed}\0${task}\0${trial}`);
}

/** The hyperparameter point of one trial of a task. */
export function trialPoint(space: SpaceName, seed: number, task: string, trial: number, fid: Fidelity, presetGrid = false): SpacePoint {
  const rng = trialRng(seed, task, trial);
  return space === 'greff' ? { space, ...sampleGreff(rng, fid) } : { space, ...sampleJozefowicz(rng, presetGrid ? fid.grid : undefined) };
}

export function ablationPlan(o: PlanOptions): PlannedTrial[] {
  if (!Number.isInteger(o.trials) || o.trials < 1) throw new RangeError(`trials must be a whole number >= 1, got ${o.trials}`);
  const out: PlannedTrial[] = [];
  for (const task of o.tasks) {
    const trials = task.trials ?? o.trials;
    if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`trials of ${task.name} must be a whole number >= 1, got ${trials}`);
    for (let trial = 0; trial < trials; trial++) {
      const point = trialPoint(o.space, o.seed, task.name, trial, o.fidelity, o.presetGrid);
      for (const c of o.cells) {
        let hyperparameters: Hyperparams;
        if (point.space === 'greff') {
          const { space: _s, ...p } = point;
          hyperparameters = greffHyperparams(p, o.fidelity);
        } else {
          const { space: _s, ...p } = point;
          hyperparameters = jozefowiczHyperparams(p, { cell: c.cell, vocab: task.vocab, budget: task.budget, fidelity: o.fidelity });
        }
        out.push({ ref: c.ref, task: task.name, trial, point, hyperparameters });
      }
    }
  }
  return out;
}

/**
 * The dimensions fANOVA measures the trials in, as they were sampled. Greff: hidden (log, the
 * preset's range), the paper's learning rate before rescaling (log [1e-6, 1e-2]), momentum
 * (1 - log-uniform), input noise (uniform). Jozefowicz: the grid's
 * axes, categorical.
 */
export function spaceDimensions(space: SpaceName, fid: Fidelity): Dimension[] {
  if (space === 'greff') {
    return [
      { name: 'hidden', scale: 'log', low: fid.greffHidden[0], high: fid.greffHidden[1] },
      { name: 'learningRate', scale: 'log', low: 1e-6, high: 1e-2 },
      { name: 'momentum', scale: 'log1m', low: 0, high: 0.99 },
      { name: 'inputNoise', scale: 'linear', low: 0, high: 1 },
    ];
  }
  return [
    { name: 'initScale', scale: 'categorical', choices: [...JOZEFOWICZ_GRID.initScale] },
    { name: 'learningRate', scale: 'categorical', choices: [...JOZEFOWICZ_GRID.learningRate] },
    { name: 'clip', scale: 'categorical', choices: [...JOZEFOWICZ_GRID.maxGradNorm] },
    { name: 'layers', scale: 'categorical', choices: [...JOZEFOWICZ_GRID.layers] },
  ];
}

/** A trial's values of `spaceDimensions`, read from the setting it trained with. */
export function spaceParams(space: SpaceName, h: Hyperparams): Record<string, number> {
  if (space === 'greff') {
    return { hidden: h.hidden, learningRate: h.paperLearningRate ?? Number.NaN, momentum: h.momentum, inputNoise: h.inputNoise };
  }
  return { initScale: h.initScale, learningRate: h.learningRate, clip: h.clip, layers: h.layers };
}
