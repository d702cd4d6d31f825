// The driver's side of the strategy contract: the fixed list, the architecture of a named cell,
// and a stored strategy state that its strategy refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { canonicalJson, cellHash } from '../cells/canonical.ts';
import { ZOO } from '../cells/zoo/index.ts';
import { isUserError } from '../errors.ts';
import { StrategyStateError } from '../search/contract.ts';
import { zooRow } from '../search/strategies/common.ts';
import { tempDir } from '../test/helpers.ts';
import { FIXTURE_ARCHITECTURE, FIXTURE_WORKER, fixtureSpec, fixtureStrategy } from './fixtures/fixture-study.ts';
import { JobPool } from './pool.ts';
import { openSqliteStorage } from './sqlite.ts';
import { architectureOf, fixedListStrategy, type Proposal } from './strategy.ts';
import { runStudy } from './study.ts';

test('fixedListStrategy: the whole list in generation 0, then finished; its state is null and nothing else', () => {
  const p = (trial: number): Proposal => ({ architecture: FIXTURE_ARCHITECTURE, task: 'fixture', taskOptions: {}, hyperparameters: { x: trial }, trial });
  const list = [p(0), p(1)];
  const s = fixedListStrategy(list);
  const state = s.init(7);
  assert.equal(state, null);
  assert.deepEqual(s.propose(state, []), { state: null, proposals: list, finished: true });
  assert.throws(() => s.propose({ generation: 1 }, []), (e) => e instanceof StrategyStateError && /strategy 'list'/.test(e.message));
});

test('a zoo cell is stored alike by a search (zooRow) and by train/ablate (architectureOf): the same hash, the same cell JSON, so two studies sharing a database train it alike', () => {
  for (const key of Object.keys(ZOO)) {
    const [searched, named] = [zooRow(key), architectureOf(key, ZOO[key])];
    assert.equal(searched.hash, named.hash, key);
    assert.equal(JSON.stringify(searched.cell), JSON.stringify(named.cell), key);
  }
});

test('architectureOf: a zoo key or a file (made absolute), the canonical cell, its hash and notation', () => {
  const gru = architectureOf('gru', ZOO.gru);
  assert.equal(gru.hash, cellHash(ZOO.gru));
  assert.deepEqual(gru.cell, JSON.parse(canonicalJson(ZOO.gru)));
  assert.equal(typeof gru.notation, 'string');
  assert.deepEqual(gru.origin, { kind: 'zoo', name: 'gru' });
  assert.deepEqual(architectureOf('cells/my.json', ZOO.gru).origin, { kind: 'file', path: resolve('cells/my.json') });
  assert.deepEqual(architectureOf('/abs/my.json', ZOO.gru).origin, { kind: 'file', path: '/abs/my.json' });
});

test('a stored strategy state that the strategy refuses stops the study with a user error naming the experiment', async () => {
  const path = join(tempDir(), 'corrupt.sqlite');
  const config = { generations: 2, perGeneration: 1, sleepMs: 0 };
  const spec = fixtureSpec('fx', 3, config);
  const storage = openSqliteStorage(path);
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
  try {
    // As if the database had been edited by hand after generation 0.
    const e = await storage.createExperiment(spec);
    await storage.recordGeneration(e.id, { generation: 0, architectures: [], evaluations: [], state: { rng: 'lost', generation: 1 }, finished: false });
    await assert.rejects(runStudy({ storage, spec, strategy: fixtureStrategy(config), pool, maxAttempts: 1 }), (err: Error) => {
      assert.ok(isUserError(err), err.stack);
      assert.match(err.message, /^experiment 'fx' in .*corrupt\.sqlite: the saved state is not a state of strategy 'fixture-adaptive'/);
      assert.match(err.message, /rng/);
      return true;
    });
    assert.equal((await storage.getExperiment('fx'))?.status, 'interrupted');
    assert.equal((await storage.evaluations(e.id)).length, 0, 'nothing was proposed from the corrupt state');
  } finally {
    await pool.destroy();
    await storage.close();
  }
});
