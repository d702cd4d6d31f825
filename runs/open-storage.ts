// The one place that turns a location (what --db names) into a Storage: commands and reports
// open their database here and never name a backend. A postgres:// (or postgresql://) URL is a
// database on a PostgreSQL server (runs/postgres.ts); anything else without a scheme is the path
// of a SQLite file.
import { UserError } from '../errors.ts';
import { isPostgresLocation } from './db-location.ts';
import { openSqliteStorage } from './sqlite.ts';
import type { Storage } from './storage.ts';

export interface OpenStorageOptions {
  /** Open for reading only (reports, `cellsearch runs`, a second terminal). */
  readonly?: boolean;
  /** With readonly: read once and exit (`runs`, `report`): leaves no file behind (runs/sqlite.ts). */
  snapshot?: boolean;
  /**
   * On a PostgreSQL server: how long a lost connection (a restart) is retried before a unit of
   * work fails (ms; default 5 minutes), and who is told of each try.
   */
  reconnect?: { forMs?: number; onRetry?: (message: string) => void };
}

/** `scheme://...`: a URL rather than a path (a Windows drive letter is followed by `:\`, not `://`). */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Opens the database at `location` (a writer creates or migrates a SQLite file). */
export async function openStorage(location: string, opts: OpenStorageOptions = {}): Promise<Storage> {
  if (isPostgresLocation(location)) {
    // Loaded on demand: a SQLite user never loads the PostgreSQL client.
    const { openPostgresStorage } = await import('./postgres.ts');
    return openPostgresStorage(location, { readonly: opts.readonly, reconnect: opts.reconnect });
  }
  const scheme = URL_SCHEME.exec(location)?.[1].toLowerCase();
  // The location is not repeated: a URL may carry a password.
  if (scheme !== undefined) {
    throw new UserError(`--db: '${scheme}://' databases are not supported; give a postgres:// URL or the path of a SQLite file (e.g. runs/study.sqlite)`);
  }
  return openSqliteStorage(location, { readonly: opts.readonly, snapshot: opts.snapshot });
}
