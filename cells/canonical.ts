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
import { checkCell, liveNodes } from './check.ts';

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

export interface Graph {
  nodes: CellNode[];
  /** For each node, its inputs: a node index, or a leaf name (x or a state). */
  ins: (number | string)[][];
  /** For each node, (consumer index, input position) pairs. */
  uses: [number, number][][];
  labels: string[];
  /** For each node, the other nodes it reads or is read by (each once). */
  neighbours: number[][];
  /** The colour values 0..n-1 in the order rank() gives their keys (`${c}|...`): by decimal text. */
  textOrder: number[];
}

/** Exported for the tests. */
export function buildGraph(cell: Cell): Graph {
  const index = new Map(cell.nodes.map((n, i) => [n.id, i]));
  const ins = cell.nodes.map((n) => nodeInputs(n).map((r) => index.get(r) ?? r));
  const uses: [number, number][][] = cell.nodes.map(() => []);
  ins.forEach((list, i) => list.forEach((r, k) => typeof r === 'number' && uses[r].push([i, k])));
  const roles = cell.nodes.map(() => [] as string[]);
  for (const s of [...cell.states].sort()) {
    const j = index.get(cell.outputs[s]);
    if (j !== undefined) roles[j].push(s);
  }
  const neighbours = ins.map((list, i) => [...new Set([...list.filter((r): r is number => typeof r === 'number'), ...uses[i].map(([c]) => c)])]);
  const text = (c: number) => `${c}|`;
  const textOrder = Array.from({ length: cell.nodes.length }, (_, c) => c).sort((a, b) => (text(a) < text(b) ? -1 : 1));
  return { nodes: cell.nodes, ins, uses, labels: cell.nodes.map((n, i) => nodeLabel(n, roles[i])), neighbours, textOrder };
}

/** What tells node i apart within its colour class: its inputs' and consumers' colours, as text. */
function neighbourhoodKey(g: Graph, i: number, color: (node: number) => number): string {
  const inKeys = g.ins[i].map((r) => (typeof r === 'number' ? `n${color(r)}` : `:${r}`));
  if (COMMUTATIVE.has(g.nodes[i].op)) inKeys.sort();
  const useKeys = g.uses[i].map(([c, k]) => `${color(c)}@${COMMUTATIVE.has(g.nodes[c].op) ? '*' : k}`).sort();
  return `${inKeys.join(',')}|${useKeys.join(',')}`;
}

/**
 * Refines a colouring until stable. Colours are ranks, so they compare canonically. Each round
 * ranks every node by the text `${colour}|${neighbourhoodKey}`: classes in the order of their
 * colour's decimal text, a class split by its members' keys. The result is exactly that, but a
 * round computes the keys of only the nodes next to one that moved to another class in the round
 * before: the rest of a class still share one key (their neighbours were relabelled one to one),
 * so one of them stands for all. Nodes keep a class identity across rounds and only the colour
 * of each class is renumbered, so a round costs O(classes) plus its keys: a chain of 10,000
 * nodes, which needs some 5,000 rounds, takes a second instead of minutes.
 */
/** The rank of colour c among 0..classes-1 in decimal-text order: the last round's renumbering, when nothing split. */
function renumbered(c: number, classes: number, textOrder: number[]): number {
  return textRank(classes, textOrder)[c];
}

const textRanks = new WeakMap<number[], Map<number, Int32Array>>();
function textRank(classes: number, textOrder: number[]): Int32Array {
  let byCount = textRanks.get(textOrder);
  if (byCount === undefined) textRanks.set(textOrder, (byCount = new Map()));
  let ranks = byCount.get(classes);
  if (ranks === undefined) {
    ranks = new Int32Array(classes);
    let r = 0;
    for (const c of textOrder) if (c < classes) ranks[c] = r++;
    byCount.set(classes, ranks);
  }
  return ranks;
}

