// Sanity training runs (issue 4): the engine and the tasks together learn something real.
// Small enough to finish in seconds; the thresholds sit far above chance (memorize: 1/26) and
// far below what these settings reach (about 0.6 and 0.5 after these steps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModel, train } from '../index.ts';
import { zooCell } from '../cells/zoo/index.ts';
import { getTask } from '../tasks/registry.ts';

function learn(taskName: string, options: object, steps: number) {
  const task = getTask(taskName, options);
  const bo = { seed: 1, batchSize: 16, unroll: 8 };
  const model = compileModel(zooCell('gru'), {
    hidden: 32, vocab: task.vocab.length, layers: 1, initScale: 1, seed: 1,
    optimizer: { kind: 'adam', lr: 0.02 }, clip: 5,
  });
  const valid = [...task.batches('valid', bo)].slice(0, 8);
  const test = [...task.batches('test', bo)].slice(0, 8);
  const before = model.evaluate(test).accuracy;
  const result = train(model, { train: task.batches('train', bo), valid: () => valid },
    { maxSteps: steps, evalEvery: 100, schedule: { patience: 2, maxHalvings: 3 } });
  return { result, before, after: model.evaluate(test).accuracy };
}

test('a GRU learns the memorize task well above chance', () => {
  const { result, before, after } = learn('memorize', {}, 400);
  assert.equal(result.status, 'done');
  assert.ok(before < 0.1, `untrained accuracy ${before}`);
  assert.ok(after > 0.4, `accuracy after 400 steps ${after} (chance 1/26)`);
});

test('a GRU learns short arithmetic well above chance', () => {
  const { result, before, after } = learn('arithmetic', { maxDigits: 2, maxDistractors: 1, validSize: 200, testSize: 200 }, 600);
  assert.equal(result.status, 'done');
  assert.ok(after > 0.3 && after > before + 0.2, `accuracy ${before} -> ${after}`);
});
