import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textVocab, UNK } from './text.ts';
import { getTask } from './registry.ts';
import type { TokenBatch } from '../cells/engine/batch.ts';

const root = mkdtempSync(join(tmpdir(), 'cellsearch-text-'));
function folder(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const decode = (task: { vocab: readonly string[] }, ids: Iterable<number>) => [...ids].map((i) => task.vocab[i]);

test('characters: the vocabulary is the training text by count then code unit, <unk> last; other splits map unseen characters to <unk>', () => {
  const dir = folder('chars', { 'train.txt': 'abbb\r\ncab\n', 'valid.txt': 'abz\n', 'test.txt': 'cc\rb' });
  const task = getTask('text', { dataDir: dir });
  // b: 4, then newline and a: 2 each (CRLF is one newline; '\n' < 'a'), c: 1
  assert.deepEqual(task.vocab, ['b', '\n', 'a', 'c', UNK]);
  assert.deepEqual(task.sizes(), { unit: 'tokens', train: 9, valid: 4, test: 4 });
  const b = task.batch('valid', 0, { seed: 1, batchSize: 1, unroll: 3 }) as TokenBatch;
  assert.deepEqual(decode(task, b.inputs), ['a', 'b', UNK]);
  assert.deepEqual(decode(task, b.targets), ['b', UNK, '\n']);
  assert.deepEqual([...b.mask], [1, 1, 1]);
  assert.equal(task.metric, 'perplexity');
  assert.equal(task.numBatches('train', { seed: 1, batchSize: 2, unroll: 2 }), Infinity);
});

test('words: newline is <eos>; minCount maps rare training words to <unk>; batches are ptb streams with the state carried', () => {
  const dir = folder('words', { 'train.txt': 'the cat sat\nthe dog sat\nthe end\n', 'valid.txt': 'the cat\n', 'test.txt': 'a dog\n' });
  const task = getTask('text', { dataDir: dir, level: 'word', minCount: 2 });
  assert.deepEqual(task.vocab, ['<eos>', 'the', 'sat', UNK]);
  const opts = { seed: 3, batchSize: 2, unroll: 2 };
  // 11 training tokens: 2 streams of 5; 4 positions each with a next token: batches of T=2.
  const b0 = task.batch('train', 0, opts) as TokenBatch;
  const b1 = task.batch('train', 1, opts) as TokenBatch;
  assert.equal(b0.carry, false);
  assert.equal(b1.carry, true);
  // stream 0: the cat sat <eos> the; stream 1: dog sat <eos> the end (time-major: [t*B + b])
  assert.deepEqual(decode(task, b0.inputs), ['the', UNK, UNK, 'sat']);
  assert.deepEqual(decode(task, b0.targets), [UNK, 'sat', 'sat', '<eos>']);
  // train wraps around: batch 2 is batch 0 of the next pass
  assert.deepEqual((task.batch('train', 2, opts) as TokenBatch).inputs, b0.inputs);
  // the same options give the same batch in a fresh task (a worker rebuilds it alone)
  assert.deepEqual(getTask('text', { dataDir: dir, level: 'word', minCount: 2 }).batch('train', 1, opts), b1);
});

test('one file is split 90/5/5 by position', () => {
  const text = Array.from({ length: 100 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  const dir = folder('one', { 'all.txt': text });
  const task = getTask('text', { dataDir: join(dir, 'all.txt') });
  assert.deepEqual(task.sizes(), { unit: 'tokens', train: 90, valid: 5, test: 5 });
  const v = task.batch('valid', 0, { seed: 1, batchSize: 1, unroll: 4 }) as TokenBatch;
  assert.deepEqual(decode(task, v.inputs), [...text.slice(90, 94)]);
  assert.deepEqual(task.sample(2, 7), task.sample(2, 7));
});

test('vocabulary order is a pure function of the training symbols', () => {
  assert.deepEqual(textVocab(['b', 'a', 'b', UNK], 1), ['b', 'a', UNK]);
  assert.deepEqual(textVocab(['x', 'y', 'x'], 2), ['x', UNK]);
});

test('bad input names the file: missing, empty, binary, not UTF-8, too short, a vocabulary over the cap', () => {
  const missing = folder('missing', { 'train.txt': 'abc', 'valid.txt': 'abc' });
  assert.throws(() => getTask('text', { dataDir: missing }), (e: Error) => e.message.includes(join(missing, 'test.txt')) && /no such file/.test(e.message));
  const empty = folder('empty', { 'train.txt': 'abc', 'valid.txt': '', 'test.txt': 'abc' });
  assert.throws(() => getTask('text', { dataDir: empty }), new RegExp(`${join(empty, 'valid.txt')}: the valid split is empty`));
  const binary = folder('binary', { 'train.txt': Buffer.from([0x61, 0x00, 0x62]), 'valid.txt': 'ab', 'test.txt': 'ab' });
  assert.throws(() => getTask('text', { dataDir: binary }), /train\.txt: not a text file \(it holds NUL bytes\)/);
  const latin1 = folder('latin1', { 'train.txt': Buffer.from([0x61, 0xe9, 0x62]), 'valid.txt': 'ab', 'test.txt': 'ab' });
  assert.throws(() => getTask('text', { dataDir: latin1 }), /train\.txt: not valid UTF-8 text/);
  const one = folder('tiny', { 'a.txt': 'abcdefghij' });
  assert.throws(() => getTask('text', { dataDir: join(one, 'a.txt') }), /a\.txt \(its next 5%\): the valid split is empty/);
  const big = folder('big', { 'train.txt': 'abcdef', 'valid.txt': 'ab', 'test.txt': 'ab' });
  assert.throws(() => getTask('text', { dataDir: big, maxVocab: 5 }), /train\.txt: 7 characters in the vocabulary \(with <unk>\), over the cap of 5: raise it/);
  const short = getTask('text', { dataDir: big });
  assert.throws(() => short.numBatches('valid', { seed: 1, batchSize: 4, unroll: 2 }), /the valid split of .* is too short for batch size 4/);
  assert.throws(() => getTask('text', {}), /task text: bad options/);
});
