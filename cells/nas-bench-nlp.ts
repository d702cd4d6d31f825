// The recipe format of NAS-Bench-NLP (Klyuchnikov et al. 2020; github.com/fmsnew/nas-bench-nlp-release,
// custom_rnn.py), both ways. A recipe is a JSON object, node name -> {"op", "input"}; inputs are
// `x`, `h_prev_0`, `h_prev_1`, ... (the states of step t-1) or other nodes; `h_new_0` is the
// layer output (our `h`) and `h_new_k` the k-th extra state. Ops and what they become here:
//
//   linear (k inputs, one bias)      linear
//   blend(a, b, c) = a*b + (1-a)*c   one, sub, mul, mul, add (the GRU's update in our ops)
//   elementwise_prod / _sum (2)      mul / add
//   activation_tanh / _sigm          tanh / sigmoid
//   activation_leaky_relu            leaky_relu (torch.nn.LeakyReLU(): slope 0.01, fixed)
//
// States: h_prev_0/h_new_0 is `h`, h_prev_1/h_new_1 is `c` (see stateName).
// Their lookup of precomputed results keys on Python's `json.dumps(recipe)`, so `dumpsRecipe`
// writes exactly that string (separators ', ' and ': ', keys in the recipe's order, ASCII only).
// Pure functions: reading files lives in load.ts.
import { z } from 'zod';
import { INPUT, nodeInputs, type Cell, type CellJson, type CellNode } from './graph.ts';
import { CellError, parseCell } from './validate.ts';

export const RECIPE_OPS = [
  'linear',
  'blend',
  'elementwise_prod',
  'elementwise_sum',
  'activation_tanh',
  'activation_sigm',
  'activation_leaky_relu',
] as const;
export type RecipeOp = (typeof RECIPE_OPS)[number];

export const RecipeNodeSchema = z.strictObject({ op: z.enum(RECIPE_OPS), input: z.array(z.string()) });
export const RecipeSchema = z.record(z.string(), RecipeNodeSchema);
export type RecipeNode = z.infer<typeof RecipeNodeSchema>;
export type Recipe = z.infer<typeof RecipeSchema>;

/** A log file of their benchmark: the recipe is a JSON string under `recepie` (their spelling). */
export const RecipeLogSchema = z.looseObject({ recepie: z.string(), recepie_id: z.number().int().optional() });

const ARITY: Record<RecipeOp, [number, number]> = {
  linear: [1, Infinity],
  blend: [3, 3],
  elementwise_prod: [2, 2],
  elementwise_sum: [2, 2],
  activation_tanh: [1, 1],
  activation_sigm: [1, 1],
  activation_leaky_relu: [1, 1],
};

const ACTIVATION_OF = { activation_tanh: 'tanh', activation_sigm: 'sigmoid', activation_leaky_relu: 'leaky_relu' } as const;
const RECIPE_ACTIVATION = { tanh: 'activation_tanh', sigmoid: 'activation_sigm', leaky_relu: 'activation_leaky_relu' } as const;

