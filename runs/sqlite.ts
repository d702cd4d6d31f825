// The embedded experiment database: one SQLite file per study, through better-sqlite3.
//
// - A file is checked before anything can write to it: a foreign file, a corrupt file, or a
//   database written by a newer cellsearch is refused with a UserError and left byte-identical.
//   The check reads the header, then checks an in-memory copy (no WAL, no journal is created;
//   a live database whose copy was torn by a checkpoint is checked again through SQLite).
// - New files are created in rollback-journal mode (so the application id and schema version
//   reach the main file at once) and then switched to WAL.
// - One writer: the process that opens read-write holds a lease (its pid) and writes in short
//   BEGIN IMMEDIATE transactions; a second writer on the same host is refused while the first
//   lives. Readers open read-only with a busy timeout and never block the writer (WAL).
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants as fsConstants, existsSync, linkSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { systemError, UserError } from '../errors.ts';
import { remapEventData, type StudyCopy } from './study-copy.ts';
import {
  ARCHITECTURE_COLUMNS,
  EVALUATION_COLUMNS,
  EVALUATION_STATE_COLUMNS,
  experimentSummary,
  json,
  now,
  sameEvaluationState,
  toArchitecture,
  toCurvePoint,
  toEvaluation,
  toEvent,
  toExperiment,
  toStrategyState,
  type ArchitectureRow,
  type EvaluationRow,
  type EvaluationStateRow,
  type EventRow,
  type ExperimentRow,
  type StrategyStateRow,
} from './rows.ts';
import {
  APPLICATION_ID,
  checkCurve,
  checkGeneration,
  duplicateExperiment,
  unknownExperiment,
  withAncestors,
  WriterSchema,
  type Architecture,
  type CheckpointUsage,
  type CurvePoint,
  type Evaluation,
  type EvaluationFilter,
  type EvaluationResult,
  type Event,
  type Experiment,
  type ExperimentStatus,
  type ExperimentSummary,
  type JsonObject,
  type NewExperiment,
  type NewGeneration,
  type Storage,
  type StrategyState,
  type SnapshotOptions,
  type StudySnapshot,
  type RunningEvaluation,
  type Writer,
} from './storage.ts';

/** Migration i takes a database from user_version i to i + 1. Never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'done')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE architectures (
    hash TEXT PRIMARY KEY,
    cell TEXT NOT NULL,
    notation TEXT,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    key TEXT NOT NULL,
    generation INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    architecture TEXT NOT NULL REFERENCES architectures(hash),
    task TEXT NOT NULL,
    task_options TEXT NOT NULL,
    hyperparameters TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'diverged', 'failed')),
    metrics TEXT,
    steps INTEGER,
    wall_ms REAL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    finished_at TEXT,
    UNIQUE (experiment_id, key),
    UNIQUE (experiment_id, generation, ordinal)
  );
  CREATE INDEX evaluations_by_status ON evaluations (experiment_id, status);
  CREATE TABLE curves (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
    step INTEGER NOT NULL,
    point TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, step)
  ) WITHOUT ROWID;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER REFERENCES experiments(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE TABLE strategy_state (
    experiment_id INTEGER PRIMARY KEY REFERENCES experiments(id),
    generations INTEGER NOT NULL,
    state TEXT NOT NULL,
    finished INTEGER NOT NULL
  );
  CREATE TABLE writer (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    since TEXT NOT NULL
  );
  `,
  // 2: successive halving. An evaluation may continue another's checkpoint and keep its own;
  // checkpoints live in their own table so that reading evaluations never reads their bytes.
  `
  ALTER TABLE evaluations ADD COLUMN continues TEXT;
  ALTER TABLE evaluations ADD COLUMN keep_checkpoint INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE checkpoints (
    evaluation_id INTEGER PRIMARY KEY REFERENCES evaluations(id),
    bytes BLOB NOT NULL
  );
  `,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The oldest schema a reader reads without migrating it (a reader cannot write): schema 1 reads
 * as a database without continuations or checkpoints, so reports of older studies still work.
 */
const OLDEST_READABLE = 1;

