import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GREFF_CELLS, ZOO, zooCell } from '../../cells/zoo/index.ts';
import { parseNotation } from '../../cells/notation.ts';
import { BOOLEAN_FEATURES, cellFeatures } from './features.ts';

const ALL_ON = { hasInputGate: true, hasForgetGate: true, hasOutputGate: true, hasPeepholes: true, hasInputActivation: true, hasOutputActivation: true, coupledGates: false, fullGateRecurrence: false };

// What each of Greff et al.'s variants changes relative to the vanilla LSTM.
const EXPECTED: Record<string, Partial<typeof ALL_ON>> = {
  'greff-vanilla': {},
  'greff-nig': { hasInputGate: false },
  'greff-nfg': { hasForgetGate: false },
  'greff-nog': { hasOutputGate: false },
  'greff-niaf': { hasInputActivation: false },
  'greff-noaf': { hasOutputActivation: false },
  'greff-np': { hasPeepholes: false },
  'greff-cifg': { coupledGates: true },
  'greff-fgr': { fullGateRecurrence: true },
};

test('every Greff variant has exactly its knock-out', () => {
  assert.deepEqual([...GREFF_CELLS].sort(), Object.keys(EXPECTED).sort());
  for (const key of GREFF_CELLS) {
    const f = cellFeatures(zooCell(key));
    const picked = Object.fromEntries(BOOLEAN_FEATURES.map((k) => [k, f[k]]));
    assert.deepEqual(picked, { ...ALL_ON, ...EXPECTED[key] }, key);
  }
});

test('op counts and states come from the graph', () => {
  const v = cellFeatures(zooCell('greff-vanilla'));
  assert.equal(v.count_linear, 4);
  assert.equal(v.count_diag, 3);
  assert.equal(v.count_sigmoid, 3);
  assert.equal(v.count_tanh, 2);
  assert.equal(v.count_one, 0);
  assert.equal(v.states, 2);
  const fgr = cellFeatures(zooCell('greff-fgr'));
  assert.equal(fgr.states, 5);
  const cifg = cellFeatures(zooCell('greff-cifg'));
  assert.equal(cifg.count_sigmoid, 2);
  assert.equal(cifg.count_one, 1);
  assert.equal(cifg.count_sub, 1);
});

test('Jozefowicz cells: GRU and MUT1 are coupled, LSTM-f has no forget gate, the tanh RNN has no gates', () => {
  const gru = cellFeatures(zooCell('gru'));
  assert.equal(gru.coupledGates, true);
  assert.equal(gru.hasForgetGate, true);
  assert.equal(gru.hasInputGate, true);
  assert.equal(gru.hasInputActivation, true);
  assert.equal(gru.hasOutputGate, false);
  assert.equal(gru.hasPeepholes, false);
  assert.equal(cellFeatures(zooCell('mut1')).coupledGates, true);
  const lstm = cellFeatures(zooCell('lstm'));
  assert.deepEqual([lstm.hasForgetGate, lstm.hasInputGate, lstm.hasOutputGate, lstm.hasOutputActivation, lstm.coupledGates], [true, true, true, true, false]);
  assert.equal(cellFeatures(zooCell('lstm-f')).hasForgetGate, false);
  assert.equal(cellFeatures(zooCell('lstm-i')).hasInputGate, false);
  assert.equal(cellFeatures(zooCell('lstm-o')).hasOutputGate, false);
  const rnn = cellFeatures(zooCell('tanh-rnn'));
  assert.ok(BOOLEAN_FEATURES.every((k) => rnn[k] === false), JSON.stringify(rnn));
});

test('features see through identity nodes and are defined for every zoo cell', () => {
  const cell = parseNotation(`cell T(x; h, c)
  z = tanh(linear(x, h))
  i = sigmoid(linear(x, h))
  g = identity(i)
  c' = z * g + c
  h' = identity(c') * sigmoid(linear(x, h))`);
  const f = cellFeatures(cell);
  assert.equal(f.hasInputGate, true);
  assert.equal(f.hasForgetGate, false);
  assert.equal(f.hasOutputGate, true);
  assert.equal(f.hasOutputActivation, false, 'identity is not an output activation');
  for (const [key, c] of Object.entries(ZOO)) {
    const all = cellFeatures(c);
    for (const k of BOOLEAN_FEATURES) assert.equal(typeof all[k], 'boolean', `${key}.${k}`);
  }
});
