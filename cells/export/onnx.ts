// A whole trained model as ONNX: the embedding (or the multi-hot projection), the cell in L
// stacked layers run over time by one `Scan` per layer (so the number of steps T and of streams B
// are chosen at run time), and the output layer; float32, opset 17.
//
//   inputs   tokens  int64 [T, B]      (input "tokens": token ids)  |  inputs float [T, B, V] (multi-hot rows of 0/1)
//            state   float [L, S, B, H] (the states at the start, in the cell's state order; zeros for a fresh stream)
//   outputs  logits  float [T, B, V]   (before the softmax, or before the sigmoid of a multi-hot model)
//            new_state float [L, S, B, H] (the states after step T: the next call's `state`, as cellsearch carries it across batches)
//
// The initializers carry the PyTorch `state_dict` names of pytorch-model.ts (`layers.0.lin_r_1.weight`
// [out][in], `embed` [V, H], `out.weight`, `out.bias`), so the ONNX file, the safetensors file and
// the PyTorch module name every weight alike. The cell's ops map one to one: `linear` -> one
// `Gemm` per input (transB, the bias on the first) and `Sum`; `diag` -> `Mul` by its vector;
// `tanh`, `sigmoid`, `relu`, `identity` -> the ops of those names; `leaky_relu` -> `LeakyRelu`
// with alpha LEAKY_SLOPE; `add`, `sub`, `mul` -> `Add`, `Sub`, `Mul`; `one` -> `Expand` of 1 to
// the step's [B, H]. A float64 model is written in float32 (ONNX runtimes run RNN ops in float32).
//
// A pure function: the caller (runs/saved-model.ts) supplies the weights and writes the file.
import { UserError } from '../../errors.ts';
import { INPUT, LEAKY_SLOPE, nodeInputs, type Cell, type CellNode } from '../graph.ts';
import { paramLayout, type ModelDims } from '../engine/layout.ts';
import { DATA_TYPE, graphProto, modelProto, tensorProto, valueInfo, type OnnxNode } from './onnx-proto.ts';
import { pytorchParamName } from './pytorch-model.ts';
import type { Tensor } from './safetensors.ts';

export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17 (onnx 1.12). */
export const ONNX_IR_VERSION = 8;
/** A protobuf message, hence a single-file ONNX model, cannot exceed 2 GiB. */
export const ONNX_MAX_BYTES = 2 ** 31 - 1;

export const ONNX_INPUTS = { tokens: 'tokens', multihot: 'inputs', state: 'state' } as const;
export const ONNX_OUTPUTS = { logits: 'logits', state: 'new_state' } as const;

export interface OnnxExportOptions {
  input: 'tokens' | 'multihot';
  /** metadata_props (cell notation, hash, vocabulary, ...). */
  metadata?: Readonly<Record<string, string>>;
  /** The model's doc_string. */
  doc?: string;
  producerVersion?: string;
}

