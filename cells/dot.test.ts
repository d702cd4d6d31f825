// DOT export: well formed, complete (every node and every edge of the graph), and accepted by
// Graphviz's `dot` when it is installed (Debian package graphviz; skipped without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { toDot } from './dot.ts';
import { INPUT, nodeInputs, type CellJson } from './graph.ts';
import { readNotation } from './notation.ts';
import { ZOO } from './zoo/index.ts';

/** Checks braces and quotes balance outside strings, and returns the edges `a -> b` found. */
function wellFormed(dot: string): { ids: Set<string>; edges: Set<string> } {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < dot.length; i++) {
    const c = dot[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      assert.ok(depth >= 0, `unbalanced '}' at ${i}`);
    }
  }
  assert.equal(inString, false, 'unterminated string');
  assert.equal(depth, 0, 'unbalanced braces');
  assert.match(dot, /^digraph "(?:[^"\\\n]|\\.)*" \{\n/);
  assert.ok(dot.endsWith('}\n'));
  const ids = new Set([...dot.matchAll(/^\s*("[^"]+") \[label=/gm)].map((m) => m[1]));
  const edges = new Set([...dot.matchAll(/^\s*("[^"]+") -> ("[^"]+")/gm)].map((m) => `${m[1]} -> ${m[2]}`));
  return { ids, edges };
}

function expectedGraph(cell: CellJson): { ids: string[]; edges: string[] } {
  const ref = (r: string) => (r === INPUT ? `"in:x"` : cell.states.includes(r) ? `"state:${r}"` : `"node:${r}"`);
  return {
    ids: [`"in:x"`, ...cell.states.map((s) => `"state:${s}"`), ...cell.nodes.map((n) => `"node:${n.id}"`), ...cell.states.map((s) => `"new:${s}"`)],
    edges: [...cell.nodes.flatMap((n) => nodeInputs(n).map((r) => `${ref(r)} -> "node:${n.id}"`)), ...cell.states.map((s) => `${ref(cell.outputs[s])} -> "new:${s}"`)],
  };
}

test('every zoo cell exports to well-formed DOT with every node and edge', () => {
  for (const [key, cell] of Object.entries(ZOO)) {
    const dot = toDot(cell);
    const { ids, edges } = wellFormed(dot);
    const want = expectedGraph(cell);
    assert.deepEqual([...ids].sort(), [...want.ids].sort(), key);
    assert.deepEqual([...edges].sort(), [...new Set(want.edges)].sort(), key);
  }
});

test('labels carry the op, linear options, weight names and the sign of sub', () => {
  const cell = readNotation(`cell "odd \\"name\\""(x; h)
  description: back\\slash and "quotes"
  g = sigmoid(linear(x, h; bias=false, diagOffset=1))
  h' = g * h - (1 - g) * tanh(linear(x; biasInit=2))
`);
  const dot = toDot(cell, { hidden: 4 });
  wellFormed(dot);
  assert.match(dot, /digraph "odd \\"name\\"" \{/);
  assert.match(dot, /back\\\\slash and \\"quotes\\"/);
  assert.match(dot, /"node:g_1" \[label="g_1\\nlinear \(no bias, diag offset 1\)"/);
  assert.match(dot, /linear \(bias init 2\)/);
  assert.match(dot, /"state:h" -> "node:g_1" \[label="W1"\]/);
  assert.match(dot, /-> "node:h_new" \[label="−"\]/);
  // The gate: two 4x4 weights and no bias (32); the candidate: one 4x4 weight and a bias (20).
  assert.match(dot, /52 parameters at hidden=4/);
});

const hasDot = spawnSync('dot', ['-V'], { encoding: 'utf8' }).status === 0;

test('Graphviz dot renders every zoo cell', { skip: hasDot ? false : 'Graphviz dot is not installed' }, () => {
  // One dot process for all cells: dot reads several graphs from one input.
  const cells = Object.entries(ZOO);
  const r = spawnSync('dot', ['-Tsvg'], { input: cells.map(([, cell]) => toDot(cell, { hidden: 8 })).join(''), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', `dot warns: ${r.stderr}`);
  const svgs = r.stdout.split('</svg>').slice(0, -1);
  assert.equal(svgs.length, cells.length);
  cells.forEach(([key, cell], i) => {
    for (const n of cell.nodes) assert.ok(svgs[i].includes(`<title>node:${n.id}</title>`), `${key}: ${n.id} drawn`);
  });
});
