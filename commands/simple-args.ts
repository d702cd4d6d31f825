// The command lines of a light command that need no yargs: `cellsearch show gru --format dot`
// parsed here, so that the command runs without loading yargs, which alone costs about as much
// CPU as Node's own start-up (issue 17: `show gru` under 150 ms). The command declares its
// options once, as yargs options; yargs parses them with its builder, this module reads the same
// declaration.
//
// It reads only the plain forms: the command word first, each positional of its usage exactly once,
// `--name value`, `--name=value` and a boolean `--name`, each option at most once, values that
// yargs would read the same way. For anything else (`--help`, a flag it does not know, a value
// it does not accept, a repeated option, `--`, a short flag, `--no-x`, a hyphenated option, a
// missing positional) it answers undefined and yargs parses the line: yargs' help and messages
// stay the only ones, so a bad flag still exits 2 with yargs' message (test/simple-args.test.ts
// holds the two parsers equal on the lines this one reads).
import type { Options, PositionalOptions } from 'yargs';

/** A command that runs without yargs on a plain command line (see simpleArgs). */
export interface SimpleCommand<A> {
  /** The positionals of the usage (`show <cell>`), in order, as the command's builder declares them. */
  readonly positionals: Readonly<Record<string, PositionalOptions>>;
  /** The options, as the builder passes them to yargs' `.options()`. */
  readonly options: Readonly<Record<string, Options>>;
  /** The command's handler, given the parsed arguments. */
  readonly run: (args: A) => Promise<void>;
}

/** The option fields this parser understands; an option with any other (an alias, a coerce, ...) is left to yargs. */
const KNOWN_FIELDS = new Set(['type', 'choices', 'default', 'describe']);
/** Numbers as yargs reads them and this parser too: whole, no sign, no leading zero, exact in a double. */
const WHOLE = /^(0|[1-9][0-9]{0,14})$/;
/** `--name` or `--name=value`; a hyphenated name is left to yargs, which also sets its camelCase twin. */
const FLAG = /^--([a-z][a-z0-9]*)(?:=(.*))?$/s;

/** The names of the required positionals of a usage (`show <cell>` -> ['cell']); undefined for optional or variadic ones. */
export function usagePositionals(usage: string): string[] | undefined {
  const [, ...rest] = usage.split(' ').filter((w) => w !== '');
  const names = rest.map((w) => /^<([a-z][a-z0-9-]*)>$/.exec(w)?.[1]);
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/** The value of option `o` from `raw`, or undefined when yargs might read it otherwise. */
function optionValue(o: Options, raw: string): string | number | undefined {
  if (raw === '' || raw.startsWith('-')) return undefined;
  if (o.choices !== undefined) return (o.choices as readonly unknown[]).includes(raw) && (o.type === undefined || o.type === 'string') ? raw : undefined;
  if (o.type === 'number') return WHOLE.test(raw) ? Number(raw) : undefined;
  if (o.type === 'string') return raw;
  return undefined;
}

/**
 * The arguments of `words` (the command line after `cellsearch`) for the command of `usage` that
 * `command` declares, or undefined when the line is not a plain one (yargs parses it then).
 */
export function simpleArgs<A>(usage: string, command: Pick<SimpleCommand<A>, 'positionals' | 'options'>, words: readonly string[]): A | undefined {
  const [word, ...rest] = words;
  const positionals = usagePositionals(usage);
  if (word !== usage.split(' ')[0] || positionals === undefined) return undefined;
  for (const p of positionals) if (command.positionals[p]?.type !== 'string') return undefined;
  const args: Record<string, unknown> = {};
  const seen: unknown[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (!w.startsWith('-')) {
      if (w === '' || seen.length >= positionals.length) return undefined;
      seen.push(w);
      continue;
    }
    const m = FLAG.exec(w);
    if (!m) return undefined;
    const [, name, inline] = m;
    const o = Object.hasOwn(command.options, name) ? command.options[name] : undefined;
    if (o === undefined || Object.hasOwn(args, name) || Object.keys(o).some((k) => !KNOWN_FIELDS.has(k))) return undefined;
    if (o.type === 'boolean') {
      // yargs reads `--flag true` and `--flag=false` as values; only the bare flag is plain.
      if (inline !== undefined || rest[i + 1] === 'true' || rest[i + 1] === 'false') return undefined;
      args[name] = true;
      continue;
    }
    const raw = inline ?? rest[++i];
    const value = raw === undefined ? undefined : optionValue(o, raw);
    if (value === undefined) return undefined;
    args[name] = value;
  }
  if (seen.length !== positionals.length) return undefined;
  positionals.forEach((p, i) => (args[p] = seen[i]));
  for (const [name, o] of Object.entries(command.options)) if (!Object.hasOwn(args, name) && o.default !== undefined) args[name] = o.default;
  return args as A;
}
