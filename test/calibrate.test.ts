// `cellsearch calibrate` end to end: a tiny calibration (3 reference cells, 3 settings of the tiny
// preset's grid) prints per-cell pass counts that equal the memorization rule applied to the
// database's numbers, draws its settings from the preset's grid, and refuses bad flags before
// writing anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { memorizationPasses } from '../search/calibration.ts';
import { fidelity } from '../search/space.ts';
import { trialOfKey } from '../runs/seeds.ts';

test('calibrate: pass counts per cell are the memorization rule applied to the stored runs', async () => {
  const db = join(tempDir(), 'cal.sqlite');
  const r = runCli(['calibrate', '--trials', '3', '--scale', 'tiny', '--db', db, '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  const fid = fidelity('tiny');
  const rule = { threshold: fid.search.memorizeThreshold, gruFraction: fid.search.memorizeFraction, floor: 2 / fid.tasks.memorize.symbols };
  assert.match(r.stdout, /memorization stage at scale 'tiny'/);

  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = await s.getExperiment('calibrate-tiny');
    assert.ok(e);
    assert.equal(e.kind, 'ablate');
    const evals = await s.evaluations(e.id);
    assert.equal(evals.length, 9);
    const names = new Map<string, string>();
    for (const v of evals) {
      const a = await s.getArchitecture(v.architecture);
      assert.ok(a && a.origin.kind === 'zoo');
      names.set(v.architecture, a.origin.name);
      assert.equal(v.task, 'memorize');
      // Every setting comes from the preset's (narrowed) grid.
      const hp = v.hyperparameters as Record<string, number>;
      assert.ok(fid.grid.learningRate.includes(hp.learningRate), `learning rate ${hp.learningRate}`);
      assert.ok(fid.grid.layers.includes(hp.layers), `layers ${hp.layers}`);
      assert.ok(fid.grid.initScale.includes(hp.initScale), `init ${hp.initScale}`);
    }
    const acc = (v: (typeof evals)[number]) => (v.status === 'done' ? (v.metrics?.validAccuracy ?? null) : null);
    const gru = new Map(evals.filter((v) => names.get(v.architecture) === 'gru').map((v) => [trialOfKey(v.key), acc(v)]));
    for (const cell of ['gru', 'lstm', 'tanh-rnn']) {
      const mine = evals.filter((v) => names.get(v.architecture) === cell);
      const passed = mine.filter((v) => memorizationPasses(acc(v), gru.get(trialOfKey(v.key)), rule)).length;
      assert.match(r.stdout, new RegExp(`^${cell}\\s+3\\s+${passed}\\s`, 'm'), `${cell}: ${passed} of 3 pass\n${r.stdout}`);
    }
  } finally {
    await s.close();
  }
  assert.match(r.stdout, /learningRate: /);
});

test('calibrate: bad flags exit 2 naming the flag and write no database', () => {
  const dir = tempDir();
  for (const [args, message] of [
    [['--trials', '0'], /--trials must be a whole number >= 1/],
    [['--cells', 'lstm,tanh-rnn'], /needs the GRU/],
    [['--max-attempts', '0'], /--max-attempts/],
  ] as const) {
    const db = join(dir, `${args[0].slice(2)}.sqlite`);
    const r = runCli(['calibrate', ...args, '--db', db]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(existsSync(db), false, `${args.join(' ')} wrote ${db}`);
  }
});
