// The safetensors writer and reader: the bytes of a small file as the format specifies them,
// round trips of float32 and float64 tensors with metadata, and refusals of malformed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';

test('a small file has the bytes the format specifies', () => {
  const bytes = encodeSafetensors({ tensors: [{ name: 'w', shape: [2], data: Float32Array.of(1, -2) }], metadata: { k: 'v' } });
  const header = '{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const expected = Buffer.concat([
    Buffer.from([padded.length, 0, 0, 0, 0, 0, 0, 0]), // u64 little-endian header length
    Buffer.from(padded, 'utf8'),
    Buffer.from([0x00, 0x00, 0x80, 0x3f]), // 1.0f, little-endian
    Buffer.from([0x00, 0x00, 0x00, 0xc0]), // -2.0f
  ]);
  assert.deepEqual(bytes, expected);
  assert.equal((8 + padded.length) % 8, 0, 'the data starts 8-byte aligned');
});

test('float32 and float64 tensors and the metadata come back exactly', () => {
  const f32 = Float32Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
  const f64 = Float64Array.from({ length: 5 }, (_, i) => Math.PI ** i * (i % 2 ? -1 : 1));
  const metadata = { notation: 'cell GRU(x; h)\n  h\' = tanh(linear(x, h))\n', hash: 'ea788a06', 'é': '"quoted" ✓' };
  const file = { tensors: [{ name: 'layers.0.lin_a_0.weight', shape: [3, 4], data: f32 }, { name: 'p', shape: [5], data: f64 }, { name: 'empty', shape: [0, 3], data: new Float32Array(0) }], metadata };
  const back = decodeSafetensors(encodeSafetensors(file));
  assert.deepEqual(back.metadata, metadata);
  assert.deepEqual(back.tensors.map((t) => t.name), ['layers.0.lin_a_0.weight', 'p', 'empty']);
  assert.deepEqual(back.tensors[0].shape, [3, 4]);
  assert.ok(back.tensors[0].data instanceof Float32Array);
  assert.deepEqual([...back.tensors[0].data], [...f32]);
  assert.ok(back.tensors[1].data instanceof Float64Array);
  assert.deepEqual([...back.tensors[1].data], [...f64]);
  assert.equal(back.tensors[2].data.length, 0);
});

test('writing refuses data that does not fit the shape, and a reserved name', () => {
  assert.throws(() => encodeSafetensors({ tensors: [{ name: 'w', shape: [2, 2], data: new Float32Array(3) }], metadata: {} }), /has 3 values, its shape \[2, 2\] needs 4/);
  assert.throws(() => encodeSafetensors({ tensors: [{ name: '__metadata__', shape: [1], data: new Float32Array(1) }], metadata: {} }), /reserved/);
});

test('reading refuses malformed files with the reason', () => {
  const good = encodeSafetensors({ tensors: [{ name: 'a', shape: [2], data: Float32Array.of(1, 2) }, { name: 'b', shape: [1], data: Float64Array.of(3) }], metadata: {} });
  const withHeader = (header: object, data: Buffer) => {
    const json = Buffer.from(JSON.stringify(header));
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([n, json, data]);
  };
  assert.throws(() => decodeSafetensors(good.subarray(0, 5)), /shorter than/);
  assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 1)), /runs past the end/);
  assert.throws(() => decodeSafetensors(Buffer.concat([good, Buffer.alloc(4)])), /4 bytes after the last tensor/);
  assert.throws(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8))), /starts at 4, not at 0/);
  assert.throws(() => decodeSafetensors(withHeader({ a: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, Buffer.alloc(4))), /dtype BF16/);
  assert.throws(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8))), /spans 8 bytes, its shape and dtype need 12/);
  assert.throws(() => decodeSafetensors(withHeader({ __metadata__: { n: 1 } }, Buffer.alloc(0))), /__metadata__ must map strings to strings/);
  assert.throws(() => decodeSafetensors(withHeader([1], Buffer.alloc(0))), /not a JSON object/);
});
