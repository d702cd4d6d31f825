// The verdict logic on hand-built results: rows made so that the answer is known (a clear gap, a
// gap the other way, no gap shown, noise), analysed by the real ablation analysis, then judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { analyzeAblation, spaceDimensions, type AblationRow } from '../ablation/index.ts';
import { fidelity, JOZEFOWICZ_GRID } from '../space.ts';
import { findingOf, tableOf } from './published.ts';
import { combineOutcomes, compareWithPaper, findingTasks, type Outcome } from './verdicts.ts';
import { comparisonRow, paperComparisonText } from './text.ts';
import { reproStudy } from './studies.ts';

const GREFF = spaceDimensions('greff', fidelity('small'));

interface Greffish {
  /** variant -> loss offset against greff-vanilla */
  offsets: Record<string, number>;
  trials: number;
  noise: number;
  task?: string;
  /** The loss of a trial's point before the offset (default: a strong learning-rate effect and a weaker hidden one). */
  surface?: (p: { hidden: number; learningRate: number; momentum: number; inputNoise: number }) => number;
  /** Each variant's noise is its own (default), or the same for every variant of a trial. */
  pairedNoise?: boolean;
}

function greffRows(o: Greffish): AblationRow[] {
  const rng = seedrandom.alea(`verdicts|${o.task ?? 'toy'}|${o.trials}|${o.noise}`);
  const surface = o.surface ?? ((p) => 2 + 0.6 * Math.log10(1e-2 / p.learningRate) + 0.4 * Math.log(100 / p.hidden));
  const out: AblationRow[] = [];
  for (let t = 0; t < o.trials; t++) {
    const p = { hidden: 20 * Math.exp(rng() * Math.log(5)), learningRate: Math.exp(Math.log(1e-6) + rng() * Math.log(1e4)), momentum: 1 - Math.exp(Math.log(0.01) + rng() * Math.log(100)), inputNoise: rng() };
    const shared = rng() - 0.5;
    for (const [variant, offset] of Object.entries({ 'greff-vanilla': 0, ...o.offsets })) {
      const e = o.pairedNoise ? shared : rng() - 0.5;
      const value = surface(p) + offset + o.noise * e;
      out.push({ variant, task: o.task ?? 'toy', trial: t, status: 'done', params: p, features: {}, valid: value, test: value });
    }
  }
  return out;
}

const analyse = (rows: AblationRow[], metric = 'loss', direction: 'minimize' | 'maximize' = 'minimize', space = GREFF) =>
  analyzeAblation(rows, { baseline: rows.some((r) => r.variant === 'lstm') ? 'lstm' : 'greff-vanilla', metric, direction, space, seed: 3, nTrees: 16, variantTrees: 4 });

function judge(id: string, rows: AblationRow[]) {
  const a = analyse(rows);
  return compareWithPaper([findingOf(id)], a, rows).findings[0];
}

test('a published gap: a clear reproduction, a contradiction, an inconclusive one, and a contradiction by equivalence', () => {
  const clear = judge('greff-nfg', greffRows({ offsets: { 'greff-nfg': 1 }, trials: 20, noise: 0.3 }));
  assert.equal(clear.outcome, 'reproduced');
  assert.match(clear.tasks[0].statistic, /^difference 1\.\d+ \[.*\], Welch p .*, Holm .*, n 20\/20/);
  assert.match(clear.tasks[0].reason, /significantly worse/);

  const other = judge('greff-nfg', greffRows({ offsets: { 'greff-nfg': -1 }, trials: 20, noise: 0.3 }));
  assert.equal(other.outcome, 'contradicted');
  assert.match(other.tasks[0].reason, /significantly better, the paper: worse/);

  const noisy = judge('greff-nfg', greffRows({ offsets: { 'greff-nfg': 0.1 }, trials: 5, noise: 3 }));
  assert.equal(noisy.outcome, 'inconclusive');
  assert.match(noisy.tasks[0].reason, /not significant/);

  // Every variant's value the baseline's to within a hair, over many trials: the interval shows
  // that there is no gap of half a standard deviation, against the paper's claim.
  const none = judge('greff-nfg', greffRows({ offsets: { 'greff-nfg': 0.001 }, trials: 60, noise: 0.3, pairedNoise: true }));
  assert.equal(none.outcome, 'contradicted');
  assert.match(none.tasks[0].reason, /no gap of 0\.5 sd/);
});

