// The cell notation: a text form of a cell graph that reads like the papers, printed and parsed.
//
//   # comments run from # to the end of a line
//   cell GRU(x; h)
//     description: Gated recurrent unit, h = z*h + (1-z)*n
//     source: Jozefowicz et al. 2015, eq. 4-7
//     r = sigmoid(linear(x, h))
//     z = sigmoid(linear(x, h))
//     n = tanh(linear(x, r * h))
//     h' = z * h + (1 - z) * n
//
// The header names the cell (bare, or a JSON string when it has spaces or parentheses), the input
// `x` (always `x`) and the states after `;`. `description:` and `source:` lines, right after the
// header, hold the rest of their line verbatim (or a JSON string, when the text needs escapes).
//
// States and primes: inside a cell, a state's name ALWAYS means its value from the previous step
// (the papers' h_{t-1}); its new value is written and read as `h'`. So `h' = o * tanh(c')` reads
// the new c, and `o = sigmoid(linear(x, h) + diag(c'))` is a peephole on the new c. Writing
// `h = ...` is an error, because a later `h` would silently change meaning otherwise.
//
// Expressions: `linear(a, b, ...)` (one weight matrix per input, plus a bias), `diag(a)` (the
// elementwise weight p * a, e.g. peepholes), `tanh`, `sigmoid`, `relu`, `identity`, the infix
// operators `+`, `-`, `*` (add, sub, mul; `*` binds tighter, all are left-associative) with
// parentheses, and the constant `1`. `linear` takes options after a semicolon, with the JSON
// field names: `linear(x, h; biasInit=1)`, `linear(h; bias=false)`, `linear(x; diagOffset=1)`.
//
// Names must be defined before they are used (cycles cannot be written). Every operation in an
// expression is one graph node: the outermost one takes the line's name (`h'` gives `h_new`), the
// inner ones are named after it (`r_1`, `r_2`, ...; never clashing with a name in the file).
// `a = b` with a bare name on the right makes `a` another name for `b` and creates no node.
//
// Printing inlines a node used once where that reads well (constants, linear maps, diag, the
// elementwise operators, activations of expressions without a linear map, and gates whose id
// ends in _<digits>, as the parser names inner nodes) and writes every other node on its own line
// under its id; the node that is a state's new value is written `s' = ...`, and read as `s'`.
// Printing depends only on the graph's structure and on the ids of the nodes it names (which
// parsing keeps), so print(parse(s)) is stable after one round and parse(print(g)) is g up to the
// ids of inlined nodes (node order aside: the same structure, operand order included).
//
// Printing is cells/notation-print.ts (re-exported here), which loads no zod: a command that prints a
// zoo cell (`cellsearch show gru`) need not load the parser's schema.
import { UserError } from '../errors.ts';
import { CellError, parseCell } from './validate.ts';
import { ACTIVATIONS, INPUT, isActivation, nodeInputs, type Cell, type CellJson, type CellNode, type LinearNode } from './graph.ts';
import { MAX_NESTING } from './notation-print.ts';

export { MAX_NESTING, printNotation } from './notation-print.ts';

/** A syntax or reference error in notation text; the message is `file:line:col: what`. */
export class NotationError extends UserError {
  override name = 'NotationError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}`);
  }
}

/** A place in the text, 1-based. */
export interface Pos {
  line: number;
  col: number;
}

/** Where the parts of a parsed cell were written, to report semantic errors found later. */
export interface NotationSource {
  file: string;
  /** The header line. */
  header: Pos;
  /** Each state's name in the header. */
  stateDecl: Map<string, Pos>;
  /** Each state's `s' = ...` line. */
  stateAssign: Map<string, Pos>;
  /** The expression that created each node. */
  node: Map<string, Pos>;
}

const META_KEYS = ['description', 'source'] as const;
type MetaKey = (typeof META_KEYS)[number];
const UNARY = ['diag', ...ACTIVATIONS] as const;
const FUNCTIONS: readonly string[] = ['linear', ...UNARY];
const LINEAR_OPTIONS = { bias: 'boolean', biasInit: 'number', diagOffset: 'number' } as const;
type LinearOption = keyof typeof LINEAR_OPTIONS;

