// The report as GitHub-flavoured Markdown, with every figure and cell graph an SVG file beside it
// (figures/<id>.svg), so it reads well in a repository.
import { printable } from '../../cells/text.ts';
import type { Block, ReportModel, Section, Table } from './model.ts';

/**
 * Plain text safe in Markdown: characters that would start emphasis, links or HTML are escaped,
 * and control characters are written as escapes (a newline in a name would end a heading or
 * start a list or a code block).
 */
export function escapeMd(s: string): string {
  return printable(s).replace(/([\\`*_[\]<>|#])/g, '\\$1');
}

/** `text` as a fenced code block whose fence no run of backticks in the text can close. */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text.replace(/\n$/, '')}\n${fence}`;
}

/** The file (relative to report.md) that holds the SVG of a figure or graph block. */
export function assetPath(id: string): string {
  return `figures/${id.replace(/[^A-Za-z0-9._-]/g, '_')}.svg`;
}

function table(t: Table): string {
  const ref = new Set(t.reference ?? []);
  const cell = escapeMd;
  const head = `| ${t.columns.map((c) => cell(c.label)).join(' | ')} |`;
  const rule = `|${t.columns.map((c) => (c.align === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  const rows = t.rows.map((r, i) => `| ${r.map((v, j) => (ref.has(i) && j === 1 ? `**${cell(v)}**` : cell(v))).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'text':
      return escapeMd(b.text);
    case 'list':
      return b.items.map((i) => `- ${escapeMd(i)}`).join('\n');
    case 'facts':
      return table({ columns: [{ label: ' ', align: 'left' }, { label: ' ', align: 'left' }], rows: b.items.map(([k, v]) => [k, v]) });
    case 'table':
      return table(b.table);
    case 'code':
      return codeBlock(b.text);
    case 'figure':
      return `![${escapeMd(b.title)}](${assetPath(b.id)})\n\n*${escapeMd(b.title)}.* ${escapeMd(b.caption)}`;
    case 'graph':
      return `![${escapeMd(b.title)}](${assetPath(b.id)})`;
  }
}

function section(s: Section, depth: number): string {
  return [`${'#'.repeat(depth + 2)} ${escapeMd(s.title)}`, ...s.blocks.map(block), ...(s.subsections ?? []).map((sub) => section(sub, depth + 1))].join('\n\n');
}

export function renderMarkdown(model: ReportModel): string {
  return [`# ${escapeMd(model.title)}`, escapeMd(model.subtitle), ...model.sections.map((s) => section(s, 0))].join('\n\n') + '\n';
}

/** Every figure and graph block id of the model, for writing their SVG files. */
export function assetIds(model: ReportModel): string[] {
  const ids: string[] = [];
  const visit = (s: Section) => {
    for (const b of s.blocks) if (b.kind === 'figure' || b.kind === 'graph') ids.push(b.id);
    (s.subsections ?? []).forEach(visit);
  };
  model.sections.forEach(visit);
  return [...new Set(ids)];
}
