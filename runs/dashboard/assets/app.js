// The dashboard's page script (served as it is: no build step, no library). It reads the
// server's JSON and builds the page with DOM calls; every string from a study goes in as a text
// node (never innerHTML), so a cell named `<img src=x onerror=...>` shows as those characters.
// Figures and drawings are the server's SVG files (the report's renderers) shown as images.
// Live: an EventSource on /api/events; when the study shown changes, the page fetches it again
// and replaces its content, keeping the leaderboard's page and sort and each figure until its new
// drawing has loaded. Curve points of running evaluations come as `live` events: only the running
// panel (who runs what, how far, the live learning curves) is fetched again.

const app = document.getElementById('app');
const live = document.getElementById('live');

/** An element with attributes and children; strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  return el;
}

const enc = encodeURIComponent;

async function getJson(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
  return body;
}

function route() {
  const parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 's' && parts.length === 2) return { page: 'study', name: parts[1] };
  if (parts[0] === 's' && parts.length === 4 && parts[2] === 'a') return { page: 'arch', name: parts[1], hash: parts[3] };
  return { page: 'list' };
}

// ---------------------------------------------------------------------------------------------
// Report blocks (runs/report/model.ts), as the static report shows them
// ---------------------------------------------------------------------------------------------

function table(t, opts = {}) {
  const ref = new Set(t.reference ?? []);
  const head = h('tr', {}, t.columns.map((c, j) => h('th', { class: c.align === 'right' ? 'r' : undefined }, opts.header ? opts.header(c, j) : c.label)));
  const body = t.rows.map((r, i) => h('tr', { class: ref.has(i) ? 'reference' : undefined }, r.map((v, j) => h('td', { class: t.columns[j]?.align === 'right' ? 'r' : undefined }, opts.cell ? opts.cell(v, i, j) : v))));
  return h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, head), h('tbody', {}, body)));
}

function svgUrl(ctx, id) {
  return `/api/studies/${enc(ctx.name)}/svg/${enc(id)}?v=${enc(ctx.fingerprint)}${ctx.hash ? `&arch=${enc(ctx.hash)}` : ''}`;
}

function image(ctx, id, alt) {
  return h('img', { src: svgUrl(ctx, id), alt, 'data-id': id });
}

function block(b, ctx) {
  switch (b.kind) {
    case 'text':
      return h('p', {}, b.text);
    case 'list':
      return h('ul', { class: 'plain' }, b.items.map((i) => h('li', {}, i)));
    case 'facts':
      return h('table', { class: 'facts' }, h('tbody', {}, b.items.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))));
    case 'table':
      return table(b.table);
    case 'code':
      return h('pre', {}, b.text.replace(/\n$/, ''));
    case 'figure':
      return h('figure', { class: 'figure', id: `fig-${b.id}`, 'data-points': b.points }, image(ctx, b.id, b.title || b.caption), h('figcaption', {}, b.title ? h('b', {}, `${b.title}. `) : null, b.caption));
    case 'graph':
      return h('figure', { class: 'graph', id: `fig-${b.id}` }, image(ctx, b.id, b.title), h('figcaption', {}, b.title));
    case 'leaderboard':
      return leaderboard(ctx);
    default:
      return h('p', {}, `(a block of kind ${String(b.kind)})`);
  }
}

function section(s, ctx, depth) {
  return h('section', { id: s.id }, h(depth === 0 ? 'h2' : 'h3', {}, s.title), s.blocks.map((b) => block(b, ctx)), (s.subsections ?? []).map((x) => section(x, ctx, depth + 1)));
}

// ---------------------------------------------------------------------------------------------
// The leaderboard: paged and sorted on the server
// ---------------------------------------------------------------------------------------------

const board = { page: 1, size: 20, sort: 'rank', dir: 'asc' };

function leaderboard(ctx) {
  const holder = h('div', { id: 'leaderboard-table', class: 'leaderboard' }, h('p', {}, 'Loading the leaderboard…'));
  ctx.pending.push(fillLeaderboard(holder, ctx));
  return holder;
}

async function fillLeaderboard(holder, ctx) {
  const q = new URLSearchParams({ page: board.page, size: board.size, sort: board.sort, dir: board.dir });
  const lb = await getJson(`/api/studies/${enc(ctx.name)}/leaderboard?${q}`);
  board.page = lb.page;
  const sortBy = (key) => () => {
    board.dir = board.sort === key && board.dir === 'asc' ? 'desc' : 'asc';
    board.sort = key;
    board.page = 1;
    fillLeaderboard(holder, ctx).catch(showError);
  };
  const t = { columns: lb.columns, rows: lb.rows.map((r) => r.cells), reference: lb.rows.flatMap((r, i) => (r.reference ? [i] : [])) };
  const arrow = (key) => (lb.sort === key ? (lb.dir === 'asc' ? ' ▲' : ' ▼') : '');
  const node = table(t, {
    header: (c) => h('button', { class: 'sort', type: 'button', 'data-key': c.key, onclick: sortBy(c.key) }, c.label + arrow(c.key)),
    cell: (v, i, j) => (j === 1 ? h('a', { href: `/s/${enc(ctx.name)}/a/${enc(lb.rows[i].hash)}` }, v) : v),
  });
  const go = (p) => () => {
    board.page = p;
    fillLeaderboard(holder, ctx).catch(showError);
  };
  const pager = h(
    'div',
    { class: 'pager' },
    h('button', { type: 'button', disabled: lb.page <= 1, onclick: go(lb.page - 1), 'data-page': 'prev' }, '‹ previous'),
    h('span', { class: 'page-info' }, ` page ${lb.page} of ${lb.pages} (${lb.total} ranked architectures; GRU, LSTM and LSTM-b always shown) `),
    h('button', { type: 'button', disabled: lb.page >= lb.pages, onclick: go(lb.page + 1), 'data-page': 'next' }, 'next ›'),
  );
  holder.replaceChildren(node, pager);
  holder.dataset.fingerprint = lb.fingerprint;
}

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

/** How far a running evaluation's stored curve has come. */
function stepText(r) {
  if (r.step === null) return 'starting (no curve point yet)';
  const of = r.maxSteps ? ` of ${r.maxSteps} (${Math.round((100 * r.step) / r.maxSteps)}%)` : '';
  return `step ${r.step}${of}, ${r.points} point${r.points === 1 ? '' : 's'}`;
}

