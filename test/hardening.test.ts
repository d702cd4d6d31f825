// Bad input through the real `cellsearch` command (issue 18): every refusal exits 2 with a message
// naming the problem, and a refused command writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { isUserError, systemError } from '../errors.ts';

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

/**
 * Runs `cellsearch args...` as a user that is not the owner of the files made by this process:
 * when the tests run as root (who may write anything), as nobody; otherwise as this user, whom
 * the files' modes then restrict.
 */
function runAsOther(args: string[], cwd: string) {
  const root = process.getuid?.() === 0;
  return spawnSync(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, HOME: cwd },
    encoding: 'utf8',
    timeout: 600_000,
    ...(root ? { uid: 65534, gid: 65534 } : {}),
  });
}

/** A folder others may enter and read (a test's temporary folder is private). */
function sharedDir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  return dir;
}

/** A small finished database, made by this process: a writer that closed, so no -wal or -shm is left. */
async function smallDb(dir: string): Promise<string> {
  const db = join(dir, 'study.sqlite');
  const s = openSqliteStorage(db);
  await s.createExperiment({ name: 'study', kind: 'train', config: {}, seed: 1 });
  await s.close();
  assert.deepEqual(readdirSync(dir), ['study.sqlite']);
  return db;
}

test('runs and report leave no file beside the database (a -shm of another user locked the owner out) and work in a folder they cannot write', async () => {
  const dir = sharedDir();
  const db = await smallDb(dir);
  const runs = runCli(['runs', '--db', db], { cwd: dir });
  assert.equal(runs.status, 0, runs.stderr);
  assert.match(runs.stdout, /study +train/);
  const out = tempDir();
  const report = runCli(['report', '--db', db, '--out', join(out, 'r')], { cwd: dir });
  assert.equal(report.status, 0, report.stderr);
  assert.deepEqual(readdirSync(dir), ['study.sqlite'], 'no -wal, -shm or -journal was left');

  chmodSync(dir, 0o555);
  try {
    const other = runAsOther(['runs', '--db', db], dir);
    assert.equal(other.status, 0, other.stderr);
    assert.match(other.stdout, /study +train/);
    assert.deepEqual(readdirSync(dir), ['study.sqlite']);
  } finally {
    chmodSync(dir, 0o755);
  }
  // The owner still writes it.
  const s = openSqliteStorage(db);
  await s.createExperiment({ name: 'second', kind: 'train', config: {}, seed: 1 });
  await s.close();
});

test('system errors exit 2 naming the path and what to do, not an internal error; nothing is created', async () => {
  const dir = sharedDir();
  const train = ['train', '--cell', 'gru', '--task', 'memorize', '--steps', '1'];
  const expect2 = (r: SpawnSyncReturns<string>, message: RegExp, what: string) => {
    assert.equal(r.status, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.doesNotMatch(r.stderr, /internal error|    at /, what);
  };

  const journal = existsSync('/dev/null-journal');
  const devNull = runCli([...train, '--db', '/dev/null'], { cwd: dir });
  expect2(devNull, /\/dev\/null is not a regular file/, '--db /dev/null');
  assert.equal(existsSync('/dev/null-journal'), journal, 'no /dev/null-journal was created');

  writeFileSync(join(dir, 'empty.sqlite'), '');
  expect2(runCli([...train, '--db', join(dir, 'empty.sqlite')], { cwd: dir }), /empty\.sqlite is an empty file, not a cellsearch database/, 'an empty file');
  assert.equal(readFileSync(join(dir, 'empty.sqlite')).length, 0);

  // A new database in a folder this user cannot write.
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o755 });
  chmodSync(locked, 0o555);
  expect2(runAsOther([...train, '--db', join(locked, 'new.sqlite')], dir), /locked\/new\.sqlite: cannot be written by this user \(\S*locked \(the folder\)\)/, 'a read-only folder');
  expect2(runAsOther([...train, '--db', join(locked, 'a', 'new.sqlite')], dir), /cannot be written by this user \(\S*locked \(the folder\)\)/, 'a read-only folder above');
  assert.deepEqual(readdirSync(locked), []);

  // A database file this user cannot write, then one whose leftover -shm it cannot write.
  mkdirSync(join(dir, 'w'));
  chmodSync(join(dir, 'w'), 0o777);
  const db = await smallDb(join(dir, 'w'));
  chmodSync(db, 0o444);
  expect2(runAsOther([...train, '--db', db], dir), /study\.sqlite: cannot be written by this user \(\S*study\.sqlite\)/, 'a read-only database');
  assert.deepEqual(readdirSync(join(dir, 'w')), ['study.sqlite'], 'no -wal or -shm of the refused user is left');
  chmodSync(db, 0o666);
  writeFileSync(`${db}-shm`, Buffer.alloc(32768));
  chmodSync(`${db}-shm`, 0o444);
  const shm = runAsOther([...train, '--db', db], dir);
  expect2(shm, /study\.sqlite: cannot be written by this user \(\S*study\.sqlite-shm\)/, 'a read-only -shm');

  // report --out naming a file, or a folder it cannot write.
  rmSync(`${db}-shm`);
  writeFileSync(join(dir, 'afile'), 'x');
  expect2(runCli(['report', '--db', db, '--out', join(dir, 'afile')], { cwd: dir }), /afile is a file, not a folder/, 'report --out a file');
  assert.equal(readFileSync(join(dir, 'afile'), 'utf8'), 'x');
  expect2(runAsOther(['report', '--db', db, '--out', join(locked, 'r')], dir), /locked\/r.*\(EACCES\)/, 'report --out an unwritable folder');
});

