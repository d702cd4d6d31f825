// The PyTorch export: the source for every zoo cell and random graphs compiles as Python, and
// where PyTorch is installed, one step of the module equals cells/evaluate.ts with the same
// weights (float64). Both checks skip cleanly when python3 or torch is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import type { Cell } from '../graph.ts';
import { evaluateStep, randomParams } from '../evaluate.ts';
import { randomCell } from '../random.ts';
import { ZOO, ZOO_KEYS } from '../zoo/index.ts';
import { pythonClassName, toPytorch } from './pytorch.ts';

// No timeout: on a loaded machine a slow `import torch` must not turn the comparison into a skip.
function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0;
}

const PYTHON = ['python3', '/usr/bin/python3'].find((p) => works(p, ['-c', 'pass']));
// Debian's python3-torch lives under /usr/bin/python3 even when another python3 comes first.
const TORCH_PYTHON = ['python3', '/usr/bin/python3'].find((p) => works(p, ['-c', 'import torch']));

const cells = (): { label: string; cell: Cell }[] => {
  const rng = seedrandom('pytorch-export');
  return [
    ...ZOO_KEYS.map((k) => ({ label: k, cell: ZOO[k] })),
    ...Array.from({ length: 12 }, (_, i) => ({ label: `random ${i}`, cell: randomCell(rng) })),
  ];
};

test('class names are Python identifiers ending in Cell', () => {
  assert.equal(pythonClassName('GRU'), 'GRUCell');
  assert.equal(pythonClassName('Tanh RNN'), 'TanhRNNCell');
  assert.equal(pythonClassName('LSTM (no forget gate)'), 'LSTMNoForgetGateCell');
  assert.equal(pythonClassName('3-gate'), 'C3GateCell');
  assert.equal(pythonClassName(undefined), 'CCell');
  assert.equal(pythonClassName('MyCell'), 'MyCell');
});

test('the source follows the parameter layout: one nn.Linear per input, the bias on the first', () => {
  const src = toPytorch(ZOO.gru);
  const linears = src.match(/= nn\.Linear\(hidden, hidden, bias=(True|False)\)/g) ?? [];
  // GRU: r and z read (x, h), n reads (x, r*h): 6 matrices, 3 biases.
  assert.equal(linears.length, 6);
  assert.equal(linears.filter((l) => l.includes('True')).length, 3);
  assert.match(src, /^class GRUCell\(nn\.Module\):/m);
  assert.match(src, /^class GRULayer\(nn\.Module\):/m);
  const lstmb = toPytorch(ZOO['lstm-b']);
  assert.match(lstmb, /\.bias\.fill_\(1\.0\)/, "LSTM-b's forget-gate bias starts at 1");
  const peep = toPytorch(ZOO['greff-vanilla']);
  assert.match(peep, /nn\.Parameter\(torch\.empty\(hidden\)\)/, 'peepholes are diag parameters');
});

test('the generated source compiles with python3 -m py_compile (zoo and random cells)', { skip: PYTHON ? false : 'python3 is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellsearch-pytorch-'));
  const files = cells().map(({ label, cell }, i) => {
    const f = join(dir, `cell_${i}.py`);
    writeFileSync(f, toPytorch(cell, { provenance: `test cell ${label}` }));
    return f;
  });
  // One interpreter for all files: py_compile exits non-zero on the first that does not parse.
  const r = spawnSync(PYTHON!, ['-m', 'py_compile', ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('one step of the PyTorch module equals the reference evaluator (float64)', { skip: TORCH_PYTHON ? false : 'PyTorch is not installed' }, () => {
  const H = 5;
  const B = 2;
  const dir = mkdtempSync(join(tmpdir(), 'cellsearch-torch-'));
  const cases = cells().map(({ label, cell }, i) => {
    const params = randomParams(cell, H, `p${i}`);
    const rng = seedrandom(`io${i}`);
    const vec = () => Array.from({ length: H }, () => 2 * rng() - 1);
    const xs = Array.from({ length: B }, vec);
    const states = Array.from({ length: B }, () => Object.fromEntries(cell.states.map((s) => [s, vec()])));
    const expected = xs.map((x, b) =>
      Object.fromEntries(
        Object.entries(
          evaluateStep(cell, params, H, Float64Array.from(x), Object.fromEntries(cell.states.map((s) => [s, Float64Array.from(states[b][s])]))).next,
        ).map(([s, v]) => [s, [...v]]),
      ),
    );
    const module = `cell_${i}`;
    writeFileSync(join(dir, `${module}.py`), toPytorch(cell, { className: 'TheCell' }));
    return { label, module, states: cell.states, params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [...v]])), xs, stateIn: states, expected };
  });
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
  const script = `
import importlib, json, sys
import torch
torch.set_default_dtype(torch.float64)
out = []
for c in json.load(open(sys.argv[1])):
    m = importlib.import_module(c["module"])
    cell = m.TheCell(${H}).double()
    cell.load_cellsearch_params(c["params"])
    x = torch.tensor(c["xs"], dtype=torch.float64)
    state = tuple(torch.tensor([s[name] for s in c["stateIn"]], dtype=torch.float64) for name in c["states"])
    h, new = cell(x, state)
    layer = m.TheLayer(${H}).double()
    # As model.getWeights() names them: layer prefixes, another layer and the embedding are skipped.
    named = {"layer1/" + k: [0.0] * len(v) for k, v in c["params"].items()}
    named.update({"layer0/" + k: v for k, v in c["params"].items()})
    named["embed"] = [0.0]
    layer.cell.load_cellsearch_params(named, layer=0)
    ys, final = layer(torch.stack([x, x]), state)
    out.append({"h": h.tolist(), "new": [t.tolist() for t in new], "layer0": ys[0].tolist(), "hIndex": c["states"].index("h")})
print(json.dumps(out))
`;
  const r = spawnSync(TORCH_PYTHON!, ['-c', script, join(dir, 'cases.json')], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { h: number[][]; new: number[][][]; layer0: number[][]; hIndex: number }[];
  assert.equal(got.length, cases.length);
  cases.forEach((c, i) => {
    c.states.forEach((s, k) => {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const want = c.expected[b][s][j];
          assert.ok(Math.abs(got[i].new[k][b][j] - want) <= 1e-9 * (1 + Math.abs(want)), `${c.label}: state ${s}[${b}][${j}] ${got[i].new[k][b][j]} vs ${want}`);
        }
      }
    });
    assert.deepEqual(got[i].h, got[i].new[got[i].hIndex], `${c.label}: forward returns the new h`);
    assert.deepEqual(got[i].layer0, got[i].h, `${c.label}: the layer's first output is one step of the cell`);
  });
});
