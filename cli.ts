// The `cellsearch` command. Each subcommand lives in commands/<name>.ts and exports a yargs
// CommandModule; this file only assembles them and turns user-facing errors into exit codes.
//
// Exit codes: 0 success, 1 internal error (a bug: the stack is printed), 2 bad input (a flag, a
// file, a database: the message names the problem and where), 130 interrupted.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { CommandModule } from 'yargs';
import { isUserError, systemError } from './errors.ts';
import { forTerminal } from './commands/terminal.ts';
import { cellsCommand } from './commands/cells.ts';
import { showCommand } from './commands/show.ts';
import { tasksCommand } from './commands/tasks.ts';
import { sampleCommand } from './commands/sample.ts';
import { trainCommand } from './commands/train.ts';
import { runsCommand } from './commands/runs.ts';
import { reportCommand } from './commands/report.ts';
import { exportCommand } from './commands/export.ts';
import { importCommand } from './commands/import.ts';
import { ablateCommand } from './commands/ablate.ts';
import { calibrateCommand } from './commands/calibrate.ts';
import { reproduceCommand } from './commands/reproduce.ts';
import { searchCommand } from './commands/search.ts';
import { workerCommand } from './commands/worker.ts';
import { dashboardCommand } from './commands/dashboard.ts';

// Every subcommand, in the order `cellsearch --help` lists them.
const commands: CommandModule<any, any>[] = [
  cellsCommand,
  showCommand,
  tasksCommand,
  sampleCommand,
  trainCommand,
  searchCommand,
  workerCommand,
  runsCommand,
  reportCommand,
  dashboardCommand,
  exportCommand,
  importCommand,
  ablateCommand,
  calibrateCommand,
  reproduceCommand,
];

/** The word that invokes a command (`show <cell>` -> `show`). */
const commandWord = (c: CommandModule<any, any>): string => String(c.command).split(' ')[0];

/**
 * The command named by `argv` when it does not exist and help is asked for: yargs answers
 * `--help` before it looks at the command, so `cellsearch worker --help` would print the general
 * help and exit 0, and a script could not tell that there is no such command.
 */
export function unknownCommandWithHelp(argv: readonly string[], known: readonly string[]): string | undefined {
  if (!argv.some((a) => a === '--help' || a === '-h')) return undefined;
  // The top level takes no option with a value, so the first word that is not a flag is the command.
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && !known.includes(first) ? first : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const unknown = unknownCommandWithHelp(argv, commands.map(commandWord));
  if (unknown !== undefined) throw new UsageError(`Unknown command: ${unknown}`);
  let parser = yargs(argv)
    .scriptName('cellsearch')
    .usage('$0 <command> [options]\n\nSearch and ablate recurrent-network cell architectures.')
    .strict()
    .strictCommands()
    .demandCommand(1, 'Name a command; see the list above.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const c of commands) parser = parser.command(c);
  await parser.parseAsync();
}

class UsageError extends Error {
  readonly userFacing = true;
  override name = 'UsageError';
}

try {
  await main(hideBin(process.argv));
} catch (thrown) {
  // A system error (a permission, a full disk) is the machine's state, not a bug: exit 2 with what to do.
  const err = systemError(thrown) ?? thrown;
  if (isUserError(err)) {
    process.stderr.write(`cellsearch: ${forTerminal(err.message)}\n`);
    if (err instanceof UsageError) process.stderr.write(`Run 'cellsearch --help' for the list of commands and options.\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`cellsearch: internal error: ${forTerminal(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    process.exitCode = 1;
  }
}
