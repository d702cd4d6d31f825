// The SQLite experiment database: round trips, refusal of files it must not touch, one writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test/helpers.ts';
import { MIGRATIONS, SCHEMA_VERSION, checkDatabaseFile, openSqliteStorage } from './sqlite.ts';
import { APPLICATION_ID, type NewGeneration } from './storage.ts';

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

/** The tables of a database, as SQLite records their definitions. */
function schemaOf(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
  } finally {
    db.close();
  }
}

test('a database of schema 1 (before checkpoints) is read as it is by a reader and migrated forward by a writer: its rows kept, continuations null, nothing kept; then it has the schema of a new one', async () => {
  assert.equal(SCHEMA_VERSION, 2);
  const dir = tempDir();
  const path = join(dir, 'v1.sqlite');
  // What cellsearch wrote at schema 1: migration 0 only (shipped migrations never change).
  const old = new Database(path);
  old.pragma(`application_id = ${APPLICATION_ID}`);
  old.exec(MIGRATIONS[0]);
  old.pragma('user_version = 1');
  old.pragma('journal_mode = WAL');
  const t = '2025-01-01T00:00:00.000Z';
  old.prepare('INSERT INTO experiments (id, name, kind, config, seed, status, created_at, updated_at) VALUES (1, ?, ?, ?, 3, ?, ?, ?)').run('exp', 'search', '{"a":1}', 'interrupted', t, t);
  old.prepare('INSERT INTO architectures (hash, cell, notation, origin, created_at) VALUES (?, ?, ?, ?, ?)').run('a1', '{"states":["h"]}', 'cell A(x; h)', '{"kind":"zoo","name":"gru"}', t);
  const add = old.prepare(
    `INSERT INTO evaluations (experiment_id, key, generation, ordinal, architecture, task, task_options, hyperparameters, seed, status, metrics, steps, wall_ms)
     VALUES (1, ?, 0, ?, 'a1', 't', '{}', '{"lr":1}', ?, ?, ?, ?, ?)`,
  );
  add.run('k0', 0, 7, 'done', '{"accuracy":0.5}', 10, 3);
  add.run('k1', 1, 8, 'queued', null, null, null);
  old.prepare('INSERT INTO curves (evaluation_id, step, point) VALUES (1, 10, ?)').run('{"step":10,"loss":1}');
  old.prepare('INSERT INTO strategy_state (experiment_id, generations, state, finished) VALUES (1, 1, ?, 0)').run('{"rng":[1]}');
  old.close();

  // A reader (a report) reads it as it is, without checkpoints, and changes nothing.
  const r = openSqliteStorage(path, { readonly: true });
  try {
    assert.deepEqual((await r.evaluations(1)).map((e) => [e.key, e.status, e.continues, e.keepCheckpoint]), [['k0', 'done', null, false], ['k1', 'queued', null, false]]);
    assert.equal(await r.checkpoint(1, 'k0'), undefined);
    assert.deepEqual((await r.snapshot(1))!.checkpoints, { count: 0, bytes: 0 });
    assert.equal(r.db.pragma('user_version', { simple: true }), 1);
  } finally {
    await r.close();
  }
  const s = openSqliteStorage(path);
  try {
    assert.equal(s.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const evals = await s.evaluations(1);
    assert.deepEqual(
      evals.map((e) => [e.key, e.status, e.seed, e.metrics, e.steps, e.continues, e.keepCheckpoint]),
      [['k0', 'done', 7, { accuracy: 0.5 }, 10, null, false], ['k1', 'queued', 8, null, null, null, false]],
    );
    assert.deepEqual(await s.curve(evals[0].id), [{ step: 10, loss: 1 }]);
    assert.equal(await s.checkpointBytes(1), 0);
    // The migrated study goes on: a continuation of k0 with a checkpoint of its own.
    await s.markRunning(evals[1].id);
    await s.recordResult(evals[1].id, { status: 'done', metrics: {}, steps: 1, wallMs: 1, curve: [] });
    const [c] = await s.recordGeneration(1, {
      ...generation(1, ['k2']),
      evaluations: [{ ...generation(1, ['k2']).evaluations[0], continues: 'k0', keepCheckpoint: true }],
    });
    await s.markRunning(c.id);
    await s.recordResult(c.id, { status: 'done', metrics: {}, steps: 20, wallMs: 1, curve: [], checkpoint: Uint8Array.from([1, 2]) });
    assert.deepStrictEqual(await s.checkpoint(1, 'k2'), Uint8Array.from([1, 2]));
  } finally {
    await s.close();
  }
  const fresh = join(dir, 'new.sqlite');
  await openSqliteStorage(fresh).close();
  assert.deepEqual(schemaOf(path), schemaOf(fresh), 'a migrated database has the tables of a new one');
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

test('an empty file is refused and left as it is; a new database appears complete, never empty', async () => {
  const dir = tempDir();
  const path = join(dir, 'empty.sqlite');
  writeFileSync(path, '');
  assertRefusedUnchanged(path, /is an empty file, not a cellsearch database/);
  const fresh = join(dir, 'sub', 'new.sqlite');
  const s = openSqliteStorage(fresh);
  assert.equal(readFileSync(fresh).readInt32BE(68), APPLICATION_ID, 'the header is on disk when the file appears');
  await s.close();
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['new.sqlite'], 'no temporary file is left');
});

test('a snapshot reader reads an idle database from its checked copy (no file created) and a live one under its locks', async () => {
  const dir = tempDir();
  const path = await sampleDb(dir);
  assert.deepEqual(readdirSync(dir), ['study.sqlite']);
  const idle = openSqliteStorage(path, { readonly: true, snapshot: true });
  assert.equal((await idle.listExperiments()).length, 1);
  assert.deepEqual(readdirSync(dir), ['study.sqlite'], 'no -wal or -shm while reading');
  await idle.close();
  assert.deepEqual(readdirSync(dir), ['study.sqlite']);

  const writer = openSqliteStorage(path);
  await writer.createExperiment({ name: 'live', kind: 'k', config: {}, seed: 2 });
  const live = openSqliteStorage(path, { readonly: true, snapshot: true });
  assert.deepEqual((await live.listExperiments()).map((e) => e.name).sort(), ['exp', 'live'], 'what the writer committed, from its WAL');
  await live.close();
  await writer.close();
});
