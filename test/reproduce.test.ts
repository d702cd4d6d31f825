// `cellsearch reproduce` end to end through the real CLI and engine: a tiny jozefowicz-table1 on
// arithmetic (ten cells, two grid settings, 20 training steps) runs, prints the ablation summary
// and "Against the paper" with a verdict per finding, writes the report with that section; a run
// stopped by --time and resumed ends with the same database and the same verdicts as the
// uninterrupted one; bad input exits 2 before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { loadAblation } from '../runs/ablate.ts';

const NAME = 'repro';
const ARGS = ['reproduce', 'jozefowicz-table1', '--tasks', 'arithmetic', '--trials', '2', '--scale', 'tiny', '--steps', '20', '--eval-every', '10', '--valid-batches', '2', '--name', NAME];

async function stored(db: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = (await s.getExperiment(NAME))!;
    const evaluations = await s.evaluations(e.id);
    return {
      status: e.status,
      config: e.config,
      comparable: evaluations.map((v) => ({ key: v.key, status: v.status, seed: v.seed, metrics: v.metrics, steps: v.steps, hp: v.hyperparameters })),
    };
  } finally {
    await s.close();
  }
}

/** The printed comparison, without the timing and database line. */
const against = (stdout: string) => {
  const from = stdout.indexOf('Against the paper');
  assert.ok(from >= 0, stdout);
  return stdout.slice(from).split('\n').filter((l) => !/^(done|interrupted) in |^report: /.test(l)).join('\n');
};

let reference: { db: string; stdout: string; report: string } | undefined;
function referenceRun() {
  if (!reference) {
    const dir = tempDir();
    const db = join(dir, 'a.sqlite');
    const report = join(dir, 'report');
    const r = runCli([...ARGS, '--db', db, '--workers', '2', '--report', report]);
    assert.equal(r.status, 0, r.stderr);
    reference = { db, stdout: r.stdout, report };
  }
  return reference;
}

