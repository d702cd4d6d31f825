// The mutation engine of Jozefowicz, Zaremba & Sutskever (2015, section 3.3): draw p uniformly
// in [0, 1], visit the nodes, and apply one random transformation to each with probability p.
//
// Each transformation is first drawn as a `MutationRecord` (what is applied where, with every
// random choice made), then applied by `applyMutation`, a deterministic function of the record.
// So the records stored with a mutant replay it exactly, and each operator can be tested alone.
//
// Pure functions: no I/O; every draw comes from the `rng` passed in.
import { z } from 'zod';
import {
  ACTIVATIONS,
  ELEMENTWISE,
  INPUT,
  nodeInputs,
  type Activation,
  type CellJson,
  type CellNode,
  type Elementwise,
} from '../cells/graph.ts';

// ---------------------------------------------------------------------------------------------
// The activations a node may be replaced by, or that may be inserted: the four element-wise
// functions and the paper's Linear(a, .), a fresh learned linear map (with bias) of one input
// whose weight starts with a added to its diagonal.
// ---------------------------------------------------------------------------------------------

export const LINEAR_OFFSETS = [0, 1, 0.9, 1.1] as const;
export const ACTIVATION_CHOICES = [
  ...ACTIVATIONS,
  'linear(0)',
  'linear(1)',
  'linear(0.9)',
  'linear(1.1)',
] as const;
export type ActivationChoice = (typeof ACTIVATION_CHOICES)[number];

function linearChoice(offset: number): ActivationChoice | undefined {
  const label = `linear(${offset})`;
  return (ACTIVATION_CHOICES as readonly string[]).includes(label) ? (label as ActivationChoice) : undefined;
}

/**
 * The activation a node is, if it is one: an activation op, or a Linear(a, .) node (a linear
 * map of one input with the default bias and a diagonal offset a of the list). A one-input linear
 * node without an offset is Linear(0, .): the same map with the same initialisation.
 */
export function activationOf(node: CellNode): ActivationChoice | undefined {
  if ((ACTIVATIONS as readonly string[]).includes(node.op)) return node.op as Activation;
  if (node.op === 'linear' && node.in.length === 1 && node.bias !== false && node.biasInit === undefined) {
    return linearChoice(node.diagOffset ?? 0);
  }
  return undefined;
}

/** A node computing `choice` of `input`, with the given id. */
export function activationNode(id: string, choice: ActivationChoice, input: string): CellNode {
  const m = /^linear\((.*)\)$/.exec(choice);
  if (!m) return { id, op: choice as Activation, in: [input] };
  const offset = Number(m[1]);
  return offset === 0 ? { id, op: 'linear', in: [input] } : { id, op: 'linear', in: [input], diagOffset: offset };
}

// ---------------------------------------------------------------------------------------------
// Mutation records. Ids are those of the graph the record applies to: the parent's (canonical)
// ids, and the ids that earlier records of the same mutant created (`m1`, `m2`, ...).
// ---------------------------------------------------------------------------------------------

