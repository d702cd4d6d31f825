#!/usr/bin/env node
// The `cellsearch` command. Each subcommand lives in commands/<name>.ts and exports a yargs
// CommandModule; this file only assembles them and turns user-facing errors into exit codes.
//
// Installed, `bin` runs its compiled form, dist/cli.js; from a clone, bin/cellsearch.js runs this file
// through tsx.
//
// Exit codes: 0 success, 1 internal error (a bug: the stack is printed), 2 bad input (a flag, a
// file, a database: the message names the problem and where), 130 interrupted.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { CommandModule } from 'yargs';
import { isUserError } from './errors.ts';
import { packageVersion } from './package-files.ts';
import { cellsCommand } from './commands/cells.ts';
import { showCommand } from './commands/show.ts';
import { tasksCommand } from './commands/tasks.ts';
import { sampleCommand } from './commands/sample.ts';
import { trainCommand } from './commands/train.ts';
import { runsCommand } from './commands/runs.ts';
import { reportCommand } from './commands/report.ts';
import { exportCommand } from './commands/export.ts';
import { ablateCommand } from './commands/ablate.ts';
import { calibrateCommand } from './commands/calibrate.ts';
import { searchCommand } from './commands/search.ts';

// Every subcommand, in the order `cellsearch --help` lists them.
const commands: CommandModule<any, any>[] = [
  cellsCommand,
  showCommand,
  tasksCommand,
  sampleCommand,
  trainCommand,
  searchCommand,
  runsCommand,
  reportCommand,
  exportCommand,
  ablateCommand,
  calibrateCommand,
];

export async function main(argv: string[]): Promise<void> {
  let parser = yargs(argv)
    .scriptName('cellsearch')
    .usage('$0 <command> [options]\n\nSearch and ablate recurrent-network cell architectures.')
    .strict()
    .strictCommands()
    .demandCommand(1, 'Name a command; see the list above.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(packageVersion())
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
} catch (err) {
  if (isUserError(err)) {
    process.stderr.write(`cellsearch: ${err.message}\n`);
    if (err instanceof UsageError) process.stderr.write(`Run 'cellsearch --help' for the list of commands and options.\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`cellsearch: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
