// `npm run check:report [-- report.html ...] [--png-dir DIR]`: the HTML report as a person sees it.
// Headless Chromium (Debian's `chromium`) renders each report to a PNG; the check fails on any
// console message (the report has no script, so a message is a parse or resource error) and on
// any reference to something outside the file (src/href/url() not starting with '#', <script>,
// @import). With no file named it writes two fresh reports first: a real tiny `cellsearch train`
// study and the search fixture (runs/report/fixture.ts). Skips with a message when Chromium is
// absent. Look at the PNGs: the script prints where they are.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const repo = resolve(dirname(new URL(import.meta.url).pathname), '..');

function findChromium(): string | undefined {
  for (const c of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome']) {
    if (!c) continue;
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return undefined;
}

/** References to anything outside the file: none are allowed in a self-contained report. */
export function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)) if (!m[1].startsWith('#')) found.push(m[0]);
  for (const m of html.matchAll(/url\(\s*['"]?([^)'"]*)/g)) if (!m[1].startsWith('#')) found.push(m[0]);
  if (/<script\b/i.test(html)) found.push('<script>');
  if (/@import\b/.test(html)) found.push('@import');
  return found;
}

function render(chromium: string, html: string, png: string): { consoleLines: string[]; ok: boolean; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'cellsearch-chromium-'));
  try {
    const r = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
        '--hide-scrollbars',
        '--window-size=1200,2400',
        `--screenshot=${png}`,
        pathToFileURL(html).href,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const consoleLines = r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
    return { consoleLines, ok: r.status === 0, stderr: r.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

async function freshReports(dir: string): Promise<string[]> {
  const { writeSearchFixture } = await import('../runs/report/fixture.ts');
  const { writeReport } = await import('../runs/report/index.ts');
  const searchDb = join(dir, 'search.sqlite');
  await writeSearchFixture(searchDb);
  const search = await writeReport({ db: searchDb, out: join(dir, 'search-report') });
  const trainDb = join(dir, 'train.sqlite');
  const cli = join(repo, 'bin', 'cellsearch.js');
  const t = spawnSync(process.execPath, [cli, 'train', '--cell', 'gru', '--cell', 'lstm', '--task', 'memorize', '--steps', '30', '--eval-every', '10', '--valid-batches', '2', '--repeats', '2', '--db', trainDb, '--name', 'check'], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`cellsearch train failed:\n${t.stderr}`);
  const train = await writeReport({ db: trainDb, out: join(dir, 'train-report') });
  return [search.html, train.html];
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const pngFlag = args.indexOf('--png-dir');
  const pngDir = pngFlag >= 0 ? resolve(args.splice(pngFlag, 2)[1]) : undefined;
  const chromium = findChromium();
  if (!chromium) {
    console.log('check:report skipped: Chromium is not installed (Debian: apt-get install -y chromium)');
    return 0;
  }
  const work = mkdtempSync(join(tmpdir(), 'cellsearch-check-report-'));
  const files = args.length > 0 ? args.map((a) => resolve(a)) : await freshReports(work);
  const outDir = pngDir ?? work;
  mkdirSync(outDir, { recursive: true });
  let failed = 0;
  for (const [i, html] of files.entries()) {
    const text = readFileSync(html, 'utf8');
    const external = externalReferences(text);
    const png = join(outDir, `${i}-${basename(dirname(html))}.png`);
    const r = render(chromium, html, png);
    const size = (() => {
      try {
        return statSync(png).size;
      } catch {
        return 0;
      }
    })();
    const problems = [
      ...(r.ok ? [] : ['Chromium exited with an error']),
      ...(size > 0 ? [] : ['no PNG was written']),
      ...r.consoleLines.map((l) => `console: ${l.replace(/^\[[^\]]*\]\s*/, '')}`),
      ...external.map((e) => `external reference: ${e}`),
    ];
    if (problems.length) {
      failed++;
      console.log(`FAIL ${html}\n  ${problems.join('\n  ')}`);
      if (!r.ok) console.log(r.stderr.split('\n').slice(-10).join('\n'));
    } else {
      console.log(`ok   ${html}\n     rendered to ${png} (${size} bytes), no console messages, no external references`);
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
