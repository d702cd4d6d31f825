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

export function defaultReproduceName(study: ReproStudy, scale: Scale, tasks: readonly string[], defaults: readonly string[]): string {
  const same = tasks.length === defaults.length && tasks.every((t, i) => t === defaults[i]);
  return `reproduce-${study.key}-${scale}${same ? '' : `-${tasks.join('+')}`}`.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 120);
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
  return {
    cells: study.cells.map((ref) => ({ ref, cell: zooCell(ref) })),
    cellsLabel: study.key,
    baseline: study.baseline,
    tasks,
    trials: req.trials ?? study.trials,
    space: study.space,
    scale,
    metric: study.metric,
    seed: req.seed,
    name: req.name ?? defaultReproduceName(study, scale, tasks, defaults),
    ...(req.dataDir !== undefined ? { taskDataDirs: { [data]: req.dataDir } } : {}),
    ...(Object.keys(budget).length > 0 ? { budget } : {}),
    presetGrid: study.presetGrid,
    reproduce: study.key,
  };
}
