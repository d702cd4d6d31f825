// `cellsearch show` through the real CLI: the three formats, zoo keys and files, and every class
// of invalid cell file giving a located message and exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { printNotation } from '../cells/notation.ts';
import { parseCell } from '../cells/validate.ts';
import { paramCount } from '../cells/graph.ts';
import { ZOO } from '../cells/zoo/index.ts';

const dir = tempDir('cellsearch-show-');
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('show <zoo key> prints the notation, with the parameter count at --hidden', () => {
  const r = runCli(['show', 'greff-vanilla', '--hidden', '16']);
  assert.equal(r.status, 0, r.stderr);
  const count = paramCount(ZOO['greff-vanilla'], 16);
  assert.equal(r.stdout, `${printNotation(ZOO['greff-vanilla'])}# ${count} parameters at hidden=16\n`);
  assert.equal(count, 4 * (2 * 16 * 16 + 16) + 3 * 16, 'four linear maps of x and h with biases, three peepholes');
});

test('a notation file shows as JSON that is a valid cell with the same content', () => {
  const p = file('gru.cell', "cell GRU(x; h)\n  r = sigmoid(linear(x, h))\n  z = sigmoid(linear(x, h))\n  n = tanh(linear(x, r * h))\n  h' = z * h + (1 - z) * n\n");
  const r = runCli(['show', p, '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const cell = parseCell(JSON.parse(r.stdout));
  assert.equal(printNotation(cell), printNotation(ZOO.gru).replace(/^ {2}(description|source):.*\n/gm, ''));
});

test('a JSON file shows as DOT', () => {
  const p = file('lstm.json', JSON.stringify(ZOO.lstm));
  const r = runCli(['show', p, '--format', 'dot', '--hidden', '8']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^digraph "LSTM" \{\n/);
  assert.match(r.stdout, new RegExp(`${paramCount(ZOO.lstm, 8)} parameters at hidden=8`));
  for (const n of ZOO.lstm.nodes) assert.ok(r.stdout.includes(`"node:${n.id}" [label=`), n.id);
});

test('--canonical: the zoo LSTM and a hand-written one with other names and order print the same', () => {
  const p = file('mine.cell', `cell mine(x; h, c)
  out = sigmoid(linear(h, x))      # operands swapped, gates in another order
  cand = tanh(linear(x, h))
  inp = sigmoid(linear(x, h))
  forget = sigmoid(linear(x, h))
  dead = relu(x)
  c' = cand * inp + forget * c
  h' = tanh(c') * out
`);
  const body = (t: string) => t.split('\n').filter((l) => !/^cell |^ {2}(description|source):/.test(l)).join('\n');
  const zoo = runCli(['show', 'lstm', '--canonical']);
  const mine = runCli(['show', p, '--canonical']);
  assert.equal(zoo.status, 0, zoo.stderr);
  assert.equal(mine.status, 0, mine.stderr);
  assert.match(zoo.stdout, /\n# cellHash [0-9a-f]{16}\n$/);
  assert.equal(body(mine.stdout), body(zoo.stdout));
});

test('show of neither a zoo key nor a file lists the zoo and exits 2', () => {
  const r = runCli(['show', 'no-such-cell']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /'no-such-cell' is neither a zoo cell nor a file \(the zoo has: tanh-rnn, lstm/);
});

// Every class of invalid cell, as a JSON file and as a notation file (a cycle cannot be written in
// the notation: a name used before its definition is the error there).
const GOOD_NODES = [
  { id: 'a', op: 'linear', in: ['x', 'h'] },
  { id: 'n', op: 'tanh', in: ['a'] },
];
const json = (nodes: unknown[], outputs: Record<string, string> = { h: 'n' }, states = ['h']) => JSON.stringify({ states, nodes, outputs }, null, 2);

const INVALID: [string, string, string, RegExp][] = [
  ['json: cycle', 'cycle.json', json([{ id: 'a', op: 'linear', in: ['x', 'h', 'n'] }, { id: 'n', op: 'tanh', in: ['a'] }]), /cycle\.json:6:5: nodes\[0\] \('a'\): cycle: a -> n -> a/],
  ['json: unknown op', 'op.json', json([GOOD_NODES[0], { id: 'n', op: 'softmax', in: ['a'] }]), /op\.json:16:13: nodes\[1\]\.op: unknown op "softmax" in node 'n'/],
  ['json: wrong arity', 'arity.json', json([GOOD_NODES[0], { id: 'n', op: 'tanh', in: ['a', 'h'] }]), /arity\.json:17:13: nodes\[1\] \('n'\)\.in: wrong arity: tanh takes exactly 1 input, got 2/],
  ['json: undefined reference', 'ref.json', json([{ id: 'a', op: 'linear', in: ['x', 'hh'] }, GOOD_NODES[1]]), /ref\.json:11:9: nodes\[0\] \('a'\)\.in\[1\]: undefined reference 'hh'/],
  ['json: state without a new value', 'state.json', json(GOOD_NODES, { h: 'n' }, ['h', 'c']), /state\.json:23:14: outputs: state 'c' has no new value/],
  ['json: output not depending on x', 'nox.json', json([{ id: 'a', op: 'linear', in: ['h'] }, GOOD_NODES[1]]), /nox\.json:22:10: outputs\.h: .*does not depend on the input x/],
  ['json: output not depending on the state', 'nostate.json', json([{ id: 'a', op: 'linear', in: ['x'] }, GOOD_NODES[1]]), /nostate\.json:22:10: outputs\.h: .*does not depend on any state/],
  ['json: syntax error', 'syntax.json', '{\n  "states": ["h"],\n  "nodes": [}\n', /syntax\.json:3:13: invalid JSON: expected a value .*, found "\}"/],
  ['notation: syntax error', 'syntax.cell', "cell t(x; h)\n  h' = tanh(linear(x, h)\n", /syntax\.cell:3:1: expected '\)' to close tanh\(/],
  ['notation: use before definition (no cycles)', 'cycle.cell', "cell t(x; h)\n  a = linear(x, h, n)\n  n = tanh(a)\n  h' = n\n", /cycle\.cell:2:20: 'n' is used before its definition on line 3/],
  ['notation: unknown op', 'op.cell', "cell t(x; h)\n  h' = softmax(linear(x, h))\n", /op\.cell:2:8: unknown operation 'softmax'/],
  ['notation: wrong arity', 'arity.cell', "cell t(x; h)\n  h' = tanh(linear(x, h), x)\n", /arity\.cell:2:8: tanh takes 1 input, found 2/],
  ['notation: undefined reference', 'ref.cell', "cell t(x; h)\n  h' = tanh(linear(x, hh))\n", /ref\.cell:2:23: undefined name 'hh'/],
  ['notation: state without a new value', 'state.cell', "cell t(x; h, c)\n  h' = tanh(linear(x, h, c))\n", /state\.cell:1:14: state 'c' has no new value/],
  ['notation: output not depending on x', 'nox.cell', "cell t(x; h)\n  h' = tanh(linear(h))\n", /nox\.cell:2:3: the new value of state 'h' .*does not depend on the input x/],
  ['notation: output not depending on the state', 'nostate.cell', "cell t(x; h)\n  h' = tanh(linear(x))\n", /nostate\.cell:2:3: the new value of state 'h' .*does not depend on any state/],
];

for (const [what, name, text, message] of INVALID) {
  test(`show rejects an invalid cell file (${what}) with its location and exit 2`, () => {
    const r = runCli(['show', file(name, text)]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^cellsearch: /);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  });
}
