// The study driver: runs an experiment to completion through the worker pool.
//
// The coordinator (this code, in the main thread) owns the database's only read-write
// connection. It asks the strategy for a generation of evaluations, records them together with
// the strategy's new state, hands them to the pool (at most one per thread), records each result
// or failure as it arrives, and asks for the next generation only when the current one has
// finished. Because of that barrier, and because seeds derive from evaluation identities, the
// results do not depend on the number of workers, on arrival order, or on interruptions.
//
// Resume: re-running the same study on the same database continues it. Evaluations left
// `running` by a process that died go back to the queue; finished ones are kept; the strategy's
// state comes from the database.
//
// Checkpoints (successive halving): an evaluation that continues an earlier one trains on from
// that one's stored end checkpoint, with its seed, so the chain equals one uninterrupted run; an
// evaluation that keeps its checkpoint has it stored with its result. Both are proposals of a
// later generation than the evaluation they read, so the determinism rule holds unchanged.
import { UserError } from '../errors.ts';
import { packageVersion } from '../package-files.ts';
import { StrategyStateError, type Json } from '../search/contract.ts';
import { formatDifferences, jsonDifferences } from './config-diff.ts';
import { jobOf, resultOf, type Progress } from './job.ts';
import { inSlots, pause } from './slots.ts';
import type { JobPool } from './pool.ts';
import { deriveSeed, evaluationKey } from './seeds.ts';
import {
  EVALUATION_STATUSES,
  type Architecture,
  type Evaluation,
  type EvaluationStatus,
  type Experiment,
  type JsonObject,
  type NewEvaluation,
  type Storage,
} from './storage.ts';
import type { Proposal, ProposeResult, Strategy } from './strategy.ts';
import { runLeasedJob } from './leased-job.ts';
import { curveFeed } from './curve-feed.ts';
import type { LeaseTimes, WorkQueue } from './queue.ts';

export interface StudySpec {
  name: string;
  kind: string;
  /** Every setting that defines the study, defaults resolved. */
  config: JsonObject;
  seed: number;
}

export type StudyEvent =
  | { type: 'opened'; experiment: Experiment; created: boolean; requeued: number; counts: StatusCounts }
  | { type: 'generation'; generation: number; evaluations: number; finished: boolean }
  | { type: 'start'; evaluation: Evaluation }
  | { type: 'progress'; evaluation: Evaluation; point: Progress }
  | { type: 'finish'; evaluation: Evaluation }
  | { type: 'failure'; evaluation: Evaluation; error: string; then: 'queued' | 'failed' }
  | { type: 'stopping'; running: number }
  | { type: 'aborting'; running: number };

export interface StudyOptions {
  storage: Storage;
  spec: StudySpec;
  strategy: Strategy;
  pool: JobPool;
  /** Attempts per evaluation before it is recorded as failed (>= 1). */
  maxAttempts: number;
  /** Graceful stop: no new jobs; running ones finish. */
  stop?: AbortSignal;
  /** Hard stop: running jobs are terminated and put back in the queue. */
  abort?: AbortSignal;
  onEvent?: (e: StudyEvent) => void;
  /**
   * A database shared with workers on other machines (runs/queue.ts): the driver's threads (none
   * with `pool.workers` 0) claim evaluations from the queue as the workers do, and the driver
   * proposes the next generation only when every evaluation of the current one has finished,
   * wherever it ran; meanwhile it re-queues evaluations whose lease expired every `pollMs`.
   */
  shared?: SharedQueue;
}

export interface SharedQueue {
  queue: WorkQueue;
  /** This process as the owner of its leases: host:pid. */
  owner: string;
  lease: LeaseTimes;
  pollMs: number;
  /** A lease renewal that failed (it is tried again). */
  onWarning?: (message: string) => void;
}

export type StatusCounts = Record<EvaluationStatus, number>;

export interface StudyOutcome {
  experiment: Experiment;
  status: 'done' | 'interrupted';
  counts: StatusCounts;
  evaluations: Evaluation[];
}

