// The "search" study: an architecture search of search/strategies (jozefowicz, aging, random) run
// through the study driver. This file resolves a request into the stored config (every preset
// value included, so a changed setting is refused on resume), wraps the strategy to watch
// generation boundaries (live status, the --time limit), and prints the status and the final
// leaderboard. What `cellsearch search` runs.
//
// --time and determinism: when the limit passes, the session stops as after Ctrl-C: no evaluation
// is started any more, the running ones finish and are recorded (so it overshoots by at most one
// evaluation), the rest of the generation stays queued. The runs layer's rule makes the stopping
// point irrelevant to the results: evaluations are fixed when their generation is proposed, the
// strategy sees only finished generations, in proposal order, without wall times. Running the
// same command again resumes, so a run cut by --time and resumed ends where an uninterrupted one
// with the same budget would (test/search.test.ts). The limit is a property of the session, not
// of the study: it is not stored in the config. The live status is printed at generation
// boundaries (`watchBoundaries`), where every earlier evaluation has finished.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { fidelity, FidelitySchema, SCALES, type Scale } from '../search/space.ts';
import { createStrategy, leaderboard, STRATEGY_NAMES, SearchConfigSchema, type SearchConfig, type StrategyName } from '../search/strategies/index.ts';
import { budgetSpent } from '../search/strategies/cohorts.ts';
import { seedRows } from '../search/strategies/common.ts';
import { getTask, isTaskName } from '../tasks/registry.ts';
import { isConfirmationKey } from '../search/confirm.ts';
import { analyzeSearch, CONFIRMATION_TEXT, confirmationTable, leaderboardTable, type SearchAnalysis } from './report/search.ts';
import { fmtDuration, shortHash, type Table } from './report/model.ts';
import type { StudyData } from './report/queries.ts';
import type { StudySpec } from './study.ts';
import { FINISHED_STATUSES, type Architecture, type Evaluation } from './storage.ts';
import { architectureOf, type Strategy } from './strategy.ts';
import type { Cell } from '../cells/graph.ts';
import { presetTaskOptions } from './train.ts';
import { parseFlags, parseSettingFlags } from './flags.ts';

export const SEARCH_KIND = 'search';

/** Tasks a search may score (they have a parameter budget and are single-label). */
export const SEARCH_TASKS = ['arithmetic', 'xml', 'ptb', 'text'] as const;

/** --time alone (no --budget): the study is capped by this many evaluations, in practice none. */
export const UNBOUNDED_BUDGET = 1_000_000;

/** What is stored as the experiment's config: the strategy's whole config plus its name. */
export const SearchStudyConfigSchema = z.strictObject({
  strategy: z.enum(STRATEGY_NAMES),
  ...SearchConfigSchema.shape,
});
export type SearchStudyConfig = z.infer<typeof SearchStudyConfigSchema>;

/** Strategy knobs a user may set; the rest come from the --scale preset. */
export interface SearchKnobs {
  /** Settings per task for a new architecture (K). */
  settingsPerTask?: number;
  /** Settings per task when a listed architecture is re-evaluated. */
  repeatSettings?: number;
  /** jozefowicz: list size N and re-evaluation probability q. */
  listSize?: number;
  q?: number;
  /** aging: population P and tournament sample S. */
  population?: number;
  sample?: number;
  /** Training steps per evaluation (evaluation interval capped to it). */
  steps?: number;
  /** jozefowicz: every evaluation to the full budget, or successive halving; its eta and first rung. */
  fidelity?: string;
  eta?: number;
  minSteps?: number;
  /** sha: grid points per task, and the ratio to the GRU a setting needs to go on. */
  pool?: number;
  pruneRatio?: number;
  /** jozefowicz: architectures confirmed after the budget (besides the GRU and the LSTM), and on how many seeds. */
  confirm?: number;
  confirmSeeds?: number;
}

export interface SearchRequest {
  strategy: string;
  tasks: string[];
  scale: Scale;
  /** Most evaluations; default the preset's (UNBOUNDED_BUDGET when only a time limit is given). */
  budget?: number;
  timeLimited?: boolean;
  generationSize?: number;
  seed: number;
  name?: string;
  knobs?: SearchKnobs;
  /** The text task's data (file or folder) and options (`--set`); only with --tasks text. */
  dataDir?: string;
  taskSettings?: Record<string, unknown>;
  /** `--seed-cells`: cells (from notation, JSON or NAS-Bench-NLP files) generation 0 proposes besides the GRU and the LSTM. */
  seedCells?: { ref: string; cell: Cell }[];
}

export interface SearchStudy {
  spec: StudySpec;
  config: SearchStudyConfig;
  strategy: Strategy;
  /** What the command should tell the user (seed cells left out as duplicates). */
  notes: string[];
}