export function refine(g: Graph, start: number[]): number[] {
  const n = g.nodes.length;
  // Class ids are stable; colours (0..classes-1) are renumbered every round.
  const classOf = new Int32Array(n);
  const members: number[][] = [];
  const posInClass = new Int32Array(n);
  let classes = 0;
  const colourOf: number[] = []; // class id -> colour
  const classAt = new Int32Array(n); // colour -> class id
  {
    const byStart = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let id = byStart.get(start[i]);
      if (id === undefined) {
        id = members.length;
        byStart.set(start[i], id);
        members.push([]);
        colourOf.push(start[i]);
        classAt[start[i]] = id;
      }
      classOf[i] = id;
      posInClass[i] = members[id].length;
      members[id].push(i);
    }
    classes = members.length;
  }
  const colourAt = (i: number) => colourOf[classOf[i]];
  const splitOf: (number[][] | undefined)[] = []; // class id -> its parts in key order, this round
  let fresh: number[] = Array.from({ length: n }, (_, i) => i); // nodes whose key may have changed
  for (;;) {
    // The classes that may split: those with a fresh node and more than one member.
    const freshByClass = new Map<number, number[]>();
    for (const i of fresh) {
      const id = classOf[i];
      if (members[id].length < 2) continue;
      const list = freshByClass.get(id);
      if (list === undefined) freshByClass.set(id, [i]);
      else list.push(i);
    }
    // Split them: the sub-classes in key order; the one holding the unchanged members keeps the id.
    const splitIds: number[] = [];
    const moved: number[] = [];
    for (const [id, list] of freshByClass) {
      const groups = new Map<string, number[]>();
      for (const i of list) {
        const key = neighbourhoodKey(g, i, colourAt);
        const group = groups.get(key);
        if (group === undefined) groups.set(key, [i]);
        else group.push(i);
      }
      let stayKey: string | undefined;
      if (list.length < members[id].length) {
        const isFresh = new Set(list);
        const rep = members[id].find((i) => !isFresh.has(i))!;
        stayKey = neighbourhoodKey(g, rep, colourAt);
        if (!groups.has(stayKey)) groups.set(stayKey, []);
      }
      if (groups.size === 1) continue;
      const keys = [...groups.keys()].sort();
      if (stayKey === undefined) {
        // Every member is fresh: the largest part keeps the id.
        stayKey = keys[0];
        for (const k of keys) if (groups.get(k)!.length > groups.get(stayKey)!.length) stayKey = k;
      }
      splitOf[id] = keys.map((k) => (k === stayKey ? [-1] : groups.get(k)!));
      splitIds.push(id);
      for (const k of keys) if (k !== stayKey) for (const i of groups.get(k)!) moved.push(i);
    }
    // Renumber: classes in the text order of their colour, a split class's parts in key order.
    if (splitIds.length === 0) return Array.from({ length: n }, (_, i) => renumbered(colourAt(i), classes, g.textOrder));
    const oldClassAt = classAt.slice(0, classes);
    const order = g.textOrder;
    let r = 0;
    for (let o = 0; o < n; o++) {
      const c = order[o];
      if (c >= classes) continue;
      const id = oldClassAt[c];
      const split = splitOf[id];
      if (split === undefined) {
        colourOf[id] = r;
        classAt[r++] = id;
        continue;
      }
      for (const part of split) {
        if (part[0] === -1) {
          colourOf[id] = r;
          classAt[r++] = id;
          continue;
        }
        const newId = members.length;
        members.push([]);
        colourOf.push(r);
        classAt[r++] = newId;
        for (const i of part) {
          // Out of the old class (swap with its last member), into the new one.
          const list = members[id];
          const last = list.pop()!;
          if (last !== i) {
            list[posInClass[i]] = last;
            posInClass[last] = posInClass[i];
          }
          classOf[i] = newId;
          posInClass[i] = members[newId].length;
          members[newId].push(i);
        }
      }
    }
    for (const id of splitIds) splitOf[id] = undefined;
    classes = r;
    const next = new Set<number>();
    for (const v of moved) for (const u of g.neighbours[v]) next.add(u);
    fresh = [...next];
  }
}

/** The canonical JSON body (no metadata) for a discrete colouring, and the new node names. */
function serialise(cell: Cell, g: Graph, color: number[]): { json: CellJson; names: string[]; pos: number[] } {
  const n = g.nodes.length;
  const pending = g.ins.map((list) => new Set(list.filter((r) => typeof r === 'number')).size);
  const consumersOf = g.uses.map((u) => [...new Set(u.map(([c]) => c))]);
  // Kahn's order, always taking the ready node of the smallest colour (colours are distinct here).
  const ready = new MinHeap((a, b) => color[a] - color[b]);
  for (let i = 0; i < n; i++) if (pending[i] === 0) ready.push(i);
  const order: number[] = [];
  while (order.length < n) {
    const best = ready.pop()!;
    order.push(best);
    for (const c of consumersOf[best]) if (--pending[c] === 0) ready.push(c);
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

/** A binary heap of numbers under `less` (negative: a before b). */
class MinHeap {
  private items: number[] = [];
  constructor(private readonly cmp: (a: number, b: number) => number) {}
  push(v: number): void {
    const a = this.items;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (this.cmp(a[i], a[p]) >= 0) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.cmp(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.cmp(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
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
  return canonicalForm(cell).cell;
}

/** `canonicalize` and `cellHash` at the price of one canonical labelling (a large cell takes seconds). */
export function canonicalForm(cell: Cell): { cell: Cell; hash: string } {
  const { json, text } = canonical(cell);
  const meta: Partial<CellJson> = {};
  if (cell.name !== undefined) meta.name = cell.name;
  if (cell.description !== undefined) meta.description = cell.description;
  if (cell.source !== undefined) meta.source = cell.source;
  return { cell: checkCell({ ...meta, ...json }), hash: hashOf(text) };
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
  return hashOf(canonicalJson(cell));
}

const hashOf = (canonicalText: string): string => createHash('sha256').update(canonicalText).digest('hex').slice(0, 16);
