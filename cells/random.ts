// Random valid cells, for property tests of the engine, the notation, the canonical form and the
// mutation engine. Valid by construction (and checked by parseCell): every node reads only x,
// states or earlier nodes; every state's new value depends on x and on a state. Sizes are like
// the zoo's (a handful to about twenty nodes), with 1-3 states, and every op and linear option
// appears across draws.
import type { Cell, CellJson, CellNode, Op } from './graph.ts';
import { OPS } from './graph.ts';
import { prune } from './canonical.ts';
import { parseCell } from './validate.ts';

export interface RandomCellOptions {
  /** Number of states (h, c, m in that order); default: uniform in 1..3. */
  states?: number;
  /** Range of the number of nodes drawn, before pruning dead ones; default [6, 24]. */
  nodes?: [number, number];
  /** Ops that may appear; default all. Must include linear or one of add/sub/mul. */
  ops?: readonly Op[];
  /** Keep nodes no state depends on (default false: they are pruned). */
  keepDead?: boolean;
}

const STATE_NAMES = ['h', 'c', 'm'];
const ID_PREFIXES = ['a', 'g', 't', 'u_', 'v', 'w', 'z'];
const X = 1;
const S = 2;

/** A random valid cell; `rng` is a seeded generator such as `seedrandom(seed)`. */
export function randomCell(rng: () => number, opts: RandomCellOptions = {}): Cell {
  const ops = opts.ops ?? OPS;
  const [lo, hi] = opts.nodes ?? [6, 24];
  if (lo < 1 || hi < lo) throw new Error(`randomCell: bad node range [${lo}, ${hi}]`);
  const combiners = ops.filter((o) => o === 'add' || o === 'sub' || o === 'mul');
  if (!ops.includes('linear') && combiners.length === 0) throw new Error('randomCell: ops must include linear, add, sub or mul');
  const nStates = opts.states ?? 1 + Math.floor(rng() * 3);
  if (nStates < 1 || nStates > STATE_NAMES.length) throw new Error(`randomCell: states must be 1..${STATE_NAMES.length}`);

  const int = (n: number) => Math.floor(rng() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const states = STATE_NAMES.slice(0, nStates);
  const target = lo + int(hi - lo + 1);

  // What each reference depends on (bit X: the input, bit S: some state), and which are unread.
  const deps = new Map<string, number>([['x', X], ...states.map((s) => [s, S] as [string, number])]);
  const refs: string[] = ['x', ...states];
  const unread = new Set(refs);
  const nodes: CellNode[] = [];

  const chooseInput = (): string => {
    const r = rng();
    if (r < 0.6 && unread.size) return pick([...unread]);
    if (r < 0.85) return refs[Math.max(0, refs.length - 1 - int(3))];
    return pick(refs);
  };
  const emit = (node: CellNode) => {
    const ins = node.in ?? [];
    let d = 0;
    for (const r of ins) {
      d |= deps.get(r)!;
      unread.delete(r);
    }
    deps.set(node.id, d);
    refs.push(node.id);
    unread.add(node.id);
    nodes.push(node);
  };
  const newId = () => `${pick(ID_PREFIXES)}${nodes.length}`;

  // Start from a node that reads x and a state, so that some value depends on both.
  const firstState = pick(states);
  if (ops.includes('linear')) emit({ id: newId(), op: 'linear', in: rng() < 0.5 ? ['x', firstState] : [firstState, 'x'] });
  else emit({ id: newId(), op: pick(combiners), in: ['x', firstState] });

  while (nodes.length < target) {
    const op = pick(ops);
    const id = newId();
    switch (op) {
      case 'linear': {
        const k = pick([1, 1, 2, 2, 2, 3]);
        const ins: string[] = [];
        for (let t = 0; t < k; t++) ins.push(chooseInput());
        const node: CellNode = { id, op, in: ins };
        const o = rng();
        if (o < 0.1) node.bias = false;
        else if (o < 0.2) node.biasInit = pick([1, -1, 0.5]);
        else if (o < 0.27) node.diagOffset = 1;
        emit(node);
        break;
      }
      case 'one':
        emit({ id, op });
        break;
      case 'add':
      case 'sub':
      case 'mul':
        emit({ id, op, in: [chooseInput(), chooseInput()] });
        break;
      default:
        emit({ id, op, in: [chooseInput()] });
    }
  }

  // The new h is the last node; make it depend on x and a state if it does not yet.
  const full = (r: string) => deps.get(r) === (X | S);
  let last = nodes[nodes.length - 1].id;
  if (!full(last)) {
    const partner = pick(nodes.filter((n) => full(n.id))).id;
    const op = combiners.length ? pick(combiners) : 'linear';
    emit({ id: newId(), op, in: rng() < 0.5 ? [last, partner] : [partner, last] } as CellNode);
    last = nodes[nodes.length - 1].id;
  }
  const candidates = nodes.filter((n) => full(n.id) && n.id !== last).map((n) => n.id);
  const outputs: Record<string, string> = { h: last };
  for (const s of states.slice(1)) {
    // Prefer an unread node, so that little is dead; fall back on any node of both kinds.
    const fresh = candidates.filter((r) => unread.has(r));
    outputs[s] = fresh.length ? pick(fresh) : candidates.length ? pick(candidates) : last;
  }
  const json: CellJson = { states, nodes, outputs };
  const cell = parseCell(json, 'randomCell');
  return opts.keepDead ? cell : prune(cell);
}
