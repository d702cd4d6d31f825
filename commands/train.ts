// `cellsearch train`: trains one or more cells on a task with one setting of hyperparameters,
// records every evaluation in the experiment database, and prints the final metrics. It is a
// study like any other: re-running the same command resumes it, Ctrl-C stops it cleanly.
import type { CommandModule } from 'yargs';
import { OPTIMIZER_DEFAULTS, SETTING_DEFAULTS, SETTING_OPTIMIZERS, SettingSchema } from '../cells/engine/settings.ts';
import { SCALES, type Scale } from '../search/space.ts';
import { parseRunFlags, parseSettingFlags, RUN_FLAG_DEFAULTS, type SettingOverrides } from '../runs/flags.ts';

interface TrainArgs {
  cell: string[];
  task: string;
  scale: Scale;
  repeats: number;
  seed: number;
  name?: string;
  db?: string;
  workers?: number;
  'max-attempts': number;
  'max-heap-mb': number;
  'data-dir'?: string;
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
}

const HP = 'Hyperparameters (default: the --scale preset; hidden from its parameter budget):';
const S = SettingSchema.shape;
const D = SETTING_DEFAULTS;

/** The setting flags given (undefined: not given), as the fields of a training setting. */
function overridesOf(args: TrainArgs): { [k in keyof SettingOverrides]: unknown } {
  return {
    hidden: args.hidden,
    layers: args.layers,
    initScale: args['init-scale'],
    optimizer: args.optimizer,
    learningRate: args.lr,
    momentum: args.momentum,
    clip: args.clip,
    inputNoise: args['input-noise'],
    batch: args.batch,
    unroll: args.unroll,
    maxSteps: args.steps,
    evalEvery: args['eval-every'],
    validBatches: args['valid-batches'],
    patience: args.patience,
    maxHalvings: args['max-halvings'],
  };
}

/** Parses the numeric flags; runs before yargs' own checks, so a bad value is named even when --cell is missing. */
function parseTrainFlags(args: TrainArgs): { overrides: SettingOverrides; run: ReturnType<typeof parseRunFlags> } {
  const run = parseRunFlags({ maxAttempts: args['max-attempts'], maxHeapMb: args['max-heap-mb'] });
  return { overrides: parseSettingFlags(overridesOf(args)), run };
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train cells on a task and record the results in the experiment database',
  builder: (y) =>
    y
      .option('cell', { type: 'string', array: true, demandOption: true, describe: 'zoo key or cell file; repeat for several cells' })
      .option('task', { type: 'string', demandOption: true, describe: 'arithmetic, xml, ptb, memorize or music' })
      .option('scale', { choices: SCALES, default: 'tiny' as Scale, describe: 'fidelity preset: training budget, task sizes, parameter budget' })
      .option('repeats', { type: 'number', default: 1, describe: 'train each cell this many times (trial r has its own derived seed)' })
      .option('seed', { type: 'number', default: 1, describe: 'experiment seed; every evaluation seed derives from it' })
      .option('name', { type: 'string', describe: 'experiment name (default: train-<cells>-<task>)' })
      .option('db', { type: 'string', describe: 'database file (default: runs/<name>.sqlite)' })
      .option('workers', { type: 'number', describe: 'worker threads (default and maximum: the number of cores)' })
      .option('max-attempts', { type: 'number', default: RUN_FLAG_DEFAULTS.maxAttempts, describe: 'attempts per evaluation before it is recorded as failed' })
      .option('max-heap-mb', { type: 'number', default: RUN_FLAG_DEFAULTS.maxHeapMb, describe: 'JS heap limit of each worker thread, MB' })
      .option('data-dir', { type: 'string', describe: 'ptb / music data folder (default: PTB_DIR / JSB_DIR; ptb: the shipped corpus)' })
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
      .option('steps', { type: 'number', group: HP, describe: 'most training steps' })
      .option('eval-every', { type: 'number', group: HP, describe: 'steps between validations' })
      .option('valid-batches', { type: 'number', group: HP, describe: 'validation batches per validation' })
      .option('patience', { type: 'number', group: HP, describe: 'validations without improvement before halving the learning rate' })
      .option('max-halvings', { type: 'number', group: HP, describe: 'stop after this many halvings' })
      .middleware((args) => void parseTrainFlags(args), true)
      .example('$0 train --cell gru --task arithmetic', 'train the GRU with the tiny preset (about a minute)')
      .example('$0 train --cell gru --cell lstm --task xml --repeats 3 --workers 2', 'six runs on two threads')
      .example('$0 train --cell my-cell.txt --task ptb --scale small --lr 0.5', 'a cell file, a larger preset, another learning rate'),
  handler: async (args) => {
    // Imported here so that other commands do not pay for the engine and the zoo at startup.
    const { loadCell } = await import('../cells/load.ts');
    const { trainStudy } = await import('../runs/train.ts');
    const { executeStudy } = await import('../runs/execute.ts');
    const { TRAIN_WORKER } = await import('../runs/pool.ts');
    const { trainSummary } = await import('../runs/train.ts');
    const { overrides, run } = parseTrainFlags(args);
    const cells = args.cell.map((ref) => ({ ref, cell: loadCell(ref) }));
    const study = trainStudy({
      cells,
      task: args.task,
      scale: args.scale,
      repeats: args.repeats,
      seed: args.seed,
      name: args.name,
      dataDir: args['data-dir'],
      overrides,
    });
    const labels = new Map(study.config.cells.map((c) => [c.hash, c.ref]));
    const out = await executeStudy({
      spec: study.spec,
      strategy: study.strategy,
      handler: TRAIN_WORKER,
      db: args.db,
      workers: args.workers,
      jobs: study.proposals.length,
      maxAttempts: run.maxAttempts,
      maxHeapMb: run.maxHeapMb,
      label: (e) => `${labels.get(e.architecture) ?? e.architecture.slice(0, 8)}${study.config.repeats > 1 ? ` #${JSON.parse(e.key)[2]}` : ''}`,
    });
    process.stdout.write(trainSummary(study.config, out.outcome.evaluations, out.db));
  },
};