test('systemError: codes of the system and of SQLite (extended ones by their primary code) become UserErrors naming the path', () => {
  const full = systemError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 'runs/a.sqlite');
  assert.ok(full && isUserError(full));
  assert.match(full.message, /^runs\/a\.sqlite: the disk is full: free some space, then run the same command again .*\(SQLITE_FULL\)$/);
  assert.match(systemError({ code: 'SQLITE_IOERR_WRITE' }, 'p')!.message, /^p: input\/output error on the database .*\(SQLITE_IOERR_WRITE\)$/);
  assert.match(systemError(Object.assign(new Error('x'), { code: 'ENOSPC', path: '/mnt/report.html' }))!.message, /^\/mnt\/report\.html: no space left on the device/);
  assert.match(systemError({ code: 'SQLITE_IOERR_SHMSIZE' }, 'p')!.message, /^p: the disk is full .*\(SQLITE_IOERR_SHMSIZE\)$/);
  assert.equal(systemError(new Error('a bug')), undefined);
  assert.equal(systemError({ code: 'ERR_INVALID_ARG_TYPE' }), undefined);
});

test('report: a report.md that is a symbolic link is replaced, not written through', async () => {
  const dir = sharedDir();
  const db = await smallDb(dir);
  const out = join(dir, 'r');
  mkdirSync(out);
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  symlinkSync(victim, join(out, 'report.md'));
  const r = runCli(['report', '--db', db, '--out', out], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /^# /);
});

test('deep input: nested 100,000 deep is exit 2 at its place; a 2,500-node chain shows, canonically too', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'deep.json'), '['.repeat(100_000) + ']'.repeat(100_000));
  writeFileSync(join(dir, 'deep.txt'), `cell A(x; h)\n  h' = tanh(linear(x, ${'('.repeat(100_000)}h${')'.repeat(100_000)}))\n`);
  for (const [file, message] of [['deep.json', /deep\.json:1:65: nested deeper than 64 levels/], ['deep.txt', /deep\.txt:2:\d+: expression nested deeper than 200 levels/]] as const) {
    const r = runCli(['show', `./${file}`], { cwd: dir });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
  const lines = ["cell Chain(x; h)", '  a0 = tanh(linear(x, h))'];
  for (let i = 1; i < 2500; i++) lines.push(`  a${i} = tanh(a${i - 1})`);
  lines.push("  h' = a2499 * h");
  writeFileSync(join(dir, 'chain.txt'), lines.join('\n') + '\n');
  const show = runCli(['show', './chain.txt'], { cwd: dir });
  assert.equal(show.status, 0, show.stderr);
  writeFileSync(join(dir, 'printed.txt'), show.stdout);
  const canonical = runCli(['show', './chain.txt', '--canonical'], { cwd: dir });
  const again = runCli(['show', './printed.txt', '--canonical'], { cwd: dir });
  assert.equal(canonical.status, 0, canonical.stderr);
  assert.equal(again.stdout, canonical.stdout, 'the printed chain is the same cell');
});

test('train: a model beyond --max-heap-mb is refused before anything is written, with its memory estimate', () => {
  const r = refused(['train', '--cell', 'lstm', '--task', 'ptb', '--hidden', '4096', '--layers', '4', '--max-heap-mb', '256']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--cell lstm on ptb: training needs about \d+ MB \(hidden 4096, 4 layers, .*\), more than --max-heap-mb 256 allows; reduce --hidden, --layers, --batch or --unroll/);
  assert.deepEqual(r.left, []);
  const hidden = refused(['train', '--cell', 'gru', '--task', 'memorize', '--hidden', '100000']);
  assert.equal(hidden.status, 2, hidden.stderr);
  assert.match(hidden.stderr, /--hidden must be at most 4096, got 100000/);
  assert.deepEqual(hidden.left, []);
});
