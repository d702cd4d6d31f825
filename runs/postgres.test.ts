// The PostgreSQL experiment database on a real server (scripts/with-postgres.sh; skipped without
// CELLSEARCH_TEST_PG): what only concerns this backend. A database that is not cellsearch's, or is
// from a newer cellsearch, is refused untouched; a wrong password, an unreachable server or a
// missing database is a clear error that shows no password; writers share a database but each
// study has one (its lease), a writer killed with -9 leaves no lease behind, and one that lost its
// lease connection takes its leases back unless another process took its study meanwhile. The behaviours every backend shares are storage.test.ts'.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { isUserError } from '../errors.ts';
import { repoRoot } from '../test/helpers.ts';
import { databaseUrl, freshDatabase, SKIP_WITHOUT_PG, TEST_PG } from '../test/postgres.ts';
import pg from 'pg';
import { META_TABLE, openPostgresStorage, SCHEMA_VERSION, type PostgresStorage } from './postgres.ts';
import { openStorage } from './open-storage.ts';
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

/** Runs statements on `url` directly, as another program would. */
async function raw<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Every table of the database with all its rows, as text: to show that nothing changed. */
async function contents(url: string): Promise<string> {
  const tables = (await raw<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename COLLATE "C"`)).map((r) => r.t);
  const out: string[] = [];
  for (const t of tables) out.push(`${t}: ${JSON.stringify(await raw(url, `SELECT * FROM "${t}" ORDER BY 1`))}`);
  return out.join('\n');
}

/** A cellsearch database with one experiment and a result, closed. */
async function sampleDb(url: string): Promise<void> {
  const s = await openPostgresStorage(url);
  const e = await s.createExperiment({ name: 'exp', kind: 'train', config: { a: 1 }, seed: 3 });
  const [x] = await s.recordGeneration(e.id, generation(0, ['k0', 'k1']));
  await s.markRunning(x.id);
  await s.recordResult(x.id, { status: 'done', metrics: { accuracy: 0.5 }, steps: 10, wallMs: 1, curve: [{ step: 5, loss: 2 }, { step: 10, loss: 1 }] });
  await s.close();
}

const password = (url: string) => decodeURIComponent(new URL(url).password);

/** Both a writer and a reader are refused with a UserError matching `message` that shows no password. */
async function assertRefused(url: string, message: RegExp): Promise<void> {
  for (const readonly of [false, true]) {
    await assert.rejects(openStorage(url, { readonly }), (e) => {
      assert.ok(isUserError(e), `a UserError, got ${(e as Error).stack}`);
      assert.match((e as Error).message, message);
      if (password(url)) assert.ok(!(e as Error).message.includes(password(url)), `no password in: ${(e as Error).message}`);
      return true;
    });
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

describe('PostgreSQL backend', { skip: SKIP_WITHOUT_PG }, () => {
  test('an empty database is given the tables, marked with the application id and schema version; rows survive reopening; the location shows no password', async () => {
    const { url, drop } = await freshDatabase();
    try {
      await sampleDb(url);
      assert.deepEqual(await raw(url, `SELECT application_id, schema_version FROM ${META_TABLE}`), [{ application_id: APPLICATION_ID, schema_version: SCHEMA_VERSION }]);
      const s = await openPostgresStorage(url, { readonly: true });
      try {
        const u = new URL(url);
        assert.equal(s.location, `postgres://${u.username}@${u.hostname}:${u.port}${u.pathname}`);
        assert.ok(!s.location.includes(password(url)));
        const [e] = await s.listExperiments();
        assert.deepEqual([e.name, e.counts.done, e.counts.queued], ['exp', 1, 1]);
        const [x] = await s.evaluations(e.id, { status: 'done' });
        assert.deepEqual(await s.curve(x.id), [{ step: 5, loss: 2 }, { step: 10, loss: 1 }]);
        assert.equal(await s.activeWriter(), undefined, 'the writer closed');
      } finally {
        await s.close();
      }
      assert.deepEqual([await raw(url, 'SELECT * FROM writers'), await raw(url, 'SELECT * FROM study_leases')], [[], []], 'a closed writer leaves no lease');
    } finally {
      await drop();
    }
  });

  test('a database with tables of its own is refused, writer and reader, and left untouched', async () => {
    const { url, drop } = await freshDatabase();
    try {
      await raw(url, 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
      await raw(url, `INSERT INTO customers VALUES (1, 'ada')`);
      const before = await contents(url);
      await assertRefused(url, /is a PostgreSQL database but not a cellsearch database \(it has tables customers and no cellsearch_meta\); it was left unchanged/);
      assert.equal(await contents(url), before);
      // A table named like ours, with another application's id, is not ours either.
      await raw(url, `CREATE TABLE ${META_TABLE} (id INTEGER PRIMARY KEY, application_id INTEGER, schema_version INTEGER)`);
      await raw(url, `INSERT INTO ${META_TABLE} VALUES (1, 7, 1)`);
      const before2 = await contents(url);
      await assertRefused(url, /not a cellsearch database \(application_id 7, expected 1129530434\); it was left unchanged/);
      assert.equal(await contents(url), before2);
    } finally {
      await drop();
    }
  });

  test('a database written by a newer cellsearch is refused, writer and reader, and left untouched', async () => {
    const { url, drop } = await freshDatabase();
    try {
      await sampleDb(url);
      await raw(url, `UPDATE ${META_TABLE} SET schema_version = $1`, [SCHEMA_VERSION + 1]);
      const before = await contents(url);
      await assertRefused(url, new RegExp(`was written by a newer cellsearch \\(database schema ${SCHEMA_VERSION + 1}; this version reads up to ${SCHEMA_VERSION}\\): upgrade cellsearch; the database was left unchanged`));
      assert.equal(await contents(url), before);
    } finally {
      await drop();
    }
  });

  test('a wrong password, an unreachable server, a missing database: a clear UserError without the password; nothing is created', async () => {
    const { url, drop } = await freshDatabase();
    try {
      const wrong = new URL(url);
      wrong.password = 'not-the-password-x1';
      await assertRefused(wrong.toString(), /^cannot connect to postgres:\/\/postgres@127\.0\.0\.1:\d+\/cs_test_\w+: password authentication failed for user "postgres"; nothing was written$/);
      const port = await closedPort();
      const away = new URL(url);
      away.port = String(port);
      await assertRefused(away.toString(), new RegExp(`^cannot connect to postgres://postgres@127\\.0\\.0\\.1:${port}/cs_test_\\w+: .*ECONNREFUSED.*; nothing was written$`));
      await assertRefused(databaseUrl(url, 'no_such_db'), /^cannot connect to postgres:\/\/postgres@127\.0\.0\.1:\d+\/no_such_db: database "no_such_db" does not exist; nothing was written$/);
      await assert.rejects(openStorage('postgres://u:secret@[bad'), (e) => isUserError(e) && /^--db: not a valid PostgreSQL URL/.test((e as Error).message) && !(e as Error).message.includes('secret'));
      assert.equal(await contents(url), '', 'the database is still empty');
      // A reader of an empty database finds nothing and creates nothing.
      await assert.rejects(openStorage(url, { readonly: true }), (e) => isUserError(e) && /^no cellsearch database at postgres:\/\/postgres@/.test((e as Error).message));
      assert.equal(await contents(url), '');
    } finally {
      await drop();
    }
  });

  test('writers share a database, each study has one: a second lease of a study is refused with the holder while it lives, other studies and readers are not; a holder killed with -9 leaves the study to the next', async () => {
    const { url, drop } = await freshDatabase();
    try {
      await sampleDb(url);
      // The study's driver in another process, as another command (or machine) would hold it.
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `const { openPostgresStorage } = await import('./runs/postgres.ts'); const s = await openPostgresStorage(process.env.URL); await s.leaseStudy((await s.getExperiment('exp')).id); console.log('ready'); setInterval(() => {}, 1000);`,
        ],
        { cwd: repoRoot, env: { ...process.env, URL: url }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const s = await openPostgresStorage(url);
      try {
        const [line] = await once(child.stdout, 'data');
        assert.equal(String(line).trim(), 'ready');
        const exp = (await s.getExperiment('exp'))!;
        await assert.rejects(s.leaseStudy!(exp.id), (e) => {
          assert.ok(isUserError(e));
          assert.match((e as Error).message, new RegExp(`^experiment 'exp' in postgres://postgres@[^ ]+ is being run by another cellsearch process \\(pid ${child.pid} on .+, since .+\\); a study has one driver`));
          assert.ok(!(e as Error).message.includes(password(url)));
          return true;
        });
        // Another study of the same database is this writer's to drive meanwhile.
        const other = await s.createExperiment({ name: 'other', kind: 'train', config: {}, seed: 1 });
        await s.leaseStudy!(other.id);
        await s.recordGeneration(other.id, generation(0, ['o0']));
        const r = await openPostgresStorage(url, { readonly: true });
        try {
          assert.equal((await r.activeWriter(exp.id))?.pid, child.pid);
          assert.equal((await r.snapshot(exp.id))!.writer?.pid, child.pid);
          assert.equal((await r.snapshot(other.id))!.writer?.pid, process.pid);
          assert.ok([child.pid, process.pid].includes((await r.activeWriter())?.pid), 'a writer of the database');
          child.kill('SIGKILL');
          await once(child, 'exit');
          // The server ends the dead session's backend, and frees its locks, once it sees the socket closed.
          for (let i = 0; i < 100 && (await r.activeWriter(exp.id)) !== undefined; i++) await new Promise((ok) => setTimeout(ok, 100));
          assert.equal(await r.activeWriter(exp.id), undefined, 'a dead holder holds nothing');
        } finally {
          await r.close();
        }
        await s.leaseStudy!(exp.id);
        assert.equal((await s.snapshot(exp.id))!.writer?.pid, process.pid, 'the study is taken over');
      } finally {
        child.kill('SIGKILL');
        await s.close();
      }
    } finally {
      await drop();
    }
  });

  test('a writer whose lease connection was cut takes its leases back, unless another process took its study meanwhile', async () => {
    const { url, drop } = await freshDatabase();
    try {
      await sampleDb(url);
      const cut = async (s: PostgresStorage) => {
        const [{ backend_pid }] = await raw<{ backend_pid: number }>(url, 'SELECT backend_pid FROM writers');
        await raw(url, 'SELECT pg_terminate_backend($1)', [backend_pid]);
        // Until the client notices the end of its connection.
        for (let i = 0; i < 100 && (s as unknown as { leaseLost?: Error }).leaseLost === undefined; i++) await new Promise((ok) => setTimeout(ok, 50));
      };
      const a = await openPostgresStorage(url);
      const exp = (await a.getExperiment('exp'))!;
      await a.leaseStudy!(exp.id);
      await cut(a);
      await a.logEvent(exp.id, 'after-cut');
      assert.equal((await a.activeWriter(exp.id))?.pid, process.pid, 'the lease taken back');
      await cut(a);
      const b = await openPostgresStorage(url);
      try {
        await b.leaseStudy!(exp.id);
        await assert.rejects(a.logEvent(exp.id, 'lost'), (e) => isUserError(e) && /the connection holding the write lease was lost \(.+\) and another process (drives|drove)/.test((e as Error).message));
        assert.ok(!(await b.events(exp.id)).some((e) => e.kind === 'lost'), 'nothing written');
      } finally {
        await b.close();
        await a.close();
      }
    } finally {
      await drop();
    }
  });

  test('writers opening an empty database at once all get it (one creates the tables); a database held alone by an older cellsearch is refused to writers, not to readers', async () => {
    const { url, drop } = await freshDatabase();
    try {
      const writers = await Promise.all([1, 2, 3].map(() => openPostgresStorage(url)));
      await Promise.all(writers.map((w, i) => w.createExperiment({ name: `e${i}`, kind: 'k', config: {}, seed: i })));
      for (const w of writers) await w.close();
      assert.deepEqual(await raw(url, `SELECT application_id, schema_version FROM ${META_TABLE}`), [{ application_id: APPLICATION_ID, schema_version: SCHEMA_VERSION }]);
      // An older cellsearch held the database's lock exclusively while it wrote.
      const old = new pg.Client({ connectionString: url });
      await old.connect();
      try {
        await old.query('SELECT pg_advisory_lock($1)', [APPLICATION_ID]);
        await assert.rejects(openPostgresStorage(url), (e) => isUserError(e) && /is held alone by another cellsearch process \(an older version writing it, or one upgrading its tables\)/.test((e as Error).message));
        const r = await openPostgresStorage(url, { readonly: true });
        assert.equal((await r.listExperiments()).length, 3);
        await r.close();
      } finally {
        await old.end();
      }
    } finally {
      await drop();
    }
  });

  test('the test server has a password (so the checks that none is shown mean something)', () => {
    assert.ok(password(TEST_PG!).length > 0, 'the test server has a password, so the checks above mean something');
  });
});