// ---------------------------------------------------------------------------------------------
// Parsing: text -> statements (syntax) -> graph (names resolved).
// ---------------------------------------------------------------------------------------------

type Expr =
  | { kind: 'one'; pos: Pos }
  | { kind: 'ref'; name: string; prime: boolean; pos: Pos }
  | { kind: 'call'; fn: string; args: Expr[]; opts: { key: string; value: number | boolean; pos: Pos }[]; pos: Pos; depth: number }
  | { kind: 'bin'; op: 'add' | 'sub' | 'mul'; left: Expr; right: Expr; pos: Pos; depth: number };


const depthOf = (e: Expr): number => (e.kind === 'call' || e.kind === 'bin' ? e.depth : 1);

function tooDeep(sc: Scanner, at: Pos): never {
  return sc.fail(at, `expression nested deeper than ${MAX_NESTING} levels: give parts of it names on lines of their own`);
}

/** A binary node, refused when it would nest too deep. */
function bin(sc: Scanner, op: 'add' | 'sub' | 'mul', left: Expr, right: Expr, pos: Pos): Expr {
  const depth = 1 + Math.max(depthOf(left), depthOf(right));
  if (depth > MAX_NESTING) tooDeep(sc, pos);
  return { kind: 'bin', op, left, right, pos, depth };
}

interface Statement {
  target: string;
  prime: boolean;
  pos: Pos;
  expr: Expr;
}

interface Header {
  name?: string;
  pos: Pos;
  states: { name: string; pos: Pos }[];
}

class Scanner {
  pos = 0;
  /** Open parentheses and calls around the current position. */
  nesting = 0;
  line = 1;
  col = 1;
  constructor(
    readonly src: string,
    readonly file: string,
  ) {}

  here(): Pos {
    return { line: this.line, col: this.col };
  }
  fail(at: Pos, msg: string): never {
    throw new NotationError(this.file, at.line, at.col, msg);
  }
  peek(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }
  atEnd(): boolean {
    return this.pos >= this.src.length;
  }
  advance(): string {
    const c = this.src[this.pos++];
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else this.col++;
    return c;
  }
  /** Skips spaces and comments; newlines too when `newlines` (inside parentheses). */
  skip(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.advance();
      else if (c === '#') while (!this.atEnd() && this.peek() !== '\n') this.advance();
      else if (c === '\n' && newlines) this.advance();
      else return;
    }
  }
  /** Skips blank and comment lines; true if anything is left. */
  skipLines(): boolean {
    for (;;) {
      this.skip(false);
      if (this.peek() === '\n') this.advance();
      else return !this.atEnd();
    }
  }
  /** Ends a line: only spaces or a comment may follow. */
  endLine(what: string): void {
    this.skip(false);
    if (this.atEnd()) return;
    if (this.peek() !== '\n') this.fail(this.here(), `unexpected ${this.describe()} after ${what}`);
    this.advance();
  }
  private match(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    return re.exec(this.src);
  }
  ident(): string | undefined {
    const m = this.match(/[A-Za-z_][A-Za-z0-9_]*/y);
    if (!m) return undefined;
    for (let i = 0; i < m[0].length; i++) this.advance();
    return m[0];
  }
  expect(ch: string, context: string): void {
    if (this.peek() !== ch) this.fail(this.here(), `expected '${ch}' ${context}, found ${this.describe()}`);
    this.advance();
  }
  describe(): string {
    const c = this.peek();
    if (c === '') return 'the end of the file';
    if (c === '\n') return 'the end of the line';
    const word = /^[A-Za-z0-9_.]+/.exec(this.src.slice(this.pos, this.pos + 40));
    return `'${word ? word[0] : c}'`;
  }
  number(): number | undefined {
    const m = this.match(/(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/y);
    if (!m) return undefined;
    for (let i = 0; i < m[0].length; i++) this.advance();
    return Number(m[0]);
  }
  /** A JSON string literal starting at the current '"'. */
  jsonString(): string {
    const start = this.here();
    let end = this.pos + 1;
    while (end < this.src.length && this.src[end] !== '"' && this.src[end] !== '\n') end += this.src[end] === '\\' ? 2 : 1;
    if (this.src[end] !== '"') this.fail(start, 'unterminated string (strings are JSON strings on one line)');
    const raw = this.src.slice(this.pos, end + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.fail(start, `invalid string ${raw} (strings are JSON strings)`);
    }
    while (this.pos <= end) this.advance();
    return value as string;
  }
  restOfLine(): string {
    let s = '';
    while (!this.atEnd() && this.peek() !== '\n') s += this.advance();
    if (!this.atEnd()) this.advance();
    return s.trim();
  }
}