test('a published absence of change: reproduced only when the difference is shown small', () => {
  const shown = judge('greff-cifg', greffRows({ offsets: { 'greff-cifg': 0.001 }, trials: 60, noise: 0.3, pairedNoise: true }));
  assert.equal(shown.outcome, 'reproduced');
  const gap = judge('greff-cifg', greffRows({ offsets: { 'greff-cifg': 1 }, trials: 20, noise: 0.3 }));
  assert.equal(gap.outcome, 'contradicted');
  const few = judge('greff-cifg', greffRows({ offsets: { 'greff-cifg': 0 }, trials: 4, noise: 2 }));
  assert.equal(few.outcome, 'inconclusive', 'not significant with 4 noisy trials is no evidence of equality');
  const none = judge('greff-cifg', greffRows({ offsets: { 'greff-nfg': 1 }, trials: 4, noise: 1 }));
  assert.equal(none.outcome, 'not tested', 'a variant the study lacks');
});

test('fANOVA findings: importance order and independence, both ways', () => {
  const rows = greffRows({ offsets: { 'greff-nfg': 0.2 }, trials: 60, noise: 0.05 });
  const a = analyse(rows);
  const [imp, ind] = compareWithPaper([findingOf('greff-importance'), findingOf('greff-independence')], a, rows).findings;
  assert.equal(imp.outcome, 'reproduced', imp.tasks[0].statistic);
  assert.match(imp.tasks[0].statistic, /^learningRate \d+\.\d%, hidden \d+\.\d%, .*; out-of-bag R² 0\.\d+$/);
  assert.equal(ind.outcome, 'reproduced', ind.tasks[0].statistic);

  const momentum = greffRows({ offsets: {}, trials: 60, noise: 0.05, surface: (p) => 3 * Math.log(1 - p.momentum) + 0.2 * Math.log10(1e-2 / p.learningRate) });
  assert.equal(compareWithPaper([findingOf('greff-importance')], analyse(momentum), momentum).findings[0].outcome, 'contradicted');

  // Pure interaction: the loss depends on whether the learning rate and the hidden size are on the same side.
  const xor = greffRows({ offsets: {}, trials: 80, noise: 0.05, surface: (p) => ((p.learningRate > 1e-4) === (p.hidden > 45) ? 1 : 0) });
  const v = compareWithPaper([findingOf('greff-independence')], analyse(xor), xor).findings[0];
  assert.equal(v.outcome, 'contradicted', v.tasks[0].statistic);

  const flat = greffRows({ offsets: {}, trials: 30, noise: 1, surface: () => 0 });
  assert.equal(compareWithPaper([findingOf('greff-importance')], analyse(flat), flat).findings[0].outcome, 'inconclusive', 'a forest that explains nothing ranks nothing');
});

// Jozefowicz-style rows: every cell of Table 1 on arithmetic, accuracy = f(the published value) + noise.
function tableRows(f: (paper: number, rng: () => number) => number, trials: number): AblationRow[] {
  const t = tableOf('jozefowicz2015-table1');
  const rng = seedrandom.alea(`table|${trials}`);
  const out: AblationRow[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const params = { initScale: JOZEFOWICZ_GRID.initScale[trial % 6], learningRate: JOZEFOWICZ_GRID.learningRate[trial % 7], clip: 5, layers: 1 };
    for (const r of t.rows) {
      const value = f(r.values[0], rng);
      out.push({ variant: r.cell, task: 'arithmetic', trial, status: 'done', params, features: {}, valid: value + 0.001 * rng(), test: value });
    }
  }
  return out;
}

