// The cell notation: round trips (zoo and random graphs), stable printing, located errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { INPUT, OPS, type Cell, type CellJson, type CellNode } from './graph.ts';
import { NotationError, parseNotation, printNotation, readNotation } from './notation.ts';
import { parseCell } from './validate.ts';
import { cellHash } from './canonical.ts';
import { randomCell } from './random.ts';
import { ZOO } from './zoo/index.ts';

/**
 * The exact structure of a cell, independent of node ids and node order: for every state the
 * Merkle hash of its new value (ops, options and operand order all count), and the multiset of
 * node hashes (so sharing a node and duplicating it differ, and dead nodes count).
 */
export function structure(cell: CellJson): { states: string[]; outputs: string[]; nodes: string[] } {
  const byId = new Map(cell.nodes.map((n) => [n.id, n]));
  const memo = new Map<string, string>();
  const sig = (ref: string): string => {
    const n = byId.get(ref);
    if (!n) return ref === INPUT ? 'x' : `state:${ref}`;
    let s = memo.get(ref);
    if (s === undefined) {
      const opts = n.op === 'linear' ? JSON.stringify([n.bias, n.biasInit, n.diagOffset]) : '';
      s = createHash('sha1')
        .update(`${n.op}${opts}(${(n.in ?? []).map(sig).join(',')})`)
        .digest('hex');
      memo.set(ref, s);
    }
    return s;
  };
  return {
    states: [...cell.states],
    outputs: cell.states.map((s) => sig(cell.outputs[s])),
    nodes: cell.nodes.map((n) => sig(n.id)).sort(),
  };
}

function roundTrip(cell: Cell): { text: string; back: Cell } {
  const text = printNotation(cell);
  const back = readNotation(text, 'printed.cell');
  return { text, back };
}

const GRU_TEXT = `# The GRU of the issue, with the new value primed.
cell GRU(x; h)
  r = sigmoid(linear(x, h))
  z = sigmoid(linear(x, h))
  n = tanh(linear(x, r * h))
  h' = z * h + (1 - z) * n
`;

test('the GRU as the papers write it parses to the zoo GRU and prints back the same lines', () => {
  const cell = readNotation(GRU_TEXT, 'gru.cell');
  assert.deepEqual(structure(cell), structure(ZOO.gru));
  assert.deepEqual(cell.states, ['h']);
  assert.equal(cell.name, 'GRU');
  assert.equal(cell.nodes.length, 12);
  assert.equal(printNotation(cell), GRU_TEXT.split('\n').slice(1).join('\n'));
});

test('every zoo cell survives notation -> cell and JSON -> cell with the same structure and metadata', () => {
  assert.ok(Object.keys(ZOO).length >= 19);
  for (const [key, cell] of Object.entries(ZOO)) {
    const { text, back } = roundTrip(cell);
    assert.deepEqual(structure(back), structure(cell), `${key}: notation round trip\n${text}`);
    assert.equal(cellHash(back), cellHash(cell), `${key}: parse(print(g)) has the hash of g`);
    assert.deepEqual([back.name, back.description, back.source], [cell.name, cell.description, cell.source], key);
    assert.equal(printNotation(back), text, `${key}: printing is stable`);
    const viaJson = parseCell(JSON.parse(JSON.stringify(back)), key);
    assert.deepEqual(structure(viaJson), structure(cell), `${key}: notation -> JSON -> cell`);
    assert.equal(printNotation(viaJson), text, `${key}: JSON of the parsed notation prints the same`);
  }
});

