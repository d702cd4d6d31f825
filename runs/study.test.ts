// The study driver: determinism across worker counts, kill-and-resume, SIGINT, failures and
// retries, concurrent readers, refusal of a changed configuration, checkpoints continued from
// generation to generation (successive halving). Uses the fixture worker (and the training
// worker once, for a real checkpoint). The
// tests that need no file run on the in-memory backend; kill, SIGINT and concurrent readers are
// about SQLite files and processes (and end equal to the in-memory reference).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';
import { z } from 'zod';
import { zooCell } from '../cells/zoo/index.ts';
import { defineStrategy } from '../search/contract.ts';
import { cliPath, repoRoot, tempDir } from '../test/helpers.ts';
import type { WorkerTask } from './define-worker.ts';
import type { Job, JobResult, WorkerReply } from './job.ts';
import { JobPool } from './pool.ts';
import { memoryStorage } from './memory-storage.ts';
import { openSqliteStorage } from './sqlite.ts';
import type { Evaluation, Storage } from './storage.ts';
import { trialOfKey } from './seeds.ts';
import { openExperiment, runStudy, type StudySpec } from './study.ts';
import { architectureOf, fixedListStrategy, type Proposal, type Strategy } from './strategy.ts';
import { trainJob } from './trainer.ts';
import { trainingJob } from './training-job.ts';
import {
  FIXTURE_ARCHITECTURE,
  FIXTURE_WORKER,
  fixtureSpec,
  fixtureStrategy,
  halvingStrategy,
  type FixtureConfig,
  type HalvingConfig,
} from './fixtures/fixture-study.ts';

const CHILD = fileURLToPath(new URL('./fixtures/study-child.ts', import.meta.url));
const SEED = 2015;
const CONFIG: FixtureConfig = { generations: 3, perGeneration: 4, sleepMs: 100 };
/** A proposal of the fixture cell on the fixture task, for the fixed-list strategy's tests. */
const fixtureProposal = (trial: string, hyperparameters: Proposal['hyperparameters'], more: Partial<Proposal> = {}): Proposal => ({ architecture: FIXTURE_ARCHITECTURE, task: 'fixture', taskOptions: {}, hyperparameters, trial, ...more });
/** Rungs of 2, 4 and 8 steps: 6 settings, then 3 continued, then 1 (10 evaluations). */
const HALVING: HalvingConfig = { cohort: 6, rungs: 3, eta: 2, sleepMs: 50 };

/** Everything in the database that must not depend on workers, timing, interruptions or the backend. */
async function comparable(r: Storage, name: string) {
  const e = await r.getExperiment(name);
  assert.ok(e, `experiment ${name} exists`);
  const rows = [];
  for (const v of await r.evaluations(e.id)) {
    const { id: _id, experimentId: _e, wallMs: _w, ...rest } = v;
    const checkpoint = await r.checkpoint(e.id, v.key);
    rows.push({ ...rest, curve: await r.curve(v.id), checkpoint: checkpoint && Buffer.from(checkpoint).toString('base64') });
  }
  return { status: e.status, config: e.config, strategy: await r.strategyState(e.id), rows, checkpointBytes: await r.checkpointBytes(e.id) };
}

/** `comparable` of a SQLite file, read-only. */
async function comparableFile(path: string, name: string) {
  const r = openSqliteStorage(path, { readonly: true });
  try {
    return await comparable(r, name);
  } finally {
    await r.close();
  }
}

/** Runs the fixture study (the adaptive one by default) to its end on `storage` (closed afterwards). */
async function runInProcess(storage: Storage, workers: number, spec: StudySpec = fixtureSpec('fx', SEED, CONFIG), strategy: Strategy = fixtureStrategy(CONFIG)) {
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers });
  try {
    const outcome = await runStudy({ storage, spec, strategy, pool, maxAttempts: 2 });
    return { outcome, result: await comparable(storage, spec.name) };
  } finally {
    await pool.destroy();
    await storage.close();
  }
}

