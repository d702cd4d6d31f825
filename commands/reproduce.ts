// `cellsearch reproduce <study>`: runs a published study again (Jozefowicz et al. 2015, Table 1;
// Greff et al. 2016's findings) as an ablation, then prints the ablation's summary and "Against
// the paper": our numbers beside the paper's and a verdict on each published finding. The same
// command resumes the study (or, once it is done, only judges it again); `--time` ends a session
// as Ctrl-C does, with exit 0.
import type { CommandModule } from 'yargs';
import { SCALES, type Scale } from '../search/space.ts';
import { REPRO_STUDIES, REPRO_STUDY_KEYS } from '../search/reproduce/studies.ts';
import { parseSettingFlags } from '../runs/flags.ts';
import { budgetOptions, parseSessionFlags, settingFlagValues, studyOptions, type StudyArgs } from './options.ts';

interface ReproduceArgs extends Omit<StudyArgs, 'scale'> {
  study: string;
  scale?: Scale;
  tasks?: string;
  cells?: string;
  set?: string[];
  trials?: number;
  time?: string;
  report?: string;
  'data-dir'?: string;
  steps?: number;
  'eval-every'?: number;
  'valid-batches'?: number;
}

/** Each study's preset, for the help: its scale, and the training length and task options it sets beyond it. */
/** The tasks of a study with a value of their own (`xml 20`), for the help; empty when none has one. */
function ownPerTask(s: (typeof REPRO_STUDIES)[number], value: (t: (typeof s.taskTrain)[string]) => number | undefined): string[] {
  return Object.entries(s.taskTrain).flatMap(([task, t]) => {
    const v = value(t);
    return v === undefined ? [] : [`${task} ${v.toLocaleString('en-US')}`];
  });
}

const studyPresets = REPRO_STUDIES.map((s) => {
  const perTask = ownPerTask(s, (t) => t.maxSteps);
  const steps = (s.train.maxSteps === undefined ? '' : ` with ${s.train.maxSteps.toLocaleString('en-US')} steps`) + (perTask.length > 0 ? ` (${perTask.join(', ')})` : '');
  const options = Object.entries(s.taskOptions).map(([task, o]) => `${task} ${Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return `${s.key} ${s.scale}${steps}${options.length > 0 ? ` (${options.join(', ')})` : ''}`;
}).join('; ');

/** Each study's trials, for the help: its count, and the tasks with their own. */
const studyTrials = REPRO_STUDIES.map((s) => {
  const perTask = ownPerTask(s, (t) => t.trials);
  return `${s.trials} for ${s.key}${perTask.length > 0 ? ` (${perTask.join(', ')})` : ''}`;
}).join(', ');

function parseReproduceFlags(args: ReproduceArgs) {
  return { budget: parseSettingFlags(settingFlagValues(args)), session: parseSessionFlags(args as unknown as StudyArgs) };
}

export const reproduceCommand: CommandModule<object, ReproduceArgs> = {
  command: 'reproduce <study>',
  describe: "Reproduce a paper's study (Jozefowicz et al. 2015 Table 1, Greff et al. 2016) and judge each published finding against our numbers",
  builder: (y) =>
    y
      .positional('study', { choices: REPRO_STUDY_KEYS, demandOption: true, describe: "jozefowicz-table1: ten cells' best accuracy on arithmetic, xml, ptb; greff-findings: the vanilla LSTM and its eight variants" })
      .options({
        ...studyOptions({ scale: "training budget, task sizes, hidden range (default: the study's)", seed: 'the plan and the evaluation seeds', name: 'reproduce-<study>-<scale>' }),
        scale: { choices: SCALES, describe: `fidelity preset (default: the study's: ${studyPresets}; another scale is that scale's preset as it is)` },
      })
      .option('tasks', { type: 'string', describe: 'comma list of tasks (default: the study\'s: jozefowicz-table1 arithmetic,xml,ptb; greff-findings arithmetic,xml, and music when --data-dir or JSB_DIR gives JSB Chorales)' })
      .option('cells', { type: 'string', describe: "comma list of the study's cells to run, its baseline among them (default: all of them)" })
      .option('set', { type: 'string', array: true, describe: "a task option for every task, key=value (e.g. batching=stream); wins over the study's preset; repeatable" })
      .option('trials', { type: 'number', describe: `settings per (cell, task), for every task; trial t has the same setting for every cell (default: the study's: ${studyTrials})` })
      .option('data-dir', { type: 'string', describe: "the files of the study's data task: Penn Treebank for jozefowicz-table1 (default PTB_DIR, else the shipped corpus), JSB Chorales for greff-findings (default JSB_DIR)" })
      .option('time', { type: 'string', describe: 'after this long (2h, 90m, 45s) start no more evaluations, let the running ones finish and stop (exit 0); the same command continues. Not part of the study\'s config' })
      .option('report', { type: 'string', describe: 'write the report, with its section "Against the paper" (report.md, report.html, figures/*.svg), to this folder' })
      .options(budgetOptions())
      .middleware((args) => void parseReproduceFlags(args as ReproduceArgs), true)
      .example('$0 reproduce jozefowicz-table1 --tasks arithmetic --trials 6', 'Table 1 on arithmetic: ten cells, six grid settings each')
      .example('$0 reproduce greff-findings --data-dir jsb/ --time 2h', "Greff's findings on arithmetic, xml and JSB music; run again to continue"),
  handler: async (args) => {
    const { reproductionRequest } = await import('../runs/reproduce.ts');
    const { ablateStudy } = await import('../runs/ablate.ts');
    const { parseDuration } = await import('../runs/search.ts');
    const { executeAblation } = await import('../runs/execute-ablation.ts');
    const { sessionClock } = await import('../runs/clock.ts');

    const { budget, session } = parseReproduceFlags(args);
    const timeLimit = args.time === undefined ? undefined : { ms: parseDuration(args.time), flag: args.time };
    const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((t) => t.trim()).filter((t) => t !== ''));
    const tasks = list(args.tasks);
    const cells = list(args.cells);
    const taskSettings = (await import('./sample.ts')).parseSettings(args.set ?? []);
    const study = ablateStudy(
      reproductionRequest({ study: args.study, tasks, cells, taskSettings, trials: args.trials, scale: args.scale, seed: args.seed, name: args.name, dataDir: args['data-dir'], budget }),
    );
    await executeAblation(study, {
      ...session,
      timeLimit,
      // The session's clock (a test's stepped clock when CELLSEARCH_TEST_CLOCK is set): what --time reads.
      clock: sessionClock(),
      report: args.report,
    });
  },
};
