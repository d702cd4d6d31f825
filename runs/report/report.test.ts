// The report framework on a search-study database (runs/report/fixture.ts: real zoo cells and
// mutants, seeded metrics, written to the in-memory backend): every section in both files, every
// figure valid SVG, leaderboard numbers recomputed from the stored rows, lineage, funnel. On
// SQLite files: the report leaves the file unchanged and is the report the in-memory backend
// gives; a report of a study that is being written (a real coordinator process) reads a snapshot
// and leaves the study's results exactly as an undisturbed run's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, tempDir } from '../../test/helpers.ts';
import { MemoryDatabase, memoryStorage } from '../memory-storage.ts';
import { openSqliteStorage } from '../sqlite.ts';
import { FINISHED_STATUSES, type Storage } from '../storage.ts';
import { isConfirmationKey } from '../../search/confirm.ts';
import { describeMutation, hashOfZoo } from './architectures.ts';
import { writeSearchFixture, writeSearchStudy, FIXTURE_TASKS, type SearchFixtureOptions } from './fixture.ts';
import { writeReport, writeStudyReport } from './index.ts';
import { fmtDuration, sessionVersions, wallTimeMs } from './model.ts';
import { assertSvg, inlineSvgs } from './testing.ts';

/**
 * A read-only view of an in-memory database holding the fixture studies, written by a writer
 * that has closed (as a finished `cellsearch search` leaves its file).
 */
async function memoryFixture(...studies: SearchFixtureOptions[]): Promise<Storage> {
  const db = new MemoryDatabase();
  const writer = memoryStorage(db);
  for (const opts of studies) await writeSearchStudy(writer, opts);
  await writer.close();
  return memoryStorage(db, { readonly: true });
}

/** The rows of the Markdown table that follows a `## title` heading. */
function mdTable(md: string, heading: string): string[][] {
  const start = md.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `no section ${heading}`);
  const lines = md.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| '));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i].slice(2, -2).split(' | ').map((c) => c.replace(/\\(.)/g, '$1').replace(/^\*\*(.*)\*\*$/, '$1')));
  return rows;
}

test('the cellsearch of each session: the one that created the study, then each that resumed it', () => {
  const ev = (kind: string, data: Record<string, string> = {}) => ({ id: 0, experimentId: 1, at: '2026-01-01T00:00:00Z', kind, data });
  assert.equal(sessionVersions([ev('start', { cellsearch: '0.1.0' }), ev('interrupted'), ev('resume', { cellsearch: '0.2.0' }), ev('finished')]), 'created by 0.1.0; resumed by 0.2.0');
  assert.equal(sessionVersions([ev('start', { cellsearch: '0.1.0' })]), 'created by 0.1.0');
  assert.equal(sessionVersions([ev('start'), ev('resume', { cellsearch: '0.2.0' })]), 'created by unknown; resumed by 0.2.0');
  assert.equal(sessionVersions([ev('start'), ev('finished')]), undefined, 'a study from before the versions were recorded');
});

test('wall time sums the sessions; a session open without a live writer does not count', () => {
  const ev = (kind: string, at: string) => ({ id: 0, experimentId: 1, at, kind, data: {} });
  const events = [ev('start', '2026-01-01T00:00:00Z'), ev('interrupted', '2026-01-01T00:10:00Z'), ev('resume', '2026-01-01T01:00:00Z'), ev('finished', '2026-01-01T01:05:30Z')];
  assert.deepEqual(wallTimeMs(events, new Date('2026-01-02T00:00:00Z'), false), { ms: 15.5 * 60_000, sessions: 2 });
  const open = [ev('start', '2026-01-01T00:00:00Z')];
  assert.equal(wallTimeMs(open, new Date('2026-01-01T00:01:00Z'), true).ms, 60_000);
  assert.equal(wallTimeMs(open, new Date('2026-01-01T00:01:00Z'), false).ms, 0);
  assert.equal(fmtDuration(12_345), '12.3 s');
  assert.equal(fmtDuration(185_000), '3 min 05 s');
  assert.equal(fmtDuration(3_725_000), '1 h 02 min');
});