interface Child {
  lines: { type: string; id?: number }[];
  stderr: string;
  exit: Promise<number | null>;
  kill(sig: NodeJS.Signals): void;
  /** Resolves when the n-th event of this type has been printed. */
  waitFor(type: string, n: number): Promise<void>;
}

/** study-child.ts's arguments after <workers>: the adaptive study of CONFIG, or the halving study of HALVING. */
const ADAPTIVE_ARGS = [CONFIG.generations, CONFIG.perGeneration, CONFIG.sleepMs].map(String);
const HALVING_ARGS = [HALVING.rungs, HALVING.cohort, HALVING.sleepMs, 'halving', HALVING.eta].map(String);

/** `hold`: the fixture worker's FIXTURE_HOLD_AFTER / FIXTURE_RELEASE (jobs above an id wait for a file). */
function startChild(path: string, workers: number, hold: { after: number; release?: string } | undefined = undefined, study = ADAPTIVE_ARGS): Child {
  const env = hold ? { ...process.env, FIXTURE_HOLD_AFTER: String(hold.after), ...(hold.release ? { FIXTURE_RELEASE: hold.release } : {}) } : process.env;
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, path, 'fx', String(SEED), String(workers), ...study], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = {
    lines: [],
    stderr: '',
    exit: new Promise((resolve) => p.on('exit', (code, signal) => resolve(signal ? null : code))),
    kill: (sig) => p.kill(sig),
    waitFor: (type, n) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (child.lines.filter((l) => l.type === type).length >= n) resolve();
          else if (p.exitCode !== null || p.signalCode !== null) reject(new Error(`child ended before ${n} '${type}' events:\n${child.stderr}`));
          else setTimeout(check, 5);
        };
        check();
      }),
  };
  let buf = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      child.lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => (child.stderr += d));
  return child;
}

/** Runs the real CLI without blocking this process (the child coordinators keep printing). */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => p.on('close', (status) => resolve({ status, stdout, stderr })));
}

let reference: Awaited<ReturnType<typeof comparable>>;
let halvingReference: Awaited<ReturnType<typeof comparable>>;

before(async () => {
  const out = await runInProcess(memoryStorage(), 1);
  assert.equal(out.outcome.status, 'done');
  reference = out.result;
  const halving = await runInProcess(memoryStorage(), 1, fixtureSpec('fx', SEED, HALVING), halvingStrategy(HALVING));
  assert.equal(halving.outcome.status, 'done');
  halvingReference = halving.result;
});

test('the reference study finished every evaluation of every generation', () => {
  assert.equal(reference.status, 'done');
  assert.equal(reference.rows.length, CONFIG.generations * CONFIG.perGeneration);
  assert.ok(reference.rows.every((r) => r.status === 'done' && r.curve.length === 3 && r.attempts === 0));
  assert.deepEqual(reference.strategy?.generations, CONFIG.generations);
  // Later generations were centred on earlier results: the strategy really saw them.
  assert.notEqual(reference.rows[4].hyperparameters.x, reference.rows[0].hyperparameters.x);
});

test('--workers 1 and --workers 2 give identical databases', async () => {
  const out = await runInProcess(memoryStorage(), 2);
  assert.equal(out.outcome.status, 'done');
  assert.deepEqual(out.result, reference);
});

/**
 * Reads the database read-only in a loop while `reader.active` holds, checking that every
 * snapshot is a state between two of the writer's transactions; counts its reads in `reader.reads`.
 */
