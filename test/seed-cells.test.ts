// `search --seed-cells` through the real CLI: a NAS-Bench-NLP recipes file's cells are trained in
// generation 0 beside the GRU and the LSTM (their GRU recipe once, with a note), the cells are
// stored in the config, the same command resumes, and another list (or none) is refused with the
// difference, the study untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { cellHash } from '../cells/canonical.ts';
import { parseRecipe, recipeToCell } from '../cells/nas-bench-nlp.ts';
import { ZOO } from '../cells/zoo/index.ts';

const LEAKY = {
  a: { op: 'linear', input: ['x', 'h_prev_0'] },
  a_act: { op: 'activation_leaky_relu', input: ['a'] },
  g: { op: 'linear', input: ['x', 'h_prev_0'] },
  g_act: { op: 'activation_sigm', input: ['g'] },
  h_new_0: { op: 'blend', input: ['g_act', 'h_prev_0', 'a_act'] },
};
const GRU = {
  r: { op: 'linear', input: ['x', 'h_prev_0'] },
  r_act: { op: 'activation_sigm', input: ['r'] },
  z: { op: 'linear', input: ['x', 'h_prev_0'] },
  z_act: { op: 'activation_sigm', input: ['z'] },
  rh: { op: 'elementwise_prod', input: ['r_act', 'h_prev_0'] },
  h_tilde: { op: 'linear', input: ['x', 'rh'] },
  h_tilde_act: { op: 'activation_tanh', input: ['h_tilde'] },
  h_new_0: { op: 'blend', input: ['z_act', 'h_prev_0', 'h_tilde_act'] },
};

async function study(db: string) {
  const s = openSqliteStorage(db, { readonly: true });
  try {
    const e = (await s.getExperiment('seeded'))!;
    return { config: e.config, evaluations: (await s.evaluations(e.id)).map((v) => ({ key: v.key, architecture: v.architecture, generation: v.generation, status: v.status, metrics: v.metrics })) };
  } finally {
    await s.close();
  }
}

test('search --seed-cells trains a recipes file\'s cells in generation 0, resumes with the same flags and refuses others', async () => {
  const dir = tempDir();
  const recipes = join(dir, 'recipes.json');
  writeFileSync(recipes, JSON.stringify([LEAKY, GRU]));
  const db = join(dir, 's.sqlite');
  // Generation 0 only: the GRU, the LSTM and the leaky cell, one setting each on arithmetic.
  const args = ['search', '--strategy', 'random', '--tasks', 'arithmetic', '--k', '1', '--budget', '3', '--steps', '10', '--name', 'seeded', '--db', db];
  const a = runCli([...args, '--seed-cells', recipes]);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stderr, /note: --seed-cells: .*recipes\.json#1 is the same architecture as gru/);
  const leaky = cellHash(recipeToCell(parseRecipe(LEAKY, 'test')));
  const first = await study(db);
  assert.deepEqual(first.evaluations.map((e) => [e.architecture, e.generation, e.status]), [
    [cellHash(ZOO.gru), 0, 'done'],
    [cellHash(ZOO.lstm), 0, 'done'],
    [leaky, 0, 'done'],
  ]);
  const stored = first.config.seedCells as { hash: string; origin: { kind: string; path: string } }[];
  assert.deepEqual(stored.map((c) => [c.hash, c.origin]), [[leaky, { kind: 'file', path: `${recipes}#0` }]]);
  assert.match(a.stdout, new RegExp(leaky.slice(0, 8)), 'the leaderboard shows the seed cell');

  // The same command again: the study is finished and stays as it is.
  const again = runCli([...args, '--seed-cells', recipes]);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(await study(db), first);

  // Another list, or none: refused with the difference, nothing changed.
  const other = join(dir, 'other.cell');
  writeFileSync(other, 'cell Other(x; h)\n  h\' = tanh(linear(x, h))\n');
  for (const extra of [['--seed-cells', other], []]) {
    const r = runCli([...args, ...extra]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /different configuration[\s\S]*seedCells/);
    assert.deepEqual(await study(db), first);
  }
});
