// Studies for the dashboard's tests and benchmark, written through the Storage interface with
// real architectures (zoo cells and real mutants) and drawn, not trained, results:
// - `recordHostileGeneration`: one more generation of a search whose new architecture carries
//   hostile strings (a file origin and notation holding HTML), scoring above everything else so
//   that it lands at the top of the leaderboard and among the top learning curves;
// - `writeAblationFixture`: a small ablation study (two Greff variants, one task) with results;
// - `writeLargeSearch`: a search of N evaluations over M architectures (the benchmark's 10,000
//   and 1,000), each with a learning curve;
// - `slowTrainingStudy`: a `train` study for the real driver on the fixture worker whose steps take
//   a set time, so a page watches its curves grow.
import seedrandom from 'seedrandom';
import { canonicalJson, cellHash } from '../../cells/canonical.ts';
import type { Cell } from '../../cells/graph.ts';
import { parseCell } from '../../cells/validate.ts';
import { zooCell } from '../../cells/zoo/index.ts';
import { mutate } from '../../search/mutate.ts';
import { ablateStudy } from '../ablate.ts';
import { evaluationKey } from '../seeds.ts';
import type { Architecture, Json, JsonObject, NewEvaluation, Storage } from '../storage.ts';
import { fixedListStrategy, type Strategy } from '../strategy.ts';
import type { StudySpec } from '../study.ts';

/** What a hostile study shows: a cell name and notation that are HTML if a page fails to escape them. */
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
export const HOSTILE_NOTATION = `# <script>alert(2)</script>\ncell "${HOSTILE_NAME}"(x; h)\n  h' = tanh(linear(x, h))\n`;

const SETTING: JsonObject = { space: 'jozefowicz', hidden: 16, layers: 1, initScale: 1, optimizer: 'sgd', learningRate: 1, momentum: 0, clip: 5, inputNoise: 0, batch: 20, unroll: 35 };

function archOf(cell: Cell, origin: Architecture['origin'], notation: string | null = null): Architecture {
  return { hash: cellHash(cell), cell: JSON.parse(canonicalJson(cell)) as JsonObject, notation, origin };
}

function curveOf(acc: number, points: number) {
  return Array.from({ length: points }, (_, k) => ({ step: 10 * (k + 1), trainLoss: 3 - (k + 1) * (2 / points) * acc, validLoss: 3.1 - (k + 1) * (2 / points) * acc, validAccuracy: acc * (0.4 + (0.6 * (k + 1)) / points), lr: 1 }));
}

function metricsOf(acc: number, loss: number) {
  return { validLoss: loss, validAccuracy: acc, validPerplexity: Math.exp(loss), testLoss: loss + 0.02, testAccuracy: acc - 0.01, testPerplexity: Math.exp(loss + 0.02), bestStep: 40, finalLr: 1 };
}

/** Records then runs one evaluation: queued -> running -> done, as the driver does. */
async function finish(storage: Storage, id: number, acc: number, points = 4): Promise<void> {
  await storage.markRunning(id);
  const curve = curveOf(acc, points);
  await storage.recordResult(id, { status: 'done', metrics: metricsOf(acc, curve[curve.length - 1].validLoss), steps: 10 * points, wallMs: 1200, curve });
}

/**
 * Appends a generation to the search `name`: a new architecture (a tanh RNN, recorded as read
 * from a file whose name is hostile, with hostile notation) evaluated on memorize and the two
 * fixture tasks with accuracies above any other, and its results. Returns its hash.
 */
