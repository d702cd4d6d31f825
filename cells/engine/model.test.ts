// Behaviour of the model and the trainer: determinism, divergence, learning, weights, schedule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCell } from '../validate.ts';
import type { TokenBatch } from './batch.ts';
import { compileModel } from './compile.ts';
import { train } from './train.ts';
import { randomMultiHotBatch, randomTokenBatch } from './testing.ts';
import { nativeStatus } from './native.ts';

// A GRU written by hand (the zoo's may differ in names; the engine does not care).
const GRU = parseCell({
  states: ['h'],
  nodes: [
    { id: 'r', op: 'linear', in: ['x', 'h'] },
    { id: 'rs', op: 'sigmoid', in: ['r'] },
    { id: 'z', op: 'linear', in: ['x', 'h'] },
    { id: 'zs', op: 'sigmoid', in: ['z'] },
    { id: 'rh', op: 'mul', in: ['rs', 'h'] },
    { id: 'n', op: 'linear', in: ['x', 'rh'] },
    { id: 'nt', op: 'tanh', in: ['n'] },
    { id: 'one', op: 'one' },
    { id: 'iz', op: 'sub', in: ['one', 'zs'] },
    { id: 'a', op: 'mul', in: ['zs', 'h'] },
    { id: 'b', op: 'mul', in: ['iz', 'nt'] },
    { id: 'hn', op: 'add', in: ['a', 'b'] },
  ],
  outputs: { h: 'hn' },
});

const RELU_RNN = parseCell({
  states: ['h'],
  nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'r', op: 'relu', in: ['a'] }],
  outputs: { h: 'r' },
});

/** Streams that count modulo V: the next token is always (token + 1) mod V. */
function* counting(V: number, T: number, B: number): Generator<TokenBatch> {
  let start = 0;
  for (;;) {
    const inputs = new Int32Array(T * B), targets = new Int32Array(T * B);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) {
        const v = (start + t + 2 * b) % V;
        inputs[t * B + b] = v;
        targets[t * B + b] = (v + 1) % V;
      }
    start += T;
    yield { kind: 'tokens', T, B, inputs, targets, mask: new Float32Array(T * B).fill(1), carry: true };
  }
}

test('the parameter layout names every paramSpecs entry per layer, plus embed and the output layer', () => {
  const m = compileModel(GRU, { hidden: 4, vocab: 6, layers: 2 });
  const names = [...m.views.keys()].sort();
  assert.ok(names.includes('layer0/r.W0') && names.includes('layer1/n.W1') && names.includes('layer1/z.b'));
  assert.deepEqual(names.filter((n) => !n.startsWith('layer')), ['embed', 'out.W', 'out.b']);
  // 3 linear nodes x (2 weights 4x4 + bias 4) per layer, 2 layers, embed and out.W 6x4, out.b 6.
  assert.equal(m.params.length, 2 * 3 * (2 * 16 + 4) + 2 * 24 + 6);
  const w = m.getWeights();
  assert.ok(w['layer0/r.W0'] instanceof Float32Array && w['layer0/r.W0'].length === 16);
});

test('initialisation: uniform within s/sqrt(H), biasInit and diagOffset applied, seeded', () => {
  const cell = parseCell({
    states: ['h'],
    nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'], biasInit: 1, diagOffset: 0.9 }, { id: 'r', op: 'tanh', in: ['a'] }],
    outputs: { h: 'r' },
  });
  const H = 16, s = 0.5;
  const m = compileModel(cell, { hidden: H, vocab: 7, initScale: s, seed: 9 });
  const w = m.getWeights();
  const bound = s / Math.sqrt(H) + 1e-7;
  assert.ok(w['layer0/a.b'].every((v) => v === 1));
  for (const name of ['layer0/a.W0', 'layer0/a.W1'])
    w[name].forEach((v, i) => {
      const off = i % (H + 1) === 0 ? 0.9 : 0;
      assert.ok(Math.abs(v - off) <= bound, `${name}[${i}] = ${v}`);
    });
  assert.ok(w.embed.every((v) => Math.abs(v) <= bound) && w['out.W'].every((v) => Math.abs(v) <= bound));
  assert.ok(w['out.b'].every((v) => v === 0));
  assert.deepEqual(compileModel(cell, { hidden: H, vocab: 7, initScale: s, seed: 9 }).getWeights(), w);
  assert.notDeepEqual(compileModel(cell, { hidden: H, vocab: 7, initScale: s, seed: 10 }).getWeights().embed, w.embed);
});

