// Runs an ablation study (`ablate`, `reproduce`) through the study runner and prints what both
// commands print at its end: the ablation's summary, for a reproduction "Against the paper", the
// time and the database, and with a report folder the report's files.
import { executeStudy, type ExecuteOptions } from './execute.ts';
import { loadAblation, variantLabel, type AblateStudy } from './ablate.ts';
import { evaluationLabel } from './progress.ts';
import { ablationSummaryText } from '../search/ablation/index.ts';
import { paperComparisonText } from '../search/reproduce/index.ts';

export interface AblationRunOptions extends Omit<ExecuteOptions, 'spec' | 'strategy' | 'jobs' | 'label' | 'summary'> {
  /** Write the odyssey report (report.md, report.html, figures/) to this folder at the end. */
  report?: string;
}

export async function executeAblation(study: AblateStudy, o: AblationRunOptions): Promise<void> {
  const { report, ...session } = o;
  const started = performance.now();
  await executeStudy({
    ...session,
    spec: study.spec,
    strategy: study.strategy,
    jobs: study.proposals.length,
    label: evaluationLabel(new Map(study.config.cells.map((c) => [c.hash, variantLabel(c.ref)])), { task: true, trial: true }),
    summary: async ({ storage, outcome, db, print }) => {
      const loaded = await loadAblation(storage, study.spec.name);
      print(ablationSummaryText(loaded.analysis));
      if (loaded.paper) print('\n' + paperComparisonText(loaded.paper.study, loaded.paper.comparison));
      print(`\n${outcome.status === 'done' ? 'done' : 'interrupted'} in ${((performance.now() - started) / 1000).toFixed(0)} s; recorded in ${db}\n`);
      if (report !== undefined) {
        const { writeAblationReport } = await import('./report/ablation/index.ts');
        const files = await writeAblationReport(loaded, report, { db });
        print(`report: ${files.join(', ')}\n`);
      }
    },
  });
}
