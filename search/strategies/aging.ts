// Regularized ("aging") evolution, Real et al. (2019), in generations. Generation 0 evaluates
// the GRU and the LSTM on K settings per task: the first members of the population. Each later
// generation first adds the previous generation's children to the population, in the order they
// were proposed, removing the oldest members beyond `population`; then proposes
// `generationSize` children: for each, `sample` members are drawn uniformly without replacement,
// the best of them by score (min over tasks of best / the GRU's best) is mutated, and the child
// is evaluated on K settings of every task. At most `evaluations` evaluations are proposed.
import { z } from 'zod';
import { ArchitectureSchema, defineStrategy, parseStrategyState, type Architecture, type HistoryItem, type Json, type Strategy } from '../contract.ts';
import { SearchConfigSchema, SearchStateSchema, allTaskProposals, freshMutant, initialSearchState, scores, searchStep, type SearchConfig } from './common.ts';

export const AgingStateSchema = z.strictObject({
  ...SearchStateSchema.pick({ rng: true, started: true }).shape,
  /** Oldest first. */
  population: z.array(ArchitectureSchema),
  /** Children of the last generation, in the order proposed. */
  children: z.array(ArchitectureSchema),
  ...SearchStateSchema.pick({ seen: true, trials: true, proposed: true }).shape,
  duplicates: z.number().int().nonnegative(),
});
type State = z.infer<typeof AgingStateSchema>;

const NAME = 'aging';

export function agingStrategy(opts: { config: SearchConfig }): Strategy {
  const config = SearchConfigSchema.parse(opts.config);
  const s = config.fidelity.search;
  const perChild = s.settingsPerTask * config.tasks.length;
  return defineStrategy({
    name: NAME,
    state: AgingStateSchema,
    init: (seed): State => ({ ...initialSearchState(seed, NAME), population: [], children: [], duplicates: 0 }),
    propose: (st: State, history: readonly HistoryItem[]) =>
      searchStep(config, st, (row) => st.children.push(row), ({ rng, seen, ctx, proposals, left }) => {
        st.population.push(...st.children);
        st.children = [];
        while (st.population.length > s.population) st.population.shift();
        const sc = scores(history, config.tasks, config.metric);
        const scoreOf = (a: Architecture) => sc.get(a.hash) ?? -Infinity;
        for (let k = 0; k < config.generationSize && left() >= perChild && st.population.length > 0; k++) {
          // Tournament: `sample` distinct members (all if fewer), the best (earliest on ties) wins.
          const idx = st.population.map((_, i) => i);
          const size = Math.min(s.sample, idx.length);
          for (let i = 0; i < size; i++) {
            const j = i + Math.floor(rng() * (idx.length - i));
            [idx[i], idx[j]] = [idx[j], idx[i]];
          }
          const contestants = idx.slice(0, size).sort((a, b) => a - b);
          let winner = contestants[0];
          for (const i of contestants) if (scoreOf(st.population[i]) > scoreOf(st.population[winner])) winner = i;
          const child = freshMutant(st.population[winner], rng, seen);
          if (!child) {
            st.duplicates++;
            continue;
          }
          seen.add(child.hash);
          st.children.push(child);
          proposals.push(...allTaskProposals(child, s.settingsPerTask, ctx));
        }
      }),
  });
}

/** The population's hashes in a saved state, oldest first. */
export function agingPopulation(state: Json): string[] {
  return parseStrategyState({ name: NAME, state: AgingStateSchema }, state).population.map((a) => a.hash);
}
