// The train study's configuration: presets, overrides, names, refusals. No training here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooCell } from '../cells/zoo/index.ts';
import { cellHash } from '../cells/canonical.ts';
import { fidelity } from '../search/space.ts';
import { defaultTrainName, trainStudy, type TrainRequest } from './train.ts';
import { evaluationKey } from './seeds.ts';

const req = (over: Partial<TrainRequest> = {}): TrainRequest => ({
  cells: [{ ref: 'gru', cell: zooCell('gru') }],
  task: 'arithmetic',
  scale: 'tiny',
  overrides: {},
  repeats: 1,
  seed: 1,
  ...over,
});

test('a train study resolves the preset and the overrides into a complete stored config', () => {
  const s = trainStudy(req({ overrides: { learningRate: 0.5, maxSteps: 50 }, repeats: 3 }));
  const tiny = fidelity('tiny');
  assert.equal(s.spec.name, 'train-gru-arithmetic');
  assert.equal(s.spec.kind, 'train');
  assert.deepEqual(s.config.taskOptions, tiny.tasks.arithmetic);
  const hp = s.config.cells[0].hyperparameters;
  assert.equal(hp.learningRate, 0.5);
  assert.equal(hp.maxSteps, 50);
  assert.equal(hp.evalEvery, tiny.train.evalEvery);
  assert.equal(hp.optimizer, 'sgd');
  assert.ok(hp.hidden > 1, 'hidden from the parameter budget');
  assert.equal(s.config.cells[0].hash, cellHash(zooCell('gru')));
  assert.deepEqual(s.proposals.map((p) => evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial })).length, 3);
  assert.deepEqual(s.proposals.map((p) => p.trial), [0, 1, 2]);
  assert.equal(s.proposals[0].architecture.origin.kind, 'zoo');
  assert.match(s.proposals[0].architecture.notation ?? '', /^cell /);
  // The strategy proposes them all at once and is finished.
  const r = s.strategy.propose(s.strategy.init(1), []);
  assert.equal(r.proposals.length, 3);
  assert.equal(r.finished, true);
  // Same request, same config: what makes resume accept it.
  assert.deepEqual(trainStudy(req({ overrides: { learningRate: 0.5, maxSteps: 50 }, repeats: 3 })).spec, s.spec);
});

test('train refuses bad requests with messages naming the flag', () => {
  assert.throws(() => trainStudy(req({ task: 'sudoku' })), /unknown task "sudoku"/);
  assert.throws(() => trainStudy(req({ overrides: { learningRate: -1 } })), /--lr must be greater than 0, got -1/);
  assert.throws(() => trainStudy(req({ overrides: { maxSteps: 0 } })), /--steps must be at least 1, got 0/);
  // The engine's bound, refused here rather than in every worker.
  assert.throws(() => trainStudy(req({ overrides: { hidden: 5000 } })), /--hidden must be at most 4096, got 5000/);
  assert.throws(() => trainStudy(req({ overrides: { momentum: 0.9 } })), /--momentum needs --optimizer nesterov/);
  assert.throws(() => trainStudy(req({ repeats: 0 })), /--repeats/);
  assert.throws(() => trainStudy(req({ seed: -1 })), /--seed/);
  assert.throws(() => trainStudy(req({ dataDir: '/tmp' })), /--data-dir applies to the ptb, music and text tasks/);
  assert.throws(() => trainStudy(req({ cells: [{ ref: 'gru', cell: zooCell('gru') }, { ref: './gru.json', cell: zooCell('gru') }] })), /same architecture/);
  const nesterov = trainStudy(req({ overrides: { optimizer: 'nesterov' } })).config.cells[0].hyperparameters;
  assert.deepEqual([nesterov.learningRate, nesterov.momentum], [0.1, 0.9]);
});

test('default names are short and file-safe', () => {
  assert.equal(defaultTrainName(['gru', 'lstm'], 'xml'), 'train-gru+lstm-xml');
  assert.equal(defaultTrainName(['cells/my cell.txt'], 'ptb'), 'train-my_cell-ptb');
});
