// Where cellsearch's own files are at run time (package.json, tasks/data, native/, worker modules),
// the same whether the code runs from the sources through tsx or compiled to dist/ (`npm run
// build`), where every module sits one folder deeper and ends in .js. Paths written relative to
// import.meta.url would break in one of the two, so they go through here. Every layer may import
// this file; it imports only Node.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `dir` that holds a package.json. */
function findRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) throw new Error(`no package.json above ${dir}`);
  }
}

/** The package's folder: the clone, or node_modules/cellsearch once installed. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The absolute path of a file shipped with the package, e.g. packageFile('tasks', 'data'). */
export function packageFile(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}

let version: string | undefined;

/** This cellsearch's version (package.json), read once. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  return version;
}

/**
 * The absolute path of the module `name` (no extension) beside the module at `moduleUrl`
 * (its import.meta.url), with that module's extension: worker threads load a module by path,
 * which is `worker.ts` from the sources and `worker.js` from dist/.
 */
export function siblingModule(moduleUrl: string, name: string): string {
  const here = fileURLToPath(moduleUrl);
  return join(dirname(here), name + extname(here));
}