/** The default database of a study: runs/<name>.sqlite under the working directory. */
export function defaultDbPath(name: string, cwd = process.cwd()): string {
  return join(cwd, 'runs', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.sqlite`);
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * What is at a path, checked without writing: nothing (a writer creates it) or a database. `image`
 * is the checked copy of a database that no writer had open (no -wal, no -journal) while it was
 * read: a complete, consistent state of the file.
 */
export type FileCheck = { state: 'missing' } | { state: 'database'; userVersion: number; image?: Buffer };

/**
 * Checks that `path` is absent or a readable cellsearch database this version understands.
 * Throws a UserError naming the problem otherwise. Never writes to the file.
 */
export function checkDatabaseFile(path: string): FileCheck {
  if (!existsSync(path)) return { state: 'missing' };
  const st = statSync(path);
  if (st.isDirectory()) throw new UserError(`${path} is a directory, not a database file`);
  if (!st.isFile()) throw new UserError(`${path} is not a regular file (a device, a pipe or a socket), so it cannot hold a database; give the path of a file`);
  // cellsearch creates a database under another name and renames it complete: an empty file is not one of its databases.
  if (st.size === 0) throw new UserError(`${path} is an empty file, not a cellsearch database; it was left unchanged (delete it, or give another --db)`);
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new UserError(`${path} is not a SQLite database (wrong header): it is corrupt or not a cellsearch database; it was left unchanged`);
  }
  const headerAppId = header.readInt32BE(68);
  if (headerAppId !== APPLICATION_ID) throw notOurs(path, headerAppId);
  // First on an in-memory copy: opening the file itself, even read-only, would create the -wal
  // and -shm files of a WAL database.
  const idle = () => !existsSync(`${path}-wal`) && !existsSync(`${path}-journal`);
  const idleBefore = idle();
  let image: Buffer | undefined;
  let found = inspect(() => {
    image = readFileSync(path);
    if (image[18] === 2 && image[19] === 2) image[18] = image[19] = 1; // WAL -> rollback, in the copy
    return new Database(image, { readonly: true });
  });
  // A writer that started while the copy was read may have checkpointed into it.
  if (!(idleBefore && idle())) image = undefined;
  // A -wal file means the database may be in use, and a checkpoint may have been writing pages
  // while the copy was read: ask SQLite itself, under its locks, before calling the file corrupt.
  if ('error' in found && existsSync(`${path}-wal`)) {
    found = inspect(() => new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 }));
  }
  if ('error' in found) throw new UserError(`${path} is a corrupt database (${found.error}); it was left unchanged`);
  const { appId, userVersion } = found;
  if (appId !== APPLICATION_ID) throw notOurs(path, appId);
  if (userVersion > SCHEMA_VERSION) throw newer(path, userVersion);
  return { state: 'database', userVersion, ...('error' in found || image === undefined ? {} : { image }) };
}

function newer(path: string, version: number): UserError {
  return new UserError(
    `${path} was written by a newer cellsearch (database schema ${version}; this version reads up to ${SCHEMA_VERSION}): upgrade cellsearch; the file was left unchanged`,
  );
}

function inspect(open: () => Database.Database): { appId: number; userVersion: number } | { error: string } {
  let db: Database.Database | undefined;
  try {
    db = open();
    const appId = db.pragma('application_id', { simple: true }) as number;
    const userVersion = db.pragma('user_version', { simple: true }) as number;
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') return { error: String(check) };
    return { appId, userVersion };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    db?.close();
  }
}

function notOurs(path: string, appId: number): UserError {
  return new UserError(
    `${path} is a SQLite database but not a cellsearch database (application_id ${appId}, expected ${APPLICATION_ID}); it was left unchanged`,
  );
}

export interface OpenOptions {
  /** Open for reading only (reports, `cellsearch runs`, a second terminal). */
  readonly?: boolean;
  /**
   * With `readonly`: one read of the current state, for commands that read once and exit (`runs`,
   * `report`, a summary). When no writer has the database open, the reader works on the checked
   * in-memory copy, so it creates no -wal/-shm file (a file owned by the reader would lock the
   * owner's next writer out) and works in a folder it cannot write; a live writer's -wal and
   * -shm already exist, and the reader opens the file under its locks as any reader does.
   */
  snapshot?: boolean;
  /** How long a reader or the writer waits for a lock before failing (ms). */
  busyTimeoutMs?: number;
}

/** Opens (and for a writer creates or migrates) the database at `path`. */
export function openSqliteStorage(path: string, opts: OpenOptions = {}): SqliteStorage {
  try {
    return openFile(path, opts);
  } catch (err) {
    throw sqliteFileError(err, path) ?? err;
  }
}

/**
 * A system or SQLite error met while opening `path` as a UserError naming what to do (errors.ts),
 * with the files SQLite needs that this process cannot write (a -shm left by another user keeps
 * a database failing after a chmod of the file itself).
 */
function sqliteFileError(err: unknown, path: string): UserError | undefined {
  const blocked = unwritable(path);
  return systemError(err, path, blocked.length ? `; not writable by this user: ${blocked.join(', ')}` : '');
}

/** The files (and the folder) a writer of `path` needs to write and this user cannot. */
function unwritable(path: string): string[] {
  const blocked = [path, `${path}-wal`, `${path}-shm`, `${path}-journal`].filter((f) => existsSync(f) && !writable(f));
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder); // created by the writer
  if (!writable(folder)) blocked.push(`${folder} (the folder)`);
  return blocked;
}

function writable(path: string): boolean {
  try {
    accessSync(path, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function openFile(path: string, opts: OpenOptions): SqliteStorage {
  const busy = opts.busyTimeoutMs ?? 10_000;
  const found = checkDatabaseFile(path);
  if (opts.readonly) {
    if (found.state !== 'database') throw new UserError(`no cellsearch database at ${path}`);
    const db = opts.snapshot && found.image ? new Database(found.image, { readonly: true }) : new Database(path, { readonly: true, fileMustExist: true, timeout: busy });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION || version < OLDEST_READABLE) {
      db.close();
      if (version > SCHEMA_VERSION) throw newer(path, version);
      throw new UserError(`${path} has an older schema (${version}); run a cellsearch command that writes to it (e.g. 'cellsearch runs retry-failed') to upgrade it`);
    }
    return new SqliteStorage(db, path, true, version);
  }
  // Checked before SQLite opens it: a writer that SQLite opens read-only would leave a -wal and
  // -shm of this user behind, which lock the owner out.
  const blocked = unwritable(path);
  if (blocked.length) throw new UserError(`${path}: cannot be written by this user (${blocked.join(', ')}): change their owner or mode, or give another --db; nothing was changed`);
  if (found.state === 'missing') createDatabase(path);
  const db = new Database(path, { timeout: busy });
  try {
    // The main file's header can lag behind an uncheckpointed WAL: ask the connection itself.
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId !== APPLICATION_ID) throw notOurs(path, appId);
    if (version > SCHEMA_VERSION) throw newer(path, version);
    // The lease first (every version has its table), so a live writer is never migrated under.
    if (version >= 1) acquireWriter(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (version < SCHEMA_VERSION) db.transaction(() => migrate(db, version)).immediate();
    if (version < 1) acquireWriter(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteStorage(db, path, false);
}

/**
 * Creates the database at `path` complete or not at all: built under a temporary name in the
 * same folder (rollback-journal mode, so the id and version land in the main file), then linked
 * into place, which fails if another process created `path` meanwhile (that one is then opened).
 * A crash leaves at most the temporary file, never an empty or half-made database at `path`.
 */
function createDatabase(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.creating-${process.pid}`;
  try {
    const db = new Database(temp);
    try {
      db.transaction(() => {
        db.pragma(`application_id = ${APPLICATION_ID}`);
        migrate(db, 0);
      }).immediate();
    } finally {
      db.close();
    }
    try {
      linkSync(temp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      // A file system without hard links: a rename, which a creator racing in this instant could overwrite.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      if (!existsSync(path)) renameSync(temp, path);
    }
  } finally {
    rmSync(temp, { force: true });
    rmSync(`${temp}-journal`, { force: true });
  }
}

function migrate(db: Database.Database, from: number): void {
  for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acquireWriter(db: Database.Database, path: string): void {
  const host = hostname();
  db.transaction(() => {
    const row = db.prepare('SELECT pid, host, since FROM writer WHERE id = 1').get() as { pid: number; host: string; since: string } | undefined;
    if (row && row.pid !== process.pid && (row.host !== host || pidAlive(row.pid))) {
      throw new UserError(
        `${path} is being written by another cellsearch process (pid ${row.pid} on ${row.host}, since ${row.since}); ` +
          'a database has one writer: wait for it to finish (read-only commands work meanwhile)',
      );
    }
    db.prepare('INSERT OR REPLACE INTO writer (id, pid, host, since) VALUES (1, ?, ?, ?)').run(process.pid, host, now());
  }).immediate();
}

/** The same row from a schema-1 database (read-only): nothing continued, nothing kept. */
const EVALUATION_COLUMNS_1 = EVALUATION_COLUMNS.replace('continues, keep_checkpoint', 'NULL AS continues, 0 AS keep_checkpoint');

export class SqliteStorage implements Storage {
  constructor(
    /** The connection; exposed for this backend's own tests (pragmas, raw rows). */
    readonly db: Database.Database,
    readonly location: string,
    readonly readonly: boolean,
    /** The schema of the file: older than SCHEMA_VERSION only for a reader. */
    readonly schema = SCHEMA_VERSION,
  ) {}

  private get hasCheckpoints(): boolean {
    return this.schema >= 2;
  }

  private get evaluationColumns(): string {
    return this.hasCheckpoints ? EVALUATION_COLUMNS : EVALUATION_COLUMNS_1;
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction (writers only). */
  private write<T>(fn: () => T): T {
    if (this.readonly) throw new Error(`${this.location} was opened read-only`);
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      throw this.named(err);
    }
  }

  /**
   * A full disk or an I/O error met while the database is in use, as a UserError naming the file
   * (SQLite rolls the transaction back, so what was recorded before is kept); anything else as it is.
   */
  private named(err: unknown): unknown {
    return systemError(err, this.location) ?? err;
  }

  /** Runs `fn` in one read transaction: every read in it sees the same state. */
  private read<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).deferred();
    } catch (err) {
      throw this.named(err);
    }
  }

  private experimentById(id: number): Experiment | undefined {
    const r = this.db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as ExperimentRow | undefined;
    return r && toExperiment(r);
  }

  async getExperiment(name: string): Promise<Experiment | undefined> {
    const r = this.db.prepare('SELECT * FROM experiments WHERE name = ?').get(name) as ExperimentRow | undefined;
    return r && toExperiment(r);
  }

  async createExperiment(spec: NewExperiment): Promise<Experiment> {
    return this.write(() => {
      if (this.db.prepare('SELECT 1 FROM experiments WHERE name = ?').get(spec.name)) throw duplicateExperiment(spec.name, this.location);
      const t = now();
      const info = this.db
        .prepare('INSERT INTO experiments (name, kind, config, seed, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(spec.name, spec.kind, json(spec.config), spec.seed, 'running', t, t);
      this.insertEvent(Number(info.lastInsertRowid), 'created', { kind: spec.kind, seed: spec.seed });
      return this.experimentById(Number(info.lastInsertRowid))!;
    });
  }

  async setExperimentStatus(experimentId: number, status: ExperimentStatus): Promise<void> {
    this.write(() => {
      this.db.prepare('UPDATE experiments SET status = ?, updated_at = ? WHERE id = ?').run(status, now(), experimentId);
    });
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    // One read transaction, so the counts belong to one snapshot.
    return this.read(() => {
      const rows = this.db.prepare('SELECT * FROM experiments ORDER BY id').all() as ExperimentRow[];
      const counts = this.db
        .prepare('SELECT experiment_id AS id, status, COUNT(*) AS n FROM evaluations GROUP BY experiment_id, status')
        .all() as { id: number; status: string; n: number }[];
      return rows.map((r) => experimentSummary(toExperiment(r), counts.filter((x) => x.id === r.id)));
    });
  }

  private architecture(hash: string): Architecture | undefined {
    const r = this.db.prepare(`SELECT ${ARCHITECTURE_COLUMNS} FROM architectures WHERE hash = ?`).get(hash) as ArchitectureRow | undefined;
    return r && toArchitecture(r);
  }

  async getArchitecture(hash: string): Promise<Architecture | undefined> {
    return this.architecture(hash);
  }

  async architecturesByPrefix(prefix: string, limit: number): Promise<Architecture[]> {
    const rows = this.db
      .prepare(`SELECT ${ARCHITECTURE_COLUMNS} FROM architectures WHERE substr(hash, 1, ?) = ? ORDER BY hash LIMIT ?`)
      .all(prefix.length, prefix, limit) as ArchitectureRow[];
    return rows.map(toArchitecture);
  }

  private generations(experimentId: number): number {
    const prev = this.db.prepare('SELECT generations FROM strategy_state WHERE experiment_id = ?').get(experimentId) as { generations: number } | undefined;
    return prev?.generations ?? 0;
  }

  async recordGeneration(experimentId: number, g: NewGeneration): Promise<Evaluation[]> {
    return this.write(() => {
      const keyExists = this.db.prepare('SELECT 1 FROM evaluations WHERE experiment_id = ? AND key = ?');
      const { architectures, state, evaluations, release } = checkGeneration(experimentId, g, {
        location: this.location,
        experimentExists: this.experimentById(experimentId) !== undefined,
        expected: this.generations(experimentId),
        keyExists: (key) => keyExists.get(experimentId, key) !== undefined,
        architectureExists: (hash) => this.architecture(hash) !== undefined,
      });
      const addArch = this.db.prepare('INSERT OR IGNORE INTO architectures (hash, cell, notation, origin, created_at) VALUES (?, ?, ?, ?, ?)');
      for (const a of architectures) addArch.run(a.hash, json(a.cell), a.notation, json(a.origin), now());
      const addEval = this.db.prepare(
        `INSERT INTO evaluations (experiment_id, key, generation, ordinal, architecture, task, task_options, hyperparameters, seed, status, continues, keep_checkpoint)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
      );
      for (const e of evaluations) {
        addEval.run(experimentId, e.key, g.generation, e.ordinal, e.architecture, e.task, json(e.taskOptions), json(e.hyperparameters), e.seed, e.continues, e.keepCheckpoint ? 1 : 0);
      }
      const drop = this.db.prepare('DELETE FROM checkpoints WHERE evaluation_id = (SELECT id FROM evaluations WHERE experiment_id = ? AND key = ?)');
      for (const key of release) drop.run(experimentId, key);
      this.db
        .prepare('INSERT OR REPLACE INTO strategy_state (experiment_id, generations, state, finished) VALUES (?, ?, ?, ?)')
        .run(experimentId, g.generation + 1, json(state), g.finished ? 1 : 0);
      this.insertEvent(experimentId, 'generation', { generation: g.generation, evaluations: g.evaluations.length, finished: g.finished });
      return this.evaluationRows(experimentId, { generation: g.generation });
    });
  }

  async importStudy(copy: StudyCopy): Promise<Experiment> {
    return this.write(() => {
      const x = copy.experiment;
      if (this.db.prepare('SELECT 1 FROM experiments WHERE name = ?').get(x.name)) throw duplicateExperiment(x.name, this.location);
      const id = Number(
        this.db
          .prepare('INSERT INTO experiments (name, kind, config, seed, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(x.name, x.kind, json(x.config), x.seed, x.status, x.createdAt, x.updatedAt).lastInsertRowid,
      );
      const addArch = this.db.prepare('INSERT OR IGNORE INTO architectures (hash, cell, notation, origin, created_at) VALUES (?, ?, ?, ?, ?)');
      for (const a of copy.architectures.values()) addArch.run(a.hash, json(a.cell), a.notation, json(a.origin), now());
      const addEval = this.db.prepare(
        `INSERT INTO evaluations (experiment_id, key, generation, ordinal, architecture, task, task_options, hyperparameters, seed, status, metrics, steps, wall_ms, error, attempts, continues, keep_checkpoint)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const addPoint = this.db.prepare('INSERT INTO curves (evaluation_id, step, point) VALUES (?, ?, ?)');
      const addCheckpoint = this.db.prepare('INSERT INTO checkpoints (evaluation_id, bytes) VALUES (?, ?)');
      const ids = new Map<number, number>();
      for (const e of copy.evaluations) {
        const to = Number(
          addEval.run(
            id, e.key, e.generation, e.ordinal, e.architecture, e.task, json(e.taskOptions), json(e.hyperparameters), e.seed, e.status,
            e.metrics === null ? null : json(e.metrics), e.steps, e.wallMs, e.error, e.attempts, e.continues, e.keepCheckpoint ? 1 : 0,
          ).lastInsertRowid,
        );
        ids.set(e.id, to);
        for (const p of copy.curves.get(e.id) ?? []) addPoint.run(to, p.step, json(p));
        const bytes = copy.checkpoints.get(e.key);
        if (bytes) addCheckpoint.run(to, Buffer.from(bytes));
      }
      const addEvent = this.db.prepare('INSERT INTO events (experiment_id, at, kind, data) VALUES (?, ?, ?, ?)');
      for (const v of copy.events) addEvent.run(id, v.at, v.kind, json(remapEventData(v.data, (from) => ids.get(from))));
      if (copy.strategy) {
        this.db.prepare('INSERT INTO strategy_state (experiment_id, generations, state, finished) VALUES (?, ?, ?, ?)').run(id, copy.strategy.generations, json(copy.strategy.state), copy.strategy.finished ? 1 : 0);
      }
      return this.experimentById(id)!;
    });
  }

  private strategyRow(experimentId: number): StrategyState | undefined {
    const r = this.db.prepare('SELECT generations, state, finished FROM strategy_state WHERE experiment_id = ?').get(experimentId) as StrategyStateRow | undefined;
    return r && toStrategyState(r);
  }

  async strategyState(experimentId: number): Promise<StrategyState | undefined> {
    return this.strategyRow(experimentId);
  }

  private evaluationRows(experimentId: number, filter: EvaluationFilter = {}): Evaluation[] {
    const where = ['experiment_id = ?'];
    const args: unknown[] = [experimentId];
    if (filter.status !== undefined) {
      const s = typeof filter.status === 'string' ? [filter.status] : filter.status;
      where.push(`status IN (${s.map(() => '?').join(', ')})`);
      args.push(...s);
    }
    if (filter.generation !== undefined) {
      where.push('generation = ?');
      args.push(filter.generation);
    }
    const rows = this.db.prepare(`SELECT ${this.evaluationColumns} FROM evaluations WHERE ${where.join(' AND ')} ORDER BY generation, ordinal`).all(...args) as EvaluationRow[];
    return rows.map(toEvaluation);
  }

  /** The experiment's evaluations in order, as `known`'s objects where their row has not changed (SnapshotOptions.reuse). */
  private evaluationsReusing(experimentId: number, known: ReadonlyMap<number, Evaluation>): Evaluation[] {
    const states = this.db.prepare(`SELECT ${EVALUATION_STATE_COLUMNS} FROM evaluations WHERE experiment_id = ? ORDER BY generation, ordinal`).all(experimentId) as EvaluationStateRow[];
    const byId = this.db.prepare(`SELECT ${this.evaluationColumns} FROM evaluations WHERE id = ?`);
    return states.map((r) => {
      const e = known.get(r.id);
      return e && sameEvaluationState(e, r) ? e : toEvaluation(byId.get(r.id) as EvaluationRow);
    });
  }

  async evaluations(experimentId: number, filter: EvaluationFilter = {}): Promise<Evaluation[]> {
    return this.evaluationRows(experimentId, filter);
  }

  async getEvaluation(id: number): Promise<Evaluation | undefined> {
    const r = this.db.prepare(`SELECT ${this.evaluationColumns} FROM evaluations WHERE id = ?`).get(id) as EvaluationRow | undefined;
    return r && toEvaluation(r);
  }

  async markRunning(evaluationId: number, runner?: string): Promise<void> {
    this.write(() => {
      const row = this.db.prepare(`UPDATE evaluations SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued' RETURNING experiment_id`).get(now(), evaluationId) as
        | { experiment_id: number }
        | undefined;
      if (!row) throw new Error(`evaluation ${evaluationId} is not queued`);
      // The file has no column for it: the latest 'running' event of an evaluation names its runner.
      if (runner !== undefined) this.insertEvent(row.experiment_id, 'running', { evaluation: evaluationId, runner });
    });
  }

  /** Deletes the points an attempt stored (appendCurve) when it leaves `running` without a result. */
  private dropAttemptCurves(ids: readonly number[]): void {
    const drop = this.db.prepare('DELETE FROM curves WHERE evaluation_id = ?');
    for (const id of ids) drop.run(id);
  }

  async appendCurve(evaluationId: number, points: readonly CurvePoint[]): Promise<void> {
    const curve = checkCurve(evaluationId, points);
    this.write(() => {
      const running = this.db.prepare(`SELECT 1 FROM evaluations WHERE id = ? AND status = 'running'`).get(evaluationId);
      if (!running) return;
      const add = this.db.prepare('INSERT OR IGNORE INTO curves (evaluation_id, step, point) VALUES (?, ?, ?)');
      for (const p of curve) add.run(evaluationId, p.step, json(p));
    });
  }

  async running(experimentId: number): Promise<RunningEvaluation[]> {
    return this.read(() => {
      const ids = this.db.prepare(`SELECT id FROM evaluations WHERE experiment_id = ? AND status = 'running' ORDER BY generation, ordinal`).all(experimentId) as { id: number }[];
      // Scanned from the newest event back: the one sought was written when the evaluation started.
      const runnerOf = this.db.prepare(
        `SELECT json_extract(data, '$.runner') AS runner FROM events
         WHERE experiment_id = ? AND kind = 'running' AND json_extract(data, '$.evaluation') = ? ORDER BY id DESC LIMIT 1`,
      );
      const points = this.db.prepare('SELECT point FROM curves WHERE evaluation_id = ? ORDER BY step');
      return ids.map(({ id }) => {
        const r = runnerOf.get(experimentId, id) as { runner: unknown } | undefined;
        return {
          evaluationId: id,
          runner: typeof r?.runner === 'string' ? r.runner : null,
          curve: (points.all(id) as { point: string }[]).map(toCurvePoint),
        };
      });
    });
  }

  async recordResult(evaluationId: number, r: EvaluationResult): Promise<void> {
    this.write(() => {
      const curve = checkCurve(evaluationId, r.curve);
      const info = this.db
        .prepare(
          `UPDATE evaluations SET status = ?, metrics = ?, steps = ?, wall_ms = ?, error = NULL, finished_at = ?
           WHERE id = ? AND status = 'running'`,
        )
        .run(r.status, json(r.metrics), r.steps, r.wallMs, now(), evaluationId);
      if (info.changes !== 1) throw new Error(`evaluation ${evaluationId} is not running`);
      this.db.prepare('DELETE FROM curves WHERE evaluation_id = ?').run(evaluationId);
      const add = this.db.prepare('INSERT INTO curves (evaluation_id, step, point) VALUES (?, ?, ?)');
      for (const p of curve) add.run(evaluationId, p.step, json(p));
      if (r.checkpoint !== undefined) {
        this.db
          .prepare('INSERT OR REPLACE INTO checkpoints (evaluation_id, bytes) SELECT id, ? FROM evaluations WHERE id = ? AND keep_checkpoint = 1')
          .run(r.checkpoint, evaluationId);
      }
    });
  }

  async checkpoint(experimentId: number, key: string): Promise<Uint8Array | undefined> {
    if (!this.hasCheckpoints) return undefined;
    const row = this.db
      .prepare('SELECT c.bytes AS bytes FROM checkpoints c JOIN evaluations e ON e.id = c.evaluation_id WHERE e.experiment_id = ? AND e.key = ?')
      .get(experimentId, key) as { bytes: Buffer } | undefined;
    // A copy as a plain Uint8Array, as every backend returns it.
    return row && new Uint8Array(row.bytes);
  }

  private checkpointUsage(experimentId: number): CheckpointUsage {
    if (!this.hasCheckpoints) return { count: 0, bytes: 0 };
    return this.db
      .prepare('SELECT COUNT(*) AS count, COALESCE(SUM(length(c.bytes)), 0) AS bytes FROM checkpoints c JOIN evaluations e ON e.id = c.evaluation_id WHERE e.experiment_id = ?')
      .get(experimentId) as CheckpointUsage;
  }

  async checkpointBytes(experimentId: number): Promise<number> {
    return this.checkpointUsage(experimentId).bytes;
  }

  async recordFailure(evaluationId: number, error: string, maxAttempts: number): Promise<'queued' | 'failed'> {
    return this.write(() => {
      const row = this.db.prepare('SELECT experiment_id, attempts, status FROM evaluations WHERE id = ?').get(evaluationId) as
        | { experiment_id: number; attempts: number; status: string }
        | undefined;
      if (!row || row.status !== 'running') throw new Error(`evaluation ${evaluationId} is not running`);
      const attempts = row.attempts + 1;
      const status = attempts < maxAttempts ? 'queued' : 'failed';
      this.db
        .prepare('UPDATE evaluations SET status = ?, attempts = ?, error = ?, finished_at = ? WHERE id = ?')
        .run(status, attempts, error, status === 'failed' ? now() : null, evaluationId);
      this.dropAttemptCurves([evaluationId]);
      this.insertEvent(row.experiment_id, 'attempt-failed', { evaluation: evaluationId, attempt: attempts, error, then: status });
      return status;
    });
  }

  async requeue(evaluationId: number): Promise<void> {
    this.write(() => {
      const info = this.db.prepare(`UPDATE evaluations SET status = 'queued', started_at = NULL WHERE id = ? AND status = 'running'`).run(evaluationId);
      if (info.changes === 1) this.dropAttemptCurves([evaluationId]);
    });
  }

  async requeueRunning(experimentId: number): Promise<number> {
    return this.write(() => {
      const ids = this.db.prepare(`UPDATE evaluations SET status = 'queued', started_at = NULL WHERE experiment_id = ? AND status = 'running' RETURNING id`).all(experimentId) as { id: number }[];
      this.dropAttemptCurves(ids.map((r) => r.id));
      const n = ids.length;
      if (n > 0) this.insertEvent(experimentId, 'requeued-running', { evaluations: n });
      return n;
    });
  }

  async requeueFailed(experimentId: number): Promise<number> {
    return this.write(() => {
      const n = this.db
        .prepare(`UPDATE evaluations SET status = 'queued', attempts = 0, started_at = NULL, finished_at = NULL WHERE experiment_id = ? AND status = 'failed'`)
        .run(experimentId).changes;
      if (n > 0) {
        this.db.prepare(`UPDATE experiments SET status = 'interrupted', updated_at = ? WHERE id = ? AND status = 'done'`).run(now(), experimentId);
        this.insertEvent(experimentId, 'retry-failed', { evaluations: n });
      }
      return n;
    });
  }

  async curve(evaluationId: number): Promise<CurvePoint[]> {
    const rows = this.db.prepare('SELECT point FROM curves WHERE evaluation_id = ? ORDER BY step').all(evaluationId) as { point: string }[];
    return rows.map((r) => toCurvePoint(r));
  }

  async snapshot(experimentId: number, options: SnapshotOptions = {}): Promise<StudySnapshot | undefined> {
    return this.read(() => {
      const experiment = this.experimentById(experimentId);
      if (!experiment) return undefined;
      const known = options.reuse?.evaluations;
      const evaluations = known?.size ? this.evaluationsReusing(experimentId, known) : this.evaluationRows(experimentId);
      const curves = new Map<number, CurvePoint[]>();
      const rows = options.curves === false ? [] : this.db
        .prepare(
          `SELECT c.evaluation_id AS id, c.point AS point FROM curves c JOIN evaluations e ON e.id = c.evaluation_id
           WHERE e.experiment_id = ? ORDER BY c.evaluation_id, c.step`,
        )
        .all(experimentId) as { id: number; point: string }[];
      for (const r of rows) {
        let list = curves.get(r.id);
        if (!list) curves.set(r.id, (list = []));
        list.push(toCurvePoint(r));
      }
      return {
        experiment,
        evaluations,
        architectures: withAncestors(evaluations.map((e) => e.architecture), (hash) => options.reuse?.architectures?.get(hash) ?? this.architecture(hash)),
        curves,
        events: this.eventRows(experimentId),
        strategy: this.strategyRow(experimentId),
        writer: this.writer(),
        checkpoints: this.checkpointUsage(experimentId),
      };
    });
  }

  private writer(): Writer | undefined {
    const row = this.db.prepare('SELECT pid, host, since FROM writer WHERE id = 1').get() as Writer | undefined;
    if (!row) return undefined;
    return row.host !== hostname() || pidAlive(row.pid) ? WriterSchema.parse(row) : undefined;
  }

  async activeWriter(): Promise<Writer | undefined> {
    return this.writer();
  }

  async logEvent(experimentId: number | null, kind: string, data: JsonObject = {}): Promise<void> {
    this.write(() => {
      if (experimentId !== null && !this.experimentById(experimentId)) throw unknownExperiment(experimentId, this.location);
      this.insertEvent(experimentId, kind, data);
    });
  }

  private insertEvent(experimentId: number | null, kind: string, data: JsonObject): void {
    this.db.prepare('INSERT INTO events (experiment_id, at, kind, data) VALUES (?, ?, ?, ?)').run(experimentId, now(), kind, json(data));
  }

  private eventRows(experimentId: number | null): Event[] {
    const rows = (
      experimentId === null
        ? this.db.prepare('SELECT * FROM events WHERE experiment_id IS NULL ORDER BY id').all()
        : this.db.prepare('SELECT * FROM events WHERE experiment_id = ? ORDER BY id').all(experimentId)
    ) as EventRow[];
    return rows.map(toEvent);
  }

  async events(experimentId: number | null): Promise<Event[]> {
    return this.eventRows(experimentId);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    if (!this.readonly) {
      this.db.transaction(() => this.db.prepare('DELETE FROM writer WHERE id = 1 AND pid = ?').run(process.pid)).immediate();
    }
    this.db.close();
  }
}
