// The dashboard in a real Chromium (playwright-core), against a dashboard started here on a free
// loopback port, over a SQLite database that a separate process (writer-child.ts) holds open for
// writing and writes to while pages are open. Skips, saying so, only when no Chromium is found.
// Screenshots of every page type go to a temporary folder named in the test's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Page } from 'playwright-core';
import { tempDir } from '../../test/helpers.ts';
import { openStorage } from '../open-storage.ts';
import { buildReport } from '../report/index.ts';
import { readStudy } from '../report/queries.ts';
import { writeSearchStudy } from '../report/fixture.ts';
import { findChromium, NO_CHROMIUM } from './chromium.ts';
import { DashboardData } from './data.ts';
import { HOSTILE_NAME, writeAblationFixture } from './fixtures.ts';
import { startDashboard } from './server.ts';

const executablePath = findChromium();

/** The writer process, answering one JSON line per command. */
function startWriter(db: string): { ask(cmd: string): Promise<Record<string, unknown>>; child: ChildProcessWithoutNullStreams; ready: Promise<unknown> } {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./writer-child.ts', import.meta.url).pathname, db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`writer exited: ${stderr}`);
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  return {
    child,
    ready: next(),
    ask: async (cmd) => {
      child.stdin.write(cmd + '\n');
      const answer = await next();
      if ('error' in answer) throw new Error(`writer: ${String(answer.error)}`);
      return answer;
    },
  };
}

