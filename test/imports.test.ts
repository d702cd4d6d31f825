// The import rules of the README's Layout table, checked on every non-test source file: each
// import (static, re-export or dynamic `import()`) is resolved to the part of the project it
// reaches, and a part may only reach the parts its row names. Read with TypeScript's parser, so
// comments, strings and type-only imports are told apart from real imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './helpers.ts';

/** Where a file lives: a top-level folder, or one of the root files. */
type Part = 'cells' | 'tasks' | 'search' | 'runs' | 'commands' | 'bench' | 'scripts' | 'cli.ts' | 'index.ts' | 'errors.ts' | 'package-files.ts';

const FOLDERS = ['cells', 'tasks', 'search', 'runs', 'commands', 'bench', 'scripts'] as const;
const ROOT_FILES = ['cli.ts', 'index.ts', 'errors.ts', 'package-files.ts'] as const;

/** The one file of tasks/' neighbours that tasks/ may read, and only its types: the engine's input. */
const ENGINE_BATCH = 'cells/engine/batch.ts';

/** What each part may import besides itself (README, Layout). A part not named is refused. */
const MAY_IMPORT: Readonly<Record<Part, readonly Part[]>> = {
  'errors.ts': [],
  'package-files.ts': [],
  cells: ['errors.ts', 'package-files.ts'],
  tasks: ['errors.ts', 'package-files.ts', 'cells'], // cells: only ENGINE_BATCH, types only (below)
  search: ['errors.ts', 'package-files.ts', 'cells', 'tasks'], // tasks: types only (below)
  runs: ['errors.ts', 'package-files.ts', 'cells', 'tasks', 'search'],
  commands: ['errors.ts', 'package-files.ts', 'cells', 'tasks', 'search', 'runs'],
  'cli.ts': ['errors.ts', 'package-files.ts', 'commands'],
  'index.ts': ['errors.ts', 'package-files.ts', 'cells', 'tasks', 'search', 'runs'],
  bench: ['errors.ts', 'package-files.ts', 'cells', 'tasks', 'search', 'runs', 'commands'],
  scripts: ['errors.ts', 'package-files.ts', 'cells', 'tasks', 'search', 'runs', 'commands'],
};

/** search/ decides, runs/ acts: search never reaches the database, the pool, threads or files. */
const SEARCH_FORBIDDEN_PACKAGES = ['better-sqlite3', 'piscina', 'node:fs', 'node:fs/promises', 'node:worker_threads', 'node:child_process'];

export interface Import {
  specifier: string;
  /** `import type` / `export type`, or every named binding marked `type`: erased at run time. */
  typeOnly: boolean;
  line: number;
}

