import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { ZOO } from '../cells/zoo/index.ts';
import { getTask } from '../tasks/registry.ts';
import { ModelOptionsSchema, TrainOptionsSchema, modelOptionsOf, modelParamCount, trainOptionsOf } from '../cells/engine/index.ts';
import {
  FIDELITY,
  FidelitySchema,
  GREFF_SPACE,
  HyperparamsSchema,
  JOZEFOWICZ_GRID,
  SCALES,
  fidelity,
  greffHyperparams,
  greffLearningRate,
  hiddenForBudget,
  jozefowiczHyperparams,
  logUniform,
  pointId,
  sampleGreff,
  sampleJozefowicz,
} from './space.ts';

test('hiddenForBudget gives the largest H that fits the budget, for every zoo cell', () => {
  for (const [key, cell] of Object.entries(ZOO)) {
    for (const [budget, vocab, layers] of [[4_000, 40, 1], [35_000, 30, 2], [1_300_000, 10_000, 1], [500_000, 40, 4]]) {
      const h = hiddenForBudget(cell, budget, vocab, layers);
      assert.ok(modelParamCount(cell, { hidden: h, vocab, layers }) <= budget, `${key} H=${h} over budget`);
      assert.ok(modelParamCount(cell, { hidden: h + 1, vocab, layers }) > budget, `${key} H=${h} not the largest`);
    }
  }
  // Bigger cells get a smaller H at the same budget; deeper models too.
  const b = 35_000;
  assert.ok(hiddenForBudget(ZOO['tanh-rnn'], b, 40, 1) > hiddenForBudget(ZOO.gru, b, 40, 1));
  assert.ok(hiddenForBudget(ZOO.gru, b, 40, 1) > hiddenForBudget(ZOO.lstm, b, 40, 1));
  assert.ok(hiddenForBudget(ZOO.lstm, b, 40, 1) > hiddenForBudget(ZOO.lstm, b, 40, 2));
  // tanh RNN, V = 10, L = 1: 10H + (2H^2 + H) + 10H + 10 = 2H^2 + 21H + 10; H = 10 needs 420.
  assert.equal(hiddenForBudget(ZOO['tanh-rnn'], 420, 10, 1), 10);
  assert.equal(hiddenForBudget(ZOO['tanh-rnn'], 419, 10, 1), 9);
  assert.throws(() => hiddenForBudget(ZOO.gru, 50, 40, 1), /too small/);
  assert.throws(() => hiddenForBudget(ZOO.gru, 0, 40, 1), /positive/);
});

test('the Jozefowicz grid: every draw is a grid point, every value is drawn, draws are deterministic', () => {
  const draw = (seed: string) => {
    const rng = seedrandom(seed);
    return Array.from({ length: 600 }, () => sampleJozefowicz(rng));
  };
  const points = draw('grid');
  assert.deepEqual(draw('grid'), points);
  assert.notDeepEqual(draw('other'), points);
  for (const key of ['initScale', 'learningRate', 'maxGradNorm', 'layers'] as const) {
    const seen = new Set(points.map((p) => p[key]));
    assert.deepEqual([...seen].sort((a, b) => a - b), [...JOZEFOWICZ_GRID[key]].sort((a, b) => a - b), key);
  }
});

test('each preset draws from its own grid: the paper\'s at paper; tiny and small without learning rate 5, init scale 0.3 and 4 layers', () => {
  assert.deepEqual(FIDELITY.paper.grid, { ...JOZEFOWICZ_GRID });
  for (const scale of ['tiny', 'small'] as const) {
    const grid = FIDELITY[scale].grid;
    assert.deepEqual(grid, { initScale: [0.7, 1, 1.4, 2, 2.8], learningRate: [0.1, 0.2, 0.3, 0.5, 1, 2], maxGradNorm: [1, 2.5, 5, 10, 20], layers: [1, 2, 3] }, scale);
    const rng = seedrandom(scale);
    const points = Array.from({ length: 600 }, () => sampleJozefowicz(rng, grid));
    for (const key of ['initScale', 'learningRate', 'maxGradNorm', 'layers'] as const) {
      assert.deepEqual([...new Set(points.map((p) => p[key]))].sort((a, b) => a - b), grid[key], `${scale} ${key}`);
    }
  }
  // The same generator state draws the same coordinates in the same order, whatever the grid.
  const one = { initScale: [1], learningRate: [0.5], maxGradNorm: [5], layers: [2] };
  const a = seedrandom('order');
  const b = seedrandom('order');
  sampleJozefowicz(a, one);
  sampleJozefowicz(b);
  assert.equal(a(), b(), 'one draw per coordinate');
  // A grid value outside the engine's bounds is refused.
  assert.throws(() => FidelitySchema.parse({ ...fidelity('tiny'), grid: { ...one, layers: [5] } }), /layers/);
  assert.throws(() => FidelitySchema.parse({ ...fidelity('tiny'), grid: { ...one, learningRate: [] } }), /learningRate/);
});

