// `cellsearch search --confirm` end to end, with real training (tiny, arithmetic only, 16
// evaluations, seed 1, where one mutant enters the list): after the budget the top architecture,
// the GRU and the LSTM are trained again on fresh seeds, and the printed confirmation table is
// confirmStats on the database's runs; the leaderboard ignores those runs; the report has the
// section; bad flags exit 2 and write nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { writeReport } from '../runs/report/index.ts';
import { confirmRunsOf, confirmStats, isConfirmationKey } from '../search/confirm.ts';
import { gruHash, leaderboard } from '../search/strategies/index.ts';
import { JozefowiczStateSchema } from '../search/strategies/jozefowicz.ts';

const NAME = 'c';
const TASKS = ['arithmetic'];
const ARGS = ['search', '--tasks', 'arithmetic', '--budget', '16', '--seed', '1', '--name', NAME, '--confirm', '1', '--confirm-seeds', '2'];

/** The printed confirmation rows: [search rank, short hash, seeds, ratio, interval low, high, p vs GRU, verdict]. */
function printedConfirmation(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => /^search rank\s+architecture\s+seeds\s+ratio to GRU/.test(l));
  assert.ok(head >= 0, stdout);
  const rows: string[][] = [];
  for (const l of lines.slice(head + 1)) {
    const m = /^\s*(\d+|-)\s+([0-9a-f]{8}) \S+\s+(\d+)\s+([\d.-]+)\s+\[([\d.-]+), ([\d.-]+)\]\s+.*?\s+([\d.]+|-)\s+(reference|better than the GRU|higher, not significant|not better)$/.exec(l);
    if (!m) break;
    rows.push(m.slice(1));
  }
  return rows;
}

test('search --confirm 1 --confirm-seeds 2: the top architecture, the GRU and the LSTM on 2 fresh seeds beyond the budget; the printed table is confirmStats of the stored runs', async () => {
  const db = join(tempDir(), 'c.sqlite');
  const r = runCli([...ARGS, '--db', db, '--workers', '2']);
  assert.equal(r.status, 0, r.stderr);

  const s = openSqliteStorage(db, { readonly: true });
  let evaluations, state;
  try {
    const e = (await s.getExperiment(NAME))!;
    assert.equal(e.status, 'done');
    evaluations = await s.evaluations(e.id);
    state = JozefowiczStateSchema.parse((await s.strategyState(e.id))!.state);
  } finally {
    await s.close();
  }
  const search = evaluations.filter((e) => !isConfirmationKey(e.key));
  const confirming = evaluations.filter((e) => isConfirmationKey(e.key));
  assert.equal(search.length, 16, 'the confirmation does not count against --budget');
  const board = leaderboard(search, TASKS, 'validAccuracy');
  const top = board.map((b) => b.architecture).filter((h) => state.list.some((a) => a.hash === h && a.origin.kind === 'mutant'));
  assert.ok(top.length >= 1, 'a mutant entered the list (the test needs one to confirm)');
  assert.deepEqual(state.confirmation?.architectures.length, 3);
  assert.equal(state.confirmation?.architectures[0], top[0]);
  assert.equal(confirming.length, 3 * TASKS.length * 2);
  for (const e of confirming) {
    assert.equal(e.hyperparameters.maxSteps, 300, 'full fidelity: the preset\'s steps');
    assert.equal(e.continues, null);
    assert.ok(!search.some((x) => x.seed === e.seed && x.architecture === e.architecture), 'a fresh seed');
  }
  // The printed leaderboard is the search's alone.
  assert.deepEqual(
    [...r.stdout.split('Confirmation on fresh seeds:')[0].matchAll(/^\s+\d+\s+([0-9a-f]{8}) \S+\s+([\d.]+)/gm)].map((m) => [m[1], Number(m[2])]),
    board.map((b) => [b.architecture.slice(0, 8), Number(b.score.toFixed(3))]),
  );
  // The printed confirmation is confirmStats of the stored runs.
  const stats = confirmStats(confirmRunsOf(evaluations, TASKS, 'validAccuracy'), { gru: gruHash(), tasks: TASKS });
  assert.deepEqual(
    printedConfirmation(r.stdout),
    stats.map((c) => [
      String(board.findIndex((b) => b.architecture === c.architecture) + 1),
      c.architecture.slice(0, 8),
      String(c.seeds),
      c.ratio.toFixed(3),
      c.ci![0].toFixed(3),
      c.ci![1].toFixed(3),
      c.p === null ? '-' : c.p.toFixed(3),
      c.architecture === gruHash() ? 'reference' : c.better ? 'better than the GRU' : c.tasks.every((t) => t.mean > t.gruMean) ? 'higher, not significant' : 'not better',
    ]),
  );
  assert.equal(stats.length, 3);

  const out = join(tempDir(), 'report');
  const rep = await writeReport({ db, out });
  assert.ok(existsSync(rep.html));
  const md = readFileSync(rep.markdown, 'utf8');
  assert.match(md, /^## Confirmation$/m);
  assert.match(md, /Only an architecture with a higher mean on every task and p vs GRU \\?< 0\.05 is called better than the GRU/);
  assert.match(readFileSync(rep.html, 'utf8'), /Confirmation/);
  assert.deepEqual(rep.analysis!.confirmation, stats);
  assert.match(md, /16 of 16 evaluations; 6 of 6 confirmation runs finished \(beyond the budget\)/);
});

test('search: bad --confirm flags exit 2 naming the flag, and write nothing', () => {
  const dir = tempDir();
  for (const [flags, named] of [
    [['--confirm', '-1'], /--confirm\b/],
    [['--confirm', '1.5'], /--confirm\b/],
    [['--confirm-seeds', '1'], /--confirm-seeds/],
    [['--strategy', 'aging', '--confirm', '1'], /--confirm.*jozefowicz/],
  ] as const) {
    const db = join(dir, `${flags.join('')}.sqlite`);
    const r = runCli(['search', '--tasks', 'arithmetic', ...flags, '--db', db]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, named);
    assert.ok(!existsSync(db), `${flags.join(' ')} wrote ${db}`);
  }
});
