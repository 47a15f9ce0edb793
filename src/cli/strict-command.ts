import { Command, type ParseOptionsResult } from 'commander';

/** Commander's built-in help flags: a request for help outranks every error, as in commander itself. */
const HELP_FLAGS = new Set(['-h', '--help']);

/**
 * A commander `Command` that reports an unknown option before a missing required one. Commander checks required
 * options first, so `send-report --mnth December` said "required option '-m, --month' not specified" — true, but the
 * typo is what the operator needs to see, with commander's own "(Did you mean --month?)".
 *
 * The check runs where a leaf command (one without subcommands) has parsed its own options; groups such as the
 * program itself pass unknown options on to their subcommands, so they are left alone.
 */
export class StrictCommand extends Command {
  override createCommand(name?: string): StrictCommand {
    return new StrictCommand(name);
  }

  override parseOptions(argv: string[]): ParseOptionsResult {
    const parsed = super.parseOptions(argv);
    const [first] = parsed.unknown;
    const helpWanted = parsed.unknown.some((arg) => HELP_FLAGS.has(arg));
    if (this.commands.length === 0 && first?.startsWith('-') && !helpWanted) {
      // `unknownOption` is commander's own report (message, suggestion, exit code, exitOverride); it is left out of
      // the typings only. commander is pinned exactly, and test/cli/unknown-options.test.ts pins this behaviour.
      (this as unknown as { unknownOption(flag: string): never }).unknownOption(first);
    }
    return parsed;
  }
}