/** The strategy's seed, kept apart from evaluation seeds by its own identity. */
export function strategySeed(experimentSeed: number): number {
  return deriveSeed(experimentSeed, 'strategy');
}

/**
 * Finds the experiment named in `spec`, or creates it. An existing experiment with a different
 * kind, seed or configuration is refused with the differences; nothing is written then.
 */
export async function openExperiment(storage: Storage, spec: StudySpec): Promise<{ experiment: Experiment; created: boolean }> {
  const existing = await storage.getExperiment(spec.name);
  if (!existing) return { experiment: await storage.createExperiment(spec), created: true };
  const diffs = jsonDifferences(
    { kind: existing.kind, seed: existing.seed, config: existing.config },
    { kind: spec.kind, seed: spec.seed, config: spec.config },
  );
  if (diffs.length > 0) {
    // A data folder that moved is the same study: say where it reads its data.
    const data = diffs.flatMap((d) => (/(^|\.)dataDir$/.test(d.path) && typeof d.stored === 'string' ? [d.stored] : []));
    throw new UserError(
      `experiment '${spec.name}' in ${storage.location} exists with a different configuration:\n${formatDifferences(diffs)}\n` +
        (data.length > 0 ? `the study reads its data from ${data.join(', ')}: to continue it, give that --data-dir, or put the files there (a symbolic link will do)\n` : '') +
        'nothing was changed; to run this configuration, give it another --name (or another --db)',
    );
  }
  return { experiment: existing, created: false };
}

export function countStatuses(evals: readonly Evaluation[]): StatusCounts {
  const c = Object.fromEntries(EVALUATION_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const e of evals) c[e.status]++;
  return c;
}

/**
 * The strategy's next generation. A saved state its strategy refuses means the database was
 * changed outside cellsearch: a user error naming the experiment (`stored`), not a crash.
 */
function proposeNext(strategy: Strategy, state: Json, history: readonly Evaluation[], stored: string | undefined): ProposeResult {
  try {
    return strategy.propose(state, history);
  } catch (err) {
    if (stored !== undefined && err instanceof StrategyStateError) throw new UserError(`${stored}: ${err.message}`);
    throw err;
  }
}

/**
 * The generation's evaluations as stored. A continuation keeps the seed of the evaluation it
 * continues; one that names no earlier evaluation, or one whose checkpoint is not stored, is a
 * bug of the strategy, refused before anything is written.
 */
async function newEvaluations(
  strategy: Strategy,
  experiment: Experiment,
  proposals: readonly Proposal[],
  history: readonly Evaluation[],
  hasCheckpoint: (key: string) => Promise<boolean>,
): Promise<NewEvaluation[]> {
  const earlier = new Map(history.map((e) => [e.key, e]));
  const keys = new Set(earlier.keys());
  const out: NewEvaluation[] = [];
  for (const [ordinal, p] of proposals.entries()) {
    const key = evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial });
    if (keys.has(key)) throw new Error(`strategy '${strategy.name}' proposed ${key} (architecture, task, trial) a second time`);
    keys.add(key);
    let seed = deriveSeed(experiment.seed, key);
    if (p.continues !== undefined) {
      const from = earlier.get(p.continues);
      if (!from) throw new Error(`strategy '${strategy.name}' proposed ${key} continuing ${p.continues}, which is not an earlier evaluation of the experiment`);
      if (!(await hasCheckpoint(p.continues))) {
        throw new Error(`strategy '${strategy.name}' proposed ${key} continuing ${p.continues}, whose checkpoint is not stored (not kept, not finished, or released)`);
      }
      seed = from.seed;
    }
    out.push({
      key,
      ordinal,
      architecture: p.architecture.hash,
      task: p.task,
      taskOptions: p.taskOptions,
      hyperparameters: p.hyperparameters,
      seed,
      continues: p.continues ?? null,
      keepCheckpoint: p.checkpoint === true,
    });
  }
  return out;
}

