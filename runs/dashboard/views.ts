// What the dashboard's pages show, as pure functions of one study's rows (runs/report/queries.ts
// StudyData): the progress panel, a page of the leaderboard, the architecture page and the list
// row. Sections, tables, figures and drawings are the report's own (runs/report/): this file only
// pages, sorts and adds what a live page needs (running evaluations, the ETA).
import { z } from 'zod';
import { FINISHED_STATUSES, EVALUATION_STATUSES, type Evaluation, type EvaluationStatus, type RunningEvaluation as StoredRunning, type Writer } from '../storage.ts';
import { archName, cellBlocks, lineageBlocks } from '../report/architectures.ts';
import { fmt, fmtDuration, shortHash, wallTimeMs, type Block, type ReportModel, type Section, type Table } from '../report/model.ts';
import type { StudyData } from '../report/queries.ts';
import { archFacts, leaderboardTable, type ArchStats, type SearchAnalysis } from '../report/search.ts';
import { evaluationResultCells, hyperparameterBlocks, learningCurveFigures, trialOf } from '../report/train.ts';

/** A study as the dashboard reads it: the report's data and the process writing it, if any. */
export interface LiveStudy extends StudyData {
  writer: Writer | undefined;
}

// ---------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------

export interface RunningEvaluation {
  key: string;
  architecture: string;
  name: string;
  task: string;
  trial: string;
  generation: number;
  /** Failed attempts so far (a retried evaluation). */
  attempts: number;
}

export interface Progress {
  counts: Record<EvaluationStatus, number>;
  finished: number;
  /** Evaluations the study will run in all, when known (a search's budget), else those recorded. */
  total: number;
  budget: number | null;
  /** The state shown: running (a writer is active), interrupted, done. */
  state: string;
  /** Finished evaluations per hour of wall time over the sessions so far. */
  perHour: number | null;
  /** Remaining time at that rate while the study runs, as text; null when it cannot be estimated. */
  eta: string | null;
  wall: string;
  /** Worker threads of the current session (its start or resume event), when recorded. */
  workers: number | null;
  writer: { pid: number; host: string; since: string } | null;
  running: RunningEvaluation[];
  /** The latest failures, newest first (at most 10), with the first line of their error. */
  failures: { key: string; name: string; task: string; error: string }[];
}

/** A search's evaluation cap (the config's `evaluations` or `budget`); `--time` without a budget stores 1,000,000, which is no budget. */
function budgetOf(config: Record<string, unknown>): number | null {
  const b = typeof config.evaluations === 'number' ? config.evaluations : typeof config.budget === 'number' ? config.budget : null;
  return b !== null && b < 1_000_000 ? b : null;
}

function baseRunning(e: Evaluation, name: string): RunningEvaluation {
  return { key: e.key, architecture: e.architecture, name, task: e.task, trial: trialOf(e), generation: e.generation, attempts: e.attempts };
}

const SessionSchema = z.object({ workers: z.number().int().positive() });

export function progressOf(data: LiveStudy, now: Date): Progress {
  const counts = Object.fromEntries(EVALUATION_STATUSES.map((s) => [s, 0])) as Record<EvaluationStatus, number>;
  for (const e of data.evaluations) counts[e.status]++;
  const finished = FINISHED_STATUSES.reduce((n, s) => n + counts[s], 0);
  const budget = budgetOf(data.experiment.config);
  const total = Math.max(budget ?? 0, data.evaluations.length);
  const running = data.experiment.status === 'running' && data.writerActive;
  const wall = wallTimeMs(data.events, now, running);
  const perHour = finished > 0 && wall.ms > 0 ? (finished / wall.ms) * 3_600_000 : null;
  const remaining = total - finished;
  const eta = running && perHour !== null && remaining > 0 ? `${fmtDuration((remaining / perHour) * 3_600_000)} at ${perHour.toFixed(1)} evaluations per hour` : null;
  const session = [...data.events].reverse().find((e) => e.kind === 'start' || e.kind === 'resume');
  const workers = SessionSchema.safeParse(session?.data);
  const name = (e: Evaluation) => archName(e.architecture, data.architectures);
  return {
    counts,
    finished,
    total,
    budget,
    state: running ? 'running' : data.experiment.status === 'running' ? 'interrupted' : data.experiment.status,
    perHour,
    eta,
    wall: `${fmtDuration(wall.ms)} over ${wall.sessions} session${wall.sessions === 1 ? '' : 's'}`,
    workers: workers.success ? workers.data.workers : null,
    writer: data.writer ?? null,
    running: data.evaluations.filter((e) => e.status === 'running').map((e) => baseRunning(e, name(e))),
    failures: data.evaluations
      .filter((e) => e.status === 'failed')
      .slice(-10)
      .reverse()
      .map((e) => ({ key: e.key, name: name(e), task: e.task, error: (e.error ?? '').split('\n')[0] })),
  };
}

