// The report of an architecture search (Jozefowicz et al. 2015): pure functions from the rows of a
// study to the numbers (`analyzeSearch`) and from the numbers to sections (`searchSections`).
//
// Conventions, stated in the report itself:
// - an architecture's accuracy on a task is its best value of the config's `metric` (default
//   validAccuracy: the paper selects on validation) over the settings tried, diverged and failed
//   settings counting 0, as search/strategies counts them; the test accuracy shown is that
//   evaluation's;
// - score = min over the scored tasks of accuracy / the GRU's accuracy (search/score.ts; the
//   GRU's floored at 1e-6 as the strategies do);
// - scored tasks: the config's `tasks` when it lists them, else every task evaluated except
//   `memorize` (the paper's filter);
// - the funnel comes from the strategy's saved state when it keeps `funnel: { proposed,
//   passedMemorize, passedTask, enteredList }` and `list` (the jozefowicz strategy), else it is
//   derived from the rows.
import { z } from 'zod';
import { ratiosToGru, score } from '../../search/score.ts';
import { confirmRunsOf, confirmStats, isConfirmationKey, type Confirmation } from '../../search/confirm.ts';
import { FINISHED_STATUSES, type Architecture, type CurvePoint, type Evaluation } from '../storage.ts';
import { archName, cellBlocks, cellParams, hashOfZoo, lineageBlocks, REFERENCE_KEYS, referenceByHash, type ReferenceKey } from './architectures.ts';
import { fmt, fmtInt, shortHash, type Block, type Section, type Table } from './model.ts';
import type { StudyData } from './queries.ts';
import { hyperparameterBlocks, summaryFacts } from './train.ts';

export interface SearchReportOptions {
  /** Architectures described in detail (default 5). */
  top?: number;
  /** Rows of the leaderboard besides the reference rows (default 20). */
  leaderboard?: number;
  /** Memorization accuracy an architecture needs to pass the filter (default: the config's, its fidelity's, else 0.95). */
  memorizeThreshold?: number;
  /** `analyzeSearch` of these same rows and options, already made (the dashboard's): used as it is. */
  analysis?: SearchAnalysis;
}

export interface TaskBest {
  accuracy: number;
  evaluation: Evaluation;
}

export interface ArchStats {
  hash: string;
  name: string;
  reference: ReferenceKey | undefined;
  /** Best value of the metric per task (every task evaluated, filter tasks included). */
  best: Record<string, TaskBest>;
  /** Finished evaluations (done, diverged, failed) per task: the settings tried. */
  settings: Record<string, number>;
  /** Cell parameters (all layers) at the best evaluation on the first scored task. */
  params: number | null;
  /** null until the architecture and the GRU have accuracies on every scored task. */
  score: number | null;
  ratios: Record<string, number> | null;
}

export interface Funnel {
  /** Stage label -> candidates, in the order of the funnel. */
  stages: [string, number | null][];
  source: 'strategy' | 'derived';
}

export interface SearchAnalysis {
  tasks: string[];
  /** The metric compared with the GRU's (a key of the evaluations' metrics). */
  metric: string;
  /** Scored architectures by score (best first), then the rest by name. */
  archs: ArchStats[];
  /** Rows of the leaderboard: the top rows and every reference row, in rank order. */
  leaderboard: { rank: number | null; stats: ArchStats }[];
  funnel: Funnel;
  /** The best score after each finished evaluation, in the order the strategy proposed them. */
  progress: { evaluations: number; best: number }[];
  top: ArchStats[];
  /**
   * The confirmation runs after the search (search/confirm.ts), by architecture in proposal
   * order; undefined without any, or while the GRU lacks a finished one on some scored task.
   */
  confirmation?: Confirmation[];
}

/**
 * The value an evaluation scores, as the search strategies count it (search/strategies): the
 * metric of a `done` evaluation, 0 for diverged and failed ones (and a missing value); undefined
 * while it is queued or running.
 */
function valueOf(e: Evaluation, metric: string): number | undefined {
  if (e.status === 'queued' || e.status === 'running') return undefined;
  const v = e.status === 'done' ? (e.metrics?.[metric] ?? 0) : 0;
  return Number.isFinite(v) ? v : 0;
}

