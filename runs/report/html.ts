// The report as one self-contained HTML file: inline CSS and inline SVG, no script, no network.
import { readFileSync } from 'node:fs';
import type { Block, ReportModel, Section, Table } from './model.ts';
import { namespaceSvgIds } from './render.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The report's style sheet, shared with the dashboard (which serves the file itself). */
export const REPORT_CSS_FILE = new URL('./report.css', import.meta.url);
const CSS = `\n${readFileSync(REPORT_CSS_FILE, 'utf8')}`;

function table(t: Table, cls = ''): string {
  const ref = new Set(t.reference ?? []);
  const head = t.columns.map((c) => `<th${c.align === 'right' ? ' class="r"' : ''}>${escapeHtml(c.label)}</th>`).join('');
  const body = t.rows
    .map((r, i) => `<tr${ref.has(i) ? ' class="reference"' : ''}>${r.map((v, j) => `<td${t.columns[j]?.align === 'right' ? ' class="r"' : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table${cls ? ` class="${cls}"` : ''}>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function block(b: Block, svgs: ReadonlyMap<string, string>): string {
  switch (b.kind) {
    case 'text':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'list':
      return `<ul class="plain">${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'facts':
      return `<table class="facts"><tbody>${b.items.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
    case 'table':
      return table(b.table);
    case 'code':
      return `<pre>${escapeHtml(b.text.replace(/\n$/, ''))}</pre>`;
    case 'figure':
    case 'graph': {
      const svg = svgs.get(b.id);
      if (svg === undefined) throw new Error(`no SVG rendered for ${b.kind} '${b.id}'`);
      const caption = b.kind === 'figure' ? `<b>${escapeHtml(b.title)}.</b> ${escapeHtml(b.caption)}` : escapeHtml(b.title);
      return `<figure class="${b.kind}" id="${escapeHtml(b.id)}">${namespaceSvgIds(svg, b.id)}<figcaption>${caption}</figcaption></figure>`;
    }
  }
}

function section(s: Section, svgs: ReadonlyMap<string, string>, depth: number): string {
  const h = depth === 0 ? 'h2' : 'h3';
  return [
    `<section id="${escapeHtml(s.id)}">`,
    `<${h}>${escapeHtml(s.title)}</${h}>`,
    ...s.blocks.map((b) => block(b, svgs)),
    ...(s.subsections ?? []).map((sub) => section(sub, svgs, depth + 1)),
    '</section>',
  ].join('\n');
}

/** The whole report; `svgs` holds the rendered figure and graph of every block id (render.ts). */
export function renderHtml(model: ReportModel, svgs: ReadonlyMap<string, string>): string {
  const toc = model.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(model.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    `<h1>${escapeHtml(model.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(model.subtitle)}</p>`,
    `<nav class="toc"><ol>${toc}</ol></nav>`,
    ...model.sections.map((s) => section(s, svgs, 0)),
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}
