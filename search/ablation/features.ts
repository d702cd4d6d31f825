// The architecture features of a cell, read off its graph: which gates and activations it has
// (Greff et al.'s knock-outs: NIG, NFG, NOG, NIAF, NOAF, NP, CIFG, FGR) and how many nodes of
// each op. They are what `featureImportance` (search/stats) relates the metric to when the cells
// of a study differ, so they must be defined for any cell, not just the zoo's.
//
// Structural definitions (a *gate* is a `sigmoid` node, or `1 - gate`, seen through `identity`):
// - The *memory* is the first state, other than `h` when another qualifies, whose new value is a
//   sum (`add` nodes) with a term that carries the state's previous value: the state itself
//   (`c`) or a product of it with other factors (`c * f`). LSTMs: `c`; GRU and MUT1: `h`; the
//   tanh RNN has none, and then every gate feature is false.
// - forget gate: the carry term is multiplied by a gate. input gate: a term that does not carry
//   the memory is multiplied by a gate. coupled gates: the forget gate is `1 - g` with `g` an
//   input gate, or the other way round (CIFG, GRU, MUT1).
// - input activation: the non-gate factor of a write term (or the term itself) is tanh, relu or
//   sigmoid, not a linear map.
// - output gate / output activation (only when the memory is not `h`): `h'` is the memory's new
//   value times a gate; output activation: the non-gate factor is an activation of the new
//   memory value (NOAF: `h' = c' * o`, false).
// - peepholes: a `diag` node reads a state or a state's new value.
// - full gate recurrence: a state whose new value is a gate is read by a `linear` node (FGR's
//   gates read i, f, o of the previous step).
import { ACTIVATIONS, OPS, type CellJson, type CellNode, type Op } from '../../cells/graph.ts';

export const BOOLEAN_FEATURES = [
  'hasInputGate',
  'hasForgetGate',
  'hasOutputGate',
  'hasPeepholes',
  'hasInputActivation',
  'hasOutputActivation',
  'coupledGates',
  'fullGateRecurrence',
] as const;
export type BooleanFeature = (typeof BOOLEAN_FEATURES)[number];

/** `count_<op>` for every op of the IR. */
export type OpCountFeature = `count_${Op}`;

export type CellFeatures = Record<BooleanFeature, boolean> & Record<OpCountFeature, number> & { states: number };

export function cellFeatures(cell: CellJson): CellFeatures {
  const byId = new Map<string, CellNode>(cell.nodes.map((n) => [n.id, n]));
  const stateSet = new Set(cell.states);
  const node = (ref: string): CellNode | undefined => byId.get(ref);
  // Follows identity nodes to what they pass on.
  const strip = (ref: string): string => {
    let r = ref;
    for (let n = node(r); n && n.op === 'identity'; n = node(r)) r = n.in[0];
    return r;
  };
  const isOne = (ref: string) => node(strip(ref))?.op === 'one';
  // The gate a reference is, as a canonical key ('g' or '1-g'), or null.
  const gateOf = (ref: string): { base: string; complement: boolean } | null => {
    const r = strip(ref);
    const n = node(r);
    if (!n) return null;
    if (n.op === 'sigmoid') return { base: r, complement: false };
    if (n.op === 'sub' && n.in.length === 2 && isOne(n.in[0])) {
      const g = gateOf(n.in[1]);
      return g ? { base: g.base, complement: !g.complement } : null;
    }
    return null;
  };
  const addTerms = (ref: string): string[] => {
    const r = strip(ref);
    const n = node(r);
    return n && n.op === 'add' ? n.in.flatMap(addTerms) : [r];
  };
  const mulFactors = (ref: string): string[] => {
    const r = strip(ref);
    const n = node(r);
    return n && n.op === 'mul' ? n.in.flatMap(mulFactors) : [r];
  };

  interface Memory {
    state: string;
    carry: string[][];
    write: string[][];
  }
  const memoryOf = (state: string): Memory | null => {
    const out = cell.outputs[state];
    if (out === undefined) return null;
    const n = node(strip(out));
    if (!n || n.op !== 'add') return null;
    const carry: string[][] = [];
    const write: string[][] = [];
    for (const t of addTerms(out)) {
      const f = mulFactors(t);
      (f.includes(state) ? carry : write).push(f);
    }
    return carry.length > 0 ? { state, carry, write } : null;
  };
  const ordered = [...cell.states.filter((s) => s !== 'h'), ...cell.states.filter((s) => s === 'h')];
  let memory: Memory | null = null;
  for (const s of ordered) {
    memory = memoryOf(s);
    if (memory) break;
  }

  const gatesIn = (factors: string[]) => factors.map(gateOf).filter((g): g is NonNullable<typeof g> => g !== null);
  let hasForgetGate = false;
  let hasInputGate = false;
  let coupledGates = false;
  let hasInputActivation = false;
  let hasOutputGate = false;
  let hasOutputActivation = false;
  const isActivationRef = (ref: string) => {
    const n = node(strip(ref));
    return !!n && n.op !== 'identity' && (ACTIVATIONS as readonly string[]).includes(n.op);
  };
  if (memory) {
    const forget = memory.carry.flatMap((f) => gatesIn(f.filter((r) => r !== memory!.state)));
    const inputGates = memory.write.flatMap(gatesIn);
    hasForgetGate = forget.length > 0;
    hasInputGate = inputGates.length > 0;
    coupledGates = forget.some((fg) => inputGates.some((ig) => ig.base === fg.base && ig.complement !== fg.complement));
    hasInputActivation = memory.write.some((factors) => factors.some((r) => gateOf(r) === null && isActivationRef(r)));
    if (memory.state !== 'h') {
      const newMemory = strip(cell.outputs[memory.state]);
      const factors = mulFactors(cell.outputs.h);
      const gates = factors.filter((r) => gateOf(r) !== null);
      const values = factors.filter((r) => gateOf(r) === null);
      // When every factor is a sigmoid, the one that is not computed from a linear map of the inputs is the value.
      hasOutputGate = gates.length > 0 && factors.length > 1;
      const value = values.length > 0 ? values : factors.length > 1 ? factors.slice(0, 1) : factors;
      hasOutputActivation = value.some((r) => {
        const n = node(r);
        return !!n && r !== newMemory && isActivationRef(r) && (n.in ?? []).some((i) => strip(i) === newMemory);
      });
    }
  }

  const outputRefs = new Set(Object.values(cell.outputs).map(strip));
  const hasPeepholes = cell.nodes.some((n) => n.op === 'diag' && n.in.some((r) => stateSet.has(r) || outputRefs.has(strip(r))));
  const gateStates = cell.states.filter((s) => s !== 'h' && gateOf(cell.outputs[s] ?? '') !== null);
  const fullGateRecurrence = cell.nodes.some((n) => n.op === 'linear' && n.in.some((r) => gateStates.includes(r)));

  const counts = Object.fromEntries(OPS.map((op) => [`count_${op}`, cell.nodes.filter((n) => n.op === op).length])) as Record<OpCountFeature, number>;
  return {
    hasInputGate,
    hasForgetGate,
    hasOutputGate,
    hasPeepholes,
    hasInputActivation,
    hasOutputActivation,
    coupledGates,
    fullGateRecurrence,
    ...counts,
    states: cell.states.length,
  };
}
