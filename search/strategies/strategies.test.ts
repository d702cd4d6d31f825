// The strategies driven the way runs/study.ts drives them (generations; state stored as JSON),
// with a deterministic fake trainer in place of training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalize, cellHash } from '../../cells/canonical.ts';
import { parseCell } from '../../cells/validate.ts';
import { readNotation } from '../../cells/notation.ts';
import { ZOO } from '../../cells/zoo/index.ts';
import { replay } from '../mutate.ts';
import { HyperparamsSchema, JOZEFOWICZ_GRID, fidelity, hiddenForBudget } from '../space.ts';
import { agingPopulation, agingStrategy } from './aging.ts';
import { StrategyStateError, evaluationKey, type HistoryItem, type Json, type Proposal, type Strategy } from '../contract.ts';
import { bestByTask, gruHash, leaderboard, mutationsOf, type SearchConfig } from './common.ts';
import { jozefowiczFunnel, jozefowiczList, jozefowiczStrategy } from './jozefowicz.ts';
import { randomStrategy } from './random.ts';

const TASKS = ['arithmetic', 'xml'];

function config(over: Partial<SearchConfig> = {}): SearchConfig {
  return {
    tasks: TASKS,
    vocab: { arithmetic: 40, xml: 30, memorize: 27 },
    fidelity: fidelity('tiny'),
    evaluations: 80,
    generationSize: 4,
    memorize: true,
    metric: 'validAccuracy',
    ...over,
  };
}

/** A fake trainer: accuracy from the architecture's hash, the task and the learning rate. */
function fakeAccuracy(hash: string, task: string, hp: Record<string, Json>): number {
  const u = parseInt(hash.slice(0, 8), 16) / 2 ** 32;
  const lrBonus = 0.01 * JOZEFOWICZ_GRID.learningRate.indexOf(hp.learningRate as never);
  if (task === 'memorize') return Math.min(1, 0.9 + 0.1 * u + lrBonus / 4);
  if (hash === gruHash()) return 0.5 + lrBonus;
  const v = (u * 7 + TASKS.indexOf(task) * 0.37) % 1;
  return 0.3 + 0.3 * v + lrBonus;
}

interface Run {
  history: (HistoryItem & { generation: number; proposal: Proposal })[];
  states: Json[];
  generations: number;
}

function drive(strategy: Strategy, seed: number, maxGenerations = 500): Run {
  let state = strategy.init(seed);
  const history: Run['history'] = [];
  const states: Json[] = [];
  const keys = new Set<string>();
  for (let g = 0; g < maxGenerations; g++) {
    // Through the database: JSON, and the strategy must not care.
    state = JSON.parse(JSON.stringify(state));
    const r = strategy.propose(state, history);
    // Pure: the same state and history give the same result (a resumed study proposes the same).
    assert.deepEqual(strategy.propose(JSON.parse(JSON.stringify(state)), history), r);
    for (const p of r.proposals) {
      const key = `${p.architecture.hash}|${p.task}|${p.trial}`;
      assert.ok(!keys.has(key), `identity ${key} proposed twice`);
      keys.add(key);
      const cell = parseCell(p.architecture.cell);
      assert.equal(cellHash(cell), p.architecture.hash);
      assert.equal(cellHash(readNotation(p.architecture.notation!)), p.architecture.hash, 'the notation is the same cell');
      const h = HyperparamsSchema.parse(Object.fromEntries(Object.entries(p.hyperparameters).filter(([k]) => k in HyperparamsSchema.shape)));
      assert.equal(h.hidden, hiddenForBudget(cell, config().fidelity.paramBudget[p.task as 'xml'], config().vocab[p.task], h.layers));
      history.push({ key: evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial }), architecture: p.architecture.hash, task: p.task, status: 'done', metrics: { validAccuracy: fakeAccuracy(p.architecture.hash, p.task, p.hyperparameters) }, generation: g, proposal: p });
    }
    state = r.state;
    states.push(state);
    if (r.finished) return { history, states, generations: g + 1 };
    assert.ok(r.proposals.length > 0);
  }
  throw new Error('the strategy never finished');
}

