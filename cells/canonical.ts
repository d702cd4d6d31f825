// Canonical form and structural hash of a cell. Two cells get the same canonical form (and hash)
// exactly when they are the same graph up to node names, node order, and the order of the
// operands of commutative nodes; dead nodes (no state depends on them) are pruned first.
//
// Decisions:
// - Commutative: `add`, `mul`, and `linear`. `linear(a, b)` and `linear(b, a)` are the same
//   family of functions (W0 a + W1 b + bias): permuting the inputs only permutes which weight is
//   called W0. The canonical form sorts linear inputs, so weights `id.Wk` of the canonical cell
//   follow the sorted order. `sub` is not commutative and keeps its order.
// - State names are the cell's interface (h is the output; others name what the engine carries)
//   and are kept. `states` is put in a canonical order: h first, then the others sorted.
// - Options are normalised: `bias: true`, `biasInit: 0`, `diagOffset: 0` are dropped; `one`
//   has no `in`. Metadata (name, description, source) is kept by `canonicalize` but is no part
//   of `canonicalJson`/`cellHash`.
// - Structurally identical nodes are NOT merged: two sigmoid(linear(x, h)) gates have separate
//   weights and stay two nodes.
//
// Method: colour refinement (1-dimensional Weisfeiler-Leman over inputs and consumers, with the
// op, options and output role as the initial colour), then individualisation of the first tied
// class with backtracking; the canonical form is the smallest serialisation over the leaves.
// Two leaves with the same serialisation reveal an automorphism; branches that a known
// automorphism (fixing the current path) maps onto an explored branch are skipped, as in nauty,
// so that symmetric cells (many identical gates) do not cost a factorial.
import { createHash } from 'node:crypto';
import { INPUT, nodeInputs, type Cell, type CellJson, type CellNode } from './graph.ts';
import { checkCell, liveNodes } from './validate.ts';

const COMMUTATIVE = new Set(['add', 'mul', 'linear']);

/** The cell without the nodes that no state's new value depends on. */
export function prune(cell: Cell): Cell {
  const live = new Set(liveNodes(cell));
  if (live.size === cell.nodes.length) return cell;
  return { ...cell, nodes: cell.nodes.filter((n) => live.has(n.id)) } as Cell;
}

/** Invariant label of a node: op, normalised options, arity, and which states it is the new value of. */
function nodeLabel(node: CellNode, roles: string[]): string {
  let s = node.op;
  if (node.op === 'linear') {
    if (node.bias === false) s += ' nobias';
    if (node.biasInit) s += ` bias=${node.biasInit}`;
    if (node.diagOffset) s += ` diag=${node.diagOffset}`;
  }
  s += `/${nodeInputs(node).length}`;
  if (roles.length) s += ` ->${roles.join(',')}`;
  return s;
}

/** Replaces each value by its rank among the distinct values (sorted). */
function rank(keys: string[]): number[] {
  const distinct = [...new Set(keys)].sort();
  const at = new Map(distinct.map((k, i) => [k, i]));
  return keys.map((k) => at.get(k)!);
}

interface Graph {
  nodes: CellNode[];
  /** For each node, its inputs: a node index, or a leaf name (x or a state). */
  ins: (number | string)[][];
  /** For each node, (consumer index, input position) pairs. */
  uses: [number, number][][];
  labels: string[];
}

function buildGraph(cell: Cell): Graph {
  const index = new Map(cell.nodes.map((n, i) => [n.id, i]));
  const ins = cell.nodes.map((n) => nodeInputs(n).map((r) => index.get(r) ?? r));
  const uses: [number, number][][] = cell.nodes.map(() => []);
  ins.forEach((list, i) => list.forEach((r, k) => typeof r === 'number' && uses[r].push([i, k])));
  const roles = cell.nodes.map(() => [] as string[]);
  for (const s of [...cell.states].sort()) {
    const j = index.get(cell.outputs[s]);
    if (j !== undefined) roles[j].push(s);
  }
  return { nodes: cell.nodes, ins, uses, labels: cell.nodes.map((n, i) => nodeLabel(n, roles[i])) };
}

