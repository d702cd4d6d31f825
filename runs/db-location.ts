// Where a command's database is when --db is not given: CELLSEARCH_DB, so that one setting points
// every command (train, search, ablate, runs, report, export, ...) at a PostgreSQL server or a
// shared file. Light on purpose: commands import it at startup.

/** `postgres://...` or `postgresql://...` (any case): a PostgreSQL location rather than a file path. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** --db if given, else CELLSEARCH_DB when set (a path or a postgres:// URL), else undefined (the command's own default). */
export function dbLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? (env.CELLSEARCH_DB ? env.CELLSEARCH_DB : undefined);
}
