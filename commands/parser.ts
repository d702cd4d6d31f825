// The yargs parser of `cellsearch`: the top level (usage, version, help, strictness, failures as
// UsageError) and every command of commands/list.ts, of which only the one that runs is loaded:
// the others are registered by their head alone, so the help lists them and yargs recommends
// one for a mistyped word, but they never run, because the command is `word`.
// cli.ts imports this module only when it cannot answer alone (commands/usage.ts).
import yargs, { type Argv, type CommandModule } from 'yargs';
import { packageVersion } from '../package-files.ts';
import { COMMANDS, COMMAND_WORDS, commandHead, type CommandWord } from './list.ts';
import { SCRIPT_NAME, USAGE, UsageError } from './usage.ts';

/** The parser of `argv` (without node and the script), wrapping its help to `width`; `word` names the command that runs. */
export async function cliParser(argv: string[], word: CommandWord | undefined, width: number): Promise<Argv> {
  let parser = yargs(argv)
    .scriptName(SCRIPT_NAME)
    .usage(USAGE)
    .strict()
    .strictCommands()
    .demandCommand(1, 'Name a command; see the list above.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(packageVersion())
    .wrap(width)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const w of COMMAND_WORDS) {
    // Typed as any command: each module's own argument types are not the parser's.
    const command: CommandModule<any, any> = w === word ? await COMMANDS[w].load() : { ...commandHead(w), handler: () => {} };
    parser = parser.command(command);
  }
  return parser;
}