/** Waits until the page has rendered and every image (figure, drawing) has loaded. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.fingerprint !== undefined, undefined, { timeout: 30_000 });
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 60_000 });
}

const tableRows = (page: Page, selector: string) => page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...(r as HTMLTableRowElement).cells].map((c) => c.textContent ?? '')));

test('the dashboard in Chromium: live updates, the report\'s leaderboard, escaping, pages, token', { skip: executablePath === undefined ? NO_CHROMIUM : false, timeout: 600_000 }, async (t) => {
  const dir = tempDir('cellsearch-dashboard-');
  const shots = mkdtempSync(join(tmpdir(), 'cellsearch-dashboard-shots-'));
  const db = join(dir, 'study.sqlite');
  const setup = await openStorage(db);
  await writeSearchStudy(setup);
  await writeAblationFixture(setup);
  await setup.close();

  const writer = startWriter(db);
  await writer.ready;
  const reader = await openStorage(db, { readonly: true });
  const data = new DashboardData(reader);
  const dash = await startDashboard({ data, host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${dash.port}`;
  const browser = await chromium.launch({ executablePath, headless: true });
  const messages: string[] = [];
  const foreign: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.on('request', (r) => {
      if (new URL(r.url()).origin !== origin) foreign.push(r.url());
    });
    const page = await context.newPage();
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) messages.push(`HTTP ${r.status()}: ${r.url()}`);
    });

    await t.test('the list shows every experiment with its kind, status, progress and best', async () => {
      await page.goto(`${origin}/`);
      await settled(page);
      const rows = await tableRows(page, 'main');
      assert.deepEqual(rows.map((r) => r.slice(0, 2)), [['search-fixture', 'search'], ['ablate-fixture', 'ablate']]);
      assert.match(rows[0][4], /^\d\.\d{3} .+ \(best score \(× GRU\)\)$/);
      await page.screenshot({ path: join(shots, 'list.png'), fullPage: true });
    });

    await t.test('while evaluations train, the study page shows which thread runs what and how far, and their curves grow without reload', async () => {
      // The real driver (runs/study.ts) in the writer process, one thread, two evaluations of 100 steps of 150 ms.
      await writer.ask('train live-fixture 100 150');
      await page.goto(`${origin}/s/live-fixture`);
      await settled(page);
      await page.evaluate(() => Object.assign(window, { notReloaded: true }));
      const livePoints = () => Number(document.getElementById('fig-live-curves')?.dataset.points ?? 0);
      // The first point waits for the pool's thread to start (it loads tsx); after that, the bound holds.
      await page.waitForFunction(livePoints, undefined, { timeout: 120_000 });
      // The points and the running row (which evaluation, at which step) in one read.
      const [first, seen] = await page.evaluate(() => {
        const cells = [...(document.querySelector('#running tbody tr')?.children ?? [])].map((c) => c.textContent ?? '');
        const row = cells.length > 5 ? { evaluation: cells[0], step: Number(/^step (\d+)/.exec(cells[5])?.[1] ?? 0) } : undefined;
        return [Number(document.getElementById('fig-live-curves')?.dataset.points ?? 0), row] as const;
      });
      const running = await tableRows(page, '#running');
      assert.equal(running.length, 1, 'one evaluation runs (one thread)');
      assert.equal(running[0][4], 'thread 1', 'the thread that runs it');
      assert.match(running[0][5], /^step \d+ of 100 \(\d+%\), \d+ points?$/);
      assert.ok(seen, 'the running row was shown with the first points');
      // Checked before anything slow (a screenshot): on a loaded machine the evaluation may end soon.
      await page.waitForFunction((n) => Number(document.getElementById('fig-live-curves')?.dataset.points ?? 0) > n, first, { timeout: 5_000 });
      const grown = await page.evaluate(livePoints);
      // Without reload, the row moves on: the same evaluation at a later step, or the next evaluation.
      await page.waitForFunction(
        (before) => {
          const cells = [...(document.querySelector('#running tbody tr')?.children ?? [])].map((c) => c.textContent ?? '');
          if (cells.length <= 5) return false;
          return cells[0] !== before.evaluation || Number(/^step (\d+)/.exec(cells[5])?.[1] ?? 0) > before.step;
        },
        seen,
        { timeout: 5_000 },
      );
      await settled(page);
      await page.screenshot({ path: join(shots, 'study-training.png'), fullPage: true });
      assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was not reloaded');
      t.diagnostic(`live curve points on the page: ${first} -> ${grown}`);
      assert.deepEqual(await writer.ask('trained'), { status: 'done' });
      const e = (await reader.getExperiment('live-fixture'))!;
      const rows = await reader.evaluations(e.id);
      for (const v of rows) assert.deepEqual((await reader.curve(v.id)).map((p) => p.step), Array.from({ length: 100 }, (_, i) => i + 1), 'the result\'s curve, whole');
      await page.waitForFunction(() => document.querySelector('#running p')?.textContent === 'No evaluation is running now.', undefined, { timeout: 5_000 });
    });

    await t.test('a new evaluation reaches the open study page without reload; the curves grow; the hostile name is text', async () => {
      await page.goto(`${origin}/s/search-fixture`);
      await settled(page);
      await page.screenshot({ path: join(shots, 'study.png'), fullPage: true });
      const before = await page.evaluate(() => ({
        fingerprint: document.body.dataset.fingerprint,
        points: Number(document.getElementById('fig-learning-curves')?.dataset.points),
        rows: document.querySelectorAll('#leaderboard-table tbody tr').length,
      }));
      assert.ok(before.points > 0);
      await page.evaluate(() => Object.assign(window, { notReloaded: true }));
      await writer.ask('hostile search-fixture');
      // The bound: the change is on the open page within 5 s of the writer's commit.
      await page.waitForFunction((name) => document.querySelector('#leaderboard-table tbody')?.textContent?.includes(name), HOSTILE_NAME, { timeout: 5_000 });
      const after = await page.evaluate(() => ({
        notReloaded: (window as unknown as { notReloaded?: boolean }).notReloaded,
        fingerprint: document.body.dataset.fingerprint,
        points: Number(document.getElementById('fig-learning-curves')?.dataset.points),
        first: document.querySelector('#leaderboard-table tbody tr')?.textContent,
        injected: document.querySelectorAll('img[src="x"], img[src$="/x"]').length,
      }));
      assert.equal(after.notReloaded, true, 'the page was not reloaded');
      assert.notEqual(after.fingerprint, before.fingerprint);
      assert.ok(after.points > before.points, `learning curves grew: ${before.points} -> ${after.points} points`);
      assert.ok(after.first?.includes(HOSTILE_NAME), 'the new best architecture is first, its name shown as text');
      assert.equal(after.injected, 0, 'no element was created from a study string');
      await settled(page);
      // The figure now shown is the new drawing.
      const src = await page.getAttribute('#fig-learning-curves img', 'src');
      assert.ok(src?.includes(encodeURIComponent(after.fingerprint!)), src ?? '');
    });

    await t.test("the leaderboard's order and numbers equal `cellsearch report`'s for the same snapshot", async () => {
      const { model } = buildReport(await readStudy(reader, 'search-fixture'));
      const section = model.sections.find((s) => s.id === 'leaderboard')!;
      const table = section.blocks.find((b) => b.kind === 'table');
      assert.ok(table?.kind === 'table');
      const shown = await tableRows(page, '#leaderboard-table');
      assert.deepEqual(shown, table.table.rows);
      const headers = await page.$$eval('#leaderboard-table thead th', (ths) => ths.map((th) => th.textContent));
      assert.deepEqual(headers.map((h) => h?.replace(/ [▲▼]$/, '')), table.table.columns.map((c) => c.label));
      // Sorted by the xml column, descending, on the server: values fall, the reference rows stay.
      await page.click('#leaderboard-table button[data-key="task:xml"]');
      await page.click('#leaderboard-table button[data-key="task:xml"]');
      await page.waitForFunction(() => document.querySelector('#leaderboard-table button[data-key="task:xml"]')?.textContent?.endsWith('▼'));
      const xml = (await tableRows(page, '#leaderboard-table')).map((r) => Number.parseFloat(r[4]));
      assert.deepEqual(xml, [...xml].sort((a, b) => b - a));
      const names = (await tableRows(page, '#leaderboard-table')).map((r) => r[1].split(' ')[1]);
      for (const ref of ['gru', 'lstm', 'lstm-b']) assert.ok(names.includes(ref), `${ref} shown`);
    });

    await t.test('the architecture page: notation, drawing, lineage, evaluations, curves, PyTorch download', async () => {
      await page.click(`#leaderboard-table a:text-is("${(await tableRows(page, '#leaderboard-table')).find((r) => r[1].includes(HOSTILE_NAME))![1]}")`);
      await page.waitForURL(/\/s\/search-fixture\/a\/[0-9a-f]{16}$/);
      await settled(page);
      const text = await page.textContent('main');
      assert.ok(text?.includes('<script>alert(2)</script>'), 'the hostile notation is shown as text');
      assert.equal(await page.locator('main script, main img[src="x"]').count(), 0);
      for (const id of ['overview', 'lineage', 'evaluations', 'curves']) assert.equal(await page.locator(`section#${id}`).count(), 1, id);
      assert.equal(await page.locator('figure.graph img').count(), 1);
      assert.equal(await page.locator('section#evaluations table').first().locator('tbody tr').count(), 3);
      await page.screenshot({ path: join(shots, 'architecture-hostile.png'), fullPage: true });
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.download')]);
      const source = await (await download.createReadStream()).toArray();
      assert.match(Buffer.concat(source).toString('utf8'), /class \w+Cell\(nn\.Module\)/);
      // A mutant's page shows its lineage back to the zoo.
      const mutant = (await buildReport(await readStudy(reader, 'search-fixture')).analysis!.archs.find((a) => a.name.includes('+2')))!;
      await page.goto(`${origin}/s/search-fixture/a/${mutant.hash}`);
      await settled(page);
      assert.equal(await page.locator('section#lineage li').count(), 3);
      assert.match((await page.textContent('section#lineage li')) ?? '', /the zoo cell/);
      await page.screenshot({ path: join(shots, 'architecture-mutant.png'), fullPage: true });
    });

    await t.test('an ablation study: box plots, tests and importance as in the report', async () => {
      await page.goto(`${origin}/s/ablate-fixture`);
      await settled(page);
      assert.ok((await page.locator('figure.figure img').count()) >= 3);
      assert.ok((await page.locator('main table').count()) >= 2);
      await page.screenshot({ path: join(shots, 'ablation.png'), fullPage: true });
    });

    await t.test('the writer is never blocked while pages poll and reload', async () => {
      await page.goto(`${origin}/s/search-fixture`);
      await settled(page);
      const churn = writer.ask('churn 200');
      let reloads = 0;
      let done = false;
      void churn.finally(() => (done = true));
      while (!done) {
        await page.reload();
        await page.waitForFunction(() => document.body.dataset.fingerprint !== undefined);
        reloads++;
      }
      const r = await churn;
      assert.equal(r.ok, 200);
      assert.equal(r.failed, 0);
      t.diagnostic(`200 writes during ${reloads} page loads: none failed, the slowest took ${Number(r.maxMs).toFixed(1)} ms`);
    });

    await t.test('with a token, a request without it is refused; the token is then kept in a cookie', async () => {
      const token = 'a-token-for-this-test-only-1234';
      const guarded = await startDashboard({ data, host: '127.0.0.1', port: 0, token });
      try {
        const base = `http://127.0.0.1:${guarded.port}`;
        const other = await browser.newContext();
        const p = await other.newPage();
        assert.equal((await p.goto(`${base}/`))!.status(), 401);
        assert.equal((await p.goto(`${base}/api/experiments`))!.status(), 401);
        assert.equal((await p.goto(`${base}/?token=wrong-token-wrong-token-123`))!.status(), 401);
        assert.equal((await p.goto(`${base}/?token=${token}`))!.status(), 200);
        await settled(p);
        assert.equal((await p.goto(`${base}/s/search-fixture`))!.status(), 200);
        await settled(p);
        await other.close();
      } finally {
        await guarded.close();
      }
    });

    t.diagnostic(`screenshots: ${shots}`);
    assert.deepEqual(messages, [], 'no console messages');
    assert.deepEqual(foreign, [], 'no request to another host');
  } finally {
    await browser.close();
    await dash.close();
    await reader.close();
    writer.child.stdin.end('quit\n');
    if (writer.child.exitCode === null) await new Promise((r) => writer.child.once('exit', r));
  }
});
