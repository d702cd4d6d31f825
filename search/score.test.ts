import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstFailingTask, ratiosToGru, score } from './score.ts';

const GRU = { arithmetic: 0.896, xml: 0.46, ptb: 0.0907 };

test("the issue's example: (0.92, 0.47, 0.090) against the GRU's (0.896, 0.460, 0.0907) scores 0.992", () => {
  const s = score({ arithmetic: 0.92, xml: 0.47, ptb: 0.09 }, GRU);
  assert.equal(s.toFixed(3), '0.992');
  // The minimum is the PTB ratio: 0.090 / 0.0907.
  assert.equal(s, 0.09 / 0.0907);
});

test('the score is the minimum ratio, over the named tasks only', () => {
  const best = { arithmetic: 0.448, xml: 0.92, ptb: 0.0907 };
  assert.deepEqual(ratiosToGru(best, GRU), { arithmetic: 0.5, xml: 2, ptb: 1 });
  assert.equal(score(best, GRU), 0.5);
  assert.equal(score(best, GRU, ['xml', 'ptb']), 1);
  assert.equal(score(GRU, GRU), 1);
});

test('missing or unusable accuracies are errors, not silent zeros', () => {
  assert.throws(() => score({ arithmetic: 0.9, xml: 0.5 }, GRU), /no accuracy for task 'ptb'/);
  assert.throws(() => score({ arithmetic: 0.9 }, { arithmetic: 0 }), /must be positive/);
  assert.throws(() => score({ arithmetic: NaN }, { arithmetic: 0.5 }), /not a finite/);
  assert.throws(() => score({}, {}), /no tasks/);
});

test('the 0.9 x GRU filter names the first task that fails, in order', () => {
  const best = { arithmetic: 0.9, xml: 0.4, ptb: 0.05 };
  assert.equal(firstFailingTask(best, GRU, ['arithmetic', 'xml', 'ptb']), 'xml'); // 0.4 / 0.46 = 0.87
  assert.equal(firstFailingTask(best, GRU, ['arithmetic', 'xml', 'ptb'], 0.8), 'ptb');
  assert.equal(firstFailingTask(best, GRU, ['ptb', 'arithmetic']), 'ptb');
  assert.equal(firstFailingTask(best, GRU, ['arithmetic']), undefined);
  assert.equal(firstFailingTask({ ...best, xml: 0.42 }, GRU, ['arithmetic', 'xml']), undefined); // 0.913
  assert.equal(firstFailingTask({ ...best, xml: 0.41 }, GRU, ['arithmetic', 'xml']), 'xml'); // 0.891
});
