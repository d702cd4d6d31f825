import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, evaluationKey, evaluationSeed, trialOfKey } from './seeds.ts';

test('evaluation seeds depend on the experiment seed and the identity only', () => {
  const id = { architecture: 'abc', task: 'arithmetic', trial: 3 };
  const s = evaluationSeed(42, id);
  assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
  // A fixed value: changing the derivation would silently change every stored study's seeds.
  assert.equal(s, 1728250575);
  assert.equal(s, deriveSeed(42, '["abc","arithmetic","3"]'));
  assert.equal(evaluationKey(id), '["abc","arithmetic","3"]');
  assert.equal(evaluationSeed(42, { ...id }), s);
  assert.notEqual(evaluationSeed(43, id), s);
  assert.notEqual(evaluationSeed(42, { ...id, trial: 4 }), s);
  assert.notEqual(evaluationSeed(42, { ...id, task: 'xml' }), s);
  // Keys cannot collide by concatenation.
  assert.notEqual(evaluationKey({ architecture: 'a', task: 'bc', trial: 1 }), evaluationKey({ architecture: 'ab', task: 'c', trial: 1 }));
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => evaluationSeed(1, { ...id, trial: i })));
  assert.equal(seeds.size, 1000);
  assert.throws(() => deriveSeed(1.5, 'x'), RangeError);
});

test('trialOfKey reads back the trial of evaluationKey, as text; anything else is refused', () => {
  assert.equal(trialOfKey(evaluationKey({ architecture: 'abc', task: 'xml', trial: 3 })), '3');
  assert.equal(trialOfKey(evaluationKey({ architecture: 'abc', task: 'xml', trial: 'exit-once' })), 'exit-once');
  for (const bad of ['', 'abc', '["abc","xml"]', '["abc","xml",3]', '{"trial":"1"}']) assert.throws(() => trialOfKey(bad), /not an evaluation key/, bad);
});
