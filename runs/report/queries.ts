// Read-only queries of the experiment database for reports and exports. Everything a report needs
// is read in one read transaction, so a report of a study that is still running shows one
// consistent state between two of the writer's transactions (WAL: the writer is never blocked).
import { UserError } from '../../errors.ts';
import type { SqliteStorage } from '../sqlite.ts';
import { ArchitectureSchema, CurvePointSchema, type Architecture, type CurvePoint, type Evaluation, type Event, type Experiment, type StrategyState } from '../storage.ts';

/** Everything about one experiment that a report reads. */
export interface StudyData {
  /** Where the data came from (the database file). */
  location: string;
  experiment: Experiment;
  /** Ordered by (generation, ordinal). */
  evaluations: Evaluation[];
  /** Every architecture evaluated, and every ancestor of a mutant (for lineage), by hash. */
  architectures: Map<string, Architecture>;
  /** Learning curves by evaluation id (finished evaluations only). */
  curves: Map<number, CurvePoint[]>;
  events: Event[];
  strategy: StrategyState | undefined;
  /** True when a process holds the write connection now (the study is running). */
  writerActive: boolean;
}

/** The experiment to report: the one named, or the only one in the database. */
export async function pickExperiment(storage: SqliteStorage, name: string | undefined): Promise<Experiment> {
  const all = await storage.listExperiments();
  if (name !== undefined) {
    const e = all.find((x) => x.name === name);
    if (!e) throw new UserError(`no experiment named '${name}' in ${storage.location}${all.length ? `; it has: ${all.map((x) => x.name).join(', ')}` : ' (it has none)'}`);
    return e;
  }
  if (all.length === 0) throw new UserError(`${storage.location} has no experiments`);
  if (all.length > 1) throw new UserError(`${storage.location} has several experiments (${all.map((x) => x.name).join(', ')}): name one with --name`);
  return all[0];
}

/** Reads an experiment in one read transaction. The storage may be read-only (it should be). */
export async function readStudy(storage: SqliteStorage, name: string | undefined): Promise<StudyData> {
  const db = storage.db;
  db.exec('BEGIN DEFERRED');
  try {
    // better-sqlite3 answers synchronously: these awaits do not let other work touch the connection.
    const experiment = await pickExperiment(storage, name);
    const evaluations = await storage.evaluations(experiment.id);
    const architectures = new Map<string, Architecture>();
    const pending = [...new Set(evaluations.map((e) => e.architecture))];
    while (pending.length > 0) {
      const hash = pending.pop()!;
      if (architectures.has(hash)) continue;
      const a = await storage.getArchitecture(hash);
      if (!a) continue; // a parent recorded elsewhere: lineage stops there
      architectures.set(hash, a);
      if (a.origin.kind === 'mutant' && !architectures.has(a.origin.parent)) pending.push(a.origin.parent);
    }
    const curves = new Map<number, CurvePoint[]>();
    const rows = db
      .prepare(
        `SELECT c.evaluation_id AS id, c.point AS point FROM curves c JOIN evaluations e ON e.id = c.evaluation_id
         WHERE e.experiment_id = ? ORDER BY c.evaluation_id, c.step`,
      )
      .all(experiment.id) as { id: number; point: string }[];
    for (const r of rows) {
      let list = curves.get(r.id);
      if (!list) curves.set(r.id, (list = []));
      list.push(CurvePointSchema.parse(JSON.parse(r.point)));
    }
    const events = await storage.events(experiment.id);
    const strategy = await storage.strategyState(experiment.id);
    const writerActive = (await storage.activeWriter()) !== undefined;
    return { location: storage.location, experiment, evaluations, architectures, curves, events, strategy, writerActive };
  } finally {
    db.exec('COMMIT');
  }
}

/** Architectures whose hash starts with `prefix` (at least 4 characters), for `cellsearch export <hash>`. */
export function architecturesByPrefix(storage: SqliteStorage, prefix: string): Architecture[] {
  if (!/^[0-9a-zA-Z]{4,}$/.test(prefix)) return [];
  const rows = storage.db
    .prepare(`SELECT hash, cell, notation, origin FROM architectures WHERE substr(hash, 1, ?) = ? ORDER BY hash LIMIT 20`)
    .all(prefix.length, prefix) as { hash: string; cell: string; notation: string | null; origin: string }[];
  return rows.map((r) => ArchitectureSchema.parse({ hash: r.hash, cell: JSON.parse(r.cell), notation: r.notation, origin: JSON.parse(r.origin) }));
}
