// The mutation engine on the real zoo: validity, one forward step in the float64 reference
// evaluator and in the compiled engine, lineage replay, dedup by canonical hash, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { paramSpecs, type Cell } from '../cells/graph.ts';
import { ZOO } from '../cells/zoo/index.ts';
import { parseCell } from '../cells/validate.ts';
import { canonicalize, cellHash } from '../cells/canonical.ts';
import { evaluateStep, randomParams, type Params } from '../cells/evaluate.ts';
import { compileModel } from '../cells/engine/index.ts';
import { MUTATION_KINDS, mutate, randomArchitecture, replay, type Mutant } from './mutate.ts';

const PER_CELL = 1000;
const H = 3;

function zeroStates(cell: Cell): Record<string, Float64Array> {
  return Object.fromEntries(cell.states.map((s) => [s, new Float64Array(H)]));
}

/** One step of the compiled float64 engine (T = B = 1, zero state) against evaluateStep on its own weights. */
function compiledMatchesReference(cell: Cell, seed: number): void {
  const V = 4;
  const model = compileModel(cell, { hidden: H, vocab: V, dtype: 'float64', seed });
  const token = seed % V;
  const { hidden } = model.predict({ kind: 'tokens', T: 1, B: 1, inputs: Int32Array.of(token), targets: Int32Array.of(0), mask: Float32Array.of(1), carry: false });
  const w = model.getWeights();
  const params: Params = {};
  for (const spec of paramSpecs(cell, H)) params[spec.name] = Float64Array.from(w[`layer0/${spec.name}`]);
  const x = Float64Array.from(w.embed.subarray(token * H, token * H + H));
  const want = evaluateStep(cell, params, H, x, zeroStates(cell)).next.h;
  for (let i = 0; i < H; i++) assert.ok(Math.abs(hidden[0][i] - want[i]) < 1e-5, `${cellHash(cell)}: compiled h[${i}] = ${hidden[0][i]}, reference ${want[i]}`);
}

test(`${PER_CELL} mutants of every zoo cell are valid, canonical, replayable and run one step (reference and compiled)`, () => {
  const kinds = new Map<string, number>();
  let attempts = 0, mutants = 0, compiled = 0;
  for (const [key, parent] of Object.entries(ZOO)) {
    const rng = seedrandom(`zoo ${key}`);
    const parentHash = cellHash(parent);
    const canonicalParent = canonicalize(parent);
    const x = Float64Array.from({ length: H }, (_, i) => 0.3 * (i + 1));
    for (let i = 0; i < PER_CELL; i++) {
      const m: Mutant = mutate(parent, rng);
      mutants++;
      attempts += m.attempts;
      assert.equal(m.parentHash, parentHash);
      assert.notEqual(m.hash, parentHash, `${key}: a mutant equal to its parent was returned`);
      assert.ok(m.ops.length >= 1);
      for (const op of m.ops) kinds.set(op.kind, (kinds.get(op.kind) ?? 0) + 1);
      // Valid from its JSON, as the database will store it.
      const reparsed = parseCell(JSON.parse(JSON.stringify(m.cell)));
      assert.deepEqual([...reparsed.states].sort(), [...parent.states].sort());
      if (i % 10 === 0) {
        // Already canonical, and the records rebuild it.
        assert.equal(cellHash(reparsed), m.hash);
        assert.deepEqual(canonicalize(reparsed), m.cell);
        assert.equal(cellHash(parseCell(replay(canonicalParent, m.ops))), m.hash, `${key}: replay differs`);
      }
      // One forward step in float64: every new state is finite.
      const out = evaluateStep(m.cell, randomParams(m.cell, H, i), H, x, Object.fromEntries(m.cell.states.map((s) => [s, Float64Array.from({ length: H }, () => 0.1)])));
      for (const s of m.cell.states) assert.ok(out.next[s].every(Number.isFinite), `${key}: state ${s} not finite`);
      // The compiled engine on a sample (compiling is the costly part).
      if (i % 100 === 0) {
        compiledMatchesReference(m.cell, i);
        compiled++;
      }
    }
  }
  assert.deepEqual([...kinds.keys()].sort(), [...MUTATION_KINDS].sort());
  assert.ok(attempts / mutants < 5, `on average ${attempts / mutants} passes per valid mutant`);
  assert.equal(compiled, Object.keys(ZOO).length * Math.ceil(PER_CELL / 100));
});

test('the same generator state gives the same mutants; another seed gives others', () => {
  const run = (seed: string) => {
    const rng = seedrandom(seed);
    return Array.from({ length: 50 }, () => mutate(ZOO.lstm, rng));
  };
  const a = run('det');
  assert.deepEqual(run('det'), a);
  assert.notDeepEqual(run('det2').map((m) => m.hash), a.map((m) => m.hash));
  // A generator restored from saved state continues exactly.
  const rng = seedrandom('resume', { state: true });
  mutate(ZOO.gru, rng);
  const saved = rng.state();
  const next = mutate(ZOO.gru, rng);
  assert.deepEqual(mutate(ZOO.gru, seedrandom('', { state: saved })), next);
});

