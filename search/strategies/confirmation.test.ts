// The confirmation phase of the jozefowicz strategy (confirmation.ts), driven as runs/study.ts
// drives it with a fake trainer: after the budget, exactly the top K listed architectures, the GRU
// and the LSTM, on every task with their best setting at the full budget, on S fresh seeds; then
// finished. With K = 0 the study is the one it was before confirmation existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellHash } from '../../cells/canonical.ts';
import { ZOO } from '../../cells/zoo/index.ts';
import { confirmRunsOf, confirmSeedOfKey, confirmTrial, isConfirmationKey } from '../confirm.ts';
import { evaluationKey, type HistoryItem, type Json, type Proposal } from '../contract.ts';
import { fidelity, type Fidelity } from '../space.ts';
import { bestByTask, gruHash, leaderboard, type SearchConfig } from './common.ts';
import { proposalSteps, studyRungs } from './cohorts.ts';
import { JozefowiczStateSchema, jozefowiczFunnel, jozefowiczList, jozefowiczStrategy } from './jozefowicz.ts';

const TASKS = ['arithmetic', 'xml'];
const GRU = gruHash();
const LSTM = cellHash(ZOO.lstm);

function config(search: Partial<Fidelity['search']> = {}): SearchConfig {
  const fid = fidelity('tiny');
  Object.assign(fid.search, { reevaluateProbability: 0, memorizeThreshold: 0.5, ...search });
  // sha spends a part of the budget on paired GRU references.
  const evaluations = fid.search.fidelity === 'sha' ? 200 : 60;
  return { tasks: TASKS, vocab: { arithmetic: 40, xml: 30, memorize: 13 }, fidelity: fid, evaluations, generationSize: 4, memorize: true, metric: 'validAccuracy' };
}

/** Accuracy from the architecture, the task, the learning rate (so settings differ) and the steps. */
function fakeAccuracy(p: Proposal): number {
  const u = parseInt(p.architecture.hash.slice(0, 8), 16) / 2 ** 32;
  const lr = p.hyperparameters.learningRate as number;
  const steps = p.hyperparameters.maxSteps as number;
  const fit = 0.05 * Math.min(steps, 300) / 300 - 0.02 * Math.abs(Math.log(lr / 0.5));
  if (p.task === 'memorize') return 0.6 + 0.3 * u + fit;
  if (p.architecture.hash === GRU) return 0.5 + fit;
  return 0.4 + 0.25 * ((u * 7 + TASKS.indexOf(p.task) * 0.37) % 1) + fit;
}

interface Row extends HistoryItem {
  generation: number;
  proposal: Proposal;
}

function drive(cfg: SearchConfig, seed = 7): { history: Row[]; states: Json[]; generations: Proposal[][] } {
  const strategy = jozefowiczStrategy({ config: cfg });
  let state = strategy.init(seed);
  const history: Row[] = [];
  const states: Json[] = [];
  const generations: Proposal[][] = [];
  for (let g = 0; g < 300; g++) {
    state = JSON.parse(JSON.stringify(state));
    const r = strategy.propose(state, history);
    assert.deepEqual(strategy.propose(JSON.parse(JSON.stringify(state)), history), r, 'pure');
    for (const p of r.proposals) {
      const key = evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial });
      assert.ok(!history.some((h) => h.key === key), `identity ${key} proposed twice`);
      history.push({ key, architecture: p.architecture.hash, task: p.task, status: 'done', metrics: { validAccuracy: fakeAccuracy(p) }, hyperparameters: p.hyperparameters, generation: g, proposal: p });
    }
    state = r.state;
    states.push(state);
    if (r.finished) return { history, states, generations };
    generations.push(r.proposals);
  }
  throw new Error('the strategy never finished');
}

/** The score of every architecture with all tasks, computed here from the rows (min ratio to the GRU's best). */
function scoresByHand(rows: readonly Row[]): Map<string, number> {
  const best = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = best.get(r.architecture) ?? new Map<string, number>();
    best.set(r.architecture, m);
    m.set(r.task, Math.max(m.get(r.task) ?? 0, r.metrics!.validAccuracy!));
  }
  const gru = best.get(GRU)!;
  const out = new Map<string, number>();
  for (const [h, m] of best) if (TASKS.every((t) => m.has(t))) out.set(h, Math.min(...TASKS.map((t) => m.get(t)! / gru.get(t)!)));
  return out;
}

