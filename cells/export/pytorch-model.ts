// A whole trained model for PyTorch: the cell module of pytorch.ts plus `<Name>Model` (embedding,
// the cell in L stacked layers over time, output layer) and a loader of the safetensors file that
// `train --save` and `export --weights` write. The tensors are named as the model's `state_dict()`
// names its parameters, so `model.load_state_dict(tensors)` takes them as they are, and so does
// `safetensors.torch.load_model`; the generated loader needs nothing but the standard library
// and torch.
//
// Engine name -> PyTorch name: `layer{l}/{n}.W{k}` -> `layers.{l}.lin_{n}_{k}.weight` (both
// [out][in]), `layer{l}/{n}.b` -> `layers.{l}.lin_{n}_0.bias`, `layer{l}/{n}.p` ->
// `layers.{l}.diag_{n}`, `embed` -> `embed` (V x H: a token's row, or the multi-hot projection),
// `out.W` -> `out.weight`, `out.b` -> `out.bias`.
import type { CellJson, Cell } from '../graph.ts';
import type { Real } from '../engine/gemm.ts';
import { paramLayout, slotSize, type ModelDims } from '../engine/layout.ts';
import { pythonClassName, toPytorch, type PytorchOptions } from './pytorch.ts';
import type { Tensor } from './safetensors.ts';

/** The metadata key holding the model's dimensions (JSON), which the generated loader reads. */
export const MODEL_METADATA_KEY = 'cellsearch.model';

export interface ModelShapeMetadata extends ModelDims {
  input: 'tokens' | 'multihot';
}

/** The PyTorch `state_dict` name of an engine parameter (`layer0/r.W1` -> `layers.0.lin_r_1.weight`). */
export function pytorchParamName(name: string): string {
  if (name === 'embed') return 'embed';
  if (name === 'out.W') return 'out.weight';
  if (name === 'out.b') return 'out.bias';
  const m = /^layer(\d+)\/(.+)\.(W(\d+)|b|p)$/.exec(name);
  if (!m) throw new Error(`no PyTorch name for parameter '${name}'`);
  const [, l, node, kind, k] = m;
  if (kind === 'b') return `layers.${l}.lin_${node}_0.bias`;
  if (kind === 'p') return `layers.${l}.diag_${node}`;
  return `layers.${l}.lin_${node}_${k}.weight`;
}

/**
 * The model's flat parameter array as named tensors in layout order; `layout` (a checkpoint's
 * `name:dims` list) must be the one this cell and these dimensions give, so that a checkpoint of
 * another cell or size is refused rather than sliced wrongly.
 */
export function modelTensors(cell: CellJson, dims: ModelDims, params: Real, layout?: readonly string[]): Tensor[] {
  const slots = paramLayout(cell, dims);
  const names = slots.map((s) => `${s.name}:${s.shape.join('x')}`);
  if (layout !== undefined && (layout.length !== names.length || layout.some((n, i) => n !== names[i]))) {
    throw new Error(`the weights do not fit the cell: they are laid out as ${layout.slice(0, 3).join(', ')}..., the cell needs ${names.slice(0, 3).join(', ')}...`);
  }
  const total = slots.reduce((n, s) => n + slotSize(s), 0);
  if (params.length !== total) throw new Error(`the weights have ${params.length} values, the model needs ${total}`);
  let at = 0;
  return slots.map((s) => {
    const size = slotSize(s);
    const data = params.slice(at, at + size);
    at += size;
    return { name: pytorchParamName(s.name), shape: [...s.shape], data };
  });
}

