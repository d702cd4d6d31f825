import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { OPS, type CellJson } from './graph.ts';
import { cellHash, canonicalize } from './canonical.ts';
import { evaluateStep, randomParams } from './evaluate.ts';
import { randomCell } from './random.ts';
import { liveNodes, parseCell } from './validate.ts';

const N = 60;
const cells = Array.from({ length: N }, (_, i) => randomCell(seedrandom(`random-${i}`)));

test('random cells are valid, small like the zoo, and evaluate to finite values', () => {
  for (const [i, cell] of cells.entries()) {
    // Valid: the JSON form parses back to the same cell.
    assert.deepEqual(parseCell(JSON.parse(JSON.stringify(cell))), cell, `cell ${i}`);
    assert.ok(cell.states.length >= 1 && cell.states.length <= 3);
    assert.ok(cell.nodes.length >= 1 && cell.nodes.length <= 25, `cell ${i}: ${cell.nodes.length} nodes`);
    assert.equal(liveNodes(cell).length, cell.nodes.length, `cell ${i} has dead nodes`);
    const H = 2;
    const x = Float64Array.from([0.5, -0.25]);
    const states = Object.fromEntries(cell.states.map((s) => [s, Float64Array.from([0.1, 0.2])]));
    const next = evaluateStep(cell, randomParams(cell, H, i), H, x, states).next;
    for (const s of cell.states) assert.ok(next[s].every(Number.isFinite));
  }
});

test('across draws: every op, every linear option, 1 to 3 states, a range of sizes', () => {
  const ops = new Set(cells.flatMap((c) => c.nodes.map((n) => n.op)));
  assert.deepEqual([...ops].sort(), [...OPS].sort());
  const linears = cells.flatMap((c) => c.nodes).filter((n) => n.op === 'linear');
  assert.ok(linears.some((n) => n.bias === false));
  assert.ok(linears.some((n) => n.biasInit !== undefined));
  assert.ok(linears.some((n) => n.diagOffset !== undefined));
  assert.ok(linears.some((n) => n.in.length === 3));
  assert.deepEqual([...new Set(cells.map((c) => c.states.length))].sort(), [1, 2, 3]);
  const sizes = cells.map((c) => c.nodes.length);
  assert.ok(Math.min(...sizes) <= 6 && Math.max(...sizes) >= 15, `sizes ${Math.min(...sizes)}..${Math.max(...sizes)}`);
});

test('the same seed gives the same cell; options are honoured', () => {
  assert.deepEqual(randomCell(seedrandom('a')), randomCell(seedrandom('a')));
  assert.notDeepEqual(randomCell(seedrandom('a')), randomCell(seedrandom('b')));
  const c = randomCell(seedrandom('s'), { states: 3, nodes: [10, 10], ops: ['linear', 'tanh', 'mul'] });
  assert.deepEqual(c.states, ['h', 'c', 'm']);
  assert.ok(c.nodes.every((n) => ['linear', 'tanh', 'mul'].includes(n.op)));
  const dead = Array.from({ length: 20 }, (_, i) => randomCell(seedrandom(`d${i}`), { keepDead: true, nodes: [12, 12] }));
  assert.ok(dead.some((d) => liveNodes(d).length < d.nodes.length), 'keepDead keeps some dead nodes');
  assert.throws(() => randomCell(seedrandom('s'), { ops: ['tanh'] }), /must include linear/);
});

test('hash invariance on random cells: renaming, shuffling, commutative swaps', () => {
  for (const [i, cell] of cells.entries()) {
    const rng = seedrandom(`scramble-${i}`);
    const j: CellJson = JSON.parse(JSON.stringify(cell));
    const rename = new Map(j.nodes.map((n, k) => [n.id, `r${k}_${Math.floor(rng() * 1000)}`]));
    const ref = (r: string) => rename.get(r) ?? r;
    for (const n of j.nodes) {
      n.id = ref(n.id);
      if (n.in) n.in = n.in.map(ref);
      if ((n.op === 'add' || n.op === 'mul' || n.op === 'linear') && n.in && rng() < 0.5) n.in.reverse();
    }
    j.nodes.reverse();
    j.outputs = Object.fromEntries(Object.entries(j.outputs).map(([s, r]) => [s, ref(r)]));
    const other = parseCell(j);
    assert.equal(cellHash(other), cellHash(cell), `cell ${i}`);
    assert.deepEqual(canonicalize(other), canonicalize(cell), `cell ${i}`);
  }
});
