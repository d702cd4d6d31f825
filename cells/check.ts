// The semantic checks of a cell that its JSON schema (cells/schema.ts) cannot express: arity,
// names, references, cycles, outputs, dependence on x and on the state. Every error is a
// `CellError` naming the file, the field and the node. cells/validate.ts runs the schema first
// (`parseCell`, for untrusted JSON); `checkCell` alone is for cells already of the JSON type.
// Loads no zod.
//
// Also home of the small dependency helpers (`ancestors`, `dependsOn`, `liveNodes`) that the
// checks need and that the canonical form, the notation and the search reuse.
import { UserError } from '../errors.ts';
import { INPUT, nodeInputs, type Cell, type CellJson, type CellNode, type Op } from './graph.ts';

/** A malformed cell. `path` is the field at fault (e.g. `nodes[3].in`), `where` the file, if any. */
export class CellError extends UserError {
  override name = 'CellError';
  readonly path: string;
  readonly where: string | undefined;
  constructor(path: string, detail: string, where?: string) {
    super(`${where ? `${where}: ` : ''}${path ? `${path}: ` : ''}${detail}`);
    this.path = path;
    this.where = where;
  }
}

/** How many inputs each op takes: [min, max]. */
export const ARITY: Record<Op, readonly [number, number]> = {
  linear: [1, Infinity],
  diag: [1, 1],
  tanh: [1, 1],
  sigmoid: [1, 1],
  relu: [1, 1],
  leaky_relu: [1, 1],
  identity: [1, 1],
  add: [2, 2],
  sub: [2, 2],
  mul: [2, 2],
  one: [0, 0],
};

function arityText(op: Op): string {
  const [lo, hi] = ARITY[op];
  if (hi === Infinity) return `at least ${lo} input${lo === 1 ? '' : 's'}`;
  if (lo === 0) return 'no inputs';
  return `exactly ${lo} input${lo === 1 ? '' : 's'}`;
}

function nodeLabel(node: CellNode, index: number): string {
  return `nodes[${index}] ('${node.id}')`;
}

/** The semantic checks of `parseCell` (cells/validate.ts), for a value already of the JSON type. */
export function checkCell(cell: CellJson, where?: string): Cell {
  const fail = (path: string, detail: string): never => {
    throw new CellError(path, detail, where);
  };

  // States: distinct, not `x`, including `h`.
  const states = new Set<string>();
  cell.states.forEach((s, i) => {
    if (s === INPUT) fail(`states[${i}]`, `'${INPUT}' is the input and cannot be a state`);
    if (states.has(s)) fail(`states[${i}]`, `state '${s}' is declared twice`);
    states.add(s);
  });
  if (!states.has('h')) fail('states', `must include 'h' (the output to the next layer); got [${cell.states.join(', ')}]`);

  // Node ids: distinct, not shadowing x or a state.
  const index = new Map<string, number>();
  cell.nodes.forEach((node, i) => {
    if (node.id === INPUT) fail(`nodes[${i}].id`, `node id '${INPUT}' shadows the input`);
    if (states.has(node.id)) fail(`nodes[${i}].id`, `node id '${node.id}' shadows the state of the same name (name the node differently and map it in outputs)`);
    const prev = index.get(node.id);
    if (prev !== undefined) fail(`nodes[${i}].id`, `duplicate node id '${node.id}' (also nodes[${prev}])`);
    index.set(node.id, i);
  });

  // Arity, then references.
  const known = (ref: string) => ref === INPUT || states.has(ref) || index.has(ref);
  cell.nodes.forEach((node, i) => {
    const ins = nodeInputs(node);
    const [lo, hi] = ARITY[node.op];
    if (ins.length < lo || ins.length > hi) {
      fail(`${nodeLabel(node, i)}.in`, `wrong arity: ${node.op} takes ${arityText(node.op)}, got ${ins.length}`);
    }
    ins.forEach((ref, k) => {
      if (!known(ref)) fail(`${nodeLabel(node, i)}.in[${k}]`, `undefined reference '${ref}' (not x, a state or a node id)`);
    });
  });

  // Outputs: exactly one per state, each a known reference.
  for (const s of cell.states) {
    if (!Object.hasOwn(cell.outputs, s)) fail('outputs', `state '${s}' has no new value (add "${s}": "<node id>" to outputs)`);
  }
  for (const [s, ref] of Object.entries(cell.outputs)) {
    if (!states.has(s)) fail(`outputs.${s}`, `'${s}' is not a declared state (states: ${cell.states.join(', ')})`);
    if (!known(ref)) fail(`outputs.${s}`, `undefined reference '${ref}' (not x, a state or a node id)`);
  }

  const nodes = topologicalOrder(cell.nodes, where);

  // Dependence: every new state value depends on x and on at least one state.
  const sorted = { ...cell, nodes } as Cell;
  const leaves = leafDependencies(sorted);
  for (const s of cell.states) {
    const ref = cell.outputs[s];
    const deps = leaves.get(ref) ?? new Set([ref]);
    if (!deps.has(INPUT)) fail(`outputs.${s}`, `the new value of state '${s}' ('${ref}') does not depend on the input x`);
    if (![...deps].some((d) => states.has(d))) fail(`outputs.${s}`, `the new value of state '${s}' ('${ref}') does not depend on any state (${cell.states.join(', ')})`);
  }
  return sorted;
}

