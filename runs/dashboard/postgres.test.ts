// `cellsearch dashboard --db postgres://…` in a real Chromium against a real PostgreSQL server
// (scripts/with-postgres.sh sets CELLSEARCH_TEST_PG): the command runs as its own process and
// reads read-only, while this process writes the study through the driver as `cellsearch search`
// does on PostgreSQL (claims under leases). Skips, saying so, without a server or a Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { chromium, type Page } from 'playwright-core';
import { cliPath, tempDir } from '../../test/helpers.ts';
import { freshDatabase, SKIP_WITHOUT_PG } from '../../test/postgres.ts';
import { openStorage } from '../open-storage.ts';
import { JobPool } from '../pool.ts';
import { DEFAULT_LEASE, leaseOwner } from '../queue.ts';
import { buildReport } from '../report/index.ts';
import { readStudy } from '../report/queries.ts';
import { writeSearchStudy } from '../report/fixture.ts';
import { runStudy } from '../study.ts';
import { FIXTURE_WORKER } from '../fixtures/fixture-study.ts';
import { findChromium, NO_CHROMIUM } from './chromium.ts';
import { HOSTILE_NAME, recordHostileGeneration, slowTrainingStudy } from './fixtures.ts';

const executablePath = findChromium();

const tableRows = (page: Page, selector: string) => page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...(r as HTMLTableRowElement).cells].map((c) => c.textContent ?? '')));

async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.fingerprint !== undefined, undefined, { timeout: 30_000 });
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 60_000 });
}

test('the dashboard on PostgreSQL: the command, the report\'s leaderboard, live curves with the lease owner, no password shown', { skip: SKIP_WITHOUT_PG || (executablePath === undefined ? NO_CHROMIUM : false), timeout: 300_000 }, async (t) => {
  const { url, drop } = await freshDatabase();
  const writer = await openStorage(url);
  const pool = new JobPool({ handler: FIXTURE_WORKER, workers: 1 });
  await writeSearchStudy(writer);
  const dash = spawn(process.execPath, [cliPath, 'dashboard', '--db', url, '--port', '0'], { cwd: tempDir('cellsearch-dashboard-pg-'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  dash.stderr.on('data', (d) => (stderr += d));
  const browser = await chromium.launch({ executablePath, headless: true });
  const messages: string[] = [];
  try {
    const first = await createInterface({ input: dash.stdout })[Symbol.asyncIterator]().next();
    assert.equal(first.done, false, `the dashboard printed its URL: ${stderr}`);
    const line = String(first.value);
    const password = new URL(url).password;
    if (password) assert.ok(!line.includes(password), 'no password in the output');
    const origin = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1];
    assert.ok(origin, line);
    const page = await browser.newPage();
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));

    await page.goto(`${origin}/s/search-fixture`);
    await settled(page);
    const { model } = buildReport(await readStudy(writer, 'search-fixture'));
    const table = model.sections.find((s) => s.id === 'leaderboard')!.blocks.find((b) => b.kind === 'table');
    assert.ok(table?.kind === 'table');
    assert.deepEqual(await tableRows(page, '#leaderboard-table'), table.table.rows, "the report's leaderboard");
    if (password) assert.ok(!(await page.textContent('main'))?.includes(password), 'no password on the page');

    // A new generation, written here, reaches the open page.
    await recordHostileGeneration(writer, 'search-fixture');
    await page.waitForFunction((name) => document.querySelector('#leaderboard-table tbody')?.textContent?.includes(name), HOSTILE_NAME, { timeout: 5_000 });

    // The driver on PostgreSQL claims under a lease whose owner names the process and its thread.
    const owner = leaseOwner('driver', hostname(), process.pid);
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const study = runStudy({
      storage: writer,
      pool,
      maxAttempts: 1,
      ...slowTrainingStudy('live-pg', 30, 150),
      shared: { queue: writer.queue!(), owner, lease: DEFAULT_LEASE, pollMs: 200 },
      onEvent: (e) => e.type === 'start' && started(),
    });
    await running;
    await page.goto(`${origin}/s/live-pg`);
    await settled(page);
    const livePoints = () => Number(document.getElementById('fig-live-curves')?.dataset.points ?? 0);
    // The first point waits for the pool's thread to start (it loads tsx); after that, the bound holds.
    await page.waitForFunction(livePoints, undefined, { timeout: 120_000 });
    const before = await page.evaluate(livePoints);
    const rows = await tableRows(page, '#running');
    assert.equal(rows[0][4], `${owner} thread 1`, 'the lease owner: which process and thread runs it');
    await page.waitForFunction((n) => Number(document.getElementById('fig-live-curves')?.dataset.points ?? 0) > n, before, { timeout: 5_000 });
    t.diagnostic(`live points ${before} -> ${await page.evaluate(livePoints)}`);
    assert.equal((await study).status, 'done');
    assert.deepEqual(messages, [], 'no console messages');
  } finally {
    await browser.close();
    dash.kill('SIGINT');
    if (dash.exitCode === null) await new Promise((r) => dash.once('exit', r));
    await pool.destroy();
    await writer.close();
    await drop();
  }
});
