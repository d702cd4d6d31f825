// The leases of the PostgreSQL backend's writers, as session-level advisory locks held on a
// connection of the writer's own (its lease connection): a lock dies with its session, so a writer
// killed anywhere (kill -9, a machine lost) releases everything it held as soon as the server sees
// its socket closed, and nothing needs to time out.
//
// - The database: every writer holds APPLICATION_ID (one bigint key) in shared mode, so any number
//   of studies are driven at once on one database; creating or migrating the tables takes it in
//   exclusive mode (the schema changes only while nobody else writes). An older cellsearch held it
//   exclusively, so it and this one never write the same database at once.
// - A study: its driver holds (APPLICATION_ID, experiment id) (two int keys) exclusively, so a
//   second driver of the same study is refused while the first lives, and the same command takes
//   over once it died. `retry-failed` and `db copy` take it too.
//
// The `writers` and `study_leases` rows say who (pid, host, since) and under which server session
// (`backend_pid`); a row counts only while pg_locks shows its session holding the lock, so the
// rows of dead writers are ignored (and removed by the next writer).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { rows, type Db } from './postgres-rows.ts';
import { now } from './rows.ts';
import { APPLICATION_ID, WriterSchema, type Writer } from './storage.ts';

/** One open writer: the token its rows carry, and who it is. */
export interface WriterIdentity extends Writer {
  token: string;
}

export function newWriter(): WriterIdentity {
  return { token: randomUUID(), pid: process.pid, host: hostname(), since: now() };
}

/** pg_locks' row of a granted advisory lock in this database held by session `backend` (an SQL expression). */
const held = (key: 'database' | 'study', backend: string, experimentId = '') =>
  `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = ${backend}
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND ${key === 'database' ? `l.classid = 0 AND l.objid = ${APPLICATION_ID} AND l.objsubid = 1` : `l.classid = ${APPLICATION_ID} AND l.objid::bigint = ${experimentId} AND l.objsubid = 2`})`;

async function tryLock(lease: Db, call: string, params: unknown[]): Promise<boolean> {
  return (await rows<{ ok: boolean }>(lease, `SELECT ${call} AS ok`, params))[0].ok;
}

export interface DatabaseLockOptions<C> {
  /** Reads what the database holds (throws a refusal for one that is not cellsearch's, or newer). */
  check: () => Promise<C>;
  /** Whether it has this version's schema. */
  current: (found: C) => boolean;
  /** Creates or migrates the tables (called holding the database alone). */
  upgrade: (found: C) => Promise<void>;
  /** The error when the database stays held alone by another process (an older cellsearch writing it). */
  busy: () => Error;
  /** How long to wait for a creation or migration by another process (default 5 s). */
  waitMs?: number;
}

/**
 * Takes the database's writer lock on `lease` in shared mode, creating or migrating the tables
 * first (exclusive mode, then shared) when they are not this version's. Another process creating
 * or migrating it at the same moment is waited for.
 */
