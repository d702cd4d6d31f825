// One setting, one set of bounds and defaults: the engine's options take theirs from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ModelOptionsSchema,
  modelOptionsOf,
  OPTIMIZER_DEFAULTS,
  SETTING_DEFAULTS,
  settingDefaults,
  SettingSchema,
  TrainOptionsSchema,
  trainOptionsOf,
  type Setting,
} from './index.ts';

const setting: Setting = {
  hidden: 8,
  layers: 2,
  initScale: 0.5,
  optimizer: 'nesterov',
  learningRate: 0.2,
  momentum: 0.7,
  clip: 3,
  inputNoise: 0.1,
  batch: 4,
  unroll: 5,
  maxSteps: 50,
  evalEvery: 10,
  validBatches: 2,
  patience: 2,
  maxHalvings: 3,
};

test('a setting becomes the engine options it describes', () => {
  assert.deepEqual(SettingSchema.parse(setting), setting);
  const model = ModelOptionsSchema.parse(modelOptionsOf(setting, { vocab: 11, seed: 's', input: 'multihot' }));
  assert.deepEqual(
    [model.hidden, model.vocab, model.layers, model.initScale, model.inputNoise, model.clip, model.input, model.seed, model.lossNorm],
    [8, 11, 2, 0.5, 0.1, 3, 'multihot', 's', 'sequence'],
  );
  assert.deepEqual(model.optimizer, { kind: 'momentum', lr: 0.2, momentum: 0.7, nesterov: true });
  const sgd = ModelOptionsSchema.parse(modelOptionsOf({ ...setting, optimizer: 'sgd', momentum: 0 }, { vocab: 11, seed: 1 }));
  assert.deepEqual(sgd.optimizer, { kind: 'sgd', lr: 0.2 });
  assert.equal(sgd.input, 'tokens');
  assert.deepEqual(TrainOptionsSchema.parse(trainOptionsOf(setting)), { maxSteps: 50, evalEvery: 10, schedule: { patience: 2, maxHalvings: 3, factor: 0.5 }, restoreBest: true });
});

test("a setting's engine options come complete: parsing them changes nothing (a worker thread uses them unparsed)", () => {
  for (const [s, ctx] of [
    [setting, { vocab: 11, seed: 's', input: 'multihot' }],
    [{ ...setting, optimizer: 'sgd', momentum: 0 }, { vocab: 11, seed: 1 }],
  ] as const) {
    const options = modelOptionsOf(s, ctx);
    assert.deepEqual(ModelOptionsSchema.parse(options), options);
  }
  assert.deepEqual(ModelOptionsSchema.parse({ hidden: 4, vocab: 3 }), modelOptionsOf({ ...settingDefaults(), hidden: 4 }, { vocab: 3, seed: 1 }), 'the defaults are the schema\'s');
  assert.deepEqual(TrainOptionsSchema.parse(trainOptionsOf(setting)), trainOptionsOf(setting));
});

test("the engine's defaults are the setting's", () => {
  const model = ModelOptionsSchema.parse({ hidden: 4, vocab: 3 });
  const d = settingDefaults();
  assert.deepEqual([model.layers, model.initScale, model.inputNoise, model.clip], [d.layers, d.initScale, d.inputNoise, d.clip]);
  assert.deepEqual(model.optimizer, { kind: d.optimizer, lr: d.learningRate });
  assert.deepEqual(d, { layers: 1, initScale: 1, optimizer: 'sgd', learningRate: 1, momentum: 0, clip: 5, inputNoise: 0 });
  const nesterov = settingDefaults('nesterov');
  assert.deepEqual([nesterov.learningRate, nesterov.momentum], [0.1, 0.9]);
  assert.deepEqual(ModelOptionsSchema.parse({ hidden: 4, vocab: 3, optimizer: { kind: 'momentum' } }).optimizer, { kind: 'momentum', lr: nesterov.learningRate, momentum: nesterov.momentum, nesterov: false });
  assert.equal(ModelOptionsSchema.parse({ hidden: 4, vocab: 3, optimizer: { kind: 'adam' } }).optimizer.lr, OPTIMIZER_DEFAULTS.adam.learningRate);
  const train = TrainOptionsSchema.parse({ maxSteps: 1, schedule: {} });
  assert.deepEqual([train.evalEvery, train.schedule?.patience, train.schedule?.maxHalvings], [SETTING_DEFAULTS.evalEvery, SETTING_DEFAULTS.patience, SETTING_DEFAULTS.maxHalvings]);
});

test('the engine refuses exactly the values the setting refuses', () => {
  const bad: [keyof Setting, number][] = [['hidden', 4097], ['hidden', 0], ['layers', 5], ['initScale', 0], ['inputNoise', -0.1], ['clip', -1], ['learningRate', 0], ['momentum', 1]];
  for (const [key, value] of bad) {
    const s = { ...setting, [key]: value };
    assert.equal(SettingSchema.safeParse(s).success, false, `setting ${key} = ${value}`);
    assert.equal(ModelOptionsSchema.safeParse(modelOptionsOf(s, { vocab: 3, seed: 1 })).success, false, `engine ${key} = ${value}`);
  }
  const edges: [keyof Setting, number][] = [['hidden', 4096], ['layers', 4], ['clip', 0], ['inputNoise', 0], ['momentum', 0.99]];
  for (const [key, value] of edges) {
    const s = { ...setting, [key]: value };
    assert.equal(SettingSchema.safeParse(s).success, true, `setting ${key} = ${value}`);
    assert.equal(ModelOptionsSchema.safeParse(modelOptionsOf(s, { vocab: 3, seed: 1 })).success, true, `engine ${key} = ${value}`);
  }
  for (const [key, value] of [['maxSteps', 0], ['evalEvery', 0], ['patience', 0], ['maxHalvings', -1]] as const) {
    const s = { ...setting, [key]: value };
    assert.equal(SettingSchema.safeParse(s).success, false, `setting ${key} = ${value}`);
    assert.equal(TrainOptionsSchema.safeParse(trainOptionsOf(s)).success, false, `engine ${key} = ${value}`);
  }
});