test('jozefowicz: GRU and LSTM first, the filter in order, the list, the funnel, the budget', () => {
  const cfg = config();
  const run = drive(jozefowiczStrategy({ config: cfg }), 7);
  const { history } = run;
  assert.ok(history.length <= cfg.evaluations && history.length > cfg.evaluations - 10, `${history.length} evaluations`);
  // Generation 0: GRU and LSTM on K settings of every task.
  const gen0 = history.filter((e) => e.generation === 0);
  assert.deepEqual(new Set(gen0.map((e) => e.architecture)), new Set([gruHash(), cellHash(ZOO.lstm)]));
  assert.equal(gen0.length, 2 * TASKS.length * cfg.fidelity.search.settingsPerTask);
  // The filter: no mutant reaches a stage without passing the earlier ones (on results known then).
  const final = run.states.at(-1)!;
  const funnel = jozefowiczFunnel(final);
  const stages = ['memorize', ...TASKS];
  for (const e of history) {
    if (e.proposal.architecture.origin.kind !== 'mutant') continue;
    const stage = stages.indexOf(e.task);
    if (stage <= 0) continue;
    const before = bestByTask(history.filter((h) => h.generation < e.generation), cfg.metric);
    const mine = before.get(e.architecture)!;
    assert.ok(mine.get('memorize')! >= cfg.fidelity.search.memorizeThreshold);
    for (const t of TASKS.slice(0, stage - 1)) assert.ok(mine.get(t)! >= cfg.fidelity.search.gruFraction * before.get(gruHash())!.get(t)!);
  }
  assert.ok(funnel.proposed > 0 && funnel.passedMemorize > 0, JSON.stringify(funnel));
  assert.ok(funnel.proposed >= funnel.passedMemorize);
  assert.ok(funnel.passedMemorize >= funnel.passedTask.arithmetic && funnel.passedTask.arithmetic >= funnel.passedTask.xml);
  assert.equal(funnel.passedTask.xml, funnel.enteredList);
  assert.ok(funnel.repeats > 0);
  // Every mutant's lineage replays from its parent.
  const cells = new Map(history.map((e) => [e.architecture, e.proposal.architecture]));
  for (const row of cells.values()) {
    if (row.origin.kind !== 'mutant') continue;
    const parent = cells.get(row.origin.parent);
    assert.ok(parent, 'the parent was evaluated before');
    assert.equal(cellHash(parseCell(replay(canonicalize(parseCell(parent.cell)), mutationsOf(row)))), row.hash);
  }
  const list = jozefowiczList(final);
  assert.ok(list.length <= cfg.fidelity.search.listSize);
  assert.ok(list.includes(gruHash()) || list.length === cfg.fidelity.search.listSize);
});

test('jozefowicz: the list keeps the best listSize by score', () => {
  const fid = fidelity('tiny');
  fid.search.listSize = 3;
  fid.search.reevaluateProbability = 0;
  const cfg = config({ fidelity: fid, evaluations: 200, memorize: false });
  const run = drive(jozefowiczStrategy({ config: cfg }), 3);
  const list = jozefowiczList(run.states.at(-1)!);
  assert.equal(list.length, 3);
  const board = leaderboard(run.history, TASKS, cfg.metric);
  const funnel = jozefowiczFunnel(run.states.at(-1)!);
  assert.ok(funnel.enteredList >= 2, JSON.stringify(funnel));
  // Each listed architecture scores at least as well as any passed candidate left out.
  const scoreOf = new Map(board.map((r) => [r.architecture, r.score]));
  const listed = Math.min(...list.map((h) => scoreOf.get(h)!));
  const entered = new Set(run.history.filter((e) => e.task === TASKS.at(-1) && e.proposal.architecture.origin.kind === 'mutant').map((e) => e.architecture));
  for (const h of entered) {
    const best = bestByTask(run.history, cfg.metric).get(h)!;
    const gru = bestByTask(run.history, cfg.metric).get(gruHash())!;
    const passed = TASKS.every((t) => best.get(t)! >= 0.9 * gru.get(t)!);
    if (passed && !list.includes(h)) assert.ok(scoreOf.get(h)! <= listed + 1e-12);
  }
});

test('every strategy: same seed, same study; another seed, another; never over budget', () => {
  for (const make of [jozefowiczStrategy, agingStrategy, randomStrategy]) {
    const cfg = config({ evaluations: 50 });
    const a = drive(make({ config: cfg }), 11);
    const b = drive(make({ config: cfg }), 11);
    const c = drive(make({ config: cfg }), 12);
    const ids = (r: Run) => r.history.map((e) => `${e.architecture}|${e.task}|${e.proposal.trial}|${e.proposal.hyperparameters.learningRate}`);
    assert.deepEqual(ids(a), ids(b));
    assert.notDeepEqual(ids(a), ids(c));
    assert.ok(a.history.length <= 50);
  }
});

