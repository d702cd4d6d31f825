// The text task through the real CLI: `tasks`, `sample`, `train` and `ablate` on a user's files,
// task options with --set, and bad input (exit 2, the file named, nothing written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';

const dir = tempDir('cellsearch-text-cli-');
const words = 'the cat sat on a mat and the dog ran to the red house'.split(' ');
const lines = Array.from({ length: 600 }, (_, i) => Array.from({ length: 4 + (i % 7) }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' '));
const folder = join(dir, 'corpus');
mkdirSync(folder);
writeFileSync(join(folder, 'train.txt'), lines.slice(0, 500).join('\n') + '\n');
writeFileSync(join(folder, 'valid.txt'), lines.slice(500, 550).join('\n') + '\n');
writeFileSync(join(folder, 'test.txt'), lines.slice(550).join('\n') + '\n');
const single = join(dir, 'all.txt');
writeFileSync(single, lines.join('\n') + '\n');

test('tasks lists text with the sizes of --text-dir; sample shows its lines', () => {
  const r = runCli(['tasks', '--text-dir', single]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^text\s+softmax\s+perplexity\s+\d+\s+[\d,]+ tokens\s+[\d,]+ tokens\s+[\d,]+ tokens$/m);
  assert.match(r.stdout, new RegExp(`text: character-level language modelling on ${single}`));
  const none = runCli(['tasks']);
  assert.match(none.stdout, /^text\s+softmax\s+perplexity\s+your own text: --text-dir/m);
  const s = runCli(['sample', 'text', '--data-dir', folder, '--set', 'level=word', '--n', '2', '--mark', 'brackets']);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /^# text, seed 1/);
  assert.match(s.stdout, /^\[(\w+ )+<eos>\]$/m);
});

test('train and ablate run on the text task; the task options are recorded', () => {
  const db = join(dir, 'train.sqlite');
  const r = runCli(['train', '--cell', 'gru', '--task', 'text', '--data-dir', folder, '--set', 'level=word', '--steps', '10', '--eval-every', '10', '--valid-batches', '1', '--db', db, '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^gru\s+0\s+done\s+10\b/m);
  assert.match(r.stdout, /task text \(tiny\)/);
  const a = runCli(['ablate', '--cells', 'gru,tanh-rnn', '--tasks', 'text', '--data-dir', single, '--trials', '1', '--steps', '10', '--eval-every', '10', '--valid-batches', '1', '--db', join(dir, 'ablate.sqlite'), '--workers', '1']);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /text/);
});

test('bad text input exits 2 naming the file, and writes no database', () => {
  const db = join(dir, 'bad.sqlite');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'train.txt'), 'abc\n');
  writeFileSync(join(empty, 'valid.txt'), '');
  writeFileSync(join(empty, 'test.txt'), 'abc\n');
  const r = runCli(['train', '--cell', 'gru', '--task', 'text', '--data-dir', empty, '--db', db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /empty[\\/]valid\.txt: the valid split is empty/);
  const cap = runCli(['train', '--cell', 'gru', '--task', 'text', '--data-dir', folder, '--set', 'level=word', '--set', 'maxVocab=5', '--db', db]);
  assert.equal(cap.status, 2);
  assert.match(cap.stderr, /train\.txt: \d+ words in the vocabulary \(with <unk>\), over the cap of 5/);
  const missing = runCli(['train', '--cell', 'gru', '--task', 'text', '--data-dir', join(dir, 'nope'), '--db', db]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope: no such file or folder/);
  assert.equal(existsSync(db), false);
});
