// Studies on PostgreSQL with `cellsearch worker` processes, through the real CLI on the loopback
// interface (scripts/with-postgres.sh; skipped without CELLSEARCH_TEST_PG): a driver that only
// coordinates and three workers give the database and leaderboard of SQLite with --workers 1;
// a worker killed with -9 in the middle of an evaluation loses its lease and the evaluation runs
// elsewhere, once; a driver killed with -9 is resumed by the same command; a second driver is
// refused; `runs` reads the study while it runs; two studies run at once on one database, each as
// alone; a worker without the study's data gives its claim back and stops, nothing counted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot, runCli, tempDir } from './helpers.ts';
import { freshDatabase, ownServer, SKIP_WITHOUT_PG } from './postgres.ts';
import { openStorage } from '../runs/open-storage.ts';

const NAME = 's';
// As test/search.test.ts: 10 evaluations of 30 steps on arithmetic, several generations.
const SEARCH = ['search', '--tasks', 'arithmetic', '--steps', '30', '--budget', '10', '--seed', '3', '--name', NAME];
// A second, different study for the same database: 3 short trainings of one cell.
const TRAIN = ['train', '--cell', 'lstm', '--task', 'memorize', '--steps', '40', '--eval-every', '20', '--valid-batches', '2', '--repeats', '3', '--name', 't'];

/** A running `cellsearch` process whose output is collected; `until(re)` waits for a line. */
class Cli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  private waiters: { re: RegExp; done: () => void }[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    const check = () => (this.waiters = this.waiters.filter((w) => (w.re.test(this.stdout + this.stderr) ? (w.done(), false) : true)));
    this.child.stdout.on('data', (d) => ((this.stdout += d), check()));
    this.child.stderr.on('data', (d) => ((this.stderr += d), check()));
  }

  /** Resolves when the output matches `re` (fails the test if the process ends first). */
  until(re: RegExp): Promise<void> {
    if (re.test(this.stdout + this.stderr)) return Promise.resolve();
    return new Promise((done, fail) => {
      const ended = () => (re.test(this.stdout + this.stderr) ? done() : fail(new Error(`exited (${this.child.exitCode}) before ${re}:\n${this.stdout}\n${this.stderr}`)));
      if (this.child.exitCode !== null || this.child.signalCode !== null) return ended();
      this.waiters.push({ re, done });
      this.child.once('close', ended);
    });
  }

  async exit(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = await once(this.child, 'exit');
    return code as number | null;
  }

  /** Ctrl-C, then the exit code. */
  async interrupt(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.exit();
  }
}

async function rows(db: string, name: string) {
  const s = await openStorage(db, { readonly: true });
  try {
    const e = (await s.getExperiment(name))!;
    const evaluations = await s.evaluations(e.id);
    return {
      id: e.id,
      status: e.status,
      comparable: evaluations.map((v) => ({ key: v.key, generation: v.generation, ordinal: v.ordinal, status: v.status, metrics: v.metrics, steps: v.steps, hp: v.hyperparameters, attempts: v.attempts })),
      state: (await s.strategyState(e.id))?.state,
      events: (await s.events(e.id)).map((v) => v.kind),
    };
  } finally {
    await s.close();
  }
}

/** The printed leaderboard, without the line naming the database. */
const board = (stdout: string) => stdout.split('\n').filter((l) => !l.startsWith('recorded in')).join('\n');
/** `train`'s printed table without its wall times (the last column) and the line naming the database. */
const trainTable = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => !/recorded in/.test(l))
    .map((l) => l.replace(/\s+\S+$/, ''))
    .join('\n');

let reference: { db: string; stdout: string } | undefined;
function sqliteReference() {
  if (!reference) {
    const db = join(tempDir(), 'reference.sqlite');
    const r = runCli([...SEARCH, '--db', db, '--workers', '1']);
    assert.equal(r.status, 0, r.stderr);
    reference = { db, stdout: r.stdout };
  }
  return reference;
}

const worker = (url: string, extra: string[] = []) => new Cli(['worker', '--db', url, '--workers', '1', ...extra]);