test('aging: population bounded, oldest removed first, children mutate members, all tasks per child', () => {
  const fid = fidelity('tiny');
  fid.search.population = 5;
  fid.search.sample = 2;
  const cfg = config({ fidelity: fid, evaluations: 120, generationSize: 3 });
  const run = drive(agingStrategy({ config: cfg }), 5);
  const pops = run.states.map(agingPopulation);
  for (const p of pops) assert.ok(p.length <= 5);
  assert.equal(pops.at(-1)!.length, 5);
  // Oldest first: once full, each generation drops from the front.
  const order = run.history.map((e) => e.architecture).filter((h, i, all) => all.indexOf(h) === i);
  const last = pops.at(-1)!;
  assert.deepEqual(last, [...last].sort((x, y) => order.indexOf(x) - order.indexOf(y)));
  for (const e of run.history) {
    const row = e.proposal.architecture;
    if (row.origin.kind === 'mutant') assert.ok(order.indexOf(row.origin.parent) < order.indexOf(row.hash));
    else assert.equal(row.origin.kind, 'zoo');
  }
  const perArch = new Map<string, Set<string>>();
  for (const e of run.history) (perArch.get(e.architecture) ?? perArch.set(e.architecture, new Set()).get(e.architecture)!).add(e.task);
  for (const tasks of perArch.values()) assert.deepEqual([...tasks].sort(), [...TASKS].sort());
  assert.ok(!run.history.some((e) => e.task === 'memorize'));
});

test('random: fresh random architectures, each on every task', () => {
  const run = drive(randomStrategy({ config: config({ evaluations: 40 }) }), 9);
  const rows = [...new Map(run.history.map((e) => [e.architecture, e.proposal.architecture])).values()];
  assert.ok(rows.length >= 10);
  for (const row of rows.slice(2)) {
    assert.deepEqual(row.origin, { kind: 'other', note: 'random architecture' });
    const n = parseCell(row.cell).nodes.length;
    assert.ok(n >= 6 && n <= 20);
  }
});

test('leaderboard: min ratio to the GRU, best first, only architectures with every task', () => {
  const g = gruHash();
  const rows: Omit<HistoryItem, 'key'>[] = [
    { architecture: g, task: 'a', status: 'done', metrics: { acc: 0.5 } },
    { architecture: g, task: 'b', status: 'done', metrics: { acc: 0.4 } },
    { architecture: 'x', task: 'a', status: 'done', metrics: { acc: 0.6 } },
    { architecture: 'x', task: 'b', status: 'done', metrics: { acc: 0.2 } },
    { architecture: 'x', task: 'b', status: 'diverged', metrics: null },
    { architecture: 'x', task: 'b', status: 'done', metrics: { acc: 0.44 } },
    { architecture: 'y', task: 'a', status: 'done', metrics: { acc: 0.9 } },
    { architecture: 'z', task: 'a', status: 'failed', metrics: null },
    { architecture: 'z', task: 'b', status: 'done', metrics: { acc: 0.8 } },
  ];
  const h: HistoryItem[] = rows.map((r, i) => ({ key: String(i), ...r }));
  const board = leaderboard(h, ['a', 'b'], 'acc');
  assert.deepEqual(board.map((r) => r.architecture), ['x', g, 'z']);
  assert.equal(board[0].score, Math.min(0.6 / 0.5, 0.44 / 0.4));
  assert.equal(board[1].score, 1);
  assert.equal(board[2].score, 0);
  assert.deepEqual(leaderboard(h.slice(2), ['a', 'b'], 'acc'), []);
});

test('createStrategy names each strategy; a bad config is refused', async () => {
  const { STRATEGY_NAMES, createStrategy } = await import('./index.ts');
  for (const name of STRATEGY_NAMES) assert.equal(createStrategy(name, config()).name, name);
  assert.throws(() => createStrategy('random', { ...config(), tasks: [] }));
  assert.throws(() => createStrategy('aging', { ...config(), evaluations: 0 }));
});

test('every strategy parses its saved state: a state that is not its own is refused, naming the strategy', () => {
  for (const make of [jozefowiczStrategy, agingStrategy, randomStrategy]) {
    const s = make({ config: config() });
    const first = s.propose(s.init(1), []);
    const state = first.state as { [key: string]: Json };
    const refuse = (bad: Json, what: RegExp) =>
      assert.throws(() => s.propose(bad, []), (e) => e instanceof StrategyStateError && new RegExp(`strategy '${s.name}'`).test(e.message) && what.test(e.message), `${s.name}: ${JSON.stringify(bad).slice(0, 80)}`);
    refuse(null, /expected object/);
    refuse({ ...state, proposed: 'many' }, /proposed/);
    refuse({ ...state, rng: { i: 1 } }, /rng/);
    refuse({ ...state, extra: true }, /extra/);
  }
  const jozefowicz = jozefowiczStrategy({ config: config() });
  const aging = agingStrategy({ config: config() });
  assert.throws(() => aging.propose(jozefowicz.init(1), []), StrategyStateError);
  assert.throws(() => jozefowiczFunnel(aging.init(1)), StrategyStateError);
  assert.throws(() => agingPopulation({ ...(aging.init(1) as { [key: string]: Json }), population: [{ hash: 'x' }] }), /population/);
});
