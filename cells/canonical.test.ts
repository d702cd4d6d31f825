import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { nodeInputs, type Cell, type CellJson } from './graph.ts';
import { buildGraph, canonicalJson, canonicalNames, canonicalize, cellHash, prune, refine, type Graph } from './canonical.ts';
import { printNotation, readNotation } from './notation.ts';
import { randomCell } from './random.ts';
import { evaluateStep, randomParams, type Params } from './evaluate.ts';
import { parseCell } from './validate.ts';
import { ZOO, ZOO_KEYS } from './zoo/index.ts';

const clone = (c: Cell): CellJson => JSON.parse(JSON.stringify(c));

/** The same graph with every node renamed, nodes shuffled, and add/mul/linear operands shuffled. */
function scramble(cell: Cell, seed: string): Cell {
  const rng = seedrandom(seed);
  const j = clone(cell);
  const rename = new Map(j.nodes.map((n, i) => [n.id, `q${Math.floor(rng() * 1e6)}_${i}`]));
  const ref = (r: string) => rename.get(r) ?? r;
  for (const n of j.nodes) {
    n.id = ref(n.id);
    if (n.in) n.in = n.in.map(ref);
    if ((n.op === 'add' || n.op === 'mul' || n.op === 'linear') && n.in && rng() < 0.7) n.in.reverse();
  }
  for (let i = j.nodes.length - 1; i > 0; i--) {
    const k = Math.floor(rng() * (i + 1));
    [j.nodes[i], j.nodes[k]] = [j.nodes[k], j.nodes[i]];
  }
  j.outputs = Object.fromEntries(Object.entries(j.outputs).map(([s, r]) => [s, ref(r)]));
  return parseCell(j);
}

test('renaming, reordering and commutative operand swaps keep the hash, for every zoo cell', () => {
  for (const key of ZOO_KEYS) {
    const cell = ZOO[key];
    const h = cellHash(cell);
    assert.match(h, /^[0-9a-f]{16}$/);
    for (let s = 0; s < 3; s++) assert.equal(cellHash(scramble(cell, `${key}-${s}`)), h, `${key} scrambled ${s}`);
  }
});

test('every zoo cell has its own hash, except that Greff NP is the plain LSTM', () => {
  // Without peepholes, Greff's LSTM is Jozefowicz's (sigmoid output gate) up to names.
  assert.equal(cellHash(ZOO['greff-np']), cellHash(ZOO.lstm));
  const hashes = new Map<string, string>();
  for (const key of ZOO_KEYS) {
    if (key === 'greff-np') continue;
    const h = cellHash(ZOO[key]);
    assert.ok(!hashes.has(h), `${key} and ${hashes.get(h)} hash the same`);
    hashes.set(h, key);
  }
});

test('dead nodes and metadata do not change the hash', () => {
  const j = clone(ZOO.gru);
  j.nodes.push({ id: 'dead1', op: 'linear', in: ['x', 'h'] }, { id: 'dead2', op: 'tanh', in: ['dead1'] });
  j.name = 'something else';
  j.description = 'other';
  delete j.source;
  const withDead = parseCell(j);
  assert.equal(cellHash(withDead), cellHash(ZOO.gru));
  assert.deepEqual(prune(withDead).nodes.map((n) => n.id), ZOO.gru.nodes.map((n) => n.id));
  assert.equal(prune(ZOO.gru), ZOO.gru);
});

test('sub operand order, a changed op, and changed options do change the hash', () => {
  const gru = cellHash(ZOO.gru);
  const swapped = clone(ZOO.gru);
  swapped.nodes.find((n) => n.id === 'omz')!.in = ['z', 'one'];
  assert.notEqual(cellHash(parseCell(swapped)), gru);
  const relu = clone(ZOO.gru);
  relu.nodes.find((n) => n.id === 'n')!.op = 'relu';
  assert.notEqual(cellHash(parseCell(relu)), gru);
  const nobias = clone(ZOO.gru);
  Object.assign(nobias.nodes.find((n) => n.id === 'r_lin')!, { bias: false });
  assert.notEqual(cellHash(parseCell(nobias)), gru);
  // ... and so does which gate is reset and which is update: feed z into r*h instead.
  const other = clone(ZOO.gru);
  other.nodes.find((n) => n.id === 'rh')!.in = ['z', 'h'];
  other.nodes.find((n) => n.id === 'zh')!.in = ['r', 'h'];
  other.nodes.find((n) => n.id === 'omz')!.in = ['one', 'r'];
  // Now r and z swapped roles entirely: the same graph up to names.
  assert.equal(cellHash(parseCell(other)), gru);
  other.nodes.find((n) => n.id === 'omz')!.in = ['one', 'z'];
  assert.notEqual(cellHash(parseCell(other)), gru);
  assert.notEqual(cellHash(ZOO.lstm), cellHash(ZOO['lstm-b']));
});

