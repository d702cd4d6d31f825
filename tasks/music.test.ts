import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUserError } from '../errors.ts';
import { asJsbFile, jsbFileProblem } from './jsb-check.ts';
import { JsbFileSchema } from './jsb-file.ts';
import { KEY_NAMES, KEYS, LOWEST_KEY, pianoRoll } from './music.ts';
import { getTask } from './registry.ts';

const repoRoot = new URL('..', import.meta.url).pathname;
const realJsb = join(repoRoot, '..', 'shared', 'data', 'jsb');

const C = [60, 64, 67], F = [65, 69, 72], G = [67, 71, 74];
const tiny = {
  train: [[C, F, G, C], [F, [], G], [G, C], [C, C, F]],
  valid: [[C, G, C]],
  test: [[F, F], [G, G, C]],
};

function writeJson(value: unknown, name = 'jsb-chorales-quarter.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'jsb-'));
  writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return dir;
}

test('piano rolls: 88 keys from A0 (MIDI 21) to C8', () => {
  assert.equal(KEY_NAMES.length, KEYS);
  assert.equal(KEY_NAMES[0], 'A0');
  assert.equal(KEY_NAMES[60 - LOWEST_KEY], 'C4');
  assert.equal(KEY_NAMES[KEYS - 1], 'C8');
  const r = pianoRoll([C, []]);
  assert.equal(r.roll.length, 2 * KEYS);
  assert.deepEqual([...r.roll.keys()].filter((i) => r.roll[i]), C.map((m) => m - LOWEST_KEY));
});

test('a tiny JSB file: sizes, multi-hot batches, next step as target, padding unscored', () => {
  const dir = writeJson(tiny);
  const task = getTask('music', { dataDir: dir });
  assert.equal(task.output, 'sigmoid');
  assert.equal(task.metric, 'nll');
  assert.deepEqual(task.sizes(), { unit: 'pieces', train: 4, valid: 1, test: 2 });
  assert.equal(task.maxSteps, 3);
  const o = { seed: 1, batchSize: 2, unroll: 2 };
  assert.equal(task.numBatches('test', o), 1);
  const b = task.batch('test', 0, o);
  if (b.kind !== 'multihot') throw new Error('multi-hot batch expected');
  assert.equal(b.T, 2); // the longest test piece has 3 steps
  assert.equal(b.inputs.length, 2 * 2 * KEYS);
  const on = (a: Float32Array, t: number, s: number) =>
    [...Array(KEYS).keys()].filter((v) => a[(t * 2 + s) * KEYS + v] === 1).map((v) => v + LOWEST_KEY);
  assert.deepEqual(on(b.inputs, 0, 0), F);
  assert.deepEqual(on(b.targets, 0, 0), F);
  assert.deepEqual(on(b.inputs, 1, 1), G);
  assert.deepEqual(on(b.targets, 1, 1), C);
  assert.deepEqual(Array.from(b.mask), [1, 1, 0, 1]);
  // The same file given as the file itself.
  const same = getTask('music', { dataDir: join(dir, 'jsb-chorales-quarter.json') }).batch('test', 0, o);
  assert.deepEqual(same, b);
});

test('train (plain batching): endless, every piece once per epoch in a seeded order', () => {
  const task = getTask('music', { dataDir: writeJson(tiny), batching: 'plain' });
  const o = { seed: 3, batchSize: 1, unroll: 1 };
  const firstStep = (i: number, seed = 3) => {
    const b = task.batch('train', i, { ...o, seed });
    return Array.from(b.inputs).indexOf(1) + 1000 * (b.T + 1);
  };
  const epoch = (e: number, seed = 3) => [0, 1, 2, 3].map((i) => firstStep(4 * e + i, seed));
  const pieces = tiny.train.map((p) => p[0].length ? p[0][0] - LOWEST_KEY + 1000 * Math.max(1, p.length) : 0);
  for (const e of [0, 1, 2]) assert.deepEqual([...epoch(e)].sort(), [...pieces].sort());
  const orders = new Set([0, 1, 2, 3, 4, 5].map((e) => epoch(e).join()));
  assert.ok(orders.size > 1, 'epochs are shuffled differently');
  assert.deepEqual(epoch(2), epoch(2));
  assert.equal(task.numBatches('train', o), Infinity);
  const seeds = new Set([1, 2, 3, 4, 5].map((s) => epoch(0, s).join()));
  assert.ok(seeds.size > 1, 'the seed changes the order');
});

test('train (bucket batching): a chunk of 16 batches of 2 holds the 32 pieces of its 8 epochs, each batch as long as its pieces', () => {
  const dir = writeJson(tiny);
  const o = { seed: 3, batchSize: 2, unroll: 5 };
  // A batch's pieces: the first step's lowest note and the piece's length (T + 1 when it is the longest).
  const pieces = (batching: 'bucket' | 'plain') => {
    const task = getTask('music', { dataDir: dir, batching });
    return Array.from({ length: 16 }, (_, i) => task.batch('train', i, o)).flatMap((b) => [0, 1].map((s) => {
      let steps = 0;
      for (let t = 0; t < b.T; t++) if (b.mask[t * 2 + s]) steps = t + 2;
      return `${Array.from(b.inputs.subarray(s * KEYS, (s + 1) * KEYS)).indexOf(1) + LOWEST_KEY}:${steps}`;
    })).sort();
  };
  assert.deepEqual(pieces('bucket'), pieces('plain'));
  const task = getTask('music', { dataDir: dir });
  for (let i = 0; i < 16; i++) {
    const b = task.batch('train', i, o);
    assert.equal(b.T, Math.max(...[0, 1].map((s) => Array.from({ length: b.T }, (_, t) => b.mask[t * 2 + s] ? t + 1 : 0).reduce((x, y) => Math.max(x, y)))), 'no step beyond the longest piece');
  }
});

