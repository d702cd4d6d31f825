import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooCell } from '../../cells/zoo/index.ts';
import { fidelity, JOZEFOWICZ_GRID } from '../space.ts';
import { ablationPlan, spaceDimensions, spaceParams, trialPoint } from './plan.ts';

const fid = fidelity('tiny');
const cells = ['greff-vanilla', 'greff-nfg', 'greff-cifg'].map((ref) => ({ ref, cell: zooCell(ref) }));
const tasks = [
  { name: 'arithmetic', vocab: 40, budget: 4000 },
  { name: 'xml', vocab: 30, budget: 4000 },
];

test('the plan is deterministic, paired across cells, ordered (task, trial, cell)', () => {
  const a = ablationPlan({ cells, tasks, trials: 5, space: 'greff', seed: 7, fidelity: fid });
  const b = ablationPlan({ cells, tasks, trials: 5, space: 'greff', seed: 7, fidelity: fid });
  assert.deepEqual(a, b);
  assert.equal(a.length, 2 * 5 * 3);
  assert.deepEqual(a.slice(0, 4).map((p) => [p.task, p.trial, p.ref]), [['arithmetic', 0, 'greff-vanilla'], ['arithmetic', 0, 'greff-nfg'], ['arithmetic', 0, 'greff-cifg'], ['arithmetic', 1, 'greff-vanilla']]);
  for (const task of ['arithmetic', 'xml']) {
    for (let t = 0; t < 5; t++) {
      const same = a.filter((p) => p.task === task && p.trial === t);
      assert.equal(same.length, 3);
      for (const p of same) assert.deepEqual(p.hyperparameters, same[0].hyperparameters, `${task} #${t}: every cell gets the same setting`);
    }
  }
  const settings = new Set(a.map((p) => JSON.stringify(p.hyperparameters)));
  assert.equal(settings.size, 10, 'each (task, trial) has its own draw');
  const other = ablationPlan({ cells, tasks, trials: 5, space: 'greff', seed: 8, fidelity: fid });
  assert.notDeepEqual(other.map((p) => p.hyperparameters), a.map((p) => p.hyperparameters), 'another seed, another plan');
});

test('a trial does not depend on the other cells, their order, the other tasks or the number of trials', () => {
  const full = ablationPlan({ cells, tasks, trials: 6, space: 'greff', seed: 3, fidelity: fid });
  const part = ablationPlan({ cells: [cells[2], cells[0]], tasks: [tasks[1]], trials: 2, space: 'greff', seed: 3, fidelity: fid });
  for (const p of part) {
    const q = full.find((x) => x.ref === p.ref && x.task === p.task && x.trial === p.trial);
    assert.deepEqual(q, p);
  }
  assert.deepEqual(trialPoint('greff', 3, 'xml', 1, fid), part.find((p) => p.trial === 1)!.point);
});

test('greff: the paper\'s ranges, the learning rate rescaled by the batch, input noise sampled and applied', () => {
  const plan = ablationPlan({ cells: cells.slice(0, 1), tasks: tasks.slice(0, 1), trials: 200, space: 'greff', seed: 1, fidelity: fid });
  for (const { point, hyperparameters: h } of plan) {
    assert.equal(point.space, 'greff');
    if (point.space !== 'greff') continue;
    assert.ok(h.hidden >= fid.greffHidden[0] && h.hidden <= fid.greffHidden[1]);
    assert.ok(h.paperLearningRate! >= 1e-6 && h.paperLearningRate! <= 1e-2);
    assert.ok(Math.abs(h.learningRate - h.paperLearningRate! * fid.train.batch) < 1e-15);
    assert.ok(h.momentum >= 0 && h.momentum <= 0.99);
    assert.equal(h.optimizer, 'nesterov');
    assert.equal(h.inputNoise, point.inputNoise, 'the sampled noise is what the trial trains with');
    assert.ok(point.inputNoise >= 0 && point.inputNoise <= 1);
    assert.deepEqual(Object.keys(spaceParams('greff', h)), spaceDimensions('greff', fid).map((d) => d.name));
  }
  // Log-uniform: about half the learning rates below the geometric middle 1e-4.
  const below = plan.filter((p) => p.hyperparameters.paperLearningRate! < 1e-4).length;
  assert.ok(below > 70 && below < 130, `${below} of 200 below 1e-4`);
  assert.ok(new Set(plan.map((p) => (p.point as { inputNoise: number }).inputNoise)).size > 150);
});

test('jozefowicz: grid values, and each cell\'s hidden size from the parameter budget', () => {
  const two = [{ ref: 'gru', cell: zooCell('gru') }, { ref: 'tanh-rnn', cell: zooCell('tanh-rnn') }];
  const plan = ablationPlan({ cells: two, tasks: tasks.slice(0, 1), trials: 4, space: 'jozefowicz', seed: 1, fidelity: fid });
  for (let t = 0; t < 4; t++) {
    const [g, r] = plan.filter((p) => p.trial === t);
    assert.equal(g.hyperparameters.learningRate, r.hyperparameters.learningRate);
    assert.equal(g.hyperparameters.layers, r.hyperparameters.layers);
    assert.ok((JOZEFOWICZ_GRID.learningRate as readonly number[]).includes(g.hyperparameters.learningRate));
    assert.ok(r.hyperparameters.hidden > g.hyperparameters.hidden, 'the tanh RNN has fewer parameters per unit: more units');
  }
  assert.throws(() => ablationPlan({ cells: two, tasks, trials: 0, space: 'greff', seed: 1, fidelity: fid }), /trials/);
});
