import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../errors.ts';
import { fidelity } from '../search/space.ts';
import { gruHash } from '../search/strategies/index.ts';
import { parseDuration, searchStatus, searchStudy, SearchStudyConfigSchema, textTable, UNBOUNDED_BUDGET, watchBoundaries } from './search.ts';
import type { Strategy } from './strategy.ts';
import type { Evaluation } from './storage.ts';

const base = { strategy: 'jozefowicz', tasks: ['arithmetic', 'xml'], scale: 'tiny' as const, seed: 1 };

test('parseDuration: hours, minutes, seconds, combinations, plain seconds; nonsense is a UserError', () => {
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('90m'), 5_400_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('10min'), 600_000);
  assert.equal(parseDuration('0.5s'), 500);
  assert.equal(parseDuration('600'), 600_000);
  assert.equal(parseDuration('1000h'), 3_600_000_000);
  for (const bad of ['', 'soon', '2x', '1h junk', '0s', '0', '0.0', '0h0m', '9'.repeat(400) + 'h']) assert.throws(() => parseDuration(bad), (e) => isUserError(e) && /--time/.test((e as Error).message), bad);
});

test('searchStudy: the stored config holds the whole preset, with the knobs applied', () => {
  const s = searchStudy(base);
  const tiny = fidelity('tiny');
  assert.deepEqual(s.config.fidelity, tiny);
  assert.equal(s.config.strategy, 'jozefowicz');
  assert.equal(s.config.evaluations, tiny.search.evaluations);
  assert.equal(s.config.memorize, true);
  assert.deepEqual(Object.keys(s.config.vocab).sort(), ['arithmetic', 'memorize', 'xml']);
  assert.equal(s.spec.kind, 'search');
  assert.equal(s.spec.name, 'search-jozefowicz-tiny');
  assert.deepEqual(SearchStudyConfigSchema.parse(JSON.parse(JSON.stringify(s.spec.config))), s.config);

  const k = searchStudy({ ...base, strategy: 'aging', budget: 12, generationSize: 3, knobs: { settingsPerTask: 2, population: 6, sample: 2, q: 0.7, listSize: 5, repeatSettings: 4, steps: 50 } });
  assert.equal(k.config.memorize, false);
  assert.equal(k.config.evaluations, 12);
  assert.equal(k.config.generationSize, 3);
  assert.deepEqual(k.config.fidelity.search, { ...tiny.search, settingsPerTask: 2, population: 6, sample: 2, reevaluateProbability: 0.7, listSize: 5, repeatSettings: 4 });
  assert.deepEqual(k.config.fidelity.train, { ...tiny.train, maxSteps: 50, evalEvery: 50 });
  assert.equal(searchStudy({ ...base, timeLimited: true }).config.evaluations, UNBOUNDED_BUDGET);
  // Successive halving: the preset's (tiny: full), or the flags'.
  assert.deepEqual(searchStudy({ ...base, scale: 'small' }).config.fidelity.search, fidelity('small').search);
  const sha = searchStudy({ ...base, knobs: { fidelity: 'sha', eta: 4, minSteps: 20 } }).config.fidelity.search;
  assert.deepEqual(sha, { ...tiny.search, fidelity: 'sha', eta: 4, minSteps: 20 });
});

test('searchStudy: bad requests are UserErrors naming the flag', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ strategy: 'greedy' }, /--strategy/],
    [{ tasks: ['music'] }, /--tasks: 'music'/],
    [{ tasks: ['nope'] }, /nope/],
    [{ tasks: [] }, /--tasks/],
    [{ tasks: ['xml', 'xml'] }, /twice/],
    [{ budget: 0 }, /--budget/],
    [{ seed: -1 }, /--seed/],
    [{ knobs: { q: 1.5 } }, /--q/],
    [{ knobs: { sample: 20, population: 5 } }, /--sample/],
    [{ knobs: { settingsPerTask: 1.5 } }, /--k/],
    [{ knobs: { fidelity: 'half' } }, /--fidelity must be one of full, sha, got 'half'/],
    [{ knobs: { eta: 1 } }, /--eta must be at least 2, got 1/],
    [{ knobs: { minSteps: 2.5 } }, /--min-steps must be a whole number/],
  ];
  for (const [over, re] of cases) assert.throws(() => searchStudy({ ...base, ...over } as never), (e) => isUserError(e) && re.test((e as Error).message), JSON.stringify(over));
});

