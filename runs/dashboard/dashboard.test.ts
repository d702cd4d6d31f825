// The dashboard without a browser: the leaderboard's pages against the report's table, the
// server's safety rules (loopback Host, token, GET only, CSP), live change events from another
// connection writing the database, and the command's bad input. The browser tests are
// browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { runCli, tempDir } from '../../test/helpers.ts';
import { isUserError } from '../../errors.ts';
import { dashboardToken } from '../../commands/dashboard.ts';
import { MemoryDatabase, memoryStorage } from '../memory-storage.ts';
import { openStorage } from '../open-storage.ts';
import { buildReport } from '../report/index.ts';
import { readStudy } from '../report/queries.ts';
import { writeSearchStudy } from '../report/fixture.ts';
import { DashboardData } from './data.ts';
import { HOSTILE_NAME, recordHostileGeneration } from './fixtures.ts';
import { PAGE_CSP, startDashboard } from './server.ts';
import { archFigureId, architectureModel, leaderboardPage, LeaderboardQuerySchema } from './views.ts';

async function fixtureAnalysis() {
  const db = new MemoryDatabase();
  const w = memoryStorage(db);
  await writeSearchStudy(w);
  await recordHostileGeneration(w, 'search-fixture');
  const { model, analysis } = buildReport(await readStudy(memoryStorage(db, { readonly: true }), undefined));
  const section = model.sections.find((s) => s.id === 'leaderboard')!;
  const table = section.blocks.find((b) => b.kind === 'table');
  assert.ok(table?.kind === 'table' && analysis);
  return { analysis, reportRows: table.table.rows };
}

test("leaderboard pages: page 1 in rank order is the report's table; pages cover every ranked architecture once; references on every page; sorting", async () => {
  const { analysis, reportRows } = await fixtureAnalysis();
  const q = (o: Record<string, unknown>) => LeaderboardQuerySchema.parse(o);
  assert.deepEqual(leaderboardPage(analysis, q({})).rows.map((r) => r.cells), reportRows);
  assert.equal(leaderboardPage(analysis, q({})).rows[0].cells[1].endsWith(HOSTILE_NAME), true);

  const size = 3;
  const first = leaderboardPage(analysis, q({ size }));
  const ranked = analysis.archs.filter((s) => s.score !== null).map((s) => s.hash);
  assert.equal(first.total, ranked.length);
  assert.equal(first.pages, Math.ceil(ranked.length / size));
  const seen = new Set<string>();
  let others = 0;
  for (let page = 1; page <= first.pages; page++) {
    const p = leaderboardPage(analysis, q({ size, page }));
    assert.equal(p.page, page);
    const refs = p.rows.filter((r) => r.reference).map((r) => r.cells[1].split(' ')[1]);
    assert.deepEqual([...refs].sort(), ['gru', 'lstm', 'lstm-b'], `page ${page} shows the references`);
    // Rows in the asked order: ranks rise.
    const ranks = p.rows.map((r) => Number(r.cells[0]));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
    for (const r of p.rows) {
      seen.add(r.hash);
      if (!r.reference) others++;
    }
  }
  assert.deepEqual(seen, new Set(ranked));
  assert.equal(others, ranked.length - 3, 'every other ranked architecture on exactly one page');
  // A page past the end shows the last one.
  assert.equal(leaderboardPage(analysis, q({ size, page: 999 })).page, first.pages);

  const byParams = leaderboardPage(analysis, q({ sort: 'params', dir: 'desc', size: 50 }));
  const params = byParams.rows.map((r) => Number(r.cells[5].replace(/,/g, '')));
  assert.deepEqual(params, [...params].sort((a, b) => b - a));
  const byName = leaderboardPage(analysis, q({ sort: 'architecture', size: 50 })).rows.map((r) => r.cells[1].split(' ').slice(1).join(' '));
  assert.deepEqual(byName, [...byName].sort((a, b) => a.localeCompare(b)));
  assert.equal(leaderboardPage(analysis, q({ sort: 'no-such-column' })).sort, 'rank');
  assert.equal(LeaderboardQuerySchema.safeParse({ size: '1000' }).success, false);
  assert.equal(LeaderboardQuerySchema.safeParse({ page: '0' }).success, false);
});

