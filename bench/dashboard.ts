// `npm run bench:dashboard`: the dashboard on a large study (issue 14: 10,000 evaluations over
// 1,000 architectures must open in under 1 s on localhost, the server under 200 MB). Builds the
// study with runs/dashboard/fixtures.ts (drawn results, real architectures, a learning curve per
// evaluation) into a SQLite file, starts `cellsearch dashboard` on it as its own process, then:
// - the first open, `--repeat` times (default 3), each on a fresh server: the server's CPU time for
//   its first request (the snapshot is read and the report model built) and its resident memory
//   after it, alternating with a reference of the same run: the same study read the way `cellsearch
//   report` reads it (runs/report: one snapshot with every curve, then the report model, no figure
//   drawn) in a process of its own, its CPU time for that read and its memory after it;
// - on the last server, times the JSON endpoints with fetch, the first request and the next ones
//   (cached until the study changes), with the server's memory after each;
// - with Chromium (when found), times the study page from navigation to the rendered leaderboard
//   and to every figure drawn, on a fresh server state and again;
// - reads the server's resident memory (now and peak, /proc/<pid>/status) and the CPU time it
//   spent (/proc/<pid>/stat), which a loaded machine does not inflate as it inflates wall time;
// - times a writer (runs/dashboard/writer-child.ts: 200 short write transactions on the same file)
//   with no page open, then while a page listens for changes and reloads the study without pause:
//   the dashboard must not slow it;
// - a live update: the writer appends a generation (runs/dashboard/fixtures.ts' hostile one: three
//   evaluations of a new cell) while a page is open: the time until the page shows it
//   without reload and until every figure is drawn again, the server's CPU and memory for it.
// The server's peak memory (VmHWM) at the end covers the whole run. A `--db` that exists is
// copied first: the bench writes to the study, and every run measures the same one.
// Not a test: nothing here runs in `npm test`.
//
//   npm run bench:dashboard                                   10,000 evaluations, 1,000 architectures
//   npm run bench:dashboard -- --evaluations 2000 --architectures 200 --db /tmp/x.sqlite
//   npm run build && npm run bench:dashboard -- --cli dist/cli.js     the server as the installed package runs it (no tsx)
//   npm run bench:dashboard -- --repeat 5                     five first opens and five references
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { openSqliteStorage } from '../runs/sqlite.ts';
import { findChromium } from '../runs/dashboard/chromium.ts';
import { writeLargeSearch } from '../runs/dashboard/fixtures.ts';

const OptionsSchema = z.object({
  evaluations: z.coerce.number().int().positive(),
  architectures: z.coerce.number().int().min(3),
  points: z.coerce.number().int().positive(),
  db: z.string().optional(),
  cli: z.string().optional(),
  repeat: z.coerce.number().int().positive(),
  reference: z.boolean(),
});

const { values } = parseArgs({
  options: { evaluations: { type: 'string', default: '10000' }, architectures: { type: 'string', default: '1000' }, points: { type: 'string', default: '8' }, db: { type: 'string' }, cli: { type: 'string' }, repeat: { type: 'string', default: '3' }, reference: { type: 'boolean', default: false } },
});
const o = OptionsSchema.parse(values);
const NAME = 'search-large';

if (o.reference) {
  // The reference child: the study read as `cellsearch report` reads it, timed from the open on.
  const { openStorage } = await import('../runs/open-storage.ts');
  const { buildReport } = await import('../runs/report/index.ts');
  const { readStudy } = await import('../runs/report/queries.ts');
  const storage = await openStorage(o.db!, { readonly: true, snapshot: true });
  const before = process.cpuUsage();
  const { model } = buildReport(await readStudy(storage, NAME));
  const used = process.cpuUsage(before);
  await storage.close();
  const status = readFileSync('/proc/self/status', 'utf8');
  const mb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
  console.log(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, rss: mb('VmRSS'), peak: mb('VmHWM'), sections: model.sections.length }));
  process.exit(0);
}
// The study as built (`--db`, built there when missing, or large.sqlite in a new folder, kept for
// another run's `--db`) and the copy the bench serves and writes to, removed at the end.
const work = mkdtempSync(join(tmpdir(), 'cellsearch-bench-dashboard-'));
const source = o.db ?? join(work, 'large.sqlite');
const db = join(work, 'served.sqlite');
if (!existsSync(source)) {
  const t = performance.now();
  const storage = openSqliteStorage(source);
  try {
    await writeLargeSearch(storage, { name: NAME, evaluations: o.evaluations, architectures: o.architectures, points: o.points });
  } finally {
    await storage.close();
  }
  console.log(`built ${source}: ${o.evaluations} evaluations, ${o.architectures} architectures, ${o.points} curve points each (${((performance.now() - t) / 1000).toFixed(1)} s)`);
} else console.log(`using a copy of ${source} as it is`);
copyFileSync(source, db);

