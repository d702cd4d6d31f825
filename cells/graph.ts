// The cell graph: the intermediate representation that everything in cellsearch shares.
// The engine compiles it, the search mutates it, the database stores it, reports draw it.
//
// A cell maps (x, s_1 .. s_n) at step t to new values of s_1 .. s_n. Every vector has width H
// (the embedding width equals H). A node reads references: `x`, a state name (the value carried
// from step t-1), or the id of another node. `outputs` names, for each state, the reference
// that becomes its new value. The output to the next layer is the new `h`.
//
// This file holds only the ops, the types derived from the JSON schema (cells/schema.ts) and the
// parameter layout that the reference evaluator and the compiled engine must agree on. Semantic
// checks (cycles, arity, references, dependence on x and state) live in cells/check.ts. It loads
// no zod: a command that shows a zoo cell (`cellsearch show gru`) need not pay for it.
import type { z } from 'zod';
import type { ActivationNodeSchema, CellSchema, DiagNodeSchema, ElementwiseNodeSchema, LinearNodeSchema, NodeSchema, OneNodeSchema } from './schema.ts';

export const ACTIVATIONS = ['tanh', 'sigmoid', 'relu', 'leaky_relu', 'identity'] as const;

/**
 * The slope of `leaky_relu` below zero: PyTorch's default (`torch.nn.LeakyReLU()`), which
 * NAS-Bench-NLP's cells use (its `activation_leaky_relu`). Fixed, so the op has no option.
 */
export const LEAKY_SLOPE = 0.01;
export const ELEMENTWISE = ['add', 'sub', 'mul'] as const;
export const OPS = ['linear', 'diag', ...ACTIVATIONS, ...ELEMENTWISE, 'one'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type Elementwise = (typeof ELEMENTWISE)[number];
export type Op = (typeof OPS)[number];

/** The reference to the input of the current step. */
export const INPUT = 'x';

export type LinearNode = z.infer<typeof LinearNodeSchema>;
export type DiagNode = z.infer<typeof DiagNodeSchema>;
export type ActivationNode = z.infer<typeof ActivationNodeSchema>;
export type ElementwiseNode = z.infer<typeof ElementwiseNodeSchema>;
export type OneNode = z.infer<typeof OneNodeSchema>;
export type CellNode = z.infer<typeof NodeSchema>;
/** A cell as written in JSON. Only cells/validate.ts turns it into a checked `Cell`. */
export type CellJson = z.infer<typeof CellSchema>;

declare const checked: unique symbol;
/**
 * A cell that passed every check of cells/validate.ts: references resolve, no cycles, arities
 * are right, every state has a new value that depends on x and on the state. Nodes are in
 * topological order. Only validate.ts creates values of this type.
 */
export type Cell = CellJson & { readonly [checked]: true };

/** The inputs of a node (the constant `one` has none). */
export function nodeInputs(node: CellNode): string[] {
  return node.in ?? [];
}

export function isActivation(op: Op): op is Activation {
  return (ACTIVATIONS as readonly string[]).includes(op);
}

export function isElementwise(op: Op): op is Elementwise {
  return (ELEMENTWISE as readonly string[]).includes(op);
}

// ---------------------------------------------------------------------------------------------
// Parameter layout. The reference evaluator, the compiled engine, weight import/export and the
// parameter count all use this one definition.
//
// A `linear` node `id` with inputs a_0 .. a_{k-1} has weights `id.W0` .. `id.W{k-1}`, each H x H
// stored row-major as [out][in] (y_i = sum_j W[i*H + j] a_j), and, when bias is on, `id.b` (H).
// A `diag` node `id` has `id.p` (H): y = p * a.
// ---------------------------------------------------------------------------------------------

export interface ParamSpec {
  name: string;
  /** Node that owns the parameter. */
  node: string;
  kind: 'weight' | 'bias' | 'diag';
  /** For weights: which input of the node (0-based). */
  input?: number;
  shape: [number] | [number, number];
  size: number;
}

export function paramSpecs(cell: CellJson, hidden: number): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (const node of cell.nodes) {
    if (node.op === 'linear') {
      node.in.forEach((_, k) =>
        out.push({ name: `${node.id}.W${k}`, node: node.id, kind: 'weight', input: k, shape: [hidden, hidden], size: hidden * hidden }),
      );
      if (node.bias !== false) out.push({ name: `${node.id}.b`, node: node.id, kind: 'bias', shape: [hidden], size: hidden });
    } else if (node.op === 'diag') {
      out.push({ name: `${node.id}.p`, node: node.id, kind: 'diag', shape: [hidden], size: hidden });
    }
  }
  return out;
}

export function paramCount(cell: CellJson, hidden: number): number {
  return paramSpecs(cell, hidden).reduce((n, p) => n + p.size, 0);
}
