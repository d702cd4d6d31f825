// The data of a task is a function of (options, seed, split, index) only: the same in any order,
// any process, any number of workers, and never dependent on the batch size for the sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Batch } from '../cells/engine/batch.ts';
import { permutation, rngFor } from './random.ts';
import { getTask } from './registry.ts';
import { BATCHINGS, type Batching } from './sequences.ts';
import { iterateBatches, SPLITS, type BatchOptions, type Split, type Task } from './task.ts';

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

/**
 * The streams of a token batch: each one's real steps (padding is all zeros: input, target and
 * mask), scored steps and a key naming its tokens; null if empty.
 */
function streams(b: Batch): ({ length: number; scored: number; key: string } | null)[] {
  return Array.from({ length: b.B }, (_, s) => {
    let length = 0, scored = 0;
    for (let t = 0; t < b.T; t++) {
      const p = t * b.B + s;
      if (b.mask[p] || b.inputs[p] || b.targets[p]) length = t + 1;
      scored += b.mask[p];
    }
    if (length === 0) return null;
    const tokens = [b.inputs[s]];
    for (let t = 0; t < length; t++) tokens.push(b.targets[t * b.B + s]);
    return { length, scored, key: tokens.join(',') };
  });
}

const opts = (seed: number, batchSize = 4): BatchOptions => ({ seed, batchSize, unroll: 6 });

// Batchings of independent sequences ('stream' concatenates them: tasks/streams.test.ts).
const INDEPENDENT = BATCHINGS.filter((b): b is Exclude<Batching, 'stream'> => b !== 'stream');

