import type { Env } from '../config/load.js';

/** What a run of the CLI gets from its process; injected so tests can run `main` in-process. */
export interface CliIO {
  argv: readonly string[];
  env: Env;
  cwd: string;
  /** The OS temp folder (previews go there by default). */
  tmpdir: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Whether a person is at a usable terminal (`isUsableTerminal`): prompts and spinners only then. */
  interactive: boolean;
  now: () => Date;
  /**
   * Ends the process at once with this code: only for a second interrupt, when the operator will not wait for a
   * clean stop. Absent in in-process runs (an interrupt then only asks for the clean stop).
   */
  exit?: (code: number) => void;
}

/** The global flags, as every command sees them. */
export interface GlobalOptions {
  config?: string;
  backend?: string;
  json: boolean;
  color: boolean;
  verbose: boolean;
}

/** What a stream tells about the terminal behind it (a `tty.WriteStream` has both; a pipe or file neither). */
export interface TerminalLike {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Whether a stream is a terminal a spinner or a prompt can draw on: a TTY that reports a real width. A TTY that
 * reports zero columns (a pseudo-terminal opened by `script` from a non-terminal, some CI runners) is treated as no
 * terminal at all: a spinner there divides by its width and redraws forever.
 */
export function isUsableTerminal(stream: TerminalLike): boolean {
  const columns = stream.columns;
  return stream.isTTY === true && typeof columns === 'number' && Number.isFinite(columns) && columns > 0;
}

/** Errors of a write to an output whose reader has gone (`dn-mailer … | head`): not the program's fault. */
const CLOSED_PIPE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * Lets a closed stdout or stderr end the output quietly. Without a listener, Node turns the EPIPE of a write to a
 * pipe whose reader has exited (`dn-mailer preview --help | head -3`) into an uncaught exception with a stack trace.
 * With it, later writes to that stream go nowhere and the command runs to its end and exits with its own code (0
 * for help); the work a command does (a send, the ledger) does not depend on anyone reading its output. Any other
 * error of the stream is still thrown.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.EventEmitter): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== undefined && CLOSED_PIPE.has(error.code)) return;
    throw error;
  });
}
