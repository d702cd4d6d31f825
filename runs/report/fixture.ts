// A search-study database for report tests and `npm run check:report`, written through the Storage
// interface (a SQLite file, or the in-memory backend for fast tests) with real architectures: the
// GRU, the LSTM and LSTM-b from the zoo and two generations of real mutants (search/mutate.ts, so
// their origins carry real mutation records). Only the metrics and learning curves are drawn from a
// seeded generator instead of being trained, so it takes milliseconds. It has the shape the
// jozefowicz strategy writes: kind 'search', config { tasks, metric, evaluations, memorize,
// strategy }, a memorize filter stage, several settings per task, and a strategy state with its
// funnel and list.
import seedrandom from 'seedrandom';
import { canonicalJson, cellHash } from '../../cells/canonical.ts';
import type { Cell } from '../../cells/graph.ts';
import { parseCell } from '../../cells/validate.ts';
import { zooCell } from '../../cells/zoo/index.ts';
import { mutate } from '../../search/mutate.ts';
import { evaluationKey } from '../seeds.ts';
import { openStorage } from '../open-storage.ts';
import type { Architecture, Json, JsonObject, NewEvaluation, Storage } from '../storage.ts';

export const FIXTURE_TASKS = ['arithmetic', 'xml'] as const;

function zooArch(key: string): { arch: Architecture; cell: Cell } {
  const cell = zooCell(key);
  return { cell, arch: { hash: cellHash(cell), cell: JSON.parse(canonicalJson(cell)) as JsonObject, notation: null, origin: { kind: 'zoo', name: key } } };
}

export interface SearchFixtureOptions {
  name?: string;
  seed?: number;
  /** Leave the last generation's evaluations queued and the experiment running, like a study still in progress. */
  running?: boolean;
}

/** Writes the study into the database at `path` (created). */
export async function writeSearchFixture(path: string, opts: SearchFixtureOptions = {}): Promise<void> {
  const storage = await openStorage(path);
  try {
    await writeSearchStudy(storage, opts);
  } finally {
    await storage.close();
  }
}

/** Writes the study `name` (default 'search-fixture') through `storage`. */
export async function writeSearchStudy(storage: Storage, opts: SearchFixtureOptions = {}): Promise<void> {
  const rng = seedrandom(`report-fixture:${opts.seed ?? 1}`);
  const experiment = await storage.createExperiment({
    name: opts.name ?? 'search-fixture',
    kind: 'search',
    config: { strategy: 'jozefowicz', tasks: [...FIXTURE_TASKS], metric: 'validAccuracy', evaluations: 120, memorize: true, scale: 'tiny' },
    seed: opts.seed ?? 1,
  });
  await storage.logEvent(experiment.id, 'start', { workers: 1 });
  // Quality of each architecture: accuracies scatter around it.
  const quality = new Map<string, number>();
  const settingsOf = (i: number): JsonObject => ({ space: 'jozefowicz', hidden: 16 + (i % 3) * 4, layers: 1 + (i % 2), initScale: [0.3, 1, 2][i % 3], optimizer: 'sgd', learningRate: [0.2, 0.5, 1][(i * 7) % 3], momentum: 0, clip: 5, inputNoise: 0, batch: 20, unroll: 35 });
  let funnel = { proposed: 0, passedMemorize: 0, passedTask: { arithmetic: 0, xml: 0 } as Record<string, number>, enteredList: 0 };
  const list: string[] = [];
  const generations: { archs: { arch: Architecture; cell: Cell }[]; tasks: string[] }[] = [];
  const seeds = ['gru', 'lstm', 'lstm-b'].map(zooArch);
  seeds.forEach((s, i) => quality.set(s.arch.hash, [0.8, 0.78, 0.79][i]));
  generations.push({ archs: seeds, tasks: [...FIXTURE_TASKS] });
  // Two generations of mutants: of the zoo cells, then of the first generation.
  let parents = seeds;
  for (let g = 0; g < 2; g++) {
    const children: { arch: Architecture; cell: Cell }[] = [];
    for (let i = 0; i < 4; i++) {
      const parent = parents[i % parents.length];
      const m = mutate(parent.cell, rng);
      if (quality.has(m.hash) || children.some((c) => c.arch.hash === m.hash)) continue;
      const cell = parseCell(JSON.parse(canonicalJson(m.cell)));
      children.push({ cell, arch: { hash: m.hash, cell: JSON.parse(canonicalJson(m.cell)) as JsonObject, notation: null, origin: { kind: 'mutant', parent: parent.arch.hash, mutations: m.ops as unknown as Json[] } } });
      quality.set(m.hash, (quality.get(parent.arch.hash) ?? 0.7) + (rng() - 0.45) * 0.12);
    }
    funnel = { ...funnel, proposed: funnel.proposed + children.length };
    generations.push({ archs: children, tasks: ['memorize', ...FIXTURE_TASKS] });
    parents = children;
  }
  for (const [g, gen] of generations.entries()) {
    const evaluations: NewEvaluation[] = [];
    for (const { arch } of gen.archs) {
      for (const task of gen.tasks) {
        for (let trial = 0; trial < 3; trial++) {
          const key = evaluationKey({ architecture: arch.hash, task, trial });
          evaluations.push({ key, ordinal: evaluations.length, architecture: arch.hash, task, taskOptions: {}, hyperparameters: settingsOf(trial + g), seed: 1000 * g + evaluations.length });
        }
      }
      if (g > 0) {
        funnel.passedMemorize++;
        for (const t of FIXTURE_TASKS) funnel.passedTask[t]++;
        funnel.enteredList++;
      }
      list.push(arch.hash);
    }
    const last = g === generations.length - 1;
    const recorded = await storage.recordGeneration(experiment.id, {
      generation: g,
      architectures: gen.archs.map((a) => a.arch),
      evaluations,
      state: { funnel, list: [...list], started: true } as unknown as Json,
      finished: last,
    });
    if (last && opts.running) continue;
    for (const e of recorded) {
      await storage.markRunning(e.id);
      const q = quality.get(e.architecture)! * (e.task === 'memorize' ? 1.2 : e.task === 'xml' ? 0.9 : 1);
      if (rng() < 0.06) {
        await storage.recordResult(e.id, { status: 'diverged', metrics: { validLoss: null, validAccuracy: null, testAccuracy: null }, steps: 40, wallMs: 900, curve: [] });
        continue;
      }
      const acc = Math.min(0.999, Math.max(0.01, q + (rng() - 0.5) * 0.1));
      const curve = [10, 20, 30, 40].map((step, k) => ({ step, trainLoss: 3 - (k + 1) * 0.4 * acc, validLoss: 3.1 - (k + 1) * 0.4 * acc, validAccuracy: acc * (0.55 + 0.15 * k), lr: 1 }));
      await storage.recordResult(e.id, {
        status: 'done',
        metrics: { validLoss: curve[3].validLoss, validAccuracy: acc, validPerplexity: Math.exp(curve[3].validLoss), testLoss: curve[3].validLoss + 0.02, testAccuracy: acc - 0.01, testPerplexity: Math.exp(curve[3].validLoss + 0.02), bestStep: 40, finalLr: 1 },
        steps: 40,
        wallMs: 1000 + Math.round(rng() * 500),
        curve,
      });
    }
  }
  if (!opts.running) {
    await storage.logEvent(experiment.id, 'finished', {});
    await storage.setExperimentStatus(experiment.id, 'done');
  }
}