test('pointId names a grid point, one name per point', () => {
  const ids = new Set<string>();
  const g = JOZEFOWICZ_GRID;
  for (const initScale of g.initScale) for (const learningRate of g.learningRate) for (const maxGradNorm of g.maxGradNorm) for (const layers of g.layers) ids.add(pointId({ initScale, learningRate, maxGradNorm, layers }));
  assert.equal(ids.size, g.initScale.length * g.learningRate.length * g.maxGradNorm.length * g.layers.length);
  assert.equal(pointId({ initScale: 1.4, learningRate: 0.5, maxGradNorm: 2.5, layers: 2 }), 'lr0.5,init1.4,clip2.5,L2');
});

test('the search\'s fidelity: tiny trains every evaluation fully, small and paper halve in rungs of eta 3', () => {
  assert.deepEqual(SCALES.map((s) => [FIDELITY[s].search.fidelity, FIDELITY[s].search.eta, FIDELITY[s].search.minSteps]), [['full', 3, 30], ['sha', 3, 100], ['sha', 3, 1000]]);
  for (const bad of [{ fidelity: 'half' }, { eta: 1 }, { minSteps: 0 }, { memorizeFraction: 2 }]) {
    assert.throws(() => FidelitySchema.parse({ ...fidelity('small'), search: { ...fidelity('small').search, ...bad } }), new RegExp(Object.keys(bad)[0]));
  }
});

test('a Jozefowicz setting: plain SGD, the preset batch and unroll, H from the task budget', () => {
  const fid = fidelity('tiny');
  const h = jozefowiczHyperparams({ initScale: 1.4, learningRate: 0.5, maxGradNorm: 10, layers: 2 }, { cell: ZOO.lstm, vocab: 40, budget: fid.paramBudget.arithmetic, fidelity: fid });
  assert.deepEqual(h, {
    space: 'jozefowicz',
    hidden: hiddenForBudget(ZOO.lstm, 4_000, 40, 2),
    layers: 2,
    initScale: 1.4,
    optimizer: 'sgd',
    learningRate: 0.5,
    momentum: 0,
    clip: 10,
    inputNoise: 0,
    batch: 20,
    unroll: 20,
  });
  const opts = ModelOptionsSchema.parse(modelOptionsOf(h, { vocab: 40, seed: 7 }));
  assert.deepEqual(opts.optimizer, { kind: 'sgd', lr: 0.5 });
  assert.equal(opts.clip, 10);
  assert.equal(opts.hidden, h.hidden);
  assert.equal(opts.lossNorm, 'sequence');
});

test("Greff's space: every draw in range, log-uniform where the paper says, deterministic", () => {
  const fid = fidelity('paper');
  const rng = seedrandom('greff');
  const pts = Array.from({ length: 4000 }, () => sampleGreff(rng, fid));
  const again = seedrandom('greff');
  assert.deepEqual(Array.from({ length: 4000 }, () => sampleGreff(again, fid)), pts);
  for (const p of pts) {
    assert.ok(Number.isInteger(p.hidden) && p.hidden >= 20 && p.hidden <= 200, `hidden ${p.hidden}`);
    assert.ok(p.learningRate >= 1e-6 && p.learningRate <= 1e-2, `lr ${p.learningRate}`);
    assert.ok(p.momentum >= 0 && p.momentum <= 0.99, `momentum ${p.momentum}`);
    assert.ok(p.inputNoise >= 0 && p.inputNoise <= 1, `noise ${p.inputNoise}`);
  }
  const frac = (f: (p: (typeof pts)[number]) => boolean) => pts.filter(f).length / pts.length;
  // Log-uniform: half the mass below the geometric mean of the ends.
  assert.ok(Math.abs(frac((p) => p.learningRate < 1e-4) - 0.5) < 0.04);
  assert.ok(Math.abs(frac((p) => p.hidden <= Math.sqrt(20 * 200)) - 0.5) < 0.04);
  // 1 - momentum log-uniform in [0.01, 1]: half of it below 0.1, i.e. momentum above 0.9.
  assert.ok(Math.abs(frac((p) => p.momentum > 0.9) - 0.5) < 0.04);
  // Noise uniform: a quarter below 0.25.
  assert.ok(Math.abs(frac((p) => p.inputNoise < 0.25) - 0.25) < 0.04);
  // The preset's hidden range replaces the paper's at lower fidelity.
  const tiny = fidelity('tiny');
  const r2 = seedrandom('tiny');
  for (let i = 0; i < 500; i++) {
    const p = sampleGreff(r2, tiny);
    assert.ok(p.hidden >= tiny.greffHidden[0] && p.hidden <= tiny.greffHidden[1]);
  }
  assert.deepEqual(GREFF_SPACE.hidden, [20, 200]);
});

