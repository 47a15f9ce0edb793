import { CommanderError } from 'commander';
import { ExitCode, isDnMailerError } from '../core/common/errors.js';
import { createSecretRegistry } from '../core/common/secret-registry.js';
import { createChalk, type DepsFactory } from './context.js';
import type { CliIO } from './io.js';
import { createProgram, type ProgramOptions } from './program.js';
import type { ProgramState } from './runtime.js';
import { scrubOutput } from './scrubbed-io.js';
import { printable } from './ui/printable.js';

/**
 * Runs the CLI and returns the exit code. The ONE place that turns errors into output and exit codes (STYLE.md):
 * a known error prints its message, details and hint (a stack only with --verbose); anything else is a bug (1).
 */
export async function main(
  processIo: CliIO,
  makeDeps?: DepsFactory,
  options: ProgramOptions = {},
): Promise<number> {
  const secrets = createSecretRegistry();
  const io = scrubOutput(processIo, secrets);
  const state: ProgramState = { exitCode: ExitCode.ok, secrets };
  const program = createProgram(io, state, makeDeps, options);
  try {
    await program.parseAsync([...io.argv], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help / version text).
    const quiet = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    return quiet ? ExitCode.ok : ExitCode.usage;
  }
  const verbose = io.argv.includes('--verbose') || io.argv.includes('-v');
  const json = io.argv.includes('--json');
  const chalk = createChalk(io, { json, verbose, color: !io.argv.includes('--no-color') });
  const known = isDnMailerError(error);
  const exitCode = known ? error.exitCode : ExitCode.internal;
  const message = error instanceof Error ? error.message : String(error);
  // Messages quote input (a custom ID, a path, a provider's answer): printable() keeps it from steering the terminal.
  const lines = [chalk.red(`✘ ${known ? '' : 'internal error: '}${printable(message)}`)];
  if (known) for (const detail of error.details) lines.push(`  - ${printable(detail)}`);
  const hint = known
    ? error.hint
    : 'this is a bug in dn-mailer; run again with --verbose and report the output';
  if (hint) lines.push(chalk.dim(`hint: ${printable(hint)}`));
  if (verbose && error instanceof Error && error.stack) lines.push(chalk.dim(printable(error.stack)));
  io.stderr.write(`${lines.join('\n')}\n`);
  if (json) {
    const details = known ? error.details : [];
    io.stdout.write(
      `${JSON.stringify({ error: { message, exitCode, hint: hint ?? null, details } }, null, 2)}\n`,
    );
  }
  return exitCode;
}
