// The one place that turns a location (what --db names) into a Storage: commands and reports
// open their database here and never name a backend. Today every location is a SQLite file;
// a PostgreSQL backend will be chosen here by its postgres:// URL.
import { UserError } from '../errors.ts';
import { openSqliteStorage } from './sqlite.ts';
import type { Storage } from './storage.ts';

export interface OpenStorageOptions {
  /** Open for reading only (reports, `cellsearch runs`, a second terminal). */
  readonly?: boolean;
  /** With readonly: read once and exit (`runs`, `report`): leaves no file behind (runs/sqlite.ts). */
  snapshot?: boolean;
}

/** `scheme://...`: a URL rather than a path (a Windows drive letter is followed by `:\`, not `://`). */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Opens the database at `location` (a writer creates or migrates a SQLite file). */
export async function openStorage(location: string, opts: OpenStorageOptions = {}): Promise<Storage> {
  const scheme = URL_SCHEME.exec(location)?.[1].toLowerCase();
  // The location is not repeated: a URL may carry a password.
  if (scheme === 'postgres' || scheme === 'postgresql') {
    throw new UserError('--db: PostgreSQL databases are not supported yet; give the path of a SQLite file (e.g. runs/study.sqlite)');
  }
  if (scheme !== undefined) throw new UserError(`--db: '${scheme}://' databases are not supported; give the path of a SQLite file (e.g. runs/study.sqlite)`);
  return openSqliteStorage(location, { readonly: opts.readonly, snapshot: opts.snapshot });
}
