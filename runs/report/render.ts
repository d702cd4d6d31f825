// Figures and cell graphs to SVG, on the server, with no browser, canvas or network:
// - vega-lite specs are compiled to vega and drawn by vega's SVG string renderer (`renderer:
//   'none'` + `view.toSVG()`; text widths are estimated, as vega does without a canvas);
// - DOT from cells/dot.ts is laid out by Graphviz compiled to WebAssembly (@viz-js/viz).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ReportModel, Section } from './model.ts';

const FONT = 'Helvetica, Arial, sans-serif';

/** A vega-lite spec as an SVG document (no XML prolog). */
export async function renderVegaLite(spec: Record<string, unknown>): Promise<string> {
  // A copy: vega marks every inline datum it reads (a symbol property), and the spec is the
  // report model's, which the dashboard keeps and compares after drawing.
  const withConfig = structuredClone({ ...spec, config: { font: FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, ...(spec.config as object | undefined) } });
  const { spec: vg } = compile(withConfig as unknown as TopLevelSpec);
  // No loader can reach the network: every figure's data is inline.
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logLevel: vega.Error });
  try {
    // vega builds the document by concatenation: V8 holds it as a tree of its pieces (about 8 times
    // the text for a 10,000-point figure) until it is flattened; a copy through UTF-8 is one flat string.
    return Buffer.from(await view.toSVG(), 'utf8').toString('utf8');
  } finally {
    view.finalize();
  }
}

let viz: Promise<{ renderString(src: string, opts: { format: string; engine?: string }): string }> | undefined;

/** Graphviz DOT as an SVG document (prolog, doctype and comments removed, so it can be inlined). */
export async function renderDot(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const svg = (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
  const start = svg.indexOf('<svg');
  if (start < 0) throw new Error('Graphviz produced no <svg> element');
  return svg.slice(start).replace(/<!--[\s\S]*?-->\n?/g, '');
}

/**
 * Prefixes every id of an SVG and every reference to one (`url(#id)`, `href="#id"`), so that several
 * SVGs inlined in one HTML page cannot capture each other's clip paths and gradients.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}

/** Every figure and graph of the model, rendered: block id -> SVG. */
export async function renderAssets(model: ReportModel): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (s: Section): Promise<void> => {
    for (const b of s.blocks) {
      if (out.has((b as { id?: string }).id ?? '')) continue;
      if (b.kind === 'figure') out.set(b.id, await renderVegaLite(b.spec));
      else if (b.kind === 'graph') out.set(b.id, await renderDot(b.dot));
    }
    for (const sub of s.subsections ?? []) await visit(sub);
  };
  for (const s of model.sections) await visit(s);
  return out;
}

/** True when an inline data set of a vega-lite spec (top level or a layer) is empty: nothing to draw yet. */
export function specHasNoData(spec: Record<string, unknown>): boolean {
  const sets: unknown[] = [];
  const collect = (s: Record<string, unknown>) => {
    const d = s.data as { values?: unknown } | undefined;
    if (d && Array.isArray(d.values)) sets.push(d.values);
    for (const l of (s.layer as Record<string, unknown>[] | undefined) ?? []) collect(l);
  };
  collect(spec);
  return sets.some((v) => (v as unknown[]).length === 0);
}

/** The model with every figure that has no data yet replaced by a sentence saying so. */
export function withoutEmptyFigures(model: ReportModel): ReportModel {
  const fix = (s: Section): Section => ({
    ...s,
    blocks: s.blocks.map((b) => (b.kind === 'figure' && specHasNoData(b.spec) ? { kind: 'text', text: `${b.title}: no data yet.` } : b)),
    subsections: s.subsections?.map(fix),
  });
  return { ...model, sections: model.sections.map(fix) };
}