export async function runStudy(o: StudyOptions): Promise<StudyOutcome> {
  if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) throw new UserError(`--max-attempts must be a whole number >= 1, got ${o.maxAttempts}`);
  const { storage, strategy } = o;
  const emit = o.onEvent ?? (() => {});
  const stopped = () => o.stop?.aborted === true || o.abort?.aborted === true;

  const { experiment, created } = await openExperiment(storage, o.spec);
  const id = experiment.id;
  // One driver per study where several processes write the database (PostgreSQL).
  await storage.leaseStudy?.(id);
  await storage.setExperimentStatus(id, 'running');
  const requeued = await storage.requeueRunning(id);
  const fresh = (await storage.strategyState(id)) === undefined;
  // Each session records the cellsearch that ran it: the reports name the one that created the
  // study and each one that resumed it.
  await storage.logEvent(id, fresh ? 'start' : 'resume', { requeued, workers: o.pool.workers, cellsearch: packageVersion() });
  emit({ type: 'opened', experiment, created, requeued, counts: countStatuses(await storage.evaluations(id)) });

  const architectures = new Map<string, Architecture>();
  const architecture = async (hash: string): Promise<Architecture> => {
    let a = architectures.get(hash);
    if (!a) {
      a = await storage.getArchitecture(hash);
      if (!a) throw new Error(`architecture ${hash} is missing from ${storage.location}`);
      architectures.set(hash, a);
    }
    return a;
  };

  // Runs the queued evaluations, in order, at most one per thread.
  const runQueued = async (queue: Evaluation[]): Promise<void> => {
    // Where each continued evaluation ended: a continuation stores only its own curve points.
    const ended = new Map((await storage.evaluations(id)).map((e) => [e.key, e.steps ?? 0]));
    const running = new Set<number>();
    const onStop = () => emit({ type: 'stopping', running: running.size });
    const onAbort = () => emit({ type: 'aborting', running: running.size });
    o.stop?.addEventListener('abort', onStop, { once: true });
    o.abort?.addEventListener('abort', onAbort, { once: true });
    try {
      await inSlots(o.pool.workers, {
        stopped,
        next: async () => queue.shift(),
        run: async (e, slot) => {
          // Read before the evaluation is marked running, so a missing one leaves nothing to requeue.
          const resumeFrom = e.continues === null ? undefined : await storage.checkpoint(id, e.continues);
          if (e.continues !== null && resumeFrom === undefined) {
            throw new Error(`evaluation ${e.key} continues ${e.continues}, whose checkpoint is no longer stored in ${storage.location}`);
          }
          await storage.markRunning(e.id, `thread ${slot + 1}`);
          running.add(e.id);
          const current: Evaluation = { ...e, status: 'running' };
          emit({ type: 'start', evaluation: current });
          const job = jobOf(e, (await architecture(e.architecture)).cell, resumeFrom);
          const from = e.continues === null ? 0 : (ended.get(e.continues) ?? 0);
          // A live write that fails (a full disk) stops the study once the job's outcome is recorded.
          let liveError: unknown;
          const feed = curveFeed({ write: (points) => storage.appendCurve(e.id, points), after: from, onError: (err) => (liveError ??= err) });
          const out = await o.pool.run(job, {
            signal: o.abort,
            onProgress: (point) => emit({ type: 'progress', evaluation: current, point }),
            onCurvePoint: (point) => feed.push(point),
          });
          await feed.close();
          running.delete(e.id);
          if (out.ok) {
            await storage.recordResult(e.id, resultOf(out.reply, from));
            emit({ type: 'finish', evaluation: (await storage.getEvaluation(e.id)) as Evaluation });
          } else if (out.aborted) {
            await storage.requeue(e.id);
          } else {
            const then = await storage.recordFailure(e.id, out.error, o.maxAttempts);
            const after = (await storage.getEvaluation(e.id)) as Evaluation;
            emit({ type: 'failure', evaluation: after, error: out.error, then });
            if (then === 'queued') queue.unshift(after);
          }
          if (liveError !== undefined) throw liveError;
        },
      });
    } finally {
      o.stop?.removeEventListener('abort', onStop);
      o.abort?.removeEventListener('abort', onAbort);
    }
  };

  // The shared queue's version of runQueued: this process's threads claim until nothing is
  // queued; then, while others still run evaluations of the generation, it waits for them.
  const runShared = async (q: SharedQueue): Promise<void> => {
    const onStop = () => emit({ type: 'stopping', running: 0 });
    o.stop?.addEventListener('abort', onStop, { once: true });
    try {
      await inSlots(o.pool.workers, {
        stopped,
        next: (slot) => q.queue.claim({ experimentId: id, owner: `${q.owner} thread ${slot + 1}`, leaseMs: q.lease.leaseMs }),
        run: async (claim) => {
          const current = claim.evaluation;
          emit({ type: 'start', evaluation: current });
          const out = await runLeasedJob({
            queue: q.queue,
            pool: o.pool,
            claim,
            lease: q.lease,
            maxAttempts: o.maxAttempts,
            abort: o.abort,
            onProgress: (point) => emit({ type: 'progress', evaluation: current, point }),
            onWarning: q.onWarning,
          });
          if (out.kind === 'recorded') emit({ type: 'finish', evaluation: (await storage.getEvaluation(current.id)) as Evaluation });
          if (out.kind === 'failure') emit({ type: 'failure', evaluation: (await storage.getEvaluation(current.id)) as Evaluation, error: out.error, then: out.then });
        },
      });
    } finally {
      o.stop?.removeEventListener('abort', onStop);
    }
    if (stopped()) return;
    await q.queue.requeueExpired(id);
    if ((await storage.evaluations(id, { status: ['queued', 'running'] })).length > 0) await pause(q.pollMs, [o.stop, o.abort]);
  };

  const loop = async (): Promise<void> => {
    for (;;) {
      if (stopped()) break;
      if (o.shared) {
        // The barrier counts evaluations running anywhere, not only here.
        if ((await storage.evaluations(id, { status: ['queued', 'running'] })).length > 0) {
          await runShared(o.shared);
          continue;
        }
      } else {
        const queued = await storage.evaluations(id, { status: 'queued' });
        if (queued.length > 0) {
          await runQueued(queued);
          continue;
        }
      }
      const saved = await storage.strategyState(id);
      if (saved?.finished) break;
      const generation = saved?.generations ?? 0;
      const state = saved ? saved.state : strategy.init(strategySeed(experiment.seed));
      // Wall times differ from run to run: a strategy never sees them.
      const history = (await storage.evaluations(id)).map((e) => ({ ...e, wallMs: null }));
      const next = proposeNext(strategy, state, history, saved ? `experiment '${experiment.name}' in ${storage.location}` : undefined);
      if (next.proposals.length === 0 && !next.finished) throw new Error(`strategy '${strategy.name}' proposed nothing but is not finished`);
      const evaluations = await newEvaluations(strategy, experiment, next.proposals, history, async (key) => (await storage.checkpoint(id, key)) !== undefined);
      const archs = [...new Map(next.proposals.map((p) => [p.architecture.hash, p.architecture])).values()];
      await storage.recordGeneration(id, { generation, architectures: archs, evaluations, state: next.state, finished: next.finished, release: next.release ?? [] });
      emit({ type: 'generation', generation, evaluations: evaluations.length, finished: next.finished });
    }
  };

  try {
    await loop();
  } catch (err) {
    // A bug (or a full disk) must not leave the experiment marked as running.
    await storage.setExperimentStatus(id, 'interrupted');
    await storage.logEvent(id, 'error', { message: err instanceof Error ? err.message : String(err) });
    throw err;
  }

  const evaluations = await storage.evaluations(id);
  const counts = countStatuses(evaluations);
  const unfinished = counts.queued + counts.running > 0;
  const saved = await storage.strategyState(id);
  // A stop (Ctrl-C, a time limit) that comes once the last evaluation is in stops nothing: the
  // study is complete, and calling it interrupted would send the user to resume a finished study.
  const status = unfinished || !saved?.finished ? 'interrupted' : 'done';
  await storage.setExperimentStatus(id, status);
  await storage.logEvent(id, status === 'done' ? 'finished' : 'interrupted', { ...counts });
  return { experiment: (await storage.getExperiment(experiment.name)) as Experiment, status, counts, evaluations };
}
