// `cellsearch train`: trains one or more cells on a task with one setting of hyperparameters,
// records every evaluation in the experiment database, and prints the final metrics. It is a
// study like any other: re-running the same command resumes it, Ctrl-C stops it cleanly.
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { OPTIMIZER_DEFAULTS, SETTING_DEFAULTS, SETTING_OPTIMIZERS, SettingSchema } from '../cells/engine/settings.ts';
import { parseSettingFlags, type SettingOverrides } from '../runs/flags.ts';
import { budgetOptions, DATA_DIR_OPTIONS, parseSessionFlags, settingFlagValues, studyOptions, type SessionFlags, type StudyArgs } from './options.ts';

interface TrainArgs extends StudyArgs {
  cell: string[];
  task: string;
  repeats: number;
  'data-dir'?: string;
  set?: string[];
  hidden?: number;
  layers?: number;
  'init-scale'?: number;
  optimizer?: 'sgd' | 'nesterov';
  lr?: number;
  momentum?: number;
  clip?: number;
  'input-noise'?: number;
  batch?: number;
  unroll?: number;
  steps?: number;
  'eval-every'?: number;
  'valid-batches'?: number;
  patience?: number;
  'max-halvings'?: number;
  save?: string;
}

const HP = 'Hyperparameters (default: the --scale preset; hidden from its parameter budget):';
const S = SettingSchema.shape;
const D = SETTING_DEFAULTS;

/** Parses the numeric flags; runs before yargs' own checks, so a bad value is named even when --cell is missing. */
function parseTrainFlags(args: TrainArgs): { overrides: SettingOverrides; session: SessionFlags } {
  const session = parseSessionFlags(args);
  return { overrides: parseSettingFlags(settingFlagValues(args)), session };
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  ...commandHead('train'),
  builder: (y) =>
    y
      .option('cell', { type: 'string', array: true, demandOption: true, describe: 'zoo key or cell file; repeat for several cells' })
      .option('task', { type: 'string', demandOption: true, describe: 'arithmetic, xml, ptb, memorize or music' })
      .option('repeats', { type: 'number', default: 1, describe: 'train each cell this many times (trial r has its own derived seed)' })
      .options(studyOptions({ scale: 'training budget, task sizes, parameter budget', seed: 'the evaluation seeds', name: 'train-<cells>-<task>' }))
      .options(DATA_DIR_OPTIONS)
      .option('hidden', { type: 'number', group: HP, describe: `width H (at most ${S.hidden.maxValue})` })
      .option('layers', { type: 'number', group: HP, describe: `stacked layers (${S.layers.minValue}-${S.layers.maxValue}; default ${D.layers})` })
      .option('init-scale', { type: 'number', group: HP, describe: `weights uniform in [-s, s] / sqrt(H) (default ${D.initScale})` })
      .option('optimizer', { choices: SETTING_OPTIMIZERS, group: HP, describe: `plain SGD or SGD with Nesterov momentum (default ${D.optimizer})` })
      .option('lr', { type: 'number', group: HP, describe: `learning rate (default ${OPTIMIZER_DEFAULTS.sgd.learningRate} for sgd, ${OPTIMIZER_DEFAULTS.momentum.learningRate} for nesterov)` })
      .option('momentum', { type: 'number', group: HP, describe: `momentum (nesterov; default ${OPTIMIZER_DEFAULTS.momentum.momentum})` })
      .option('clip', { type: 'number', group: HP, describe: `global gradient-norm clip, 0 = off (default ${D.clip})` })
      .option('input-noise', { type: 'number', group: HP, describe: `std of Gaussian noise on the inputs in training (Greff; default ${D.inputNoise})` })
      .option('batch', { type: 'number', group: HP, describe: 'streams per batch' })
      .option('unroll', { type: 'number', group: HP, describe: 'steps per batch' })
      .options(budgetOptions(HP))
      .option('patience', { type: 'number', group: HP, describe: 'validations without improvement before halving the learning rate' })
      .option('max-halvings', { type: 'number', group: HP, describe: 'stop after this many halvings' })
      .option('save', { type: 'string', describe: 'write each trained model into this folder: <cell>_<hash>.safetensors (the best weights) and <cell>_<hash>.py (its PyTorch module and loader)' })
      .middleware((args) => void parseTrainFlags(args), true)
      .example('$0 train --cell gru --task arithmetic', 'train the GRU with the tiny preset (about a minute)')
      .example('$0 train --cell gru --cell lstm --task xml --repeats 3 --workers 2', 'six runs on two threads')
      .example('$0 train --cell my-cell.txt --task ptb --scale small --lr 0.5', 'a cell file, a larger preset, another learning rate')
      .example('$0 train --cell gru --task text --data-dir novel.txt --save model/', 'a language model of your text, as safetensors and a PyTorch module'),
  handler: async (args) => {
    // Imported here so that other commands do not pay for the engine and the zoo at startup.
    const { loadCells } = await import('../cells/load.ts');
    const { parseSettings } = await import('./sample.ts');
    const { trainStudy, trainSummary } = await import('../runs/train.ts');
    const { executeStudy } = await import('../runs/execute.ts');
    const { evaluationLabel } = await import('../runs/progress.ts');
    const { overrides, session } = parseTrainFlags(args);
    const { checkModelFolder, saveStudyModels, savedModelStem } = await import('../runs/saved-model.ts');
    if (args.save !== undefined) checkModelFolder(args.save, '--save');
    const cells = args.cell.flatMap((ref) => loadCells(ref));
    const study = trainStudy({
      cells,
      task: args.task,
      scale: args.scale,
      repeats: args.repeats,
      seed: args.seed,
      name: args.name,
      dataDir: args['data-dir'],
      taskSettings: parseSettings(args.set ?? []),
      overrides,
      maxHeapMb: session.maxHeapMb,
      keepWeights: args.save !== undefined,
    });
    const refs = new Map(study.config.cells.map((c) => [c.hash, c.ref]));
    await executeStudy({
      ...session,
      spec: study.spec,
      strategy: study.strategy,
      jobs: study.proposals.length,
      label: evaluationLabel(refs, { task: false, trial: study.config.repeats > 1 }),
      summary: async ({ storage, outcome, db, print }) => {
        print(trainSummary(study.config, outcome.evaluations, db));
        if (args.save === undefined) return;
        const { trialOfKey } = await import('../runs/seeds.ts');
        const trial = (e: { key: string }) => (study.config.repeats > 1 ? trialOfKey(e.key) : undefined);
        const ref = (e: { architecture: string }) => refs.get(e.architecture) ?? e.architecture;
        const lines = await saveStudyModels(
          storage,
          outcome.experiment,
          args.save,
          (e) => savedModelStem(ref(e), e.architecture, trial(e)),
          (e) => `${ref(e)}${trial(e) === undefined ? '' : ` trial ${trial(e)}`}`,
        );
        const { printable } = await import('../cells/text.ts');
        print(lines.map((l) => `${printable(l)}\n`).join(''));
      },
    });
  },
};