function parseHeader(sc: Scanner): Header {
  if (!sc.skipLines()) sc.fail(sc.here(), "empty cell: expected a header like 'cell GRU(x; h)'");
  const pos = sc.here();
  const kw = sc.ident();
  if (kw !== 'cell') sc.fail(pos, "expected a header like 'cell GRU(x; h)'");
  sc.skip(false);
  let name: string | undefined;
  if (sc.peek() === '"') name = sc.jsonString();
  else if (sc.peek() !== '(') {
    const at = sc.here();
    let s = '';
    while (/[A-Za-z0-9_.+-]/.test(sc.peek())) s += sc.advance();
    if (!s) sc.fail(at, `expected the cell's name or '(', found ${sc.describe()} (quote names with spaces: cell "Tanh RNN"(x; h))`);
    name = s;
  }
  sc.skip(false);
  sc.expect('(', "after the cell's name");
  sc.skip(true);
  const xPos = sc.here();
  const input = sc.ident();
  if (input !== INPUT) sc.fail(xPos, `the first parameter is the input and must be '${INPUT}', found ${input ? `'${input}'` : sc.describe()}`);
  sc.skip(true);
  sc.expect(';', `between the input '${INPUT}' and the states`);
  const states: Header['states'] = [];
  for (;;) {
    sc.skip(true);
    const at = sc.here();
    const s = sc.ident();
    if (!s) sc.fail(at, `expected a state name, found ${sc.describe()}`);
    if (s === INPUT) sc.fail(at, `'${INPUT}' is the input and cannot be a state`);
    if (states.some((t) => t.name === s)) sc.fail(at, `state '${s}' is declared twice`);
    states.push({ name: s, pos: at });
    sc.skip(true);
    if (sc.peek() === ',') {
      sc.advance();
      continue;
    }
    sc.expect(')', 'after the states');
    break;
  }
  sc.endLine('the header');
  return { name, pos, states };
}

function parseExpr(sc: Scanner, nl: boolean): Expr {
  let left = parseTerm(sc, nl);
  for (;;) {
    sc.skip(nl);
    const c = sc.peek();
    if (c !== '+' && c !== '-') return left;
    const pos = sc.here();
    sc.advance();
    const right = parseTerm(sc, nl);
    left = bin(sc, c === '+' ? 'add' : 'sub', left, right, pos);
  }
}

function parseTerm(sc: Scanner, nl: boolean): Expr {
  let left = parseFactor(sc, nl);
  for (;;) {
    sc.skip(nl);
    if (sc.peek() !== '*') return left;
    const pos = sc.here();
    sc.advance();
    const right = parseFactor(sc, nl);
    left = bin(sc, 'mul', left, right, pos);
  }
}

function parseFactor(sc: Scanner, nl: boolean): Expr {
  sc.skip(nl);
  const pos = sc.here();
  const c = sc.peek();
  if (c === '(') {
    if (++sc.nesting > MAX_NESTING) tooDeep(sc, pos);
    sc.advance();
    const e = parseExpr(sc, true);
    sc.skip(true);
    sc.expect(')', `to close the '(' at ${pos.line}:${pos.col}`);
    sc.nesting--;
    return e;
  }
  const num = sc.number();
  if (num !== undefined) {
    if (num !== 1) sc.fail(pos, `only the constant 1 can appear in an expression, found ${num} (bias values go in linear(...; biasInit=${num}))`);
    return { kind: 'one', pos };
  }
  const name = sc.ident();
  if (!name) sc.fail(pos, `expected a name, a function call, 1 or '(', found ${sc.describe()}`);
  if (sc.peek() === "'") {
    sc.advance();
    return { kind: 'ref', name, prime: true, pos };
  }
  sc.skip(false);
  if (sc.peek() !== '(') return { kind: 'ref', name, prime: false, pos };
  return parseCall(sc, name, pos);
}

