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
//
// That is `full` fidelity. With `sha` (the preset's `search.fidelity`, `--fidelity sha`) the
// settings of a stage train in rungs of successive halving against the GRU trained with the same
// setting (cohorts.ts): a cohort is the settings of one candidate in one stage, and a stage is
// judged on the settings that reached the full budget, as ratios to their paired GRU:
// memorization passes when one reaches min(`memorizeThreshold`, `memorizeFraction` x its GRU's
// accuracy) and more than twice chance; a task when one reaches `gruFraction` x its GRU's. The
// seed rows of generation 0 train to the full budget in both. With a pool, a re-evaluation trains
// only points the architecture has not tried, and becomes a mutation when none is left.
//
// With `search.confirm` K > 0 (`--confirm`), the generation after the budget is spent confirms the
// top K listed architectures, the GRU and the LSTM on fresh seeds (confirmation.ts); then the
// study is finished.
import { z } from 'zod';
import { ArchitectureSchema, defineStrategy, parseStrategyState, type Architecture, type HistoryItem, type Json, type Proposal, type Strategy } from '../contract.ts';
import { memorizationPasses } from '../calibration.ts';
import { ConfirmationStateSchema, confirmationProposals } from './confirmation.ts';
import { DEFAULT_CONFIRM_SEEDS, pointId } from '../space.ts';
import { CohortStep, HalvingStateSchema, initialHalvingState, proposalSteps, studyRungs, type HalvingCounts } from './cohorts.ts';
import { drawPooled, drawUntried, triedPoints } from './pool.ts';
import {
  GRU_FLOOR,
  SearchConfigSchema,
  SearchStateSchema,
  allTaskProposals,
  bestByTask,
  drawSetting,
  freshMutant,
  gruHash,
  initialSearchState,
  scores,
  searchStep,
  settingProposals,
  type ProposalContext,
  type Rng,
  type SearchConfig,
  type Step,
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
  /** sha: settings stopped by successive halving before the full budget. */
  pruned: count.optional(),
  /** sha: evaluations of candidates and re-evaluations proposed at each rung (references excluded). */
  rungs: z.array(count).optional(),
  /** sha: evaluations of the GRU proposed as paired references. */
  references: count.optional(),
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
  /** sha: the cohorts in training, the references proposed, the checkpoints kept (absent in full fidelity). */
  halving: HalvingStateSchema.optional(),
  /** The confirmation phase, once proposed (confirmation.ts): the search is then over. */
  confirmation: ConfirmationStateSchema.optional(),
});
type State = z.infer<typeof JozefowiczStateSchema>;

const NAME = 'jozefowicz';

/** A mutant of `parent` not seen before, counted in the funnel (undefined: every draw was seen). */
function newCandidate(parent: Architecture, rng: Rng, seen: Set<string>, funnel: { proposed: number; duplicates: number }): Architecture | undefined {
  const child = freshMutant(parent, rng, seen);
  if (!child) {
    funnel.duplicates++;
    return undefined;
  }
  seen.add(child.hash);
  funnel.proposed++;
  return child;
}

export interface JozefowiczOptions {
  config: SearchConfig;
}