for (const [name, base] of SYNTHETIC) for (const batching of INDEPENDENT) {
  const options = { ...base, batching };
  const task: Task = getTask(name, options);
  const label = `${name} (${batching})`;

  test(`${label}: same seed, same data; another seed or split, other data`, () => {
    for (const split of SPLITS) {
      assert.equal(digest(task.batch(split, 1, opts(5))), digest(getTask(name, options).batch(split, 1, opts(5))));
      assert.notEqual(digest(task.batch(split, 1, opts(5))), digest(task.batch(split, 1, opts(6))));
    }
    assert.notEqual(digest(task.batch('valid', 0, opts(5))), digest(task.batch('test', 0, opts(5))));
    assert.notEqual(digest(task.batch('train', 0, opts(5))), digest(task.batch('valid', 0, opts(5))));
    assert.notEqual(digest(task.batch('train', 0, opts(5))), digest(task.batch('train', 1, opts(5))));
  });

  test(`${label}: valid/test are finite and identical on every pass; train is endless`, () => {
    assert.equal(task.numBatches('valid', opts(1)), 3);
    assert.equal(task.numBatches('test', opts(1)), 2);
    assert.equal(task.numBatches('train', opts(1)), Infinity);
    const pass = () => [...task.batches('valid', opts(1))].map(digest);
    assert.deepEqual(pass(), pass());
    assert.equal(pass().length, 3);
    // 10 sequences in 3 batches of 4: 2 empty streams (mask 0); plain batching puts them last.
    const empty = [...task.batches('valid', opts(1))].flatMap((b) => streams(b).filter((s) => s === null));
    assert.equal(empty.length, 2);
    if (batching === 'plain') {
      const last = task.batch('valid', 2, opts(1));
      for (let t = 0; t < last.T; t++) assert.ok(last.mask[t * 4 + 2] === 0 && last.mask[t * 4 + 3] === 0);
    }
    assert.throws(() => task.batch('valid', 3, opts(1)), RangeError);
    const train = task.batches('train', opts(1));
    for (let i = 0; i < 50; i++) assert.equal(train.next().done, false);
  });

  test(`${label}: batches are a pure function of their index, whatever was built before; shards partition the batches`, () => {
    // Three chunks of bucketing (16 batches each), built in order by one task, and in a shuffled
    // order, interleaved with other splits and seeds, by another.
    const indices = Array.from({ length: 40 }, (_, i) => i);
    const forward = indices.map((i) => digest(task.batch('train', i, opts(2))));
    const other = getTask(name, options);
    const shuffled = Array.from(permutation(indices.length, rngFor('order')));
    const built = new Array<string>(indices.length);
    for (const i of shuffled) {
      other.batch('valid', i % 3, opts(2));
      other.batch('train', i, opts(3));
      built[i] = digest(other.batch('train', i, opts(2)));
    }
    assert.deepEqual(built, forward);
    const all = [...task.batches('valid', opts(3, 2))].map(digest);
    const shards = [0, 1, 2].map((index) => [...task.batches('valid', { ...opts(3, 2), shard: { index, count: 3 } })].map(digest));
    assert.deepEqual(shards.flat().sort(), [...all].sort());
    assert.deepEqual(shards[1], [all[1], all[4]]);
    // Skipping the first k batches (a run continued from a checkpoint) leaves the rest unchanged.
    assert.deepEqual([...iterateBatches(task, 'valid', opts(3, 2), 2)].map(digest), all.slice(2));
    assert.deepEqual([...iterateBatches(task, 'valid', { ...opts(3, 2), shard: { index: 1, count: 3 } }, 1)].map(digest), [all[4]]);
  });

  if (batching === 'plain') {
    test(`${label}: batch i holds sequences iB..iB+B-1, the same in a batch of 4 or of 8`, () => {
      const small = task.batch('train', 1, opts(2, 4));
      const big = task.batch('train', 0, opts(2, 8));
      for (let t = 0; t < Math.min(small.T, big.T); t++) {
        for (let b = 0; b < 4; b++) {
          assert.equal(small.targets[t * 4 + b], big.targets[t * 8 + 4 + b]);
          assert.equal(small.mask[t * 4 + b], big.mask[t * 8 + 4 + b]);
        }
      }
    });
  }

  test(`${label}: batch format`, () => {
    for (const split of SPLITS) {
      const b = task.batch(split, 0, opts(1));
      assert.equal(b.kind, 'tokens');
      assert.equal(b.carry, false);
      assert.ok(b.T <= task.maxSteps!);
      // Plain: unroll (6) is a minimum. Bucket: the batch is as long as its longest sequence.
      if (batching === 'plain') assert.ok(b.T >= 6);
      else assert.equal(b.T, Math.max(...streams(b).map((s) => s?.length ?? 0)));
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

/** The sequences of a bucketed split's batches, against plain batching's (batch i: sequences iB..iB+B-1). */
function sequencesOf(name: string, options: object, split: Split, batches: number, o: BatchOptions): { bucket: string[]; plain: string[] } {
  const of = (batching: Batching) => {
    const task = getTask(name, { ...options, batching });
    return Array.from({ length: batches }, (_, i) => streams(task.batch(split, i, o)))
      .flat().filter((s) => s !== null).map((s) => s.key).sort();
  };
  return { bucket: of('bucket'), plain: of('plain') };
}

for (const [name, base] of SYNTHETIC) {
  test(`${name}: bucketing holds every sequence exactly once; a prefix of 4k batches of a finite split holds the same sequences as plain batching`, () => {
    // 29 sequences in 15 batches of 2 (the last one half empty): chunks of 4, 4, 4 and 3 batches.
    const options = { ...base, validSize: 29 };
    const o = opts(8, 2);
    assert.equal(getTask(name, options).numBatches('valid', o), 15);
    for (const prefix of [4, 8, 15]) {
      const { bucket, plain } = sequencesOf(name, options, 'valid', prefix, o);
      assert.deepEqual(bucket, plain);
      assert.equal(bucket.length, Math.min(29, 2 * prefix));
    }
    // Train: whole chunks of 16 batches hold the sequences that plain batching puts in them.
    const train = sequencesOf(name, base, 'train', 32, opts(8, 3));
    assert.deepEqual(train.bucket, train.plain);
    assert.equal(train.bucket.length, 96);
  });
}

test('bucketing cuts the padding: fewer computed positions for the same real and scored ones', () => {
  // The small preset's xml and memorize, batch 20, unroll 35, over 3 chunks of training batches
  // and the whole validation split.
  const o: BatchOptions = { seed: 1, batchSize: 20, unroll: 35 };
  const count = (name: string, options: object, split: Split, n: number) => {
    const task = getTask(name, options);
    let computed = 0, real = 0, scored = 0;
    for (let i = 0; i < n; i++) {
      const b = task.batch(split, i, o);
      computed += b.T * b.B;
      for (const s of streams(b)) if (s) { real += s.length; scored += s.scored; }
    }
    return { computed, real, scored };
  };
  for (const [name, options, split, n, atMost] of [
    ['xml', { maxIterations: 25, validSize: 1000 }, 'train', 48, 0.4],
    ['xml', { maxIterations: 25, validSize: 1000 }, 'valid', 50, 0.6],
    ['memorize', { length: 5 }, 'train', 48, 10 / 35],
    ['arithmetic', { maxDigits: 5 }, 'train', 48, 0.6],
  ] as const) {
    const plain = count(name, { ...options, batching: 'plain' }, split, n);
    const bucket = count(name, { ...options, batching: 'bucket' }, split, n);
    assert.equal(bucket.real, plain.real, `${name} ${split}: the same sequences`);
    assert.equal(bucket.scored, plain.scored, `${name} ${split}: the same scored positions`);
    assert.ok(bucket.computed <= atMost * plain.computed, `${name} ${split}: ${bucket.computed} computed positions against ${plain.computed}`);
  }
});

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
