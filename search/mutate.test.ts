import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { nodeInputs, type CellJson, type CellNode } from '../cells/graph.ts';
import {
  ACTIVATION_CHOICES,
  MUTATION_KINDS,
  MutationError,
  MutationRecordSchema,
  activationOf,
  applicableKinds,
  applyMutation,
  describeMutation,
  drawMutation,
  mutationPass,
  replay,
  type MutationRecord,
} from './mutate.ts';

// A GRU written by hand: h' = z*h + (1-z)*n, n = tanh(W [x, r*h]).
const GRU: CellJson = {
  name: 'hand GRU',
  states: ['h'],
  nodes: [
    { id: 'lr', op: 'linear', in: ['x', 'h'] },
    { id: 'r', op: 'sigmoid', in: ['lr'] },
    { id: 'lz', op: 'linear', in: ['x', 'h'] },
    { id: 'z', op: 'sigmoid', in: ['lz'] },
    { id: 'rh', op: 'mul', in: ['r', 'h'] },
    { id: 'ln', op: 'linear', in: ['x', 'rh'] },
    { id: 'n', op: 'tanh', in: ['ln'] },
    { id: 'one', op: 'one' },
    { id: 'omz', op: 'sub', in: ['one', 'z'] },
    { id: 'a', op: 'mul', in: ['z', 'h'] },
    { id: 'b', op: 'mul', in: ['omz', 'n'] },
    { id: 'hn', op: 'add', in: ['a', 'b'] },
  ],
  outputs: { h: 'hn' },
};

const node = (cell: CellJson, id: string): CellNode | undefined => cell.nodes.find((n) => n.id === id);
const ids = (cell: CellJson) => cell.nodes.map((n) => n.id);

/** Every node reads only x, states or nodes placed before it; every node is read by someone. */
function assertWellFormed(cell: CellJson): void {
  const seen = new Set(['x', ...cell.states]);
  for (const n of cell.nodes) {
    for (const r of nodeInputs(n)) assert.ok(seen.has(r), `node ${n.id} reads '${r}' before it is defined`);
    seen.add(n.id);
  }
  for (const r of Object.values(cell.outputs)) assert.ok(seen.has(r), `output reads unknown '${r}'`);
  const read = new Set([...cell.nodes.flatMap(nodeInputs), ...Object.values(cell.outputs)]);
  for (const n of cell.nodes) assert.ok(read.has(n.id), `dead node ${n.id} left in the graph`);
}

test('(1) an activation is replaced by another, Linear(a, .) included, and back', () => {
  const a = applyMutation(GRU, { kind: 'activation', node: 'r', from: 'sigmoid', to: 'linear(1.1)' });
  assert.deepEqual(node(a, 'r'), { id: 'r', op: 'linear', in: ['lr'], diagOffset: 1.1 });
  assert.equal(activationOf(node(a, 'r')!), 'linear(1.1)');
  const b = applyMutation(a, { kind: 'activation', node: 'r', from: 'linear(1.1)', to: 'relu' });
  assert.deepEqual(node(b, 'r'), { id: 'r', op: 'relu', in: ['lr'] });
  const c = applyMutation(GRU, { kind: 'activation', node: 'n', from: 'tanh', to: 'linear(0)' });
  assert.deepEqual(node(c, 'n'), { id: 'n', op: 'linear', in: ['ln'] });
  assert.deepEqual(ids(c), ids(GRU));
  assert.throws(() => applyMutation(GRU, { kind: 'activation', node: 'r', from: 'tanh', to: 'relu' }), MutationError);
  assert.throws(() => applyMutation(GRU, { kind: 'activation', node: 'lr', from: 'linear(0)', to: 'relu' }), MutationError, 'a linear of two inputs is not an activation');
});

test('(2) an elementwise op is replaced by another, operands kept', () => {
  const a = applyMutation(GRU, { kind: 'elementwise', node: 'hn', from: 'add', to: 'sub' });
  assert.deepEqual(node(a, 'hn'), { id: 'hn', op: 'sub', in: ['a', 'b'] });
  assert.throws(() => applyMutation(GRU, { kind: 'elementwise', node: 'hn', from: 'mul', to: 'sub' }), MutationError);
});

