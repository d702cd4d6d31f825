// The last step of `npm run build` (scripts/build.mjs): replaces two compiled modules that a
// start-up target loads by one module each, which holds their import graph, bundled with esbuild
// from the JavaScript that tsc wrote (dist/). Node 20 loads an ES module for about 2-5 ms of CPU
// whatever its size (resolve, read, compile, link), so a start-up that walks dozens of them pays
// for the count (bench/startup.ts, bench/README.md):
// - dist/runs/worker.js, the training worker that every pool thread loads: ~35 modules of
//   cellsearch, and no zod: the pool sends each thread its job parsed (runs/training-job.ts), and
//   the worker's modules take parsed options, so none of them builds a schema at import (zod
//   building its schemas was most of a thread's start-up, bench/README.md). The build fails if a
//   module of zod comes back into this bundle (`forbid`), naming the module that imports it.
// - dist/commands/show.js, which `cellsearch show gru` loads (cli.ts runs it without yargs): 9
//   modules of the cells and the zoo. Its dynamic imports (the file readers with zod, the
//   canonical form with node:crypto) stay separate modules, loaded only when used, and so do the
//   modules that cli.js loads before it (errors.js among them), which stay one instance shared by
//   both (`instanceof` holds).
// The library entry, the command's other modules and the types stay tsc's files.
//
// What stays as it was:
// - Each module's `import.meta.url` is rewritten to the URL of its own compiled file in dist/
//   (which stays there), so the paths it derives (the corpus beside tasks/ptb.js, the package
//   root, the native addon) are those of the unbundled module.
// - `import { z } from 'zod'` is read as `import * as z from 'zod'`: the same members (zod's
//   entry exports `z` as the namespace of its own exports), but a namespace whose property reads
//   esbuild can follow, so the unused parts of zod (the locales among them) are left out. An
//   import the rewrite misses brings them back, and the build fails on it.
// - Source maps: esbuild follows tsc's maps, so a stack trace from a bundle names the .ts sources.
// - CommonJS: seedrandom is the worker's one CommonJS package. Its `require('crypto')` sits in a
//   try and serves only automatic seeding (seedrandom() without a seed), which cellsearch never
//   does; in the ESM bundle the require fails, is caught, and node:crypto is not loaded for it.
//   Any other `require` of a module outside the bundle fails the build (it would fail at run time).
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import * as esbuild from 'esbuild';

/** `require()` calls of modules left outside the bundle that may fail at run time: importer -> module. */
const CAUGHT_REQUIRES = [{ importer: /seedrandom[\\/]seedrandom\.js$/, path: 'crypto' }];

/** `target` as an import specifier from a module in `fromDir`. */
function specifier(fromDir, target) {
  const r = relative(fromDir, target).split(sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
}

/**
 * The compiled modules of dist/ that `entry` loads through static imports, itself included
 * (what is loaded before any code of it runs).
 */
export async function staticClosure(dist, entry) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
    plugins: [{ name: 'static-only', setup: (b) => b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'dynamic-import' ? { path: a.path, external: true } : undefined)) }],
  });
  return new Set(Object.keys(result.metafile.inputs).map((f) => resolve(f)).filter((f) => f.startsWith(dist + sep)));
}

/**
 * Replaces the module `entry` (inside `dist`) by a bundle of its static import graph: a dynamic
 * `import()` of a compiled module stays an import of its file, loaded when it runs. `packages`:
 * 'bundle' takes the npm packages in too (the worker), 'external' leaves them to node_modules.
 * `shared`: compiled modules to leave outside as well (imported from their own files).
 * `forbid`: packages that must not be in the bundle (the build fails, naming who imports them).
 */
export async function bundleModule(dist, entry, { packages, shared = new Set(), forbid = [] }) {
  const outDir = dirname(entry);
  const perModule = {
    name: 'cellsearch-bundle',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (a) => {
        const target = resolve(a.resolveDir, a.path);
        if (!target.startsWith(dist + sep) || target === entry) return undefined;
        if (shared.has(target) || a.kind === 'dynamic-import') return { path: specifier(outDir, target), external: true };
        return undefined;
      });
      build.onLoad({ filter: /\.m?js$/ }, async (a) => {
        if (!a.path.startsWith(dist + sep)) return undefined;
        const code = await readFile(a.path, 'utf8');
        const contents = code
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(specifier(outDir, a.path))}, import.meta.url).href`)
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
    packages,
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
        throw new Error(`bundle: ${importer} requires ${i.path}, which an ES module bundle cannot require`);
      }
    }
  }
  for (const pkg of forbid) {
    const inside = (f) => new RegExp(`(^|[\\\\/])node_modules[\\\\/]${pkg}[\\\\/]`).test(f);
    const importers = Object.entries(result.metafile.inputs).filter(([f, input]) => !inside(f) && input.imports.some((i) => inside(i.path)));
    if (importers.length > 0) throw new Error(`bundle: ${pkg} is bundled into ${entry}, imported by ${importers.map(([f]) => f).join(', ')}`);
  }
  // The map carries the sources of cellsearch (tsc's maps inline them); those of npm packages are
  // in node_modules beside it, so the map does not ship them a second time (about 1 MB of zod).
  const mapFile = `${entry}.map`;
  const map = JSON.parse(await readFile(mapFile, 'utf8'));
  map.sourcesContent = map.sourcesContent.map((c, i) => (/(^|\/)node_modules\//.test(map.sources[i]) ? null : c));
  await writeFile(mapFile, JSON.stringify(map));
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  // The guard of the zod rewrite above: any locale but `en` (the one zod registers itself) in the output.
  const locales = Object.entries(output.inputs).filter(([f, i]) => i.bytesInOutput > 0 && /zod[\\/]v4[\\/]locales[\\/](?!index|en\.)/.test(f));
  if (locales.length > 0) throw new Error(`bundle: zod locales still bundled into ${entry}: ${locales.map(([f]) => f).join(', ')}`);
}
