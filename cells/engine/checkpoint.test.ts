// Checkpoints: a run stopped at step k and continued from its checkpoint (through its bytes)
// equals an uninterrupted run bit for bit; a damaged, foreign or misfitting checkpoint is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooCell } from '../zoo/index.ts';
import type { Cell } from '../graph.ts';
import type { TokenBatch } from './batch.ts';
import { compileModel } from './compile.ts';
import type { Model } from './model.ts';
import { nativeStatus } from './native.ts';
import type { ModelOptionsInput } from './options.ts';
import { train, type TrainOptionsInput, type TrainResult } from './train.ts';
import { encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { decodeCheckpoint } from './checkpoint-decode.ts';
import { randomTokenBatch } from './testing.ts';

const GRU = zooCell('gru');
const LSTM = zooCell('lstm');
const V = 6, B = 3;

/** Training batch i: a pure function of i, as a task's are; T varies so that buffers grow mid-run. */
const trainBatch = (i: number, carry: boolean): TokenBatch =>
  randomTokenBatch(`train-${i}`, carry ? 4 : 3 + (i % 3), B, V, { maskProb: 0.9, carry: carry && i > 0 });
function* batchesFrom(position: number, carry: boolean): Generator<TokenBatch> {
  for (let i = position; ; i++) yield trainBatch(i, carry);
}
const valid = () => [randomTokenBatch('valid-0', 4, B, V), randomTokenBatch('valid-1', 5, B, V)];

interface Case {
  cell?: Cell;
  model: ModelOptionsInput;
  train: Omit<TrainOptionsInput, 'maxSteps'>;
  carry?: boolean;
}

const bytes = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function trainTo(c: Case, maxSteps: number, resume?: Checkpoint): { model: Model; result: TrainResult } {
  const model = compileModel(c.cell ?? GRU, c.model);
  const result = train(model, { train: batchesFrom(resume?.position ?? 0, c.carry ?? false), valid }, { ...c.train, maxSteps }, { resume, checkpoint: true });
  return { model, result };
}

/** Trains to each cut in turn, each time from the previous run's checkpoint passed through its bytes. */
function inSegments(c: Case, cuts: number[]): { model: Model; result: TrainResult; checkpoints: Checkpoint[] } {
  let resume: Checkpoint | undefined;
  let last!: { model: Model; result: TrainResult };
  const checkpoints: Checkpoint[] = [];
  for (const k of cuts) {
    last = trainTo(c, k, resume);
    resume = decodeCheckpoint(encodeCheckpoint(last.result.checkpoint!));
    checkpoints.push(resume);
  }
  return { ...last, checkpoints };
}

function assertSameRun(c: Case, cuts: number[]): { whole: TrainResult; checkpoints: Checkpoint[] } {
  const N = cuts[cuts.length - 1];
  const whole = trainTo(c, N);
  const parts = inSegments(c, cuts);
  assert.ok(bytes(parts.model.params).equals(bytes(whole.model.params)), 'weights (after restoreBest) differ');
  const { checkpoint: a, ...wholeRest } = whole.result;
  const { checkpoint: b, ...partsRest } = parts.result;
  assert.deepStrictEqual(partsRest, wholeRest, 'curve, best, lr, steps or reason differ');
  // The end checkpoints hold everything else: optimiser buffers, generators, carried state, position.
  assert.ok(encodeCheckpoint(b!).equals(encodeCheckpoint(a!)), 'end checkpoints differ');
  return { whole: whole.result, checkpoints: parts.checkpoints };
}

const regularised = { dropout: 0.3, inputNoise: 0.2, kernels: 'js', hidden: 5, vocab: V, seed: 3 } as const;

test('continuing equals an uninterrupted run: float32, SGD, dropout and input noise, cut off the evaluation grid', () => {
  const { whole } = assertSameRun({ model: { ...regularised, layers: 2 }, train: { evalEvery: 4 } }, [5, 11]);
  assert.deepEqual(whole.curve.map((p) => p.step), [4, 8, 11]);
});

test('continuing equals an uninterrupted run: float64, Nesterov momentum, cut on the evaluation grid', () => {
  assertSameRun({ model: { ...regularised, dtype: 'float64', optimizer: { kind: 'momentum', lr: 0.3, nesterov: true } }, train: { evalEvery: 4 } }, [8, 12]);
});

test('continuing equals an uninterrupted run: Adam with the learning rate halved between the cut and the end', () => {
  const c: Case = { model: { ...regularised, optimizer: { kind: 'adam', lr: 0.3 } }, train: { evalEvery: 2, schedule: { patience: 1, maxHalvings: 10 } } };
  const { whole, checkpoints } = assertSameRun(c, [3, 14]);
  assert.equal(checkpoints[0].lr, 0.3, 'no halving before the cut');
  assert.equal(checkpoints[0].loop.halvings, 0);
  assert.ok(whole.lr < 0.3, `the rate is halved after the cut (ends at ${whole.lr})`);
});

test('continuing equals an uninterrupted run: carried state across batches, several continuations, an LSTM', () => {
  const c: Case = { cell: LSTM, carry: true, model: { ...regularised, optimizer: { kind: 'momentum', lr: 0.2 } }, train: { evalEvery: 3 } };
  const { checkpoints } = assertSameRun(c, [2, 5, 9, 13]);
  assert.ok(checkpoints.every((k) => k.carried !== null && k.carried.values[0].length === 2), 'the carried h and c are in the checkpoint');
  assert.deepEqual(checkpoints.map((k) => k.position), [2, 5, 9, 13]);
  // Without the carried state the continuation differs: the test would see a lost state.
  const lost = { ...checkpoints[1], carried: null };
  const on = trainTo(c, 9, lost);
  assert.ok(!bytes(on.model.params).equals(bytes(trainTo(c, 9, checkpoints[1]).model.params)));
});

test('continuing equals an uninterrupted run on the default kernels (C when available)', () => {
  // B*H = 288: past AUTO_C_MIN_ELEMENTS, so the default kernels take the C route when the addon loads.
  const c: Case = { model: { ...regularised, hidden: 96, kernels: 'auto', optimizer: { kind: 'adam', lr: 0.01 } }, train: { evalEvery: 2 } };
  assert.equal(compileModel(GRU, c.model).route(B), nativeStatus.loaded ? 'c' : 'js');
  assertSameRun(c, [3, 5]);
});

test('a run that ended for good (schedule exhausted) stays ended when continued', () => {
  // So small a rate that float32 parameters cannot move: the validation loss is flat.
  const c: Case = { model: { hidden: 4, vocab: V, kernels: 'js', optimizer: { kind: 'sgd', lr: 1e-30 } }, train: { evalEvery: 2, schedule: { patience: 1, maxHalvings: 1 } } };
  const { whole, checkpoints } = assertSameRun(c, [10, 20]);
  assert.equal(whole.reason, 'schedule');
  assert.equal(whole.steps, 6);
  assert.equal(checkpoints[0].loop.ended, 'schedule');
});

test('a checkpoint survives its bytes unchanged and stores a best equal to the weights once', () => {
  const c: Case = { model: { hidden: 64, vocab: 40, kernels: 'js', seed: 2 }, train: { evalEvery: 2 } };
  const { model, result } = trainTo(c, 2);
  const buf = encodeCheckpoint(result.checkpoint!);
  assert.ok(encodeCheckpoint(decodeCheckpoint(buf)).equals(buf));
  // A GRU at H=64, V=40: the weights as raw float32 plus a small header; the best (step 2, the
  // last) is not stored a second time.
  const weights = model.params.byteLength;
  assert.ok(buf.length > weights && buf.length < weights + 4096, `${buf.length} bytes for ${weights} bytes of weights`);
  // A decoded checkpoint shares no memory with the bytes it came from.
  const d = decodeCheckpoint(buf);
  buf.fill(0);
  assert.ok(bytes(d.params).equals(bytes(result.checkpoint!.params)));
});

test('a damaged, foreign, other-version or misfitting checkpoint is refused with a clear error', () => {
  const c: Case = { model: { ...regularised, optimizer: { kind: 'adam', lr: 0.1 } }, train: { evalEvery: 2 } };
  const good = encodeCheckpoint(trainTo(c, 3).result.checkpoint!);
  const flipped = Buffer.from(good);
  flipped[flipped.length >> 1] ^= 1;
  assert.throws(() => decodeCheckpoint(flipped), /checksum does not match/);
  assert.throws(() => decodeCheckpoint(good.subarray(0, good.length - 10)), /checksum does not match/);
  assert.throws(() => decodeCheckpoint(Buffer.from('{"step": 3}')), /checkpoint mark/);
  assert.throws(() => decodeCheckpoint(new Uint8Array(0)), /checkpoint mark/);
  const other = Buffer.from(good);
  other.writeUInt32LE(99, 4);
  assert.throws(() => decodeCheckpoint(other), /version 99, this engine reads version 1/);

  const checkpoint = decodeCheckpoint(good);
  const resumeInto = (over: Partial<Case>) => () => trainTo({ ...c, ...over }, 6, checkpoint);
  assert.throws(resumeInto({ model: { ...c.model, hidden: 6 } }), /does not fit the model: hidden: the checkpoint's is 5, the model's 6/);
  assert.throws(resumeInto({ model: { ...c.model, dtype: 'float64' } }), /dtype: the checkpoint's is float32, the model's float64/);
  assert.throws(resumeInto({ model: { ...c.model, optimizer: { kind: 'sgd' } } }), /optimizer: the checkpoint's is adam, the model's sgd/);
  assert.throws(resumeInto({ cell: LSTM }), /parameters \(another cell\)/);
  assert.throws(() => trainTo(c, 2, checkpoint), /past maxSteps 2/);
});
