// Bad input through the real `cellsearch` command (issue 18): every refusal exits 2 with a message
// naming the problem, and a refused command writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';

/** Runs `args` (with `--db <dir>/x.sqlite` appended) in a fresh folder; returns the result and what was left in the folder. */
function refused(args: string[]) {
  const dir = tempDir();
  const r = runCli([...args, '--db', join(dir, 'x.sqlite')], { cwd: dir });
  return { ...r, left: readdirSync(dir) };
}

test('bad flags of the study commands exit 2 naming the flag and create no database', () => {
  const cases: [string[], RegExp][] = [
    [['search', '--time', '0'], /--time must be a duration/],
    [['search', '--time', '0.0'], /--time must be a duration/],
    [['train', '--cell', 'gru', '--task', 'memorize', '--name', ''], /--name/],
  ];
  for (const [args, message] of cases) {
    const r = refused(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.deepEqual(r.left, [], `${args.join(' ')} wrote ${r.left.join(', ')}`);
  }
});

test('control characters: refused in cell and experiment names, escaped where old data shows them; invalid UTF-8 refused', async () => {
  const dir = tempDir();
  const cell = (name: string) => `cell ${JSON.stringify(name)}(x; h)\n  h' = tanh(linear(x, h))\n`;
  writeFileSync(join(dir, 'esc.txt'), cell('A\x1b]0;pwned\x07'));
  const show = runCli(['show', './esc.txt'], { cwd: dir });
  assert.equal(show.status, 2, show.stderr);
  assert.match(show.stderr, /esc\.txt:1:1: name: must not contain control characters/);
  assert.equal(show.stdout, '');
  writeFileSync(join(dir, 'dot.txt'), cell('a\nb'));
  const dot = runCli(['show', './dot.txt', '--format', 'dot'], { cwd: dir });
  assert.equal(dot.status, 2, dot.stderr);

  writeFileSync(join(dir, 'nul.json'), JSON.stringify({ name: 'a\0b', states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 't', op: 'tanh', in: ['a'] }], outputs: { h: 't' } }));
  const py = runCli(['export', './nul.json', '--format', 'pytorch', '--out', join(dir, 'cell.py')], { cwd: dir });
  assert.equal(py.status, 2, py.stderr);
  assert.match(py.stderr, /nul\.json:1:\d+: name: must not contain control characters/);
  assert.equal(existsSync(join(dir, 'cell.py')), false);

  writeFileSync(join(dir, 'latin1.txt'), Buffer.concat([Buffer.from('cell A(x; h)\n  description: caf'), Buffer.from([0xe9]), Buffer.from("\n  h' = tanh(linear(x, h))\n")]));
  const utf = runCli(['show', './latin1.txt'], { cwd: dir });
  assert.equal(utf.status, 2, utf.stderr);
  assert.match(utf.stderr, /latin1\.txt: not valid UTF-8 text/);

  const named = refused(['train', '--cell', 'gru', '--task', 'memorize', '--name', 'x\x1b]0;pwned\x07']);
  assert.equal(named.status, 2, named.stderr);
  assert.match(named.stderr, /--name must not contain control characters \(newline, tab, escape, NUL, \.\.\.\), got 'x\\x1b\]0;pwned\\x07'/);
  assert.deepEqual(named.left, []);

  // A database written before names were checked: `runs` shows the name, escaped, on one line.
  const db = join(dir, 'old.sqlite');
  const s = openSqliteStorage(db);
  await s.createExperiment({ name: 'old\x1b]0;pwned\x07\nsecond line', kind: 'train', config: {}, seed: 1 });
  await s.close();
  const runs = runCli(['runs', '--db', db], { cwd: dir });
  assert.equal(runs.status, 0, runs.stderr);
  assert.equal(/[\x00-\x09\x0b-\x1f\x7f]/.test(runs.stdout), false, JSON.stringify(runs.stdout));
  assert.match(runs.stdout, /^ {2}old\\x1b\]0;pwned\\x07\\nsecond line +train +/m);
});
