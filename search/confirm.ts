// Confirmation of a search's winners: the top architectures and the references are trained again
// at full fidelity with their best setting on S fresh seeds, and only what survives that is
// called better than the GRU. One lucky run (one seed, one setting) is how a search fools itself.
//
// For seed s, an architecture's ratio is r_s = min over tasks of a_{s,t} / ḡ_t, where ḡ_t is the
// GRU's mean over its S confirmation runs on task t (the paper's score, with the GRU's expected
// accuracy in the denominator instead of one draw of it). The interval is Student's t over the
// S ratios. Against the GRU, each task gets Welch's two-sided t-test of the S accuracies; the
// architecture is better than the GRU only when its mean is higher on every task and the
// largest of those p values is below alpha (an intersection-union test: every task must show it).
import { mean, variance } from './stats/describe.ts';
import { studentTQuantile } from './stats/special.ts';
import { welchTTest } from './stats/welch.ts';
import type { HistoryItem } from './contract.ts';

/**
 * The trial of the confirmation run on fresh seed `s`: a new identity, hence a fresh seed. The
 * prefix keeps these runs out of the search's own results (best per task, leaderboard).
 */
const CONFIRM_PREFIX = 'confirm:';
export const confirmTrial = (s: number): string => `${CONFIRM_PREFIX}${s}`;

/** The seed index of a confirmation run's key (search/contract.ts's evaluationKey), else undefined. */
export function confirmSeedOfKey(key: string): number | undefined {
  let trial: unknown;
  try {
    trial = (JSON.parse(key) as unknown[])[2];
  } catch {
    return undefined;
  }
  if (typeof trial !== 'string' || !trial.startsWith(CONFIRM_PREFIX)) return undefined;
  const s = Number(trial.slice(CONFIRM_PREFIX.length));
  return Number.isSafeInteger(s) && s >= 0 ? s : undefined;
}

export const isConfirmationKey = (key: string): boolean => confirmSeedOfKey(key) !== undefined;

/** The finished confirmation runs of a history on `tasks`, as confirmStats reads them. */
export function confirmRunsOf(history: readonly HistoryItem[], tasks: readonly string[], metric: string): ConfirmRun[] {
  const runs: ConfirmRun[] = [];
  for (const e of history) {
    const seed = confirmSeedOfKey(e.key);
    if (seed === undefined || !tasks.includes(e.task) || e.status === 'queued' || e.status === 'running') continue;
    runs.push({ architecture: e.architecture, task: e.task, seed, value: e.status === 'done' ? (e.metrics?.[metric] ?? null) : null });
  }
  return runs;
}

export interface ConfirmRun {
  architecture: string;
  task: string;
  /** Which fresh seed (0..S-1): runs of the same index are not paired, only counted. */
  seed: number;
  /** The run's metric (higher is better); null when it diverged or failed, counted as 0. */
  value: number | null;
}

export interface TaskConfirmation {
  task: string;
  n: number;
  mean: number;
  gruMean: number;
  /** Welch's two-sided p of mean = GRU mean; null for the GRU itself or with fewer than 2 runs. */
  p: number | null;
}

export interface Confirmation {
  architecture: string;
  /** Seeds with a run on every task. */
  seeds: number;
  /** Mean over seeds of the ratio to the GRU, and its confidence interval (null below 2 seeds). */
  ratio: number;
  ci: [number, number] | null;
  tasks: TaskConfirmation[];
  /** The largest per-task p (null when any is null). */
  p: number | null;
  /** Higher than the GRU on every task, each at p < alpha. */
  better: boolean;
}

const valueOf = (v: number | null) => (v !== null && Number.isFinite(v) ? v : 0);

/**
 * The confirmation of every architecture in `runs` (in order of first appearance) against the
 * reference `gru`, on `tasks`. Throws if the GRU has no run on a task.
 */
export function confirmStats(runs: readonly ConfirmRun[], o: { gru: string; tasks: readonly string[]; level?: number; alpha?: number }): Confirmation[] {
  const level = o.level ?? 0.95;
  const alpha = o.alpha ?? 0.05;
  const values = new Map<string, Map<string, Map<number, number>>>();
  for (const r of runs) {
    const byTask = values.get(r.architecture) ?? new Map<string, Map<number, number>>();
    values.set(r.architecture, byTask);
    const bySeed = byTask.get(r.task) ?? new Map<number, number>();
    byTask.set(r.task, bySeed);
    bySeed.set(r.seed, valueOf(r.value));
  }
  const gru = values.get(o.gru);
  const gruValues = (task: string): number[] => {
    const v = gru?.get(task);
    if (!v || v.size === 0) throw new Error(`confirmStats: the GRU has no confirmation run on '${task}'`);
    return [...v.values()];
  };
  const gruMean = new Map(o.tasks.map((t) => [t, mean(gruValues(t))]));

  return [...values].map(([architecture, byTask]): Confirmation => {
    const seedSets = o.tasks.map((t) => new Set(byTask.get(t)?.keys() ?? []));
    const seeds = [...seedSets[0]].filter((s) => seedSets.every((set) => set.has(s))).sort((a, b) => a - b);
    const ratios = seeds.map((s) => Math.min(...o.tasks.map((t) => byTask.get(t)!.get(s)! / Math.max(1e-12, gruMean.get(t)!))));
    let ci: [number, number] | null = null;
    if (ratios.length >= 2) {
      const half = studentTQuantile((1 + level) / 2, ratios.length - 1) * Math.sqrt(variance(ratios) / ratios.length);
      ci = [mean(ratios) - half, mean(ratios) + half];
    }
    const tasks = o.tasks.map((task): TaskConfirmation => {
      const a = [...(byTask.get(task)?.values() ?? [])];
      const g = gruValues(task);
      const p = architecture !== o.gru && a.length >= 2 && g.length >= 2 ? welchTTest(a, g).p : null;
      return { task, n: a.length, mean: a.length ? mean(a) : Number.NaN, gruMean: gruMean.get(task)!, p };
    });
    const p = tasks.some((t) => t.p === null) ? null : Math.max(...tasks.map((t) => t.p as number));
    const better = p !== null && p < alpha && tasks.every((t) => t.mean > t.gruMean);
    return { architecture, seeds: seeds.length, ratio: ratios.length ? mean(ratios) : Number.NaN, ci, tasks, p, better };
  });
}
