// The whole-model PyTorch export: engine names map to state_dict names, the tensors follow the
// engine's layout, and where PyTorch is installed the generated module, loaded from the
// safetensors file with its own loader, gives the logits of `model.predict` (float32 tolerance)
// for token and multi-hot models, one and two layers, peepholes and bias-free linears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import type { Batch } from '../engine/batch.ts';
import { modelShape } from '../engine/checkpoint.ts';
import { compileModel } from '../engine/compile.ts';
import { parseCell } from '../validate.ts';
import { ZOO } from '../zoo/index.ts';
import { MODEL_METADATA_KEY, modelTensors, pytorchParamName, toPytorchModel } from './pytorch-model.ts';
import { encodeSafetensors } from './safetensors.ts';

const TORCH_PYTHON = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);

test('engine parameter names become the state_dict names of the generated model', () => {
  assert.equal(pytorchParamName('layer0/r.W1'), 'layers.0.lin_r_1.weight');
  assert.equal(pytorchParamName('layer12/n_1.b'), 'layers.12.lin_n_1_0.bias');
  assert.equal(pytorchParamName('layer1/peep.p'), 'layers.1.diag_peep');
  assert.equal(pytorchParamName('embed'), 'embed');
  assert.equal(pytorchParamName('out.W'), 'out.weight');
  assert.equal(pytorchParamName('out.b'), 'out.bias');
  assert.throws(() => pytorchParamName('other'), /no PyTorch name/);
});

test("the tensors slice the model's flat parameters in layout order, and another layout is refused", () => {
  const model = compileModel(ZOO.gru, { hidden: 3, vocab: 4, layers: 2, seed: 1 });
  const layout = modelShape(model).layout;
  const tensors = modelTensors(ZOO.gru, { hidden: 3, vocab: 4, layers: 2 }, model.params, layout);
  const weights = model.getWeights();
  for (const [name, view] of Object.entries(weights)) {
    const t = tensors.find((x) => x.name === pytorchParamName(name));
    assert.ok(t, name);
    assert.deepEqual([...t.data], [...view], name);
  }
  assert.equal(tensors.length, Object.keys(weights).length);
  assert.throws(() => modelTensors(ZOO.lstm, { hidden: 3, vocab: 4, layers: 2 }, model.params, layout), /do not fit the cell/);
  assert.throws(() => modelTensors(ZOO.gru, { hidden: 3, vocab: 4, layers: 2 }, model.params.subarray(1)), /values, the model needs/);
});

const bias = parseCell({
  name: 'no bias',
  states: ['h'],
  nodes: [
    { id: 'a', op: 'linear', in: ['x', 'h'], bias: false },
    { id: 'g', op: 'leaky_relu', in: ['a'] },
  ],
  outputs: { h: 'g' },
});

test('the generated model, loaded from its safetensors file, gives the logits of model.predict', { skip: TORCH_PYTHON ? false : 'PyTorch is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellsearch-torch-model-'));
  const T = 5, B = 3, V = 7, H = 6;
  const cases = [
    { label: 'gru, tokens, 1 layer', cell: ZOO.gru, layers: 1, input: 'tokens' as const },
    { label: 'greff-vanilla (peepholes), tokens, 2 layers', cell: ZOO['greff-vanilla'], layers: 2, input: 'tokens' as const },
    { label: 'lstm, multi-hot, 2 layers', cell: ZOO.lstm, layers: 2, input: 'multihot' as const },
    { label: 'bias-free leaky relu', cell: bias, layers: 1, input: 'tokens' as const },
  ].map((c, i) => {
    const model = compileModel(c.cell, { hidden: H, vocab: V, layers: c.layers, input: c.input, seed: `m${i}`, initScale: 2 });
    // Non-zero biases, so that their names are checked too.
    for (const [name, w] of Object.entries(model.getWeights())) if (name.endsWith('.b')) model.setWeights({ [name]: w.map((_, j) => 0.1 * (j - 2)) });
    const rng = seedrandom(`inputs${i}`);
    const batch: Batch =
      c.input === 'tokens'
        ? { kind: 'tokens', T, B, inputs: Int32Array.from({ length: T * B }, () => Math.floor(rng() * V)), targets: new Int32Array(T * B), mask: new Float32Array(T * B).fill(1), carry: false }
        : { kind: 'multihot', T, B, inputs: Float32Array.from({ length: T * B * V }, () => (rng() < 0.3 ? 1 : 0)), targets: new Float32Array(T * B * V), mask: new Float32Array(T * B).fill(1), carry: false };
    const { logits } = model.predict(batch);
    const tensors = modelTensors(c.cell, { hidden: H, vocab: V, layers: c.layers }, model.params, modelShape(model).layout);
    const file = `model_${i}`;
    writeFileSync(join(dir, `${file}.safetensors`), encodeSafetensors({ tensors, metadata: { [MODEL_METADATA_KEY]: JSON.stringify({ vocab: V, hidden: H, layers: c.layers, input: c.input }) } }));
    writeFileSync(join(dir, `${file}.py`), toPytorchModel(c.cell));
    return { label: c.label, file, input: c.input, inputs: [...batch.inputs], logits: [...logits] };
  });
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases.map(({ file, input, inputs }) => ({ file, input, inputs }))));
  const script = `
import importlib, json, sys
import torch
out = []
for c in json.load(open(sys.argv[1])):
    m = importlib.import_module(c["file"])
    model, metadata = m.load_model(c["file"] + ".safetensors")
    if c["input"] == "tokens":
        inputs = torch.tensor(c["inputs"], dtype=torch.long).reshape(${T}, ${B})
    else:
        inputs = torch.tensor(c["inputs"], dtype=torch.float32).reshape(${T}, ${B}, ${V})
    with torch.no_grad():
        logits, state = model(inputs)
    out.append(logits.reshape(-1).tolist())
print(json.dumps(out))
`;
  const r = spawnSync(TORCH_PYTHON!, ['-c', script, join(dir, 'cases.json')], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as number[][];
  cases.forEach((c, i) => {
    assert.equal(got[i].length, c.logits.length, c.label);
    let worst = 0;
    c.logits.forEach((want, j) => (worst = Math.max(worst, Math.abs(got[i][j] - want) / (1 + Math.abs(want)))));
    assert.ok(worst < 1e-4, `${c.label}: logits differ by ${worst}`);
  });
});
