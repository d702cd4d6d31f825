// Regularized ("aging") evolution, Real et al. (2019), in generations. Generation 0 evaluates
// the GRU and the LSTM on K settings per task: the first members of the population. Each later
// generation first adds the previous generation's children to the population, in the order they
// were proposed, removing the oldest members beyond `population`; then proposes
// `generationSize` children: for each, `sample` members are drawn uniformly without replacement,
// the best of them by score (min over tasks of best / the GRU's best) is mutated, and the child
// is evaluated on K settings of every task. At most `evaluations` evaluations are proposed.
import { z } from 'zod';
import {
  SEED_KEYS,
  SearchConfigSchema,
  allTaskProposals,
  freshMutant,
  newRng,
  restoreRng,
  rngState,
  scores,
  zooRow,
  type ArchitectureRow,
  type HistoryItem,
  type Json,
  type Proposal,
  type ProposeResult,
  type SearchConfig,
  type SearchStrategy,
  type Trials,
} from './common.ts';

interface State {
  rng: Json;
  started: boolean;
  /** Oldest first. */
  population: ArchitectureRow[];
  /** Children of the last generation, in the order proposed. */
  children: ArchitectureRow[];
  seen: string[];
  trials: Trials;
  proposed: number;
  duplicates: number;
}

const StateShape = z.looseObject({ started: z.boolean(), population: z.array(z.any()), children: z.array(z.any()), proposed: z.number() });

export function agingStrategy(opts: { config: SearchConfig }): SearchStrategy {
  const config = SearchConfigSchema.parse(opts.config);
  const s = config.fidelity.search;
  const perChild = s.settingsPerTask * config.tasks.length;
  return {
    name: 'aging',
    init(seed: number): Json {
      const state: State = { rng: rngState(newRng(seed, 'aging')), started: false, population: [], children: [], seen: [], trials: {}, proposed: 0, duplicates: 0 };
      return state as unknown as Json;
    },
    propose(saved: Json, history: readonly HistoryItem[]): ProposeResult {
      StateShape.parse(saved);
      const st = structuredClone(saved) as unknown as State;
      const rng = restoreRng(st.rng);
      const seen = new Set(st.seen);
      const ctx = { config, rng, trials: st.trials };
      const proposals: Proposal[] = [];
      const left = () => config.evaluations - st.proposed - proposals.length;

      if (!st.started) {
        st.started = true;
        for (const key of SEED_KEYS) {
          const row = zooRow(key);
          seen.add(row.hash);
          st.children.push(row);
          proposals.push(...allTaskProposals(row, s.settingsPerTask, ctx).slice(0, Math.max(0, left())));
        }
      } else {
        st.population.push(...st.children);
        st.children = [];
        while (st.population.length > s.population) st.population.shift();
        const sc = scores(history, config.tasks, config.metric);
        const scoreOf = (a: ArchitectureRow) => sc.get(a.hash) ?? -Infinity;
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
      }
      st.proposed += proposals.length;
      st.seen = [...seen];
      st.rng = rngState(rng);
      return { state: st as unknown as Json, proposals, finished: proposals.length === 0 };
    },
  };
}

/** The population's hashes in a saved state, oldest first. */
export function agingPopulation(state: Json): string[] {
  return (state as unknown as State).population.map((a) => a.hash);
}
