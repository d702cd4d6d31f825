// The CLI's contract with its user: exit codes and messages for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers.ts';

test('no command exits 2 and asks for one', () => {
  const r = runCli([]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Name a command/);
});

test('--version prints the package version', () => {
  const r = runCli(['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});