/** User + system CPU time a process has used, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The writer child: 200 short transactions, timed one by one. */
function startWriter(path: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('../runs/dashboard/writer-child.ts', import.meta.url).pathname, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, number>;
  const ready = next();
  return {
    ready,
    churn: async (n: number) => {
      child.stdin.write(`churn ${n}\n`);
      return next();
    },
    hostile: async (name: string) => {
      child.stdin.write(`hostile ${name}\n`);
      const r = await next();
      if ('error' in r) throw new Error(`the writer: ${String(r.error)}`);
    },
    stop: () => child.stdin.end('quit\n'),
  };
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

// The clone's launcher (tsx) by default; `--cli dist/cli.js` measures the built package as installed.
const cli = o.cli ?? new URL('../bin/cellsearch.js', import.meta.url).pathname;
const rows: [string, string][] = [];
const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

/** `cellsearch dashboard` on the study as a process of its own, and its URL. */
async function startServer() {
  const server = spawn(process.execPath, [cli, 'dashboard', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await createInterface({ input: server.stdout })[Symbol.asyncIterator]().next();
  const base = /(http:\/\/\S+?)\/?$/m.exec(String(first.value))?.[1];
  if (!base) throw new Error(`the dashboard printed no URL: ${String(first.value)}`);
  return { server, pid: server.pid!, base };
}

/** The reference: the same study read as `cellsearch report` reads it, in a process of its own (see `--reference`). */
async function referenceRead(): Promise<{ cpuMs: number; rss: number; peak: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--reference', '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  const code = await new Promise((r) => child.on('close', r));
  if (code !== 0) throw new Error(`the reference read exited with ${code}`);
  return JSON.parse(out) as { cpuMs: number; rss: number; peak: number };
}

/** The resident memory of a process of the launcher that loads nothing of cellsearch: node with tsx, the reference of the server's figures. */
async function launcherMb(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', "process.stdout.write('up\\n'); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
  await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const mb = memoryMb(child.pid!).rss;
  child.kill();
  return mb;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const mem = (pid: number) => {
  const m = memoryMb(pid);
  return `RSS ${m.rss.toFixed(0)} MB, peak ${m.peak.toFixed(0)} MB`;
};

// The first open, `--repeat` times on a fresh server, each after a reference read of the same run.
const opens: { cpu: number; ref: number; rss: number; peak: number }[] = [];
let last: Awaited<ReturnType<typeof startServer>> | undefined;
for (let i = 0; i < o.repeat; i++) {
  const ref = await referenceRead();
  rows.push([`reference ${i + 1}: the report's read (snapshot with curves + report model)`, `CPU ${ref.cpuMs.toFixed(0)} ms, RSS ${ref.rss.toFixed(0)} MB, peak ${ref.peak.toFixed(0)} MB`]);
  last?.server.kill('SIGINT');
  last = await startServer();
  const started = memoryMb(last.pid);
  const t = performance.now();
  const cpu = cpuMs(last.pid);
  const r = await fetch(`${last.base}/api/experiments`);
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`/api/experiments: HTTP ${r.status}`);
  const used = cpuMs(last.pid) - cpu;
  const m = memoryMb(last.pid);
  opens.push({ cpu: used, ref: ref.cpuMs, rss: m.rss, peak: m.peak });
  rows.push([`first open ${i + 1}: GET /api/experiments on a fresh server`, `${ms(t)}, server CPU ${used} ms (${(used / ref.cpuMs).toFixed(2)} x the reference); RSS ${started.rss.toFixed(0)} MB after start, ${m.rss.toFixed(0)} MB after (peak ${m.peak.toFixed(0)} MB)`]);
}
const { server, base } = last!;
try {
  rows.push(['first open, median', `server CPU ${median(opens.map((x) => x.cpu))} ms (${median(opens.map((x) => x.cpu / x.ref)).toFixed(2)} x the reference), RSS ${median(opens.map((x) => x.rss)).toFixed(0)} MB, peak ${median(opens.map((x) => x.peak)).toFixed(0)} MB`]);
  rows.push(['node with tsx alone, loading nothing of cellsearch', `RSS ${(await launcherMb()).toFixed(0)} MB`]);
  for (const [label, path] of [
    ['GET /api/experiments (cached)', '/api/experiments'],
    ['GET /api/studies/<name> (cached)', `/api/studies/${NAME}`],
    ['GET leaderboard page 1 (20 rows)', `/api/studies/${NAME}/leaderboard`],
    ['GET leaderboard page 30, sorted by xml accuracy', `/api/studies/${NAME}/leaderboard?page=30&sort=task:xml&dir=desc`],
    ['GET figure: best score against evaluations', `/api/studies/${NAME}/svg/best-score`],
    ['GET figure: accuracy against parameters (best per architecture and task)', `/api/studies/${NAME}/svg/accuracy-params`],
    ['GET figure: learning curves of the top 5', `/api/studies/${NAME}/svg/learning-curves`],
  ] as const) {
    const t = performance.now();
    const cpu = cpuMs(server.pid!);
    const r = await fetch(base + path);
    const body = await r.arrayBuffer();
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    rows.push([label, `${ms(t)}, server CPU ${cpuMs(server.pid!) - cpu} ms (${(body.byteLength / 1024).toFixed(0)} KB); ${mem(server.pid!)}`]);
  }
  const chromiumPath = findChromium();
  if (chromiumPath) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
    try {
      for (const round of ['first visit', 'second visit']) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const t = performance.now();
        const cpu = cpuMs(server.pid!);
        await page.goto(`${base}/s/${NAME}`);
        await page.waitForSelector('#leaderboard-table tbody tr', { timeout: 120_000 });
        rows.push([`study page in Chromium, ${round}: leaderboard shown`, ms(t)]);
        await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 300_000 });
        rows.push([`study page in Chromium, ${round}: every figure drawn`, `${ms(t)}, server CPU ${cpuMs(server.pid!) - cpu} ms; ${mem(server.pid!)}`]);
        await page.close();
      }
      // The writer alone, then while a page listens and reloads the study again and again.
      const writer = startWriter(db);
      await writer.ready;
      try {
        const alone = await writer.churn(200);
        const page = await browser.newPage();
        await page.goto(`${base}/s/${NAME}`);
        await page.waitForSelector('#leaderboard-table tbody tr', { timeout: 120_000 });
        let reloads = 0;
        let done = false;
        const busy = writer.churn(200).finally(() => (done = true));
        while (!done) {
          await page.reload();
          await page.waitForSelector('#leaderboard-table tbody tr', { timeout: 120_000 });
          reloads++;
        }
        const watched = await busy;
        await page.close();
        const fmt = (r: Record<string, number>) => `${r.ok} ok, ${r.failed} failed, slowest ${r.maxMs.toFixed(1)} ms, total ${r.totalMs.toFixed(0)} ms`;
        rows.push(['writer: 200 transactions, no page open', fmt(alone)]);
        rows.push([`writer: 200 transactions during ${reloads} study page loads`, `${fmt(watched)}; server ${mem(server.pid!)}`]);

        // A live update: a new generation while a page is open, shown without reload.
        const open = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await open.goto(`${base}/s/${NAME}`);
        await open.waitForSelector('#leaderboard-table tbody tr', { timeout: 120_000 });
        await open.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 300_000 });
        const before = await open.evaluate(() => [...document.querySelectorAll('img[data-id]')].map((i) => i.getAttribute('src')));
        const finishedShown = await open.evaluate(() => /(\d+ of \d+ finished)/.exec(document.body.textContent ?? '')?.[1]);
        if (!finishedShown) throw new Error('the study page shows no progress count');
        const t = performance.now();
        const cpu = cpuMs(server.pid!);
        await writer.hostile(NAME);
        // The page shows the new evaluations: its progress counts them (the new cell need not enter the first page).
        await open.waitForFunction((shown) => /(\d+ of \d+ finished)/.exec(document.body.textContent ?? '')?.[1] !== shown, finishedShown, { timeout: 120_000 });
        rows.push(['live update: a new generation written, shown on the open page', `${ms(t)} after the write`]);
        await open.waitForFunction(
          (old) => [...document.querySelectorAll<HTMLImageElement>('img[data-id]')].every((i) => !old.includes(i.getAttribute('src')) && i.complete && i.naturalWidth > 0),
          before,
          { timeout: 300_000 },
        );
        rows.push(['live update: every figure of the page drawn again', `${ms(t)} after the write, server CPU ${cpuMs(server.pid!) - cpu} ms; ${mem(server.pid!)}`]);
        await open.close();
      } finally {
        writer.stop();
      }
    } finally {
      await browser.close();
    }
  } else rows.push(['study page in Chromium', 'skipped: no Chromium found']);
  const m = memoryMb(server.pid!);
  rows.push(['server memory at the end', `${m.rss.toFixed(0)} MB (peak over the whole run ${m.peak.toFixed(0)} MB)`]);
  rows.push(['server CPU time in all', `${cpuMs(server.pid!)} ms`]);
} finally {
  server.kill('SIGINT');
  if (server.exitCode === null && server.signalCode === null) await new Promise((r) => server.once('exit', r));
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  if (o.db) rmSync(work, { recursive: true, force: true });
}
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\ndashboard on ${o.evaluations} evaluations / ${o.architectures} architectures (a copy of ${source}), server ${cli}`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
