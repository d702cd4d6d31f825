#!/usr/bin/env node
// The `cellsearch` command. Each subcommand lives in commands/<name>.ts and exports a yargs
// CommandModule; this file only assembles them and turns user-facing errors into exit codes.
// Only the module of the command that runs is loaded (commands/list.ts holds what the help shows
// of the others), so the start-up pays for one command, not fourteen; `--version` and `--help`
// load no command and not yargs (commands/usage.ts), nor does a plain line of a light command such as
// `show gru` (commands/simple-args.ts); the others load yargs (commands/parser.ts).
//
// Installed, `bin` runs its compiled form, dist/cli.js; from a clone, bin/cellsearch.js runs this file
// through tsx.
//
// Exit codes: 0 success, 1 internal error (a bug: the stack is printed), 2 bad input (a flag, a
// file, a database: the message names the problem and where), 130 interrupted.
import { isUserError, systemError } from './errors.ts';
import { packageVersion } from './package-files.ts';
import { COMMANDS, COMMAND_WORDS, isCommandWord, simpleLoader, type CommandWord } from './commands/list.ts';
import { MIN_HELP_WIDTH, UsageError, helpWidth, topLevelHelp } from './commands/usage.ts';

/** The word that names the command: the top level takes no option with a value, so the first word that is not a flag. */
const firstWord = (argv: readonly string[]): string | undefined => argv.find((a) => !a.startsWith('-'));

/** The command `argv` names, if it names one. */
export function commandWord(argv: readonly string[]): CommandWord | undefined {
  const first = firstWord(argv);
  return first !== undefined && isCommandWord(first) ? first : undefined;
}

/**
 * The command named by `argv` when it does not exist and help is asked for: yargs answers
 * `--help` before it looks at the command, so `cellsearch worker --help` would print the general
 * help and exit 0, and a script could not tell that there is no such command.
 */
export function unknownCommandWithHelp(argv: readonly string[], known: readonly string[]): string | undefined {
  if (!argv.some((a) => a === '--help' || a === '-h')) return undefined;
  const first = firstWord(argv);
  return first !== undefined && !known.includes(first) ? first : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const unknown = unknownCommandWithHelp(argv, COMMAND_WORDS);
  if (unknown !== undefined) throw new UsageError(`Unknown command: ${unknown}`);
  const width = helpWidth(process.stdout.columns);
  // `--version` and the top-level help are answered here: yargs alone costs more CPU to load than
  // issue 17's start-up target. commands/usage.ts lays the help out as yargs does.
  if (argv.length === 1 && argv[0] === '--version') {
    console.log(packageVersion());
    return;
  }
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && width >= MIN_HELP_WIDTH) {
    console.log(topLevelHelp(width));
    return;
  }
  const word = commandWord(argv);
  // A plain line of a light command (`show gru`) runs without yargs (commands/simple-args.ts);
  // anything else, help and mistakes included, is yargs' to parse.
  const load = word === undefined ? undefined : simpleLoader(word);
  if (word !== undefined && load !== undefined) {
    const [command, { simpleArgs }] = await Promise.all([load(), import('./commands/simple-args.ts')]);
    const args = simpleArgs(COMMANDS[word].command, command, argv);
    if (args !== undefined) return command.run(args);
  }
  const { cliParser } = await import('./commands/parser.ts');
  await (await cliParser(argv, word, width)).parseAsync();
}

try {
  // What yargs' hideBin gives under Node: the words after node and the script (yargs/helpers
  // would load all of yargs).
  await main(process.argv.slice(2));
} catch (thrown) {
  // A system error (a permission, a full disk) is the machine's state, not a bug: exit 2 with what to do.
  const err = systemError(thrown) ?? thrown;
  // Loaded only on this path: it brings zod, which `--help` and `--version` need not load.
  const { forTerminal } = await import('./commands/terminal.ts');
  if (isUserError(err)) {
    process.stderr.write(`cellsearch: ${forTerminal(err.message)}\n`);
    if (err instanceof UsageError) process.stderr.write(`Run 'cellsearch --help' for the list of commands and options.\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`cellsearch: internal error: ${forTerminal(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    process.exitCode = 1;
  }
}