/** A GRU accuracy of 0 would divide by zero; the strategies floor it the same way. */
const GRU_FLOOR = 1e-6;

/** What the jozefowicz strategy keeps in its state (search/strategies/jozefowicz.ts). */
const FunnelStateSchema = z.object({
  funnel: z.object({
    proposed: z.number(),
    passedMemorize: z.number().optional(),
    passedTask: z.record(z.string(), z.number()).optional(),
    enteredList: z.number().optional(),
    /** Successive halving (sha fidelity): settings stopped before the full budget. */
    pruned: z.number().optional(),
  }),
  list: z.array(z.unknown()).optional(),
});

/** The tasks a score is taken over (see the file comment). */
export function scoredTasks(config: Record<string, unknown>, evaluations: readonly Evaluation[]): string[] {
  const listed = z.array(z.string()).min(1).safeParse(config.tasks);
  if (listed.success) return listed.data;
  const all = [...new Set(evaluations.map((e) => e.task))];
  const scored = all.filter((t) => t !== 'memorize');
  return scored.length > 0 ? scored : all;
}

/** The metric the study compares with the GRU's: the config's `metric`, else validation accuracy. */
export function scoredMetric(config: Record<string, unknown>): string {
  return typeof config.metric === 'string' && config.metric !== '' ? config.metric : 'validAccuracy';
}

type Bests = Record<string, TaskBest>;

function improve(best: Bests, e: Evaluation, metric: string): boolean {
  const v = valueOf(e, metric);
  if (v === undefined) return false;
  if (best[e.task] !== undefined && v <= best[e.task].accuracy) return false;
  best[e.task] = { accuracy: v, evaluation: e };
  return true;
}

function scoreAgainst(best: Bests, gru: Bests, tasks: readonly string[]): { score: number | null; ratios: Record<string, number> | null } {
  if (!tasks.every((t) => best[t] !== undefined && gru[t] !== undefined)) return { score: null, ratios: null };
  const mine = Object.fromEntries(tasks.map((t) => [t, best[t].accuracy]));
  const ref = Object.fromEntries(tasks.map((t) => [t, Math.max(GRU_FLOOR, gru[t].accuracy)]));
  const ratios = ratiosToGru(mine, ref, tasks);
  return { score: Math.min(...tasks.map((t) => ratios[t])), ratios };
}