export async function recordHostileGeneration(storage: Storage, name: string): Promise<string> {
  const experiment = await storage.getExperiment(name);
  if (!experiment) throw new Error(`no experiment '${name}'`);
  const state = await storage.strategyState(experiment.id);
  const arch = archOf(zooCell('tanh-rnn'), { kind: 'file', path: `/tmp/${HOSTILE_NAME}.cell` }, HOSTILE_NOTATION);
  const evaluations: NewEvaluation[] = ['memorize', 'arithmetic', 'xml'].map((task, i) => ({
    key: evaluationKey({ architecture: arch.hash, task, trial: 0 }),
    ordinal: i,
    architecture: arch.hash,
    task,
    taskOptions: {},
    hyperparameters: SETTING,
    seed: 777 + i,
  }));
  await storage.setExperimentStatus(experiment.id, 'running');
  const recorded = await storage.recordGeneration(experiment.id, { generation: state?.generations ?? 0, architectures: [arch], evaluations, state: (state?.state ?? {}) as Json, finished: true });
  for (const e of recorded) await finish(storage, e.id, 0.99, 6);
  return arch.hash;
}

/** A small ablation study: greff-vanilla against greff-noaf on arithmetic, `trials` paired trials, results drawn. */
export async function writeAblationFixture(storage: Storage, opts: { name?: string; trials?: number; seed?: number } = {}): Promise<void> {
  const s = ablateStudy({
    cells: ['greff-vanilla', 'greff-noaf'].map((ref) => ({ ref, cell: zooCell(ref) })),
    cellsLabel: 'fixture',
    baseline: 'greff-vanilla',
    tasks: ['arithmetic'],
    trials: opts.trials ?? 12,
    space: 'greff',
    scale: 'tiny',
    metric: 'loss',
    seed: opts.seed ?? 3,
    name: opts.name ?? 'ablate-fixture',
  });
  const rng = seedrandom(`dashboard-ablation:${opts.seed ?? 3}`);
  const experiment = await storage.createExperiment(s.spec);
  await storage.logEvent(experiment.id, 'start', { workers: 1 });
  const archs = [...new Map(s.proposals.map((p) => [p.architecture.hash, p.architecture])).values()];
  const evaluations: NewEvaluation[] = s.proposals.map((p, i) => ({
    key: evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial }),
    ordinal: i,
    architecture: p.architecture.hash,
    task: p.task,
    taskOptions: p.taskOptions,
    hyperparameters: p.hyperparameters,
    seed: 100 + i,
  }));
  const recorded = await storage.recordGeneration(experiment.id, { generation: 0, architectures: archs, evaluations, state: {}, finished: true });
  const worse = s.config.cells[1].hash;
  for (const e of recorded) {
    await storage.markRunning(e.id);
    const loss = 1.5 + rng() * 0.6 + (e.architecture === worse ? 0.4 : 0);
    const acc = Math.max(0.05, 0.9 - loss / 4);
    await storage.recordResult(e.id, { status: 'done', metrics: metricsOf(acc, loss), steps: 40, wallMs: 900, curve: curveOf(acc, 4) });
  }
  await storage.logEvent(experiment.id, 'finished', {});
  await storage.setExperimentStatus(experiment.id, 'done');
}

export interface LargeSearchOptions {
  name?: string;
  evaluations: number;
  architectures: number;
  /** Curve points per evaluation. */
  points?: number;
  /** Evaluations per generation (one write transaction each). */
  perGeneration?: number;
  seed?: number;
}

/**
 * A search of `evaluations` finished evaluations over `architectures` architectures (the three
 * reference cells and mutants of mutants), settings spread over memorize, arithmetic and xml:
 * the shape of a long jozefowicz search, for the dashboard benchmark.
 */