const PREV = /^h_prev_(\d+)$/;
const NEW = /^h_new_(\d+)$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Our name of their state k: `h` for the layer output, `c` for the first extra state (their
 * space has two: the LSTM's cell state is h_new_1), then `c2`, `c3`, ... State names are part of
 * a cell's hash, so their LSTM and our zoo LSTM are the same architecture.
 */
export function stateName(k: number): string {
  return k === 0 ? 'h' : k === 1 ? 'c' : `c${k}`;
}

/** A name not in `taken` (which it joins): `base`, else `base_2`, `base_3`, ... */
function fresh(base: string, taken: Set<string>): string {
  let id = IDENT.test(base) ? base : `n_${base.replace(/[^A-Za-z0-9_]/g, '_')}`;
  for (let k = 2; taken.has(id); k++) id = `${IDENT.test(base) ? base : `n_${base.replace(/[^A-Za-z0-9_]/g, '_')}`}_${k}`;
  taken.add(id);
  return id;
}

/**
 * A recipe -> a checked cell with the same function: node names kept (unless one clashes with a
 * state name or is not an identifier), blend expanded into our ops, states `h`, `s1`, ...
 * Throws `CellError` (a UserError) naming the node and `where`.
 */
export function recipeToCell(recipe: Recipe, opts: { name?: string; where?: string } = {}): Cell {
  const where = opts.where;
  const fail = (path: string, detail: string): never => {
    throw new CellError(path, detail, where);
  };
  const keys = Object.keys(recipe);
  let nStates = 0;
  for (const k of keys) {
    if (k === INPUT || PREV.test(k)) fail(`'${k}'`, `'${k}' is an input of the cell and cannot be a node`);
    const m = NEW.exec(k);
    if (m) nStates = Math.max(nStates, Number(m[1]) + 1);
  }
  if (!('h_new_0' in recipe)) fail('(recipe)', "no node 'h_new_0' (the layer output)");
  for (let k = 0; k < nStates; k++) if (!(`h_new_${k}` in recipe)) fail('(recipe)', `no node 'h_new_${k}', but h_new_${nStates - 1} makes the state tuple ${nStates} long`);
  const states = Array.from({ length: nStates }, (_, k) => stateName(k));

  const taken = new Set<string>([INPUT, ...states]);
  const idOf = new Map<string, string>();
  for (const k of keys) idOf.set(k, fresh(k, taken));
  const ref = (key: string, r: string): string => {
    if (r === INPUT) return INPUT;
    const m = PREV.exec(r);
    if (m) {
      const k = Number(m[1]);
      if (k >= nStates) fail(`'${key}'.input`, `'${r}' is not a state: the recipe has ${nStates} (h_new_0${nStates > 1 ? ` .. h_new_${nStates - 1}` : ''})`);
      return stateName(k);
    }
    const id = idOf.get(r);
    if (id === undefined) fail(`'${key}'.input`, `'${r}' is neither x, h_prev_k nor a node of the recipe`);
    return id!;
  };

  const nodes: CellNode[] = [];
  for (const key of keys) {
    const { op, input } = recipe[key];
    const [lo, hi] = ARITY[op];
    if (input.length < lo || input.length > hi) {
      fail(`'${key}'.input`, `${op} takes ${hi === Infinity ? `at least ${lo} input` : `exactly ${lo} input${lo === 1 ? '' : 's'}`}, got ${input.length}`);
    }
    const ins = input.map((r) => ref(key, r));
    const id = idOf.get(key)!;
    switch (op) {
      case 'linear':
        nodes.push({ id, op: 'linear', in: ins });
        break;
      case 'elementwise_prod':
        nodes.push({ id, op: 'mul', in: ins });
        break;
      case 'elementwise_sum':
        nodes.push({ id, op: 'add', in: ins });
        break;
      case 'blend': {
        const [a, b, c] = ins;
        const one = fresh(`${id}_one`, taken);
        const not = fresh(`${id}_not`, taken);
        const kept = fresh(`${id}_kept`, taken);
        const mixed = fresh(`${id}_mixed`, taken);
        nodes.push(
          { id: one, op: 'one' },
          { id: not, op: 'sub', in: [one, a] },
          { id: kept, op: 'mul', in: [a, b] },
          { id: mixed, op: 'mul', in: [not, c] },
          { id, op: 'add', in: [kept, mixed] },
        );
        break;
      }
      default:
        nodes.push({ id, op: ACTIVATION_OF[op], in: ins });
    }
  }
  const outputs = Object.fromEntries(states.map((s, k) => [s, idOf.get(`h_new_${k}`)!]));
  const json: CellJson = { ...(opts.name ? { name: opts.name } : {}), states, nodes, outputs };
  return parseCell(json, where);
}

/** A blend found in a cell: the `add` node computing g*b + (1-g)*c, and the nodes it consists of. */
interface Blend {
  g: string;
  b: string;
  c: string;
  /** The two products, the `1 - g` and the constant: computed by the blend itself. */
  parts: string[];
}

/** The blend an `add` node computes, if it is one: add(mul(g, b), mul(sub(one, g), c)), operands in any order. */
function blendAt(node: CellNode, byId: Map<string, CellNode>): Blend | undefined {
  if (node.op !== 'add') return undefined;
  const [u, v] = node.in;
  for (const [p, q] of [[u, v], [v, u]]) {
    const P = byId.get(p), Q = byId.get(q);
    if (!P || !Q || P === Q || P.op !== 'mul' || Q.op !== 'mul') continue;
    for (const [s, c] of [[Q.in[0], Q.in[1]], [Q.in[1], Q.in[0]]]) {
      const S = byId.get(s);
      if (!S || S.op !== 'sub' || S === P) continue;
      const O = byId.get(S.in[0]);
      if (!O || O.op !== 'one') continue;
      const g = S.in[1];
      const b = P.in[0] === g ? P.in[1] : P.in[1] === g ? P.in[0] : undefined;
      if (b !== undefined) return { g, b, c, parts: [p, q, s, O.id] };
    }
  }
  return undefined;
}

/** Why a node cannot be written as a recipe node (by itself), or undefined if it can. */
function inexpressible(node: CellNode): string | undefined {
  switch (node.op) {
    case 'linear':
      return node.bias === false ? 'a linear map without bias (their linear always has one)' : undefined;
    case 'relu':
      return 'relu (their only rectifier is leaky_relu)';
    case 'diag':
      return 'a diagonal (peephole) weight';
    case 'sub':
      return 'a subtraction outside a blend g*b + (1-g)*c';
    case 'one':
      return 'the constant 1 outside a blend g*b + (1-g)*c';
    default:
      return undefined;
  }
}

/**
 * A cell -> a recipe with the same function, where their ops can express it: `h` becomes
 * h_prev_0 / h_new_0 and the other states h_prev_k / h_new_k in the cell's order; a GRU-style
 * g*b + (1-g)*c becomes a blend; identity nodes are skipped. Node order is the cell's (so a recipe
 * imported by `recipeToCell` comes back as it was). `notes` lists what the recipe drops:
 * initial values (biasInit, diagOffset) that their code does not set. Throws a CellError naming
 * the first node their ops cannot express.
 */
export function cellToRecipe(cell: Cell, where?: string): { recipe: Recipe; notes: string[] } {
  const fail = (node: string, detail: string): never => {
    throw new CellError(`node '${node}'`, `${detail}: NAS-Bench-NLP's ops cannot express it`, where);
  };
  const states = ['h', ...cell.states.filter((s) => s !== 'h')];
  const byId = new Map(cell.nodes.map((n) => [n.id, n]));
  const blends = new Map<string, Blend>();
  for (const n of cell.nodes) {
    const b = blendAt(n, byId);
    if (b) blends.set(n.id, b);
  }

  // Who reads each node: other nodes and the outputs.
  const readers = new Map<string, string[]>(cell.nodes.map((n) => [n.id, []]));
  for (const n of cell.nodes) for (const r of nodeInputs(n)) readers.get(r)?.push(n.id);
  const outputOf = new Map<string, string[]>();
  for (const s of states) outputOf.set(cell.outputs[s], [...(outputOf.get(cell.outputs[s]) ?? []), s]);

  // A part of a blend is absorbed (not written) when only that blend reads it: its root, or its
  // other absorbed parts (a shared constant 1 belongs to several blends).
  const absorbed = new Set<string>();
  const blendsOf = new Map<string, string[]>();
  for (const [root, b] of blends) for (const p of b.parts) blendsOf.set(p, [...(blendsOf.get(p) ?? []), root]), absorbed.add(p);
  const inBlend = (r: string, root: string) => r === root || (absorbed.has(r) && blends.get(root)!.parts.includes(r));
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of [...absorbed]) {
      const ok = !outputOf.has(p) && readers.get(p)!.every((r) => blendsOf.get(p)!.some((root) => inBlend(r, root)));
      if (!ok) {
        absorbed.delete(p);
        changed = true;
      }
    }
  }

  // Identity nodes are aliases of their input, unless a state takes their value.
  const alias = new Map<string, string>();
  const resolve = (r: string): string => alias.get(r) ?? r;
  for (const n of cell.nodes) if (n.op === 'identity' && !outputOf.has(n.id)) alias.set(n.id, resolve(n.in[0]));

  // Keys: h_new_k for the value of state k, the node's id otherwise (renamed if it looks like one of theirs).
  const key = new Map<string, string>();
  const taken = new Set<string>([INPUT]);
  states.forEach((s, k) => taken.add(`h_prev_${k}`).add(`h_new_${k}`));
  for (const [node, ss] of outputOf) {
    if (ss.length > 1) fail(node, `states ${ss.join(' and ')} take the same value (their format has no copy)`);
    key.set(node, `h_new_${states.indexOf(ss[0])}`);
  }
  for (const n of cell.nodes) if (!key.has(n.id) && !absorbed.has(n.id) && !alias.has(n.id)) key.set(n.id, fresh(PREV.test(n.id) || NEW.test(n.id) || n.id === INPUT ? `${n.id}_` : n.id, taken));
  const recipeRef = (r: string): string => {
    const a = resolve(r);
    if (a === INPUT) return INPUT;
    const k = states.indexOf(a);
    return k >= 0 ? `h_prev_${k}` : key.get(a)!;
  };

  const recipe: Recipe = {};
  const notes: string[] = [];
  for (const n of cell.nodes) {
    if (absorbed.has(n.id) || alias.has(n.id)) continue;
    const k = key.get(n.id)!;
    const blend = blends.get(n.id);
    if (blend) {
      recipe[k] = { op: 'blend', input: [blend.g, blend.b, blend.c].map(recipeRef) };
      continue;
    }
    const why = inexpressible(n);
    if (why) fail(n.id, why);
    if (n.op === 'identity') fail(n.id, `an identity that is the new value of state ${outputOf.get(n.id)![0]} (their format has no copy)`);
    if (n.op === 'linear' && (n.biasInit !== undefined || n.diagOffset !== undefined)) {
      notes.push(`node '${n.id}': ${[n.biasInit !== undefined ? `biasInit=${n.biasInit}` : '', n.diagOffset !== undefined ? `diagOffset=${n.diagOffset}` : ''].filter(Boolean).join(', ')} dropped (an initial value; their code initialises every weight uniformly)`);
    }
    const input = nodeInputs(n).map(recipeRef);
    if (n.op === 'linear') recipe[k] = { op: 'linear', input };
    else if (n.op === 'mul') recipe[k] = { op: 'elementwise_prod', input };
    else if (n.op === 'add') recipe[k] = { op: 'elementwise_sum', input };
    else if (n.op === 'tanh' || n.op === 'sigmoid' || n.op === 'leaky_relu') recipe[k] = { op: RECIPE_ACTIVATION[n.op], input };
    else fail(n.id, `op ${n.op}`);
  }
  return { recipe, notes };
}