const refKey = (r: number | string, color: number[]) => (typeof r === 'number' ? `n${color[r]}` : `:${r}`);

/** Refines a colouring until stable. Colours are ranks, so they compare canonically. */
function refine(g: Graph, start: number[]): number[] {
  let color = start;
  let classes = new Set(color).size;
  for (;;) {
    const keys = g.nodes.map((node, i) => {
      const commutative = COMMUTATIVE.has(node.op);
      const inKeys = g.ins[i].map((r) => refKey(r, color));
      if (commutative) inKeys.sort();
      const useKeys = g.uses[i].map(([c, k]) => `${color[c]}@${COMMUTATIVE.has(g.nodes[c].op) ? '*' : k}`).sort();
      return `${color[i]}|${inKeys.join(',')}|${useKeys.join(',')}`;
    });
    const next = rank(keys);
    const n = new Set(next).size;
    if (n === classes) return next;
    color = next;
    classes = n;
  }
}

/** The canonical JSON body (no metadata) for a discrete colouring, and the new node names. */
function serialise(cell: Cell, g: Graph, color: number[]): { json: CellJson; names: string[]; pos: number[] } {
  const n = g.nodes.length;
  const pending = g.ins.map((list) => new Set(list.filter((r) => typeof r === 'number')).size);
  const consumersOf = g.uses.map((u) => [...new Set(u.map(([c]) => c))]);
  const placed = new Array<boolean>(n).fill(false);
  const order: number[] = [];
  while (order.length < n) {
    let best = -1;
    for (let i = 0; i < n; i++) if (!placed[i] && pending[i] === 0 && (best < 0 || color[i] < color[best])) best = i;
    placed[best] = true;
    order.push(best);
    for (const c of consumersOf[best]) pending[c]--;
  }
  const names: string[] = new Array(n);
  const pos: number[] = new Array(n);
  order.forEach((i, k) => {
    names[i] = `n${k}`;
    pos[i] = k;
  });
  const stateOrder = new Map(canonicalStates(cell.states).map((s, k) => [s, k]));
  // Sort key of a reference: x, then states in canonical order, then nodes in canonical order.
  const sortKey = (r: number | string) => (typeof r === 'number' ? 1_000_000 + pos[r] : r === INPUT ? -1 : stateOrder.get(r)!);
  const nodes: CellNode[] = order.map((i) => {
    const node = g.nodes[i];
    let refs = [...g.ins[i]];
    if (COMMUTATIVE.has(node.op)) refs.sort((a, b) => sortKey(a) - sortKey(b));
    const inNames = refs.map((r) => (typeof r === 'number' ? names[r] : r));
    const id = names[i];
    switch (node.op) {
      case 'one':
        return { id, op: 'one' };
      case 'linear': {
        const out: CellNode = { id, op: 'linear', in: inNames };
        if (node.bias === false) out.bias = false;
        if (node.biasInit) out.biasInit = node.biasInit;
        if (node.diagOffset) out.diagOffset = node.diagOffset;
        return out;
      }
      default:
        return { id, op: node.op, in: inNames } as CellNode;
    }
  });
  const index = new Map(g.nodes.map((node, i) => [node.id, i]));
  const states = canonicalStates(cell.states);
  const outputs: Record<string, string> = {};
  for (const s of states) {
    const r = cell.outputs[s];
    const j = index.get(r);
    outputs[s] = j === undefined ? r : names[j];
  }
  return { json: { states, nodes, outputs }, names, pos };
}

function canonicalStates(states: string[]): string[] {
  return ['h', ...states.filter((s) => s !== 'h').sort()];
}

interface Canonical {
  json: CellJson;
  text: string;
  /** Original node id -> canonical id (live nodes only). */
  names: Map<string, string>;
}