async function readConcurrently(path: string, reader: { active: boolean; reads: number }): Promise<void> {
  const r = openSqliteStorage(path, { readonly: true, busyTimeoutMs: 2000 });
  try {
    const experiment = await r.getExperiment('fx');
    assert.ok(experiment, 'the coordinator created the experiment');
    const id = experiment.id;
    while (reader.active) {
      // Storage.snapshot: one read transaction, a state between two of the writer's transactions.
      const snap = await r.snapshot(id);
      assert.ok(snap);
      const generations = snap.strategy?.generations ?? 0;
      assert.equal(snap.evaluations.length, generations * CONFIG.perGeneration, 'a generation and its evaluations appear together');
      assert.ok(snap.evaluations.filter((e) => e.status === 'running').length <= 2, 'never more running than workers');
      for (const e of snap.evaluations) {
        if (e.status === 'done') assert.equal(snap.curves.get(e.id)?.length, e.steps, 'a result and its learning curve appear together');
        // A running evaluation may have the points stored while it trains; a queued or failed one has none.
        else if (e.status !== 'running') assert.equal(snap.curves.get(e.id), undefined, `${e.status} evaluations have no curve points`);
      }
      const [summary] = await r.listExperiments();
      assert.ok(summary.counts.done <= CONFIG.generations * CONFIG.perGeneration);
      reader.reads++;
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    await r.close();
  }
}

/** Resolves when `done()` holds (checked every 5 ms); rejects if `failed` rejects first. */
function until(done: () => boolean, failed: Promise<unknown>): Promise<void> {
  const wait = new Promise<void>((resolve) => {
    const check = () => (done() ? resolve() : setTimeout(check, 5));
    check();
  });
  return Promise.race([wait, failed.then(() => {})]);
}

test('a coordinator killed with SIGKILL at a random point resumes to exactly the uninterrupted result; a reader meanwhile sees consistent data and nobody hits "database is locked"', async () => {
  const seed = Date.now();
  const rng = seedrandom(String(seed));
  const total = CONFIG.generations * CONFIG.perGeneration;
  // Somewhere in the first half. The jobs after the first `afterFinished` are held (the fixture
  // worker's FIXTURE_HOLD_AFTER), so the kill leaves exactly that many results on any machine;
  // the extra delay only varies what the coordinator is doing (starting held jobs, or waiting).
  const afterFinished = Math.floor(rng() * (total / 2));
  const extraMs = Math.floor(rng() * CONFIG.sleepMs);
  const path = join(tempDir(), 'killed.sqlite');
  const first = startChild(path, 2, { after: afterFinished });
  await first.waitFor('start', 1);
  const state = { active: true, reads: 0 };
  const reader = readConcurrently(path, state);
  try {
    // `cellsearch runs` (another process, read-only) while the database is being written.
    const listing = cliAsync(['runs', '--db', path]);
    await first.waitFor('finish', afterFinished);
    // The reader has read while the coordinator held the database open, however fast either ran.
    await until(() => state.reads > 10, reader);
    await new Promise((r) => setTimeout(r, extraMs));
    first.kill('SIGKILL');
    assert.equal(await first.exit, null, `killed (kill seed ${seed}: after ${afterFinished} results + ${extraMs} ms)`);
    const mid = await comparableFile(path, 'fx');
    assert.equal(mid.rows.filter((r) => r.status === 'done').length, afterFinished, `the kill left work undone (kill seed ${seed})`);

    const second = startChild(path, 1);
    assert.equal(await second.exit, 0, second.stderr);
    assert.equal(second.lines.filter((l) => l.type === 'opened').length, 1);
    for (const c of [first, second]) assert.doesNotMatch(c.stderr, /locked|busy/i);
    const list = await listing;
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /fx\s+fixture\s+(running|interrupted|done)\s+\d+\/\d+/);
  } finally {
    state.active = false;
  }
  await reader;
  assert.deepEqual(await comparableFile(path, 'fx'), reference, `kill seed ${seed}`);
});

