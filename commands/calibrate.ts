// `cellsearch calibrate`: trains the reference cells (GRU, LSTM, Tanh RNN) on the memorization
// task over N settings of the preset's grid and prints each cell's pass rate under the search's
// memorization rule, its median accuracy and its cost, and the pass rate by grid value. The
// check that a preset's first stage lets the baselines through (runs/calibrate.ts). The study is
// an ablation (same database, resume, `report`), named calibrate-<scale> by default.
import type { CommandModule } from 'yargs';
import { commandHead } from './list.ts';
import { UserError } from '../errors.ts';
import { parseSessionFlags, studyOptions, type StudyArgs } from './options.ts';

interface CalibrateArgs extends StudyArgs {
  trials: number;
  cells: string;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  ...commandHead('calibrate'),
  builder: (y) =>
    y
      .option('trials', { type: 'number', default: 20, describe: 'grid settings, each trained by every cell' })
      .option('cells', { type: 'string', default: 'gru,lstm,tanh-rnn', describe: 'comma list of zoo keys or cell files; must include gru (the rule is relative to it)' })
      .options(studyOptions({ scale: 'memorization task, training budget, grid and the rule', seed: 'the settings and the evaluation seeds', name: 'calibrate-<scale>' }))
      .middleware((args) => {
        parseSessionFlags(args);
        if (!Number.isInteger(args.trials) || args.trials < 1) throw new UserError(`--trials must be a whole number >= 1, got ${args.trials}`);
      }, true)
      .example('$0 calibrate --scale small --trials 20', '60 memorization runs (about 8 s of CPU each at small)'),
  handler: async (args) => {
    const { loadCell } = await import('../cells/load.ts');
    const { ablateStudy, loadAblation, variantLabel } = await import('../runs/ablate.ts');
    const { calibrationOf, calibrationRequest, calibrationText } = await import('../runs/calibrate.ts');
    const { executeStudy } = await import('../runs/execute.ts');
    const { evaluationLabel } = await import('../runs/progress.ts');
    const { fidelity } = await import('../search/space.ts');

    const session = parseSessionFlags(args);
    const refs = args.cells.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const cells = refs.map((ref) => ({ ref, cell: loadCell(ref) }));
    const study = ablateStudy(calibrationRequest({ cells, scale: args.scale, trials: args.trials, seed: args.seed, name: args.name }));
    await executeStudy({
      ...session,
      spec: study.spec,
      strategy: study.strategy,
      jobs: study.proposals.length,
      label: evaluationLabel(new Map(study.config.cells.map((c) => [c.hash, variantLabel(c.ref)])), { task: false, trial: true }),
      summary: async ({ storage, outcome, db, print }) => {
        const loaded = await loadAblation(storage, study.spec.name);
        print(calibrationText(calibrationOf(loaded, fidelity(args.scale)), args.scale));
        print(`${outcome.status === 'done' ? 'done' : 'interrupted'}; recorded in ${db} ('cellsearch report --db ${db}' for the ablation report)\n`);
      },
    });
  },
};