test('setWeights round-trips and rejects unknown names and wrong sizes', () => {
  const a = compileModel(GRU, { hidden: 4, vocab: 5, seed: 1 });
  const b = compileModel(GRU, { hidden: 4, vocab: 5, seed: 2 });
  b.setWeights(a.getWeights());
  assert.deepEqual(b.getWeights(), a.getWeights());
  const batch = randomTokenBatch('w', 4, 2, 5);
  assert.equal(a.evaluateBatch(batch).nll, b.evaluateBatch(batch).nll);
  assert.throws(() => b.setWeights({ 'layer0/nope.W0': new Float32Array(16) }), /unknown parameter 'layer0\/nope.W0'/);
  assert.throws(() => b.setWeights({ embed: new Float32Array(3) }), /'embed' has 20 values, got 3/);
});

test('same seed gives a bit-identical loss trajectory (with dropout); another seed does not', () => {
  const run = (seed: number) => {
    const m = compileModel(GRU, { hidden: 6, vocab: 5, layers: 2, dropout: 0.3, seed });
    const data = counting(5, 4, 3);
    return Array.from({ length: 6 }, () => m.trainBatch(data.next().value).loss);
  };
  const a = run(4);
  assert.deepEqual(run(4), a);
  assert.notDeepEqual(run(5), a);
});

test('a tiny GRU learns to count: the loss drops clearly', () => {
  const V = 5;
  const m = compileModel(GRU, { hidden: 8, vocab: V, seed: 1, optimizer: { kind: 'adam', lr: 0.03 } });
  const data = counting(V, 5, 2);
  const r = train(m, { train: data, valid: () => [counting(V, 5, 2).next().value] }, { maxSteps: 150, evalEvery: 50 });
  assert.equal(r.status, 'done');
  assert.equal(r.reason, 'maxSteps');
  assert.equal(r.steps, 150);
  assert.equal(r.curve.length, 3);
  assert.ok(r.curve[0].valid.loss < Math.log(V), `first loss ${r.curve[0].valid.loss}`);
  assert.ok(r.best!.loss < 0.2, `best validation loss ${r.best!.loss}`);
  assert.equal(r.best!.accuracy, 1);
});

test('a huge learning rate ends training with status diverged, without throwing', () => {
  const m = compileModel(RELU_RNN, { hidden: 4, vocab: 5, seed: 1, clip: 0, optimizer: { kind: 'sgd', lr: 1e30 } });
  const r = train(m, { train: counting(5, 4, 2), valid: () => [counting(5, 4, 2).next().value] }, { maxSteps: 50, evalEvery: 10 });
  assert.equal(r.status, 'diverged');
  assert.equal(r.reason, 'diverged');
  assert.ok(r.steps < 50);
});

test('NaN in a weight propagates through the fast activations and is reported as divergence', () => {
  for (const cell of [GRU, RELU_RNN]) {
    const m = compileModel(cell, { hidden: 4, vocab: 5 });
    const w = m.view(cell === GRU ? 'layer0/n.W1' : 'layer0/a.W1');
    w[5] = NaN;
    const r = m.trainBatch(counting(5, 4, 2).next().value);
    assert.equal(r.diverged, true);
  }
});

test('the schedule halves the learning rate after evaluations without improvement and stops after K halvings', () => {
  // A learning rate so small that float32 parameters cannot move: the validation loss is flat.
  const m = compileModel(GRU, { hidden: 4, vocab: 5, optimizer: { kind: 'sgd', lr: 1e-30 } });
  const valid = () => [randomTokenBatch('v', 4, 2, 5)];
  const r = train(m, { train: counting(5, 4, 2), valid }, { maxSteps: 100, evalEvery: 2, schedule: { patience: 2, maxHalvings: 2 } });
  // Evaluations at steps 2 (best), 4, 6 (halve), 8, 10 (halve), 12, 14 (stop).
  assert.equal(r.reason, 'schedule');
  assert.equal(r.steps, 14);
  assert.equal(r.lr, 0.25e-30);
  // Each point records the rate used up to it; a halving applies from the next step.
  assert.deepEqual(r.curve.map((c) => c.lr), [1e-30, 1e-30, 1e-30, 0.5e-30, 0.5e-30, 0.25e-30, 0.25e-30]);
});

