#!/usr/bin/env bash
# The packaging test (.ci/run, after the unit tests): packs cellsearch as `npm pack` would publish
# it, checks what the tarball holds, installs it into an empty folder with production dependencies
# only (no tsx, no TypeScript: what a user gets from `npm install cellsearch`), and from there runs
# the command, the bundled training worker against tsc's modules (the same numbers), the library
# from a plain .mjs file, the README's "Library API" examples, and type-checks a TypeScript consumer against the installed types. Any failure fails the run.
#
#   scripts/check-package.sh [--keep DIR]   DIR: install there and keep it (bench:startup uses it)
# Needs no internet when every production dependency is in the npm cache.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [[ "${1:-}" == --keep ]]; then
  work="$2"; rm -rf "$work"; mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/cellsearch-package-XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi
fail() { echo "check-package: FAIL: $*" >&2; exit 1; }
step() { echo "check-package: $*"; }

step "npm pack (builds dist/ through prepare)"
tarball="$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -1)"
tar tzf "$work/$tarball" | sed 's|^package/||' | sort > "$work/contents"
step "$(wc -l < "$work/contents") files in $tarball"

# What the code reads from disk at run time: the command, the library, the worker modules, the
# shipped corpus, the dashboard's page script and style, the native addon's sources.
for f in package.json README.md dist/cli.js dist/index.js dist/index.d.ts dist/index.js.map dist/commands/list.js \
  dist/runs/worker.js dist/runs/worker-entry.mjs dist/tasks/data/sotu.train.txt.gz dist/tasks/data/sotu.valid.txt.gz \
  dist/tasks/data/sotu.test.txt.gz dist/runs/dashboard/assets/app.js dist/runs/dashboard/assets/app.css dist/runs/report/report.css \
  native/binding.gyp native/install.mjs native/src/addon.c native/src/gemm.c native/src/gemm.h native/src/gemm_impl.h; do
  grep -qx "$f" "$work/contents" || fail "the tarball lacks $f"
done
for f in $(cd "$repo" && git ls-files commands '*.ts' | grep -E '^commands/[a-z-]+\.ts$|^[a-z-]+\.ts$'); do
  grep -qx "dist/${f%.ts}.js" "$work/contents" || fail "the tarball lacks dist/${f%.ts}.js (a command or a root module)"
done
# Nothing a user does not need: tests and their helpers and fixtures, benchmarks, scripts, sources
# (.ts but .d.ts), the corpus' builder, native build trees, databases.
if grep -E '\.test\.(d\.ts|js|mjs|ts)(\.map)?$|fixture|/testing\.|writer-child|chromium\.|build-sotu|^(test|bench|scripts|bin|\.ci)/|^native/build/|(^|/)node_modules/|\.sqlite' "$work/contents"; then
  fail "the tarball holds the files above, which a user does not need"
fi
if grep -E '\.ts$' "$work/contents" | grep -v '\.d\.ts$'; then fail "the tarball holds TypeScript sources (above)"; fi

step "npm install --omit=dev into an empty folder"
mkdir "$work/app"
cd "$work/app"
printf '{ "name": "cellsearch-package-check", "private": true, "type": "module" }\n' > package.json
npm install --omit=dev --no-audit --no-fund --prefer-offline "$work/$tarball" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "npm install of the tarball failed"; }
[[ -e node_modules/tsx || -e node_modules/typescript ]] && fail "a development dependency (tsx or typescript) was installed"
bin="$work/app/node_modules/.bin/cellsearch"

step "cellsearch --help"
"$bin" --help > help.txt || { cat help.txt; fail "--help failed"; }
for c in cells show train search report dashboard ablate; do grep -q "cellsearch $c" help.txt || { cat help.txt; fail "--help does not list $c"; }; done

step "cellsearch --version"
want="$(node -p "require('$repo/package.json').version")"
got="$("$bin" --version)"
[[ "$got" == "$want" ]] || fail "cellsearch --version printed '$got', expected '$want'"