test('explicit defaults are normalised away', () => {
  const j = clone(ZOO['tanh-rnn']);
  Object.assign(j.nodes[0], { bias: true, biasInit: 0, diagOffset: 0 });
  assert.equal(cellHash(parseCell(j)), cellHash(ZOO['tanh-rnn']));
});

test('canonicalize is idempotent, keeps metadata and names nodes n0..', () => {
  for (const key of ZOO_KEYS) {
    const c = canonicalize(ZOO[key]);
    assert.deepEqual(canonicalize(c), c, key);
    assert.equal(cellHash(c), cellHash(ZOO[key]));
    assert.equal(c.name, ZOO[key].name);
    assert.deepEqual(c.nodes.map((n) => n.id), c.nodes.map((_, i) => `n${i}`));
    assert.equal(c.states[0], 'h');
    assert.equal(canonicalJson(c).includes('"name"'), false);
  }
});

test('the canonical cell computes the same function (weights carried by canonicalNames)', () => {
  const H = 3;
  for (const key of ZOO_KEYS) {
    const cell = ZOO[key];
    const canon = canonicalize(cell);
    const names = canonicalNames(cell);
    const back = new Map([...names].map(([a, b]) => [b, a]));
    const P = randomParams(cell, H, key);
    const Q: Params = {};
    const orig = new Map(cell.nodes.map((n) => [n.id, n]));
    for (const node of canon.nodes) {
      const o = orig.get(back.get(node.id)!)!;
      if (node.op === 'diag') Q[`${node.id}.p`] = P[`${o.id}.p`];
      if (node.op !== 'linear') continue;
      if (node.bias !== false) Q[`${node.id}.b`] = P[`${o.id}.b`];
      // Match each canonical input to the original input it renames (inputs are distinct here).
      const origIns = nodeInputs(o);
      node.in.forEach((r, k) => {
        const k0 = origIns.indexOf(back.get(r) ?? r);
        assert.ok(k0 >= 0);
        Q[`${node.id}.W${k}`] = P[`${o.id}.W${k0}`];
      });
    }
    const x = Float64Array.from([0.2, -0.4, 0.9]);
    const states = Object.fromEntries(cell.states.map((s, i) => [s, Float64Array.from([0.1 * i, -0.3, 0.5])]));
    const a = evaluateStep(cell, P, H, x, states).next;
    const b = evaluateStep(canon, Q, H, x, states).next;
    for (const s of cell.states) assert.deepEqual(b[s], a[s], `${key}: ${s}`);
  }
});

test('symmetric twins (automorphisms) canonicalise to one form', () => {
  // h' = tanh(a) * tanh(b) with a, b identical linear maps: four ways to write it.
  const make = (order: string[], swap: boolean) =>
    parseCell({
      states: ['h'],
      nodes: [
        { id: order[0], op: 'linear', in: ['x', 'h'] },
        { id: order[1], op: 'linear', in: ['h', 'x'] },
        { id: 'ta', op: 'tanh', in: [order[0]] },
        { id: 'tb', op: 'tanh', in: [order[1]] },
        { id: 'm', op: 'mul', in: swap ? ['tb', 'ta'] : ['ta', 'tb'] },
      ],
      outputs: { h: 'm' },
    });
  const h = cellHash(make(['a', 'b'], false));
  assert.equal(cellHash(make(['b', 'a'], false)), h);
  assert.equal(cellHash(make(['a', 'b'], true)), h);
  assert.deepEqual(canonicalize(make(['b', 'a'], true)), canonicalize(make(['a', 'b'], false)));
});

