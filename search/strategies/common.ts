// What the three search strategies share: their configuration, the part of the state they all
// keep and the step that restores and saves it, the proposals of hyperparameter settings, the
// best accuracy per task and the leaderboard. What they exchange with the driver is
// search/contract.ts.
import { z } from 'zod';
import seedrandom from 'seedrandom';
import type { Cell } from '../../cells/graph.ts';
import { canonicalJson, cellHash } from '../../cells/canonical.ts';
import { parseCell } from '../../cells/validate.ts';
import { printNotation } from '../../cells/notation.ts';
import { ZOO } from '../../cells/zoo/index.ts';
import { MutationRecordSchema, mutate, type MutationRecord } from '../mutate.ts';
import { ratiosToGru } from '../score.ts';
import { isConfirmationKey } from '../confirm.ts';
import { FidelitySchema, jozefowiczHyperparams, sampleJozefowicz, taskBudget, type Fidelity, type JozefowiczPoint } from '../space.ts';
import { ArchitectureSchema, JsonObjectSchema, toJsonObject, type Architecture, type HistoryItem, type JsonObject, type Proposal, type ProposeResult } from '../contract.ts';

// ---------------------------------------------------------------------------------------------
// Configuration.
// ---------------------------------------------------------------------------------------------

const posInt = z.number().int().positive();

export const SearchConfigSchema = z.strictObject({
  /** Scored tasks, in the order of the Jozefowicz filter. */
  tasks: z.array(z.string().min(1)).min(1),
  /** Vocabulary size of each task used (the scored tasks, and memorize for the filter). */
  vocab: z.record(z.string(), posInt),
  fidelity: FidelitySchema,
  /** Most evaluations proposed in the whole study. */
  evaluations: posInt,
  /** New candidates per generation (parallelism: at least the number of workers helps). */
  generationSize: posInt,
  /** Jozefowicz: filter new candidates on the memorization task first. */
  memorize: z.boolean(),
  /** The metric compared with the GRU's (higher is better). */
  metric: z.string().min(1),
  /** Task options beyond the preset's, by task: the text task's data and settings (absent otherwise). */
  taskOptions: z.record(z.string(), JsonObjectSchema).optional(),
  /**
   * Cells the user starts the search from (`--seed-cells`), proposed in generation 0 after the GRU
   * and the LSTM, in this order. Stored whole, so a resume builds the same generation 0 and a
   * different list is a different config (absent: only the GRU and the LSTM).
   */
  seedCells: z.array(ArchitectureSchema).min(1).optional(),
});
export type SearchConfig = z.infer<typeof SearchConfigSchema>;

/** The zoo cells every strategy starts from; the GRU is also the reference of the score. */
export const GRU_KEY = 'gru';
export const SEED_KEYS = ['gru', 'lstm'] as const;

export function gruHash(): string {
  return cellHash(ZOO[GRU_KEY]);
}

/** Task options from the preset and the config (tasks without either take their defaults). */
export function taskOptions(config: Pick<SearchConfig, 'fidelity' | 'taskOptions'>, task: string): JsonObject {
  return { ...(config.fidelity.tasks as Record<string, JsonObject | undefined>)[task], ...config.taskOptions?.[task] };
}

// ---------------------------------------------------------------------------------------------
// Random state in JSON.
// ---------------------------------------------------------------------------------------------

export type Rng = seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

/** seedrandom's ARC4 state, as JSON. */
export const RngStateSchema = z.strictObject({ i: z.number().int(), j: z.number().int(), S: z.array(z.number().int()) });
export type RngState = z.infer<typeof RngStateSchema>;

export function newRng(seed: number, purpose: string): Rng {
  return seedrandom(`${purpose}:${seed}`, { state: true });
}

export function restoreRng(state: RngState): Rng {
  return seedrandom('', { state });
}

export function rngState(rng: Rng): RngState {
  const { i, j, S } = rng.state();
  return { i, j, S };
}

// ---------------------------------------------------------------------------------------------
// Architectures and settings.
// ---------------------------------------------------------------------------------------------

/** The cell as stored in state (canonical JSON) back into a checked cell. */
export function cellOf(json: JsonObject): Cell {
  return parseCell(json);
}

/**
 * A zoo cell as stored: its canonical JSON, as `cellsearch train --cell` stores it (runs/strategy.ts'
 * architectureOf). The engine lays a model out in the order of the stored nodes, so the zoo's own
 * order trained different weights for the same hash, and a study's results depended on which
 * study of a shared database stored the architecture first.
 */
export function zooRow(key: string): Architecture {
  const cell = ZOO[key];
  return { hash: cellHash(cell), cell: JsonObjectSchema.parse(JSON.parse(canonicalJson(cell))), notation: printNotation(cell), origin: { kind: 'zoo', name: key } };
}

export function mutantRow(cell: Cell, hash: string, parent: string, ops: MutationRecord[]): Architecture {
  return { hash, cell: toJsonObject(cell), notation: printNotation(cell), origin: { kind: 'mutant', parent, mutations: ops } };
}