step "cellsearch show gru"
"$bin" show gru > show.txt
grep -q '^cell GRU(x; h)$' show.txt || { cat show.txt; fail "show gru did not print the GRU"; }

step "cellsearch train (50 steps, in a worker thread) and cellsearch report"
"$bin" train --cell gru --task arithmetic --steps 50 --eval-every 25 --valid-batches 2 --workers 1 --db study.sqlite > train.txt 2>&1 || { cat train.txt; fail "train failed"; }
"$bin" runs --db study.sqlite > runs.txt 2>&1 || { cat runs.txt; fail "runs failed"; }
grep -q 'done' runs.txt || { cat runs.txt; fail "the training run is not done"; }
"$bin" report --db study.sqlite --out report > report.txt 2>&1 || { cat report.txt; fail "report failed"; }
[[ -s report/report.html && -s report/report.md ]] || fail "report wrote no report.html / report.md"
grep -q "cellsearch $want" report/report.md || fail "the report does not name cellsearch $want"

step "the bundled training worker (scripts/bundle.mjs) trains as tsc's modules do; the pool refuses a bad job"
cat > bundled-worker.mjs <<'JS'
import assert from 'node:assert/strict';
const dist = new URL('./node_modules/cellsearch/dist/', import.meta.url);
const { trainJob } = await import(new URL('runs/trainer.js', dist));
const { trainingJob } = await import(new URL('runs/training-job.js', dist));
const { JobPool } = await import(new URL('runs/pool.js', dist));
const { zooCell } = await import('cellsearch');
const pool = new JobPool({ workers: 1 });
assert.equal(pool.handler, new URL('runs/worker.js', dist).pathname, 'the installed pool loads the bundled worker');
const hyperparameters = { space: 'jozefowicz', hidden: 8, layers: 1, initScale: 1, optimizer: 'nesterov', learningRate: 0.5, momentum: 0.9, clip: 5, inputNoise: 0.1,
  batch: 8, unroll: 12, maxSteps: 12, evalEvery: 6, validBatches: 2, patience: 1, maxHalvings: 1 };
// memorize: a generated task; ptb: the shipped corpus, read from beside dist/tasks/ptb.js.
for (const [task, taskOptions] of [['memorize', { validSize: 16, testSize: 16 }], ['ptb', {}]]) {
  const job = { evaluationId: 1, cell: JSON.parse(JSON.stringify(zooCell('lstm'))), task, taskOptions, hyperparameters, seed: 7 };
  const out = await pool.run(job);
  assert.ok(out.ok, `${task}: ${out.error}`);
  assert.deepEqual(out.reply.result, trainJob(trainingJob(job), () => {}), `${task}: the bundled worker and tsc's trainer.js differ`);
}
// A bad job is refused by the pool (runs/pool.ts parses every job before a thread sees it), as a failure.
for (const bad of [{ evaluationId: 1 }, { evaluationId: 1, cell: {}, task: 'memorize', taskOptions: {}, hyperparameters, seed: 7 }]) {
  const out = await pool.run(bad);
  assert.ok(!out.ok && /invalid job/.test(out.error), `a bad job: ${JSON.stringify(out)}`);
}
await pool.destroy();
JS
node bundled-worker.mjs || fail "the bundled worker"

step "cellsearch dashboard serves its page script and style from the installed package"
"$bin" dashboard --db study.sqlite --port 0 > dashboard.txt 2>&1 &
dashboard=$!
# A loaded machine may take a while to start it.
for _ in $(seq 1 600); do grep -q ' at http' dashboard.txt && break; kill -0 "$dashboard" 2>/dev/null || break; sleep 0.5; done
url="$(grep -o 'http://[^ ]*' dashboard.txt | head -1 || true)"
[[ -n "$url" ]] || { kill "$dashboard" 2>/dev/null || true; cat dashboard.txt; fail "the dashboard did not start"; }
node --input-type=module -e "
import { readFileSync } from 'node:fs';
for (const [f, source] of [['app.js', 'runs/dashboard/assets/app.js'], ['app.css', 'runs/dashboard/assets/app.css'], ['report.css', 'runs/report/report.css']]) {
  const r = await fetch(new URL('/assets/' + f, process.argv[1]));
  const body = await r.text();
  if (r.status !== 200 || body !== readFileSync('$repo/' + source, 'utf8')) throw new Error('/assets/' + f + ': ' + r.status + ', not the shipped file');
}" "$url" || { kill "$dashboard" 2>/dev/null || true; fail "the dashboard's assets"; }
kill -TERM "$dashboard"; wait "$dashboard" || true

