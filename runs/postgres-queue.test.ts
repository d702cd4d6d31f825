// The PostgreSQL work queue on a real server (skipped without CELLSEARCH_TEST_PG): concurrent
// claims never share an evaluation, leases expire into the queue without counting an attempt, a
// result or failure under a lost lease is discarded, a driver re-queues what a dead driver held
// but not what live workers hold; and a database of schema 1 is migrated forward with its rows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDatabase, SKIP_WITHOUT_PG } from '../test/postgres.ts';
import { META_TABLE, MIGRATIONS, openPostgresQueue, openPostgresStorage, SCHEMA_VERSION, type PostgresStorage } from './postgres.ts';
import { leaseOwner } from './queue.ts';
import type { NewGeneration } from './storage.ts';

const arch = { hash: 'a1', cell: { states: ['h'] }, notation: 'cell A(x; h)', origin: { kind: 'zoo' as const, name: 'gru' } };

function generation(n: number, keys: string[]): NewGeneration {
  return {
    generation: n,
    architectures: [arch],
    evaluations: keys.map((key, i) => ({ key, ordinal: i, architecture: 'a1', task: 't', taskOptions: {}, hyperparameters: { i }, seed: 7 + i })),
    state: {},
    finished: false,
  };
}

const result = (m: number) => ({ status: 'done' as const, metrics: { m }, steps: 3, wallMs: 1, curve: [{ step: 3, loss: m }] });
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** A database with a study of `n` queued evaluations; the storage (the driver) stays open. */
async function study(url: string, n: number): Promise<{ s: PostgresStorage; id: number }> {
  const s = await openPostgresStorage(url);
  const e = await s.createExperiment({ name: 'q', kind: 'k', config: {}, seed: 1 });
  await s.recordGeneration(e.id, generation(0, Array.from({ length: n }, (_, i) => `k${i}`)));
  return { s, id: e.id };
}

