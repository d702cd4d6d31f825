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