test('search report: every section in both files, valid SVG figures, leaderboard numbers as in the database', async () => {
  const dir = tempDir();
  const storage = await memoryFixture({});
  const r = await writeStudyReport(storage, { out: join(dir, 'out'), now: new Date('2030-01-01T00:00:00Z'), version: '9.9.9' });
  const md = readFileSync(r.markdown, 'utf8');
  const html = readFileSync(r.html, 'utf8');

  // Sections.
  for (const [id, title] of [
    ['summary', 'Summary'],
    ['leaderboard', 'Leaderboard'],
    ['top-architectures', 'Top 5 architectures'],
    ['figures', 'Figures'],
    ['best-hyperparameters', 'Best hyperparameters per task'],
  ]) {
    assert.match(html, new RegExp(`<section id="${id}">\\n<h2>${title}</h2>`), `HTML section ${title}`);
    assert.match(md, new RegExp(`^## ${title}$`, 'm'), `Markdown section ${title}`);
  }
  for (const t of FIXTURE_TASKS) assert.match(md, new RegExp(`^### ${t}$`, 'm'), `best hyperparameters for ${t}`);
  for (const k of ['strategy', 'scored tasks', 'budget used', 'wall time', 'seed', 'cellsearch version']) assert.match(md, new RegExp(`^\\| ${k} \\| `, 'm'), `summary: ${k}`);
  assert.match(md, /\| proposed \| passed memorization \| passed arithmetic \| passed xml \| evaluated on all tasks \| entered the list \| in the list now \|/);
  assert.doesNotMatch(html, /<script/i);

  // Figures: files beside report.md, the same SVG inline in the HTML.
  const ids = ['best-score', 'score-distribution', 'accuracy-params', 'learning-curves', ...r.analysis!.top.map((s) => `cell-${s.hash}`)];
  assert.equal(r.assets.length, ids.length);
  for (const id of ids) {
    const file = join(r.dir, 'figures', `${id}.svg`);
    assert.ok(existsSync(file), file);
    assertSvg(readFileSync(file, 'utf8'), file);
    assert.ok(md.includes(`](figures/${id}.svg)`), `report.md shows ${id}`);
  }
  const inline = inlineSvgs(html);
  assert.equal(inline.length, ids.length);
  inline.forEach((svg, i) => assertSvg(svg, `inline SVG ${i}`));

  // The leaderboard, recomputed from the stored rows: best validAccuracy per (architecture, task)
  // over finished evaluations, diverged ones counting 0; ratios to the GRU; score = min.
  const [experiment] = await storage.listExperiments();
  const best: { architecture: string; task: string; acc: number; n: number }[] = [];
  for (const e of await storage.evaluations(experiment.id, { status: ['done', 'diverged', 'failed'] })) {
    let row = best.find((b) => b.architecture === e.architecture && b.task === e.task);
    if (!row) best.push((row = { architecture: e.architecture, task: e.task, acc: 0, n: 0 }));
    row.acc = Math.max(row.acc, e.status === 'done' ? (e.metrics?.validAccuracy ?? 0) : 0);
    row.n++;
  }
  const state = (await storage.strategyState(experiment.id))!.state as { funnel: { proposed: number; passedMemorize: number; passedTask: Record<string, number> } };
  const gru = hashOfZoo('gru');
  const acc = (h: string, t: string) => best.find((b) => b.architecture === h && b.task === t);
  const expected = [...new Set(best.map((b) => b.architecture))]
    .filter((h) => FIXTURE_TASKS.every((t) => acc(h, t)))
    .map((h) => {
      const ratios = FIXTURE_TASKS.map((t) => acc(h, t)!.acc / acc(gru, t)!.acc);
      return { h, ratios, score: Math.min(...ratios) };
    })
    .sort((a, b) => b.score - a.score);
  const rows = mdTable(md, 'Leaderboard');
  assert.equal(rows.length, expected.length, 'every architecture fits in 20 rows');
  rows.forEach((row, i) => {
    const e = expected[i];
    assert.equal(row[0], String(i + 1));
    assert.equal(row[1].slice(0, 8), e.h.slice(0, 8));
    assert.equal(row[2], e.score.toFixed(3), `score of ${e.h}`);
    FIXTURE_TASKS.forEach((t, k) => assert.equal(row[3 + k], `${acc(e.h, t)!.acc.toFixed(4)} (${e.ratios[k].toFixed(3)})`));
    assert.equal(row[row.length - 1], FIXTURE_TASKS.map((t) => acc(e.h, t)!.n).join(' / '));
  });
  for (const name of ['gru', 'lstm', 'lstm-b']) assert.ok(rows.some((row) => row[1].endsWith(` ${name}`)), `reference row ${name}`);
  assert.match(html, /<tr class="reference"><td class="r">\d+<\/td><td>ea788a06 gru<\/td>/);

  // The funnel as the strategy recorded it.
  const funnel = mdTable(md, 'Summary').length; // the facts table
  assert.ok(funnel > 5);
  const f = r.analysis!.funnel;
  assert.equal(f.source, 'strategy');
  assert.deepEqual(f.stages.slice(0, 4), [['proposed', state.funnel.proposed], ['passed memorization', state.funnel.passedMemorize], ['passed arithmetic', state.funnel.passedTask.arithmetic], ['passed xml', state.funnel.passedTask.xml]]);

  // Lineage of the best mutant back to its zoo cell, with its mutation records in words.
  const mutant = r.analysis!.top.find((s) => s.reference === undefined)!;
  const arch = (await storage.getArchitecture(mutant.hash))!;
  assert.equal(arch.origin.kind, 'mutant');
  if (arch.origin.kind === 'mutant') {
    for (const m of arch.origin.mutations) assert.ok(md.includes(describeMutation(m).replace(/([\\`*_[\]<>|#])/g, '\\$1')), `lineage shows ${JSON.stringify(m)}`);
  }
  assert.match(md, /: the zoo cell (gru|lstm|lstm-b)\n/);
});

/** A report's text with what depends on where and when the study was recorded blanked out. */
function placeless(text: string, location: string): string {
  return text
    .replaceAll(location, '<location>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, '<time>')
    .replace(/(wall time(?: \|\s*|<\/t[hd]><td[^>]*>))[^|<]*/g, '$1<duration>');
}

test('a report of a SQLite file leaves the file byte-identical and is the report the in-memory backend gives', async () => {
  const dir = tempDir();
  const db = join(dir, 'search.sqlite');
  await writeSearchFixture(db);
  const before = createHash('sha256').update(readFileSync(db)).digest('hex');
  const opts = { now: new Date('2030-01-01T00:00:00Z'), version: '9.9.9' };
  const fromFile = await writeReport({ db, out: join(dir, 'file'), ...opts });
  assert.equal(createHash('sha256').update(readFileSync(db)).digest('hex'), before, 'the report leaves the database file unchanged');
  const storage = await memoryFixture({});
  const fromMemory = await writeStudyReport(storage, { out: join(dir, 'memory'), ...opts });
  for (const file of ['html', 'markdown'] as const) {
    const a = placeless(readFileSync(fromFile[file], 'utf8'), db);
    const b = placeless(readFileSync(fromMemory[file], 'utf8'), storage.location);
    assert.ok(a.includes('<location>') && a.includes('<time>') && a.includes('<duration>'), `${file}: the blanked parts are there`);
    assert.equal(a, b, file);
  }
  assert.deepEqual(fromFile.assets.map((f) => f.slice(fromFile.dir.length)), fromMemory.assets.map((f) => f.slice(fromMemory.dir.length)));
  fromFile.assets.forEach((f, i) => assert.equal(readFileSync(f, 'utf8'), readFileSync(fromMemory.assets[i], 'utf8'), f));
});

test('a report of a study in progress: figures without data say so; queued evaluations are not counted; stale figures are replaced', async () => {
  const dir = tempDir();
  const storage = await memoryFixture({ running: true, name: 'half' });
  // A folder with a previous report's figure and a file of the user's.
  mkdirSync(join(dir, 'out', 'figures'), { recursive: true });
  writeFileSync(join(dir, 'out', 'figures', 'cell-0123456789abcdef.svg'), '<svg/>');
  writeFileSync(join(dir, 'out', 'figures', 'mine.svg'), '<svg/>');
  const r = await writeStudyReport(storage, { name: 'half', out: join(dir, 'out') });
  assert.ok(!existsSync(join(dir, 'out', 'figures', 'cell-0123456789abcdef.svg')), 'the stale figure is gone');
  assert.ok(existsSync(join(dir, 'out', 'figures', 'mine.svg')), "the user's file stays");
  const md = readFileSync(r.markdown, 'utf8');
  assert.match(md, /\| status \| interrupted \(marked running, but no process is writing it\) \|/);
  assert.match(md, /\| evaluations \| \d+ done, (\d+ diverged, )?\d+ queued \|/);
  for (const svg of r.assets) assertSvg(readFileSync(svg, 'utf8'), svg);
});

test('errors: no such experiment, several experiments without --name, no experiments, not a database', async () => {
  const dir = tempDir();
  const storage = await memoryFixture({ name: 'a' }, { name: 'b', seed: 2 });
  await assert.rejects(writeStudyReport(storage, { out: join(dir, 'o') }), /several experiments \(a, b\): name one with --name/);
  await assert.rejects(writeStudyReport(storage, { name: 'c', out: join(dir, 'o') }), /no experiment named 'c'.*it has: a, b/);
  await assert.rejects(writeStudyReport(await memoryFixture(), { out: join(dir, 'o') }), /memory has no experiments/);
  await assert.rejects(writeReport({ db: join(dir, 'none.sqlite'), out: join(dir, 'o') }), /no cellsearch database/);
  assert.ok(!existsSync(join(dir, 'o')), 'nothing written');
});

const CHILD = fileURLToPath(new URL('../fixtures/study-child.ts', import.meta.url));

/** `env`: e.g. the fixture worker's FIXTURE_HOLD_AFTER / FIXTURE_RELEASE (jobs above an id wait for a file). */
function runChild(db: string, sleepMs: number, onLine?: (l: { type: string }) => void, env: NodeJS.ProcessEnv = {}): Promise<number | null> {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, db, 'live', '7', '1', '6', '2', String(sleepMs)], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) onLine?.(JSON.parse(line));
    }
  });
  return new Promise((res) => p.on('exit', (code) => res(code)));
}

async function results(db: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = (await s.getExperiment('live'))!;
    return (await s.evaluations(e.id)).map((v) => ({ key: v.key, status: v.status, seed: v.seed, metrics: v.metrics, steps: v.steps }));
  } finally {
    await s.close();
  }
}

test('a report while a study is being written: a snapshot of the running study; the study ends exactly as an undisturbed one', async () => {
  const dir = tempDir();
  const quiet = join(dir, 'quiet.sqlite');
  const busy = join(dir, 'busy.sqlite');
  assert.equal(await runChild(quiet, 10), 0);
  const release = join(dir, 'release');
  let report: Promise<Awaited<ReturnType<typeof writeReport>>> | undefined;
  let childDone = false;
  let doneAtReport: boolean | undefined;
  // After the first result, while the coordinator holds the database with the second evaluation
  // running: held (FIXTURE_HOLD_AFTER) until the report is written, however long that takes.
  const exit = runChild(
    busy,
    10,
    (l) => {
      if (l.type === 'finish' && !report) {
        report = writeReport({ db: busy, out: join(dir, 'out') })
          .then((r) => {
            doneAtReport = childDone;
            return r;
          })
          .finally(() => writeFileSync(release, ''));
      }
    },
    { FIXTURE_HOLD_AFTER: '1', FIXTURE_RELEASE: release },
  );
  const code = await exit;
  childDone = true;
  assert.equal(code, 0);
  assert.ok(report, 'the study produced results');
  const r = await report;
  assert.equal(doneAtReport, false, 'the report finished while the study was still running');
  const md = readFileSync(r.markdown, 'utf8');
  assert.match(md, /\| status \| running \(this report is a snapshot\) \|/);
  assert.match(md, /\| evaluations \| .*\d+ (queued|running)/, 'unfinished evaluations at the time of the snapshot');
  assert.deepEqual(await results(busy), await results(quiet), 'the same results as a study nobody read');
});

test('analyzeSearch on hand-built rows: the paper example scores 0.992, diverged settings count 0, reference rows beyond the top, the progress curve', async () => {
  const { analyzeSearch } = await import('./search.ts');
  const gru = hashOfZoo('gru');
  const lstm = hashOfZoo('lstm');
  let id = 0;
  const ev = (architecture: string, task: string, status: 'done' | 'diverged' | 'queued', validAccuracy: number | null) => ({
    id: ++id,
    experimentId: 1,
    key: JSON.stringify([architecture, task, String(id)]),
    generation: 0,
    ordinal: id,
    architecture,
    task,
    taskOptions: {},
    hyperparameters: { hidden: 8, layers: 1 },
    seed: id,
    status,
    metrics: status === 'done' ? { validAccuracy } : null,
    steps: 1,
    wallMs: 1,
    error: null,
    attempts: 0,
    continues: null,
    keepCheckpoint: false,
  });
  const tasks = ['arithmetic', 'xml', 'ptb'];
  const evaluations = [
    ...tasks.map((t, i) => ev(gru, t, 'done', [0.896, 0.46, 0.0907][i])),
    ...tasks.map((t, i) => ev('aaaa000000000001', t, 'done', [0.92, 0.47, 0.09][i])),
    ev('aaaa000000000002', 'arithmetic', 'done', 0.99),
    ev('aaaa000000000002', 'xml', 'diverged', null),
    ev('aaaa000000000002', 'ptb', 'done', 0.2),
    ev('aaaa000000000003', 'arithmetic', 'done', 0.95),
    ev('aaaa000000000003', 'xml', 'queued', null),
    ...tasks.map((t) => ev(lstm, t, 'done', 0.01)),
  ];
  const data = {
    location: 'memory',
    experiment: { id: 1, name: 'x', kind: 'search', config: { tasks, metric: 'validAccuracy' }, seed: 1, status: 'done' as const, createdAt: '', updatedAt: '' },
    evaluations,
    architectures: new Map(),
    curves: new Map(),
    events: [],
    strategy: undefined,
    checkpoints: { count: 0, bytes: 0 },
    writerActive: false,
  };
  const a = analyzeSearch(data, { leaderboard: 1 });
  const one = a.archs.find((s) => s.hash === 'aaaa000000000001')!;
  assert.equal(one.score!.toFixed(3), '0.992');
  const two = a.archs.find((s) => s.hash === 'aaaa000000000002')!;
  assert.equal(two.best.xml.accuracy, 0, 'a diverged setting counts 0');
  assert.equal(two.score, 0);
  assert.equal(a.archs.find((s) => s.hash === 'aaaa000000000003')!.score, null, 'not scored before every task has a result');
  assert.deepEqual(
    a.leaderboard.map((r) => [r.rank, r.stats.reference ?? r.stats.hash]),
    [
      [1, 'gru'],
      [3, 'lstm'],
    ],
    'one top row (the GRU scores 1 > 0.992), then the reference rows wherever they rank',
  );
  assert.deepEqual(a.funnel.stages, [
    ['proposed', 3],
    ['passed memorization', null],
    ['evaluated on all tasks', 2],
    ['in the list', null],
  ]);
  // The best score appears once the GRU and a candidate have every task (here it only grows: the GRU does not improve later).
  assert.equal(a.progress[0].evaluations, 3);
  assert.equal(a.progress[0].best, 1);
  assert.equal(a.progress.at(-1)!.evaluations, evaluations.filter((e) => e.status !== 'queued').length);
  for (let i = 1; i < a.progress.length; i++) assert.ok(a.progress[i].best >= a.progress[i - 1].best);
});

test("the progress curve: after each finished evaluation, the best score of the rows so far as the strategies' leaderboard counts it, also when the GRU improves late (every score falls)", async () => {
  const { leaderboard } = await import('../../search/strategies/index.ts');
  const { analyzeSearch } = await import('./search.ts');
  const { readStudy } = await import('./queries.ts');
  const data = await readStudy(await memoryFixture({ seed: 3 }), undefined);
  const gru = hashOfZoo('gru');
  const half = Math.floor(data.evaluations.length / 2);
  // In the middle of the history, a candidate beats the GRU (0.99 on every task), then the GRU
  // does better still (0.999): the best score rises above 1, then falls back.
  const template = data.evaluations.find((e) => e.architecture !== gru && e.status === 'done')!;
  const boosted = FIXTURE_TASKS.map((task, i) => ({ ...template, id: 2_000_000 + i, task, key: JSON.stringify([template.architecture, task, `early-${i}`]), metrics: { ...template.metrics, validAccuracy: 0.99 } }));
  const late = FIXTURE_TASKS.map((task, i) => ({ ...template, id: 1_000_000 + i, architecture: gru, task, key: JSON.stringify([gru, task, `late-${i}`]), metrics: { ...template.metrics, validAccuracy: 0.999 } }));
  const evaluations = [...data.evaluations.slice(0, half), ...boosted, ...late, ...data.evaluations.slice(half)];
  const a = analyzeSearch({ ...data, evaluations });
  const finished = evaluations.filter((e) => FINISHED_STATUSES.includes(e.status) && !isConfirmationKey(e.key));
  const expected: { evaluations: number; best: number }[] = [];
  for (let k = 1; k <= finished.length; k++) {
    const rows = leaderboard(finished.slice(0, k), [...FIXTURE_TASKS], 'validAccuracy');
    if (rows.length > 0) expected.push({ evaluations: k, best: rows[0].score });
  }
  assert.deepEqual(a.progress, expected);
  assert.ok(expected.some((p, i) => i > 0 && p.best < expected[i - 1].best), 'the late GRU lowered the best score');

  // The figure draws the changes only: read as a step-after line, they give every point's value.
  const { searchFigures, stepChanges } = await import('./search.ts');
  const drawn = stepChanges(a.progress, 'best');
  assert.ok(drawn.length < a.progress.length / 2, `${drawn.length} of ${a.progress.length} points drawn`);
  assert.deepEqual([drawn[0], drawn.at(-1)], [a.progress[0], a.progress.at(-1)], 'the first and the last point: the same x axis');
  for (const p of a.progress) assert.equal(drawn.filter((d) => d.evaluations <= p.evaluations).at(-1)!.best, p.best, `the line at ${p.evaluations} evaluations`);
  const figure = searchFigures(a, { ...data, evaluations }).find((b) => b.kind === 'figure' && b.id === 'best-score');
  assert.ok(figure?.kind === 'figure');
  assert.deepEqual((figure.spec.layer as { data: { values: unknown } }[])[0].data.values, drawn);
});

test("the accuracy-against-parameters figure: per task, each architecture's best evaluation (the leaderboard's) at its setting's parameter count, one point each", async () => {
  const { analyzeSearch, accuracyParamsPoints, searchFigures } = await import('./search.ts');
  const { readStudy } = await import('./queries.ts');
  const { cellParams, referenceByHash } = await import('./architectures.ts');
  const data = await readStudy(await memoryFixture({ seed: 3 }), undefined);
  const a = analyzeSearch(data);
  // From the rows: per (architecture, task) the first evaluation of the highest value, a diverged one counting 0.
  const best = new Map<string, { value: number; e: (typeof data.evaluations)[number] }>();
  for (const e of data.evaluations) {
    if (!FINISHED_STATUSES.includes(e.status) || isConfirmationKey(e.key)) continue;
    const value = e.status === 'done' ? (e.metrics?.validAccuracy ?? 0) : 0;
    const k = `${e.architecture} ${e.task}`;
    if (!best.has(k) || value > best.get(k)!.value) best.set(k, { value, e });
  }
  const expected = [...best.values()]
    .filter(({ e }) => e.status === 'done')
    .map(({ value, e }) => ({ task: e.task, params: cellParams(data.architectures.get(e.architecture)!, e.hyperparameters.hidden as number, e.hyperparameters.layers as number), accuracy: value, kind: referenceByHash().get(e.architecture) ?? 'searched' }));
  const points = accuracyParamsPoints(a, data);
  const key = (p: { task: string; params: number | null; accuracy: number; kind: string }) => JSON.stringify([p.task, p.accuracy, p.params, p.kind]);
  assert.deepEqual(points.map(key).sort(), expected.map(key).sort());
  const done = data.evaluations.filter((e) => e.status === 'done').length;
  assert.ok(points.length < done / 2, `${points.length} points for ${done} evaluations done`);
  assert.ok(new Set(expected.map((p) => p.params)).size > 3, 'the settings differ in size');
  // The first scored task's point of each architecture is the leaderboard's accuracy and parameters.
  for (const s of a.archs.filter((x) => x.best[a.tasks[0]]?.evaluation.status === 'done')) {
    assert.ok(points.some((p) => p.task === a.tasks[0] && p.accuracy === s.best[a.tasks[0]].accuracy && p.params === s.params), `${s.name} on ${a.tasks[0]}`);
  }
  // Reference cells last: drawn over the searched ones.
  const refs = points.map((p) => Number(p.kind !== 'searched'));
  assert.ok(refs.includes(0) && refs.includes(1) && refs.every((r, i) => i === 0 || r >= refs[i - 1]), 'the reference points come last');
  const figure = searchFigures(a, data).find((b) => b.kind === 'figure' && b.id === 'accuracy-params');
  assert.ok(figure?.kind === 'figure');
  assert.deepEqual((figure.spec.data as { values: unknown }).values, points);
});

test('the report ranks and scores architectures exactly as the search strategies do (search/strategies leaderboard)', async () => {
  const { leaderboard } = await import('../../search/strategies/index.ts');
  const { analyzeSearch } = await import('./search.ts');
  const { readStudy } = await import('./queries.ts');
  const data = await readStudy(await memoryFixture({ seed: 3 }), undefined);
  const theirs = leaderboard(data.evaluations, [...FIXTURE_TASKS], 'validAccuracy');
  const ours = analyzeSearch(data).archs.filter((s) => s.score !== null);
  assert.ok(theirs.length > 5);
  assert.deepEqual(
    ours.map((s) => [s.hash, s.score]),
    theirs.map((r) => [r.architecture, r.score]),
  );
});
