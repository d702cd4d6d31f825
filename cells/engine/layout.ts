// The parameter layout of a model: which named parameters it has, their shapes, and their order
// in the flat parameter array. The model allocates from it, and a parameter count (what a search
// budgets, what a report shows) is read off it, so the two can never disagree.
//
// Order: per layer, the weights of each weight group (schedule.ts) adjacent, so that the group is
// one (slots*H) x H matrix for one GEMM; then that layer's biases and diag vectors (paramSpecs
// order); then the embedding (or multi-hot projection) V x H, the output weights V x H and the
// output bias V.
import { paramSpecs, type CellJson } from '../graph.ts';
import { buildSchedule, type Schedule } from './schedule.ts';

export interface ParamSlot {
  /** `layer{l}/{node}.W{k}`, `layer{l}/{node}.b`, `layer{l}/{node}.p`, `embed`, `out.W`, `out.b`. */
  name: string;
  shape: [number] | [number, number];
}

export interface ModelDims {
  hidden: number;
  /** Vocabulary size (tokens) or units per row (multi-hot): the input projection has the same V x H shape. */
  vocab: number;
  layers: number;
}

/** Every parameter of the model, in the order of the flat array. */
export function paramLayout(cell: CellJson, dims: ModelDims, schedule: Schedule = buildSchedule(cell)): ParamSlot[] {
  const { hidden: H, vocab: V, layers: L } = dims;
  const specs = paramSpecs(cell, H);
  const out: ParamSlot[] = [];
  for (let l = 0; l < L; l++) {
    for (const g of schedule.groups) for (const s of g.slots) out.push({ name: `layer${l}/${s.node}.W${s.input}`, shape: [H, H] });
    for (const s of specs) if (s.kind !== 'weight') out.push({ name: `layer${l}/${s.name}`, shape: s.shape });
  }
  out.push({ name: 'embed', shape: [V, H] }, { name: 'out.W', shape: [V, H] }, { name: 'out.b', shape: [V] });
  return out;
}

export const slotSize = (s: ParamSlot): number => s.shape.reduce((a, b) => a * b, 1);

/** Parameters of the whole model the engine builds for this cell at these dimensions. */
export function modelParamCount(cell: CellJson, dims: ModelDims): number {
  return paramLayout(cell, dims).reduce((n, s) => n + slotSize(s), 0);
}