describe('workers on PostgreSQL', { skip: SKIP_WITHOUT_PG }, () => {
  test('a driver with --workers 0 and 3 worker processes: the database and leaderboard of SQLite with --workers 1; a second driver is refused; runs reads it meanwhile', async () => {
    const ref = sqliteReference();
    const { url, drop } = await freshDatabase();
    const workers: Cli[] = [];
    try {
      const driver = new Cli([...SEARCH, '--db', url, '--workers', '0']);
      await driver.until(/experiment 's' in postgres:\/\/\S+, 0 workers here/);
      // Before any worker starts, the driver (coordinating only) waits: it is surely alive.
      const second = runCli([...SEARCH, '--db', url, '--workers', '1']);
      assert.equal(second.status, 2, second.stderr);
      assert.match(second.stderr, /experiment 's' in postgres:\/\/\S+ is being run by another cellsearch process \(pid \d+ on .+\); a study has one driver/);
      const listed = runCli(['runs', '--db', url]);
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, /^\s+s\s+search\s+running\s+0\/\d+/m);
      for (let i = 0; i < 3; i++) workers.push(worker(url));
      assert.equal(await driver.exit(), 0, driver.stderr);
      for (const w of workers) assert.equal(await w.interrupt(), 0, w.stderr);

      const [mine, theirs] = [await rows(url, NAME), await rows(ref.db, NAME)];
      assert.deepEqual(mine.comparable, theirs.comparable, 'the same evaluations, in the same generations, with the same metrics');
      assert.deepEqual(mine.state, theirs.state, 'the same strategy state');
      assert.equal(mine.status, 'done');
      assert.equal(board(driver.stdout), board(ref.stdout), 'the same leaderboard');
      const recorded = workers.map((w) => (w.stderr.match(/^recorded evaluation/gm) ?? []).length);
      assert.equal(recorded.reduce((a, b) => a + b), 10, `the workers trained every evaluation (${recorded.join(' + ')})`);
      assert.ok(!mine.events.includes('lease-expired') && !mine.events.includes('attempt-failed'));
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
      await drop();
    }
  });

  test('two studies at once on one database (a search whose driver trains too, a train study whose driver only coordinates) with 2 workers: both finish, each as it does alone on SQLite; a second driver of either is refused', async () => {
    const ref = sqliteReference();
    const dir = tempDir();
    const other = join(dir, 't.sqlite');
    const alone = runCli([...TRAIN, '--db', other, '--workers', '1']);
    assert.equal(alone.status, 0, alone.stderr);
    const { url, drop } = await freshDatabase();
    const workers: Cli[] = [];
    try {
      const search = new Cli([...SEARCH, '--db', url, '--workers', '1']);
      const train = new Cli([...TRAIN, '--db', url, '--workers', '0']);
      await train.until(/experiment 't' in postgres:\/\/\S+, 0 workers here/);
      // The train study's driver trains nothing and no worker runs yet: it surely lives.
      const second = runCli([...TRAIN, '--db', url, '--workers', '1']);
      assert.equal(second.status, 2, second.stderr);
      assert.match(second.stderr, /experiment 't' in postgres:\/\/\S+ is being run by another cellsearch process \(pid \d+ on .+\); a study has one driver/);
      await search.until(/experiment 's' in postgres:/);
      for (let i = 0; i < 2; i++) workers.push(worker(url));
      const [searched, trained] = [await search.exit(), await train.exit()];
      assert.equal(searched, 0, search.stderr);
      assert.equal(trained, 0, train.stderr);
      for (const w of workers) assert.equal(await w.interrupt(), 0, w.stderr);

      for (const [name, db, stdout, mine, shown] of [
        [NAME, ref.db, ref.stdout, search.stdout, board],
        ['t', other, alone.stdout, train.stdout, trainTable],
      ] as const) {
        const [shared, single] = [await rows(url, name), await rows(db, name)];
        assert.deepEqual(shared.comparable, single.comparable, `'${name}': the same evaluations, in the same generations, with the same metrics as alone`);
        assert.deepEqual(shared.state, single.state, `'${name}': the same strategy state`);
        assert.equal(shared.status, 'done');
        assert.ok(!shared.events.includes('lease-expired') && !shared.events.includes('attempt-failed'), `'${name}': ${shared.events.join(', ')}`);
        assert.equal(shown(mine), shown(stdout), `'${name}': the same summary`);
      }
      // The workers trained every evaluation of the coordinate-only study (and perhaps some of the other).
      const recorded = workers.flatMap((w) => [...w.stderr.matchAll(/^recorded evaluation \d+ \((\S+)\) of experiment (\d+)/gm)].map((m) => `${m[2]} ${m[1]}`));
      assert.equal(new Set(recorded).size, recorded.length, `no evaluation recorded twice: ${recorded.join(', ')}`);
      const trainId = (await rows(url, 't')).id;
      assert.equal(recorded.filter((r) => r.startsWith(`${trainId} `)).length, 3, recorded.join(', '));
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
      await drop();
    }
  });

  test('kill -9 of a worker in the middle of an evaluation: its lease expires, the evaluation runs elsewhere, once; the study ends as on SQLite', async () => {
    const { url, drop } = await freshDatabase();
    const dir = tempDir();
    // Long enough that the worker is still training when it is killed.
    const train = ['train', '--cell', 'gru', '--task', 'memorize', '--steps', '300', '--eval-every', '100', '--valid-batches', '2', '--repeats', '2', '--name', 'k'];
    const lite = runCli([...train, '--db', join(dir, 'k.sqlite'), '--workers', '1']);
    assert.equal(lite.status, 0, lite.stderr);
    let survivor: Cli | undefined;
    try {
      const driver = new Cli([...train, '--db', url, '--workers', '0']);
      await driver.until(/experiment 'k' in postgres:/);
      const doomed = worker(url, ['--lease', '2', '--heartbeat', '0.5']);
      await doomed.until(/^claimed evaluation (\d+)/m);
      const killed = Number(/^claimed evaluation (\d+)/m.exec(doomed.stderr)![1]);
      doomed.child.kill('SIGKILL');
      await doomed.exit();
      survivor = worker(url, ['--lease', '2', '--heartbeat', '0.5']);
      assert.equal(await driver.exit(), 0, driver.stderr);
      assert.equal(await survivor.interrupt(), 0, survivor.stderr);
      assert.match(survivor.stderr, new RegExp(`^recorded evaluation ${killed} `, 'm'), 'the killed worker\'s evaluation ran on the other');
      const [mine, theirs] = [await rows(url, 'k'), await rows(join(dir, 'k.sqlite'), 'k')];
      assert.deepEqual(mine.comparable, theirs.comparable, 'nothing lost, nothing doubled, no attempt counted');
      assert.equal(mine.events.filter((k) => k === 'lease-expired').length, 1);
    } finally {
      survivor?.child.kill('SIGKILL');
      await drop();
    }
  });

  test("a worker without the study's data folder gives the evaluation back (no attempt counted) and stops with exit 2; one with the data finishes the study as SQLite does", async () => {
    const { url, drop } = await freshDatabase();
    const dir = tempDir();
    const data = join(dir, 'corpus');
    mkdirSync(data);
    const text = (n: number) => Array.from({ length: n }, (_, i) => ['the cat sat', 'on the mat', 'a dog ran'][i % 3]).join('\n') + '\n';
    for (const [file, lines] of [['train.txt', 200], ['valid.txt', 30], ['test.txt', 30]] as const) writeFileSync(join(data, file), text(lines));
    const train = ['train', '--cell', 'lstm', '--task', 'text', '--data-dir', data, '--steps', '40', '--eval-every', '20', '--valid-batches', '2', '--repeats', '2', '--name', 'd'];
    const lite = runCli([...train, '--db', join(dir, 'd.sqlite'), '--workers', '1']);
    assert.equal(lite.status, 0, lite.stderr);
    let good: Cli | undefined;
    let without: Cli | undefined;
    try {
      const driver = new Cli([...train, '--db', url, '--workers', '0']);
      await driver.until(/experiment 'd' in postgres:/);
      // As a machine whose copy of the data is elsewhere: the folder the study names is not there.
      renameSync(data, `${data}.elsewhere`);
      without = worker(url);
      // Either outcome of its first claim ends the wait: given back (right), or an attempt failed (wrong).
      await without.until(/: not run here, back in the queue|failed \(/);
      assert.match(without.stderr, /: not run here, back in the queue \(no attempt counted\)/);
      assert.equal(await without.exit(), 2, without.stderr);
      assert.match(without.stderr, /evaluation \d+ \(\S+\) of experiment \d+ cannot run on this machine: .*corpus.*no such file or folder.*It went back to the queue without counting an attempt, and this worker stopped/s);
      const waiting = await rows(url, 'd');
      assert.deepEqual(waiting.comparable.map((r) => [r.status, r.attempts]), [['queued', 0], ['queued', 0]], 'nothing failed, nothing counted');
      renameSync(`${data}.elsewhere`, data);
      good = worker(url);
      assert.equal(await driver.exit(), 0, driver.stderr);
      assert.equal(await good.interrupt(), 0, good.stderr);
      const [mine, theirs] = [await rows(url, 'd'), await rows(join(dir, 'd.sqlite'), 'd')];
      assert.deepEqual(mine.comparable, theirs.comparable, 'the study ends as on SQLite');
    } finally {
      without?.child.kill('SIGKILL');
      good?.child.kill('SIGKILL');
      await drop();
    }
  });

  test('kill -9 of the driver: the same command takes over and finishes with the workers; the result is the same', async () => {
    const ref = sqliteReference();
    const { url, drop } = await freshDatabase();
    let w: Cli | undefined;
    try {
      const first = new Cli([...SEARCH, '--db', url, '--workers', '0']);
      await first.until(/experiment 's' in postgres:/);
      w = worker(url);
      await w.until(/^recorded evaluation/m);
      first.child.kill('SIGKILL');
      await first.exit();
      const again = runCli([...SEARCH, '--db', url, '--workers', '1']);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stderr, /resuming 's'/);
      assert.equal(await w.interrupt(), 0, w.stderr);
      const [mine, theirs] = [await rows(url, NAME), await rows(ref.db, NAME)];
      assert.deepEqual(mine.comparable, theirs.comparable);
      assert.equal(board(again.stdout), board(ref.stdout));
    } finally {
      w?.child.kill('SIGKILL');
      await drop();
    }
  });

  test('the server stopped and started again in the middle of a study: the driver and the worker say so, wait, and finish with the results of SQLite', async () => {
    const ref = sqliteReference();
    // A server of the test's own: stopping the shared one would cut the other tests' sessions.
    const server = await ownServer();
    let w: Cli | undefined;
    try {
      const driver = new Cli([...SEARCH, '--db', server.url, '--workers', '0']);
      await driver.until(/experiment 's' in postgres:/);
      w = worker(server.url);
      await w.until(/^recorded evaluation/m);
      server.down();
      const lost = /lost the connection to postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(.+\); trying again in [\d.]+ s/;
      await driver.until(lost);
      await w.until(lost);
      server.up();
      assert.equal(await driver.exit(), 0, driver.stderr);
      assert.equal(await w.interrupt(), 0, w.stderr);
      const [mine, theirs] = [await rows(server.url, NAME), await rows(ref.db, NAME)];
      assert.deepEqual(mine.comparable, theirs.comparable, 'the same evaluations and metrics as an uninterrupted study');
      assert.deepEqual(mine.state, theirs.state);
      assert.equal(mine.status, 'done');
      assert.equal(board(driver.stdout), board(ref.stdout), 'the same leaderboard');
    } finally {
      w?.child.kill('SIGKILL');
      server.remove();
    }
  });

  test('--reconnect: a driver whose server stays away longer stops with a clear message (exit 2); a worker gives up only the work in hand and waits; the same command resumes and finishes as SQLite', async () => {
    const ref = sqliteReference();
    const server = await ownServer();
    let w: Cli | undefined;
    try {
      const driver = new Cli([...SEARCH, '--db', server.url, '--workers', '0', '--reconnect', '1']);
      await driver.until(/experiment 's' in postgres:/);
      w = worker(server.url, ['--reconnect', '1']);
      await w.until(/^recorded evaluation/m);
      server.down();
      assert.equal(await driver.exit(), 2, driver.stderr);
      assert.match(driver.stderr, /cellsearch: postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres could not be reached for 1 s \(.+\); run the same command again once the server is back/);
      await w.until(/could not be reached for 1 s .*; trying again in/);
      assert.equal(w.child.exitCode, null, 'the worker waits for the server');
      server.up();
      const again = runCli([...SEARCH, '--db', server.url, '--workers', '0', '--reconnect', '1']);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stderr, /resuming 's'/);
      assert.equal(await w.interrupt(), 0, w.stderr);
      const [mine, theirs] = [await rows(server.url, NAME), await rows(ref.db, NAME)];
      assert.deepEqual(mine.comparable, theirs.comparable, 'the same evaluations and metrics as an uninterrupted study');
      assert.equal(mine.status, 'done');
      assert.equal(board(again.stdout), board(ref.stdout), 'the same leaderboard');
    } finally {
      w?.child.kill('SIGKILL');
      server.remove();
    }
  });

  test('--reconnect is refused by name when it is not a positive number of seconds', () => {
    for (const args of [[...SEARCH, '--reconnect', '0'], ['worker', '--db', 'postgres://u@127.0.0.1:1/x', '--reconnect', '-1']]) {
      const r = runCli(args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--reconnect must be greater than 0, got -?[01]/);
    }
  });
});
