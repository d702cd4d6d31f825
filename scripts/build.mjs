#!/usr/bin/env node
// `npm run build` (and `npm ci` / `npm pack` through "prepare"): compiles every non-test .ts (and
// the .mjs worker entry) of the root and the source folders to dist/ with tsc (tsconfig.build.json),
// as ESM JavaScript with .d.ts types and source maps, in the same layout as the sources; then
// copies beside them the other files the code reads next to itself (tasks/data/*.gz, a folder of
// browser assets, ...), so that a path relative to import.meta.url holds in dist/ too. Left out:
// TypeScript (tests among it), READMEs and test fixtures. dist/ is emptied first, so a deleted or renamed
// source never leaves a stale module in the package.
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
// The folders compiled (tsconfig.build.json's "include", besides the root's own .ts files).
const FOLDERS = ['cells', 'tasks', 'search', 'runs', 'commands'];

/** Whether a file under the source folders is shipped as it is, beside the compiled modules. */
function isAsset(name) {
  return !/\.(ts|mts|cts|mjs|md)$/.test(name);
}

function copyAssets(dir) {
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) {
      if (name !== 'fixtures' && name !== 'node_modules') copyAssets(rel);
    } else if (isAsset(name)) {
      mkdirSync(dirname(join(dist, rel)), { recursive: true });
      cpSync(join(root, rel), join(dist, rel));
    }
  }
}

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
for (const f of FOLDERS) copyAssets(f);