test('a published ordering: reproduced, contradicted, inconclusive by the interval of Spearman rho', () => {
  const space = spaceDimensions('jozefowicz', fidelity('small'));
  const judgeTable = (rows: AblationRow[]) => compareWithPaper([findingOf('jozefowicz-ordering')], analyse(rows, 'accuracy', 'maximize', space), rows);
  const agree = judgeTable(tableRows((p, rng) => p / 2 + 0.01 * rng(), 6));
  assert.equal(agree.findings[0].outcome, 'reproduced', agree.findings[0].tasks[0].statistic);
  assert.equal(agree.tables.length, 1);
  const lstm = agree.tables[0].rows.find((r) => r.variant === 'lstm')!;
  assert.equal(lstm.paper, 0.892);
  assert.equal(lstm.paperRank, 6);
  const reverse = judgeTable(tableRows((p, rng) => 1 - p + 0.01 * rng(), 6));
  assert.equal(reverse.findings[0].outcome, 'contradicted');
  const noise = judgeTable(tableRows((_p, rng) => rng(), 4));
  assert.equal(noise.findings[0].outcome, 'inconclusive', noise.findings[0].tasks[0].statistic);
  // Judged on arithmetic only: the study has no xml or ptb.
  assert.deepEqual(agree.findings[0].tasks.map((t) => t.task), ['arithmetic']);
  const text = paperComparisonText(reproStudy('jozefowicz-table1')!, agree);
  assert.match(text, /^arithmetic: ours \(best of N by validation, test accuracy\) beside Table 1$/m);
  assert.match(text, /^ {2}REPRODUCED +The architectures rank on each task as Table 1 ranks them\./m);
  assert.match(text, /^fidelity:$/m);
  // A row as printed; a cell with no finished trial has no rank of ours.
  assert.deepEqual(comparisonRow(lstm).slice(0, 3), ['lstm', '0.8920', '6']);
  assert.match(comparisonRow(lstm)[4], /^\d+$/);
  assert.deepEqual(comparisonRow({ ...lstm, ours: Number.NaN, median: Number.NaN }).slice(3), ['–', '–', '–', '–']);
  assert.throws(() => compareWithPaper([findingOf('jozefowicz-ordering')], analyse(tableRows((p) => p, 3), 'loss', 'minimize', space), []), /table jozefowicz2015-table1 is of accuracy, the study measures loss/);
});

test('findings over several tasks; a music finding without music is not tested', () => {
  const o = (...xs: Outcome[]) => combineOutcomes(xs);
  assert.equal(o('reproduced', 'reproduced'), 'reproduced');
  assert.equal(o('reproduced', 'inconclusive'), 'inconclusive');
  assert.equal(o('reproduced', 'contradicted', 'inconclusive'), 'contradicted');
  assert.equal(o('reproduced', 'not tested'), 'reproduced');
  assert.equal(o(), 'not tested');
  assert.deepEqual(findingTasks(findingOf('greff-nig-music'), ['arithmetic', 'xml']), []);
  assert.deepEqual(findingTasks(findingOf('greff-nig-music'), ['arithmetic', 'music']), ['music']);
  assert.deepEqual(findingTasks(findingOf('greff-nfg'), ['arithmetic', 'xml']), ['arithmetic', 'xml']);

  const rows = [...greffRows({ offsets: { 'greff-nfg': 1 }, trials: 20, noise: 0.3, task: 'arithmetic' }), ...greffRows({ offsets: { 'greff-nfg': -1 }, trials: 20, noise: 0.3, task: 'xml' })];
  const [nfg, nig] = compareWithPaper([findingOf('greff-nfg'), findingOf('greff-nig-music')], analyse(rows), rows).findings;
  assert.deepEqual(nfg.tasks.map((t) => [t.task, t.outcome]), [['arithmetic', 'reproduced'], ['xml', 'contradicted']]);
  assert.equal(nfg.outcome, 'contradicted');
  assert.equal(nig.outcome, 'not tested');
  assert.deepEqual(nig.tasks, []);
});
