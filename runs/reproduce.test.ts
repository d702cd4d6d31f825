import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../errors.ts';
import { ablateStudy, taskMaxSteps, taskTrials } from './ablate.ts';
import { reproductionRequest } from './reproduce.ts';
import { reproStudy } from '../search/reproduce/index.ts';
import { FIDELITY } from '../search/space.ts';

const userError = (re: RegExp) => (err: unknown) => isUserError(err) && re.test((err as Error).message);

test("reproductionRequest: the study's cells, baseline, space, metric, preset and trials; its default tasks", () => {
  const j = reproductionRequest({ study: 'jozefowicz-table1', seed: 1 }, {});
  assert.deepEqual(j.cells.map((c) => c.ref), ['tanh-rnn', 'lstm', 'lstm-f', 'lstm-i', 'lstm-o', 'lstm-b', 'gru', 'mut1', 'mut2', 'mut3']);
  assert.deepEqual([j.baseline, j.space, j.metric, j.scale, j.trials, j.presetGrid, j.reproduce], ['lstm', 'jozefowicz', 'accuracy', 'small', 6, true, 'jozefowicz-table1']);
  assert.deepEqual(j.taskTrials, { xml: 20, ptb: 5 }, "the tasks with their own trials");
  assert.deepEqual(j.taskBudgets, { xml: { maxSteps: 12_000 } }, 'xml trains longer');
  assert.deepEqual(j.tasks, ['arithmetic', 'xml', 'ptb'], 'ptb always: the shipped corpus without files');
  assert.equal(j.name, 'reproduce-jozefowicz-table1-small');

  const g = reproductionRequest({ study: 'greff-findings', seed: 1 }, {});
  assert.deepEqual([g.baseline, g.space, g.metric, g.trials], ['greff-vanilla', 'greff', 'loss', 20]);
  assert.deepEqual(g.tasks, ['arithmetic', 'xml'], 'music only with JSB Chorales');
  assert.deepEqual(reproductionRequest({ study: 'greff-findings', seed: 1 }, { JSB_DIR: '/data/jsb' }).tasks, ['arithmetic', 'xml', 'music']);
  const withData = reproductionRequest({ study: 'greff-findings', seed: 1, dataDir: '/data/jsb' }, {});
  assert.deepEqual(withData.tasks, ['arithmetic', 'xml', 'music']);
  assert.deepEqual(withData.taskDataDirs, { music: '/data/jsb' }, '--data-dir goes to the data task only');

  const chosen = reproductionRequest({ study: 'greff-findings', seed: 1, tasks: ['arithmetic'], trials: 3, scale: 'tiny' }, {});
  assert.deepEqual([chosen.tasks, chosen.trials, chosen.scale, chosen.name], [['arithmetic'], 3, 'tiny', 'reproduce-greff-findings-tiny-arithmetic']);
});

test("a study's preset is its scale with the study's training length; the flags win, another --scale is that scale's preset", () => {
  const study = reproStudy('jozefowicz-table1')!;
  assert.ok(Object.keys(study.train).length > 0, 'jozefowicz-table1 trains longer than small');
  const own = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], trials: 1 }, {}));
  const expected = { ...FIDELITY.small.train, ...study.train };
  assert.deepEqual([own.config.train.maxSteps, own.config.train.evalEvery], [expected.maxSteps, expected.evalEvery]);
  assert.notEqual(own.config.train.maxSteps, FIDELITY.small.train.maxSteps);
  const flagged = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], trials: 1, budget: { maxSteps: 500 } }, {}));
  assert.equal(flagged.config.train.maxSteps, 500, '--steps wins');
  assert.equal(flagged.config.train.evalEvery, expected.evalEvery, "the study's other values stay");
  const tiny = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], trials: 1, scale: 'tiny' }, {}));
  assert.deepEqual([tiny.config.train.maxSteps, tiny.config.train.evalEvery], [FIDELITY.tiny.train.maxSteps, FIDELITY.tiny.train.evalEvery]);
  assert.deepEqual(own.proposals.map((p) => p.hyperparameters.maxSteps), Array(10).fill(own.config.train.maxSteps), 'every evaluation trains that long');
});