function parseCall(sc: Scanner, fn: string, pos: Pos): Expr {
  if (!FUNCTIONS.includes(fn)) {
    sc.fail(pos, `unknown operation '${fn}' (known: ${FUNCTIONS.join(', ')}; write add, sub, mul as +, -, * and the constant as 1)`);
  }
  if (++sc.nesting > MAX_NESTING) tooDeep(sc, pos);
  sc.advance(); // '('
  const args: Expr[] = [];
  const opts: { key: string; value: number | boolean; pos: Pos }[] = [];
  sc.skip(true);
  if (sc.peek() !== ')' && sc.peek() !== ';') {
    for (;;) {
      args.push(parseExpr(sc, true));
      sc.skip(true);
      if (sc.peek() !== ',') break;
      sc.advance();
    }
  }
  if (sc.peek() === ';') {
    const semi = sc.here();
    sc.advance();
    if (fn !== 'linear') sc.fail(semi, `${fn} takes no options (only linear has bias, biasInit, diagOffset)`);
    for (;;) {
      sc.skip(true);
      const at = sc.here();
      const key = sc.ident();
      if (!key) sc.fail(at, `expected an option name (bias, biasInit, diagOffset), found ${sc.describe()}`);
      if (!(key in LINEAR_OPTIONS)) sc.fail(at, `unknown option '${key}' of linear (known: bias, biasInit, diagOffset)`);
      if (opts.some((o) => o.key === key)) sc.fail(at, `option '${key}' is given twice`);
      sc.skip(true);
      sc.expect('=', `after the option '${key}'`);
      sc.skip(true);
      const vpos = sc.here();
      let value: number | boolean;
      if (LINEAR_OPTIONS[key as LinearOption] === 'boolean') {
        const w = sc.ident();
        if (w !== 'true' && w !== 'false') sc.fail(vpos, `option '${key}' is true or false`);
        value = w === 'true';
      } else {
        const neg = sc.peek() === '-';
        if (neg || sc.peek() === '+') sc.advance();
        const n = sc.number();
        if (n === undefined || !Number.isFinite(n)) sc.fail(vpos, `option '${key}' is a finite number`);
        value = neg ? -n : n;
      }
      opts.push({ key, value, pos: at });
      sc.skip(true);
      if (sc.peek() !== ',') break;
      sc.advance();
    }
  }
  sc.skip(true);
  sc.expect(')', `to close ${fn}(`);
  sc.nesting--;
  if (fn === 'linear' && args.length === 0) sc.fail(pos, 'linear needs at least one input');
  if (fn !== 'linear' && args.length !== 1) sc.fail(pos, `${fn} takes 1 input, found ${args.length}`);
  const depth = 1 + Math.max(0, ...args.map(depthOf));
  if (depth > MAX_NESTING) tooDeep(sc, pos);
  return { kind: 'call', fn, args, opts, pos, depth };
}

function parseStatements(sc: Scanner, meta: Partial<Record<MetaKey, string>>): Statement[] {
  const out: Statement[] = [];
  while (sc.skipLines()) {
    const pos = sc.here();
    const target = sc.ident();
    if (!target) sc.fail(pos, `expected a line like 'name = expression', found ${sc.describe()}`);
    const prime = sc.peek() === "'";
    if (prime) sc.advance();
    sc.skip(false);
    if (!prime && sc.peek() === ':') {
      sc.advance();
      if (!(META_KEYS as readonly string[]).includes(target)) sc.fail(pos, `unknown field '${target}' (known: ${META_KEYS.join(', ')})`);
      if (out.length > 0) sc.fail(pos, `'${target}:' belongs right after the header, before the first equation`);
      const key = target as MetaKey;
      if (meta[key] !== undefined) sc.fail(pos, `'${key}' is given twice`);
      sc.skip(false);
      if (sc.peek() === '"') {
        meta[key] = sc.jsonString();
        sc.endLine(`the ${key}`);
      } else meta[key] = sc.restOfLine();
      continue;
    }
    sc.expect('=', `after '${target}${prime ? "'" : ''}' (a line is 'name = expression')`);
    const expr = parseExpr(sc, false);
    sc.endLine('the expression');
    out.push({ target, prime, pos, expr });
  }
  return out;
}

