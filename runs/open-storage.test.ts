// Choosing a backend from a location: a path is a SQLite file, a postgres:// URL a PostgreSQL
// database (runs/postgres.test.ts has the server's tests); other URLs are refused with a UserError
// before anything is created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { isUserError } from '../errors.ts';
import { tempDir } from '../test/helpers.ts';
import { openStorage } from './open-storage.ts';
import { SqliteStorage } from './sqlite.ts';

test('a path opens a SQLite database (read-write creates it; read-only needs it)', async () => {
  const path = join(tempDir(), 'runs', 'x.sqlite');
  await assert.rejects(openStorage(path, { readonly: true }), (e) => isUserError(e) && /no cellsearch database/.test((e as Error).message));
  const w = await openStorage(path);
  assert.ok(w instanceof SqliteStorage);
  assert.equal(w.location, path);
  assert.equal(w.readonly, false);
  await w.createExperiment({ name: 'e', kind: 'k', config: {}, seed: 1 });
  await w.close();
  const r = await openStorage(path, { readonly: true });
  assert.equal(r.readonly, true);
  assert.deepEqual((await r.listExperiments()).map((e) => e.name), ['e']);
  await r.close();
});

test('postgres:// opens a PostgreSQL database: a server that cannot be reached is a UserError that does not repeat the password; other URLs are refused; no file is created', async () => {
  const dir = tempDir();
  const cwd = process.cwd();
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close(); // nothing listens there any more
  await once(server, 'close');
  process.chdir(dir);
  try {
    for (const location of [`postgres://me:secret@127.0.0.1:${port}/cells`, `postgresql://me:secret@127.0.0.1:${port}/cells`, `POSTGRES://me:secret@127.0.0.1:${port}/d`]) {
      for (const readonly of [false, true]) {
        await assert.rejects(openStorage(location, { readonly }), (e) => {
          assert.ok(isUserError(e));
          assert.match((e as Error).message, new RegExp(`^cannot connect to postgres://me@127\\.0\\.0\\.1:${port}/(cells|d): .*ECONNREFUSED`));
          assert.doesNotMatch((e as Error).message, /secret/);
          return true;
        });
      }
    }
    await assert.rejects(openStorage('mysql://h/d'), (e) => isUserError(e) && /--db: 'mysql:\/\/' databases are not supported/.test((e as Error).message));
    assert.deepEqual(readdirSync(dir), [], 'nothing was created');
    assert.equal(existsSync(join(dir, 'postgres:')), false);
  } finally {
    process.chdir(cwd);
  }
});
