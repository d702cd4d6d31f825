// `cellsearch tasks` and `cellsearch sample`: listings, marks, determinism and data-folder errors.
// A few runs of the real command check the contract (output, exit codes); the rest calls the
// commands' functions in-process, which is much cheaper than a process per case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUserError } from '../errors.ts';
import { parseSettings, renderExample, sampleText } from '../commands/sample.ts';
import { listTasks } from '../commands/tasks.ts';
import { repoRoot, runCli, tempDir } from './helpers.ts';

const noData = { PTB_DIR: '', JSB_DIR: '' };
const realJsb = join(repoRoot, '..', 'shared', 'data', 'jsb');
const sample = (args: Partial<Parameters<typeof sampleText>[0]> & { task: string }, env: NodeJS.ProcessEnv = noData) =>
  sampleText({ n: 5, seed: 1, mark: 'auto', ...args }, false, env);
const userError = (pattern: RegExp | string) => (e: unknown) =>
  isUserError(e) && (typeof pattern === 'string' ? e.message.includes(pattern) : pattern.test(e.message));

test('cellsearch tasks lists every task with vocabulary and split sizes', () => {
  const r = runCli(['tasks'], { env: noData });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^arithmetic\s+softmax\s+accuracy\s+40\s+endless\s+1,000 seqs\s+1,000 seqs$/m);
  assert.match(r.stdout, /^xml\s+softmax\s+accuracy\s+30\s+endless/m);
  assert.match(r.stdout, /^ptb\s+softmax\s+perplexity\s+10,000\s+771,782 tokens\s+86,034 tokens\s+75,947 tokens$/m);
  assert.match(r.stdout, /^memorize\s+softmax\s+accuracy\s+27\s+endless/m);
  assert.match(r.stdout, /^music\s+sigmoid\s+nll\s+88\s+needs --music-dir or JSB_DIR/m);
  assert.match(r.stdout, /not comparable with published Penn Treebank numbers/);
});

test('tasks with a music folder lists its sizes', { skip: !existsSync(realJsb) && 'no ../shared/data/jsb' }, async () => {
  assert.match(await listTasks({ musicDir: realJsb }, noData), /^music\s+sigmoid\s+nll\s+88\s+229 pieces\s+76 pieces\s+77 pieces$/m);
});

test('cellsearch sample marks the scored positions with brackets when not a terminal', () => {
  const a = runCli(['sample', 'arithmetic', '--n', '4', '--seed', '3'], { env: noData });
  assert.equal(a.status, 0, a.stderr);
  const lines = a.stdout.trim().split('\n');
  assert.match(lines[0], /^# arithmetic, seed 3: \[brackets\]/);
  assert.equal(lines.length, 5);
  for (const l of lines.slice(1)) assert.match(l, /^[0-9a-z+-]+=\[-?\d+\.\]$/);
});

test('sample is seeded; underline on request or on a terminal', async () => {
  const a = await sample({ task: 'arithmetic', n: 4, seed: 3 });
  assert.equal(await sample({ task: 'arithmetic', n: 4, seed: 3 }), a);
  assert.notEqual(await sample({ task: 'arithmetic', n: 4, seed: 4 }), a);
  assert.match(await sample({ task: 'memorize', mark: 'underline' }), /^([a-z]{5})=\x1b\[4m\1\x1b\[24m$/m);
  assert.match(await sampleText({ task: 'memorize', n: 1, seed: 1, mark: 'auto' }, true, noData), /\x1b\[4m/);
  assert.match(await sampleText({ task: 'memorize', n: 1, seed: 1, mark: 'auto' }, true, { ...noData, NO_COLOR: '1' }), /=\[/);
});

test('sample works for every task; --set passes task options', async () => {
  assert.match(await sample({ task: 'xml', n: 3, set: ['maxIterations=6', 'score=closing'] }), /<\/\[[a-z]+>\]/);
  const p = await sample({ task: 'ptb', n: 2 });
  assert.match(p, /not comparable/);
  assert.match(p, /^\[.* <eos>\]$/m);
  const dir = tempDir();
  writeFileSync(join(dir, 'jsb-chorales-quarter.json'), JSON.stringify({ train: [[[60, 64], [62], []]], valid: [[[60], [60]]], test: [[[60], [61]]] }));
  assert.match(await sample({ task: 'music', n: 1, dataDir: dir }), /^C4\.E4 \[D4 -\]$/m);
  await assert.rejects(sample({ task: 'arithmetic', set: ['maxDigits=99'] }), userError(/task arithmetic: bad options: .*maxDigits/));
});

test('cellsearch sample: a missing --data-dir exits 2 naming the folder; no music data exits 2', () => {
  const missing = join(tempDir(), 'nothing-here');
  const p = runCli(['sample', 'ptb', '--data-dir', missing], { env: noData });
  assert.equal(p.status, 2);
  assert.ok(p.stderr.includes(missing), p.stderr);
  const none = runCli(['sample', 'music'], { env: noData });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--data-dir/);
});

test('sample: malformed data folders and PTB_DIR give a UserError naming the file', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'ptb.train.txt'), 'a b\n');
  await assert.rejects(sample({ task: 'ptb', dataDir: dir }), userError(join(dir, 'ptb.valid.txt')));
  writeFileSync(join(dir, 'jsb.json'), '[1, 2');
  await assert.rejects(sample({ task: 'music', dataDir: join(dir, 'jsb.json') }), userError(/jsb\.json: not valid JSON/));
  const missing = join(dir, 'nothing-here');
  await assert.rejects(sample({ task: 'ptb' }, { PTB_DIR: missing }), userError(missing));
  await assert.rejects(sample({ task: 'music' }, { JSB_DIR: missing }), userError(missing));
});

test('sample: bad arguments', async () => {
  const r = runCli(['sample', 'chess'], { env: noData });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown task "chess"; the tasks are arithmetic, xml, ptb, memorize, music/);
  await assert.rejects(sample({ task: 'memorize', n: 0 }), userError('--n must be'));
  await assert.rejects(sample({ task: 'memorize', seed: -1 }), userError('--seed must be'));
  await assert.rejects(sample({ task: 'memorize', dataDir: '/tmp' }), userError('--data-dir applies to ptb, music and text'));
});

test('renderExample and parseSettings', () => {
  const e = { symbols: ['a', 'b', 'c', 'd'], scored: [false, true, true, false], separator: ' ' as const };
  assert.equal(renderExample(e, 'brackets'), 'a [b c] d');
  assert.equal(renderExample({ ...e, separator: '' }, 'underline'), 'a\x1b[4mbc\x1b[24md');
  assert.deepEqual(parseSettings(['maxDigits=3', 'score=all', 'x=a=b']), { maxDigits: 3, score: 'all', x: 'a=b' });
  assert.throws(() => parseSettings(['=3']), /expected key=value/);
});
