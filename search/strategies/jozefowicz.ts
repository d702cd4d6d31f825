// The search of Jozefowicz et al. (2015), in generations (runs/README.md's determinism rule).
//
// Generation 0 evaluates the GRU and the LSTM on K settings per task: they start the list. Then
// each generation holds, first, the next filter stage of every candidate still in the pipeline,
// then `generationSize` new actions: with probability q, a listed architecture (drawn uniformly)
// is evaluated on `repeatSettings` new settings per task; otherwise a listed architecture is
// mutated, and the mutant (if its hash is new) enters the pipeline: memorization first (K
// settings; its best must reach `memorizeThreshold`), then each task in turn (K settings; its
// best must reach `gruFraction` x the GRU's best so far). A mutant that passes every stage enters
// the list, which keeps the `listSize` best by score. The study proposes at most `evaluations`
// evaluations; a stage that does not fit in what is left is not started (the candidate is cut).
import { z } from 'zod';
import { ArchitectureSchema, defineStrategy, parseStrategyState, type HistoryItem, type Json, type Strategy } from '../contract.ts';
import {
  SearchConfigSchema,
  SearchStateSchema,
  allTaskProposals,
  bestByTask,
  freshMutant,
  gruHash,
  initialSearchState,
  scores,
  searchStep,
  settingProposals,
  type SearchConfig,
} from './common.ts';

const MEMORIZE = 'memorize';
const count = z.number().int().nonnegative();

/** Counts of the paper's funnel (the paper: 10,000 proposed, 1,000 passed memorization, ...). */
export const FunnelSchema = z.strictObject({
  proposed: count,
  passedMemorize: count,
  /** Per scored task, in filter order: candidates that passed it. */
  passedTask: z.record(z.string(), count),
  enteredList: count,
  repeats: count,
  /** Mutations skipped because every draw was already seen. */
  duplicates: count,
  /** Candidates stopped because their next stage did not fit in the budget. */
  cutByBudget: count,
});
export type Funnel = z.infer<typeof FunnelSchema>;

const CandidateSchema = z.strictObject({
  arch: ArchitectureSchema,
  /** Index into the stages (memorize?, tasks...) of the stage last proposed. */
  stage: count,
});
type Candidate = z.infer<typeof CandidateSchema>;

export const JozefowiczStateSchema = z.strictObject({
  ...SearchStateSchema.pick({ rng: true, started: true }).shape,
  /** Listed architectures, in order of entry. */
  list: z.array(ArchitectureSchema),
  pending: z.array(CandidateSchema),
  ...SearchStateSchema.pick({ seen: true, trials: true, proposed: true }).shape,
  funnel: FunnelSchema,
});
type State = z.infer<typeof JozefowiczStateSchema>;

const NAME = 'jozefowicz';

export interface JozefowiczOptions {
  config: SearchConfig;
}

export function jozefowiczStrategy(opts: JozefowiczOptions): Strategy {
  const config = SearchConfigSchema.parse(opts.config);
  const s = config.fidelity.search;
  const stages = [...(config.memorize ? [MEMORIZE] : []), ...config.tasks];
  const reference = gruHash();

  return defineStrategy({
    name: NAME,
    state: JozefowiczStateSchema,
    init: (seed): State => ({
      ...initialSearchState(seed, NAME),
      list: [],
      pending: [],
      funnel: { proposed: 0, passedMemorize: 0, passedTask: Object.fromEntries(config.tasks.map((t) => [t, 0])), enteredList: 0, repeats: 0, duplicates: 0, cutByBudget: 0 },
    }),

    propose: (st: State, history: readonly HistoryItem[]) =>
      searchStep(config, st, (row) => st.list.push(row), ({ rng, seen, ctx, proposals, left }) => {
        const best = bestByTask(history, config.metric);
        const gru = best.get(reference);
        const bestOf = (hash: string, task: string) => best.get(hash)?.get(task) ?? 0;

        // Advance the pipeline: each candidate's last stage is finished.
        const still: Candidate[] = [];
        for (const c of st.pending) {
          const task = stages[c.stage];
          const value = bestOf(c.arch.hash, task);
          const pass = task === MEMORIZE ? value >= s.memorizeThreshold : value >= s.gruFraction * (gru?.get(task) ?? 0);
          if (!pass) continue;
          if (task === MEMORIZE) st.funnel.passedMemorize++;
          else st.funnel.passedTask[task]++;
          if (c.stage + 1 < stages.length) {
            if (left() < s.settingsPerTask) {
              st.funnel.cutByBudget++;
              continue;
            }
            const next = { arch: c.arch, stage: c.stage + 1 };
            proposals.push(...settingProposals(c.arch, stages[next.stage], s.settingsPerTask, ctx));
            still.push(next);
          } else {
            st.list.push(c.arch);
            st.funnel.enteredList++;
          }
        }
        st.pending = still;

        // Keep the best `listSize` by score (architectures without a full score rank last).
        if (st.list.length > s.listSize) {
          const sc = scores(history, config.tasks, config.metric);
          const ranked = st.list.map((a, i) => ({ a, i, score: sc.get(a.hash) ?? -Infinity })).sort((x, y) => y.score - x.score || x.i - y.i);
          const keep = new Set(ranked.slice(0, s.listSize).map((r) => r.a.hash));
          st.list = st.list.filter((a) => keep.has(a.hash));
        }

        // New actions.
        for (let k = 0; k < config.generationSize; k++) {
          if (st.list.length === 0) break;
          const pick = st.list[Math.min(st.list.length - 1, Math.floor(rng() * st.list.length))];
          if (rng() < s.reevaluateProbability) {
            const cost = s.repeatSettings * config.tasks.length;
            if (left() < cost) continue;
            proposals.push(...allTaskProposals(pick, s.repeatSettings, ctx));
            st.funnel.repeats++;
          } else {
            if (left() < s.settingsPerTask) continue;
            const child = freshMutant(pick, rng, seen);
            if (!child) {
              st.funnel.duplicates++;
              continue;
            }
            seen.add(child.hash);
            st.funnel.proposed++;
            proposals.push(...settingProposals(child, stages[0], s.settingsPerTask, ctx));
            st.pending.push({ arch: child, stage: 0 });
          }
        }
      }),
  });
}

/** The funnel counts kept in a saved state, for progress and reports. */
export function jozefowiczFunnel(state: Json): Funnel {
  return parseStrategyState({ name: NAME, state: JozefowiczStateSchema }, state).funnel;
}

/** The hashes of the listed architectures in a saved state. */
export function jozefowiczList(state: Json): string[] {
  return parseStrategyState({ name: NAME, state: JozefowiczStateSchema }, state).list.map((a) => a.hash);
}
