// The "odyssey" report of ablation studies (issue 8): model.ts builds the sections from a loaded
// ablation (runs/ablate.ts), with paper.ts's "Against the paper" for a reproduction (issue 19),
// render.ts draws them (vega-lite -> SVG, Markdown, HTML). The rest of
// runs/report/ belongs to the report framework; it dispatches here for experiments of kind
// 'ablate' (ABLATE_KIND) through `ablationReport`.
import type { Storage } from '../../storage.ts';
import { loadAblation, type LoadedAblation } from '../../ablate.ts';
import { ablationReportModel } from './model.ts';
import { renderAblationReport, writeRenderedReport, type RenderedReport } from './render.ts';

export { ablationReportModel, VERDICT_COLORS } from './model.ts';
export type { AblationReportModel, ReportSection, ReportTable, ReportFigure } from './model.ts';
export { renderAblationReport, vegaLiteToSvg, writeRenderedReport } from './render.ts';
export type { RenderedReport } from './render.ts';

/** The rendered report of the ablation experiment `name` in `storage`. */
export async function ablationReport(storage: Storage, name: string): Promise<RenderedReport> {
  const loaded = await loadAblation(storage, name);
  return renderAblationReport(ablationReportModel(loaded, { db: storage.location }));
}

/** Renders a loaded ablation and writes it to `dir`; returns the files written. */
export async function writeAblationReport(loaded: LoadedAblation, dir: string, opts: { db?: string } = {}): Promise<string[]> {
  return writeRenderedReport(await renderAblationReport(ablationReportModel(loaded, opts)), dir);
}
