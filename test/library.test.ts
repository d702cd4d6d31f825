// The library entry (index.ts), as a program uses it: what it exports, and the study API run for
// real (worker threads, a SQLite file): a training, a search and an ablation, read back, stopped
// by a signal and resumed. scripts/check-package.sh runs the compiled package the same way from a
// plain .mjs file after installing the tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as lib from '../index.ts';
import { tempDir } from './helpers.ts';

/** What the issue asks the entry to export, by area; each name must be a function or a value. */
const EXPORTS = {
  cells: ['zooCell', 'ZOO', 'ZOO_KEYS', 'JOZEFOWICZ_CELLS', 'GREFF_CELLS', 'isZooKey', 'loadCell', 'parseNotation', 'readNotation', 'printNotation', 'parseCell', 'checkCell', 'CellSchema', 'CellError', 'NotationError', 'canonicalize', 'cellHash', 'paramCount', 'toDot'],
  engine: ['compileModel', 'train', 'encodeCheckpoint', 'decodeCheckpoint', 'SettingSchema', 'SETTING_DEFAULTS', 'makeOptimizer'],
  tasks: ['getTask', 'isTaskName', 'TASKS', 'TASK_NAMES', 'SPLITS'],
  studies: ['runTraining', 'runSearch', 'runAblation', 'openDatabase', 'readResults', 'analyzeSearch', 'loadAblation', 'SCALES', 'SPACES'],
  other: ['UserError', 'isUserError', 'version'],
} as const;

test('the library entry exports the cells, the engine, the tasks and the study API', () => {
  const missing = Object.values(EXPORTS).flat().filter((name) => !(name in lib) || (lib as Record<string, unknown>)[name] === undefined);
  assert.deepEqual(missing, []);
  assert.match(lib.version(), /^\d+\.\d+\.\d+/);
  // The parts work together through the entry alone.
  const gru = lib.zooCell('gru');
  assert.equal(lib.cellHash(lib.readNotation(lib.printNotation(gru))), lib.cellHash(gru));
  assert.equal(lib.loadCell('gru').name, gru.name);
  const task = lib.getTask('arithmetic');
  const model = lib.compileModel(gru, { hidden: 8, vocab: task.vocab.length, seed: 1 });
  const r = lib.train(model, { train: task.batches('train', { seed: 1, batchSize: 4, unroll: 8 }), valid: () => [task.batch('valid', 0, { seed: 1, batchSize: 4, unroll: 8 })] }, { maxSteps: 3, evalEvery: 3 });
  assert.equal(r.steps, 3);
});

const BUDGET = { maxSteps: 20, evalEvery: 10, validBatches: 2 };

test('runTraining: stopped by its signal, then resumed by the same call; readResults and openDatabase read it', async () => {
  const db = join(tempDir(), 'lib.sqlite');
  const req = { cells: [{ ref: 'gru', cell: lib.zooCell('gru') }, { ref: 'lstm', cell: lib.zooCell('lstm') }], task: 'arithmetic', scale: 'tiny' as const, overrides: BUDGET, repeats: 1, seed: 1, name: 'lib' };
  // Stopped as the first evaluation starts: it finishes, the second stays queued (one thread).
  const stop = new AbortController();
  const stopped = await lib.runTraining(req, { db, workers: 1, signal: stop.signal, onEvent: (e) => e.type === 'start' && stop.abort() });
  assert.equal(stopped.outcome.status, 'interrupted');
  assert.equal(stopped.outcome.counts.queued, 1);
  assert.equal(stopped.outcome.counts.done, 1);

  const events: string[] = [];
  const done = await lib.runTraining(req, { db, workers: 1, onEvent: (e) => events.push(e.type) });
  assert.equal(done.db, db);
  assert.equal(done.outcome.status, 'done');
  assert.equal(done.outcome.counts.done, 2);
  // The resumed session trains only the evaluation the stop left queued.
  assert.ok(events.includes('opened') && events.filter((t) => t === 'finish').length === 1, events.join(' '));

  const data = await lib.readResults(db);
  assert.equal(data.experiment.name, 'lib');
  assert.deepEqual(data.evaluations.map((e) => e.status), ['done', 'done']);
  assert.ok(data.events.some((e) => e.kind === 'resume' && e.data.cellsearch === lib.version()), 'the resuming session recorded its cellsearch version');
  const storage = await lib.openDatabase(db);
  try {
    assert.deepEqual((await storage.listExperiments()).map((e) => e.name), ['lib']);
  } finally {
    await storage.close();
  }
  await assert.rejects(lib.runTraining({ ...req, repeats: 2 }, { db, workers: 1 }), (err: unknown) => lib.isUserError(err), 'a changed configuration is refused');
});

test('runSearch and runAblation run their studies; analyzeSearch and loadAblation read them', async () => {
  const dir = tempDir();
  const search = await lib.runSearch({ strategy: 'random', tasks: ['arithmetic'], scale: 'tiny', budget: 3, seed: 2, name: 'lib-search', knobs: { steps: 20 } }, { db: join(dir, 's.sqlite'), workers: 1 });
  assert.equal(search.outcome.status, 'done');
  const analysis = lib.analyzeSearch(await lib.readResults(search.db));
  assert.ok(analysis.archs.length > 0 && analysis.tasks.includes('arithmetic'), JSON.stringify(analysis.tasks));

  const cells = (['greff-vanilla', 'greff-noaf'] as const).map((ref) => ({ ref, cell: lib.zooCell(ref) }));
  const ablation = await lib.runAblation(
    { cells, cellsLabel: 'two', baseline: 'greff-vanilla', tasks: ['arithmetic'], trials: 2, space: 'greff', scale: 'tiny', metric: 'loss', seed: 1, budget: BUDGET, name: 'lib-ablate' },
    { db: join(dir, 'a.sqlite'), workers: 1 },
  );
  assert.equal(ablation.outcome.status, 'done');
  assert.equal(ablation.outcome.counts.done + ablation.outcome.counts.diverged, 4, '2 cells x 2 trials');
  const storage = await lib.openDatabase(ablation.db);
  try {
    const loaded = await lib.loadAblation(storage, 'lib-ablate');
    assert.equal(loaded.rows.length, 4);
  } finally {
    await storage.close();
  }
});