test('a Greff setting: Nesterov momentum, learning rate rescaled by the batch, input noise handed to the engine', () => {
  const fid = fidelity('small');
  const h = greffHyperparams({ hidden: 64, learningRate: 1e-3, momentum: 0.95, inputNoise: 0.3 }, fid);
  assert.equal(h.learningRate, greffLearningRate(1e-3, 20));
  assert.equal(h.learningRate, 0.02);
  assert.equal(h.paperLearningRate, 1e-3);
  assert.equal(h.optimizer, 'nesterov');
  const model = ModelOptionsSchema.parse(modelOptionsOf(h, { vocab: 30, seed: 'x' }));
  assert.equal(model.inputNoise, 0.3);
  assert.deepEqual(model.optimizer, { kind: 'momentum', lr: 0.02, momentum: 0.95, nesterov: true });
  assert.deepEqual(HyperparamsSchema.parse(JSON.parse(JSON.stringify(h))), h);
});

test('logUniform stays inside its ends', () => {
  assert.equal(logUniform(() => 0, 3, 300), 3);
  assert.ok(Math.abs(logUniform(() => 0.5, 3, 300) - 30) < 1e-9);
  assert.ok(logUniform(() => 0.999999999, 3, 300) <= 300);
});

test('every preset sets every value explicitly, survives JSON, and fidelity() hands out copies', () => {
  for (const scale of SCALES) {
    const fid = FIDELITY[scale];
    assert.equal(fid.scale, scale);
    assert.deepEqual(FidelitySchema.parse(JSON.parse(JSON.stringify(fid))), fid);
    const copy = fidelity(scale);
    assert.deepEqual(copy, fid);
    copy.train.batch = 999;
    assert.notEqual(FIDELITY[scale].train.batch, 999);
  }
  // A missing value is an error, not a silent default.
  const { train: _drop, ...partial } = FIDELITY.tiny;
  assert.throws(() => FidelitySchema.parse(partial));
  assert.throws(() => FidelitySchema.parse({ ...FIDELITY.tiny, extra: 1 }));
  // The paper preset uses the paper's protocol.
  assert.equal(FIDELITY.paper.train.batch, 20);
  assert.equal(FIDELITY.paper.train.unroll, 35);
  assert.deepEqual(FIDELITY.paper.greffHidden, [20, 200]);
  assert.equal(FIDELITY.paper.search.listSize, 100);
  // The engine takes each preset's training options as they are.
  for (const scale of SCALES) {
    const t = TrainOptionsSchema.parse(trainOptionsOf(FIDELITY[scale].train));
    assert.equal(t.maxSteps, FIDELITY[scale].train.maxSteps);
    assert.deepEqual(t.schedule, { patience: FIDELITY[scale].train.patience, maxHalvings: FIDELITY[scale].train.maxHalvings, factor: 0.5 });
  }
  // Sizes grow with fidelity.
  assert.ok(FIDELITY.tiny.paramBudget.ptb < FIDELITY.small.paramBudget.ptb && FIDELITY.small.paramBudget.ptb < FIDELITY.paper.paramBudget.ptb);
  assert.ok(FIDELITY.tiny.train.maxSteps < FIDELITY.small.train.maxSteps && FIDELITY.small.train.maxSteps < FIDELITY.paper.train.maxSteps);
});

test("every preset's task options are accepted by the tasks, and the budgets fit their vocabularies", () => {
  for (const scale of SCALES) {
    const fid = FIDELITY[scale];
    for (const [name, options] of Object.entries(fid.tasks)) {
      const task = getTask(name, options);
      assert.ok(task.vocab.length > 0);
      const budget = fid.paramBudget[name as keyof typeof fid.paramBudget];
      // Even the biggest zoo cell at four layers gets a few units.
      assert.ok(hiddenForBudget(ZOO['greff-fgr'], budget, task.vocab.length, 4) >= 4, `${scale} ${name}`);
    }
    assert.ok(hiddenForBudget(ZOO['greff-fgr'], fid.paramBudget.ptb, 10_000, 4) >= 4);
  }
});
