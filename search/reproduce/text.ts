// "Against the paper" as terminal text (what `cellsearch reproduce` prints after the ablation's
// own summary): per task our table beside the published one, then every finding with its verdict
// and the statistic behind it, then what differs from the paper.
import { paperOf } from './published.ts';
import type { ReproStudy } from './studies.ts';
import type { PaperComparison } from './verdicts.ts';

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '–');

/**
 * One cell's row of "ours beside the paper", as text: the paper's value and rank, ours (best of
 * N), our rank, our median, the ratio. A cell with no finished trial has no rank of ours ('–').
 */
export function comparisonRow(r: PaperComparison['tables'][number]['rows'][number]): string[] {
  const trained = Number.isFinite(r.ours);
  return [r.variant, f4(r.paper), String(r.paperRank), f4(r.ours), trained ? String(r.ourRank) : '–', f4(r.median), trained && r.paper !== 0 ? (r.ours / r.paper).toFixed(2) : '–'];
}

function table(header: string[], rows: string[][], left: number[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (left.includes(i) ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export function paperComparisonText(study: ReproStudy, c: PaperComparison): string {
  const lines: string[] = [`Against the paper: ${study.title}`, `  ${paperOf(study.paper).citation}`, ''];
  for (const t of c.tables) {
    const a = t.agreement;
    lines.push(`${t.task}: ours (best of N by validation, test ${t.table.metric}) beside ${t.table.source}`);
    lines.push(
      ...table(
        ['cell', 'paper', 'rank', 'ours', 'rank', 'our median', 'ours/paper'],
        t.rows.map(comparisonRow),
        [0],
      ).map((l) => `  ${l}`),
    );
    lines.push(`  Spearman ρ ${f4(a.rho)}, 95% bootstrap interval over trials [${f4(a.low)}, ${f4(a.high)}]`, '');
  }
  lines.push('findings:');
  for (const v of c.findings) {
    lines.push(`  ${v.outcome.toUpperCase().padEnd(12)} ${v.finding.claim} (${v.finding.source})`);
    for (const t of v.tasks) lines.push(`    ${t.task}: ${t.outcome}${t.reason ? `, ${t.reason}` : ''}${t.statistic ? `; ${t.statistic}` : ''}`);
    if (v.tasks.length === 0) lines.push('    no task of this study has a counterpart in the paper');
  }
  lines.push('', 'fidelity:', ...study.fidelity.map((f) => `  - ${f}`));
  return lines.join('\n') + '\n';
}
