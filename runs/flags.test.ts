// Flag values parsed with their schemas, refusals worded with the flag's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { isUserError } from '../errors.ts';
import { SettingSchema } from '../cells/engine/settings.ts';
import { parseFlags, parseNameFlag, parseRunFlags, parseSettingFlags, SETTING_FLAGS } from './flags.ts';

const refused = (f: () => unknown, message: string) =>
  assert.throws(f, (e: unknown) => isUserError(e) && (e as Error).message === message);

test('every field of a setting has a flag, and the flags are distinct', () => {
  assert.deepEqual(Object.keys(SETTING_FLAGS).sort(), Object.keys(SettingSchema.shape).sort());
  assert.equal(new Set(Object.values(SETTING_FLAGS)).size, Object.keys(SETTING_FLAGS).length);
});

test('setting flags: not given is no override; a bad value names the flag, the rule and the value', () => {
  assert.deepEqual(parseSettingFlags({ hidden: undefined, learningRate: 0.5 }), { learningRate: 0.5 });
  refused(() => parseSettingFlags({ hidden: 5000 }), '--hidden must be at most 4096, got 5000');
  refused(() => parseSettingFlags({ hidden: 0 }), '--hidden must be at least 1, got 0');
  refused(() => parseSettingFlags({ learningRate: 0 }), '--lr must be greater than 0, got 0');
  refused(() => parseSettingFlags({ momentum: 1 }), '--momentum must be less than 1, got 1');
  refused(() => parseSettingFlags({ maxSteps: 2.5 }), '--steps must be a whole number, got 2.5');
  refused(() => parseSettingFlags({ initScale: Number.NaN }), '--init-scale must be a number, got NaN');
  refused(() => parseSettingFlags({ optimizer: 'adam' }), "--optimizer must be one of sgd, nesterov, got 'adam'");
  refused(() => parseSettingFlags({ evalEvery: [1, 2] }), '--eval-every must be a number, got 2 values (give it once)');
});

test('run flags, and any schema with its own flag names', () => {
  assert.deepEqual(parseRunFlags({ maxAttempts: 2, maxHeapMb: 2048 }), { maxAttempts: 2, maxHeapMb: 2048 });
  refused(() => parseRunFlags({ maxAttempts: 0, maxHeapMb: 2048 }), '--max-attempts must be at least 1, got 0');
  refused(() => parseRunFlags({ maxAttempts: 1, maxHeapMb: 63 }), '--max-heap-mb must be at least 64, got 63');
  refused(() => parseFlags(z.strictObject({ top: z.number().int().min(1) }), { top: -2 }), '--top must be at least 1, got -2');
});

test('--name: one non-empty printable line', () => {
  assert.equal(parseNameFlag(undefined), undefined);
  assert.equal(parseNameFlag('my study (2)'), 'my study (2)');
  refused(() => parseNameFlag(''), "--name must not be empty, got ''");
  for (const bad of ['a\nb', 'title\x1b]0;pwned\x07', 'nul\0', 'tab\there', 'del\x7f', 'c1\x9b', 'ls\u2028']) {
    assert.throws(() => parseNameFlag(bad), (e: unknown) => isUserError(e) && /^--name must not contain control characters/.test((e as Error).message), JSON.stringify(bad));
  }
});
