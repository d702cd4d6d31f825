// The confirmation phase of a search (search/confirm.ts says why): when the search's budget is
// spent, the top architectures of the leaderboard, the GRU and the LSTM are trained again at full
// fidelity (the preset's maxSteps: no rungs, no checkpoint), each with its best setting on each
// scored task, on S fresh seeds. These runs are proposed beyond the budget and their trials
// (`confirm:<s>`) keep them out of the search's best per task and leaderboard.
import { z } from 'zod';
import { confirmTrial, isConfirmationKey } from '../confirm.ts';
import type { Architecture, HistoryItem, Proposal } from '../contract.ts';
import { SEED_KEYS, leaderboard, taskOptions, zooRow, type SearchConfig } from './common.ts';

const count = z.number().int().nonnegative();

/** What the state keeps once the confirmation is proposed (absent before, and in older states). */
export const ConfirmationStateSchema = z.strictObject({
  /** Hashes confirmed, in proposal order: the top architectures, then the GRU and the LSTM. */
  architectures: z.array(z.string()),
  seeds: z.number().int().positive(),
  /** Evaluations proposed for it (not counted against the budget). */
  evaluations: count,
});
export type ConfirmationState = z.infer<typeof ConfirmationStateSchema>;

/**
 * Per scored task, the finished search evaluation of `hash` with the best `metric` (diverged and
 * failed count 0; ties: the first), as the leaderboard picks it. Undefined when a task has none.
 */
export function bestSettings(history: readonly HistoryItem[], hash: string, tasks: readonly string[], metric: string): Map<string, HistoryItem> | undefined {
  const best = new Map<string, { item: HistoryItem; value: number }>();
  for (const e of history) {
    if (e.architecture !== hash || e.status === 'queued' || e.status === 'running' || isConfirmationKey(e.key)) continue;
    const v = e.status === 'done' ? (e.metrics?.[metric] ?? 0) : 0;
    const value = Number.isFinite(v) ? (v as number) : 0;
    const was = best.get(e.task);
    if (!was || value > was.value) best.set(e.task, { item: e, value });
  }
  if (tasks.some((t) => !best.has(t))) return undefined;
  return new Map(tasks.map((t) => [t, best.get(t)!.item]));
}

/**
 * The confirmation of a finished search: the `k` best-scoring architectures of `list` (the
 * references aside), then the GRU and the LSTM, each on every scored task with its best setting
 * at the preset's full budget, on `seeds` fresh seeds. An architecture without a finished
 * evaluation on every task is left out.
 */
export function confirmationProposals(config: SearchConfig, list: readonly Architecture[], history: readonly HistoryItem[], k: number, seeds: number): { proposals: Proposal[]; state: ConfirmationState } {
  const refs = SEED_KEYS.map((key) => zooRow(key));
  const refHashes = new Set(refs.map((r) => r.hash));
  const listed = new Map(list.map((a) => [a.hash, a]));
  const top = leaderboard(history, config.tasks, config.metric)
    .filter((r) => !refHashes.has(r.architecture) && listed.has(r.architecture))
    .slice(0, k)
    .map((r) => listed.get(r.architecture)!);
  const proposals: Proposal[] = [];
  const architectures: string[] = [];
  for (const arch of [...top, ...refs]) {
    const best = bestSettings(history, arch.hash, config.tasks, config.metric);
    if (!best) continue;
    architectures.push(arch.hash);
    for (const task of config.tasks) {
      const h = best.get(task)!.hyperparameters;
      if (!h) throw new Error(`confirmation: the history's evaluations carry no hyperparameters (evaluation ${best.get(task)!.key})`);
      for (let s = 0; s < seeds; s++) {
        proposals.push({ architecture: arch, task, taskOptions: taskOptions(config, task), hyperparameters: { ...h, maxSteps: config.fidelity.train.maxSteps }, trial: confirmTrial(s) });
      }
    }
  }
  return { proposals, state: { architectures, seeds, evaluations: proposals.length } };
}
