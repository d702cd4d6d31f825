// `db copy` between SQLite and PostgreSQL on a real server (skipped without CELLSEARCH_TEST_PG):
// a successive-halving study stopped with checkpoints alive is copied SQLite -> PostgreSQL, resumed
// there to the database of an uninterrupted run, and copied back to a new SQLite file, equal at
// every step; refusals leave both databases as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isUserError } from '../errors.ts';
import { tempDir } from '../test/helpers.ts';
import { freshDatabase, SKIP_WITHOUT_PG } from '../test/postgres.ts';
import { copyStudies } from './db-copy.ts';
import { FIXTURE_WORKER, fixtureSpec, halvingStrategy, type HalvingConfig } from './fixtures/fixture-study.ts';
import { memoryStorage } from './memory-storage.ts';
import { openStorage } from './open-storage.ts';
import { JobPool } from './pool.ts';
import { readStudy, studyImage } from './study-copy.ts';
import { runStudy } from './study.ts';
import type { Storage } from './storage.ts';

const HALVING: HalvingConfig = { cohort: 6, rungs: 3, eta: 2, sleepMs: 0 };
const spec = fixtureSpec('fx', 7, HALVING);

/** What must not depend on the database: every evaluation (its checkpoint included) and the strategy's state. */
async function comparable(s: Storage) {
  const e = (await s.getExperiment('fx'))!;
  const rows = [];
  for (const { id, experimentId: _x, wallMs: _w, ...v } of await s.evaluations(e.id)) {
    const cp = await s.checkpoint(e.id, v.key);
    rows.push({ ...v, curve: await s.curve(id), checkpoint: cp && Buffer.from(cp).toString('base64') });
  }
  return { status: e.status, config: e.config, strategy: await s.strategyState(e.id), rows };
}

async function image(location: string) {
  const s = await openStorage(location, { readonly: true });
  try {
    return studyImage((await readStudy(s, (await s.getExperiment('fx'))!.id))!);
  } finally {
    await s.close();
  }
}

async function run(storage: Storage, stop?: AbortController) {
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 2 });
  try {
    return await runStudy({
      storage,
      spec,
      strategy: halvingStrategy(HALVING),
      pool,
      maxAttempts: 2,
      stop: stop?.signal,
      onEvent: (e) => e.type === 'generation' && e.generation === 1 && stop?.abort(),
    });
  } finally {
    await pool.destroy();
  }
}

test('db copy: a study stopped with live checkpoints, SQLite -> PostgreSQL -> SQLite, reads back equal at each step and resumes on the copy to the uninterrupted database', { skip: SKIP_WITHOUT_PG }, async () => {
  const reference = memoryStorage();
  await run(reference);
  const want = await comparable(reference);

  const dir = tempDir();
  const first = join(dir, 'first.sqlite');
  const lite = await openStorage(first);
  try {
    const out = await run(lite, new AbortController());
    assert.equal(out.status, 'interrupted');
    // An event naming an evaluation by id: the copy names the same evaluation by its own id.
    await lite.logEvent(out.experiment.id, 'attempt-failed', { evaluation: out.evaluations[4].id, note: 'test' });
  } finally {
    await lite.close();
  }
  const { url, drop } = await freshDatabase();
  try {
    const there = await copyStudies({ from: first, to: url });
    assert.deepEqual(there.copied, [{ name: 'fx', evaluations: 9, events: (await readEvents(first)).length, checkpoints: 3 }]);
    assert.ok(!there.to.includes(new URL(url).password), 'the destination shown without password');
    assert.deepEqual(await image(url), await image(first), 'the copy reads back as the original');
    const pg = await openStorage(url);
    try {
      const e = (await pg.getExperiment('fx'))!;
      const failed = (await pg.events(e.id)).find((v) => v.kind === 'attempt-failed')!;
      assert.equal((await pg.getEvaluation(failed.data.evaluation as number))?.key, (await readStudy(pg, e.id))!.evaluations[4].key, 'the event names the copied evaluation');
      const resumed = await run(pg);
      assert.equal(resumed.status, 'done');
      assert.deepEqual(await comparable(pg), want, 'resumed on the copy: the uninterrupted database, checkpoints included');
    } finally {
      await pg.close();
    }

    const back = join(dir, 'back.sqlite');
    const home = await copyStudies({ from: url, to: back, names: ['fx'] });
    assert.equal(home.copied.length, 1);
    assert.deepEqual(await image(back), await image(url));

    // Refusals: nothing is written anywhere.
    const before = [await image(url), await image(back)];
    const refusals: [() => Promise<unknown>, RegExp][] = [
      [() => copyStudies({ from: first, to: url }), /an experiment named 'fx' already exists in postgres:\/\/postgres@[^ ]+; nothing was copied/],
      [() => copyStudies({ from: url, to: join(dir, 'new.sqlite'), names: ['fx', 'nope'] }), /no experiment named 'nope' in postgres:\/\/postgres@[^ ]+; nothing was copied/],
      [() => copyStudies({ from: back, to: back }), /FROM and TO are the same database/],
    ];
    for (const [copy, message] of refusals) {
      await assert.rejects(copy(), (err) => isUserError(err) && message.test((err as Error).message) && !(err as Error).message.includes(new URL(url).password));
    }
    assert.deepEqual([await image(url), await image(back)], before);
    assert.ok(!existsSync(join(dir, 'new.sqlite')), 'no file created for a refused copy');
  } finally {
    await drop();
  }
});

async function readEvents(location: string) {
  const s = await openStorage(location, { readonly: true });
  try {
    return await s.events((await s.getExperiment('fx'))!.id);
  } finally {
    await s.close();
  }
}
