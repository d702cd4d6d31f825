// Errors meant for the user (a malformed cell, a wrong flag, a corrupt database, a missing data
// file) carry `userFacing = true`: the CLI prints their message alone and exits with code 2.
// Anything else is a bug and is printed with its stack. Every layer may import this file.

export class UserError extends Error {
  readonly userFacing = true;
  override name = 'UserError';
}

export function isUserError(err: unknown): err is Error & { userFacing: true } {
  return err instanceof Error && (err as { userFacing?: unknown }).userFacing === true;
}

/**
 * What the system or SQLite said, by error code, and what the user can do about it: a file that
 * cannot be written, a full disk, a path through a file. Such an error is the machine's state,
 * not a bug, so it is reported as bad input (exit 2) rather than with a stack.
 */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied: check the owner and mode of the file and of its folder',
  EPERM: 'operation not permitted: check the owner and mode of the file and of its folder',
  EROFS: 'the file system is read-only: give a path on a writable one',
  ENOSPC: 'no space left on the device: free some space, then run the same command again',
  EDQUOT: 'disk quota exceeded: free some space, then run the same command again',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, where a file is needed',
  EEXIST: 'already exists and is not what is needed here (a file where a folder is needed?)',
  ENOENT: 'no such file or folder',
  ELOOP: 'too many symbolic links in the path',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files: raise the limit (ulimit -n)',
  EIO: 'input/output error from the device: check the disk',
  SQLITE_READONLY: 'the database cannot be written (the file, its -wal or -shm file, or its folder is read-only for this user)',
  SQLITE_CANTOPEN: 'SQLite cannot open the database file: check that its folder exists and that this user may read and write the file and its folder',
  SQLITE_FULL: 'the disk is full: free some space, then run the same command again (what was recorded is kept)',
  SQLITE_IOERR_SHMSIZE: 'the disk is full (SQLite could not grow the -shm file beside the database): free some space, then run the same command again',
  SQLITE_IOERR: 'input/output error on the database (a full disk, a removed device or a special file)',
  SQLITE_PERM: 'access to the database was denied',
  SQLITE_BUSY: 'the database is locked by another process: wait for it, then try again',
  SQLITE_NOTADB: 'not a database file',
  SQLITE_CORRUPT: 'the database file is corrupt',
};

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `err` as a UserError if it is a system or SQLite error of SYSTEM_ERRORS (extended SQLite codes
 * such as SQLITE_IOERR_WRITE by their primary code), naming `path` (default: the error's own
 * path, as Node's file errors carry it) and what to do; undefined for anything else.
 */
export function systemError(err: unknown, path?: string, detail = ''): UserError | undefined {
  const code = errorCode(err);
  if (code === undefined) return undefined;
  const advice = SYSTEM_ERRORS[code] ?? SYSTEM_ERRORS[code.split('_').slice(0, 2).join('_')];
  if (advice === undefined) return undefined;
  const where = path ?? (err as { path?: unknown }).path;
  return new UserError(`${typeof where === 'string' ? `${where}: ` : ''}${advice} (${code})${detail}`);
}
