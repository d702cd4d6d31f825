// The control: random architectures of zoo-like size (search/mutate.ts's `randomArchitecture`),
// each evaluated on K settings of every task, `generationSize` per generation, after the GRU and
// the LSTM in generation 0 (the GRU is the score's reference). At most `evaluations` evaluations.
import { randomArchitecture } from '../mutate.ts';
import { printNotation } from '../../cells/notation.ts';
import { defineStrategy, toJsonObject, type Architecture, type Strategy } from '../contract.ts';
import { SearchConfigSchema, SearchStateSchema, allTaskProposals, initialSearchState, searchStep, type SearchConfig } from './common.ts';

const NAME = 'random';

export function randomStrategy(opts: { config: SearchConfig }): Strategy {
  const config = SearchConfigSchema.parse(opts.config);
  const s = config.fidelity.search;
  const perArch = s.settingsPerTask * config.tasks.length;
  return defineStrategy({
    name: NAME,
    state: SearchStateSchema,
    init: (seed) => initialSearchState(seed, NAME),
    propose: (st) =>
      searchStep(config, st, () => {}, ({ rng, seen, ctx, proposals, left }) => {
        for (let k = 0; k < config.generationSize && left() >= perArch; k++) {
          const { cell, hash } = randomArchitecture(rng);
          if (seen.has(hash)) continue;
          seen.add(hash);
          const row: Architecture = { hash, cell: toJsonObject(cell), notation: printNotation(cell), origin: { kind: 'other', note: 'random architecture' } };
          proposals.push(...allTaskProposals(row, s.settingsPerTask, ctx));
        }
      }),
  });
}