/** The running evaluations (who runs each, how far) and the live learning curves: replaced on every live event. */
function runningPanel(ctx, live) {
  const t = live.running.length
    ? table({
        columns: ['running now', 'task', 'trial', 'generation', 'worker', 'progress', 'failed attempts'].map((label, i) => ({ label, align: i === 2 || i === 3 || i === 6 ? 'right' : 'left' })),
        rows: live.running.map((r) => [`${r.architecture.slice(0, 8)} ${r.name}`, r.task, r.trial, String(r.generation), r.runner ?? 'not recorded', stepText(r), String(r.attempts)]),
      })
    : h('p', {}, 'No evaluation is running now.');
  const f = live.figure;
  const src = f && `/api/studies/${enc(ctx.name)}/svg/${enc(f.id)}?v=${enc(live.fingerprint)}`;
  const figure = f ? h('figure', { class: 'figure', id: `fig-${f.id}`, 'data-points': f.points }, h('img', { src, alt: f.title, 'data-id': f.id }), h('figcaption', {}, h('b', {}, `${f.title}. `), f.caption)) : null;
  return h('div', { id: 'running', 'data-live': live.fingerprint }, t, figure);
}

function progressPanel(p, ctx, live) {
  const c = p.counts;
  const pct = p.total > 0 ? (100 * p.finished) / p.total : 0;
  const bar = h('div', { class: 'bar', title: `${p.finished} of ${p.total}` }, ['done', 'diverged', 'failed', 'running'].map((s) => h('span', { class: `seg ${s}`, style: undefined, 'data-n': c[s] })));
  // Widths are set as properties, not a style attribute: the CSP allows no inline style text.
  [...bar.children].forEach((seg) => {
    const n = Number(seg.dataset.n);
    seg.style.width = p.total > 0 ? `${(100 * n) / p.total}%` : '0';
  });
  const facts = [
    ['state', p.state],
    ['evaluations', `${p.finished} of ${p.total} finished (${pct.toFixed(0)}%)${p.budget !== null ? ' (budget)' : ''}: ${c.done} done, ${c.diverged} diverged, ${c.failed} failed, ${c.running} running, ${c.queued} queued`],
    ['time so far', p.wall],
    ['estimated remaining', p.eta ?? (p.state === 'running' ? 'not yet known' : '-')],
    ['writer', p.writer ? `pid ${p.writer.pid} on ${p.writer.host} since ${p.writer.since.replace('T', ' ').slice(0, 19)} UTC${p.workers ? `, ${p.workers} worker thread${p.workers === 1 ? '' : 's'}` : ''}` : 'none (no process is writing this study)'],
  ];
  const running = runningPanel(ctx, live);
  const failures = p.failures.length ? h('ul', { class: 'plain failures' }, p.failures.map((f) => h('li', {}, `failed: ${f.name} ${f.task} (${f.key}): ${f.error}`))) : null;
  return h('section', { id: 'progress' }, h('h2', {}, 'Progress'), bar, h('table', { class: 'facts' }, h('tbody', {}, facts.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))))), running, failures);
}