test('(3) an activation is inserted between a node and one of its parents', () => {
  const a = applyMutation(GRU, { kind: 'insert', node: 'rh', input: 1, parent: 'h', activation: 'relu', created: 'm1' });
  assert.deepEqual(node(a, 'rh'), { id: 'rh', op: 'mul', in: ['r', 'm1'] });
  assert.deepEqual(node(a, 'm1'), { id: 'm1', op: 'relu', in: ['h'] });
  assertWellFormed(a);
  const b = applyMutation(GRU, { kind: 'insert', node: 'lr', input: 0, parent: 'x', activation: 'linear(0.9)', created: 'm1' });
  assert.deepEqual(node(b, 'm1'), { id: 'm1', op: 'linear', in: ['x'], diagOffset: 0.9 });
  assert.deepEqual(node(b, 'lr')!.in, ['m1', 'h']);
  assertWellFormed(b);
  assert.throws(() => applyMutation(GRU, { kind: 'insert', node: 'rh', input: 1, parent: 'r', activation: 'relu', created: 'm1' }), MutationError);
  assert.throws(() => applyMutation(GRU, { kind: 'insert', node: 'rh', input: 1, parent: 'h', activation: 'relu', created: 'z' }), MutationError);
});

test('(4) a node of one input is removed and its readers read that input', () => {
  const a = applyMutation(GRU, { kind: 'remove', node: 'n', replacement: 'ln' });
  assert.equal(node(a, 'n'), undefined);
  assert.deepEqual(node(a, 'b')!.in, ['omz', 'ln']);
  assertWellFormed(a);
  assert.throws(() => applyMutation(GRU, { kind: 'remove', node: 'hn', replacement: 'a' }), MutationError, 'two inputs');
});

test('(5) a node is replaced by one of its ancestors; what only it read is pruned', () => {
  const a = applyMutation(GRU, { kind: 'ancestor', node: 'rh', replacement: 'h' });
  assert.deepEqual(node(a, 'ln')!.in, ['x', 'h']);
  for (const gone of ['rh', 'r', 'lr']) assert.equal(node(a, gone), undefined, gone);
  assertWellFormed(a);
  const b = applyMutation(GRU, { kind: 'ancestor', node: 'hn', replacement: 'n' });
  assert.equal(b.outputs.h, 'n');
  assert.deepEqual(ids(b), ['lr', 'r', 'rh', 'ln', 'n']);
  assert.throws(() => applyMutation(GRU, { kind: 'ancestor', node: 'rh', replacement: 'z' }), MutationError);
});

test('(6) a node is replaced by op(ancestor of it, ancestor of another node), never making a cycle', () => {
  const a = applyMutation(GRU, { kind: 'combine', node: 'a', partner: 'n', op: 'add', a: 'z', b: 'rh', created: 'm1' });
  assert.deepEqual(node(a, 'm1'), { id: 'm1', op: 'add', in: ['z', 'rh'] });
  assert.deepEqual(node(a, 'hn')!.in, ['m1', 'b']);
  assert.equal(node(a, 'a'), undefined);
  assertWellFormed(a);
  // b's ancestor n depends on rh: rh = op(r, n) would read itself.
  assert.throws(() => applyMutation(GRU, { kind: 'combine', node: 'rh', partner: 'b', op: 'mul', a: 'r', b: 'n', created: 'm1' }), /cycle/);
  assert.throws(() => applyMutation(GRU, { kind: 'combine', node: 'a', partner: 'n', op: 'add', a: 'n', b: 'rh', created: 'm1' }), /not an ancestor of 'a'/);
  assert.throws(() => applyMutation(GRU, { kind: 'combine', node: 'a', partner: 'n', op: 'add', a: 'z', b: 'omz', created: 'm1' }), /not an ancestor of 'n'/);
});

