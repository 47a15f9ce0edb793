import { ExitCode } from '../core/common/errors.js';
import type { CliIO } from './io.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface InterruptWatch {
  /** Aborted by the first SIGINT / SIGTERM once `arm()` was called. */
  readonly stop: AbortSignal;
  /** From now on the first interrupt asks for a clean stop (before this, nothing is claimed: it ends at once). */
  arm(): void;
  /** Gives the signals back to Node's defaults. */
  dispose(): void;
}

/**
 * Ctrl-C and SIGTERM during a send. Before the send starts nothing is claimed, so an interrupt ends the run at once.
 * Once armed, the first interrupt aborts `stop` (no new claims; sends in flight finish; rows released; summary and
 * report written: the command returns 130); a second one ends the process at once, also with 130.
 */
export function watchInterrupts(io: CliIO, note: (line: string) => void): InterruptWatch {
  const controller = new AbortController();
  let armed = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!armed) {
      note(`✘ ${signal}: stopped by you before sending started — nothing was sent`);
      return quit();
    }
    if (!controller.signal.aborted) {
      note(
        `${signal}: stopping — no new messages are started; those in flight finish first. Press Ctrl-C again to quit at once.`,
      );
      controller.abort(signal);
      return;
    }
    note(
      `✘ ${signal} again: quitting at once — a message in flight may be left 'sending'; the next run records it as unknown`,
    );
    quit();
  };
  const quit = () => {
    if (io.exit) io.exit(ExitCode.cancelled);
    else controller.abort();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    stop: controller.signal,
    arm: () => {
      armed = true;
    },
    dispose: () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
