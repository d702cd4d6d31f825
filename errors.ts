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
