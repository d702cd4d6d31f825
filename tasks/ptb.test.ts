import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUserError } from '../errors.ts';
import { corpusFromTexts, corpusTask, loadPtbDir, loadSotu, PTB_COUNTS, ptbVocab, ptbWords, streamBatch } from './ptb.ts';
import { getTask } from './registry.ts';
import { ptbLines, ptbSentences, topWords } from './ptb-text.ts';

const repoRoot = new URL('..', import.meta.url).pathname;
const realPtb = join(repoRoot, '..', 'shared', 'data', 'ptb');

test('the PTB-style pipeline maps "The 3 Dogs, barked!" to the expected tokens', () => {
  assert.deepEqual(ptbSentences('The 3 Dogs, barked!'), [['the', 'N', 'dogs', 'barked']]);
  assert.equal(ptbLines(ptbSentences('The 3 Dogs, barked!'), new Set(['the', 'N', 'dogs'])), ' the N dogs <unk> \n');
});

test('the pipeline: sentences, clitics, abbreviations, numbers, punctuation', () => {
  const s = ptbSentences(
    "Mr. Smith visited the U.S. Congress in 1920. He didn't pay the nation's $5,000,000 debt \u2014 or 5%! \"Why?\" asked the Fifty-sixth Congress; and/or 1990's 3rd.",
  );
  assert.deepEqual(s, [
    ['mr.', 'smith', 'visited', 'the', 'u.s.', 'congress', 'in', 'N'],
    ['he', 'did', "n't", 'pay', 'the', 'nation', "'s", 'N', 'debt', 'or', 'N'],
    ['why'],
    ['asked', 'the', 'fifty-sixth', 'congress', 'and', 'or', 'N', 'N'],
  ]);
  const top = topWords([['a', 'b', 'b', 'c', 'c']], 2);
  assert.deepEqual([...top].sort(), ['b', 'c']);
});

test('the TF reader: newline -> <eos>; BOM, CRLF and a missing final newline change nothing', () => {
  const plain = ' a b \n c a \n';
  assert.deepEqual(ptbWords(plain), ['a', 'b', '<eos>', 'c', 'a', '<eos>']);
  for (const variant of ['\ufeff a b \n c a \n', ' a b \r\n c a \r\n', ' a b \n c a ', 'a b\nc a']) {
    assert.deepEqual(ptbWords(variant), ptbWords(plain), JSON.stringify(variant));
  }
  assert.deepEqual(ptbWords('a\n  '), ['a', '<eos>'], 'blank space after the last newline is no line');
  assert.deepEqual(ptbWords('a\rb\n'), ['a', '<eos>', 'b', '<eos>'], 'a lone CR is a newline, as in Python');
  // Vocabulary: by count, then by the word (code-unit order, as Python sorts).
  assert.deepEqual(ptbVocab(['b', 'a', 'B', 'b', 'a', 'c']), ['a', 'b', 'B', 'c']);
});