export function jozefowiczStrategy(opts: JozefowiczOptions): Strategy {
  const config = SearchConfigSchema.parse(opts.config);
  const s = config.fidelity.search;
  const stages = [...(config.memorize ? [MEMORIZE] : []), ...config.tasks];
  const reference = gruHash();
  const sha = s.fidelity === 'sha';
  const confirmTop = s.confirm ?? 0;

  return defineStrategy({
    name: NAME,
    state: JozefowiczStateSchema,
    init: (seed): State => ({
      ...initialSearchState(seed, NAME),
      list: [],
      pending: [],
      funnel: {
        proposed: 0,
        passedMemorize: 0,
        passedTask: Object.fromEntries(config.tasks.map((t) => [t, 0])),
        enteredList: 0,
        repeats: 0,
        duplicates: 0,
        cutByBudget: 0,
        ...(sha ? { pruned: 0, rungs: [], references: 0 } : {}),
      },
      ...(sha ? { halving: initialHalvingState(config) } : {}),
    }),

    propose: (st: State, history: readonly HistoryItem[]) => {
      if (st.confirmation) return { state: st, proposals: [], finished: true };
      const result = sha ? proposeSha(st, history) : proposeFull(st, history);
      if (!result.finished || confirmTop === 0) return result;
      // The search would finish here: one more generation confirms its best (beyond the budget).
      trimList(st, history);
      const c = confirmationProposals(config, st.list, history, confirmTop, s.confirmSeeds ?? DEFAULT_CONFIRM_SEEDS);
      if (c.proposals.length === 0) return result;
      st.confirmation = c.state;
      return { ...result, state: st, proposals: c.proposals, finished: false };
    },
  });

  /** Keeps the best `listSize` listed architectures by score (those without a full score rank last). */
  function trimList(st: State, history: readonly HistoryItem[]): void {
    if (st.list.length <= s.listSize) return;
    const sc = scores(history, config.tasks, config.metric);
    const ranked = st.list.map((a, i) => ({ a, i, score: sc.get(a.hash) ?? -Infinity })).sort((x, y) => y.score - x.score || x.i - y.i);
    const keep = new Set(ranked.slice(0, s.listSize).map((r) => r.a.hash));
    st.list = st.list.filter((a) => keep.has(a.hash));
  }

  /** Every evaluation to the full budget; a stage is judged on the best value against the GRU's best. */
  function proposeFull(st: State, history: readonly HistoryItem[]) {
    return searchStep(config, st, (row) => st.list.push(row), ({ rng, seen, ctx, proposals, left }) => {
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

      trimList(st, history);

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
          const child = newCandidate(pick, rng, seen, st.funnel);
          if (!child) continue;
          proposals.push(...settingProposals(child, stages[0], s.settingsPerTask, ctx));
          st.pending.push({ arch: child, stage: 0 });
        }
      }
    });
  }

  /**
   * Successive halving (cohorts.ts): settings train in rungs against paired GRU references; a
   * stage is judged on the full-budget settings only.
   */
  function proposeSha(st: State, history: readonly HistoryItem[]) {
    if (!st.halving) throw new Error(`strategy '${NAME}': a state without successive halving's part cannot continue with --fidelity sha`);
    const halving = st.halving;
    const counts: HalvingCounts = { pruned: st.funnel.pruned ?? 0, rungs: st.funnel.rungs ?? [], references: st.funnel.references ?? 0 };
    let cohorts: CohortStep | undefined;
    // The budget in full-budget equivalents: a proposal costs the steps it trains (states saved
    // before `spentSteps` counted one per proposal: they keep doing so).
    const rungs = studyRungs(config);
    const full = rungs[rungs.length - 1];
    const meter = halving.spentSteps === undefined ? undefined : { spent: halving.spentSteps / full, cost: (p: Proposal) => proposalSteps(rungs, p) / full };
    const result = searchStep(
      config,
      st,
      (row) => st.list.push(row),
      (step) => {
        // Memorization is ranked but not held to the prune ratio: at the first rungs most mutants sit
        // at chance while the GRU has left it, and the ratio pruned candidates that break out later.
        const floor = (task: string) => (task === MEMORIZE ? 0 : (s.pruneRatio ?? 0));
        const c = (cohorts = new CohortStep(config, halving, counts, step.proposals, history, floor));
        shaGeneration(st, history, step, c);
      },
      meter,
    );
    if (halving.spentSteps !== undefined) halving.spentSteps += result.proposals.reduce((sum, p) => sum + proposalSteps(rungs, p), 0);
    const release = cohorts?.finish(result.finished) ?? [];
    st.funnel.pruned = counts.pruned;
    st.funnel.rungs = counts.rungs;
    st.funnel.references = counts.references;
    return { ...result, release };
  }

  /** Settings of `arch` on `task`: `k` draws of the task's pool (pool.ts), or of the preset's grid without one. */
  function draws(st: State, arch: Architecture, task: string, k: number, ctx: ProposalContext) {
    const pools = st.halving?.pools;
    if (pools && s.pool !== undefined) return drawPooled(arch, task, k, ctx, pools, s.pool);
    return Array.from({ length: k }, () => drawSetting(arch, task, ctx));
  }

  function shaGeneration(st: State, history: readonly HistoryItem[], { rng, seen, ctx, left, proposals }: Step, c: CohortStep): void {
    const k = s.settingsPerTask;
    // Relative to the paired GRU, above twice chance (search/calibration.ts: the rule calibrate measures).
    const memorizeRule = { threshold: s.memorizeThreshold, gruFraction: s.memorizeFraction, floor: 2 / config.fidelity.tasks.memorize.symbols };
    // What must be left to start a stage: with the budget in full-budget equivalents, its best
    // setting's path to the full budget and its reference's; counted per proposal (states saved
    // before), each setting and its reference.
    const metered = st.halving?.spentSteps !== undefined;
    const stageCost = metered ? 2 : 2 * k;
    const repeatCost = metered ? 2 * config.tasks.length : 2 * s.repeatSettings * config.tasks.length;

    const { judged, cut } = c.advance(left);
    st.funnel.cutByBudget += cut.length;
    for (const j of judged) {
      const stage = j.cohort.stage as number;
      const task = stages[stage];
      const pass =
        task === MEMORIZE
          ? j.finals.some((f) => memorizationPasses(f.value, f.reference, memorizeRule))
          : j.finals.some((f) => f.value / Math.max(GRU_FLOOR, f.reference ?? 0) >= s.gruFraction);
      if (!pass) continue;
      if (task === MEMORIZE) st.funnel.passedMemorize++;
      else st.funnel.passedTask[task]++;
      if (stage + 1 < stages.length) {
        if (left() < stageCost || !c.start(stage + 1, stages[stage + 1], j.arch, draws(st, j.arch, stages[stage + 1], k, ctx), left())) st.funnel.cutByBudget++;
      } else {
        st.list.push(j.arch);
        st.funnel.enteredList++;
      }
    }

    trimList(st, history);

    for (let g = 0; g < config.generationSize; g++) {
      if (st.list.length === 0) break;
      const pick = st.list[Math.min(st.list.length - 1, Math.floor(rng() * st.list.length))];
      if (rng() < s.reevaluateProbability) {
        const plan = repeatPlan(st, pick, history, proposals);
        if (plan.length > 0) {
          if (left() < (metered ? 2 * plan.length : repeatCost)) continue;
          const pools = st.halving?.pools;
          for (const { task, tried } of plan) {
            const settings = pools && s.pool !== undefined ? drawUntried(pick, task, s.repeatSettings, ctx, pools, s.pool, tried) : draws(st, pick, task, s.repeatSettings, ctx);
            c.start(null, task, pick, settings, left());
          }
          st.funnel.repeats++;
          continue;
        }
        // Nothing left to try on it: the action mutates it instead.
      }
      if (left() < stageCost) continue;
      const child = newCandidate(pick, rng, seen, st.funnel);
      if (!child) continue;
      c.start(0, stages[0], child, draws(st, child, stages[0], k, ctx), left());
    }
  }

  /**
   * The tasks a re-evaluation of `arch` trains on, with the pool points it has tried there: with a
   * pool, only tasks with an untried point (none for the GRU: its references are its
   * re-evaluations); without one, every task.
   */
  function repeatPlan(st: State, arch: Architecture, history: readonly HistoryItem[], proposals: readonly Proposal[]): { task: string; tried: Set<string> }[] {
    const pools = st.halving?.pools;
    if (!pools || s.pool === undefined) return config.tasks.map((task) => ({ task, tried: new Set<string>() }));
    if (arch.hash === reference) return [];
    return config.tasks
      .map((task) => ({ task, tried: triedPoints(arch, task, history, proposals) }))
      .filter(({ task, tried }) => {
        // A task whose pool is not drawn yet has every point untried.
        const pool = pools[task];
        return pool === undefined || pool.some((p) => !tried.has(pointId(p)));
      });
  }
}

/** The funnel counts kept in a saved state, for progress and reports. */
export function jozefowiczFunnel(state: Json): Funnel {
  return parseStrategyState({ name: NAME, state: JozefowiczStateSchema }, state).funnel;
}

/** The hashes of the listed architectures in a saved state. */
export function jozefowiczList(state: Json): string[] {
  return parseStrategyState({ name: NAME, state: JozefowiczStateSchema }, state).list.map((a) => a.hash);
}