describe('PostgreSQL work queue', { skip: SKIP_WITHOUT_PG }, () => {
  test('claims in (generation, ordinal) order; 40 concurrent claims from two processes\' queues get 30 evaluations once each; only running studies, or the named one', async () => {
    const { url, drop } = await freshDatabase();
    try {
      const { s, id } = await study(url, 30);
      const other = await s.createExperiment({ name: 'other', kind: 'k', config: {}, seed: 2 });
      await s.recordGeneration(other.id, generation(0, ['x0']));
      await s.setExperimentStatus(other.id, 'interrupted');
      const [a, b] = [await openPostgresQueue(url), await openPostgresQueue(url)];
      try {
        const first = await a.claim({ owner: 'worker a:1', leaseMs: 60_000 });
        assert.equal(first?.evaluation.key, 'k0');
        assert.equal(first?.evaluation.status, 'running');
        const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).claim({ experimentId: id, owner: `worker ${i}:1`, leaseMs: 60_000 })));
        const got = claims.filter((c) => c !== undefined).map((c) => c.evaluation.key);
        assert.equal(got.length, 29, 'each queued evaluation once, then nothing');
        assert.equal(new Set(got).size, 29);
        assert.equal(new Set(claims.filter((c) => c).map((c) => c!.token)).size, 29, 'one token per claim');
        assert.equal(await a.claim({ owner: 'worker a:1', leaseMs: 60_000 }), undefined, 'the interrupted study is not served');
        await s.setExperimentStatus(other.id, 'running');
        assert.equal((await a.claim({ experimentId: id, owner: 'worker a:1', leaseMs: 60_000 })), undefined, 'only the named study');
        assert.equal((await b.claim({ owner: 'worker b:1', leaseMs: 60_000 }))?.evaluation.key, 'x0');
      } finally {
        await a.close();
        await b.close();
        await s.close();
      }
    } finally {
      await drop();
    }
  });

  test('an expired lease goes back to the queue without an attempt; the late holder cannot renew, complete or fail it; the new holder records once', async () => {
    const { url, drop } = await freshDatabase();
    try {
      const { s, id } = await study(url, 2);
      const q = await openPostgresQueue(url);
      try {
        // Leases long enough for a loaded machine, then one of 1 ms: no timing in the assertions.
        const old = (await q.claim({ experimentId: id, owner: 'worker dead:1', leaseMs: 60_000 }))!;
        assert.equal(await q.renew(old.token, 60_000), true);
        assert.equal(await q.requeueExpired(id), 0, 'a renewed lease is not expired');
        assert.equal(await q.renew(old.token, 1), true);
        await sleep(400);
        assert.equal(await q.requeueExpired(id), 1);
        const back = (await s.getEvaluation(old.evaluation.id))!;
        assert.deepEqual([back.status, back.attempts], ['queued', 0]);
        assert.deepEqual((await s.events(id)).filter((e) => e.kind === 'lease-expired').map((e) => e.data), [{ evaluation: old.evaluation.id, owner: 'worker dead:1' }]);
        assert.equal(await q.renew(old.token, 60_000), false);

        const again = (await q.claim({ experimentId: id, owner: 'worker live:2', leaseMs: 60_000 }))!;
        assert.equal(again.evaluation.id, old.evaluation.id, 'the same evaluation, first in order');
        assert.notEqual(again.token, old.token);
        assert.equal(await q.complete(old.token, result(9)), false, 'a result under a lost lease is discarded');
        assert.equal(await q.fail(old.token, 'late', 2), 'lost');
        const mid = (await s.getEvaluation(again.evaluation.id))!;
        assert.deepEqual([mid.status, mid.metrics, mid.attempts, mid.error], ['running', null, 0, null], 'nothing of the late holder was written');
        assert.equal(await q.complete(again.token, result(1)), true);
        assert.equal(await q.complete(again.token, result(2)), false, 'a token records once');
        const done = (await s.getEvaluation(again.evaluation.id))!;
        assert.deepEqual([done.status, done.metrics, done.attempts], ['done', { m: 1 }, 0]);
        assert.deepEqual(await s.curve(done.id), [{ step: 3, loss: 1 }]);

        // A failure counts an attempt under its lease; release counts none.
        const other = (await q.claim({ experimentId: id, owner: 'worker live:2', leaseMs: 60_000 }))!;
        assert.equal(await q.fail(other.token, 'boom', 2), 'queued');
        const retried = (await q.claim({ experimentId: id, owner: 'worker live:2', leaseMs: 60_000 }))!;
        assert.equal(retried.evaluation.attempts, 1);
        await q.release(retried.token);
        const released = (await s.getEvaluation(other.evaluation.id))!;
        assert.deepEqual([released.status, released.attempts, released.error], ['queued', 1, 'boom']);
        const last = (await q.claim({ experimentId: id, owner: 'worker live:2', leaseMs: 60_000 }))!;
        assert.equal(await q.fail(last.token, 'boom again', 2), 'failed');
        assert.deepEqual((await s.events(id)).filter((e) => e.kind === 'attempt-failed').map((e) => [e.data.attempt, e.data.owner]), [[1, 'worker live:2'], [2, 'worker live:2']]);
      } finally {
        await q.close();
        await s.close();
      }
    } finally {
      await drop();
    }
  });

  test("a driver's resume re-queues what a dead driver held and unleased running rows, not what live workers hold", async () => {
    const { url, drop } = await freshDatabase();
    try {
      const { s, id } = await study(url, 3);
      const q = await openPostgresQueue(url);
      try {
        const mine = (await s.queue().claim({ experimentId: id, owner: leaseOwner('driver', 'gone', 1), leaseMs: 60_000 }))!;
        const theirs = (await q.claim({ experimentId: id, owner: leaseOwner('worker', 'alive', 2), leaseMs: 60_000 }))!;
        const [plain] = await s.evaluations(id, { status: 'queued' });
        await s.markRunning(plain.id);
        assert.equal(await s.requeueRunning(id), 2);
        assert.deepEqual(
          (await s.evaluations(id)).map((e) => [e.id, e.status]),
          [[mine.evaluation.id, 'queued'], [theirs.evaluation.id, 'running'], [plain.id, 'queued']],
        );
        assert.equal(await q.complete(theirs.token, result(3)), true, "the worker's result still counts");
        assert.equal(await s.queue().complete(mine.token, result(4)), false, "the dead driver's does not");
      } finally {
        await q.close();
        await s.close();
      }
    } finally {
      await drop();
    }
  });

  test('a database of schema 1 is migrated forward by a writer, its rows kept; a worker refuses it until then', async () => {
    const { url, drop } = await freshDatabase();
    try {
      // Schema 1 as the first version wrote it.
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE TABLE ${META_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), application_id INTEGER NOT NULL, schema_version INTEGER NOT NULL)`);
        await c.query(`INSERT INTO ${META_TABLE} VALUES (1, 1129530434, 1)`);
        await c.query(MIGRATIONS[0]);
        await c.query(`INSERT INTO experiments (name, kind, config, seed, status, created_at, updated_at) VALUES ('old', 'k', '{"a":1}', 5, 'interrupted', 't', 't')`);
        await c.query(`INSERT INTO architectures VALUES ('a1', '{"states":["h"]}', NULL, '{"kind":"zoo","name":"gru"}', 't')`);
        await c.query(`INSERT INTO evaluations (experiment_id, key, generation, ordinal, architecture, task, task_options, hyperparameters, seed, status) VALUES (1, 'k0', 0, 0, 'a1', 't', '{}', '{}', 3, 'queued')`);
      } finally {
        await c.end();
      }
      await assert.rejects(openPostgresQueue(url), /has an older schema \(1\): start or resume a study there/);
      const s = await openPostgresStorage(url);
      try {
        const e = (await s.getExperiment('old'))!;
        assert.deepEqual([e.config, e.seed], [{ a: 1 }, 5]);
        assert.deepEqual((await s.evaluations(e.id)).map((v) => [v.key, v.status]), [['k0', 'queued']]);
        await s.setExperimentStatus(e.id, 'running');
        const q = await openPostgresQueue(url);
        try {
          assert.equal((await q.claim({ owner: 'worker w:1', leaseMs: 1000 }))?.evaluation.key, 'k0', 'the migrated table has leases');
        } finally {
          await q.close();
        }
      } finally {
        await s.close();
      }
      const c2 = new pg.Client({ connectionString: url });
      await c2.connect();
      try {
        assert.equal((await c2.query(`SELECT schema_version FROM ${META_TABLE}`)).rows[0].schema_version, SCHEMA_VERSION);
      } finally {
        await c2.end();
      }
    } finally {
      await drop();
    }
  });
});