export function analyzeSearch(data: StudyData, opts: SearchReportOptions = {}): SearchAnalysis {
  const config = data.experiment.config;
  // Confirmation runs are judged apart (below), not as more settings of the search.
  const evaluations = data.evaluations.filter((e) => !isConfirmationKey(e.key));
  const tasks = scoredTasks(config, evaluations);
  const metric = scoredMetric(config);
  const refs = referenceByHash();
  const gruHash = hashOfZoo('gru');
  // Architectures in order of first appearance: ties in score keep it, as the strategies' leaderboard does.
  const byArch = new Map<string, Evaluation[]>();
  for (const e of evaluations) {
    let list = byArch.get(e.architecture);
    if (!list) byArch.set(e.architecture, (list = []));
    list.push(e);
  }
  const bestOf = (evals: readonly Evaluation[]): Bests => {
    const best: Bests = {};
    for (const e of evals) improve(best, e, metric);
    return best;
  };
  const gruBest = bestOf(byArch.get(gruHash) ?? []);

  const archs: ArchStats[] = [...byArch].map(([hash, evals]) => {
    const best = bestOf(evals);
    const settings: Record<string, number> = {};
    for (const e of evals) if (FINISHED_STATUSES.includes(e.status)) settings[e.task] = (settings[e.task] ?? 0) + 1;
    const arch = data.architectures.get(hash);
    const first = best[tasks[0]]?.evaluation;
    const hidden = first?.hyperparameters.hidden;
    const layers = first?.hyperparameters.layers;
    const params = arch && typeof hidden === 'number' ? cellParams(arch, hidden, typeof layers === 'number' ? layers : 1) : null;
    return { hash, name: archName(hash, data.architectures), reference: refs.get(hash), best, settings, params, ...scoreAgainst(best, gruBest, tasks) };
  });
  archs.sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity)); // stable: ties keep first appearance

  const scored = archs.filter((a) => a.score !== null);
  const n = opts.leaderboard ?? 20;
  const leaderboard = archs
    .map((stats, i) => ({ rank: stats.score === null ? null : i + 1, stats }))
    .filter((r, i) => (r.rank !== null && i < n) || r.stats.reference !== undefined);

  // The funnel: the strategy's own counts when it keeps them, else what the rows show.
  const evaluatedOnAll = archs.filter((a) => a.reference === undefined && tasks.every((t) => a.best[t] !== undefined)).length;
  const saved = FunnelStateSchema.safeParse(data.strategy?.state);
  let funnel: Funnel;
  if (saved.success) {
    const f = saved.data.funnel;
    funnel = {
      stages: [
        ['proposed', f.proposed],
        ...(f.passedMemorize !== undefined && config.memorize !== false ? [['passed memorization', f.passedMemorize] as [string, number]] : []),
        ...tasks.map((t): [string, number | null] => [`passed ${t}`, f.passedTask?.[t] ?? null]),
        ['evaluated on all tasks', evaluatedOnAll],
        ['entered the list', f.enteredList ?? null],
        ...(saved.data.list ? [['in the list now', saved.data.list.length] as [string, number]] : []),
        ...(f.pruned !== undefined ? [['settings pruned early (successive halving)', f.pruned] as [string, number]] : []),
      ],
      source: 'strategy',
    };
  } else {
    const nested = z.object({ fidelity: z.object({ search: z.object({ memorizeThreshold: z.number() }) }) }).safeParse(config);
    const threshold = opts.memorizeThreshold ?? (typeof config.memorizeThreshold === 'number' ? config.memorizeThreshold : nested.success ? nested.data.fidelity.search.memorizeThreshold : 0.95);
    const candidates = archs.filter((a) => a.reference === undefined);
    const memorized = evaluations.some((e) => e.task === 'memorize') && !tasks.includes('memorize');
    funnel = {
      stages: [
        ['proposed', candidates.length],
        ['passed memorization', memorized ? candidates.filter((a) => (a.best.memorize?.accuracy ?? -1) >= threshold).length : null],
        ['evaluated on all tasks', evaluatedOnAll],
        ['in the list', null],
      ],
      source: 'derived',
    };
  }

  // The best score after each finished evaluation, in proposal order. An architecture's score
  // only rises as its accuracies do, so the best is kept as a running maximum, taken over every
  // score again only when the GRU improves (which lowers them all): linear in the evaluations.
  const progress: { evaluations: number; best: number }[] = [];
  const running = new Map<string, Bests>();
  const runningScore = new Map<string, number>();
  let best = -Infinity;
  let finished = 0;
  for (const e of evaluations) {
    if (!FINISHED_STATUSES.includes(e.status)) continue;
    finished++;
    let b = running.get(e.architecture);
    if (!b) running.set(e.architecture, (b = {}));
    if (improve(b, e, metric)) {
      const gru = running.get(gruHash) ?? {};
      if (e.architecture === gruHash) {
        for (const [h, bests] of running) {
          const sc = scoreAgainst(bests, gru, tasks).score;
          if (sc !== null) runningScore.set(h, sc);
        }
        best = -Infinity;
        for (const sc of runningScore.values()) best = Math.max(best, sc);
      } else {
        const sc = scoreAgainst(b, gru, tasks).score;
        if (sc !== null) {
          runningScore.set(e.architecture, sc);
          best = Math.max(best, sc);
        }
      }
    }
    if (runningScore.size > 0) progress.push({ evaluations: finished, best });
  }

  const confirmation = confirmationOf(data.evaluations, tasks, metric, gruHash);
  return { tasks, metric, archs, leaderboard, funnel, progress, top: scored.slice(0, opts.top ?? 5), ...(confirmation ? { confirmation } : {}) };
}

