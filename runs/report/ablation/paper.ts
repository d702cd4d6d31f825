// The report's "Against the paper" section of a reproduction (`cellsearch reproduce`): the study
// and its citation, per task our table beside the published one with the rank correlation, every
// published finding with its verdict and the statistic behind it, the criteria (fixed in
// search/reproduce/verdicts.ts before any result) and what differs from the paper.
import { comparisonRow, CRITERIA, paperOf, type PaperComparison, type ReproStudy } from '../../../search/reproduce/index.ts';
import type { ReportSection } from './model.ts';

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');

export function paperSections(study: ReproStudy, c: PaperComparison): ReportSection[] {
  const paper = paperOf(study.paper);
  const counts = ['reproduced', 'contradicted', 'inconclusive', 'not tested'].map((o) => `${c.findings.filter((f) => f.outcome === o).length} ${o}`).join(', ');
  const top: ReportSection = {
    id: 'against-the-paper',
    title: 'Against the paper',
    level: 2,
    paragraphs: [
      `${study.title}. ${paper.citation} ${paper.url}`,
      `Findings: ${counts}. Each verdict is computed from this study's trials by the criteria below; nothing was tuned to agree.`,
    ],
    tables: [
      {
        header: ['verdict', 'finding', 'source', 'per task'],
        rows: c.findings.map((v) => [
          v.outcome,
          v.finding.claim,
          v.finding.source,
          v.tasks.length ? v.tasks.map((t) => `${t.task}: ${t.outcome}${t.reason ? ` (${t.reason})` : ''}${t.statistic ? `; ${t.statistic}` : ''}`).join(' | ') : 'no task of this study has a counterpart in the paper',
        ]),
      },
    ],
    figures: [],
  };
  const tables: ReportSection[] = c.tables.map((t) => ({
    id: `against-the-paper-${t.task}`,
    title: `${t.task}: ours beside ${t.table.source}`,
    level: 3,
    paragraphs: [
      `Ours: each cell's test ${t.table.metric} at its trial with the best validation ${t.table.metric} (best of N); theirs: ${t.table.what}. Ranks: 1 is the best. Spearman's ρ between the two columns: ${f3(t.agreement.rho)}, 95% bootstrap interval over trials [${f3(t.agreement.low)}, ${f3(t.agreement.high)}] (${t.agreement.resamples} resamples).`,
    ],
    tables: [
      {
        header: ['cell', `paper ${t.table.metric}`, 'paper rank', `our best of N`, 'our rank', 'our median', 'ours / paper'],
        rows: t.rows.map(comparisonRow),
      },
    ],
    figures: [],
  }));
  const criteria: ReportSection = { id: 'against-the-paper-criteria', title: 'Criteria and fidelity', level: 3, paragraphs: [...CRITERIA, ...study.fidelity], tables: [], figures: [] };
  return [top, ...tables, criteria];
}
