/**
 * One error hierarchy for the whole tool. Every error carries the exit code of DESIGN.md and an optional hint;
 * `cli/main.ts` is the only place that turns them into output and `process.exitCode`.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  input: 4,
  backend: 5,
  partial: 6,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Further lines (e.g. every config problem), printed under the message. */
  details?: readonly string[];
}

export class DnMailerError extends Error {
  readonly exitCode: ExitCode = ExitCode.internal;
  readonly hint: string | undefined;
  readonly details: readonly string[];

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** A flag or argument the user typed is wrong (exit 2). */
export class UsageError extends DnMailerError {
  override readonly exitCode = ExitCode.usage;
}

/** The configuration is wrong or incomplete, or a credential was refused (exit 3). */
export class ConfigError extends DnMailerError {
  override readonly exitCode = ExitCode.config;
}

/** Input data (users, payouts, templates) is unusable (exit 4). */
export class InputError extends DnMailerError {
  override readonly exitCode = ExitCode.input;
}

/** An outside system stayed unavailable after retries (exit 5). */
export class BackendError extends DnMailerError {
  override readonly exitCode = ExitCode.backend;
}

/**
 * A local store (the SQLite file) is locked by another process and stayed locked for the short wait allowed (exit 5).
 * Distinct so the unsubscribe endpoint can answer 503 + Retry-After instead of freezing.
 */
export class StoreBusyError extends BackendError {}

/** The operator cancelled at a prompt (exit 130). */
export class CancelledError extends DnMailerError {
  override readonly exitCode = ExitCode.cancelled;
}

export function isDnMailerError(error: unknown): error is DnMailerError {
  return error instanceof DnMailerError;
}
