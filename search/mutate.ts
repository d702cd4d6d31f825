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
  OPS,
  INPUT,
  isActivation,
  isElementwise,
  nodeInputs,
  type Activation,
  type Cell,
  type CellJson,
  type CellNode,
  type Elementwise,
} from '../cells/graph.ts';
import { canonicalize, cellHash } from '../cells/canonical.ts';
import { CellError, ancestors, parseCell } from '../cells/validate.ts';
import { randomCell } from '../cells/random.ts';

// ---------------------------------------------------------------------------------------------
// The activations a node may be replaced by, or that may be inserted: the four element-wise
// functions of Jozefowicz et al. and the paper's Linear(a, .), a fresh learned linear map (with
// bias) of one input whose weight starts with a added to its diagonal. `leaky_relu` (NAS-Bench-NLP's
// activation, in cells imported from there) is never drawn, so that adding it to the IR changed
// no search's draws; a leaky_relu node can still be replaced by a drawn activation.
// ---------------------------------------------------------------------------------------------

export const ACTIVATION_CHOICES = [
  'tanh',
  'sigmoid',
  'relu',
  'identity',
  'linear(0)',
  'linear(1)',
  'linear(0.9)',
  'linear(1.1)',
] as const;
export type ActivationChoice = (typeof ACTIVATION_CHOICES)[number];
/** What an activation node may be before a mutation replaces it: a choice, or any activation op. */
const ACTIVATION_FROM = [...new Set([...ACTIVATION_CHOICES, ...ACTIVATIONS])] as [ActivationFrom, ...ActivationFrom[]];
export type ActivationFrom = ActivationChoice | Activation;

function linearChoice(offset: number): ActivationChoice | undefined {
  const label = `linear(${offset})`;
  return (ACTIVATION_CHOICES as readonly string[]).includes(label) ? (label as ActivationChoice) : undefined;
}

/**
 * The activation a node is, if it is one: an activation op, or a Linear(a, .) node (a linear
 * map of one input with the default bias and a diagonal offset a of the list). A one-input linear
 * node without an offset is Linear(0, .): the same map with the same initialisation.
 */