// ---------------------------------------------------------------------------------------------
// Live: the running evaluations as they train
// ---------------------------------------------------------------------------------------------

export interface LiveEvaluation extends RunningEvaluation {
  /** The thread or worker that runs it (`thread 2`, `worker host:pid thread 1`), or null when not recorded. */
  runner: string | null;
  /** The last step its stored curve reached, and the step it trains to when its setting says. */
  step: number | null;
  maxSteps: number | null;
  /** Stored curve points so far. */
  points: number;
}

export interface LiveView {
  /** Changes whenever a running evaluation, its runner or its stored curve changes. */
  fingerprint: string;
  running: LiveEvaluation[];
  /** The report's learning-curve figure over the running evaluations' stored points (none before the first point). */
  figure: (Block & { kind: 'figure' }) | undefined;
}

/** The id of the live figure (distinct from every report figure's). */
export const LIVE_FIGURE_ID = 'live-curves';

export function liveFingerprint(running: readonly StoredRunning[]): string {
  return running.map((r) => `${r.evaluationId}:${r.runner ?? '-'}:${r.curve.length}:${r.curve[r.curve.length - 1]?.step ?? '-'}`).join(',');
}

/**
 * The running evaluations with their runners and stored curves (Storage.running), drawn with the
 * report's learning-curve figure (runs/report/train.ts) restricted to them.
 */
export function liveView(data: StudyData, stored: readonly StoredRunning[]): LiveView {
  const byId = new Map(data.evaluations.map((e) => [e.id, e]));
  const name = (e: Evaluation) => archName(e.architecture, data.architectures);
  const running: LiveEvaluation[] = [];
  const evaluations: Evaluation[] = [];
  for (const r of stored) {
    // Started after the snapshot the page shows: its row comes with the next change.
    const e = byId.get(r.evaluationId);
    if (!e) continue;
    evaluations.push({ ...e, status: 'running' });
    const max = e.hyperparameters.maxSteps;
    running.push({
      ...baseRunning(e, name(e)),
      runner: r.runner,
      step: r.curve.length ? r.curve[r.curve.length - 1].step : null,
      maxSteps: typeof max === 'number' ? max : null,
      points: r.curve.length,
    });
  }
  const curves = new Map(stored.filter((r) => r.curve.length > 0).map((r) => [r.evaluationId, r.curve]));
  const [figure] = learningCurveFigures({ ...data, evaluations, curves });
  const live =
    figure?.kind === 'figure' && (figure.spec.data as { values: unknown[] }).values.length > 0
      ? { ...figure, id: LIVE_FIGURE_ID, title: 'Learning curves of the running evaluations', caption: 'The points stored so far while they train (at most one write a second per evaluation); each curve is replaced by its result when the evaluation finishes.' }
      : undefined;
  return { fingerprint: liveFingerprint(stored), running, figure: live };
}

// ---------------------------------------------------------------------------------------------
// The leaderboard, paged and sorted on the server
// ---------------------------------------------------------------------------------------------

export const LeaderboardQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(200).default(20),
  /** A column's key (`leaderboardKeys`); rank = the report's order (score, ties in order of appearance). */
  sort: z.string().max(100).default('rank'),
  dir: z.enum(['asc', 'desc']).default('asc'),
});
export type LeaderboardQuery = z.infer<typeof LeaderboardQuerySchema>;

