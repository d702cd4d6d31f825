// NAS-Bench-NLP recipes both ways. The recipes are written by hand in their format (custom_rnn.py
// of github.com/fmsnew/nas-bench-nlp-release; their files cannot be downloaded here), as Python's
// json.dumps writes them, which is the string their benchmark looks results up by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { cellHash } from './canonical.ts';
import { evaluateStep } from './evaluate.ts';
import { cellToRecipe, dumpsRecipe, parseRecipe, pythonJsonDumps, recipesFromJson, recipeToCell, RECIPE_OPS, type Recipe } from './nas-bench-nlp.ts';
import { parseCell } from './validate.ts';
import { ZOO } from './zoo/index.ts';
import { CellError } from './validate.ts';

// An LSTM (sigmoid output gate) and the GRU, as json.dumps prints them.
const LSTM =
  '{"i": {"op": "linear", "input": ["x", "h_prev_0"]}, "i_act": {"op": "activation_sigm", "input": ["i"]}, "j": {"op": "linear", "input": ["x", "h_prev_0"]}, "j_act": {"op": "activation_tanh", "input": ["j"]}, ' +
  '"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "f_act": {"op": "activation_sigm", "input": ["f"]}, "o": {"op": "linear", "input": ["x", "h_prev_0"]}, "o_act": {"op": "activation_sigm", "input": ["o"]}, ' +
  '"h_new_1_part1": {"op": "elementwise_prod", "input": ["f_act", "h_prev_1"]}, "h_new_1_part2": {"op": "elementwise_prod", "input": ["i_act", "j_act"]}, "h_new_1": {"op": "elementwise_sum", "input": ["h_new_1_part1", "h_new_1_part2"]}, ' +
  '"h_new_1_act": {"op": "activation_tanh", "input": ["h_new_1"]}, "h_new_0": {"op": "elementwise_prod", "input": ["h_new_1_act", "o_act"]}}';
const GRU =
  '{"r": {"op": "linear", "input": ["x", "h_prev_0"]}, "r_act": {"op": "activation_sigm", "input": ["r"]}, "z": {"op": "linear", "input": ["x", "h_prev_0"]}, "z_act": {"op": "activation_sigm", "input": ["z"]}, ' +
  '"rh": {"op": "elementwise_prod", "input": ["r_act", "h_prev_0"]}, "h_tilde": {"op": "linear", "input": ["x", "rh"]}, "h_tilde_act": {"op": "activation_tanh", "input": ["h_tilde"]}, ' +
  '"h_new_0": {"op": "blend", "input": ["z_act", "h_prev_0", "h_tilde_act"]}}';

const parse = (s: string) => parseRecipe(JSON.parse(s), 'test');

/** Recipe -> cell -> recipe: the same json.dumps string, and the cell of the second import has the same hash. */
function roundTrip(text: string): string {
  const cell = recipeToCell(parse(text));
  const { recipe, notes } = cellToRecipe(cell);
  assert.deepEqual(notes, []);
  const back = dumpsRecipe(recipe);
  assert.equal(back, text);
  assert.equal(cellHash(recipeToCell(recipe)), cellHash(cell));
  return cellHash(cell);
}

test('the LSTM-like recipe round-trips to the same json.dumps string and is the zoo LSTM', () => {
  assert.equal(roundTrip(LSTM), cellHash(ZOO.lstm));
});

test('the GRU-like recipe (blend) round-trips to the same json.dumps string and is the zoo GRU', () => {
  assert.equal(roundTrip(GRU), cellHash(ZOO.gru));
});

test('the zoo GRU and LSTM export to recipes that import as the same cells', () => {
  for (const key of ['gru', 'lstm', 'tanh-rnn'] as const) {
    const { recipe } = cellToRecipe(ZOO[key]);
    assert.equal(cellHash(recipeToCell(recipe)), cellHash(ZOO[key]), key);
  }
  assert.equal(cellToRecipe(ZOO.gru).recipe.h_new_0.op, 'blend');
});

