// `cellsearch report` and `cellsearch export` through the real CLI: the report of a real tiny
// `cellsearch train` study (every section, valid SVG, the evaluations table equal to the database),
// and exports of a hash from a study, a zoo key and a file, with their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { assertSvg, inlineSvgs } from '../runs/report/testing.ts';
import { writeSearchFixture } from '../runs/report/fixture.ts';
import { trialOfKey } from '../runs/seeds.ts';
import { cellHash } from '../cells/canonical.ts';
import { readNotation } from '../cells/notation.ts';
import { zooCell } from '../cells/zoo/index.ts';

const fmt = (v: number | null | undefined, d = 4) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '-');

test('cellsearch report on a real train study: every section, valid SVG, the table as in the database', async () => {
  const dir = tempDir();
  const db = join(dir, 'train.sqlite');
  const t = runCli(['train', '--cell', 'gru', '--cell', 'tanh-rnn', '--task', 'memorize', '--steps', '20', '--eval-every', '10', '--valid-batches', '2', '--repeats', '2', '--db', db, '--name', 'tiny', '--workers', '1']);
  assert.equal(t.status, 0, t.stderr);
  const out = join(dir, 'report');
  const r = runCli(['report', '--db', db, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote .*report\.html\nwrote .*report\.md \(\+ 3 SVG files/);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const [id, title] of [['summary', 'Summary'], ['cells', 'Cells'], ['evaluations', 'Evaluations'], ['hyperparameters', 'Hyperparameters'], ['figures', 'Figures']]) {
    assert.match(html, new RegExp(`<section id="${id}">\\n<h2>${title}</h2>`));
    assert.match(md, new RegExp(`^## ${title}$`, 'm'));
  }
  const files = readdirSync(join(out, 'figures'));
  assert.deepEqual(files.sort(), [`cell-${cellHash(zooCell('gru'))}.svg`, `cell-${cellHash(zooCell('tanh-rnn'))}.svg`, 'learning-curves.svg'].sort());
  for (const f of files) assertSvg(readFileSync(join(out, 'figures', f), 'utf8'), f);
  const inline = inlineSvgs(html);
  assert.equal(inline.length, 3);
  inline.forEach((s, i) => assertSvg(s, `inline ${i}`));

  // Every evaluation's row carries the database's numbers.
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = (await s.getExperiment('tiny'))!;
    const evals = await s.evaluations(e.id);
    assert.equal(evals.length, 4);
    for (const v of evals) {
      const m = v.metrics!;
      const cell = v.architecture === cellHash(zooCell('gru')) ? 'gru' : 'tanh-rnn';
      const row = `| ${cell} | memorize | ${trialOfKey(v.key)} | done | ${v.steps} | ${fmt(m.validLoss)} | ${fmt(m.validAccuracy)} | ${fmt(m.testLoss)} | ${fmt(m.testAccuracy)} | ${fmt(m.testPerplexity, 2)} | ${(v.wallMs! / 1000).toFixed(1)} |`;
      assert.ok(md.includes(row), `row ${row}`);
      assert.ok(html.includes(`<td>${cell}</td><td>memorize</td><td>${trialOfKey(v.key)}</td><td>done</td><td class="r">${v.steps}</td><td class="r">${fmt(m.validLoss)}</td>`), `HTML row of ${v.key}`);
    }
  } finally {
    await s.close();
  }
  // The equations of the cells as in the zoo.
  assert.ok(md.includes("  h' = tanh(linear(x, h))"), 'the tanh RNN in the notation');

  const bad = runCli(['report', '--db', db, '--name', 'nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no experiment named 'nope'.*it has: tiny/);
  const top = runCli(['report', '--db', db, '--top', '0']);
  assert.equal(top.status, 2);
  assert.match(top.stderr, /--top must be a whole number >= 1/);
});

test('cellsearch export: a hash from a study, a zoo key, a file; pytorch source that compiles', async () => {
  const dir = tempDir();
  const db = join(dir, 'search.sqlite');
  await writeSearchFixture(db);
  const s = openSqliteStorage(db, { readonly: true });
  let mutant: string;
  try {
    const e = (await s.getExperiment('search-fixture'))!;
    const hashes = [...new Set((await s.evaluations(e.id)).map((v) => v.architecture))];
    const archs = await Promise.all(hashes.map((h) => s.getArchitecture(h)));
    mutant = archs.find((a) => a?.origin.kind === 'mutant')!.hash;
  } finally {
    await s.close();
  }
  // In-process for the lookups (each CLI start costs a second or two of CPU)...
  const { resolveExportCell, exportCell } = await import('../commands/export.ts');
  const found = await resolveExportCell(mutant.slice(0, 8), db);
  assert.equal(cellHash(readNotation(await exportCell(found.cell, 'notation', found.provenance))), mutant, 'the exported notation is the architecture');
  assert.ok(JSON.parse(await exportCell(found.cell, 'json', found.provenance)).nodes.length > 0);
  const gru = await resolveExportCell('gru', undefined);
  assert.match(await exportCell(gru.cell, 'dot', gru.provenance), /^digraph "GRU" \{/);
  await assert.rejects(resolveExportCell('abcdef12', db), /no architecture with hash abcdef12\.\.\. in /);
  await assert.rejects(resolveExportCell('not-a-cell', undefined), /'not-a-cell' is not a zoo key, a cell file or an architecture hash/);
  // ...and the command itself for a file to a PyTorch module, and for an error's exit code.
  const file = join(dir, 'my.cell');
  writeFileSync(file, "cell Mine(x; h)\n  h' = tanh(linear(x, h))\n");
  const py = join(dir, 'mine.py');
  const torch = runCli(['export', file, '--format', 'pytorch', '--out', py]);
  assert.equal(torch.status, 0, torch.stderr);
  assert.match(readFileSync(py, 'utf8'), /^class MineCell\(nn\.Module\):/m);
  const compiled = spawnSync('python3', ['-m', 'py_compile', py], { encoding: 'utf8' });
  if (compiled.error === undefined) assert.equal(compiled.status, 0, compiled.stderr);

  const none = runCli(['export', 'abcdef12', '--db', db]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no architecture with hash abcdef12\.\.\. in /);
});
