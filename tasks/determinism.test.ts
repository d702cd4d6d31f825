// The data of a task is a function of (options, seed, split, index) only: the same in any order,
// any process, any number of workers, and never dependent on the batch size for the sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Batch } from '../cells/engine/batch.ts';
import { getTask } from './registry.ts';
import { iterateBatches, SPLITS, type BatchOptions, type Task } from './task.ts';

const SYNTHETIC = [
  ['arithmetic', { validSize: 10, testSize: 7 }],
  ['xml', { maxIterations: 8, validSize: 10, testSize: 7 }],
  ['memorize', { validSize: 10, testSize: 7 }],
] as const;

function digest(b: Batch): string {
  const h = createHash('sha256');
  h.update(`${b.kind} ${b.T} ${b.B} ${b.carry}`);
  for (const a of [b.inputs, b.targets, b.mask]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

const opts = (seed: number, batchSize = 4): BatchOptions => ({ seed, batchSize, unroll: 6 });

for (const [name, options] of SYNTHETIC) {
  const task: Task = getTask(name, options);

  test(`${name}: same seed, same data; another seed or split, other data`, () => {
    for (const split of SPLITS) {
      assert.equal(digest(task.batch(split, 1, opts(5))), digest(getTask(name, options).batch(split, 1, opts(5))));
      assert.notEqual(digest(task.batch(split, 1, opts(5))), digest(task.batch(split, 1, opts(6))));
    }
    assert.notEqual(digest(task.batch('valid', 0, opts(5))), digest(task.batch('test', 0, opts(5))));
    assert.notEqual(digest(task.batch('train', 0, opts(5))), digest(task.batch('valid', 0, opts(5))));
    assert.notEqual(digest(task.batch('train', 0, opts(5))), digest(task.batch('train', 1, opts(5))));
  });

  test(`${name}: valid/test are finite and identical on every pass; train is endless`, () => {
    assert.equal(task.numBatches('valid', opts(1)), 3);
    assert.equal(task.numBatches('test', opts(1)), 2);
    assert.equal(task.numBatches('train', opts(1)), Infinity);
    const pass = () => [...task.batches('valid', opts(1))].map(digest);
    assert.deepEqual(pass(), pass());
    assert.equal(pass().length, 3);
    // The last batch holds 2 sequences and 2 empty streams (mask 0).
    const last = task.batch('valid', 2, opts(1));
    for (let t = 0; t < last.T; t++) assert.ok(last.mask[t * 4 + 2] === 0 && last.mask[t * 4 + 3] === 0);
    assert.throws(() => task.batch('valid', 3, opts(1)), RangeError);
    const train = task.batches('train', opts(1));
    for (let i = 0; i < 50; i++) assert.equal(train.next().done, false);
  });

  test(`${name}: order and batch size do not change the data; shards partition the batches`, () => {
    const forward = [0, 1, 2, 3].map((i) => digest(task.batch('train', i, opts(2))));
    const backward = [3, 2, 1, 0].map((i) => digest(task.batch('train', i, opts(2)))).reverse();
    assert.deepEqual(backward, forward);
    // Sequence j is the same whether it sits in a batch of 4 or of 8.
    const small = task.batch('train', 1, opts(2, 4));
    const big = task.batch('train', 0, opts(2, 8));
    for (let t = 0; t < Math.min(small.T, big.T); t++) {
      for (let b = 0; b < 4; b++) {
        assert.equal(small.targets[t * 4 + b], big.targets[t * 8 + 4 + b]);
        assert.equal(small.mask[t * 4 + b], big.mask[t * 8 + 4 + b]);
      }
    }
    const all = [...task.batches('valid', opts(3, 2))].map(digest);
    const shards = [0, 1, 2].map((index) => [...task.batches('valid', { ...opts(3, 2), shard: { index, count: 3 } })].map(digest));
    assert.deepEqual(shards.flat().sort(), [...all].sort());
    assert.deepEqual(shards[1], [all[1], all[4]]);
    // Skipping the first k batches (a run continued from a checkpoint) leaves the rest unchanged.
    assert.deepEqual([...iterateBatches(task, 'valid', opts(3, 2), 2)].map(digest), all.slice(2));
    assert.deepEqual([...iterateBatches(task, 'valid', { ...opts(3, 2), shard: { index: 1, count: 3 } }, 1)].map(digest), [all[4]]);
  });

  test(`${name}: batch format`, () => {
    for (const split of SPLITS) {
      const b = task.batch(split, 0, opts(1));
      assert.equal(b.kind, 'tokens');
      assert.equal(b.carry, false);
      assert.ok(b.T >= 6 && b.T <= task.maxSteps!);
      assert.equal(b.inputs.length, b.T * b.B);
      assert.equal(b.targets.length, b.T * b.B);
      assert.equal(b.mask.length, b.T * b.B);
      for (let p = 0; p < b.T * b.B; p++) {
        assert.ok(b.mask[p] === 0 || b.mask[p] === 1);
        assert.ok(b.inputs[p] >= 0 && b.inputs[p] < task.vocab.length);
        assert.ok(b.targets[p] >= 0 && b.targets[p] < task.vocab.length);
      }
      assert.ok(b.mask.some((m) => m === 1), 'something is scored');
    }
  });
}

test('two worker threads building alternate shards get the batches a single process builds', async () => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { register } = await import('tsx/esm/api');
      register();
      const { getTask } = await import(workerData.registry);
      const { createHash } = await import('node:crypto');
      const out = [];
      for (const [name, options] of workerData.tasks) {
        const task = getTask(name, options);
        for (const b of task.batches('valid', workerData.opts)) {
          const h = createHash('sha256');
          h.update(b.kind + ' ' + b.T + ' ' + b.B + ' ' + b.carry);
          for (const a of [b.inputs, b.targets, b.mask]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
          out.push(h.digest('hex'));
        }
      }
      parentPort.postMessage(out);
    })().catch((e) => { throw e; });
  `;
  const registry = new URL('./registry.ts', import.meta.url).href;
  const run = (shard: { index: number; count: number }) =>
    new Promise<string[]>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { registry, tasks: SYNTHETIC, opts: { ...opts(11, 3), shard } } });
      w.once('message', (m: string[]) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    });
  const [even, odd] = await Promise.all([run({ index: 0, count: 2 }), run({ index: 1, count: 2 })]);
  const local = SYNTHETIC.map(([name, options]) => [...getTask(name, options).batches('valid', opts(11, 3))].map(digest));
  const expected = local.flatMap((ds) => ds.filter((_, i) => i % 2 === 0));
  const expectedOdd = local.flatMap((ds) => ds.filter((_, i) => i % 2 === 1));
  assert.deepEqual(even, expected);
  assert.deepEqual(odd, expectedOdd);
});