for (const mode of ['full', 'sha'] as const) {
  test(`jozefowicz (${mode}): after the budget, the top K, the GRU and the LSTM on every task with their best setting on S fresh seeds; then finished`, () => {
    const K = 2;
    const S = 3;
    const cfg = config({ fidelity: mode, confirm: K, confirmSeeds: S });
    const run = drive(cfg);
    const last = run.generations.at(-1)!;
    const search = run.history.filter((r) => r.generation < run.generations.length - 1);
    assert.equal(search.length + last.length, run.history.length);
    // sha counts the budget in full-budget equivalents (the steps trained), full one per evaluation.
    const rungs = studyRungs(cfg);
    const spent = search.reduce((sum, r) => sum + proposalSteps(rungs, r.proposal) / rungs[rungs.length - 1], 0);
    assert.ok(spent <= cfg.evaluations + 1e-9, `the search keeps its budget (${spent} of ${cfg.evaluations})`);
    if (mode === 'full') assert.equal(spent, search.length);

    const final = JozefowiczStateSchema.parse(run.states.at(-1));
    const list = jozefowiczList(final);
    const sc = scoresByHand(search);
    const candidates = list.filter((h) => h !== GRU && h !== LSTM);
    assert.ok(candidates.length > K, `the list has more than K candidates (${candidates.length})`);
    const top = [...candidates].sort((a, b) => sc.get(b)! - sc.get(a)!).slice(0, K);
    const expected = [...top, GRU, LSTM];
    assert.deepEqual(final.confirmation, { architectures: expected, seeds: S, evaluations: expected.length * TASKS.length * S });

    assert.equal(last.length, expected.length * TASKS.length * S);
    let i = 0;
    for (const arch of expected) {
      for (const task of TASKS) {
        // The best setting: the search evaluation with the highest accuracy (the first of equals).
        const mine = search.filter((r) => r.architecture === arch && r.task === task);
        const best = mine.reduce((a, b) => (b.metrics!.validAccuracy! > a.metrics!.validAccuracy! ? b : a));
        for (let s = 0; s < S; s++) {
          const p = last[i++];
          assert.equal(p.architecture.hash, arch);
          assert.equal(p.task, task);
          assert.equal(p.trial, `confirm:${s}`);
          assert.equal(p.continues, undefined);
          assert.equal(p.checkpoint, undefined);
          assert.deepEqual(p.hyperparameters, { ...best.proposal.hyperparameters, maxSteps: cfg.fidelity.train.maxSteps });
          assert.deepEqual(p.taskOptions, best.proposal.taskOptions);
        }
      }
    }
    // The confirmation runs are not settings of the search: its best per task and leaderboard ignore them.
    assert.deepEqual(bestByTask(run.history, cfg.metric), bestByTask(search, cfg.metric));
    assert.deepEqual(leaderboard(run.history, TASKS, cfg.metric), leaderboard(search, TASKS, cfg.metric));
    assert.equal(confirmRunsOf(run.history, TASKS, cfg.metric).length, last.length);
  });

  test(`jozefowicz (${mode}): with --confirm 0 (or a config from before it) the study is unchanged, and K > 0 only adds its last generation`, () => {
    const before = drive(config({ fidelity: mode, confirm: undefined, confirmSeeds: undefined }));
    const zero = drive(config({ fidelity: mode, confirm: 0 }));
    assert.deepEqual(zero.history, before.history);
    assert.deepEqual(zero.states, before.states);
    assert.ok(!('confirmation' in (before.states.at(-1) as object)));
    const confirmed = drive(config({ fidelity: mode, confirm: 1, confirmSeeds: 2 }));
    assert.deepEqual(confirmed.history.slice(0, before.history.length), before.history);
    assert.ok(confirmed.history.slice(before.history.length).every((r) => isConfirmationKey(r.key)));
    const { confirmation, ...rest } = JozefowiczStateSchema.parse(confirmed.states.at(-1));
    assert.ok(confirmation);
    assert.deepEqual(rest, JozefowiczStateSchema.parse(before.states.at(-1)));
    assert.deepEqual(jozefowiczFunnel(confirmed.states.at(-1)!), jozefowiczFunnel(before.states.at(-1)!));
  });
}

test('confirmation keys: confirm:<s> trials only', () => {
  const key = (trial: string | number) => evaluationKey({ architecture: 'a', task: 't', trial });
  assert.equal(confirmSeedOfKey(key(confirmTrial(3))), 3);
  assert.equal(confirmSeedOfKey(key(3)), undefined);
  assert.equal(confirmSeedOfKey(key('3@100')), undefined);
  assert.equal(confirmSeedOfKey(key('confirm:x')), undefined);
  assert.equal(confirmSeedOfKey('not json'), undefined);
  const rows: HistoryItem[] = [
    { key: key(confirmTrial(0)), architecture: 'a', task: 't', status: 'done', metrics: { m: 0.5 } },
    { key: key(confirmTrial(1)), architecture: 'a', task: 't', status: 'diverged', metrics: null },
    { key: evaluationKey({ architecture: 'a', task: 'u', trial: confirmTrial(0) }), architecture: 'a', task: 'u', status: 'done', metrics: { m: 0.1 } },
    { key: key(0), architecture: 'a', task: 't', status: 'done', metrics: { m: 0.9 } },
  ];
  assert.deepEqual(confirmRunsOf(rows, ['t'], 'm'), [
    { architecture: 'a', task: 't', seed: 0, value: 0.5 },
    { architecture: 'a', task: 't', seed: 1, value: null },
  ]);
});