/** The sort key of each leaderboard column, in the order of leaderboardTable's columns. */
export function leaderboardKeys(a: SearchAnalysis): string[] {
  return ['rank', 'architecture', 'score', ...a.tasks.map((t) => `task:${t}`), 'params', 'settings'];
}

function sortValue(s: ArchStats, key: string, rank: number): number | string | null {
  if (key === 'rank' || key === 'score') return rank;
  if (key === 'architecture') return `${s.name} ${s.hash}`;
  if (key === 'params') return s.params;
  if (key === 'settings') return Object.values(s.settings).reduce((n, x) => n + x, 0);
  if (key.startsWith('task:')) return s.best[key.slice(5)]?.accuracy ?? null;
  return rank;
}

export interface LeaderboardPage {
  columns: (Table['columns'][number] & { key: string })[];
  rows: { cells: string[]; hash: string; reference: boolean }[];
  page: number;
  pages: number;
  /** Ranked architectures (the reference rows are shown on every page besides these). */
  total: number;
  sort: string;
  dir: 'asc' | 'desc';
}

/**
 * One page of the ranked architectures in the order asked, with the GRU, LSTM and LSTM-b rows on
 * every page at their place in that order; the rows are the report's (leaderboardTable), so page 1
 * in rank order with 20 rows is the report's leaderboard.
 */
export function leaderboardPage(a: SearchAnalysis, q: LeaderboardQuery): LeaderboardPage {
  const keys = leaderboardKeys(a);
  const sort = keys.includes(q.sort) ? q.sort : 'rank';
  const rankOf = new Map(a.archs.map((s, i) => [s, i + 1]));
  const ranked = a.archs.filter((s) => s.score !== null);
  const shown = a.archs.filter((s) => s.score !== null || s.reference !== undefined);
  const sign = q.dir === 'desc' ? -1 : 1;
  const ordered = [...shown].sort((x, y) => {
    const [vx, vy] = [sortValue(x, sort, rankOf.get(x)!), sortValue(y, sort, rankOf.get(y)!)];
    // Missing values last in either direction; ties keep the report's order.
    if (vx === null || vy === null) return vx === vy ? rankOf.get(x)! - rankOf.get(y)! : vx === null ? 1 : -1;
    const c = typeof vx === 'string' ? vx.localeCompare(vy as string) : vx - (vy as number);
    return c !== 0 ? sign * c : rankOf.get(x)! - rankOf.get(y)!;
  });
  const pages = Math.max(1, Math.ceil(ranked.length / q.size));
  const page = Math.min(q.page, pages);
  const inPage = new Set(ordered.filter((s) => s.score !== null).slice((page - 1) * q.size, page * q.size));
  const rows = ordered.filter((s) => inPage.has(s) || s.reference !== undefined);
  const table = leaderboardTable({ ...a, leaderboard: rows.map((stats) => ({ rank: stats.score === null ? null : rankOf.get(stats)!, stats })) });
  return {
    columns: table.columns.map((c, i) => ({ ...c, key: keys[i] })),
    rows: table.rows.map((cells, i) => ({ cells, hash: rows[i].hash, reference: rows[i].reference !== undefined })),
    page,
    pages,
    total: ranked.length,
    sort,
    dir: q.dir,
  };
}

// ---------------------------------------------------------------------------------------------
// The architecture page
// ---------------------------------------------------------------------------------------------

/** Figure ids of an architecture page are prefixed, so that they never collide with the study's. */
export const archFigureId = (hash: string) => `arch-${hash}-curves`;

/**
 * The page of one architecture of a study, as report sections: its numbers (a search), notation
 * and drawing, lineage, every evaluation with its setting, and their learning curves.
 */