step "the library from a plain .mjs file"
cat > library.mjs <<'JS'
import assert from 'node:assert/strict';
import * as lib from 'cellsearch';
import { compileModel, train, zooCell, parseNotation, printNotation, getTask, cellHash } from 'cellsearch';

for (const name of ['readNotation', 'parseCell', 'canonicalize', 'loadCell', 'TASKS', 'runTraining', 'runSearch', 'runAblation', 'openDatabase', 'readResults', 'analyzeSearch', 'loadAblation', 'version']) {
  assert.ok(lib[name] !== undefined, `the library does not export ${name}`);
}

const gru = zooCell('gru');
const text = printNotation(gru);
assert.equal(printNotation(parseNotation(text)), text, 'print(parse(print(gru))) is the same text');
const task = getTask('arithmetic');
const opts = { seed: 1, batchSize: 8, unroll: 10 };
const model = compileModel(gru, { hidden: 16, vocab: task.vocab.length, seed: 1 });
const valid = [task.batch('valid', 0, opts)];
const result = train(model, { train: task.batches('train', opts), valid: () => valid }, { maxSteps: 5, evalEvery: 5 });
assert.equal(result.steps, 5);
assert.ok(Number.isFinite(result.best.loss), 'a finite validation loss');
console.log(`trained ${result.steps} steps, valid loss ${result.best.loss.toFixed(3)}, ${cellHash(gru).slice(0, 12)}`);
JS
node library.mjs || fail "library.mjs failed"

step "the README's Library API examples"
node --input-type=module -e "
import { readFileSync, writeFileSync } from 'node:fs';
const readme = readFileSync('$repo/README.md', 'utf8');
const section = readme.split(/^## /m).find((s) => s.startsWith('Library API'));
if (!section) throw new Error('README.md has no \"## Library API\" section');
const blocks = [...section.matchAll(/^\`\`\`js\n([\s\S]*?)^\`\`\`/gm)].map((m) => m[1]);
if (blocks.length === 0) throw new Error('the Library API section has no js example');
blocks.forEach((b, i) => writeFileSync('example-' + i + '.mjs', b));
console.log(blocks.length);
" > examples.count
for f in example-*.mjs; do node "$f" > "$f.out" 2>&1 || { cat "$f.out"; fail "README example $f failed"; }; done
step "$(cat examples.count) README examples ran"

step "a TypeScript consumer type-checks against the installed types"
cat > consumer.ts <<'TS'
import { compileModel, zooCell, printNotation, getTask, type Cell, type TrainResult } from 'cellsearch';
const cell: Cell = zooCell('lstm');
const text: string = printNotation(cell);
const model = compileModel(cell, { hidden: 8, vocab: getTask('xml').vocab.length });
export const steps = (r: TrainResult): number => r.steps;
export const weights: Record<string, Float32Array | Float64Array> = model.getWeights();
// @ts-expect-error: a cell is not a string
printNotation('gru');
export { text };
TS
cat > tsconfig.json <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "noEmit": true, "skipLibCheck": false, "typeRoots": ["$repo/node_modules/@types"], "types": ["node"] },
  "files": ["consumer.ts"] }
JSON
node "$repo/node_modules/typescript/bin/tsc" -p tsconfig.json || fail "consumer.ts does not type-check against the installed package"

step "ok"
