// `cellsearch search`: the architecture search of Jozefowicz et al. (2015) (or aging evolution,
// or random graphs as a control) against the GRU, as a study of the runs layer: re-running the
// same command resumes it, Ctrl-C stops it cleanly, any worker count gives the same results.
// With no options: a tiny jozefowicz search on arithmetic and xml (a few minutes on 2 cores).
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { DEFAULT_CONFIRM_SEEDS, FIDELITY, SCALES, type Fidelity } from '../search/space.ts';
import { parseSettingFlags } from '../runs/flags.ts';
import { parseSessionFlags, settingFlagValues, studyOptions, type StudyArgs } from './options.ts';

interface SearchArgs extends StudyArgs {
  strategy: string;
  tasks: string;
  budget?: number;
  time?: string;
  'generation-size'?: number;
  'data-dir'?: string;
  set?: string[];
  'seed-cells'?: string[];
  k?: number;
  'repeat-settings'?: number;
  'list-size'?: number;
  q?: number;
  population?: number;
  sample?: number;
  steps?: number;
  fidelity?: string;
  eta?: number;
  'min-steps'?: number;
  pool?: number;
  'prune-ratio'?: number;
  confirm?: number;
  'confirm-seeds'?: number;
}

/**
 * The default scored tasks. A tiny ptb evaluation costs ~36 s CPU (the 10,000-word softmax)
 * against ~1 s for arithmetic and 3-8 s for xml, so with ptb the default tiny study would not
 * finish in 10 minutes on 2 cores; add it with --tasks arithmetic,xml,ptb.
 */
const DEFAULT_SEARCH_TASKS = ['arithmetic', 'xml'] as const;

const KNOBS = 'Strategy settings (default: the --scale preset):';

/** A preset value at every scale, for the help: `tiny 40, small 400, paper 10,000`. */
const perScale = (value: (f: Fidelity) => number): string => SCALES.map((s) => `${s} ${value(FIDELITY[s]).toLocaleString('en-US')}`).join(', ');

/** Parses the numeric flags the study's config does not check; runs before yargs' own checks. */
function parseSearchFlags(args: SearchArgs) {
  parseSettingFlags(settingFlagValues(args));
  return parseSessionFlags(args);
}