/** A raw GET with any Host header and cookie (fetch cannot set Host). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the server: GET only, loopback Host, CSP without inline scripts, token then cookie, 404s, read-only storage', async () => {
  const dir = tempDir();
  const db = join(dir, 'd.sqlite');
  const w = await openStorage(db);
  await writeSearchStudy(w);
  await w.close();
  const reader = await openStorage(db, { readonly: true });
  const open = await startDashboard({ data: new DashboardData(reader), host: '127.0.0.1', port: 0 });
  const token = 'x'.repeat(12) + 'secret-token';
  const guarded = await startDashboard({ data: new DashboardData(reader), host: '127.0.0.1', port: 0, token });
  try {
    const home = await get(open.port, '/');
    assert.equal(home.status, 200);
    assert.equal(home.headers['content-security-policy'], PAGE_CSP);
    assert.match(PAGE_CSP, /script-src 'self';/);
    assert.doesNotMatch(PAGE_CSP, /unsafe/);
    assert.equal(home.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(home.body, /<script>|\son\w+=/, 'no inline script or handler in the page');
    assert.equal((await get(open.port, '/', { Host: 'attacker.example:80' })).status, 421, 'a rebound DNS name is refused');
    assert.equal((await get(open.port, '/', { Host: `localhost:${open.port}` })).status, 200);
    assert.equal((await get(open.port, '/api/experiments', {}, 'POST')).status, 405);
    assert.equal((await get(open.port, '/api/experiments', {}, 'DELETE')).status, 405);
    assert.equal((await get(open.port, '/api/studies/nope')).status, 404);
    assert.match(JSON.parse((await get(open.port, '/api/studies/nope')).body).error, /no experiment named 'nope'/);
    assert.equal((await get(open.port, '/api/studies/%E0%A4%A')).status, 400);
    assert.equal((await get(open.port, '/api/studies/search-fixture/leaderboard?size=5000')).status, 400);
    const svg = await get(open.port, '/api/studies/search-fixture/svg/best-score');
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['content-type'], 'image/svg+xml; charset=utf-8');
    assert.match(svg.body, /^<svg/);
    assert.equal((await get(open.port, '/api/studies/search-fixture/svg/no-such-figure')).status, 404);
    const list = JSON.parse((await get(open.port, '/api/experiments')).body) as { experiments: { name: string }[] };
    assert.deepEqual(list.experiments.map((e) => e.name), ['search-fixture']);
    const gru = JSON.parse((await get(open.port, '/api/studies/search-fixture/leaderboard')).body).rows.find((r: { cells: string[] }) => r.cells[1].endsWith(' gru')).hash;
    const py = await get(open.port, `/api/studies/search-fixture/architectures/${gru}/pytorch`);
    assert.equal(py.status, 200);
    assert.match(String(py.headers['content-disposition']), /^attachment; filename="gru_[0-9a-f]{8}\.py"$/);
    assert.match(py.body, /class GRUCell\(nn\.Module\)/);

    assert.equal((await get(guarded.port, '/')).status, 401);
    assert.equal((await get(guarded.port, '/api/experiments')).status, 401);
    assert.equal((await get(guarded.port, '/api/events')).status, 401);
    assert.equal((await get(guarded.port, '/?token=wrong')).status, 401);
    const ok = await get(guarded.port, `/?token=${token}`);
    assert.equal(ok.status, 200);
    const set = String(ok.headers['set-cookie']);
    assert.match(set, /HttpOnly; SameSite=Strict; Path=\//);
    const cookie = set.split(';')[0];
    assert.equal((await get(guarded.port, '/api/experiments', { Cookie: cookie })).status, 200);
    assert.equal((await get(guarded.port, '/api/experiments', { Cookie: cookie.replace(/=.*/, '=nope') })).status, 401);

    // The dashboard cannot write: its storage is read-only.
    assert.equal(reader.readonly, true);
    await assert.rejects(reader.logEvent(null, 'x'), /read-only/);
  } finally {
    await open.close();
    await guarded.close();
    await reader.close();
  }
});