function confirmationOf(evaluations: readonly Evaluation[], tasks: readonly string[], metric: string, gru: string): Confirmation[] | undefined {
  const runs = confirmRunsOf(evaluations, tasks, metric);
  if (!tasks.every((t) => runs.some((r) => r.architecture === gru && r.task === t))) return undefined;
  return confirmStats(runs, { gru, tasks });
}

// ---------------------------------------------------------------------------------------------
// Sections.
// ---------------------------------------------------------------------------------------------

const label = (s: ArchStats) => `${shortHash(s.hash)} ${s.name}`;

export function leaderboardTable(a: SearchAnalysis): Table {
  const columns: Table['columns'] = [
    { label: 'rank', align: 'right' },
    { label: 'architecture', align: 'left' },
    { label: 'score', align: 'right' },
    ...a.tasks.map((t) => ({ label: `${t} acc (× GRU)`, align: 'right' as const })),
    { label: `params (${a.tasks[0]})`, align: 'right' },
    { label: 'settings tried', align: 'right' },
  ];
  const rows = a.leaderboard.map(({ rank, stats }) => [
    rank === null ? '-' : String(rank),
    label(stats),
    fmt(stats.score, 3),
    ...a.tasks.map((t) => (stats.best[t] ? `${fmt(stats.best[t].accuracy)} (${fmt(stats.ratios?.[t], 3)})` : '-')),
    fmtInt(stats.params),
    a.tasks.map((t) => String(stats.settings[t] ?? 0)).join(' / '),
  ]);
  return { columns, rows, reference: a.leaderboard.flatMap((r, i) => (r.stats.reference ? [i] : [])) };
}

/** The verdict of a confirmed architecture: only a confirmed result is called better than the GRU. */
export function confirmationVerdict(c: Confirmation, gru: string): string {
  if (c.architecture === gru) return 'reference';
  if (c.better) return 'better than the GRU';
  return c.tasks.every((t) => t.mean > t.gruMean) ? 'higher, not significant' : 'not better';
}

export function confirmationTable(a: SearchAnalysis, names: ReadonlyMap<string, ArchStats>): Table {
  const gru = hashOfZoo('gru');
  const rank = new Map(a.archs.flatMap((x, i) => (x.score === null ? [] : [[x.hash, i + 1] as const])));
  const rows = (a.confirmation ?? []).map((c) => {
    const stats = names.get(c.architecture);
    return [
      String(rank.get(c.architecture) ?? '-'),
      stats ? label(stats) : shortHash(c.architecture),
      String(c.seeds),
      fmt(c.ratio, 3),
      c.ci ? `[${fmt(c.ci[0], 3)}, ${fmt(c.ci[1], 3)}]` : '-',
      ...a.tasks.map((t) => {
        const x = c.tasks.find((y) => y.task === t)!;
        return `${fmt(x.mean)}${x.p === null ? '' : ` (p ${fmt(x.p, 3)})`}`;
      }),
      c.p === null ? '-' : fmt(c.p, 3),
      confirmationVerdict(c, gru),
    ];
  });
  return {
    columns: [
      { label: 'search rank', align: 'right' },
      { label: 'architecture', align: 'left' },
      { label: 'seeds', align: 'right' },
      { label: 'ratio to GRU', align: 'right' },
      { label: '95% interval', align: 'right' },
      ...a.tasks.map((t) => ({ label: `${t} mean acc (Welch p)`, align: 'right' as const })),
      { label: 'p vs GRU', align: 'right' },
      { label: 'verdict', align: 'left' },
    ],
    rows,
    reference: (a.confirmation ?? []).flatMap((c, i) => (referenceByHash().has(c.architecture) ? [i] : [])),
  };
}

/** How the confirmation table is read, for the report and the command's summary. */
export const CONFIRMATION_TEXT =
  'Confirmation: after the search, the top architectures, the GRU and the LSTM trained again at the full budget with their best setting per task on fresh seeds (not counted in the budget, nor in the leaderboard). ' +
  "Ratio: per seed, the smallest over the scored tasks of accuracy / the GRU's mean accuracy; its mean over the seeds and Student's 95% interval. " +
  "p: Welch's two-sided test against the GRU per task; p vs GRU is the largest. " +
  'Only an architecture with a higher mean on every task and p vs GRU < 0.05 is called better than the GRU.';