/** Parses notation into JSON form plus where each part was written; checks names and arities. */
export function parseNotationWithSource(text: string, file = '<notation>'): { cell: CellJson; source: NotationSource } {
  const sc = new Scanner(text, file);
  const header = parseHeader(sc);
  const meta: Partial<Record<MetaKey, string>> = {};
  const statements = parseStatements(sc, meta);
  const fail = (at: Pos, msg: string): never => sc.fail(at, msg);

  const states = header.states.map((s) => s.name);
  const isState = (n: string) => states.includes(n);
  // Every name written on the left, so that generated names never take one of them.
  const taken = new Set<string>([INPUT, ...states]);
  const firstDef = new Map<string, Statement>();
  const firstAssign = new Map<string, Statement>();
  for (const st of statements) {
    if (st.prime) {
      if (!firstAssign.has(st.target)) firstAssign.set(st.target, st);
    } else {
      taken.add(st.target);
      if (!firstDef.has(st.target)) firstDef.set(st.target, st);
    }
  }
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };

  const nodes: CellNode[] = [];
  const defined = new Map<string, string>(); // name -> reference
  const newValue = new Map<string, string>(); // state -> reference of its new value
  const source: NotationSource = {
    file,
    header: header.pos,
    stateDecl: new Map(header.states.map((s) => [s.name, s.pos])),
    stateAssign: new Map(),
    node: new Map(),
  };

  const resolve = (e: Extract<Expr, { kind: 'ref' }>, line: Statement): string => {
    if (e.prime) {
      if (!isState(e.name)) fail(e.pos, `${e.name}' names a new value, but '${e.name}' is not a state of this cell (states: ${states.join(', ')})`);
      const ref = newValue.get(e.name);
      if (ref !== undefined) return ref;
      const later = firstAssign.get(e.name);
      if (later && later !== line) fail(e.pos, `${e.name}' (the new ${e.name}) is used before line ${later.pos.line} assigns it`);
      if (later) fail(e.pos, `${e.name}' (the new ${e.name}) is defined in terms of itself`);
      return fail(e.pos, `${e.name}' (the new ${e.name}) is used but never assigned (add a line: ${e.name}' = ...)`);
    }
    if (e.name === INPUT || isState(e.name)) return e.name;
    const ref = defined.get(e.name);
    if (ref !== undefined) return ref;
    const later = firstDef.get(e.name);
    if (later && later !== line) fail(e.pos, `'${e.name}' is used before its definition on line ${later.pos.line} (define names before using them)`);
    if (later) fail(e.pos, `'${e.name}' is defined in terms of itself`);
    const hint = FUNCTIONS.includes(e.name) ? ` ('${e.name}' is an operation: call it as ${e.name}(...))` : '';
    return fail(e.pos, `undefined name '${e.name}'${hint} (known: ${[INPUT, ...states, ...defined.keys()].join(', ')})`);
  };

  for (const st of statements) {
    const shown = `${st.target}${st.prime ? "'" : ''}`;
    let base: string;
    if (st.prime) {
      if (!isState(st.target)) fail(st.pos, `${shown} names a new value, but '${st.target}' is not a state of this cell (states: ${states.join(', ')})`);
      if (newValue.has(st.target)) fail(st.pos, `${shown} is assigned twice (first on line ${firstAssign.get(st.target)!.pos.line})`);
      base = `${st.target}_new`;
    } else {
      if (st.target === INPUT) fail(st.pos, `'${INPUT}' is the input and cannot be assigned`);
      if (isState(st.target)) {
        fail(st.pos, `'${st.target}' is a state: inside the cell '${st.target}' always means the previous step's value; write its new value as ${st.target}' = ...`);
      }
      if (defined.has(st.target)) fail(st.pos, `'${st.target}' is defined twice (first on line ${firstDef.get(st.target)!.pos.line})`);
      base = st.target;
    }
    let ref: string;
    if (st.expr.kind === 'ref') ref = resolve(st.expr, st);
    else {
      const top = st.prime ? fresh(base) : base;
      let k = 0;
      const sub = (): string => {
        while (taken.has(`${top}_${++k}`));
        return fresh(`${top}_${k}`);
      };
      const build = (e: Expr, id: string): string => {
        switch (e.kind) {
          case 'ref':
            return resolve(e, st);
          case 'one':
            nodes.push({ id, op: 'one' });
            break;
          case 'bin': {
            const a = build(e.left, e.left.kind === 'ref' ? '' : sub());
            const b = build(e.right, e.right.kind === 'ref' ? '' : sub());
            nodes.push({ id, op: e.op, in: [a, b] });
            break;
          }
          case 'call': {
            const ins = e.args.map((a) => build(a, a.kind === 'ref' ? '' : sub()));
            if (e.fn === 'linear') {
              const node: LinearNode = { id, op: 'linear', in: ins };
              for (const o of e.opts) (node as Record<string, unknown>)[o.key] = o.value;
              nodes.push(node);
            } else nodes.push({ id, op: e.fn as (typeof UNARY)[number], in: ins });
            break;
          }
        }
        source.node.set(id, e.pos);
        return id;
      };
      ref = build(st.expr, top);
    }
    if (st.prime) {
      newValue.set(st.target, ref);
      source.stateAssign.set(st.target, st.pos);
    } else defined.set(st.target, ref);
  }

  for (const s of header.states) {
    if (!newValue.has(s.name)) fail(s.pos, `state '${s.name}' has no new value: add a line ${s.name}' = ...`);
  }
  const cell: CellJson = {
    ...(header.name !== undefined ? { name: header.name } : {}),
    ...(meta.description !== undefined ? { description: meta.description } : {}),
    ...(meta.source !== undefined ? { source: meta.source } : {}),
    states,
    nodes,
    outputs: Object.fromEntries(states.map((s) => [s, newValue.get(s)!])),
  };
  return { cell, source };
}

