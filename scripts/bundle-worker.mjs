// The last step of `npm run build` (scripts/build.mjs): replaces the compiled training worker
// (dist/runs/worker.js, what every pool thread loads) by one module that holds its whole import
// graph, bundled with esbuild from the JavaScript that tsc wrote.
//
// Why (measured in a thread, bench/README.md): the thread spent 2.5x its own start-up loading
// ~45 modules of cellsearch and ~115 of zod one by one, 64 of them zod's locales, which zod's
// entry re-exports all (`z.locales`). One file, in which esbuild keeps only the zod code the
// worker's schemas use, loads in about a third of that CPU. The library entry, the command and
// the types stay tsc's files: only the worker thread gains.
//
// What stays as it was:
// - Each module's `import.meta.url` is rewritten to the URL of its own compiled file in dist/
//   (which stays there), so the paths it derives (the corpus beside tasks/ptb.js, the package
//   root, the native addon) are those of the unbundled module.
// - `import { z } from 'zod'` is read as `import * as z from 'zod'`: the same members (zod's
//   entry exports `z` as the namespace of its own exports), but a namespace whose property reads
//   esbuild can follow, so the unused parts of zod (the locales among them) are left out. An
//   import the rewrite misses brings them back, and the build fails on it.
// - Source maps: esbuild follows tsc's maps, so a stack trace from a worker names the .ts sources.
// - CommonJS: seedrandom is the graph's one CommonJS package. Its `require('crypto')` sits in a
//   try and serves only automatic seeding (seedrandom() without a seed), which cellsearch never
//   does; in the ESM bundle the require fails, is caught, and node:crypto is not loaded for it.
//   Any other `require` of a module outside the bundle fails the build (it would fail at run time).
import { readFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import * as esbuild from 'esbuild';

/** `require()` calls of modules left outside the bundle that may fail at run time: importer -> module. */
const CAUGHT_REQUIRES = [{ importer: /seedrandom[\\/]seedrandom\.js$/, path: 'crypto' }];

/** Replaces the module `entry` (inside `dist`) by a bundle of its import graph. */
export async function bundleWorker(dist, entry) {
  const outDir = dirname(entry);
  const perModule = {
    name: 'cellsearch-worker',
    setup(build) {
      build.onLoad({ filter: /\.m?js$/ }, async (a) => {
        if (!a.path.startsWith(dist + sep)) return undefined;
        const code = await readFile(a.path, 'utf8');
        const here = JSON.stringify(relative(outDir, a.path).split(sep).join('/'));
        const contents = code
          .replaceAll('import.meta.url', `new URL(${here}, import.meta.url).href`)
          .replaceAll("import { z } from 'zod';", "import * as z from 'zod';");
        return { contents, resolveDir: dirname(a.path), loader: 'js' };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    preserveSymlinks: true, // source maps name node_modules/... as the package has it, not a symlink's target
    plugins: [perModule],
    metafile: true,
    logLevel: 'warning',
  });
  for (const [importer, input] of Object.entries(result.metafile.inputs)) {
    for (const i of input.imports) {
      if (i.kind === 'require-call' && i.external && !CAUGHT_REQUIRES.some((c) => c.importer.test(importer) && c.path === i.path)) {
        throw new Error(`bundle-worker: ${importer} requires ${i.path}, which an ES module bundle cannot require`);
      }
    }
  }
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  // The guard of the zod rewrite above: any locale but `en` (the one zod registers itself) in the output.
  const locales = Object.entries(output.inputs).filter(([f, i]) => i.bytesInOutput > 0 && /zod[\\/]v4[\\/]locales[\\/](?!index|en\.)/.test(f));
  if (locales.length > 0) throw new Error(`bundle-worker: zod locales still bundled: ${locales.map(([f]) => f).join(', ')}`);
}
