// `cellsearch ablate`: an ablation study in the style of Greff et al. (2016): N random-search
// trials per (cell, task), every cell trained with the same sampled hyperparameters for trial t,
// recorded in the experiment database; then the ranking, the tests against the baseline and
// fANOVA, printed as a compact summary, and with --report the "odyssey" report. Re-running the
// same command resumes the study (or, once it is done, only analyses it again).
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { SPACES, type SpaceName } from '../search/space.ts';
import { parseSettingFlags } from '../runs/flags.ts';
import { budgetOptions, DATA_DIR_OPTIONS, parseSessionFlags, settingFlagValues, studyOptions, type StudyArgs } from './options.ts';

interface AblateArgs extends StudyArgs {
  cells: string;
  baseline?: string;
  tasks: string;
  trials: number;
  space?: SpaceName;
  metric: 'loss' | 'accuracy' | 'perplexity';
  report?: string;
  'data-dir'?: string;
  set?: string[];
  steps?: number;
  'eval-every'?: number;
  'valid-batches'?: number;
}

/** Parses the numeric flags of the session and the training budget; runs before yargs' own checks. */
function parseAblateFlags(args: AblateArgs) {
  const session = parseSessionFlags(args);
  return { budget: parseSettingFlags(settingFlagValues(args)), session };
}

const split = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

export const ablateCommand: CommandModule<object, AblateArgs> = {
  ...commandHead('ablate'),
  builder: (y) =>
    y
      .option('cells', { type: 'string', demandOption: true, describe: "'greff' (vanilla LSTM and its 8 variants), 'jozefowicz' (the 2015 paper's cells) or a comma list of zoo keys and cell files" })
      .option('baseline', { type: 'string', describe: 'the cell every other is tested against (default: greff-vanilla for greff, gru for jozefowicz, else the first cell)' })
      .option('tasks', { type: 'string', demandOption: true, describe: 'comma list of tasks: arithmetic, xml, ptb, memorize, music' })
      .option('trials', { type: 'number', demandOption: true, describe: 'random-search trials per (cell, task); trial t has the same hyperparameters for every cell' })
      .option('space', { choices: SPACES, describe: "hyperparameter space: 'greff' (hidden, learning rate, momentum; the default) or 'jozefowicz' (the grid; default for --cells jozefowicz)" })
      .option('metric', { choices: ['loss', 'accuracy', 'perplexity'] as const, default: 'loss' as const, describe: 'the compared metric (validation selects the top 10%, test is reported)' })
      .options(studyOptions({ scale: 'training budget, task sizes, hidden range', seed: 'the plan and the evaluation seeds', name: 'ablate-<cells>-<tasks>' }))
      .option('report', { type: 'string', describe: 'write the odyssey report (report.md, report.html, figures/*.svg) to this folder' })
      .options(DATA_DIR_OPTIONS)
      .options(budgetOptions())
      .middleware((args) => void parseAblateFlags(args), true)
      .example('$0 ablate --cells greff --tasks arithmetic --trials 20', "Greff's nine LSTMs, 20 trials each, tiny preset")
      .example('$0 ablate --cells gru,lstm,my-cell.txt --baseline gru --tasks xml --trials 10 --report out/', 'your own cell against the zoo, with the report'),
  handler: async (args) => {
    const { GREFF_CELLS, JOZEFOWICZ_CELLS } = await import('../cells/zoo/index.ts');
    const { loadCells } = await import('../cells/load.ts');
    const { parseSettings } = await import('./sample.ts');
    const { ablateStudy, variantLabel } = await import('../runs/ablate.ts');
    const { executeAblation } = await import('../runs/execute-ablation.ts');

    const { budget, session } = parseAblateFlags(args);
    const preset = args.cells === 'greff' ? 'greff' : args.cells === 'jozefowicz' ? 'jozefowicz' : null;
    const refs = preset === 'greff' ? [...GREFF_CELLS] : preset === 'jozefowicz' ? [...JOZEFOWICZ_CELLS] : split(args.cells);
    if (refs.length === 0) throw new UserError('--cells names no cell');
    const cells = refs.flatMap((ref) => loadCells(ref));
    const baseline = args.baseline ?? (preset === 'greff' ? 'greff-vanilla' : preset === 'jozefowicz' ? 'gru' : variantLabel(cells[0].ref));
    const study = ablateStudy({
      cells,
      cellsLabel: preset ?? refs.map(variantLabel).join('+'),
      baseline,
      tasks: split(args.tasks),
      trials: args.trials,
      space: args.space ?? (preset === 'jozefowicz' ? 'jozefowicz' : 'greff'),
      scale: args.scale,
      metric: args.metric,
      seed: args.seed,
      name: args.name,
      dataDir: args['data-dir'],
      taskSettings: parseSettings(args.set ?? []),
      budget,
    });
    await executeAblation(study, { ...session, report: args.report });
  },
};