test('SIGINT stops handing out jobs, records the state and exits 130; a second SIGINT aborts; resume completes', async () => {
  const dir = tempDir();
  const path = join(dir, 'sigint.sqlite');
  const release = join(dir, 'release');
  // Evaluations 3 and 4 start when 1 and 2 finish, and wait for `release`: the Ctrl-C comes while
  // they run, however fast the machine is.
  const first = startChild(path, 2, { after: 2, release });
  await first.waitFor('finish', 2);
  first.kill('SIGINT');
  await first.waitFor('stopping', 1);
  writeFileSync(release, '');
  assert.equal(await first.exit, 130, first.stderr);
  assert.match(first.stderr, /finishing the running evaluations/);
  const mid = await comparableFile(path, 'fx');
  assert.equal(mid.status, 'interrupted');
  assert.ok(mid.rows.every((r) => r.status !== 'running'), 'nothing left running');
  assert.ok(mid.rows.filter((r) => r.status === 'done').length < CONFIG.generations * CONFIG.perGeneration, 'work remains to do');
  assert.equal(mid.rows.filter((r) => r.status === 'done').length, 4, 'the running evaluations were allowed to finish, no other started');

  // Every job held: the second Ctrl-C finds them running.
  const second = startChild(path, 1, { after: 0 });
  await second.waitFor('start', 1);
  second.kill('SIGINT');
  await second.waitFor('stopping', 1);
  second.kill('SIGINT');
  assert.equal(await second.exit, 130, second.stderr);
  assert.match(second.stderr, /aborting/);
  const mid2 = await comparableFile(path, 'fx');
  assert.ok(mid2.rows.every((r) => r.status !== 'running' && r.attempts === 0), 'aborted jobs are re-queued, not counted as failures');
  assert.equal(mid2.rows.filter((r) => r.status === 'done').length, 4, 'the aborted jobs left no result');

  const out = await runInProcess(openSqliteStorage(path), 1);
  assert.equal(out.outcome.status, 'done');
  assert.deepEqual(out.result, reference);
});

test('a stop that comes after the last evaluation leaves the study done; one before it, interrupted', async () => {
  const list = [fixtureProposal('a', { x: 0.1 }), fixtureProposal('b', { x: 0.2 })];
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
  try {
    for (const [stopAfter, expected] of [[2, 'done'], [1, 'interrupted']] as const) {
      const stop = new AbortController();
      let finished = 0;
      const out = await runStudy({
        storage: memoryStorage(), spec: { name: `stop-${stopAfter}`, kind: 'fixture-list', seed: 1, config: { n: list.length } },
        strategy: fixedListStrategy(list), pool, maxAttempts: 1, stop: stop.signal,
        onEvent: (e) => e.type === 'finish' && ++finished === stopAfter && stop.abort(),
      });
      assert.equal(out.status, expected, `stopped after ${stopAfter} of 2`);
      assert.equal(out.counts.done, stopAfter);
    }
  } finally {
    await pool.destroy();
  }
});

test('failing jobs are recorded as failed with the error and retried; none is lost or left running', async () => {
  const marker = join(tempDir(), 'crashed-once');
  const p = fixtureProposal;
  // (Out-of-memory jobs are covered in pool.test.ts: to the driver they are one more failure.)
  const list = [p('ok', { x: 0.1 }), p('throw', { mode: 'throw' }), p('exit-once', { mode: 'exit-once', marker }), p('exit', { mode: 'exit' }), p('diverge', { mode: 'diverge' })];
  const spec: StudySpec = { name: 'failing', kind: 'fixture-list', seed: 1, config: { n: list.length } };
  const storage = memoryStorage();
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
  const failures: string[] = [];
  try {
    const out = await runStudy({ storage, spec, strategy: fixedListStrategy(list), pool, maxAttempts: 2, onEvent: (e) => e.type === 'failure' && failures.push(`${e.evaluation.key}:${e.then}`) });
    assert.equal(out.status, 'done');
    const byTrial = new Map(out.evaluations.map((e) => [trialOfKey(e.key), e]));
    assert.equal(byTrial.get('ok')?.status, 'done');
    assert.equal(byTrial.get('diverge')?.status, 'diverged');
    const once = byTrial.get('exit-once');
    assert.equal(once?.status, 'done', 'a job that crashed its worker once succeeds on retry');
    assert.equal(once?.attempts, 1);
    assert.equal(once?.error, null, 'the error of the failed attempt is cleared by the success (the event log keeps it)');
    for (const [trial, message] of [['throw', /fixture job \d+ throws/], ['exit', /exited \(code 3\)/]] as const) {
      const e = byTrial.get(trial);
      assert.equal(e?.status, 'failed', trial);
      assert.equal(e?.attempts, 2, trial);
      assert.match(e?.error ?? '', message);
    }
    assert.equal(failures.length, 1 + 2 + 2);
    assert.deepEqual(out.counts, { queued: 0, running: 0, done: 2, diverged: 1, failed: 2 });
    const attempts = (await storage.events(out.experiment.id)).filter((e) => e.kind === 'attempt-failed');
    assert.equal(attempts.length, 5, 'the event log keeps every failed attempt');
  } finally {
    await pool.destroy();
    await storage.close();
  }
});

