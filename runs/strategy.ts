// What the study driver (runs/study.ts) asks of a strategy, in the manner of Optuna's sampler:
// a strategy decides, the driver acts. A strategy is a pure object: `propose` is a function of
// its saved state and of the finished history, and returns its next state, so the driver can
// store that state in the database and a resumed study continues exactly where it stopped.
//
// The determinism rule (runs/README.md): work proceeds in generations. `propose` is called only
// when every evaluation of every earlier generation has finished (done, diverged or failed), and
// it sees them in (generation, ordinal) order. Its proposals become the next generation. Nothing
// depends on how many workers ran them or in which order they finished.
//
// search/ may not import runs/: its strategies satisfy these interfaces structurally.
import type { Architecture, Evaluation, Json, JsonObject } from './storage.ts';

export interface Proposal {
  architecture: Architecture;
  task: string;
  taskOptions: JsonObject;
  hyperparameters: JsonObject;
  /**
   * Which trial of (architecture, task) this is: a hyperparameter index, a repeat number. With
   * the architecture and task it forms the evaluation's identity, from which its seed derives;
   * it must be unique within the experiment.
   */
  trial: string | number;
}

export interface ProposeResult {
  /** The strategy's state after this step (random generator state included), JSON. */
  state: Json;
  /** The next generation; may be empty only when `finished` is true. */
  proposals: Proposal[];
  /** True when no further generation will follow these proposals. */
  finished: boolean;
}

export interface Strategy {
  readonly name: string;
  /** The state before the first proposal, from the experiment's seed. */
  init(seed: number): Json;
  /**
   * Pure: the same state and history give the same result. `history` holds every evaluation of
   * the earlier generations, all finished, ordered by (generation, ordinal).
   */
  propose(state: Json, history: readonly Evaluation[]): ProposeResult;
  // (history carries no wall times: wallMs is null, so nothing timing-dependent can leak in)
}

/** A fixed list of evaluations, all in generation 0: `cellsearch train`, grids, repeats. */
export function fixedListStrategy(proposals: readonly Proposal[]): Strategy {
  return {
    name: 'list',
    init: () => null,
    propose: (state) => ({ state, proposals: [...proposals], finished: true }),
  };
}