// Without automorphism pruning this cell takes hours (2^15 equivalent branches); the timeout
// turns such a regression into a failure instead of a hung suite.
test('a highly symmetric cell (a balanced tree of 16 identical gates) hashes invariantly', { timeout: 60_000 }, () => {
  // h' = product over a balanced binary tree of 16 leaves sigmoid(linear(x, h)): 2^15 automorphisms.
  const build = (perm: number[], flip: boolean) => {
    const nodes: CellJson['nodes'] = [];
    let level = perm.map((k) => {
      nodes.push({ id: `l${k}`, op: 'linear', in: flip ? ['h', 'x'] : ['x', 'h'] });
      nodes.push({ id: `s${k}`, op: 'sigmoid', in: [`l${k}`] });
      return `s${k}`;
    });
    let m = 0;
    while (level.length > 1) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += 2) {
        nodes.push({ id: `m${m}`, op: 'mul', in: flip ? [level[i + 1], level[i]] : [level[i], level[i + 1]] });
        next.push(`m${m++}`);
      }
      level = next;
    }
    return parseCell({ states: ['h'], nodes: nodes.reverse(), outputs: { h: level[0] } });
  };
  const ids = Array.from({ length: 16 }, (_, i) => i);
  const h = cellHash(build(ids, false));
  assert.equal(cellHash(build([...ids].reverse(), true)), h);
  assert.equal(cellHash(build([3, 9, 0, 12, 5, 1, 15, 7, 2, 8, 14, 4, 11, 6, 13, 10], false)), h);
});

/** The colour refinement as first written: every node's whole key rebuilt and ranked each round. */
function referenceRefine(g: Graph, start: number[]): number[] {
  const key = (i: number, color: number[]) => {
    const node = g.nodes[i];
    const inKeys = g.ins[i].map((r) => (typeof r === 'number' ? `n${color[r]}` : `:${r}`));
    if (['add', 'mul', 'linear'].includes(node.op)) inKeys.sort();
    const useKeys = g.uses[i].map(([c, k]) => `${color[c]}@${['add', 'mul', 'linear'].includes(g.nodes[c].op) ? '*' : k}`).sort();
    return `${color[i]}|${inKeys.join(',')}|${useKeys.join(',')}`;
  };
  const rank = (keys: string[]) => {
    const at = new Map([...new Set(keys)].sort().map((k, i) => [k, i]));
    return keys.map((k) => at.get(k)!);
  };
  let color = start;
  let classes = new Set(color).size;
  for (;;) {
    const next = rank(g.nodes.map((_, i) => key(i, color)));
    const n = new Set(next).size;
    if (n === classes) return next;
    color = next;
    classes = n;
  }
}

test('the incremental colour refinement gives exactly the colours of the reference (so hashes do not change)', () => {
  const rng = seedrandom('refine');
  const cells = [...ZOO_KEYS.map((k) => ZOO[k]), ...Array.from({ length: 300 }, () => randomCell(rng, { nodes: [4, 4 + Math.floor(rng() * 40)], ops: rng() < 0.5 ? ['linear', 'tanh', 'sigmoid', 'add', 'mul'] : undefined }))];
  for (const [c, cell] of cells.entries()) {
    const g = buildGraph(prune(cell));
    const labels = [...new Set(g.labels)].sort();
    const start = g.labels.map((l) => labels.indexOf(l));
    assert.deepEqual(refine(g, start), referenceRefine(g, start), `cell ${c}`);
    // And from a colouring with one node individualised, as the search makes them.
    if (g.nodes.length > 1) {
      const v = Math.floor(rng() * g.nodes.length);
      const split = start.map((x, i) => 2 * x + (i === v ? 0 : 1));
      const ranks = [...new Set(split)].sort((a, b) => a - b);
      const individualised = split.map((x) => ranks.indexOf(x));
      assert.deepEqual(refine(g, individualised), referenceRefine(g, individualised), `cell ${c}, node ${v} individualised`);
    }
  }
});

test('a 2,500-node chain (deeper than the printer nests and than it recursed) hashes, prints and parses back to the same hash', () => {
  const nodes: CellJson['nodes'] = [{ id: 'a0', op: 'linear', in: ['x', 'h'] }];
  for (let i = 1; i < 2500; i++) nodes.push({ id: `a${i}`, op: 'tanh', in: [`a${i - 1}`] });
  nodes.push({ id: 'o', op: 'mul', in: ['a2499', 'h'] });
  const cell = parseCell({ states: ['h'], nodes, outputs: { h: 'o' } });
  const text = printNotation(cell);
  assert.equal(cellHash(readNotation(text)), cellHash(cell));
  assert.equal(cellHash(scramble(cell, 'chain')), cellHash(cell), 'renamed and reordered');
});
