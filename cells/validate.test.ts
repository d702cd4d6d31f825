import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../errors.ts';
import { CellError, ancestors, dependsOn, liveNodes, parseCell } from './validate.ts';

// A tanh RNN with an extra dead node, written out of order on purpose.
function rnn(): any {
  return {
    name: 'RNN',
    states: ['h'],
    nodes: [
      { id: 'n', op: 'tanh', in: ['a'] },
      { id: 'a', op: 'linear', in: ['x', 'h'] },
      { id: 'dead', op: 'relu', in: ['x'] },
    ],
    outputs: { h: 'n' },
  };
}

function rejects(json: unknown, pattern: RegExp, path?: string): CellError {
  try {
    parseCell(json, 'cell.json');
  } catch (err) {
    assert.ok(err instanceof CellError, `expected a CellError, got ${String(err)}`);
    assert.ok(isUserError(err));
    assert.match(err.message, /^cell\.json: /);
    assert.match(err.message, pattern);
    assert.equal(err.where, 'cell.json');
    if (path !== undefined) assert.equal(err.path, path);
    return err;
  }
  assert.fail(`expected ${pattern} to be rejected`);
}

test('a valid cell comes back in topological order, keeping input order where free', () => {
  const cell = parseCell(rnn());
  assert.deepEqual(cell.nodes.map((n) => n.id), ['a', 'n', 'dead']);
  assert.equal(cell.name, 'RNN');
  const sorted = parseCell({ states: ['h'], nodes: [{ id: 'b', op: 'tanh', in: ['x'] }, { id: 'a', op: 'linear', in: ['h', 'b'] }], outputs: { h: 'a' } });
  assert.deepEqual(sorted.nodes.map((n) => n.id), ['b', 'a']);
});

test('unknown op names the op, the node and the valid ops', () => {
  const j = rnn();
  j.nodes[0].op = 'softmax';
  rejects(j, /nodes\[0\]\.op: unknown op "softmax" in node 'n' \(expected one of linear, diag, tanh/, 'nodes[0].op');
});

test('schema errors name the field', () => {
  const j = rnn();
  j.nodes[1].bias = 'yes';
  rejects(j, /nodes\[1\]\.bias: .*expected boolean/, 'nodes[1].bias');
  const k = rnn();
  k.nodes[1].id = '2a';
  rejects(k, /nodes\[1\]\.id: must be an identifier/);
  const m = rnn();
  m.nodes[1].extra = 1;
  rejects(m, /nodes\[1\]: Unrecognized key: "extra"/);
  rejects({ states: [], nodes: [], outputs: {} }, /^cell\.json: states: /);
});

test('wrong arity, for every op class', () => {
  const cases: [any, RegExp][] = [
    [{ id: 'a', op: 'linear', in: [] }, /linear takes at least 1 input, got 0/],
    [{ id: 'a', op: 'diag', in: ['x', 'h'] }, /diag takes exactly 1 input, got 2/],
    [{ id: 'a', op: 'sigmoid', in: [] }, /sigmoid takes exactly 1 input, got 0/],
    [{ id: 'a', op: 'mul', in: ['x'] }, /mul takes exactly 2 inputs, got 1/],
    [{ id: 'a', op: 'sub', in: ['x', 'h', 'x'] }, /sub takes exactly 2 inputs, got 3/],
    [{ id: 'a', op: 'one', in: ['x'] }, /one takes no inputs, got 1/],
  ];
  for (const [node, pattern] of cases) {
    const j = rnn();
    j.nodes[1] = node;
    rejects(j, new RegExp(`nodes\\[1\\] \\('a'\\)\\.in: wrong arity: ${pattern.source}`), "nodes[1] ('a').in");
  }
});

test('duplicate ids and ids that shadow x or a state', () => {
  const j = rnn();
  j.nodes[2].id = 'a';
  rejects(j, /nodes\[2\]\.id: duplicate node id 'a' \(also nodes\[1\]\)/);
  const k = rnn();
  k.nodes[2].id = 'x';
  rejects(k, /nodes\[2\]\.id: node id 'x' shadows the input/);
  const m = rnn();
  m.nodes[2].id = 'h';
  rejects(m, /nodes\[2\]\.id: node id 'h' shadows the state/);
});

test('state declarations: h required, no duplicates, x is not a state', () => {
  const j = rnn();
  j.states = ['s'];
  j.outputs = { s: 'n' };
  rejects(j, /states: must include 'h'/);
  const k = rnn();
  k.states = ['h', 'h'];
  rejects(k, /states\[1\]: state 'h' is declared twice/);
  const m = rnn();
  m.states = ['h', 'x'];
  rejects(m, /states\[1\]: 'x' is the input/);
});

test('undefined references, in nodes and in outputs', () => {
  const j = rnn();
  j.nodes[1].in = ['x', 'hh'];
  rejects(j, /nodes\[1\] \('a'\)\.in\[1\]: undefined reference 'hh'/);
  const k = rnn();
  k.outputs = { h: 'nope' };
  rejects(k, /outputs\.h: undefined reference 'nope'/);
});

test('outputs must be exactly the states', () => {
  const j = rnn();
  j.states = ['h', 'c'];
  rejects(j, /outputs: state 'c' has no new value/);
  const k = rnn();
  k.outputs = { h: 'n', c: 'n' };
  rejects(k, /outputs\.c: 'c' is not a declared state/);
});

test('a cycle is named in data-flow order', () => {
  const j = {
    states: ['h'],
    nodes: [
      { id: 'a', op: 'linear', in: ['x', 'c'] },
      { id: 'b', op: 'tanh', in: ['a'] },
      { id: 'c', op: 'mul', in: ['b', 'h'] },
    ],
    outputs: { h: 'c' },
  };
  rejects(j, /cycle: a -> b -> c -> a/);
  const self = { states: ['h'], nodes: [{ id: 'a', op: 'add', in: ['x', 'a'] }], outputs: { h: 'a' } };
  rejects(self, /nodes\[0\] \('a'\): cycle: a -> a/);
});

test('every new state value depends on x and on a state', () => {
  const j = rnn();
  j.nodes[1].in = ['h'];
  rejects(j, /outputs\.h: the new value of state 'h' \('n'\) does not depend on the input x/);
  const k = rnn();
  k.nodes[1].in = ['x'];
  rejects(k, /outputs\.h: the new value of state 'h' \('n'\) does not depend on any state/);
  const m = rnn();
  m.states = ['h', 'c'];
  m.outputs = { h: 'n', c: 'c' };
  rejects(m, /outputs\.c: .* does not depend on the input x/);
  // Depending on another state is enough.
  const ok = parseCell({ states: ['h', 'c'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'c'] }], outputs: { h: 'a', c: 'a' } });
  assert.deepEqual(ok.states, ['h', 'c']);
});

test('dependency helpers', () => {
  const cell = parseCell(rnn());
  assert.deepEqual([...ancestors(cell, 'n')].sort(), ['a', 'h', 'x']);
  assert.ok(dependsOn(cell, 'n', 'h'));
  assert.ok(!dependsOn(cell, 'dead', 'h'));
  assert.ok(dependsOn(cell, 'x', 'x'));
  assert.deepEqual(liveNodes(cell), ['a', 'n']);
});

test('without where, the message starts with the path', () => {
  assert.throws(() => parseCell({ states: ['h'], nodes: [], outputs: {} }), (e: unknown) => e instanceof CellError && /^outputs: state 'h' has no new value/.test(e.message));
});
