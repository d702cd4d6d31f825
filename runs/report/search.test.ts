// The report of a real search: the jozefowicz strategy (search/strategies) run through the runs
// layer (the study driver, the training worker, the in-memory backend) with a shrunk tiny fidelity
// (20 steps per training, small validation sets, filters that let mutants through), so that real
// mutants with real lineages and real learning curves reach the report in a few seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers.ts';
import { createStrategy, leaderboard } from '../../search/strategies/index.ts';
import { fidelity, type Fidelity } from '../../search/space.ts';
import { getTask } from '../../tasks/registry.ts';
import { MemoryDatabase, memoryStorage } from '../memory-storage.ts';
import { JobPool } from '../pool.ts';
import type { JsonObject } from '../storage.ts';
import { runStudy } from '../study.ts';
import { presetTaskOptions } from '../train.ts';
import { writeStudyReport } from './index.ts';
import { assertSvg, inlineSvgs } from './testing.ts';

test('a real tiny jozefowicz search: report sections, SVG, lineage of real mutants, scores as the strategy ranks them', async () => {
  const tiny = fidelity('tiny');
  const fid: Fidelity = {
    ...tiny,
    train: { ...tiny.train, maxSteps: 20, evalEvery: 10, validBatches: 1 },
    tasks: {
      memorize: { ...tiny.tasks.memorize, validSize: 40, testSize: 40 },
      arithmetic: { ...tiny.tasks.arithmetic, validSize: 40, testSize: 40 },
      xml: { ...tiny.tasks.xml, validSize: 40, testSize: 40 },
    },
    search: { ...tiny.search, memorizeThreshold: 0, gruFraction: 0, reevaluateProbability: 0 },
  };
  const tasks = ['arithmetic', 'xml'];
  const vocab = Object.fromEntries(['memorize', ...tasks].map((t) => [t, getTask(t, presetTaskOptions(t, fid, undefined)).vocab.length]));
  const config = { tasks, vocab, fidelity: fid, evaluations: 16, generationSize: 2, memorize: true, metric: 'validAccuracy' };
  const dir = tempDir();
  const db = new MemoryDatabase();
  const writer = memoryStorage(db);
  const pool = new JobPool({ workers: 1 });
  try {
    const out = await runStudy({
      storage: writer,
      spec: { name: 'real', kind: 'search', seed: 5, config: { strategy: 'jozefowicz', ...config } as unknown as JsonObject },
      strategy: createStrategy('jozefowicz', config),
      pool,
      maxAttempts: 1,
    });
    assert.equal(out.status, 'done');
  } finally {
    await pool.destroy();
    await writer.close();
  }

  const storage = memoryStorage(db, { readonly: true });
  const r = await writeStudyReport(storage, { out: join(dir, 'report') });
  const md = readFileSync(r.markdown, 'utf8');
  const html = readFileSync(r.html, 'utf8');
  for (const title of ['Summary', 'Leaderboard', 'Figures', 'Best hyperparameters per task']) assert.match(md, new RegExp(`^## ${title}$`, 'm'));
  assert.match(md, /^## (Top \d architectures|The top architecture)$/m);
  for (const f of r.assets) assertSvg(readFileSync(f, 'utf8'), f);
  inlineSvgs(html).forEach((s, i) => assertSvg(s, `inline ${i}`));
  assert.equal(inlineSvgs(html).length, r.assets.length);

  try {
    const e = (await storage.getExperiment('real'))!;
    const evaluations = await storage.evaluations(e.id);
    const theirs = leaderboard(evaluations, tasks, 'validAccuracy');
    assert.deepEqual(
      r.analysis!.archs.filter((s) => s.score !== null).map((s) => [s.hash, s.score]),
      theirs.map((x) => [x.architecture, x.score]),
      'the report ranks as the strategy does',
    );
    const state = (await storage.strategyState(e.id))!.state as { funnel: { proposed: number; passedMemorize: number; enteredList: number } };
    assert.equal(r.analysis!.funnel.source, 'strategy');
    assert.deepEqual(r.analysis!.funnel.stages[0], ['proposed', state.funnel.proposed]);
    assert.ok(state.funnel.proposed >= 1, 'the search proposed mutants');
    // Every mutant's lineage goes back to the zoo; the report names its mutations.
    const mutants = [];
    for (const h of new Set(evaluations.map((v) => v.architecture))) {
      const a = (await storage.getArchitecture(h))!;
      if (a.origin.kind === 'mutant') mutants.push(a);
    }
    assert.ok(mutants.length >= 1);
    const shown = r.analysis!.top.filter((s) => s.reference === undefined);
    assert.ok(shown.length >= 1, `a scored mutant among the top architectures (${r.analysis!.top.map((s) => s.name).join(", ")})`);
    for (const s of shown) assert.match(md, new RegExp(`- ${s.hash.slice(0, 8)} ${s.name.replace('+', '\\+')}: `), `lineage line of ${s.name}`);
  } finally {
    await storage.close();
  }
});
