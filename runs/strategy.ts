// The strategy contract as the study driver (runs/study.ts) holds it. The contract itself, with
// the determinism rule, is search/contract.ts (search/ may not import runs/, so it lives there);
// here a strategy's history is made of stored evaluations, and the fixed list of `train` and
// `ablate` studies, of cells named on the command line, is a strategy like any other.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { canonicalJson, cellHash } from '../cells/canonical.ts';
import type { Cell } from '../cells/graph.ts';
import { printNotation } from '../cells/notation.ts';
import { isZooKey } from '../cells/zoo/index.ts';
import { JsonObjectSchema, defineStrategy, type Architecture, type Proposal, type Strategy as StrategyOf } from '../search/contract.ts';
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

/**
 * The architecture of a cell named on the command line: `ref` is a zoo key or a file (recorded
 * as an absolute path, so the origin does not depend on the directory a study is resumed from).
 */
export function architectureOf(ref: string, cell: Cell): Architecture {
  return {
    hash: cellHash(cell),
    cell: JsonObjectSchema.parse(JSON.parse(canonicalJson(cell))),
    notation: printNotation(cell),
    origin: isZooKey(ref) ? { kind: 'zoo', name: ref } : { kind: 'file', path: isAbsolute(ref) ? ref : resolve(ref) },
  };
}
