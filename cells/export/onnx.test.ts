// The ONNX export, run by ONNX Runtime (onnxruntime-web's WebAssembly build, from the npm
// registry, nothing downloaded at run time): for every op of the IR, for the zoo's LSTM (two
// states, peepholes in greff-vanilla) in two layers, for multi-hot input, for a state that shares
// its value with another and for random cells, the exported model gives the logits of
// `model.predict` (within 1e-4) and the states the engine carries; fed those states back, the
// next batch's logits too. The protobuf encoding is checked byte for byte on known values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import seedrandom from 'seedrandom';
import type { Batch } from '../engine/batch.ts';
import { modelShape } from '../engine/checkpoint.ts';
import { compileModel } from '../engine/compile.ts';
import type { Model } from '../engine/model.ts';
import { OPS, type CellJson, type Op } from '../graph.ts';
import { randomCell } from '../random.ts';
import { parseCell } from '../validate.ts';
import { ZOO } from '../zoo/index.ts';
import { UserError } from '../../errors.ts';
import { ONNX_INPUTS, ONNX_OUTPUTS, toOnnx } from './onnx.ts';
import { floatField, intField, stringField, varint } from './protobuf.ts';
import { modelTensors } from './pytorch-model.ts';

ort.env.logLevel = 'error';
ort.env.wasm.numThreads = 1;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('protobuf: varints, negative int64, floats and strings encode as the wire format says', () => {
  assert.equal(hex(varint(0)), '00');
  assert.equal(hex(varint(1)), '01');
  assert.equal(hex(varint(300)), 'ac02');
  assert.equal(hex(varint(-1)), 'ffffffffffffffffff01');
  assert.equal(hex(varint(2 ** 40)), '808080808020');
  assert.equal(hex(intField(1, 8)), '0808'); // ModelProto.ir_version = 8
  assert.equal(hex(stringField(2, 'testing')), '120774657374696e67');
  assert.equal(hex(floatField(2, 0.01)), '150ad7233c');
  assert.throws(() => varint(0.5), /not an integer/);
});

/** A cell whose new h goes through `op`, with the operands it needs; every cell also keeps a linear with bias. */
function cellFor(op: Op): CellJson {
  const gate = { id: 'g', op: 'linear' as const, in: ['x', 'h'] };
  const body: Record<Op, CellJson['nodes']> = {
    linear: [{ id: 'a', op: 'linear', in: ['x', 'h', 'x'] }, { id: 'b', op: 'linear', in: ['a'], bias: false }, { id: 'n', op: 'tanh', in: ['b'] }],
    diag: [gate, { id: 'd', op: 'diag', in: ['h'] }, { id: 's', op: 'add', in: ['g', 'd'] }, { id: 'n', op: 'tanh', in: ['s'] }],
    tanh: [gate, { id: 'n', op: 'tanh', in: ['g'] }],
    sigmoid: [gate, { id: 'n', op: 'sigmoid', in: ['g'] }],
    relu: [gate, { id: 'n', op: 'relu', in: ['g'] }],
    leaky_relu: [gate, { id: 'n', op: 'leaky_relu', in: ['g'] }],
    identity: [gate, { id: 'n', op: 'identity', in: ['g'] }],
    add: [gate, { id: 't', op: 'tanh', in: ['g'] }, { id: 'n', op: 'add', in: ['t', 'h'] }],
    sub: [gate, { id: 't', op: 'tanh', in: ['g'] }, { id: 'n', op: 'sub', in: ['h', 't'] }],
    mul: [gate, { id: 't', op: 'tanh', in: ['g'] }, { id: 'n', op: 'mul', in: ['t', 'h'] }],
    one: [
      gate,
      { id: 'z', op: 'sigmoid', in: ['g'] },
      { id: 'o', op: 'one' },
      { id: 'c', op: 'sub', in: ['o', 'z'] },
      { id: 'n', op: 'mul', in: ['c', 'h'] },
      { id: 'k', op: 'linear', in: ['x'] },
      { id: 'm', op: 'add', in: ['n', 'k'] },
    ],
  };
  const nodes = body[op];
  return { name: `${op} cell`, states: ['h'], nodes, outputs: { h: nodes[nodes.length - 1].id } };
}

/** Two batches of one stream set: the second continues the first (carry), as ptb's do. */
function batches(input: 'tokens' | 'multihot', T: number, B: number, V: number, seed: string): [Batch, Batch] {
  const rng = seedrandom(seed);
  const one = (): Batch =>
    input === 'tokens'
      ? { kind: 'tokens', T, B, inputs: Int32Array.from({ length: T * B }, () => Math.floor(rng() * V)), targets: new Int32Array(T * B), mask: new Float32Array(T * B).fill(1), carry: true }
      : { kind: 'multihot', T, B, inputs: Float32Array.from({ length: T * B * V }, () => (rng() < 0.3 ? 1 : 0)), targets: new Float32Array(T * B * V), mask: new Float32Array(T * B).fill(1), carry: true };
  return [one(), one()];
}

/** The engine's carried states as ONNX's [L, S, B, H] tensor. */
function stateTensor(model: Model, B: number): Float32Array {
  const carried = model.carriedState();
  assert.ok(carried);
  assert.equal(carried.B, B);
  return Float32Array.from(carried.values.flatMap((layer) => layer.flatMap((v) => [...v])));
}

function worstDifference(want: ArrayLike<number>, got: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return worst;
}

interface Case {
  label: string;
  cell: CellJson;
  layers?: number;
  input?: 'tokens' | 'multihot';
}

