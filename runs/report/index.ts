// `cellsearch report`: one study -> report.html (self-contained) and report.md (+ figures/*.svg).
//
// runs/report/ holds: queries.ts (what a report reads through Storage), model.ts (the report
// model), architectures.ts (names, notation, lineage), search.ts and train.ts (rows -> sections,
// pure), render.ts (vega-lite and Graphviz to SVG), html.ts and markdown.ts (the two renderers).
// The database is opened read-only: a report of a running study never blocks or changes it.
import { join, resolve } from 'node:path';
import { packageVersion } from '../../package-files.ts';
import { openStorage } from '../open-storage.ts';
import type { Storage } from '../storage.ts';
import { renderHtml } from './html.ts';
import { assetIds, assetPath, renderMarkdown } from './markdown.ts';
import type { ReportModel } from './model.ts';
import { readStudy, type StudyData } from './queries.ts';
import { renderAssets, withoutEmptyFigures } from './render.ts';
import { searchSections, type SearchAnalysis, type SearchReportOptions } from './search.ts';
import { trainSections } from './train.ts';
import { writeReportFiles } from './write-files.ts';

/** The version of this cellsearch (package.json), as reports and the dashboard name it. */
export { packageVersion as cellsearchVersion } from '../../package-files.ts';

/**
 * Study kinds that get the search report (`search`, `search-*`, or a strategy's name); `ablate`
 * gets the odyssey report; every other kind the evaluations report.
 */
export function isSearchKind(kind: string): boolean {
  return kind === 'search' || kind.startsWith('search-') || ['jozefowicz', 'aging', 'random'].includes(kind);
}

export interface BuildOptions extends SearchReportOptions {
  now?: Date;
  version?: string;
}

/** Rows -> the report model (pure: the time and version are inputs). */
export function buildReport(data: StudyData, opts: BuildOptions = {}): { model: ReportModel; analysis?: SearchAnalysis } {
  const now = opts.now ?? new Date();
  const version = opts.version ?? packageVersion();
  const e = data.experiment;
  const state = e.status === 'running' && data.writerActive ? 'running: a snapshot' : e.status === 'running' ? 'interrupted' : e.status;
  const subtitle = `${e.kind} study '${e.name}' (${state}) in ${data.location}; report written ${now.toISOString().replace('T', ' ').slice(0, 19)} UTC by cellsearch ${version}`;
  const title = `cellsearch report: ${e.name}`;
  if (isSearchKind(e.kind)) {
    const { sections, analysis } = searchSections(data, now, version, opts);
    return { model: withoutEmptyFigures({ title, subtitle, sections }), analysis };
  }
  return { model: withoutEmptyFigures({ title, subtitle, sections: trainSections(data, now, version) }) };
}

export interface StudyReportOptions extends BuildOptions {
  name?: string;
  /** Output folder (created); default: report-<name> beside the working directory. */
  out?: string;
}

export interface WriteReportOptions extends StudyReportOptions {
  db: string;
}

export interface WrittenReport {
  dir: string;
  html: string;
  markdown: string;
  /** SVG files beside report.md. */
  assets: string[];
  model: ReportModel;
  analysis?: SearchAnalysis;
}

/** The SVG files a report writes (figures/<id>.svg): cell graphs and the figures of search.ts and train.ts. */
const OWN_FIGURE = /^(cell-[0-9a-f]{16}|best-score|score-distribution|accuracy-params|learning-curves)\.svg$/;

const outDir = (out: string | undefined, name: string) => resolve(out ?? `report-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`);

/** Opens the database read-only and writes the report of one of its studies (`writeStudyReport`). */
export async function writeReport(o: WriteReportOptions): Promise<WrittenReport> {
  const storage = await openStorage(o.db, { readonly: true, snapshot: true });
  try {
    return await writeStudyReport(storage, o);
  } finally {
    await storage.close();
  }
}

/** Reads the study, renders every figure, writes report.html, report.md and figures/. */
export async function writeStudyReport(storage: Storage, o: StudyReportOptions): Promise<WrittenReport> {
  const data: StudyData = await readStudy(storage, o.name);
  if (data.experiment.kind === 'ablate') {
    // Ablation studies get the report of issue 8, written by runs/report/ablation/.
    const ablation = await import('./ablation/index.ts');
    const dir = outDir(o.out, data.experiment.name);
    const files = ablation.writeRenderedReport(await ablation.ablationReport(storage, data.experiment.name), dir);
    return { dir, html: join(dir, 'report.html'), markdown: join(dir, 'report.md'), assets: files.filter((f) => f.endsWith('.svg')), model: { title: data.experiment.name, subtitle: '', sections: [] } };
  }
  const { model, analysis } = buildReport(data, o);
  const svgs = await renderAssets(model);
  const dir = outDir(o.out, data.experiment.name);
  const figures = assetIds(model).map((id) => [assetPath(id), `<?xml version="1.0" encoding="UTF-8"?>\n${svgs.get(id)!}\n`] as const);
  writeReportFiles(dir, {
    figures,
    documents: [
      ['report.html', renderHtml(model, svgs)],
      ['report.md', renderMarkdown(model)],
    ],
    // A report written again into the same folder must not keep figures of the previous one
    // (another top 5): the SVG files this writer names, nothing else.
    stale: (f) => OWN_FIGURE.test(f),
  });
  const assets = figures.map(([rel]) => join(dir, rel));
  return { dir, html: join(dir, 'report.html'), markdown: join(dir, 'report.md'), assets, model, analysis };
}
