// The SQLite experiment database: round trips, refusal of files it must not touch, one writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test/helpers.ts';
import { APPLICATION_ID, SCHEMA_VERSION, checkDatabaseFile, openSqliteStorage } from './sqlite.ts';
import type { NewGeneration } from './storage.ts';

const arch = { hash: 'a1', cell: { states: ['h'] }, notation: 'cell A(x; h)', origin: { kind: 'zoo' as const, name: 'gru' } };

function generation(n: number, keys: string[]): NewGeneration {
  return {
    generation: n,
    architectures: [arch],
    evaluations: keys.map((key, i) => ({ key, ordinal: i, architecture: 'a1', task: 't', taskOptions: { size: 3 }, hyperparameters: { lr: 0.5 }, seed: 7 + i })),
    state: { rng: [1, 2, 3] },
    finished: false,
  };
}

/** A small cellsearch database with one experiment and two results, closed. */
async function sampleDb(dir: string): Promise<string> {
  const path = join(dir, 'study.sqlite');
  const s = openSqliteStorage(path);
  const e = await s.createExperiment({ name: 'exp', kind: 'train', config: { a: 1 }, seed: 3 });
  const [x, y] = await s.recordGeneration(e.id, generation(0, ['k0', 'k1']));
  await s.markRunning(x.id);
  await s.recordResult(x.id, { status: 'done', metrics: { accuracy: 0.5 }, steps: 10, wallMs: 1, curve: [{ step: 5, loss: 2 }, { step: 10, loss: 1 }] });
  await s.markRunning(y.id);
  await s.recordResult(y.id, { status: 'diverged', metrics: { accuracy: null }, steps: 3, wallMs: 1, curve: [] });
  await s.close();
  return path;
}

test('a new database has the application id, the schema version and WAL mode; rows survive closing and reopening', async () => {
  // (What every backend does with rows is in storage.test.ts, which runs on SQLite too.)
  const dir = tempDir();
  const path = join(dir, 'sub', 'study.sqlite');
  const s = openSqliteStorage(path);
  assert.equal(s.db.pragma('application_id', { simple: true }), APPLICATION_ID);
  assert.equal(s.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
  const e = await s.createExperiment({ name: 'exp', kind: 'train', config: { task: 'arithmetic', hp: { lr: 1 } }, seed: 42 });
  const evals = await s.recordGeneration(e.id, generation(0, ['k0', 'k1', 'k2']));
  await s.markRunning(evals[0].id);
  await s.recordResult(evals[0].id, { status: 'done', metrics: { accuracy: 0.9 }, steps: 100, wallMs: 12, curve: [{ step: 50, loss: 1.5 }, { step: 100, loss: 0.5 }] });
  const written = await s.snapshot(e.id);
  await s.close();
  const r = openSqliteStorage(path, { readonly: true });
  try {
    assert.deepEqual({ ...(await r.snapshot(e.id)), writer: undefined }, { ...written, writer: undefined });
    assert.deepEqual(await r.getArchitecture('a1'), arch);
  } finally {
    await r.close();
  }
});

test('a read-only connection reads but cannot write', async () => {
  const path = await sampleDb(tempDir());
  const r = openSqliteStorage(path, { readonly: true });
  const [summary] = await r.listExperiments();
  assert.deepEqual(summary.counts, { queued: 0, running: 0, done: 1, diverged: 1, failed: 0 });
  await assert.rejects(r.logEvent(null, 'x'), /read-only/);
  await r.close();
});

function assertRefusedUnchanged(path: string, message: RegExp): void {
  const before = readFileSync(path);
  for (const readonly of [false, true]) {
    assert.throws(() => openSqliteStorage(path, { readonly }), (err: Error & { userFacing?: boolean }) => {
      assert.equal(err.userFacing, true);
      assert.match(err.message, message);
      assert.match(err.message, /left unchanged/);
      return true;
    });
  }
  assert.deepEqual(readFileSync(path), before, 'the file must be byte-identical');
  assert.equal(existsSync(path + '-wal'), false, 'no WAL file may be created');
  assert.equal(existsSync(path + '-journal'), false, 'no journal may be created');
}

test('a file that is not SQLite is refused and left byte-identical', () => {
  const path = join(tempDir(), 'notes.sqlite');
  writeFileSync(path, 'these are my notes, not a database\n'.repeat(20));
  assertRefusedUnchanged(path, /not a SQLite database/);
});

test('a foreign SQLite database is refused and left byte-identical', () => {
  for (const wal of [false, true]) {
    const path = join(tempDir(), 'foreign.sqlite');
    const db = new Database(path);
    if (wal) db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada');");
    db.close();
    assertRefusedUnchanged(path, /not a cellsearch database/);
  }
});

test('a corrupt cellsearch database is refused and left byte-identical', async () => {
  const path = await sampleDb(tempDir());
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16);
  assert.ok(bytes.length >= 3 * pageSize);
  // Scribble over every page but the first (which holds the header and the schema root).
  for (let i = pageSize; i < bytes.length; i += 7) bytes[i] = (i * 31) & 0xff;
  writeFileSync(path, bytes);
  assertRefusedUnchanged(path, /corrupt/);
});

test('a truncated cellsearch database is refused', async () => {
  const path = await sampleDb(tempDir());
  writeFileSync(path, readFileSync(path).subarray(0, 60));
  assertRefusedUnchanged(path, /not a SQLite database/);
});

test('a database written by a newer cellsearch is refused and left byte-identical', async () => {
  const path = await sampleDb(tempDir());
  const db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.pragma('journal_mode = DELETE');
  db.close();
  assertRefusedUnchanged(path, /newer cellsearch/);
  assert.deepEqual(checkDatabaseFile(join(tempDir(), 'absent.sqlite')), { state: 'missing' });
});

test('a second writer is refused while the first lives; a dead writer is taken over', async () => {
  const path = await sampleDb(tempDir());
  const raw = new Database(path);
  raw.prepare('INSERT OR REPLACE INTO writer (id, pid, host, since) VALUES (1, ?, ?, ?)').run(process.ppid, (await import('node:os')).hostname(), 'now');
  raw.close();
  assert.throws(() => openSqliteStorage(path), /being written by another cellsearch process/);
  // Readers are never refused.
  const r = openSqliteStorage(path, { readonly: true });
  assert.equal((await r.listExperiments()).length, 1);
  assert.equal((await r.activeWriter())?.pid, process.ppid);
  await r.close();
  const raw2 = new Database(path);
  raw2.prepare('UPDATE writer SET pid = ?').run(2 ** 22 + 12345); // above pid_max: no such process
  raw2.close();
  const dead = openSqliteStorage(path, { readonly: true });
  assert.equal(await dead.activeWriter(), undefined, 'a dead writer is no writer');
  await dead.close();
  const s = openSqliteStorage(path);
  assert.equal((await s.listExperiments()).length, 1);
  assert.equal((await s.activeWriter())?.pid, process.pid);
  await s.close();
});
