// The report as one self-contained HTML file: inline CSS and inline SVG, no script, no network.
import type { Block, ReportModel, Section, Table } from './model.ts';
import { namespaceSvgIds } from './render.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2330; background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e3e7ee; }
h3 { font-size: 17px; margin: 26px 0 8px; }
p.subtitle { color: #5b6577; margin: 0 0 16px; }
nav.toc { background: #f5f7fa; border: 1px solid #e3e7ee; border-radius: 6px; padding: 8px 16px; display: inline-block; }
nav.toc ol { margin: 4px 0; padding-left: 20px; }
nav.toc a { color: #2457a5; text-decoration: none; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13.5px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e7ee; vertical-align: top; }
th { background: #f5f7fa; text-align: left; font-weight: 600; white-space: nowrap; }
td:first-child { white-space: nowrap; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
tr.reference td { background: #fff8e6; }
.scroll { overflow-x: auto; }
table.facts th { background: none; color: #5b6577; font-weight: 500; white-space: nowrap; }
pre { background: #f5f7fa; border: 1px solid #e3e7ee; border-radius: 6px; padding: 10px 14px; font: 13px/1.45 ui-monospace, "SF Mono", Menlo, Consolas, monospace; overflow-x: auto; }
figure { margin: 12px 0 24px; }
figure svg { max-width: 100%; height: auto; }
figure.graph svg { max-height: 560px; width: auto; }
figcaption { color: #5b6577; font-size: 13.5px; margin-top: 4px; }
figcaption b { color: #1d2330; }
ul.plain { padding-left: 20px; }
`;

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
