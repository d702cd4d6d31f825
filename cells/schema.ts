// The JSON schema of a cell (zod): what a cell file, a notation file or a database row must be
// before cells/validate.ts checks its semantics. The types (cells/graph.ts) are inferred from it;
// it lives apart from them so that code that only reads checked cells loads no zod.
import { z } from 'zod';
import { ACTIVATIONS, ELEMENTWISE } from './graph.ts';
import { TextLineSchema, TextSchema } from './text.ts';

const ident = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier (letters, digits, _; not starting with a digit)');

// One schema per node, with `op` as the discriminator, so that errors name the offending field.
// Arity is checked in check.ts rather than with tuples, to give "wrong arity" messages.
export const LinearNodeSchema = z.strictObject({
  id: ident,
  op: z.literal('linear'),
  in: z.array(ident),
  /** Learned bias b (default true). */
  bias: z.boolean().optional(),
  /** Initial value of every bias entry (default 0; LSTM-b's forget gate uses 1). */
  biasInit: z.number().finite().optional(),
  /** Added to the diagonal of every weight matrix at initialisation (the paper's Linear(a, .)). */
  diagOffset: z.number().finite().optional(),
});
export const DiagNodeSchema = z.strictObject({ id: ident, op: z.literal('diag'), in: z.array(ident) });
export const ActivationNodeSchema = z.strictObject({ id: ident, op: z.enum(ACTIVATIONS), in: z.array(ident) });
export const ElementwiseNodeSchema = z.strictObject({ id: ident, op: z.enum(ELEMENTWISE), in: z.array(ident) });
export const OneNodeSchema = z.strictObject({ id: ident, op: z.literal('one'), in: z.array(ident).optional() });

export const NodeSchema = z.discriminatedUnion('op', [
  LinearNodeSchema,
  DiagNodeSchema,
  ActivationNodeSchema,
  ElementwiseNodeSchema,
  OneNodeSchema,
]);

export const CellSchema = z.strictObject({
  /** Short name, e.g. "GRU". */
  name: TextLineSchema.min(1).optional(),
  /** One line saying what the cell is. */
  description: TextSchema.optional(),
  /** Where it comes from: paper and equation. */
  source: TextSchema.optional(),
  /** State vectors carried between steps; must include "h" (the output to the next layer). */
  states: z.array(ident).min(1),
  nodes: z.array(NodeSchema),
  /** For every state, the reference whose value is the state's new value. */
  outputs: z.record(ident, ident),
});
