// The report of a `train` study (and of any study kind without a report of its own): a summary,
// the cells, every evaluation, the hyperparameters, and the learning curves. Pure functions of
// the rows; also the summary facts and the hyperparameter table that other reports share.
import { trialOfKey } from '../seeds.ts';
import type { Evaluation } from '../storage.ts';
import { archName, cellBlocks, cellParams } from './architectures.ts';
import { fmt, fmtDuration, fmtInt, sessionVersions, shortHash, wallTimeMs, type Block, type Section, type Table } from './model.ts';
import type { StudyData } from './queries.ts';

/** The trial of an evaluation; a key not written by evaluationKey is shown whole (a report reads any database). */
export function trialOf(e: Evaluation): string {
  try {
    return trialOfKey(e.key);
  } catch {
    return e.key;
  }
}

/** Facts every report's summary starts with. */
export function summaryFacts(data: StudyData, now: Date, version: string): [string, string][] {
  const e = data.experiment;
  const counts = new Map<string, number>();
  for (const v of data.evaluations) counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
  const status = e.status === 'running' && !data.writerActive ? 'interrupted (marked running, but no process is writing it)' : e.status === 'running' ? 'running (this report is a snapshot)' : e.status;
  const wall = wallTimeMs(data.events, now, data.writerActive);
  const compute = data.evaluations.reduce((s, v) => s + (v.wallMs ?? 0), 0);
  const recorded = typeof e.config.version === 'string' ? e.config.version : undefined;
  const c = e.config;
  const fid = c.fidelity;
  const scale = typeof c.scale === 'string' ? c.scale : fid && typeof fid === 'object' && !Array.isArray(fid) && typeof fid.scale === 'string' ? fid.scale : undefined;
  return [
    ['experiment', e.name],
    ['kind', e.kind],
    ['status', status],
    ...(scale !== undefined ? [['scale', scale] as [string, string]] : []),
    ['seed', String(e.seed)],
    ['evaluations', [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'none yet'],
    ['wall time', `${fmtDuration(wall.ms)} over ${wall.sessions} session${wall.sessions === 1 ? '' : 's'}`],
    ['training time', `${fmtDuration(compute)} (sum over evaluations)`],
    ['cellsearch version', sessionVersions(data.events) ?? recorded ?? `${version} (this report's; the study does not record its own)`],
    ['created', e.createdAt.replace('T', ' ').slice(0, 19) + ' UTC'],
  ];
}

const HP_ORDER = ['hidden', 'layers', 'initScale', 'optimizer', 'learningRate', 'paperLearningRate', 'momentum', 'clip', 'inputNoise', 'batch', 'unroll', 'maxSteps', 'evalEvery', 'validBatches', 'patience', 'maxHalvings'];

const hpValue = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))) : v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * One row per evaluation: its label, validation and test accuracy, and the hyperparameters that
 * differ between the rows; those equal in every row (of two or more) follow as one sentence.
 */
export function hyperparameterBlocks(rows: readonly { label: string; evaluation: Evaluation }[]): Block[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.evaluation.hyperparameters)) if (k !== 'space') keys.add(k);
  const ordered = [...HP_ORDER.filter((k) => keys.has(k)), ...[...keys].filter((k) => !HP_ORDER.includes(k)).sort()];
  const value = (r: { evaluation: Evaluation }, k: string) => hpValue(r.evaluation.hyperparameters[k]);
  const same = rows.length >= 2 ? ordered.filter((k) => rows.every((r) => value(r, k) === value(rows[0], k))) : [];
  const shown = ordered.filter((k) => !same.includes(k));
  const table: Table = {
    columns: [
      { label: 'cell', align: 'left' },
      { label: 'valid acc', align: 'right' },
      { label: 'test acc', align: 'right' },
      ...shown.map((k) => ({ label: k, align: 'right' as const })),
    ],
    rows: rows.map((r) => [r.label, fmt(r.evaluation.metrics?.validAccuracy), fmt(r.evaluation.metrics?.testAccuracy), ...shown.map((k) => value(r, k))]),
  };
  return [{ kind: 'table', table }, ...(same.length ? [{ kind: 'text' as const, text: `Same in every row: ${same.map((k) => `${k} ${value(rows[0], k)}`).join(', ')}.` }] : [])];
}

/** How a train study names its cells: as the user named them (config.cells[].ref), else archName. */
function cellLabels(data: StudyData): Map<string, string> {
  const out = new Map<string, string>();
  const cells = data.experiment.config.cells;
  if (Array.isArray(cells)) {
    for (const c of cells) {
      if (c && typeof c === 'object' && !Array.isArray(c) && typeof c.hash === 'string' && typeof c.ref === 'string') out.set(c.hash, c.ref);
    }
  }
  for (const e of data.evaluations) if (!out.has(e.architecture)) out.set(e.architecture, archName(e.architecture, data.architectures));
  return out;
}

export const EVALUATION_COLUMNS = ['cell', 'task', 'trial', 'status', 'steps', 'valid loss', 'valid acc', 'test loss', 'test acc', 'test ppl', 'seconds'] as const;