test('zoo cells print as the papers write them', () => {
  const text = printNotation(ZOO['greff-vanilla']);
  assert.match(text, /^ {2}i = sigmoid\(linear\(x, h\) \+ diag\(c\)\)$/m);
  assert.match(text, /^ {2}o = sigmoid\(linear\(x, h\) \+ diag\(c'\)\)$/m, 'the output gate peeps at the new c');
  assert.match(text, /^ {2}h' = tanh\(c'\) \* o$/m);
  assert.match(printNotation(ZOO['lstm-b']), /f = sigmoid\(linear\(x, h; biasInit=1\)\)/);
  assert.match(printNotation(ZOO['greff-cifg']), /c \* \(1 - i\)/);
  assert.match(printNotation(ZOO['tanh-rnn']), /^cell "Tanh RNN"\(x; h\)$/m);
});

// ---------------------------------------------------------------------------------------------
// Random graphs, made to be awkward for a printer: ids that look like generated names, keywords
// or operations; explicit default options; shared and dead nodes; shared `one` constants; deep
// left- and right-nested arithmetic; several states, one output shared by two states.
// ---------------------------------------------------------------------------------------------

const AWKWARD_IDS = ['r', 'r_1', 'h_new', 'h_new_1', 'c_new', 'tanh', 'linear', 'one', 'cell', 'description', 'source', 'bias', 'n_2', 'o', 'z'];
const OPTION_VALUES = [0, 1, -1, 0.5, -2.25, 1e-7, 3e21, 1 / 3];

function randomJson(rng: () => number): CellJson {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const stateCount = 1 + Math.floor(rng() * 3);
  const states = ['h', 'c', 'g1'].slice(0, stateCount);
  const refs: string[] = [INPUT, ...states];
  const used = new Set(refs);
  const nodes: CellNode[] = [];
  const count = 1 + Math.floor(rng() * 14);
  for (let k = 0; k < count; k++) {
    let id = rng() < 0.5 ? pick(AWKWARD_IDS) : `n${k}`;
    while (used.has(id)) id = `${id}_${k}`;
    used.add(id);
    // Favour recent nodes as inputs so that graphs get deep.
    const input = () => (rng() < 0.6 && refs.length > 1 + stateCount ? refs[refs.length - 1 - Math.floor(rng() * Math.min(3, refs.length - 1 - stateCount))] : pick(refs));
    const op = pick(OPS);
    let node: CellNode;
    if (op === 'linear') {
      const n: CellNode = { id, op, in: Array.from({ length: 1 + Math.floor(rng() * 4) }, input) };
      if (rng() < 0.3) n.bias = rng() < 0.5;
      if (rng() < 0.3) n.biasInit = pick(OPTION_VALUES);
      if (rng() < 0.3) n.diagOffset = pick(OPTION_VALUES);
      node = n;
    } else if (op === 'one') node = rng() < 0.3 ? { id, op, in: [] } : { id, op };
    else if (op === 'add' || op === 'sub' || op === 'mul') node = { id, op, in: [input(), input()] };
    else node = { id, op, in: [input()] };
    nodes.push(node);
    refs.push(id);
  }
  const nodeIds = nodes.map((n) => n.id);
  const outputs: Record<string, string> = {};
  for (const s of states) {
    outputs[s] = rng() < 0.15 && Object.keys(outputs).length > 0 ? pick(Object.values(outputs)) : rng() < 0.6 ? nodeIds[nodeIds.length - 1 - Math.floor(rng() * Math.min(2, nodeIds.length))] : pick(nodeIds);
  }
  return { states, nodes, outputs };
}

/** At least `want` valid random cells from a seed (invalid draws are skipped). */
function randomCells(seed: string, want: number): Cell[] {
  const rng = seedrandom(seed);
  const out: Cell[] = [];
  for (let tries = 0; out.length < want; tries++) {
    assert.ok(tries < want * 200, 'the random cell generator rarely makes valid cells');
    try {
      out.push(parseCell(randomJson(rng)));
    } catch {
      // not a valid cell (no dependence on x or the state, usually): draw again
    }
  }
  return out;
}

test('250 random valid graphs survive print -> parse with the exact structure, and printing is stable', () => {
  const cells = randomCells('notation-roundtrip', 250);
  let shared = 0;
  for (const [i, cell] of cells.entries()) {
    const { text, back } = roundTrip(cell);
    assert.deepEqual(structure(back), structure(cell), `random cell ${i}:\n${JSON.stringify(cell)}\n${text}`);
    assert.equal(cellHash(back), cellHash(cell), `random cell ${i}: hash`);
    assert.equal(printNotation(back), text, `random cell ${i}: print(parse(print(g))) = print(g)`);
    const viaJson = parseCell(JSON.parse(JSON.stringify(back)));
    assert.deepEqual(structure(viaJson), structure(cell), `random cell ${i}: JSON round trip`);
    if (new Set(Object.values(cell.outputs)).size < cell.states.length) shared++;
  }
  assert.ok(shared > 0, 'some random cells share one output between two states');
});

test('220 cells of randomCell (cells/random.ts) survive print -> parse with their hash, and print stably', () => {
  const rng = seedrandom('notation-randomCell');
  for (let i = 0; i < 220; i++) {
    const cell = randomCell(rng, { keepDead: i % 4 === 0 });
    const { text, back } = roundTrip(cell);
    assert.equal(cellHash(back), cellHash(cell), `randomCell ${i}:\n${JSON.stringify(cell)}\n${text}`);
    assert.deepEqual(structure(back), structure(cell), `randomCell ${i}`);
    assert.equal(printNotation(back), text, `randomCell ${i}: stable`);
    assert.equal(cellHash(parseCell(JSON.parse(JSON.stringify(back)))), cellHash(cell), `randomCell ${i}: JSON round trip`);
  }
});

test('print(parse(s)) is stable after one round for hand-written text', () => {
  const written = `cell weird(x; h, c)   # a comment after the header
  a = linear(x,
             h; bias=false, biasInit=-0.5)      # continued inside parentheses
  b = a
  c' = tanh(b) * (c - 1) - (a * (h + x))
  h' = relu(linear(c'; diagOffset=1e-3)) + b + 1
`;
  const once = printNotation(readNotation(written));
  assert.equal(printNotation(readNotation(once)), once);
  assert.equal(
    once,
    `cell weird(x; h, c)
  a = linear(x, h; bias=false, biasInit=-0.5)
  c' = tanh(a) * (c - 1) - a * (h + x)
  h' = relu(linear(c'; diagOffset=0.001)) + a + 1
`,
  );
});

test('arithmetic keeps its tree: precedence, left associativity and parentheses', () => {
  const cell = parseNotation(`cell t(x; h)
  h' = x - (h - x) * h + x * (h * x) - 1
`);
  const byId = new Map(cell.nodes.map((n) => [n.id, n]));
  const show = (ref: string): string => {
    const n = byId.get(ref);
    if (!n) return ref;
    if (n.op === 'one') return '1';
    return `${n.op}(${(n.in ?? []).map(show).join(', ')})`;
  };
  assert.equal(show(cell.outputs.h), 'sub(add(sub(x, mul(sub(h, x), h)), mul(x, mul(h, x))), 1)');
  assert.equal(printNotation(parseCell(cell)).split('\n')[1], "  h' = x - (h - x) * h + x * (h * x) - 1");
});

test('inner nodes get names derived from their line that never clash with names in the file', () => {
  const cell = parseNotation(`cell t(x; h)
  r = sigmoid(linear(x, h))
  r_1 = tanh(r)
  h' = r_1 * h + x
`);
  const ids = cell.nodes.map((n) => n.id);
  assert.deepEqual(ids, ['r_2', 'r', 'r_1', 'h_new_1', 'h_new']);
  assert.equal(cell.outputs.h, 'h_new');
});

test('metadata: quoted names, verbatim fields, and JSON strings for text that needs escapes', () => {
  const cell = readNotation(`cell "LSTM (tanh output)"(x; h)
  description: uses # and "quotes" inside
  source: "  padded\\nand two lines"
  h' = tanh(linear(x, h))
`);
  assert.equal(cell.name, 'LSTM (tanh output)');
  assert.equal(cell.description, 'uses # and "quotes" inside');
  assert.equal(cell.source, '  padded\nand two lines');
  const back = readNotation(printNotation(cell));
  assert.deepEqual([back.name, back.description, back.source], [cell.name, cell.description, cell.source]);
  const bare = readNotation(`cell (x; h)\n  h' = tanh(linear(x, h))\n`);
  assert.equal(bare.name, undefined);
  assert.match(printNotation(bare), /^cell \(x; h\)\n/);
});

test('a bare name on the right is another name, not a node; h\' = c\' shares one node', () => {
  const cell = readNotation(`cell t(x; h, c)
  a = linear(x, h, c)
  b = a
  c' = tanh(b)
  h' = c'
`);
  assert.equal(cell.nodes.length, 2);
  assert.equal(cell.outputs.h, cell.outputs.c);
  // The shared node is written as the new value of the first state in the header.
  assert.equal(printNotation(cell).split('\n').slice(1).join('\n'), "  h' = tanh(linear(x, h, c))\n  c' = h'\n");
});

// ---------------------------------------------------------------------------------------------
// Errors: every one is a NotationError at a line and column.
// ---------------------------------------------------------------------------------------------

const ERRORS: [string, string, number, number, RegExp][] = [
  ['empty file', '# nothing\n', 2, 1, /empty cell/],
  ['no header', "h' = x\n", 1, 1, /expected a header like 'cell GRU\(x; h\)'/],
  ['input not x', 'cell t(y; h)\n', 1, 8, /must be 'x', found 'y'/],
  ['missing ;', 'cell t(x, h)\n', 1, 9, /expected ';'/],
  ['duplicate state', 'cell t(x; h, h)\n', 1, 14, /state 'h' is declared twice/],
  ['junk after header', 'cell t(x; h) y\n', 1, 14, /unexpected 'y' after the header/],
  ['assigning a state without prime', "cell t(x; h)\n  h = tanh(x)\n", 2, 3, /'h' is a state: .*previous step's value; write its new value as h' = \.\.\./],
  ['prime on a non-state', "cell t(x; h)\n  a' = tanh(x)\n", 2, 3, /a' names a new value, but 'a' is not a state/],
  ['unknown op', "cell t(x; h)\n  h' = softmax(linear(x, h))\n", 2, 8, /unknown operation 'softmax' \(known: linear, diag, tanh/],
  ['wrong arity', "cell t(x; h)\n  h' = tanh(x, h)\n", 2, 8, /tanh takes 1 input, found 2/],
  ['linear with no input', "cell t(x; h)\n  h' = tanh(linear())\n", 2, 13, /linear needs at least one input/],
  ['undefined reference', "cell t(x; h)\n  h' = tanh(linear(x, hh))\n", 2, 23, /undefined name 'hh' \(known: x, h\)/],
  ['use before definition', "cell t(x; h)\n  a = tanh(b)\n  b = linear(x, h)\n  h' = a\n", 2, 12, /'b' is used before its definition on line 3/],
  ['a cycle is a use before definition', "cell t(x; h)\n  a = tanh(linear(x, b))\n  b = tanh(a)\n  h' = b * h\n", 2, 22, /'b' is used before its definition on line 3/],
  ['self reference', "cell t(x; h)\n  a = tanh(a)\n  h' = a\n", 2, 12, /'a' is defined in terms of itself/],
  ['new value read before assigned', "cell t(x; h, c)\n  h' = tanh(c')\n  c' = linear(x, h)\n", 2, 13, /c' \(the new c\) is used before line 3 assigns it/],
  ['state without a new value', "cell t(x; h, c)\n  h' = tanh(linear(x, h, c))\n", 1, 14, /state 'c' has no new value: add a line c' = \.\.\./],
  ['defined twice', "cell t(x; h)\n  a = tanh(x)\n  a = tanh(h)\n  h' = a\n", 3, 3, /'a' is defined twice \(first on line 2\)/],
  ['assigned twice', "cell t(x; h)\n  h' = tanh(linear(x, h))\n  h' = tanh(x)\n", 3, 3, /h' is assigned twice/],
  ['constant other than 1', "cell t(x; h)\n  h' = 2 * tanh(linear(x, h))\n", 2, 8, /only the constant 1 can appear/],
  ['unclosed parenthesis', "cell t(x; h)\n  h' = tanh(linear(x, h)\n", 3, 1, /expected '\)' to close tanh\(, found the end of the file/],
  ['dangling operator', "cell t(x; h)\n  h' = tanh(linear(x, h)) +\n", 2, 28, /expected a name, a function call, 1 or '\(', found the end of the line/],
  ['unknown option', "cell t(x; h)\n  h' = tanh(linear(x, h; init=1))\n", 2, 26, /unknown option 'init' of linear \(known: bias, biasInit, diagOffset\)/],
  ['bad option value', "cell t(x; h)\n  h' = tanh(linear(x, h; bias=1))\n", 2, 31, /option 'bias' is true or false/],
  ['options on another op', "cell t(x; h)\n  h' = tanh(x; bias=false)\n", 2, 14, /tanh takes no options/],
  ['unknown field', "cell t(x; h)\n  author: me\n  h' = tanh(linear(x, h))\n", 2, 3, /unknown field 'author'/],
  ['field after the equations', "cell t(x; h)\n  h' = tanh(linear(x, h))\n  source: me\n", 3, 3, /belongs right after the header/],
  ['assigning x', "cell t(x; h)\n  x = tanh(h)\n  h' = x\n", 2, 3, /'x' is the input and cannot be assigned/],
  ['unterminated name', 'cell "GRU(x; h)\n', 1, 6, /unterminated string/],
  ['missing =', "cell t(x; h)\n  h' tanh(x)\n", 2, 6, /expected '=' after 'h''/],
  // Semantic errors found by cells/validate.ts, moved to the line that made the part at fault.
  ['output not depending on x', "cell t(x; h)\n  a = tanh(linear(x))\n  h' = tanh(linear(h))\n", 3, 3, /the new value of state 'h' .* does not depend on the input x/],
  ['output not depending on a state', "cell t(x; h)\n  h' = tanh(linear(x))\n", 2, 3, /does not depend on any state/],
  ['no state h', "cell t(x; c)\n  c' = tanh(linear(x, c))\n", 1, 1, /must include 'h'/],
];

for (const [what, text, line, col, message] of ERRORS) {
  test(`error: ${what} -> file:${line}:${col}`, () => {
    assert.throws(
      () => readNotation(text, 'bad.cell'),
      (err: unknown) => {
        assert.ok(err instanceof NotationError, `a NotationError, got ${String(err)}`);
        assert.equal(`${err.line}:${err.col}`, `${line}:${col}`, err.message);
        assert.equal(err.userFacing, true);
        assert.ok(err.message.startsWith(`bad.cell:${line}:${col}: `), err.message);
        assert.match(err.detail, message);
        return true;
      },
    );
  });
}

test('3000 random corruptions of zoo texts: each parses (and prints stably) or is a located NotationError', () => {
  const rng = seedrandom('notation-fuzz');
  const texts = Object.values(ZOO).map(printNotation);
  const alphabet = "()[],;:='\"#*+-1 \n\txhcabz0.9e";
  let parsed = 0;
  for (let k = 0; k < 3000; k++) {
    let t = texts[k % texts.length];
    for (let e = 1 + Math.floor(rng() * 3); e > 0; e--) {
      const at = Math.floor(rng() * (t.length + 1));
      const r = rng();
      const ch = alphabet[Math.floor(rng() * alphabet.length)];
      t = r < 0.4 ? t.slice(0, at) + t.slice(at + 1) : r < 0.8 ? t.slice(0, at) + ch + t.slice(at) : t.slice(0, at) + t.slice(at + 1 + Math.floor(rng() * 10));
    }
    let cell: Cell;
    try {
      cell = readNotation(t, 'fuzz.cell');
    } catch (err) {
      assert.ok(err instanceof NotationError, `not a NotationError for ${JSON.stringify(t)}: ${String(err)}`);
      const lines = t.split('\n');
      assert.ok(err.line >= 1 && err.line <= lines.length + 1 && err.col >= 1 && err.col <= (lines[err.line - 1]?.length ?? 0) + 1, `${err.message} lies in the text`);
      continue;
    }
    parsed++;
    const p = printNotation(cell);
    assert.equal(printNotation(readNotation(p)), p, `stable for ${JSON.stringify(t)}`);
  }
  assert.ok(parsed > 300 && parsed < 2700, `a mix of valid and invalid texts (${parsed} parsed)`);
});

test('a control character in a name, description or source is refused with the field named', () => {
  assert.throws(() => readNotation(`cell "a\\u001bb"(x; h)\n  h' = tanh(linear(x, h))\n`), /1:1: name: must not contain control characters/);
  assert.throws(() => readNotation(`cell a(x; h)\n  description: "bell\\u0007"\n  h' = tanh(linear(x, h))\n`), /1:1: description: must not contain control characters/);
  assert.throws(() => readNotation(`cell a(x; h)\n  source: nul\u0000\n  h' = tanh(linear(x, h))\n`), /1:1: source: must not contain control characters/);
});

test('deep input is a located error, not a stack overflow: 100,000 parentheses, calls or terms', () => {
  const n = 100_000;
  const cases = [
    `cell A(x; h)\n  h' = tanh(linear(x, ${'('.repeat(n)}h${')'.repeat(n)}))\n`,
    `cell A(x; h)\n  h' = ${'tanh('.repeat(n)}linear(x, h)${')'.repeat(n)}\n`,
    `cell A(x; h)\n  h' = tanh(linear(x, h))${' + h'.repeat(n)}\n`,
    `cell A(x; h)\n  h' = tanh(linear(x, h))${' * h'.repeat(n)}\n`,
  ];
  for (const text of cases) {
    assert.throws(() => readNotation(text, 'deep.cell'), (e: unknown) => e instanceof NotationError && /^deep\.cell:2:\d+: expression nested deeper than 200 levels/.test((e as Error).message));
  }
  // Up to the limit it parses.
  const ok = readNotation(`cell A(x; h)\n  h' = ${'tanh('.repeat(198)}linear(x, h)${')'.repeat(198)}\n`);
  assert.equal(ok.nodes.length, 199);
});
