import type { Command } from 'commander';
import type { WorkspaceWriter } from '../backend.js';
import type { ExitCode } from '../core/common/errors.js';
import type { SecretRegistry } from '../core/common/secret-registry.js';
import type { RunContext } from './context.js';
import type { CliIO } from './io.js';

/** What command files get from the program: a way to open a run and to hand back their exit code. */
export interface CommandRuntime {
  /** The process's IO, for commands that run without a config (init). */
  readonly io: CliIO;
  /** Writes a new workspace (init): the one thing a command does without a config. */
  readonly workspace: WorkspaceWriter;
  open(command: Command): Promise<RunContext>;
  /** Wraps an action so that the exit code it returns becomes the process's. */
  // biome-ignore lint/suspicious/noExplicitAny: commander passes positional arguments of any shape
  handle<A extends any[]>(action: (...args: A) => Promise<ExitCode>): (...args: A) => Promise<void>;
}

export interface ProgramState {
  exitCode: ExitCode;
  /** The run's resolved secrets: everything written to stdout, stderr and files is scrubbed of them. */
  secrets: SecretRegistry;
}
