// Shared helpers for tests that drive the real `cellsearch` command.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = new URL('..', import.meta.url).pathname;
export const cliPath = join(repoRoot, 'bin', 'cellsearch.js');

/**
 * Runs `cellsearch args...` to completion and returns its exit status and output. The timeout only
 * turns a hung command into a failure: no test's command comes near it, even on a loaded machine.
 */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cliPath, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
  });
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'cellsearch-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