test('reproduce jozefowicz-table1: a tiny run end to end, our table beside Table 1, a verdict per finding, the report section', async () => {
  const a = referenceRun();
  const s = await stored(a.db);
  assert.equal(s.status, 'done');
  assert.equal(s.comparable.length, 20, 'ten cells, two settings, one task');
  assert.equal((s.config as { reproduce?: string }).reproduce, 'jozefowicz-table1');
  assert.equal((s.config as { baseline: string }).baseline, 'lstm');

  const text = against(a.stdout);
  assert.match(text, /Jozefowicz, Wojciech Zaremba and Ilya Sutskever/);
  assert.match(text, /^arithmetic: ours \(best of N by validation, test accuracy\) beside Table 1$/m);
  // Every cell of Table 1 with the paper's number beside ours.
  for (const [cell, paper] of [['lstm', '0.8920'], ['lstm-f', '0.2930'], ['mut1', '0.9210'], ['tanh-rnn', '0.2950']]) {
    assert.match(text, new RegExp(`^  ${cell} +${paper} +\\d+ +(\\d\\.\\d{4}|–) +\\d+ +`, 'm'), `${cell} row`);
  }
  assert.match(text, /^ {2}Spearman ρ (-?\d\.\d{4}|–), 95% bootstrap interval over trials \[/m);
  assert.match(text, /^ {4}arithmetic: inconclusive, 2 trials: too few for a bootstrap interval \(at least 5\); Spearman ρ/m, 'two trials judge no ordering');
  // Three findings, each with a verdict; the gaps are judged on arithmetic only (no xml here).
  const verdicts = [...text.matchAll(/^ {2}(REPRODUCED|CONTRADICTED|INCONCLUSIVE|NOT TESTED) +(.*)$/gm)].map((m) => m[2]);
  assert.equal(verdicts.length, 3, text);
  assert.match(text, /^ {4}arithmetic: (reproduced|contradicted|inconclusive).*difference .*Welch p .*Holm/m);
  assert.doesNotMatch(text, /^ {4}xml:/m);
  assert.match(text, /^fidelity:$/m);

  // The verdicts printed are those of the database, judged again.
  const st = openSqliteStorage(a.db, { readonly: true });
  const loaded = await loadAblation(st, NAME);
  await st.close();
  assert.ok(loaded.paper);
  for (const v of loaded.paper.comparison.findings) assert.ok(text.includes(`${v.outcome.toUpperCase().padEnd(12)} ${v.finding.claim}`), v.finding.id);

  const md = readFileSync(join(a.report, 'report.md'), 'utf8');
  assert.match(md, /^# Reproduction repro$/m);
  for (const heading of ['## Against the paper', '### arithmetic: ours beside Table 1', '### Criteria and fidelity', '## Task arithmetic']) assert.ok(md.includes(`\n${heading}\n`), `report.md has "${heading}"`);
  assert.ok(md.indexOf('## Against the paper') < md.indexOf('## Task arithmetic'));
  assert.match(md, /\| lstm-f \| 0\.2930 \| 10 \|/, 'the last of Table 1 on arithmetic');
  const html = readFileSync(join(a.report, 'report.html'), 'utf8');
  assert.match(html, /<h2>Against the paper<\/h2>/);
});

test('reproduce: stopped by --time and resumed, it ends with the same database and verdicts as the uninterrupted run', async () => {
  const a = referenceRun();
  const db = join(tempDir(), 't.sqlite');
  // The test clock advances 1 s per recorded result: the 2.5 s limit passes at the 3rd (1 worker).
  const cut = runCli([...ARGS, '--db', db, '--workers', '1', '--time', '2.5s'], { env: { CELLSEARCH_TEST_CLOCK: '1000' } });
  assert.equal(cut.status, 0, cut.stderr);
  assert.match(cut.stderr, /time limit \(2\.5s\) reached/);
  const mid = await stored(db);
  assert.equal(mid.status, 'interrupted');
  assert.equal(mid.comparable.filter((e) => e.status === 'done' || e.status === 'diverged').length, 3);
  assert.match(cut.stdout, /Against the paper/, 'an interrupted study is judged on what has finished');

  const resumed = runCli([...ARGS, '--db', db, '--workers', '1']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming 'repro'/);
  assert.deepEqual((await stored(db)).comparable, (await stored(a.db)).comparable);
  assert.equal(against(resumed.stdout), against(a.stdout));

  // Once done, the same command only judges again: nothing is trained.
  const again = runCli([...ARGS, '--db', db]);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /training/);
  assert.equal(against(again.stdout), against(a.stdout));
});

test('reproduce refuses an unknown study, a --data-dir its tasks leave out, and a changed config, before writing', async () => {
  const dir = tempDir();
  const db = join(dir, 'x.sqlite');
  const unknown = runCli(['reproduce', 'hochreiter-1997', '--db', db]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /hochreiter-1997/);
  assert.match(unknown.stderr, /jozefowicz-table1"?, "?greff-findings/);
  const data = runCli(['reproduce', 'greff-findings', '--tasks', 'arithmetic', '--data-dir', dir, '--db', db]);
  assert.equal(data.status, 2);
  assert.match(data.stderr, /--data-dir gives the music data of greff-findings, but --tasks leaves music out/);
  const cells = runCli(['reproduce', 'jozefowicz-table1', '--cells', 'gru,tanh-rnn', '--db', db]);
  assert.equal(cells.status, 2);
  assert.match(cells.stderr, /--cells must include jozefowicz-table1's baseline, lstm/);
  const set = runCli(['reproduce', 'jozefowicz-table1', '--tasks', 'arithmetic', '--set', 'batching=sideways', '--db', db]);
  assert.equal(set.status, 2);
  assert.match(set.stderr, /batching/);
  assert.ok(!existsSync(db));

  const a = referenceRun();
  const before = await stored(a.db);
  const changed = runCli([...ARGS.map((v) => (v === '2' ? '3' : v)), '--db', a.db]);
  assert.equal(changed.status, 2, changed.stderr);
  assert.match(changed.stderr, /trials/);
  assert.deepEqual(await stored(a.db), before);
});

test('reproduce --cells runs a subset of the study, --set streams its tasks', async () => {
  const db = join(tempDir(), 's.sqlite');
  const r = runCli([...ARGS, '--cells', 'lstm,lstm-f', '--set', 'batching=stream', '--db', db, '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  const s = await stored(db);
  assert.equal(s.comparable.length, 4, 'two cells, two settings');
  assert.deepEqual((s.config as { tasks: { taskOptions: { batching?: string } }[] }).tasks.map((t) => t.taskOptions.batching), ['stream']);
  assert.match(against(r.stdout), /lstm-f/);
  assert.doesNotMatch(against(r.stdout), /\bgru\b/);
});

test("reproduce without --trials runs each task's own trials (jozefowicz-table1: xml 20), and the report says so", async () => {
  const dir = tempDir();
  const db = join(dir, 'p.sqlite');
  const report = join(dir, 'report');
  const args = ['reproduce', 'jozefowicz-table1', '--tasks', 'arithmetic,xml', '--cells', 'lstm,lstm-f', '--scale', 'tiny', '--steps', '10', '--eval-every', '10', '--valid-batches', '1', '--name', NAME];
  const r = runCli([...args, '--db', db, '--workers', '2', '--report', report]);
  assert.equal(r.status, 0, r.stderr);
  const s = await stored(db);
  const keys = s.comparable.map((e) => JSON.parse(e.key) as [string, string, string]);
  const trials = (task: string) => [...new Set(keys.filter((k) => k[1] === task).map((k) => Number(k[2])))].sort((x, y) => x - y);
  assert.deepEqual([trials('arithmetic'), trials('xml')], [[0, 1, 2, 3, 4, 5], [...Array(20).keys()]]);
  assert.equal(s.comparable.length, 2 * (6 + 20), 'two cells');
  assert.deepEqual((s.config as { tasks: { name: string; trials?: number }[] }).tasks.map((t) => [t.name, t.trials]), [['arithmetic', undefined], ['xml', 20]]);
  const md = readFileSync(join(report, 'report.md'), 'utf8');
  assert.match(md, /per variant 6 random-search trials of at most 10 steps on arithmetic, 20 random-search trials of at most 10 steps on xml/);
  assert.match(md, /^40 trials \(20 per variant\)/m);
});