/** Every import of a source text: static imports, re-exports and dynamic `import('...')`. */
export function importsOf(fileName: string, text: string): Import[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const line = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypes = clause !== undefined && clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: clause?.isTypeOnly === true || allNamedTypes, line: line(node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause;
      const allNamedTypes = named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || allNamedTypes, line: line(node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push({ specifier: arg.text, typeOnly: false, line: line(node) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ specifier: node.argument.literal.text, typeOnly: true, line: line(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The part a repository path (forward slashes) belongs to, if it is one of the checked parts. */
function partOf(path: string): Part | undefined {
  const [top] = path.split('/');
  if ((FOLDERS as readonly string[]).includes(top) && path.includes('/')) return top as Part;
  if ((ROOT_FILES as readonly string[]).includes(path)) return path as Part;
  return undefined;
}

/** Why an import of `from` breaks the rules, or undefined when it keeps them. */
export function violation(from: string, imp: Import): string | undefined {
  const fromPart = partOf(from);
  if (fromPart === undefined) return undefined;
  if (!imp.specifier.startsWith('.')) {
    if (fromPart === 'search' && SEARCH_FORBIDDEN_PACKAGES.includes(imp.specifier)) return `search/ imports ${imp.specifier} (the database, the pool and files live in runs/)`;
    return undefined;
  }
  if (!/\.(ts|mjs|js|json)$/.test(imp.specifier)) return `imports ${imp.specifier} without its extension`;
  const target = relative(repoRoot, resolve(repoRoot, dirname(from), imp.specifier)).split(sep).join('/');
  const toPart = partOf(target);
  if (toPart === undefined) return `imports ${target}, outside the checked parts`;
  if (toPart === fromPart) return undefined;
  if (!MAY_IMPORT[fromPart].includes(toPart)) return `${fromPart} imports ${target}`;
  if (fromPart === 'tasks' && toPart === 'cells' && !(target === ENGINE_BATCH && imp.typeOnly)) return `tasks/ imports ${target} (only the types of ${ENGINE_BATCH})`;
  if (fromPart === 'search' && toPart === 'tasks' && !imp.typeOnly) return `search/ imports ${target} at run time (only types of tasks/)`;
  return undefined;
}

/** The repository's non-test source files (repository paths), tests and test/ left out. */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(repoRoot, dir))) {
      const path = `${dir}/${name}`;
      if (name === 'node_modules' || name === 'build') continue;
      if (statSync(join(repoRoot, path)).isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(name) && !name.endsWith('.test.ts')) out.push(path);
    }
  };
  for (const f of FOLDERS) walk(f);
  return [...out, ...ROOT_FILES].sort();
}

test('the import rules: checked on imports, re-exports, dynamic and type-only imports', () => {
  const text = [
    "import { a } from '../runs/storage.ts';",
    "import type { Batch } from '../cells/engine/batch.ts';",
    "import { type TokenBatch } from '../cells/engine/batch.ts';",
    "import { compileModel } from '../cells/engine/index.ts';",
    "export * from '../commands/train.ts';",
    "// import { x } from '../commands/train.ts'",
    "const s = \"from '../commands/train.ts'\";",
    "const m = await import('../cli.ts');",
    "import { readFileSync } from 'node:fs';",
    "import { b } from './here';",
  ].join('\n');
  const imports = importsOf('tasks/x.ts', text);
  assert.deepEqual(
    imports.map((i) => [i.specifier, i.typeOnly]),
    [
      ['../runs/storage.ts', false],
      ['../cells/engine/batch.ts', true],
      ['../cells/engine/batch.ts', true],
      ['../cells/engine/index.ts', false],
      ['../commands/train.ts', false],
      ['../cli.ts', false],
      ['node:fs', false],
      ['./here', false],
    ],
  );
  assert.deepEqual(
    imports.map((i) => violation('tasks/x.ts', i)),
    ['tasks imports runs/storage.ts', undefined, undefined, 'tasks/ imports cells/engine/index.ts (only the types of cells/engine/batch.ts)', 'tasks imports commands/train.ts', 'tasks imports cli.ts', undefined, 'imports ./here without its extension'],
  );
  const imp = (specifier: string, typeOnly = false): Import => ({ specifier, typeOnly, line: 1 });
  assert.equal(violation('cells/engine/x.ts', imp('../../tasks/task.ts', true)), 'cells imports tasks/task.ts');
  assert.equal(violation('search/strategies/x.ts', imp('../../runs/study.ts')), 'search imports runs/study.ts');
  assert.equal(violation('search/x.ts', imp('../tasks/task.ts')), 'search/ imports tasks/task.ts at run time (only types of tasks/)');
  assert.equal(violation('search/x.ts', imp('../tasks/task.ts', true)), undefined);
  assert.equal(violation('search/x.ts', imp('piscina')), 'search/ imports piscina (the database, the pool and files live in runs/)');
  assert.equal(violation('runs/report/x.ts', imp('../../commands/train.ts')), 'runs imports commands/train.ts');
  assert.equal(violation('runs/report/x.ts', imp('../../search/contract.ts')), undefined);
  assert.equal(violation('commands/x.ts', imp('../cli.ts')), 'commands imports cli.ts');
  assert.equal(violation('commands/x.ts', imp('../runs/execute.ts')), undefined);
  assert.equal(violation('cli.ts', imp('./runs/execute.ts')), 'cli.ts imports runs/execute.ts');
  assert.equal(violation('bench/x.ts', imp('../cli.ts')), 'bench imports cli.ts');
});

test('every non-test source file keeps the import rules of the README', () => {
  const files = sourceFiles();
  assert.ok(files.includes('runs/study.ts') && files.includes('cells/engine/batch.ts') && files.includes('cli.ts'), 'the walk finds the sources');
  const broken = files.flatMap((file) =>
    importsOf(file, readFileSync(join(repoRoot, file), 'utf8')).flatMap((imp) => {
      const why = violation(file, imp);
      return why === undefined ? [] : [`${file}:${imp.line}: ${why}`];
    }),
  );
  assert.deepEqual(broken, []);
});
