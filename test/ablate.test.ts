// `cellsearch ablate` end to end through the real CLI and engine: a tiny ablation (2 cells, 1
// task, 3 trials, tiny preset with a shortened training) runs, prints its summary, writes the
// odyssey report; its numbers are those of the database; 2 workers give the same database; the
// same command resumes (here: only analyses) a finished study.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { loadAblation } from '../runs/ablate.ts';
import { trialOfKey } from '../runs/seeds.ts';
import { assertSvg, inlineSvgs } from '../runs/report/testing.ts';

const ARGS = ['ablate', '--cells', 'greff-vanilla,greff-noaf', '--tasks', 'arithmetic', '--trials', '3', '--scale', 'tiny', '--steps', '20', '--eval-every', '10', '--valid-batches', '2', '--name', 'tiny'];

async function evaluations(db: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = await s.getExperiment('tiny');
    assert.ok(e);
    return (await s.evaluations(e.id)).map((v) => ({ key: v.key, seed: v.seed, status: v.status, hp: v.hyperparameters, metrics: v.metrics, error: v.error }));
  } finally {
    await s.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

test('ablate: a tiny real ablation end to end; summary and report match the database; workers 1 = workers 2', async () => {
  const dir = tempDir();
  const db1 = join(dir, 'one.sqlite');
  const report = join(dir, 'report');
  const a = runCli([...ARGS, '--db', db1, '--workers', '1', '--report', report]);
  assert.equal(a.status, 0, a.stderr);
  const rows = await evaluations(db1);
  assert.equal(rows.length, 6);
  assert.ok(rows.every((r) => r.status === 'done' || r.status === 'diverged'), JSON.stringify(rows.map((r) => r.status)));
  assert.match(a.stdout, /^task arithmetic: test loss \(lower is better\); 6 trials/m);

  // The printed medians are the medians of the stored test losses.
  const s = openSqliteStorage(db1, { readonly: true });
  const loaded = await loadAblation(s, 'tiny');
  await s.close();
  for (const variant of ['greff-vanilla', 'greff-noaf']) {
    const hash = loaded.config.cells.find((c) => c.ref === variant)!.hash;
    const stored = rows.filter((r) => JSON.parse(r.key)[0] === hash && r.status === 'done').map((r) => r.metrics!.testLoss as number);
    const ranked = loaded.analysis.tasks[0].ranking.find((r) => r.variant === variant)!;
    assert.equal(ranked.median, median(stored));
    assert.equal(ranked.best, Math.min(...stored));
    const line = a.stdout.split('\n').find((l) => l.includes(` ${variant} `))!;
    assert.ok(line.includes(median(stored).toFixed(4)), `${line} shows the median ${median(stored)}`);
  }
  // Paired design: trial t has the same setting for both cells.
  for (const t of ['0', '1', '2']) {
    const pair = rows.filter((r) => trialOfKey(r.key) === t);
    assert.deepEqual(pair[0].hp, pair[1].hp);
  }

  // The report: every section, every figure a well-formed SVG, inline in the HTML.
  const md = readFileSync(join(report, 'report.md'), 'utf8');
  for (const heading of ['## Study', '## Task arithmetic', '### arithmetic: tests against greff-vanilla', '### arithmetic: hyperparameter importance (fANOVA)', '### arithmetic: loss against learningRate and hidden', '### arithmetic: architecture features']) {
    assert.ok(md.includes(`\n${heading}\n`), `report.md has "${heading}"`);
  }
  assert.match(md, /Random forest of 32 regression trees/);
  assert.match(md, /\| greff-noaf \| all \| 3 \| 3 \|/);
  const figures = readdirSync(join(report, 'figures')).sort();
  assert.deepEqual(figures, ['box-arithmetic-all.svg', 'box-arithmetic-top.svg', 'features-arithmetic.svg', 'importance-arithmetic.svg', 'interactions-arithmetic.svg', 'marginal-arithmetic-hidden.svg', 'marginal-arithmetic-learningrate.svg']);
  for (const f of figures) {
    assertSvg(readFileSync(join(report, 'figures', f), 'utf8'), f);
    assert.ok(md.includes(`(figures/${f})`), `report.md shows ${f}`);
  }
  const html = readFileSync(join(report, 'report.html'), 'utf8');
  const inline = inlineSvgs(html);
  assert.equal(inline.length, figures.length);
  inline.forEach((svg, i) => assertSvg(svg, `report.html figure ${i + 1}`));
  assert.match(html, /<table>/);

  const db2 = join(dir, 'two.sqlite');
  const b = runCli([...ARGS, '--db', db2, '--workers', '2']);
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(await evaluations(db2), rows, 'the same database with 2 workers');

  const again = runCli([...ARGS, '--db', db1]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /resuming 'tiny'/);
  assert.doesNotMatch(again.stderr, /training/);
  assert.equal(again.stdout.split('\n').filter((l) => /greff-/.test(l)).join('\n'), a.stdout.split('\n').filter((l) => /greff-/.test(l)).join('\n'));
  assert.ok(!existsSync(join(dir, 'runs')), 'nothing written outside --db');
});

test('ablate refuses a baseline that is not among the cells, before writing anything', () => {
  const dir = tempDir();
  const db = join(dir, 'x.sqlite');
  const r = runCli(['ablate', '--cells', 'gru,lstm', '--baseline', 'mut1', '--tasks', 'arithmetic', '--trials', '2', '--db', db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--baseline mut1 is not one of the cells \(gru, lstm\)/);
  assert.ok(!existsSync(db));
});