test('a study whose data folder is given at another path is refused with the path it reads, nothing written', async () => {
  const storage = memoryStorage();
  const spec = (dataDir: string) => ({ name: 'd', kind: 'k', seed: 1, config: { tasks: [{ name: 'ptb', taskOptions: { dataDir } }] } });
  await openExperiment(storage, spec('/old/ptb'));
  await assert.rejects(openExperiment(storage, spec('/new/ptb')), (err: Error) => {
    assert.match(err.message, /tasks\[0\]\.taskOptions\.dataDir: stored "\/old\/ptb", given "\/new\/ptb"/);
    assert.match(err.message, /the study reads its data from \/old\/ptb: to continue it, give that --data-dir, or put the files there \(a symbolic link will do\)\nnothing was changed/);
    return true;
  });
  assert.deepEqual((await storage.getExperiment('d'))?.config, spec('/old/ptb').config);
  assert.equal((await openExperiment(storage, spec('/old/ptb'))).created, false, 'the same path continues it');
});

test('an existing experiment with a different configuration is refused with the differences, nothing written', async () => {
  const small = { generations: 1, perGeneration: 2, sleepMs: 0 };
  const storage = memoryStorage();
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
  try {
    await runStudy({ storage, spec: fixtureSpec('fx', 5, small), strategy: fixtureStrategy(small), pool, maxAttempts: 1 });
    const events = (await storage.events((await storage.getExperiment('fx'))!.id)).length;
    const changed = { ...small, perGeneration: 3 };
    await assert.rejects(
      runStudy({ storage, spec: fixtureSpec('fx', 6, changed), strategy: fixtureStrategy(changed), pool, maxAttempts: 1 }),
      (err: Error) => {
        assert.match(err.message, /exists with a different configuration/);
        assert.match(err.message, /config\.perGeneration: stored 2, given 3/);
        assert.match(err.message, /seed: stored 5, given 6/);
        return true;
      },
    );
    assert.equal((await storage.events((await storage.getExperiment('fx'))!.id)).length, events);
    assert.deepEqual((await storage.listExperiments()).map((e) => [e.name, e.seed, e.config]), [['fx', 5, fixtureSpec('fx', 5, small).config]], 'the stored experiment is unchanged');
    // The same configuration again is a no-op resume of a finished study.
    const same = await runStudy({ storage, spec: fixtureSpec('fx', 5, small), strategy: fixtureStrategy(small), pool, maxAttempts: 1 });
    assert.equal(same.status, 'done');
    assert.equal(same.evaluations.length, 2);
  } finally {
    await pool.destroy();
    await storage.close();
  }
});

/** The fixture worker's result for `job`, computed here in one go (no driver, no checkpoint). */
async function fixtureJob(job: Job): Promise<JobResult> {
  const worker = (await import(FIXTURE_WORKER)).default as (task: WorkerTask<Job>) => Promise<WorkerReply>;
  return (await worker({ job })).result;
}