function canonical(cell: Cell): Canonical {
  const live = prune(cell);
  const g = buildGraph(live);
  const n = g.nodes.length;
  let best: (Canonical & { pos: number[] }) | undefined;
  let first: { text: string; pos: number[] } | undefined;
  // Automorphisms found so far (permutations of node indices), to skip equivalent branches.
  const automorphisms: number[][] = [];
  const recordAutomorphism = (a: number[], b: number[]) => {
    // Leaves with equal text: the node at position k under labelling a maps to the one under b.
    const atB = new Array<number>(n);
    b.forEach((k, v) => (atB[k] = v));
    const gamma = a.map((k) => atB[k]);
    if (gamma.some((w, v) => w !== v)) automorphisms.push(gamma);
  };
  // Orbits of the found automorphisms that fix every node of `path` (union-find roots).
  const orbitRoots = (path: number[]): number[] => {
    const parent = Array.from({ length: n }, (_, i) => i);
    const find = (v: number): number => (parent[v] === v ? v : (parent[v] = find(parent[v])));
    for (const gamma of automorphisms) {
      if (!path.every((p) => gamma[p] === p)) continue;
      gamma.forEach((w, v) => (parent[find(v)] = find(w)));
    }
    return parent.map((_, v) => find(v));
  };

  const search = (color: number[], path: number[]) => {
    const refined = refine(g, color);
    // The first tied class, by colour.
    const members = new Map<number, number[]>();
    refined.forEach((c, i) => (members.get(c) ?? members.set(c, []).get(c)!).push(i));
    const tied = [...members.entries()].filter(([, m]) => m.length > 1).sort((a, b) => a[0] - b[0])[0];
    if (!tied) {
      const { json, names, pos } = serialise(live, g, refined);
      const text = JSON.stringify(json);
      if (!first) first = { text, pos };
      else if (text === first.text) recordAutomorphism(first.pos, pos);
      else if (best && text === best.text) recordAutomorphism(best.pos, pos);
      if (!best || text < best.text) best = { json, text, pos, names: new Map(live.nodes.map((node, i) => [node.id, names[i]])) };
      return;
    }
    const explored: number[] = [];
    for (const v of tied[1]) {
      // Skip v if a known automorphism fixing the path maps an explored branch onto it.
      if (explored.length && automorphisms.length) {
        const root = orbitRoots(path);
        if (explored.some((u) => root[u] === root[v])) continue;
      }
      // Split the class: v first, the rest after it; other colours keep their relative order.
      search(rank(refined.map((c, i) => `${String(c).padStart(6, '0')}${c === tied[0] && i !== v ? '1' : '0'}`)), [...path, v]);
      explored.push(v);
    }
  };
  search(rank(g.labels), []);
  const { json, text, names } = best!;
  return { json, text, names };
}

/**
 * The canonical form of a cell: dead nodes pruned, nodes named n0, n1, ... in a canonical
 * topological order, commutative operands sorted, states h first. Keeps name/description/source.
 */
export function canonicalize(cell: Cell): Cell {
  const { json } = canonical(cell);
  const meta: Partial<CellJson> = {};
  if (cell.name !== undefined) meta.name = cell.name;
  if (cell.description !== undefined) meta.description = cell.description;
  if (cell.source !== undefined) meta.source = cell.source;
  return checkCell({ ...meta, ...json });
}

/** Canonical JSON text of the cell's structure (no metadata): equal exactly when hashes are. */
export function canonicalJson(cell: Cell): string {
  return canonical(cell).text;
}

/** Original node id -> canonical node id, for the live nodes (e.g. to carry weights across). */
export function canonicalNames(cell: Cell): Map<string, string> {
  return canonical(cell).names;
}

/** Stable structural hash: the first 16 hex digits of sha256 of `canonicalJson`. */
export function cellHash(cell: Cell): string {
  return createHash('sha256').update(canonicalJson(cell)).digest('hex').slice(0, 16);
}
