// The memory estimate counts the engine's buffers: parameters as the layout has them, and the
// per-step values in proportion to T, B, H and V.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooCell } from '../zoo/index.ts';
import { modelParamCount } from './layout.ts';
import { estimateTrainingMemory } from './memory.ts';

const base = { hidden: 64, layers: 1, vocab: 50, batch: 20, unroll: 35, optimizer: 'sgd' as const };

test('parameters are the layout\'s; weights, gradients and best weights are three copies; momentum adds one, adam two', () => {
  const gru = zooCell('gru');
  const e = estimateTrainingMemory(gru, base);
  assert.equal(e.parameters, modelParamCount(gru, { hidden: 64, vocab: 50, layers: 1 }));
  assert.equal(e.bytes.weights, 3 * 4 * e.parameters);
  assert.equal(e.bytes.optimizer, 0);
  assert.equal(estimateTrainingMemory(gru, { ...base, optimizer: 'momentum' }).bytes.optimizer, 4 * e.parameters);
  assert.equal(estimateTrainingMemory(gru, { ...base, optimizer: 'adam' }).bytes.optimizer, 8 * e.parameters);
  assert.equal(estimateTrainingMemory(gru, { ...base, dtype: 'float64' }).bytes.total, 2 * e.bytes.total);
  assert.equal(e.bytes.total, e.bytes.weights + e.bytes.optimizer + e.bytes.activations + e.bytes.output);
});

test('activations grow with T * B and the layers, the output layer with T * B * V', () => {
  const lstm = zooCell('lstm');
  const e = estimateTrainingMemory(lstm, base);
  const twiceT = estimateTrainingMemory(lstm, { ...base, unroll: 70 });
  assert.ok(Math.abs(twiceT.bytes.activations / e.bytes.activations - 2) < 0.05);
  assert.equal(twiceT.bytes.output, 2 * e.bytes.output + 0);
  assert.ok(estimateTrainingMemory(lstm, { ...base, layers: 2 }).bytes.activations > 1.9 * e.bytes.activations);
  // The model: LSTM, H 4096, 4 layers on a 10,000-word vocabulary, batch 20 x 35: gigabytes.
  const huge = estimateTrainingMemory(lstm, { hidden: 4096, layers: 4, vocab: 10000, batch: 20, unroll: 35, optimizer: 'sgd' });
  assert.ok(huge.bytes.total > 4 * 2 ** 30, `${huge.bytes.total}`);
});