test('successive halving: a continuation keeps its seed and equals one uninterrupted job; a study stopped after a generation keeps exactly the checkpoints still to be continued and resumes to the uninterrupted database', async () => {
  const rows = halvingReference.rows;
  assert.equal(halvingReference.status, 'done');
  assert.deepEqual(rows.map((r) => [r.generation, r.status, r.keepCheckpoint]), [
    ...Array.from({ length: 6 }, () => [0, 'done', true]),
    ...Array.from({ length: 3 }, () => [1, 'done', true]),
    [2, 'done', false],
  ]);
  assert.equal(halvingReference.strategy?.generations, 4, 'a last, empty generation releases the last checkpoints');
  assert.equal(halvingReference.checkpointBytes, 0, 'no checkpoint is left when the study ends');
  assert.ok(rows.every((r) => r.checkpoint === undefined));
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const continuations = rows.filter((r) => r.continues !== null);
  assert.equal(continuations.length, 4);
  for (const r of continuations) {
    const from = byKey.get(r.continues!)!;
    assert.equal(r.seed, from.seed, 'a continuation has the seed of the evaluation it continues');
    const whole = await fixtureJob({ evaluationId: 0, cell: FIXTURE_ARCHITECTURE.cell, task: r.task, taskOptions: r.taskOptions, hyperparameters: r.hyperparameters, seed: r.seed });
    assert.deepEqual([r.status, r.metrics, r.steps], [whole.status, whole.metrics, whole.steps], r.key);
    assert.deepEqual(r.curve, whole.curve.filter((p) => p.step > from.steps!), `${r.key} stores its own points only`);
    assert.notDeepEqual(r.metrics, from.metrics, 'the rung before ended elsewhere: the continuation is a real one');
  }
  // The winner's chain 2 -> 4 -> 8: its curves put together are the 8-step job's.
  const chain = [continuations.at(-1)!];
  while (chain[0].continues !== null) chain.unshift(byKey.get(chain[0].continues)!);
  assert.deepEqual(chain.map((r) => r.steps), [2, 4, 8]);
  const last = chain[2];
  const whole = await fixtureJob({ evaluationId: 0, cell: FIXTURE_ARCHITECTURE.cell, task: last.task, taskOptions: last.taskOptions, hyperparameters: last.hyperparameters, seed: last.seed });
  assert.deepEqual(chain.flatMap((r) => r.curve), whole.curve);

  // Stopped as soon as generation 1 (rung 1) is written, then resumed.
  const storage = memoryStorage();
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 2 });
  try {
    const spec = fixtureSpec('fx', SEED, HALVING);
    const stop = new AbortController();
    const first = await runStudy({
      storage, spec, strategy: halvingStrategy(HALVING), pool, maxAttempts: 2, stop: stop.signal,
      onEvent: (e) => e.type === 'generation' && e.generation === 1 && stop.abort(),
    });
    assert.equal(first.status, 'interrupted');
    const id = first.experiment.id;
    const promoted = new Set(first.evaluations.filter((e) => e.generation === 1).map((e) => e.continues));
    assert.equal(promoted.size, 3);
    for (const e of first.evaluations.filter((v) => v.generation === 0)) {
      assert.equal((await storage.checkpoint(id, e.key)) !== undefined, promoted.has(e.key), `${e.key}: the pruned are released with generation 1, the promoted kept`);
    }
    const checkpoints = (await storage.snapshot(id))!.checkpoints;
    assert.equal(checkpoints.count, 3);
    assert.equal(checkpoints.bytes, await storage.checkpointBytes(id));
    const resumed = await runStudy({ storage, spec, strategy: halvingStrategy(HALVING), pool, maxAttempts: 2 });
    assert.equal(resumed.status, 'done');
    assert.deepEqual(await comparable(storage, 'fx'), halvingReference);
  } finally {
    await pool.destroy();
    await storage.close();
  }
});

test('successive halving: --workers 2 gives the database of --workers 1', async () => {
  const out = await runInProcess(memoryStorage(), 2, fixtureSpec('fx', SEED, HALVING), halvingStrategy(HALVING));
  assert.equal(out.outcome.status, 'done');
  assert.deepEqual(out.result, halvingReference);
});

