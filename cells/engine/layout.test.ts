import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZOO } from '../zoo/index.ts';
import { compileModel, modelParamCount, paramLayout } from './index.ts';

test('modelParamCount counts exactly the parameters the engine allocates', () => {
  for (const [key, hidden, vocab, layers] of [['gru', 5, 11, 1], ['lstm', 3, 7, 2], ['greff-vanilla', 4, 9, 3], ['mut1', 2, 5, 4]] as const) {
    const model = compileModel(ZOO[key], { hidden, vocab, layers });
    assert.equal(modelParamCount(ZOO[key], { hidden, vocab, layers }), model.params.length, key);
    assert.deepEqual([...model.views.keys()], paramLayout(ZOO[key], { hidden, vocab, layers }).map((s) => s.name), key);
  }
  // tanh RNN, V = 10, L = 1: embedding 10H, cell 2H^2 + H, output 10H + 10.
  assert.equal(modelParamCount(ZOO['tanh-rnn'], { hidden: 10, vocab: 10, layers: 1 }), 420);
  // Multi-hot inputs: the dense projection has the embedding's V x H shape.
  const multihot = compileModel(ZOO.gru, { hidden: 4, vocab: 6, layers: 2, input: 'multihot' });
  assert.equal(modelParamCount(ZOO.gru, { hidden: 4, vocab: 6, layers: 2 }), multihot.params.length);
});