/** The ONNX op (and attributes) of each elementwise op of the IR: one node each. */
const UNARY = { tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', leaky_relu: 'LeakyRelu', identity: 'Identity' } as const;
const BINARY = { add: 'Add', sub: 'Sub', mul: 'Mul' } as const;

/** Names inside layer l's Scan body: ONNX forbids a subgraph to reuse a name of the outer graph, so each layer has its own prefix. */
const bodyName = (l: number) => ({
  input: `layer${l}/x`,
  state: (s: string) => `layer${l}/state_${s}`,
  value: (id: string) => `layer${l}/v_${id}`,
  newState: (s: string) => `layer${l}/new_${s}`,
  output: `layer${l}/h_out`,
  shape: `layer${l}/shape`,
});

const ONE = 'const/one';
const AXIS0 = 'const/axes0';
const index = (i: number) => `const/index${i}`;

/** The nodes computing one cell node inside layer l's body. */
function cellNodeOps(node: CellNode, l: number, ref: (r: string) => string): OnnxNode[] {
  const n = bodyName(l);
  const out = n.value(node.id);
  const inputs = nodeInputs(node).map(ref);
  const name = `layer${l}/node_${node.id}`;
  switch (node.op) {
    case 'linear': {
      const param = (k: number, kind: 'weight' | 'bias') => pytorchParamName(`layer${l}/${node.id}.${kind === 'weight' ? `W${k}` : 'b'}`);
      const terms = inputs.map((a, k) => (inputs.length === 1 ? out : `${out}_${k}`));
      const gemms: OnnxNode[] = inputs.map((a, k) => ({
        op: 'Gemm',
        inputs: [a, param(k, 'weight'), ...(k === 0 && node.bias !== false ? [param(0, 'bias')] : [])],
        outputs: [terms[k]],
        name: `${name}/gemm${k}`,
        attributes: { transB: { i: 1 } },
      }));
      return inputs.length === 1 ? gemms : [...gemms, { op: 'Sum', inputs: terms, outputs: [out], name }];
    }
    case 'diag':
      return [{ op: 'Mul', inputs: [pytorchParamName(`layer${l}/${node.id}.p`), inputs[0]], outputs: [out], name }];
    case 'one':
      return [{ op: 'Expand', inputs: [ONE, n.shape], outputs: [out], name }];
    case 'add':
    case 'sub':
    case 'mul':
      return [{ op: BINARY[node.op], inputs, outputs: [out], name }];
    case 'leaky_relu':
      return [{ op: UNARY[node.op], inputs, outputs: [out], name, attributes: { alpha: { f: LEAKY_SLOPE } } }];
    case 'tanh':
    case 'sigmoid':
    case 'relu':
    case 'identity':
      return [{ op: UNARY[node.op], inputs, outputs: [out], name }];
  }
}

/** Layer l's Scan body: (states, x_t) -> (new states, h_t). */
function scanBody(cell: Cell, l: number, H: number): Uint8Array {
  const n = bodyName(l);
  const ref = (r: string) => (r === INPUT ? n.input : cell.states.includes(r) ? n.state(r) : n.value(r));
  const nodes: OnnxNode[] = [];
  if (cell.nodes.some((node) => node.op === 'one')) nodes.push({ op: 'Shape', inputs: [n.input], outputs: [n.shape], name: `layer${l}/step_shape` });
  for (const node of cell.nodes) nodes.push(...cellNodeOps(node, l, ref));
  // Identity nodes give every body output its own name: two states may share one value (h' = c'), and h is also the scan output.
  for (const s of cell.states) nodes.push({ op: 'Identity', inputs: [ref(cell.outputs[s])], outputs: [n.newState(s)], name: `layer${l}/new_${s}` });
  nodes.push({ op: 'Identity', inputs: [ref(cell.outputs.h)], outputs: [n.output], name: `layer${l}/output` });
  const bh = ['B', H];
  return graphProto({
    name: `layer${l}_step`,
    nodes,
    inputs: [...cell.states.map((s) => valueInfo(n.state(s), DATA_TYPE.FLOAT, bh)), valueInfo(n.input, DATA_TYPE.FLOAT, bh)],
    outputs: [...cell.states.map((s) => valueInfo(n.newState(s), DATA_TYPE.FLOAT, bh)), valueInfo(n.output, DATA_TYPE.FLOAT, bh)],
  });
}

function floatTensor(t: Tensor): Uint8Array {
  return tensorProto(t.name, t.shape, DATA_TYPE.FLOAT, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data));
}

/**
 * The ONNX file's bytes for `cell` at `dims` with the weights `tensors` (pytorch-model.ts's
 * `modelTensors`: every parameter, PyTorch names). Throws when the weights do not fit the cell
 * and dimensions, and when the model would exceed ONNX's 2 GiB single-file limit.
 */