test('successive halving: a coordinator killed with SIGKILL at a random point resumes to exactly the uninterrupted database, checkpoints included', async () => {
  const seed = Date.now();
  const rng = seedrandom(String(seed));
  const total = halvingReference.rows.length;
  // Anywhere before the last result: in rung 0, between rungs, or inside a continued rung.
  const afterFinished = Math.floor(rng() * total);
  const extraMs = Math.floor(rng() * HALVING.sleepMs);
  const path = join(tempDir(), 'killed-halving.sqlite');
  const first = startChild(path, 2, { after: afterFinished }, HALVING_ARGS);
  await first.waitFor('start', 1);
  await first.waitFor('finish', afterFinished);
  await new Promise((r) => setTimeout(r, extraMs));
  first.kill('SIGKILL');
  assert.equal(await first.exit, null, `killed (kill seed ${seed}: after ${afterFinished} results + ${extraMs} ms)`);
  const mid = await comparableFile(path, 'fx');
  assert.equal(mid.rows.filter((r) => r.status === 'done').length, afterFinished, `the kill left work undone (kill seed ${seed})`);
  const second = startChild(path, 1, undefined, HALVING_ARGS);
  assert.equal(await second.exit, 0, second.stderr);
  assert.deepEqual(await comparableFile(path, 'fx'), halvingReference, `kill seed ${seed}`);
});

test('the driver refuses a continuation of an unknown evaluation or of one whose checkpoint is not stored, before writing the generation', async () => {
  const p = (trial: string, more: Partial<Proposal> = {}): Proposal => fixtureProposal(trial, { steps: 2 }, more);
  const twoGenerations = (second: (history: readonly Evaluation[]) => Proposal): Strategy =>
    defineStrategy({
      name: 'continuing',
      state: z.number(),
      init: () => 0,
      propose: (g, history: readonly Evaluation[]) =>
        g === 0 ? { state: 1, proposals: [p('a')], finished: false } : { state: 2, proposals: [second(history)], finished: true },
    });
  const cases: [Strategy, RegExp, number][] = [
    [fixedListStrategy([p('a', { continues: 'ghost' })]), /strategy 'list' proposed \["fixture-arch","fixture","a"\] continuing ghost, which is not an earlier evaluation of the experiment/, 0],
    [twoGenerations((h) => p('b', { continues: h[0].key, hyperparameters: { steps: 4 } })), /strategy 'continuing' proposed .* continuing \["fixture-arch","fixture","a"\], whose checkpoint is not stored/, 1],
  ];
  for (const [strategy, message, generations] of cases) {
    const storage = memoryStorage();
    const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
    try {
      const spec: StudySpec = { name: 'bad', kind: 'fixture-list', seed: 1, config: {} };
      await assert.rejects(runStudy({ storage, spec, strategy, pool, maxAttempts: 1 }), message);
      const e = (await storage.getExperiment('bad'))!;
      assert.equal(e.status, 'interrupted');
      assert.equal((await storage.strategyState(e.id))?.generations ?? 0, generations, 'the refused generation was not written');
    } finally {
      await pool.destroy();
      await storage.close();
    }
  }
});

test('a queued continuation whose checkpoint was released (retry-failed after a later generation) stops the study with an error naming both', async () => {
  const storage = memoryStorage();
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
  try {
    const spec: StudySpec = { name: 'late', kind: 'fixture-list', seed: 1, config: {} };
    const e = await storage.createExperiment(spec);
    const evaluation = { architecture: FIXTURE_ARCHITECTURE.hash, task: 'fixture', taskOptions: {}, seed: 5, ordinal: 0 };
    const [a] = await storage.recordGeneration(e.id, { generation: 0, architectures: [FIXTURE_ARCHITECTURE], evaluations: [{ ...evaluation, key: 'a', hyperparameters: { steps: 2 }, keepCheckpoint: true }], state: null, finished: false });
    await storage.markRunning(a.id);
    await storage.recordResult(a.id, { status: 'done', metrics: {}, steps: 2, wallMs: 1, curve: [], checkpoint: Uint8Array.from([1]) });
    await storage.recordGeneration(e.id, { generation: 1, architectures: [], evaluations: [{ ...evaluation, key: 'b', hyperparameters: { steps: 4 }, continues: 'a' }], state: null, finished: false });
    await storage.recordGeneration(e.id, { generation: 2, architectures: [], evaluations: [], state: null, finished: true, release: ['a'] });
    await assert.rejects(runStudy({ storage, spec, strategy: fixedListStrategy([]), pool, maxAttempts: 1 }), /evaluation b continues a, whose checkpoint is no longer stored in memory/);
    assert.equal((await storage.evaluations(e.id)).find((v) => v.key === 'b')?.status, 'queued', 'left queued, not running');
  } finally {
    await pool.destroy();
    await storage.close();
  }
});

