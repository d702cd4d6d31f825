// The protocol-buffers wire format, the writing half, for the few message types an ONNX file
// needs (onnx-proto.ts). Written by hand so that the package needs no protobuf library: a message
// is the concatenation of its fields, a field is a key (field number << 3 | wire type) followed by
// a varint, a little-endian 32-bit value or a length-prefixed run of bytes.
// https://protobuf.dev/programming-guides/encoding/

/** One encoded field (or several, concatenated): the parts of a message. */
export type Field = Uint8Array;

const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

/** An unsigned or signed integer as a varint; a negative one as its 64-bit two's complement (10 bytes), as int64 and int32 fields encode it. */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`protobuf: ${value} is not an integer that can be encoded exactly`);
  if (v < 0n) v += 1n << 64n;
  if (v >= 1n << 64n) throw new Error(`protobuf: ${value} does not fit 64 bits`);
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(bytes);
}

function key(field: number, wireType: number): Uint8Array {
  if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new Error(`protobuf: bad field number ${field}`);
  return varint(field * 8 + wireType);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An int32, int64 or enum field. */
export function intField(field: number, value: number | bigint): Field {
  return concat([key(field, VARINT), varint(value)]);
}

/** A float field (wire type 5: 4 bytes, little-endian IEEE 754). */
export function floatField(field: number, value: number): Field {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return concat([key(field, FIXED32), b]);
}

/** A bytes field, or an embedded message (its encoded fields). */
export function bytesField(field: number, value: Uint8Array): Field {
  return concat([key(field, LENGTH_DELIMITED), varint(value.length), value]);
}

/** A string field (UTF-8). */
export function stringField(field: number, value: string): Field {
  return bytesField(field, new TextEncoder().encode(value));
}

/** An embedded message from its fields. */
export function messageField(field: number, fields: readonly Field[]): Field {
  return bytesField(field, concat(fields));
}

/** A repeated integer field, packed (one length-delimited run of varints, as proto3 writes them). */
export function packedIntsField(field: number, values: readonly (number | bigint)[]): Field {
  return bytesField(field, concat(values.map(varint)));
}
