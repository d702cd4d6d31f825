import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isZooKey } from '../../cells/zoo/index.ts';
import { isTaskName } from '../../tasks/registry.ts';
import { PUBLISHED, PublishedSchema, publishedValue, tableOf } from './published.ts';
import { REPRO_STUDIES, studyFindings, studyTables } from './studies.ts';

// Jozefowicz et al. 2015, Table 1, typed again from the paper's rows (Arith., XML, PTB) as
// issue 19 lists them: the data file must hold exactly these numbers.
const JOZEFOWICZ_TABLE_1: Record<string, [number, number, number]> = {
  'tanh-rnn': [0.295, 0.321, 0.0878],
  lstm: [0.892, 0.425, 0.0891],
  'lstm-f': [0.293, 0.234, 0.0881],
  'lstm-i': [0.751, 0.414, 0.0866],
  'lstm-o': [0.867, 0.421, 0.0893],
  'lstm-b': [0.902, 0.444, 0.0895],
  gru: [0.896, 0.46, 0.0907],
  mut1: [0.921, 0.475, 0.0897],
  mut2: [0.897, 0.473, 0.0904],
  mut3: [0.907, 0.465, 0.0916],
};

test('the data file holds Jozefowicz et al. Table 1 exactly, cited, for the three tasks', () => {
  const t = tableOf('jozefowicz2015-table1');
  assert.equal(t.source, 'Table 1');
  assert.equal(t.metric, 'accuracy');
  assert.deepEqual(t.tasks, ['arithmetic', 'xml', 'ptb']);
  assert.deepEqual(Object.fromEntries(t.rows.map((r) => [r.cell, r.values])), JOZEFOWICZ_TABLE_1);
  assert.equal(publishedValue(t, 'lstm-f', 'xml'), 0.234);
  assert.equal(publishedValue(t, 'lstm-f', 'music'), undefined);
  const paper = PUBLISHED.papers.find((p) => p.id === t.paper)!;
  assert.match(paper.citation, /Jozefowicz, Wojciech Zaremba and Ilya Sutskever\. An Empirical Exploration of Recurrent Network Architectures\. .*ICML 2015/);
});

test("the data file states Greff et al.'s findings as issue 19 lists them, cited", () => {
  const byId = new Map(PUBLISHED.findings.map((f) => [f.id, f]));
  const paper = PUBLISHED.papers.find((p) => p.id === 'greff2016')!;
  assert.match(paper.citation, /Greff, .*LSTM: A Search Space Odyssey\. IEEE Transactions on Neural Networks and Learning Systems/);
  for (const v of ['nfg', 'noaf']) {
    const f = byId.get(`greff-${v}`)!;
    assert.deepEqual([f.kind, f.kind === 'gap' && f.direction, f.tasks, f.paper], ['gap', 'worse', 'all', 'greff2016']);
  }
  for (const v of ['cifg', 'np']) assert.deepEqual([byId.get(`greff-${v}`)!.kind, byId.get(`greff-${v}`)!.tasks], ['same', 'all']);
  // Worse on speech and handwriting, not on music: only the music half has a task here.
  for (const v of ['nig', 'nog', 'niaf']) assert.deepEqual([byId.get(`greff-${v}-music`)!.kind, byId.get(`greff-${v}-music`)!.tasks], ['same', ['music']]);
  const imp = byId.get('greff-importance')!;
  assert.ok(imp.kind === 'importance');
  assert.deepEqual(imp.order, ['learningRate', 'hidden']);
  const ind = byId.get('greff-independence')!;
  assert.ok(ind.kind === 'independent');
  assert.deepEqual(ind.pair, ['hidden', 'learningRate']);
  for (const f of PUBLISHED.findings) assert.ok(f.source.length > 0 && f.claim.length > 0, f.id);
});

test('the schema refuses a table row of the wrong length, an unknown paper or table, a duplicate id', () => {
  const clone = () => structuredClone(PUBLISHED) as unknown as { tables: { rows: { values: number[] }[]; paper: string }[]; findings: { id: string; kind: string; table?: string }[] };
  const short = clone();
  short.tables[0].rows[0].values.pop();
  assert.match(String(PublishedSchema.safeParse(short).error), /tanh-rnn has 2 values for 3 tasks/);
  const paper = clone();
  paper.tables[0].paper = 'nobody2020';
  assert.match(String(PublishedSchema.safeParse(paper).error), /unknown paper nobody2020/);
  const table = clone();
  table.findings.find((f) => f.kind === 'ordering')!.table = 'no-table';
  assert.match(String(PublishedSchema.safeParse(table).error), /unknown table no-table/);
  const dup = clone();
  dup.findings[1].id = dup.findings[0].id;
  assert.match(String(PublishedSchema.safeParse(dup).error), /used twice/);
});

test('every study names zoo cells, real tasks, and findings about its own cells and baseline', () => {
  assert.deepEqual(REPRO_STUDIES.map((s) => s.key), ['jozefowicz-table1', 'greff-findings']);
  for (const s of REPRO_STUDIES) {
    for (const c of s.cells) assert.ok(isZooKey(c), `${s.key}: ${c} is a zoo key`);
    assert.ok(s.cells.includes(s.baseline));
    for (const t of [...s.tasks, s.dataTask.task]) assert.ok(isTaskName(t), `${s.key}: ${t} is a task`);
    for (const f of studyFindings(s)) {
      assert.equal(f.paper, s.paper, `${s.key}: ${f.id} is about its paper`);
      if (f.kind === 'gap' || f.kind === 'same') {
        assert.ok(s.cells.includes(f.variant), `${s.key}: ${f.id} names a cell of the study`);
        assert.equal(f.baseline, s.baseline, `${s.key}: ${f.id} compares with the study's baseline`);
      }
      if (f.tasks !== 'all') for (const t of f.tasks) assert.ok([...s.tasks, s.dataTask.task].includes(t), `${s.key}: ${f.id} names a task the study can run`);
    }
    for (const t of studyTables(s)) {
      assert.equal(t.metric, s.metric, `${s.key}: the table measures what the study measures`);
      for (const r of t.rows) assert.ok(s.cells.includes(r.cell), `${s.key}: ${r.cell} of ${t.id} is in the study`);
    }
  }
  // The Jozefowicz study has every cell of Table 1.
  const jt = REPRO_STUDIES[0];
  assert.deepEqual(jt.cells, Object.keys(JOZEFOWICZ_TABLE_1));
});
