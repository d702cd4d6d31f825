// Stream batching (tasks/sequences.ts, `batching: 'stream'`): sequences concatenated into B
// streams read `unroll` steps at a time with the state carried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Batch } from '../cells/engine/batch.ts';
import { permutation, rngFor } from './random.ts';
import { getTask } from './registry.ts';
import type { BatchOptions, Split } from './task.ts';

const SYNTHETIC = [
  ['arithmetic', { validSize: 13, testSize: 7 }],
  ['xml', { maxIterations: 8, validSize: 13, testSize: 7 }],
  ['memorize', { validSize: 13, testSize: 7 }],
] as const;

/** Sequence j of a split, as plain batching with one stream gives it: its tokens, and whether each is a scored target. */
function sequence(name: string, options: object, split: Split, seed: number, j: number): { tokens: number[]; scored: number[] } {
  const b = getTask(name, { ...options, batching: 'plain' }).batch(split, j, { seed, batchSize: 1, unroll: 1 });
  let length = 0;
  for (let t = 0; t < b.T; t++) if (b.mask[t] || b.inputs[t] || b.targets[t]) length = t + 1;
  return { tokens: [b.inputs[0], ...Array.from(b.targets.subarray(0, length))], scored: [0, ...Array.from(b.mask.subarray(0, length))] };
}

/** Stream b of a split: its sequences b, b+B, ... end to end, and the scored flag of each step as a target. */
function expectedStream(name: string, options: object, split: Split, o: BatchOptions, b: number, count: number) {
  const tokens: number[] = [], scored: number[] = [];
  for (let j = b; j < count; j += o.batchSize) {
    const s = sequence(name, options, split, o.seed, j);
    tokens.push(...s.tokens);
    scored.push(...s.scored);
  }
  return { tokens, scored };
}

const digest = (b: Batch) => JSON.stringify([b.T, b.B, b.carry, Array.from(b.inputs), Array.from(b.targets), Array.from(b.mask)]);

for (const [name, base] of SYNTHETIC) {
  const options = { ...base, batching: 'stream' } as const;

  test(`${name} (stream): every stream is its sequences end to end, scored exactly where the sequences are, padded with mask 0`, () => {
    const o: BatchOptions = { seed: 4, batchSize: 3, unroll: 5 };
    const task = getTask(name, options);
    const batches = [...task.batches('valid', o)];
    const wanted = [0, 1, 2].map((b) => expectedStream(name, base, 'valid', o, b, 13));
    const longest = Math.max(...wanted.map((w) => w.tokens.length));
    assert.equal(batches.length, Math.ceil((longest - 1) / 5));
    for (let b = 0; b < 3; b++) {
      const w = wanted[b];
      for (let p = 0; p < batches.length * 5; p++) {
        const batch = batches[Math.floor(p / 5)], at = (p % 5) * 3 + b;
        const real = p + 1 < w.tokens.length;
        assert.equal(batch.inputs[at], real ? w.tokens[p] : 0, `stream ${b} step ${p}: input`);
        assert.equal(batch.targets[at], real ? w.tokens[p + 1] : 0, `stream ${b} step ${p}: target`);
        assert.equal(batch.mask[at], real ? w.scored[p + 1] : 0, `stream ${b} step ${p}: mask`);
      }
    }
    // The same scored targets as the independent batchings, over the whole split.
    const scored = (bs: Batch[]) => bs.reduce((n, x) => n + x.mask.reduce((a, m) => a + m, 0), 0);
    assert.equal(scored(batches), scored([...getTask(name, base).batches('valid', o)]));
    assert.throws(() => task.batch('valid', batches.length, o), RangeError);
  });

  test(`${name} (stream): T is the unroll; the state is carried except at the start of a pass`, () => {
    const task = getTask(name, options);
    const o: BatchOptions = { seed: 2, batchSize: 4, unroll: 7 };
    for (const split of ['train', 'valid', 'test'] as const) {
      const bs = Array.from({ length: Math.min(6, task.numBatches(split, o)) }, (_, i) => task.batch(split, i, o));
      assert.ok(bs.length >= 3, split);
      assert.deepEqual(bs.map((b) => b.carry), bs.map((_, i) => i > 0), split);
      for (const b of bs) assert.equal(b.T, 7);
    }
    assert.equal(task.numBatches('train', o), Infinity);
    // A pass of valid starts over, from a zero state.
    const pass = () => [...task.batches('valid', o)].map(digest);
    assert.deepEqual(pass(), pass());
  });

  test(`${name} (stream): a batch is a pure function of its index, whatever was built before; another seed or split, other data`, () => {
    const o: BatchOptions = { seed: 6, batchSize: 3, unroll: 6 };
    const task = getTask(name, options);
    const forward = Array.from({ length: 40 }, (_, i) => digest(task.batch('train', i, o)));
    // A fresh task asked for batch 39 first (a run resumed from a checkpoint), then the rest in a
    // shuffled order interleaved with other splits, seeds and batch sizes.
    const other = getTask(name, options);
    const built = new Array<string>(40);
    built[39] = digest(other.batch('train', 39, o));
    for (const i of permutation(39, rngFor('order'))) {
      other.batch('valid', i % 3, o);
      other.batch('train', i, { ...o, seed: 7 });
      other.batch('train', i, { ...o, batchSize: 2 });
      built[i] = digest(other.batch('train', i, o));
    }
    assert.deepEqual(built, forward);
    assert.notEqual(digest(task.batch('train', 1, o)), digest(task.batch('train', 1, { ...o, seed: 7 })));
    assert.notEqual(digest(task.batch('valid', 0, o)), digest(task.batch('test', 0, o)));
    // The train streams are the train sequences b, b+B, ... as the other batchings draw them.
    const w = expectedStream(name, base, 'train', o, 1, 3 * 12);
    const first = [0, 1].map((i) => task.batch('train', i, o));
    for (let p = 0; p < 12; p++) assert.equal(first[Math.floor(p / 6)].inputs[(p % 6) * 3 + 1], w.tokens[p]);
  });
}

test('arithmetic (stream): the result characters and the end marker are scored, nothing of the next problem', () => {
  const task = getTask('arithmetic', { batching: 'stream' });
  const o: BatchOptions = { seed: 1, batchSize: 2, unroll: 40 };
  const vocab = task.vocab;
  const b = task.batch('train', 0, o);
  let afterEquals = false, sawNext = false;
  for (let t = 0; t < b.T; t++) {
    const input = vocab[b.inputs[t * 2]], target = vocab[b.targets[t * 2]];
    if (input === '=') afterEquals = true;
    // Scored: a target after `=` of the same problem; the `.` ends it, and the next problem's first symbol is not scored.
    assert.equal(b.mask[t * 2], afterEquals ? 1 : 0, `step ${t}: ${input} -> ${target}`);
    if (target === '.') afterEquals = false;
    if (input === '.') sawNext = true;
  }
  assert.ok(sawNext, 'a window of 40 steps reaches the second problem');
});
