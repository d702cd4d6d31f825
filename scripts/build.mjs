#!/usr/bin/env node
// `npm run build` (and `npm ci` / `npm pack` through "prepare"): compiles the package with tsc
// (tsconfig.build.json) to dist/, as ESM JavaScript with .d.ts types and source maps, in the same
// layout as the sources. tsc starts from the entry points (the command, the library, the training
// worker and the thread entry that piscina loads by path) and follows their imports, static and
// dynamic, so dist/ holds exactly the modules that can run: test helpers, fixtures, benchmarks and
// scripts, which no entry reaches, stay out. Then it copies beside the modules the files the code
// reads next to itself at run time (ASSETS), so that a path relative to import.meta.url holds in
// dist/ too. dist/ is emptied first, so a deleted or renamed source never leaves a stale module.
// The build does not type-check (noCheck): `npm test` and CI check the whole project with
// tsconfig.json, so the build (run by every `npm ci`) only transpiles and writes the types.
//
// Last, two modules that a start-up target loads are replaced by one bundled module each, of
// their import graph (scripts/bundle.mjs): the training worker that every pool thread loads
// (~35 modules, and no zod: the build fails if zod comes back into it) and the `show` command.
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleModule, staticClosure } from './bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** Folders of run-time files, and which of their files ship (tasks/data also holds build-sotu.ts). */
const ASSETS = [
  { dir: 'tasks/data', keep: /^sotu\.(train|valid|test)\.txt\.gz$/ }, // the shipped corpus (tasks/ptb.ts)
  { dir: 'runs/dashboard/assets', keep: /\.(css|js)$/ }, // the dashboard's page script and style (runs/dashboard/server.ts)
  { dir: 'runs/report', keep: /^report\.css$/ }, // the one style sheet of report and dashboard (runs/report/html.ts reads it)
];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
for (const { dir, keep } of ASSETS) {
  const files = readdirSync(join(root, dir)).filter((f) => keep.test(f));
  if (files.length === 0) throw new Error(`build: no run-time file in ${dir}`);
  for (const f of files) cpSync(join(root, dir, f), join(dist, dir, f));
}
await bundleModule(dist, join(dist, 'runs', 'worker.js'), { packages: 'bundle', forbid: ['zod'] });
// `cellsearch show gru`: what cli.js loaded before stays shared, one instance of each module.
await bundleModule(dist, join(dist, 'commands', 'show.js'), { packages: 'external', shared: await staticClosure(dist, join(dist, 'cli.js')) });
