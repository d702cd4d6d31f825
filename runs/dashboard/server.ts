// `cellsearch dashboard`'s web server: node:http, GET only, every asset served from this process
// (the page's script and style from runs/dashboard/assets/, the report's style sheet from its one
// source runs/report/report.css, figures as SVG drawn by the report's
// renderers), JSON for the pages, server-sent events for live updates.
//
// Why node:http and server-sent events: the dashboard only reads and pushes "something changed"
// one way, which is what EventSource does (reconnects by itself, passes through the same origin,
// cookie and CSP as every other request); a WebSocket or a framework would add a dependency and
// a second protocol for nothing. Why figures are SVG images drawn on the server: they are the
// report's SVG, byte for byte (one code path), and the page needs no vega in the browser (whose
// expression compiler needs `unsafe-eval`) and can never run anything an SVG contains.
//
// Safety: the caller binds 127.0.0.1 unless told otherwise, and then requires a token; requests
// to a loopback server must name a loopback Host (a page of another site cannot reach it through
// DNS rebinding); a token is accepted once in the URL and then kept in an HttpOnly, SameSite=Strict
// cookie; the Content-Security-Policy allows scripts, styles, images and connections from the
// dashboard only and no inline script; every string from a study reaches the page as JSON and is
// inserted as text (assets/app.js never assigns HTML).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { UserError } from '../../errors.ts';
import type { Block, ReportModel, Section } from '../report/model.ts';
import { toPytorch } from '../../cells/export/pytorch.ts';
import { REPORT_CSS_FILE } from '../report/html.ts';
import { archName, displayCell } from '../report/architectures.ts';
import { DashboardData, NotFound, type Fingerprints } from './data.ts';
import { leaderboardPage, LeaderboardQuerySchema, LIVE_FIGURE_ID, type LiveView } from './views.ts';

export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** An SVG opened on its own: no script, no request, its own inline styles only. */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

