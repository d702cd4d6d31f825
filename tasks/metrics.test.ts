import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MultiHotBatch, TokenBatch } from '../cells/engine/batch.ts';
import { accuracy, addScores, EMPTY_SCORE, frameAccuracy, nllPerStep, perplexity, scoreMultiHot, scoreTokens } from './metrics.ts';

// T = 2, B = 1, V = 3; the second step is not scored.
const tokens: TokenBatch = {
  kind: 'tokens', T: 2, B: 1, carry: false,
  inputs: Int32Array.from([0, 1]), targets: Int32Array.from([2, 0]), mask: Float32Array.from([1, 0]),
};

test('token scores by hand: NLL of the target, argmax accuracy, masked positions ignored', () => {
  const logits = [Math.log(1), Math.log(1), Math.log(2), /* unscored: */ 100, 0, 0];
  const s = scoreTokens(tokens, logits, 3);
  assert.equal(s.count, 1);
  assert.equal(s.correct, 1);
  assert.ok(Math.abs(s.nll - Math.log(2)) < 1e-12, `nll ${s.nll}`); // p(target) = 2/4
  assert.ok(Math.abs(perplexity(s) - 2) < 1e-12);
  const wrong = scoreTokens(tokens, [5, 0, 0, 0, 0, 0], 3);
  assert.equal(wrong.correct, 0);
  assert.ok(Math.abs(wrong.nll - (Math.log(Math.exp(5) + 2) - 0)) < 1e-12);
  assert.throws(() => scoreTokens(tokens, [0, 0], 3), /expected T\*B\*V/);
});

test('uniform logits give perplexity V; huge logits do not overflow', () => {
  const s = scoreTokens(tokens, [7, 7, 7, 7, 7, 7], 3);
  assert.ok(Math.abs(perplexity(s) - 3) < 1e-12);
  const big = scoreTokens(tokens, [1000, -1000, 1000, 0, 0, 0], 3);
  assert.ok(Math.abs(big.nll - Math.log(2)) < 1e-12);
});

test('scores add across batches', () => {
  const a = { nll: 1, correct: 1, count: 2, tp: 1, fp: 0, fn: 2 }, b = { nll: 3, correct: 0, count: 2, tp: 0, fp: 1, fn: 0 };
  const s = addScores(addScores(EMPTY_SCORE, a), b);
  assert.deepEqual(s, { nll: 4, correct: 1, count: 4, tp: 1, fp: 1, fn: 2 });
  assert.equal(frameAccuracy(s), 0.25);
  assert.equal(accuracy(s), 0.25);
  assert.ok(Number.isNaN(accuracy(EMPTY_SCORE)));
});

test('piano rolls: NLL per time step sums the binary cross-entropy of every unit', () => {
  // T = 2, B = 1, V = 2; step 1 is padding.
  const roll: MultiHotBatch = {
    kind: 'multihot', T: 2, B: 1, carry: false,
    inputs: new Float32Array(4), targets: Float32Array.from([1, 0, 1, 1]), mask: Float32Array.from([1, 0]),
  };
  const s = scoreMultiHot(roll, [0, 0, 9, 9]);
  assert.equal(s.count, 1);
  assert.ok(Math.abs(nllPerStep(s) - 2 * Math.log(2)) < 1e-12); // two units at p = 1/2
  const sharp = scoreMultiHot(roll, [Math.log(3), -Math.log(3), 0, 0]); // p(unit 0) = 3/4, p(unit 1) = 1/4
  assert.ok(Math.abs(nllPerStep(sharp) - 2 * Math.log(4 / 3)) < 1e-12);
  assert.equal(sharp.correct, 1, 'both units on the right side of 1/2: the frame is exact');
  assert.deepEqual([sharp.tp, sharp.fp, sharp.fn], [1, 0, 0]);
  const half = scoreMultiHot(roll, [-1, 1, 0, 0]); // predicts unit 1, target unit 0
  assert.deepEqual([half.correct, half.tp, half.fp, half.fn], [0, 0, 1, 1]);
  assert.equal(frameAccuracy(half), 0);
  const huge = scoreMultiHot(roll, [800, -800, 0, 0]);
  assert.ok(Number.isFinite(huge.nll) && huge.nll < 1e-300 + 1e-12);
  assert.throws(() => scoreMultiHot(roll, [0, 0, 0]), /expected T\*B\*V/);
});