test('live: a write by another connection reaches a listener as a change event naming the study', async () => {
  const dir = tempDir();
  const db = join(dir, 'd.sqlite');
  const writer = await openStorage(db);
  await writeSearchStudy(writer);
  const reader = await openStorage(db, { readonly: true });
  const dash = await startDashboard({ data: new DashboardData(reader), host: '127.0.0.1', port: 0, pollMs: 100 });
  try {
    const events: string[] = [];
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port: dash.port, path: '/api/events' }, resolve).on('error', reject).end());
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
    res.setEncoding('utf8');
    const hello = new Promise<void>((resolve) => res.on('data', (d: string) => (events.push(d), d.includes('event: hello') && resolve())));
    await hello;
    // Two polls with nothing written: no change event.
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(events.join('').includes('event: change'), false);
    const changed = new Promise<string>((resolve) => res.on('data', (d: string) => d.includes('event: change') && resolve(d)));
    await recordHostileGeneration(writer, 'search-fixture');
    // Not a timing assertion: a guard that turns a missing event into a failure instead of a hang.
    const event = await Promise.race([changed, new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no change event within 60 s')), 60_000).unref())]);
    assert.deepEqual(JSON.parse(event.split('data: ')[1]), { changed: ['search-fixture'] });
    res.destroy();
  } finally {
    await dash.close();
    await reader.close();
    await writer.close();
  }
});

test('dashboardToken: none on loopback unless given, generated elsewhere, a short one refused', () => {
  assert.deepEqual(dashboardToken('127.0.0.1', undefined, true), { token: undefined, generated: false });
  const g = dashboardToken('0.0.0.0', undefined, false);
  assert.equal(g.generated, true);
  assert.match(g.token!, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(dashboardToken('0.0.0.0', undefined, false).token, g.token);
  assert.deepEqual(dashboardToken('0.0.0.0', 'a'.repeat(20), false), { token: 'a'.repeat(20), generated: false });
  assert.throws(() => dashboardToken('0.0.0.0', 'short', false), (e: unknown) => isUserError(e) && /at least 16/.test((e as Error).message));
});

test('cellsearch dashboard: bad input exits 2 with a message', () => {
  const dir = tempDir();
  const port = runCli(['dashboard', '--db', join(dir, 'x.sqlite'), '--port', '70000']);
  assert.equal(port.status, 2, port.stderr);
  assert.match(port.stderr, /--port must be a whole number from 0 to 65535, got 70000/);
  const missing = runCli(['dashboard', '--db', join(dir, 'missing.sqlite'), '--port', '0']);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /no cellsearch database at .*missing\.sqlite/);
});