const ASSETS: Record<string, { file: URL; type: string }> = {
  '/assets/app.js': { file: new URL('./assets/app.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
  // The static report's style, from its one source; app.css adds the dashboard's parts.
  '/assets/report.css': { file: REPORT_CSS_FILE, type: 'text/css; charset=utf-8' },
  '/assets/app.css': { file: new URL('./assets/app.css', import.meta.url), type: 'text/css; charset=utf-8' },
};

const SHELL = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cellsearch dashboard</title>
<link rel="stylesheet" href="/assets/report.css">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<header><a href="/" class="home">cellsearch dashboard</a><span id="live" class="live">connecting</span></header>
<main id="app"><p>Loading…</p></main>
</body>
</html>
`;

export interface DashboardOptions {
  data: DashboardData;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Required on every request when set (query `token=` once, then a cookie). */
  token?: string;
  /** How often the database is polled for changes while a page listens (ms). */
  pollMs?: number;
}

export interface RunningDashboard {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

function sameSecret(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store' };

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': type, 'Content-Security-Policy': PAGE_CSP, ...extra });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/** The number of data points a figure draws (its inline data sets), which a live page shows as it grows. */
function pointsOf(spec: Record<string, unknown>): number {
  const d = spec.data as { values?: unknown[] } | undefined;
  return (Array.isArray(d?.values) ? d.values.length : 0) + ((spec.layer as Record<string, unknown>[] | undefined) ?? []).reduce((n, l) => n + pointsOf(l), 0);
}

/**
 * The model as the page receives it: figures without their specification (the page shows the
 * server's SVG) but with their point count, and the search leaderboard's table replaced by a
 * placeholder the page fills with pages of the leaderboard.
 */
export function pageModel(model: ReportModel, searchLeaderboard: boolean) {
  const block = (sectionId: string, b: Block) => {
    if (b.kind === 'figure') return { kind: 'figure', id: b.id, title: b.title, caption: b.caption, points: pointsOf(b.spec) };
    if (b.kind === 'graph') return { kind: 'graph', id: b.id, title: b.title };
    if (b.kind === 'table' && searchLeaderboard && sectionId === 'leaderboard') return { kind: 'leaderboard' };
    return b;
  };
  const section = (s: Section): unknown => ({ id: s.id, title: s.title, blocks: s.blocks.map((b) => block(s.id, b)), subsections: (s.subsections ?? []).map(section) });
  return { title: model.title, subtitle: model.subtitle, sections: model.sections.map(section) };
}

/** The live view as the page receives it: the figure's point count instead of its specification. */
function liveJson(v: LiveView) {
  const figure = v.figure && { kind: 'figure', id: v.figure.id, title: v.figure.title, caption: v.figure.caption, points: pointsOf(v.figure.spec) };
  return { fingerprint: v.fingerprint, running: v.running, figure };
}

/** Path segments, percent-decoded; undefined for a malformed escape. */
function segments(path: string): string[] | undefined {
  try {
    return path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

export async function startDashboard(o: DashboardOptions): Promise<RunningDashboard> {
  const { data } = o;
  const pollMs = o.pollMs ?? 500;
  const assets = new Map(Object.entries(ASSETS).map(([path, a]) => [path, { type: a.type, body: readFileSync(a.file) }]));
  let port = o.port;
  const cookieName = () => `cellsearch-dashboard-${port}`;

  // Live updates: one poller for every listening page, running only while one listens.
  const clients = new Set<ServerResponse>();
  let last: Fingerprints | undefined;
  let lastLive: Fingerprints = new Map();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const now = await data.fingerprints();
      if (last) {
        const changed = [...new Set([...now.keys(), ...last.keys()])].filter((n) => now.get(n) !== last!.get(n));
        if (changed.length) for (const c of clients) c.write(`event: change\ndata: ${JSON.stringify({ changed })}\n\n`);
      }
      last = now;
      // Curve points of running evaluations change no count: a second, smaller fingerprint.
      const live = await data.liveFingerprints();
      const grown = [...live.keys()].filter((n) => live.get(n) !== lastLive.get(n));
      if (grown.length) for (const c of clients) c.write(`event: live\ndata: ${JSON.stringify({ changed: grown })}\n\n`);
      lastLive = live;
    } catch (err) {
      for (const c of clients) c.write(`event: problem\ndata: ${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n\n`);
    } finally {
      polling = false;
    }
  };
  const listen = (res: ServerResponse) => {
    res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'Content-Security-Policy': PAGE_CSP });
    res.write(`retry: 1000\nevent: hello\ndata: {}\n\n`);
    clients.add(res);
    if (!timer) timer = setInterval(() => void poll(), pollMs);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(keepAlive);
      clients.delete(res);
      if (clients.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
        last = undefined;
        lastLive = new Map();
      }
    });
  };

  const allowed = (req: IncomingMessage, url: URL, res: ServerResponse): boolean => {
    if (isLoopback(o.host)) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!isLoopback(host)) {
        send(res, 421, 'text/plain; charset=utf-8', 'this dashboard answers only to a loopback host name\n');
        return false;
      }
    }
    if (o.token === undefined) return true;
    const given = url.searchParams.get('token');
    if (given !== null && sameSecret(given, o.token)) {
      res.setHeader('Set-Cookie', `${cookieName()}=${encodeURIComponent(o.token)}; HttpOnly; SameSite=Strict; Path=/`);
      return true;
    }
    const kept = cookie(req, cookieName());
    if (kept !== undefined && sameSecret(kept, o.token)) return true;
    send(res, 401, 'text/plain; charset=utf-8', 'this dashboard needs its token: open the URL it printed (…?token=…)\n');
    return false;
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const asset = assets.get(url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body);
    // Browsers ask for it on their own; no icon, and no error in the console either.
    if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    const seg = segments(url.pathname);
    if (!seg) return json(res, 400, { error: 'malformed path' });
    if (seg.length === 0 || (seg[0] === 's' && (seg.length === 2 || (seg.length === 4 && seg[2] === 'a')))) return send(res, 200, 'text/html; charset=utf-8', SHELL);
    if (seg[0] !== 'api') return json(res, 404, { error: 'not found' });
    const [, what, name, sub, id, extra] = seg;
    if (what === 'events' && seg.length === 2) return listen(res);
    if (what === 'experiments' && seg.length === 2) return json(res, 200, { location: data.storage.location, experiments: await data.experiments() });
    if (what !== 'studies' || name === undefined) return json(res, 404, { error: 'not found' });
    if (seg.length === 3) {
      const s = await data.study(name);
      return json(res, 200, { name, kind: s.kind, fingerprint: s.fingerprint, progress: s.progress, live: liveJson(await data.live(name)), model: pageModel(s.model, s.analysis !== undefined), leaderboard: s.analysis !== undefined });
    }
    if (sub === 'leaderboard' && seg.length === 4) {
      const s = await data.study(name);
      if (!s.analysis) return json(res, 404, { error: `the study '${name}' is not a search: it has no leaderboard` });
      const q = LeaderboardQuerySchema.safeParse(Object.fromEntries(url.searchParams));
      if (!q.success) return json(res, 400, { error: `leaderboard: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
      return json(res, 200, { fingerprint: s.fingerprint, ...leaderboardPage(s.analysis, q.data) });
    }
    if (sub === 'live' && seg.length === 4) {
      return json(res, 200, liveJson(await data.live(name)));
    }
    if (sub === 'svg' && seg.length === 5 && id === LIVE_FIGURE_ID) {
      const svg = await data.liveSvg(name, url.searchParams.get('v') ?? undefined);
      return send(res, 200, 'image/svg+xml; charset=utf-8', svg, { 'Content-Security-Policy': SVG_CSP, 'Cache-Control': 'private, max-age=3600' });
    }
    if (sub === 'svg' && seg.length === 5) {
      const svg = await data.svg(name, id, url.searchParams.get('arch') ?? undefined, url.searchParams.get('v') ?? undefined);
      return send(res, 200, 'image/svg+xml; charset=utf-8', svg, { 'Content-Security-Policy': SVG_CSP, 'Cache-Control': 'private, max-age=3600' });
    }
    if (sub === 'architectures' && seg.length === 5) {
      const a = await data.architecture(name, id);
      return json(res, 200, { name, hash: id, fingerprint: a.fingerprint, model: pageModel(a.model, false) });
    }
    if (sub === 'architectures' && seg.length === 6 && extra === 'pytorch') {
      const { arch, architectures } = await data.architectureRecord(name, id);
      const label = archName(arch.hash, architectures);
      const cell = displayCell(arch, label);
      const source = toPytorch(cell.name === undefined ? { ...cell, name: label } : cell, { provenance: `Exported from architecture ${arch.hash} of the study '${name}' in ${data.storage.location} by cellsearch dashboard.` });
      const file = `${label.replace(/[^A-Za-z0-9_-]+/g, '_')}_${arch.hash.slice(0, 8)}.py`;
      return send(res, 200, 'text/x-python; charset=utf-8', source, { 'Content-Disposition': `attachment; filename="${file}"` });
    }
    return json(res, 404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (!allowed(req, url, res)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'this dashboard only reads: GET\n', { Allow: 'GET, HEAD' });
      return;
    }
    route(req, res, url).catch((err: unknown) => {
      if (res.headersSent) return void res.end();
      if (err instanceof NotFound) return json(res, 404, { error: err.message });
      if (err instanceof UserError) return json(res, 400, { error: err.message });
      process.stderr.write(`cellsearch dashboard: ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UserError(`--port ${o.port}: the port is in use; choose another (or 0 for any free port)`) : err.code === 'EADDRNOTAVAIL' ? new UserError(`--host ${o.host}: not an address of this machine`) : err),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : o.port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${shownHost}:${port}/${o.token !== undefined ? `?token=${encodeURIComponent(o.token)}` : ''}`;
  return {
    url,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        if (timer) clearInterval(timer);
        for (const c of clients) c.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