export const MUTATION_KINDS = ['activation', 'elementwise', 'insert', 'remove', 'ancestor', 'combine'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

const ref = z.string().min(1);
const activationChoice = z.enum(ACTIVATION_CHOICES);
const elementwise = z.enum(ELEMENTWISE);

export const MutationRecordSchema = z.discriminatedUnion('kind', [
  /** (1) The activation `node` becomes another activation. */
  z.strictObject({ kind: z.literal('activation'), node: ref, from: activationChoice, to: activationChoice }),
  /** (2) The elementwise op `node` becomes another one. */
  z.strictObject({ kind: z.literal('elementwise'), node: ref, from: elementwise, to: elementwise }),
  /** (3) A new node `created` = activation(parent) sits between `node` and its input `input` (0-based). */
  z.strictObject({ kind: z.literal('insert'), node: ref, input: z.number().int().min(0), parent: ref, activation: activationChoice, created: ref }),
  /** (4) `node`, of one input, is removed: its readers read its input `replacement`. */
  z.strictObject({ kind: z.literal('remove'), node: ref, replacement: ref }),
  /** (5) `node` is replaced by its ancestor `replacement`. */
  z.strictObject({ kind: z.literal('ancestor'), node: ref, replacement: ref }),
  /**
   * (6) `node` is replaced by a new node `created` = op(a, b), where a is an ancestor of `node`
   * and b an ancestor of the other node `partner`.
   */
  z.strictObject({ kind: z.literal('combine'), node: ref, partner: ref, op: elementwise, a: ref, b: ref, created: ref }),
]);
export type MutationRecord = z.infer<typeof MutationRecordSchema>;

/** Thrown when a record does not fit the graph it is applied to: a bug or a corrupt lineage. */
export class MutationError extends Error {
  override name = 'MutationError';
}

// ---------------------------------------------------------------------------------------------
// Structural helpers on the working graph. It is a CellJson, not a checked Cell: between two
// transformations a state may briefly not depend on x, so validate.ts's helpers do not apply.
// Every operator keeps it acyclic with the right arities.
// ---------------------------------------------------------------------------------------------

function nodeById(cell: CellJson, id: string): CellNode {
  const node = cell.nodes.find((n) => n.id === id);
  if (!node) throw new MutationError(`no node '${id}' in the graph`);
  return node;
}

/** Every reference `from` reads, directly or not, not including itself. */
export function ancestorsOf(cell: CellJson, from: string): Set<string> {
  const byId = new Map(cell.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const stack = [from];
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

/** The references in a stable order: x, the states, then nodes in the graph's order. */
function ordered(cell: CellJson, refs: Set<string>): string[] {
  const order = [INPUT, ...cell.states, ...cell.nodes.map((n) => n.id)];
  return order.filter((r) => refs.has(r));
}

/** Points every reader of `from` (node inputs and outputs) at `to`. */
function redirect(cell: CellJson, from: string, to: string): CellJson {
  const swap = (r: string) => (r === from ? to : r);
  return {
    ...cell,
    nodes: cell.nodes.map((n) => (n.op === 'one' ? n : { ...n, in: n.in.map(swap) })),
    outputs: Object.fromEntries(Object.entries(cell.outputs).map(([s, r]) => [s, swap(r)])),
  };
}

/** Keeps the nodes some output depends on, in their order. */
export function dropDeadNodes(cell: CellJson): CellJson {
  const live = new Set<string>();
  for (const r of Object.values(cell.outputs)) {
    live.add(r);
    for (const a of ancestorsOf(cell, r)) live.add(a);
  }
  return { ...cell, nodes: cell.nodes.filter((n) => live.has(n.id)) };
}

/** Inserts `node` just before node `reader` (so, if `node` reads only what `reader` may read, order stays topological). */
function insertBefore(cell: CellJson, node: CellNode, reader: string): CellJson {
  const i = cell.nodes.findIndex((n) => n.id === reader);
  const nodes = [...cell.nodes];
  nodes.splice(i < 0 ? nodes.length : i, 0, node);
  return { ...cell, nodes };
}

/** An id not used by any node, state or x: m1, m2, ... */
export function freshId(cell: CellJson): string {
  const used = new Set([INPUT, ...cell.states, ...cell.nodes.map((n) => n.id)]);
  for (let k = 1; ; k++) if (!used.has(`m${k}`)) return `m${k}`;
}

/** Moves nodes so each comes after its inputs (stable; the graph is acyclic). */
function topoSort(cell: CellJson): CellJson {
  const ids = new Set(cell.nodes.map((n) => n.id));
  const placed = new Set<string>();
  const out: CellNode[] = [];
  const rest = [...cell.nodes];
  while (rest.length) {
    const i = rest.findIndex((n) => nodeInputs(n).every((r) => !ids.has(r) || placed.has(r)));
    if (i < 0) throw new MutationError('the graph has a cycle');
    const [n] = rest.splice(i, 1);
    placed.add(n.id);
    out.push(n);
  }
  return { ...cell, nodes: out };
}

// ---------------------------------------------------------------------------------------------
// Applying a record.
// ---------------------------------------------------------------------------------------------

/**
 * Applies one transformation. The result keeps nodes in topological order and drops the nodes
 * that no output depends on any more. Throws `MutationError` if the record does not fit.
 */
export function applyMutation(cell: CellJson, rec: MutationRecord): CellJson {
  const node = nodeById(cell, rec.node);
  let out: CellJson;
  switch (rec.kind) {
    case 'activation': {
      const from = activationOf(node);
      if (from !== rec.from) throw new MutationError(`node '${rec.node}' is ${from ?? node.op}, not ${rec.from}`);
      if (rec.to === rec.from) throw new MutationError(`activation of '${rec.node}' replaced by itself`);
      const replaced = activationNode(node.id, rec.to, nodeInputs(node)[0]);
      out = { ...cell, nodes: cell.nodes.map((n) => (n.id === node.id ? replaced : n)) };
      break;
    }
    case 'elementwise': {
      if (node.op !== rec.from) throw new MutationError(`node '${rec.node}' is ${node.op}, not ${rec.from}`);
      if (rec.to === rec.from) throw new MutationError(`op of '${rec.node}' replaced by itself`);
      out = { ...cell, nodes: cell.nodes.map((n) => (n.id === node.id ? { id: n.id, op: rec.to, in: nodeInputs(n) } : n)) };
      break;
    }
    case 'insert': {
      const ins = nodeInputs(node);
      if (ins[rec.input] !== rec.parent) throw new MutationError(`input ${rec.input} of '${rec.node}' is not '${rec.parent}'`);
      if (cell.nodes.some((n) => n.id === rec.created) || rec.created === INPUT || cell.states.includes(rec.created)) {
        throw new MutationError(`id '${rec.created}' is taken`);
      }
      const created = activationNode(rec.created, rec.activation, rec.parent);
      const rewired = { ...node, in: ins.map((r, k) => (k === rec.input ? rec.created : r)) } as CellNode;
      const replaced = { ...cell, nodes: cell.nodes.map((n) => (n.id === node.id ? rewired : n)) };
      out = insertBefore(replaced, created, node.id);
      break;
    }
    case 'remove': {
      const ins = nodeInputs(node);
      if (ins.length !== 1) throw new MutationError(`node '${rec.node}' has ${ins.length} inputs; only a node of one input can be removed`);
      if (ins[0] !== rec.replacement) throw new MutationError(`the input of '${rec.node}' is '${ins[0]}', not '${rec.replacement}'`);
      out = redirect(cell, node.id, rec.replacement);
      break;
    }
    case 'ancestor': {
      if (!ancestorsOf(cell, node.id).has(rec.replacement)) throw new MutationError(`'${rec.replacement}' is not an ancestor of '${rec.node}'`);
      out = redirect(cell, node.id, rec.replacement);
      break;
    }
    case 'combine': {
      if (rec.partner === rec.node) throw new MutationError(`node '${rec.node}' cannot be combined with itself`);
      nodeById(cell, rec.partner);
      if (!ancestorsOf(cell, node.id).has(rec.a)) throw new MutationError(`'${rec.a}' is not an ancestor of '${rec.node}'`);
      if (!ancestorsOf(cell, rec.partner).has(rec.b)) throw new MutationError(`'${rec.b}' is not an ancestor of '${rec.partner}'`);
      if (rec.b === node.id || ancestorsOf(cell, rec.b).has(node.id)) {
        throw new MutationError(`'${rec.b}' depends on '${rec.node}': replacing the node by a function of it would make a cycle`);
      }
      if (cell.nodes.some((n) => n.id === rec.created) || rec.created === INPUT || cell.states.includes(rec.created)) {
        throw new MutationError(`id '${rec.created}' is taken`);
      }
      const created: CellNode = { id: rec.created, op: rec.op, in: [rec.a, rec.b] };
      const rewired = redirect(cell, node.id, rec.created);
      out = topoSort({ ...rewired, nodes: [...rewired.nodes, created] });
      break;
    }
  }
  return dropDeadNodes(out);
}

// ---------------------------------------------------------------------------------------------
// Drawing a record.
// ---------------------------------------------------------------------------------------------

/** A uniform draw from a non-empty list. */
export function pick<T>(rng: () => number, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.min(items.length - 1, Math.floor(rng() * items.length))];
}

/** The transformations that apply to `id` in `cell` (some need inputs, ancestors, a partner). */
export function applicableKinds(cell: CellJson, id: string): MutationKind[] {
  const node = nodeById(cell, id);
  const ins = nodeInputs(node);
  const kinds: MutationKind[] = [];
  if (activationOf(node) !== undefined) kinds.push('activation');
  if ((ELEMENTWISE as readonly string[]).includes(node.op)) kinds.push('elementwise');
  if (ins.length > 0) kinds.push('insert');
  if (ins.length === 1) kinds.push('remove');
  if (ins.length > 0) kinds.push('ancestor');
  if (ins.length > 0 && combinePartners(cell, id).length > 0) kinds.push('combine');
  return kinds;
}

/** For every node: its ancestors (the graph is in topological order). */
function ancestorMap(cell: CellJson): Map<string, Set<string>> {
  const anc = new Map<string, Set<string>>();
  for (const n of cell.nodes) {
    const set = new Set<string>();
    for (const r of nodeInputs(n)) {
      set.add(r);
      for (const a of anc.get(r) ?? []) set.add(a);
    }
    anc.set(n.id, set);
  }
  return anc;
}

/**
 * For each other node, the ancestors that do not depend on `id`: the second operand of a
 * combination must be one of them, or replacing `id` by the combination would make a cycle.
 */
function combineOperands(cell: CellJson, id: string): Map<string, string[]> {
  const anc = ancestorMap(cell);
  const dependsOnId = (r: string) => r === id || (anc.get(r)?.has(id) ?? false);
  const out = new Map<string, string[]>();
  for (const n of cell.nodes) {
    if (n.id === id) continue;
    const ok = ordered(cell, anc.get(n.id)!).filter((r) => !dependsOnId(r));
    if (ok.length > 0) out.set(n.id, ok);
  }
  return out;
}

function combinePartners(cell: CellJson, id: string): string[] {
  return [...combineOperands(cell, id).keys()];
}

/**
 * Draws one transformation of node `id`: a kind uniformly among those that apply, then its
 * arguments uniformly. Undefined when none applies (the constant `one`).
 */
export function drawMutation(cell: CellJson, id: string, rng: () => number): MutationRecord | undefined {
  const kinds = applicableKinds(cell, id);
  if (kinds.length === 0) return undefined;
  const node = nodeById(cell, id);
  const ins = nodeInputs(node);
  const kind = pick(rng, kinds);
  switch (kind) {
    case 'activation': {
      const from = activationOf(node)!;
      return { kind, node: id, from, to: pick(rng, ACTIVATION_CHOICES.filter((a) => a !== from)) };
    }
    case 'elementwise': {
      const from = node.op as Elementwise;
      return { kind, node: id, from, to: pick(rng, ELEMENTWISE.filter((o) => o !== from)) };
    }
    case 'insert': {
      const input = Math.min(ins.length - 1, Math.floor(rng() * ins.length));
      return { kind, node: id, input, parent: ins[input], activation: pick(rng, ACTIVATION_CHOICES), created: freshId(cell) };
    }
    case 'remove':
      return { kind, node: id, replacement: ins[0] };
    case 'ancestor':
      return { kind, node: id, replacement: pick(rng, ordered(cell, ancestorsOf(cell, id))) };
    case 'combine': {
      const operands = combineOperands(cell, id);
      const partner = pick(rng, [...operands.keys()]);
      const a = pick(rng, ordered(cell, ancestorsOf(cell, id)));
      const b = pick(rng, operands.get(partner)!);
      return { kind, node: id, partner, op: pick(rng, ELEMENTWISE), a, b, created: freshId(cell) };
    }
  }
}

/**
 * One pass of the paper's procedure on `cell`: p ~ U[0, 1], then each node present at the start
 * (and still alive when its turn comes) is transformed with probability p. If no node was, one
 * node drawn uniformly among those that can be is transformed, so every mutant has at least one
 * transformation. Returns the raw graph (not validated) and the records, in order.
 */
export function mutationPass(cell: CellJson, rng: () => number): { graph: CellJson; ops: MutationRecord[]; p: number } {
  const p = rng();
  let graph = cell;
  const ops: MutationRecord[] = [];
  for (const id of cell.nodes.map((n) => n.id)) {
    if (!graph.nodes.some((n) => n.id === id)) continue;
    if (rng() >= p) continue;
    const rec = drawMutation(graph, id, rng);
    if (!rec) continue;
    graph = applyMutation(graph, rec);
    ops.push(rec);
  }
  if (ops.length === 0) {
    const candidates = graph.nodes.map((n) => n.id).filter((id) => applicableKinds(graph, id).length > 0);
    if (candidates.length > 0) {
      const rec = drawMutation(graph, pick(rng, candidates), rng)!;
      graph = applyMutation(graph, rec);
      ops.push(rec);
    }
  }
  return { graph, ops, p };
}

/** Replays records on a graph: `replay(parent, mutant.ops)` is the mutant before validation. */
export function replay(cell: CellJson, ops: readonly MutationRecord[]): CellJson {
  return ops.reduce(applyMutation, cell);
}