test("batches follow the TF reader's layout, with the state carried within an epoch", () => {
  // 0 1 2 ... 22: vocabulary by count, all 1, then code-unit order of the words w00 .. w22.
  const words = Array.from({ length: 23 }, (_, i) => `w${String(i).padStart(2, '0')}`);
  const corpus = corpusFromTexts({ train: words.join(' '), valid: words.join(' '), test: 'w00 w01' }, { train: 'tr', valid: 'va', test: 'te' }, 'toy');
  // The reader adds <eos> at the end of each file: 24 tokens. B = 2: streams of 12; T = 5.
  const id = (w: string) => corpus.vocab.indexOf(w);
  const task = corpusTask(corpus);
  const o = { seed: 0, batchSize: 2, unroll: 5 };
  assert.equal(task.numBatches('train', o), Infinity);
  assert.equal(task.numBatches('valid', o), 3); // ceil(11 / 5)
  const b0 = task.batch('train', 0, o);
  assert.equal(b0.carry, false);
  assert.deepEqual(Array.from(b0.inputs), [0, 12, 1, 13, 2, 14, 3, 15, 4, 16].map((i) => id(words[i])));
  assert.deepEqual(Array.from(b0.targets), [1, 13, 2, 14, 3, 15, 4, 16, 5, 17].map((i) => id(words[i])));
  const b1 = task.batch('train', 1, o);
  assert.equal(b1.carry, true);
  assert.equal(b1.inputs[0], id('w05'));
  // Epoch size (12 - 1) // 5 = 2: batch 2 starts the second epoch again, state reset.
  const b2 = task.batch('train', 2, o);
  assert.equal(b2.carry, false);
  assert.deepEqual(Array.from(b2.inputs), Array.from(b0.inputs));
  // valid: the third batch holds the last step (position 10 -> 11) and padding.
  const v2 = task.batch('valid', 2, o);
  assert.deepEqual(Array.from(v2.mask), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(v2.targets[1], id('<eos>'));
  assert.equal(v2.carry, true);
  assert.throws(() => task.numBatches('test', o), /too short/);
  assert.equal(streamBatch(corpus.splits.train, 0, 2, 5).T, 5);
});

test('the shipped corpus: 10,000 types, about 772k / 86k / 76k tokens, labelled not comparable', () => {
  const corpus = loadSotu();
  assert.equal(corpus.vocab.length, 10_000);
  assert.deepEqual(
    { train: corpus.splits.train.length, valid: corpus.splits.valid.length, test: corpus.splits.test.length },
    { train: 771_782, valid: 86_034, test: 75_947 },
  );
  assert.deepEqual(corpus.vocab.slice(0, 3), ['the', 'of', '<eos>']);
  const task = corpusTask(corpus);
  assert.match(task.note ?? '', /not comparable/);
  assert.equal(task.name, 'ptb');
  const ex = task.sample(3, 1);
  assert.equal(ex.length, 3);
  for (const e of ex) assert.equal(e.symbols.at(-1), '<eos>');
  assert.deepEqual(task.sample(3, 1), ex);
  assert.notDeepEqual(task.sample(3, 2), ex);
});

function fakeDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ptb-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('a missing or malformed PTB folder gives a UserError naming the file', () => {
  const missing = join(tmpdir(), 'no-such-ptb-folder');
  assert.throws(() => loadPtbDir(missing), (e) => isUserError(e) && e.message.includes(missing));
  const partial = fakeDir({ 'ptb.train.txt': 'a b\n', 'ptb.valid.txt': 'a\n' });
  assert.throws(() => loadPtbDir(partial), (e) => isUserError(e) && e.message.includes(join(partial, 'ptb.test.txt')) && /no such file/.test(e.message));
  const short = fakeDir({ 'ptb.train.txt': 'a b\n', 'ptb.valid.txt': 'a\n', 'ptb.test.txt': 'b\n' });
  assert.throws(() => loadPtbDir(short), (e) => isUserError(e) && e.message.includes(join(short, 'ptb.train.txt')) && /3 tokens .*expected 929,589/.test(e.message));
  const binary = fakeDir({ 'ptb.train.txt': 'a\u0000b\n', 'ptb.valid.txt': 'a\n', 'ptb.test.txt': 'b\n' });
  assert.throws(() => loadPtbDir(binary), (e) => isUserError(e) && /ptb\.train\.txt: not a text file/.test(e.message));
  const folderAsFile = fakeDir({ 'ptb.valid.txt': 'a\n', 'ptb.test.txt': 'b\n' });
  mkdirSync(join(folderAsFile, 'ptb.train.txt'));
  assert.throws(() => loadPtbDir(folderAsFile), (e) => isUserError(e) && /ptb\.train\.txt: cannot read it \(a folder/.test(e.message));
  // PTB_DIR is used when dataDir is not given, and only when the caller passes it: stored options
  // (a study's, a worker's job) build the task they name whatever this process's environment says.
  assert.throws(() => getTask('ptb', {}, { PTB_DIR: missing }), (e) => isUserError(e) && e.message.includes(missing));
  const before = process.env.PTB_DIR;
  process.env.PTB_DIR = missing;
  try {
    assert.equal(getTask('ptb', {}).description, getTask('ptb', {}, {}).description, 'the shipped corpus, not PTB_DIR');
  } finally {
    if (before === undefined) delete process.env.PTB_DIR;
    else process.env.PTB_DIR = before;
  }
});

test('the real Mikolov files, when ../shared/data/ptb exists: counts and vocabulary', { skip: !existsSync(realPtb) && 'no ../shared/data/ptb' }, () => {
  const corpus = loadPtbDir(realPtb);
  assert.deepEqual(
    { train: corpus.splits.train.length, valid: corpus.splits.valid.length, test: corpus.splits.test.length },
    PTB_COUNTS,
  );
  assert.equal(corpus.vocab.length, 10_000);
  assert.deepEqual(corpus.vocab.slice(0, 3), ['the', '<unk>', '<eos>']);
  const task = corpusTask(corpus);
  assert.equal(task.note, undefined);
  // TF reader, batch 20, unroll 35: epoch size (929589 // 20 - 1) // 35 = 1327.
  const o = { seed: 0, batchSize: 20, unroll: 35 };
  assert.equal(task.numBatches('valid', o), Math.ceil((Math.floor(73_760 / 20) - 1) / 35));
  let n = 0;
  for (const b of task.batches('train', o)) { if (++n > 1327) { assert.equal(b.carry, false); break; } assert.equal(b.carry, n > 1); }
});
