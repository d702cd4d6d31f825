// Turns untrusted JSON into a checked `Cell`: the zod schema of cells/schema.ts first, then the
// semantic checks of cells/check.ts (arity, names, references, cycles, outputs, dependence on x
// and on the state). Every error is a `CellError` naming the file, the field and the node.
//
// Re-exports cells/check.ts, so that code parsing cells finds every check here; code that only
// checks cells built in TypeScript (the zoo, the printer of the notation, the canonical form)
// imports cells/check.ts, which loads no zod.
import type { z } from 'zod';
import { OPS, type Cell } from './graph.ts';
import { CellSchema } from './schema.ts';
import { CellError, checkCell } from './check.ts';

export * from './check.ts';

function zodPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(cell)';
}

function zodIssueText(json: unknown, issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'op') {
    const node = valueAt(json, issue.path.slice(0, -1));
    const op = node && typeof node === 'object' ? (node as { op?: unknown }).op : undefined;
    const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
    const what = op === undefined ? 'missing op' : `unknown op ${JSON.stringify(op)}`;
    return `${what}${typeof id === 'string' ? ` in node '${id}'` : ''} (expected one of ${OPS.join(', ')})`;
  }
  return issue.message;
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let v = json;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/**
 * Parses and checks a cell. `where` (a file name, say) prefixes every message. Returns a new
 * cell whose nodes are in topological order; among nodes free to go in any order, the input
 * order is kept.
 */
export function parseCell(json: unknown, where?: string): Cell {
  const parsed = CellSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
    throw new CellError(zodPath(issue.path), zodIssueText(json, issue) + more, where);
  }
  return checkCell(parsed.data, where);
}
