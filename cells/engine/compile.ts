// compileModel: a model from a cell and options parsed at the API boundary (ModelOptionsSchema,
// with its defaults). A caller holding parsed options (a worker thread, setting-options.ts) builds
// the Model directly and loads no zod.
import type { Cell } from '../graph.ts';
import { UserError } from '../../errors.ts';
import type { Gemm } from './gemm.ts';
import { defaultGemm } from './kernel.ts';
import { Model } from './model.ts';
import { ModelOptionsSchema, type ModelOptionsInput } from './options.ts';

/** Builds a model: parses the options, lays out and initialises the parameters. */
export function compileModel(cell: Cell, options: ModelOptionsInput, deps: { gemm?: Gemm } = {}): Model {
  const parsed = ModelOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`model option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return new Model(cell, parsed.data, deps.gemm ?? defaultGemm);
}
