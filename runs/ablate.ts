// The "ablate" study kind (Greff et al. 2016; issue 8): N random-search trials per (cell, task),
// with the plan of search/ablation/plan.ts (trial t of a task has the same sampled point for
// every cell), run as one generation of a fixed list through runs/study.ts, so it is resumable
// and gives the same database for any number of workers. After the study, its evaluations become
// `AblationRow`s and `analyzeAblation` (search/ablation) computes the tables and fANOVA.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { ScheduleSettingSchema } from '../cells/engine/settings.ts';
import type { Cell, CellJson } from '../cells/graph.ts';
import { parseCell } from '../cells/validate.ts';
import { isZooKey } from '../cells/zoo/index.ts';
import { ablationPlan, analyzeAblation, cellFeatures, spaceDimensions, spaceParams, type AblationAnalysis, type AblationRow } from '../search/ablation/index.ts';
import { compareWithPaper, REPRO_STUDY_KEYS, reproStudy, studyFindings, type PaperComparison, type ReproStudy } from '../search/reproduce/index.ts';
import { fidelity, SCALES, SPACES, taskBudget, type Scale, type SpaceName } from '../search/space.ts';
import { getTask, isTaskName } from '../tasks/registry.ts';
import type { StudySpec } from './study.ts';
import { JsonObjectSchema, type Architecture, type Evaluation, type Experiment, type JsonObject, type Storage } from './storage.ts';
import { architectureOf, fixedListStrategy, type Proposal, type Strategy } from './strategy.ts';
import { TrainHyperparamsSchema } from './train-hyperparams.ts';
import { presetTaskOptions } from './train.ts';
import { parseFlags, SETTING_FLAGS, SettingOverridesSchema } from './flags.ts';
import { trialOfKey } from './seeds.ts';

export const ABLATE_KIND = 'ablate';

export const METRICS = ['loss', 'accuracy', 'perplexity'] as const;
export type AblationMetric = (typeof METRICS)[number];
/** Lower loss and perplexity are better, higher accuracy. */
export const metricDirection = (m: AblationMetric) => (m === 'accuracy' ? 'maximize' : 'minimize') as 'minimize' | 'maximize';

const posInt = z.number().int().positive();

/** The training budget a user may change (default: the preset's). */
export const AblateBudgetSchema = SettingOverridesSchema.pick({ maxSteps: true, evalEvery: true, validBatches: true });
export type AblateBudget = z.infer<typeof AblateBudgetSchema>;

/** What is stored as the experiment's config: every value resolved. */
export const AblateConfigSchema = z.strictObject({
  scale: z.enum(SCALES),
  space: z.enum(SPACES),
  metric: z.enum(METRICS),
  trials: posInt,
  baseline: z.string(),
  cells: z.array(z.strictObject({ ref: z.string(), hash: z.string() })).min(2),
  tasks: z.array(z.strictObject({
    name: z.string(),
    taskOptions: JsonObjectSchema,
    vocab: posInt,
    budget: posInt,
    /** This task's trials where they differ from `trials` (a study preset's per-task count). */
    trials: posInt.optional(),
    /** This task's schedule where it differs from `train` (a study preset's per-task length). */
    train: AblateBudgetSchema.optional(),
  })).min(1),
  train: ScheduleSettingSchema,
  /** Jozefowicz space drawn from the preset's grid (calibration); absent: the paper's grid. */
  presetGrid: z.literal(true).optional(),
  /** The study of `cellsearch reproduce` this ablation is (search/reproduce); absent: a plain ablation. */
  reproduce: z.string().optional(),
});
export type AblateConfig = z.infer<typeof AblateConfigSchema>;

export interface AblateRequest {
  /** As the user named them (zoo keys or files), with the loaded cells. */
  cells: { ref: string; cell: Cell }[];
  /** What --cells said, for the default name (e.g. 'greff'). */
  cellsLabel: string;
  baseline: string;
  tasks: string[];
  trials: number;
  space: SpaceName;
  scale: Scale;
  metric: AblationMetric;
  seed: number;
  budget?: AblateBudget;
  name?: string;
  dataDir?: string;
  /** A data folder for some tasks only (reproduce: --data-dir is its data task's); wins over `dataDir`. */
  taskDataDirs?: Readonly<Record<string, string>>;
  /** The reproduction this ablation is (`cellsearch reproduce`), stored in the config. */
  reproduce?: string;
  /** Task options from `--set key=value`, for every task of the study. */
  taskSettings?: Record<string, unknown>;
  /** Task options per task from a study's preset (reproduce); `taskSettings` wins over them. */
  taskPresets?: Readonly<Record<string, Record<string, unknown>>>;
  /** The training budget per task where it differs from `budget` (reproduce: a study's per-task length, the user's flags already applied). */
  taskBudgets?: Readonly<Record<string, AblateBudget>>;
  /** The trials per task where they differ from `trials` (reproduce: a study's per-task count). */
  taskTrials?: Readonly<Record<string, number>>;
  /** Jozefowicz space: the preset's grid instead of the paper's (what a search draws from). */
  presetGrid?: boolean;
}