/** The records stored in a mutant's origin, parsed back. */
export function mutationsOf(row: Architecture): MutationRecord[] {
  return row.origin.kind === 'mutant' ? row.origin.mutations.map((m) => MutationRecordSchema.parse(m)) : [];
}

/**
 * A mutant of `parent` not seen before: up to `tries` mutants are drawn; undefined if all were
 * seen (the database already has them: they are not trained again).
 */
export function freshMutant(parent: Architecture, rng: Rng, seen: ReadonlySet<string>, tries = 10): Architecture | undefined {
  const cell = cellOf(parent.cell);
  for (let t = 0; t < tries; t++) {
    const m = mutate(cell, rng);
    if (!seen.has(m.hash)) return mutantRow(m.cell, m.hash, parent.hash, m.ops);
  }
  return undefined;
}

/** Trial counters per (architecture, task), so every evaluation's identity is new. */
export const TrialsSchema = z.record(z.string(), z.number().int().nonnegative());
export type Trials = z.infer<typeof TrialsSchema>;

/** What drawing settings needs: the config, the generator, the trial counters (updated). */
export interface ProposalContext {
  config: SearchConfig;
  rng: Rng;
  trials: Trials;
}

/** A drawn setting of (architecture, task): its grid point and its trial number. */
export interface DrawnSetting {
  point: JozefowiczPoint;
  trial: number;
}

/** The next trial of (architecture, task) and a point of the preset's grid for it. */
export function drawSetting(arch: Architecture, task: string, ctx: ProposalContext): DrawnSetting {
  const trial = nextTrial(arch, task, ctx.trials);
  return { trial, point: sampleJozefowicz(ctx.rng, ctx.config.fidelity.grid) };
}

/** The next trial number of (architecture, task), counted in `trials`. */
export function nextTrial(arch: Architecture, task: string, trials: Trials): number {
  const key = `${arch.hash}|${task}`;
  const trial = trials[key] ?? 0;
  trials[key] = trial + 1;
  return trial;
}

/**
 * The evaluation of `arch` on `task` at a grid point: H from the preset's budget, plus the
 * preset's training protocol (the training job's hyperparameters), trained to `maxSteps` (by
 * default the preset's budget; successive halving's rungs train to less).
 */
export function settingProposal(arch: Architecture, task: string, point: JozefowiczPoint, trial: string | number, config: SearchConfig, maxSteps = config.fidelity.train.maxSteps): Proposal {
  const fid = config.fidelity;
  const vocab = config.vocab[task];
  if (vocab === undefined) throw new Error(`no vocabulary size for task '${task}' in the search config`);
  const options = taskOptions(config, task);
  const budget = taskBudget(fid, task, options);
  const h = jozefowiczHyperparams(point, { cell: cellOf(arch.cell), vocab, budget, fidelity: fid });
  const { batch: _b, unroll: _u, ...train } = fid.train;
  return { architecture: arch, task, taskOptions: options, hyperparameters: { ...h, ...train, maxSteps }, trial };
}

/** `count` new settings of the preset's Jozefowicz grid for `arch` on `task`, at the full budget. */
export function settingProposals(arch: Architecture, task: string, count: number, ctx: ProposalContext): Proposal[] {
  return Array.from({ length: count }, () => {
    const { point, trial } = drawSetting(arch, task, ctx);
    return settingProposal(arch, task, point, trial, ctx.config);
  });
}

/** Settings on every scored task for an architecture. */
export function allTaskProposals(arch: Architecture, perTask: number, ctx: ProposalContext): Proposal[] {
  return ctx.config.tasks.flatMap((t) => settingProposals(arch, t, perTask, ctx));
}

// ---------------------------------------------------------------------------------------------
// The state every search strategy keeps, and the step that restores and saves it.
// ---------------------------------------------------------------------------------------------

/**
 * The fields every strategy's state has. A strategy's own schema spreads them (with `.pick`) in
 * the order its stored JSON has always had: a parsed state keeps the schema's key order, and the
 * same seed must store the same state, byte for byte.
 */
export const SearchStateSchema = z.strictObject({
  rng: RngStateSchema,
  /** False until generation 0 (the seed cells) is proposed. */
  started: z.boolean(),
  /** Hashes of every architecture proposed, so none is proposed twice. */
  seen: z.array(z.string()),
  trials: TrialsSchema,
  /** Evaluations proposed so far. */
  proposed: z.number().int().nonnegative(),
});
export type SearchState = z.infer<typeof SearchStateSchema>;

/** The state of a strategy before generation 0. */
export function initialSearchState(seed: number, purpose: string): SearchState {
  return { rng: rngState(newRng(seed, purpose)), started: false, seen: [], trials: {}, proposed: 0 };
}

