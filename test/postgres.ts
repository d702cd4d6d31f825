// The PostgreSQL server tests use: the one scripts/with-postgres.sh starts (`.ci/run` always
// does), named by CELLSEARCH_TEST_PG. Without it, PostgreSQL tests skip and say why.
import pg from 'pg';

/** The server's URL (a database tests may connect to and create databases from), if one is given. */
export const TEST_PG = process.env.CELLSEARCH_TEST_PG;

/** `skip` for node:test: false with a server, else the reason. */
export const SKIP_WITHOUT_PG: false | string = TEST_PG
  ? false
  : 'CELLSEARCH_TEST_PG is not set: PostgreSQL tests skipped (run them with scripts/with-postgres.sh node scripts/test.mjs ...; .ci/run always does)';

/** `url` naming another database on the same server (user, password, host and options kept). */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

let counter = 0;

/** A new, empty database on the test server: its URL, and `drop()` (which ends its connections). */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!TEST_PG) throw new Error(SKIP_WITHOUT_PG as string);
  const name = `cs_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await admin(`CREATE DATABASE ${name}`);
  return { url: databaseUrl(TEST_PG, name), drop: async () => void (await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/** Runs one statement on the test server's own database. */
export async function admin(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: TEST_PG });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/**
 * A PostgreSQL server of the test's own (a cluster in a temporary folder, on 127.0.0.1 at a free
 * port, with the binaries scripts/with-postgres.sh found), for a test that restarts or stops its
 * server without disturbing other tests: its URL (the database `postgres`), `down()` (pg_ctl stop
 * -m fast: every session is cut), `up()` (started again on the same port) and `remove()`.
 */
export async function ownServer(): Promise<{ url: string; down: () => void; up: () => void; remove: () => void }> {
  const bin = process.env.CELLSEARCH_TEST_PG_BIN;
  if (!TEST_PG || !bin) throw new Error(SKIP_WITHOUT_PG || 'CELLSEARCH_TEST_PG_BIN is not set (scripts/with-postgres.sh sets it)');
  const { mkdtempSync, rmSync, chownSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createServer } = await import('node:net');
  const dir = mkdtempSync(join(tmpdir(), 'cellsearch-own-pg-'));
  const data = join(dir, 'data');
  // PostgreSQL refuses to run as root: as root (CI), the server runs as `postgres`, as in scripts/with-postgres.sh.
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) =>
    execFileSync(root ? 'runuser' : join(bin, tool), root ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`;
  const up = () => void run('pg_ctl', ['start', '-D', data, '-w', '-t', '120', '-s', '-l', join(dir, 'server.log'), '-o', options]);
  up();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    down: () => void run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '120', '-s']),
    up,
    remove: () => {
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-s']);
      } catch {
        // Already stopped (a test that failed while its server was down): the test's own error is the one to see.
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
