// What a `postgres://` location names, and how it may be shown. A connection string can carry a
// password (in its user part or as `?password=`), and so can PGPASSWORD: cellsearch shows a
// location only as `postgres://user@host:port/database`, the values node-postgres will use (the
// PG* variables fill in what the URL leaves out), and scrubs any password from error text.
import pg from 'pg';
import { UserError } from '../errors.ts';
import { isPostgresLocation } from './db-location.ts';

export interface PostgresLocation {
  /** The connection string as given: for node-postgres only, never shown. */
  connectionString: string;
  /** `postgres://user@host:port/database`: what messages, reports and stored data show. */
  shown: string;
  /** Every password this location may use (URL, PGPASSWORD), to scrub from error text. */
  secrets: string[];
}

/** Parses a location (without ever repeating it in an error: it may hold a password). */
export function parsePostgresLocation(location: string): PostgresLocation {
  let params: { user?: string; host?: string; port?: number; database?: string; password?: unknown };
  try {
    new URL(location);
    // The values the client will use: the URL's, completed from the PG* variables and defaults.
    params = (new pg.Client({ connectionString: location }) as unknown as { connectionParameters: typeof params }).connectionParameters;
  } catch {
    throw new UserError('--db: not a valid PostgreSQL URL (expected postgres://user[:password]@host[:port]/database)');
  }
  const host = params.host ?? 'localhost';
  // A Unix socket directory is a host too; in a URL it is percent-encoded.
  const shownHost = host.startsWith('/') ? encodeURIComponent(host) : host.includes(':') ? `[${host}]` : host;
  const user = params.user === undefined ? '' : `${encodeURIComponent(params.user)}@`;
  const shown = `postgres://${user}${shownHost}:${params.port ?? 5432}/${encodeURIComponent(params.database ?? '')}`;
  const secrets = [typeof params.password === 'string' ? params.password : undefined, process.env.PGPASSWORD].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  return { connectionString: location, shown, secrets };
}

/** A location as messages may show it: a URL without its password (as `Storage.location`), a path as it is. */
export function shownLocation(location: string): string {
  return isPostgresLocation(location) ? parsePostgresLocation(location).shown : location;
}

/** `text` with every secret (as written and percent-encoded) replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}