test('which transformations apply to which node', () => {
  assert.deepEqual(applicableKinds(GRU, 'one'), []);
  assert.deepEqual(applicableKinds(GRU, 'r'), ['activation', 'insert', 'remove', 'ancestor', 'combine']);
  assert.deepEqual(applicableKinds(GRU, 'hn'), ['elementwise', 'insert', 'ancestor', 'combine']);
  assert.deepEqual(applicableKinds(GRU, 'lr'), ['insert', 'ancestor', 'combine']);
  assert.equal(drawMutation(GRU, 'one', seedrandom('1')), undefined);
});

test('random draws exercise every transformation and every activation; each record parses and applies', () => {
  const rng = seedrandom('draws');
  const kinds = new Set<string>();
  const targets = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = GRU.nodes[i % GRU.nodes.length].id;
    const rec = drawMutation(GRU, id, rng);
    if (!rec) continue;
    assert.deepEqual(MutationRecordSchema.parse(JSON.parse(JSON.stringify(rec))), rec);
    kinds.add(rec.kind);
    if (rec.kind === 'activation') targets.add(rec.to);
    if (rec.kind === 'insert') targets.add(`insert ${rec.activation}`);
    assertWellFormed(applyMutation(GRU, rec));
  }
  assert.deepEqual([...kinds].sort(), [...MUTATION_KINDS].sort());
  for (const a of ACTIVATION_CHOICES) {
    assert.ok(targets.has(`insert ${a}`), `never inserted ${a}`);
    if (a !== 'tanh' && a !== 'sigmoid') continue; // r is sigmoid and n is tanh: each can become the other
    assert.ok(targets.has(a), `never replaced an activation by ${a}`);
  }
});

test('a pass transforms at least one node, its records replay to the same graph, and it is deterministic', () => {
  let maxOps = 0;
  for (let s = 0; s < 300; s++) {
    const { graph, ops, p } = mutationPass(GRU, seedrandom(`pass ${s}`));
    assert.ok(ops.length >= 1);
    assert.ok(p >= 0 && p < 1);
    maxOps = Math.max(maxOps, ops.length);
    assertWellFormed(graph);
    assert.deepEqual(replay(GRU, ops), graph);
    assert.deepEqual(mutationPass(GRU, seedrandom(`pass ${s}`)), { graph, ops, p });
  }
  assert.ok(maxOps >= 5, `p near 1 should transform many nodes (max was ${maxOps})`);
});

test('records that do not fit a graph are rejected, never silently applied', () => {
  const bad: MutationRecord = { kind: 'remove', node: 'nope', replacement: 'x' };
  assert.throws(() => applyMutation(GRU, bad), /no node 'nope'/);
  assert.throws(() => MutationRecordSchema.parse({ kind: 'insert', node: 'a', input: -1, parent: 'x', activation: 'tanh', created: 'm1' }));
  assert.throws(() => MutationRecordSchema.parse({ kind: 'activation', node: 'a', from: 'tanh', to: 'softplus' }));
});

test('describeMutation reads like the paper', () => {
  assert.equal(describeMutation({ kind: 'activation', node: 'r', from: 'sigmoid', to: 'linear(1.1)' }), 'r: sigmoid -> Linear(1.1, ·)');
  assert.equal(describeMutation({ kind: 'elementwise', node: 'hn', from: 'add', to: 'mul' }), 'hn: add -> mul');
  assert.equal(describeMutation({ kind: 'insert', node: 'rh', input: 1, parent: 'h', activation: 'relu', created: 'm1' }), 'rh: m1 = ReLU(h) inserted on input 1');
  assert.equal(describeMutation({ kind: 'remove', node: 'n', replacement: 'ln' }), 'n: removed (its readers read ln)');
  assert.equal(describeMutation({ kind: 'ancestor', node: 'rh', replacement: 'h' }), 'rh: replaced by its ancestor h');
  assert.equal(describeMutation({ kind: 'combine', node: 'a', partner: 'n', op: 'add', a: 'z', b: 'rh', created: 'm1' }), 'a: replaced by m1 = add(z, rh) (rh from n)');
});
