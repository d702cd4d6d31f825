// The schedule of one cell step, derived from the graph once per cell: which weight matrices are
// multiplied together (one GEMM per source), and which elementwise nodes are fused into one loop
// between GEMMs. The code generator turns it into JavaScript; the model uses the weight groups to
// lay out the flat parameter array so that every group's weights are one contiguous matrix.
//
// A step alternates GEMM phases and elementwise phases. The `x` group is special: it is projected
// for all T steps before the time loop, in one GEMM over T*B rows.
import { INPUT, nodeInputs, type CellJson, type CellNode } from '../graph.ts';

/** One weight matrix W_k of a linear node: reads `source`, feeds `node`. */
export interface WeightSlot {
  node: string;
  input: number;
  /** Column block of this weight in the group's GEMM output (in units of H). */
  block: number;
}

/** All weight matrices that read the same source: one GEMM computes all their products. */
export interface WeightGroup {
  /** `x`, a state name, or a node id. */
  source: string;
  slots: WeightSlot[];
}

export interface Stage {
  /** Sources whose group GEMM runs at the start of this stage (never `x`). */
  gemms: string[];
  /** Nodes computed in one fused loop after those GEMMs, in topological order. */
  nodes: CellNode[];
}

export interface Schedule {
  states: string[];
  nodes: CellNode[];
  groups: WeightGroup[];
  stages: Stage[];
  /** For each state, the reference that becomes its new value. */
  outputs: Record<string, string>;
}

export function buildSchedule(cell: CellJson): Schedule {
  const groups = new Map<string, WeightGroup>();
  const group = (source: string) => {
    let g = groups.get(source);
    if (!g) groups.set(source, (g = { source, slots: [] }));
    return g;
  };
  // The x group first: it is the one projected for all steps ahead of the loop.
  if (cell.nodes.some((n) => n.op === 'linear' && n.in.includes(INPUT))) group(INPUT);
  for (const node of cell.nodes) {
    if (node.op !== 'linear') continue;
    node.in.forEach((src, k) => {
      const g = group(src);
      g.slots.push({ node: node.id, input: k, block: g.slots.length });
    });
  }

  const available = new Set<string>([INPUT, ...cell.states]);
  const gemmDone = new Set<string>([INPUT]);
  const computed = new Set<string>();
  const stages: Stage[] = [];
  while (computed.size < cell.nodes.length) {
    const gemms = [...groups.keys()].filter((s) => !gemmDone.has(s) && available.has(s));
    for (const s of gemms) gemmDone.add(s);
    const nodes: CellNode[] = [];
    for (const node of cell.nodes) {
      if (computed.has(node.id)) continue;
      const ready =
        node.op === 'linear' ? node.in.every((s) => gemmDone.has(s)) : nodeInputs(node).every((s) => available.has(s));
      if (!ready) continue;
      nodes.push(node);
      computed.add(node.id);
      available.add(node.id);
    }
    if (gemms.length === 0 && nodes.length === 0) {
      const stuck = cell.nodes.filter((n) => !computed.has(n.id)).map((n) => n.id);
      throw new Error(`cell cannot be scheduled (cycle or undefined reference among: ${stuck.join(', ')})`);
    }
    stages.push({ gemms, nodes });
  }
  for (const s of cell.states) {
    const ref = cell.outputs[s];
    if (ref === undefined || !available.has(ref)) throw new Error(`cell has no new value for state '${s}'`);
  }
  return { states: [...cell.states], nodes: cell.nodes, groups: [...groups.values()], stages, outputs: { ...cell.outputs } };
}