/**
 * Parses notation into the JSON form of a cell. Syntax, names, arities and missing new values are
 * checked here (NotationError with line and column); the semantic checks of cells/validate.ts
 * (dependence on x and on the state, ...) are not: `readNotation` does both.
 */
export function parseNotation(text: string, file = '<notation>'): CellJson {
  return parseNotationWithSource(text, file).cell;
}

/**
 * Parses notation into a checked cell. Every error, including the semantic ones of
 * cells/validate.ts, is a NotationError at the line and column the problem was written.
 */
export function readNotation(text: string, file = '<notation>'): Cell {
  const { cell, source } = parseNotationWithSource(text, file);
  try {
    return parseCell(cell);
  } catch (err) {
    if (err instanceof CellError) throw locate(err, cell, source);
    throw err;
  }
}

/** Moves a CellError about the JSON form to the place in the text that made that part. */
function locate(err: CellError, cell: CellJson, source: NotationSource): NotationError {
  const bare = err.path && err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
  // The header's metadata has no place of its own: its field names what is wrong.
  const detail = (['name', 'description', 'source'] as const).includes(err.path as 'name') ? `${err.path}: ${bare}` : bare;
  let at: Pos | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^outputs\.([A-Za-z_][A-Za-z0-9_]*)/.exec(err.path))) at = source.stateAssign.get(m[1]) ?? source.stateDecl.get(m[1]);
  else if ((m = /^nodes\[(\d+)\]/.exec(err.path))) at = source.node.get(cell.nodes[Number(m[1])]?.id ?? '');
  else if ((m = /^states\[(\d+)\]/.exec(err.path))) at = source.stateDecl.get(cell.states[Number(m[1])] ?? '');
  at ??= source.header;
  return new NotationError(source.file, at.line, at.col, detail);
}