/** An evaluation's cells from 'status' on (the columns `cellsearch train` prints too). */
export function evaluationResultCells(e: Evaluation): string[] {
  const m = e.metrics ?? {};
  return [
    e.status,
    e.steps === null ? '-' : String(e.steps),
    fmt(m.validLoss),
    fmt(m.validAccuracy),
    fmt(m.testLoss),
    fmt(m.testAccuracy),
    fmt(m.testPerplexity, 2),
    e.wallMs === null ? '-' : (e.wallMs / 1000).toFixed(1),
  ];
}

export function evaluationsTable(data: StudyData): Table {
  const labels = cellLabels(data);
  return {
    columns: EVALUATION_COLUMNS.map((label, i) => ({ label, align: i < 4 ? 'left' : 'right' })),
    rows: data.evaluations.map((e) => [labels.get(e.architecture) ?? e.architecture, e.task, trialOf(e), ...evaluationResultCells(e)]),
  };
}

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

export function learningCurveFigures(data: StudyData): Block[] {
  const labels = cellLabels(data);
  const repeated = new Set(data.evaluations.filter((e) => trialOf(e) !== '0').map((e) => e.architecture));
  const tasks = new Set(data.evaluations.map((e) => e.task));
  // The cell's name only where several cells are drawn (an architecture's page draws one): a long
  // name would fill the legend's label and cut off the task and trial that tell the curves apart.
  const named = new Set(data.evaluations.map((e) => e.architecture)).size > 1 || (tasks.size <= 1 && repeated.size === 0);
  const rows: { run: string; step: number; metric: string; value: number }[] = [];
  for (const e of data.evaluations) {
    const run = [named ? labels.get(e.architecture) : undefined, tasks.size > 1 ? e.task : undefined, repeated.has(e.architecture) ? `#${trialOf(e)}` : undefined].filter((x) => x !== undefined).join(' ');
    for (const p of data.curves.get(e.id) ?? []) {
      for (const [metric, key] of [['validation loss', 'validLoss'], ['validation accuracy', 'validAccuracy'], ['training loss', 'trainLoss']] as const) {
        const v = p[key];
        if (typeof v === 'number' && Number.isFinite(v)) rows.push({ run, step: p.step, metric, value: v });
      }
    }
  }
  return [
    {
      kind: 'figure',
      id: 'learning-curves',
      title: 'Learning curves',
      caption: 'Training loss, validation loss and validation accuracy at every validation, per evaluation (#n: trial n).',
      spec: {
        $schema: VL,
        data: { values: rows },
        facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['training loss', 'validation loss', 'validation accuracy'] } },
        spec: {
          width: 220,
          height: 200,
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'training step' },
            y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
            color: { field: 'run', type: 'nominal', title: null },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
    },
  ];
}

/** Sections of a train study (and of any kind without a report of its own). */
export function trainSections(data: StudyData, now: Date, version: string): Section[] {
  const c = data.experiment.config;
  const labels = cellLabels(data);
  const hashes = [...new Set(data.evaluations.map((e) => e.architecture))];
  const tasks = [...new Set(data.evaluations.map((e) => e.task))];
  const summary: Section = {
    id: 'summary',
    title: 'Summary',
    blocks: [
      {
        kind: 'facts',
        items: [
          ...summaryFacts(data, now, version),
          ['task', tasks.join(', ') || (typeof c.task === 'string' ? c.task : '-')],
          ['cells', hashes.map((h) => labels.get(h)).join(', ') || '-'],
          ...(typeof c.repeats === 'number' ? [['repeats', String(c.repeats)] as [string, string]] : []),
        ],
      },
    ],
  };
  const cells: Section = {
    id: 'cells',
    title: 'Cells',
    blocks: [],
    subsections: hashes.flatMap((h) => {
      const arch = data.architectures.get(h);
      if (!arch) return [];
      const first = data.evaluations.find((e) => e.architecture === h);
      const hidden = first?.hyperparameters.hidden;
      const params = typeof hidden === 'number' ? cellParams(arch, hidden) : null;
      const blocks: Block[] = [
        { kind: 'facts', items: [['hash', h], ...(params !== null ? [['parameters', `${fmtInt(params)} per layer at hidden ${hidden}`] as [string, string]] : [])] },
        ...cellBlocks(arch, labels.get(h) ?? h, `${labels.get(h)} (${shortHash(h)})`),
      ];
      return [{ id: `cell-${shortHash(h)}`, title: `${labels.get(h)} (${shortHash(h)})`, blocks }];
    }),
  };
  const evaluations: Section = { id: 'evaluations', title: 'Evaluations', blocks: [{ kind: 'table', table: evaluationsTable(data) }] };
  const failures = data.evaluations.filter((e) => e.status === 'failed');
  if (failures.length) evaluations.blocks.push({ kind: 'list', items: failures.map((e) => `failed: ${labels.get(e.architecture)} trial ${trialOf(e)}: ${(e.error ?? '').split('\n')[0]}`) });
  const firstOfEach = hashes.flatMap((h) => {
    const e = data.evaluations.find((x) => x.architecture === h);
    return e ? [{ label: labels.get(h) ?? h, evaluation: e }] : [];
  });
  const hp: Section = {
    id: 'hyperparameters',
    title: 'Hyperparameters',
    blocks: [{ kind: 'text', text: 'The setting of each cell (every trial of a cell uses the same one); accuracies of its first trial.' }, ...hyperparameterBlocks(firstOfEach)],
  };
  const figures: Section = { id: 'figures', title: 'Figures', blocks: learningCurveFigures(data) };
  return [summary, cells, evaluations, hp, figures];
}
