// The CLI on a PostgreSQL server (scripts/with-postgres.sh; skipped without CELLSEARCH_TEST_PG):
// `train` records the same evaluations on PostgreSQL (named by --db or by CELLSEARCH_DB) as on
// SQLite; `runs` and `report` read it; `db copy` takes a study SQLite -> PostgreSQL -> SQLite with
// identical reports; no output ever shows the password.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { freshDatabase, SKIP_WITHOUT_PG } from './postgres.ts';
import { openStorage } from '../runs/open-storage.ts';

// A few seconds of training per evaluation.
const TINY = ['--task', 'memorize', '--steps', '30', '--eval-every', '10', '--valid-batches', '2'];

async function results(db: string, name: string) {
  const s = await openStorage(db, { readonly: true });
  try {
    const e = await s.getExperiment(name);
    assert.ok(e);
    const rows = [];
    for (const v of await s.evaluations(e.id)) rows.push({ key: v.key, seed: v.seed, status: v.status, steps: v.steps, metrics: v.metrics, hp: v.hyperparameters, curve: await s.curve(v.id) });
    return { config: e.config, status: e.status, rows };
  } finally {
    await s.close();
  }
}

/** What a command printed, asserted free of the password. */
function output(r: { stdout: string; stderr: string }, password: string): string {
  const text = r.stdout + r.stderr;
  assert.ok(!text.includes(password), `the password was printed:\n${text}`);
  return text;
}

describe('the CLI on PostgreSQL', { skip: SKIP_WITHOUT_PG }, () => {
  test('train on PostgreSQL (--db or CELLSEARCH_DB) records what it records on SQLite; runs and report read it; the password is never printed', async () => {
    const dir = tempDir();
    const { url, drop } = await freshDatabase();
    const password = decodeURIComponent(new URL(url).password);
    const shown = url.replace(`:${new URL(url).password}@`, '@');
    try {
      const args = ['train', '--cell', 'gru', ...TINY, '--repeats', '2', '--name', 'pair', '--workers', '1'];
      const file = join(dir, 'pair.sqlite');
      const lite = runCli([...args, '--db', file], { cwd: dir });
      assert.equal(lite.status, 0, lite.stderr);

      const pgRun = runCli(args, { cwd: dir, env: { CELLSEARCH_DB: url } });
      assert.equal(pgRun.status, 0, pgRun.stderr);
      const text = output(pgRun, password);
      assert.match(text, new RegExp(`experiment 'pair' in ${shown.replace(/[.?]/g, '\\$&')}, 1 worker`));
      assert.match(pgRun.stdout, new RegExp(`recorded in ${shown.replace(/[.?]/g, '\\$&')}`));
      assert.deepEqual(await results(url, 'pair'), await results(file, 'pair'), 'the same evaluations, seeds, metrics and curves');
      const summary = (text: string) => text.replace(/recorded in .*/, '').replace(/ +[\d.]+$/gm, ''); // less the location and the seconds
      assert.equal(summary(pgRun.stdout), summary(lite.stdout), 'the same summary');

      const again = runCli([...args, '--db', url], { cwd: dir });
      assert.equal(again.status, 0, again.stderr);
      assert.match(output(again, password), /resuming 'pair'/);
      assert.equal(runCli([...args, '--db', file], { cwd: dir }).status, 0, 'the SQLite study resumed as well (two sessions each)');

      const listed = runCli(['runs', '--db', url], { cwd: dir });
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(output(listed, password), /^\s+pair\s+train\s+done\s+2\/2\b/m);

      const out = join(dir, 'report-pg');
      const report = runCli(['report', '--db', url, '--out', out], { cwd: dir });
      assert.equal(report.status, 0, report.stderr);
      output(report, password);
      const liteReport = runCli(['report', '--db', file, '--out', join(dir, 'report-lite')], { cwd: dir });
      assert.equal(liteReport.status, 0, liteReport.stderr);
      // Times differ from run to run (wall time, seconds per evaluation, creation): the rest is the same.
      const md = (p: string) =>
        readFileSync(join(p, 'report.md'), 'utf8')
          .split('\n')
          .filter((l) => !/^\| (wall time|training time|created) \|/.test(l))
          .map((l) => (l.startsWith('| gru | memorize |') ? l.replace(/\| [\d.]+ \|$/, '|') : l))
          .map((l) => l.replace(/ in \S+; report written .*/, ''))
          .join('\n');
      const pgMd = readFileSync(join(out, 'report.md'), 'utf8');
      assert.ok(!pgMd.includes(password) && !readFileSync(join(out, 'report.html'), 'utf8').includes(password), 'no password in the report');
      assert.equal(md(out), md(join(dir, 'report-lite')), 'the same report');

      const wrong = new URL(url);
      wrong.password = 'wrong-password-x2';
      const refused = runCli([...args, '--db', wrong.toString()], { cwd: dir });
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /cannot connect to postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: password authentication failed/);
      assert.ok(!refused.stderr.includes('wrong-password-x2'));
    } finally {
      await drop();
    }
  });

  test('db copy: a study SQLite -> PostgreSQL -> SQLite has the report of the original; runs lists the copy; refusals exit 2 and show no password', async () => {
    const dir = tempDir();
    const { url, drop } = await freshDatabase();
    const password = decodeURIComponent(new URL(url).password);
    try {
      const a = join(dir, 'a.sqlite');
      const b = join(dir, 'b.sqlite');
      const trained = runCli(['train', '--cell', 'gru', ...TINY, '--repeats', '2', '--name', 'moved', '--workers', '1', '--db', a], { cwd: dir });
      assert.equal(trained.status, 0, trained.stderr);
      const there = runCli(['db', 'copy', a, url], { cwd: dir });
      assert.equal(there.status, 0, there.stderr);
      assert.match(output(there, password), /^copied 'moved': 2 evaluations, \d+ events, 0 checkpoints; read back equal$/m);
      const listed = runCli(['runs', '--db', url], { cwd: dir });
      assert.match(output(listed, password), /^\s+moved\s+train\s+done\s+2\/2\b/m);
      const back = runCli(['db', 'copy', url, b, '--name', 'moved'], { cwd: dir });
      assert.equal(back.status, 0, back.stderr);
      output(back, password);
      const report = (db: string, out: string) => {
        const r = runCli(['report', '--db', db, '--name', 'moved', '--out', join(dir, out)], { cwd: dir });
        assert.equal(r.status, 0, r.stderr);
        output(r, password);
        // Less the line naming the database and the time the report was written.
        return ['report.md', 'report.html'].map((f) => readFileSync(join(dir, out, f), 'utf8').replace(/ in \S+; report written [^<\n]*/g, ''));
      };
      assert.deepEqual(report(b, 'rb'), report(a, 'ra'), 'the same report, after two copies');
      const pgReport = report(url, 'rp');
      assert.ok(!pgReport.join('').includes(password));

      const wrong = new URL(url);
      wrong.password = 'wrong-password-x3';
      for (const args of [['db', 'copy', a, wrong.toString()], ['db', 'copy', wrong.toString(), b], ['db', 'copy', a, url]]) {
        const r = runCli(args, { cwd: dir });
        assert.equal(r.status, 2, r.stderr);
        assert.ok(!(r.stdout + r.stderr).includes('wrong-password-x3') && !(r.stdout + r.stderr).includes(password), r.stderr);
      }
    } finally {
      await drop();
    }
  });
});
