#!/usr/bin/env node
// Builds the native addon (native/binding.gyp) with the node-gyp that npm bundles, against the
// Node headers already on the machine: nothing is downloaded. Run by `npm ci` / `npm install`
// (package.json "install"). The addon is optional at run time, so a failed build does not fail
// the install: the reason goes to native/build/status.json, and cells/engine/native.ts reports it
// (nativeStatus.reason) while the engine falls back to the JavaScript kernels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const statusFile = join(here, 'build', 'status.json');

function finish(ok, reason, log = '') {
  mkdirSync(dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, JSON.stringify({ ok, reason, log: log.slice(-4000), at: new Date().toISOString() }, null, 1) + '\n');
  if (ok) console.log('cellsearch: native kernels built (native/build/Release/cellsearch_native.node)');
  else console.warn(`cellsearch: native kernels NOT built, the JavaScript kernels will be used: ${reason}`);
  process.exit(0);
}

if (process.env.CELLSEARCH_NO_NATIVE === '1') finish(false, 'skipped: CELLSEARCH_NO_NATIVE=1 at install time');

// npm sets npm_config_node_gyp for lifecycle scripts; otherwise use the copy bundled with npm.
const prefix = resolve(dirname(process.execPath), '..');
const gypCandidates = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
if (gypCandidates.length === 0) finish(false, 'node-gyp not found (neither npm_config_node_gyp nor the copy bundled with npm)');

// Headers: npm's nodedir setting, else the include/node folder beside this node binary (official
// tarballs and Debian's libnode-dev both have it). Without local headers node-gyp would download
// them, which an offline install must not do.
const nodedirs = [process.env.npm_config_nodedir, prefix].filter(
  (d) => d && existsSync(join(d, 'include', 'node', 'node_api.h')),
);
if (nodedirs.length === 0) finish(false, `no Node headers found (include/node/node_api.h under npm's nodedir or ${prefix})`);

const r = spawnSync(process.execPath, [gypCandidates[0], 'rebuild', `--nodedir=${nodedirs[0]}`], {
  cwd: here,
  encoding: 'utf8',
  env: process.env,
});
const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
if (r.error) finish(false, `could not run node-gyp: ${r.error.message}`, log);
if (r.status !== 0) {
  const err = log.split('\n').filter((l) => /error|not found|No such file/i.test(l)).slice(0, 3).join(' | ');
  finish(false, `node-gyp rebuild exited with ${r.status}${err ? `: ${err}` : ''}`, log);
}
if (!existsSync(join(here, 'build', 'Release', 'cellsearch_native.node'))) finish(false, 'node-gyp succeeded but produced no cellsearch_native.node', log);
finish(true, undefined, log);
