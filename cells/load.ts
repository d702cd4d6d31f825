// Turns what a user names on the command line into a checked cell: a zoo key (`gru`,
// `greff-vanilla`, ...) or a file, JSON when its name ends in `.json` and the notation of
// cells/notation.ts otherwise. A zoo key wins over a file of the same name in the current
// directory (write `./gru` for the file). Every error names the file, the line and the column
// (and, for JSON, the field: `cell.json:7:14: nodes[1].op: unknown op ...`).
//
// A NAS-Bench-NLP file (cells/nas-bench-nlp.ts: a list of recipes, one recipe, a log, or a folder
// of logs) holds many cells: `loadCells` returns them all, `FILE#3,7` picks recipes by id.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import type { Cell } from './graph.ts';
import { readNotation } from './notation.ts';
import { recipesFromJson, recipeToCell, type RecipeEntry } from './nas-bench-nlp.ts';
import { CellError, parseCell } from './validate.ts';
import { isZooKey, ZOO_KEYS, zooCell } from './zoo/index.ts';

/**
 * How deep a cell file's JSON may nest. A cell is four levels deep (the cell, `nodes`, a node,
 * its `in`); the limit keeps the recursive scanner below (and zod) far from the stack's end.
 */
export const MAX_JSON_DEPTH = 64;