async function listPage() {
  const r = await getJson('/api/experiments');
  document.title = 'cellsearch dashboard';
  const rows = r.experiments.map((e) => [e.name, e.kind, e.state, `${e.finished} / ${e.total}`, `${e.best.value} (${e.best.label})`, e.lastActivity]);
  const t = table(
    { columns: ['experiment', 'kind', 'status', 'progress', 'best', 'last activity'].map((label, i) => ({ label, align: i === 3 ? 'right' : 'left' })), rows },
    { cell: (v, i, j) => (j === 0 ? h('a', { href: `/s/${enc(r.experiments[i].name)}` }, v) : v) },
  );
  return { node: h('div', {}, h('h1', {}, 'Experiments'), h('p', { class: 'subtitle' }, r.location), r.experiments.length ? t : h('p', {}, 'No experiments in this database yet.')), fingerprint: r.experiments.map((e) => `${e.name}:${e.finished}:${e.state}`).join(',') };
}

async function studyPage(name) {
  const s = await getJson(`/api/studies/${enc(name)}`);
  document.title = `${s.name}: cellsearch dashboard`;
  const ctx = { name, fingerprint: s.fingerprint, pending: [] };
  const node = h(
    'div',
    {},
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'experiments'), ' / ', s.name),
    h('h1', {}, s.model.title),
    h('p', { class: 'subtitle' }, s.model.subtitle),
    h('nav', { class: 'toc' }, h('ol', {}, h('li', {}, h('a', { href: '#progress' }, 'Progress')), s.model.sections.map((x) => h('li', {}, h('a', { href: `#${x.id}` }, x.title))))),
    progressPanel(s.progress, ctx, s.live),
    s.model.sections.map((x) => section(x, ctx, 0)),
  );
  await Promise.all(ctx.pending);
  return { node, fingerprint: s.fingerprint };
}