/** Exports the model, runs both batches through ONNX Runtime and through the engine, and compares logits and states. */
async function checkCase(c: Case, i: number): Promise<void> {
  const cell = parseCell(c.cell);
  const T = 4, B = 3, V = 7, H = 5, L = c.layers ?? 1, input = c.input ?? 'tokens';
  const S = cell.states.length;
  const model = compileModel(cell, { hidden: H, vocab: V, layers: L, input, seed: `onnx${i}`, initScale: 2 });
  // Non-zero biases and diag vectors around 1, so that every parameter matters.
  for (const [name, w] of Object.entries(model.getWeights())) {
    if (name.endsWith('.b')) model.setWeights({ [name]: w.map((_, j) => 0.1 * (j - 2)) });
    if (name.endsWith('.p')) model.setWeights({ [name]: w.map((_, j) => 0.5 + 0.2 * j) });
  }
  const dims = { hidden: H, vocab: V, layers: L };
  const tensors = modelTensors(cell, dims, model.params, modelShape(model).layout);
  const bytes = toOnnx(cell, dims, tensors, { input, metadata: { hash: 'test' } });
  assert.deepEqual(toOnnx(cell, dims, tensors, { input, metadata: { hash: 'test' } }), bytes, 'the same model gives the same bytes');
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, [input === 'tokens' ? ONNX_INPUTS.tokens : ONNX_INPUTS.multihot, ONNX_INPUTS.state]);
  assert.deepEqual(session.outputNames, [ONNX_OUTPUTS.logits, ONNX_OUTPUTS.state]);
  const feed = (b: Batch, state: Float32Array) => ({
    [session.inputNames[0]]: b.kind === 'tokens' ? new ort.Tensor('int64', BigInt64Array.from(b.inputs, (v) => BigInt(v)), [T, B]) : new ort.Tensor('float32', b.inputs, [T, B, V]),
    [ONNX_INPUTS.state]: new ort.Tensor('float32', state, [L, S, B, H]),
  });
  let state: Float32Array = new Float32Array(L * S * B * H);
  for (const [k, batch] of batches(input, T, B, V, `inputs${i}`).entries()) {
    const want = model.predict(batch).logits;
    const out = await session.run(feed(batch, state));
    assert.deepEqual(out[ONNX_OUTPUTS.logits].dims, [T, B, V]);
    const logits = worstDifference(want, out[ONNX_OUTPUTS.logits].data as Float32Array);
    assert.ok(logits < 1e-4, `${c.label}, batch ${k}: logits differ by ${logits}`);
    state = stateTensor(model, B);
    const states = worstDifference(state, out[ONNX_OUTPUTS.state].data as Float32Array);
    assert.ok(states < 1e-4, `${c.label}, batch ${k}: states differ by ${states}`);
  }
  await session.release();
}

test('every op of the IR, exported to ONNX, gives the logits and states of the engine', async () => {
  for (const [i, op] of OPS.entries()) {
    const cell = cellFor(op);
    assert.ok(cell.nodes.some((n) => n.op === op), op);
    await checkCase({ label: op, cell }, i);
  }
});

test('LSTMs in two layers, multi-hot input, shared states and random cells export with the engine\'s numbers', async () => {
  const shared: CellJson = {
    name: 'shared',
    states: ['c', 'h'],
    nodes: [
      { id: 'g', op: 'linear', in: ['x', 'h', 'c'], biasInit: 1 },
      { id: 'f', op: 'sigmoid', in: ['g'] },
      { id: 'n', op: 'tanh', in: ['f'] },
    ],
    outputs: { c: 'n', h: 'n' },
  };
  const rng = seedrandom('onnx random cells');
  const cases: Case[] = [
    { label: 'lstm, 2 layers', cell: ZOO.lstm, layers: 2 },
    { label: 'greff-vanilla (peepholes)', cell: ZOO['greff-vanilla'] },
    { label: 'gru, multi-hot, 2 layers', cell: ZOO.gru, layers: 2, input: 'multihot' },
    { label: 'shared state value (h\' = c\')', cell: shared },
    ...Array.from({ length: 4 }, (_, k) => ({ label: `random cell ${k}`, cell: randomCell(rng, { states: 1 + (k % 3), keepDead: k === 0 }) })),
  ];
  for (const [i, c] of cases.entries()) await checkCase(c, 100 + i);
});

test('weights that do not fit the cell are refused', () => {
  const dims = { hidden: 3, vocab: 4, layers: 1 };
  const model = compileModel(ZOO.gru, { ...dims, seed: 1 });
  const tensors = modelTensors(ZOO.gru, dims, model.params);
  assert.throws(() => toOnnx(ZOO.lstm, dims, tensors, { input: 'tokens' }), /do not fit the cell .*: no tensor layers\.0\./);
  assert.throws(() => toOnnx(ZOO.gru, { ...dims, layers: 2 }, tensors, { input: 'tokens' }), /do not fit the cell/);
  assert.throws(() => toOnnx(ZOO.gru, dims, [...tensors, { name: 'extra', shape: [1], data: Float32Array.of(0) }], { input: 'tokens' }), /do not fit the cell/);
});

test('a model over ONNX\'s 2 GiB single-file limit is refused with the reason, before anything is encoded', () => {
  const dims = { hidden: 3, vocab: 4, layers: 1 };
  const model = compileModel(ZOO.gru, { ...dims, seed: 1 });
  const tensors = modelTensors(ZOO.gru, dims, model.params);
  // A stand-in for a 2.4 GB tensor: only its length is read before the refusal.
  const huge = { ...tensors[0], data: { length: 6e8 } as unknown as Float32Array };
  assert.throws(() => toOnnx(ZOO.gru, dims, [huge, ...tensors.slice(1)], { input: 'tokens' }), (err: Error) => err instanceof UserError && /2\.\d\d GiB in float32; a single ONNX file holds at most 2 GiB/.test(err.message));
});
