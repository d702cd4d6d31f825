// The strategy contract as the study driver (runs/study.ts) holds it. The contract itself, with
// the determinism rule, is search/contract.ts (search/ may not import runs/, so it lives there);
// here a strategy's history is made of stored evaluations, and the fixed list of `train` and
// `ablate` studies is a strategy like any other.
import { z } from 'zod';
import { defineStrategy, type Proposal, type Strategy as StrategyOf } from '../search/contract.ts';
import type { Evaluation } from './storage.ts';

export type { Proposal, ProposeResult } from '../search/contract.ts';

/** A strategy whose history is the experiment's evaluations (with wall times blanked). */
export type Strategy = StrategyOf<Evaluation>;

/** A fixed list of evaluations, all in generation 0: `cellsearch train`, grids, repeats. */
export function fixedListStrategy(proposals: readonly Proposal[]): Strategy {
  return defineStrategy({
    name: 'list',
    // Nothing to remember: the list is the strategy.
    state: z.null(),
    init: () => null,
    propose: (state) => ({ state, proposals: [...proposals], finished: true }),
  });
}
