import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenBatch } from '../cells/engine/batch.ts';
import { MEMORIZE_VOCAB, memorizeSequence } from './memorize.ts';
import { getTask } from './registry.ts';

test('the answer equals the prompt and only the answer is scored', () => {
  const task = getTask('memorize');
  assert.equal(task.vocab.length, 27);
  const counts = new Array(26).fill(0);
  for (const e of task.sample(400, 9)) {
    const text = e.symbols.join('');
    const m = /^([a-z]{5})=([a-z]{5})$/.exec(text);
    assert.ok(m, text);
    assert.equal(m[2], m[1]);
    assert.deepEqual(e.scored, [false, false, false, false, false, false, true, true, true, true, true]);
    for (const c of m[1]) counts[c.charCodeAt(0) - 97]++;
  }
  assert.ok(counts.every((c) => c > 40), 'all 26 symbols occur');
});

test('a batch: 10 steps, 5 scored per stream, targets of the scored steps are the prompt', () => {
  const task = getTask('memorize');
  const batch = task.batch('test', 2, { seed: 3, batchSize: 4, unroll: 10 });
  if (batch.kind !== 'tokens') throw new Error('token batch expected');
  const b: TokenBatch = batch;
  assert.equal(b.T, 10);
  for (let s = 0; s < 4; s++) {
    const prompt: number[] = [0, 1, 2, 3, 4].map((t) => (t === 0 ? b.inputs[s] : b.targets[(t - 1) * 4 + s]));
    const answer: number[] = [5, 6, 7, 8, 9].map((t) => b.targets[t * 4 + s]);
    assert.deepEqual(answer, prompt);
    assert.deepEqual([...Array(10).keys()].map((t) => b.mask[t * 4 + s]), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.equal(b.inputs[5 * 4 + s], MEMORIZE_VOCAB.indexOf('='));
  }
});

test('options: length and alphabet', () => {
  const task = getTask('memorize', { length: 3, symbols: 2 });
  for (const e of task.sample(50, 1)) assert.match(e.symbols.join(''), /^([ab]{3})=\1$/);
  assert.deepEqual(Array.from(memorizeSequence([1, 2]).scored), [0, 0, 0, 1, 1]);
});