test('a mutant that re-creates its parent (other names, other operand order) has the parent hash', () => {
  // LSTM: remove tanh(c') from h' = tanh(c') * o, then insert tanh between h' and c' again.
  const parent = canonicalize(ZOO.lstm);
  const hNew = parent.nodes.find((n) => n.id === parent.outputs.h)!;
  const tc = parent.nodes.find((n) => hNew.in!.includes(n.id) && n.op === 'tanh')!;
  const cNew = tc.in![0];
  const input = hNew.in!.indexOf(tc.id);
  const raw = replay(parent, [
    { kind: 'remove', node: tc.id, replacement: cNew },
    { kind: 'insert', node: hNew.id, input, parent: cNew, activation: 'tanh', created: 'm1' },
  ]);
  assert.ok(raw.nodes.some((n) => n.id === 'm1') && !raw.nodes.some((n) => n.id === tc.id), 'the graph was rebuilt under another name');
  assert.equal(cellHash(parseCell(raw)), cellHash(ZOO.lstm));
  // Operands of add/mul in the other order: the same canonical cell too.
  const swapped = replay(parent, [
    { kind: 'remove', node: tc.id, replacement: cNew },
    { kind: 'insert', node: hNew.id, input, parent: cNew, activation: 'tanh', created: 'm1' },
  ]);
  swapped.nodes = swapped.nodes.map((n) => (n.id === hNew.id ? { ...n, in: [...n.in!].reverse() } : n)) as typeof swapped.nodes;
  assert.equal(cellHash(parseCell(swapped)), cellHash(ZOO.lstm));
});

/** A generator that returns `script` first, then continues from a seeded one. */
function scripted(script: number[], seed: string): () => number {
  const rest = seedrandom(seed);
  let k = 0;
  return () => (k < script.length ? script[k++] : rest());
}

test('mutate retries a pass that re-creates the parent, unless allowUnchanged', () => {
  const parent = parseCell({
    states: ['h'],
    nodes: [
      { id: 'l', op: 'linear', in: ['x', 'h'] },
      { id: 't', op: 'tanh', in: ['l'] },
      { id: 'hn', op: 'mul', in: ['t', 'h'] },
    ],
    outputs: { h: 'hn' },
  });
  // The canonical parent the records refer to: n0 = linear(x, h), n1 = tanh(n0), n2 = mul(h, n1).
  assert.deepEqual(canonicalize(parent).nodes.map((n) => [n.op, n.in ?? []]), [['linear', ['x', 'h']], ['tanh', ['n0']], ['mul', ['h', 'n1']]]);
  // p = 0.9; n0 left alone (0.95); n1: transformed (0.1), kind 3 of [activation, insert, remove,
  // ancestor, combine] (0.5) = remove; n2 = mul(h, n0): transformed (0.1), kind 2 of
  // [elementwise, insert, ancestor, combine] (0.3) = insert, on input 2 (0.7), tanh (0.05).
  const script = [0.9, 0.95, 0.1, 0.5, 0.1, 0.3, 0.7, 0.05];
  const same = mutate(parent, scripted(script, 'after'), { allowUnchanged: true });
  assert.deepEqual(same.ops.map((o) => o.kind), ['remove', 'insert']);
  assert.equal(same.hash, same.parentHash);
  assert.equal(same.attempts, 1);
  const retried = mutate(parent, scripted(script, 'after'));
  assert.notEqual(retried.hash, retried.parentHash);
  assert.ok(retried.attempts >= 2);
});

test('mutants stay within maxNodes, and an impossible bound fails loudly after maxAttempts', () => {
  const rng = seedrandom('bound');
  for (let i = 0; i < 200; i++) assert.ok(mutate(ZOO['greff-fgr'], rng, { maxNodes: 20 }).cell.nodes.length <= 20);
  assert.throws(() => mutate(ZOO.lstm, seedrandom('x'), { maxNodes: 1, maxAttempts: 5 }), /no valid mutant .* in 5 attempts/);
});

test('randomArchitecture: valid canonical cells of zoo-like size, deterministic, varied', () => {
  const draw = (seed: string, n: number, opts = {}) => {
    const rng = seedrandom(seed);
    return Array.from({ length: n }, () => randomArchitecture(rng, opts));
  };
  const cells = draw('random', 200);
  assert.deepEqual(draw('random', 20), cells.slice(0, 20));
  const sizes = new Set<number>();
  const stateCounts = new Set<number>();
  for (const { cell, hash } of cells) {
    const reparsed = parseCell(JSON.parse(JSON.stringify(cell)));
    assert.equal(cellHash(reparsed), hash);
    assert.ok(cell.nodes.length >= 6 && cell.nodes.length <= 20, `size ${cell.nodes.length}`);
    sizes.add(cell.nodes.length);
    stateCounts.add(cell.states.length);
    const out = evaluateStep(cell, randomParams(cell, H, 1), H, Float64Array.of(0.1, -0.2, 0.3), zeroStates(cell));
    for (const s of cell.states) assert.ok(out.next[s].every(Number.isFinite));
  }
  assert.ok(sizes.size >= 10, `only ${sizes.size} distinct sizes`);
  assert.deepEqual([...stateCounts].sort(), [1, 2, 3]);
  assert.ok(new Set(cells.map((c) => c.hash)).size >= 195, 'random cells repeat');
  for (const { cell } of draw('lstm-like', 30, { states: 2, nodes: [10, 14] })) {
    assert.equal(cell.states.length, 2);
    assert.ok(cell.nodes.length >= 10 && cell.nodes.length <= 14);
  }
  // And each can be mutated: the random strategy's cells enter the same machinery.
  const rng = seedrandom('mutate random');
  for (const { cell } of cells.slice(0, 30)) assert.ok(parseCell(mutate(cell, rng).cell));
});