test("a search's page reads only the curves it draws, and is the report's model of the whole snapshot; an architecture page reads its own; a change keeps the old page's figures", async () => {
  const db = new MemoryDatabase();
  const writer = memoryStorage(db);
  await writeSearchStudy(writer);
  const reader = memoryStorage(db, { readonly: true });
  // What the dashboard asks of the storage: snapshot options and single curves.
  const asked = { snapshots: [] as unknown[], curves: [] as number[] };
  const watched = new Proxy(reader, {
    get(target, key, receiver) {
      if (key === 'snapshot') return (id: number, options?: unknown) => (asked.snapshots.push(options), target.snapshot(id, options as never));
      if (key === 'curve') return (id: number) => (asked.curves.push(id), target.curve(id));
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const data = new DashboardData(watched);
  const whole = await readStudy(reader, 'search-fixture');
  assert.ok(whole.curves.size > 0);
  const report = buildReport(whole);
  const page = await data.study('search-fixture');
  assert.deepEqual(asked.snapshots, [{ curves: false }], 'the snapshot is read without curves');
  const drawn = new Set(report.analysis!.top.flatMap((s) => report.analysis!.tasks.map((t) => s.best[t]?.evaluation.id).filter((id) => id !== undefined)));
  assert.ok(drawn.size > 0);
  assert.deepEqual(new Set(asked.curves), drawn, "only the top architectures' drawn curves are read");
  assert.ok(drawn.size < whole.curves.size);
  // The same sections as `cellsearch report` of the whole snapshot (its subtitle names the time).
  assert.deepEqual(page.model.sections, report.model.sections);
  const figure = page.model.sections.flatMap((s) => [...s.blocks, ...(s.subsections ?? []).flatMap((x) => x.blocks)]).find((b) => b.kind === 'figure' && b.id === 'learning-curves');
  assert.ok(figure?.kind === 'figure' && (figure.spec.data as { values: unknown[] }).values.length > 0, 'the learning curves are drawn');

  // An architecture outside the top: its page reads and draws its own evaluations' curves.
  const other = report.analysis!.archs.find((s) => !report.analysis!.top.includes(s) && whole.evaluations.some((e) => e.architecture === s.hash && whole.curves.has(e.id)))!;
  asked.curves.length = 0;
  const arch = await data.architecture('search-fixture', other.hash);
  const own = whole.evaluations.filter((e) => e.architecture === other.hash).map((e) => e.id);
  assert.deepEqual(new Set(asked.curves), new Set(own.filter((id) => !drawn.has(id))));
  assert.deepEqual(arch.model, architectureModel(whole, other.hash, report.analysis));

  // After a change the page drawn before it still gets its figures; the study is read again.
  const before = await data.svg('search-fixture', 'learning-curves', undefined, page.fingerprint);
  await recordHostileGeneration(writer, 'search-fixture');
  const after = await data.study('search-fixture');
  assert.notEqual(after.fingerprint, page.fingerprint);
  assert.equal(asked.snapshots.length, 2);
  assert.equal(await data.svg('search-fixture', 'learning-curves', undefined, page.fingerprint), before);
  assert.equal(await data.svg('search-fixture', archFigureId(other.hash), other.hash, page.fingerprint), await data.svg('search-fixture', archFigureId(other.hash), other.hash, page.fingerprint));
  const fresh = buildReport(await readStudy(reader, 'search-fixture'));
  assert.deepEqual(after.model.sections, fresh.model.sections);
});

test('a change draws again only the figures it changed; a writer that comes or goes changes the page without reading the rows again', async () => {
  const { renderDot, renderVegaLite } = await import('../report/render.ts');
  const db = new MemoryDatabase();
  const writer = memoryStorage(db);
  await writeSearchStudy(writer);
  await writer.close();
  let snapshots = 0;
  const reader = memoryStorage(db, { readonly: true });
  const watched = new Proxy(reader, {
    get(target, key, receiver) {
      if (key === 'snapshot') return (id: number, options?: unknown) => (snapshots++, target.snapshot(id, options as never));
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const drawn: string[] = [];
  const data = new DashboardData(watched, {
    vegaLite: (spec) => (drawn.push(JSON.stringify(spec)), renderVegaLite(spec)),
    dot: (dot) => (drawn.push(dot), renderDot(dot)),
  });
  const ids = ['best-score', 'score-distribution', 'accuracy-params', 'learning-curves'];
  const all = async () => Promise.all(ids.map((id) => data.svg('search-fixture', id)));
  const first = await data.study('search-fixture');
  const svgs = await all();
  assert.equal(drawn.length, ids.length);
  assert.match(first.model.subtitle, /\(done\)/);

  // A writer opens the file (a study resumed, or any process writing it): the page says so, from the same rows and drawings.
  const second = memoryStorage(db);
  const running = await data.study('search-fixture');
  assert.notEqual(running.fingerprint, first.fingerprint);
  assert.equal(snapshots, 1, 'the rows are not read again');
  assert.equal(running.analysis, first.analysis);
  assert.deepEqual(await all(), svgs);
  assert.equal(drawn.length, ids.length, 'nothing drawn again');
  await second.close();
  assert.notEqual((await data.study('search-fixture')).fingerprint, running.fingerprint);
  assert.equal(snapshots, 1);

  // A new generation: read again; the figures it changed are drawn again, each once, and equal a fresh server's.
  const w = memoryStorage(db);
  await recordHostileGeneration(w, 'search-fixture');
  await w.close();
  const after = await data.study('search-fixture');
  assert.equal(snapshots, 2);
  const again = await all();
  const fresh = new DashboardData(memoryStorage(db, { readonly: true }));
  assert.deepEqual(again, await Promise.all(ids.map((id) => fresh.svg('search-fixture', id))));
  const changed = ids.filter((_, i) => again[i] !== svgs[i]);
  assert.ok(changed.includes('best-score') && changed.includes('accuracy-params'), `changed: ${changed.join(', ')}`);
  assert.equal(drawn.length, ids.length + changed.length, `drawn again: ${changed.join(', ')} only`);
  assert.deepEqual(after.model.sections, (await fresh.study('search-fixture')).model.sections);
});
