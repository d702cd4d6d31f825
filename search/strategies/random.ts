// The control: random architectures of zoo-like size (search/mutate.ts's `randomArchitecture`),
// each evaluated on K settings of every task, `generationSize` per generation, after the GRU and
// the LSTM in generation 0 (the GRU is the score's reference). At most `evaluations` evaluations.
import { z } from 'zod';
import { randomArchitecture } from '../mutate.ts';
import { printNotation } from '../../cells/notation.ts';
import {
  SEED_KEYS,
  SearchConfigSchema,
  allTaskProposals,
  newRng,
  restoreRng,
  rngState,
  zooRow,
  type ArchitectureRow,
  type HistoryItem,
  type Json,
  type JsonObject,
  type Proposal,
  type ProposeResult,
  type SearchConfig,
  type SearchStrategy,
  type Trials,
} from './common.ts';

interface State {
  rng: Json;
  started: boolean;
  seen: string[];
  trials: Trials;
  proposed: number;
}

const StateShape = z.looseObject({ started: z.boolean(), seen: z.array(z.string()), proposed: z.number() });

export function randomStrategy(opts: { config: SearchConfig }): SearchStrategy {
  const config = SearchConfigSchema.parse(opts.config);
  const s = config.fidelity.search;
  const perArch = s.settingsPerTask * config.tasks.length;
  return {
    name: 'random',
    init(seed: number): Json {
      const state: State = { rng: rngState(newRng(seed, 'random')), started: false, seen: [], trials: {}, proposed: 0 };
      return state as unknown as Json;
    },
    propose(saved: Json, _history: readonly HistoryItem[]): ProposeResult {
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
          proposals.push(...allTaskProposals(row, s.settingsPerTask, ctx).slice(0, Math.max(0, left())));
        }
      } else {
        for (let k = 0; k < config.generationSize && left() >= perArch; k++) {
          const { cell, hash } = randomArchitecture(rng);
          if (seen.has(hash)) continue;
          seen.add(hash);
          const row: ArchitectureRow = { hash, cell: cell as unknown as JsonObject, notation: printNotation(cell), origin: { kind: 'other', note: 'random architecture' } };
          proposals.push(...allTaskProposals(row, s.settingsPerTask, ctx));
        }
      }
      st.proposed += proposals.length;
      st.seen = [...seen];
      st.rng = rngState(rng);
      return { state: st as unknown as Json, proposals, finished: proposals.length === 0 };
    },
  };
}