/** What a strategy's step works with; `proposals` is the generation being built. */
export interface Step {
  rng: Rng;
  seen: Set<string>;
  ctx: ProposalContext;
  proposals: Proposal[];
  /** What the budget still allows after `proposals`, in the meter's unit. */
  left(): number;
}

/**
 * How a strategy counts its budget (`config.evaluations`): by default one per proposal. `spent`
 * is what the proposals before this step cost; `cost` prices one proposal.
 */
export interface Meter {
  spent: number;
  cost(p: Proposal): number;
}

/** The architectures of generation 0: the GRU, the LSTM, then the config's seed cells. */
export function seedRows(config: Pick<SearchConfig, 'seedCells'>): Architecture[] {
  return [...SEED_KEYS.map((key) => zooRow(key)), ...(config.seedCells ?? [])];
}

/**
 * One `propose` of a search strategy on its parsed state `st` (changed in place): generation 0
 * proposes the seed cells (`seedRows`) on `settingsPerTask` settings of every task (`onSeed` sees each first),
 * as far as the budget goes; a later generation is `next`'s. The strategy is finished when a
 * generation is empty.
 */
export function searchStep<S extends SearchState>(
  config: SearchConfig,
  st: S,
  onSeed: (row: Architecture) => void,
  next: (step: Step) => void,
  meter: Meter = { spent: st.proposed, cost: () => 1 },
): ProposeResult<S> {
  const rng = restoreRng(st.rng);
  const step: Step = {
    rng,
    seen: new Set(st.seen),
    ctx: { config, rng, trials: st.trials },
    proposals: [],
    left: () => config.evaluations - meter.spent - step.proposals.reduce((sum, p) => sum + meter.cost(p), 0),
  };
  if (!st.started) {
    st.started = true;
    for (const row of seedRows(config)) {
      // A seed cell equal to one before it (the GRU of a NAS-Bench-NLP file) is proposed once.
      if (step.seen.has(row.hash)) continue;
      onSeed(row);
      step.seen.add(row.hash);
      step.proposals.push(...allTaskProposals(row, config.fidelity.search.settingsPerTask, step.ctx).slice(0, Math.max(0, step.left())));
    }
  } else {
    next(step);
  }
  st.proposed += step.proposals.length;
  st.seen = [...step.seen];
  st.rng = rngState(rng);
  return { state: st, proposals: step.proposals, finished: step.proposals.length === 0 };
}

// ---------------------------------------------------------------------------------------------
// Results.
// ---------------------------------------------------------------------------------------------

/** Best value of `metric` per architecture and task over finished evaluations; diverged and failed count as 0. */
export function bestByTask(history: readonly HistoryItem[], metric: string): Map<string, Map<string, number>> {
  const best = new Map<string, Map<string, number>>();
  for (const e of history) {
    // Confirmation runs (after the search) are judged apart, not as one more setting.
    if (e.status === 'queued' || e.status === 'running' || isConfirmationKey(e.key)) continue;
    const v = e.status === 'done' ? (e.metrics?.[metric] ?? 0) : 0;
    const value = Number.isFinite(v) ? (v as number) : 0;
    let m = best.get(e.architecture);
    if (!m) best.set(e.architecture, (m = new Map()));
    m.set(e.task, Math.max(m.get(e.task) ?? 0, value));
  }
  return best;
}

/** A GRU accuracy of 0 (it learned nothing yet) would divide by zero: the floor keeps ratios finite. */
export const GRU_FLOOR = 1e-6;

export interface LeaderboardRow {
  architecture: string;
  best: Record<string, number>;
  ratios: Record<string, number>;
  score: number;
}

/**
 * Architectures evaluated on every task, by score (min over tasks of best / GRU's best), best
 * first; ties keep the order of first appearance in the history. Empty until the GRU has a
 * result on every task.
 */
export function leaderboard(history: readonly HistoryItem[], tasks: readonly string[], metric: string, reference = gruHash()): LeaderboardRow[] {
  const best = bestByTask(history, metric);
  const gru = best.get(reference);
  if (!gru || tasks.some((t) => !gru.has(t))) return [];
  const gruBest = Object.fromEntries(tasks.map((t) => [t, Math.max(GRU_FLOOR, gru.get(t)!)]));
  const rows: LeaderboardRow[] = [];
  for (const [arch, m] of best) {
    if (tasks.some((t) => !m.has(t))) continue;
    const b = Object.fromEntries(tasks.map((t) => [t, m.get(t)!]));
    const ratios = ratiosToGru(b, gruBest, tasks);
    rows.push({ architecture: arch, best: b, ratios, score: Math.min(...tasks.map((t) => ratios[t])) });
  }
  return rows.sort((a, b) => b.score - a.score);
}

/** Scores of the architectures in the leaderboard, by hash. */
export function scores(history: readonly HistoryItem[], tasks: readonly string[], metric: string): Map<string, number> {
  return new Map(leaderboard(history, tasks, metric).map((r) => [r.architecture, r.score]));
}