test("a task's own trials and length: the plan runs them, the config keeps them, --trials and --steps win, another --scale keeps the trials only", () => {
  const count = (s: ReturnType<typeof ablateStudy>, task: string) => s.proposals.filter((p) => p.task === task).length;
  const steps = (s: ReturnType<typeof ablateStudy>, task: string) => [...new Set(s.proposals.filter((p) => p.task === task).map((p) => p.hyperparameters.maxSteps))];
  const cells = ['lstm', 'lstm-f'];
  const own = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells }, {}));
  assert.deepEqual(['arithmetic', 'xml', 'ptb'].map((t) => count(own, t)), [12, 40, 10], '6, 20 and 5 trials of 2 cells');
  assert.deepEqual(['arithmetic', 'xml', 'ptb'].map((t) => steps(own, t)), [[6_000], [12_000], [6_000]]);
  assert.equal(own.config.trials, 6);
  assert.deepEqual(own.config.tasks.map((t) => [t.name, t.trials, t.train]), [['arithmetic', undefined, undefined], ['xml', 20, { maxSteps: 12_000 }], ['ptb', 5, undefined]]);
  assert.deepEqual(['arithmetic', 'xml', 'ptb'].map((t) => taskTrials(own.config, t)), [6, 20, 5]);
  assert.deepEqual(['arithmetic', 'xml', 'ptb'].map((t) => taskMaxSteps(own.config, t)), [6_000, 12_000, 6_000]);
  // Trial t of xml is the same setting whatever the count: the first 6 of 20 are those of a 6-trial run.
  const six = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells, tasks: ['xml'], trials: 6, budget: { maxSteps: 12_000 } }, {}));
  assert.deepEqual(six.proposals, own.proposals.filter((p) => p.task === 'xml' && Number(p.trial) < 6));

  const flagged = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells, trials: 3, budget: { maxSteps: 500 } }, {}));
  assert.deepEqual(['arithmetic', 'xml', 'ptb'].map((t) => count(flagged, t)), [6, 6, 6], '--trials is every task\'s');
  assert.deepEqual(['arithmetic', 'xml', 'ptb'].map((t) => steps(flagged, t)), [[500], [500], [500]], '--steps too');
  assert.ok(flagged.config.tasks.every((t) => t.trials === undefined && t.train === undefined), 'nothing of their own: the config of a study begun before tasks had their own');
  const req = reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells, trials: 3, budget: { maxSteps: 500 } }, {});
  assert.deepEqual(ablateStudy({ ...req, taskBudgets: undefined, taskTrials: undefined }).config, flagged.config);

  const tiny = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells, tasks: ['arithmetic', 'xml'], scale: 'tiny' }, {}));
  assert.deepEqual([count(tiny, 'arithmetic'), count(tiny, 'xml')], [12, 40], 'the trials stay at another scale');
  assert.deepEqual([steps(tiny, 'xml')], [[FIDELITY.tiny.train.maxSteps]], "the length is that scale's");
  assert.deepEqual(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'] }, {}).taskTrials, undefined, 'only the tasks run');
  const arith = reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells, tasks: ['arithmetic'] }, {});
  assert.throws(() => ablateStudy({ ...arith, taskTrials: { arithmetic: 0 } }), userError(/trials of arithmetic must be a whole number >= 1, got 0/), "a task's own count is checked as the study's is");
});

test('reproductionRequest refuses an unknown study and a --data-dir for a task the study does not run', () => {
  assert.throws(() => reproductionRequest({ study: 'nope', seed: 1 }, {}), userError(/unknown study 'nope'; cellsearch reproduces: jozefowicz-table1, greff-findings/));
  assert.throws(() => reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['xml'], dataDir: '/p' }, {}), userError(/--data-dir gives the ptb data of jozefowicz-table1, but --tasks leaves ptb out/));
});

test('a reproduction is an ablation whose config names the study; a plain ablation has no such field', () => {
  const s = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], trials: 2, scale: 'tiny' }, {}));
  assert.equal(s.spec.kind, 'ablate');
  assert.equal(s.config.reproduce, 'jozefowicz-table1');
  assert.equal(s.config.presetGrid, true);
  assert.equal(s.proposals.length, 20);
  const plain = ablateStudy({ ...reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], trials: 2, scale: 'tiny' }, {}), reproduce: undefined });
  assert.equal('reproduce' in plain.config, false);
  assert.deepEqual(plain.proposals, s.proposals, 'the same evaluations: reproduce adds judging, not training');
});

test("--cells runs a subset of the study's cells in the paper's order, its baseline among them; --set reaches every task's options", () => {
  const sub = reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], cells: ['lstm-f', 'tanh-rnn', 'lstm'] }, {});
  assert.deepEqual(sub.cells.map((c) => c.ref), ['tanh-rnn', 'lstm', 'lstm-f']);
  assert.equal(sub.name, 'reproduce-jozefowicz-table1-small-arithmetic-tanh-rnn+lstm+lstm-f');
  assert.throws(() => reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells: ['gru', 'tanh-rnn'] }, {}), userError(/--cells must include jozefowicz-table1's baseline, lstm/));
  assert.throws(() => reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells: ['lstm', 'greff-nfg'] }, {}), userError(/--cells: greff-nfg is not a cell of jozefowicz-table1/));
  assert.throws(() => reproductionRequest({ study: 'jozefowicz-table1', seed: 1, cells: ['lstm'] }, {}), userError(/at least 2 cells/));
  const s = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], cells: ['lstm', 'lstm-f'], trials: 2, taskSettings: { batching: 'plain' } }, {}));
  assert.equal(s.proposals.length, 4);
  assert.deepEqual(s.config.tasks.map((t) => t.taskOptions.batching), ['plain']);
  assert.ok(s.proposals.every((p) => p.taskOptions.batching === 'plain'));
});

test("a study's task options belong to its preset: both studies stream arithmetic and xml at small; --set wins; another --scale leaves them out", () => {
  const study = reproStudy('jozefowicz-table1')!;
  assert.deepEqual(study.taskOptions, { arithmetic: { batching: 'stream' }, xml: { batching: 'stream' } });
  const batching = (s: ReturnType<typeof ablateStudy>) => s.config.tasks.map((t) => t.taskOptions.batching);
  const own = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic', 'xml', 'ptb'], trials: 1 }, {}));
  assert.deepEqual(batching(own), ['stream', 'stream', undefined], 'ptb is a stream already and has no such option');
  assert.ok(own.proposals.filter((p) => p.task === 'arithmetic').every((p) => p.taskOptions.batching === 'stream'));
  const set = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], trials: 1, taskSettings: { batching: 'bucket' } }, {}));
  assert.deepEqual(batching(set), ['bucket']);
  const tiny = ablateStudy(reproductionRequest({ study: 'jozefowicz-table1', seed: 1, tasks: ['arithmetic'], trials: 1, scale: 'tiny' }, {}));
  assert.deepEqual(batching(tiny), [undefined]);
  assert.deepEqual(reproStudy('greff-findings')!.taskOptions, { arithmetic: { batching: 'stream' }, xml: { batching: 'stream' } });
  const greff = ablateStudy(reproductionRequest({ study: 'greff-findings', seed: 1, tasks: ['xml'], trials: 1 }, {}));
  assert.deepEqual(batching(greff), ['stream']);
});
