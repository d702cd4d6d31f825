// A real full disk (issue 18): the experiment database lives on a small tmpfs that the test fills.
// Every command that meets the full disk exits 2 naming the file and what to do, and the database
// keeps what it held. Mounting needs root (CI runs as root); elsewhere the test skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';

/** Mounts a tmpfs of `kb` KiB at a fresh folder; undefined where this process may not mount. */
function smallDisk(kb: number): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = join(tempDir(), 'disk');
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? dir : undefined;
}

/** Writes zeros to `path` until the device refuses, leaving `keepKb` KiB unwritten (removed again when `keepKb` > 0). */
function fill(path: string, keepKb = 0): void {
  const chunk = Buffer.alloc(4096);
  const fd = openSync(path, 'w');
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  if (keepKb > 0) {
    const full = readFileSync(path).length;
    rmSync(path);
    const fd2 = openSync(path, 'w');
    writeSync(fd2, Buffer.alloc(Math.max(0, full - keepKb * 1024)));
    closeSync(fd2);
  }
}

/** The evaluations of the database at `db`, read through the storage (a snapshot: no files left). */
function evaluations(db: string) {
  const storage = openSqliteStorage(db, { readonly: true, snapshot: true });
  try {
    const check = storage.db.prepare('PRAGMA integrity_check').pluck().get();
    const rows = storage.db.prepare('SELECT key, status, metrics FROM evaluations ORDER BY id').all();
    return { check, rows };
  } finally {
    storage.close();
  }
}

const disk = smallDisk(4096);

test('a full disk: train, search and report exit 2 naming the file; the database keeps what it held', { skip: disk === undefined && 'mounting a tmpfs needs root' }, (t) => {
  const dir = disk!;
  t.after(() => spawnSync('umount', [dir]));
  const db = join(dir, 'a.sqlite');
  const first = runCli(['train', '--cell', 'gru', '--task', 'memorize', '--scale', 'tiny', '--db', db], { cwd: dir });
  assert.equal(first.status, 0, first.stderr);
  const report = join(dir, 'report');
  assert.equal(runCli(['report', '--db', db, '--out', report], { cwd: dir }).status, 0);
  const before = evaluations(db);
  const reportBefore = readFileSync(join(report, 'report.md'), 'utf8');
  assert.equal(before.check, 'ok');
  assert.equal(before.rows.length, 1);

  // No byte left: opening the database for writing needs its -shm file.
  const filler = join(dir, 'filler');
  fill(filler);
  const none = runCli(['train', '--cell', 'lstm', '--task', 'memorize', '--scale', 'tiny', '--db', db], { cwd: dir });
  assert.equal(none.status, 2, none.stderr);
  assert.match(none.stderr, new RegExp(`${db.replaceAll('/', '\\/')}: the disk is full`));
  assert.doesNotMatch(none.stderr, /internal error|    at /);
  const rewritten = runCli(['report', '--db', db, '--out', report], { cwd: dir });
  assert.equal(rewritten.status, 2, rewritten.stderr);
  assert.match(rewritten.stderr, /no space left on the device|the disk is full/);
  assert.equal(readFileSync(join(report, 'report.md'), 'utf8'), reportBefore, 'the previous report is kept');

  // A little room: the database opens, and the search's first transactions fill the disk.
  rmSync(filler);
  fill(filler, 48);
  const some = runCli(['search', '--scale', 'tiny', '--budget', '30', '--workers', '1', '--db', db], { cwd: dir });
  assert.equal(some.status, 2, some.stderr);
  assert.match(some.stderr, new RegExp(`${db.replaceAll('/', '\\/')}: (the disk is full|input/output error)`));
  assert.doesNotMatch(some.stderr, /internal error|    at /);

  rmSync(filler);
  const after = evaluations(db);
  assert.equal(after.check, 'ok');
  assert.deepEqual(after.rows.slice(0, 1), before.rows, 'the first evaluation is kept as it was');
  const again = runCli(['train', '--cell', 'lstm', '--task', 'memorize', '--scale', 'tiny', '--db', db], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(evaluations(db).rows.filter((r) => (r as { status: string }).status === 'done').length, 2);
});
