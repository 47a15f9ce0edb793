import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { createWorkspaceWriter } from '../adapters/backends.js';
import { registerCampaigns } from './commands/campaigns.js';
import { registerCompletion } from './commands/completion.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEvents } from './commands/events.js';
import { registerInit } from './commands/init.js';
import { registerPreview } from './commands/preview.js';
import { registerResolvePaths } from './commands/resolve-paths.js';
import { registerSendReport } from './commands/send-report.js';
import { registerServe, type ServeHooks } from './commands/serve.js';
import { registerStatus } from './commands/status.js';
import { registerSubscriptionCommands } from './commands/subscriptions.js';
import { type DepsFactory, openRun } from './context.js';
import type { CliIO, GlobalOptions } from './io.js';
import type { CommandRuntime, ProgramState } from './runtime.js';
import { StrictCommand } from './strict-command.js';
import { printable } from './ui/printable.js';

/** Seams for in-process tests; the CLI passes none. */
export interface ProgramOptions {
  /** How `serve` learns its URL is up and when to stop (default: the first SIGINT or SIGTERM). */
  serve?: ServeHooks;
}

export function createProgram(
  io: CliIO,
  state: ProgramState,
  makeDeps?: DepsFactory,
  options: ProgramOptions = {},
): Command {
  // Unknown options are reported before missing required ones, in every command (strict-command.ts).
  const program = new StrictCommand('dn-mailer')
    .description(
      'Send each creator their monthly financial report e-mail — and audit everything before it goes.',
    )
    .version(readVersion(), '-V, --version')
    .option(
      '-c, --config <path>',
      'config file (default: .distronationrc searched upward; env DN_MAILER_CONFIG)',
    )
    .addOption(new Option('--backend <backend>', 'override the config backend').choices(['local', 'aws']))
    .option('--json', 'print one JSON document on stdout (logs stay on stderr)', false)
    .option('--no-color', 'plain output without colours (also NO_COLOR=1)')
    .option('-v, --verbose', 'show full e-mail addresses and stack traces', false)
    // Set before the commands are added: subcommands copy it, so every `--help` lists the global flags too.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // Commander's errors quote what was typed (`unknown option '…'`): shown printable, like every data value.
      writeErr: (text) => io.stderr.write(printable(text)),
    })
    .addHelpText(
      'after',
      `
Help: dn-mailer help <command> (or <command> --help) · completion: dn-mailer completion bash|zsh|fish

Examples:
  $ dn-mailer send-report --month January --year 2025 --dry-run
  $ dn-mailer send-report --month January --year 2025
  $ dn-mailer status --month January --year 2025
  $ dn-mailer status --month October --year 2025 --email artist@example.com
  $ dn-mailer campaigns
  $ dn-mailer unsubscribe artist@example.com --reason "asked by phone"
  $ dn-mailer contacts show artist@example.com
  $ dn-mailer events sync
  $ dn-mailer events import examples/demo/ses-events.jsonl
  $ dn-mailer doctor
  $ dn-mailer init --backend local --dir my-workspace
  $ dn-mailer preview --month January --year 2025 --custom-id DYLVN --open
  $ dn-mailer resolve-paths --month January --year 2025
  $ dn-mailer resolve-paths --month previous --format json > audit.json
  $ dn-mailer --config examples/demo/.distronationrc.json resolve-paths -m jan -y 2025

Exit codes: 0 ok · 1 internal bug · 2 usage · 3 config · 4 bad input data · 5 backend unavailable ·
            6 partial (failed sends, an unfinished campaign in status, resolve-paths --strict found an ID that is not complete,
              or events sync left malformed messages on the queue) ·
            130 cancelled`,
    );

  const runtime: CommandRuntime = {
    io,
    workspace: createWorkspaceWriter(),
    open: (command) => openRun(io, command.optsWithGlobals<GlobalOptions>(), makeDeps, state.secrets),
    handle:
      (action) =>
      async (...args) => {
        state.exitCode = await action(...args);
      },
  };
  registerSendReport(program, runtime);
  registerResolvePaths(program, runtime);
  registerPreview(program, runtime);
  registerStatus(program, runtime);
  registerCampaigns(program, runtime);
  registerSubscriptionCommands(program, runtime);
  registerEvents(program, runtime);
  registerServe(program, runtime, options.serve);
  registerInit(program, runtime);
  registerDoctor(program, runtime);
  registerCompletion(program, runtime);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

function readVersion(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
