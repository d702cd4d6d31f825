// `cellsearch reproduce <study>`: a study of search/reproduce (Jozefowicz et al.'s Table 1,
// Greff et al.'s findings) turned into an ablation request (runs/ablate.ts), so that a
// reproduction is an ablation like any other: one generation of a fixed list through
// runs/study.ts, resumable, the same database for any number of workers, reported by
// `cellsearch report`. The config stores the study's key (`reproduce`); loadAblation then judges
// the paper's findings on the analysis ("Against the paper").
import { UserError } from '../errors.ts';
import { zooCell } from '../cells/zoo/index.ts';
import { defaultTasks, REPRO_STUDY_KEYS, reproStudy, type ReproStudy } from '../search/reproduce/index.ts';
import type { Scale } from '../search/space.ts';
import type { AblateBudget, AblateRequest } from './ablate.ts';

export interface ReproduceRequest {
  study: string;
  /** A subset of the study's cells, its baseline among them (default: all, in the paper's order). */
  cells?: string[];
  /** Task options from `--set key=value`, for every task; they win over the study's preset. */
  taskSettings?: Record<string, unknown>;
  /** Default: the study's tasks (with its data task when that is always run or its files are given). */
  tasks?: string[];
  trials?: number;
  scale?: Scale;
  seed: number;
  name?: string;
  /** The data of the study's data task (ptb: Penn Treebank, music: JSB Chorales). */
  dataDir?: string;
  budget?: AblateBudget;
}

/** The study of that key; a UserError listing the studies otherwise. */
export function studyByKey(key: string): ReproStudy {
  const s = reproStudy(key);
  if (!s) throw new UserError(`unknown study '${key}'; cellsearch reproduces: ${REPRO_STUDY_KEYS.join(', ')}`);
  return s;
}

/** The environment variable that names the data task's files when --data-dir is not given. */
const DATA_ENV: Record<string, string> = { ptb: 'PTB_DIR', music: 'JSB_DIR' };

export function defaultReproduceName(study: ReproStudy, scale: Scale, tasks: readonly string[], defaults: readonly string[], cells: readonly string[] = study.cells): string {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);
  const name = `reproduce-${study.key}-${scale}${same(tasks, defaults) ? '' : `-${tasks.join('+')}`}${same(cells, study.cells) ? '' : `-${cells.join('+')}`}`;
  return name.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 120);
}

/** The study's cells that --cells keeps, in the paper's order; a UserError on a cell outside the study or without its baseline. */
export function studyCells(study: ReproStudy, cells: readonly string[] | undefined): string[] {
  if (cells === undefined) return [...study.cells];
  const unknown = cells.find((c) => !study.cells.includes(c));
  if (unknown !== undefined) throw new UserError(`--cells: ${unknown} is not a cell of ${study.key} (${study.cells.join(', ')})`);
  if (!cells.includes(study.baseline)) throw new UserError(`--cells must include ${study.key}'s baseline, ${study.baseline}: every finding compares against it`);
  const kept = study.cells.filter((c) => cells.includes(c));
  if (kept.length < 2) throw new UserError(`--cells: a reproduction compares at least 2 cells; got ${kept.join(', ')}`);
  return kept;
}

/** Resolves a reproduction into the ablation that runs it. */
export function reproductionRequest(req: ReproduceRequest, env: NodeJS.ProcessEnv = process.env): AblateRequest {
  const study = studyByKey(req.study);
  const data = study.dataTask.task;
  const dataGiven = req.dataDir !== undefined || Boolean(env[DATA_ENV[data] ?? '']);
  const defaults = defaultTasks(study, dataGiven);
  const tasks = req.tasks ?? defaults;
  if (req.dataDir !== undefined && !tasks.includes(data)) throw new UserError(`--data-dir gives the ${data} data of ${study.key}, but --tasks leaves ${data} out`);
  const scale = req.scale ?? study.scale;
  // The study's training length belongs to its preset: another --scale is that scale's preset as it is.
  const budget = { ...(scale === study.scale ? study.train : {}), ...req.budget };
  const cells = studyCells(study, req.cells);
  // Its per-task lengths too, under the same flags; a task's own trials at any scale, unless --trials.
  const own = Object.entries(study.taskTrain).filter(([t]) => tasks.includes(t));
  const taskBudgets = scale === study.scale ? Object.fromEntries(own.flatMap(([t, { trials: _t, ...b }]) => (Object.keys(b).length > 0 ? [[t, { ...b, ...req.budget }]] : []))) : {};
  const taskTrials = req.trials === undefined ? Object.fromEntries(own.flatMap(([t, { trials }]) => (trials === undefined ? [] : [[t, trials]]))) : {};
  // The study's task options belong to its preset too; --set wins over them.
  const taskPresets = scale === study.scale ? study.taskOptions : {};
  return {
    cells: cells.map((ref) => ({ ref, cell: zooCell(ref) })),
    cellsLabel: study.key,
    baseline: study.baseline,
    tasks,
    trials: req.trials ?? study.trials,
    space: study.space,
    scale,
    metric: study.metric,
    seed: req.seed,
    name: req.name ?? defaultReproduceName(study, scale, tasks, defaults, cells),
    ...(req.dataDir !== undefined ? { taskDataDirs: { [data]: req.dataDir } } : {}),
    ...(Object.keys(budget).length > 0 ? { budget } : {}),
    ...(Object.keys(taskPresets).length > 0 ? { taskPresets } : {}),
    ...(Object.keys(taskBudgets).length > 0 ? { taskBudgets } : {}),
    ...(Object.keys(taskTrials).length > 0 ? { taskTrials } : {}),
    ...(req.taskSettings !== undefined && Object.keys(req.taskSettings).length > 0 ? { taskSettings: req.taskSettings } : {}),
    presetGrid: study.presetGrid,
    reproduce: study.key,
  };
}