export async function writeLargeSearch(storage: Storage, o: LargeSearchOptions): Promise<void> {
  const rng = seedrandom(`dashboard-large:${o.seed ?? 1}`);
  const experiment = await storage.createExperiment({
    name: o.name ?? 'search-large',
    kind: 'search',
    config: { strategy: 'jozefowicz', tasks: ['arithmetic', 'xml'], metric: 'validAccuracy', evaluations: o.evaluations, memorize: true, scale: 'tiny' },
    seed: o.seed ?? 1,
  });
  await storage.logEvent(experiment.id, 'start', { workers: 2 });
  const pool: { arch: Architecture; cell: Cell; quality: number }[] = ['gru', 'lstm', 'lstm-b'].map((k, i) => {
    const cell = zooCell(k);
    return { cell, arch: archOf(cell, { kind: 'zoo', name: k }), quality: [0.8, 0.78, 0.79][i] };
  });
  const seen = new Set(pool.map((p) => p.arch.hash));
  while (pool.length < o.architectures) {
    const parent = pool[Math.floor(rng() * pool.length)];
    const m = mutate(parent.cell, rng);
    if (seen.has(m.hash)) continue;
    seen.add(m.hash);
    const cell = parseCell(JSON.parse(canonicalJson(m.cell)));
    pool.push({ cell, arch: archOf(cell, { kind: 'mutant', parent: parent.arch.hash, mutations: m.ops as unknown as Json[] }), quality: parent.quality + (rng() - 0.5) * 0.1 });
  }
  const perGeneration = o.perGeneration ?? 100;
  const trials = new Map<string, number>();
  const introduced = new Set<string>();
  let generation = 0;
  for (let done = 0; done < o.evaluations; generation++) {
    const n = Math.min(perGeneration, o.evaluations - done);
    const archs: Architecture[] = [];
    const evaluations: NewEvaluation[] = [];
    for (let i = 0; i < n; i++) {
      // Every architecture appears once before any repeats; the references get the most settings.
      const idx = done + i < pool.length ? done + i : rng() < 0.3 ? Math.floor(rng() * 3) : Math.floor(rng() * pool.length);
      const p = pool[idx];
      const task = ['memorize', 'arithmetic', 'xml'][(done + i) % 3];
      const id = `${p.arch.hash}/${task}`;
      const trial = trials.get(id) ?? 0;
      trials.set(id, trial + 1);
      if (!introduced.has(p.arch.hash)) {
        introduced.add(p.arch.hash);
        archs.push(p.arch);
      }
      evaluations.push({ key: evaluationKey({ architecture: p.arch.hash, task, trial }), ordinal: i, architecture: p.arch.hash, task, taskOptions: {}, hyperparameters: { ...SETTING, learningRate: [0.2, 0.5, 1][trial % 3] }, seed: done + i });
    }
    // Parents before children: a generation records an architecture whose parent is already recorded or in it.
    archs.sort((a, b) => pool.findIndex((p) => p.arch.hash === a.hash) - pool.findIndex((p) => p.arch.hash === b.hash));
    const recorded = await storage.recordGeneration(experiment.id, { generation, architectures: archs, evaluations, state: {}, finished: done + n >= o.evaluations });
    for (const e of recorded) {
      const q = pool.find((p) => p.arch.hash === e.architecture)!.quality;
      await finish(storage, e.id, Math.min(0.999, Math.max(0.01, q + (rng() - 0.5) * 0.1)), o.points ?? 8);
    }
    done += n;
  }
  await storage.logEvent(experiment.id, 'finished', {});
  await storage.setExperimentStatus(experiment.id, 'done');
}

/**
 * A `train` study of the GRU and the LSTM on the fixture worker (runs/fixtures/fixture-worker.ts):
 * `steps` steps of `stepMs` each, every point named as the training worker names its points, so
 * the report's learning-curve figure draws them; `maxSteps` says how far each goes.
 */
export function slowTrainingStudy(name: string, steps: number, stepMs: number): { spec: StudySpec; strategy: Strategy } {
  const hyperparameters: JsonObject = { steps, stepMs, named: true, maxSteps: steps };
  const proposals = (['gru', 'lstm'] as const).map((key) => ({ architecture: archOf(zooCell(key), { kind: 'zoo', name: key }), task: 'memorize', taskOptions: {}, hyperparameters, trial: 0 }));
  return { spec: { name, kind: 'train', seed: 1, config: { steps, stepMs } }, strategy: fixedListStrategy(proposals) };
}