/**
 * The seed cells' rows as the config stores them, in the order given, without those equal to the
 * GRU, the LSTM or an earlier seed cell (NAS-Bench-NLP's GRU and LSTM recipes are the zoo's), each
 * of which is named in `notes`.
 */
export function seedCellRows(cells: readonly { ref: string; cell: Cell }[]): { rows: Architecture[]; notes: string[] } {
  const seen = new Map(seedRows({}).map((r) => [r.hash, r.origin.kind === 'zoo' ? r.origin.name : r.hash]));
  const rows: Architecture[] = [];
  const notes: string[] = [];
  for (const { ref, cell } of cells) {
    const row = architectureOf(ref, cell);
    const same = seen.get(row.hash);
    if (same !== undefined) {
      notes.push(`--seed-cells: ${ref} is the same architecture as ${same} (hash ${row.hash.slice(0, 8)}): proposed once`);
      continue;
    }
    seen.set(row.hash, ref);
    rows.push(row);
  }
  return { rows, notes };
}

const positiveInt = (flag: string, v: number | undefined): void => {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new UserError(`--${flag} must be a whole number >= 1, got ${v}`);
};

/** Resolves a request into the study: the stored config, the spec and the strategy. */
export function searchStudy(req: SearchRequest): SearchStudy {
  if (!(STRATEGY_NAMES as readonly string[]).includes(req.strategy)) throw new UserError(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got '${req.strategy}'`);
  const strategy = req.strategy as StrategyName;
  if (!(SCALES as readonly string[]).includes(req.scale)) throw new UserError(`--scale must be one of ${SCALES.join(', ')}, got '${req.scale}'`);
  if (req.tasks.length === 0) throw new UserError('--tasks needs at least one task');
  for (const t of req.tasks) {
    if (!isTaskName(t)) getTask(t); // the registry's UserError lists the tasks
    if (!(SEARCH_TASKS as readonly string[]).includes(t)) throw new UserError(`--tasks: '${t}' cannot be scored by a search; use ${SEARCH_TASKS.join(', ')}`);
  }
  if (new Set(req.tasks).size !== req.tasks.length) throw new UserError(`--tasks names a task twice: ${req.tasks.join(',')}`);
  if (!Number.isSafeInteger(req.seed) || req.seed < 0) throw new UserError(`--seed must be a whole number >= 0, got ${req.seed}`);
  const k = req.knobs ?? {};
  positiveInt('budget', req.budget);
  positiveInt('generation-size', req.generationSize);
  positiveInt('k', k.settingsPerTask);
  positiveInt('repeat-settings', k.repeatSettings);
  positiveInt('list-size', k.listSize);
  positiveInt('population', k.population);
  positiveInt('sample', k.sample);
  parseSettingFlags({ maxSteps: k.steps });
  if (k.q !== undefined && !(k.q >= 0 && k.q <= 1)) throw new UserError(`--q must be a probability in [0, 1], got ${k.q}`);

  const halving = parseFlags(
    FidelitySchema.shape.search.pick({ fidelity: true, eta: true, minSteps: true, pool: true, pruneRatio: true }).partial(),
    { fidelity: k.fidelity, eta: k.eta, minSteps: k.minSteps, pool: k.pool, pruneRatio: k.pruneRatio },
    { minSteps: 'min-steps', pruneRatio: 'prune-ratio' },
  );

  const confirmation = parseFlags(FidelitySchema.shape.search.pick({ confirm: true, confirmSeeds: true }), { confirm: k.confirm, confirmSeeds: k.confirmSeeds }, { confirmSeeds: 'confirm-seeds' });
  if (strategy !== 'jozefowicz' && (confirmation.confirm ?? 0) > 0) throw new UserError(`--confirm: only the jozefowicz strategy confirms its winners, not '${strategy}'`);

  const fid = fidelity(req.scale);
  const s = fid.search;
  const search = {
    ...s,
    settingsPerTask: k.settingsPerTask ?? s.settingsPerTask,
    repeatSettings: k.repeatSettings ?? s.repeatSettings,
    listSize: k.listSize ?? s.listSize,
    reevaluateProbability: k.q ?? s.reevaluateProbability,
    population: k.population ?? s.population,
    sample: k.sample ?? s.sample,
    ...halving,
    ...confirmation,
  };
  if (search.sample > search.population) throw new UserError(`--sample (${search.sample}) must not exceed --population (${search.population})`);
  const train = k.steps === undefined ? fid.train : { ...fid.train, maxSteps: k.steps, evalEvery: Math.min(fid.train.evalEvery, k.steps) };
  const resolved = { ...fid, train, search };

  // Only the text task reads the user's data in a search (ptb uses the shipped corpus there).
  const settings = req.taskSettings ?? {};
  if (!req.tasks.includes('text') && (req.dataDir !== undefined || Object.keys(settings).length > 0)) throw new UserError('--data-dir and --set apply to the text task in a search: add it to --tasks');
  if (req.tasks.includes('text') && req.dataDir === undefined) throw new UserError('--tasks text needs --data-dir (a folder with train.txt, valid.txt, test.txt, or one text file)');
  const extra = req.tasks.includes('text') ? { text: presetTaskOptions('text', resolved, req.dataDir, {}, settings) } : undefined;
  const memorize = strategy === 'jozefowicz';
  const seeds = seedCellRows(req.seedCells ?? []);
  // The vocabularies the strategies size hidden layers with; building each task also checks its options.
  const vocab = Object.fromEntries(
    [...(memorize ? ['memorize'] : []), ...req.tasks].map((t) => [t, getTask(t, t === 'text' ? extra!.text : presetTaskOptions(t, resolved, undefined, {})).vocab.length]),
  );
  const searchConfig: SearchConfig = SearchConfigSchema.parse({
    tasks: req.tasks,
    vocab,
    fidelity: resolved,
    evaluations: req.budget ?? (req.timeLimited ? UNBOUNDED_BUDGET : s.evaluations),
    generationSize: req.generationSize ?? 4,
    memorize,
    metric: 'validAccuracy',
    ...(extra ? { taskOptions: extra } : {}),
    ...(seeds.rows.length > 0 ? { seedCells: seeds.rows } : {}),
  });
  const config = SearchStudyConfigSchema.parse({ strategy, ...searchConfig });
  const name = req.name ?? `search-${strategy}-${req.scale}`;
  return {
    spec: { name, kind: SEARCH_KIND, seed: req.seed, config },
    config,
    strategy: createStrategy(strategy, searchConfig),
    notes: seeds.notes,
  };
}

/** "2h", "90m", "1h30m", "45s", "600" (seconds) -> milliseconds. */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  const re = /(\d+(?:\.\d+)?)\s*(h|min|m|s)/gy;
  let ms = 0;
  let at = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    ms += Number(m[1]) * { h: 3_600_000, min: 60_000, m: 60_000, s: 1000 }[m[2] as 'h' | 'min' | 'm' | 's'];
    at = re.lastIndex;
  }
  if (/^\d+(\.\d+)?$/.test(t)) {
    ms = Number(t) * 1000;
    at = t.length;
  }
  // 0 (plain or with a unit) would stop before the first result; digits beyond a double are not a time.
  if (t === '' || at !== t.length || !(ms > 0) || !Number.isFinite(ms)) throw new UserError(`--time must be a duration such as 2h, 90m, 1h30m or 45s, got '${text}'`);
  return ms;
}

export interface Boundary {
  /** Evaluations finished before this generation (all of the earlier ones). */
  finished: number;
  /** The generation just proposed (generations proposed before it). */
  generation: number;
  /** Its evaluations, queued now (0 when the strategy is finished). */
  queued: number;
  history: readonly Evaluation[];
}

/**
 * The strategy, unchanged in what it proposes, with `onBoundary` called each time it has proposed
 * a generation (before the driver records it). The driver calls `propose` only at generation
 * boundaries, so this is where the session's clock may be read without touching the results.
 */
export function watchBoundaries(inner: Strategy, onBoundary: (b: Boundary) => void): Strategy {
  let generation = -1;
  return {
    name: inner.name,
    init: (seed) => inner.init(seed),
    propose(state, history) {
      generation = history.reduce((g, e) => Math.max(g, e.generation), generation);
      const next = inner.propose(state, history);
      onBoundary({ finished: history.length, generation: generation + 1, queued: next.proposals.length, history });
      return next;
    },
  };
}

/** Plain text of a report table, columns padded. */
export function textTable(t: Table): string {
  const head = t.columns.map((c) => c.label);
  const widths = head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (t.columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...t.rows.map(line)].join('\n');
}

export interface StatusInput {
  config: SearchStudyConfig;
  boundary: Boundary;
  /** Since this session started; and evaluations finished when it started. */
  elapsedMs: number;
  /**
   * The first boundary of this session (evaluations finished, elapsed ms, the budget spent; see
   * `statusBase`): the rate of the estimate is measured from there (before it, a resumed session
   * re-ran evaluations of unknown number).
   */
  base: { finished: number; elapsedMs: number; spent?: number };
  /** Session time limit, if any. */
  limitMs?: number;
  /** Several lines (a terminal) or one. */
  tty: boolean;
}

/** Successive halving counts its budget in full-budget equivalents (search/strategies/cohorts.ts). */
function meteredBySteps(config: SearchStudyConfig): boolean {
  return config.strategy === 'jozefowicz' && config.fidelity.search.fidelity === 'sha';
}

/** The budget the finished evaluations of `boundary` spent (confirmation runs are beyond it). */
function spentAt(config: SearchStudyConfig, boundary: Boundary): number {
  const searched = boundary.history.filter((e) => !isConfirmationKey(e.key));
  return meteredBySteps(config) ? budgetSpent(config, searched) : searched.length;
}

/** Where a session's estimate starts: the first boundary it saw. */
export function statusBase(config: SearchStudyConfig, boundary: Boundary, elapsedMs: number): StatusInput['base'] {
  return { finished: boundary.finished, elapsedMs, spent: spentAt(config, boundary) };
}

/** The live status at a generation boundary: finished, best score, top 5 per task, times. */
export function searchStatus(s: StatusInput): string {
  const { config, boundary } = s;
  const board = leaderboard(boundary.history, config.tasks, config.metric);
  // Confirmation runs come after the budget: counted apart from it.
  const confirming = boundary.history.filter((e) => isConfirmationKey(e.key)).length;
  const done = boundary.finished - confirming;
  const metered = meteredBySteps(config);
  const spent = spentAt(config, boundary);
  const measured = spent - (s.base.spent ?? s.base.finished);
  const left = Math.max(0, config.evaluations - spent);
  const eta = measured > 0 && config.evaluations < UNBOUNDED_BUDGET ? ((s.elapsedMs - s.base.elapsedMs) / measured) * left : NaN;
  const limitLeft = s.limitMs === undefined ? NaN : Math.max(0, s.limitMs - s.elapsedMs);
  const times = `elapsed ${fmtDuration(s.elapsedMs)}` + (Number.isFinite(eta) ? `, estimated ${fmtDuration(eta)} left` : '') + (Number.isFinite(limitLeft) ? `, time limit in ${fmtDuration(limitLeft)}` : '');
  const budget = metered
    ? ` (budget: ${spent.toFixed(1)}${config.evaluations >= UNBOUNDED_BUDGET ? '' : ` of ${config.evaluations}`} full-budget equivalents)`
    : config.evaluations >= UNBOUNDED_BUDGET
      ? ''
      : ` of ${config.evaluations}`;
  const best = board[0];
  const head = `generation ${boundary.generation}: ${done}${budget} evaluations finished${confirming ? ` (and ${confirming} confirmation runs)` : ''}, ${boundary.queued} queued; best score ${best ? `${best.score.toFixed(3)} (${shortHash(best.architecture)})` : '-'}; ${times}`;
  if (!s.tty) return head;
  const rows = board.slice(0, 5).map((r, i) => `  ${i + 1}. ${shortHash(r.architecture)} score ${r.score.toFixed(3)}  ` + config.tasks.map((t) => `${t} ${r.best[t].toFixed(3)} (${r.ratios[t].toFixed(2)})`).join('  '));
  return [head, ...(rows.length ? ['  top 5 (accuracy, ratio to the GRU):', ...rows] : [])].join('\n');
}

/** The final printout: the leaderboard (with the reference rows) and the funnel, as the report computes them. */
export function searchSummary(data: StudyData): string {
  const a = analyzeSearch(data, { leaderboard: 20 });
  const funnel = a.funnel.stages.map(([label, n]) => `${label} ${n ?? '-'}`).join(', ');
  const c = data.experiment.config;
  const finished = data.evaluations.filter((e) => FINISHED_STATUSES.includes(e.status)).length;
  const lines = [
    '',
    `Leaderboard of '${data.experiment.name}' (${String(c.strategy)}, ${a.tasks.join(', ')}; ${finished} evaluations finished, ${data.evaluations.length - finished} queued):`,
    `accuracy = best ${a.metric} over the settings tried (diverged counts 0), in brackets the ratio to the GRU's; score = the smallest ratio`,
    textTable(leaderboardTable(a)),
    '',
    ...confirmationLines(a),
    `funnel (${a.funnel.source === 'strategy' ? 'recorded by the strategy' : 'derived from the evaluations'}): ${funnel}`,
    `recorded in ${data.location}; 'cellsearch report --db ${data.location}' writes the full report`,
    '',
  ];
  return lines.join('\n');
}

/** The confirmation table of the summary, when the study has one (runs/report/search.ts). */
function confirmationLines(a: SearchAnalysis): string[] {
  if (!a.confirmation) return [];
  return ['Confirmation on fresh seeds:', CONFIRMATION_TEXT, textTable(confirmationTable(a, new Map(a.archs.map((x) => [x.hash, x])))), ''];
}
