// The study API of the library entry (index.ts): a program runs a training, a search or an
// ablation without the command, and reads the results. They are the same studies the commands run
// (train.ts, search.ts and ablate.ts build them; session.ts runs them) stored the same way, so
// `cellsearch runs`, `report` and `dashboard` read a study a program ran, and the same call on the
// same database resumes it (a changed configuration is refused, as by the command). Nothing is
// printed, no signal handler is installed and the exit code is left alone: a program stops a
// study with `signal` (running evaluations finish, the rest stays queued) and follows it with
// `onEvent`.
//
// The database clients, the pool and the study builders are imported on first use: a program that
// imports the library for its cells or its engine does not load SQLite, PostgreSQL or piscina.
import { RUN_FLAG_DEFAULTS } from './flags.ts';
import type { StudyData } from './report/queries.ts';
import type { Storage } from './storage.ts';
import type { StudyEvent, StudyOutcome, StudySpec } from './study.ts';
import type { Strategy } from './strategy.ts';
import type { TrainRequest } from './train.ts';
import type { SearchRequest } from './search.ts';
import type { AblateRequest } from './ablate.ts';

export interface RunOptions {
  /** The database: a file or a postgres:// URL; default runs/<study name>.sqlite under the working directory. */
  db?: string;
  /** Worker threads; default and maximum: the cores. Results do not depend on it. */
  workers?: number;
  /** Attempts per evaluation before it is recorded as failed (default 2). */
  maxAttempts?: number;
  /** Memory limit of each worker thread, MB (default 2048). */
  maxHeapMb?: number;
  /** Stops the study gracefully: running evaluations finish and are recorded, the rest stays queued for a resume. */
  signal?: AbortSignal;
  /** Every step of the study: opened, generation, start, progress, finish, failure, stopping. */
  onEvent?: (e: StudyEvent) => void;
}

export interface StudyRun {
  /** Where the study is stored. */
  db: string;
  /** `done`, or `interrupted` (by `signal`), with every evaluation and the counts by status. */
  outcome: StudyOutcome;
}

async function run(study: { spec: StudySpec; strategy: Strategy }, o: RunOptions, jobs?: number): Promise<StudyRun> {
  const { defaultDbPath } = await import('./sqlite.ts');
  const { runStudySession } = await import('./session.ts');
  const db = o.db ?? defaultDbPath(study.spec.name);
  const outcome = await runStudySession({
    db,
    spec: study.spec,
    strategy: study.strategy,
    workers: o.workers,
    jobs,
    maxAttempts: o.maxAttempts ?? RUN_FLAG_DEFAULTS.maxAttempts,
    maxHeapMb: o.maxHeapMb ?? RUN_FLAG_DEFAULTS.maxHeapMb,
    stop: o.signal,
    onEvent: o.onEvent,
  });
  return { db, outcome };
}

/** Trains cells on a task (`cellsearch train`): one evaluation per cell and repeat. */
export async function runTraining(req: TrainRequest, o: RunOptions = {}): Promise<StudyRun> {
  const { trainStudy } = await import('./train.ts');
  const study = trainStudy({ ...req, maxHeapMb: req.maxHeapMb ?? o.maxHeapMb });
  return run(study, o, study.proposals.length);
}

/** An architecture search (`cellsearch search`); its leaderboard: `analyzeSearch(await readResults(db))`. */
export async function runSearch(req: SearchRequest, o: RunOptions = {}): Promise<StudyRun> {
  const { searchStudy } = await import('./search.ts');
  return run(searchStudy(req), o);
}

/** An ablation (`cellsearch ablate`); its tests and fANOVA: `loadAblation(storage, name)`. */
export async function runAblation(req: AblateRequest, o: RunOptions = {}): Promise<StudyRun> {
  const { ablateStudy } = await import('./ablate.ts');
  const study = ablateStudy(req);
  return run(study, o, study.proposals.length);
}

/**
 * Opens a study database (a file or a postgres:// URL) for reading: it never blocks nor changes a
 * study that is running. Close it when done.
 */
export async function openDatabase(location: string): Promise<Storage> {
  const { openStorage } = await import('./open-storage.ts');
  return openStorage(location, { readonly: true });
}

/** One study of a database as one snapshot: its experiment, evaluations, architectures and events (the only one when `name` is not given). */
export async function readResults(location: string, name?: string): Promise<StudyData> {
  const { openStorage } = await import('./open-storage.ts');
  const { readStudy } = await import('./report/queries.ts');
  const storage = await openStorage(location, { readonly: true, snapshot: true });
  try {
    return await readStudy(storage, name);
  } finally {
    await storage.close();
  }
}