test('carried state: carry=true continues from the previous batch, carry=false starts from zero', () => {
  const m = compileModel(GRU, { hidden: 4, vocab: 5, seed: 2 });
  const b1 = randomTokenBatch('c1', 3, 2, 5), b2 = randomTokenBatch('c2', 3, 2, 5);
  const fresh = m.evaluateBatch(b2).nll;
  m.evaluateBatch(b1);
  assert.equal(m.evaluateBatch(b2).nll, fresh, 'carry=false ignores the previous batch');
  m.evaluateBatch(b1);
  const carried = m.evaluateBatch({ ...b2, carry: true }).nll;
  assert.notEqual(carried, fresh);
  m.resetState();
  assert.equal(m.evaluateBatch({ ...b2, carry: true }).nll, fresh);
  // evaluate() starts from zero and leaves the training state alone.
  m.evaluateBatch(b1);
  const metrics = m.evaluate([{ ...b2, carry: true }]);
  assert.equal(metrics.loss, fresh / metrics.count);
  assert.equal(m.evaluateBatch({ ...b2, carry: true }).nll, carried);
});

test('bad options and bad batches are refused with a message', () => {
  assert.throws(() => compileModel(GRU, { hidden: 0, vocab: 5 }), /model option hidden/);
  assert.throws(() => compileModel(GRU, { hidden: 4, vocab: 5, layers: 5 }), /model option layers/);
  const m = compileModel(GRU, { hidden: 4, vocab: 5 });
  const bad = randomTokenBatch('b', 2, 2, 5);
  bad.inputs[1] = 9;
  assert.throws(() => m.trainBatch(bad), /input token 9 at position 1 is outside the vocabulary/);
});

test('batches of varying length share one program per batch size and give the same results', () => {
  for (const kernels of nativeStatus.loaded ? (['js', 'c'] as const) : (['js'] as const)) {
    const a = compileModel(GRU, { hidden: 4, vocab: 5, layers: 2, seed: 7, kernels });
    const b = compileModel(GRU, { hidden: 4, vocab: 5, layers: 2, seed: 7, kernels });
    const short = randomTokenBatch('len-3', 3, 2, 5), long = randomTokenBatch('len-9', 9, 2, 5), mid = randomTokenBatch('len-5', 5, 2, 5);
    // a grows its buffers (3 -> 9 steps) and then runs a 5-step batch in a prefix of them.
    a.evaluateBatch(short);
    a.trainBatch(long);
    b.trainBatch(long);
    assert.deepEqual(a.getWeights(), b.getWeights());
    assert.equal(a.evaluateBatch(mid).nll, b.evaluateBatch(mid).nll);
    assert.deepEqual(a.predict(mid), b.predict(mid));
    assert.equal(a.predict(mid).logits.length, 5 * 2 * 5);
  }
});

test('input noise (Greff): seeded, training only, changes the training loss but not evaluation', () => {
  for (const input of ['tokens', 'multihot'] as const) {
    const make = (inputNoise: number) => compileModel(GRU, { hidden: 4, vocab: 5, seed: 3, inputNoise, input });
    const batch = input === 'tokens' ? randomTokenBatch('n', 4, 2, 5) : randomMultiHotBatch('n', 4, 2, 5);
    const quiet = make(0), noisy = make(0.5), again = make(0.5);
    assert.equal(noisy.evaluateBatch(batch).nll, quiet.evaluateBatch(batch).nll);
    const a = noisy.trainBatch(batch).loss;
    assert.equal(again.trainBatch(batch).loss, a);
    assert.notEqual(quiet.trainBatch(batch).loss, a);
  }
});

test('an empty validation split records points but no best and no halving', () => {
  const m = compileModel(GRU, { hidden: 4, vocab: 5 });
  const r = train(m, { train: counting(5, 4, 2), valid: () => [] }, { maxSteps: 6, evalEvery: 2, schedule: { patience: 1, maxHalvings: 0 } });
  assert.equal(r.status, 'done');
  assert.equal(r.reason, 'maxSteps');
  assert.equal(r.curve.length, 3);
  assert.equal(r.best, null);
  assert.equal(r.curve[0].valid.count, 0);
});

test('shouldStop ends training early with reason stopped, after a final evaluation', () => {
  const m = compileModel(GRU, { hidden: 4, vocab: 5 });
  let asked = 0;
  const r = train(m, { train: counting(5, 4, 2), valid: () => [randomTokenBatch('v', 4, 2, 5)], shouldStop: () => ++asked > 3 }, { maxSteps: 100, evalEvery: 10 });
  assert.equal(r.status, 'done');
  assert.equal(r.reason, 'stopped');
  assert.equal(r.steps, 3);
  assert.equal(r.curve.length, 1);
  assert.equal(r.curve[0].step, 3);
});