/**
 * The evaluations whose learning curves the search report draws: each top architecture's best
 * evaluation per task. The report reads no other curve (a reader of a large study reads these alone).
 */
export function drawnCurves(a: Pick<SearchAnalysis, 'top' | 'tasks'>): { stats: ArchStats; task: string; evaluation: Evaluation }[] {
  return a.top.flatMap((stats) => a.tasks.flatMap((task) => (stats.best[task] ? [{ stats, task, evaluation: stats.best[task].evaluation }] : [])));
}

function curveRows(a: SearchAnalysis, curves: ReadonlyMap<number, CurvePoint[]>) {
  const rows: { architecture: string; task: string; step: number; accuracy: number }[] = [];
  for (const { stats, task, evaluation } of drawnCurves(a)) {
    for (const p of curves.get(evaluation.id) ?? []) {
      const acc = p.validAccuracy;
      if (typeof acc === 'number' && Number.isFinite(acc)) rows.push({ architecture: label(stats), task, step: p.step, accuracy: acc });
    }
  }
  return rows;
}

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * The points of a step-after line that draw it: the first, each one whose value differs from the
 * one before, and the last (which ends the x axis). A point repeating the value before it only
 * extends a horizontal run that the next drawn point extends anyway, so the line is the same; a
 * search's best score changes a few dozen times in 10,000 evaluations, and drawing every point
 * cost the dashboard a 270 KB figure, 0.2 s of CPU and 10 MB of heap per change.
 */
export function stepChanges<T extends Record<K, number>, K extends keyof T>(points: readonly T[], key: K): T[] {
  return points.filter((p, i) => i === 0 || i === points.length - 1 || p[key] !== points[i - 1][key]);
}

/**
 * The points of the accuracy-against-parameters figure: per task, each architecture's best
 * evaluation (the leaderboard's accuracy, confirmation runs left out) with the cell parameters at
 * its setting: at most one point per (architecture, task), the accuracy/size front a reader
 * compares, as the leaderboard quotes parameters "at the best setting". Every evaluation was
 * 10,000 points at 10,000 evaluations: a 3 MB figure and 40 MB of the dashboard's heap to draw.
 * A best that is not a `done` evaluation with the metric (a failed or diverged setting, counted 0)
 * has no accuracy of its own to draw.
 */
export function accuracyParamsPoints(a: SearchAnalysis, data: StudyData): { task: string; params: number; accuracy: number; kind: string }[] {
  const points: { task: string; params: number; accuracy: number; kind: string }[] = [];
  for (const s of a.archs) {
    const arch = data.architectures.get(s.hash);
    if (!arch) continue;
    for (const [task, { evaluation: e }] of Object.entries(s.best)) {
      const acc = e.status === 'done' ? e.metrics?.[a.metric] : undefined;
      const hidden = e.hyperparameters.hidden;
      if (typeof acc !== 'number' || !Number.isFinite(acc) || typeof hidden !== 'number') continue;
      const params = cellParams(arch, hidden, typeof e.hyperparameters.layers === 'number' ? e.hyperparameters.layers : 1);
      if (params !== null) points.push({ task, params, accuracy: acc, kind: s.reference ?? 'searched' });
    }
  }
  // The reference cells last, so that they are drawn over the searched ones (a stable sort).
  return points.sort((p, q) => Number(p.kind !== 'searched') - Number(q.kind !== 'searched'));
}