export function toOnnx(cell: Cell, dims: ModelDims, tensors: readonly Tensor[], opts: OnnxExportOptions): Uint8Array {
  const { hidden: H, vocab: V, layers: L } = dims;
  const S = cell.states.length;
  const bytes = tensors.reduce((n, t) => n + 4 * t.data.length, 0);
  if (bytes > ONNX_MAX_BYTES - (1 << 20)) {
    throw new UserError(`the model's weights take ${(bytes / 2 ** 30).toFixed(2)} GiB in float32; a single ONNX file holds at most 2 GiB (a protobuf limit), so this model cannot be exported as ONNX`);
  }
  const want = paramLayout(cell, dims).map((s) => `${pytorchParamName(s.name)}:${s.shape.join('x')}`);
  const have = new Set(tensors.map((t) => `${t.name}:${t.shape.join('x')}`));
  const missing = want.find((w) => !have.has(w));
  if (missing !== undefined || have.size !== want.length) {
    throw new Error(`the weights do not fit the cell at width ${H}, ${V} symbols and ${L} layer${L === 1 ? '' : 's'}${missing === undefined ? '' : `: no tensor ${missing}`}`);
  }
  const input = opts.input === 'tokens' ? ONNX_INPUTS.tokens : ONNX_INPUTS.multihot;
  const nodes: OnnxNode[] = [
    opts.input === 'tokens'
      ? { op: 'Gather', inputs: ['embed', input], outputs: ['layer0/input'], name: 'embedding', attributes: { axis: { i: 0 } } }
      : { op: 'MatMul', inputs: [input, 'embed'], outputs: ['layer0/input'], name: 'embedding' },
  ];
  const finals: string[] = [];
  for (let l = 0; l < L; l++) {
    nodes.push({ op: 'Gather', inputs: [ONNX_INPUTS.state, index(l)], outputs: [`layer${l}/state`], name: `layer${l}/state`, attributes: { axis: { i: 0 } } });
    cell.states.forEach((s, i) =>
      nodes.push({ op: 'Gather', inputs: [`layer${l}/state`, index(i)], outputs: [`layer${l}/initial_${s}`], name: `layer${l}/initial_${s}`, attributes: { axis: { i: 0 } } }),
    );
    const next = l + 1 < L ? `layer${l + 1}/input` : 'top';
    nodes.push({
      op: 'Scan',
      inputs: [...cell.states.map((s) => `layer${l}/initial_${s}`), `layer${l}/input`],
      outputs: [...cell.states.map((s) => `layer${l}/final_${s}`), next],
      name: `layer${l}`,
      attributes: { body: { g: scanBody(cell, l, H) }, num_scan_inputs: { i: 1 } },
    });
    cell.states.forEach((s) =>
      nodes.push({ op: 'Unsqueeze', inputs: [`layer${l}/final_${s}`, AXIS0], outputs: [`layer${l}/final_${s}/1`], name: `layer${l}/final_${s}/unsqueeze` }),
    );
    nodes.push({ op: 'Concat', inputs: cell.states.map((s) => `layer${l}/final_${s}/1`), outputs: [`layer${l}/final`], name: `layer${l}/final`, attributes: { axis: { i: 0 } } });
    nodes.push({ op: 'Unsqueeze', inputs: [`layer${l}/final`, AXIS0], outputs: [`layer${l}/final/1`], name: `layer${l}/final/unsqueeze` });
    finals.push(`layer${l}/final/1`);
  }
  nodes.push(
    { op: 'Concat', inputs: finals, outputs: [ONNX_OUTPUTS.state], name: 'new_state', attributes: { axis: { i: 0 } } },
    { op: 'Transpose', inputs: ['out.weight'], outputs: ['out.weight/T'], name: 'output/transpose', attributes: { perm: { ints: [1, 0] } } },
    { op: 'MatMul', inputs: ['top', 'out.weight/T'], outputs: ['output/product'], name: 'output/matmul' },
    { op: 'Add', inputs: ['output/product', 'out.bias'], outputs: [ONNX_OUTPUTS.logits], name: 'output/bias' },
  );
  const constants = [
    ...(cell.nodes.some((node) => node.op === 'one') ? [tensorProto(ONE, [], DATA_TYPE.FLOAT, Float32Array.of(1))] : []),
    tensorProto(AXIS0, [1], DATA_TYPE.INT64, BigInt64Array.of(0n)),
    ...Array.from({ length: Math.max(L, S) }, (_, i) => tensorProto(index(i), [], DATA_TYPE.INT64, BigInt64Array.of(BigInt(i)))),
  ];
  const graph = graphProto({
    name: cell.name ?? 'cellsearch model',
    nodes,
    initializers: [...tensors.map(floatTensor), ...constants],
    inputs: [
      opts.input === 'tokens' ? valueInfo(input, DATA_TYPE.INT64, ['T', 'B']) : valueInfo(input, DATA_TYPE.FLOAT, ['T', 'B', V]),
      valueInfo(ONNX_INPUTS.state, DATA_TYPE.FLOAT, [L, S, 'B', H]),
    ],
    outputs: [valueInfo(ONNX_OUTPUTS.logits, DATA_TYPE.FLOAT, ['T', 'B', V]), valueInfo(ONNX_OUTPUTS.state, DATA_TYPE.FLOAT, [L, S, 'B', H])],
  });
  return modelProto({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'cellsearch',
    producerVersion: opts.producerVersion ?? '',
    doc: opts.doc,
    graph,
    metadata: { ...opts.metadata, 'cellsearch.states': JSON.stringify(cell.states) },
  });
}
