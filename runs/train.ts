// The "train" study: one or more cells trained on one task with one setting of hyperparameters,
// each `repeats` times (repeat r is trial r: its own derived seed). A fixed list of evaluations
// in one generation; what `cellsearch train` runs.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { settingDefaults } from '../cells/engine/settings.ts';
import type { Cell } from '../cells/graph.ts';
import { isZooKey } from '../cells/zoo/index.ts';
import { fidelity, hiddenForBudget, SCALES, taskBudget, type Fidelity, type Scale } from '../search/space.ts';
import { getTask, isTaskName } from '../tasks/registry.ts';
import type { StudySpec } from './study.ts';
import { JsonObjectSchema, type Evaluation, type JsonObject } from './storage.ts';
import { architectureOf, fixedListStrategy, type Proposal, type Strategy } from './strategy.ts';
import { TrainHyperparamsSchema, type TrainHyperparams } from './train-hyperparams.ts';
import { jobMemory, memoryRefusal } from './trainer.ts';
import { parseSettingFlags, type SettingOverrides } from './flags.ts';
import { trialOfKey } from './seeds.ts';
import { EVALUATION_COLUMNS, evaluationResultCells } from './report/train.ts';

export const TRAIN_KIND = 'train';

/** What is stored as the experiment's config: every value resolved. */
export const TrainConfigSchema = z.strictObject({
  scale: z.enum(SCALES),
  task: z.string(),
  taskOptions: JsonObjectSchema,
  repeats: z.number().int().min(1),
  cells: z.array(z.strictObject({ ref: z.string(), hash: z.string(), hyperparameters: TrainHyperparamsSchema })).min(1),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export interface TrainRequest {
  /** As the user named them (zoo keys or files), with the loaded cells. */
  cells: { ref: string; cell: Cell }[];
  task: string;
  scale: Scale;
  /** Hyperparameters set on the command line; the rest come from the preset and the setting's defaults. */
  overrides: SettingOverrides;
  repeats: number;
  seed: number;
  name?: string;
  /** ptb / music / text data folder (absolute in the config). */
  dataDir?: string;
  /** --max-heap-mb: a cell whose training would need more is refused before anything is written. */
  maxHeapMb?: number;
  /** Task options from `--set key=value` (e.g. the text task's level), over the preset's. */
  taskSettings?: Record<string, unknown>;
  /**
   * `--save`: every evaluation keeps its end checkpoint (with the best weights) in the database,
   * where the model files are written from. Not part of the config: it changes what is stored
   * beside the results, not the results.
   */
  keepWeights?: boolean;
}

export interface TrainStudy {
  spec: StudySpec;
  config: TrainConfig;
  strategy: Strategy;
  proposals: Proposal[];
}

/**
 * The task options a preset gives a task, then `settings` (`--set`), plus the data folder of tasks
 * that read files. The task's own schema checks them all when the task is built.
 */
export function presetTaskOptions(task: string, fid: Fidelity, dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env, settings: Record<string, unknown> = {}): JsonObject {
  const parsed = JsonObjectSchema.safeParse(settings);
  if (!parsed.success) throw new UserError(`--set: task options must be JSON values`);
  if ('dataDir' in settings) throw new UserError('--set dataDir=...: give the data with --data-dir');
  const preset: JsonObject = { ...(task in fid.tasks ? (fid.tasks as Record<string, JsonObject>)[task] : {}), ...parsed.data };
  const envDir = task === 'ptb' ? env.PTB_DIR : task === 'music' ? env.JSB_DIR : undefined;
  const dir = dataDir ?? (envDir ? envDir : undefined);
  if (dir !== undefined) {
    if (task !== 'ptb' && task !== 'music' && task !== 'text') throw new UserError(`--data-dir applies to the ptb, music and text tasks, not ${task}`);
    // Absolute, so that the stored config names the data whatever the working directory.
    preset.dataDir = isAbsolute(dir) ? dir : resolve(dir);
  }
  return preset;
}

export function defaultTrainName(cellRefs: readonly string[], task: string): string {
  const short = cellRefs.map((r) => (isZooKey(r) ? r : r.replace(/^.*[\\/]/, '').replace(/\.[^.#]*(#\d+)?$/, '$1')));
  return `train-${short.join('+')}-${task}`.replace(/[^A-Za-z0-9._+-]/g, '_');
}

/** Resolves a request into the study: its stored config, the strategy and the evaluations. */
export function trainStudy(req: TrainRequest): TrainStudy {
  if (!isTaskName(req.task)) getTask(req.task); // throws the registry's UserError listing the tasks
  if (!Number.isInteger(req.repeats) || req.repeats < 1) throw new UserError(`--repeats must be a whole number >= 1, got ${req.repeats}`);
  if (!Number.isSafeInteger(req.seed) || req.seed < 0) throw new UserError(`--seed must be a whole number >= 0, got ${req.seed}`);
  const overrides = parseSettingFlags(req.overrides);
  const fid = fidelity(req.scale);
  const taskOptions = presetTaskOptions(req.task, fid, req.dataDir, process.env, req.taskSettings);
  // Building the task checks its options (and a data folder) before anything is written.
  const task = getTask(req.task, taskOptions);
  const vocab = task.vocab.length;
  const budget = taskBudget(fid, req.task, taskOptions);

  const seen = new Set<string>();
  const cells = req.cells.map(({ ref, cell }) => {
    const arch = architectureOf(ref, cell);
    if (seen.has(arch.hash)) throw new UserError(`--cell ${ref} is the same architecture as an earlier --cell (hash ${arch.hash})`);
    seen.add(arch.hash);
    const defaults = settingDefaults(overrides.optimizer);
    const layers = overrides.layers ?? defaults.layers;
    const hyperparameters: TrainHyperparams = TrainHyperparamsSchema.parse({
      space: 'jozefowicz',
      ...defaults,
      hidden: overrides.hidden ?? hiddenForBudget(cell, budget, vocab, layers),
      ...fid.train,
      ...overrides,
    });
    if (hyperparameters.optimizer === 'sgd' && hyperparameters.momentum !== 0) throw new UserError('--momentum needs --optimizer nesterov (plain SGD has none)');
    const refused = memoryRefusal(jobMemory(cell, hyperparameters, task), hyperparameters, req.maxHeapMb);
    if (refused !== undefined) throw new UserError(`--cell ${ref} on ${req.task}: ${refused}`);
    return { ref, arch, hyperparameters };
  });

  const config = TrainConfigSchema.parse({
    scale: req.scale,
    task: req.task,
    taskOptions,
    repeats: req.repeats,
    cells: cells.map((c) => ({ ref: c.ref, hash: c.arch.hash, hyperparameters: c.hyperparameters })),
  });
  const proposals: Proposal[] = cells.flatMap((c) =>
    Array.from({ length: req.repeats }, (_, r) => ({
      architecture: c.arch,
      task: req.task,
      taskOptions,
      hyperparameters: c.hyperparameters as JsonObject,
      trial: r,
      ...(req.keepWeights ? { checkpoint: true } : {}),
    })),
  );
  const name = req.name ?? defaultTrainName(req.cells.map((c) => c.ref), req.task);
  return {
    spec: { name, kind: TRAIN_KIND, seed: req.seed, config: config },
    config,
    strategy: fixedListStrategy(proposals),
    proposals,
  };
}

/** The final table of a train study: one row per evaluation. */
export function trainSummary(config: TrainConfig, evaluations: readonly Evaluation[], db: string): string {
  const refs = new Map(config.cells.map((c) => [c.hash, c.ref]));
  const header = EVALUATION_COLUMNS.filter((c) => c !== 'task');
  const rows = evaluations.map((e) => [refs.get(e.architecture) ?? e.architecture, trialOfKey(e.key), ...evaluationResultCells(e)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (i < 3 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  const failures = evaluations.filter((e) => e.status === 'failed').map((e) => `failed: ${refs.get(e.architecture) ?? e.architecture} trial ${trialOfKey(e.key)}: ${(e.error ?? '').split('\n')[0]}`);
  return [line(header), ...rows.map(line), ...failures, `task ${config.task} (${config.scale}); recorded in ${db}`, ''].join('\n');
}