test('missing or malformed data: a UserError naming the file (and the entry)', () => {
  assert.throws(() => getTask('music', {}, {}), (e) => isUserError(e) && /--data-dir/.test(e.message));
  const missing = join(tmpdir(), 'no-such-jsb');
  assert.throws(() => getTask('music', { dataDir: missing }), (e) => isUserError(e) && e.message.includes(missing));
  const wrongName = writeJson(tiny, 'other.json');
  assert.throws(() => getTask('music', { dataDir: wrongName }), (e) => isUserError(e) && e.message.includes(join(wrongName, 'jsb-chorales-quarter.json')));
  const notJson = writeJson('{"train": [');
  assert.throws(() => getTask('music', { dataDir: notJson }), (e) => isUserError(e) && /jsb-chorales-quarter\.json: not valid JSON/.test(e.message));
  const badNote = writeJson({ ...tiny, valid: [[C, [60, 200]]] });
  assert.throws(() => getTask('music', { dataDir: badNote }), (e) => isUserError(e) && /at \.valid\[0\]\[1\]\[1\]/.test(e.message));
  const noTest = writeJson({ train: tiny.train, valid: tiny.valid });
  assert.throws(() => getTask('music', { dataDir: noTest }), (e) => isUserError(e) && /\.test/.test(e.message));
  // JSB_DIR is the default, and the registry parses options.
  assert.equal(getTask('music', {}, { JSB_DIR: writeJson(tiny) }).sizes().train, 4);
  assert.throws(() => getTask('music', { resolution: 'half' }), (e) => isUserError(e) && /resolution/.test(e.message));
});

test('the JSB file check (no zod, for worker threads) accepts and refuses what JsbFileSchema does, naming its first bad entry', () => {
  const piece = (...steps: unknown[]) => steps;
  const cases: unknown[] = [
    tiny,
    { ...tiny, extra: 1 },
    { train: tiny.train, valid: tiny.valid },
    { train: [], valid: tiny.valid, test: tiny.test },
    { ...tiny, valid: [piece(C)] },
    { ...tiny, valid: [piece(C, [60, 20])] },
    { ...tiny, valid: [piece(C, [60, 109])] },
    { ...tiny, valid: [piece(C, [60, 21])] },
    { ...tiny, valid: [piece(C, [60, 108])] },
    { ...tiny, valid: [piece(C, [60.5])] },
    { ...tiny, valid: [piece(C, ['60'])] },
    { ...tiny, valid: [piece(C, 60)] },
    { ...tiny, test: [C] },
    { ...tiny, test: 'x' },
    { ...tiny, test: [[[], []]] },
    { ...tiny, train: [piece(C, [null])] },
    [tiny],
    null,
    'jsb',
  ];
  for (const json of cases) {
    const schema = JsbFileSchema.safeParse(json);
    const problem = jsbFileProblem(json);
    assert.equal(problem === undefined, schema.success, `${JSON.stringify(json)}: ${problem?.message}`);
    if (schema.success) assert.deepEqual(asJsbFile(json as object), schema.data);
    else assert.deepEqual(problem!.path, schema.error.issues[0].path, JSON.stringify(json));
  }
});

test('the real JSB Chorales, when ../shared/data/jsb exists: 229 / 76 / 77 pieces', { skip: !existsSync(realJsb) && 'no ../shared/data/jsb' }, () => {
  const task = getTask('music', { dataDir: realJsb });
  assert.deepEqual(task.sizes(), { unit: 'pieces', train: 229, valid: 76, test: 77 });
  const o = { seed: 1, batchSize: 16, unroll: 20 };
  assert.equal(task.numBatches('test', o), 5);
  let steps = 0;
  for (const b of task.batches('test', o)) steps += b.mask.reduce((a, m) => a + m, 0);
  assert.equal(steps, 4725 - 77, 'every step but the first of each piece is scored');
});

test('stream batching: the pieces end to end in carried streams, the first step of each piece unscored', () => {
  const task = getTask('music', { dataDir: writeJson(tiny), batching: 'stream' });
  // Test: stream 0 is piece 0 then nothing (2 steps), stream 1 piece 1 (3 steps); unroll 1.
  const o = { seed: 1, batchSize: 2, unroll: 1 };
  assert.equal(task.numBatches('test', o), 2);
  const [b0, b1] = [0, 1].map((i) => task.batch('test', i, o));
  if (b0.kind !== 'multihot' || b1.kind !== 'multihot') throw new Error('multi-hot batches expected');
  assert.deepEqual([b0.T, b0.carry, b1.carry], [1, false, true]);
  assert.deepEqual([Array.from(b0.mask), Array.from(b1.mask)], [[1, 1], [0, 1]]);
  const on = (a: Float32Array, s: number) => [...Array(KEYS).keys()].filter((v) => a[s * KEYS + v] === 1).map((v) => v + LOWEST_KEY);
  assert.deepEqual([on(b1.inputs, 1), on(b1.targets, 1)], [G, C]);
  // Train: stream 0 holds the epoch's pieces 0, 2, 4, ...; a piece's first step (after the end of the one before) is not scored.
  const long = { seed: 1, batchSize: 2, unroll: 20 };
  const t = task.batch('train', 0, long);
  const scored = Array.from({ length: 20 }, (_, s) => t.mask[s * 2]).reduce((a, m) => a + m, 0);
  assert.ok(scored < 20 && scored > 10, `stream 0 scores ${scored} of 20 steps`);
});