/** Python's `json.dumps(value)` with default arguments: ', ' and ': ', keys in order, ASCII only. */
export function pythonJsonDumps(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  throw new Error(`pythonJsonDumps: ${typeof value} is not part of a recipe`);
}

/** The string their benchmark looks a recipe up by: `json.dumps(recipe)`, each node's keys as `op`, `input`. */
export function dumpsRecipe(recipe: Recipe): string {
  return pythonJsonDumps(Object.fromEntries(Object.entries(recipe).map(([k, n]) => [k, { op: n.op, input: n.input }])));
}

/** One recipe of a file, with the id a user picks it by (`--ids`): its index, or a log's recepie_id. */
export interface RecipeEntry {
  id: number;
  recipe: Recipe;
}

/**
 * The recipes in parsed JSON: a list of recipes (their data/recepies_example.json), one recipe,
 * one log (`{"recepie": "<json>", "recepie_id": n, ...}`) or a list of logs. Undefined when the
 * value is none of these (e.g. a cell of ours). Throws a UserError naming `file` and the recipe.
 */
export function recipesFromJson(value: unknown, file: string): RecipeEntry[] | undefined {
  const one = (v: unknown, index: number): RecipeEntry => {
    const log = RecipeLogSchema.safeParse(v);
    if (log.success) {
      let inner: unknown;
      try {
        inner = JSON.parse(log.data.recepie);
      } catch {
        throw new CellError(`[${index}].recepie`, 'is not a JSON recipe', file);
      }
      return { id: log.data.recepie_id ?? index, recipe: parseRecipe(inner, `${file}: recipe ${log.data.recepie_id ?? index}`) };
    }
    return { id: index, recipe: parseRecipe(v, `${file}: recipe ${index}`) };
  };
  if (Array.isArray(value)) return value.map(one);
  if (looksLikeRecipe(value) || RecipeLogSchema.safeParse(value).success) return [one(value, 0)];
  return undefined;
}

/** A JSON object whose values are all `{"op", "input"}` objects (a cell of ours has `states`, `nodes`, `outputs`). */
function looksLikeRecipe(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const values = Object.values(v);
  return values.length > 0 && values.every((n) => n !== null && typeof n === 'object' && 'op' in n && 'input' in n);
}

/** Parsed JSON -> a typed recipe; a UserError naming the node and the field otherwise. */
export function parseRecipe(v: unknown, where: string): Recipe {
  const r = RecipeSchema.safeParse(v);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `'${String(p)}'`)).join('.');
  const detail = issue.code === 'invalid_value' ? `${issue.message} (their ops: ${RECIPE_OPS.join(', ')})` : issue.message;
  throw new CellError(path || '(recipe)', detail, where);
}
