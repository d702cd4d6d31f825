// `search --seed-cells`: every strategy's generation 0 proposes the config's seed cells after the
// GRU and the LSTM, in their order, the same way for the same seed; a seed cell equal to the GRU
// is proposed once; the jozefowicz list starts with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { cellHash } from '../../cells/canonical.ts';
import type { Cell } from '../../cells/graph.ts';
import { parseRecipe, recipeToCell } from '../../cells/nas-bench-nlp.ts';
import { printNotation } from '../../cells/notation.ts';
import { randomCell } from '../../cells/random.ts';
import { ZOO } from '../../cells/zoo/index.ts';
import { fidelity } from '../space.ts';
import { toJsonObject, type Architecture, type Strategy } from '../contract.ts';
import { agingStrategy } from './aging.ts';
import { gruHash, type SearchConfig } from './common.ts';
import { jozefowiczList, jozefowiczStrategy } from './jozefowicz.ts';
import { randomStrategy } from './random.ts';

const row = (cell: Cell, path: string): Architecture => ({ hash: cellHash(cell), cell: toJsonObject(cell), notation: printNotation(cell), origin: { kind: 'file', path } });

// A NAS-Bench-NLP recipe with a leaky ReLU and a blend, and a random cell.
const recipe = recipeToCell(
  parseRecipe(
    {
      a: { op: 'linear', input: ['x', 'h_prev_0'] },
      a_act: { op: 'activation_leaky_relu', input: ['a'] },
      g: { op: 'linear', input: ['x', 'h_prev_0'] },
      g_act: { op: 'activation_sigm', input: ['g'] },
      h_new_0: { op: 'blend', input: ['g_act', 'h_prev_0', 'a_act'] },
    },
    'test',
  ),
  { name: 'recipe 0' },
);
const SEEDS = [row(recipe, '/data/recipes.json#0'), row(randomCell(seedrandom('seed-cells')), '/data/random.cell')];

function config(over: Partial<SearchConfig> = {}): SearchConfig {
  return {
    tasks: ['arithmetic', 'xml'],
    vocab: { arithmetic: 40, xml: 30, memorize: 27 },
    fidelity: fidelity('tiny'),
    evaluations: 200,
    generationSize: 4,
    memorize: true,
    metric: 'validAccuracy',
    seedCells: SEEDS,
    ...over,
  };
}

/** Architectures of generation 0 in order of first appearance, and the state after it. */
function generation0(strategy: Strategy, seed = 5) {
  const r = strategy.propose(JSON.parse(JSON.stringify(strategy.init(seed))), []);
  return { order: [...new Set(r.proposals.map((p) => p.architecture.hash))], proposals: r.proposals, state: r.state };
}

const STRATEGIES: [string, (c: SearchConfig) => Strategy][] = [
  ['jozefowicz', (c) => jozefowiczStrategy({ config: c })],
  ['jozefowicz sha', (c) => jozefowiczStrategy({ config: { ...c, fidelity: fidelity('small') } })],
  ['aging', (c) => agingStrategy({ config: c })],
  ['random', (c) => randomStrategy({ config: c })],
];

for (const [name, make] of STRATEGIES) {
  test(`${name}: generation 0 proposes the GRU, the LSTM and the seed cells, in order, deterministically`, () => {
    const a = generation0(make(config()));
    assert.deepEqual(a.order, [gruHash(), cellHash(ZOO.lstm), ...SEEDS.map((s) => s.hash)]);
    // Each seed cell on every scored task, as the GRU.
    const tasksOf = (hash: string) => new Set(a.proposals.filter((p) => p.architecture.hash === hash).map((p) => p.task));
    for (const s of SEEDS) assert.deepEqual(tasksOf(s.hash), tasksOf(gruHash()), s.origin.kind);
    assert.deepEqual(a.proposals.find((p) => p.architecture.hash === SEEDS[0].hash)?.architecture, SEEDS[0], 'the stored row, origin included');
    // The same config and seed: the same generation (what a resume relies on).
    assert.deepEqual(generation0(make(config())).proposals, a.proposals);
    // Without seed cells: the GRU and the LSTM only.
    assert.deepEqual(generation0(make(config({ seedCells: undefined }))).order, [gruHash(), cellHash(ZOO.lstm)]);
  });
}

test('a seed cell equal to the GRU is proposed once; the jozefowicz list starts with the seed cells', () => {
  const withGru = config({ seedCells: [row(ZOO.gru, '/data/recipes.json#2'), ...SEEDS] });
  const j = generation0(jozefowiczStrategy({ config: withGru }));
  assert.deepEqual(j.order, [gruHash(), cellHash(ZOO.lstm), ...SEEDS.map((s) => s.hash)]);
  assert.equal(j.proposals.filter((p) => p.architecture.hash === gruHash() && p.task === 'arithmetic').length, withGru.fidelity.search.settingsPerTask);
  assert.deepEqual(jozefowiczList(j.state), [gruHash(), cellHash(ZOO.lstm), ...SEEDS.map((s) => s.hash)]);
});
