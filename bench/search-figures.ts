// The figures of `npm run bench:search` for one search, from its database (the report's reading
// of a study, runs/report/search.ts) and the CPU the session used: how many candidates each stage
// let through per CPU hour, the best candidate score against CPU time, and the reference cells'
// order. Pure: the driver (bench/search.ts) runs the searches and prints.
import { analyzeSearch } from '../runs/report/search.ts';
import type { StudyData } from '../runs/report/queries.ts';
import { REFERENCE_KEYS, type ReferenceKey } from '../runs/report/architectures.ts';
import { SearchStudyConfigSchema } from '../runs/search.ts';
import { jozefowiczFunnel } from '../search/strategies/index.ts';
import { FINISHED_STATUSES } from '../runs/storage.ts';

/** The CPU used when the strategy proposed generation `generation`: every earlier generation had finished then. */
export interface CpuMark {
  cpuMs: number;
  generation: number;
}

export interface SearchFigures {
  fidelity: string;
  cpuMs: number;
  /** Evaluations finished (done, diverged, failed). */
  evaluations: number;
  /** The strategy's funnel: candidates proposed (screened) and passed memorization. */
  proposed: number;
  passedMemorize: number;
  /** Candidates with a result on every scored task, at any rung. */
  evaluatedOnAll: number;
  /** Candidates with a full-budget result (the preset's steps) on every scored task: a score comparable with the GRU's. */
  scoredOnAll: number;
  /** The best candidate (reference cells excluded) score after each mark and at the end; null while none has one. */
  best: { cpuMs: number; score: number | null }[];
  /** The reference cells with a score, best first; absent ones are not listed. */
  references: { key: ReferenceKey; score: number }[];
}

/** Finished evaluations with `maxSteps` = the preset's: what a stage is judged on. */
function fullBudgetTasks(data: StudyData, maxSteps: number): Map<string, Set<string>> {
  const tasks = new Map<string, Set<string>>();
  for (const e of data.evaluations) {
    if (!FINISHED_STATUSES.includes(e.status) || e.hyperparameters.maxSteps !== maxSteps) continue;
    let s = tasks.get(e.architecture);
    if (!s) tasks.set(e.architecture, (s = new Set()));
    s.add(e.task);
  }
  return tasks;
}

function bestCandidate(data: StudyData): number | null {
  const scored = analyzeSearch(data).archs.filter((a) => a.reference === undefined && a.score !== null);
  return scored.length === 0 ? null : Math.max(...scored.map((a) => a.score!));
}

export function searchFigures(data: StudyData, marks: readonly CpuMark[], cpuMs: number): SearchFigures {
  const config = SearchStudyConfigSchema.parse(data.experiment.config);
  const analysis = analyzeSearch(data);
  const funnel = data.strategy ? jozefowiczFunnel(data.strategy.state) : undefined;
  const candidates = analysis.archs.filter((a) => a.reference === undefined);
  const full = fullBudgetTasks(data, config.fidelity.train.maxSteps);
  const upTo = (generation: number): StudyData => ({ ...data, evaluations: data.evaluations.filter((e) => e.generation < generation) });
  return {
    fidelity: config.fidelity.search.fidelity,
    cpuMs,
    evaluations: data.evaluations.filter((e) => FINISHED_STATUSES.includes(e.status)).length,
    proposed: funnel?.proposed ?? 0,
    passedMemorize: funnel?.passedMemorize ?? 0,
    evaluatedOnAll: candidates.filter((a) => analysis.tasks.every((t) => a.best[t] !== undefined)).length,
    scoredOnAll: candidates.filter((a) => analysis.tasks.every((t) => full.get(a.hash)?.has(t))).length,
    best: [...marks.map((m) => ({ cpuMs: m.cpuMs, score: bestCandidate(upTo(m.generation)) })), { cpuMs, score: bestCandidate(data) }],
    references: analysis.archs.flatMap((a) => (a.reference !== undefined && a.score !== null ? [{ key: a.reference, score: a.score }] : [])),
  };
}

/** The best score at the last point at or before each of `n` even CPU marks up to `totalMs` (the last mark: the end). */
export function bestAtMarks(best: SearchFigures['best'], totalMs: number, n: number): { cpuMs: number; score: number | null }[] {
  return Array.from({ length: n }, (_, i) => {
    const at = i === n - 1 ? Infinity : (totalMs * (i + 1)) / n;
    const seen = best.filter((p) => p.cpuMs <= at);
    return { cpuMs: Math.min(at, totalMs), score: seen.length === 0 ? null : seen[seen.length - 1].score };
  });
}

export interface OrderAgreement {
  /** Reference keys ranked by each search, best first. */
  orders: [ReferenceKey[], ReferenceKey[]];
  /** Reference cells neither search scored. */
  absent: ReferenceKey[];
  /** Cells one search scored and the other did not. */
  onlyOne: ReferenceKey[];
  /** Cells both scored, in the first search's order. */
  compared: ReferenceKey[];
  /** The order of the cells both scored is the same. */
  agree: boolean;
}

export function referenceOrder(a: SearchFigures, b: SearchFigures): OrderAgreement {
  const orders: [ReferenceKey[], ReferenceKey[]] = [a.references.map((r) => r.key), b.references.map((r) => r.key)];
  const both = orders[0].filter((k) => orders[1].includes(k));
  const common = orders.map((o) => o.filter((k) => both.includes(k)));
  return {
    orders,
    absent: REFERENCE_KEYS.filter((k) => !orders[0].includes(k) && !orders[1].includes(k)),
    onlyOne: REFERENCE_KEYS.filter((k) => orders[0].includes(k) !== orders[1].includes(k)),
    compared: common[0],
    agree: common[0].join() === common[1].join(),
  };
}
