// The subset of ONNX's protobuf schema that a cellsearch model needs: ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto, ValueInfoProto (with TypeProto and TensorShapeProto),
// OperatorSetIdProto and StringStringEntryProto, encoded with protobuf.ts.
//
// The field numbers and enum values are onnx/onnx.proto's (onnx 1.x; the same numbers are in the
// protobufjs encoder that onnxruntime-web ships, lib/onnxjs/ort-schema/protobuf/onnx.js). Fields
// are written in field-number order, as protobuf's own serialisers do, so the same model always
// gives the same bytes.
import { bytesField, concat as concatFields, floatField, intField, messageField, packedIntsField, stringField, type Field } from './protobuf.ts';

/** TensorProto.DataType */
export const DATA_TYPE = { FLOAT: 1, INT64: 7 } as const;
export type DataType = (typeof DATA_TYPE)[keyof typeof DATA_TYPE];

/** AttributeProto.AttributeType */
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, GRAPH: 5, INTS: 7 } as const;

/** An attribute value: a float (`{ f }`, e.g. LeakyRelu's alpha), an int, ints or a subgraph (Scan's body). */
export type AttributeValue = { f: number } | { i: number } | { ints: readonly number[] } | { g: Field };

/** A dimension: a fixed size, or a symbolic name (`B`, `T`) for a size given at run time. */
export type Dim = number | string;

/** TensorProto: a constant (an initializer) with its data as little-endian `raw_data`. */
export function tensorProto(name: string, dims: readonly number[], dataType: DataType, data: Float32Array | BigInt64Array): Field {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`onnx: tensor ${name} has ${data.length} values, its shape [${dims.join(', ')}] holds ${count}`);
  const bytes = new Uint8Array(data.byteLength);
  const view = new DataView(bytes.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else data.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return concatFields([
    dims.length > 0 ? packedIntsField(1, dims) : new Uint8Array(0), // dims
    intField(2, dataType), // data_type
    stringField(8, name), // name
    bytesField(9, bytes), // raw_data
  ]);
}

/** ValueInfoProto of a tensor: name, element type and shape (TypeProto.tensor_type). */
export function valueInfo(name: string, elemType: DataType, dims: readonly Dim[]): Field {
  const dimFields = dims.map((d) => messageField(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)])); // TensorShapeProto.dim: dim_value | dim_param
  const tensorType = [intField(1, elemType), messageField(2, dimFields)]; // TypeProto.Tensor: elem_type, shape
  return concatFields([stringField(1, name), messageField(2, [messageField(1, tensorType)])]); // name, type { tensor_type }
}

function attribute(name: string, value: AttributeValue): Field {
  if ('f' in value) return concatFields([stringField(1, name), floatField(2, value.f), intField(20, ATTRIBUTE_TYPE.FLOAT)]);
  if ('i' in value) return concatFields([stringField(1, name), intField(3, value.i), intField(20, ATTRIBUTE_TYPE.INT)]);
  if ('g' in value) return concatFields([stringField(1, name), bytesField(6, value.g), intField(20, ATTRIBUTE_TYPE.GRAPH)]);
  return concatFields([stringField(1, name), packedIntsField(8, value.ints), intField(20, ATTRIBUTE_TYPE.INTS)]);
}

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** NodeProto: input (1), output (2), name (3), op_type (4), attribute (5). */
export function nodeProto(node: OnnxNode): Field {
  return concatFields([
    ...node.inputs.map((i) => stringField(1, i)),
    ...node.outputs.map((o) => stringField(2, o)),
    stringField(3, node.name),
    stringField(4, node.op),
    ...Object.entries(node.attributes ?? {}).map(([name, v]) => messageField(5, [attribute(name, v)])),
  ]);
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  /** Encoded TensorProtos (tensorProto). */
  initializers?: readonly Field[];
  /** Encoded ValueInfoProtos (valueInfo). */
  inputs: readonly Field[];
  outputs: readonly Field[];
  doc?: string;
}

/** GraphProto: node (1), name (2), initializer (5), doc_string (10), input (11), output (12). */
export function graphProto(g: OnnxGraph): Field {
  return concatFields([
    ...g.nodes.map((n) => messageField(1, [nodeProto(n)])),
    stringField(2, g.name),
    ...(g.initializers ?? []).map((t) => bytesField(5, t)),
    ...(g.doc === undefined ? [] : [stringField(10, g.doc)]),
    ...g.inputs.map((v) => bytesField(11, v)),
    ...g.outputs.map((v) => bytesField(12, v)),
  ]);
}

export interface OnnxModel {
  irVersion: number;
  /** The default domain's operator set version. */
  opset: number;
  producerName: string;
  producerVersion: string;
  doc?: string;
  graph: Field;
  /** metadata_props: string pairs a runtime shows (InferenceSession's model metadata). */
  metadata?: Readonly<Record<string, string>>;
}

/** ModelProto: ir_version (1), producer_name (2), producer_version (3), doc_string (6), graph (7), opset_import (8), metadata_props (14). */
export function modelProto(m: OnnxModel): Uint8Array {
  return concatFields([
    intField(1, m.irVersion),
    stringField(2, m.producerName),
    stringField(3, m.producerVersion),
    ...(m.doc === undefined ? [] : [stringField(6, m.doc)]),
    bytesField(7, m.graph),
    messageField(8, [stringField(1, ''), intField(2, m.opset)]), // OperatorSetIdProto: domain '' (ai.onnx), version
    ...Object.entries(m.metadata ?? {}).map(([k, v]) => messageField(14, [stringField(1, k), stringField(2, v)])), // StringStringEntryProto
  ]);
}
