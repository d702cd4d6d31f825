// The CLI on a PostgreSQL server (scripts/with-postgres.sh; skipped without CELLSEARCH_TEST_PG):
// `train` records the same evaluations on PostgreSQL (named by --db or by CELLSEARCH_DB) as on
// SQLite; `runs` and `report` read it; no output ever shows the password.
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
});
