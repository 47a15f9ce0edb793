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
  /** Whether a person is at the terminal: prompts and spinners only then. */
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