/** The offset of the first `[` or `{` nested deeper than `max`, if any (one pass, no recursion). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '[' || c === '{') {
      if (++depth > max) return i;
    } else if (c === ']' || c === '}') depth--;
  }
  return undefined;
}

/** JSON text -> value; a syntax error becomes a UserError at `file:line:col`. */
export function parseJsonText(text: string, file: string): unknown {
  const deep = jsonTooDeep(text);
  if (deep !== undefined) {
    const { line, col } = lineCol(text, deep);
    throw new UserError(`${file}:${line}:${col}: nested deeper than ${MAX_JSON_DEPTH} levels; a cell is 4 levels deep (the cell, nodes, a node, its inputs)`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 does not always say where (Node 20: "Unexpected token '}', ... is not valid JSON"), so
    // the place comes from a small scanner of the JSON grammar.
    const found = scanJson(text).error;
    if (!found) throw new UserError(`${file}: invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
    const { line, col } = lineCol(text, found.offset);
    throw new UserError(`${file}:${line}:${col}: invalid JSON: ${found.message}`);
  }
}

/**
 * Scans JSON text: the first syntax error (offset and what was expected), if any, and the offset
 * of every value by its path as cells/validate.ts writes paths (`nodes[1].in[0]`, `outputs.h`;
 * the whole document is '').
 */
export function scanJson(text: string): { error?: { offset: number; message: string }; paths: Map<string, number> } {
  const paths = new Map<string, number>();
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly message: string,
    ) {}
  }
  const found = () => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const fail = (expected: string): never => {
    throw new Stop(i, `expected ${expected}, found ${found()}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = (): string => {
    const start = i;
    if (text[i] !== '"') fail('a string');
    i++;
    for (;;) {
      if (i >= text.length || text[i] === '\n') fail('the closing \'"\' of the string');
      const c = text[i];
      if (c === '"') break;
      if (c < ' ') fail('an escape such as \\t or \\n instead of a raw control character in a string');
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('four hex digits after \\u');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x') || i >= text.length) fail('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    paths.set(path, i);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        ws();
        if (text[i] !== ':') fail("':' after the key");
        i++;
        value(path ? `${path}.${key}` : key);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let k = 0; ; k++) {
        value(`${path}[${k}]`);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail("',' or ']'");
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail('a value (object, array, string, number, true, false or null)');
    i += m![0].length;
  };
  try {
    value('');
    ws();
    if (i < text.length) fail('the end of the file after the value');
    return { paths };
  } catch (e) {
    if (e instanceof Stop) return { error: { offset: e.offset, message: e.message }, paths };
    throw e;
  }
}

/** Adds `line:col` of the field at fault to a CellError about JSON text. */
function locateJson(err: CellError, text: string, file: string): CellError {
  const { paths } = scanJson(text);
  // validate.ts labels nodes in paths (`nodes[1] ('n').in`); the JSON path has no labels.
  let path = err.path === '(cell)' ? '' : err.path.replace(/ \('[^']*'\)/g, '');
  while (!paths.has(path) && path) {
    const shorter = path.replace(/(\.[^.[]*|\[\d+\])$/, '');
    path = shorter === path ? '' : shorter; // a bare key, or one with odd characters: the whole cell
  }
  const detail = err.path && err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
  const { line, col } = lineCol(text, paths.get(path) ?? 0);
  return new CellError(err.path, detail, `${file}:${line}:${col}`);
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function readText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the cell file (${code ?? (err as Error).message})`);
  }
  let text: string;
  try {
    // Strict: a lenient decoder would turn invalid bytes into U+FFFD and the cell would be accepted as something else.
    text = UTF8.decode(bytes);
  } catch {
    throw new UserError(`${path}: not valid UTF-8 text`);
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text; // a byte-order mark some editors write
}

/** Reads a cell file: `.json` through parseCell, anything else as notation. */
export function readCellFile(path: string): Cell {
  const cells = readCellsFile(path);
  if (cells.length !== 1) throw new UserError(`${path}: holds ${cells.length} NAS-Bench-NLP recipes, not one cell (pick one as ${path}#<id>)`);
  return cells[0].cell;
}

/** The cell name of a NAS-Bench-NLP recipe. */
export function recipeCellName(id: number): string {
  return `nas-bench-nlp-${id}`;
}

/**
 * The recipes of a NAS-Bench-NLP source: a JSON file of recipes or logs, or a folder of log files
 * (`*.json`, read in name order). Undefined for a JSON file that holds a cell of ours.
 */
export function readRecipes(path: string): RecipeEntry[] | undefined {
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path).filter((f) => f.toLowerCase().endsWith('.json')).sort();
    if (files.length === 0) throw new UserError(`${path}: is a directory, not a cell file, nor a folder of NAS-Bench-NLP logs (no .json files)`);
    return files.flatMap((f, i) => {
      const file = join(path, f);
      const entries = recipesFromJson(parseJsonText(readText(file), file), file);
      if (!entries) throw new UserError(`${path}: is a directory, not a cell file, nor a folder of NAS-Bench-NLP logs (${f} is not one)`);
      // A log without recepie_id is known by its place in the folder.
      return entries.map((e) => (entries.length === 1 && e.id === 0 ? { ...e, id: i } : e));
    });
  }
  if (!path.toLowerCase().endsWith('.json')) return undefined;
  return recipesFromJson(parseJsonText(readText(path), path), path);
}

/** The recipes whose id is in `ids` (all when undefined), in the order of `ids`; an unknown id is a UserError. */
export function selectRecipes(entries: RecipeEntry[], ids: number[] | undefined, path: string): RecipeEntry[] {
  if (ids === undefined) return entries;
  const byId = new Map(entries.map((e) => [e.id, e]));
  return ids.map((id) => {
    const e = byId.get(id);
    if (!e) throw new UserError(`${path}: no recipe with id ${id} (ids ${entries[0]?.id ?? 0} to ${entries.at(-1)?.id ?? 0})`);
    return e;
  });
}

/** `3,7` -> [3, 7]; a UserError naming `what` otherwise. */
export function parseIds(text: string, what: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new UserError(`${what}: '${text}' is not a comma list of recipe ids (0, 1, ...)`);
  return parts.map(Number);
}

/** The cells of a file: one, or each recipe of a NAS-Bench-NLP file (selected by `ids`). */
function readCellsFile(path: string, ids?: number[]): { ref: string; cell: Cell }[] {
  const recipes = readRecipes(path);
  if (recipes) {
    return selectRecipes(recipes, ids, path).map(({ id, recipe }) => ({
      ref: `${path}#${id}`,
      cell: recipeToCell(recipe, { name: recipeCellName(id), where: `${path}: recipe ${id}` }),
    }));
  }
  if (ids) throw new UserError(`${path}#${ids.join(',')}: only a NAS-Bench-NLP file has recipe ids`);
  const text = readText(path);
  if (path.toLowerCase().endsWith('.json')) {
    const json = parseJsonText(text, path);
    try {
      return [{ ref: path, cell: parseCell(json) }];
    } catch (err) {
      if (err instanceof CellError) throw locateJson(err, text, path);
      throw err;
    }
  }
  return [{ ref: path, cell: readNotation(text, path) }];
}

/** A zoo key or the path of a cell file -> the checked cell. */
export function loadCell(arg: string): Cell {
  const cells = loadCells(arg);
  if (cells.length !== 1) throw new UserError(`${arg}: holds ${cells.length} NAS-Bench-NLP recipes, not one cell (pick one as ${arg}#<id>)`);
  return cells[0].cell;
}

/**
 * A zoo key, a cell file, a NAS-Bench-NLP file or folder of logs (every recipe), or `FILE#3,7`
 * (those recipes) -> the checked cells, each with the reference a study records (`FILE#id`).
 */
export function loadCells(arg: string): { ref: string; cell: Cell }[] {
  if (isZooKey(arg)) return [{ ref: arg, cell: zooCell(arg) }];
  if (existsSync(arg)) {
    return readCellsFile(arg);
  }
  const pick = /^(.+)#([\d,\s]+)$/.exec(arg);
  if (pick && existsSync(pick[1])) return readCellsFile(pick[1], parseIds(pick[2], arg));
  throw new UserError(`'${arg}' is neither a zoo cell nor a file (the zoo has: ${ZOO_KEYS.join(', ')})`);
}