/**
 * Orders nodes so that every node comes after its inputs (Kahn's algorithm, always taking the
 * earliest ready node in input order, so an already sorted list is unchanged). Throws a
 * `CellError` naming a cycle if there is one.
 */
function topologicalOrder(nodes: CellNode[], where?: string): CellNode[] {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const pending = nodes.map((n) => new Set(nodeInputs(n).filter((r) => index.has(r))).size);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const r of new Set(nodeInputs(n))) {
      const j = index.get(r);
      if (j !== undefined) consumers[j].push(i);
    }
  });
  const done = new Array<boolean>(nodes.length).fill(false);
  const out: CellNode[] = [];
  for (;;) {
    let next = -1;
    for (let i = 0; i < nodes.length; i++) {
      if (!done[i] && pending[i] === 0) {
        next = i;
        break;
      }
    }
    if (next < 0) break;
    done[next] = true;
    out.push(nodes[next]);
    for (const c of consumers[next]) pending[c]--;
  }
  if (out.length < nodes.length) {
    const cycle = findCycle(nodes, index, done);
    throw new CellError(`nodes[${index.get(cycle[0])}] ('${cycle[0]}')`, `cycle: ${cycle.join(' -> ')} (a node may read its own value only through a state)`, where);
  }
  return out;
}

/** A cycle among the nodes not yet placed, as ids with the first repeated at the end. */
function findCycle(nodes: CellNode[], index: Map<string, number>, done: boolean[]): string[] {
  // Every unplaced node has an unplaced input, so walking inputs from one must revisit a node.
  let i = done.indexOf(false);
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  while (!seenAt.has(i)) {
    seenAt.set(i, path.length);
    path.push(i);
    const ins = nodeInputs(nodes[i]);
    const j = ins.map((r) => index.get(r)).find((k) => k !== undefined && !done[k]);
    i = j!;
  }
  const cycle = path.slice(seenAt.get(i)!).map((k) => nodes[k].id);
  // The walk follows inputs (consumer -> producer); print in data-flow order, starting from the
  // node written first.
  cycle.reverse();
  const first = cycle.reduce((best, id, k) => (index.get(id)! < index.get(cycle[best])! ? k : best), 0);
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...rotated, rotated[0]];
}

// ---------------------------------------------------------------------------------------------
// Dependency helpers. They expect a checked cell (nodes in topological order).
// ---------------------------------------------------------------------------------------------

/** For every reference (x, states, nodes): the set of leaves (x and states) it depends on. */
export function leafDependencies(cell: Cell): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  deps.set(INPUT, new Set([INPUT]));
  for (const s of cell.states) deps.set(s, new Set([s]));
  for (const node of cell.nodes) {
    const d = new Set<string>();
    for (const r of nodeInputs(node)) for (const leaf of deps.get(r) ?? []) d.add(leaf);
    deps.set(node.id, d);
  }
  return deps;
}

/**
 * Every reference that `ref` reads, directly or not (not including `ref` itself). Takes any
 * acyclic CellJson, not only a checked Cell: the mutation engine calls it on graphs in the middle
 * of an edit, before they are validated again.
 */
export function ancestors(cell: CellJson, ref: string): Set<string> {
  const byId = new Map(cell.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const stack = [ref];
  while (stack.length) {
    const node = byId.get(stack.pop()!);
    if (!node) continue;
    for (const r of nodeInputs(node)) {
      if (!seen.has(r)) {
        seen.add(r);
        stack.push(r);
      }
    }
  }
  return seen;
}

/** Whether the value of `ref` depends on `on` (x, a state or a node id). */
export function dependsOn(cell: Cell, ref: string, on: string): boolean {
  return ref === on || ancestors(cell, ref).has(on);
}

/** Ids of the nodes that some state's new value depends on, in the cell's node order. */
export function liveNodes(cell: Cell): string[] {
  const live = new Set<string>();
  for (const s of cell.states) {
    const ref = cell.outputs[s];
    live.add(ref);
    for (const a of ancestors(cell, ref)) live.add(a);
  }
  return cell.nodes.filter((n) => live.has(n.id)).map((n) => n.id);
}

/** For every reference, the ids of the nodes that read it. */
export function consumers(cell: Cell): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const node of cell.nodes) {
    for (const r of new Set(nodeInputs(node))) {
      const list = out.get(r);
      if (list) list.push(node.id);
      else out.set(r, [node.id]);
    }
  }
  return out;
}
