// The fuzz suite's share of `npm test` (scripts/fuzz.ts: `npm run fuzz` runs more, with any seed):
// random and mutated notation and JSON cells, random flag values through the flag parsers, and
// random flags through the real CLI. No input may give anything but a result or a UserError
// (exit 2 for the CLI, with nothing written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzCli, fuzzInProcess } from '../scripts/fuzz.ts';

const SEED = 'issue-18';

test('fuzz: notation, JSON and flag values, 200 of each, seeded', () => {
  const r = fuzzInProcess(SEED, 200);
  for (const [c, x] of Object.entries(r.counts)) process.stdout.write(`# ${c}: ${x.tried} tried, ${x.accepted} accepted, ${x.refused} refused\n`);
  assert.deepEqual(r.failures, []);
  assert.ok(r.counts['notation mutated'].refused > 50 && r.counts['notation mutated'].accepted > 10, 'the mutations reach both outcomes');
  assert.ok(r.counts['json mutated'].refused > 50);
});

test('fuzz: 8 runs of the real CLI with random bad flags exit 2 and write nothing', () => {
  const r = fuzzCli(SEED, 8);
  process.stdout.write(`# cli: ${r.counts.cli.tried} tried, ${r.counts.cli.accepted} accepted, ${r.counts.cli.refused} refused\n`);
  assert.deepEqual(r.failures, []);
});