async function archPage(name, hash) {
  const a = await getJson(`/api/studies/${enc(name)}/architectures/${enc(hash)}`);
  document.title = `${a.model.title}: cellsearch dashboard`;
  const ctx = { name, hash, fingerprint: a.fingerprint, pending: [] };
  const download = h('a', { class: 'download', href: `/api/studies/${enc(name)}/architectures/${enc(hash)}/pytorch`, download: '' }, 'PyTorch module (.py)');
  const node = h(
    'div',
    {},
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'experiments'), ' / ', h('a', { href: `/s/${enc(name)}` }, name), ' / ', a.model.title),
    h('h1', {}, a.model.title),
    h('p', { class: 'subtitle' }, a.model.subtitle, ' · ', download),
    a.model.sections.map((x) => section(x, ctx, 0)),
  );
  return { node, fingerprint: a.fingerprint };
}

// ---------------------------------------------------------------------------------------------
// Rendering and live updates
// ---------------------------------------------------------------------------------------------

/** Keeps each figure's current drawing on screen until its new one has loaded (no flicker). */
function keepImages(oldRoot, newRoot) {
  const old = new Map([...oldRoot.querySelectorAll('img[data-id]')].map((i) => [i.dataset.id, i]));
  for (const img of newRoot.querySelectorAll('img[data-id]')) {
    const prev = old.get(img.dataset.id);
    if (!prev || prev.getAttribute('src') === img.getAttribute('src') || !prev.complete) continue;
    const next = img.getAttribute('src');
    img.setAttribute('src', prev.getAttribute('src'));
    const loader = new Image();
    loader.onload = () => img.setAttribute('src', next);
    loader.onerror = () => img.setAttribute('src', next);
    loader.src = next;
  }
}

let shown = { fingerprint: null };
let rendering = null;

async function render() {
  const r = route();
  const out = r.page === 'study' ? await studyPage(r.name) : r.page === 'arch' ? await archPage(r.name, r.hash) : await listPage();
  const first = shown.fingerprint === null;
  if (!first) keepImages(app, out.node);
  app.replaceChildren(out.node);
  shown = { ...r, fingerprint: out.fingerprint };
  document.body.dataset.fingerprint = out.fingerprint;
  document.body.dataset.renders = String(Number(document.body.dataset.renders ?? 0) + 1);
  if (first && location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

function showError(err) {
  app.replaceChildren(h('div', { class: 'error' }, h('h1', {}, 'Cannot show this page'), h('p', {}, String(err?.message ?? err)), h('p', {}, h('a', { href: '/' }, 'Back to the experiments'))));
}

/** Renders again, one render at a time; a change during a render triggers one more. */
function refresh() {
  if (rendering) {
    rendering.again = true;
    return;
  }
  rendering = { again: false };
  render()
    .catch(showError)
    .finally(() => {
      const again = rendering.again;
      rendering = null;
      if (again) refresh();
    });
}

let updatingLive = false;

/** New curve points of the study shown: only its running panel is fetched and replaced. */
async function refreshLive(name) {
  if (rendering || updatingLive) return;
  updatingLive = true;
  try {
    const live = await getJson(`/api/studies/${enc(name)}/live`);
    const old = document.getElementById('running');
    if (!old || rendering || route().name !== name) return;
    const next = runningPanel({ name }, live);
    keepImages(old, next);
    old.replaceWith(next);
    document.body.dataset.live = live.fingerprint;
  } finally {
    updatingLive = false;
  }
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('hello', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  events.addEventListener('change', (e) => {
    const { changed } = JSON.parse(e.data);
    const r = route();
    if (r.page === 'list' || changed.includes(r.name)) refresh();
  });
  events.addEventListener('live', (e) => {
    const { changed } = JSON.parse(e.data);
    const r = route();
    if (r.page === 'study' && changed.includes(r.name)) refreshLive(r.name).catch(showError);
  });
  events.addEventListener('problem', (e) => {
    live.textContent = `cannot read the database: ${JSON.parse(e.data).error}`;
    live.className = 'live off';
  });
  events.onerror = () => {
    live.textContent = 'reconnecting';
    live.className = 'live off';
  };
}

refresh();
connect();
