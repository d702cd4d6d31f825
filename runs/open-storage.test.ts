// Choosing a backend from a location: SQLite files today; URLs are refused with a UserError
// before anything is created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

test('postgres:// is refused as not supported yet, without repeating the URL (it may hold a password); other URLs too; no file is created', async () => {
  const dir = tempDir();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    for (const location of ['postgres://me:secret@db.example/cells', 'postgresql://localhost/cells', 'POSTGRES://h/d']) {
      for (const readonly of [false, true]) {
        await assert.rejects(openStorage(location, { readonly }), (e) => {
          assert.ok(isUserError(e));
          assert.match((e as Error).message, /--db: PostgreSQL databases are not supported yet/);
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
