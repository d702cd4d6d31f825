// What the papers published, as data (published.json) with its citations, parsed once at import:
// tables of numbers (Jozefowicz et al. 2015, Table 1) and findings stated in words (Greff et al.
// 2016: which variants were significantly worse, which hyperparameters mattered). A finding names
// the variants and tasks by our keys (zoo keys, task names) so that a study can judge it; `tasks`
// 'all' means every task of the study, a list only those (a finding about music is not judged on
// arithmetic).
import { z } from 'zod';
import data from './published.json' with { type: 'json' };

const Id = z.string().regex(/^[a-z0-9-]+$/);

export const PaperSchema = z.strictObject({ id: Id, citation: z.string().min(1), url: z.url() });
export type Paper = z.infer<typeof PaperSchema>;

export const PublishedTableSchema = z.strictObject({
  id: Id,
  paper: Id,
  /** Where in the paper (e.g. 'Table 1'). */
  source: z.string().min(1),
  what: z.string().min(1),
  metric: z.enum(['accuracy', 'loss', 'perplexity']),
  direction: z.enum(['minimize', 'maximize']),
  tasks: z.array(z.string()).min(1),
  rows: z.array(z.strictObject({ cell: z.string(), values: z.array(z.number()) })).min(2),
});
export type PublishedTable = z.infer<typeof PublishedTableSchema>;

/** 'all': every task of the study; a list: those of them the study has. */
export const TaskScopeSchema = z.union([z.literal('all'), z.array(z.string()).min(1)]);
export type TaskScope = z.infer<typeof TaskScopeSchema>;

const FindingBase = z.strictObject({
  id: Id,
  paper: Id,
  source: z.string().min(1),
  /** The finding in words, as the report prints it. */
  claim: z.string().min(1),
  tasks: TaskScopeSchema,
});

export const FindingSchema = z.discriminatedUnion('kind', [
  /** The variant is significantly worse (better) than the baseline. */
  FindingBase.extend({ kind: z.literal('gap'), variant: z.string(), baseline: z.string(), direction: z.enum(['worse', 'better']) }),
  /** The variant does not differ significantly from the baseline. */
  FindingBase.extend({ kind: z.literal('same'), variant: z.string(), baseline: z.string() }),
  /** The cells rank as a published table ranks them. */
  FindingBase.extend({ kind: z.literal('ordering'), table: Id }),
  /** fANOVA ranks these hyperparameters first, in this order. */
  FindingBase.extend({ kind: z.literal('importance'), order: z.array(z.string()).min(2) }),
  /** The interaction of two hyperparameters explains little variance. */
  FindingBase.extend({ kind: z.literal('independent'), pair: z.tuple([z.string(), z.string()]) }),
]);
export type Finding = z.infer<typeof FindingSchema>;

export const PublishedSchema = z
  .strictObject({ papers: z.array(PaperSchema), tables: z.array(PublishedTableSchema), findings: z.array(FindingSchema) })
  .superRefine((p, ctx) => {
    const papers = new Set(p.papers.map((x) => x.id));
    const tables = new Set(p.tables.map((x) => x.id));
    for (const t of p.tables) {
      if (!papers.has(t.paper)) ctx.addIssue({ code: 'custom', message: `table ${t.id} cites unknown paper ${t.paper}` });
      for (const r of t.rows) if (r.values.length !== t.tasks.length) ctx.addIssue({ code: 'custom', message: `table ${t.id}: ${r.cell} has ${r.values.length} values for ${t.tasks.length} tasks` });
    }
    for (const f of p.findings) {
      if (!papers.has(f.paper)) ctx.addIssue({ code: 'custom', message: `finding ${f.id} cites unknown paper ${f.paper}` });
      if (f.kind === 'ordering' && !tables.has(f.table)) ctx.addIssue({ code: 'custom', message: `finding ${f.id} names unknown table ${f.table}` });
    }
    const ids = [...p.findings.map((f) => f.id), ...p.tables.map((t) => t.id)];
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: 'custom', message: `id ${dup} is used twice` });
  });
export type Published = z.infer<typeof PublishedSchema>;

/** published.json, parsed: a malformed file is a bug of this repository, so it throws at import. */
export const PUBLISHED: Published = PublishedSchema.parse(data);

export function paperOf(id: string): Paper {
  const p = PUBLISHED.papers.find((x) => x.id === id);
  if (!p) throw new RangeError(`no paper ${id} in published.json`);
  return p;
}

export function tableOf(id: string): PublishedTable {
  const t = PUBLISHED.tables.find((x) => x.id === id);
  if (!t) throw new RangeError(`no table ${id} in published.json`);
  return t;
}

export function findingOf(id: string): Finding {
  const f = PUBLISHED.findings.find((x) => x.id === id);
  if (!f) throw new RangeError(`no finding ${id} in published.json`);
  return f;
}

/** A table's value for a cell and task, or undefined when the table has none. */
export function publishedValue(t: PublishedTable, cell: string, task: string): number | undefined {
  const k = t.tasks.indexOf(task);
  const row = t.rows.find((r) => r.cell === cell);
  return k < 0 || !row ? undefined : row.values[k];
}