export async function lockDatabase<C>(lease: Db, o: DatabaseLockOptions<C>): Promise<void> {
  const until = Date.now() + (o.waitMs ?? 5_000);
  for (;;) {
    const found = await o.check();
    if (o.current(found)) {
      if (await tryLock(lease, 'pg_try_advisory_lock_shared($1)', [APPLICATION_ID])) {
        // Checked again under the lock: a newer cellsearch may have migrated it in between.
        await o.check();
        return;
      }
    } else if (await tryLock(lease, 'pg_try_advisory_lock($1)', [APPLICATION_ID])) {
      try {
        const again = await o.check();
        if (!o.current(again)) await o.upgrade(again);
        // A session's own locks never conflict: shared is granted at once, then exclusive dropped.
        await lease.query('SELECT pg_advisory_lock_shared($1)', [APPLICATION_ID]);
      } finally {
        await lease.query('SELECT pg_advisory_unlock($1)', [APPLICATION_ID]);
      }
      return;
    }
    if (Date.now() > until) throw o.busy();
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** Records the writer under its lease connection's session (and forgets the rows of writers whose session is gone). */
export async function registerWriter(lease: Db, w: WriterIdentity): Promise<void> {
  await lease.query(`DELETE FROM writers w WHERE NOT ${held('database', 'w.backend_pid')}`);
  await lease.query(
    `INSERT INTO writers (token, backend_pid, pid, host, since) VALUES ($1, pg_backend_pid(), $2, $3, $4)
     ON CONFLICT (token) DO UPDATE SET backend_pid = excluded.backend_pid`,
    [w.token, w.pid, w.host, w.since],
  );
}

/**
 * Takes the study's lease on `lease`: true when taken (or already held by this writer), false
 * when another live process holds it.
 */
export async function lockStudy(lease: Db, w: WriterIdentity, experimentId: number): Promise<boolean> {
  if (!(await tryLock(lease, 'pg_try_advisory_lock($1::int, $2::int)', [APPLICATION_ID, experimentId]))) return false;
  await lease.query(
    `INSERT INTO study_leases (experiment_id, token, backend_pid, pid, host, since) VALUES ($1, $2, pg_backend_pid(), $3, $4, $5)
     ON CONFLICT (experiment_id) DO UPDATE SET token = excluded.token, backend_pid = excluded.backend_pid, pid = excluded.pid, host = excluded.host, since = excluded.since`,
    [experimentId, w.token, w.pid, w.host, now()],
  );
  return true;
}

/**
 * Takes every lease of `w` again on a new connection after its lease connection was lost: the
 * database's, and each study's, but only if no other writer took one of those studies meanwhile
 * (its row is still `w`'s): that writer may have changed what this one believes. Returns what was
 * refused, or undefined when all is held again.
 */
export async function retakeLeases(lease: Db, w: WriterIdentity, studies: ReadonlySet<number>): Promise<string | undefined> {
  if (!(await tryLock(lease, 'pg_try_advisory_lock_shared($1)', [APPLICATION_ID]))) return 'another process holds the database alone';
  for (const id of studies) {
    if (!(await tryLock(lease, 'pg_try_advisory_lock($1::int, $2::int)', [APPLICATION_ID, id]))) return `another process drives experiment ${id}`;
  }
  const ids = [...studies];
  const mine = await rows<{ n: number }>(lease, 'SELECT COUNT(*)::int AS n FROM study_leases WHERE experiment_id = ANY($1::bigint[]) AND token = $2', [ids, w.token]);
  if (mine[0].n !== ids.length) return 'another process drove one of its studies since';
  await registerWriter(lease, w);
  await lease.query('UPDATE study_leases SET backend_pid = pg_backend_pid() WHERE token = $1', [w.token]);
  return undefined;
}

/** Removes the writer's rows and releases its locks (before its connection closes, so a reader asking right after sees no writer). */
export async function releaseLeases(lease: Db, w: WriterIdentity): Promise<void> {
  await lease.query('DELETE FROM study_leases WHERE token = $1', [w.token]);
  await lease.query('DELETE FROM writers WHERE token = $1', [w.token]);
  await lease.query('SELECT pg_advisory_unlock_all()');
}

/** The live writer that opened most recently, if any. */
export async function liveWriter(db: Db): Promise<Writer | undefined> {
  const [r] = await rows<Writer>(db, `SELECT pid, host, since FROM writers w WHERE ${held('database', 'w.backend_pid')} ORDER BY since DESC, token LIMIT 1`);
  return r && WriterSchema.parse(r);
}

/** The live holder of the study's lease, if any. */
export async function studyHolder(db: Db, experimentId: number): Promise<Writer | undefined> {
  const [r] = await rows<Writer>(db, `SELECT pid, host, since FROM study_leases s WHERE s.experiment_id = $1 AND ${held('study', 's.backend_pid', 's.experiment_id')}`, [experimentId]);
  return r && WriterSchema.parse(r);
}