export function activationOf(node: CellNode): ActivationFrom | undefined {
  if (isActivation(node.op)) return node.op;
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
  z.strictObject({ kind: z.literal('activation'), node: ref, from: z.enum(ACTIVATION_FROM), to: activationChoice }),
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
// transformations a state may briefly not depend on x, so only validate.ts's helpers that take a
// CellJson (`ancestors`) apply. Every operator keeps it acyclic with the right arities.
// ---------------------------------------------------------------------------------------------

function nodeById(cell: CellJson, id: string): CellNode {
  const node = cell.nodes.find((n) => n.id === id);
  if (!node) throw new MutationError(`no node '${id}' in the graph`);
  return node;
}

/** The references in a stable order: x, the states, then nodes in the graph's order. */
function ordered(cell: CellJson, refs: Set<string>): string[] {
  const out: string[] = [];
  if (refs.has(INPUT)) out.push(INPUT);
  for (const s of cell.states) if (refs.has(s)) out.push(s);
  for (const n of cell.nodes) if (refs.has(n.id)) out.push(n.id);
  return out;
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

/** Keeps the nodes some output depends on, in their order (which must be topological). */
export function dropDeadNodes(cell: CellJson): CellJson {
  const live = new Set<string>(Object.values(cell.outputs));
  for (let i = cell.nodes.length - 1; i >= 0; i--) {
    const n = cell.nodes[i];
    if (live.has(n.id)) for (const r of nodeInputs(n)) live.add(r);
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
      if (!ancestors(cell, node.id).has(rec.replacement)) throw new MutationError(`'${rec.replacement}' is not an ancestor of '${rec.node}'`);
      out = redirect(cell, node.id, rec.replacement);
      break;
    }
    case 'combine': {
      if (rec.partner === rec.node) throw new MutationError(`node '${rec.node}' cannot be combined with itself`);
      nodeById(cell, rec.partner);
      const anc = ancestorMap(cell);
      if (!anc.get(node.id)!.has(rec.a)) throw new MutationError(`'${rec.a}' is not an ancestor of '${rec.node}'`);
      if (!anc.get(rec.partner)!.has(rec.b)) throw new MutationError(`'${rec.b}' is not an ancestor of '${rec.partner}'`);
      if (rec.b === node.id || (anc.get(rec.b)?.has(node.id) ?? false)) {
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

/**
 * The transformations that apply to `id` in `cell`. Combination needs another node with inputs:
 * following inputs from it always ends at x, a state or a `one` node, which cannot depend on
 * `id`, so such a node always has an ancestor that can be the second operand.
 */
export function applicableKinds(cell: CellJson, id: string): MutationKind[] {
  const node = nodeById(cell, id);
  const ins = nodeInputs(node);
  const kinds: MutationKind[] = [];
  if (activationOf(node) !== undefined) kinds.push('activation');
  if (isElementwise(node.op)) kinds.push('elementwise');
  if (ins.length > 0) kinds.push('insert');
  if (ins.length === 1) kinds.push('remove');
  if (ins.length > 0) kinds.push('ancestor');
  if (ins.length > 0 && combinePartners(cell, id).length > 0) kinds.push('combine');
  return kinds;
}

function combinePartners(cell: CellJson, id: string): string[] {
  return cell.nodes.filter((n) => n.id !== id && nodeInputs(n).length > 0).map((n) => n.id);
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
      return { kind, node: id, replacement: pick(rng, ordered(cell, ancestors(cell, id))) };
    case 'combine': {
      const anc = ancestorMap(cell);
      const partner = pick(rng, combinePartners(cell, id));
      const a = pick(rng, ordered(cell, anc.get(id)!));
      // The second operand must not depend on `id`, or replacing `id` by the result makes a cycle.
      const b = pick(rng, ordered(cell, anc.get(partner)!).filter((r) => r !== id && !(anc.get(r)?.has(id) ?? false)));
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

/** How the paper writes an activation choice: tanh, sigmoid, ReLU, identity, Linear(a, .). */
function activationText(a: ActivationFrom): string {
  const m = /^linear\((.*)\)$/.exec(a);
  return m ? `Linear(${m[1]}, ·)` : a === 'relu' ? 'ReLU' : a === 'leaky_relu' ? 'LeakyReLU' : a;
}

/** One line for a lineage view, with the record's node ids, e.g. "n4: sigmoid -> ReLU". */
export function describeMutation(rec: MutationRecord): string {
  switch (rec.kind) {
    case 'activation':
      return `${rec.node}: ${activationText(rec.from)} -> ${activationText(rec.to)}`;
    case 'elementwise':
      return `${rec.node}: ${rec.from} -> ${rec.to}`;
    case 'insert':
      return `${rec.node}: ${rec.created} = ${activationText(rec.activation)}(${rec.parent}) inserted on input ${rec.input}`;
    case 'remove':
      return `${rec.node}: removed (its readers read ${rec.replacement})`;
    case 'ancestor':
      return `${rec.node}: replaced by its ancestor ${rec.replacement}`;
    case 'combine':
      return `${rec.node}: replaced by ${rec.created} = ${rec.op}(${rec.a}, ${rec.b}) (${rec.b} from ${rec.partner})`;
  }
}

/** Replays records on a graph: `replay(parent, mutant.ops)` is the mutant before validation. */
export function replay(cell: CellJson, ops: readonly MutationRecord[]): CellJson {
  return ops.reduce(applyMutation, cell);
}

// ---------------------------------------------------------------------------------------------
// The mutation engine.
// ---------------------------------------------------------------------------------------------

export interface MutateOptions {
  /** Passes tried before giving up (each draws a fresh p). Default 100. */
  maxAttempts?: number;
  /** A mutant with more nodes is rejected like an invalid one, so cells cannot grow without bound. Default 64. */
  maxNodes?: number;
  /** Accept a mutant whose canonical form is the parent's (by default it is retried). */
  allowUnchanged?: boolean;
}

export interface Mutant {
  /** Canonical, pruned, validated; no metadata (name, description, source). */
  cell: Cell;
  parentHash: string;
  hash: string;
  /**
   * What was applied where, in order, with the ids of the canonical parent (`canonicalize(parent)`)
   * and of the nodes the records created: `replay(canonicalize(parent), ops)` rebuilds the mutant
   * before pruning and canonicalisation.
   */
  ops: MutationRecord[];
  /** The p of the successful pass. */
  p: number;
  /** Passes drawn, the successful one included (invalid mutants before it were discarded). */
  attempts: number;
}

// A study mutates the same few parents again and again; their canonical form is computed once per
// Cell object. Cells are immutable values, so the memo cannot go stale.
const parentForms = new WeakMap<Cell, { base: CellJson; hash: string }>();

function parentForm(parent: Cell): { base: CellJson; hash: string } {
  let form = parentForms.get(parent);
  if (!form) {
    const canonical = canonicalize(parent);
    form = { base: structure(canonical), hash: cellHash(canonical) };
    parentForms.set(parent, form);
  }
  return form;
}

/**
 * The most common reason a mutant is invalid, checked without building an error: some new state
 * no longer depends on x, or on any state. (parseCell still checks everything.)
 */
function statesDependOnInputAndState(cell: CellJson): boolean {
  const X = 1, S = 2;
  const deps = new Map<string, number>([[INPUT, X], ...cell.states.map((s) => [s, S] as [string, number])]);
  for (const n of cell.nodes) {
    let d = 0;
    for (const r of nodeInputs(n)) d |= deps.get(r) ?? 0;
    deps.set(n.id, d);
  }
  return Object.values(cell.outputs).every((r) => deps.get(r) === (X | S));
}

/** The canonical cell without its metadata: what a mutant starts from. */
function structure(cell: Cell): CellJson {
  return { states: cell.states, nodes: cell.nodes, outputs: cell.outputs };
}

/**
 * A mutant of `parent` by the procedure of Jozefowicz et al. (`mutationPass`), pruned of dead
 * nodes, validated by `parseCell` (same states, every new state depends on x and on a state,
 * no cycle) and canonicalised. Invalid mutants, mutants over `maxNodes`, and (unless allowed)
 * mutants equal to the parent are discarded and a new pass is drawn from the same generator,
 * up to `maxAttempts`; so the same generator state always gives the same mutant.
 */
export function mutate(parent: Cell, rng: () => number, opts: MutateOptions = {}): Mutant {
  const maxAttempts = opts.maxAttempts ?? 100;
  const maxNodes = opts.maxNodes ?? 64;
  const { base, hash: parentHash } = parentForm(parent);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { graph, ops, p } = mutationPass(base, rng);
    if (ops.length === 0) throw new MutationError('no node of the parent can be transformed');
    if (graph.nodes.length > maxNodes || !statesDependOnInputAndState(graph)) continue;
    let cell: Cell;
    try {
      cell = parseCell(graph);
    } catch (err) {
      if (err instanceof CellError) continue;
      throw err;
    }
    if (cell.states.length !== base.states.length || cell.states.some((s) => !base.states.includes(s))) {
      throw new MutationError('a mutation changed the states of the cell');
    }
    const canonical = canonicalize(cell);
    const hash = cellHash(canonical);
    if (hash === parentHash && !opts.allowUnchanged) continue;
    return { cell: canonical, parentHash, hash, ops, p, attempts: attempt };
  }
  throw new MutationError(`no valid mutant of ${parentHash} in ${maxAttempts} attempts`);
}

// ---------------------------------------------------------------------------------------------
// Random architectures: the control of the `random` strategy.
// ---------------------------------------------------------------------------------------------

export interface RandomArchitectureOptions {
  /** Live nodes (after pruning) of an accepted cell; default [6, 20], the zoo's range apart from the tanh RNN. */
  nodes?: [number, number];
  /** Number of states; default: as cells/random.ts draws it (1 to 3). */
  states?: number;
  /** Draws before giving up; default 100. */
  maxAttempts?: number;
}

/** The ops of a random architecture: every op but `leaky_relu`, in OPS's order (the draws of before it). */
const DRAWN_OPS = OPS.filter((op) => op !== 'leaky_relu');

/**
 * A random valid cell of zoo-like size (cells/random.ts's `randomCell`, redrawn until its live
 * part has a size in `nodes`), canonicalised, without metadata; with its hash.
 */
export function randomArchitecture(rng: () => number, opts: RandomArchitectureOptions = {}): { cell: Cell; hash: string } {
  const [lo, hi] = opts.nodes ?? [6, 20];
  const maxAttempts = opts.maxAttempts ?? 100;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    // Draw a little more than wanted: pruning removes dead nodes.
    const drawn = randomCell(rng, { nodes: [lo, Math.max(lo, Math.round(hi * 1.25))], states: opts.states, ops: DRAWN_OPS });
    if (drawn.nodes.length < lo || drawn.nodes.length > hi) continue;
    const cell = canonicalize(drawn);
    return { cell, hash: cellHash(cell) };
  }
  throw new MutationError(`no random cell with ${lo} to ${hi} live nodes in ${maxAttempts} draws`);
}
