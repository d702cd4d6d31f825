// A real jozefowicz search with successive halving (`sha` fidelity) through the study driver, the
// training worker and the in-memory backend, shrunk so that it takes seconds: rungs of 3, 9 and
// 27 steps. It ends, its leaderboard has the GRU, its settings went through the rungs against
// paired GRU references, and one worker or two give the same database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, gruHash, jozefowiczFunnel, JozefowiczStateSchema, leaderboard, SearchConfigSchema } from '../search/strategies/index.ts';
import { budgetSpent } from '../search/strategies/cohorts.ts';
import { fidelity, type Fidelity } from '../search/space.ts';
import { getTask } from '../tasks/registry.ts';
import { memoryStorage } from './memory-storage.ts';
import { JobPool } from './pool.ts';
import type { JsonObject, Storage } from './storage.ts';
import { runStudy } from './study.ts';
import { presetTaskOptions } from './train.ts';

const tiny = fidelity('tiny');
const fid: Fidelity = {
  ...tiny,
  train: { ...tiny.train, maxSteps: 27, evalEvery: 9, validBatches: 1 },
  tasks: {
    memorize: { ...tiny.tasks.memorize, validSize: 40, testSize: 40 },
    arithmetic: { ...tiny.tasks.arithmetic, validSize: 40, testSize: 40 },
    xml: { ...tiny.tasks.xml, validSize: 40, testSize: 40 },
  },
  // Filters every trained cell passes, so that candidates reach the list.
  search: { ...tiny.search, fidelity: 'sha', eta: 3, minSteps: 3, settingsPerTask: 3, gruFraction: 0, reevaluateProbability: 0 },
};
const tasks = ['arithmetic'];
const vocab = Object.fromEntries(tasks.map((t) => [t, getTask(t, presetTaskOptions(t, fid, undefined)).vocab.length]));
const config = { tasks, vocab, fidelity: fid, evaluations: 36, generationSize: 2, memorize: false, metric: 'validAccuracy' };

async function search(workers: number) {
  const storage = memoryStorage();
  const pool = new JobPool({ workers });
  try {
    const out = await runStudy({
      storage,
      spec: { name: 'sha', kind: 'search', seed: 3, config: { strategy: 'jozefowicz', ...config } as unknown as JsonObject },
      strategy: createStrategy('jozefowicz', config),
      pool,
      maxAttempts: 1,
    });
    return { status: out.status, rows: await comparable(storage) };
  } finally {
    await pool.destroy();
    await storage.close();
  }
}

async function comparable(s: Storage) {
  const e = (await s.getExperiment('sha'))!;
  const evaluations = (await s.evaluations(e.id)).map(({ id: _i, experimentId: _e, wallMs: _w, ...rest }) => rest);
  return { evaluations, strategy: await s.strategyState(e.id) };
}

test('a real tiny search with successive halving ends; its leaderboard has the GRU; workers 1 = 2', async () => {
  const one = await search(1);
  assert.equal(one.status, 'done');
  const { evaluations, strategy } = one.rows;
  // The budget is counted in full-budget equivalents (each run the steps it trains).
  assert.ok(budgetSpent(SearchConfigSchema.parse(config), evaluations) <= config.evaluations + 1e-9);
  assert.ok(evaluations.every((e) => e.status === 'done' || e.status === 'diverged'), 'nothing failed');
  const board = leaderboard(evaluations, tasks, config.metric);
  assert.ok(board.some((r) => r.architecture === gruHash()), 'the GRU is on the leaderboard');
  const trials = evaluations.map((e) => JSON.parse(e.key)[2] as string);
  assert.ok(trials.some((t) => /^\d+@3$/.test(t)) && trials.some((t) => /^\d+@9$/.test(t)), 'settings trained in rungs');
  assert.ok(trials.some((t) => t.startsWith('ref:')), 'paired GRU references');
  const state = JozefowiczStateSchema.parse(strategy!.state);
  assert.deepEqual(state.halving, { ...state.halving!, cohorts: [], held: [] }, 'nothing left training, no checkpoint kept');
  const funnel = jozefowiczFunnel(strategy!.state);
  assert.ok(funnel.proposed > 0 && funnel.pruned! > 0, JSON.stringify(funnel));

  assert.deepEqual(await search(2), one);
});