/** A random recipe of their search space: the seven ops, one or two states, dead nodes allowed. */
function randomRecipe(rng: () => number): Recipe {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const states = rng() < 0.5 ? 1 : 2;
  const refs = ['x', ...Array.from({ length: states }, (_, k) => `h_prev_${k}`)];
  const recipe: Recipe = {};
  const n = 3 + Math.floor(rng() * 8);
  const names = Array.from({ length: n }, (_, i) => `node_${i}`);
  // The last nodes become the states' new values; every node reads x and a state somewhere up its
  // graph because the first node is a linear of both.
  for (let s = 0; s < states; s++) names[n - 1 - s] = `h_new_${s}`;
  names.forEach((name, i) => {
    const op = i === 0 ? 'linear' : pick(RECIPE_OPS);
    const arity = op === 'linear' ? 1 + Math.floor(rng() * 3) : op === 'blend' ? 3 : op.startsWith('elementwise') ? 2 : 1;
    const input = i === 0 ? ['x', 'h_prev_0', ...refs.slice(2)] : Array.from({ length: arity }, (_, k) => (k === 0 ? names[i - 1] : pick([...refs, ...names.slice(0, i)])));
    recipe[name] = { op, input };
  });
  return recipe;
}

test('random recipes round-trip: the same json.dumps string and the same hash', () => {
  const rng = seedrandom('nas-bench-nlp');
  const ops = new Set<string>();
  let checked = 0;
  for (let k = 0; k < 200; k++) {
    const recipe = randomRecipe(rng);
    for (const n of Object.values(recipe)) ops.add(n.op);
    let cell;
    try {
      cell = recipeToCell(recipe);
    } catch (err) {
      // A state whose new value does not depend on x or on a state is not a cell (validate.ts).
      assert.ok(err instanceof CellError && /depend/.test(err.message), String(err));
      continue;
    }
    const text = dumpsRecipe(recipe);
    assert.equal(roundTrip(text), cellHash(cell));
    checked++;
  }
  assert.ok(checked >= 150, `only ${checked} of 200 random recipes were cells`);
  assert.deepEqual([...ops].sort(), [...RECIPE_OPS].sort(), 'every op was drawn');
});

test('blend(a, b, c) = a*b + (1-a)*c in the float64 evaluator, by hand', () => {
  const cell = recipeToCell(parse('{"g": {"op": "linear", "input": ["x"]}, "h_new_0": {"op": "blend", "input": ["g", "x", "h_prev_0"]}}'));
  // g = W x + b with W = identity, b = [0, 1]: g = [0.5, 3]; h' = g*x + (1-g)*h.
  const p = { 'g.W0': Float64Array.from([1, 0, 0, 1]), 'g.b': Float64Array.from([0, 1]) };
  const r = evaluateStep(cell, p, 2, Float64Array.from([0.5, 2]), { h: Float64Array.from([4, -1]) });
  // [0.5*0.5 + 0.5*4, 3*2 + (1-3)*(-1)] = [2.25, 8]
  assert.deepEqual([...r.next.h], [2.25, 8]);
});

test('leaky_relu and a second state come through the import', () => {
  const cell = recipeToCell(parse('{"a": {"op": "linear", "input": ["x", "h_prev_0", "h_prev_1"]}, "h_new_1": {"op": "activation_leaky_relu", "input": ["a"]}, "h_new_0": {"op": "activation_tanh", "input": ["h_new_1"]}}'));
  assert.deepEqual(cell.states, ['h', 'c']);
  assert.deepEqual(cell.outputs, { h: 'h_new_0', c: 'h_new_1' });
  assert.equal(cell.nodes.find((n) => n.id === 'h_new_1')!.op, 'leaky_relu');
});

test('json.dumps: separators, key order, ASCII escapes', () => {
  assert.equal(pythonJsonDumps({ b: [1, 'x'], a: { c: null } }), '{"b": [1, "x"], "a": {"c": null}}');
  assert.equal(pythonJsonDumps('é\u007f"\n😀'), '"\\u00e9\\u007f\\"\\n\\ud83d\\ude00"');
});