export const searchCommand: CommandModule<object, SearchArgs> = {
  ...commandHead('search'),
  builder: (y) =>
    y
      .option('strategy', { choices: ['jozefowicz', 'aging', 'random'], default: 'jozefowicz', describe: 'the paper\'s list-and-filter search, aging evolution (Real et al. 2019) or random graphs (control)' })
      .option('tasks', { type: 'string', default: DEFAULT_SEARCH_TASKS.join(','), describe: 'scored tasks, comma-separated, in filter order (arithmetic, xml, ptb, text; ptb costs ~36 s CPU per tiny evaluation; text needs --data-dir)' })
      .option('budget', { type: 'number', describe: `most evaluations (training runs) in the study; with --fidelity sha counted in full-budget equivalents, each run the steps it trains over the preset's steps (default: the preset's: ${perScale((f) => f.search.evaluations)})` })
      .option('time', { type: 'string', describe: 'after this long (2h, 90m, 45s) start no more evaluations, let the running ones finish and stop; the same command continues. Not part of the study\'s config; without --budget, no evaluation cap' })
      .options(studyOptions({ scale: 'training, task sizes, parameter budgets, search sizes', seed: "the strategy's draws and the evaluation seeds", name: 'search-<strategy>-<scale>' }))
      .option('data-dir', { type: 'string', describe: 'the text task: a folder with train.txt, valid.txt, test.txt, or one text file' })
      .option('set', { type: 'string', array: true, describe: 'a text task option, key=value (level=word, maxVocab=N, minCount=N); repeatable' })
      .option('seed-cells', { type: 'string', array: true, describe: 'start from these cells too, besides the GRU and the LSTM: a cell file (notation or JSON) or a NAS-Bench-NLP recipes file or folder (FILE#3,7 for some); repeatable; stored in the study\'s config' })
      .option('generation-size', { type: 'number', group: KNOBS, describe: 'new candidates (or re-evaluations) per generation (default 4)' })
      .option('k', { type: 'number', group: KNOBS, describe: `hyperparameter settings per task for a new architecture (K; ${perScale((f) => f.search.settingsPerTask)})` })
      .option('repeat-settings', { type: 'number', group: KNOBS, describe: 'jozefowicz: settings per task when a listed architecture is picked again' })
      .option('list-size', { type: 'number', group: KNOBS, describe: 'jozefowicz: size N of the list of the best' })
      .option('q', { type: 'number', group: KNOBS, describe: 'jozefowicz: probability of re-evaluating a listed architecture instead of mutating one' })
      .option('population', { type: 'number', group: KNOBS, describe: 'aging: population P' })
      .option('sample', { type: 'number', group: KNOBS, describe: 'aging: tournament sample S' })
      .option('steps', { type: 'number', group: KNOBS, describe: `most training steps per evaluation (${perScale((f) => f.train.maxSteps)})` })
      .option('fidelity', { type: 'string', group: KNOBS, describe: `jozefowicz: train every evaluation to the full budget, or in rungs of successive halving against the GRU with the same setting (full|sha; ${SCALES.map((s) => `${s} ${FIDELITY[s].search.fidelity}`).join(', ')})` })
      .option('eta', { type: 'number', group: KNOBS, describe: 'sha: the best 1/eta of a rung go on, with eta times the steps (default 3)' })
      .option('min-steps', { type: 'number', group: KNOBS, describe: `sha: steps of the first rung at least (${perScale((f) => f.search.minSteps)})` })
      .option('pool', { type: 'number', group: KNOBS, describe: `sha: grid points per task the settings are drawn from, drawn once per study, so that the GRU references are shared (${perScale((f) => f.search.pool ?? 0)})` })
      .option('prune-ratio', { type: 'number', group: KNOBS, describe: `sha: a setting goes on to the next rung only if it reaches this fraction of its GRU's value at the same rung (0: the plain halving rule; ${perScale((f) => f.search.pruneRatio ?? 0)})` })
      .option('confirm', { type: 'number', group: KNOBS, describe: `jozefowicz: when the budget is spent, train the top K architectures, the GRU and the LSTM again at full fidelity with their best setting per task on fresh seeds, and only call better than the GRU what that confirms (these runs do not count against --budget; ${perScale((f) => f.search.confirm ?? 0)})` })
      .option('confirm-seeds', { type: 'number', group: KNOBS, describe: `jozefowicz: fresh seeds per confirmed architecture and task (at least 2; ${perScale((f) => f.search.confirmSeeds ?? DEFAULT_CONFIRM_SEEDS)})` })
      .middleware((args) => void parseSearchFlags(args), true)
      .example('$0 search', 'a tiny jozefowicz search on arithmetic and xml, under 10 minutes on 2 cores')
      .example('$0 search --scale small --time 2h', 'a laptop evening; run the same command again to continue')
      .example('$0 search --strategy aging --tasks arithmetic,xml,ptb --budget 200', 'aging evolution with ptb scored too')
      .example('$0 search --seed-cells data/recepies_example.json', 'NAS-Bench-NLP cells in the starting list besides the GRU and the LSTM'),
  handler: async (args) => {
    // Imported here so that other commands do not pay for the engine and the zoo at startup.
    const { searchStudy, parseDuration, watchBoundaries, searchStatus, searchSummary, statusBase } = await import('../runs/search.ts');
    const { executeStudy } = await import('../runs/execute.ts');
    const { evaluationLabel } = await import('../runs/progress.ts');
    const { readStudy } = await import('../runs/report/queries.ts');
    const { sessionClock } = await import('../runs/clock.ts');

    const session = parseSearchFlags(args);
    const timeLimit = args.time === undefined ? undefined : { ms: parseDuration(args.time), flag: args.time };
    const limitMs = timeLimit?.ms;
    const { loadCells } = await import('../cells/load.ts');
    const seedCells = (args['seed-cells'] ?? []).flatMap((ref) => loadCells(ref));
    const study = searchStudy({
      strategy: args.strategy,
      tasks: args.tasks.split(',').map((t) => t.trim()).filter((t) => t !== ''),
      scale: args.scale,
      budget: args.budget,
      timeLimited: limitMs !== undefined,
      generationSize: args['generation-size'],
      seed: args.seed,
      name: args.name,
      dataDir: args['data-dir'],
      taskSettings: (await import('./sample.ts')).parseSettings(args.set ?? []),
      seedCells,
      knobs: {
        settingsPerTask: args.k,
        repeatSettings: args['repeat-settings'],
        listSize: args['list-size'],
        q: args.q,
        population: args.population,
        sample: args.sample,
        steps: args.steps,
        fidelity: args.fidelity,
        eta: args.eta,
        minSteps: args['min-steps'],
        pool: args.pool,
        pruneRatio: args['prune-ratio'],
        confirm: args.confirm,
        confirmSeeds: args['confirm-seeds'],
      },
    });

    const out = process.stderr;
    const { printable } = await import('../cells/text.ts');
    for (const note of study.notes) out.write(`note: ${printable(note)}\n`);
    const tty = out.isTTY === true;
    const clock = sessionClock();
    const started = clock.now();
    let base: ReturnType<typeof statusBase> | undefined;
    const strategy = watchBoundaries(study.strategy, (b) => {
      const elapsedMs = clock.now() - started;
      base ??= statusBase(study.config, b, elapsedMs);
      if (b.generation > 0) out.write(searchStatus({ config: study.config, boundary: b, elapsedMs, base, limitMs, tty }) + '\n');
    });
    await executeStudy({
      ...session,
      spec: study.spec,
      strategy,
      // The time limit stops the session as Ctrl-C does (see runs/search.ts for why results do not move).
      timeLimit,
      clock,
      label: evaluationLabel(new Map(), { task: true, trial: true }),
      summary: async ({ storage, print }) => print(searchSummary(await readStudy(storage, study.spec.name))),
    });
  },
};
