// Small constructors that keep the zoo's cell definitions short and close to the papers'
// equations. Every cell still goes through checkCell, so a typo fails at import time. Not
// parseCell: the zoo is typed TypeScript, not untrusted JSON, so its schema would only cost
// `cellsearch show gru` the loading of zod (cells/zoo/zoo.test.ts holds every zoo cell to
// parseCell too).
import type { Activation, CellJson, CellNode, Elementwise } from '../graph.ts';
import { checkCell } from '../check.ts';
import type { Cell } from '../graph.ts';

/** `W_1 a_1 + ... + W_k a_k + b` (bias on unless `bias: false`). */
export function linear(id: string, inputs: string[], opts: { bias?: boolean; biasInit?: number; diagOffset?: number } = {}): CellNode {
  return { id, op: 'linear', in: inputs, ...opts };
}

export function act(op: Activation, id: string, a: string): CellNode {
  return { id, op, in: [a] };
}

/** Peephole weight `p ⊙ a`. */
export function diag(id: string, a: string): CellNode {
  return { id, op: 'diag', in: [a] };
}

export function ew(op: Elementwise, id: string, a: string, b: string): CellNode {
  return { id, op, in: [a, b] };
}

export function one(id: string): CellNode {
  return { id, op: 'one' };
}

/** Checks a zoo cell; a mistake here is a bug, reported with the cell's name. */
export function defineCell(json: CellJson): Cell {
  return checkCell(json, `zoo cell ${json.name ?? '(unnamed)'}`);
}