test('the training worker through the driver on a SQLite file: a GRU continued from its stored checkpoint equals an uninterrupted job of its seed', async () => {
  const hp = {
    space: 'jozefowicz', hidden: 8, layers: 1, initScale: 1, optimizer: 'nesterov', learningRate: 0.3, momentum: 0.9, clip: 5, inputNoise: 0.3,
    batch: 8, unroll: 12, evalEvery: 6, validBatches: 2, patience: 1, maxHalvings: 1,
  };
  const gru: Proposal = { architecture: architectureOf('gru', zooCell('gru')), task: 'memorize', taskOptions: { validSize: 16, testSize: 16 }, hyperparameters: {}, trial: 0 };
  const strategy = defineStrategy({
    name: 'two-rungs',
    state: z.number(),
    init: () => 0,
    propose: (g, history: readonly Evaluation[]) =>
      g === 0
        ? { state: 1, proposals: [{ ...gru, hyperparameters: { ...hp, maxSteps: 9 }, checkpoint: true }], finished: false }
        : g === 1
          ? { state: 2, proposals: [{ ...gru, hyperparameters: { ...hp, maxSteps: 18 }, trial: '0@18', continues: history[0].key }], finished: false }
          : { state: 3, proposals: [], finished: true, release: [history[0].key] },
  });
  const path = join(tempDir(), 'gru.sqlite');
  const pool = new JobPool({ workers: 1 });
  let stored = 0;
  const storage = openSqliteStorage(path);
  try {
    const out = await runStudy({
      storage, spec: { name: 'gru', kind: 'test', seed: 3, config: {} }, strategy, pool, maxAttempts: 1,
      onEvent: (e) => { if (e.type === 'finish' && e.evaluation.generation === 0) void storage.checkpointBytes(e.evaluation.experimentId).then((n) => (stored = n)); },
    });
    assert.equal(out.status, 'done');
    const [rung0, rung1] = out.evaluations;
    assert.deepEqual([rung0.status, rung1.status, rung1.seed, rung1.continues], ['done', 'done', rung0.seed, rung0.key]);
    assert.ok(stored > 0, 'the first rung\'s checkpoint was stored');
    assert.equal(await storage.checkpointBytes(out.experiment.id), 0, 'and released');
    const whole = trainJob(trainingJob({ evaluationId: 0, cell: gru.architecture.cell, task: gru.task, taskOptions: gru.taskOptions, hyperparameters: { ...hp, maxSteps: 18 }, seed: rung0.seed }), () => {});
    assert.deepEqual([rung1.metrics, rung1.steps], [whole.metrics, whole.steps]);
    assert.deepEqual(await storage.curve(rung1.id), whole.curve.filter((p) => p.step > 9));
    // Step 9 is off the evaluation grid: rung 0 ended with a validation of its own there, which the
    // uninterrupted job does not make (and which the checkpoint, taken before it, does not hold).
    assert.deepEqual((await storage.curve(rung0.id)).map((p) => p.step), [6, 9]);
    assert.deepEqual((await storage.curve(rung0.id))[0], whole.curve[0]);
  } finally {
    await pool.destroy();
    await storage.close();
  }
});