export function architectureModel(data: StudyData, hash: string, analysis: SearchAnalysis | undefined): ReportModel | undefined {
  const arch = data.architectures.get(hash);
  if (!arch) return undefined;
  const name = archName(hash, data.architectures);
  const evaluations = data.evaluations.filter((e) => e.architecture === hash);
  const stats = analysis?.archs.find((s) => s.hash === hash);
  const overview: Block[] = stats && analysis ? [{ kind: 'facts', items: archFacts(stats, analysis) }] : [{ kind: 'facts', items: [['hash', hash]] }];
  const label = (e: Evaluation) => `${e.task} #${trialOf(e)}`;
  const evalTable: Table = {
    columns: ['task', 'trial', 'generation', 'status', 'steps', 'valid loss', 'valid acc', 'test loss', 'test acc', 'test ppl', 'seconds'].map((l, i) => ({ label: l, align: i < 2 || i === 3 ? 'left' : 'right' })),
    rows: evaluations.map((e) => [e.task, trialOf(e), String(e.generation), ...evaluationResultCells(e)]),
  };
  const failures = evaluations.filter((e) => e.error !== null);
  const curves = learningCurveFigures({ ...data, evaluations }).map((b) => (b.kind === 'figure' ? { ...b, id: archFigureId(hash) } : b));
  const sections: Section[] = [
    { id: 'overview', title: 'Overview', blocks: [...overview, ...cellBlocks(arch, name, `${name} (${shortHash(hash)})`)] },
    { id: 'lineage', title: 'Lineage', blocks: lineageBlocks(hash, data.architectures) },
    {
      id: 'evaluations',
      title: `Evaluations (${evaluations.length})`,
      blocks: evaluations.length
        ? [
            { kind: 'table', table: evalTable },
            ...(failures.length ? [{ kind: 'list' as const, items: failures.map((e) => `${label(e)}: ${(e.error ?? '').split('\n')[0]}`) }] : []),
            { kind: 'text', text: 'Settings:' },
            ...hyperparameterBlocks(evaluations.map((e) => ({ label: label(e), evaluation: e }))),
          ]
        : [{ kind: 'text', text: 'No evaluation of this architecture in this study (an ancestor of one that was).' }],
    },
    { id: 'curves', title: 'Learning curves', blocks: curves.some((b) => b.kind === 'figure' && (b.spec.data as { values: unknown[] }).values.length > 0) ? curves : [{ kind: 'text', text: 'Learning curves: no data yet.' }] },
  ];
  return { title: `${name} (${shortHash(hash)})`, subtitle: `architecture ${hash} in the study '${data.experiment.name}'`, sections };
}

// ---------------------------------------------------------------------------------------------
// The list of experiments
// ---------------------------------------------------------------------------------------------

export interface ExperimentRow {
  name: string;
  kind: string;
  state: string;
  finished: number;
  total: number;
  counts: Record<EvaluationStatus, number>;
  /** What "best" means for this kind, and its value as text. */
  best: { label: string; value: string };
  lastActivity: string;
}

/** The best value of a study in one phrase: a search's best score, else the best validation accuracy. */
export function bestOf(data: StudyData, analysis: SearchAnalysis | undefined): { label: string; value: string } {
  if (analysis) {
    const top = analysis.archs.find((s) => s.score !== null);
    return { label: 'best score (× GRU)', value: top ? `${fmt(top.score, 3)} ${top.name}` : '-' };
  }
  const accs = data.evaluations.flatMap((e) => (e.status === 'done' && typeof e.metrics?.validAccuracy === 'number' ? [e.metrics.validAccuracy] : []));
  return { label: 'best valid acc', value: accs.length ? fmt(Math.max(...accs)) : '-' };
}

export function experimentRow(data: LiveStudy, analysis: SearchAnalysis | undefined, now: Date): ExperimentRow {
  const p = progressOf(data, now);
  const times = [data.experiment.updatedAt, ...data.events.slice(-1).map((e) => e.at)].sort();
  return {
    name: data.experiment.name,
    kind: data.experiment.kind,
    state: p.state,
    finished: p.finished,
    total: p.total,
    counts: p.counts,
    best: bestOf(data, analysis),
    lastActivity: times[times.length - 1].replace('T', ' ').slice(0, 19) + ' UTC',
  };
}