export function searchFigures(a: SearchAnalysis, data: StudyData): Block[] {
  const blocks: Block[] = [];
  blocks.push({
    kind: 'figure',
    id: 'best-score',
    title: 'Best score against evaluations finished',
    caption: 'The best score of any architecture after each finished evaluation, in the order the strategy proposed them; the GRU scores 1 (dashed).',
    spec: {
      $schema: VL,
      width: 520,
      height: 220,
      layer: [
        { data: { values: stepChanges(a.progress, 'best') }, mark: { type: 'line', interpolate: 'step-after' }, encoding: { x: { field: 'evaluations', type: 'quantitative', title: 'evaluations finished' }, y: { field: 'best', type: 'quantitative', title: 'best score', scale: { zero: false } } } },
        { data: { values: [{ y: 1 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      ],
    },
  });
  const scores = a.archs.filter((s) => s.score !== null).map((s) => ({ score: s.score, kind: s.reference ?? 'searched' }));
  blocks.push({
    kind: 'figure',
    id: 'score-distribution',
    title: 'Distribution of scores',
    caption: `Scores of the ${scores.length} architectures evaluated on every scored task (${a.tasks.join(', ')}).`,
    spec: {
      $schema: VL,
      width: 520,
      height: 200,
      data: { values: scores },
      mark: 'bar',
      encoding: { x: { field: 'score', type: 'quantitative', bin: { maxbins: 20 }, title: 'score' }, y: { aggregate: 'count', type: 'quantitative', title: 'architectures' } },
    },
  });
  const points = accuracyParamsPoints(a, data);
  blocks.push({
    kind: 'figure',
    id: 'accuracy-params',
    title: 'Accuracy against parameter count, per task',
    caption: "Each architecture's best evaluation on each task (the leaderboard's accuracy): its validation accuracy against the cell parameters (all layers) at that setting; reference cells coloured.",
    spec: {
      $schema: VL,
      data: { values: points },
      facet: { column: { field: 'task', type: 'nominal', title: null } },
      spec: {
        width: 240,
        height: 200,
        mark: { type: 'point', filled: true, opacity: 0.7 },
        encoding: {
          x: { field: 'params', type: 'quantitative', title: 'cell parameters', scale: { zero: false } },
          y: { field: 'accuracy', type: 'quantitative', title: 'validation accuracy' },
          color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['searched', ...REFERENCE_KEYS], range: ['#9aa7b8', '#d62728', '#1f77b4', '#2ca02c'] } },
        },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    },
  });
  blocks.push({
    kind: 'figure',
    id: 'learning-curves',
    title: 'Learning curves of the top architectures',
    caption: 'Validation accuracy during training, for the best evaluation of each top architecture on each task.',
    spec: {
      $schema: VL,
      data: { values: curveRows(a, data.curves) },
      facet: { column: { field: 'task', type: 'nominal', title: null } },
      spec: {
        width: 240,
        height: 200,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training step' },
          y: { field: 'accuracy', type: 'quantitative', title: 'validation accuracy' },
          color: { field: 'architecture', type: 'nominal', title: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  });
  return blocks;
}

/** An architecture's numbers in the search: hash, score, each task's best and its ratio, parameters. */
export function archFacts(s: ArchStats, a: SearchAnalysis): [string, string][] {
  return [
    ['hash', s.hash],
    ['score', fmt(s.score, 3)],
    ...a.tasks.map((t): [string, string] => [
      t,
      s.best[t] ? `valid ${fmt(s.best[t].accuracy)} (${fmt(s.ratios?.[t], 3)} × GRU), test ${fmt(s.best[t].evaluation.metrics?.testAccuracy)}` : '-',
    ]),
    ['parameters', `${fmtInt(s.params)} (cell, at the best ${a.tasks[0]} setting)`],
  ];
}

function topSection(s: ArchStats, rank: number, a: SearchAnalysis, data: StudyData): Section {
  const arch = data.architectures.get(s.hash);
  const blocks: Block[] = [];
  blocks.push({ kind: 'facts', items: archFacts(s, a) });
  if (arch) blocks.push(...cellBlocks(arch, s.name, `${s.name} (${shortHash(s.hash)})`));
  blocks.push(...lineageBlocks(s.hash, data.architectures));
  return { id: `top-${rank}`, title: `${rank}. ${s.name} (${shortHash(s.hash)})`, blocks };
}

function bestHyperparameterSections(a: SearchAnalysis): Section[] {
  const winner = a.archs.find((s) => s.score !== null && s.reference === undefined) ?? a.archs.find((s) => s.score !== null);
  const picks: ArchStats[] = [];
  for (const k of ['gru', 'lstm'] as const) {
    const s = a.archs.find((x) => x.reference === k);
    if (s) picks.push(s);
  }
  if (winner && !picks.includes(winner)) picks.push(winner);
  return a.tasks.map((t) => {
    const rows = picks.flatMap((s) => (s.best[t] ? [{ label: s === winner ? `${label(s)} (winner)` : label(s), evaluation: s.best[t].evaluation }] : []));
    return {
      id: `hyperparameters-${t}`,
      title: t,
      blocks: rows.length ? hyperparameterBlocks(rows) : [{ kind: 'text', text: 'No finished evaluation of these cells on this task yet.' }],
    };
  });
}

export function searchSections(data: StudyData, now: Date, version: string, opts: SearchReportOptions = {}): { sections: Section[]; analysis: SearchAnalysis } {
  const a = opts.analysis ?? analyzeSearch(data, opts);
  const c = data.experiment.config;
  const f = a.funnel;
  const budget = typeof c.evaluations === 'number' ? c.evaluations : typeof c.budget === 'number' ? c.budget : undefined;
  const confirming = data.evaluations.filter((e) => isConfirmationKey(e.key));
  const finished = data.evaluations.filter((e) => FINISHED_STATUSES.includes(e.status)).length - confirming.filter((e) => FINISHED_STATUSES.includes(e.status)).length;
  const confirmRuns = confirming.length ? `; ${confirming.filter((e) => FINISHED_STATUSES.includes(e.status)).length} of ${confirming.length} confirmation runs finished (beyond the budget)` : '';
  const summary: Section = {
    id: 'summary',
    title: 'Summary',
    blocks: [
      {
        kind: 'facts',
        items: [
          ...summaryFacts(data, now, version),
          ['strategy', typeof c.strategy === 'string' ? c.strategy : data.experiment.kind.startsWith('search') ? 'not recorded' : data.experiment.kind],
          ['scored tasks', a.tasks.join(', ')],
          ['budget used', (budget !== undefined ? `${finished} of ${budget} evaluations` : `${finished} evaluations`) + confirmRuns],
        ],
      },
      { kind: 'text', text: 'Funnel (' + (f.source === 'strategy' ? 'recorded by the strategy' : 'derived from the evaluations') + '):' },
      {
        kind: 'table',
        table: {
          columns: f.stages.map(([label]) => ({ label, align: 'right' as const })),
          rows: [f.stages.map(([, v]) => fmtInt(v))],
        },
      },
    ],
  };
  const leaderboard: Section = {
    id: 'leaderboard',
    title: 'Leaderboard',
    blocks: [
      {
        kind: 'text',
        text:
          `Accuracy: the best ${a.metric} over the settings tried (a diverged or failed setting counts 0); in brackets its ratio to the GRU's. ` +
          'Score: the smallest ratio over the scored tasks. Names: zoo cells by key, mutants by their zoo ancestor and the number of mutation steps from it. ' +
          'Reference rows (GRU, LSTM, LSTM-b) are always shown.',
      },
      { kind: 'table', table: leaderboardTable(a) },
    ],
  };
  const byHash = new Map(a.archs.map((x) => [x.hash, x]));
  const confirmation: Section[] = a.confirmation
    ? [{ id: 'confirmation', title: 'Confirmation', blocks: [{ kind: 'text', text: CONFIRMATION_TEXT }, { kind: 'table', table: confirmationTable(a, byHash) }] }]
    : [];
  const top: Section = {
    id: 'top-architectures',
    title: a.top.length === 1 ? 'The top architecture' : `Top ${a.top.length} architectures`,
    blocks: a.top.length ? [] : [{ kind: 'text', text: 'No architecture has a score yet (every scored task, and the GRU on each, must have a finished evaluation).' }],
    subsections: a.top.map((s, i) => topSection(s, i + 1, a, data)),
  };
  const figures: Section = { id: 'figures', title: 'Figures', blocks: searchFigures(a, data) };
  const hp: Section = {
    id: 'best-hyperparameters',
    title: 'Best hyperparameters per task',
    blocks: [{ kind: 'text', text: 'The setting with the best validation accuracy, for the GRU, the LSTM and the winner (the best-scoring searched architecture).' }],
    subsections: bestHyperparameterSections(a),
  };
  return { sections: [summary, leaderboard, ...confirmation, top, figures, hp], analysis: a };
}