export interface AblateStudy {
  spec: StudySpec;
  config: AblateConfig;
  strategy: Strategy;
  proposals: Proposal[];
}

/** A cell's label in tables: the zoo key, or the file's base name. */
export function variantLabel(ref: string): string {
  // A recipe of a NAS-Bench-NLP file (`dir/recipes.json#5`) keeps its id: `recipes#5`.
  return isZooKey(ref) ? ref : ref.replace(/^.*[\\/]/, '').replace(/\.[^.#]*(#\d+)?$/, '$1');
}

/** The trials of a task of the study: its own count, else the study's. */
export function taskTrials(config: Pick<AblateConfig, 'trials' | 'tasks'>, task: string): number {
  return config.tasks.find((t) => t.name === task)?.trials ?? config.trials;
}

/** The longest training of a task of the study: its own length, else the study's. */
export function taskMaxSteps(config: Pick<AblateConfig, 'train' | 'tasks'>, task: string): number {
  return config.tasks.find((t) => t.name === task)?.train?.maxSteps ?? config.train.maxSteps;
}

export function defaultAblateName(cellsLabel: string, tasks: readonly string[]): string {
  return `ablate-${cellsLabel}-${tasks.join('+')}`.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 120);
}

/** Resolves a request into the study: its stored config, the strategy and the evaluations. */
export function ablateStudy(req: AblateRequest): AblateStudy {
  if (!Number.isInteger(req.trials) || req.trials < 1) throw new UserError(`--trials must be a whole number >= 1, got ${req.trials}`);
  if (!Number.isSafeInteger(req.seed) || req.seed < 0) throw new UserError(`--seed must be a whole number >= 0, got ${req.seed}`);
  if (req.cells.length < 2) throw new UserError(`an ablation compares at least 2 cells; --cells gave ${req.cells.length}`);
  if (req.tasks.length === 0) throw new UserError('--tasks names no task');
  const budget = parseFlags(AblateBudgetSchema, req.budget ?? {}, SETTING_FLAGS);
  const labels = req.cells.map((c) => variantLabel(c.ref));
  const dupLabel = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dupLabel !== undefined) throw new UserError(`two cells in --cells have the label '${dupLabel}'; rename one file`);
  if (!labels.includes(req.baseline) && !req.cells.some((c) => c.ref === req.baseline)) {
    throw new UserError(`--baseline ${req.baseline} is not one of the cells (${labels.join(', ')})`);
  }
  const baseline = labels[req.cells.findIndex((c) => c.ref === req.baseline || variantLabel(c.ref) === req.baseline)];
  const seenTask = new Set<string>();
  for (const t of req.tasks) {
    if (!isTaskName(t)) getTask(t); // throws the registry's UserError listing the tasks
    if (seenTask.has(t)) throw new UserError(`--tasks names ${t} twice`);
    seenTask.add(t);
  }
  const fid = fidelity(req.scale);
  const train = { ...fid.train, ...budget };
  const { batch: _b, unroll: _u, ...trainBudget } = train;
  const tasks = req.tasks.map((name) => {
    const taskOptions = presetTaskOptions(name, fid, req.taskDataDirs?.[name] ?? req.dataDir, process.env, { ...req.taskPresets?.[name], ...req.taskSettings });
    // Building the task checks its options (and a data folder) before anything is written.
    const vocab = getTask(name, taskOptions).vocab.length;
    // Stored only where it differs from the study's: a task at the study's length has no `train`,
    // so a study begun before tasks had their own length keeps its config.
    const own = Object.entries(parseFlags(AblateBudgetSchema, req.taskBudgets?.[name] ?? {}, SETTING_FLAGS)).filter(([k, v]) => trainBudget[k as keyof typeof trainBudget] !== v);
    const ownTrain = own.length === 0 ? {} : { train: Object.fromEntries(own) as AblateBudget };
    // A task's own trials are checked by ablationPlan (its RangeError is the user's, below).
    const trials = req.taskTrials?.[name];
    return { name, taskOptions, vocab, budget: taskBudget(fid, name, taskOptions), ...(trials !== undefined && trials !== req.trials ? { trials } : {}), ...ownTrain };
  });
  const seen = new Map<string, string>();
  const archs = req.cells.map(({ ref, cell }, i) => {
    const arch = architectureOf(ref, cell);
    const before = seen.get(arch.hash);
    if (before !== undefined) throw new UserError(`--cells: ${ref} is the same architecture as ${before} (hash ${arch.hash})`);
    seen.set(arch.hash, ref);
    return { ref, label: labels[i], arch, cell };
  });
  let plan;
  try {
    plan = ablationPlan({ cells: archs.map((a) => ({ ref: a.label, cell: a.cell })), tasks, trials: req.trials, space: req.space, seed: req.seed, fidelity: fid, presetGrid: req.presetGrid });
  } catch (err) {
    // A Jozefowicz budget too small for a cell: the user's to fix (another --scale).
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
  const byLabel = new Map(archs.map((a) => [a.label, a]));
  const proposals: Proposal[] = plan.map((p) => {
    const task = tasks.find((t) => t.name === p.task)!;
    const hyperparameters = TrainHyperparamsSchema.parse({ ...p.hyperparameters, ...trainBudget, ...task.train });
    return { architecture: byLabel.get(p.ref)!.arch, task: p.task, taskOptions: task.taskOptions, hyperparameters: hyperparameters as JsonObject, trial: p.trial };
  });
  const config = AblateConfigSchema.parse({
    scale: req.scale,
    space: req.space,
    metric: req.metric,
    trials: req.trials,
    baseline,
    cells: archs.map((a) => ({ ref: a.ref, hash: a.arch.hash })),
    tasks,
    train: trainBudget,
    ...(req.presetGrid ? { presetGrid: true } : {}),
    ...(req.reproduce !== undefined ? { reproduce: req.reproduce } : {}),
  });
  return {
    spec: { name: req.name ?? defaultAblateName(req.cellsLabel, req.tasks), kind: ABLATE_KIND, seed: req.seed, config: config },
    config,
    strategy: fixedListStrategy(proposals),
    proposals,
  };
}

const num = (v: number | null | undefined): number => (typeof v === 'number' ? v : Number.NaN);
const metricKey = (split: 'valid' | 'test', m: AblationMetric) => `${split}${m[0].toUpperCase()}${m.slice(1)}`;

/** The evaluations of an ablation study as analysis rows (features from the stored cells). */
export function ablationRows(config: AblateConfig, evaluations: readonly Evaluation[], cells: ReadonlyMap<string, CellJson>): AblationRow[] {
  const labels = new Map(config.cells.map((c) => [c.hash, variantLabel(c.ref)]));
  const features = new Map<string, AblationRow['features']>();
  return evaluations.map((e) => {
    const variant = labels.get(e.architecture);
    if (variant === undefined) throw new Error(`evaluation ${e.key} is of an architecture the ablation's config does not list`);
    let f = features.get(e.architecture);
    if (!f) {
      const cell = cells.get(e.architecture);
      if (!cell) throw new Error(`architecture ${e.architecture} is missing`);
      f = cellFeatures(cell) as unknown as AblationRow['features'];
      features.set(e.architecture, f);
    }
    const hp = TrainHyperparamsSchema.parse(e.hyperparameters);
    const m = e.metrics ?? {};
    return {
      variant,
      task: e.task,
      trial: Number(trialOfKey(e.key)),
      status: e.status,
      params: spaceParams(config.space, hp),
      features: f,
      valid: num(m[metricKey('valid', config.metric)]),
      test: e.status === 'done' ? num(m[metricKey('test', config.metric)]) : Number.NaN,
    };
  });
}

export function analyzeAblationStudy(config: AblateConfig, seed: number, rows: readonly AblationRow[]): AblationAnalysis {
  return analyzeAblation(rows, {
    baseline: config.baseline,
    metric: config.metric,
    direction: metricDirection(config.metric),
    space: spaceDimensions(config.space, fidelity(config.scale)),
    seed,
  });
}

export interface LoadedAblation {
  experiment: Experiment;
  config: AblateConfig;
  evaluations: Evaluation[];
  architectures: Map<string, Architecture>;
  rows: AblationRow[];
  analysis: AblationAnalysis;
  /** A reproduction (`config.reproduce`): its study and the verdicts on the paper's findings. */
  paper?: { study: ReproStudy; comparison: PaperComparison };
}

/** Reads an ablation experiment from storage and analyses it (what `ablate` prints and the report draws). */
export async function loadAblation(storage: Storage, name: string): Promise<LoadedAblation> {
  const experiment = await storage.getExperiment(name);
  if (!experiment) throw new UserError(`no experiment '${name}' in ${storage.location}`);
  if (experiment.kind !== ABLATE_KIND) throw new UserError(`experiment '${name}' in ${storage.location} is a ${experiment.kind} study, not an ablation`);
  const parsed = AblateConfigSchema.safeParse(experiment.config);
  if (!parsed.success) throw new UserError(`experiment '${name}' in ${storage.location} has an ablation config this cellsearch cannot read: ${parsed.error.issues[0].message}`);
  const config = parsed.data;
  const evaluations = await storage.evaluations(experiment.id);
  const architectures = new Map<string, Architecture>();
  for (const c of config.cells) {
    const a = await storage.getArchitecture(c.hash);
    if (a) architectures.set(c.hash, a);
  }
  const cells = new Map([...architectures].map(([h, a]) => [h, parseCell(a.cell, `architecture ${h}`) as CellJson]));
  const rows = ablationRows(config, evaluations, cells);
  const analysis = analyzeAblationStudy(config, experiment.seed, rows);
  let paper: LoadedAblation['paper'];
  if (config.reproduce !== undefined) {
    const study = reproStudy(config.reproduce);
    if (!study) throw new UserError(`experiment '${name}' in ${storage.location} reproduces '${config.reproduce}', a study this cellsearch does not know (it knows ${REPRO_STUDY_KEYS.join(', ')})`);
    paper = { study, comparison: compareWithPaper(studyFindings(study), analysis, rows) };
  }
  return { experiment, config, evaluations, architectures, rows, analysis, ...(paper ? { paper } : {}) };
}