test('what their ops cannot express is named: the node and why', () => {
  assert.throws(() => cellToRecipe(ZOO['greff-vanilla']), /node 'i_peep': a diagonal \(peephole\) weight: NAS-Bench-NLP's ops cannot express it/);
  const relu = parseCell({ states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'r', op: 'relu', in: ['a'] }], outputs: { h: 'r' } });
  assert.throws(() => cellToRecipe(relu), /node 'r': relu/);
  const shared = parseCell({ states: ['h', 'c'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h', 'c'] }, { id: 'n', op: 'tanh', in: ['a'] }], outputs: { h: 'n', c: 'n' } });
  assert.throws(() => cellToRecipe(shared), /node 'n': states h and c take the same value/);
  const sub = parseCell({ states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x'] }, { id: 's', op: 'sub', in: ['a', 'h'] }], outputs: { h: 's' } });
  assert.throws(() => cellToRecipe(sub), /node 's': a subtraction outside a blend/);
  // LSTM-b's forget bias is an initial value: the recipe drops it and says so.
  const { notes } = cellToRecipe(ZOO['lstm-b']);
  assert.equal(notes.length, 1);
  assert.match(notes[0], /biasInit=1 dropped/);
});

test('a blend whose product is also read elsewhere is still a blend, and the product is written too', () => {
  const cell = parseCell({
    states: ['h'],
    nodes: [
      { id: 'z', op: 'sigmoid', in: ['zl'] },
      { id: 'zl', op: 'linear', in: ['x', 'h'] },
      { id: 'one', op: 'one' },
      { id: 'nz', op: 'sub', in: ['one', 'z'] },
      { id: 'p', op: 'mul', in: ['h', 'z'] },
      { id: 'q', op: 'mul', in: ['x', 'nz'] },
      { id: 'm', op: 'add', in: ['q', 'p'] },
      { id: 'out', op: 'add', in: ['m', 'p'] },
    ],
    outputs: { h: 'out' },
  });
  const { recipe } = cellToRecipe(cell);
  assert.deepEqual(recipe.m, { op: 'blend', input: ['z', 'h_prev_0', 'x'] });
  assert.deepEqual(recipe.p, { op: 'elementwise_prod', input: ['h_prev_0', 'z'] });
  assert.equal(recipe.nz, undefined);
  // The same function: one step of both from the same weights.
  const back = recipeToCell(recipe);
  const p = { 'zl.W0': Float64Array.from([0.3]), 'zl.W1': Float64Array.from([-0.7]), 'zl.b': Float64Array.from([0.1]) };
  const a = evaluateStep(cell, p, 1, Float64Array.from([0.9]), { h: Float64Array.from([-0.4]) });
  const b = evaluateStep(back, p, 1, Float64Array.from([0.9]), { h: Float64Array.from([-0.4]) });
  assert.ok(Math.abs(a.next.h[0] - b.next.h[0]) < 1e-15);
});

test('files: a list, one recipe, a log and a list of logs; ids are positions or recepie_id', () => {
  const list = recipesFromJson(JSON.parse(`[${GRU}, ${LSTM}]`), 'f.json')!;
  assert.deepEqual(list.map((e) => e.id), [0, 1]);
  assert.deepEqual(recipesFromJson(JSON.parse(GRU), 'f.json')!.map((e) => e.id), [0]);
  const log = { recepie: GRU, recepie_id: 1234, status: 'OK', val_losses: [5.1] };
  assert.deepEqual(recipesFromJson(log, 'log.json')!.map((e) => [e.id, dumpsRecipe(e.recipe)]), [[1234, GRU]]);
  assert.deepEqual(recipesFromJson([log, { ...log, recepie_id: 7 }], 'logs.json')!.map((e) => e.id), [1234, 7]);
  assert.equal(recipesFromJson(ZOO.gru, 'gru.json'), undefined, 'a cell of ours is not a recipe');
});

test('bad recipes get messages naming the recipe, the node and the problem', () => {
  assert.throws(() => recipesFromJson([JSON.parse(GRU), { a: { op: 'activation_relu', input: ['x'] } }], 'f.json'), /f\.json: recipe 1: 'a'\.'op': .*their ops: linear, blend/);
  assert.throws(() => recipeToCell(parse('{"a": {"op": "linear", "input": ["x", "h_prev_0"]}}'), { where: 'r' }), /r: \(recipe\): no node 'h_new_0'/);
  assert.throws(() => recipeToCell(parse('{"h_new_0": {"op": "linear", "input": ["x", "nope"]}}')), /'h_new_0'\.input: 'nope' is neither x, h_prev_k nor a node/);
  assert.throws(() => recipeToCell(parse('{"h_new_0": {"op": "linear", "input": ["x", "h_prev_1"]}}')), /'h_prev_1' is not a state: the recipe has 1/);
  assert.throws(() => recipeToCell(parse('{"h_new_0": {"op": "blend", "input": ["x", "h_prev_0"]}}')), /blend takes exactly 3 inputs, got 2/);
  assert.throws(() => recipeToCell(parse('{"h_new_1": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_3": {"op": "linear", "input": ["x", "h_prev_0"]}}')), /no node 'h_new_2'/);
});
