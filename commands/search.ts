// `cellsearch search`: the architecture search of Jozefowicz et al. (2015) (or aging evolution,
// or random graphs as a control) against the GRU, as a study of the runs layer: re-running the
// same command resumes it, Ctrl-C stops it cleanly, any worker count gives the same results.
// With no options: a tiny jozefowicz search on arithmetic and xml (a few minutes on 2 cores).
import type { CommandModule } from 'yargs';
import { FIDELITY, SCALES, type Fidelity, type Scale } from '../search/space.ts';
import { parseRunFlags, parseSettingFlags, RUN_FLAG_DEFAULTS } from '../runs/flags.ts';

interface SearchArgs {
  strategy: string;
  tasks: string;
  scale: Scale;
  budget?: number;
  time?: string;
  workers?: number;
  seed: number;
  name?: string;
  db?: string;
  'generation-size'?: number;
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
  'max-attempts': number;
  'max-heap-mb': number;
}

const KNOBS = 'Strategy settings (default: the --scale preset):';

/** A preset value at every scale, for the help: `tiny 40, small 400, paper 10,000`. */
const perScale = (value: (f: Fidelity) => number): string => SCALES.map((s) => `${s} ${value(FIDELITY[s]).toLocaleString('en-US')}`).join(', ');

/** Parses the numeric flags the study's config does not check; runs before yargs' own checks. */
function parseSearchFlags(args: SearchArgs) {
  parseSettingFlags({ maxSteps: args.steps });
  return parseRunFlags({ maxAttempts: args['max-attempts'], maxHeapMb: args['max-heap-mb'] });
}

export const searchCommand: CommandModule<object, SearchArgs> = {
  command: 'search',
  describe: 'Search for cell architectures that beat the GRU (Jozefowicz et al. 2015)',
  builder: (y) =>
    y
      .option('strategy', { choices: ['jozefowicz', 'aging', 'random'], default: 'jozefowicz', describe: 'the paper\'s list-and-filter search, aging evolution (Real et al. 2019) or random graphs (control)' })
      .option('tasks', { type: 'string', default: 'arithmetic,xml', describe: 'scored tasks, comma-separated, in filter order (arithmetic, xml, ptb; ptb costs ~36 s CPU per tiny evaluation)' })
      .option('scale', { choices: SCALES, default: 'tiny' as Scale, describe: 'fidelity preset: training, task sizes, parameter budgets, search sizes' })
      .option('budget', { type: 'number', describe: `most evaluations (training runs) in the study (default: the preset's: ${perScale((f) => f.search.evaluations)})` })
      .option('time', { type: 'string', describe: 'after this long (2h, 90m, 45s) start no more evaluations, let the running ones finish and stop; the same command continues. Not part of the study\'s config; without --budget, no evaluation cap' })
      .option('workers', { type: 'number', describe: 'worker threads (default and maximum: the number of cores); results do not depend on it' })
      .option('seed', { type: 'number', default: 1, describe: 'experiment seed: the strategy\'s draws and every evaluation seed derive from it' })
      .option('name', { type: 'string', describe: 'experiment name (default: search-<strategy>-<scale>)' })
      .option('db', { type: 'string', describe: 'database file (default: runs/<name>.sqlite)' })
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
      .option('max-attempts', { type: 'number', default: RUN_FLAG_DEFAULTS.maxAttempts, describe: 'attempts per evaluation before it is recorded as failed' })
      .option('max-heap-mb', { type: 'number', default: RUN_FLAG_DEFAULTS.maxHeapMb, describe: 'JS heap limit of each worker thread, MB' })
      .middleware((args) => void parseSearchFlags(args), true)
      .example('$0 search', 'a tiny jozefowicz search on arithmetic and xml, under 10 minutes on 2 cores')
      .example('$0 search --scale small --time 2h', 'a laptop evening; run the same command again to continue')
      .example('$0 search --strategy aging --tasks arithmetic,xml,ptb --budget 200', 'aging evolution with ptb scored too'),
  handler: async (args) => {
    // Imported here so that other commands do not pay for the engine and the zoo at startup.
    const { searchStudy, parseDuration, watchBoundaries, searchStatus, searchSummary } = await import('../runs/search.ts');
    const { executeStudy } = await import('../runs/execute.ts');
    const { TRAIN_WORKER } = await import('../runs/pool.ts');
    const { openStorage } = await import('../runs/open-storage.ts');
    const { readStudy } = await import('../runs/report/queries.ts');
    const { EXIT_INTERRUPTED } = await import('../runs/signals.ts');
    const { sessionClock } = await import('../runs/clock.ts');

    const run = parseSearchFlags(args);
    const limitMs = args.time === undefined ? undefined : parseDuration(args.time);
    const study = searchStudy({
      strategy: args.strategy,
      tasks: args.tasks.split(',').map((t) => t.trim()).filter((t) => t !== ''),
      scale: args.scale,
      budget: args.budget,
      timeLimited: limitMs !== undefined,
      generationSize: args['generation-size'],
      seed: args.seed,
      name: args.name,
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
      },
    });

    const out = process.stderr;
    const tty = out.isTTY === true;
    const clock = sessionClock();
    const started = clock.now();
    const timeUp = new AbortController();
    let base: { finished: number; elapsedMs: number } | undefined;
    const strategy = watchBoundaries(study.strategy, (b) => {
      const elapsedMs = clock.now() - started;
      base ??= { finished: b.finished, elapsedMs };
      if (b.generation > 0) out.write(searchStatus({ config: study.config, boundary: b, elapsedMs, base, limitMs, tty }) + '\n');
    });
    // The time limit stops the session as Ctrl-C does (see runs/search.ts for why results do not move).
    const cancelTimer =
      limitMs === undefined
        ? undefined
        : clock.timeout(() => {
            out.write(`\ntime limit (${args.time}) reached: finishing the running evaluations, starting no more; run the same command again to continue\n`);
            timeUp.abort();
          }, limitMs);
    const result = await executeStudy({
      spec: study.spec,
      strategy,
      handler: TRAIN_WORKER,
      db: args.db,
      workers: args.workers,
      maxAttempts: run.maxAttempts,
      maxHeapMb: run.maxHeapMb,
      stop: timeUp.signal,
      clock,
      label: (e) => `${e.architecture.slice(0, 8)} ${e.task} #${JSON.parse(e.key)[2]}`,
    }).finally(() => cancelTimer?.());
    // Stopped by the time limit alone: a normal end of a session, not an interruption.
    if (timeUp.signal.aborted && result.outcome.status === 'interrupted' && process.exitCode === EXIT_INTERRUPTED) process.exitCode = 0;
    const storage = await openStorage(result.db, { readonly: true });
    try {
      process.stdout.write(searchSummary(await readStudy(storage, study.spec.name)));
    } finally {
      await storage.close();
    }
  },
};