/** Python source: the cell (pytorch.ts), `<Name>Model`, `read_safetensors` and `load_model`. */
export function toPytorchModel(cell: Cell, opts: PytorchOptions = {}): string {
  const cls = opts.className ?? pythonClassName(cell.name);
  const modelCls = `${cls.endsWith('Cell') ? cls.slice(0, -4) : cls}Model`;
  const lines = [
    '',
    '',
    'import json',
    'import struct',
    '',
    '',
    `class ${modelCls}(nn.Module):`,
    `    """The whole model: embedding (V x H), ${cls} in \`layers\` stacked layers over time, output layer H -> V.`,
    '',
    '    forward(inputs, state=None) -> (logits, state): inputs are (T, B) token ids, or (T, B, V) rows of',
    '    0/1 for a multi-hot model (input="multihot"); logits are (T, B, V) (a softmax over V for tokens,',
    '    a sigmoid per unit for multi-hot); state is a list with one state tuple per layer (zeros when',
    '    None), to carry into the next call as cellsearch carries it across batches of a stream.',
    '',
    `    model, metadata = load_model("model.safetensors") builds it from a file of cellsearch."""`,
    '',
    '    def __init__(self, vocab: int, hidden: int, layers: int = 1, input: str = "tokens"):',
    '        super().__init__()',
    '        if input not in ("tokens", "multihot"):',
    '            raise ValueError("input must be tokens or multihot, got %r" % (input,))',
    '        self.input = input',
    '        self.embed = nn.Parameter(torch.empty(vocab, hidden).uniform_(-1.0 / math.sqrt(hidden), 1.0 / math.sqrt(hidden)))',
    `        self.layers = nn.ModuleList([${cls}(hidden) for _ in range(layers)])`,
    '        self.out = nn.Linear(hidden, vocab)',
    '',
    '    def forward(self, inputs: torch.Tensor, state=None):',
    '        if self.input == "tokens":',
    '            x = nn.functional.embedding(inputs, self.embed)',
    '        else:',
    '            x = inputs.to(self.embed.dtype) @ self.embed',
    '        if state is None:',
    '            state = [cell.initial_state(x.shape[1], device=x.device, dtype=x.dtype) for cell in self.layers]',
    '        new_state = []',
    '        for cell, s in zip(self.layers, state):',
    '            outputs = []',
    '            for t in range(x.shape[0]):',
    '                h, s = cell(x[t], s)',
    '                outputs.append(h)',
    '            x = torch.stack(outputs)',
    '            new_state.append(s)',
    '        return self.out(x), new_state',
    '',
    '',
    '_DTYPES = {"F32": torch.float32, "F64": torch.float64}',
    '',
    '',
    'def read_safetensors(path):',
    '    """(tensors by name, metadata) of a safetensors file, with the standard library and torch only',
    '    (safetensors.torch.load_file reads the same file). Little-endian data, as on every usual machine."""',
    '    with open(path, "rb") as f:',
    '        data = f.read()',
    '    (n,) = struct.unpack("<Q", data[:8])',
    '    header = json.loads(data[8:8 + n].decode("utf-8"))',
    '    metadata = header.pop("__metadata__", {})',
    '    tensors = {}',
    '    for name, entry in header.items():',
    '        begin, end = entry["data_offsets"]',
    '        dtype = _DTYPES[entry["dtype"]]',
    '        if end == begin:',
    '            tensor = torch.empty(0, dtype=dtype)',
    '        else:',
    '            tensor = torch.frombuffer(bytearray(data[8 + n + begin:8 + n + end]), dtype=dtype)',
    '        tensors[name] = tensor.reshape(entry["shape"])',
    '    return tensors, metadata',
    '',
    '',
    'def load_model(path, dtype=torch.float32):',
    `    """The ${modelCls} of a safetensors file written by cellsearch (train --save, export --weights),`,
    '    its weights loaded and in eval mode, with the file\'s metadata (cell notation, hash, settings,',
    '    task, vocabulary as JSON strings)."""',
    '    tensors, metadata = read_safetensors(path)',
    `    dims = json.loads(metadata["${MODEL_METADATA_KEY}"])`,
    `    model = ${modelCls}(dims["vocab"], dims["hidden"], dims["layers"], dims["input"]).to(dtype)`,
    '    model.load_state_dict(tensors)',
    '    return model.eval(), metadata',
  ];
  return toPytorch(cell, { ...opts, className: cls }) + lines.join('\n') + '\n';
}