test('watchBoundaries: calls back after each proposal with the finished count, the generation and its size, and leaves the proposals alone', () => {
  const calls: number[][] = [];
  const proposal = { architecture: { hash: 'h', cell: {}, notation: null, origin: { kind: 'zoo', name: 'gru' } }, task: 't', taskOptions: {}, hyperparameters: {}, trial: 0 } as const;
  const inner: Strategy = { name: 'x', init: () => 7, propose: (state, history) => ({ state, proposals: history.length ? [] : [proposal], finished: history.length > 0 }) };
  const w = watchBoundaries(inner, (b) => calls.push([b.finished, b.generation, b.queued]));
  assert.equal(w.init(1), 7);
  assert.deepEqual(w.propose(7, []), { state: 7, proposals: [proposal], finished: false });
  const ev = (generation: number) => ({ generation }) as unknown as Evaluation;
  w.propose(7, [ev(0), ev(0), ev(1)]);
  assert.deepEqual(calls, [[0, 0, 1], [3, 2, 0]]);
});

test('textTable pads columns by their alignment', () => {
  const t = textTable({ columns: [{ label: 'a', align: 'left' }, { label: 'num', align: 'right' }], rows: [['xyz', '1'], ['q', '22']] });
  assert.equal(t, 'a    num\nxyz    1\nq     22');
});

test('searchStatus: finished and queued counts, the best score, the top 5 per task on a terminal, an estimate from the rate since the session\'s first boundary', () => {
  const { config } = searchStudy({ ...base, budget: 20 });
  const gru = gruHash();
  const ev = (architecture: string, task: string, acc: number, generation = 0) => ({ architecture, task, status: 'done', metrics: { validAccuracy: acc }, generation }) as unknown as Evaluation;
  const history = [ev(gru, 'arithmetic', 0.5), ev(gru, 'xml', 0.2), ev('f'.repeat(16), 'arithmetic', 0.6), ev('f'.repeat(16), 'xml', 0.3), ev('e'.repeat(16), 'arithmetic', 0.1)];
  const boundary = { finished: 5, generation: 2, queued: 4, history };
  const plain = searchStatus({ config, boundary, elapsedMs: 70_000, base: { finished: 1, elapsedMs: 10_000 }, tty: false });
  // 4 evaluations in 60 s since the first boundary; 15 left: 225 s.
  assert.equal(plain, 'generation 2: 5 of 20 evaluations finished, 4 queued; best score 1.200 (ffffffff); elapsed 1 min 10 s, estimated 3 min 45 s left');
  const tty = searchStatus({ config, boundary, elapsedMs: 70_000, base: { finished: 5, elapsedMs: 70_000 }, limitMs: 100_000, tty: true }).split('\n');
  assert.equal(tty[0], 'generation 2: 5 of 20 evaluations finished, 4 queued; best score 1.200 (ffffffff); elapsed 1 min 10 s, time limit in 30.0 s');
  assert.deepEqual(tty.slice(2), ['  1. ffffffff score 1.200  arithmetic 0.600 (1.20)  xml 0.300 (1.50)', '  2. ' + gru.slice(0, 8) + ' score 1.000  arithmetic 0.500 (1.00)  xml 0.200 (1.00)']);
});

test('searchStudy with the text task: its data and --set in the config, in every proposal, and nowhere else', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'cellsearch-search-text-')), 'all.txt');
  writeFileSync(file, 'the cat sat on the mat\nthe dog ran\n'.repeat(300));
  const s = searchStudy({ ...base, tasks: ['arithmetic', 'text'], dataDir: file, taskSettings: { level: 'word' } });
  assert.deepEqual(s.config.taskOptions, { text: { level: 'word', dataDir: file } });
  assert.equal(s.config.vocab.text, 9, 'seven words, <eos> and <unk>');
  assert.deepEqual(SearchStudyConfigSchema.parse(JSON.parse(JSON.stringify(s.spec.config))), s.config);
  // aging trains its first population on every task at once
  const aging = searchStudy({ ...base, strategy: 'aging', tasks: ['arithmetic', 'text'], dataDir: file, taskSettings: { level: 'word' } });
  const first = aging.strategy.propose(aging.strategy.init(1), []).proposals;
  const text = first.filter((p) => p.task === 'text');
  assert.ok(text.length > 0);
  for (const p of text) assert.deepEqual(p.taskOptions, { level: 'word', dataDir: file });
  // sized with ptb's budget (word level), unlike arithmetic's
  const h = (task: string) => first.find((p) => p.task === task && p.architecture.hash === text[0].architecture.hash)!.hyperparameters.hidden;
  assert.notEqual(h('text'), h('arithmetic'));
  assert.equal('taskOptions' in searchStudy(base).config, false, 'a search without text keeps the config it had');
  assert.throws(() => searchStudy({ ...base, tasks: ['text'] }), /--tasks text needs --data-dir/);
  assert.throws(() => searchStudy({ ...base, dataDir: file }), /--data-dir and --set apply to the text task in a search/);
});
