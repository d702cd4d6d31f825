// Renders the ablation report model (model.ts): each figure's vega-lite specification compiled
// with vega-lite and drawn to SVG by vega's headless renderer, then the sections as Markdown
// (figures as files under figures/) and as one self-contained HTML page (figures inline).
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { escapeMd } from '../markdown.ts';
import { writeReportFiles } from '../write-files.ts';
import type { AblationReportModel, ReportSection, ReportTable } from './model.ts';

export interface RenderedReport {
  markdown: string;
  html: string;
  /** File stem -> SVG text. */
  figures: Map<string, string>;
}

/** One vega-lite specification as SVG text. */
export async function vegaLiteToSvg(spec: Record<string, unknown>): Promise<string> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// Variant names come from file names and cell names: everything the Markdown shows is escaped.
function markdownTable(t: ReportTable): string {
  const lines = [`| ${t.header.map(escapeMd).join(' | ')} |`, `|${t.header.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(escapeMd).join(' | ')} |`)];
  return (t.caption ? `${escapeMd(t.caption)}\n\n` : '') + lines.join('\n');
}

function htmlTable(t: ReportTable): string {
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td class="${/^[-–+0-9.e[\]]/.test(c) ? 'n' : ''}">${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : ''}<thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

function sectionMarkdown(s: ReportSection): string {
  const parts = [
    `${'#'.repeat(s.level)} ${escapeMd(s.title)}`,
    ...s.paragraphs.map(escapeMd),
    ...s.tables.map(markdownTable),
    ...s.figures.map((f) => `![${escapeMd(f.id)}](figures/${f.id}.svg)\n\n*${escapeMd(f.caption)}*`),
  ];
  return parts.join('\n\n');
}

function sectionHtml(s: ReportSection, figures: Map<string, string>): string {
  const figs = s.figures.map((f) => `<figure id="fig-${f.id}">${figures.get(f.id) ?? ''}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`);
  return [`<section id="${escapeHtml(s.id)}"><h${s.level}>${escapeHtml(s.title)}</h${s.level}>`, ...s.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`), ...s.tables.map(htmlTable), ...figs, '</section>'].join('\n');
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px}td.n{text-align:right;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;color:#555;padding:4px 0}figure{margin:1.5em 0}figcaption{color:#555;font-size:12px;max-width:800px}`;

export async function renderAblationReport(model: AblationReportModel): Promise<RenderedReport> {
  const figures = new Map<string, string>();
  for (const s of model.sections) for (const f of s.figures) figures.set(f.id, await vegaLiteToSvg(f.spec));
  const markdown = [`# ${escapeMd(model.title)}`, ...model.sections.map(sectionMarkdown)].join('\n\n') + '\n';
  const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(model.title)}</title><style>${STYLE}</style></head><body>\n<h1>${escapeHtml(model.title)}</h1>\n${model.sections.map((s) => sectionHtml(s, figures)).join('\n')}\n</body></html>\n`;
  return { markdown, html, figures };
}

/** Writes report.md, report.html and figures/<id>.svg into `dir` (created; see write-files.ts); returns the paths. */
export function writeRenderedReport(r: RenderedReport, dir: string): string[] {
  return writeReportFiles(dir, {
    figures: [...r.figures].map(([id, svg]) => [join('figures', `${id}.svg`), svg] as const),
    documents: [
      ['report.md', r.markdown],
      ['report.html', r.html],
    ],
  });
}
